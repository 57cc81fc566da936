//! CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 4): a SEARCH or SORT with `RETURN (UPDATE)`
//! stays live while its mailbox is selected, and the client hears how its results change,
//! in `* ESEARCH (TAG "t") [UID] REMOVEFROM (...) ADDTO (...)` (4.3.3, 4.3.4), until
//! CANCELUPDATE (cancelupdate.rs) or until the mailbox is left: the contexts live in
//! [`Selected`], and SELECT, EXAMINE, UNSELECT and CLOSE drop it.
//!
//! Each context keeps its search program and its results, as UIDs in the requested order
//! (mailbox order for SEARCH, sort order for SORT): without the results, an expunged
//! message could not be told apart from one that never matched (Appendix B). After a
//! refresh that saw the folder change, each context's search runs again and the results
//! are compared; a refresh that saw nothing runs nothing. A flag change, our own STORE's
//! included, renames a file in `cur/`, so the refresh sees it. Messages expunged leave
//! the results just before the EXPUNGE that tells of them, while the client still knows
//! their numbers (4.3.4).
//!
//! A message's sort keys never change (its file does not), so the results that the old
//! and the new list both hold are in the same order in each: the REMOVEFROM positions are
//! counted in the old list as the removals shorten it, then the ADDTO positions in the
//! new one. SEARCH contexts use position 0 and mailbox order (4.3.3).
//!
//! The cost: a change to the folder runs up to [`MAX_CONTEXTS`] searches over the whole
//! folder, as many SEARCH commands would; the folder cache answers most keys but the text
//! ones. OLDER and YOUNGER count back from each run (RFC 5032 2), so their results move
//! with time at the next change.

use std::collections::HashSet;
use std::io::{self, Write};

use super::esearch::Return;
use super::sort::{self, By};
use super::{search, Context, Selected};
use crate::maildir::flags::base;
use crate::maildir::view::View;
use crate::wire::{format_uids, Code, Ranges, Response, SeqNumber, SequenceSet};

/// The most live contexts a session holds (RFC 5267 4.3.1, 6). Each keeps four bytes per
/// result and its search program, and each runs its search again after every change to
/// the folder; one more is refused with `NO [NOUPDATE "tag"]`, its results still given.
pub const MAX_CONTEXTS: usize = 8;

/// What a live context searches for, and how its results are ordered.
pub struct Search {
    uid: bool,
    key: search::Key,
    /// The sort criteria of a SORT context; `None`: a SEARCH, in mailbox order.
    order: Option<Vec<(By, bool)>>,
    /// When the command ran, in seconds since the epoch: OLDER and YOUNGER count from it.
    since: i64,
}

/// Seconds since the epoch, as OLDER and YOUNGER count them (search.rs).
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Search {
    pub fn mailbox_order(uid: bool, key: &search::Key) -> Search {
        Search {
            uid,
            key: key.clone(),
            order: None,
            since: now(),
        }
    }

    pub fn sort_order(uid: bool, key: &search::Key, criteria: &[(By, bool)]) -> Search {
        Search {
            uid,
            key: key.clone(),
            order: Some(criteria.to_vec()),
            since: now(),
        }
    }

    /// The UIDs that match now, in the requested order.
    fn run(&self, sel: &Selected) -> Result<Vec<u32>, crate::maildir::MaildirError> {
        let key = aged(&self.key, now() - self.since);
        let uid = |i: usize| sel.messages[i].uid;
        Ok(match &self.order {
            None => search::hits(sel, &key)?.into_iter().map(uid).collect(),
            Some(criteria) => sort::sorted(sel, criteria, &key)?
                .into_iter()
                .map(|i| uid(i as usize))
                .collect(),
        })
    }
}

/// One live context: the searching command's tag, and its results as last told.
struct Live {
    tag: Vec<u8>,
    search: Search,
    results: Vec<u32>,
}

/// The live contexts of the selected mailbox.
#[derive(Default)]
pub struct Contexts {
    live: Vec<Live>,
}

impl Contexts {
    /// CANCELUPDATE (4.3.5): ends the contexts of `tags`; false, and none ended, when a tag
    /// names none.
    pub fn cancel(&mut self, tags: &[Vec<u8>]) -> bool {
        if !tags.iter().all(|t| self.live.iter().any(|l| &l.tag == t)) {
            return false;
        }
        self.live.retain(|l| !tags.contains(&l.tag));
        true
    }

    /// Before the EXPUNGE or VANISHED of `vanished`: REMOVEFROM for those among the
    /// results, by the numbers the client still knows (4.3.4).
    pub fn expunging(
        &mut self,
        messages: &View,
        vanished: &HashSet<u32>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        for live in &mut self.live {
            if !live.results.iter().any(|u| vanished.contains(u)) {
                continue;
            }
            let kept: Vec<u32> = live
                .results
                .iter()
                .copied()
                .filter(|u| !vanished.contains(u))
                .collect();
            live.write_changes(messages, &kept, out)?;
            live.results = kept;
        }
        Ok(())
    }
}

