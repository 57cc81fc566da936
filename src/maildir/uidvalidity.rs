//! New UIDVALIDITY values: the current time, but always larger than the last one handed
//! out under this Maildir root, which Dovecot records in `dovecot-uidvalidity` (hex). The
//! record is replaced durably before the value is used, so that after a power failure the
//! next value is still larger than any a client has seen.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::MaildirError;

const FILE: &str = "dovecot-uidvalidity";

/// Returns a UIDVALIDITY not used before under `root` (and above `previous`, the value of
/// a list that was lost), and records it.
pub fn next(root: &Path, previous: Option<u32>) -> Result<u32, MaildirError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs() as u32);
    let path = root.join(FILE);
    let last = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
        .unwrap_or(0)
        .max(previous.unwrap_or(0));
    let above = last
        .checked_add(1)
        .ok_or(MaildirError::UidvalidityExhausted(path.clone(), last))?;
    let value = now.max(above);
    super::durable::replace(&path, format!("{value:08x}").as_bytes())?;
    Ok(value)
}
