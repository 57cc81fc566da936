//! EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1): remove the messages marked
//! \Deleted (within a UID set for the latter) and tell the client which numbers went.

use std::io;

use super::Context;
use super::{failed, Response};
use crate::maildir::deliver::sync_dir;
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
    for i in chosen.iter().map(|i| i as usize) {
        match sel.messages.remove_if_deleted(i, &dir) {
            Ok(true) => {
                sel.vanished.insert(sel.messages[i].uid);
            }
            Ok(false) => {}
            Err(e) => return Ok(failed("EXPUNGE", e)),
        }
    }
    if let Err(e) = sync_dir(&dir.join("cur")) {
        return Ok(failed("EXPUNGE", e));
    }
    sel.report_expunges(&mut s.conn.output)?;
    Ok(super::completed("EXPUNGE", uids.is_some()))
}
