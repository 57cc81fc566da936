//! The dotlock that serialises UID assignment, as Dovecot takes it: create
//! `dovecot-uidlist.lock` with O_EXCL, write the new list into it, and rename it over
//! `dovecot-uidlist`, which replaces the list and releases the lock in one step.
//! A lock file older than two minutes was left by a dead process and is removed.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::MaildirError;

const STALE: Duration = Duration::from_secs(120);
const GIVE_UP: Duration = Duration::from_secs(130);

pub struct Dotlock {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Dotlock {
    /// Waits for the lock at `path`; gives up after a little over the stale age.
    pub fn acquire(path: PathBuf) -> Result<Dotlock, MaildirError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
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
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(MaildirError::io(&path)(e)),
            }
            if is_stale(&path) {
                crate::log!("removing stale lock {}", path.display());
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if start.elapsed() > GIVE_UP {
                return Err(MaildirError::LockTimeout(path));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// Writes `data` into the lock file, syncs it, and renames it to `target`.
    pub fn replace(mut self, target: &Path, data: &[u8]) -> Result<(), MaildirError> {
        let mut file = self.file.take().expect("lock file is open until replaced");
        let result = file
            .write_all(data)
            .and_then(|_| file.sync_all())
            .and_then(|_| std::fs::rename(&self.path, target));
        if result.is_err() {
            // A full disk must not leave the lock behind for two minutes.
            let _ = std::fs::remove_file(&self.path);
        }
        result.map_err(MaildirError::io(target))
    }
}

fn is_stale(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| {
            SystemTime::now()
                .duration_since(t)
                .is_ok_and(|age| age > STALE)
        })
        .unwrap_or(false)
}

impl Drop for Dotlock {
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
    fn exclusive_and_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("imapd-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
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
}
