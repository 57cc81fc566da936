//! `imapd.state`: the folder's shared mutable state, so that a session need not list the
//! directories and parse `dovecot-uidlist` when nothing changed since another session did.
//!
//! It holds the last listing (UID, file name, MODSEQ of each message), the modification
//! times of `new/` and `cur/` and the identity of `dovecot-uidlist` it was read under, and
//! the folder's HIGHESTMODSEQ (RFC 7162 3.1.1). What `\Recent` needs changes more often and
//! is kept apart, in [`super::recent`].
//!
//! The listing is used only when its [`Stamp`] says the folder is unchanged since (the rule
//! of [`crate::maildir::stamp`], the same as for a session's own view: directory mtimes in
//! nanoseconds, file identities, and a listing read at least 2 s after the directories'
//! last change). Otherwise the folder is read as before and the state rewritten.
//!
//! The file is the header and one 10-byte record per message (UID, the name's length, the
//! flags as bits) under one CRC-32, then the names, then the MODSEQs, each part with its
//! own CRC-32 in the header, then the history of expunges ([`super::history`], RFC 7162
//! 3.2) under its own: a SELECT reads the first part and the history only (1 MB at
//! 100,000 messages, against 7 MB for the whole), and the names when a command first
//! needs one ([`crate::maildir::view`]).
//!
//! Changes are made under the index lock ([`super::locked`]): the latest state is read
//! again under it and merged, so two
//! sessions never hand out the same MODSEQ and HIGHESTMODSEQ only grows. The file is
//! replaced durably and ends in a CRC-32 of its content: a torn or damaged file is absent.
//! When it is absent, MODSEQs start again from the clock in microseconds, above any value
//! handed out before (a folder would need more than one change per microsecond since the
//! state was first written to catch up with it). The MODSEQs of changes made since the
//! state was written are in [`super::modseq`]'s journal, which a merge takes in.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::history::History;
use super::modseq::{self, Journal};
use crate::maildir::flags::{base, Flags, MessageFlags};
use crate::maildir::stamp::{Stamp, Time};
use crate::maildir::view::{Entry, Source, View};
use crate::maildir::{durable, MaildirError};

pub const FILE: &str = "imapd.state";
const MAGIC: &[u8; 8] = b"IMAPDST4";
/// Magic, UIDVALIDITY, next UID, HIGHESTMODSEQ, the uidlist's and the keywords' identities,
/// three times, the count of messages, the CRC-32s of the names and of the MODSEQs.
const HEADER: usize = 8 + 4 + 4 + 8 + 2 * (8 + 8 + 12) + 3 * 12 + 4 + 4 + 4;
/// One message: UID, the length of its name, `new/` and the system flags in one byte, the
/// keyword letters as bits.
const RECORD: usize = 4 + 1 + 1 + 4;
/// The bit of a record's flags byte that says the file is in `new/`.
const IN_NEW: u8 = 0x80;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub uidvalidity: u32,
    pub next_uid: u32,
    pub highest_modseq: u64,
    pub stamp: Stamp,
    /// The last listing, in UID order; its names are read from the file when first needed.
    pub view: View,
    /// The MODSEQ of each message of `view`; empty when read by [`State::listing`].
    pub modseqs: Vec<u64>,
    /// Whether a message of `view` is in `new/`.
    pub in_new: bool,
    /// The expunges remembered, with their MODSEQs (RFC 7162 3.2).
    pub history: History,
}

impl State {
    /// The folder's state, or `None` when there is none or it is damaged.
    pub fn read(dir: &Path) -> Option<State> {
        open(dir, true)
    }

    /// The folder's state without its MODSEQs, for a session that selects the folder: the
    /// header and the fixed-size records are read, the names when first needed.
    pub fn listing(dir: &Path) -> Option<State> {
        open(dir, false)
    }

