//! Flags in Maildir file names: `<unique>:2,<letters>`, letters in ASCII order
//! (D draft, F flagged, P passed, R replied, S seen, T trashed; `a`..`z` keywords).

/// The IMAP system flags a file name can carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags(u8);

impl Flags {
    pub const DRAFT: Flags = Flags(1);
    pub const FLAGGED: Flags = Flags(2);
    pub const ANSWERED: Flags = Flags(4);
    pub const SEEN: Flags = Flags(8);
    pub const DELETED: Flags = Flags(16);

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The flags in a Maildir file name (nothing for a name without `:2,`).
    pub fn from_name(name: &[u8]) -> Flags {
        let mut f = Flags::default();
        for &c in info(name) {
            f.0 |= match c {
                b'D' => Flags::DRAFT.0,
                b'F' => Flags::FLAGGED.0,
                b'R' => Flags::ANSWERED.0,
                b'S' => Flags::SEEN.0,
                b'T' => Flags::DELETED.0,
                _ => 0,
            };
        }
        f
    }
}

/// The flag letters of a name: what follows `:2,` up to any `,` that starts other info.
fn info(name: &[u8]) -> &[u8] {
    let Some(colon) = memchr::memrchr(b':', name) else {
        return b"";
    };
    let Some(letters) = name[colon + 1..].strip_prefix(b"2,") else {
        return b"";
    };
    let end = memchr::memchr(b',', letters).unwrap_or(letters.len());
    &letters[..end]
}

/// The unique part of a name, which never changes: everything before the `:`.
pub fn base(name: &[u8]) -> &[u8] {
    match memchr::memchr(b':', name) {
        Some(i) => &name[..i],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_after_colon_two_comma() {
        let f = Flags::from_name(b"1700000000.M1P2.host,S=10,W=11:2,FRS");
        assert!(f.contains(Flags::FLAGGED) && f.contains(Flags::ANSWERED));
        assert!(f.contains(Flags::SEEN) && !f.contains(Flags::DELETED));
        assert_eq!(Flags::from_name(b"1700000000.M1P2.host"), Flags::default());
        // `:1,` is experimental semantics, not flags.
        assert_eq!(Flags::from_name(b"x:1,S"), Flags::default());
        assert_eq!(base(b"123.host,S=5:2,S"), b"123.host,S=5");
    }
}
