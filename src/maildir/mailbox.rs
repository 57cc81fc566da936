//! One Maildir folder as a session sees it: its messages in UID order, with UIDs taken
//! from `dovecot-uidlist` and new ones assigned under the lock.
//!
//! Reading needs no lock when every file is already in the list. Otherwise the lock is
//! taken, the list and the directories are read again (another process may have assigned
//! UIDs meanwhile), new files get the next UIDs in name order (names start with the
//! delivery time), and the list is replaced. A record whose file is not seen is dropped only
//! when a second listing under the lock does not see it either: a rename by another
//! session (a flag change) can hide a file from one `readdir` pass.

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::flags::{base, Flags, MessageFlags};
use super::index::state::State;
use super::index::{modseq, recent};
use super::lock::Dotlock;
use super::scan::{scan, Entry};
use super::stamp::{self, Stamp};
use super::uidlist::{self, Read, Uidlist};
use super::view::View;
use super::{uidvalidity, MaildirError};

/// One message with its name owned: taken out of a [`View`] to open or rename its file.
#[derive(Clone, Debug)]
pub struct Message {
    pub uid: u32,
    /// The file name in `new/` or `cur/`, flags included.
    pub name: Vec<u8>,
    pub in_new: bool,
    /// \Recent: this session moved the message from `new/` to `cur/` (RFC 3501 2.3.2).
    pub recent: bool,
}

impl Message {
    pub fn flags(&self) -> MessageFlags {
        MessageFlags::from_name(&self.name)
    }
}

#[derive(Debug)]
pub struct Mailbox {
    pub dir: PathBuf,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// Messages from this UID on are \Recent for the next read-write session.
    pub first_unrecent: u32,
    pub messages: View,
}

impl Mailbox {
    /// Reads the folder at `dir` under the Maildir `root`. With `claim_new`, messages in
    /// `new/` move to `cur/`, and the messages no read-write session has seen yet are this
    /// session's \Recent ones (RFC 3501 2.3.2); without, they are \Recent here and stay so
    /// for the next session. When `imapd.state` says the folder has not changed since it
    /// was last read, nothing else is read; otherwise the state is brought up to date.
    pub fn open(root: &Path, dir: &Path, claim_new: bool) -> Result<Mailbox, MaildirError> {
        Self::open_as(root, dir, claim_new, true)
    }

    /// [`open`](Self::open) for a session that has the folder selected and saw it change:
    /// the state is not rewritten, since rewriting the whole listing after each of a
    /// session's own APPENDs or STOREs would cost more than the next SELECT saves.
    pub fn reread(root: &Path, dir: &Path, claim_new: bool) -> Result<Mailbox, MaildirError> {
        Self::open_as(root, dir, claim_new, false)
    }

    fn open_as(
        root: &Path,
        dir: &Path,
        claim_new: bool,
        keep: bool,
    ) -> Result<Mailbox, MaildirError> {
        let mut mailbox = match State::listing(dir)
            .filter(|s| s.stamp.is_current(dir) && !(claim_new && s.in_new))
        {
            Some(state) => from_state(dir, state),
            None => {
                let (mut mailbox, stamp) = Self::read(root, dir, claim_new)?;
                if let Some(stamp) = stamp.filter(|_| keep) {
                    record(dir, &mailbox, stamp);
                }
                mailbox.mark_recent(dir, claim_new);
                return Ok(mailbox);
            }
        };
        mailbox.mark_recent(dir, claim_new);
        Ok(mailbox)
    }

    /// Marks \Recent the messages no read-write session has seen, and with `claim_new`
    /// records that this session has. Without a record, those are the messages that were
    /// in `new/` (or that this session just took from there). A record that cannot be
    /// kept costs the next session a wrong \Recent only, and is logged.
    fn mark_recent(&mut self, dir: &Path, claim_new: bool) {
        let messages = &self.messages;
        let uidnext = self.uidnext;
        let fallback = || {
            messages
                .iter()
                .filter(|m| m.in_new || m.recent)
                .map(|m| m.uid)
                .min()
                .unwrap_or(uidnext)
        };
        let first = if claim_new {
            recent::claim(dir, self.uidvalidity, self.uidnext, fallback).unwrap_or_else(|e| {
                crate::log!("{}: \\Recent not recorded: {e}", dir.display());
                fallback()
            })
        } else {
            recent::read(dir, self.uidvalidity).unwrap_or_else(fallback)
        };
        self.first_unrecent = first;
        self.messages.mark_recent(first);
    }

