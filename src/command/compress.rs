//! COMPRESS (RFC 4978 section 3): the client asks for DEFLATE in both directions. The
//! command only answers; the session turns compression on right after the tagged OK
//! ([`Conn::start_compression`](crate::wire::Conn::start_compression)), since the OK
//! itself must go uncompressed and is sent after the command returns.

use super::Context;
use crate::wire::{Code, ParseError, Parser, Response};

/// `COMPRESS SP algorithm`: DEFLATE is the only one (section 5); any other is BAD, as
/// section 3 says (Dovecot 2.3 answers it NO).
pub fn parse(p: &mut Parser) -> Result<(), ParseError> {
    if p.atom()?.eq_ignore_ascii_case(b"DEFLATE") {
        Ok(())
    } else {
        Err(ParseError::bad(
            "Unknown compression mechanism; DEFLATE is offered",
        ))
    }
}

/// OK, or NO [COMPRESSIONACTIVE] when DEFLATE is on already (section 3; as Dovecot
/// answers it).
pub fn compress(s: &mut Context) -> Response {
    if s.conn.input.inflating() {
        Response::no("DEFLATE is active already").with(Code::CompressionActive)
    } else {
        Response::ok("DEFLATE active")
    }
}
