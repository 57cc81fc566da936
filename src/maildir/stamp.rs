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
//!
//! A session that has the folder selected may allow for less ([`resolution`]): on a local
//! Linux file system that keeps sub-second times, a directory's mtime is the kernel's own
//! clock at most one tick (10 ms at the slowest, HZ=100) behind, and the stamp is compared
//! with the same clock. Allowing for 2 s there made every command of a session rescan the
//! folder for 2 s after any change, its own SELECT's moves from `new/` included.

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::AtFlags;

/// The coarsest mtime resolution allowed for, with a margin: NFS servers and older
/// filesystems keep whole seconds.
pub const RESOLUTION: Duration = Duration::from_secs(2);

/// The resolution allowed for on a local file system with sub-second times: two ticks of
/// the slowest kernel clock.
pub const FINE: Duration = Duration::from_millis(20);

/// File systems whose times come from this machine's clock, to the nanosecond when their
/// format keeps it (statfs(2) `f_type`): ext2/3/4, XFS, Btrfs, tmpfs, F2FS, overlayfs.
const LOCAL: [u32; 6] = [
    0xEF53,
    0x5846_5342,
    0x9123_683E,
    0x0102_1994,
    0xF2F5_2010,
    0x794C_7630,
];

/// The mtime resolution to allow for in the folder open as `folder`, whose stamp is
/// `stamp`: [`FINE`] on a [`LOCAL`] file system whose directory times have nanoseconds (one
/// that keeps whole seconds has none), else [`RESOLUTION`].
pub fn resolution(folder: BorrowedFd<'_>, stamp: &Stamp) -> Duration {
    let local = rustix::fs::fstatfs(folder).is_ok_and(|s| LOCAL.contains(&(s.f_type as u32)));
    match local && (stamp.new.nanos != 0 || stamp.cur.nanos != 0) {
        true => FINE,
        false => RESOLUTION,
    }
}

/// A modification time, in seconds and nanoseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub secs: i64,
    pub nanos: u32,
}

impl Time {
    fn of(s: &rustix::fs::Stat) -> Time {
        Time {
            secs: s.st_mtime,
            nanos: s.st_mtime_nsec as u32,
        }
    }

    pub fn now() -> Time {
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

/// The identity of `name` in the folder at `dir` relative to `at` (the folder itself
/// open, with `dir` empty; or the working directory).
fn identity_at(at: BorrowedFd<'_>, dir: &Path, name: &str) -> Identity {
    match rustix::fs::statat(at, dir.join(name), AtFlags::empty()) {
        Ok(s) => (s.st_ino, s.st_size as u64, Time::of(&s)),
        Err(_) => (0, 0, Time::default()),
    }
}

/// The identity of the file `name` of the folder at `dir`.
pub fn identity(dir: &Path, name: &str) -> Identity {
    identity_at(rustix::fs::CWD, dir, name)
}

/// The mtimes of `new/` and `cur/` of the folder at `dir` relative to `at` (as in
/// [`identity_at`]); `None` when one is missing.
fn dirs_in(at: BorrowedFd<'_>, dir: &Path) -> Option<(Time, Time)> {
    let time = |sub| rustix::fs::statat(at, dir.join(sub), AtFlags::empty()).ok();
    Some((Time::of(&time("new")?), Time::of(&time("cur")?)))
}

/// The mtimes of `new/` and `cur/` of the folder open as `folder`; `None` when one is
/// missing.
pub fn dirs_at(folder: BorrowedFd<'_>) -> Option<(Time, Time)> {
    dirs_in(folder, Path::new(""))
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
        let dirs = dirs_in(rustix::fs::CWD, dir)?;
        Some(Stamp::made(rustix::fs::CWD, dir, taken, dirs))
    }

    /// [`take`](Self::take) for the folder open as `folder`, with the directories' times
    /// `dirs` read (by [`dirs_at`]) after `taken`.
    pub fn complete(folder: BorrowedFd<'_>, taken: Time, dirs: (Time, Time)) -> Stamp {
        Stamp::made(folder, Path::new(""), taken, dirs)
    }

    fn made(at: BorrowedFd<'_>, dir: &Path, taken: Time, (new, cur): (Time, Time)) -> Stamp {
        Stamp {
            new,
            cur,
            uidlist: identity_at(at, dir, super::uidlist::FILE),
            keywords: identity_at(at, dir, super::keywords::FILE),
            taken,
        }
    }

    /// Whether it was taken late enough after the directories' last change that a later
    /// change cannot share their mtime.
    pub fn trustworthy(&self) -> bool {
        self.trustworthy_within(RESOLUTION)
    }

    /// [`trustworthy`](Self::trustworthy) where mtimes have the given `resolution`.
    pub fn trustworthy_within(&self, resolution: Duration) -> bool {
        self.new.max(self.cur).plus(resolution) <= self.taken
    }

    /// Whether nothing can have changed between `earlier` and this stamp.
    pub fn unchanged_since(&self, earlier: &Stamp) -> bool {
        earlier.dirs_unchanged(self.taken, (self.new, self.cur), RESOLUTION)
            && (earlier.uidlist, earlier.keywords) == (self.uidlist, self.keywords)
    }

    /// Whether `new/` and `cur/`, whose times were `dirs` when read after `taken`, cannot
    /// have changed since this stamp, on a file system whose mtimes have `resolution`.
    pub fn dirs_unchanged(&self, taken: Time, dirs: (Time, Time), resolution: Duration) -> bool {
        self.trustworthy_within(resolution) && self.taken <= taken && (self.new, self.cur) == dirs
    }

    /// Whether a reading made under this stamp still describes the folder at `dir`.
    pub fn is_current(&self, dir: &Path) -> bool {
        Stamp::take(dir).is_some_and(|now| now.unchanged_since(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

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

    #[test]
    fn a_fine_resolution_only_where_times_have_nanoseconds() {
        let dir = std::env::temp_dir().join(format!("imapd-stamp-fine-{}", std::process::id()));
        for sub in ["new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let folder = std::fs::File::open(&dir).unwrap();
        let set = |t: SystemTime| {
            for sub in ["new", "cur"] {
                std::fs::File::open(dir.join(sub))
                    .unwrap()
                    .set_modified(t)
                    .unwrap();
            }
        };
        let local = rustix::fs::fstatfs(&folder).is_ok_and(|s| LOCAL.contains(&(s.f_type as u32)));
        let whole = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set(whole);
        let s = Stamp::take(&dir).unwrap();
        assert_eq!(resolution(folder.as_fd(), &s), RESOLUTION, "whole seconds");
        set(SystemTime::now() - Duration::from_millis(500));
        let s = Stamp::take(&dir).unwrap();
        let fine = resolution(folder.as_fd(), &s);
        assert_eq!(fine, if local { FINE } else { RESOLUTION });
        assert!(!s.trustworthy(), "within 2 s");
        assert!(s.trustworthy_within(FINE), "500 ms after");
        let (new, cur) = dirs_at(folder.as_fd()).unwrap();
        assert_eq!((new, cur), (s.new, s.cur));
        let again = Stamp::complete(folder.as_fd(), s.taken, (new, cur));
        assert_eq!(again, s, "the same stamp through the descriptor");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
