//! ENABLE (RFC 5161): the extensions a client has switched on for the rest of the
//! connection. Only CONDSTORE (RFC 7162 3.1) needs enabling here; its other enabling
//! commands (SELECT with CONDSTORE, FETCH MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH
//! MODSEQ, STATUS HIGHESTMODSEQ) switch it on through [`Enabled::condstore`] as well.

use std::io;

use super::{Context, Response};
use crate::wire::{ParseError, Parser};

/// What this session has enabled; nothing can be disabled again (RFC 5161 3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enabled {
    /// MODSEQ in every untagged FETCH, HIGHESTMODSEQ at every SELECT (RFC 7162 3.1).
    pub condstore: bool,
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
/// only (RFC 5161 3.1: each response lists what its own command enabled).
pub fn enable(s: &mut Context, names: &[Vec<u8>]) -> io::Result<Response> {
    let mut line = String::from("ENABLED");
    for name in names {
        if name.eq_ignore_ascii_case(b"CONDSTORE") && s.enable_condstore()? {
            line.push_str(" CONDSTORE");
        }
    }
    s.untagged(&line)?;
    Ok(Response::ok("ENABLE completed"))
}
