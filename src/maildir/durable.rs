//! Durable replacement of a small file (DESIGN.md 3): write a new file, fsync it, rename it
//! over the target, fsync the directory. Until the directory is synced, a power failure can
//! bring back the old file even though the rename returned, and with it UIDs, keyword
//! letters or a UIDVALIDITY that a client was already told about. Used for
//! `dovecot-uidlist` (where the dotlock file is the new file, see [`lock`](super::lock)),
//! `dovecot-keywords`, `dovecot-uidvalidity` and `subscriptions`.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::MaildirError;

/// Writes `data` into `file` and syncs it to disk.
pub fn write_synced(file: &mut File, data: &[u8]) -> io::Result<()> {
    file.write_all(data)?;
    file.sync_all()
}

/// Renames `from` to `to` and syncs the directory of `to` (both are in one directory).
pub fn rename_synced(from: &Path, to: &Path) -> Result<(), MaildirError> {
    std::fs::rename(from, to).map_err(MaildirError::io(to))?;
    sync_parent(to)
}

/// Syncs the directory that holds `path`, making a rename or link there durable.
pub fn sync_parent(path: &Path) -> Result<(), MaildirError> {
    sync_dir(parent(path))
}

/// The directory holding `path` (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Makes renames, links and removals in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), MaildirError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(MaildirError::io(dir))
}

/// Replaces `target` by a file holding `data`, durably, through a new file under a unique
/// name (two processes never write into one) in the `tmp/` beside the target, where a
/// crash's leftover goes with the 36-hour cleaning; beside the target when there is none.
pub fn replace(target: &Path, data: &[u8]) -> Result<(), MaildirError> {
    install(target, data, true)
}

/// Replaces `target` as [`replace`] does, atomically but not durably: readers see the old
/// file or the new one whole, but after a crash either may be there. Only for files where
/// an older copy costs nothing (`imapd.recent`: a message \Recent once more), and that
/// change too often to pay two fsyncs each time.
pub fn replace_atomically(target: &Path, data: &[u8]) -> Result<(), MaildirError> {
    install(target, data, false)
}

fn install(target: &Path, data: &[u8], durable: bool) -> Result<(), MaildirError> {
    let dir = parent(target);
    let mut tmp_name = std::ffi::OsString::from(super::deliver::unique_name());
    tmp_name.push(".");
    tmp_name.push(target.file_name().unwrap_or_default());
    let tmp = if dir.join("tmp").is_dir() {
        dir.join("tmp").join(tmp_name)
    } else {
        let mut hidden = std::ffi::OsString::from(".");
        hidden.push(tmp_name);
        dir.join(hidden)
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| match durable {
            true => write_synced(&mut f, data),
            false => f.write_all(data),
        })
        .map_err(MaildirError::io(&tmp))
        .and_then(|_| match durable {
            true => rename_synced(&tmp, target),
            false => std::fs::rename(&tmp, target).map_err(MaildirError::io(target)),
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("imapd-durable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("file");
        replace(&target, b"one").unwrap();
        replace(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // In a Maildir, the new file is written in tmp/.
        std::fs::create_dir(dir.join("tmp")).unwrap();
        replace(&target, b"three").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        // A directory that cannot be written: an error, and nothing left behind.
        assert!(replace(&dir.join("missing").join("file"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
