//! ENABLE (RFC 5161): the extensions a client has switched on for the rest of the
//! connection: CONDSTORE (RFC 7162 3.1) and QRESYNC (3.2.3), which implies it, and
//! UTF8=ACCEPT (RFC 6855 3). CONDSTORE's
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
    /// UTF-8 in quoted strings and mailbox names, both ways (RFC 6855 3).
    pub utf8: bool,
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
    if named(b"UTF8=ACCEPT") && !s.enabled.utf8 {
        s.enabled.utf8 = true;
        line.push_str(" UTF8=ACCEPT");
    }
    s.untagged(&line)?;
    Ok(Response::ok("ENABLE completed"))
}
