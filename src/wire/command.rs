//! Reading one whole command: tag, name, arguments, and the `BAD` answer when any of it is
//! malformed (RFC 3501 7.1.5), with the rest of the bad command skipped so that the next
//! one is read from its start. Both roles read commands through [`read`].

use std::io::Write;

use super::{Conn, Limits, ParseError, Parser};

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
) -> Result<Read<T>, ParseError> {
    let mut p = Parser::begin(conn, limits)?;
    let tag = match p.tag() {
        Ok(tag) => tag,
        Err(ParseError::Bad { text, toobig }) => {
            p.skip()?;
            bad(conn, b"*", text, toobig)?;
            return Ok(Read::Refused);
        }
        Err(e) => return Err(e),
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
        Err(ParseError::No(text)) => {
            p.skip()?;
            no(conn, &tag, &text)?;
            Ok(Read::Refused)
        }
        Err(ParseError::Store(e)) => {
            p.skip()?;
            crate::log!("cannot store a message: {e}");
            no(conn, &tag, store_failure(&e))?;
            Ok(Read::Refused)
        }
        Err(e) => Err(e),
    }
}

/// The answer for a message that could not be written (RFC 5530 codes).
fn store_failure(e: &std::io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(n)
            if n == rustix::io::Errno::NOSPC.raw_os_error()
                || n == rustix::io::Errno::DQUOT.raw_os_error() =>
        {
            "[OVERQUOTA] Not enough disk space"
        }
        _ => "[SERVERBUG] Cannot store the message; the server log says why",
    }
}

fn no(conn: &mut Conn, tag: &[u8], text: &str) -> std::io::Result<()> {
    let out = &mut conn.output;
    out.write_all(tag)?;
    out.write_all(b" NO ")?;
    out.write_all(text.as_bytes())?;
    out.write_all(b"\r\n")
}

fn bad(conn: &mut Conn, tag: &[u8], text: &str, toobig: bool) -> std::io::Result<()> {
    let out = &mut conn.output;
    out.write_all(tag)?;
    out.write_all(if toobig { b" BAD [TOOBIG] " } else { b" BAD " })?;
    out.write_all(text.as_bytes())?;
    out.write_all(b"\r\n")
}
