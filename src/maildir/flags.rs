//! Flags in Maildir file names: `<unique>:2,<letters>`, letters in ASCII order: D draft,
//! F flagged, P passed, R replied, S seen, T trashed, and `a`..`z` for keywords (their names
//! are in `dovecot-keywords`, see [`keywords`](super::keywords)). Letters `imapd` does not
//! know, P among them, and any text after a further comma are kept as they are.

/// The IMAP system flags a file name can carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(u8);

impl Flags {
    pub const DRAFT: Flags = Flags(1);
    pub const FLAGGED: Flags = Flags(2);
    pub const ANSWERED: Flags = Flags(4);
    pub const SEEN: Flags = Flags(8);
    pub const DELETED: Flags = Flags(16);

    /// Each flag with its Maildir letter and IMAP name, in ASCII order of the letters.
    pub const ALL: [(Flags, u8, &'static str); 5] = [
        (Flags::DRAFT, b'D', "\\Draft"),
        (Flags::FLAGGED, b'F', "\\Flagged"),
        (Flags::ANSWERED, b'R', "\\Answered"),
        (Flags::SEEN, b'S', "\\Seen"),
        (Flags::DELETED, b'T', "\\Deleted"),
    ];

    /// The flags as bits, for a compact record; [`from_bits`](Self::from_bits) reads them.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The flags whose bits are in `bits`; other bits are dropped.
    pub fn from_bits(bits: u8) -> Flags {
        Flags(bits & 0x1f)
    }

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    pub fn minus(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }

    /// The system flag named `name` (`\Seen`, any case).
    pub fn named(name: &[u8]) -> Option<Flags> {
        Flags::ALL
            .iter()
            .find(|(_, _, n)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(f, _, _)| f)
    }
}

/// All the flags of one message: system flags and keywords (bit `n` is letter `a` + `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MessageFlags {
    pub system: Flags,
    pub keywords: u32,
}

impl MessageFlags {
    /// The flags in a Maildir file name (none for a name without `:2,`).
    pub fn from_name(name: &[u8]) -> MessageFlags {
        let mut f = MessageFlags::default();
        for &c in letters(name) {
            if let Some(&(flag, _, _)) = Flags::ALL.iter().find(|(_, l, _)| *l == c) {
                f.system = f.system.union(flag);
            } else if c.is_ascii_lowercase() {
                f.keywords |= 1 << (c - b'a');
            }
        }
        f
    }
}

/// The flag letters of a name (what follows `:2,` up to any `,` that starts other info),
/// and that other info.
fn info(name: &[u8]) -> (&[u8], &[u8]) {
    let Some(colon) = memchr::memchr(b':', name) else {
        return (b"", b"");
    };
    let Some(info) = name[colon + 1..].strip_prefix(b"2,") else {
        return (b"", b"");
    };
    info.split_at(memchr::memchr(b',', info).unwrap_or(info.len()))
}

fn letters(name: &[u8]) -> &[u8] {
    info(name).0
}

/// The unique part of a name, which never changes: everything before the `:`.
pub fn base(name: &[u8]) -> &[u8] {
    match memchr::memchr(b':', name) {
        Some(i) => &name[..i],
        None => name,
    }
}

/// The name `name` gets when its flags become `flags`: the same unique part, `:2,` and the
/// letters in ASCII order, keeping letters that are not IMAP flags and any further info.
pub fn rename(name: &[u8], flags: MessageFlags) -> Vec<u8> {
    // The letters as a set of bytes, emitted in order: a STORE renames every message, and
    // sorting a vector of letters for each cost more than the rest of the new name.
    let (old, rest) = info(name);
    let mut set = [0u64; 4];
    let mut add = |c: u8| set[usize::from(c >> 6)] |= 1 << (c & 63);
    for &c in old {
        if !c.is_ascii_lowercase() && !Flags::ALL.iter().any(|(_, l, _)| *l == c) {
            add(c);
        }
    }
    for (flag, letter, _) in Flags::ALL {
        if flags.system.contains(flag) {
            add(letter);
        }
    }
    for n in 0..26 {
        if flags.keywords & (1 << n) != 0 {
            add(b'a' + n as u8);
        }
    }
    let letters: u32 = set.iter().map(|w| w.count_ones()).sum();
    let unique = base(name);
    let mut out = Vec::with_capacity(unique.len() + 3 + letters as usize + rest.len());
    out.extend_from_slice(unique);
    out.extend_from_slice(b":2,");
    for (w, mut bits) in set.into_iter().enumerate() {
        while bits != 0 {
            out.push((w as u8) << 6 | bits.trailing_zeros() as u8);
            bits &= bits - 1;
        }
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_after_colon_two_comma() {
        let f = MessageFlags::from_name(b"1700000000.M1P2.host,S=10,W=11:2,FRSac");
        assert!(f.system.contains(Flags::FLAGGED) && f.system.contains(Flags::ANSWERED));
        assert!(f.system.contains(Flags::SEEN) && !f.system.contains(Flags::DELETED));
        assert_eq!(f.keywords, 0b101);
        assert_eq!(
            MessageFlags::from_name(b"1700000000.M1P2.host"),
            MessageFlags::default()
        );
        // `:1,` is experimental semantics, not flags.
        assert_eq!(MessageFlags::from_name(b"x:1,S"), MessageFlags::default());
        assert_eq!(base(b"123.host,S=5:2,S"), b"123.host,S=5");
    }

    #[test]
    fn rename_keeps_order_unknown_letters_and_extra_info() {
        let seen_flagged = MessageFlags {
            system: Flags::SEEN.union(Flags::FLAGGED),
            keywords: 0b10,
        };
        assert_eq!(rename(b"1.host", seen_flagged), b"1.host:2,FSb");
        // P (passed) has no IMAP flag and stays; the old letters go.
        assert_eq!(rename(b"1.host:2,PRTa", seen_flagged), b"1.host:2,FPSb");
        assert_eq!(
            rename(b"1.host:2,S,x=1", MessageFlags::default()),
            b"1.host:2,,x=1"
        );
        assert_eq!(Flags::named(b"\\SEEN"), Some(Flags::SEEN));
        // Unknown letters, also outside ASCII, stay once each, in byte order.
        assert_eq!(rename(b"1.h:2,ZPPa\xc3", seen_flagged), b"1.h:2,FPSZb\xc3");
    }
}
