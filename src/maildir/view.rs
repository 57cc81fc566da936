//! The messages of a folder as a view holds them: one fixed-size [`Entry`] per message
//! (12 bytes: UID, the flags as bits, `new/`, \Recent) and the file names in one buffer
//! of bytes beside them (5 bytes a message to find each), so that a 100,000-message
//! folder is a few allocations, not 100,000, and flags are answered from the bits without
//! parsing names.
//!
//! A view read from `imapd.state` reads the names only when something first asks for one:
//! a session that selects, counts and leaves never reads them (issue 8: a session that only
//! selects must not read the whole index). They come from the file the state was read
//! from, kept open (the state is only ever replaced by rename, so the open file keeps what
//! was read); when that part of it cannot be read or is damaged, from the directories and
//! `dovecot-uidlist`, by UID, as a rescan would.
//!
//! A rename (a flag change) writes the new name over the old one when it fits and
//! appends it otherwise; the buffer is compacted when what is no longer used passes what
//! is, so it stays within about twice the names' size. A [`Message`] is one message taken
//! out of the view, with its name owned, for what opens or renames its file.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fs::File;
use std::ops::Deref;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use super::flags::{base, Flags, MessageFlags};
use super::mailbox::Message;
use super::uidlist::{Read, Uidlist};
use super::MaildirError;

/// One message of a view.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub uid: u32,
    keywords: u32,
    system: Flags,
    /// In `new/` rather than `cur/`.
    pub in_new: bool,
    /// \Recent: no read-write session saw the message before this one (RFC 3501 2.3.2).
    pub recent: bool,
}

impl Entry {
    pub fn new(uid: u32, in_new: bool, flags: MessageFlags) -> Entry {
        Entry {
            uid,
            keywords: flags.keywords,
            system: flags.system,
            in_new,
            recent: false,
        }
    }

    pub fn flags(&self) -> MessageFlags {
        MessageFlags {
            system: self.system,
            keywords: self.keywords,
        }
    }
}

/// The open `new/` and `cur/` of the folder at `dir`, for renames of many messages.
pub struct Dirs {
    pub dir: PathBuf,
    new: OwnedFd,
    cur: OwnedFd,
}

impl Dirs {
    pub fn open(dir: &Path) -> Result<Dirs, MaildirError> {
        let open = |sub: &str| {
            let path = dir.join(sub);
            rustix::fs::open(
                &path,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| MaildirError::io(&path)(e.into()))
        };
        Ok(Dirs {
            dir: dir.to_path_buf(),
            new: open("new")?,
            cur: open("cur")?,
        })
    }

    /// Makes the renames into `cur/` (and out of `new/`, with `new`) durable.
    pub fn sync(&self, new: bool) -> Result<(), MaildirError> {
        let sync = |fd: &OwnedFd, sub: &str| {
            rustix::fs::fsync(fd).map_err(|e| MaildirError::io(&self.dir.join(sub))(e.into()))
        };
        sync(&self.cur, "cur")?;
        if new {
            sync(&self.new, "new")?;
        }
        Ok(())
    }
}

/// The names of a view's messages: message `i`'s is `len[i]` bytes at `at[i]` of `buf`.
#[derive(Clone, Debug, Default)]
struct Names {
    buf: Vec<u8>,
    at: Vec<u32>,
    len: Vec<u8>,
    /// Bytes of `buf` no message uses any more.
    dead: usize,
}

/// Where a view read from `imapd.state` finds its names: `len` bytes at `offset` of
/// `file`, with CRC-32 `crc`, split by `lens`.
#[derive(Debug)]
pub struct Source {
    pub file: File,
    pub offset: u64,
    pub crc: u32,
    pub lens: Vec<u8>,
    /// The folder and the UIDVALIDITY of the state, for names read from the disk.
    pub dir: PathBuf,
    pub uidvalidity: u32,
}

/// The messages of a view, in UID order; indexes and slices as a `[Entry]`.
#[derive(Debug, Default)]
pub struct View {
    entries: Vec<Entry>,
    names: OnceCell<Names>,
    source: Option<Source>,
    /// Whether any entry may be \Recent.
    some_recent: bool,
}

/// File names are at most 255 bytes (NAME_MAX); the buffer at most 4 GiB, which at that
/// size holds more than 16 million messages.
const MAX_NAMES: usize = u32::MAX as usize;

impl View {
    pub fn with_capacity(messages: usize, names: usize) -> View {
        let names = Names {
            buf: Vec::with_capacity(names),
            at: Vec::with_capacity(messages),
            len: Vec::with_capacity(messages),
            dead: 0,
        };
        View {
            entries: Vec::with_capacity(messages),
            names: OnceCell::from(names),
            source: None,
            some_recent: false,
        }
    }

