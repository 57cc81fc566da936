//! Modified UTF-7 (RFC 3501 5.1.3), the encoding of mailbox names on the wire and on disk:
//! printable ASCII stands for itself except `&`, which starts a run of modified BASE64
//! (`,` for `/`, no padding) of UTF-16, ended by `-`; `&-` is `&` itself.

/// Whether `name` is valid modified UTF-7, and so a name Dovecot, Courier and clients agree on.
pub fn is_valid(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if !(0x20..0x7f).contains(&b) {
            return false;
        }
        i += 1;
        if b != b'&' {
            continue;
        }
        let end = match name[i..].iter().position(|&c| c == b'-') {
            Some(n) => i + n,
            None => return false,
        };
        if end > i && !run_is_valid(&name[i..end]) {
            return false;
        }
        i = end + 1;
    }
    true
}

/// One BASE64 run: whole UTF-16 units, zero padding bits, valid surrogate pairs, and no
/// character that could have been written as itself.
fn run_is_valid(run: &[u8]) -> bool {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut units = Vec::new();
    for &c in run {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return false,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 16 {
            nbits -= 16;
            units.push((bits >> nbits) as u16);
            bits &= (1 << nbits) - 1;
        }
    }
    if nbits >= 6 || bits != 0 || units.is_empty() {
        return false;
    }
    char::decode_utf16(units.iter().copied()).all(|c| c.is_ok_and(|c| !(' '..='~').contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn rfc3501_examples() {
        // RFC 3501 5.1.3: "~peter/mail/日本語/台北" (with / as a plain character here).
        assert!(is_valid(b"~peter/mail/&U,BTFw-/&ZeVnLIqe-"));
        assert!(is_valid(b"Entw&APw-rfe"));
        assert!(is_valid(b"Tom &- Jerry"));
        assert!(!is_valid(b"Tom & Jerry"));
        assert!(!is_valid(b"&Jjo!"));
        assert!(!is_valid(b"&U,BTFw"));
        // "A" encoded needlessly.
        assert!(!is_valid(b"&AEE-"));
        assert!(!is_valid("Entwürfe".as_bytes()));
        // A lone high surrogate.
        assert!(!is_valid(b"&2D0-"));
    }
}
