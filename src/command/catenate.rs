//! CATENATE (RFC 4469): an APPEND message made of pieces, `CATENATE (TEXT {n} URL "..."
//! ...)`, the literals' bytes and the bytes FETCH BODY[section] would give for each URL,
//! one after the other, written into the message's file in `tmp/` as they come (through
//! [`crate::maildir::deliver::TmpFile`], which stores CRLF as LF like any APPEND).
//!
//! The size is known only part by part: before each one is read (before the `+` of a
//! synchronizing literal) the caller is asked whether the message may grow that far, so
//! that the APPEND bounds and the quota refuse it before its bytes arrive. A URL is read
//! as soon as it is parsed, and one that names nothing this session can read refuses the
//! command with `NO [BADURL url]` (RFC 4469 4.1, and its Example 4's note).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::append::Refused;
use super::imap_url::{self, Url};
use super::namespace::Namespace;
use super::storage_error::{failed, not_stored};
use super::{mailbox_name, utf8_literal, Code, Response};
use crate::maildir::mailbox::Mailbox;
use crate::maildir::message_file::{self, window};
use crate::maildir::{folder, MaildirError};
use crate::message::part;
use crate::wire::{ParseError, Parser};

/// The most parts one CATENATE message takes: each URL opens a message file.
pub const MAX_PARTS: usize = 256;

/// The most folders one APPEND reads URLs from; each is listed once and kept.
pub const MAX_FOLDERS: usize = 16;

/// Where URL parts are read from: the user's folders, the one selected being the base of
/// URLs without a mailbox (RFC 4469 3).
pub struct Urls<'a> {
    root: &'a Path,
    /// The namespace the URLs' mailbox names are in.
    namespace: Namespace,
    base: Option<PathBuf>,
    /// The folders read so far in this command.
    open: Vec<Mailbox>,
}

impl Urls<'_> {
    pub fn new(root: &Path, namespace: Namespace, base: Option<PathBuf>) -> Urls<'_> {
        Urls {
            root,
            namespace,
            base,
            open: Vec::new(),
        }
    }

    /// Writes what `text` names to `out`, once `room` has taken its length; returns it.
    fn copy(
        &mut self,
        text: &[u8],
        out: &mut impl Write,
        room: impl FnOnce(u64) -> Result<(), Refused>,
    ) -> Result<u64, Refused> {
        let bad = |why: &'static str| {
            Refused::No(Response::no(why).with(Code::BadUrl(imap_url::shown(text))))
        };
        let fail = |e: MaildirError| Refused::No(failed("APPEND", e));
        let url = parse(text)?;
        let dir = match &url.mailbox {
            Some(name) => {
                let mut name = name.clone();
                mailbox_name::out_of_namespace(self.namespace, &mut name)
                    .map_err(|_| bad("No such mailbox"))?;
                folder::existing(self.root, &name).map_err(|_| bad("No such mailbox"))?
            }
            None => self
                .base
                .clone()
                .ok_or_else(|| bad("A URL without a mailbox needs one selected"))?,
        };
        let mailbox = self.mailbox(&dir).map_err(fail)?;
        if url.uidvalidity.is_some_and(|v| v != mailbox.uidvalidity) {
            return Err(bad("The mailbox has another UIDVALIDITY"));
        }
        let i = mailbox
            .messages
            .binary_search_by_key(&url.uid, |e| e.uid)
            .map_err(|_| bad("No message with that UID"))?;
        let mut m = mailbox.messages.message(i);
        let Some(mut f) = message_file::open(&dir, &mut m).map_err(fail)? else {
            return Err(bad("The message has been expunged"));
        };
        let len = match &url.section {
            // As BODY[]: streamed from the file.
            None => {
                let (offset, len) = f.window(url.partial).map_err(fail)?;
                room(len)?;
                f.copy_served(out, offset, len)
                    .map_err(|e| Refused::No(not_stored(&e)))?
                    .map_err(fail)?;
                len
            }
            // As FETCH BODY[section]: resolved in the message, held once.
            Some(section) => {
                let msg = f.whole().map_err(fail)?;
                let tree = part::parse(&msg);
                let content = section
                    .resolve(&msg, &tree)
                    .ok_or_else(|| bad("The message has no such part"))?;
                let (offset, len) = window(url.partial, content.served_len(&msg));
                room(len)?;
                content
                    .write(&msg, out, offset, len)
                    .map_err(|e| Refused::No(not_stored(&e)))?;
                len
            }
        };
        out.flush().map_err(|e| Refused::No(not_stored(&e)))?;
        Ok(len)
    }

    /// The folder at `dir`, listed the first time it is asked for.
    fn mailbox(&mut self, dir: &Path) -> Result<&Mailbox, MaildirError> {
        let i = match self.open.iter().position(|m| m.dir == dir) {
            Some(i) => i,
            None => {
                if self.open.len() == MAX_FOLDERS {
                    self.open.remove(0);
                }
                self.open.push(Mailbox::open(self.root, dir, false)?);
                self.open.len() - 1
            }
        };
        Ok(&self.open[i])
    }
}