    /// Lists the folder's files for a session that knows the UID of each (it checks the
    /// uidlist did not change), calling `visit` with each name and whether it is in `new/`,
    /// without reading the uidlist: after a flag change, every command lists the
    /// directories again while their times are too recent to trust (see
    /// [`super::stamp`]), and parsing a
    /// 100,000-line uidlist each time cost as much as the listing. False when `visit`
    /// stopped (a file new to the session, which needs a UID from the list) or, with
    /// `claim_new`, a file is in `new/`.
    pub fn relist(
        dir: &Path,
        claim_new: bool,
        mut visit: impl FnMut(&[u8], bool) -> bool,
    ) -> Result<bool, MaildirError> {
        super::scan::each(dir, |name, in_new| {
            !(claim_new && in_new) && visit(name, in_new)
        })
    }

    /// Reads the folder from its directories and uidlist, with the stamp it was read under.
    fn read(
        root: &Path,
        dir: &Path,
        claim_new: bool,
    ) -> Result<(Mailbox, Option<Stamp>), MaildirError> {
        let stamp = Stamp::take(dir);
        if let Read::Found(list) = Uidlist::read(dir)? {
            let entries = scan(dir)?;
            let known = list.map();
            let present: HashSet<&[u8]> = entries.iter().map(|e| base(&e.name)).collect();
            // Settled: nothing new, nothing to claim, and every listed message seen. A
            // listed message not seen is gone, or was being renamed while the directory
            // was read; the locked path looks twice and drops it from the list if gone.
            let settled = entries
                .iter()
                .all(|e| known.contains_key(base(&e.name)) && !(claim_new && e.in_new))
                && list.records.iter().all(|r| present.contains(base(&r.name)))
                && list.has_room(0);
            if settled {
                return Ok((view(dir, &list, entries, &HashSet::new())?, stamp));
            }
        }
        retry_lost(|| Self::open_locked(root, dir, claim_new))
    }

    fn open_locked(
        root: &Path,
        dir: &Path,
        claim_new: bool,
    ) -> Result<(Mailbox, Option<Stamp>), MaildirError> {
        let mut lock = Dotlock::acquire(dir.join(format!("{}.lock", uidlist::FILE)))?;
        let (mut list, mut changed) = read_or_create(root, dir, &mut lock)?;
        let mut recent = HashSet::new();
        if claim_new {
            for e in scan(dir)?.into_iter().filter(|e| e.in_new) {
                lock.refresh();
                let mut to = e.name.clone();
                if memchr::memchr(b':', &to).is_none() {
                    to.extend_from_slice(b":2,");
                }
                let from_path = dir.join("new").join(std::ffi::OsStr::from_bytes(&e.name));
                let to_path = dir.join("cur").join(std::ffi::OsStr::from_bytes(&to));
                // Another session may have claimed it first; then it is not ours.
                if std::fs::rename(&from_path, &to_path).is_ok() {
                    recent.insert(base(&e.name).to_vec());
                }
            }
        }
        lock.refresh();
        let mut stamp = Stamp::take(dir);
        let mut entries = scan(dir)?;
        let known: HashSet<Vec<u8>> = list
            .records
            .iter()
            .map(|r| base(&r.name).to_vec())
            .collect();
        let mut present: HashSet<Vec<u8>> =
            entries.iter().map(|e| base(&e.name).to_vec()).collect();
        // More looks find files that a rename hid from the first; a record is dropped only
        // when three listings all miss its file.
        for _ in 0..2 {
            if known.iter().all(|b| present.contains(b)) {
                break;
            }
            lock.refresh();
            for e in scan(dir)? {
                if !present.contains(base(&e.name)) {
                    present.insert(base(&e.name).to_vec());
                    entries.push(e);
                }
            }
        }
        let before = list.records.len();
        list.records.retain(|r| present.contains(base(&r.name)));
        changed |= list.records.len() != before;

        let mut fresh: Vec<&Entry> = entries
            .iter()
            .filter(|e| !known.contains(base(&e.name)))
            .collect();
        fresh.sort_by(|a, b| a.name.cmp(&b.name));
        let mut seen = HashSet::new();
        fresh.retain(|e| seen.insert(base(&e.name)));
        changed |= make_room(root, dir, &mut list, fresh.len())?;
        for e in fresh {
            // Dovecot records the name without the flags part.
            give_uid(dir, &mut list, base(&e.name).to_vec())?;
            changed = true;
        }
        if changed {
            lock.replace(&dir.join(uidlist::FILE), &list.to_bytes())?;
            // Nobody else replaces it while the lock is held: the listing goes with it.
            if let Some(s) = stamp.as_mut() {
                s.uidlist = stamp::identity(dir, uidlist::FILE);
            }
        }
        Ok((view(dir, &list, entries, &recent)?, stamp))
    }
}