    /// The view of `entries` (in UID order) whose names are read from `source` when first
    /// needed. `None` when `source` does not give one length per entry.
    pub fn lazy(entries: Vec<Entry>, source: Source) -> Option<View> {
        (source.lens.len() == entries.len()).then_some(View {
            entries,
            names: OnceCell::new(),
            source: Some(source),
            some_recent: false,
        })
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
        let names = self.names_mut();
        let (at, len) = names.store(name)?;
        names.at.push(at);
        names.len.push(len);
        let mut e = Entry::new(uid, in_new, MessageFlags::from_name(name));
        e.recent = recent;
        self.some_recent |= recent;
        self.entries.push(e);
        Ok(())
    }

    fn loaded(&self) -> &Names {
        self.names.get_or_init(|| match &self.source {
            Some(source) => source.read(&self.entries),
            None => Names::default(),
        })
    }

    fn names_mut(&mut self) -> &mut Names {
        self.loaded();
        self.source = None;
        self.names.get_mut().expect("just read")
    }

    /// The file name of message `i`, flags included.
    pub fn name(&self, i: usize) -> &[u8] {
        let n = self.loaded();
        let at = n.at[i] as usize;
        &n.buf[at..at + n.len[i] as usize]
    }

    /// The file names of the messages, in order.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.entries.len()).map(|i| self.name(i))
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
            name: self.name(i).to_vec(),
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
        self.entries[i].in_new = in_new;
        if self.name(i) == name {
            return Ok(false);
        }
        let n = self.names_mut();
        let (at, len) = (n.at[i] as usize, n.len[i] as usize);
        if name.len() <= len {
            n.buf[at..at + name.len()].copy_from_slice(name);
            n.dead += len - name.len();
            n.len[i] = name.len() as u8;
        } else {
            n.dead += len;
            let (at, len) = n.store(name)?;
            (n.at[i], n.len[i]) = (at, len);
        }
        let flags = MessageFlags::from_name(name);
        let e = &mut self.entries[i];
        let changed = e.flags() != flags;
        (e.system, e.keywords) = (flags.system, flags.keywords);
        Ok(changed)
    }

    /// Marks \Recent the messages from UID `first` on, and only those.
    pub fn mark_recent(&mut self, first: u32) {
        let from = self.entries.partition_point(|e| e.uid < first);
        let (old, recent) = self.entries.split_at_mut(from);
        // A view read from imapd.state has none \Recent: only the new ones are written.
        if self.some_recent {
            old.iter_mut().for_each(|e| e.recent = false);
        }
        recent.iter_mut().for_each(|e| e.recent = true);
        self.some_recent = !recent.is_empty();
    }

    /// Keeps the messages for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        self.names_mut();
        let n = self.names.get_mut().expect("just read");
        let mut to = 0;
        for from in 0..self.entries.len() {
            if keep(&self.entries[from]) {
                self.entries[to] = self.entries[from];
                n.at[to] = n.at[from];
                n.len[to] = n.len[from];
                to += 1;
            } else {
                n.dead += n.len[from] as usize;
            }
        }
        self.entries.truncate(to);
        n.at.truncate(to);
        n.len.truncate(to);
    }

    /// The messages of `other` whose UIDs are above every one here, added after them.
    pub fn extend_above(&mut self, other: &View) -> Result<(), MaildirError> {
        let last = self.entries.last().map_or(0, |e| e.uid);
        for (i, e) in other
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.uid > last)
        {
            self.push(e.uid, other.name(i), e.in_new, e.recent)?;
        }
        Ok(())
    }

    /// Keeps the UID order after messages were pushed out of it: sorted by UID, and of
    /// two entries with one UID (a file caught mid-move, listed in both `new/` and `cur/`)
    /// the one in `cur/`.
    pub fn sort_dedup(&mut self) {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_by_key(|&i| (self.entries[i].uid, self.entries[i].in_new));
        order.dedup_by_key(|i| self.entries[*i].uid);
        let entries = order.iter().map(|&i| self.entries[i]).collect();
        self.entries = entries;
        let n = self.names_mut();
        let live: usize = order.iter().map(|&i| n.len[i] as usize).sum();
        n.dead = n.buf.len() - live;
        n.at = order.iter().map(|&i| n.at[i]).collect();
        n.len = order.iter().map(|&i| n.len[i]).collect();
    }

    /// The index of the first message without \Seen.
    pub fn first_unseen(&self) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| !e.system.contains(Flags::SEEN))
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

    /// [`set_flags`](Self::set_flags) for many messages: one `renameat(2)` between the
    /// folder's open directories, with no path built; a message not under the name the
    /// view knows is followed as `set_flags` does.
    pub fn set_flags_in(
        &mut self,
        i: usize,
        dirs: &Dirs,
        change: impl Fn(MessageFlags) -> MessageFlags,
    ) -> Result<bool, MaildirError> {
        let e = self.entries[i];
        let new = super::flags::rename(self.name(i), change(e.flags()));
        if new == self.name(i) && !e.in_new {
            return Ok(true);
        }
        let from = if e.in_new { &dirs.new } else { &dirs.cur };
        match rustix::fs::renameat(from, self.name(i), &dirs.cur, &new[..]) {
            Ok(()) => {
                self.rename(i, &new, false)?;
                Ok(true)
            }
            Err(rustix::io::Errno::NOENT) => self.set_flags(i, &dirs.dir, change),
            Err(err) => Err(MaildirError::io(&self.path(i, &dirs.dir))(err.into())),
        }
    }

    /// Removes message `i`'s file if it is still marked \Deleted; true when it is gone
    /// (see [`Message::remove_if_deleted`]).
    pub fn remove_if_deleted(&mut self, i: usize, dir: &Path) -> Result<bool, MaildirError> {
        // What the file has under the name the view knows decides, as it does there: an
        // EXPUNGE passes over every message, most of them not \Deleted.
        if !self.entries[i].system.contains(Flags::DELETED) {
            return Ok(false);
        }
        self.with_message(i, |m| m.remove_if_deleted(dir))?
    }
}

