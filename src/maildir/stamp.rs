//! Whether a folder changed since it was last read, told from what a rescan reads: the
//! modification times of `new/` and `cur/`, and the identity of `dovecot-uidlist` and
//! `dovecot-keywords`. The one rule for the session's own view and for the listing that
//! `imapd.state` keeps for the next sessions.
//!
//! Where mtimes are coarse (NFS, filesystems or kernels with second or jiffy resolution), a
//! change in the same tick as the read leaves the mtime as it was, and comparing stamps
//! would miss it for good, also in IDLE. So, as Dovecot does, a stamp taken within
//! [`RESOLUTION`] of the directories' last change (or before it: another host's clock) is
//! not trusted, and the next look reads the folder whatever the times say. The two files are
//! only ever replaced by rename (a new inode) or appended to (a new size), so an unchanged
//! identity is an unchanged file, however coarse the clock.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The coarsest mtime resolution allowed for, with a margin: NFS servers and older
/// filesystems keep whole seconds.
pub const RESOLUTION: Duration = Duration::from_secs(2);

/// A modification time, in seconds and nanoseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub secs: i64,
    pub nanos: u32,
}

impl Time {
    fn of(m: &std::fs::Metadata) -> Time {
        Time {
            secs: m.mtime(),
            nanos: m.mtime_nsec() as u32,
        }
    }

    fn now() -> Time {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
        }
    }

    fn plus(self, d: Duration) -> Time {
        let nanos = self.nanos as u64 + d.subsec_nanos() as u64;
        Time {
            secs: self.secs + d.as_secs() as i64 + (nanos / 1_000_000_000) as i64,
            nanos: (nanos % 1_000_000_000) as u32,
        }
    }
}

/// A file's inode, size and mtime; all zero when it is missing.
pub type Identity = (u64, u64, Time);

/// The identity of the file `name` of the folder at `dir`.
pub fn identity(dir: &Path, name: &str) -> Identity {
    match std::fs::metadata(dir.join(name)) {
        Ok(m) => (m.ino(), m.size(), Time::of(&m)),
        Err(_) => (0, 0, Time::default()),
    }
}

/// What a reading of the folder was made under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub new: Time,
    pub cur: Time,
    pub uidlist: Identity,
    pub keywords: Identity,
    /// When the stamp was taken, before the folder was read.
    pub taken: Time,
}

impl Stamp {
    /// The stamp of the folder at `dir`; take it before reading the folder. `None` when
    /// `new/` or `cur/` is missing.
    pub fn take(dir: &Path) -> Option<Stamp> {
        let taken = Time::now();
        let new = Time::of(&std::fs::metadata(dir.join("new")).ok()?);
        let cur = Time::of(&std::fs::metadata(dir.join("cur")).ok()?);
        Some(Stamp {
            new,
            cur,
            uidlist: identity(dir, super::uidlist::FILE),
            keywords: identity(dir, super::keywords::FILE),
            taken,
        })
    }

    /// Whether it was taken late enough after the directories' last change that a later
    /// change cannot share their mtime.
    pub fn trustworthy(&self) -> bool {
        self.new.max(self.cur).plus(RESOLUTION) <= self.taken
    }

    /// Whether nothing can have changed between `earlier` and this stamp.
    pub fn unchanged_since(&self, earlier: &Stamp) -> bool {
        earlier.trustworthy()
            && earlier.taken <= self.taken
            && (earlier.new, earlier.cur, earlier.uidlist, earlier.keywords)
                == (self.new, self.cur, self.uidlist, self.keywords)
    }

    /// Whether a reading made under this stamp still describes the folder at `dir`.
    pub fn is_current(&self, dir: &Path) -> bool {
        Stamp::take(dir).is_some_and(|now| now.unchanged_since(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_holds_only_when_old_enough_and_unchanged() {
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
        let old = Stamp::take(&dir).unwrap();
        assert!(old.is_current(&dir));
        std::fs::write(dir.join(super::super::uidlist::FILE), b"3 V1 N1\n").unwrap();
        assert!(!old.is_current(&dir), "the uidlist changed");
        let with_list = Stamp::take(&dir).unwrap();
        assert!(with_list.is_current(&dir));
        std::fs::write(dir.join("new/1.M1P1.h"), b"x").unwrap();
        assert!(!with_list.is_current(&dir), "new/ changed");
        // Changed within the tick just read: the times are equal, but not to be trusted.
        set(SystemTime::now());
        let fresh = Stamp::take(&dir).unwrap();
        assert!(!fresh.is_current(&dir));
        set(SystemTime::now() + Duration::from_secs(3600));
        let future = Stamp::take(&dir).unwrap();
        assert!(!future.is_current(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
