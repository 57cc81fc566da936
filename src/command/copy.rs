//! COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with their UID forms and UIDPLUS's COPYUID
//! (RFC 4315). A copy is a hard link under a new name in the target's `cur/`, with the
//! keywords translated to the target's own letters. MOVE renames each message into the
//! target instead, so that it is always in exactly one of the two folders, and puts them
//! all back if one fails (RFC 6851 3.3: no message in both, NO means nothing moved).
//!
//! A COPY that would pass the quota is refused with `[OVERQUOTA]` before anything is
//! written (RFC 9208 4.3.1), and one that succeeds is told to `maildirsize`. A MOVE never
//! is: every folder is in the one quota root, so it adds nothing to it.

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{failed, quota_root, Code, Response};
use super::{Context, Selected};
use crate::maildir::deliver::{self, sync_dir};
use crate::maildir::flags::MessageFlags;
use crate::maildir::objectid::Guids;
use crate::maildir::quota::{self, Usage};
use crate::maildir::{folder, keywords, mailbox, message_file};
use crate::wire::SequenceSet;

pub fn copy(
    s: &mut Context,
    set: &SequenceSet,
    target: &[u8],
    uid: bool,
    moving: bool,
) -> io::Result<Response> {
    let verb = if moving { "MOVE" } else { "COPY" };
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    if moving && sel.read_only {
        return Ok(super::read_only());
    }
    let Some(indexes) = sel.resolve(set, uid) else {
        return Ok(super::bad_sequence());
    };
    let dir = match folder::existing(s.root, target) {
        Ok(dir) => dir,
        Err(e) => return Ok(super::no_target(e)),
    };
    if !moving && quota::enabled(s.root) {
        let more = indexes
            .iter()
            .map(|i| i as usize)
            .filter(|&i| !sel.vanished.contains(&sel.messages[i].uid))
            .map(|i| quota::file_size(&sel.messages.path(i, &sel.dir)).unwrap_or(0))
            .fold(Usage::default(), |u, bytes| u.plus(Usage::message(bytes)));
        if let Err(no) = quota_root::admit(s.root, verb, more) {
            return Ok(no);
        }
    }
    // The keywords the copied messages carry, defined in the target.
    let carried = indexes.iter().fold(0u32, |bits, i| {
        bits | sel.messages[i as usize].flags().keywords
    });
    let names: Vec<Vec<u8>> = sel
        .keywords
        .iter()
        .filter(|(slot, _)| carried & (1 << slot) != 0)
        .map(|(_, k)| k.to_vec())
        .collect();
    let target_keywords = match keywords::define(&dir, &names) {
        Ok(Some(k)) => k,
        Ok(None) => {
            return Ok(
                Response::no("No room for the keywords in the target mailbox").with(Code::Limit),
            )
        }
        Err(e) => return Ok(failed(verb, e)),
    };
    let src_dir = sel.dir.clone();
    let mut source_uids = Vec::new();
    let mut copies = Vec::new();
    // RFC 8474 5.1: each copy keeps its source's EMAILID, so its uidlist record gets the
    // source's GUID (its name is new).
    let guids = match Guids::read(&src_dir) {
        Ok(g) => g,
        Err(e) => return Ok(failed(verb, e)),
    };
    let mut carried = Vec::new();
    // MOVE: each message moved so far, as it was found, and its name in the target.
    let mut moved: Vec<(mailbox::Message, Vec<u8>)> = Vec::new();
    // Some of the messages were expunged by another session: the others are taken, and
    // that is an OK (RFC 2180 4.4.2).
    let mut expunged = false;
    for i in indexes.iter().map(|i| i as usize) {
        if sel.vanished.contains(&sel.messages[i].uid) {
            expunged = true;
            continue;
        }
        // A copy of the view's message: the rescan after the command tells the client of
        // a rename by another session. The copy has the flags the file has now.
        let mut m = sel.messages.message(i);
        let translate = |m: &mailbox::Message| {
            let f = m.flags();
            let mut keywords = 0u32;
            for (slot, name) in sel.keywords.iter() {
                if f.keywords & (1 << slot) != 0 {
                    keywords |= target_keywords.slot(name).map_or(0, |n| 1 << n);
                }
            }
            MessageFlags {
                system: f.system,
                keywords,
            }
        };
        let result = if moving {
            m.move_to(&src_dir, &dir, translate)
        } else {
            message_file::follow(&src_dir, &mut m, |path, m| {
                match deliver::copy(path, &m.name, &dir, translate(m)) {
                    Ok(Some(name)) => Ok(Ok(name)),
                    // No file under that name: follow the message to its new one.
                    Ok(None) => Err(io::ErrorKind::NotFound.into()),
                    Err(e) => Ok(Err(e)),
                }
            })
            .and_then(Option::transpose)
        };
        match result {
            Ok(Some(name)) => {
                source_uids.push(m.uid);
                carried.push(guids.field_for_copy(&m.name));
                if moving {
                    moved.push((m.clone(), name.clone()));
                }
                copies.push(name);
            }
            Ok(None) => {
                sel.vanished.insert(m.uid);
                expunged = true;
            }
            Err(e) => {
                undo(sel, &dir, &copies, &moved);
                return Ok(failed(verb, e));
            }
        }
    }
    if copies.is_empty() && expunged {
        return Ok(super::expunged::issued());
    }
    if copies.is_empty() {
        return Ok(Response::ok(format!(
            "{verb} completed (nothing to {})",
            verb.to_lowercase()
        )));
    }
    // Both folders' directories are on disk before anyone is told: the target's new
    // names, and for MOVE the names gone from the source.
    let mut synced = sync_dir(&dir.join("cur"));
    if moving {
        synced = synced.and_then(|_| sync_dir(&src_dir.join("cur")));
        if moved.iter().any(|(m, _)| m.in_new) {
            synced = synced.and_then(|_| sync_dir(&src_dir.join("new")));
        }
    }
    if let Err(e) = synced {
        undo(sel, &dir, &copies, &moved);
        return Ok(failed(verb, e));
    }
    if !moving && quota::enabled(s.root) {
        let cur = dir.join("cur");
        let added = copies.iter().fold(Usage::default(), |u, name| {
            let path = cur.join(std::ffi::OsStr::from_bytes(name));
            u.plus(Usage::message(quota::file_size(&path).unwrap_or(0)))
        });
        quota_root::added(s.root, added);
    }
    let code = match mailbox::assign(s.root, &dir, &copies, &carried) {
        Ok((uidvalidity, uids)) => Some(Code::CopyUid {
            uidvalidity,
            source: source_uids,
            target: uids,
        }),
        // The messages are in the target; they get UIDs at its next look.
        Err(e) => {
            crate::log!("{verb}: assigning UIDs: {e}");
            None
        }
    };
    if !moving {
        // COPYUID belongs in the tagged OK (RFC 4315 3): the code goes before it.
        if expunged {
            super::expunged::issued().write(&mut s.conn.output, None)?;
        }
        let done = Response::ok("COPY completed");
        return Ok(match code {
            Some(code) => done.with(code),
            None => done,
        });
    }
    // RFC 6851 section 4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
    if let Some(code) = code {
        Response::ok("Moved")
            .with(code)
            .write(&mut s.conn.output, None)?;
    }
    let uids: Vec<u32> = moved.iter().map(|(m, _)| m.uid).collect();
    sel.vanished.extend(&uids);
    // RFC 7162 3.2: a MOVE's expunges get a MODSEQ too, told as EXPUNGE's is (3.2.7).
    let modseq = sel.expunged(&uids).filter(|_| sel.qresync);
    sel.report_expunges(&mut s.conn.output)?;
    let done = match expunged {
        true => super::expunged::issued(),
        false => Response::ok("MOVE completed"),
    };
    Ok(match modseq {
        Some(m) if !expunged => done.with(Code::HighestModseq(m)),
        _ => done,
    })
}

/// After a failure: removes the copies made so far, or for MOVE puts the moved messages
/// back, so that the NO leaves both folders as they were (RFC 6851 3.3: each message is
/// moved or unaffected). A message that cannot be put back stays moved, in the target
/// only, and is reported expunged from the source.
fn undo(
    sel: &mut Selected,
    target: &Path,
    copies: &[Vec<u8>],
    moved: &[(mailbox::Message, Vec<u8>)],
) {
    if moved.is_empty() {
        for name in copies {
            let _ =
                std::fs::remove_file(target.join("cur").join(std::ffi::OsStr::from_bytes(name)));
        }
        return;
    }
    for (m, name) in moved.iter().rev() {
        if let Err(e) = m.move_back(&sel.dir, target, name) {
            crate::log!("MOVE: cannot put a message back, it stays moved: {e}");
            sel.vanished.insert(m.uid);
        }
    }
}
