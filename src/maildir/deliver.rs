//! Writing a new message the Maildir way: into `tmp/` under a unique name, synced to disk,
//! then linked into `cur/` of the target folder and removed from `tmp/`. A file in `cur/`
//! is never written in place, and a message that does not arrive whole never leaves `tmp/`.
//!
//! Content arrives with CRLF line ends (IMAP) and is stored with LF (Maildir), so that
//! serving it ([`crate::message::crlf`]: an LF not after a CR goes out as CRLF) gives back
//! what came: a bare CR stays, and so does a CR LF after one (`\r\r\n`). An LF that came
//! alone comes back as CRLF. The name records both sizes: `,S=` on disk, `,W=` as served
//! with CRLF. The converted bytes are gathered and written in large chunks: one `write(2)`
//! per line made a 10 MB message cost 130,000 system calls.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::flags::{rename, MessageFlags};
use super::MaildirError;

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// How many converted bytes are gathered before they are written. A MULTIAPPEND keeps up to
/// 500 messages open, so the buffer is let go at each [`flush`](Write::flush), which the
/// parser calls at the end of each literal.
const CHUNK: usize = 256 << 10;

/// A unique name for a new file: `<secs>.M<usec>P<pid>Q<n>.<host>` (the Maildir page's
/// recommendation; `/` and `:` in the host name become `\057` and `\072`).
pub fn unique_name() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .replace('/', "\\057")
        .replace(':', "\\072");
    format!(
        "{}.M{}P{}Q{}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed) + 1,
        host
    )
}

/// A message being written into `tmp/`; removed again unless [`commit`](Self::commit)ted.
pub struct TmpFile {
    path: PathBuf,
    file: Option<File>,
    /// Converted bytes not yet written.
    buf: Vec<u8>,
    unique: String,
    stored: u64,
    served: u64,
    /// A CR held back: it is dropped if an LF follows.
    pending_cr: bool,
    last: u8,
}

