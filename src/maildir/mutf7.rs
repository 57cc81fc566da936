//! Modified UTF-7 (RFC 3501 5.1.3), the encoding of mailbox names on the wire and on disk:
//! printable ASCII stands for itself except `&`, which starts a run of modified BASE64
//! (`,` for `/`, no padding) of UTF-16, ended by `-`; `&-` is `&` itself. Names stay in this
//! form on disk; [`to_utf8`] and [`from_utf8`] translate for clients that speak UTF-8
//! names (RFC 6855 3, RFC 9051 5.1).

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

/// Modified BASE64: the IMAP alphabet, no padding written or accepted.
const MBASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Whether `name` is valid modified UTF-7, and so a name Dovecot, Courier and clients agree on.
pub fn is_valid(name: &[u8]) -> bool {
    to_utf8(name).is_some()
}

/// The UTF-8 spelling of a modified UTF-7 name; `None` when `name` is not valid: a byte
/// outside printable ASCII, an unended or broken BASE64 run, a part of a UTF-16 unit or a
/// lone surrogate, or a character that could have been written as itself.
pub fn to_utf8(name: &[u8]) -> Option<String> {
    if !name.iter().all(|b| (0x20..0x7f).contains(b)) {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        out.push_str(std::str::from_utf8(&rest[..amp]).ok()?);
        let run = &rest[amp + 1..];
        let end = memchr::memchr(b'-', run)?;
        if end == 0 {
            out.push('&');
        } else {
            let bytes = MBASE64.decode(&run[..end]).ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|u| u16::from_be_bytes([u[0], u[1]]));
            for c in char::decode_utf16(units) {
                let c = c.ok()?;
                if (' '..='~').contains(&c) {
                    return None;
                }
                out.push(c);
            }
        }
        rest = &run[end + 1..];
    }
    out.push_str(std::str::from_utf8(rest).ok()?);
    Some(out)
}

/// The modified UTF-7 spelling of a UTF-8 name: what goes on disk and to clients that have
/// not enabled UTF-8.
pub fn from_utf8(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut Vec<u8>| {
        if units.is_empty() {
            return;
        }
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push(b'&');
        out.extend_from_slice(MBASE64.encode(bytes).as_bytes());
        out.push(b'-');
        units.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut units, &mut out);
            out.push(c as u8);
            if c == '&' {
                out.push(b'-');
            }
        } else {
            units.extend_from_slice(c.encode_utf16(&mut [0; 2]));
        }
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::{from_utf8, is_valid, to_utf8};

    #[test]
    fn utf8_both_ways() {
        // RFC 3501 5.1.3's example, and RFC 6855 3's point: one name, two spellings.
        let pairs: [(&str, &[u8]); 6] = [
            (
                "~peter/mail/台北/日本語",
                b"~peter/mail/&U,BTFw-/&ZeVnLIqe-",
            ),
            ("Entwürfe", b"Entw&APw-rfe"),
            ("Tom & Jerry", b"Tom &- Jerry"),
            ("Boîte d'envoi", b"Bo&AO4-te d'envoi"),
            ("🎉 party", b"&2DzfiQ- party"),
            ("plain", b"plain"),
        ];
        for (utf8, mutf7) in pairs {
            assert_eq!(from_utf8(utf8), mutf7, "{utf8}");
            assert_eq!(to_utf8(mutf7).as_deref(), Some(utf8));
            assert!(is_valid(&from_utf8(utf8)));
        }
        assert_eq!(to_utf8(b"Tom & Jerry"), None);
        assert_eq!(to_utf8(b"&AEE-"), None);
        // Control characters are not printable ASCII, so they are encoded, never raw.
        assert_eq!(from_utf8("a\tb"), b"a&AAk-b");
    }

    #[test]
    fn rfc3501_examples() {
        // RFC 3501 5.1.3: "~peter/mail/台北/日本語" (with / as a plain character here).
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
        // "ä" is &AOQ-; &AOX- leaves two padding bits set, half a unit is &AO-.
        assert!(is_valid(b"&AOQ-"));
        assert!(!is_valid(b"&AOX-"));
        assert!(!is_valid(b"&AO-"));
    }
}
