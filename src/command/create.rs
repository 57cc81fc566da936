//! CREATE (RFC 3501 6.3.3): a new folder, `.Name/` with `tmp/`, `new/`, `cur/` and the
//! `maildirfolder` marker. A trailing separator only says the name will have children.

use std::io;

use super::Context;
use super::{failed, Code, Response};
use crate::maildir::folder;

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
        Ok(true) => Ok(Response::ok("CREATE completed")),
        Ok(false) => Ok(Response::no("Mailbox exists already").with(Code::AlreadyExists)),
        Err(e) => Ok(failed("CREATE", e)),
    }
}
