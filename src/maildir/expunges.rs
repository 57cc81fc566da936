//! Expunges and their MODSEQs (RFC 7162 3.2): recording the ones this server makes, and
//! telling which UIDs may have gone since a client's MODSEQ.
//!
//! An expunge this server makes (EXPUNGE, UID EXPUNGE, CLOSE, MOVE) gets a MODSEQ in the
//! journal before the tagged OK ([`record`]). One made by another program, or a file
//! deleted by hand, gets one when the state next takes a listing in
//! ([`super::index::state::State::merge`]), above every MODSEQ handed out before, so
//! above any a client can hold. Until then it has none, and is reported to every client
//! ([`since`]): VANISHED (EARLIER) may name more UIDs than went since, never fewer.

use std::path::Path;

use super::index::{self, modseq, state::State};
use super::MaildirError;

/// Records that this server expunged `uids` from the folder at `dir`: one new MODSEQ for
/// them all, durable when this returns.
pub fn record(dir: &Path, uidvalidity: u32, uids: &[u32]) -> Result<u64, MaildirError> {
    index::locked(dir, || modseq::expunged(dir, uidvalidity, uids))
}

/// The UID ranges (first, last) among which every UID expunged from the folder at `dir`
/// with a MODSEQ above `since` is; `None` when that is unknown (no history that far back,
/// or none under this UIDVALIDITY) and any UID may have gone. A UID still present, or
/// never given out, is in no answer's sense expunged, whatever the ranges say: callers
/// take the UIDs present away.
pub fn since(dir: &Path, uidvalidity: u32, since: u64) -> Option<Vec<(u32, u32)>> {
    let state = State::listing(dir).filter(|s| s.uidvalidity == uidvalidity)?;
    let mut ranges = state.history.since(since)?;
    let journal = modseq::read(dir, None);
    if journal.header.is_some_and(|h| h.uidvalidity == uidvalidity) {
        let recorded = journal.expunges.iter().filter(|e| e.1 > since);
        ranges.extend(recorded.map(|e| (e.0, e.0)));
    }
    // Expunged since the state was written, and not recorded: the state's messages, and
    // the UIDs given out after it.
    ranges.extend(state.view.iter().map(|m| (m.uid, m.uid)));
    ranges.push((state.next_uid.max(1), u32::MAX));
    Some(ranges)
}
