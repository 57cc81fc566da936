//! Maildir and Maildir++ on disk, in the conventions Dovecot and Courier use, so that
//! `imapd`, Dovecot, Courier, qmail-local, maildrop and mbsync share one Maildir:
//! file names carry flags ([`flags`]), `dovecot-uidlist` carries UIDs ([`uidlist`], written
//! under a dotlock, [`lock`]), folders are `.Name` directories ([`folder`]).

mod courier;
mod courier_keywords;
mod courier_takeover;
pub mod deliver;
pub mod durable;
pub mod expunges;
pub mod find;
pub mod flags;
pub mod folder;
pub mod index;
pub mod keywords;
mod lock;
pub mod mailbox;
pub mod message_file;
pub mod modseqs;
pub mod mutf7;
pub mod objectid;
pub mod quota;
mod scan;
pub mod special_use;
pub mod stamp;
pub mod subscriptions;
pub mod uidlist;
mod uidvalidity;
pub mod view;

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

pub use mailbox::Mailbox;

/// Errors of the mailbox store, with the path involved.
#[derive(Debug, thiserror::Error)]
pub enum MaildirError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0}: timed out waiting for the lock")]
    LockTimeout(PathBuf),
    /// The lock was broken as stale while we held it (we stalled past its age); nothing
    /// was installed, and the operation can be tried again.
    #[error("{0}: the lock was taken away while held")]
    LockLost(PathBuf),
    /// A message file was renamed again each time it was looked up under its new name.
    #[error("{0}: renamed again each time it was looked up")]
    Renaming(PathBuf),
    /// More messages than UIDs, even after renumbering from 1.
    #[error("{0}: no UID left for the new messages")]
    UidsExhausted(PathBuf),
    /// The UIDVALIDITY recorded is already the largest there is: no new UID epoch can start.
    #[error("{0}: no UIDVALIDITY left above {1}")]
    UidvalidityExhausted(PathBuf, u32),
    /// The names of a folder's messages pass what a view can hold (4 GiB).
    #[error("too many messages in the folder to hold its view")]
    ViewFull,
}

impl MaildirError {
    pub fn io(path: &Path) -> impl FnOnce(io::Error) -> MaildirError + '_ {
        move |source| MaildirError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Creates the Maildir (`tmp/`, `new/`, `cur/`) where any part is missing; private to the
/// user, as qmail and Dovecot create them.
pub fn ensure(root: &Path) -> Result<(), MaildirError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.mode(0o700).recursive(true);
    for sub in ["tmp", "new", "cur"] {
        let dir = root.join(sub);
        // Nearly always there: one stat instead of mkdir's EEXIST and then a stat.
        if !dir.is_dir() {
            builder.create(&dir).map_err(MaildirError::io(&dir))?;
        }
    }
    Ok(())
}
