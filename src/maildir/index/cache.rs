//! The immutable per-message part of the folder index: `imapd.cache`, a cdb (constant
//! database) keyed by the message's unique name, plus `imapd.journal`, the entries added
//! since the cdb was written. A message file's content never changes (DESIGN.md 3), so an
//! entry is never stale; what an entry holds is [`record`]'s business.
//!
//! How it grows: a command that computed entries the cache lacked appends them to the
//! journal, in one `write(2)` per command (or per [`FLUSH`] bytes of a large one). When
//! the journal passes [`MIN_MERGE`] bytes or an eighth of the cdb, the process that
//! noticed merges both into a new cdb: the entries of the messages its view holds, from
//! the journal where it has one, else from the old cdb, grouped by part (all keys, then
//! all headers, then all structures, so that SORT reads a compact stretch of the file);
//! written to a temporary file in `tmp/`, fsynced, renamed over `imapd.cache`, then the
//! journal is removed. Entries of expunged messages go at that point. Adding an entry
//! costs one append whatever the size of the cdb; the merge rewrites all of it, once per
//! eighth of its size added.
//!
//! Locks: a merge holds `flock(LOCK_EX | LOCK_NB)` on `imapd.cache.lock`, only so that two
//! processes do not do the same work; one that finds it held skips its merge. Readers take
//! no lock at all. Every file they see is whole (the cdb is renamed into place) or checks
//! itself (journal records and cdb values carry checksums), and a reader that races a
//! merge (reads the old journal after the new cdb, or the journal after it was removed)
//! only misses entries, which its command then computes again. Readers load the journal
//! before the cdb, so a merge between the two loses them nothing.
//!
//! Any file may be missing, damaged or deleted at any moment: a damaged cdb (its tables
//! pointing outside the file) or record is absent. The cdb is read through `mmap(2)`:
//! `imapd` never truncates one in place (only renames over it; one truncated in place by
//! someone else while a command reads it kills that session with SIGBUS), and the mapping
//! is made again every [`REMAP`] bytes touched, so that a session's resident memory does
//! not grow with the folder.

mod checksum;
mod journal;
pub mod record;
mod table;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::{Deref, Range};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::super::durable;
use super::super::MaildirError;
use crate::message::keys::Keys;
use journal::Entry;
pub use journal::{MAX_ENTRY, MAX_JOURNAL};
use record::{Facts, FactsView, HeaderAt, HeaderPart, Part, Sizes, Want, WholeAt, WholePart};
use table::Table;

pub const CACHE: &str = "imapd.cache";
pub const JOURNAL: &str = "imapd.journal";
const LOCK: &str = "imapd.cache.lock";

/// Entries are appended once this many bytes wait, and at the end of each command.
const FLUSH: usize = 1024 * 1024;

/// A journal smaller than this (the entries of about 200 messages) is never merged.
const MIN_MERGE: u64 = 256 * 1024;

/// The journal is read this much at a time; more than any record.
const PIECE: usize = 4 * 1024 * 1024;

/// A merge reads journal values this much at a time ([`Window`]): more than any record,
/// and small beside the session's memory.
const WINDOW: usize = 1024 * 1024;

/// Bytes of the cdb mapped (roughly: pages touched by look-ups) before its mapping is
/// dropped and made again, which bounds how much of it counts in the session's memory.
const REMAP: usize = 4 * 1024 * 1024;
const PAGE: usize = 4096;

/// What a command computed of one message, for [`Cache::learn`].
#[derive(Default)]
pub struct Learnt<'a> {
    /// INTERNALDATE, from the open file.
    pub internal_date: i64,
    /// The header as stored, when it was read.
    pub header: Option<&'a [u8]>,
    pub sizes: Option<Sizes>,
    /// With the thread links.
    pub keys: Option<&'a Keys>,
    /// Response texts.
    pub envelope: Option<&'a [u8]>,
    pub body: Option<&'a [u8]>,
    pub bodystructure: Option<&'a [u8]>,
    pub preview: Option<&'a [u8]>,
}