/// The folder's list; when it is missing, Courier's taken over or else a new one (with a
/// new UIDVALIDITY); `true` when not read from `dovecot-uidlist`. Call under the lock, and
/// write the list before letting go of it: in a folder that never had one, Courier's
/// keywords are taken over first, and the list marks that done.
fn read_or_create(
    root: &Path,
    dir: &Path,
    lock: &mut Dotlock,
) -> Result<(Uidlist, bool), MaildirError> {
    Ok(match Uidlist::read(dir)? {
        Read::Found(list) => (list, false),
        Read::Repaired(list) => (list, true),
        Read::Lost { previous } => {
            let mut guid = [0u8; 16];
            let _ = rustix::rand::getrandom(&mut guid, rustix::rand::GetRandomFlags::empty());
            let list = match previous {
                None => {
                    // Only where no list was ever written: one that is there but unreadable
                    // may be younger than keywords the user removed since.
                    let never = std::fs::symlink_metadata(dir.join(uidlist::FILE))
                        .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
                    if never {
                        super::courier_takeover::keywords(dir, lock)?;
                    }
                    super::courier::read(dir, guid)
                }
                Some(_) => None,
            };
            let list = match list {
                Some(list) => list,
                None => Uidlist::new(uidvalidity::next(root, previous)?, guid),
            };
            (list, true)
        }
    })
}

/// Gives UIDs, in this order, to messages just put into the folder at `dir` (APPEND, COPY,
/// MOVE), so that the client can be told them (RFC 4315); the record of `names[i]` gets
/// the uidlist fields `fields[i]` where given (a copy's GUID, [`super::objectid`]).
/// Returns the UIDVALIDITY and the UIDs.
pub fn assign(
    root: &Path,
    dir: &Path,
    names: &[Vec<u8>],
    fields: &[Vec<u8>],
) -> Result<(u32, Vec<u32>), MaildirError> {
    let (uidvalidity, uids, first_new) = retry_lost(|| assign_locked(root, dir, names, fields))?;
    // RFC 7162 3.1: a new message gets a MODSEQ above all before. One not recorded here
    // gets its own from the first session that sees it, so a failure costs nothing else.
    let records: Vec<(u32, MessageFlags)> = uids
        .iter()
        .zip(names)
        .map(|(&uid, name)| (uid, MessageFlags::from_name(name)))
        .collect();
    let recorded = match records.is_empty() {
        true => Ok(0),
        false => super::index::locked(dir, || modseq::assign(dir, uidvalidity, &records)),
    };
    if let Err(e) = recorded {
        crate::log!("{}: MODSEQs not recorded: {e}", dir.display());
    }
    if let Some(first) = first_new {
        // Messages stored in cur/ are \Recent too (RFC 3501 2.3.2), also where no
        // read-write session has recorded what it saw yet.
        recent::note_new(dir, uidvalidity, first).unwrap_or_else(|e| {
            crate::log!("{}: \\Recent not recorded: {e}", dir.display());
        });
    }
    Ok((uidvalidity, uids))
}

/// The UIDVALIDITY, the UID of each name, and the first UID given out here, if any.
fn assign_locked(
    root: &Path,
    dir: &Path,
    names: &[Vec<u8>],
    fields: &[Vec<u8>],
) -> Result<(u32, Vec<u32>, Option<u32>), MaildirError> {
    let mut lock = Dotlock::acquire(dir.join(format!("{}.lock", uidlist::FILE)))?;
    let (mut list, _) = read_or_create(root, dir, &mut lock)?;
    let count = {
        let known = list.map();
        names
            .iter()
            .filter(|n| !known.contains_key(base(n)))
            .count()
    };
    // Renumbering changes the UIDs of the messages already listed too: before any is read.
    make_room(root, dir, &mut list, count)?;
    let listed: Vec<Option<u32>> = {
        let known = list.map();
        names.iter().map(|n| known.get(base(n)).copied()).collect()
    };
    let mut uids = Vec::with_capacity(names.len());
    let mut first_new = None;
    for (i, (name, uid)) in names.iter().zip(listed).enumerate() {
        let uid = match uid {
            Some(uid) => uid,
            None => {
                let uid = give_uid(dir, &mut list, base(name).to_vec())?;
                if let (Some(f), Some(r)) = (fields.get(i), list.records.last_mut()) {
                    r.fields.clone_from(f);
                }
                first_new.get_or_insert(uid);
                uid
            }
        };
        uids.push(uid);
    }
    let uidvalidity = list.uidvalidity;
    lock.replace(&dir.join(uidlist::FILE), &list.to_bytes())?;
    Ok((uidvalidity, uids, first_new))
}

