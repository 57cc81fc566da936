//! Reading one whole command: tag, name, arguments, and the `BAD` answer when any of it is
//! malformed (RFC 3501 7.1.5), with the rest of the bad command skipped so that the next
//! one is read from its start. Both roles read commands through [`read`].

use super::{Code, Conn, Disconnect, Limits, ParseError, Parser, Response};

pub enum Read<T> {
    Command {
        tag: Vec<u8>,
        command: T,
    },
    /// The command was malformed and has been answered with `BAD`.
    Refused,
}

/// Reads a command, handing its upper-cased name and the parser to `parse`, which must
/// consume all the arguments (an unknown name is a `ParseError::Bad` too).
/// `Err` means the connection cannot go on.
pub fn read<T>(
    conn: &mut Conn,
    limits: Limits,
    parse: impl FnOnce(&[u8], &mut Parser) -> Result<T, ParseError>,
) -> Result<Read<T>, Disconnect> {
    let mut p = Parser::begin(conn, limits)?;
    let tag = match p.tag() {
        Ok(tag) => tag,
        Err(ParseError::Bad { text, toobig }) => {
            p.skip()?;
            bad(conn, b"*", text, toobig)?;
            return Ok(Read::Refused);
        }
        Err(ParseError::No(response)) => {
            p.skip()?;
            response.send(conn, Some(b"*"))?;
            return Ok(Read::Refused);
        }
        Err(ParseError::Lost(d)) => return Err(d),
    };
    let parsed = p
        .fits()
        .and_then(|_| p.sp())
        .and_then(|_| p.keyword())
        .and_then(|name| {
            let command = parse(&name, &mut p)?;
            p.end()?;
            Ok(command)
        });
    match parsed {
        Ok(command) => Ok(Read::Command { tag, command }),
        Err(ParseError::Bad { text, toobig }) => {
            p.skip()?;
            bad(conn, &tag, text, toobig)?;
            Ok(Read::Refused)
        }
        Err(ParseError::No(response)) => {
            p.skip()?;
            response.send(conn, Some(&tag))?;
            Ok(Read::Refused)
        }
        Err(ParseError::Lost(d)) => Err(d),
    }
}

fn bad(conn: &mut Conn, tag: &[u8], text: &'static str, toobig: bool) -> Result<(), Disconnect> {
    let mut response = Response::bad(text);
    if toobig {
        response = response.with(Code::TooBig);
    }
    response.send(conn, Some(tag))
}
