//! STORE and UID STORE (RFC 3501 6.4.6): set, add or remove flags and keywords. Each change
//! is a rename of the message file, and the directory is synced before the tagged OK; then
//! the changed messages get one new MODSEQ, durable before the tagged OK too where the disk
//! has room for it (RFC 7162 3.1; [`Selected::changed_flags`] says why a full disk fails
//! no STORE).
//!
//! [`Selected::changed_flags`]: super::Selected::changed_flags With UNCHANGEDSINCE (RFC 7162 3.1.3) a message whose MODSEQ is above it is left
//! as it is and named in `[MODIFIED ...]`.

use std::io::{self, Write};

use super::{failed, Code, Response};
use super::{split_flags, Context};
use crate::maildir::flags::MessageFlags;
use crate::maildir::view::Dirs;
use crate::wire::{ParseError, Parser, SequenceSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Replace,
    Add,
    Remove,
}

pub struct Store {
    pub set: SequenceSet,
    /// The UNCHANGEDSINCE modifier.
    pub unchanged_since: Option<u64>,
    pub mode: Mode,
    pub silent: bool,
    pub flags: Vec<Vec<u8>>,
}

/// `sequence-set SP ["(UNCHANGEDSINCE" SP mod-sequence-valzer ")" SP] ["+" / "-"] "FLAGS"
/// [".SILENT"] SP (flag-list / (flag *(SP flag)))` (RFC 4466 2.5, RFC 7162 3.1.3).
pub fn parse(p: &mut Parser) -> Result<Store, ParseError> {
    let set = p.sequence_set()?;
    p.sp()?;
    let mut unchanged_since = None;
    if p.eat(b'(') {
        if p.keyword()? != b"UNCHANGEDSINCE" {
            return Err(ParseError::bad("Unknown STORE modifier"));
        }
        p.sp()?;
        unchanged_since = Some(p.mod_sequence()?);
        if !p.eat(b')') {
            return Err(ParseError::bad("Expected ) after UNCHANGEDSINCE"));
        }
        p.sp()?;
    }
    let mode = if p.eat(b'+') {
        Mode::Add
    } else if p.eat(b'-') {
        Mode::Remove
    } else {
        Mode::Replace
    };
    let silent = match &p.keyword()?[..] {
        b"FLAGS" => false,
        b"FLAGS.SILENT" => true,
        _ => return Err(ParseError::bad("Expected FLAGS, +FLAGS or -FLAGS")),
    };
    p.sp()?;
    let flags = if p.peek() == Some(b'(') {
        p.flag_list()?
    } else {
        let mut flags = vec![p.flag()?];
        while p.eat(b' ') {
            flags.push(p.flag()?);
        }
        flags
    };
    Ok(Store {
        set,
        unchanged_since,
        mode,
        silent,
        flags,
    })
}

pub fn store(s: &mut Context, st: &Store, uid: bool) -> io::Result<Response> {
    if s.selected.is_some() && st.unchanged_since.is_some() {
        s.enable_condstore()?;
        // The test is against the MODSEQs on disk now, not as last told: changes made
        // since by others are told first (FETCH, never EXPUNGE, RFC 3501 7.4.1).
        s.refresh(false)?;
    }
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    if sel.read_only {
        return Ok(super::read_only());
    }
    if st.unchanged_since.is_some() {
        if let Err(e) = sel.modseqs() {
            return Ok(failed("STORE", e));
        }
    }
    let Some(indexes) = sel.resolve(&st.set, uid) else {
        return Ok(super::bad_sequence());
    };
    let (system, names) = match split_flags(&st.flags) {
        Ok(split) => split,
        Err(e) => return Ok(Response::bad(e)),
    };
    let out = &mut s.conn.output;
    let bits = match sel.keyword_bits(&names, out) {
        Ok(Some(bits)) => bits,
        Ok(None) => return Ok(super::no_keyword_room()),
        Err(e) => return Ok(failed("STORE", e)),
    };
    let given = MessageFlags {
        system,
        keywords: bits,
    };
    let change = |f: MessageFlags| match st.mode {
        Mode::Replace => given,
        Mode::Add => MessageFlags {
            system: f.system.union(given.system),
            keywords: f.keywords | given.keywords,
        },
        Mode::Remove => MessageFlags {
            system: f.system.minus(given.system),
            keywords: f.keywords & !given.keywords,
        },
    };
    let dirs = match Dirs::open(&sel.dir) {
        Ok(dirs) => dirs,
        Err(e) => return Ok(failed("STORE", e)),
    };
    let mut missing = false;
    let mut from_new = false;
    // The messages stored to, those whose flags changed, those that failed UNCHANGEDSINCE.
    let mut stored = Vec::new();
    let mut changed = Vec::new();
    let mut modified = Vec::new();
    for i in indexes.iter().map(|i| i as usize) {
        // Hashing every UID would cost more than building the new name.
        if !sel.vanished.is_empty() && sel.vanished.contains(&sel.messages[i].uid) {
            missing = true;
            continue;
        }
        let modseq = sel.modseqs.as_ref().map(|m| m.get(i));
        if modseq
            .zip(st.unchanged_since)
            .is_some_and(|(m, since)| m > since)
        {
            modified.push(if uid {
                sel.messages[i].uid
            } else {
                i as u32 + 1
            });
            continue;
        }
        from_new |= sel.messages[i].in_new;
        let before = sel.messages[i].flags();
        match sel.messages.set_flags_in(i, &dirs, change) {
            Ok(true) => {}
            Ok(false) => {
                sel.vanished.insert(sel.messages[i].uid);
                missing = true;
                continue;
            }
            Err(e) => return Ok(failed("STORE", e)),
        }
        stored.push(i);
        // RFC 7162 3.1.11: setting a flag already set is no change.
        if sel.messages[i].flags() != before {
            changed.push(i);
        }
    }
    if let Err(e) = dirs.sync(from_new) {
        return Ok(failed("STORE", e));
    }
    if !changed.is_empty() {
        sel.changed_flags(s.root, &changed);
    }
    // RFC 7162 3.1.3: once CONDSTORE is on, .SILENT still tells each message's MODSEQ
    // (before FLAGS, as Dovecot 2.3.19 writes it).
    if !st.silent || sel.modseqs.is_some() {
        for i in stored {
            let m = &sel.messages[i];
            write!(out, "* {} FETCH (", i + 1)?;
            // RFC 7162 3.2.4 (QRESYNC), RFC 9051 7.5.2: every untagged FETCH has the UID.
            if uid || sel.uid_in_updates() {
                write!(out, "UID {} ", m.uid)?;
            }
            if let Some(modseqs) = &sel.modseqs {
                write!(out, "MODSEQ ({})", modseqs.get(i))?;
                if !st.silent {
                    out.write_all(b" ")?;
                }
            }
            if !st.silent {
                out.write_all(b"FLAGS ")?;
                sel.write_flag_list(out, m)?;
            }
            out.write_all(b")\r\n")?;
        }
    }
    if !modified.is_empty() {
        modified.sort_unstable();
        return Ok(Response::ok("Conditional STORE failed").with(Code::Modified(modified)));
    }
    if missing {
        // RFC 2180 4.2.1: the others are changed, and that is an OK.
        return Ok(super::expunged::issued());
    }
    Ok(super::completed("STORE", uid))
}
