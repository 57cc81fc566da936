//! `imapd.recent`: the first UID of the folder that no read-write session has seen yet, so
//! that `\Recent` goes to one session only (RFC 3501 2.3.2: "if the session is read-write,
//! subsequent sessions will not see \Recent set for this message").
//!
//! A file of its own, 12 bytes, because it changes whenever a read-write session sees new
//! mail, its own APPENDs included: rewriting the whole listing then would cost more than
//! the next SELECT saves. Replaced whole under the index lock and checked by CRC-32, but not
//! synced: after a crash an older copy only makes some messages \Recent once more, which
//! RFC 3501 2.3.2 allows ("if it is not possible to determine ..., that message SHOULD be
//! considered recent"), and two fsyncs for every new message cost the sessions of a busy
//! folder more than that. When it is missing or damaged, the messages still in `new/` are
//! the ones no session has seen.

use std::path::Path;

use crate::maildir::{durable, MaildirError};

pub const FILE: &str = "imapd.recent";

/// The first unseen UID recorded for the folder under `uidvalidity`.
pub fn read(dir: &Path, uidvalidity: u32) -> Option<u32> {
    let data = std::fs::read(dir.join(FILE)).ok()?;
    let (body, crc) = data.split_last_chunk::<4>()?;
    if body.len() != 8 || crc32fast::hash(body) != u32::from_le_bytes(*crc) {
        return None;
    }
    let (v, first) = body.split_at(4);
    (v == uidvalidity.to_le_bytes()).then(|| u32::from_le_bytes(first.try_into().unwrap()))
}

/// Takes every message up to `next_uid` for this session: returns the first UID it is the
/// first to see (`fallback()` when nothing is recorded), and records `next_uid`.
pub fn claim(
    dir: &Path,
    uidvalidity: u32,
    next_uid: u32,
    fallback: impl FnOnce() -> u32,
) -> Result<u32, MaildirError> {
    super::locked(dir, || {
        let recorded = read(dir, uidvalidity);
        if recorded != Some(next_uid) {
            write(dir, uidvalidity, next_uid)?;
        }
        Ok(recorded.unwrap_or_else(fallback))
    })
}

/// Records `first`, the first UID a command just gave out (APPEND, COPY, MOVE), when
/// nothing is recorded: those messages are in `cur/`, where the fallback does not see
/// them, yet no session has seen them. A record already there covers them.
pub fn note_new(dir: &Path, uidvalidity: u32, first: u32) -> Result<(), MaildirError> {
    if read(dir, uidvalidity).is_some() {
        return Ok(());
    }
    super::locked(dir, || match read(dir, uidvalidity) {
        Some(_) => Ok(()),
        None => write(dir, uidvalidity, first),
    })
}

fn write(dir: &Path, uidvalidity: u32, first: u32) -> Result<(), MaildirError> {
    let mut data = uidvalidity.to_le_bytes().to_vec();
    data.extend_from_slice(&first.to_le_bytes());
    data.extend_from_slice(&crc32fast::hash(&data).to_le_bytes());
    durable::replace_atomically(&dir.join(FILE), &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_uid_is_claimed_once_and_damage_falls_back() {
        let dir = std::env::temp_dir().join(format!("imapd-recent-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(read(&dir, 5), None);
        assert_eq!(
            claim(&dir, 5, 10, || 7).unwrap(),
            7,
            "nothing recorded: the fallback"
        );
        assert_eq!(
            read(&dir, 5),
            Some(10),
            "recorded even when nothing was new"
        );
        assert_eq!(claim(&dir, 5, 10, || 1).unwrap(), 10, "already seen");
        assert_eq!(claim(&dir, 5, 12, || 1).unwrap(), 10);
        assert_eq!(read(&dir, 5), Some(12));
        assert_eq!(read(&dir, 6), None, "another UIDVALIDITY");
        let mut data = std::fs::read(dir.join(FILE)).unwrap();
        data[5] ^= 1;
        std::fs::write(dir.join(FILE), &data).unwrap();
        assert_eq!(read(&dir, 5), None);
        note_new(&dir, 5, 11).unwrap();
        assert_eq!(
            read(&dir, 5),
            Some(11),
            "nothing usable recorded: from the first UID given"
        );
        note_new(&dir, 5, 20).unwrap();
        assert_eq!(
            read(&dir, 5),
            Some(11),
            "a record covers what is given out later"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