    /// The state with `listing` (read under `stamp`) taken in, merged with `previous` and
    /// the `journal` of changes since: a message whose flags changed, or that is new, gets
    /// the next MODSEQ; an expunge moves HIGHESTMODSEQ on too (RFC 7162 3.1.1: it changes
    /// with every change of the mailbox) and goes into the history (3.2) with the MODSEQ
    /// its journal record gives, or a new one when nobody recorded it (another program, a
    /// file deleted by hand). A journal record counts while the message still has the
    /// flags it gives; one of an older state only keeps MODSEQs from going back.
    pub fn merge(
        previous: Option<&State>,
        journal: &Journal,
        uidvalidity: u32,
        next_uid: u32,
        stamp: Stamp,
        listing: &View,
    ) -> State {
        // Under a new UIDVALIDITY the old MODSEQs mean nothing, but none goes back.
        let floor = previous
            .map_or(0, |p| p.highest_modseq)
            .max(journal.highest());
        let previous = previous.filter(|p| p.uidvalidity == uidvalidity);
        let mut highest = match previous {
            Some(_) => floor,
            None => modseq::next(floor),
        };
        let fresh = previous.is_none();
        let journaled = match previous {
            Some(p) if journal.extends(uidvalidity, p.highest_modseq) => journal.latest(),
            _ => Default::default(),
        };
        let next = |highest: &mut u64| {
            *highest = modseq::next(*highest);
            *highest
        };
        let empty = View::default();
        let old = previous.map_or(&empty, |p| &p.view);
        let mut at = 0;
        let mut modseqs = Vec::with_capacity(listing.len());
        for (i, m) in listing.iter().enumerate() {
            while at < old.len() && old[at].uid < m.uid {
                at += 1;
            }
            let same = old.get(at).filter(|o| o.uid == m.uid);
            let kept = match journaled.get(&m.uid) {
                Some(c) => (c.flags == m.flags()).then_some(c.modseq),
                None => same
                    .filter(|_| flags_part(old.name(at)) == flags_part(listing.name(i)))
                    .and_then(|_| previous?.modseqs.get(at).copied()),
            };
            let modseq = match kept {
                Some(modseq) => modseq,
                None if fresh => highest,
                None => next(&mut highest),
            };
            modseqs.push(modseq);
        }
        let history = match previous {
            Some(p) => {
                let mut h = p.history.clone();
                let listed: Vec<u32> = listing.iter().map(|m| m.uid).collect();
                let gone = expunged(p, &listed, next_uid);
                let recorded: Vec<(u32, u64)> = match journal.header {
                    Some(j) if j.uidvalidity == uidvalidity => journal.expunges.clone(),
                    _ => Vec::new(),
                };
                let mut added: Vec<(u32, u32, u64)> = recorded
                    .iter()
                    .filter(|e| listed.binary_search(&e.0).is_err())
                    .map(|&(uid, m)| (uid, uid, m))
                    .collect();
                let unrecorded = without(&gone, recorded.iter().map(|e| e.0));
                if !unrecorded.is_empty() {
                    let m = next(&mut highest);
                    added.extend(unrecorded.iter().map(|&(a, b)| (a, b, m)));
                }
                h.add(&added);
                h
            }
            None => History::starting(highest),
        };
        let mut view = listing.clone();
        // UIDs stop below u32::MAX: none is \Recent in a recorded listing.
        view.mark_recent(u32::MAX);
        State {
            uidvalidity,
            next_uid,
            highest_modseq: highest,
            stamp,
            in_new: view.iter().any(|m| m.in_new),
            view,
            modseqs,
            history,
        }
    }

    /// Replaces the folder's state with `f(the latest state, the journal since)`, under
    /// the index lock; `f` returns `None` to leave it as it is. A new state has taken the
    /// journal in, which then goes (when a crash keeps it, its header names the older
    /// state, and it only keeps MODSEQs from going back). Returns what `f` returned.
    pub fn update<T>(
        dir: &Path,
        f: impl FnOnce(Option<State>, &Journal) -> (Option<State>, T),
    ) -> Result<T, MaildirError> {
        super::locked(dir, || {
            let journal = modseq::read(dir, None);
            let (new, result) = f(State::read(dir), &journal);
            if let Some(state) = new {
                durable::replace(&dir.join(FILE), &encode(&state))?;
                if journal.header.is_some() {
                    let path = dir.join(modseq::FILE);
                    std::fs::remove_file(&path).map_err(MaildirError::io(&path))?;
                }
            }
            Ok(result)
        })
    }
}

/// The UIDVALIDITY and HIGHESTMODSEQ of the folder's state, from its header alone (its
/// CRC-32 covers the listing too, which this does not read): for a floor and for telling
/// whether the journal extends this state, never for MODSEQs of messages.
pub fn header(dir: &Path) -> Option<(u32, u64)> {
    let file = File::open(dir.join(FILE)).ok()?;
    let mut head = [0u8; 8 + 4 + 4 + 8];
    file.read_exact_at(&mut head, 0).ok()?;
    if !head.starts_with(MAGIC) {
        return None;
    }
    let mut r = Reader(&head[MAGIC.len()..]);
    let uidvalidity = r.u32()?;
    r.u32()?;
    Some((uidvalidity, r.u64()?))
}

