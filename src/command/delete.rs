//! DELETE (RFC 3501 6.3.4): the folder and its messages go; folders below it stay, as
//! the RFC allows (in Maildir++ they are separate directories anyway). Its messages leave
//! the quota (RFC 9208): counted first where there is a `maildirsize`.

use std::io;

use super::Context;
use super::{failed, quota_root, Code, Response};
use crate::maildir::{folder, quota};

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
    let held = match quota::enabled(s.root) {
        true => quota::count_folder(&dir).ok(),
        false => None,
    };
    match folder::delete(s.root, &dir) {
        Ok(()) => {
            quota_root::removed(s.root, held.unwrap_or_default());
            Ok(Response::ok("DELETE completed"))
        }
        Err(e) => Ok(failed("DELETE", e)),
    }
}