impl TmpFile {
    /// Creates a new file in the `tmp/` of the Maildir `dir`.
    pub fn create(dir: &Path) -> Result<TmpFile, MaildirError> {
        let unique = unique_name();
        let path = dir.join("tmp").join(&unique);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(MaildirError::io(&path))?;
        Ok(TmpFile {
            path,
            file: Some(file),
            buf: Vec::new(),
            unique,
            stored: 0,
            served: 0,
            pending_cr: false,
            last: 0,
        })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.file.is_none() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(CHUNK);
        }
        self.buf.extend_from_slice(bytes);
        self.stored += bytes.len() as u64;
        // Served size: every LF not after a CR gains a CR.
        let bare = memchr::memchr_iter(b'\n', bytes)
            .filter(|&i| if i == 0 { self.last } else { bytes[i - 1] } != b'\r')
            .count();
        self.served += bytes.len() as u64 + bare as u64;
        self.last = bytes[bytes.len() - 1];
        if self.buf.len() >= CHUNK {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes the gathered bytes to the file.
    fn write_out(&mut self) -> io::Result<()> {
        let file = self.file.as_mut().ok_or(io::ErrorKind::BrokenPipe)?;
        let written = file.write_all(&self.buf);
        self.buf.clear();
        written
    }

    /// The bytes the file holds on disk once committed (its `,S=`).
    pub fn stored_len(&self) -> u64 {
        self.stored + u64::from(self.pending_cr)
    }

    /// Syncs the file, links it into `cur/` of `target` with `flags`, sets its mtime (the
    /// INTERNALDATE) and removes it from `tmp/`. Returns the new name; on an error nothing
    /// of it is left in `cur/`.
    pub fn commit(
        mut self,
        target: &Path,
        flags: MessageFlags,
        mtime: Option<i64>,
    ) -> Result<Vec<u8>, MaildirError> {
        if std::mem::take(&mut self.pending_cr) {
            self.put(b"\r").map_err(MaildirError::io(&self.path))?;
        }
        self.write_out().map_err(MaildirError::io(&self.path))?;
        let file = self.file.take().expect("open until committed");
        // The content is on disk before its name appears in cur/.
        file.sync_all().map_err(MaildirError::io(&self.path))?;
        let plain = format!("{},S={},W={}", self.unique, self.stored, self.served);
        let name = rename(plain.as_bytes(), flags);
        let cur = target.join("cur");
        let dest = cur.join(std::ffi::OsStr::from_bytes(&name));
        std::fs::hard_link(&self.path, &dest)
            .or_else(|e| {
                // Filesystems without hard links: rename is still atomic.
                if e.kind() == io::ErrorKind::Unsupported {
                    std::fs::rename(&self.path, &dest)
                } else {
                    Err(e)
                }
            })
            .map_err(MaildirError::io(&dest))?;
        let _ = std::fs::remove_file(&self.path);
        // The date goes on after the link: an old date on the file still in tmp/ would make
        // it a leftover there for the next session's cleaning (older than 36 hours).
        let dated = match mtime {
            Some(secs) => {
                let t = UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
                file.set_modified(t).and_then(|_| file.sync_all())
            }
            None => Ok(()),
        };
        drop(file);
        match dated
            .map_err(MaildirError::io(&dest))
            .and_then(|_| sync_dir(&cur))
        {
            Ok(()) => Ok(name),
            Err(e) => {
                // The client hears NO: the message must not stay behind for a retry to double.
                let _ = std::fs::remove_file(&dest);
                Err(e)
            }
        }
    }
}

/// Puts a copy of the message file `src` into `cur/` of the folder `target`, with `flags`,
/// under a new unique name that keeps the size fields of `name` (the source's name).
/// A hard link where the filesystem allows, else a copy through the target's own `tmp/`
/// (a folder may be another filesystem). `Ok(None)`: the source is gone.
pub fn copy(
    src: &Path,
    name: &[u8],
    target: &Path,
    flags: MessageFlags,
) -> Result<Option<Vec<u8>>, MaildirError> {
    let (plain, new) = copy_name(name, flags);
    let dest = target.join("cur").join(std::ffi::OsStr::from_bytes(&new));
    match std::fs::hard_link(src, &dest) {
        Ok(()) => return Ok(Some(new)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if !matches!(e.raw_os_error(), Some(n) if n == rustix::io::Errno::XDEV.raw_os_error() || n == rustix::io::Errno::PERM.raw_os_error() || n == rustix::io::Errno::MLINK.raw_os_error()) => {
            return Err(MaildirError::io(&dest)(e))
        }
        Err(_) => {}
    }
    let tmp = target.join("tmp").join(std::ffi::OsStr::from_bytes(&plain));
    let copied = std::fs::copy(src, &tmp)
        .and_then(|_| File::open(&tmp)?.sync_all())
        .and_then(|_| std::fs::rename(&tmp, &dest));
    match copied {
        Ok(()) => Ok(Some(new)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            if e.kind() == io::ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(MaildirError::io(&dest)(e))
            }
        }
    }
}

/// A new unique name for a copy of the message named `name`, keeping its size fields:
/// the name without flags, and with `flags`.
pub fn copy_name(name: &[u8], flags: MessageFlags) -> (Vec<u8>, Vec<u8>) {
    let unique = super::flags::base(name);
    let sizes = memchr::memchr(b',', unique).map_or(&b""[..], |i| &unique[i..]);
    let mut plain = unique_name().into_bytes();
    plain.extend_from_slice(sizes);
    let new = rename(&plain, flags);
    (plain, new)
}

/// Whether `e` says that a link or rename cannot cross from one filesystem to another.
pub fn is_cross_device(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::XDEV.raw_os_error())
}

/// How long a file may sit in `tmp/` before it counts as a delivery that died half-way
/// (the Maildir page's rule, which Dovecot follows too).
const TMP_AGE: std::time::Duration = std::time::Duration::from_secs(36 * 3600);

/// Cleans `tmp/` of the Maildir `dir`: removes files that have sat there for over 36 hours,
/// and the remains of a DELETE that was interrupted (a folder renamed into `tmp/` of the
/// root: it is deleted already, so it goes whatever its age).
pub fn clean_tmp(dir: &Path) {
    let tmp = dir.join("tmp");
    let Ok(entries) = std::fs::read_dir(&tmp) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(m) = e.metadata() else {
            continue;
        };
        if m.is_dir()
            && e.file_name()
                .as_bytes()
                .starts_with(super::folder::GRAVE.as_bytes())
        {
            crate::log!(
                "removing the rest of a deleted folder {}",
                e.path().display()
            );
            let _ = std::fs::remove_dir_all(e.path());
            continue;
        }
        let old = m.is_file()
            && m.modified()
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > TMP_AGE);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

pub use super::durable::sync_dir;