/// The cache of one folder, as one session sees it. Looked at again at the first look-up
/// of each command; what the command adds goes out at [`Cache::finish`].
pub struct Cache {
    dir: PathBuf,
    /// `imapd.cache` and `imapd.journal` in `dir`, joined once.
    cdb_path: PathBuf,
    journal_path: PathBuf,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The files were looked at in this command.
    fresh: bool,
    main: Option<Rc<Main>>,
    /// Bytes of `main`'s records read since it was mapped (whole pages).
    read: usize,
    /// The last page of the last value read from `main`.
    page: Option<usize>,
    journal: Option<Journal>,
    /// Framed records not yet appended.
    batch: Vec<u8>,
    /// The key of the last look-up, made here to save an allocation for each.
    key: Vec<u8>,
}

/// What identifies one version of a file: it is replaced by rename, or (the journal)
/// removed and made anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    fn of(m: &std::fs::Metadata) -> FileId {
        FileId {
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

struct Main {
    table: Table,
    id: FileId,
    len: u64,
}

/// A value looked up: in place in the mapped cdb (which stays mapped while the value
/// lives, even when a remap or a merge replaced it meanwhile), or read from the journal.
pub struct Value(Held);

enum Held {
    Mapped(Rc<Main>, Range<usize>),
    Read(Vec<u8>),
}

impl Deref for Value {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Held::Mapped(main, at) => main.table.bytes(at.clone()),
            Held::Read(v) => v,
        }
    }
}

/// A [`Part::Header`] entry as stored: its parts are read from the value in place.
pub struct Header {
    value: Value,
    at: HeaderAt,
}

impl Header {
    /// The kept fields ([`crate::message::fields::keep`]).
    pub fn fields(&self) -> &[u8] {
        &self.value[self.at.fields.clone()]
    }

    /// Whether the header ends with a line end.
    pub fn blank(&self) -> bool {
        self.at.blank
    }

    /// The ENVELOPE response text, once a FETCH made it.
    pub fn envelope(&self) -> Option<&[u8]> {
        self.at.envelope.clone().map(|r| &self.value[r])
    }

    fn owned(&self) -> HeaderPart {
        HeaderPart {
            fields: self.fields().to_vec(),
            blank: self.blank(),
            envelope: self.envelope().map(<[u8]>::to_vec),
        }
    }
}

/// A [`Part::Whole`] entry as stored.
pub struct Whole {
    value: Value,
    at: WholeAt,
}

impl Whole {
    /// The BODY response text, once a FETCH made it.
    pub fn body(&self) -> Option<&[u8]> {
        self.at.body.clone().map(|r| &self.value[r])
    }

    /// The BODYSTRUCTURE response text, once a FETCH made it.
    pub fn bodystructure(&self) -> Option<&[u8]> {
        self.at.bodystructure.clone().map(|r| &self.value[r])
    }

    /// The PREVIEW text, once a FETCH made it.
    pub fn preview(&self) -> Option<&[u8]> {
        self.at.preview.clone().map(|r| &self.value[r])
    }

    fn owned(&self) -> WholePart {
        WholePart {
            body: self.body().map(<[u8]>::to_vec),
            bodystructure: self.bodystructure().map(<[u8]>::to_vec),
            preview: self.preview().map(<[u8]>::to_vec),
        }
    }
}

struct Journal {
    file: File,
    id: FileId,
    /// How far it was parsed: later records are read at the next look.
    parsed: u64,
    /// The last record of each key: later ones replace earlier ones.
    index: HashMap<Vec<u8>, (u64, u32), BuildHasherDefault<KeyHasher>>,
}

