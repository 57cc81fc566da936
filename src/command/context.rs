//! What a command may use of the session that runs it: the connection (its output, and
//! its input for IDLE's DONE), the Maildir root, the selected mailbox, the extensions
//! enabled, the namespace and the idle timeout. The session loop lends them for one command; a command sees nothing else of
//! the session, and the command layer never names it.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use super::enable::Enabled;
use super::mailbox_name::Spelling;
use super::namespace::Namespace;
use super::search_context;
use super::Selected;
use crate::wire::Conn;
use crate::wire::{Code, Response};

pub struct Context<'a> {
    pub conn: &'a mut Conn,
    /// The Maildir: INBOX, and the root of all folders.
    pub root: &'a Path,
    pub selected: &'a mut Option<Selected>,
    /// What ENABLE and the other enabling commands switched on (RFC 5161, RFC 7162 3.1).
    pub enabled: &'a mut Enabled,
    /// How long the client may stay silent (also while idling).
    pub timeout: Duration,
    /// Where the folders are shown (`IMAPD_NAMESPACE`).
    pub namespace: Namespace,
}

impl Context<'_> {
    /// How this client spells mailbox names.
    pub fn spelling(&self) -> Spelling {
        Spelling {
            utf8: self.enabled.utf8(),
            namespace: self.namespace,
        }
    }

    /// Writes `* <text>`.
    pub fn untagged(&mut self, text: &str) -> io::Result<()> {
        let out = &mut self.conn.output;
        out.write_all(b"* ")?;
        out.write_all(text.as_bytes())?;
        out.write_all(b"\r\n")
    }

    /// Enables CONDSTORE (RFC 7162 3.1); true when it was not enabled before. The first
    /// enabling command with a mailbox selected tells its HIGHESTMODSEQ; MODSEQs that
    /// cannot be read now are read when a command needs them, which then says why not.
    pub fn enable_condstore(&mut self) -> io::Result<bool> {
        if self.enabled.condstore {
            return Ok(false);
        }
        self.enabled.condstore = true;
        if let Some(sel) = self.selected.as_mut() {
            match sel.modseqs() {
                Ok(m) => Response::ok("Highest")
                    .with(Code::HighestModseq(m.told()))
                    .write(&mut self.conn.output, None)?,
                Err(e) => crate::log!("MODSEQs not read: {e}"),
            }
        }
        Ok(true)
    }

    /// Enables QRESYNC (RFC 7162 3.2.3), after CONDSTORE: from now on expunges are told
    /// with VANISHED, also in the mailbox selected now.
    pub fn enable_qresync(&mut self) {
        self.enabled.qresync = true;
        if let Some(sel) = self.selected.as_mut() {
            sel.qresync = true;
        }
    }

    /// Enables IMAP4rev2 (RFC 9051 Appendix A), also in the mailbox selected now.
    pub fn enable_imap4rev2(&mut self) {
        self.enabled.imap4rev2 = true;
        if let Some(sel) = self.selected.as_mut() {
            sel.imap4rev2 = true;
        }
    }

    /// Brings the client up to date with the selected mailbox on disk, and the live
    /// searches when it changed (RFC 5267 4.3: ADDTO after the EXISTS it needs); when
    /// expunges must wait, tells a HIGHESTMODSEQ below theirs (RFC 7162 3.2).
    pub fn refresh(&mut self, allow_expunge: bool) -> io::Result<()> {
        if let Some(sel) = self.selected.as_mut() {
            if sel.refresh(self.root, &mut self.conn.output, allow_expunge)? {
                search_context::reevaluate(sel, &mut self.conn.output)?;
            }
            if let Some(h) = sel.below_pending_expunges().filter(|_| !allow_expunge) {
                Response::ok("Expunges to come")
                    .with(Code::HighestModseq(h))
                    .write(&mut self.conn.output, None)?;
            }
        }
        Ok(())
    }
}
