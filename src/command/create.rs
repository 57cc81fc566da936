//! CREATE (RFC 3501 6.3.3): a new folder, `.Name/` with `tmp/`, `new/`, `cur/` and the
//! `maildirfolder` marker. A trailing separator only says the name will have children.

use std::io;

use super::{failed, Reply};
use crate::maildir::folder;
use crate::session::Session;

pub fn create(s: &mut Session, name: &[u8]) -> io::Result<Reply> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if folder::is_inbox(name) {
        return Ok("NO [ALREADYEXISTS] INBOX always exists".to_string());
    }
    let dir = match folder::path(&s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(format!("NO {e}")),
    };
    match folder::create(&dir) {
        Ok(true) => Ok("OK CREATE completed".to_string()),
        Ok(false) => Ok("NO [ALREADYEXISTS] Mailbox exists already".to_string()),
        Err(e) => Ok(failed("CREATE", e)),
    }
}
