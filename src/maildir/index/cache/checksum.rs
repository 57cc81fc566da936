//! The checksum that tells a damaged or torn cache record from a good one: the CRC-32 that
//! `imapd.state` uses too, in the 64-bit field of the record layout. It guards against
//! crashes and bit rot, not against an attacker: the files belong to the user whose mail
//! they describe.

pub fn sum(data: &[u8]) -> u64 {
    u64::from(crc32fast::hash(data))
}
