//! The MODSEQ of each message of a session's view (RFC 7162 3.1), kept once the client
//! enabled CONDSTORE: read from the folder's state and journal ([`super::index::modseq`])
//! when first needed, so that a SELECT without CONDSTORE reads none of them, and then kept
//! up to date as the view changes.
//!
//! A message's MODSEQ is the journal's last record for it while the file has the flags the
//! record gives, else the state's while the file has the state's flags. A message that
//! has neither (delivered, or renamed by another program, since) is a change nobody gave a
//! MODSEQ yet: this session gives it one, in the journal, so that every session agrees.
//!
//! The MODSEQs of expunges the journal recorded are kept too, for messages still in the
//! view: while the client cannot be told of them yet, it is told a HIGHESTMODSEQ below
//! them (RFC 7162 3.2).

use std::collections::HashMap;
use std::path::Path;

use super::flags::MessageFlags;
use super::index::modseq::{self, Header, Journal};
use super::index::state::State;
use super::view::View;
use super::MaildirError;

#[derive(Clone, Debug)]
pub struct Modseqs {
    /// The MODSEQ of message `i` of the view; 0 while it has none yet.
    of: Vec<u64>,
    /// HIGHESTMODSEQ: at least every MODSEQ here and every one the folder's files name.
    pub highest: u64,
    /// How far the journal has been read.
    cursor: Option<(Header, u64)>,
    /// The MODSEQ of each expunge the journal recorded of a message still in the view.
    expunges: HashMap<u32, u64>,
}

impl Modseqs {
    /// The MODSEQs of `view`, the folder at `dir` (under `uidvalidity`) as a session sees it.
    pub fn load(dir: &Path, uidvalidity: u32, view: &View) -> Result<Modseqs, MaildirError> {
        let state = State::read(dir).filter(|s| s.uidvalidity == uidvalidity);
        let journal = modseq::read(dir, None);
        let mut of = vec![0; view.len()];
        let mut highest = journal.highest();
        if let Some(st) = &state {
            highest = highest.max(st.highest_modseq);
            let mut at = 0;
            for (i, m) in view.iter().enumerate() {
                while at < st.view.len() && st.view[at].uid < m.uid {
                    at += 1;
                }
                if let Some(o) = st.view.get(at).filter(|o| o.uid == m.uid) {
                    if o.flags() == m.flags() {
                        of[i] = st.modseqs.get(at).copied().unwrap_or(0);
                    }
                }
            }
        }
        // A record whose flags the file has gives the message's MODSEQ, whichever state it
        // was written after; one whose flags it no longer has says the message changed
        // since: it gets a new MODSEQ below.
        let mut modseqs = Modseqs {
            of,
            highest,
            cursor: journal.header.map(|h| (h, journal.end)),
            expunges: HashMap::new(),
        };
        modseqs.apply(&journal, view, true);
        modseqs.update(dir, uidvalidity, view, &[])?;
        Ok(modseqs)
    }

    /// The MODSEQ of message `i` of the view.
    pub fn get(&self, i: usize) -> u64 {
        self.of.get(i).copied().unwrap_or(0)
    }

    /// Takes in what changed in `view` since the last call: `changed` are the messages
    /// whose flags changed, messages beyond the last known are new. The journal is read on
    /// from where it was; what still has no MODSEQ gets one. Returns the other messages
    /// whose MODSEQ changed (a record another session wrote for flags already seen, as
    /// when this one saw its rename before its record).
    pub fn update(
        &mut self,
        dir: &Path,
        uidvalidity: u32,
        view: &View,
        changed: &[usize],
    ) -> Result<Vec<usize>, MaildirError> {
        self.of.resize(view.len(), 0);
        for &i in changed {
            self.of[i] = 0;
        }
        let moved = self.read_journal(dir, view);
        if self.of.contains(&0) {
            super::index::locked(dir, || {
                // Under the lock: what others wrote before it was taken counts first.
                self.read_journal(dir, view);
                let unknown: Vec<(u32, MessageFlags)> = (0..view.len())
                    .filter(|&i| self.of[i] == 0)
                    .map(|i| (view[i].uid, view[i].flags()))
                    .collect();
                if !unknown.is_empty() {
                    let m = modseq::assign(dir, uidvalidity, &unknown)?;
                    self.of.iter_mut().filter(|m| **m == 0).for_each(|v| *v = m);
                    self.highest = self.highest.max(m);
                }
                Ok(())
            })?;
        }
        Ok(moved)
    }

    /// Records that this session changed the flags of `changed` (indexes of `view`), once
    /// they are on disk: one new MODSEQ for them all, durable when this returns. When it
    /// cannot be written (a full disk), the MODSEQ is this session's alone, and the error
    /// is returned: the change is on disk, and whoever sees it next without a record gives
    /// it a MODSEQ of its own, above all before, as when the journal was deleted.
    pub fn store(
        &mut self,
        dir: &Path,
        uidvalidity: u32,
        view: &View,
        changed: &[usize],
    ) -> Result<u64, MaildirError> {
        let written = journal(dir, uidvalidity, view, changed);
        let m = match &written {
            Ok(m) => *m,
            Err(_) => modseq::next(self.highest),
        };
        for &i in changed {
            self.of[i] = m;
        }
        self.highest = self.highest.max(m);
        written
    }

    /// The MODSEQ a journal record gave the expunge of `uid`, if one was read.
    pub fn expunged(&self, uid: u32) -> Option<u64> {
        self.expunges.get(&uid).copied()
    }

