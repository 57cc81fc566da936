//! DELETE (RFC 3501 6.3.4): the folder and its messages go; folders below it stay, as
//! the RFC allows (in Maildir++ they are separate directories anyway).

use std::io;

use super::Context;
use super::{failed, Code, Response};
use crate::maildir::folder;

pub fn delete(s: &mut Context, name: &[u8]) -> io::Result<Response> {
    if folder::is_inbox(name) {
        return Ok(Response::no("INBOX cannot be deleted").with(Code::Cannot));
    }
    let dir = match folder::existing(s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(super::no_mailbox(e)),
    };
    if s.selected.as_ref().is_some_and(|sel| sel.dir == dir) {
        return Ok(Response::no("The mailbox is selected; close it first").with(Code::Cannot));
    }
    match folder::delete(s.root, &dir) {
        Ok(()) => Ok(Response::ok("DELETE completed")),
        Err(e) => Ok(failed("DELETE", e)),
    }
}
