//! NOOP and CHECK (RFC 3501 6.1.2, 6.4.1): nothing to do but answer; CHECK needs a
//! selected mailbox. Every change is on disk before its tagged OK, so CHECK flushes nothing.

use std::io;

use crate::session::Session;

pub fn noop(s: &mut Session, tag: &[u8], name: &str) -> io::Result<()> {
    if name == "CHECK" && s.selected.is_none() {
        return s.tagged(tag, "BAD No mailbox selected");
    }
    s.tagged(tag, &format!("OK {name} completed"))
}