impl Live {
    /// `* ESEARCH (TAG "t") [UID] REMOVEFROM (...) ADDTO (...)` for the results becoming
    /// `new`, or nothing when they stay the same.
    fn write_changes(&self, messages: &View, new: &[u32], out: &mut impl Write) -> io::Result<()> {
        let sorted = self.search.order.is_some();
        let (removed, added) = changes(&self.results, new, sorted);
        if removed.is_empty() && added.is_empty() {
            return Ok(());
        }
        out.write_all(b"* ESEARCH (TAG ")?;
        crate::wire::quote::string(out, &self.tag)?;
        out.write_all(b")")?;
        if self.search.uid {
            out.write_all(b" UID")?;
        }
        for (name, pairs) in [("REMOVEFROM", removed), ("ADDTO", added)] {
            if pairs.is_empty() {
                continue;
            }
            write!(out, " {name} (")?;
            for (n, (position, uids)) in pairs.iter().enumerate() {
                let numbers: Vec<u32> = match self.search.uid {
                    true => uids.clone(),
                    false => uids.iter().filter_map(|&u| number(messages, u)).collect(),
                };
                let sep = if n == 0 { "" } else { " " };
                write!(out, "{sep}{position} {}", format_uids(&numbers))?;
            }
            out.write_all(b")")?;
        }
        out.write_all(b"\r\n")
    }
}

/// The message sequence number of `uid` in the view.
fn number(messages: &View, uid: u32) -> Option<u32> {
    let i = messages.partition_point(|m| m.uid < uid);
    (messages.get(i)?.uid == uid).then_some(i as u32 + 1)
}

/// A list of (context position, UIDs) pairs of ADDTO or REMOVEFROM.
type Pairs = Vec<(u32, Vec<u32>)>;

/// The REMOVEFROM and the ADDTO pairs that turn `old` into `new`, whose common members
/// are in the same order: for a SEARCH (not `sorted`) one pair each at position 0, for a
/// SORT one pair for each run of neighbours, at its 1-based position (4.3.3, 4.3.4).
fn changes(old: &[u32], new: &[u32], sorted: bool) -> (Pairs, Pairs) {
    let in_new: HashSet<u32> = new.iter().copied().collect();
    let in_old: HashSet<u32> = old.iter().copied().collect();
    (
        runs(old, |u| !in_new.contains(&u), sorted, true),
        runs(new, |u| !in_old.contains(&u), sorted, false),
    )
}

/// The runs of `list` that `picked` picks, each at the position its first member has in
/// the list as the earlier pairs left it: removals shift later positions down, additions
/// are made at their place in the final list. Unsorted: all of them at position 0.
fn runs(list: &[u32], picked: impl Fn(u32) -> bool, sorted: bool, removing: bool) -> Pairs {
    let mut pairs: Pairs = Vec::new();
    let mut taken = 0;
    let mut in_run = false;
    for (i, &u) in list.iter().enumerate() {
        if !picked(u) {
            in_run = false;
            continue;
        }
        match pairs.last_mut() {
            Some((_, run)) if in_run || !sorted => run.push(u),
            _ => {
                let at = if removing { i - taken } else { i };
                let position = if sorted { at as u32 + 1 } else { 0 };
                pairs.push((position, vec![u]));
            }
        }
        in_run = true;
        taken += 1;
    }
    pairs
}

/// BAD for a searching command with UPDATE whose tag names a live context (4.3: "Tag
/// reuse"), before it does anything.
pub fn reused(s: &Context, tag: &[u8], returns: Option<&[Return]>) -> Option<Response> {
    if !returns.is_some_and(|r| r.contains(&Return::Update)) {
        return None;
    }
    let sel = s.selected.as_ref()?;
    let live = sel.contexts.live.iter().any(|l| l.tag == tag);
    live.then(|| Response::bad("Tag reuse"))
}

/// After the answer of a searching command with UPDATE whose results are `uids`, in the
/// requested order: keeps it live, or says it will not (4.3.1). Message numbers and `$`
/// in its program are taken as they stand now, as UIDs (4.3: no notification when the
/// messages they name change; RFC 5182 2.1: `$` is what was saved before the command).
/// UID sets stay as given: UIDs do not move, and a `*` in one names the largest UID at
/// each run, as the same command would.
pub fn start(
    sel: &mut Selected,
    out: &mut impl Write,
    tag: &[u8],
    search: Search,
    uids: Vec<u32>,
) -> io::Result<()> {
    if sel.contexts.live.len() >= MAX_CONTEXTS {
        return Response::no("Too many contexts")
            .with(Code::NoUpdate(tag.to_vec()))
            .write(out, None);
    }
    let search = Search {
        key: fixed(&search.key, sel),
        ..search
    };
    sel.contexts.live.push(Live {
        tag: tag.to_vec(),
        search,
        results: uids,
    });
    Ok(())
}

