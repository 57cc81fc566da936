//! The selected mailbox as this session's client knows it: message sequence numbers,
//! flags, \Recent, and the untagged updates (EXISTS, EXPUNGE or VANISHED, FETCH FLAGS)
//! that bring the client up to date with what other sessions and the MTA did on disk.
//!
//! RFC 3501 7.4.1: EXPUNGE must not be sent while answering FETCH, STORE or SEARCH (their
//! UID forms excepted), since the client could not tell which numbers shifted. A message
//! that vanished at such a time stays in the view, marked, until a later command.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::{Mode, OFlags};

use super::search_context::Contexts;
use crate::maildir::find;
use crate::maildir::flags::{base, Flags};
use crate::maildir::index::cache::Cache;
use crate::maildir::index::modseq;
use crate::maildir::keywords::{self, Keywords};
use crate::maildir::modseqs::{self, Modseqs};
use crate::maildir::stamp::{self, Identity, Stamp, Time};
use crate::maildir::view::{Entry, View};
use crate::maildir::{Mailbox, MaildirError};
use crate::wire::{Code, Ranges, Response, SequenceSet};

pub struct Selected {
    pub dir: PathBuf,
    pub read_only: bool,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// Message `n` of the client is `messages[n - 1]`.
    pub messages: View,
    pub keywords: Keywords,
    /// Messages whose files are gone, not yet reported with EXPUNGE.
    pub vanished: HashSet<u32>,
    /// The UIDs saved by `SEARCH RETURN (SAVE)`, which `$` names (RFC 5182).
    pub saved: Ranges,
    /// The searches kept live by `RETURN (UPDATE)` (RFC 5267 4), which end with the view.
    pub contexts: Contexts,
    /// The folder's cache of per-message data (`imapd.cache`, `imapd.journal`).
    pub cache: Cache,
    /// The MODSEQ of each message, once CONDSTORE is enabled (RFC 7162 3.1): then every
    /// untagged FETCH of a flag change carries it.
    pub modseqs: Option<Modseqs>,
    /// Expunges are told with VANISHED, once QRESYNC is enabled (RFC 7162 3.2.10).
    pub qresync: bool,
    /// IMAP4rev2 is enabled (RFC 9051 Appendix E 12, 21): no `\Recent` and no RECENT
    /// response, and a UID in every unsolicited FETCH.
    pub imap4rev2: bool,
    /// The folder's directory, open: the refresh after each command looks at `new/` and
    /// `cur/` through it, and messages are opened relative to it, without walking `dir`.
    pub folder: OwnedFd,
    /// What the view was last brought up to date under; `None` when `new/` or `cur/` was
    /// missing then.
    stamp: Option<Stamp>,
    /// The mtime resolution the folder's file system has ([`stamp::resolution`]).
    resolution: Duration,
    /// The identity of `dovecot-uidlist` when the view last took UIDs from it: while it is
    /// the same, nobody gave out UIDs, and a rescan can take them from the view.
    uidlist: Identity,
    /// The index of each message by a hash of its unique name, made at the first rescan
    /// that needs it and dropped when an expunge moves the indexes.
    by_name: Option<ByName>,
}

impl Selected {
    pub fn open(root: &Path, dir: PathBuf, read_only: bool) -> Result<Selected, MaildirError> {
        let stamp = Stamp::take(&dir);
        let uidlist = stamp.map(|s| s.uidlist).unwrap_or_default();
        let mailbox = Mailbox::open(root, &dir, !read_only)?;
        let folder = rustix::fs::open(
            &dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| MaildirError::io(&dir)(e.into()))?;
        let resolution = stamp.map_or(stamp::RESOLUTION, |s| stamp::resolution(folder.as_fd(), &s));
        Ok(Selected {
            folder,
            resolution,
            keywords: Keywords::read(&dir)?,
            cache: Cache::new(&dir),
            dir,
            read_only,
            uidvalidity: mailbox.uidvalidity,
            uidnext: mailbox.uidnext,
            messages: mailbox.messages,
            vanished: HashSet::new(),
            saved: Ranges::default(),
            contexts: Contexts::default(),
            modseqs: None,
            qresync: false,
            imap4rev2: false,
            stamp,
            uidlist,
            by_name: None,
        })
    }

