//! SETQUOTA (RFC 9208 4.1.3), refused: the limits in `maildirsize` are the administrator's
//! or the MTA's to set, so the command is parsed and answered NO, and QUOTASET is not
//! advertised (RFC 9208 1).

use super::Response;
use crate::wire::{ParseError, Parser};

/// `quota-root-name SP "(" [resource-name SP resource-limit *(SP ...)] ")"`.
pub fn parse(p: &mut Parser) -> Result<(), ParseError> {
    p.astring()?;
    p.sp()?;
    p.open()?;
    if p.eat(b')') {
        return Ok(());
    }
    loop {
        p.atom()?;
        p.sp()?;
        let limit = p.atom()?;
        // number64 (RFC 9051): up to 2^63 - 1.
        let digits = limit.iter().all(u8::is_ascii_digit);
        if !digits || std::str::from_utf8(&limit).map_or(true, |n| n.parse::<i64>().is_err()) {
            return Err(ParseError::bad("A resource limit is a number"));
        }
        if p.eat(b')') {
            return Ok(());
        }
        p.sp()?;
    }
}

pub fn setquota() -> Response {
    Response::no("Quota limits are set by the administrator")
}
