//! Listing the messages of a Maildir: the names in `new/` and `cur/`.
//!
//! Read with `getdents64` into one buffer and handed out as borrowed names: a session
//! lists a 100,000-message folder after every change it sees, and allocating each name
//! (twice, as `std::fs::read_dir` does) cost more than the system calls.

use std::mem::MaybeUninit;
use std::path::Path;

use rustix::fs::{Mode, OFlags, RawDir};

use super::MaildirError;

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    pub in_new: bool,
}

/// All message files in `new/` and `cur/`; dot files are not messages.
pub fn scan(dir: &Path) -> Result<Vec<Entry>, MaildirError> {
    let mut entries = Vec::new();
    each(dir, |name, in_new| {
        entries.push(Entry {
            name: name.to_vec(),
            in_new,
        });
        true
    })?;
    Ok(entries)
}

/// Calls `f` with the name of every message file in `new/`, then `cur/`, and whether it
/// is in `new/`, until `f` returns false; returns false then.
pub fn each(dir: &Path, mut f: impl FnMut(&[u8], bool) -> bool) -> Result<bool, MaildirError> {
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
    for (sub, in_new) in [("new", true), ("cur", false)] {
        let path = dir.join(sub);
        let fd = rustix::fs::open(
            &path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| MaildirError::io(&path)(e.into()))?;
        let mut entries = RawDir::new(&fd, &mut buf);
        while let Some(e) = entries.next() {
            let e = e.map_err(|e| MaildirError::io(&path)(e.into()))?;
            let name = e.file_name().to_bytes();
            if name.first() != Some(&b'.') && !f(name, in_new) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}