/// Hashes journal keys, which are file names the delivery agents chose, not text from mail:
/// SipHash's defence against chosen keys is not needed, and it cost more than the rest of
/// a look-up.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = self.0.rotate_left(23) ^ checksum::sum(bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Cache {
    /// The cache of the folder at `dir`; nothing is read until the first look-up.
    pub fn new(dir: &Path) -> Cache {
        Cache {
            dir: dir.to_path_buf(),
            cdb_path: dir.join(CACHE),
            journal_path: dir.join(JOURNAL),
            state: RefCell::new(State::default()),
        }
    }

    /// The value stored under `key`, if there is one.
    #[cfg(test)]
    fn get(&self, key: &[u8]) -> Option<Value> {
        let mut st = self.state.borrow_mut();
        if !st.fresh {
            self.look(&mut st);
        }
        lookup(&mut st, key, &self.cdb_path)
    }

    /// The entry of `part` of message `unique`, if there is one.
    fn entry(&self, part: Part, unique: &[u8]) -> Option<Value> {
        let mut st = self.state.borrow_mut();
        if !st.fresh {
            self.look(&mut st);
        }
        let mut key = std::mem::take(&mut st.key);
        record::key_into(&mut key, part, unique);
        let value = lookup(&mut st, &key, &self.cdb_path);
        st.key = key;
        value
    }

    /// Adds `value` under `key`; a value larger than [`MAX_ENTRY`] is not kept.
    fn put(&self, key: &[u8], value: &[u8]) {
        let mut st = self.state.borrow_mut();
        journal::frame(&mut st.batch, key, value);
        if st.batch.len() >= FLUSH {
            self.flush(&mut st);
        }
    }

    /// Ends a command: appends what it added, and merges when the journal has grown past
    /// its share. `names` are the unique names of the messages to keep in a merge.
    pub fn finish<'a>(&self, names: impl IntoIterator<Item = &'a [u8]>) {
        let mut st = self.state.borrow_mut();
        let added = !st.batch.is_empty();
        self.flush(&mut st);
        if added || st.journal.is_some() {
            let journal_len = std::fs::metadata(&self.journal_path).map_or(0, |m| m.len());
            let main_len = st.main.as_ref().map_or(0, |m| m.len);
            if journal_len > MIN_MERGE.max(main_len / 8) {
                if let Err(e) = self.merge(&mut st, names) {
                    crate::log!("cache merge: {e}");
                }
            }
        }
        st.fresh = false;
    }

    /// The [`Facts`] of the message whose unique name is `unique`, with the keys `want`
    /// says.
    pub fn facts(&self, unique: &[u8], want: Want) -> Option<Facts> {
        Facts::decode(&self.entry(Part::Keys, unique)?, Some(want))
    }

    /// The [`Facts`] of message `unique` without its keys (`keys` is `None`): its date and
    /// sizes, read without decoding the rest.
    pub fn bare_facts(&self, unique: &[u8]) -> Option<Facts> {
        Facts::decode(&self.entry(Part::Keys, unique)?, None)
    }

    /// `f` of the [`Part::Keys`] entry of message `unique`, read in place: what SORT and
    /// THREAD take of every message, with nothing decoded that they do not ask for.
    pub fn facts_view<T>(&self, unique: &[u8], f: impl FnOnce(FactsView) -> T) -> Option<T> {
        let value = self.entry(Part::Keys, unique)?;
        FactsView::decode(&value).map(f)
    }

    pub fn header(&self, unique: &[u8]) -> Option<Header> {
        let value = self.entry(Part::Header, unique)?;
        let at = HeaderAt::locate(&value)?;
        Some(Header { value, at })
    }

    pub fn whole(&self, unique: &[u8]) -> Option<Whole> {
        let value = self.entry(Part::Whole, unique)?;
        let at = WholeAt::locate(&value)?;
        Some(Whole { value, at })
    }

    /// Adds to the entries of message `unique` what a command computed of it and they lack.
    /// A header read for anything else also gives the SORT and THREAD keys, so that a SORT
    /// after a first FETCH of ENVELOPE reads no file.
    pub fn learn(&self, unique: &[u8], l: &Learnt) {
        let old = self.facts(unique, Want::ALL);
        let derived = match (l.keys, l.header) {
            (None, Some(hdr)) if old.as_ref().is_none_or(|o| o.keys.is_none()) => {
                Some(Keys::of(hdr, true))
            }
            _ => None,
        };
        let keys = l.keys.or(derived.as_ref());
        let grows = old.as_ref().is_none_or(|o| {
            (o.sizes.is_none() && l.sizes.is_some()) || (o.keys.is_none() && keys.is_some())
        });
        if grows {
            let facts = match old {
                Some(o) => Facts {
                    internal_date: o.internal_date,
                    sizes: o.sizes.or(l.sizes),
                    keys: o.keys.or_else(|| keys.cloned()),
                },
                None => Facts {
                    internal_date: l.internal_date,
                    sizes: l.sizes,
                    keys: keys.cloned(),
                },
            };
            self.put(&key(Part::Keys, unique), &facts.encode());
        }
        let header = match self.header(unique) {
            Some(h) if h.envelope().is_some() || l.envelope.is_none() => None,
            Some(h) => Some(HeaderPart {
                envelope: l.envelope.map(<[u8]>::to_vec),
                ..h.owned()
            }),
            None => l.header.map(|hdr| HeaderPart {
                envelope: l.envelope.map(<[u8]>::to_vec),
                ..HeaderPart::of(hdr)
            }),
        };
        if let Some(h) = header {
            self.put(&key(Part::Header, unique), &h.encode());
        }
        if l.body.is_some() || l.bodystructure.is_some() || l.preview.is_some() {
            let old = self.whole(unique).map(|w| w.owned()).unwrap_or_default();
            let new = WholePart {
                body: old.body.clone().or(l.body.map(<[u8]>::to_vec)),
                bodystructure: old
                    .bodystructure
                    .clone()
                    .or(l.bodystructure.map(<[u8]>::to_vec)),
                preview: old.preview.clone().or(l.preview.map(<[u8]>::to_vec)),
            };
            if new != old {
                self.put(&key(Part::Whole, unique), &new.encode());
            }
        }
    }

    fn flush(&self, st: &mut State) {
        if st.batch.is_empty() {
            return;
        }
        if let Err(e) = journal::append(&self.journal_path, &st.batch) {
            crate::log!("{}: {e}", self.journal_path.display());
        }
        st.batch.clear();
    }

    /// Brings the view of both files up to date: the journal first (see the module
    /// comment), then the cdb.
    fn look(&self, st: &mut State) {
        st.fresh = true;
        self.look_journal(st);
        // The length too: a cdb truncated in place (never by imapd) must not stay mapped.
        let current = std::fs::metadata(&self.cdb_path)
            .ok()
            .map(|m| (FileId::of(&m), m.len()));
        if current.is_none() || st.main.as_ref().map(|m| (m.id, m.len)) != current {
            st.main = None;
            st.main = open_main(&self.cdb_path);
            st.read = 0;
            st.page = None;
        }
    }

    fn look_journal(&self, st: &mut State) {
        let path = &self.journal_path;
        let Ok(meta) = std::fs::metadata(path) else {
            st.journal = None;
            return;
        };
        let id = FileId::of(&meta);
        if st.journal.as_ref().map(|j| j.id) != Some(id) {
            st.journal = File::open(path).ok().map(|file| Journal {
                file,
                id,
                parsed: 0,
                index: HashMap::default(),
            });
        }
        let Some(j) = st.journal.as_mut() else {
            return;
        };
        let len = meta.len().min(MAX_JOURNAL);
        // Read a piece at a time: only the keys are kept. A piece holds any whole record,
        // so one that ends inside a record is read again from that record on.
        let mut buf = Vec::new();
        while j.parsed < len {
            let n = (len - j.parsed).min(PIECE as u64) as usize;
            buf.resize(n, 0);
            if j.file.read_exact_at(&mut buf, j.parsed).is_err() {
                return;
            }
            let (entries, upto) = journal::parse(&buf, j.parsed);
            for Entry { key, at, len } in entries {
                j.index.insert(key, (at, len));
            }
            j.parsed += upto as u64;
            if upto == 0 {
                // A record still being written, or torn.
                return;
            }
        }
    }

    /// Writes a new cdb of the entries of the messages named, from the journal and the
    /// old cdb, and puts it in place of both.
    fn merge<'a>(
        &self,
        st: &mut State,
        names: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), MaildirError> {
        let lock_path = self.dir.join(LOCK);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock_path)
            .map_err(MaildirError::io(&lock_path))?;
        if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            // Another process is merging.
            return Ok(());
        }
        self.look(st);
        let started = std::time::Instant::now();
        let tmp = temporary(&self.dir);
        let written = self.write_merged(st, names, &tmp);
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        let written = written?;
        durable::rename_synced(&tmp, &self.cdb_path)?;
        match std::fs::remove_file(&self.journal_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(MaildirError::io(&self.journal_path)(e))
            }
            _ => {}
        }
        st.journal = None;
        st.main = open_main(&self.cdb_path);
        st.read = 0;
        st.page = None;
        let (entries, bytes) = written;
        let ms = started.elapsed().as_millis();
        crate::log!("cache merged: {entries} entries, {bytes} bytes in {ms} ms");
        Ok(())
    }

    fn write_merged<'a>(
        &self,
        st: &mut State,
        names: impl IntoIterator<Item = &'a [u8]>,
        tmp: &Path,
    ) -> Result<(usize, u64), MaildirError> {
        let err = MaildirError::io(tmp);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(tmp)
            .map_err(MaildirError::io(tmp))?;
        let synced = file.try_clone().map_err(MaildirError::io(tmp))?;
        let mut out = cdb::CDBMake::new(file).map_err(MaildirError::io(tmp))?;
        let cache = self.cdb_path.clone();
        let mut key = Vec::new();
        let mut entries = 0;
        // One part of every message after the other: SORT, which reads only the keys,
        // then finds them together.
        let names: Vec<&[u8]> = names.into_iter().collect();
        let mut window = Window::default();
        for part in record::PARTS {
            for &name in &names {
                record::key_into(&mut key, part, name);
                // As [`lookup`]: the journal's value when it can be read, else the cdb's.
                let journal = st.journal.as_ref().and_then(|j| {
                    let &(at, len) = j.index.get(&key)?;
                    window.get(&j.file, at, len)
                });
                let added = match journal {
                    Some(v) => record::intact(v).then(|| out.add(&key, v)),
                    None => lookup_main(st, &key, &cache)
                        .filter(|v| record::intact(v))
                        .map(|v| out.add(&key, &v)),
                };
                if let Some(added) = added {
                    added.map_err(MaildirError::io(tmp))?;
                    entries += 1;
                }
            }
        }
        out.finish().map_err(MaildirError::io(tmp))?;
        synced.sync_all().map_err(MaildirError::io(tmp))?;
        let bytes = synced.metadata().map_err(err)?.len();
        Ok((entries, bytes))
    }
}

