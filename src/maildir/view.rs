//! The messages of a folder as a view holds them: one fixed-size [`Entry`] per message
//! (16 bytes: UID, where its file name is, the flags as bits, `new/`, \Recent) and the
//! names in one buffer of bytes, so that a 100,000-message folder is two allocations, not
//! 100,000, and flags are answered from the bits without parsing names.
//!
//! A rename (a flag change) writes the new name over the old one when it fits and
//! appends it otherwise; the buffer is compacted when what is no longer used passes what
//! is, so it stays within twice the names' size. A [`Message`] is one message taken out
//! of the view, with its name owned, for what opens or renames its file.

use std::ops::{Deref, DerefMut};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::flags::{Flags, MessageFlags};
use super::mailbox::Message;
use super::MaildirError;

/// One message of a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub uid: u32,
    /// Where the name is in the view's buffer.
    at: u32,
    keywords: u32,
    len: u8,
    system: Flags,
    /// In `new/` rather than `cur/`.
    pub in_new: bool,
    /// \Recent: no read-write session saw the message before this one (RFC 3501 2.3.2).
    pub recent: bool,
}

impl Entry {
    pub fn flags(&self) -> MessageFlags {
        MessageFlags {
            system: self.system,
            keywords: self.keywords,
        }
    }
}

/// The messages of a view, in UID order; indexes and slices as a `[Entry]`.
#[derive(Clone, Debug, Default)]
pub struct View {
    entries: Vec<Entry>,
    names: Vec<u8>,
    /// Bytes of `names` no entry uses any more.
    dead: usize,
}

/// File names are at most 255 bytes (NAME_MAX); the buffer at most 4 GiB, which at that
/// size holds more than 16 million messages.
const MAX_NAMES: usize = u32::MAX as usize;

impl View {
    pub fn with_capacity(messages: usize, names: usize) -> View {
        View {
            entries: Vec::with_capacity(messages),
            names: Vec::with_capacity(names),
            dead: 0,
        }
    }

    /// A view over `names`, a buffer that already holds the names the entries that
    /// [`push_at`](Self::push_at) adds point at (the bytes of `imapd.state`, say).
    pub fn over(names: Vec<u8>, messages: usize) -> View {
        View {
            dead: names.len(),
            entries: Vec::with_capacity(messages),
            names,
        }
    }

    /// Adds a message whose name is `len` bytes at `at` of the buffer given to
    /// [`over`](Self::over), with its flags as they are in the name. False when the name
    /// is not within the buffer.
    pub fn push_at(
        &mut self,
        uid: u32,
        at: usize,
        len: u8,
        in_new: bool,
        flags: MessageFlags,
    ) -> bool {
        if at + len as usize > self.names.len() {
            return false;
        }
        self.dead -= len as usize;
        self.entries.push(Entry {
            uid,
            at: at as u32,
            keywords: flags.keywords,
            len,
            system: flags.system,
            in_new,
            recent: false,
        });
        true
    }

    /// Adds a message after the others: its UID above theirs, or
    /// [`sort_dedup`](Self::sort_dedup) called once all are in.
    pub fn push(
        &mut self,
        uid: u32,
        name: &[u8],
        in_new: bool,
        recent: bool,
    ) -> Result<(), MaildirError> {
        let (at, len) = self.store(name)?;
        let flags = MessageFlags::from_name(name);
        self.entries.push(Entry {
            uid,
            at,
            keywords: flags.keywords,
            len,
            system: flags.system,
            in_new,
            recent,
        });
        Ok(())
    }

    /// The file name of message `i`, flags included.
    pub fn name(&self, i: usize) -> &[u8] {
        self.name_of(&self.entries[i])
    }

