//! EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1): remove the messages marked
//! \Deleted (within a UID set for the latter) and tell the client which numbers went
//! (or UIDs, with VANISHED once QRESYNC is enabled: RFC 7162 3.2.7, 3.2.9), and the quota
//! file what they took (RFC 9208).

use std::io;

use super::Context;
use super::{failed, quota_root, Code, Response};
use crate::maildir::deliver::sync_dir;
use crate::maildir::quota::{self, Usage};
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
    let mut gone = Vec::new();
    // Sizes only for a Maildir with a quota file, which alone is told of them.
    let counting = quota::enabled(s.root);
    for i in chosen.iter().map(|i| i as usize) {
        let size = counting.then(|| quota_root::deleted_size(sel, i)).flatten();
        match sel.messages.remove_if_deleted(i, &dir) {
            Ok(true) => {
                sel.vanished.insert(sel.messages[i].uid);
                gone.push(sel.messages[i].uid);
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
    let result = result.and_then(|()| sync_dir(&dir.join("cur")));
    // RFC 7162 3.2.7: the expunges get a MODSEQ, told in the OK once QRESYNC is enabled.
    let modseq = sel.expunged(&gone);
    if let Err(e) = result {
        return Ok(failed("EXPUNGE", e));
    }
    sel.report_expunges(&mut s.conn.output)?;
    let done = super::completed("EXPUNGE", uids.is_some());
    Ok(match modseq.filter(|_| sel.qresync) {
        Some(m) => done.with(Code::HighestModseq(m)),
        None => done,
    })
}