fn key(part: Part, unique: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(unique.len() + 1);
    record::key_into(&mut k, part, unique);
    k
}

/// A stretch of the journal read at once, for a merge: it asks for the values of each
/// part in message order, which is about the order they were appended in, so one read
/// of [`WINDOW`] bytes serves hundreds of them (a `pread(2)` for each was a third of a
/// merge).
#[derive(Default)]
struct Window {
    buf: Vec<u8>,
    /// Where in the journal `buf` starts.
    start: u64,
}

impl Window {
    /// The `len` bytes at `at` of the journal `file`; `None` when it is shorter.
    fn get(&mut self, file: &File, at: u64, len: u32) -> Option<&[u8]> {
        let len = len as usize;
        let held = at >= self.start && at - self.start + len as u64 <= self.buf.len() as u64;
        if !held {
            self.buf.resize(WINDOW.max(len), 0);
            let mut filled = 0;
            while filled < self.buf.len() {
                match file.read_at(&mut self.buf[filled..], at + filled as u64) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            self.buf.truncate(filled);
            self.start = at;
            if filled < len {
                return None;
            }
        }
        let from = (at - self.start) as usize;
        Some(&self.buf[from..from + len])
    }
}

/// `key` in the journal, else in the cdb at `path`.
fn lookup(st: &mut State, key: &[u8], path: &Path) -> Option<Value> {
    if let Some(j) = &st.journal {
        if let Some(&(at, len)) = j.index.get(key) {
            let mut v = vec![0u8; len as usize];
            if j.file.read_exact_at(&mut v, at).is_ok() {
                return Some(Value(Held::Read(v)));
            }
        }
    }
    lookup_main(st, key, path)
}

/// `key` in the cdb at `path`.
fn lookup_main(st: &mut State, key: &[u8], path: &Path) -> Option<Value> {
    let main = st.main.as_ref()?;
    let at = main.table.find(key)?;
    // The pages of the value that the look-up before did not touch: look-ups in message
    // order (SORT, THREAD, FETCH 1:*) read records one after the other, as a merge wrote
    // them. The hash tables are not counted: 16 bytes an entry, a small part of the file.
    let (first, last) = (
        at.start / PAGE,
        at.end.max(at.start + 1).saturating_sub(1) / PAGE,
    );
    let fresh = match st.page {
        Some(p) if (first..=last).contains(&p) => last - p,
        _ => last - first + 1,
    };
    st.page = Some(last);
    st.read += fresh * PAGE;
    let value = Value(Held::Mapped(Rc::clone(main), at));
    if st.read > REMAP {
        // The mapping goes with the last value read from it; a cdb renamed there
        // meanwhile is left for the next command.
        let id = main.id;
        st.main = None;
        st.main = open_main(path).filter(|m| m.id == id);
        st.read = 0;
        st.page = None;
    }
    Some(value)
}

/// Maps the cdb at `path`; `None` when missing or not a cdb (a damaged one gives misses:
/// [`Table`] checks every offset it reads).
fn open_main(path: &Path) -> Option<Rc<Main>> {
    let meta = std::fs::metadata(path).ok()?;
    let table = Table::open(path).ok()?;
    // The file mapped must be the file looked at: a merge may have renamed a new one there.
    let now = std::fs::metadata(path).ok()?;
    if FileId::of(&now) != FileId::of(&meta) || now.len() != meta.len() {
        return None;
    }
    Some(Rc::new(Main {
        table,
        id: FileId::of(&meta),
        len: meta.len(),
    }))
}

/// A new name for a merged cdb: in `tmp/`, where a crash's leftover goes with the 36-hour
/// cleaning, or beside the cache when there is no `tmp/`.
fn temporary(dir: &Path) -> PathBuf {
    let name = format!("{}.{CACHE}", super::super::deliver::unique_name());
    if dir.join("tmp").is_dir() {
        dir.join("tmp").join(name)
    } else {
        dir.join(format!(".{name}"))
    }
}

#[cfg(test)]
mod tests {
    use super::record::key_into;
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("imapd-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        dir
    }

