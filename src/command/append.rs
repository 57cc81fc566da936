//! APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's APPENDUID
//! (RFC 4315) and the UTF8 data item (RFC 6855 4, [`utf8_literal`]). The parser stops
//! after the mailbox name and this command reads the rest itself as it runs: each message
//! streams from the wire into `tmp/` as it arrives (a literal8 is read whole first,
//! [`store_binary`]), and only when all of them are whole are they linked into the folder,
//! all or none. A refused command leaves nothing in
//! `tmp/`, and what the client still sends of it is read and dropped.
//!
//! The quota (RFC 9208 4.3.1, `[OVERQUOTA]`) is checked twice before anything enters the
//! folder: at each literal's announced length, before a synchronizing literal is asked
//! for, as Dovecot does; and with the sizes as stored, once all have arrived (a literal8
//! may grow in base64, another session may have added mail meanwhile). A CATENATE message
//! (RFC 4469, [`catenate`]) is checked before each of its parts, as its size grows.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::catenate::{self, Urls};
use super::storage_error::not_stored;
use super::{failed, quota_root, utf8_literal, Code, Response};
use super::{split_flags, Context};
use crate::maildir::deliver::TmpFile;
use crate::maildir::flags::{Flags, MessageFlags};
use crate::maildir::quota::Usage;
use crate::maildir::{folder, keywords, mailbox};
use crate::message::store_binary;
use crate::wire::command::bad_response;
use crate::wire::{Conn, Disconnect, ParseError, Parser, Rest};

/// The largest message APPEND takes, unless `IMAPD_APPENDTOTAL` is smaller ([`limit`]).
const MAX_MESSAGE: u64 = 256 << 20;

/// The most messages one APPEND takes (RFC 3502 MULTIAPPEND). Each is kept open in `tmp/`
/// until all have arrived, so this also bounds the descriptors one command holds.
pub const MAX_MESSAGES: usize = 500;

/// The most bytes, all its messages together, one APPEND takes (what it may put in `tmp/`),
/// unless `IMAPD_APPENDTOTAL` says otherwise.
pub const MAX_TOTAL: u64 = 1 << 30;

/// The largest message APPEND takes, as APPENDLIMIT advertises it (RFC 7889 2): one larger
/// gets `BAD [TOOBIG]` (RFC 7889 4).
pub fn limit() -> u64 {
    MAX_MESSAGE.min(crate::settings::number("IMAPD_APPENDTOTAL", MAX_TOTAL))
}

/// The messages of one command, whole in `tmp/` of `dir`.
struct Append {
    dir: PathBuf,
    messages: Vec<Incoming<TmpFile>>,
}

/// One message, whole in `file`.
struct Incoming<W> {
    system: Flags,
    keywords: Vec<Vec<u8>>,
    date: Option<i64>,
    file: W,
}

/// Why the messages were not taken: a syntax error (or the connection lost), or a NO.
pub enum Refused {
    Parse(ParseError),
    No(Response),
}

impl From<ParseError> for Refused {
    fn from(e: ParseError) -> Refused {
        Refused::Parse(e)
    }
}

/// `APPEND mailbox 1*(SP [flag-list SP] [date-time SP] literal)`: `rest` is what follows
/// the mailbox name (`None`: nothing does).
pub fn append(s: &mut Context, mailbox: &[u8], rest: Option<Rest>) -> io::Result<Response> {
    let Some(rest) = rest else {
        return Ok(Response::bad("Missing argument"));
    };
    let base = s.selected.as_ref().map(|sel| sel.dir.clone());
    let urls = Urls::new(s.root, s.namespace, base);
    let mut p = Parser::resume(s.conn, rest);
    let refused = match receive(&mut p, s.root, mailbox, urls) {
        Ok(a) => {
            drop(p);
            return Ok(link(s.root, a));
        }
        Err(Refused::Parse(ParseError::Bad { text, toobig })) => bad_response(text, toobig),
        Err(Refused::Parse(ParseError::No(no)) | Refused::No(no)) => no,
        Err(Refused::Parse(ParseError::Lost(lost))) => return Err(lost.into_io()),
    };
    p.skip().map_err(|lost| lost.into_io())?;
    Ok(refused)
}

