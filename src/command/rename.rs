//! RENAME (RFC 3501 6.3.5): a folder and all below it get the new name. Renaming INBOX
//! moves its messages into a new folder of that name and leaves INBOX empty.

use std::io;
use std::os::unix::ffi::OsStrExt;

use super::Context;
use super::{failed, Code, Response};
use crate::maildir::{folder, MaildirError};

pub fn rename(s: &mut Context, from: &[u8], to: &[u8]) -> io::Result<Response> {
    let src = match folder::existing(s.root, from) {
        Ok(dir) => dir,
        Err(e) => return Ok(super::no_mailbox(e)),
    };
    if folder::is_inbox(to) {
        return Ok(Response::no("INBOX always exists").with(Code::AlreadyExists));
    }
    let dst = match folder::path(s.root, to) {
        Ok(dir) => dir,
        Err(e) => return Ok(Response::no(e.to_string())),
    };
    if std::fs::symlink_metadata(&dst).is_ok() {
        return Ok(Response::no("The new name exists already").with(Code::AlreadyExists));
    }
    let mut prefix = from.to_vec();
    prefix.push(b'.');
    if to.starts_with(&prefix) {
        return Ok(Response::no("A mailbox cannot move below itself").with(Code::Cannot));
    }
    // The children move too (RFC 3501 6.3.5): none of their new names may be taken either,
    // or the rename would stop half-way.
    let children = match folder::list(s.root) {
        Ok(names) => names,
        Err(e) => return Ok(failed("RENAME", e)),
    };
    let moving = children
        .iter()
        .filter(|n| !folder::is_inbox(from) && n.starts_with(&prefix));
    for child in moving {
        let new = [to, &child[from.len()..]].concat();
        match folder::path(s.root, &new) {
            Ok(p) if std::fs::symlink_metadata(&p).is_err() => {}
            Ok(_) => {
                return Ok(Response::no("A mailbox below the new name exists already")
                    .with(Code::AlreadyExists))
            }
            Err(e) => return Ok(Response::no(e.to_string())),
        }
    }
    let result = if folder::is_inbox(from) {
        move_inbox(&src, &dst)
    } else {
        folder::rename(s.root, from, to)
    };
    if s.selected.as_ref().is_some_and(|sel| sel.dir == src) {
        *s.selected = None;
    }
    match result {
        Ok(()) => Ok(Response::ok("RENAME completed")),
        Err(e) => Ok(failed("RENAME", e)),
    }
}

/// RENAME INBOX: a new folder gets every message (and the keyword names their letters
/// mean); the messages get new UIDs there.
fn move_inbox(inbox: &std::path::Path, dst: &std::path::Path) -> Result<(), MaildirError> {
    folder::create(dst, None)?;
    let keywords = inbox.join(crate::maildir::keywords::FILE);
    if keywords.exists() {
        let to = dst.join(crate::maildir::keywords::FILE);
        std::fs::copy(&keywords, &to).map_err(MaildirError::io(&to))?;
    }
    for sub in ["new", "cur"] {
        let from_dir = inbox.join(sub);
        for e in std::fs::read_dir(&from_dir).map_err(MaildirError::io(&from_dir))? {
            let e = e.map_err(MaildirError::io(&from_dir))?;
            let name = e.file_name();
            if name.as_bytes().first() == Some(&b'.') {
                continue;
            }
            let to = dst.join(sub).join(&name);
            match std::fs::rename(e.path(), &to) {
                Ok(()) => {}
                // Renamed or expunged meanwhile by another session.
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(MaildirError::io(&to)(err)),
            }
        }
    }
    Ok(())
}
