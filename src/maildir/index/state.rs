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
//! Changes are made under the index lock ([`super::locked`]): the latest state is read
//! again under it and merged, so two
//! sessions never hand out the same MODSEQ and HIGHESTMODSEQ only grows. The file is
//! replaced durably and ends in a CRC-32 of its content: a torn or damaged file is absent.
//! When it is absent, MODSEQs start again from the clock in microseconds, above any value
//! handed out before (a folder would need more than one change per microsecond since the
//! state was first written to catch up with it).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::maildir::flags::base;
use crate::maildir::stamp::{Stamp, Time};
use crate::maildir::{durable, MaildirError};

pub const FILE: &str = "imapd.state";
const MAGIC: &[u8; 8] = b"IMAPDST2";
/// Magic, UIDVALIDITY, next UID, HIGHESTMODSEQ, the uidlist's and the keywords' identities,
/// three times and the count.
const HEADER: usize = 8 + 4 + 4 + 8 + 2 * (8 + 8 + 12) + 3 * 12 + 4;

/// One message as last listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub uid: u32,
    pub modseq: u64,
    pub in_new: bool,
    pub name: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub uidvalidity: u32,
    pub next_uid: u32,
    pub highest_modseq: u64,
    pub stamp: Stamp,
    /// In UID order.
    pub messages: Vec<Entry>,
}

impl State {
    /// The folder's state, or `None` when there is none or it is damaged.
    pub fn read(dir: &Path) -> Option<State> {
        decode(&std::fs::read(dir.join(FILE)).ok()?)
    }

    /// The state with `listing` (read under `stamp`) taken in, merged with `previous`: a
    /// message whose flags changed, or that is new, gets the next MODSEQ; an expunge moves
    /// HIGHESTMODSEQ on too (RFC 7162 3.1.1: it changes with every change of the mailbox).
    pub fn merge(
        previous: Option<&State>,
        uidvalidity: u32,
        next_uid: u32,
        stamp: Stamp,
        listing: impl Iterator<Item = (u32, bool, Vec<u8>)>,
    ) -> State {
        // Under a new UIDVALIDITY the old MODSEQs mean nothing, but none goes back.
        let floor = previous.map_or(0, |p| p.highest_modseq + 1);
        let previous = previous.filter(|p| p.uidvalidity == uidvalidity);
        let mut highest = match previous {
            Some(p) => p.highest_modseq,
            None => clock_modseq().max(floor),
        };
        let fresh = previous.is_none();
        let old: &[Entry] = previous.map_or(&[], |p| &p.messages);
        let mut at = 0;
        let mut present = 0;
        let mut changed = false;
        let mut messages = Vec::new();
        for (uid, in_new, name) in listing {
            while at < old.len() && old[at].uid < uid {
                at += 1;
            }
            let same = old.get(at).filter(|o| o.uid == uid);
            present += same.is_some() as usize;
            let modseq = match same {
                Some(o) if flags_part(&o.name) == flags_part(&name) => o.modseq,
                _ if fresh => highest,
                _ => {
                    changed = true;
                    highest += 1;
                    highest
                }
            };
            messages.push(Entry {
                uid,
                modseq,
                in_new,
                name,
            });
        }
        if !fresh && !changed && present < old.len() {
            highest += 1;
        }
        State {
            uidvalidity,
            next_uid,
            highest_modseq: highest,
            stamp,
            messages,
        }
    }

    /// Replaces the folder's state with `f(the latest state)`, under the index lock; `f`
    /// returns `None` to leave it as it is. Returns what `f` returned.
    pub fn update<T>(
        dir: &Path,
        f: impl FnOnce(Option<State>) -> (Option<State>, T),
    ) -> Result<T, MaildirError> {
        super::locked(dir, || {
            let (new, result) = f(State::read(dir));
            if let Some(state) = new {
                durable::replace(&dir.join(FILE), &encode(&state))?;
            }
            Ok(result)
        })
    }
}

/// The flags part of a file name (after `:2,`), which says whether a message changed.
fn flags_part(name: &[u8]) -> &[u8] {
    &name[base(name).len()..]
}

/// A MODSEQ above any handed out before the state was lost: the clock in microseconds.
fn clock_modseq() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_micros() as u64)
}

