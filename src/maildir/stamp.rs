//! Whether a folder changed since it was last read, told from what a rescan reads: the
//! modification times of `new/` and `cur/`, and the identity of `dovecot-uidlist` and
//! `dovecot-keywords`.
//!
//! Where mtimes are coarse (NFS, filesystems or kernels with second or jiffy resolution), a
//! change in the same tick as the read leaves the mtime as it was, and comparing stamps
//! would miss it for good, also in IDLE. So, as Dovecot does, a stamp with a time within
//! [`RESOLUTION`] of the moment it was taken (or in the future: another host's clock) is
//! not trusted, and the next look rescans whatever the times say.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The coarsest mtime resolution allowed for, with a margin: NFS servers and older
/// filesystems keep whole seconds.
pub const RESOLUTION: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Stamp {
    /// The mtimes of `new/` and `cur/`.
    dirs: [Option<SystemTime>; 2],
    /// Inode, size and mtime of `dovecot-uidlist` and `dovecot-keywords`. Both are only ever
    /// replaced by rename (a new inode) or appended to (a new size), so an unchanged
    /// identity is an unchanged file, however coarse the clock.
    files: [Option<(u64, u64, SystemTime)>; 2],
    /// No directory time is so recent that a change in its tick could have gone unrecorded.
    trusted: bool,
}

impl Stamp {
    /// The stamp of the folder at `dir`; take it before reading the folder.
    pub fn take(dir: &Path) -> Stamp {
        let now = SystemTime::now();
        let m = |p: &str| std::fs::metadata(dir.join(p)).ok();
        let dirs = [m("new"), m("cur")].map(|d| d.and_then(|d| d.modified().ok()));
        let files = [m(super::uidlist::FILE), m(super::keywords::FILE)]
            .map(|f| f.and_then(|f| Some((f.ino(), f.size(), f.modified().ok()?))));
        let trusted = dirs
            .iter()
            .flatten()
            .all(|&t| now.duration_since(t).is_ok_and(|age| age >= RESOLUTION));
        Stamp {
            dirs,
            files,
            trusted,
        }
    }

    /// Whether nothing can have changed between `earlier` and this stamp.
    pub fn unchanged_since(&self, earlier: &Stamp) -> bool {
        earlier.trusted && earlier.dirs == self.dirs && earlier.files == self.files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_stamp_is_not_trusted() {
        let dir = std::env::temp_dir().join(format!("imapd-stamp-{}", std::process::id()));
        for sub in ["new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let set = |t: SystemTime| {
            for sub in ["new", "cur"] {
                std::fs::File::open(dir.join(sub))
                    .unwrap()
                    .set_modified(t)
                    .unwrap();
            }
        };
        set(SystemTime::now() - Duration::from_secs(60));
        let old = Stamp::take(&dir);
        assert!(Stamp::take(&dir).unchanged_since(&old));
        // Changed within the tick just read: the times are equal, but not to be trusted.
        set(SystemTime::now());
        let fresh = Stamp::take(&dir);
        assert!(!Stamp::take(&dir).unchanged_since(&fresh));
        set(SystemTime::now() + Duration::from_secs(3600));
        let future = Stamp::take(&dir);
        assert!(!Stamp::take(&dir).unchanged_since(&future));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
