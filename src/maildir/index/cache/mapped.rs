//! `imapd.cache` read in place: the cdb (D. J. Bernstein's constant database) mapped with
//! `mmap(2)`, each look-up borrowing its value from the mapping. The `cdb` crate's reader
//! (still the writer) copied the key and the value into two new vectors per look-up,
//! which was most of what SORT of 100,000 messages cost.
//!
//! The file is checked when mapped (every hash table inside it) and every read is bounds
//! checked, so a damaged cdb gives misses, never a read outside the mapping. A file
//! truncated in place by someone else while mapped kills the process with SIGBUS; `imapd`
//! itself only ever renames a new cdb over the old one.

use std::fs::File;
use std::os::fd::AsRawFd;

/// The header: 256 (position, slots) pairs of `u32`s.
const HEADER: usize = 2048;

/// A mapped cdb.
pub struct Mapped {
    ptr: *const u8,
    len: usize,
}

impl Mapped {
    /// Maps `file` if it is a cdb whose tables all lie inside it; `None` otherwise.
    pub fn new(file: &File) -> Option<Mapped> {
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        // A cdb addresses itself with u32 positions.
        if len < HEADER || len > u32::MAX as usize {
            return None;
        }
        // SAFETY: a read-only private mapping of a file we hold open, of its length;
        // nothing is written through it, and it is unmapped only in `drop`.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let m = Mapped {
            ptr: ptr as *const u8,
            len,
        };
        let tables_inside = m.bytes()[..HEADER].chunks_exact(8).all(|slot| {
            let (pos, slots) = pair(slot);
            pos as usize >= HEADER && pos as u64 + slots as u64 * 8 <= len as u64
        });
        tables_inside.then_some(m)
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The first value stored under `key`, and where its record starts in the file.
    pub fn get(&self, key: &[u8]) -> Option<(usize, &[u8])> {
        let b = self.bytes();
        let h = hash(key);
        let (pos, slots) = pair(b.get((h as usize & 0xff) * 8..)?);
        if slots == 0 {
            return None;
        }
        let start = (h >> 8) % slots;
        for i in 0..slots {
            let slot = pos as usize + ((start + i) % slots) as usize * 8;
            let (slot_hash, record) = pair(b.get(slot..)?);
            if record == 0 {
                return None;
            }
            if slot_hash != h {
                continue;
            }
            let record = record as usize;
            let (klen, vlen) = pair(b.get(record..)?);
            let k = record + 8;
            if klen as usize == key.len() && b.get(k..k + key.len())? == key {
                let v = k + key.len();
                return Some((record, b.get(v..v + vlen as usize)?));
            }
        }
        None
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no borrow of it outlives
        // `self`.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// The two little-endian `u32`s at the start of `b` (zeros past its end).
fn pair(b: &[u8]) -> (u32, u32) {
    let mut a = [0u8; 8];
    let n = b.len().min(8);
    a[..n].copy_from_slice(&b[..n]);
    (
        u32::from_le_bytes([a[0], a[1], a[2], a[3]]),
        u32::from_le_bytes([a[4], a[5], a[6], a[7]]),
    )
}

/// The cdb hash: `h = 5381; h = (h * 33) ^ byte`.
fn hash(key: &[u8]) -> u32 {
    key.iter().fold(5381u32, |h, &c| {
        h.wrapping_shl(5).wrapping_add(h) ^ u32::from(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_cdb_crate_wrote() {
        let path = std::env::temp_dir().join(format!("imapd-mapped-{}", std::process::id()));
        let mut w = cdb::CDBMake::new(File::create(&path).unwrap()).unwrap();
        for i in 0..2000 {
            w.add(format!("k{i}").as_bytes(), format!("value {i}").as_bytes())
                .unwrap();
        }
        w.add(b"", b"empty key").unwrap();
        w.finish().unwrap();
        let m = Mapped::new(&File::open(&path).unwrap()).unwrap();
        for i in 0..2000 {
            let v = format!("value {i}");
            let got = m.get(format!("k{i}").as_bytes()).map(|(_, v)| v);
            assert_eq!(got, Some(v.as_bytes()));
        }
        assert_eq!(m.get(b"").map(|(_, v)| v), Some(&b"empty key"[..]));
        assert_eq!(m.get(b"k2000"), None);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn damaged_files_are_not_mapped_or_miss() {
        let path = std::env::temp_dir().join(format!("imapd-mapped-bad-{}", std::process::id()));
        std::fs::write(&path, vec![0xffu8; 4096]).unwrap();
        assert!(Mapped::new(&File::open(&path).unwrap()).is_none());
        std::fs::write(&path, b"short").unwrap();
        assert!(Mapped::new(&File::open(&path).unwrap()).is_none());
        // Tables inside the file, records pointing past its end: misses.
        let mut f = vec![0u8; 4096];
        for slot in f[..HEADER].chunks_exact_mut(8) {
            slot[..4].copy_from_slice(&2048u32.to_le_bytes());
            slot[4..].copy_from_slice(&2u32.to_le_bytes());
        }
        for i in 0..2 {
            let at = 2048 + i * 8;
            f[at..at + 4].copy_from_slice(&hash(b"k").to_le_bytes());
            f[at + 4..at + 8].copy_from_slice(&4000u32.to_le_bytes());
        }
        std::fs::write(&path, &f).unwrap();
        let m = Mapped::new(&File::open(&path).unwrap()).unwrap();
        assert_eq!(m.get(b"k"), None);
        std::fs::remove_file(&path).unwrap();
    }
}