/// Makes room in `list` for `count` new UIDs. When the UIDs have run out, starts a new
/// UID epoch as RFC 3501 2.3.1.1 requires: a new, larger UIDVALIDITY, every message
/// renumbered from 1 (the way a lost list is, DESIGN.md 3). True when it renumbered.
fn make_room(
    root: &Path,
    dir: &Path,
    list: &mut Uidlist,
    count: usize,
) -> Result<bool, MaildirError> {
    if list.has_room(count) {
        return Ok(false);
    }
    let previous = list.uidvalidity;
    list.renumber(uidvalidity::next(root, Some(previous))?);
    crate::log!(
        "{}: UIDs used up under UIDVALIDITY {previous}; {} messages renumbered from 1 \
         under the new UIDVALIDITY {}",
        dir.display(),
        list.records.len(),
        list.uidvalidity
    );
    if !list.has_room(count) {
        return Err(MaildirError::UidsExhausted(dir.to_path_buf()));
    }
    Ok(true)
}

/// Gives `name` the next UID of `list`, after [`make_room`].
fn give_uid(dir: &Path, list: &mut Uidlist, name: Vec<u8>) -> Result<u32, MaildirError> {
    list.push(name)
        .ok_or_else(|| MaildirError::UidsExhausted(dir.to_path_buf()))
}

/// How often a change of the list is tried when the lock was taken away meanwhile.
const LOCK_TRIES: usize = 3;

/// Runs `f` again when it lost the lock (a holder that stalled past the stale age): it then
/// installed nothing, and starting over under a new lock is safe.
fn retry_lost<T>(mut f: impl FnMut() -> Result<T, MaildirError>) -> Result<T, MaildirError> {
    for _ in 1..LOCK_TRIES {
        match f() {
            Err(MaildirError::LockLost(_)) => {}
            result => return result,
        }
    }
    f()
}

/// The folder as its state last listed it.
fn from_state(dir: &Path, state: State) -> Mailbox {
    Mailbox {
        dir: dir.to_path_buf(),
        uidvalidity: state.uidvalidity,
        uidnext: state.next_uid,
        first_unrecent: state.next_uid,
        messages: state.view,
    }
}

/// Takes the listing in `mailbox` (read under `stamp`) into the folder's state. A state
/// that cannot be written costs only time, and is logged.
fn record(dir: &Path, mailbox: &Mailbox, stamp: Stamp) {
    let updated = State::update(dir, |latest, journal| {
        let latest = latest.filter(|l| l.uidvalidity == mailbox.uidvalidity);
        let next = State::merge(
            latest.as_ref(),
            journal,
            mailbox.uidvalidity,
            mailbox.uidnext,
            stamp,
            &mailbox.messages,
        );
        // The same listing needs no writing, unless it can now be trusted where the
        // recorded one could not.
        let unchanged = journal.changes.is_empty()
            && latest.as_ref().is_some_and(|l| {
                l.view == next.view
                    && l.modseqs == next.modseqs
                    && l.highest_modseq == next.highest_modseq
                    && l.next_uid == next.next_uid
                    && (l.stamp == stamp || !stamp.trustworthy())
            });
        (Some(next).filter(|_| !unchanged), ())
    });
    if let Err(e) = updated {
        crate::log!("{}: state not kept: {e}", dir.display());
    }
}

/// The messages present on disk, in UID order.
fn view(
    dir: &Path,
    list: &Uidlist,
    entries: Vec<Entry>,
    recent: &HashSet<Vec<u8>>,
) -> Result<Mailbox, MaildirError> {
    let uids = list.map();
    let names = entries.iter().map(|e| e.name.len()).sum();
    let mut messages = View::with_capacity(entries.len(), names);
    for e in &entries {
        if let Some(&uid) = uids.get(base(&e.name)) {
            messages.push(uid, &e.name, e.in_new, recent.contains(base(&e.name)))?;
        }
    }
    // A file caught mid-move can be listed in both new/ and cur/: keep the cur/ one.
    messages.sort_dedup();
    Ok(Mailbox {
        dir: dir.to_path_buf(),
        uidvalidity: list.uidvalidity,
        uidnext: list.next_uid,
        first_unrecent: list.next_uid,
        messages,
    })
}

