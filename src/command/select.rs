//! SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2) with the CONDSTORE (RFC 7162 3.1.8) and
//! QRESYNC (3.2.5) parameters, CLOSE (6.4.2) and UNSELECT (RFC 3691): entering and
//! leaving the selected state, in IMAP4rev1's form or IMAP4rev2's (RFC 9051 6.3.2).

use std::io::{self, Write};

use super::vanished::{self, Qresync};
use super::{failed, quota_root, Code, Response};
use super::{Context, Selected};
use crate::maildir::quota::{self, Usage};
use crate::maildir::{folder, objectid};
use crate::wire::{ParseError, Parser};

/// The parameters of a SELECT or EXAMINE.
#[derive(Debug, Default)]
pub struct Params {
    pub condstore: bool,
    pub qresync: Option<Qresync>,
}

/// `[SP "(" select-param *(SP select-param) ")"]` (RFC 4466 2.1): CONDSTORE and QRESYNC.
pub fn parse_parameters(p: &mut Parser) -> Result<Params, ParseError> {
    let mut params = Params::default();
    if !p.eat(b' ') {
        return Ok(params);
    }
    p.open()?;
    loop {
        match &p.keyword()?[..] {
            b"CONDSTORE" => params.condstore = true,
            b"QRESYNC" if params.qresync.is_none() => {
                p.sp()?;
                params.qresync = Some(vanished::parse_qresync(p)?);
            }
            _ => return Err(ParseError::bad("Unknown SELECT parameter")),
        }
        if p.eat(b')') {
            return Ok(params);
        }
        p.sp()?;
    }
}

pub fn select(
    s: &mut Context,
    name: &[u8],
    read_only: bool,
    params: Params,
) -> io::Result<Response> {
    // A SELECT that fails still leaves no mailbox selected (RFC 3501 6.3.1). RFC 7162
    // 3.2.11: what follows is of the new mailbox, whether or not CONDSTORE is enabled.
    if s.selected.take().is_some() {
        Response::ok("Previous mailbox closed")
            .with(Code::Closed)
            .write(&mut s.conn.output, None)?;
    }
    // RFC 7162 3.2.5: QRESYNC only after ENABLE QRESYNC (closed first, as Dovecot 2.3.19).
    if params.qresync.is_some() && !s.enabled.qresync {
        return Ok(Response::bad("QRESYNC needs ENABLE QRESYNC first"));
    }
    if params.condstore {
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
    // RFC 7162 3.1.2.1: once CONDSTORE is enabled, every SELECT tells HIGHESTMODSEQ; not
    // above an expunge of a message the EXISTS below still counts.
    let highest = match s.enabled.condstore {
        true => match sel.modseqs() {
            Ok(m) => Some(m.told()),
            Err(e) => return Ok(failed(verb, e)),
        },
        false => None,
    };
    sel.imap4rev2 = s.enabled.imap4rev2;
    // RFC 9051 6.3.2: IMAP4rev2 drops RECENT and UNSEEN (Appendix E 11, 12) and asks
    // for the mailbox's LIST.
    if sel.imap4rev2 {
        super::list::write_selected(s, name, &sel.dir)?;
    }
    let out = &mut s.conn.output;
    sel.write_flags(out)?;
    write!(out, "* {} EXISTS\r\n", sel.messages.len())?;
    if !sel.imap4rev2 {
        let recent = sel.messages.iter().filter(|m| m.recent).count();
        write!(out, "* {recent} RECENT\r\n")?;
        if let Some(i) = sel.first_unseen() {
            let unseen = Code::Unseen(i as u32 + 1);
            Response::ok("First unseen").with(unseen).write(out, None)?;
        }
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
    sel.qresync = s.enabled.qresync;
    if let Some(q) = params.qresync.filter(|q| q.uidvalidity == sel.uidvalidity) {
        vanished::resync(&mut sel, out, &q)?;
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
        let mut removed = Vec::new();
        let mut freed = Usage::default();
        // Sizes only for a Maildir with a quota file, which alone is told of them.
        let counting = quota::enabled(s.root);
        for i in 0..sel.messages.len() {
            let size = counting
                .then(|| quota_root::deleted_size(&sel, i))
                .flatten();
            match sel.messages.remove_if_deleted(i, &sel.dir) {
                Ok(true) => {
                    removed.push(sel.messages[i].uid);
                    freed = freed.plus(size.unwrap_or_default());
                }
                Ok(false) => {}
                Err(e) => {
                    quota_root::removed(s.root, freed);
                    sel.expunged(&removed);
                    return Ok(failed("CLOSE", e));
                }
            }
        }
        quota_root::removed(s.root, freed);
        // The expunge is on disk before the OK, as EXPUNGE's is, and so is its MODSEQ (RFC
        // 7162 3.2.8), which the OK does not tell.
        if !removed.is_empty() {
            let synced = crate::maildir::deliver::sync_dir(&sel.dir.join("cur"));
            sel.expunged(&removed);
            if let Err(e) = synced {
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
