//! What a command may use of the session that runs it: the connection (its output, and
//! its input for IDLE's DONE), the Maildir root, the selected mailbox and the idle
//! timeout. The session loop lends them for one command; a command sees nothing else of
//! the session, and the command layer never names it.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use super::Selected;
use crate::wire::Conn;

pub struct Context<'a> {
    pub conn: &'a mut Conn,
    /// The Maildir: INBOX, and the root of all folders.
    pub root: &'a Path,
    pub selected: &'a mut Option<Selected>,
    /// How long the client may stay silent (also while idling).
    pub timeout: Duration,
}

impl Context<'_> {
    /// Writes `* <text>`.
    pub fn untagged(&mut self, text: &str) -> io::Result<()> {
        let out = &mut self.conn.output;
        out.write_all(b"* ")?;
        out.write_all(text.as_bytes())?;
        out.write_all(b"\r\n")
    }

    /// Brings the client up to date with the selected mailbox on disk.
    pub fn refresh(&mut self, allow_expunge: bool) -> io::Result<()> {
        if let Some(sel) = self.selected.as_mut() {
            sel.refresh(self.root, &mut self.conn.output, allow_expunge)?;
        }
        Ok(())
    }
}
