//! The dotlock that serialises UID assignment, as Dovecot takes it (DESIGN.md 3): create
//! `dovecot-uidlist.lock` with O_EXCL, write the new list into it, fsync it, and rename it
//! over `dovecot-uidlist`, which replaces the list and releases the lock in one step; then
//! fsync the folder, so that the UIDs the client is about to be told survive a power failure.
//!
//! A lock file not touched for two minutes was left by a dead process and is broken. Three
//! rules keep two processes from ever both holding it:
//! - breaking is atomic: the stale file is renamed to a unique name first, and removed only
//!   if it is still the file judged stale (same inode and mtime); a fresh lock caught by
//!   mistake is linked back;
//! - the holder touches its lock while it works ([`Dotlock::refresh`]), so a long but live
//!   hold never looks stale;
//! - before installing the new list, the holder checks that the file at the lock path is
//!   still its own (same device and inode as its open descriptor); a holder that stalled
//!   past the stale age and lost the lock fails with [`MaildirError::LockLost`] instead of
//!   putting its list (or another process's half-written one) in place.

use std::fs::{File, Metadata};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::durable;
use super::MaildirError;

/// A lock not touched for this long is stale (Dovecot's default for the uidlist lock).
const STALE: Duration = Duration::from_secs(120);
/// Waiting gives up after a little over the stale age: by then a dead holder's lock is
/// broken, so a lock still there belongs to a live process that is stuck.
const GIVE_UP: Duration = Duration::from_secs(130);
/// How often a holder touches its lock: well within the stale age.
const REFRESH: Duration = Duration::from_secs(30);
/// The longest pause between two tries of a waiter.
const MAX_PAUSE: Duration = Duration::from_millis(10);

pub struct Dotlock {
    path: PathBuf,
    file: Option<File>,
    touched: Instant,
}

impl Dotlock {
    /// Waits for the lock at `path`; gives up after a little over the stale age.
    pub fn acquire(path: PathBuf) -> Result<Dotlock, MaildirError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Dotlock {
                        path,
                        file: Some(file),
                        touched: Instant::now(),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(MaildirError::io(&path)(e)),
            }
            if break_if_stale(&path) {
                continue;
            }
            if start.elapsed() > GIVE_UP {
                return Err(MaildirError::LockTimeout(path));
            }
            // Short pauses: with growing ones up to 200 ms, a long waiter slept while
            // newcomers took the lock in turn, and with 100 sessions on one INBOX some
            // waited over 30 s (tests/sh/44-stress.t); now every waiter looks as often.
            std::thread::sleep(pause);
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// Touches the lock when it was last touched a while ago; call it as the holder works,
    /// so that a long hold is never taken for a dead one.
    pub fn refresh(&mut self) {
        if self.touched.elapsed() < REFRESH {
            return;
        }
        if let Some(f) = &self.file {
            let _ = f.set_modified(SystemTime::now());
        }
        self.touched = Instant::now();
    }

    /// Fails with [`MaildirError::LockLost`] when the lock is no longer ours: call it before
    /// a change that the lock guards but that is not [`replace`](Self::replace).
    pub fn check(&self) -> Result<(), MaildirError> {
        match &self.file {
            Some(f) if is_ours(f, &self.path) => Ok(()),
            _ => Err(MaildirError::LockLost(self.path.clone())),
        }
    }

    /// Writes `data` into the lock file, syncs it, checks that the lock is still ours,
    /// renames it to `target` and syncs the directory.
    pub fn replace(mut self, target: &Path, data: &[u8]) -> Result<(), MaildirError> {
        let mut file = self.file.take().expect("lock file is open until replaced");
        let result = durable::write_synced(&mut file, data)
            .map_err(MaildirError::io(&self.path))
            .and_then(|_| {
                if is_ours(&file, &self.path) {
                    durable::rename_synced(&self.path, target)
                } else {
                    Err(MaildirError::LockLost(self.path.clone()))
                }
            });
        match &result {
            // Someone else holds the lock now: their file is not ours to remove.
            Err(MaildirError::LockLost(_)) => {
                crate::log!(
                    "{}: lock taken away; list not replaced",
                    self.path.display()
                )
            }
            // A full disk must not leave the lock behind for two minutes.
            Err(_) if is_ours(&file, &self.path) => {
                let _ = std::fs::remove_file(&self.path);
            }
            _ => {}
        }
        result
    }
}