    /// The MODSEQs of the view, read when first asked for (a SELECT without CONDSTORE
    /// reads none of them).
    pub fn modseqs(&mut self) -> Result<&mut Modseqs, MaildirError> {
        if self.modseqs.is_none() {
            self.modseqs = Some(Modseqs::load(&self.dir, self.uidvalidity, &self.messages)?);
        }
        Ok(self.modseqs.as_mut().expect("just loaded"))
    }

    /// Gives the messages `changed` (indexes of the view), whose new flags this session
    /// put on disk, their new MODSEQ, durably and for every session to see (RFC 7162 3.1).
    /// A MODSEQ that cannot be recorded (a full disk) is logged, not failed: the change is
    /// made, and it gets a MODSEQ from the next session that sees it, as when the index was
    /// deleted. A journal grown too long is folded into the folder's state (under the
    /// Maildir `root`), which costs one listing of the folder.
    pub fn changed_flags(&mut self, root: &Path, changed: &[usize]) {
        let recorded = match self.modseqs.as_mut() {
            Some(m) => m.store(&self.dir, self.uidvalidity, &self.messages, changed),
            None => modseqs::journal(&self.dir, self.uidvalidity, &self.messages, changed),
        };
        if let Err(e) = recorded {
            crate::log!("{}: MODSEQ not recorded: {e}", self.dir.display());
        }
        if modseq::too_long(&self.dir) {
            // The listing brings the state up to date with the journal in it.
            if let Err(e) = Mailbox::open(root, &self.dir, false) {
                crate::log!("{}: MODSEQ journal not folded: {e}", self.dir.display());
            }
        }
    }

    /// Records that this session expunged `uids` (RFC 7162 3.2: one new MODSEQ for them,
    /// remembered with each UID, durable when this returns) and returns it. When it cannot
    /// be written the expunge still stands, and gets a MODSEQ from the next listing that
    /// misses the files, as one made by another program: logged, and `None`.
    pub fn expunged(&mut self, uids: &[u32]) -> Option<u64> {
        if uids.is_empty() {
            return None;
        }
        match crate::maildir::expunges::record(&self.dir, self.uidvalidity, uids) {
            Ok(m) => {
                if let Some(ms) = self.modseqs.as_mut() {
                    ms.highest = ms.highest.max(m);
                }
                Some(m)
            }
            Err(e) => {
                crate::log!("{}: expunge MODSEQ not recorded: {e}", self.dir.display());
                None
            }
        }
    }

    /// While expunges wait to be told (RFC 3501 7.4.1) and the client may have seen MODSEQs
    /// above theirs, a HIGHESTMODSEQ below the lowest of them (RFC 7162 3.2), so that a
    /// client that stops here and resynchronizes from it learns of them. An expunge with
    /// no record read has none yet: it gets one above all, later, and needs nothing here.
    pub fn below_pending_expunges(&self) -> Option<u64> {
        let m = self.modseqs.as_ref().filter(|_| self.qresync)?;
        let lowest = self.vanished.iter().filter_map(|&u| m.expunged(u)).min()?;
        Some(lowest - 1)
    }

    /// Writes ` MODSEQ (n)` for message `i` once CONDSTORE is enabled.
    pub fn write_modseq(&self, out: &mut impl Write, i: usize) -> io::Result<()> {
        match &self.modseqs {
            Some(m) => write!(out, " MODSEQ ({})", m.get(i)),
            None => Ok(()),
        }
    }

    /// The MODSEQs brought up to date with the view after a rescan; `changed` are the
    /// messages whose flags it saw change, and the others whose MODSEQ moved are added.
    fn update_modseqs(&mut self, changed: &mut Vec<usize>) {
        let Some(m) = self.modseqs.as_mut() else {
            return;
        };
        match m.update(&self.dir, self.uidvalidity, &self.messages, changed) {
            Ok(moved) if !moved.is_empty() => {
                changed.extend(moved);
                changed.sort_unstable();
                changed.dedup();
            }
            Ok(_) => {}
            Err(e) => crate::log!("MODSEQs not brought up to date: {e}"),
        }
    }