impl Message {
    /// The file's path under the folder `dir`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        let sub = if self.in_new { "new" } else { "cur" };
        dir.join(sub).join(std::ffi::OsStr::from_bytes(&self.name))
    }

    /// Removes the message's file, as long as it is still marked \Deleted (another
    /// session may have renamed it meanwhile). Returns true when the file is gone.
    pub fn remove_if_deleted(&mut self, dir: &Path) -> Result<bool, MaildirError> {
        let removed = super::message_file::follow(dir, self, |path, m| {
            if !m.flags().system.contains(Flags::DELETED) {
                return Ok(false);
            }
            std::fs::remove_file(path).map(|()| true)
        })?;
        Ok(removed.unwrap_or(true))
    }

    /// Moves the message's file into `cur/` of the folder `target`, under a new unique name
    /// with `flags` (of the flags the file has when it goes), and returns that name;
    /// `Ok(None)`: it is gone (expunged elsewhere). A rename: at every moment the message
    /// is in exactly one of the two folders (RFC 6851 3.3). Across filesystems it is copied
    /// and the original removed, and the copy goes again if the original cannot be. `self`
    /// keeps the name it had in `dir`, for [`move_back`](Self::move_back).
    pub fn move_to(
        &mut self,
        dir: &Path,
        target: &Path,
        flags: impl Fn(&Message) -> MessageFlags,
    ) -> Result<Option<Vec<u8>>, MaildirError> {
        super::message_file::follow(dir, self, |src, m| {
            let flags = flags(m);
            let (_, new) = super::deliver::copy_name(&m.name, flags);
            let dest = target.join("cur").join(std::ffi::OsStr::from_bytes(&new));
            match std::fs::rename(src, &dest) {
                Ok(()) => Ok(Ok(new)),
                Err(e) if super::deliver::is_cross_device(&e) => {
                    match super::deliver::copy(src, &m.name, target, flags) {
                        Ok(Some(new)) => Ok(remove_original(src, target, new)),
                        // No file under that name: follow the message to its new one.
                        Ok(None) => Err(std::io::ErrorKind::NotFound.into()),
                        Err(e) => Ok(Err(e)),
                    }
                }
                Err(e) => Err(e),
            }
        })
        .and_then(Option::transpose)
    }

    /// Undoes [`move_to`](Self::move_to): puts the file `moved` in `cur/` of `target` back
    /// where the message was in `dir`, under its old name.
    pub fn move_back(&self, dir: &Path, target: &Path, moved: &[u8]) -> Result<(), MaildirError> {
        let from = target.join("cur").join(std::ffi::OsStr::from_bytes(moved));
        let to = self.path(dir);
        match std::fs::rename(&from, &to) {
            Ok(()) => Ok(()),
            Err(e) if super::deliver::is_cross_device(&e) => {
                // Back through a copy; the message keeps a new unique name in `dir`.
                super::deliver::copy(&from, moved, dir, self.flags())?;
                std::fs::remove_file(&from).map_err(MaildirError::io(&from))
            }
            Err(e) => Err(MaildirError::io(&from)(e)),
        }
    }

    /// Changes the message's flags to `change(current flags)` by renaming its file into
    /// `cur/`. When another session renamed it meanwhile, the change is applied to the flags
    /// it has now. Returns false when the message is gone (expunged elsewhere).
    pub fn set_flags(
        &mut self,
        dir: &Path,
        change: impl Fn(MessageFlags) -> MessageFlags,
    ) -> Result<bool, MaildirError> {
        let renamed = super::message_file::follow(dir, self, |path, m| {
            let new = super::flags::rename(&m.name, change(m.flags()));
            if new == m.name && !m.in_new {
                return Ok(None);
            }
            std::fs::rename(
                path,
                dir.join("cur").join(std::ffi::OsStr::from_bytes(&new)),
            )?;
            Ok(Some(new))
        })?;
        match renamed {
            None => Ok(false),
            Some(None) => Ok(true),
            Some(Some(new)) => {
                self.name = new;
                self.in_new = false;
                Ok(true)
            }
        }
    }
}

/// The second half of a move across filesystems: removes the original at `src` now that a
/// copy named `new` is in `cur/` of `target`, or the copy when the original cannot go.
fn remove_original(src: &Path, target: &Path, new: Vec<u8>) -> Result<Vec<u8>, MaildirError> {
    match std::fs::remove_file(src) {
        Ok(()) => Ok(new),
        Err(e) => {
            let _ =
                std::fs::remove_file(target.join("cur").join(std::ffi::OsStr::from_bytes(&new)));
            Err(MaildirError::io(src)(e))
        }
    }
}
