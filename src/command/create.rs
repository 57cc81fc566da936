//! CREATE (RFC 3501 6.3.3): a new folder, `.Name/` with `tmp/`, `new/`, `cur/` and the
//! `maildirfolder` marker, and its uidlist, whose GUID the OK names (RFC 8474 4.1). A
//! trailing separator only says the name will have children. With CREATE-SPECIAL-USE
//! (RFC 6154 3) `(USE (...))` gives the folder its special uses, which it keeps
//! ([`crate::maildir::special_use`]); a use it cannot have creates nothing.

use std::io;

use super::Context;
use super::{failed, Code, Response};
use crate::maildir::special_use::Uses;
use crate::maildir::{folder, objectid, Mailbox};
use crate::wire::{ParseError, Parser};

/// The parameters after the name (RFC 4466 2.2); USE is the only one known, so any other
/// is a BAD: its value could not even be parsed.
pub fn parameters(p: &mut Parser) -> Result<Option<Vec<Vec<u8>>>, ParseError> {
    if !p.eat(b' ') {
        return Ok(None);
    }
    p.open()?;
    let mut uses = None;
    loop {
        match p.atom()?.to_ascii_uppercase().as_slice() {
            b"USE" if uses.is_none() => {
                p.sp()?;
                uses = Some(p.flag_list()?);
            }
            b"USE" => return Err(ParseError::bad("USE given twice")),
            _ => return Err(ParseError::bad("Unknown CREATE parameter")),
        }
        if p.eat(b')') {
            return Ok(uses);
        }
        p.sp()?;
    }
}

pub fn create(s: &mut Context, name: &[u8], asked: Option<&[Vec<u8>]>) -> io::Result<Response> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if folder::is_inbox(name) {
        return Ok(Response::no("INBOX always exists").with(Code::AlreadyExists));
    }
    let dir = match folder::path(s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(Response::no(e.to_string())),
    };
    let uses = match asked {
        None => None,
        Some(attrs) => {
            let mut uses = Uses::default();
            for attr in attrs {
                if let Err(e) = uses.add(attr) {
                    return Ok(Response::no(e.to_string()).with(Code::UseAttr));
                }
            }
            Some(uses)
        }
    };
    match folder::create(&dir, uses) {
        // RFC 8474 4.1: the new folder's uidlist, made now, gives its MAILBOXID.
        Ok(true) => Ok(
            match Mailbox::open(s.root, &dir, false)
                .and_then(|m| objectid::mailbox_id(&dir, m.uidvalidity))
            {
                Ok(Some(id)) => Response::ok("CREATE completed").with(Code::MailboxId(id)),
                Ok(None) => Response::ok("CREATE completed"),
                Err(e) => failed("CREATE", e),
            },
        ),
        Ok(false) => Ok(Response::no("Mailbox exists already").with(Code::AlreadyExists)),
        Err(e) => Ok(failed("CREATE", e)),
    }
}
