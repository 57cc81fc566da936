//! Reading message files, the one way every command does it.
//!
//! A message is opened by the name the session knows. Another session (or Dovecot, or a
//! mail client on the server) may have renamed it a moment ago to change its flags: the
//! unique part before `:2,` stays, so on ENOENT the file is looked up by that part in
//! `new/` and `cur/` and opened under its new name. Only when it is in neither is it gone
//! (expunged elsewhere), which callers answer as RFC 2180 says. Once open, everything is
//! read from the descriptor, so later renames and unlinks change nothing.
//!
//! Messages are stored with LF line ends and served with CRLF (an LF that already follows
//! a CR is left alone, [`crate::message::crlf`]); every size is counted as served. A file is read only as far as
//! asked: the header alone for header fetches and sort keys, the prefix up to the end of
//! a partial fetch's window when the size is not in the name (`,W=`).
//!
//! Errors are [`MaildirError`]s, never plain `io::Error`s: a file that cannot be read is a
//! `NO` for the command, and must never be taken for a failed connection.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rustix::buffer::spare_capacity;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use super::flags::base;
use super::index::cache::record::Sizes;
use super::mailbox::Message;
use super::MaildirError;
use crate::message::crlf;

const CHUNK: usize = 65536;

/// The first piece of a header read.
const HEADER_PIECE: usize = 4096;

/// A file up to this size is read whole, once, for whatever a command asks of it (its
/// served size, then its content); a larger one is read in chunks, each time.
const HELD: u64 = 1 << 20;

/// How many names a message is tried under before giving up: its known one, then those
/// that lookups find. Each try past the first means another rename in the moment between
/// a lookup and the open; more than a few in a row is someone renaming it in a loop.
const TRIES: usize = 4;

/// The served size recorded in a Maildir name (`,W=<n>`), when there is one.
pub fn size_from_name(name: &[u8]) -> Option<u64> {
    name_number(name, b",W")
}

/// The size on disk recorded in a Maildir name (`,S=<n>`), when there is one.
pub fn disk_size_from_name(name: &[u8]) -> Option<u64> {
    name_number(name, b",S")
}

/// When the message was saved in its folder, in seconds since the epoch: the time that
/// starts a Maildir name (`<time>.M...`). Every save makes a new name, whoever makes it (a
/// delivery, APPEND, COPY and MOVE here, Dovecot's), and a flag change keeps it, so it is
/// RFC 8514's save date; the file's ctime is not (rename and link change it). `None` for a
/// name that does not start with a time.
pub fn saved_from_name(name: &[u8]) -> Option<i64> {
    let unique = base(name);
    let end = unique.iter().position(|b| !b.is_ascii_digit())?;
    if end == 0 || end > 18 || unique[end] != b'.' {
        return None;
    }
    Some(
        unique[..end]
            .iter()
            .fold(0, |n, &d| n * 10 + i64::from(d - b'0')),
    )
}

/// The number after `tag` and `=` in the unique part of `name` (`,W=`, `,S=`).
fn name_number(name: &[u8], tag: &[u8; 2]) -> Option<u64> {
    // FETCH asks this of every message: a plain scan, not a searcher built for each name.
    let unique = base(name);
    let at = memchr::memrchr_iter(b'=', unique).find(|&i| unique[..i].ends_with(tag))?;
    let digits = &unique[at + 1..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 || end > 19 {
        return None;
    }
    Some(
        digits[..end]
            .iter()
            .fold(0, |n, &d| n * 10 + u64::from(d - b'0')),
    )
}

/// The `(offset, length)` of a partial fetch of something `size` bytes long (RFC 3501
/// 6.4.5: an offset past the end gives an empty string), or all of it without one.
pub fn window(partial: Option<(u64, u64)>, size: u64) -> (u64, u64) {
    match partial {
        Some((o, n)) => (o.min(size), n.min(size.saturating_sub(o))),
        None => (0, size),
    }
}

/// The current name of the message whose unique part is that of `name`, and whether it is
/// in `new/`; `None` when it is in neither directory. `new/` is listed first: files move
/// only from `new/` to `cur/`, so one moving meanwhile is still found in `cur/`. A rename
/// inside a directory can hide the file from one listing, so a miss is listed again.
pub fn current_name(dir: &Path, name: &[u8]) -> Option<(Vec<u8>, bool)> {
    let unique = base(name);
    for _ in 0..2 {
        for (sub, in_new) in [("new", true), ("cur", false)] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let n = e.file_name();
                if base(n.as_bytes()) == unique {
                    return Some((n.as_bytes().to_vec(), in_new));
                }
            }
        }
    }
    None
}