/// `url` parsed, or the command's `NO [BADURL]`.
fn parse(url: &[u8]) -> Result<Url, Refused> {
    imap_url::parse(url).ok_or_else(|| {
        Refused::No(
            Response::no("Not a URL of a message on this server")
                .with(Code::BadUrl(imap_url::shown(url))),
        )
    })
}

/// `"CATENATE" SP "(" cat-part *(SP cat-part) ")"` (RFC 4469 5), from `CATENATE` on: the
/// parts written to `out` in order. `room(n)` says whether the message may be `n` bytes;
/// without `urls` (the fuzz target) URLs are only parsed. Returns the message's length.
pub fn message(
    p: &mut Parser,
    out: &mut impl Write,
    mut urls: Option<&mut Urls>,
    mut room: impl FnMut(u64) -> Result<(), Refused>,
) -> Result<u64, Refused> {
    if p.keyword()? != b"CATENATE" {
        return Err(ParseError::bad("Expected a literal or CATENATE").into());
    }
    p.sp()?;
    p.open()?;
    let mut size = 0u64;
    for parts in 1.. {
        if parts > MAX_PARTS {
            return Err(Refused::No(
                Response::no(format!("At most {MAX_PARTS} parts in one CATENATE"))
                    .with(Code::Limit),
            ));
        }
        match &p.keyword()?[..] {
            b"TEXT" => {
                p.sp()?;
                // RFC 4469 5: text-literal = "TEXT" SP literal; literal8 is not in it.
                let len = match p.literal_len() {
                    Some(n) if !p.at_literal8() => n,
                    _ => return Err(ParseError::bad("Expected a literal after TEXT").into()),
                };
                room(size.saturating_add(len))?;
                size += p
                    .literal_into(out, len)?
                    .map_err(|e| Refused::No(not_stored(&e)))?;
            }
            // RFC 6855 4: cat-part =/ utf8-literal, text with UTF-8 header fields.
            b"UTF8" => {
                utf8_literal::after_keyword(p)?;
                let len = p.literal_len().unwrap_or(0);
                room(size.saturating_add(len))?;
                size += p
                    .literal_into(out, len)?
                    .map_err(|e| Refused::No(not_stored(&e)))?;
                utf8_literal::close(p)?;
            }
            b"URL" => {
                p.sp()?;
                let url = p.astring()?;
                let len = match urls.as_deref_mut() {
                    Some(urls) => urls.copy(&url, out, |len| room(size.saturating_add(len)))?,
                    None => parse(&url).map(|_| 0)?,
                };
                size += len;
            }
            _ => return Err(ParseError::bad("Expected TEXT or URL in CATENATE").into()),
        }
        if p.eat(b')') {
            break;
        }
        p.sp()?;
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::super::{fuzz_append, Command};
    use crate::wire::command::{read, Read};
    use crate::wire::{Conn, Limits};

    const LIMITS: Limits = Limits {
        line: 65536,
        literal: 65536,
        command: 1 << 20,
        discard: u64::MAX,
    };

    #[test]
    fn catenate_arguments_parsed_without_a_maildir() {
        // RFC 4469 5: "CATENATE" SP "(" cat-part *(SP cat-part) ")", cat-part = "TEXT" SP
        // literal / "URL" SP astring; with MULTIAPPEND (RFC 3502) beside plain messages.
        // Refused ones have their literals read and dropped: the next command is read
        // from its first byte.
        let input = b"a APPEND INBOX (\\Seen) CATENATE (TEXT {3+}\r\nabc URL \"/INBOX/;UID=1\" \
            URL {6+}\r\n;UID=2 TEXT {0+}\r\n) {1+}\r\nz\r\n\
            b APPEND INBOX CATENATE (URL \"imap://u@h/INBOX/;UID=1\" TEXT {2+}\r\nxy)\r\n\
            c APPEND INBOX CATENATE (TEXT \"x\")\r\n\
            d APPEND INBOX CATENATE (TEXT ~{1+}\r\nx)\r\n\
            e APPEND INBOX CATENATE ()\r\n\
            e2 APPEND INBOX CATENATEX (TEXT {1+}\r\nx)\r\n\
            f APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\"\r\n\
            g NOOP\r\n";
        let mut conn = Conn::scratch(input).unwrap();
        let mut tags = Vec::new();
        while let Ok(read) = read(&mut conn, LIMITS, Command::parse) {
            if let Read::Command { tag, command, rest } = read {
                let taken = match (command, rest) {
                    (Command::Append { .. }, Some(rest)) => fuzz_append(&mut conn, rest).unwrap(),
                    _ => true,
                };
                tags.push((String::from_utf8(tag).unwrap(), taken));
            }
        }
        let expected = [
            ("a", true),
            // an absolute URL (RFC 4469 3), a quoted TEXT, a literal8, no parts, no ")"
            ("b", false),
            ("c", false),
            ("d", false),
            ("e", false),
            ("e2", false),
            ("f", false),
            ("g", true),
        ];
        let expected: Vec<(String, bool)> =
            expected.iter().map(|&(t, b)| (t.to_string(), b)).collect();
        assert_eq!(tags, expected);
    }
}
