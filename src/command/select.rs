//! SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2), CLOSE (6.4.2) and UNSELECT (RFC 3691):
//! entering and leaving the selected state.

use std::io;

use super::{failed, Reply};
use crate::maildir::folder;
use crate::session::{Selected, Session};

pub fn select(s: &mut Session, name: &[u8], read_only: bool) -> io::Result<Reply> {
    // A SELECT that fails still leaves no mailbox selected (RFC 3501 6.3.1).
    s.selected = None;
    let verb = if read_only { "EXAMINE" } else { "SELECT" };
    let dir = match folder::existing(&s.root, name) {
        Ok(dir) => dir,
        Err(reply) => return Ok(reply),
    };
    if !read_only {
        crate::maildir::deliver::clean_tmp(&dir);
    }
    let sel = match Selected::open(&s.root, dir, read_only) {
        Ok(sel) => sel,
        Err(e) => return Ok(failed(verb, e)),
    };
    let recent = sel.messages.iter().filter(|m| m.recent).count();
    s.untagged(&sel.flags_line())?;
    s.untagged(&sel.permanent_flags_line())?;
    s.untagged(&format!("{} EXISTS", sel.messages.len()))?;
    s.untagged(&format!("{recent} RECENT"))?;
    if let Some(i) = sel.first_unseen() {
        s.untagged(&format!("OK [UNSEEN {}] First unseen", i + 1))?;
    }
    s.untagged(&format!("OK [UIDVALIDITY {}] UIDs valid", sel.uidvalidity))?;
    s.untagged(&format!("OK [UIDNEXT {}] Predicted next UID", sel.uidnext))?;
    s.selected = Some(sel);
    let mode = if read_only { "READ-ONLY" } else { "READ-WRITE" };
    Ok(format!("OK [{mode}] {verb} completed"))
}

/// CLOSE: leave the mailbox, removing messages marked \Deleted unless it is read-only,
/// without EXPUNGE responses.
pub fn close(s: &mut Session) -> io::Result<Reply> {
    let Some(mut sel) = s.selected.take() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    if !sel.read_only {
        let mut removed = false;
        for i in 0..sel.messages.len() {
            match sel.messages.remove_if_deleted(i, &sel.dir) {
                Ok(gone) => removed |= gone,
                Err(e) => return Ok(failed("CLOSE", e)),
            }
        }
        // The expunge is on disk before the OK, as EXPUNGE's is.
        if removed {
            if let Err(e) = crate::maildir::deliver::sync_dir(&sel.dir.join("cur")) {
                return Ok(failed("CLOSE", e));
            }
        }
    }
    Ok("OK CLOSE completed".to_string())
}

/// UNSELECT: leave the mailbox, removing nothing.
pub fn unselect(s: &mut Session) -> io::Result<Reply> {
    if s.selected.take().is_none() {
        return Ok(super::NOT_SELECTED.to_string());
    }
    Ok("OK UNSELECT completed".to_string())
}