    fn key(name: &str) -> Vec<u8> {
        let mut k = Vec::new();
        key_into(&mut k, Part::Keys, name.as_bytes());
        k
    }

    fn got(c: &Cache, key: &[u8]) -> Option<Vec<u8>> {
        c.get(key).map(|v| v.to_vec())
    }

    /// A value that [`record::intact`] accepts, as merges keep only those.
    fn value(text: &str) -> Vec<u8> {
        record::seal(text.as_bytes().to_vec())
    }

    #[test]
    fn entries_go_through_the_journal_into_the_cdb() {
        let dir = folder("grow");
        let names: Vec<String> = (0..600).map(|n| format!("{n}.M1P1.host")).collect();
        let writer = Cache::new(&dir);
        for n in &names {
            writer.put(&key(n), &value(&n.repeat(80)));
        }
        assert!(got(&writer, &key(&names[0])).is_none(), "not appended yet");
        // 600 entries of ~1.4 KB pass MIN_MERGE: the end of the command merges them,
        // keeping only the messages still in the folder.
        writer.finish(names[1..].iter().map(|n| n.as_bytes()));
        assert!(dir.join(CACHE).exists());
        assert!(!dir.join(JOURNAL).exists());
        let reader = Cache::new(&dir);
        assert_eq!(
            got(&reader, &key(&names[5])),
            Some(value(&names[5].repeat(80)))
        );
        assert_eq!(got(&reader, &key(&names[0])), None);
        // A small addition stays in the journal, and other sessions see it at their next
        // command.
        writer.put(&key("new"), &value("fresh"));
        writer.finish(std::iter::empty());
        assert!(dir.join(JOURNAL).exists());
        assert_eq!(got(&reader, &key("new")), None, "the same command");
        reader.finish(std::iter::empty());
        assert_eq!(got(&reader, &key("new")), Some(value("fresh")));
        assert_eq!(
            got(&reader, &key(&names[7])),
            Some(value(&names[7].repeat(80)))
        );
        // Both files deleted mid-session: misses, nothing else.
        reader.finish(std::iter::empty());
        std::fs::remove_file(dir.join(CACHE)).unwrap();
        std::fs::remove_file(dir.join(JOURNAL)).unwrap();
        assert_eq!(got(&reader, &key(&names[7])), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_journal_larger_than_a_piece_is_read_whole() {
        let dir = folder("pieces");
        let mut j = Vec::new();
        let n = 2 * PIECE / 3000 + 10;
        for i in 0..n {
            journal::frame(&mut j, &key(&i.to_string()), &value(&"v".repeat(3000)));
        }
        // A torn record at the end, as a crash leaves it.
        let mut torn = Vec::new();
        journal::frame(&mut torn, &key("torn"), &value("x"));
        j.extend_from_slice(&torn[..torn.len() - 3]);
        assert!(j.len() > 2 * PIECE);
        std::fs::write(dir.join(JOURNAL), &j).unwrap();
        let c = Cache::new(&dir);
        for i in 0..n {
            assert!(got(&c, &key(&i.to_string())).is_some(), "record {i}");
        }
        assert!(got(&c, &key("torn")).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_merge_reads_a_journal_larger_than_its_window_in_any_order() {
        let dir = folder("merge-pieces");
        let n = 2 * WINDOW / 3000 + 10;
        let names: Vec<String> = (0..n).map(|i| format!("{i}.M1P1.host")).collect();
        let writer = Cache::new(&dir);
        for (i, name) in names.iter().enumerate() {
            writer.put(&key(name), &value(&format!("{i:0>3000}")));
        }
        // A later record of the same key replaces the first.
        writer.put(&key(&names[3]), &value("replaced"));
        // Asked for from the last to the first: each value outside the piece held.
        writer.finish(names.iter().rev().map(|n| n.as_bytes()));
        assert!(!dir.join(JOURNAL).exists(), "merged");
        let reader = Cache::new(&dir);
        for (i, name) in names.iter().enumerate() {
            let want = match i {
                3 => value("replaced"),
                _ => value(&format!("{i:0>3000}")),
            };
            assert_eq!(got(&reader, &key(name)), Some(want), "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damaged_files_are_absent() {
        let dir = folder("damaged");
        let c = Cache::new(&dir);
        for n in 0..400 {
            c.put(&key(&n.to_string()), &value(&"x".repeat(2000)));
        }
        c.finish(
            (0..400)
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(|n| n.as_bytes()),
        );
        let good = std::fs::read(dir.join(CACHE)).unwrap();
        // Truncated: its tables lie past the end.
        std::fs::write(dir.join(CACHE), &good[..good.len() / 2]).unwrap();
        assert!(got(&Cache::new(&dir), &key("3")).is_none());
        // Garbled header.
        let mut bad = good.clone();
        bad[9] = 0xff;
        std::fs::write(dir.join(CACHE), &bad).unwrap();
        assert!(got(&Cache::new(&dir), &key("3")).is_none());
        // Garbage of any kind and length.
        for len in [0, 10, 2048, 5000] {
            std::fs::write(dir.join(CACHE), vec![0x5a; len]).unwrap();
            assert!(got(&Cache::new(&dir), &key("3")).is_none());
        }
        std::fs::write(dir.join(CACHE), &good).unwrap();
        assert_eq!(
            got(&Cache::new(&dir), &key("3")),
            Some(value(&"x".repeat(2000)))
        );
        // A journal of garbage is no journal.
        std::fs::write(dir.join(JOURNAL), vec![0xa5; 100_000]).unwrap();
        assert_eq!(
            got(&Cache::new(&dir), &key("3")),
            Some(value(&"x".repeat(2000)))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
