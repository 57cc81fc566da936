//! `imapd.modseq`: the MODSEQs handed out since `imapd.state` was last written (RFC 7162
//! 3.1), so that a STORE need not rewrite the whole state (7 MB at 100,000 messages) to
//! make its MODSEQ durable and seen by the other sessions.
//!
//! The file is a header (the UIDVALIDITY and HIGHESTMODSEQ of the state it extends, and a
//! random id, so that a session reading it as it grows notices when it was started over)
//! and then fixed-size records, each a message's UID, its flags as they were made, and
//! the MODSEQ given, under its own CRC-32. Records are appended under the index lock
//! ([`super::locked`]) and synced before the command's tagged OK; readers take no lock.
//! A torn or damaged record is skipped; the last record of a UID wins.
//!
//! A record says what a message's MODSEQ is only while its file still has those flags:
//! a change made by another program (Dovecot, a rename by hand in `cur/`) is then a
//! change seen at the next look, and gets a MODSEQ of its own. When the state is
//! rewritten, its merge takes the records in and the journal is removed ([`State::update`]).
//!
//! Every MODSEQ handed out is above the highest of the state and of the journal, and at
//! least the clock in microseconds ([`next`]): deleting either file, or both, never makes
//! HIGHESTMODSEQ go back while the clock does not.
//!
//! A record's `kind` byte is 0, a flag change, or 1, an expunge this server made (EXPUNGE,
//! CLOSE, MOVE): the UID and the MODSEQ it was given (RFC 7162 3.2), which the state's
//! history of expunges takes in at the next merge.
//!
//! [`State::update`]: super::state::State::update

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::maildir::flags::{Flags, MessageFlags};
use crate::maildir::{durable, MaildirError};

pub const FILE: &str = "imapd.modseq";
const MAGIC: &[u8; 8] = b"IMAPDMS1";
/// Magic, UIDVALIDITY, the random id, the state's HIGHESTMODSEQ, a CRC-32 of those.
pub const HEADER: usize = 8 + 4 + 8 + 8 + 4;
/// UID, keyword bits, MODSEQ, system flags, kind, two bytes unused, CRC-32 of the rest.
const RECORD: usize = 4 + 4 + 8 + 1 + 1 + 2 + 4;
/// The `kind` of a flag change.
const FLAGS: u8 = 0;
/// The `kind` of an expunge; its flags are unused.
const EXPUNGE: u8 = 1;
/// A journal longer than this (about 43,000 records) is folded into the state by the
/// session that made it so ([`too_long`]): a session reads the journal whole when it first
/// needs MODSEQs, and the fold costs one listing of the folder.
pub const FOLD_AT: u64 = 1 << 20;

/// One message's MODSEQ as a record gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub uid: u32,
    pub flags: MessageFlags,
    pub modseq: u64,
}

/// The journal's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub uidvalidity: u32,
    /// Tells a journal started over from the one a reader saw before.
    pub id: u64,
    /// The HIGHESTMODSEQ of the state this journal extends.
    pub base: u64,
}

/// What a read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    pub header: Option<Header>,
    pub changes: Vec<Change>,
    /// The expunges recorded: UID and MODSEQ.
    pub expunges: Vec<(u32, u64)>,
    /// Where the next read goes on: after the last whole, good record.
    pub end: u64,
}

impl Journal {
    /// The highest MODSEQ the journal knows of, its base included; 0 when it has none.
    pub fn highest(&self) -> u64 {
        let base = self.header.map_or(0, |h| h.base);
        let changes = self.changes.iter().map(|c| c.modseq);
        let expunges = self.expunges.iter().map(|e| e.1);
        changes.chain(expunges).fold(base, u64::max)
    }

    /// The last change of each UID.
    pub fn latest(&self) -> HashMap<u32, Change> {
        self.changes.iter().map(|c| (c.uid, *c)).collect()
    }

    /// Whether the journal extends a state with this UIDVALIDITY and HIGHESTMODSEQ.
    pub fn extends(&self, uidvalidity: u32, highest: u64) -> bool {
        self.header
            .is_some_and(|h| h.uidvalidity == uidvalidity && h.base == highest)
    }
}