fn encode(s: &State) -> Vec<u8> {
    let names: usize = s.messages.iter().map(|m| m.name.len()).sum();
    let mut b = Vec::with_capacity(HEADER + s.messages.len() * 15 + names + 4);
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
    b.extend_from_slice(&(s.messages.len() as u32).to_le_bytes());
    for m in &s.messages {
        b.extend_from_slice(&m.uid.to_le_bytes());
        b.extend_from_slice(&m.modseq.to_le_bytes());
        b.push(m.in_new as u8);
        // File names are at most 255 bytes (NAME_MAX).
        b.push(m.name.len().min(255) as u8);
        b.extend_from_slice(&m.name[..m.name.len().min(255)]);
    }
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
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
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
}

fn decode(data: &[u8]) -> Option<State> {
    let (body, crc) = data.split_last_chunk::<4>()?;
    if crc32fast::hash(body) != u32::from_le_bytes(*crc) || !body.starts_with(MAGIC) {
        return None;
    }
    let mut r = Reader(&body[MAGIC.len()..]);
    let (uidvalidity, next_uid) = (r.u32()?, r.u32()?);
    let highest_modseq = r.u64()?;
    let uidlist = (r.u64()?, r.u64()?, r.time()?);
    let keywords = (r.u64()?, r.u64()?, r.time()?);
    let (new, cur, taken) = (r.time()?, r.time()?, r.time()?);
    let count = r.u32()? as usize;
    // Each entry takes at least 15 bytes: a count larger than that is damage.
    if count > r.0.len() / 15 {
        return None;
    }
    let mut messages = Vec::with_capacity(count);
    for _ in 0..count {
        let uid = r.u32()?;
        let modseq = r.u64()?;
        let [in_new, len] = r.take()?;
        messages.push(Entry {
            uid,
            modseq,
            in_new: in_new != 0,
            name: r.bytes(len as usize)?.to_vec(),
        });
    }
    if !r.0.is_empty() || !messages.windows(2).all(|w| w[0].uid < w[1].uid) {
        return None;
    }
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
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(names: &[(u32, &str)]) -> Vec<(u32, bool, Vec<u8>)> {
        names
            .iter()
            .map(|(u, n)| (*u, false, n.as_bytes().to_vec()))
            .collect()
    }

    fn state(previous: Option<&State>, names: &[(u32, &str)]) -> State {
        State::merge(
            previous,
            7,
            10,
            Stamp::default(),
            listing(names).into_iter(),
        )
    }

    #[test]
    fn round_trip_and_any_damage_is_absence() {
        let s = state(None, &[(1, "1.M1P1.h:2,S"), (3, "3.M1P1.h:2,")]);
        let bytes = encode(&s);
        assert_eq!(decode(&bytes), Some(s));
        for cut in [0, 1, 8, HEADER, bytes.len() - 5, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        for at in [0, 9, HEADER + 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x20;
            assert_eq!(decode(&bad), None, "flipped byte {at}");
        }
    }

    #[test]
    fn modseq_moves_on_for_changes_only_and_never_back() {
        // RFC 7162 3.1.1: a flag change gets a MODSEQ above every earlier one.
        let a = state(None, &[(1, "1.x:2,"), (2, "2.x:2,S")]);
        assert!(
            a.highest_modseq > 1_600_000_000_000_000,
            "seeded from the clock"
        );
        assert!(a.messages.iter().all(|m| m.modseq == a.highest_modseq));
        let b = state(Some(&a), &[(1, "1.x:2,F"), (2, "2.x:2,S")]);
        assert_eq!(b.highest_modseq, a.highest_modseq + 1);
        assert_eq!(b.messages[0].modseq, b.highest_modseq);
        assert_eq!(b.messages[1].modseq, a.messages[1].modseq);
        // The same listing again changes nothing.
        assert_eq!(state(Some(&b), &[(1, "1.x:2,F"), (2, "2.x:2,S")]), b);
        // An expunge moves HIGHESTMODSEQ on; a new message gets its own.
        let c = state(Some(&b), &[(2, "2.x:2,S")]);
        assert_eq!(c.highest_modseq, b.highest_modseq + 1);
        let d = state(Some(&c), &[(2, "2.x:2,S"), (5, "5.x")]);
        assert_eq!(d.messages[1].modseq, c.highest_modseq + 1);
        // A new UIDVALIDITY starts over, still above everything before.
        let e = State::merge(Some(&d), 8, 3, Stamp::default(), listing(&[]).into_iter());
        assert!(e.highest_modseq > d.highest_modseq);
    }
}
