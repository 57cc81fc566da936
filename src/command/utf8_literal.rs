//! APPEND's and CATENATE's `UTF8 (literal8)` data item (RFC 6855 4: `utf8-literal = "UTF8"
//! SP "(" literal8 ")"`), which marks a message with UTF-8 header fields. The message is
//! stored as the bytes of the literal8, like any other.

use crate::wire::{ParseError, Parser};

/// Reads `UTF8 (` when it comes next, up to the literal8 it must hold; false when it does
/// not come.
pub fn open(p: &mut Parser) -> Result<bool, ParseError> {
    if p.peek_keyword().as_deref() != Some(b"UTF8") {
        return Ok(false);
    }
    p.keyword()?;
    after_keyword(p)?;
    Ok(true)
}

/// [`open`] once `UTF8` is read.
pub fn after_keyword(p: &mut Parser) -> Result<(), ParseError> {
    p.sp()?;
    p.open()?;
    if !p.at_literal8() {
        return Err(ParseError::bad("UTF8 takes a literal8: UTF8 (~{n})"));
    }
    Ok(())
}

/// The `)` after the literal8.
pub fn close(p: &mut Parser) -> Result<(), ParseError> {
    if p.eat(b')') {
        Ok(())
    } else {
        Err(ParseError::bad("Expected ) after UTF8's literal8"))
    }
}
