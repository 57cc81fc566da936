//! ENABLE (RFC 5161): the extensions a client has switched on for the rest of the
//! connection: CONDSTORE (RFC 7162 3.1) and QRESYNC (3.2.3), which implies it,
//! UTF8=ACCEPT (RFC 6855 3), and IMAP4rev2 (RFC 9051 Appendix A). CONDSTORE's
//! other enabling commands (SELECT with CONDSTORE, FETCH MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH
//! MODSEQ, STATUS HIGHESTMODSEQ) switch it on through [`Enabled::condstore`] as well.

use std::io;

use super::{Context, Response};
use crate::wire::{ParseError, Parser};

/// What this session has enabled; nothing can be disabled again (RFC 5161 3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enabled {
    /// MODSEQ in every untagged FETCH, HIGHESTMODSEQ at every SELECT (RFC 7162 3.1).
    pub condstore: bool,
    /// VANISHED instead of EXPUNGE, and the QRESYNC parameter of SELECT and VANISHED
    /// modifier of UID FETCH allowed (RFC 7162 3.2.3).
    pub qresync: bool,
    /// UTF8=ACCEPT (RFC 6855 3): UTF-8 in quoted strings and mailbox names, both ways,
    /// and no CHARSET in SEARCH.
    pub utf8_accept: bool,
    /// IMAP4rev2's responses instead of IMAP4rev1's (RFC 9051 Appendix E): UTF-8 names
    /// too, ESEARCH for SEARCH, no `\Recent`, a LIST at SELECT.
    pub imap4rev2: bool,
}

impl Enabled {
    /// Whether quoted strings and mailbox names are UTF-8 (RFC 6855 3, RFC 9051 5.1);
    /// modified UTF-7 otherwise (RFC 9051 Appendix A.1).
    pub fn utf8(&self) -> bool {
        self.utf8_accept || self.imap4rev2
    }
}

/// `ENABLE 1*(SP capability)`: the names as given; unknown ones are ignored when run.
pub fn parse(p: &mut Parser) -> Result<Vec<Vec<u8>>, ParseError> {
    p.sp()?;
    let mut names = vec![p.atom()?];
    while p.eat(b' ') {
        names.push(p.atom()?);
    }
    Ok(names)
}

/// Enables what of `names` this server supports and `* ENABLED` lists those newly enabled
/// only (RFC 5161 3.1: each response lists what its own command enabled). QRESYNC
/// enables CONDSTORE too, which is listed when named (RFC 7162 3.2.3: `ENABLE QRESYNC`
/// and `ENABLE QRESYNC CONDSTORE` have the same effect).
pub fn enable(s: &mut Context, names: &[Vec<u8>]) -> io::Result<Response> {
    let mut line = String::from("ENABLED");
    let named = |n: &[u8]| names.iter().any(|name| name.eq_ignore_ascii_case(n));
    let qresync = named(b"QRESYNC") && !s.enabled.qresync;
    let condstore = (named(b"CONDSTORE") || qresync) && s.enable_condstore()?;
    if condstore && named(b"CONDSTORE") {
        line.push_str(" CONDSTORE");
    }
    if qresync {
        s.enable_qresync();
        line.push_str(" QRESYNC");
    }
    if named(b"UTF8=ACCEPT") && !s.enabled.utf8_accept {
        s.enabled.utf8_accept = true;
        line.push_str(" UTF8=ACCEPT");
    }
    if named(b"IMAP4rev2") && !s.enabled.imap4rev2 {
        s.enable_imap4rev2();
        line.push_str(" IMAP4rev2");
    }
    s.untagged(&line)?;
    Ok(Response::ok("ENABLE completed"))
}