    /// The index in the view of the file `name` (any flags), if it has one.
    fn index_of(messages: &View, by_name: &ByName, name: &[u8]) -> Option<usize> {
        let i = *by_name.get(&name_hash(name))? as usize;
        (i < messages.len() && base(messages.name(i)) == base(name)).then_some(i)
    }

    /// The folder listed again with the UIDs the view has, when nobody gave out new ones
    /// since (the uidlist is the same) and every file is known: the messages whose flags
    /// changed and those not seen, or `None` when the folder must be read whole.
    fn relisted(&mut self, uidlist: Identity) -> Result<Option<Changes>, MaildirError> {
        if uidlist != self.uidlist {
            self.uidlist = uidlist;
            self.by_name = None;
            return Ok(None);
        }
        let by_name = self.by_name.take().unwrap_or_else(|| {
            let messages = &self.messages;
            (0..messages.len())
                .map(|i| (name_hash(messages.name(i)), i as u32))
                .collect()
        });
        // Where each message was seen: IN_NEW, IN_CUR or both (a file caught mid-move).
        const IN_NEW: u8 = 1;
        const IN_CUR: u8 = 2;
        let mut seen = vec![0u8; self.messages.len()];
        let mut renamed = Vec::new();
        let messages = &self.messages;
        let complete = Mailbox::relist(&self.dir, !self.read_only, |name, in_new| {
            let Some(i) = Self::index_of(messages, &by_name, name) else {
                return false;
            };
            seen[i] |= if in_new { IN_NEW } else { IN_CUR };
            if messages.name(i) != name || messages[i].in_new != in_new {
                renamed.push((i, name.to_vec(), in_new));
            }
            true
        });
        self.by_name = Some(by_name);
        if !complete? {
            self.by_name = None;
            return Ok(None);
        }
        let mut changed = Vec::new();
        for (i, name, in_new) in renamed {
            if !(in_new && seen[i] & IN_CUR != 0) && self.messages.rename(i, &name, in_new)? {
                changed.push(i);
            }
        }
        changed.sort_unstable();
        changed.dedup();
        let missing = (0..seen.len())
            .filter(|&i| seen[i] == 0 && !self.vanished.contains(&self.messages[i].uid))
            .collect();
        Ok(Some((changed, missing)))
    }

