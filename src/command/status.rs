//! STATUS (RFC 3501 6.3.10) with SIZE (RFC 8438), DELETED (RFC 9051, RFC 9208),
//! DELETED-STORAGE (RFC 9208 4.1.4), HIGHESTMODSEQ (RFC 7162 3.1.7), APPENDLIMIT (RFC 7889)
//! and MAILBOXID (RFC 8474): counts of a mailbox without selecting it. LIST-STATUS
//! (RFC 5819) uses the same answer.

use std::io::{self, Write};

use super::quota_root::kib;
use super::Context;
use super::{failed, Response};
use crate::maildir::flags::{base, Flags};
use crate::maildir::index::cache::record::Want;
use crate::maildir::index::cache::Cache;
use crate::maildir::index::modseq;
use crate::maildir::{folder, message_file, objectid, quota, Mailbox, MaildirError};
use crate::wire::{ParseError, Parser};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Size,
    Deleted,
    DeletedStorage,
    HighestModseq,
    AppendLimit,
    MailboxId,
}

/// `"(" status-att *(SP status-att) ")"`.
pub fn parse_items(p: &mut Parser) -> Result<Vec<Item>, ParseError> {
    p.open()?;
    let mut items = Vec::new();
    loop {
        items.push(match &p.keyword()?[..] {
            b"MESSAGES" => Item::Messages,
            b"RECENT" => Item::Recent,
            b"UIDNEXT" => Item::UidNext,
            b"UIDVALIDITY" => Item::UidValidity,
            b"UNSEEN" => Item::Unseen,
            b"SIZE" => Item::Size,
            b"DELETED" => Item::Deleted,
            b"DELETED-STORAGE" => Item::DeletedStorage,
            b"HIGHESTMODSEQ" => Item::HighestModseq,
            b"APPENDLIMIT" => Item::AppendLimit,
            b"MAILBOXID" => Item::MailboxId,
            _ => return Err(ParseError::bad("Unknown STATUS item")),
        });
        if p.eat(b')') {
            return Ok(items);
        }
        p.sp()?;
    }
}

/// Writes `* STATUS name (items)` for the mailbox at `dir`.
pub fn write_status(
    s: &mut Context,
    name: &[u8],
    dir: &std::path::Path,
    items: &[Item],
) -> Result<(), StatusError> {
    if items.contains(&Item::HighestModseq) {
        s.enable_condstore()?;
    }
    let m = Mailbox::open(s.root, dir, false)?;
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        let (label, value) = match item {
            Item::Messages => ("MESSAGES", m.messages.len() as u64),
            // \Recent: what no read-write session has seen yet.
            Item::Recent => (
                "RECENT",
                m.messages
                    .iter()
                    .filter(|msg| msg.uid >= m.first_unrecent)
                    .count() as u64,
            ),
            Item::UidNext => ("UIDNEXT", u64::from(m.uidnext)),
            Item::UidValidity => ("UIDVALIDITY", u64::from(m.uidvalidity)),
            Item::Unseen => (
                "UNSEEN",
                m.messages
                    .iter()
                    .filter(|m| !m.flags().system.contains(Flags::SEEN))
                    .count() as u64,
            ),
            Item::Deleted => (
                "DELETED",
                m.messages
                    .iter()
                    .filter(|m| m.flags().system.contains(Flags::DELETED))
                    .count() as u64,
            ),
            // RFC 9208 4.1.4: what an EXPUNGE would free, as the quota counts it (sizes on
            // disk) and in its STORAGE units.
            Item::DeletedStorage => {
                let bytes = (0..m.messages.len())
                    .filter(|&i| m.messages[i].flags().system.contains(Flags::DELETED))
                    .map(|i| quota::file_size(&m.messages.path(i, dir)).unwrap_or(0))
                    .sum();
                ("DELETED-STORAGE", kib(bytes))
            }
            // The folder's files were brought up to date by the open.
            Item::HighestModseq => ("HIGHESTMODSEQ", modseq::highest(dir)),
            // RFC 8438: the messages' RFC822.SIZE; one expunged meanwhile has none. From the
            // name or the folder cache where they have it, not read from the file.
            Item::Size => {
                let cache = Cache::new(dir);
                let mut total = 0;
                for i in 0..m.messages.len() {
                    let name = m.messages.name(i);
                    let cached = message_file::size_from_name(name).or_else(|| {
                        let facts = cache.facts(base(name), Want::NONE)?;
                        facts.sizes.map(|s| s.served)
                    });
                    total += match cached {
                        Some(n) => n,
                        None => message_file::size(dir, &mut m.messages.message(i))?.unwrap_or(0),
                    };
                }
                ("SIZE", total)
            }
            // RFC 7889 3.1: the same for every mailbox.
            Item::AppendLimit => ("APPENDLIMIT", super::append::limit()),
            // RFC 8474 4.3: an objectid, not a number.
            Item::MailboxId => {
                if let Some(id) = objectid::mailbox_id(dir, m.uidvalidity)? {
                    parts.push(format!("MAILBOXID ({id})"));
                }
                continue;
            }
        };
        parts.push(format!("{label} {value}"));
    }
    let sp = s.spelling();
    let out = &mut s.conn.output;
    out.write_all(b"* STATUS ")?;
    super::mailbox_name::write(out, sp, name)?;
    write!(out, " ({})\r\n", parts.join(" "))?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Store(#[from] MaildirError),
    #[error(transparent)]
    Write(#[from] io::Error),
}

pub fn status(s: &mut Context, name: &[u8], items: &[Item]) -> io::Result<Response> {
    let dir = match folder::existing(s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(super::no_mailbox(e)),
    };
    match write_status(s, name, &dir, items) {
        Ok(()) => Ok(Response::ok("STATUS completed")),
        Err(StatusError::Store(e)) => Ok(failed("STATUS", e)),
        Err(StatusError::Write(e)) => Err(e),
    }
}