impl Names {
    /// Where `name` goes in the buffer, compacting it first when most of it is unused.
    fn store(&mut self, name: &[u8]) -> Result<(u32, u8), MaildirError> {
        let len = name.len().min(255);
        if self.dead > self.buf.len() / 2 && self.dead > 4096 {
            self.compact();
        }
        if self.buf.len() + len > MAX_NAMES {
            self.compact();
            if self.buf.len() + len > MAX_NAMES {
                return Err(MaildirError::ViewFull);
            }
        }
        let at = self.buf.len() as u32;
        self.buf.extend_from_slice(&name[..len]);
        Ok((at, len as u8))
    }

    /// Copies the names in use into a new buffer, in the messages' order.
    fn compact(&mut self) {
        let live = self.buf.len() - self.dead;
        let mut buf = Vec::with_capacity(live + live / 4);
        for (at, &len) in self.at.iter_mut().zip(&self.len) {
            let from = *at as usize;
            *at = buf.len() as u32;
            buf.extend_from_slice(&self.buf[from..from + len as usize]);
        }
        self.buf = buf;
        self.dead = 0;
    }

    /// Names split by `lens` out of `buf`, or `None` when their lengths do not add up.
    fn split(buf: Vec<u8>, lens: &[u8]) -> Option<Names> {
        let mut at = Vec::with_capacity(lens.len());
        let mut next = 0usize;
        for &len in lens {
            at.push(u32::try_from(next).ok()?);
            next += len as usize;
        }
        (next == buf.len()).then(|| Names {
            buf,
            at,
            len: lens.to_vec(),
            dead: 0,
        })
    }
}

impl Source {
    /// The names of `entries`: from the state file, else from the disk.
    fn read(&self, entries: &[Entry]) -> Names {
        let total: usize = self.lens.iter().map(|&l| l as usize).sum();
        let mut buf = vec![0; total];
        let read = self.file.read_exact_at(&mut buf, self.offset);
        if read.is_ok() && crc32fast::hash(&buf) == self.crc {
            if let Some(names) = Names::split(buf, &self.lens) {
                return names;
            }
        }
        crate::log!(
            "{}: names in imapd.state unreadable; read from the folder",
            self.dir.display()
        );
        from_disk(&self.dir, self.uidvalidity, entries)
    }
}

