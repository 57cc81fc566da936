//! CREATE (RFC 3501 6.3.3): a new folder, `.Name/` with `tmp/`, `new/`, `cur/` and the
//! `maildirfolder` marker, and its uidlist, whose GUID the OK names (RFC 8474 4.1). A trailing separator only says the name will have children.

use std::io;

use super::Context;
use super::{failed, Code, Response};
use crate::maildir::{folder, objectid, Mailbox};

pub fn create(s: &mut Context, name: &[u8]) -> io::Result<Response> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if folder::is_inbox(name) {
        return Ok(Response::no("INBOX always exists").with(Code::AlreadyExists));
    }
    let dir = match folder::path(s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(Response::no(e.to_string())),
    };
    match folder::create(&dir) {
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
