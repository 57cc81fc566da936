//! The folder index: what `imapd` keeps per folder beyond Dovecot's files, so that a new
//! session (every connection is a new process) need not re-derive it from every file.
//!
//! Everything lives in files named `imapd.*` in the folder (DESIGN.md 3): immutable data per
//! message (sizes, dates, ENVELOPE, BODYSTRUCTURE, sort and thread keys, cached header
//! fields) keyed by the message's unique name, and the shared mutable state (the last
//! listing, the first UID not yet \Recent, MODSEQs). Any of them may be deleted or damaged
//! at any moment: the directories and `dovecot-uidlist` always win, and what is missing is
//! rebuilt, at the cost of time only.

pub mod cache;
pub mod history;
pub mod modseq;
pub mod recent;
pub mod state;

use std::fs::File;
use std::path::Path;

use super::MaildirError;

/// The lock file that orders changes of `imapd.state` and `imapd.recent`.
pub const LOCK: &str = "imapd.lock";

/// Runs `f` holding `flock(2)` on `imapd.lock` (never on the files themselves, which are
/// replaced by rename). The kernel drops the lock with the process, so a killed session
/// leaves none behind; readers take no lock, since every file is replaced whole.
pub fn locked<T>(
    dir: &Path,
    f: impl FnOnce() -> Result<T, MaildirError>,
) -> Result<T, MaildirError> {
    let path = dir.join(LOCK);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(MaildirError::io(&path))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| MaildirError::io(&path)(e.into()))?;
    f()
}
