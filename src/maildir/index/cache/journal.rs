//! `imapd.journal`: cache entries not yet merged into `imapd.cache`, appended by any
//! number of processes at once. Each record is framed and checksummed:
//!
//! `MAGIC (4) | key length (u16 LE) | value length (u32 LE) | sum (u64 LE) | key | value`
//!
//! where the sum covers both lengths, the key and the value. A batch of records goes out in
//! one `write(2)` on a descriptor opened with `O_APPEND`, so batches of different processes
//! never interleave. A crash mid-write leaves a torn record, possibly followed by later
//! appends: a record whose sum fails is skipped up to the next MAGIC, and one that runs
//! past the end of the file is not read (it is torn, or still being written).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::checksum::sum_of;

const MAGIC: &[u8; 4] = b"\xa5IJ1";
const HEAD: usize = 4 + 2 + 4 + 8;

/// The largest key plus value one record may hold (and so one cache entry): a message
/// whose entry would be larger (a hostile header, say) is simply not cached.
pub const MAX_ENTRY: usize = 256 * 1024;

/// The largest journal: past it nothing more is appended until a merge empties it (a
/// command that fills the cache of 150,000 messages at once stops there; later commands
/// add the rest). Readers hold only the keys and where their values are: about 3 records
/// of 0.5 to 1 KB a message, so some 80 bytes of memory per KB of journal.
pub const MAX_JOURNAL: u64 = 256 * 1024 * 1024;

/// Appends the framed record for `key` and `value` to `batch`; false (and nothing
/// appended) when it is larger than [`MAX_ENTRY`].
pub fn frame(batch: &mut Vec<u8>, key: &[u8], value: &[u8]) -> bool {
    if key.len() + value.len() > MAX_ENTRY {
        return false;
    }
    let start = batch.len();
    batch.extend_from_slice(MAGIC);
    batch.extend_from_slice(&(key.len() as u16).to_le_bytes());
    batch.extend_from_slice(&(value.len() as u32).to_le_bytes());
    batch.extend_from_slice(&[0; 8]);
    batch.extend_from_slice(key);
    batch.extend_from_slice(value);
    let s = summed(&batch[start..]);
    batch[start + 10..start + 18].copy_from_slice(&s.to_le_bytes());
    true
}

/// The sum of a framed record: lengths, key and value (summed in place: a merge checks
/// every record of a journal of up to [`MAX_JOURNAL`] bytes).
fn summed(record: &[u8]) -> u64 {
    sum_of(&[&record[4..10], &record[HEAD..]])
}

/// One good record of a journal: its key, and where its value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: Vec<u8>,
    pub at: u64,
    pub len: u32,
}

/// The good records in `buf` (a journal from offset `base`), and how far it was read: the
/// start of a record that runs past the end, else the end.
pub fn parse(buf: &[u8], base: u64) -> (Vec<Entry>, usize) {
    let mut entries = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        if !buf[pos..].starts_with(MAGIC) {
            match memchr::memmem::find(&buf[pos..], MAGIC) {
                Some(i) => pos += i,
                // A partial MAGIC at the very end may be the start of a record.
                None => return (entries, buf.len().saturating_sub(MAGIC.len() - 1).max(pos)),
            }
            continue;
        }
        if buf.len() - pos < HEAD {
            return (entries, pos);
        }
        let klen = u16::from_le_bytes([buf[pos + 4], buf[pos + 5]]) as usize;
        let vlen =
            u32::from_le_bytes([buf[pos + 6], buf[pos + 7], buf[pos + 8], buf[pos + 9]]) as usize;
        if klen + vlen > MAX_ENTRY {
            pos += 1;
            continue;
        }
        let end = pos + HEAD + klen + vlen;
        if end > buf.len() {
            return (entries, pos);
        }
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&buf[pos + 10..pos + 18]);
        if summed(&buf[pos..end]) != u64::from_le_bytes(stored) {
            pos += 1;
            continue;
        }
        entries.push(Entry {
            key: buf[pos + HEAD..pos + HEAD + klen].to_vec(),
            at: base + (pos + HEAD + klen) as u64,
            len: vlen as u32,
        });
        pos = end;
    }
    (entries, pos)
}

/// Appends `batch` (whole records) to the journal at `path` in one write, unless that
/// would take it past [`MAX_JOURNAL`]. The journal is created when missing.
pub fn append(path: &Path, batch: &[u8]) -> io::Result<()> {
    let mut f: File = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    if f.metadata()?.len() + batch.len() as u64 > MAX_JOURNAL {
        return Ok(());
    }
    // One write(2): a regular file takes it whole or fails (disk full), and a short write
    // is a torn record that readers skip.
    let n = f.write(batch)?;
    if n < batch.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "short journal write",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(buf: &'a [u8], entries: &[Entry]) -> Vec<(&'a [u8], &'a [u8])> {
        entries
            .iter()
            .map(|e| {
                let v = &buf[e.at as usize..e.at as usize + e.len as usize];
                (&buf[e.at as usize - e.key.len()..e.at as usize], v)
            })
            .collect()
    }

    #[test]
    fn records_read_back_and_torn_or_garbled_ones_are_skipped() {
        let mut j = Vec::new();
        assert!(frame(&mut j, b"k1", b"one"));
        let second = j.len();
        assert!(frame(&mut j, b"k2", b"two"));
        let third = j.len();
        assert!(frame(&mut j, b"k3", b""));
        let (e, upto) = parse(&j, 0);
        assert_eq!(upto, j.len());
        assert_eq!(
            values(&j, &e),
            [(&b"k1"[..], &b"one"[..]), (b"k2", b"two"), (b"k3", b"")]
        );
        // A garbled byte in the second record: the others stay.
        let mut bad = j.clone();
        bad[second + HEAD + 3] ^= 0x40;
        let (e, upto) = parse(&bad, 0);
        assert_eq!(upto, bad.len());
        assert_eq!(values(&bad, &e), [(&b"k1"[..], &b"one"[..]), (b"k3", b"")]);
        // Torn after the second record's head: it is not read, nor anything past it yet.
        let torn = &j[..third + 7];
        let (e, upto) = parse(torn, 0);
        assert_eq!(e.len(), 2);
        assert_eq!(upto, third);
        // A torn record followed by later appends: those are found again.
        let mut resumed = j[..second + 9].to_vec();
        let later = resumed.len();
        frame(&mut resumed, b"k4", b"four");
        let (e, _) = parse(&resumed, 0);
        assert_eq!(
            values(&resumed, &e),
            [(&b"k1"[..], &b"one"[..]), (b"k4", b"four")]
        );
        assert_eq!(e[1].at, (later + HEAD + 2) as u64);
        // Garbage alone, and an offset base.
        assert_eq!(parse(b"garbage without records", 0).0, []);
        let (e, _) = parse(&j[second..], second as u64);
        assert_eq!(e[0].at, (second + HEAD + 2) as u64);
    }

    #[test]
    fn entries_are_bounded() {
        let mut j = Vec::new();
        assert!(!frame(&mut j, b"k", &vec![0; MAX_ENTRY]));
        assert!(j.is_empty());
        assert!(frame(&mut j, b"k", &vec![0; MAX_ENTRY - 1]));
        // A head that claims more than MAX_ENTRY is garbage, not a record to wait for.
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&[1, 0, 0xff, 0xff, 0xff, 0x7f]);
        huge.extend_from_slice(&[0; 20]);
        assert_eq!(parse(&huge, 0).1, huge.len() - 3);
    }
}
