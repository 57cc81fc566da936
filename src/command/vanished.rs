//! Quick resynchronization (RFC 7162 3.2): SELECT/EXAMINE (QRESYNC (...)) and UID FETCH
//! (CHANGEDSINCE m VANISHED) tell a client that comes back which of its UIDs were
//! expunged since its MODSEQ, with `* VANISHED (EARLIER)` (3.2.10.1), and which messages
//! changed, with FETCH.
//!
//! The UIDs told are those of the client's set that are no longer in the mailbox and may
//! have gone since its MODSEQ ([`crate::maildir::expunges::since`]). That may be more
//! than went since (an expunge remembered in a range with a later one, or not given a
//! MODSEQ yet; 3.2.10.2 allows naming UIDs the client knew were gone), never fewer: a
//! client whose MODSEQ is older than the history is told every UID it named that is gone
//! (3.2.6, the note on `<minmodseq>`).

use std::io::{self, Write};

use super::{Context, Response, Selected};
use crate::maildir::expunges;
use crate::wire::{ParseError, Parser, Ranges, SequenceSet};

/// The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 3.2.5).
#[derive(Debug)]
pub struct Qresync {
    pub uidvalidity: u32,
    pub modseq: u64,
    /// The UIDs the client knows; all below UIDNEXT when not given.
    pub known: Option<SequenceSet>,
    /// Message numbers and the UIDs the client has for them (3.2.5.2).
    pub matched: Option<(SequenceSet, SequenceSet)>,
}

/// `"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"` (RFC
/// 7162 7).
pub fn parse_qresync(p: &mut Parser) -> Result<Qresync, ParseError> {
    p.open()?;
    let uidvalidity = p.nz_number()?;
    p.sp()?;
    let modseq = p.mod_sequence()?;
    let mut q = Qresync {
        uidvalidity,
        modseq,
        known: None,
        matched: None,
    };
    while p.eat(b' ') {
        if p.eat(b'(') && q.matched.is_none() {
            let numbers = set(p)?;
            p.sp()?;
            let uids = set(p)?;
            if !p.eat(b')') {
                return Err(ParseError::bad("Expected ) after the sequence match data"));
            }
            q.matched = Some((numbers, uids));
        } else if q.known.is_none() && q.matched.is_none() {
            q.known = Some(set(p)?);
        } else {
            return Err(ParseError::bad("Invalid QRESYNC parameter"));
        }
    }
    if !p.eat(b')') {
        return Err(ParseError::bad("Expected ) after the QRESYNC parameter"));
    }
    Ok(q)
}

/// A sequence set, not `$` (which names a search result, RFC 5182, not the client's).
fn set(p: &mut Parser) -> Result<SequenceSet, ParseError> {
    let set = p.sequence_set()?;
    match set.is_saved() {
        true => Err(ParseError::bad("$ is no set of known UIDs")),
        false => Ok(set),
    }
}

/// After SELECT's usual responses, when the UIDVALIDITY is the client's (RFC 7162
/// 3.2.5.1): VANISHED (EARLIER) for the known UIDs expunged since its MODSEQ, then a FETCH
/// of UID, FLAGS and MODSEQ for each known message changed since.
pub fn resync(sel: &mut Selected, out: &mut impl Write, q: &Qresync) -> io::Result<()> {
    let largest = sel.uidnext.saturating_sub(1);
    let known = match &q.known {
        Some(set) => set.resolve(largest),
        None => Ranges::merge((largest > 0).then_some((1, largest))),
    };
    // 3.2.5.2: up to the last pair that matches, the client knows every expunge.
    let mut gone = known.clone();
    if let Some((numbers, uids)) = &q.matched {
        let n = sel.messages.len() as u32;
        let mut knows = 0;
        for (number, uid) in numbers.resolve(n).iter().zip(uids.resolve(largest).iter()) {
            // `*` of an empty mailbox resolves to 0, which names no message.
            match number
                .checked_sub(1)
                .and_then(|i| sel.messages.get(i as usize))
            {
                Some(m) if m.uid == uid => knows = uid,
                _ => break,
            }
        }
        gone = gone.intersect(&Ranges::merge([(knows.saturating_add(1), u32::MAX)]));
    }
    write_earlier(out, &earlier(sel, q.modseq, &gone))?;
    if let Err(e) = sel.modseqs() {
        // Without MODSEQs every known message is told, which is never too little.
        crate::log!("MODSEQs not read: {e}");
    }
    write_changed(sel, out, &known, q.modseq)
}

/// UID FETCH's VANISHED modifier (RFC 7162 3.2.6), before the FETCHes: BAD without ENABLE
/// QRESYNC, else VANISHED (EARLIER) for the UIDs of `set` expunged since `since`.
pub fn before_fetch(
    s: &mut Context,
    set: &SequenceSet,
    since: u64,
) -> io::Result<Option<Response>> {
    if !s.enabled.qresync {
        return Ok(Some(Response::bad("VANISHED needs ENABLE QRESYNC first")));
    }
    let Some(sel) = s.selected.as_ref() else {
        return Ok(None);
    };
    // `*` is the largest UID given out, so that expunges at the end are told too.
    let uids = set.resolve(sel.uidnext.saturating_sub(1));
    write_earlier(&mut s.conn.output, &earlier(sel, since, &uids))?;
    Ok(None)
}

/// The UIDs of `uids` that are not in the mailbox and may have been expunged since
/// `since`.
fn earlier(sel: &Selected, since: u64, uids: &Ranges) -> Ranges {
    let largest = sel.uidnext.saturating_sub(1);
    let present = Ranges::from_sorted(sel.messages.iter().map(|m| m.uid));
    let candidates = match expunges::since(&sel.dir, sel.uidvalidity, since) {
        Some(ranges) => Ranges::merge(ranges),
        None => Ranges::merge([(1, u32::MAX)]),
    };
    uids.intersect(&present.complement(largest))
        .intersect(&candidates)
}

fn write_earlier(out: &mut impl Write, uids: &Ranges) -> io::Result<()> {
    match uids.is_empty() {
        true => Ok(()),
        false => write!(out, "* VANISHED (EARLIER) {}\r\n", uids.format()),
    }
}

/// `* n FETCH (UID u FLAGS (...) MODSEQ (m))` for each message of `known` whose MODSEQ is
/// above `since`.
fn write_changed(
    sel: &Selected,
    out: &mut impl Write,
    known: &Ranges,
    since: u64,
) -> io::Result<()> {
    for (i, m) in sel.messages.iter().enumerate() {
        let modseq = sel.modseqs.as_ref().map_or(u64::MAX, |ms| ms.get(i));
        if modseq <= since || !known.contains(m.uid) {
            continue;
        }
        write!(out, "* {} FETCH (UID {} FLAGS ", i + 1, m.uid)?;
        sel.write_flag_list(out, m)?;
        sel.write_modseq(out, i)?;
        out.write_all(b")\r\n")?;
    }
    Ok(())
}