/// Reads the messages into `tmp/` of the mailbox, as they arrive. A refused command leaves
/// none of them behind (RFC 3502: all or none); its literals still to come are the
/// caller's to skip. CATENATE's parts come from `urls`.
fn receive(p: &mut Parser, root: &Path, mailbox: &[u8], mut urls: Urls) -> Result<Append, Refused> {
    let dir = folder::existing(root, mailbox).map_err(|e| Refused::No(super::no_target(e)))?;
    let admit = |more| quota_root::admit(root, "APPEND", more).map_err(Refused::No);
    let messages = messages(p, admit, Some(&mut urls), || {
        TmpFile::create(&dir).map_err(|e| {
            crate::log!("APPEND failed: {e}");
            Refused::No(
                Response::no("Cannot store the message; the server log says why")
                    .with(super::storage_error::code(&e)),
            )
        })
    })?;
    Ok(Append { dir, messages })
}

/// Parses APPEND's arguments after the mailbox as [`append`] does, each message read and
/// dropped: what the `commands` fuzz target runs, so that flags, dates, literals and the
/// bounds are exercised without a Maildir. Returns whether they were taken (else the rest
/// of the command has been skipped); `Err` means the connection cannot go on.
pub fn fuzz_arguments(conn: &mut Conn, rest: Rest) -> Result<bool, Disconnect> {
    let mut p = Parser::resume(conn, rest);
    match messages(&mut p, |_| Ok(()), None, || Ok(io::sink())) {
        Ok(_) => Ok(true),
        Err(Refused::Parse(ParseError::Lost(lost))) => Err(lost),
        Err(_) => p.skip().map(|_| false),
    }
}

/// `1*(SP [flag-list SP] [date-time SP] literal)`: each message written to a file of its
/// own from `create`, made when its literal starts, once `admit` has taken what all of
/// them announced so far. CATENATE's URLs are read from `urls` (`None`: only parsed).
fn messages<W: Write>(
    p: &mut Parser,
    mut admit: impl FnMut(Usage) -> Result<(), Refused>,
    mut urls: Option<&mut Urls>,
    mut create: impl FnMut() -> Result<W, Refused>,
) -> Result<Vec<Incoming<W>>, Refused> {
    let mut messages = Vec::new();
    let mut total = 0u64;
    let max_total = crate::settings::number("IMAPD_APPENDTOTAL", MAX_TOTAL);
    let max_message = limit();
    loop {
        p.sp()?;
        let (system, keywords) = if p.peek() == Some(b'(') {
            let f = p.flag_list()?;
            let split = split_flags(&f).map_err(ParseError::bad)?;
            p.sp()?;
            split
        } else {
            (Flags::default(), Vec::new())
        };
        let date = if p.peek() == Some(b'"') {
            let d = p.date_time()?;
            p.sp()?;
            Some(d)
        } else {
            None
        };
        if messages.len() == MAX_MESSAGES {
            return Err(Refused::No(
                Response::no(format!("At most {MAX_MESSAGES} messages in one APPEND"))
                    .with(Code::Limit),
            ));
        }
        // A literal may announce up to 2^64 - 1 octets: the sum must not wrap.
        // The first message alone is over `max_message` at most: TOOBIG, below.
        let mut fits = |total: u64| {
            if total > max_total && !messages.is_empty() {
                return Err(Refused::No(
                    Response::no(format!(
                        "At most {max_total} bytes of messages in one APPEND"
                    ))
                    .with(Code::Limit),
                ));
            }
            admit(Usage {
                bytes: total,
                messages: messages.len() as u64 + 1,
            })
        };
        let utf8 = utf8_literal::open(p)?;
        let (file, len) = if !utf8 && p.ahead(b"CATENATE") {
            fits(total)?;
            let mut file = create()?;
            let len = catenate::message(p, &mut file, urls.as_deref_mut(), |size| {
                if size > max_message {
                    return Err(Refused::No(
                        Response::no(format!("A message may have at most {max_message} bytes"))
                            .with(Code::TooBig),
                    ));
                }
                fits(total.saturating_add(size))
            })?;
            total = total.saturating_add(len);
            (file, len)
        } else {
            total = total.saturating_add(p.literal_len().unwrap_or(0));
            fits(total)?;
            let mut file = create()?;
            let len = if p.at_literal8() {
                // RFC 3516 4.4: a literal8 comes whole into memory (at most `max_message`
                // bytes) so that its binary parts can be stored in base64 where they need
                // it; sized for what comes, but never for a literal refused unread.
                let size = p.literal_len().filter(|&n| n <= max_message).unwrap_or(0);
                let mut raw = Vec::with_capacity(size as usize);
                p.literal_into(&mut raw, max_message)?.and_then(|len| {
                    store_binary::write(&raw, &mut file)?;
                    file.flush()?;
                    Ok(len)
                })
            } else {
                p.literal_into(&mut file, max_message)?
            }
            .map_err(|e| Refused::No(not_stored(&e)))?;
            if utf8 {
                utf8_literal::close(p)?;
            }
            (file, len)
        };
        if len == 0 {
            return Err(Refused::No(Response::no("Cannot store an empty message")));
        }
        messages.push(Incoming {
            system,
            keywords,
            date,
            file,
        });
        if p.at_end() {
            return Ok(messages);
        }
    }
}

