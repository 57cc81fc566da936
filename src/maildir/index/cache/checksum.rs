//! The checksum that tells a damaged or torn cache record from a good one: the CRC-32 that
//! `imapd.state` uses too, in the 64-bit field of the record layout. It guards against
//! crashes and bit rot, not against an attacker: the files belong to the user whose mail
//! they describe.

pub fn sum(data: &[u8]) -> u64 {
    u64::from(crc32fast::hash(data))
}

/// [`sum`] of the pieces one after the other, without joining them.
pub fn sum_of(pieces: &[&[u8]]) -> u64 {
    let mut h = crc32fast::Hasher::new();
    for p in pieces {
        h.update(p);
    }
    u64::from(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_sum_as_their_concatenation() {
        assert_eq!(sum_of(&[b"ab", b"", b"cde"]), sum(b"abcde"));
        assert_eq!(sum_of(&[]), sum(b""));
    }
}
