//! EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1): remove the messages marked
//! \Deleted (within a UID set for the latter) and tell the client which numbers went,
//! and the quota file what they took (RFC 9208).

use std::io;

use super::Context;
use super::{failed, quota_root, Response};
use crate::maildir::deliver::sync_dir;
use crate::maildir::quota::Usage;
use crate::wire::{Ranges, SequenceSet};

pub fn expunge(s: &mut Context, uids: Option<&SequenceSet>) -> io::Result<Response> {
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    if sel.read_only {
        return Ok(super::read_only());
    }
    let chosen = match uids {
        Some(set) => sel.resolve(set, true).unwrap_or_default(),
        None => {
            Ranges::merge((!sel.messages.is_empty()).then(|| (0, sel.messages.len() as u32 - 1)))
        }
    };
    let dir = sel.dir.clone();
    let mut freed = Usage::default();
    let mut result = Ok(());
    for i in chosen.iter().map(|i| i as usize) {
        let size = quota_root::deleted_size(sel, i);
        match sel.messages.remove_if_deleted(i, &dir) {
            Ok(true) => {
                sel.vanished.insert(sel.messages[i].uid);
                freed = freed.plus(size.unwrap_or_default());
            }
            Ok(false) => {}
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    // What went is told even when the rest failed: those files are gone.
    quota_root::removed(s.root, freed);
    if let Err(e) = result.and_then(|()| sync_dir(&dir.join("cur"))) {
        return Ok(failed("EXPUNGE", e));
    }
    sel.report_expunges(&mut s.conn.output)?;
    Ok(super::completed("EXPUNGE", uids.is_some()))
}