    /// The file names of the messages, in order.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|e| self.name_of(e))
    }

    /// The file name of `e`, an entry of this view.
    pub fn name_of(&self, e: &Entry) -> &[u8] {
        &self.names[e.at as usize..e.at as usize + e.len as usize]
    }

    /// The path of message `i`'s file under the folder `dir`.
    pub fn path(&self, i: usize, dir: &Path) -> PathBuf {
        let sub = if self.entries[i].in_new { "new" } else { "cur" };
        dir.join(sub)
            .join(std::ffi::OsStr::from_bytes(self.name(i)))
    }

    /// Message `i` taken out of the view, for what opens or renames its file.
    pub fn message(&self, i: usize) -> Message {
        let e = &self.entries[i];
        Message {
            uid: e.uid,
            name: self.name_of(e).to_vec(),
            in_new: e.in_new,
            recent: e.recent,
        }
    }

    /// Runs `f` on message `i` taken out of the view, and keeps the name and place it
    /// ends with (a rename by `f`, or one `f` followed).
    pub fn with_message<T>(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut Message) -> T,
    ) -> Result<T, MaildirError> {
        let mut m = self.message(i);
        let result = f(&mut m);
        self.rename(i, &m.name, m.in_new)?;
        Ok(result)
    }

    /// Records that message `i` is now the file `name`, in `new/` or not; true when that
    /// changed its flags.
    pub fn rename(&mut self, i: usize, name: &[u8], in_new: bool) -> Result<bool, MaildirError> {
        let e = self.entries[i];
        if self.name_of(&e) == name {
            self.entries[i].in_new = in_new;
            return Ok(false);
        }
        let (at, len) = if name.len() <= e.len as usize {
            let at = e.at as usize;
            self.names[at..at + name.len()].copy_from_slice(name);
            self.dead += e.len as usize - name.len();
            (e.at, name.len() as u8)
        } else {
            self.dead += e.len as usize;
            self.store(name)?
        };
        let flags = MessageFlags::from_name(name);
        let e = &mut self.entries[i];
        (e.at, e.len, e.in_new) = (at, len, in_new);
        let changed = (e.system, e.keywords) != (flags.system, flags.keywords);
        (e.system, e.keywords) = (flags.system, flags.keywords);
        Ok(changed)
    }

    /// Keeps the messages for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        let dead = &mut self.dead;
        self.entries.retain(|e| {
            let kept = keep(e);
            if !kept {
                *dead += e.len as usize;
            }
            kept
        });
    }

    /// The messages of `other` whose UIDs are above every one here, added after them.
    pub fn extend_above(&mut self, other: &View) -> Result<(), MaildirError> {
        let last = self.entries.last().map_or(0, |e| e.uid);
        for e in other.entries.iter().filter(|e| e.uid > last) {
            self.push(e.uid, other.name_of(e), e.in_new, e.recent)?;
        }
        Ok(())
    }

    /// Keeps the UID order after messages were pushed out of it: sorted by UID, and of
    /// two entries with one UID (a file caught mid-move, listed in both `new/` and `cur/`)
    /// the one in `cur/`.
    pub fn sort_dedup(&mut self) {
        self.entries.sort_by_key(|e| (e.uid, e.in_new));
        let dead = &mut self.dead;
        self.entries.dedup_by(|e, kept| {
            let same = e.uid == kept.uid;
            if same {
                *dead += e.len as usize;
            }
            same
        });
    }

    /// The index of the first message without \Seen.
    pub fn first_unseen(&self) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| !e.system.contains(Flags::SEEN))
    }

    /// Where `name` goes in the buffer, compacting it first when most of it is unused.
    fn store(&mut self, name: &[u8]) -> Result<(u32, u8), MaildirError> {
        let len = name.len().min(255);
        if self.dead > self.names.len() / 2 && self.dead > 4096 {
            self.compact();
        }
        if self.names.len() + len > MAX_NAMES {
            self.compact();
            if self.names.len() + len > MAX_NAMES {
                return Err(MaildirError::ViewFull);
            }
        }
        let at = self.names.len() as u32;
        self.names.extend_from_slice(&name[..len]);
        Ok((at, len as u8))
    }

    /// Copies the names in use into a new buffer, in the entries' order.
    fn compact(&mut self) {
        let live = self.names.len() - self.dead;
        let mut names = Vec::with_capacity(live + live / 4);
        for e in &mut self.entries {
            let at = e.at as usize;
            let new_at = names.len() as u32;
            names.extend_from_slice(&self.names[at..at + e.len as usize]);
            e.at = new_at;
        }
        self.names = names;
        self.dead = 0;
    }

    /// Renames message `i`'s file to give it the flags `change(current flags)`, following
    /// a rename by another session; false when the message is gone (see
    /// [`Message::set_flags`]).
    pub fn set_flags(
        &mut self,
        i: usize,
        dir: &Path,
        change: impl Fn(MessageFlags) -> MessageFlags,
    ) -> Result<bool, MaildirError> {
        self.with_message(i, |m| m.set_flags(dir, change))?
    }

    /// Removes message `i`'s file if it is still marked \Deleted; true when it is gone
    /// (see [`Message::remove_if_deleted`]).
    pub fn remove_if_deleted(&mut self, i: usize, dir: &Path) -> Result<bool, MaildirError> {
        self.with_message(i, |m| m.remove_if_deleted(dir))?
    }
}

impl Deref for View {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
    }
}

impl DerefMut for View {
    fn deref_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_and_renames_stay_with_their_message() {
        let mut v = View::default();
        v.push(1, b"1.M1P1.h:2,S", false, false).unwrap();
        v.push(2, b"2.M1P1.h", true, true).unwrap();
        assert_eq!((v.len(), v.name(1)), (2, &b"2.M1P1.h"[..]));
        assert_eq!(v.first_unseen(), Some(1));
        assert!(v[0].flags().system.contains(Flags::SEEN));
        // Longer: appended; shorter: in place; the same name: no change of flags.
        assert!(v.rename(1, b"2.M1P1.h:2,FS", false).unwrap());
        assert_eq!((v.name(1), v[1].in_new), (&b"2.M1P1.h:2,FS"[..], false));
        assert_eq!(v.first_unseen(), None);
        assert!(v.rename(0, b"1.M1P1.h:2,", false).unwrap());
        assert!(!v.rename(0, b"1.M1P1.h:2,", false).unwrap());
        assert_eq!(v.name(0), b"1.M1P1.h:2,");
        assert_eq!(v.message(1).name, b"2.M1P1.h:2,FS");
        v.retain(|e| e.uid != 1);
        assert_eq!(
            (v.len(), v[0].uid, v.name(0)),
            (1, 2, &b"2.M1P1.h:2,FS"[..])
        );
    }

    #[test]
    fn the_buffer_stays_within_twice_the_names() {
        let mut v = View::default();
        for uid in 1..=1000 {
            v.push(uid, format!("{uid}.M1P1.host:2,").as_bytes(), false, false)
                .unwrap();
        }
        let live: usize = (0..v.len()).map(|i| v.name(i).len()).sum();
        for round in 0..20 {
            let flags = ["S", "FS", "FRS"][round % 3];
            for i in 0..v.len() {
                let name = format!("{}.M1P1.host:2,{flags}", v[i].uid);
                v.rename(i, name.as_bytes(), false).unwrap();
            }
        }
        assert!(v.names.len() <= 2 * (live + 3 * 1000) + 4096);
        assert_eq!(v.name(999), b"1000.M1P1.host:2,FS");
    }
}
