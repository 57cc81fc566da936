//! SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2) with the CONDSTORE parameter (RFC 7162
//! 3.1.8), CLOSE (6.4.2) and UNSELECT (RFC 3691): entering and leaving the selected state.

use std::io::{self, Write};

use super::{failed, quota_root, Code, Response};
use super::{Context, Selected};
use crate::maildir::quota::Usage;
use crate::maildir::{folder, objectid};
use crate::wire::{ParseError, Parser};

/// `[SP "(" select-param *(SP select-param) ")"]` (RFC 4466 2.1): true for CONDSTORE, the
/// one parameter known.
pub fn parse_parameters(p: &mut Parser) -> Result<bool, ParseError> {
    if !p.eat(b' ') {
        return Ok(false);
    }
    p.open()?;
    loop {
        if p.keyword()? != b"CONDSTORE" {
            return Err(ParseError::bad("Unknown SELECT parameter"));
        }
        if p.eat(b')') {
            return Ok(true);
        }
        p.sp()?;
    }
}

pub fn select(
    s: &mut Context,
    name: &[u8],
    read_only: bool,
    condstore: bool,
) -> io::Result<Response> {
    // A SELECT that fails still leaves no mailbox selected (RFC 3501 6.3.1).
    *s.selected = None;
    if condstore {
        s.enable_condstore()?;
    }
    let verb = if read_only { "EXAMINE" } else { "SELECT" };
    let dir = match folder::existing(s.root, name) {
        Ok(dir) => dir,
        Err(e) => return Ok(super::no_mailbox(e)),
    };
    if !read_only {
        crate::maildir::deliver::clean_tmp(&dir);
    }
    let mut sel = match Selected::open(s.root, dir, read_only) {
        Ok(sel) => sel,
        Err(e) => return Ok(failed(verb, e)),
    };
    // RFC 7162 3.1.2.1: once CONDSTORE is enabled, every SELECT tells HIGHESTMODSEQ.
    let highest = match s.enabled.condstore {
        true => match sel.modseqs() {
            Ok(m) => Some(m.highest),
            Err(e) => return Ok(failed(verb, e)),
        },
        false => None,
    };
    let recent = sel.messages.iter().filter(|m| m.recent).count();
    let out = &mut s.conn.output;
    sel.write_flags(out)?;
    write!(out, "* {} EXISTS\r\n", sel.messages.len())?;
    write!(out, "* {recent} RECENT\r\n")?;
    if let Some(i) = sel.first_unseen() {
        let unseen = Code::Unseen(i as u32 + 1);
        Response::ok("First unseen").with(unseen).write(out, None)?;
    }
    let uidvalidity = Code::UidValidity(sel.uidvalidity);
    Response::ok("UIDs valid")
        .with(uidvalidity)
        .write(out, None)?;
    let uidnext = Code::UidNext(sel.uidnext);
    Response::ok("Predicted next UID")
        .with(uidnext)
        .write(out, None)?;
    if let Some(h) = highest {
        Response::ok("Highest")
            .with(Code::HighestModseq(h))
            .write(out, None)?;
    }
    // RFC 8474 4.2.
    match objectid::mailbox_id(&sel.dir, sel.uidvalidity) {
        Ok(Some(id)) => Response::ok("Mailbox id")
            .with(Code::MailboxId(id))
            .write(out, None)?,
        Ok(None) => {}
        Err(e) => return Ok(failed(verb, e)),
    }
    *s.selected = Some(sel);
    let mode = if read_only {
        Code::ReadOnly
    } else {
        Code::ReadWrite
    };
    Ok(Response::ok(format!("{verb} completed")).with(mode))
}

/// CLOSE: leave the mailbox, removing messages marked \Deleted unless it is read-only,
/// without EXPUNGE responses.
pub fn close(s: &mut Context) -> io::Result<Response> {
    let Some(mut sel) = s.selected.take() else {
        return Ok(super::not_selected());
    };
    if !sel.read_only {
        let mut removed = false;
        let mut freed = Usage::default();
        for i in 0..sel.messages.len() {
            let size = quota_root::deleted_size(&sel, i);
            match sel.messages.remove_if_deleted(i, &sel.dir) {
                Ok(true) => {
                    removed = true;
                    freed = freed.plus(size.unwrap_or_default());
                }
                Ok(false) => {}
                Err(e) => {
                    quota_root::removed(s.root, freed);
                    return Ok(failed("CLOSE", e));
                }
            }
        }
        quota_root::removed(s.root, freed);
        // The expunge is on disk before the OK, as EXPUNGE's is.
        if removed {
            if let Err(e) = crate::maildir::deliver::sync_dir(&sel.dir.join("cur")) {
                return Ok(failed("CLOSE", e));
            }
        }
    }
    Ok(Response::ok("CLOSE completed"))
}

/// UNSELECT: leave the mailbox, removing nothing.
pub fn unselect(s: &mut Context) -> io::Result<Response> {
    if s.selected.take().is_none() {
        return Ok(super::not_selected());
    }
    Ok(Response::ok("UNSELECT completed"))
}