/// Runs `op` on the path of message `m` in the folder at `dir`; when that finds no file,
/// follows the message to its current name (recording it in `m`) and runs `op` again.
/// `Ok(None)`: the message is gone.
pub fn follow<T>(
    dir: &Path,
    m: &mut Message,
    mut op: impl FnMut(&Path, &Message) -> io::Result<T>,
) -> Result<Option<T>, MaildirError> {
    let mut unchanged = false;
    for _ in 0..TRIES {
        let path = m.path(dir);
        let missing = match op(&path, m) {
            Ok(v) => return Ok(Some(v)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => e,
            Err(e) => return Err(MaildirError::io(&path)(e)),
        };
        match current_name(dir, &m.name) {
            // Still under the same name twice running: what `op` did not find is something
            // else (the target of a link or rename). Once is not enough: another session
            // may have set a flag and cleared it again between `op` and the lookup.
            Some((name, in_new)) if name == m.name && in_new == m.in_new => {
                if unchanged {
                    return Err(MaildirError::io(&path)(missing));
                }
                unchanged = true;
            }
            Some((name, in_new)) => {
                m.name = name;
                m.in_new = in_new;
                unchanged = false;
            }
            None => return Ok(None),
        }
    }
    Err(MaildirError::Renaming(m.path(dir)))
}

/// Opens message `m` of the folder at `dir` (see [`follow`]); `Ok(None)`: it is gone.
pub fn open(dir: &Path, m: &mut Message) -> Result<Option<MessageFile>, MaildirError> {
    let opened = follow(dir, m, |path, _| File::open(path))?;
    Ok(opened.map(|file| MessageFile::new(file, dir, m)))
}

/// [`open`], with `folder` the folder at `dir` open: the file is opened relative to it,
/// a path of two components instead of the whole of `dir` walked again for each message.
/// Only a message not under its known name takes [`follow`]'s way.
pub fn open_at(
    folder: BorrowedFd<'_>,
    dir: &Path,
    m: &mut Message,
) -> Result<Option<MessageFile>, MaildirError> {
    let mut relative = Vec::with_capacity(4 + m.name.len());
    relative.extend_from_slice(if m.in_new { b"new/" } else { b"cur/" });
    relative.extend_from_slice(&m.name);
    let flags = OFlags::RDONLY | OFlags::CLOEXEC;
    match rustix::fs::openat(folder, relative.as_slice(), flags, Mode::empty()) {
        Ok(fd) => Ok(Some(MessageFile::new(File::from(fd), dir, m))),
        Err(Errno::NOENT) => open(dir, m),
        Err(e) => Err(MaildirError::io(&m.path(dir))(e.into())),
    }
}

/// The served size of message `m` (RFC822.SIZE): from its name when it has `,W=`, else
/// counted from the file. `Ok(None)`: the message is gone.
pub fn size(dir: &Path, m: &mut Message) -> Result<Option<u64>, MaildirError> {
    if let Some(n) = size_from_name(&m.name) {
        return Ok(Some(n));
    }
    match open(dir, m)? {
        Some(mut f) => f.size().map(Some),
        None => Ok(None),
    }
}

/// An open message file.
pub struct MessageFile {
    file: File,
    /// For error messages.
    path: PathBuf,
    /// The served size as the name gives it (`,W=`).
    named: Option<u64>,
    /// The stored size as the name gives it (`,S=`): how much to read, not what is there.
    stored_hint: Option<u64>,
    /// The served size as counted from the content, once it has been.
    counted: Option<u64>,
    /// What `fstat(2)` said, once asked.
    meta: Option<std::fs::Metadata>,
    /// The whole content, once read, when it is at most [`HELD`] bytes.
    held: Option<Vec<u8>>,
}

impl MessageFile {
    fn new(file: File, dir: &Path, m: &Message) -> MessageFile {
        MessageFile {
            file,
            path: m.path(dir),
            named: size_from_name(&m.name),
            stored_hint: name_number(&m.name, b",S"),
            counted: None,
            meta: None,
            held: None,
        }
    }

    fn error(&self) -> impl FnOnce(io::Error) -> MaildirError + '_ {
        MaildirError::io(&self.path)
    }

    fn meta(&mut self) -> Result<&std::fs::Metadata, MaildirError> {
        if self.meta.is_none() {
            self.meta = Some(self.file.metadata().map_err(self.error())?);
        }
        Ok(self.meta.as_ref().expect("just set"))
    }

    /// The size as stored.
    pub fn stored_len(&mut self) -> Result<u64, MaildirError> {
        Ok(self.meta()?.len())
    }

    /// How much there is to read: the name's `,S=` when it has one (saving an fstat(2)
    /// when nothing else needs it), else the stored size. Reads go on to the end whatever
    /// this says.
    fn read_len(&mut self) -> Result<u64, MaildirError> {
        match self.stored_hint {
            Some(n) => Ok(n),
            None => self.stored_len(),
        }
    }

    /// INTERNALDATE: the file's mtime, in seconds since the epoch.
    pub fn internal_date(&mut self) -> Result<i64, MaildirError> {
        let path = self.path.clone();
        let modified = self.meta()?.modified().map_err(MaildirError::io(&path))?;
        Ok(match modified.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        })
    }

    /// The size as served (RFC822.SIZE): from the name when it has `,W=`.
    pub fn size(&mut self) -> Result<u64, MaildirError> {
        match self.named {
            Some(n) => Ok(n),
            None => self.counted(),
        }
    }

    /// The size as served, counted from the content: what a literal of the content must
    /// announce, whatever the name says.
    fn counted(&mut self) -> Result<u64, MaildirError> {
        if let Some(n) = self.counted {
            return Ok(n);
        }
        if self.read_len()? <= HELD {
            let msg = match self.held.take() {
                Some(msg) => msg,
                None => self.read_all()?,
            };
            let n = Sizes::of(&msg).served;
            self.held = Some(msg);
            self.counted = Some(n);
            return Ok(n);
        }
        let mut n = 0u64;
        self.served_chunks(&mut |c| {
            n += c.len() as u64;
            true
        })
        .map_err(self.error())?;
        self.counted = Some(n);
        Ok(n)
    }

    /// The whole file as stored.
    pub fn whole(&mut self) -> Result<Vec<u8>, MaildirError> {
        if let Some(v) = &self.held {
            return Ok(v.clone());
        }
        let v = self.read_all()?;
        if v.len() as u64 <= HELD {
            self.held = Some(v.clone());
        }
        Ok(v)
    }

    /// The whole file as stored, read now.
    fn read_all(&mut self) -> Result<Vec<u8>, MaildirError> {
        // Room for all of it and a byte more, read into the spare capacity (nothing zeroed
        // first); pread(2) from the start, where read_to_end would fstat and lseek again.
        // A read of a regular file stops short only at its end: one that stops exactly at
        // the expected length needs no read to find it.
        let len = self.read_len()?;
        let mut v = Vec::with_capacity(len.min(HELD) as usize + 1);
        loop {
            let at = v.len() as u64;
            match rustix::io::pread(&self.file, spare_capacity(&mut v), at) {
                Ok(0) => break,
                Ok(_) if v.len() as u64 == len && v.len() < v.capacity() => break,
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(MaildirError::io(&self.path)(e.into())),
            }
            if v.len() == v.capacity() {
                // Grown since the fstat(2) (it should never be).
                v.reserve(v.len());
            }
        }
        Ok(v)
    }

    /// The header as stored, up to and including the blank line after it; the file is
    /// read only that far, with `pread(2)` from its start, in pieces from [`HEADER_PIECE`]
    /// bytes up, doubling (a header is a few KB, and SORT reads 100,000 of them). The blank
    /// line is looked for in the new bytes only, so a huge header costs one pass.
    pub fn header(&mut self) -> Result<Vec<u8>, MaildirError> {
        let mut v = Vec::new();
        let mut len = 0;
        loop {
            if len == v.len() {
                v.resize((2 * len).clamp(HEADER_PIECE, len + CHUNK), 0);
            }
            let n = read_some_at(&self.file, &mut v[len..], len as u64).map_err(self.error())?;
            let searched = len;
            len += n;
            if n == 0 {
                v.truncate(len);
                return Ok(v);
            }
            if let Some(end) = crate::message::header::end(&v[..len], searched) {
                v.truncate(end);
                return Ok(v);
            }
        }
    }

    /// The [`window`] of the content as served. When its size has not been counted yet,
    /// the file is read only up to the window's end.
    pub fn window(&mut self, partial: Option<(u64, u64)>) -> Result<(u64, u64), MaildirError> {
        let Some((offset, len)) = partial else {
            return Ok((0, self.counted()?));
        };
        let end = offset.saturating_add(len);
        let size = match self.counted {
            Some(n) => n,
            None => {
                let mut seen = 0u64;
                let mut at_end = true;
                self.served_chunks(&mut |c| {
                    seen += c.len() as u64;
                    at_end = seen <= end;
                    at_end
                })
                .map_err(self.error())?;
                if at_end {
                    self.counted = Some(seen);
                }
                seen
            }
        };
        Ok(window(partial, size))
    }

    /// Writes `len` served bytes from served offset `offset` to `out`. The caller has
    /// announced `len` in a literal, so exactly `len` bytes are written even when reading
    /// fails or the file is shorter than it was (it never should be): the rest is spaces,
    /// which keeps the stream in step. The outer error is `out`'s (the connection), the
    /// inner one the file's.
    pub fn copy_served(
        &mut self,
        out: &mut impl Write,
        offset: u64,
        len: u64,
    ) -> io::Result<Result<(), MaildirError>> {
        let mut read = Ok(());
        let written = crlf::write_window(out, |f| read = self.served_chunks(f), offset, len)?;
        const SPACES: [u8; 512] = [b' '; 512];
        let mut written = written;
        while written < len {
            let n = (len - written).min(SPACES.len() as u64);
            out.write_all(&SPACES[..n as usize])?;
            written += n;
        }
        Ok(read.map_err(self.error()))
    }

    /// All of the message and its served size, when both are already known (a message of
    /// up to [`HELD`] bytes, once [`size`](Self::size) or [`window`](Self::window) counted
    /// it): what lets BODY[] be written without another pass over the file.
    pub fn held_whole(&self) -> Option<(&[u8], u64)> {
        Some((self.held.as_deref()?, self.counted?))
    }

    /// Calls `f` with the served bytes of the file, chunk by chunk, until it returns false.
    fn served_chunks(&mut self, f: &mut dyn FnMut(&[u8]) -> bool) -> io::Result<()> {
        if let Some(msg) = &self.held {
            crlf::pieces(msg, 0, f);
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(0))?;
        let mut raw = vec![0u8; CHUNK];
        let mut out = Vec::with_capacity(CHUNK * 2);
        let mut prev = 0u8;
        loop {
            let n = read_some(&mut self.file, &mut raw)?;
            if n == 0 {
                return Ok(());
            }
            out.clear();
            crlf::pieces(&raw[..n], prev, &mut |p| {
                out.extend_from_slice(p);
                true
            });
            prev = raw[n - 1];
            if !f(&out) {
                return Ok(());
            }
        }
    }
}

