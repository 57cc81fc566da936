//! Byte strings made into small numbers, for THREAD: each Message-ID and base subject of a
//! folder is stored once, in one buffer, and named by its number from then on, so that the
//! tree of 100,000 messages is built from integers, not from a map of strings.
//!
//! The strings come from mail, so a sender picks them: the hash is keyed with a random
//! number per table (from the standard library's own random keys), which a sender cannot
//! aim collisions at. It is a multiply-and-shift hash, not SipHash: a table of the whole
//! folder hashes every id of every message, and SipHash cost more than the rest of it.

use std::hash::{BuildHasher, RandomState};

/// Numbers `0..len()` for the distinct strings interned so far.
pub struct Interner {
    bytes: Vec<u8>,
    /// Where string `n` ends in `bytes`; it starts where `n - 1` ends.
    ends: Vec<u32>,
    hashes: Vec<u64>,
    /// Open addressing, linear probing: `n + 1` for string `n`, 0 for a free slot. At most
    /// half full.
    slots: Vec<u32>,
    key: u64,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl Default for Interner {
    fn default() -> Interner {
        Interner {
            bytes: Vec::new(),
            ends: Vec::new(),
            hashes: Vec::new(),
            slots: vec![0; 16],
            key: RandomState::new().hash_one(0u64),
        }
    }
}

impl Interner {
    fn hash(&self, s: &[u8]) -> u64 {
        let mut h = self.key ^ (s.len() as u64).wrapping_mul(K);
        let mut words = s.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K);
            h ^= h >> 29;
        }
        let rest = words.remainder();
        let mut a = [0u8; 8];
        a[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K);
        h ^= h >> 32;
        h.wrapping_mul(K) ^ (h >> 29)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// String `n`.
    pub fn get(&self, n: u32) -> &[u8] {
        let n = n as usize;
        let start = match n {
            0 => 0,
            _ => self.ends[n - 1] as usize,
        };
        &self.bytes[start..self.ends[n] as usize]
    }

    /// The number of `s`, given it now if it has none. Strings are far shorter than 4 GiB
    /// all together: the header parser bounds each ([`crate::message::header`]) and a
    /// folder holds at most some millions.
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        let h = self.hash(s);
        let mask = self.slots.len() - 1;
        let mut at = (h as usize) & mask;
        loop {
            match self.slots[at] {
                0 => break,
                n => {
                    let n = n - 1;
                    if self.hashes[n as usize] == h && self.get(n) == s {
                        return n;
                    }
                }
            }
            at = (at + 1) & mask;
        }
        let n = self.ends.len() as u32;
        self.bytes.extend_from_slice(s);
        self.ends.push(self.bytes.len() as u32);
        self.hashes.push(h);
        self.slots[at] = n + 1;
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        n
    }

    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (n, &h) in self.hashes.iter().enumerate() {
            let mut at = (h as usize) & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = n as u32 + 1;
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::Interner;

    #[test]
    fn equal_strings_get_one_number() {
        let mut t = Interner::default();
        let ids: Vec<String> = (0..10_000).map(|i| format!("{i}@example.org")).collect();
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern(id.as_bytes()), n as u32);
        }
        for (n, id) in ids.iter().enumerate().rev() {
            assert_eq!(t.intern(id.as_bytes()), n as u32);
            assert_eq!(t.get(n as u32), id.as_bytes());
        }
        assert_eq!(t.len(), 10_000);
        // Lengths around the word size, and the empty string, are strings of their own.
        let a = t.intern(b"");
        let b = t.intern(b"abcdefgh");
        let c = t.intern(b"abcdefgh\0");
        assert!(a != b && b != c && a != c);
        assert_eq!(t.intern(b""), a);
        assert_eq!(t.get(a), b"");
    }
}