    /// `FLAGS (...)`: the system flags and this folder's keywords.
    fn flags_line(&self) -> String {
        let mut s = String::from("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
        for (_, k) in self.keywords.iter() {
            s.push(' ');
            s.push_str(&String::from_utf8_lossy(k));
        }
        s.push(')');
        s
    }

    /// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]`: told at SELECT and whenever the
    /// folder's keywords change.
    pub fn write_flags(&self, out: &mut impl Write) -> io::Result<()> {
        write!(out, "* {}\r\n", self.flags_line())?;
        self.permanent_flags().write(out, None)
    }

    /// `OK [PERMANENTFLAGS (...)]`: what STORE can set; `\*`: new keywords too.
    fn permanent_flags(&self) -> Response {
        if self.read_only {
            return Response::ok("Read-only mailbox").with(Code::PermanentFlags(String::new()));
        }
        let flags = self.flags_line();
        let list = &flags["FLAGS (".len()..flags.len() - 1];
        Response::ok("Flags permitted").with(Code::PermanentFlags(format!("{list} \\*")))
    }

    /// `(\Seen \Recent $Junk)` for one message.
    pub fn flag_list(&self, m: &Entry) -> String {
        let mut s = Vec::with_capacity(64);
        let _ = self.write_flag_list(&mut s, m);
        String::from_utf8_lossy(&s).into_owned()
    }

    /// Writes [`flag_list`](Self::flag_list) to `out`, with no allocation.
    pub fn write_flag_list(&self, out: &mut impl Write, m: &Entry) -> io::Result<()> {
        let f = m.flags();
        let mut sep = "(";
        for (flag, _, name) in Flags::ALL {
            if f.system.contains(flag) {
                out.write_all(sep.as_bytes())?;
                out.write_all(name.as_bytes())?;
                sep = " ";
            }
        }
        if m.recent && !self.imap4rev2 {
            out.write_all(sep.as_bytes())?;
            out.write_all(b"\\Recent")?;
            sep = " ";
        }
        if f.keywords != 0 {
            for (n, k) in self.keywords.iter() {
                if f.keywords & (1 << n) != 0 {
                    out.write_all(sep.as_bytes())?;
                    out.write_all(k)?;
                    sep = " ";
                }
            }
        }
        if sep == "(" {
            out.write_all(b"(")?;
        }
        out.write_all(b")")
    }

    /// The indexes (sequence number - 1) named by `set`: message sequence numbers, or UIDs
    /// with `uid`. `None` when a sequence number does not exist (RFC 3501 9: a client must
    /// not name one); UIDs that do not exist are simply left out. Work and memory are
    /// O(ranges · log messages), whatever the number of messages named.
    pub fn resolve(&self, set: &SequenceSet, uid: bool) -> Option<Ranges> {
        if set.is_saved() {
            // Saved UIDs of messages expunged since are simply gone (RFC 5182 2.1).
            return Some(self.uid_indexes(&self.saved));
        }
        if uid {
            let largest = self.messages.last().map_or(0, |m| m.uid);
            return Some(self.uid_indexes(&set.resolve(largest)));
        }
        let n = self.messages.len() as u32;
        let numbers = set.resolve(n);
        if numbers.first() == Some(0) || numbers.last().is_some_and(|l| l > n) {
            return None;
        }
        Some(Ranges::merge(
            numbers.ranges().map(|r| (r.start() - 1, r.end() - 1)),
        ))
    }

    /// The indexes of the messages whose UIDs are in `uids`.
    fn uid_indexes(&self, uids: &Ranges) -> Ranges {
        Ranges::merge(uids.ranges().filter_map(|r| {
            let start = self.messages.partition_point(|m| m.uid < *r.start());
            let end = self.messages.partition_point(|m| m.uid <= *r.end());
            (start < end).then(|| (start as u32, end as u32 - 1))
        }))
    }

    /// Rereads the folder and writes the untagged responses that tell the client what
    /// changed. EXPUNGE is sent only when `allow_expunge`. True when the folder was read
    /// again because something may have changed (what the live searches must look at).
    ///
    /// This runs after every command, so the common case, nothing changed, costs two
    /// stat(2) calls: the mtimes of `new/` and `cur/`. The uidlist and the keywords file
    /// are looked at only when a directory changed: every change a client must hear of
    /// (a message delivered, renamed for its flags or removed) changes a directory, and
    /// UIDs are given out only to files that appeared in one. A keyword defined by another
    /// session is announced with the first message that carries it, which changes `cur/`.
    pub fn refresh(
        &mut self,
        root: &Path,
        out: &mut impl Write,
        allow_expunge: bool,
    ) -> io::Result<bool> {
        let taken = Time::now();
        let dirs = stamp::dirs_at(self.folder.as_fd());
        let unchanged = dirs
            .zip(self.stamp)
            .is_some_and(|(dirs, earlier)| earlier.dirs_unchanged(taken, dirs, self.resolution));
        if unchanged {
            // Nothing changed on disk; only expunges already seen may be waiting.
            if allow_expunge {
                self.report_expunges(out)?;
            }
            return Ok(false);
        }
        let stamp = dirs.map(|dirs| Stamp::complete(self.folder.as_fd(), taken, dirs));
        let relisted = self.relisted(stamp.map(|s| s.uidlist).unwrap_or_default());
        let relisted = relisted.unwrap_or_else(|e| {
            crate::log!("rescan failed: {e}");
            None
        });
        let (mut changed_flags, missing, fresh) = match relisted {
            Some((changed, missing)) => (changed, missing, None),
            None => match Mailbox::reread(root, &self.dir, !self.read_only)
                .and_then(|fresh| Ok((self.merge_names(&fresh)?, fresh)))
            {
                Ok(((changed, missing), fresh)) => (changed, missing, Some(fresh)),
                Err(e) => {
                    crate::log!("rescan failed: {e}");
                    return Ok(false);
                }
            },
        };
        self.stamp = stamp;
        if let Ok(k) = Keywords::read(&self.dir) {
            if k != self.keywords {
                self.keywords = k;
                self.write_flags(out)?;
            }
        }
        // Not in the listing: gone, or being renamed by another session at that moment.
        // One more look tells which; a renamed message keeps its UID (DESIGN.md 4).
        if !missing.is_empty() {
            let wanted = missing
                .iter()
                .map(|&i| base(self.messages.name(i)).to_vec())
                .collect();
            let found = find::locate(&self.dir, &wanted);
            for i in missing {
                match found.get(base(self.messages.name(i))) {
                    Some((name, in_new)) => match self.messages.rename(i, name, *in_new) {
                        Ok(changed) => changed_flags.extend(changed.then_some(i)),
                        Err(e) => crate::log!("rescan failed: {e}"),
                    },
                    None => {
                        self.vanished.insert(self.messages[i].uid);
                    }
                }
            }
            changed_flags.sort_unstable();
        }
        self.update_modseqs(&mut changed_flags);
        for i in changed_flags {
            self.write_flag_change(out, i)?;
        }
        if allow_expunge {
            self.report_expunges(out)?;
        }
        let Some(fresh) = fresh else {
            return Ok(true);
        };
        let before = self.messages.len();
        if let Err(e) = self.messages.extend_above(&fresh.messages) {
            crate::log!("rescan failed: {e}");
        }
        self.uidnext = self.uidnext.max(fresh.uidnext);
        if self.messages.len() != before {
            // New messages get their MODSEQs now, while the client learns of them; a record
            // read meanwhile may move those of others.
            let mut moved = Vec::new();
            self.update_modseqs(&mut moved);
            for i in moved {
                self.write_flag_change(out, i)?;
            }
            write!(out, "* {} EXISTS\r\n", self.messages.len())?;
            if !self.imap4rev2 {
                let recent = self.messages.iter().filter(|m| m.recent).count();
                write!(out, "* {recent} RECENT\r\n")?;
            }
        }
        Ok(true)
    }

    /// Whether an untagged FETCH the client did not ask for carries the UID: with QRESYNC
    /// (RFC 7162 3.2.4) and with IMAP4rev2 (RFC 9051 7.5.2).
    pub fn uid_in_updates(&self) -> bool {
        self.qresync || self.imap4rev2
    }

    /// `* n FETCH ([UID u ]FLAGS (...) [MODSEQ (m)])` for message `i`, unless it vanished;
    /// the UID as [`uid_in_updates`](Self::uid_in_updates) says.
    fn write_flag_change(&self, out: &mut impl Write, i: usize) -> io::Result<()> {
        let uid = self.messages[i].uid;
        if self.vanished.contains(&uid) {
            return Ok(());
        }
        let list = self.flag_list(&self.messages[i]);
        match self.uid_in_updates() {
            true => write!(out, "* {} FETCH (UID {uid} FLAGS {list}", i + 1)?,
            false => write!(out, "* {} FETCH (FLAGS {list}", i + 1)?,
        }
        self.write_modseq(out, i)?;
        out.write_all(b")\r\n")
    }

    /// Takes the names of `fresh` into the view: the messages whose flags changed, and
    /// those not in it (gone, or being renamed at that moment).
    fn merge_names(&mut self, fresh: &Mailbox) -> Result<Changes, MaildirError> {
        let theirs = &fresh.messages;
        let mut at = 0;
        let mut changed_flags = Vec::new();
        let mut missing = Vec::new();
        for i in 0..self.messages.len() {
            let uid = self.messages[i].uid;
            while at < theirs.len() && theirs[at].uid < uid {
                at += 1;
            }
            match theirs.get(at).filter(|f| f.uid == uid) {
                Some(f) => {
                    let changed = self.messages.rename(i, theirs.name(at), f.in_new)?;
                    changed_flags.extend(changed.then_some(i));
                }
                None if !self.vanished.contains(&uid) => missing.push(i),
                None => {}
            }
        }
        Ok((changed_flags, missing))
    }

    /// Sends EXPUNGE for every vanished message, or one VANISHED for them all once QRESYNC
    /// is enabled (RFC 7162 3.2.10.2), and drops them from the view; first the live
    /// searches' REMOVEFROM, while the numbers still hold (RFC 5267 4.3.4).
    pub fn report_expunges(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.vanished.is_empty() {
            return Ok(());
        }
        self.contexts
            .expunging(&self.messages, &self.vanished, out)?;
        let vanished = std::mem::take(&mut self.vanished);
        if self.qresync {
            let uids = Ranges::from_sorted(
                self.messages
                    .iter()
                    .map(|m| m.uid)
                    .filter(|u| vanished.contains(u)),
            );
            if !uids.is_empty() {
                write!(out, "* VANISHED {}\r\n", uids.format())?;
            }
        }
        let qresync = self.qresync;
        self.by_name = None;
        if let Some(m) = self.modseqs.as_mut() {
            m.forget_expunges(vanished.iter().copied());
            let keep: Vec<bool> = self
                .messages
                .iter()
                .map(|m| !vanished.contains(&m.uid))
                .collect();
            m.retain(&keep);
        }
        let mut kept = 0;
        let mut written = Ok(());
        self.messages.retain(|m| {
            if !vanished.contains(&m.uid) {
                kept += 1;
                return true;
            }
            // Numbers shift down after each EXPUNGE (RFC 3501 7.4.1): this one is the
            // first after those kept.
            if written.is_ok() && !qresync {
                written = write!(out, "* {} EXPUNGE\r\n", kept + 1);
            }
            false
        });
        written
    }

    /// Resolves keyword names to bits, defining the new ones in this folder. `Ok(None)`:
    /// the folder has no room for more keywords.
    pub fn keyword_bits(
        &mut self,
        names: &[Vec<u8>],
        out: &mut impl Write,
    ) -> Result<Option<u32>, MaildirError> {
        if names.is_empty() {
            return Ok(Some(0));
        }
        let Some(k) = keywords::define(&self.dir, names)? else {
            return Ok(None);
        };
        if k != self.keywords {
            self.keywords = k;
            let _ = self.write_flags(out);
        }
        Ok(Some(names.iter().fold(0, |bits, n| {
            bits | self.keywords.slot(n).map_or(0, |s| 1 << s)
        })))
    }

    /// The index of the first message without \Seen.
    pub fn first_unseen(&self) -> Option<usize> {
        self.messages.first_unseen()
    }
}

/// A hash of the unique part of a file name, for [`Selected::index_of`], which checks the
/// name it finds: eight bytes at a time, multiplied in (a CRC-32 cost more than the rest of
/// a rescan's work on a name). Names are chosen by delivery agents, not by senders, and a
/// collision only sends the rescan the slow way.
fn name_hash(name: &[u8]) -> u64 {
    let b = base(name);
    let mut h = b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        h = (h.rotate_left(23) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(23) ^ u64::from_le_bytes(last)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ h >> 29
}

/// What a rescan found: the indexes of the messages whose flags changed, and of those it
/// did not list (gone, or being renamed at that moment).
type Changes = (Vec<usize>, Vec<usize>);

/// The map from [`name_hash`] to the index in the view.
type ByName = HashMap<u64, u32, BuildHasherDefault<Prehashed>>;

/// Takes a [`name_hash`] as the hash it is: hashing it again would cost as much again.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Splits a flag list into system flags and keyword names; `\Recent` cannot be set and
/// is ignored, other unknown `\` flags are an error.
pub fn split_flags(names: &[Vec<u8>]) -> Result<(Flags, Vec<Vec<u8>>), &'static str> {
    let mut system = Flags::default();
    let mut keywords = Vec::new();
    for n in names {
        if n.first() == Some(&b'\\') {
            if n.eq_ignore_ascii_case(b"\\Recent") {
                continue;
            }
            system = system.union(Flags::named(n).ok_or("Unknown system flag")?);
        } else {
            keywords.push(n.clone());
        }
    }
    Ok((system, keywords))
}
