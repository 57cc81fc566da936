//! Turning what mail carries into text to search: quoted-printable and base64 bodies
//! (RFC 2045 6.7, 6.8), encoded words in headers (RFC 2047), and charsets to UTF-8
//! (through `encoding_rs`). Broken input decodes as far as it can; nothing here fails.

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Quoted-printable: `=XX` escapes and `=` soft line breaks; a bad escape stays as it is.
pub fn quoted_printable(input: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'=' => {
                let rest = &input[i + 1..];
                if rest.starts_with(b"\r\n") {
                    i += 3;
                } else if rest.starts_with(b"\n") {
                    i += 2;
                } else if let (Some(h), Some(l)) = (
                    rest.first().and_then(|c| (*c as char).to_digit(16)),
                    rest.get(1).and_then(|c| (*c as char).to_digit(16)),
                ) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                } else {
                    out.push(b'=');
                    i += 1;
                }
            }
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Base64, skipping line breaks and anything outside the alphabet.
pub fn base64(input: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = input
        .iter()
        .copied()
        .take_while(|&b| b != b'=')
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    // A dangling sixth of a byte cannot decode; drop it.
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}

/// `bytes` in `charset`, as UTF-8 (unknown charsets are read as UTF-8, bad bytes replaced).
pub fn to_utf8(bytes: &[u8], charset: &[u8]) -> String {
    match encoding_rs::Encoding::for_label(charset) {
        Some(enc) => enc.decode(bytes).0.into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A header value with its RFC 2047 encoded words decoded; white space between two encoded
/// words goes (RFC 2047 6.2).
pub fn header_text(value: &[u8]) -> String {
    let mut out = String::new();
    let mut pending_space = String::new();
    let mut last_was_word = false;
    let mut i = 0;
    while i < value.len() {
        if value[i..].starts_with(b"=?") {
            if let Some((text, len)) = encoded_word(&value[i..]) {
                if !last_was_word {
                    out.push_str(&pending_space);
                }
                pending_space.clear();
                out.push_str(&text);
                last_was_word = true;
                i += len;
                continue;
            }
        }
        let b = value[i];
        if b == b' ' || b == b'\t' {
            pending_space.push(b as char);
            i += 1;
            continue;
        }
        let end = value[i..]
            .iter()
            .position(|&c| c == b' ' || c == b'\t' || c == b'=')
            .map_or(value.len(), |n| i + n.max(1));
        out.push_str(&pending_space);
        pending_space.clear();
        out.push_str(&String::from_utf8_lossy(&value[i..end]));
        last_was_word = false;
        i = end;
    }
    out.push_str(&pending_space);
    out
}

/// One `=?charset?B|Q?text?=` at the start of `s`: its text and length.
fn encoded_word(s: &[u8]) -> Option<(String, usize)> {
    let body = &s[2..];
    let q1 = memchr::memchr(b'?', body)?;
    let charset = &body[..q1];
    let enc = *body.get(q1 + 1)?;
    if body.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let text_start = q1 + 3;
    let end = memchr::memmem::find(&body[text_start..], b"?=")? + text_start;
    let text = &body[text_start..end];
    if text.contains(&b' ') {
        return None;
    }
    // RFC 2231 5: `charset*language`.
    let charset = charset.split(|&b| b == b'*').next().unwrap_or(charset);
    let bytes = match enc.to_ascii_uppercase() {
        b'B' => base64(text),
        b'Q' => quoted_printable(text, true),
        _ => return None,
    };
    Some((to_utf8(&bytes, charset), end + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2047_examples() {
        // RFC 2047 section 8.
        assert_eq!(
            header_text(b"=?ISO-8859-1?Q?Andr=E9?= Pirard"),
            "André Pirard"
        );
        assert_eq!(
            header_text(b"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"),
            "(ab)"
        );
        assert_eq!(header_text(b"=?ISO-8859-1?Q?a?=  b"), "a  b");
        assert_eq!(header_text(b"=?UTF-8?B?SsO2cmc=?="), "Jörg");
        assert_eq!(header_text(b"=?koi8-r?B?8NLJ18XU?="), "Привет");
        assert_eq!(header_text(b"plain =?bogus"), "plain =?bogus");
    }

    #[test]
    fn transfer_encodings() {
        assert_eq!(quoted_printable(b"caf=E9 =\nok=3D", false), b"caf\xe9 ok=");
        assert_eq!(quoted_printable(b"bad =ZZ", false), b"bad =ZZ");
        assert_eq!(base64(b"SGVs\nbG8=\n"), b"Hello");
        assert_eq!(base64(b"SGVsbG8"), b"Hello");
        assert_eq!(to_utf8(b"\x82\xb1\x82\xf1", b"Shift_JIS"), "こん");
        assert_eq!(to_utf8(b"\x80", b"windows-1252"), "€");
    }
}