/// Whether the file at `path` is the one open as `file`.
fn is_ours(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn same_file(a: &Metadata, b: &Metadata) -> bool {
    a.dev() == b.dev()
        && a.ino() == b.ino()
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec()
}

/// Breaks the lock at `path` if it is stale; true when it did. The stale file is first
/// renamed away (only one waiter can win that rename) and removed only if it is still the
/// file that was judged stale; otherwise it is a fresh lock that another waiter created
/// after breaking the stale one, and it is put back.
fn break_if_stale(path: &Path) -> bool {
    let Ok(judged) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let stale = judged
        .modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE);
    if !stale {
        return false;
    }
    let grave = grave_for(path);
    if std::fs::rename(path, &grave).is_err() {
        return false;
    }
    match std::fs::symlink_metadata(&grave) {
        Ok(now) if same_file(&judged, &now) => {
            crate::log!("removed stale lock {}", path.display());
            let _ = std::fs::remove_file(&grave);
            true
        }
        _ => {
            if std::fs::hard_link(&grave, path).is_err() {
                // A third process took the lock meanwhile; the holder of the file we
                // moved finds its lock gone before it installs anything.
                crate::log!("{}: lock changed hands while breaking it", path.display());
            }
            let _ = std::fs::remove_file(&grave);
            false
        }
    }
}

/// A unique name for a lock being broken: in the `tmp/` beside it (the same filesystem; a
/// leftover there goes with the 36-hour cleaning), or beside the lock without one.
fn grave_for(path: &Path) -> PathBuf {
    let name = format!("{}.stale-lock", super::deliver::unique_name());
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join("tmp");
    if tmp.is_dir() {
        tmp.join(name)
    } else {
        dir.join(format!(".{name}"))
    }
}

impl Drop for Dotlock {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            if is_ours(f, &self.path) {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("imapd-lock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        dir
    }

    fn age(path: &Path, secs: u64) {
        let t = SystemTime::now() - Duration::from_secs(secs);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    #[test]
    fn exclusive_and_released_on_drop() {
        let dir = scratch("basic");
        let path = dir.join("dovecot-uidlist.lock");
        let lock = Dotlock::acquire(path.clone()).unwrap();
        assert!(path.exists());
        drop(lock);
        assert!(!path.exists());
        let lock = Dotlock::acquire(path.clone()).unwrap();
        lock.replace(&dir.join("target"), b"data").unwrap();
        assert!(!path.exists());
        assert_eq!(std::fs::read(dir.join("target")).unwrap(), b"data");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // A lock left by a dead process (three minutes old) is broken; one that is young, or
    // that was replaced by a fresh lock after it was judged stale, is not.
    #[test]
    fn breaks_only_the_stale_file_it_judged() {
        let dir = scratch("stale");
        let path = dir.join("dovecot-uidlist.lock");
        std::fs::write(&path, b"").unwrap();
        assert!(!break_if_stale(&path), "a young lock is not stale");
        age(&path, 180);
        assert!(break_if_stale(&path));
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        // The race: waiter A judged the old file stale; waiter B broke it and took a
        // fresh lock. A's rename catches B's lock, sees it is not the file it judged, and
        // puts it back: B still holds the lock and can install its list.
        std::fs::write(&path, b"").unwrap();
        age(&path, 180);
        let judged = std::fs::symlink_metadata(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let b = Dotlock::acquire(path.clone()).unwrap();
        let grave = grave_for(&path);
        std::fs::rename(&path, &grave).unwrap();
        let now = std::fs::symlink_metadata(&grave).unwrap();
        assert!(!same_file(&judged, &now), "B's lock is another file");
        std::fs::hard_link(&grave, &path).unwrap();
        std::fs::remove_file(&grave).unwrap();
        b.replace(&dir.join("list"), b"B's list").unwrap();
        assert_eq!(std::fs::read(dir.join("list")).unwrap(), b"B's list");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // A holder that stalled past the stale age and had its lock broken (and taken by
    // another process) must not install its list: LockLost, the target untouched, and the
    // new holder's lock left in place.
    #[test]
    fn a_holder_that_lost_the_lock_installs_nothing() {
        let dir = scratch("lost");
        let path = dir.join("dovecot-uidlist.lock");
        let target = dir.join("dovecot-uidlist");
        std::fs::write(&target, b"old list").unwrap();
        let stalled = Dotlock::acquire(path.clone()).unwrap();
        age(&path, 180);
        let other = Dotlock::acquire(path.clone()).unwrap();
        assert!(matches!(
            stalled.replace(&target, b"half-written"),
            Err(MaildirError::LockLost(_))
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"old list");
        assert!(path.exists(), "the new holder's lock stays");
        other.replace(&target, b"new list").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new list");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // refresh touches the lock once REFRESH has passed since the last touch.
    #[test]
    fn refresh_keeps_a_long_hold_fresh() {
        let dir = scratch("refresh");
        let path = dir.join("dovecot-uidlist.lock");
        let mut lock = Dotlock::acquire(path.clone()).unwrap();
        age(&path, 180);
        lock.touched = Instant::now() - REFRESH;
        lock.refresh();
        assert!(!break_if_stale(&path));
        let m = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert!(SystemTime::now().duration_since(m).unwrap() < STALE);
        drop(lock);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
