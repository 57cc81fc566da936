//! The entry point of the `serve` fuzz target (`fuzz/`): one session of the serve role run
//! over given input bytes against a given Maildir, as `imapd serve` runs it after its
//! greeting, with everything it answers written to `sink`. The target checks the answers.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::Duration;

use super::Session;
use crate::wire::{Conn, Output};

/// Runs the session until the input ends (at most 60000 bytes are read); returns why it
/// ended, as the log would say.
pub fn fuzz_serve(input: &[u8], root: &Path, sink: std::fs::File) -> String {
    let Some(mut conn) = Conn::scratch(input) else {
        return "no pipe".to_string();
    };
    let second = Duration::from_secs(1);
    conn.output = Output::new(OwnedFd::from(sink), second);
    let mut session = Session {
        conn,
        root: root.to_path_buf(),
        selected: None,
        enabled: Default::default(),
        done: false,
        timeout: second,
        namespace: Default::default(),
    };
    // serve() flushes after every command, also the last one
    session.serve()
}