impl Write for TmpFile {
    /// Takes message bytes with CRLF line ends and stores them with LF, but for a CR LF
    /// after a CR that stays.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        if self.pending_cr && !rest.is_empty() {
            self.pending_cr = false;
            if rest[0] != b'\n' || self.last == b'\r' {
                self.put(b"\r")?;
            }
        }
        while let Some(i) = memchr::memchr(b'\r', rest) {
            self.put(&rest[..i])?;
            match rest.get(i + 1) {
                // After a CR that stays, CR LF must stay too: stored as LF, it would be
                // served as the CR before it and an LF, one CR short.
                Some(b'\n') if self.last != b'\r' => rest = &rest[i + 1..],
                Some(_) => {
                    self.put(b"\r")?;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.pending_cr = true;
                    return Ok(data.len());
                }
            }
        }
        self.put(rest)?;
        Ok(data.len())
    }

    /// Writes what is gathered and lets the buffer go (a held-back CR stays held back).
    fn flush(&mut self) -> io::Result<()> {
        let written = self.write_out();
        self.buf = Vec::new();
        written
    }
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_lf_and_names_both_sizes() {
        let dir = std::env::temp_dir().join(format!("imapd-deliver-{}", std::process::id()));
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let mut t = TmpFile::create(&dir).unwrap();
        // CR LF split across writes, a bare CR kept, and a CR LF after it.
        t.write_all(b"Subject: x\r").unwrap();
        t.write_all(b"\n\r\nbody\rmore\r\r").unwrap();
        t.write_all(b"\n").unwrap();
        let name = t
            .commit(&dir, MessageFlags::default(), Some(760_686_745))
            .unwrap();
        let name = String::from_utf8(name).unwrap();
        // W= is the size as sent: 26 bytes with CRLF; S= is the 24 stored.
        assert!(name.ends_with(",S=24,W=26:2,"), "{name}");
        let path = dir.join("cur").join(&name);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"Subject: x\n\nbody\rmore\r\r\n"
        );
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(
            mtime.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            760_686_745
        );
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        // Dropped before commit: nothing left anywhere.
        let mut t = TmpFile::create(&dir).unwrap();
        t.write_all(b"partial").unwrap();
        drop(t);
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        assert_eq!(std::fs::read_dir(dir.join("cur")).unwrap().count(), 1);
        // Leftovers in tmp/ go after 36 hours, not before.
        let stale = dir.join("tmp").join("stale");
        let fresh = dir.join("tmp").join("fresh");
        std::fs::write(&stale, b"x").unwrap();
        std::fs::write(&fresh, b"x").unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(37 * 3600);
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // An interrupted DELETE left a folder in tmp/: it goes at once.
        let grave = dir.join("tmp").join("deleted.1.M1P1Q1.host");
        std::fs::create_dir_all(grave.join("cur")).unwrap();
        std::fs::write(grave.join("cur").join("1.host:2,"), b"x").unwrap();
        let other = dir.join("tmp").join("somedir");
        std::fs::create_dir_all(&other).unwrap();
        clean_tmp(&dir);
        assert!(!stale.exists() && fresh.exists());
        assert!(!grave.exists() && other.exists());
        std::fs::remove_dir(&other).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_message_larger_than_the_buffer_arrives_whole() {
        let dir = std::env::temp_dir().join(format!("imapd-deliver-big-{}", std::process::id()));
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Lines of varying length, so CRLFs fall across the chunk boundaries, written in
        // pieces that split some of them, and a bare CR in each hundredth line.
        let mut wire = Vec::new();
        let mut want = Vec::new();
        for i in 0..40_000usize {
            let line = vec![b'a' + (i % 26) as u8; i % 97];
            wire.extend_from_slice(&line);
            want.extend_from_slice(&line);
            if i % 100 == 0 {
                wire.extend_from_slice(b"\rx");
                want.extend_from_slice(b"\rx");
            }
            wire.extend_from_slice(b"\r\n");
            want.push(b'\n');
        }
        let mut t = TmpFile::create(&dir).unwrap();
        for piece in wire.chunks(16_383) {
            t.write_all(piece).unwrap();
        }
        t.flush().unwrap();
        let name = t.commit(&dir, MessageFlags::default(), None).unwrap();
        let name = String::from_utf8(name).unwrap();
        assert!(
            name.ends_with(&format!(",S={},W={}:2,", want.len(), wire.len())),
            "{name}"
        );
        assert!(std::fs::read(dir.join("cur").join(&name)).unwrap() == want);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