/// The names of `entries` as the folder at `dir` has them now, by UID. A message whose
/// flags differ from its entry's gets a name with the entry's flags, which no file has:
/// the next rescan sees the file's name and tells the client of the change; a message
/// without a file gets a dot name no listing holds, so that the next rescan finds it gone.
fn from_disk(dir: &Path, uidvalidity: u32, entries: &[Entry]) -> Names {
    let mut found = HashMap::new();
    if let Ok(Read::Found(list) | Read::Repaired(list)) = Uidlist::read(dir) {
        if list.uidvalidity == uidvalidity {
            let uids = list.map();
            let _ = super::scan::each(dir, |name, _| {
                if let Some(&uid) = uids.get(base(name)) {
                    found.insert(uid, name.to_vec());
                }
                true
            });
        }
    }
    let mut names = Names::default();
    for e in entries {
        let name = match found.get(&e.uid) {
            Some(n) if MessageFlags::from_name(n) == e.flags() => n.clone(),
            Some(n) => super::flags::rename(n, e.flags()),
            None => format!(".imapd-gone-{}", e.uid).into_bytes(),
        };
        let (at, len) = names.store(&name).unwrap_or((0, 0));
        names.at.push(at);
        names.len.push(len);
    }
    names
}

impl Clone for View {
    fn clone(&self) -> View {
        View {
            entries: self.entries.clone(),
            names: OnceCell::from(self.loaded().clone()),
            source: None,
            some_recent: self.some_recent,
        }
    }
}

/// Two views are equal when they list the same messages under the same names, wherever
/// the names are in their buffers.
impl PartialEq for View {
    fn eq(&self, other: &View) -> bool {
        self.len() == other.len()
            && (0..self.len()).all(|i| {
                let (a, b) = (&self.entries[i], &other.entries[i]);
                (a.uid, a.in_new, a.recent) == (b.uid, b.in_new, b.recent)
                    && self.name(i) == other.name(i)
            })
    }
}

impl Eq for View {}

impl Deref for View {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
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

    // RFC 3501 6.4.6: +FLAGS adds to the flags the message has, also when another session
    // renamed its file since this view listed it.
    #[test]
    fn set_flags_in_renames_and_follows_a_rename_by_another_session() {
        let dir = std::env::temp_dir().join(format!("imapd-view-{}", std::process::id()));
        for sub in ["new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::write(dir.join("new/1.h"), b"a\n").unwrap();
        std::fs::write(dir.join("cur/2.h:2,S"), b"b\n").unwrap();
        let mut v = View::default();
        v.push(1, b"1.h", true, false).unwrap();
        v.push(2, b"2.h:2,S", false, false).unwrap();
        std::fs::rename(dir.join("cur/2.h:2,S"), dir.join("cur/2.h:2,RS")).unwrap();
        let dirs = Dirs::open(&dir).unwrap();
        let flag = |mut f: MessageFlags| {
            f.system = f.system.union(Flags::FLAGGED);
            f
        };
        assert!(v.set_flags_in(0, &dirs, flag).unwrap());
        assert!(v.set_flags_in(1, &dirs, flag).unwrap());
        dirs.sync(true).unwrap();
        assert_eq!((v.name(0), v[0].in_new), (&b"1.h:2,F"[..], false));
        assert_eq!(v.name(1), b"2.h:2,FRS");
        assert!(dir.join("cur/1.h:2,F").exists() && dir.join("cur/2.h:2,FRS").exists());
        std::fs::remove_file(dir.join("cur/2.h:2,FRS")).unwrap();
        let unflag = |mut f: MessageFlags| {
            f.system = f.system.minus(Flags::FLAGGED);
            f
        };
        assert!(!v.set_flags_in(1, &dirs, unflag).unwrap(), "gone");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn out_of_order_pushes_sort_and_keep_the_cur_copy() {
        let mut v = View::default();
        v.push(3, b"3.h:2,", false, false).unwrap();
        v.push(1, b"1.h", true, false).unwrap();
        v.push(1, b"1.h:2,S", false, false).unwrap();
        v.sort_dedup();
        let got: Vec<(u32, &[u8])> = (0..v.len()).map(|i| (v[i].uid, v.name(i))).collect();
        assert_eq!(got, [(1, &b"1.h:2,S"[..]), (3, b"3.h:2,")]);
    }

    #[test]
    fn the_buffer_stays_within_twice_the_names() {
        let mut v = View::default();
        for uid in 1..=1000 {
            v.push(uid, format!("{uid}.M1P1.host:2,").as_bytes(), false, false)
                .unwrap();
        }
        let live: usize = v.names().map(<[u8]>::len).sum();
        for round in 0..20 {
            let flags = ["S", "FS", "FRS"][round % 3];
            for i in 0..v.len() {
                let name = format!("{}.M1P1.host:2,{flags}", v[i].uid);
                v.rename(i, name.as_bytes(), false).unwrap();
            }
        }
        assert!(v.loaded().buf.len() <= 2 * (live + 3 * 1000) + 4096);
        assert_eq!(v.name(999), b"1000.M1P1.host:2,FS");
    }
}