fn read_some_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn read_some(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn save_time_from_the_name() {
        // The Maildir page: a name starts with the time of the delivery, then a dot.
        assert_eq!(
            saved_from_name(b"1796227278.M570004P42Q1.host,S=10,W=12:2,S"),
            Some(1796227278)
        );
        assert_eq!(
            saved_from_name(b"1600000001.M1P1.fixture"),
            Some(1600000001)
        );
        for odd in [
            &b"oddname:2,"[..],
            b".123.x",
            b"123",
            b"12a.x",
            b"99999999999999999999.x",
        ] {
            assert_eq!(
                saved_from_name(odd),
                None,
                "{}",
                String::from_utf8_lossy(odd)
            );
        }
    }

    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let dir = std::env::temp_dir()
                .join(format!("imapd-message-file-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(dir.join(sub)).unwrap();
            }
            Folder(dir)
        }

        fn put(&self, sub: &str, name: &str, content: &[u8]) -> Message {
            std::fs::write(self.0.join(sub).join(name), content).unwrap();
            Message {
                uid: 1,
                name: name.as_bytes().to_vec(),
                in_new: sub == "new",
                recent: false,
            }
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn served(f: &mut MessageFile, offset: u64, len: u64) -> Vec<u8> {
        let mut v = Vec::new();
        f.copy_served(&mut v, offset, len).unwrap().unwrap();
        v
    }

    #[test]
    fn crlf_sizes_and_windows() {
        let folder = Folder::new("crlf");
        let mut m = folder.put("cur", "1.M1P1.x:2,", b"a\nb\r\nc\n");
        let mut f = open(&folder.0, &mut m).unwrap().unwrap();
        assert_eq!(f.window(Some((1, 3))).unwrap(), (1, 3));
        assert_eq!(f.counted, None, "a window reads only its prefix");
        assert_eq!(f.window(Some((8, 5))).unwrap(), (8, 1));
        assert_eq!(f.size().unwrap(), 9);
        assert_eq!(served(&mut f, 0, 9), b"a\r\nb\r\nc\r\n");
        assert_eq!(served(&mut f, 1, 3), b"\r\nb");
        assert_eq!(served(&mut f, 2, 1), b"\n");
        assert_eq!(served(&mut f, 7, 4), b"\r\n  ", "padded past the end");
        assert_eq!(size_from_name(b"1.M2P3.host,S=100,W=104:2,S"), Some(104));
        assert_eq!(size_from_name(b"1.M2P3.host,S=100:2,S"), None);
        assert_eq!(name_number(b"1.M2P3.host,S=100:2,S", b",S"), Some(100));
        // A wrong ,S= only sizes the first read: the content is read to its end.
        let mut m = folder.put("cur", "2.M1P1.x,S=3:2,", b"longer than three\n");
        let mut f = open(&folder.0, &mut m).unwrap().unwrap();
        assert_eq!(f.whole().unwrap(), b"longer than three\n");
        assert_eq!(f.size().unwrap(), 19);
    }

    #[test]
    fn lf_after_cr_at_a_chunk_edge_stays_single() {
        let folder = Folder::new("edge");
        let mut data = vec![b'x'; CHUNK - 1];
        data.extend_from_slice(b"\r\n\n");
        let mut m = folder.put("cur", "1.M1P1.x:2,", &data);
        let mut f = open(&folder.0, &mut m).unwrap().unwrap();
        assert_eq!(f.size().unwrap(), data.len() as u64 + 1);
    }

    #[test]
    fn follows_a_rename_and_knows_a_removal() {
        let folder = Folder::new("follow");
        let mut m = folder.put("new", "1.M1P1.x", b"Subject: s\n\nbody\n");
        let stale = m.clone();
        std::fs::rename(
            folder.0.join("new/1.M1P1.x"),
            folder.0.join("cur/1.M1P1.x:2,S"),
        )
        .unwrap();
        assert_eq!(size(&folder.0, &mut m).unwrap(), Some(20));
        assert_eq!((&m.name[..], m.in_new), (&b"1.M1P1.x:2,S"[..], false));
        let mut f = open(&folder.0, &mut stale.clone()).unwrap().unwrap();
        assert_eq!(f.header().unwrap(), b"Subject: s\n\n");
        std::fs::remove_file(folder.0.join("cur/1.M1P1.x:2,S")).unwrap();
        // Read from the descriptor: the removal changes nothing for an open file.
        assert_eq!(f.whole().unwrap(), b"Subject: s\n\nbody\n");
        assert!(open(&folder.0, &mut stale.clone()).unwrap().is_none());
    }

    #[test]
    fn opened_relative_to_the_folder_and_followed_from_there() {
        let folder = Folder::new("open-at");
        let fd = std::fs::File::open(&folder.0).unwrap();
        let mut m = folder.put("cur", "1.M1P1.x,S=17:2,", b"Subject: s\n\nbody\n");
        let mut f = open_at(fd.as_fd(), &folder.0, &mut m).unwrap().unwrap();
        assert_eq!(f.whole().unwrap(), b"Subject: s\n\nbody\n");
        // Renamed by another session since: found under its new name.
        let mut stale = m.clone();
        std::fs::rename(
            folder.0.join("cur/1.M1P1.x,S=17:2,"),
            folder.0.join("cur/1.M1P1.x,S=17:2,S"),
        )
        .unwrap();
        let mut f = open_at(fd.as_fd(), &folder.0, &mut stale).unwrap().unwrap();
        assert_eq!(&stale.name[..], b"1.M1P1.x,S=17:2,S");
        assert_eq!(f.size().unwrap(), 20);
        std::fs::remove_file(folder.0.join("cur/1.M1P1.x,S=17:2,S")).unwrap();
        assert!(open_at(fd.as_fd(), &folder.0, &mut m).unwrap().is_none());
    }

    #[test]
    fn a_message_renamed_on_every_look_is_an_error_not_gone() {
        let folder = Folder::new("renaming");
        let mut m = folder.put("cur", "1.M1P1.x:2,", b"x\n");
        let mut tries = 0;
        // Another session renames it between each look and each use.
        let r = follow(&folder.0, &mut m, |path, _| -> io::Result<()> {
            tries += 1;
            let to = format!("1.M1P1.x:2,{}", ["F", "R", "S", "T"][tries % 4]);
            std::fs::rename(path, folder.0.join("cur").join(to))?;
            Err(io::ErrorKind::NotFound.into())
        });
        assert!(matches!(r, Err(MaildirError::Renaming(_))), "{r:?}");
        assert_eq!(tries, TRIES);
    }

    #[test]
    fn a_missing_target_is_not_taken_for_a_renamed_message() {
        let folder = Folder::new("no-target");
        let mut m = folder.put("cur", "1.M1P1.x:2,", b"x\n");
        let mut tries = 0;
        let r = follow(&folder.0, &mut m, |path, _| {
            tries += 1;
            std::fs::hard_link(path, folder.0.join("gone/cur/copy"))
        });
        assert!(matches!(r, Err(MaildirError::Io { .. })), "{r:?}");
        assert_eq!(tries, 2);
    }

    #[test]
    fn a_message_renamed_away_and_back_is_opened() {
        let folder = Folder::new("away-and-back");
        let mut m = folder.put("cur", "1.M1P1.x:2,", b"x\n");
        let mut tries = 0;
        // Another session sets a flag as the first open is tried and clears it again
        // before the lookup: the second look finds the old name, and it opens.
        let r = follow(&folder.0, &mut m, |path, _| {
            tries += 1;
            if tries == 1 {
                return Err(io::ErrorKind::NotFound.into());
            }
            File::open(path)
        });
        assert!(matches!(r, Ok(Some(_))), "{r:?}");
        assert_eq!(tries, 2);
    }

    #[test]
    fn header_ends_at_the_blank_line_in_any_chunk() {
        let folder = Folder::new("header");
        for (content, want) in [
            (&b"\nbody"[..], &b"\n"[..]),
            (b"\r\nbody", b"\r\n"),
            (b"A: 1\r\n\r\nbody", b"A: 1\r\n\r\n"),
            (b"A: 1\nB: 2", b"A: 1\nB: 2"),
        ] {
            let mut m = folder.put("cur", "1.M1P1.x:2,", content);
            let mut f = open(&folder.0, &mut m).unwrap().unwrap();
            assert_eq!(f.header().unwrap(), want);
        }
        // The blank line split across reads, after a long header.
        let mut big = b"X: ".to_vec();
        big.resize(CHUNK - 1, b'y');
        big.extend_from_slice(b"\n\nbody");
        let mut m = folder.put("cur", "1.M1P1.x:2,", &big);
        let mut f = open(&folder.0, &mut m).unwrap().unwrap();
        assert_eq!(f.header().unwrap().len(), CHUNK + 1);
    }
}