/// Links the messages into the folder, all or none, if they fit in the quota, and gives
/// them UIDs.
fn link(root: &Path, a: Append) -> Response {
    let stored = a.messages.iter().fold(Usage::default(), |u, m| {
        u.plus(Usage::message(m.file.stored_len()))
    });
    if let Err(no) = quota_root::admit(root, "APPEND", stored) {
        return no;
    }
    let mut names = Vec::with_capacity(a.messages.len());
    let undo = |names: &[Vec<u8>]| {
        for n in names {
            let _ = std::fs::remove_file(a.dir.join("cur").join(std::ffi::OsStr::from_bytes(n)));
        }
    };
    for m in a.messages {
        let (system, words) = (m.system, m.keywords);
        let k = match keywords::define(&a.dir, &words) {
            Ok(Some(k)) => k,
            Ok(None) => {
                undo(&names);
                return super::no_keyword_room();
            }
            Err(e) => {
                undo(&names);
                return failed("APPEND", e);
            }
        };
        let flags = MessageFlags {
            system,
            keywords: words
                .iter()
                .fold(0, |bits, w| bits | k.slot(w).map_or(0, |n| 1 << n)),
        };
        match m.file.commit(&a.dir, flags, m.date) {
            Ok(name) => names.push(name),
            Err(e) => {
                undo(&names);
                return failed("APPEND", e);
            }
        }
    }
    quota_root::added(root, stored);
    match mailbox::assign(root, &a.dir, &names, &[]) {
        Ok((uidvalidity, uids)) => {
            Response::ok("APPEND completed").with(Code::AppendUid { uidvalidity, uids })
        }
        // The messages are in the folder; they get UIDs at the next look.
        Err(e) => {
            crate::log!("APPEND: assigning UIDs: {e}");
            Response::ok("APPEND completed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Command;
    use crate::wire::command::{read, Read};
    use crate::wire::{Conn, Limits};

    const LIMITS: Limits = Limits {
        line: 65536,
        literal: 65536,
        command: 1 << 20,
        discard: u64::MAX,
    };

    /// Reads the commands of `input` as the `commands` fuzz target does; returns the tag of
    /// each one read whole and the flags of each APPEND, whether its arguments were taken or
    /// refused (then `false`).
    fn tags(input: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut conn = Conn::scratch(input).unwrap();
        let mut tags = Vec::new();
        while let Ok(read) = read(&mut conn, LIMITS, Command::parse) {
            if let Read::Command { tag, command, rest } = read {
                let taken = match (command, rest) {
                    (Command::Append { .. }, Some(rest)) => {
                        super::fuzz_arguments(&mut conn, rest).unwrap()
                    }
                    _ => true,
                };
                tags.push((tag, taken));
            }
        }
        tags
    }

    #[test]
    fn arguments_parsed_without_a_maildir() {
        // RFC 3501 6.3.11: flags and date-time are optional before each literal;
        // RFC 3502 MULTIAPPEND: several messages in one command; RFC 7888 LITERAL+, RFC 3516
        // literal8. The command after each must be read from its first byte.
        let input = b"a APPEND INBOX (\\Seen $Junk) \"07-Feb-1994 21:52:25 -0800\" {3+}\r\n\
            abc\r\n\
            b APPEND INBOX {2+}\r\nxy \"07-Feb-1994 21:52:25 -0800\" ~{3+}\r\na\0c\r\n\
            c APPEND INBOX (\\Bogus) {3+}\r\nabc\r\n\
            d APPEND INBOX \"31-Feb-1994 99:52:25 -0800\" {3+}\r\nabc\r\n\
            e NOOP\r\n";
        assert_eq!(
            tags(input),
            [
                (b"a".to_vec(), true),
                (b"b".to_vec(), true),
                // no such system flag (RFC 3501 2.3.2), no such date: refused, the literal
                // read and dropped
                (b"c".to_vec(), false),
                (b"d".to_vec(), false),
                (b"e".to_vec(), true),
            ]
        );
    }
}
