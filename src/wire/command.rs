//! Reading one whole command: tag, name, arguments, and the `BAD` answer when any of it is
//! malformed (RFC 3501 7.1.5), with the rest of the bad command skipped so that the next
//! one is read from its start. The `BAD` is sent also when the rest cannot be skipped (a
//! non-synchronizing literal too large to read and drop): the connection then ends after
//! it (RFC 7888 4 allows the BAD before the literal is read). Both roles read commands
//! through [`read`].

use super::{Code, Conn, Disconnect, Limits, ParseError, Parser, Response, Rest};

pub enum Read<T> {
    Command {
        tag: Vec<u8>,
        command: T,
        /// The rest of a command whose parser [stopped](Parser::stop) early.
        rest: Option<Rest>,
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
            let skipped = p.skip();
            bad(conn, b"*", text, toobig)?;
            skipped?;
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
            if !p.stopped() {
                p.end()?;
            }
            Ok(command)
        });
    match parsed {
        Ok(command) => Ok(Read::Command {
            tag,
            command,
            rest: p.stopped().then(|| p.into_rest()),
        }),
        Err(ParseError::Bad { text, toobig }) => {
            let skipped = p.skip();
            bad(conn, &tag, text, toobig)?;
            skipped?;
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
    bad_response(text, toobig).send(conn, Some(tag))
}

/// The answer to a [`ParseError::Bad`].
pub fn bad_response(text: &'static str, toobig: bool) -> Response {
    let response = Response::bad(text);
    match toobig {
        true => response.with(Code::TooBig),
        false => response,
    }
}
