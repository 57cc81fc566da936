//! COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with their UID forms and UIDPLUS's COPYUID
//! (RFC 4315). A copy is a hard link under a new name in the target's `cur/`, with the
//! keywords translated to the target's own letters; MOVE then removes the originals.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use super::{failed, Reply};
use crate::maildir::deliver::{self, sync_dir};
use crate::maildir::flags::MessageFlags;
use crate::maildir::{folder, keywords, mailbox};
use crate::session::Session;
use crate::wire::{format_uids, SequenceSet};

pub fn copy(
    s: &mut Session,
    set: &SequenceSet,
    target: &[u8],
    uid: bool,
    moving: bool,
) -> io::Result<Reply> {
    let verb = if moving { "MOVE" } else { "COPY" };
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::NOT_SELECTED.to_string());
    };
    if moving && sel.read_only {
        return Ok("NO [READ-ONLY] The mailbox is read-only".to_string());
    }
    let Some(indexes) = sel.resolve(set, uid) else {
        return Ok(super::BAD_SEQUENCE.to_string());
    };
    let dir = match folder::existing(&s.root, target) {
        Ok(dir) => dir,
        Err(reply) if reply.contains("NONEXISTENT") => {
            return Ok("NO [TRYCREATE] Mailbox does not exist".to_string())
        }
        Err(reply) => return Ok(reply),
    };
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
            return Ok("NO [LIMIT] No room for the keywords in the target mailbox".to_string())
        }
        Err(e) => return Ok(failed(verb, e)),
    };
    let mut source_uids = Vec::new();
    let mut copies = Vec::new();
    let mut copied_indexes = Vec::new();
    let src_dir = sel.dir.clone();
    for i in indexes.iter().map(|i| i as usize) {
        let m = &mut sel.messages[i];
        if sel.vanished.contains(&m.uid) {
            continue;
        }
        let f = m.flags();
        let mut keywords = 0u32;
        for (slot, name) in sel.keywords.iter() {
            if f.keywords & (1 << slot) != 0 {
                keywords |= target_keywords.slot(name).map_or(0, |n| 1 << n);
            }
        }
        let flags = MessageFlags {
            system: f.system,
            keywords,
        };
        let mut result = deliver::copy(&m.path(&src_dir), &m.name, &s.root, &dir, flags);
        for _ in 0..3 {
            // Renamed by another session meanwhile: find it under its new name.
            if !matches!(result, Ok(None)) || !matches!(m.open(&src_dir), Ok(Some(_))) {
                break;
            }
            result = deliver::copy(&m.path(&src_dir), &m.name, &s.root, &dir, flags);
        }
        match result {
            Ok(Some(name)) => {
                source_uids.push(m.uid);
                copies.push(name);
                copied_indexes.push(i);
            }
            Ok(None) => {
                sel.vanished.insert(m.uid);
            }
            Err(e) => {
                for name in &copies {
                    let _ = std::fs::remove_file(
                        dir.join("cur").join(std::ffi::OsStr::from_bytes(name)),
                    );
                }
                return Ok(failed(verb, e));
            }
        }
    }
    if copies.is_empty() {
        return Ok(format!(
            "OK {verb} completed (nothing to {})",
            verb.to_lowercase()
        ));
    }
    if let Err(e) = sync_dir(&dir.join("cur")) {
        return Ok(failed(verb, e));
    }
    let code = match mailbox::assign(&s.root, &dir, &copies) {
        Ok((uidvalidity, uids)) => format!(
            "[COPYUID {uidvalidity} {} {}] ",
            format_uids(&source_uids),
            format_uids(&uids)
        ),
        Err(e) => {
            crate::log!("{verb}: assigning UIDs: {e}");
            String::new()
        }
    };
    if !moving {
        return Ok(format!("OK {code}COPY completed"));
    }
    // RFC 6851 section 4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
    if !code.is_empty() {
        write!(s.conn.output, "* OK {code}Moved\r\n")?;
    }
    for i in copied_indexes {
        let m = &sel.messages[i];
        match std::fs::remove_file(m.path(&src_dir)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Renamed meanwhile: find it and remove it under its new name.
                let mut m = m.clone();
                if let Ok(Some(_)) = m.open(&src_dir) {
                    let _ = std::fs::remove_file(m.path(&src_dir));
                }
            }
            Err(e) => return Ok(failed(verb, crate::maildir::MaildirError::io(&src_dir)(e))),
        }
        sel.vanished.insert(sel.messages[i].uid);
    }
    if let Err(e) = sync_dir(&src_dir.join("cur")) {
        return Ok(failed(verb, e));
    }
    sel.report_expunges(&mut s.conn.output)?;
    Ok("OK MOVE completed".to_string())
}