/// The UIDs of `previous` not in `listed` (ascending), nor given out since and gone
/// already (from its next UID up to `next_uid`), as ranges: the expunges since it.
fn expunged(previous: &State, listed: &[u32], next_uid: u32) -> Vec<(u32, u32)> {
    let mut gone: Vec<(u32, u32)> = Vec::new();
    let mut push = |uid: u32| match gone.last_mut() {
        Some(last) if last.1 + 1 == uid => last.1 = uid,
        _ => gone.push((uid, uid)),
    };
    let mut at = 0;
    for m in previous.view.iter() {
        while at < listed.len() && listed[at] < m.uid {
            at += 1;
        }
        if listed.get(at) != Some(&m.uid) {
            push(m.uid);
        }
    }
    let from = previous.next_uid.max(1);
    let mut at = listed.partition_point(|&u| u < from);
    let mut first = from;
    while first < next_uid {
        let last = listed.get(at).map_or(next_uid, |&u| u.min(next_uid)) - 1;
        if first <= last {
            gone.push((first, last));
        }
        first = last.saturating_add(2);
        at += 1;
    }
    gone
}

/// `ranges` without the UIDs of `out`.
fn without(ranges: &[(u32, u32)], out: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<u32> = out.collect();
    out.sort_unstable();
    let mut left = Vec::new();
    for &(a, b) in ranges {
        let mut first = a;
        let from = out.partition_point(|&u| u < a);
        for &u in out[from..].iter().take_while(|&&u| u <= b) {
            if first < u {
                left.push((first, u - 1));
            }
            first = u + 1;
        }
        if first <= b {
            left.push((first, b));
        }
    }
    left
}

/// The flags part of a file name (after `:2,`), which says whether a message changed.
fn flags_part(name: &[u8]) -> &[u8] {
    &name[base(name).len()..]
}

fn encode(s: &State) -> Vec<u8> {
    let names: usize = s.view.names().map(<[u8]>::len).sum();
    let n = s.view.len();
    let mut b = Vec::with_capacity(HEADER + n * RECORD + 4 + names + n * 8);
    b.extend_from_slice(MAGIC);
    for v in [s.uidvalidity, s.next_uid] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&s.highest_modseq.to_le_bytes());
    let time = |b: &mut Vec<u8>, t: Time| {
        b.extend_from_slice(&t.secs.to_le_bytes());
        b.extend_from_slice(&t.nanos.to_le_bytes());
    };
    for (ino, size, mtime) in [s.stamp.uidlist, s.stamp.keywords] {
        b.extend_from_slice(&ino.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        time(&mut b, mtime);
    }
    for t in [s.stamp.new, s.stamp.cur, s.stamp.taken] {
        time(&mut b, t);
    }
    b.extend_from_slice(&(n as u32).to_le_bytes());
    let mut names_crc = crc32fast::Hasher::new();
    s.view.names().for_each(|name| names_crc.update(name));
    let modseqs: Vec<u8> = s.modseqs.iter().flat_map(|m| m.to_le_bytes()).collect();
    b.extend_from_slice(&names_crc.finalize().to_le_bytes());
    b.extend_from_slice(&crc32fast::hash(&modseqs).to_le_bytes());
    for (m, name) in s.view.iter().zip(s.view.names()) {
        let flags = m.flags();
        b.extend_from_slice(&m.uid.to_le_bytes());
        // File names are at most 255 bytes (NAME_MAX).
        b.push(name.len() as u8);
        b.push(flags.system.bits() | if m.in_new { IN_NEW } else { 0 });
        b.extend_from_slice(&flags.keywords.to_le_bytes());
    }
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    s.view.names().for_each(|name| b.extend_from_slice(name));
    b.extend_from_slice(&modseqs);
    s.history.encode(&mut b);
    b
}

/// Reads fixed-size fields off the front of a byte string.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn time(&mut self) -> Option<Time> {
        Some(Time {
            secs: self.take().map(i64::from_le_bytes)?,
            nanos: self.u32()?,
        })
    }
}

