//! COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with their UID forms and UIDPLUS's COPYUID
//! (RFC 4315). A copy is a hard link under a new name in the target's `cur/`, with the
//! keywords translated to the target's own letters; MOVE then removes the originals.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use super::{failed, Reply};
use crate::maildir::deliver::{self, sync_dir};
use crate::maildir::flags::MessageFlags;
use crate::maildir::{folder, keywords, mailbox, message_file};
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
    let carried = indexes
        .iter()
        .fold(0u32, |bits, &i| bits | sel.messages[i].flags().keywords);
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
    // The messages copied, under the names they were found by.
    let mut copied = Vec::new();
    let src_dir = sel.dir.clone();
    for i in indexes {
        if sel.vanished.contains(&sel.messages[i].uid) {
            continue;
        }
        // A copy of the view's message: the rescan after the command tells the client of
        // a rename by another session. The copy has the flags the file has now.
        let mut m = sel.messages[i].clone();
        let linked = message_file::follow(&src_dir, &mut m, |path, m| {
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
            match deliver::copy(path, &m.name, &s.root, &dir, flags) {
                Ok(Some(name)) => Ok(Ok(name)),
                // No file under that name: follow the message to its new one.
                Ok(None) => Err(io::ErrorKind::NotFound.into()),
                Err(e) => Ok(Err(e)),
            }
        });
        let result = linked.and_then(Option::transpose);
        match result {
            Ok(Some(name)) => {
                source_uids.push(m.uid);
                copies.push(name);
                copied.push(m);
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
    for mut m in copied {
        // Removed under its current name; gone already is as good.
        if let Err(e) = message_file::follow(&src_dir, &mut m, |path, _| std::fs::remove_file(path))
        {
            return Ok(failed(verb, e));
        }
        sel.vanished.insert(m.uid);
    }
    if let Err(e) = sync_dir(&src_dir.join("cur")) {
        return Ok(failed(verb, e));
    }
    sel.report_expunges(&mut s.conn.output)?;
    Ok("OK MOVE completed".to_string())
}
