//! Reading `imapd.cache` in place: a cdb (D. J. Bernstein's constant database, as the `cdb`
//! crate writes it) looked up straight in a read-only mapping of the file, so that a
//! look-up copies and allocates nothing (the crate's reader copies the key and the value
//! into new vectors, which cost more than the rest of a cached FETCH response).
//!
//! The format: 256 pairs `(position, slots)` of hash tables, then records `key length |
//! value length | key | value`, then the tables, whose slots are `(hash, position)` pairs;
//! all numbers u32 little-endian. Every number read from the file is checked against its
//! length before it is used, so a damaged file gives misses, never a read outside it.

use std::io;
use std::ops::Range;
use std::path::Path;

use filebuffer::FileBuffer;

/// The 256 table pointers at the start.
const HEADER: usize = 2048;

pub struct Table {
    map: FileBuffer,
}

impl Table {
    /// Maps the cdb at `path`. A file whose table pointers do not all point inside it
    /// (truncated, or garbled at the start) is an error.
    pub fn open(path: &Path) -> io::Result<Table> {
        let map = FileBuffer::open(path)?;
        let whole = map.len() >= HEADER
            && map[..HEADER].chunks_exact(8).all(|p| {
                let at = |i: usize| u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
                let (table, slots) = (at(0) as usize, at(4) as usize);
                table >= HEADER && table + slots * 8 <= map.len()
            });
        if !whole {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not a cdb"));
        }
        Ok(Table { map })
    }

    /// Where in the file the value stored under `key` is (the first one, as cdb's `get`).
    pub fn find(&self, key: &[u8]) -> Option<Range<usize>> {
        let map = &self.map[..];
        let h = hash(key);
        let pointer = (h as usize & 0xff) * 8;
        let (table, slots) = (u32_at(map, pointer)?, u32_at(map, pointer + 4)?);
        if slots == 0 {
            return None;
        }
        let mut slot = (h >> 8) as usize % slots;
        for _ in 0..slots {
            let at = table + slot * 8;
            let (slot_hash, record) = (u32_at(map, at)?, u32_at(map, at + 4)?);
            if record == 0 {
                return None;
            }
            if slot_hash == h as usize {
                let (klen, vlen) = (u32_at(map, record)?, u32_at(map, record + 4)?);
                let start = record + 8;
                if klen == key.len() && map.get(start..start + klen)? == key {
                    let value = start + klen..start + klen + vlen;
                    map.get(value.clone())?;
                    return Some(value);
                }
            }
            slot += 1;
            if slot == slots {
                slot = 0;
            }
        }
        None
    }

    /// The bytes at `range`, which [`Table::find`] returned.
    pub fn bytes(&self, range: Range<usize>) -> &[u8] {
        &self.map[range]
    }
}

/// cdb's hash: `h = h * 33 ^ byte` from 5381.
fn hash(key: &[u8]) -> u32 {
    key.iter()
        .fold(5381u32, |h, &b| (h << 5).wrapping_add(h) ^ u32::from(b))
}

fn u32_at(map: &[u8], at: usize) -> Option<usize> {
    let b = map.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_the_cdb_crate_wrote() {
        let path = std::env::temp_dir().join(format!("imapd-table-{}", std::process::id()));
        let mut make = cdb::CDBMake::new(std::fs::File::create(&path).unwrap()).unwrap();
        for n in 0..5000u32 {
            let key = format!("key{n}");
            make.add(key.as_bytes(), key.repeat(n as usize % 7).as_bytes())
                .unwrap();
        }
        make.finish().unwrap();
        let t = Table::open(&path).unwrap();
        for n in 0..5000u32 {
            let key = format!("key{n}");
            let at = t.find(key.as_bytes()).unwrap();
            assert_eq!(t.bytes(at), key.repeat(n as usize % 7).as_bytes());
        }
        assert_eq!(t.find(b"key5000"), None);
        assert_eq!(t.find(b""), None);
        // Tables past the end: not a cdb.
        let good = std::fs::read(&path).unwrap();
        for cut in [HEADER, HEADER + 10, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(Table::open(&path).is_err(), "cut at {cut}");
        }
        // A garbled record length (the first record's) or table slot (the last one): misses,
        // never a read outside the file nor another key's value.
        for at in [HEADER, good.len() - 8] {
            let mut bad = good.clone();
            bad[at..at + 8].copy_from_slice(&[0xff; 8]);
            std::fs::write(&path, &bad).unwrap();
            let t = Table::open(&path).unwrap();
            let mut found = 0;
            for n in 0..5000u32 {
                let key = format!("key{n}");
                if let Some(at) = t.find(key.as_bytes()) {
                    assert_eq!(t.bytes(at), key.repeat(n as usize % 7).as_bytes());
                    found += 1;
                }
            }
            assert_eq!(found, 4999);
        }
        // Garbage everywhere after the pointers: no panic.
        let mut bad = good.clone();
        for i in (HEADER..bad.len()).step_by(13) {
            bad[i] = 0xff;
        }
        std::fs::write(&path, &bad).unwrap();
        let t = Table::open(&path).unwrap();
        for n in 0..5000u32 {
            let _ = t.find(format!("key{n}").as_bytes());
        }
        std::fs::write(&path, &good[..100]).unwrap();
        assert!(Table::open(&path).is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
