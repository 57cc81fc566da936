//! ID (RFC 2971): the client names itself, the server answers with its own name. Both
//! roles answer it; what the client says is only checked for syntax.

use std::io::{self, Write};

use crate::wire::{ParseError, Parser};

/// RFC 2971 section 3.3: at most 30 pairs, fields up to 30 bytes, values up to 1024.
pub fn parse(p: &mut Parser) -> Result<(), ParseError> {
    let bad = |text| ParseError::Bad {
        text,
        toobig: false,
    };
    if p.nil() {
        return Ok(());
    }
    p.open()?;
    let mut pairs = 0;
    while !p.eat(b')') {
        if pairs > 0 {
            p.sp()?;
        }
        let field = p.string()?;
        p.sp()?;
        let value = p.nstring()?;
        pairs += 1;
        if pairs > 30 || field.len() > 30 || value.is_some_and(|v| v.len() > 1024) {
            return Err(bad("ID parameters too long"));
        }
    }
    Ok(())
}

pub fn respond(w: &mut impl Write) -> io::Result<()> {
    write!(
        w,
        "* ID (\"name\" \"imapd\" \"version\" \"{}\")\r\n",
        env!("CARGO_PKG_VERSION")
    )
}
