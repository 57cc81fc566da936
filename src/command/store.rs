//! STORE and UID STORE (RFC 3501 6.4.6): set, add or remove flags and keywords. Each change
//! is a rename of the message file, and the directory is synced before the tagged OK.

use std::io::{self, Write};

use super::{failed, Response};
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
    pub mode: Mode,
    pub silent: bool,
    pub flags: Vec<Vec<u8>>,
}

/// `sequence-set SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / (flag *(SP flag)))`.
pub fn parse(p: &mut Parser) -> Result<Store, ParseError> {
    let set = p.sequence_set()?;
    p.sp()?;
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
        mode,
        silent,
        flags,
    })
}

pub fn store(s: &mut Context, st: &Store, uid: bool) -> io::Result<Response> {
    let Some(sel) = s.selected.as_mut() else {
        return Ok(super::not_selected());
    };
    if sel.read_only {
        return Ok(super::read_only());
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
    for i in indexes.iter().map(|i| i as usize) {
        // Hashing every UID would cost more than building the new name.
        if !sel.vanished.is_empty() && sel.vanished.contains(&sel.messages[i].uid) {
            missing = true;
            continue;
        }
        from_new |= sel.messages[i].in_new;
        match sel.messages.set_flags_in(i, &dirs, change) {
            Ok(true) => {}
            Ok(false) => {
                sel.vanished.insert(sel.messages[i].uid);
                missing = true;
                continue;
            }
            Err(e) => return Ok(failed("STORE", e)),
        }
        if !st.silent {
            let m = &sel.messages[i];
            write!(out, "* {} FETCH (", i + 1)?;
            if uid {
                write!(out, "UID {} ", m.uid)?;
            }
            out.write_all(b"FLAGS ")?;
            sel.write_flag_list(out, m)?;
            out.write_all(b")\r\n")?;
        }
    }
    if let Err(e) = dirs.sync(from_new) {
        return Ok(failed("STORE", e));
    }
    if missing {
        // RFC 2180 4.2.1: the others are changed, and that is an OK.
        return Ok(super::expunged::issued());
    }
    Ok(super::completed("STORE", uid))
}