/// `key` with its message number sets and `$` as the UIDs they name now.
fn fixed(key: &search::Key, sel: &Selected) -> search::Key {
    use search::Key;
    let uids = |set: &SequenceSet, uid: bool| {
        let indexes = sel.resolve(set, uid).unwrap_or_default();
        let uids = Ranges::from_sorted(indexes.iter().map(|i| sel.messages[i as usize].uid));
        let ranges = uids.ranges().map(|r| {
            let (a, b) = r.into_inner();
            (SeqNumber::Value(a), SeqNumber::Value(b))
        });
        Key::Uid(SequenceSet::new(ranges.collect()))
    };
    rewrite(key, &|k| match k {
        Key::Set(set) => Some(uids(set, false)),
        Key::Uid(set) if set.is_saved() => Some(uids(set, true)),
        _ => None,
    })
}

/// `key` with OLDER's and YOUNGER's moments `elapsed` seconds later: their intervals
/// count back from the time of each run (RFC 5032 2 allows the delay until the next
/// change to the folder).
fn aged(key: &search::Key, elapsed: i64) -> search::Key {
    use search::Key;
    rewrite(key, &|k| match k {
        Key::Older(at) => Some(Key::Older(at.saturating_add(elapsed))),
        Key::Younger(at) => Some(Key::Younger(at.saturating_add(elapsed))),
        _ => None,
    })
}

/// A copy of `key` with each key that `replace` gives a replacement for replaced.
fn rewrite(
    key: &search::Key,
    replace: &impl Fn(&search::Key) -> Option<search::Key>,
) -> search::Key {
    use search::Key;
    if let Some(k) = replace(key) {
        return k;
    }
    match key {
        Key::Not(k) => Key::Not(Box::new(rewrite(k, replace))),
        Key::Or(a, b) => Key::Or(Box::new(rewrite(a, replace)), Box::new(rewrite(b, replace))),
        Key::And(keys) => Key::And(keys.iter().map(|k| rewrite(k, replace)).collect()),
        other => other.clone(),
    }
}

/// After a refresh that saw the folder change: each context's search again, and what
/// changed of its results. A context whose search fails now ends, told with
/// `OK [NOUPDATE "tag"]`: its results could no longer be kept right.
pub fn reevaluate(sel: &mut Selected, out: &mut impl Write) -> io::Result<()> {
    if sel.contexts.live.is_empty() {
        return Ok(());
    }
    // Written once all are done, so that a failing write loses no context.
    let mut told = Vec::new();
    let live = std::mem::take(&mut sel.contexts.live);
    for mut l in live {
        match l.search.run(sel) {
            Ok(uids) => {
                l.write_changes(&sel.messages, &uids, &mut told)?;
                l.results = uids;
                sel.contexts.live.push(l);
            }
            Err(e) => {
                crate::log!("search context dropped: {e}");
                Response::ok("The search failed; no more updates")
                    .with(Code::NoUpdate(l.tag))
                    .write(&mut told, None)?;
            }
        }
    }
    sel.cache.finish(sel.messages.names().map(base));
    out.write_all(&told)
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn search_positions_are_zero() {
        // RFC 5267 4.3.3: position 0, in mailbox order.
        let (removed, added) = changes(&[1, 3, 5, 7], &[1, 4, 5, 8, 9], false);
        assert_eq!(removed, [(0, vec![3, 7])]);
        assert_eq!(added, [(0, vec![4, 8, 9])]);
    }

    #[test]
    fn sort_positions() {
        // RFC 5267 4.3.3's example: 2734:2735 becomes 2731:2735 with ADDTO (1 2731:2733).
        let (removed, added) = changes(&[2734, 2735], &[2731, 2732, 2733, 2734, 2735], true);
        assert!(removed.is_empty());
        assert_eq!(added, [(1, vec![2731, 2732, 2733])]);
        // Removals counted as the list shrinks: [9 4 7 2 5] less 4, 7 and 5 is [9 2];
        // then 6 and 8 go in at their places in [6 9 8 2].
        let (removed, added) = changes(&[9, 4, 7, 2, 5], &[6, 9, 8, 2], true);
        assert_eq!(removed, [(2, vec![4, 7]), (3, vec![5])]);
        assert_eq!(added, [(1, vec![6]), (3, vec![8])]);
    }
}