/// Reads the journal of the folder at `dir`, all of it, or only what follows `from` (an
/// earlier read's `header` and `end`) when it is still the same journal. An absent or
/// damaged header: no journal.
pub fn read(dir: &Path, from: Option<(Header, u64)>) -> Journal {
    let Ok(file) = File::open(dir.join(FILE)) else {
        return Journal::default();
    };
    let mut head = [0u8; HEADER];
    let Some(header) = file
        .read_exact_at(&mut head, 0)
        .ok()
        .and_then(|()| decode_header(&head))
    else {
        return Journal::default();
    };
    let start = match from {
        Some((h, end)) if h == header => end,
        _ => HEADER as u64,
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let whole = size.saturating_sub(start) / RECORD as u64 * RECORD as u64;
    let mut bytes = vec![0u8; whole as usize];
    if file.read_exact_at(&mut bytes, start).is_err() {
        bytes.clear();
    }
    let mut changes = Vec::with_capacity(bytes.len() / RECORD);
    let mut expunges = Vec::new();
    let mut end = start;
    // A bad record with good ones after it is damage, and skipped; the last one may still
    // be being written, and is read again next time.
    for (n, r) in bytes.chunks_exact(RECORD).enumerate() {
        if let Some((c, kind)) = decode_record(r) {
            match kind {
                EXPUNGE => expunges.push((c.uid, c.modseq)),
                _ => changes.push(c),
            }
            end = start + ((n + 1) * RECORD) as u64;
        }
    }
    Journal {
        header: Some(header),
        changes,
        expunges,
        end,
    }
}

/// Gives the messages `changed` (UID, flags now) one new MODSEQ, above every one handed
/// out before in the folder at `dir`, and makes it durable. Call under the index lock,
/// after the flags themselves are on disk.
pub fn assign(
    dir: &Path,
    uidvalidity: u32,
    changed: &[(u32, MessageFlags)],
) -> Result<u64, MaildirError> {
    append(dir, uidvalidity, changed, FLAGS)
}

/// Gives the messages `uids`, just expunged by this server, one new MODSEQ, above every
/// one handed out before, and makes it durable (RFC 7162 3.2: the expunge's MODSEQ is
/// remembered with each UID). Call under the index lock, after the files are gone.
pub fn expunged(dir: &Path, uidvalidity: u32, uids: &[u32]) -> Result<u64, MaildirError> {
    let none = MessageFlags::default();
    let records: Vec<(u32, MessageFlags)> = uids.iter().map(|&u| (u, none)).collect();
    append(dir, uidvalidity, &records, EXPUNGE)
}

/// Appends records of `kind` for `changed` under one new MODSEQ.
fn append(
    dir: &Path,
    uidvalidity: u32,
    changed: &[(u32, MessageFlags)],
    kind: u8,
) -> Result<u64, MaildirError> {
    let state = super::state::header(dir);
    let journal = tail(dir);
    let floor = journal.highest.max(state.map_or(0, |(_, highest)| highest));
    let modseq = next(floor);
    let path = dir.join(FILE);
    let extends = |v: u32, highest: u64| {
        journal
            .header
            .is_some_and(|h| h.uidvalidity == v && h.base == highest)
    };
    // With no state the journal carries the floor only, until a state is written.
    let current = match state {
        Some((v, highest)) => v == uidvalidity && extends(v, highest),
        None => journal.header.is_some_and(|h| h.uidvalidity == uidvalidity),
    };
    if !current {
        // A new journal for the state there is now (the old one, if any, extended an
        // earlier state and is folded into it or stale); with no state it only carries
        // the floor until the next state is written.
        let header = Header {
            uidvalidity,
            id: random_id(),
            base: state
                .filter(|(v, _)| *v == uidvalidity)
                .map_or(floor, |(_, h)| h),
        };
        durable::replace(&path, &encode_header(&header))?;
    }
    let file = File::options()
        .write(true)
        .open(&path)
        .map_err(MaildirError::io(&path))?;
    // After the whole records: a torn one at the end is written over.
    let at = if current { journal.end } else { HEADER as u64 };
    let mut bytes = Vec::with_capacity(changed.len() * RECORD);
    for &(uid, flags) in changed {
        bytes.extend_from_slice(&encode_record(&Change { uid, flags, modseq }, kind));
    }
    file.write_all_at(&bytes, at)
        .and_then(|()| file.sync_data())
        .map_err(MaildirError::io(&path))?;
    Ok(modseq)
}

/// Whether the journal has grown past [`FOLD_AT`].
pub fn too_long(dir: &Path) -> bool {
    std::fs::metadata(dir.join(FILE)).is_ok_and(|m| m.len() > FOLD_AT)
}

/// The folder's HIGHESTMODSEQ as its files say: the state's and the journal's highest.
pub fn highest(dir: &Path) -> u64 {
    let state = super::state::header(dir).map_or(0, |(_, h)| h);
    state.max(tail(dir).highest)
}

/// What an append needs of the journal: its header, its highest MODSEQ and where its
/// whole records end.
struct Tail {
    header: Option<Header>,
    highest: u64,
    end: u64,
}

/// The journal's [`Tail`], from its header and last good record alone: MODSEQs only grow
/// from record to record, since each is given above the highest before it.
fn tail(dir: &Path) -> Tail {
    let none = Tail {
        header: None,
        highest: 0,
        end: HEADER as u64,
    };
    let Ok(file) = File::open(dir.join(FILE)) else {
        return none;
    };
    let mut head = [0u8; HEADER];
    let Some(header) = file
        .read_exact_at(&mut head, 0)
        .ok()
        .and_then(|()| decode_header(&head))
    else {
        return none;
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let records = size.saturating_sub(HEADER as u64) / RECORD as u64;
    let end = HEADER as u64 + records * RECORD as u64;
    let mut highest = header.base;
    let mut r = [0u8; RECORD];
    for n in (0..records).rev() {
        let at = HEADER as u64 + n * RECORD as u64;
        if let Some(c) = file
            .read_exact_at(&mut r, at)
            .ok()
            .and_then(|()| decode_record(&r))
        {
            highest = highest.max(c.0.modseq);
            break;
        }
    }
    Tail {
        header: Some(header),
        highest,
        end,
    }
}

/// The MODSEQ to hand out after `floor`: above it, and at least the clock in microseconds,
/// so that one lost with a deleted file is not handed out again.
pub fn next(floor: u64) -> u64 {
    let clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    // RFC 7162 3.1: MODSEQs are 63-bit.
    (floor + 1).max(clock).min(i64::MAX as u64)
}

fn random_id() -> u64 {
    let mut b = [0u8; 8];
    let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
    u64::from_le_bytes(b) ^ next(0)
}

fn encode_header(h: &Header) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&h.uidvalidity.to_le_bytes());
    b.extend_from_slice(&h.id.to_le_bytes());
    b.extend_from_slice(&h.base.to_le_bytes());
    let crc = crc32fast::hash(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    b
}

fn decode_header(b: &[u8; HEADER]) -> Option<Header> {
    let (body, crc) = b.split_last_chunk::<4>()?;
    if !body.starts_with(MAGIC) || crc32fast::hash(body) != u32::from_le_bytes(*crc) {
        return None;
    }
    Some(Header {
        uidvalidity: u32::from_le_bytes(body[8..12].try_into().ok()?),
        id: u64::from_le_bytes(body[12..20].try_into().ok()?),
        base: u64::from_le_bytes(body[20..28].try_into().ok()?),
    })
}

fn encode_record(c: &Change, kind: u8) -> [u8; RECORD] {
    let mut b = [0u8; RECORD];
    b[0..4].copy_from_slice(&c.uid.to_le_bytes());
    b[4..8].copy_from_slice(&c.flags.keywords.to_le_bytes());
    b[8..16].copy_from_slice(&c.modseq.to_le_bytes());
    b[16] = c.flags.system.bits();
    b[17] = kind;
    let crc = crc32fast::hash(&b[..RECORD - 4]);
    b[RECORD - 4..].copy_from_slice(&crc.to_le_bytes());
    b
}

/// A record and its kind; one of a kind unknown here is skipped.
fn decode_record(b: &[u8]) -> Option<(Change, u8)> {
    let (body, crc) = b.split_last_chunk::<4>()?;
    let kind = body[17];
    if crc32fast::hash(body) != u32::from_le_bytes(*crc) || !matches!(kind, FLAGS | EXPUNGE) {
        return None;
    }
    let change = Change {
        uid: u32::from_le_bytes(body[0..4].try_into().ok()?),
        flags: MessageFlags {
            system: Flags::from_bits(body[16]),
            keywords: u32::from_le_bytes(body[4..8].try_into().ok()?),
        },
        modseq: u64::from_le_bytes(body[8..16].try_into().ok()?),
    };
    Some((change, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("imapd-modseq-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn flags(name: &str) -> MessageFlags {
        MessageFlags::from_name(format!("x:2,{name}").as_bytes())
    }

    #[test]
    fn records_come_back_and_each_modseq_is_above_the_last() {
        // RFC 7162 3.1: each STORE gets a MODSEQ greater than every one before.
        let dir = folder("round");
        let a = assign(&dir, 7, &[(1, flags("S")), (4, flags("F"))]).unwrap();
        let b = assign(&dir, 7, &[(4, flags("FS"))]).unwrap();
        assert!(b > a);
        let j = read(&dir, None);
        assert_eq!(j.changes.len(), 3);
        assert_eq!(j.highest(), b);
        assert_eq!(
            j.latest()[&4],
            Change {
                uid: 4,
                flags: flags("FS"),
                modseq: b
            }
        );
        assert_eq!(j.latest()[&1].modseq, a);
        // Read on from where a reader stopped: only what came since.
        let c = assign(&dir, 7, &[(1, flags(""))]).unwrap();
        let more = read(&dir, Some((j.header.unwrap(), j.end)));
        assert_eq!(
            more.changes,
            [Change {
                uid: 1,
                flags: flags(""),
                modseq: c
            }]
        );
        // An expunge: a MODSEQ above all before, read apart from the flag changes.
        let e = expunged(&dir, 7, &[4, 9]).unwrap();
        assert!(e > c);
        let j = read(&dir, None);
        assert_eq!(j.expunges, [(4, e), (9, e)]);
        assert_eq!(j.changes.len(), 4);
        assert_eq!((j.highest(), highest(&dir)), (e, e));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_or_damaged_record_is_ignored_and_nothing_goes_back() {
        let dir = folder("torn");
        let a = assign(&dir, 7, &[(1, flags("S"))]).unwrap();
        let b = assign(&dir, 7, &[(2, flags("S"))]).unwrap();
        let path = dir.join(FILE);
        let bytes = std::fs::read(&path).unwrap();
        // A record cut short by a crash: the others stay, the next append writes over it.
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let j = read(&dir, None);
        assert_eq!(j.changes.len(), 1);
        let c = assign(&dir, 7, &[(3, flags("F"))]).unwrap();
        assert!(c > a);
        let uids: Vec<u32> = read(&dir, None).changes.iter().map(|c| c.uid).collect();
        assert_eq!(uids, [1, 3]);
        // A flipped bit in a record: that record alone is skipped.
        let mut bad = std::fs::read(&path).unwrap();
        bad[HEADER + 9] ^= 0x40;
        std::fs::write(&path, &bad).unwrap();
        let uids: Vec<u32> = read(&dir, None).changes.iter().map(|c| c.uid).collect();
        assert_eq!(uids, [3]);
        // A damaged header: no journal at all; the next MODSEQ is still above the clock
        // of every earlier one.
        bad[3] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        assert_eq!(read(&dir, None), Journal::default());
        assert!(assign(&dir, 7, &[(1, flags(""))]).unwrap() > b.max(c));
        // Gone altogether: the same.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(highest(&dir), 0);
        assert!(assign(&dir, 7, &[(1, flags("S"))]).unwrap() > c);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_journal_started_over_is_read_from_its_start() {
        let dir = folder("over");
        assign(&dir, 7, &[(1, flags("S"))]).unwrap();
        let j = read(&dir, None);
        std::fs::remove_file(dir.join(FILE)).unwrap();
        let m = assign(&dir, 7, &[(2, flags("D"))]).unwrap();
        let again = read(&dir, Some((j.header.unwrap(), j.end)));
        assert_ne!(again.header, j.header);
        assert_eq!(
            again.changes,
            [Change {
                uid: 2,
                flags: flags("D"),
                modseq: m
            }]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