/// The file: the header, the records and a CRC-32 of both, then the names (their CRC-32
/// is in the header) and the MODSEQs (likewise). A session that selects reads the first
/// part only, and the names when it first needs one.
fn open(dir: &Path, with_modseqs: bool) -> Option<State> {
    let file = File::open(dir.join(FILE)).ok()?;
    let size = file.metadata().ok()?.len();
    let mut head = [0u8; HEADER];
    file.read_exact_at(&mut head, 0).ok()?;
    if !head.starts_with(MAGIC) {
        return None;
    }
    let mut r = Reader(&head[MAGIC.len()..]);
    let (uidvalidity, next_uid) = (r.u32()?, r.u32()?);
    let highest_modseq = r.u64()?;
    let uidlist = (r.u64()?, r.u64()?, r.time()?);
    let keywords = (r.u64()?, r.u64()?, r.time()?);
    let (new, cur, taken) = (r.time()?, r.time()?, r.time()?);
    let (count, names_crc, modseqs_crc) = (r.u32()? as usize, r.u32()?, r.u32()?);
    // Each message takes a record and a MODSEQ at least: a larger count is damage.
    if count.checked_mul(RECORD + 8)? as u64 > size {
        return None;
    }
    let mut records = vec![0; count * RECORD + 4];
    file.read_exact_at(&mut records, HEADER as u64).ok()?;
    let (records, crc) = records.split_last_chunk::<4>()?;
    let mut check = crc32fast::Hasher::new();
    check.update(&head);
    check.update(records);
    if check.finalize() != u32::from_le_bytes(*crc) {
        return None;
    }
    let (mut in_new, mut last, mut ordered) = (false, 0, true);
    let entries: Vec<Entry> = records
        .chunks_exact(RECORD)
        .map(|r| {
            in_new |= r[5] & IN_NEW != 0;
            let word = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
            let uid = word(0);
            // UIDs ascend from 1.
            ordered &= uid > last;
            last = uid;
            let flags = MessageFlags {
                system: Flags::from_bits(r[5]),
                keywords: word(6),
            };
            Entry::new(uid, r[5] & IN_NEW != 0, flags)
        })
        .collect();
    if !ordered {
        return None;
    }
    let lens: Vec<u8> = records.chunks_exact(RECORD).map(|r| r[4]).collect();
    let names_at = (HEADER + records.len() + 4) as u64;
    let names: u64 = lens.iter().map(|&l| u64::from(l)).sum();
    let history_at = names_at + names + count as u64 * 8;
    let mut history_head = [0u8; 12];
    file.read_exact_at(&mut history_head, history_at).ok()?;
    let history_len = History::encoded_len(&history_head);
    if history_at + history_len != size {
        return None;
    }
    let mut history = vec![0; history_len as usize];
    file.read_exact_at(&mut history, history_at).ok()?;
    let history = History::decode(&history)?;
    let modseqs = match with_modseqs {
        true => {
            let mut m = vec![0; count * 8];
            file.read_exact_at(&mut m, names_at + names).ok()?;
            if crc32fast::hash(&m) != modseqs_crc {
                return None;
            }
            m.chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect()
        }
        false => Vec::new(),
    };
    let source = Source {
        file,
        offset: names_at,
        crc: names_crc,
        lens,
        dir: dir.to_path_buf(),
        uidvalidity,
    };
    Some(State {
        uidvalidity,
        next_uid,
        highest_modseq,
        stamp: Stamp {
            new,
            cur,
            uidlist,
            keywords,
            taken,
        },
        view: View::lazy(entries, source)?,
        modseqs,
        in_new,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(names: &[(u32, &str)]) -> View {
        let mut v = View::default();
        for (u, n) in names {
            v.push(*u, n.as_bytes(), n.ends_with("new"), false).unwrap();
        }
        v
    }

    fn state(previous: Option<&State>, names: &[(u32, &str)]) -> State {
        State::merge(
            previous,
            &Journal::default(),
            7,
            10,
            Stamp::default(),
            &listing(names),
        )
    }

    #[test]
    fn round_trip_and_any_damage_is_absence() {
        let dir = std::env::temp_dir().join(format!("imapd-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = state(
            None,
            &[(1, "1.M1P1.h:2,S"), (3, "3.M1P1.h:2,Fa"), (4, "4.M1P1.new")],
        );
        let bytes = encode(&s);
        let put = |data: &[u8]| std::fs::write(dir.join(FILE), data).unwrap();
        put(&bytes);
        let back = State::read(&dir).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.view.name(1), b"3.M1P1.h:2,Fa");
        assert_eq!(back.view[1].flags(), MessageFlags::from_name(b"x:2,Fa"));
        assert!(back.view[2].in_new && !back.view[1].in_new);
        let listed = State::listing(&dir).unwrap();
        assert!(listed.modseqs.is_empty());
        assert_eq!(listed.view, s.view);
        for cut in [0, 1, 8, HEADER, bytes.len() - 5, bytes.len() - 1] {
            put(&bytes[..cut]);
            assert_eq!(State::listing(&dir), None, "cut at {cut}");
        }
        let names_at = HEADER + 3 * RECORD + 4;
        for at in [0, 9, HEADER + 2, names_at - 1, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x20;
            put(&bad);
            assert_eq!(State::read(&dir), None, "flipped byte {at}");
        }
        // Damaged names, read after the listing: taken from the folder by UID instead;
        // here it has no files, so every message is gone at the next look.
        let mut bad = bytes.clone();
        bad[names_at + 2] ^= 0x20;
        put(&bad);
        let listed = State::listing(&dir).unwrap();
        assert_eq!(listed.view.name(0), b".imapd-gone-1");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn modseq_moves_on_for_changes_only_and_never_back() {
        // RFC 7162 3.1.1: a flag change gets a MODSEQ above every earlier one.
        let a = state(None, &[(1, "1.x:2,"), (2, "2.x:2,S")]);
        assert!(
            a.highest_modseq > 1_600_000_000_000_000,
            "seeded from the clock"
        );
        assert!(a.modseqs.iter().all(|&m| m == a.highest_modseq));
        let b = state(Some(&a), &[(1, "1.x:2,F"), (2, "2.x:2,S")]);
        assert!(b.highest_modseq > a.highest_modseq);
        assert_eq!(b.modseqs[0], b.highest_modseq);
        assert_eq!(b.modseqs[1], a.modseqs[1]);
        // The same listing again changes nothing.
        assert_eq!(state(Some(&b), &[(1, "1.x:2,F"), (2, "2.x:2,S")]), b);
        // An expunge moves HIGHESTMODSEQ on; a new message gets its own.
        let c = state(Some(&b), &[(2, "2.x:2,S")]);
        assert!(c.highest_modseq > b.highest_modseq);
        let d = state(Some(&c), &[(2, "2.x:2,S"), (5, "5.x")]);
        assert!(d.modseqs[1] > c.highest_modseq);
        assert_eq!(d.highest_modseq, d.modseqs[1]);
        // A new UIDVALIDITY starts over, still above everything before.
        let e = State::merge(
            Some(&d),
            &Journal::default(),
            8,
            3,
            Stamp::default(),
            &listing(&[]),
        );
        assert!(e.highest_modseq > d.highest_modseq);
    }

    #[test]
    fn expunges_go_into_the_history_with_their_modseq() {
        // RFC 7162 3.2: every expunge gets a MODSEQ above those before, remembered with
        // its UID; one recorded in the journal keeps the MODSEQ its client was told.
        let a = State::merge(
            None,
            &Journal::default(),
            7,
            6,
            Stamp::default(),
            &listing(&[(1, "1.x:2,"), (2, "2.x:2,"), (3, "3.x:2,"), (4, "4.x:2,")]),
        );
        assert_eq!(a.history, History::starting(a.highest_modseq));
        // 2 removed by hand, 4 by an EXPUNGE with a journal record; 6 and 7 given out
        // after the state was written, 6 gone already.
        let dir = std::env::temp_dir().join(format!("imapd-state-h-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE), encode(&a)).unwrap();
        let own = modseq::expunged(&dir, 7, &[4]).unwrap();
        let journal = modseq::read(&dir, None);
        let b = State::merge(
            Some(&a),
            &journal,
            7,
            8,
            Stamp::default(),
            &listing(&[(1, "1.x:2,"), (3, "3.x:2,"), (7, "7.x:2,")]),
        );
        let by_hand = b.history.ranges[0].2;
        assert!(by_hand > own);
        assert_eq!(
            b.history.ranges,
            [(2, 2, by_hand), (4, 4, own), (6, 6, by_hand)]
        );
        assert_eq!(b.history.since(own), Some(vec![(2, 2), (6, 6)]));
        assert!(b.highest_modseq >= by_hand);
        assert_eq!(State::read(&dir).unwrap().history, a.history);
        std::fs::write(dir.join(FILE), encode(&b)).unwrap();
        assert_eq!(State::listing(&dir).unwrap().history, b.history);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
