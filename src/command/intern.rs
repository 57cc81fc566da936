//! Byte strings made into small numbers, for THREAD: each Message-ID and base subject of a
//! folder is stored once, in one buffer, and named by its number from then on, so that the
//! tree of 100,000 messages is built from integers, not from a map of strings.
//!
//! The strings come from mail, so a sender picks them: the hash is keyed with a random
//! number per table (from the standard library's own random keys), which a sender cannot
//! aim collisions at. It is a multiply-and-shift hash, not SipHash: a table of the whole
//! folder hashes every id of every message, and SipHash cost more than the rest of it.
//!
//! Message-IDs ([`Ids`]) are stored without their domain, which most ids of a folder
//! share (RFC 5322 3.6.4: `id-left "@" id-right`, the right side often the sender's host):
//! that is a third of each id, stored once instead.

use std::hash::{BuildHasher, RandomState};

/// Numbers `0..len()` for the distinct strings interned so far.
pub struct Interner {
    bytes: Vec<u8>,
    /// Where string `n` ends in `bytes`; it starts where `n - 1` ends.
    ends: Vec<u32>,
    /// The low 32 bits of each string's hash: where it goes in `slots` (never more than
    /// 2^32 of them) and a quick test before its bytes are compared.
    hashes: Vec<u32>,
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
    /// Room for `n` strings, so that the table is not made again and again as they come.
    pub fn reserve(&mut self, n: usize) {
        self.ends.reserve_exact(n);
        self.hashes.reserve_exact(n);
        let want = (n + self.len()).saturating_mul(2).next_power_of_two();
        if want > self.slots.len() {
            self.slots = vec![0; want];
            self.place_all();
        }
    }

    fn hash(&self, s: &[u8]) -> u32 {
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
        (h.wrapping_mul(K) >> 32) as u32
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
        self.intern_hashed(s, self.hash(s))
    }

    /// [`Interner::intern`] of `s`, whose hash is `h`.
    fn intern_hashed(&mut self, s: &[u8], h: u32) -> u32 {
        let at = match self.slot(s, h) {
            Ok(n) => return n,
            Err(at) => at,
        };
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

    /// The number of `s`, if it has one.
    pub fn find(&self, s: &[u8]) -> Option<u32> {
        self.slot(s, self.hash(s)).ok()
    }

    /// The number of `s`, whose hash is `h`, or the free slot where it would go.
    fn slot(&self, s: &[u8], h: u32) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut at = (h as usize) & mask;
        loop {
            match self.slots[at] {
                0 => return Err(at),
                n => {
                    let n = n - 1;
                    if self.hashes[n as usize] == h && self.get(n) == s {
                        return Ok(n);
                    }
                }
            }
            at = (at + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.slots = vec![0u32; self.slots.len() * 2];
        self.place_all();
    }

    /// Puts every string in `slots`, which are all free.
    fn place_all(&mut self) {
        let mask = self.slots.len() - 1;
        for (n, &h) in self.hashes.iter().enumerate() {
            let mut at = (h as usize) & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = n as u32 + 1;
        }
    }
}

/// Message-IDs made into numbers as [`Interner`] does; each is stored as the part before
/// its last `@` and the number of the part after it, each distinct domain once.
#[derive(Default)]
pub struct Ids {
    ids: Interner,
    domains: Interner,
    /// The number of the last domain seen: ids come in runs of one domain, which then
    /// costs one comparison instead of a look-up.
    last: Option<u32>,
    /// The stored form of the id being looked up.
    form: Vec<u8>,
}

impl Ids {
    /// Room for `n` ids.
    pub fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The number of `id`, given it now if it has none.
    pub fn intern(&mut self, id: &[u8]) -> u32 {
        // The local part, the domain's number (0: no `@`) in LEB128, then the length of
        // that number: read from the end, the form gives back the id, so two ids share a
        // form only when they are equal.
        let (local, domain) = match memchr::memrchr(b'@', id) {
            Some(at) => (&id[..at], self.domain(&id[at + 1..]) + 1),
            None => (id, 0),
        };
        self.form.clear();
        self.form.extend_from_slice(local);
        let mut d = domain;
        let mut len = 0u8;
        loop {
            len += 1;
            match d >> 7 {
                0 => {
                    self.form.push(d as u8);
                    break;
                }
                rest => {
                    self.form.push(d as u8 | 0x80);
                    d = rest;
                }
            }
        }
        self.form.push(len);
        self.ids.intern(&self.form)
    }

    fn domain(&mut self, domain: &[u8]) -> u32 {
        match self.last {
            Some(d) if self.domains.get(d) == domain => d,
            _ => {
                let d = self.domains.intern(domain);
                self.last = Some(d);
                d
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Ids, Interner};

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
        assert_eq!(t.find(b"abcdefgh\0"), Some(c));
        assert_eq!(t.find(b"abcdefg"), None);
    }

    #[test]
    fn strings_whose_hashes_collide_stay_apart() {
        // Every string with the same hash: only their bytes tell them apart, through the
        // table's growth too.
        let mut t = Interner::default();
        let ids: Vec<String> = (0..100).map(|i| format!("{i}@x")).collect();
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern_hashed(id.as_bytes(), 7), n as u32);
        }
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern_hashed(id.as_bytes(), 7), n as u32);
            assert_eq!(t.slot(id.as_bytes(), 7), Ok(n as u32));
        }
        assert!(t.slot(b"100@x", 7).is_err());
        assert_eq!(t.len(), 100);
    }

    #[test]
    fn room_made_ahead_keeps_the_numbers() {
        let mut t = Interner::default();
        let a = t.intern(b"a@x");
        t.reserve(100_000);
        let big = t.slots.len();
        assert_eq!(t.find(b"a@x"), Some(a));
        for i in 0..100_000 {
            t.intern(format!("{i}@y").as_bytes());
        }
        // Sized once: 100,001 strings fill at most half of it.
        assert_eq!(t.slots.len(), big);
        assert_eq!(t.intern(b"a@x"), a);
        assert_eq!(t.find(b"99999@y"), Some(100_000));
    }

    #[test]
    fn ids_are_told_apart_by_local_part_and_domain() {
        let mut t = Ids::default();
        let a = t.intern(b"1@x");
        assert_eq!(t.intern(b"1@x"), a);
        let others: &[&[u8]] = &[b"1@y", b"2@x", b"1", b"1@", b"@x", b"1@x@x", b"1@@x", b""];
        let mut seen = vec![a];
        for &o in others {
            let n = t.intern(o);
            assert!(!seen.contains(&n), "{}", String::from_utf8_lossy(o));
            seen.push(n);
            assert_eq!(t.intern(o), n);
        }
        // Domain numbers of one, two and three bytes, and a local part that ends in what
        // looks like a number and its length.
        let mut t = Ids::default();
        let ids: Vec<Vec<u8>> = (0..20_000)
            .map(|i| format!("a\u{1}\u{2}@d{i}").into_bytes())
            .chain((0..300).map(|i| format!("{i}@d{i}").into_bytes()))
            .chain([b"a\x81\x01\x02\x03@d1".to_vec(), b"a@d1".to_vec()])
            .collect();
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern(id), n as u32, "{}", String::from_utf8_lossy(id));
        }
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern(id), n as u32);
        }
    }
}
