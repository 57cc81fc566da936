//! Whether a folder changed since it was last read, told from the modification times of
//! what a rescan reads: `new/`, `cur/`, `dovecot-uidlist` and `dovecot-keywords`.
//!
//! Where mtimes are coarse (NFS, filesystems or kernels with second or jiffy resolution), a
//! change in the same tick as the read leaves the mtime as it was, and comparing stamps
//! would miss it for good, also in IDLE. So, as Dovecot does, a stamp with a time within
//! [`RESOLUTION`] of the moment it was taken (or in the future: another host's clock) is
//! not trusted, and the next look rescans whatever the times say.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// The coarsest mtime resolution allowed for, with a margin: NFS servers and older
/// filesystems keep whole seconds.
const RESOLUTION: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Stamp {
    times: [Option<SystemTime>; 4],
    /// No time is so recent that a change in its tick could have gone unrecorded.
    trusted: bool,
}

impl Stamp {
    /// The stamp of the folder at `dir`; take it before reading the folder.
    pub fn take(dir: &Path) -> Stamp {
        let now = SystemTime::now();
        let m = |p: &str| {
            std::fs::metadata(dir.join(p))
                .and_then(|m| m.modified())
                .ok()
        };
        let times = [
            m("new"),
            m("cur"),
            m(super::uidlist::FILE),
            m(super::keywords::FILE),
        ];
        let trusted = times
            .iter()
            .flatten()
            .all(|&t| now.duration_since(t).is_ok_and(|age| age >= RESOLUTION));
        Stamp { times, trusted }
    }

    /// Whether nothing can have changed between `earlier` and this stamp.
    pub fn unchanged_since(&self, earlier: &Stamp) -> bool {
        earlier.trusted && earlier.times == self.times
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