    /// The HIGHESTMODSEQ a client may be told now: below the expunge of any message the
    /// view still lists, whose record was read after the listing (RFC 7162 3.1.2.1: it
    /// covers only what the client was told; 3.2.5.1: a client resynchronizing from it must
    /// still learn of that expunge).
    pub fn told(&self) -> u64 {
        match self.expunges.values().min() {
            Some(&lowest) => self.highest.min(lowest.saturating_sub(1)),
            None => self.highest,
        }
    }

    /// Forgets the expunges of `uids`, told to the client.
    pub fn forget_expunges(&mut self, uids: impl Iterator<Item = u32>) {
        for uid in uids {
            self.expunges.remove(&uid);
        }
    }

    /// Keeps the MODSEQs of the messages the view keeps (`keep[i]`), as it drops the
    /// others.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut k = keep.iter();
        self.of.retain(|_| k.next().copied().unwrap_or(true));
    }

    /// Applies the journal's records since the last read; returns the messages whose
    /// MODSEQ they moved.
    fn read_journal(&mut self, dir: &Path, view: &View) -> Vec<usize> {
        let journal = modseq::read(dir, self.cursor);
        if let Some(h) = journal.header {
            self.cursor = Some((h, journal.end));
        }
        self.apply(&journal, view, false)
    }

    /// Takes in the last record of each UID in `journal`, where the message has its flags;
    /// with `stale`, one whose flags the message no longer has (and newer than what is
    /// known) leaves it without a MODSEQ, to get a new one. Returns the messages whose
    /// MODSEQ moved.
    fn apply(&mut self, journal: &Journal, view: &View, stale: bool) -> Vec<usize> {
        // A journal started over: the state it extends has taken the older one in.
        self.highest = self.highest.max(journal.highest());
        for &(uid, modseq) in &journal.expunges {
            let i = view.partition_point(|m| m.uid < uid);
            if view.get(i).is_some_and(|m| m.uid == uid) {
                self.expunges.insert(uid, modseq);
            }
        }
        let mut moved = Vec::new();
        for c in journal.latest().values() {
            let i = view.partition_point(|m| m.uid < c.uid);
            let Some(m) = view.get(i).filter(|m| m.uid == c.uid) else {
                continue;
            };
            if c.modseq <= self.of[i] {
                continue;
            }
            if m.flags() == c.flags {
                if self.of[i] != 0 {
                    moved.push(i);
                }
                self.of[i] = c.modseq;
            } else if stale {
                self.of[i] = 0;
            }
        }
        moved.sort_unstable();
        moved
    }
}

/// Records a change of the flags of `changed` (indexes of `view`) made by a session that
/// keeps no MODSEQs itself, so that the others see its MODSEQ: [`Modseqs::store`] without
/// the session's own copy.
pub fn journal(
    dir: &Path,
    uidvalidity: u32,
    view: &View,
    changed: &[usize],
) -> Result<u64, MaildirError> {
    let records: Vec<(u32, MessageFlags)> = changed
        .iter()
        .map(|&i| (view[i].uid, view[i].flags()))
        .collect();
    super::index::locked(dir, || modseq::assign(dir, uidvalidity, &records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(names: &[(u32, &str)]) -> View {
        let mut v = View::default();
        for (uid, name) in names {
            v.push(*uid, name.as_bytes(), false, false).unwrap();
        }
        v
    }

    fn flags(name: &str) -> MessageFlags {
        MessageFlags::from_name(name.as_bytes())
    }

    #[test]
    fn a_record_counts_only_while_the_file_has_its_flags() {
        // RFC 7162 3.1: every change gets a MODSEQ above those before, also one made by
        // another program back to flags a record once gave.
        let dir = std::env::temp_dir().join(format!("imapd-modseqs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let locked = |changes: &[(u32, MessageFlags)]| {
            crate::maildir::index::locked(&dir, || modseq::assign(&dir, 7, changes)).unwrap()
        };
        let seen = locked(&[(1, flags("1.x:2,S")), (2, flags("2.x:2,S"))]);
        let flagged = locked(&[(1, flags("1.x:2,FS"))]);
        // Message 1 is back to \Seen alone (a rename by hand); message 2 is as recorded.
        let v = view(&[(1, "1.x:2,S"), (2, "2.x:2,S"), (3, "3.x:2,")]);
        let mut m = Modseqs::load(&dir, 7, &v).unwrap();
        assert_eq!(m.get(1), seen);
        assert!(m.get(0) > flagged && m.get(2) == m.get(0), "{m:?}");
        assert_eq!(m.highest, m.get(0));
        // Another session's record for flags this one already shows: the MODSEQ moves.
        let later = locked(&[(2, flags("2.x:2,S"))]);
        assert_eq!(m.update(&dir, 7, &v, &[]).unwrap(), [1]);
        assert_eq!(m.get(1), later);
        // A change this session saw whose record it has not: a new MODSEQ of its own.
        let v = view(&[(1, "1.x:2,S"), (2, "2.x:2,"), (3, "3.x:2,")]);
        assert!(m.update(&dir, 7, &v, &[1]).unwrap().is_empty());
        assert!(m.get(1) > later);
        assert_eq!(m.told(), m.highest);
        // Message 3 expunged by another session after this one listed it: until the client
        // is told, HIGHESTMODSEQ stays below that expunge (RFC 7162 3.1.2.1, 3.2.5.1).
        let gone = crate::maildir::index::locked(&dir, || modseq::expunged(&dir, 7, &[3])).unwrap();
        m.update(&dir, 7, &v, &[]).unwrap();
        assert_eq!(m.expunged(3), Some(gone));
        assert!(m.highest >= gone && m.told() < gone, "{m:?}");
        m.forget_expunges([3].into_iter());
        assert_eq!(m.told(), m.highest);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
