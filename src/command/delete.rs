//! DELETE (RFC 3501 6.3.4): the folder and its messages go; folders below it stay, as
//! the RFC allows (in Maildir++ they are separate directories anyway).

use std::io;

use super::{failed, Reply};
use crate::maildir::folder;
use crate::session::Session;

pub fn delete(s: &mut Session, name: &[u8]) -> io::Result<Reply> {
    if folder::is_inbox(name) {
        return Ok("NO [CANNOT] INBOX cannot be deleted".to_string());
    }
    let dir = match folder::existing(&s.root, name) {
        Ok(dir) => dir,
        Err(reply) => return Ok(reply),
    };
    if s.selected.as_ref().is_some_and(|sel| sel.dir == dir) {
        return Ok("NO [CANNOT] The mailbox is selected; close it first".to_string());
    }
    match folder::delete(&s.root, &dir) {
        Ok(()) => Ok("OK DELETE completed".to_string()),
        Err(e) => Ok(failed("DELETE", e)),
    }
}
