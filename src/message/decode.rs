//! Turning what mail carries into text to search: quoted-printable and base64 bodies
//! (RFC 2045 6.7, 6.8), encoded words in headers (RFC 2047), and charsets to UTF-8
//! (through `encoding_rs`). Broken input decodes as far as it can; nothing here fails.

use std::borrow::Cow;

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// How many bytes a decoder collects before it hands them on: its buffers are bounded, so
/// a part of any size decodes in constant memory when its output is streamed.
const PIECE: usize = 16384;

/// Quoted-printable: `=XX` escapes and `=` soft line breaks; a bad escape stays as it is.
pub fn quoted_printable(input: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut f = |p: &[u8]| {
        out.extend_from_slice(p);
        true
    };
    let mut d = QuotedPrintable::new(underscore_is_space);
    d.feed(input, &mut f);
    d.finish(&mut f);
    out
}

/// A quoted-printable decoder fed in pieces (an escape may be split between two), by RFC
/// 2045 6.7: white space at the end of a line is taken out (rule 3: transports add it), and
/// an `=` that ends a line, white space after it or not, is a soft line break (rule 5),
/// also at the very end of the input, where the line end before a boundary ended it.
/// Line ends are LF or CRLF, and go out as they came.
pub struct QuotedPrintable {
    underscore_is_space: bool,
    /// White space not yet known to be inside a line; at most [`PIECE`] bytes, after which
    /// it counts as text.
    blank: Vec<u8>,
    /// An `=` came before `blank`: a soft line break if only a line end follows.
    equals: bool,
    /// A CR came after `blank`: a line end if an LF follows.
    cr: bool,
    /// `=` and one hex digit.
    hex: Option<u8>,
    out: Vec<u8>,
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl QuotedPrintable {
    pub fn new(underscore_is_space: bool) -> QuotedPrintable {
        QuotedPrintable {
            underscore_is_space,
            blank: Vec::new(),
            equals: false,
            cr: false,
            hex: None,
            out: Vec::with_capacity(PIECE),
        }
    }

    /// Decodes `input`, calling `f` with the output until it returns false (then false).
    pub fn feed(&mut self, input: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        for chunk in input.chunks(PIECE) {
            for &b in chunk {
                self.byte(b);
            }
            if !self.flush(f) {
                return false;
            }
        }
        true
    }

    /// The end of the input: it ends the last line too. An escape left open stays as it
    /// was.
    pub fn finish(mut self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        if let Some(h) = self.hex.take() {
            self.out.extend_from_slice(&[b'=', h]);
        }
        if std::mem::take(&mut self.cr) {
            self.text();
            self.out.push(b'\r');
        }
        self.flush(f)
    }

    fn flush(&mut self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let go = self.out.is_empty() || f(&self.out);
        self.out.clear();
        go
    }

    /// What was held back is text after all: a pending `=` and white space.
    fn text(&mut self) {
        if std::mem::take(&mut self.equals) {
            self.out.push(b'=');
        }
        self.out.append(&mut self.blank);
    }

    /// A line ends (`crlf`: with CR LF): white space before it goes, and so does the line
    /// end itself after an `=`.
    fn line_end(&mut self, crlf: bool) {
        self.blank.clear();
        if !std::mem::take(&mut self.equals) {
            self.out
                .extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
    }

    fn byte(&mut self, b: u8) {
        if let Some(h) = self.hex.take() {
            match (hex(h), hex(b)) {
                (Some(h), Some(l)) => self.out.push(h * 16 + l),
                _ => {
                    self.out.extend_from_slice(&[b'=', h]);
                    self.byte(b);
                }
            }
            return;
        }
        if std::mem::take(&mut self.cr) {
            if b == b'\n' {
                return self.line_end(true);
            }
            self.text();
            self.out.push(b'\r');
        }
        match b {
            b' ' | b'\t' => {
                if self.blank.len() == PIECE {
                    self.text();
                }
                self.blank.push(b);
            }
            b'\r' => self.cr = true,
            b'\n' => self.line_end(false),
            _ if self.equals && self.blank.is_empty() && hex(b).is_some() => {
                self.equals = false;
                self.hex = Some(b);
            }
            b'=' => {
                self.text();
                self.equals = true;
            }
            _ => {
                self.text();
                self.out.push(if b == b'_' && self.underscore_is_space {
                    b' '
                } else {
                    b
                });
            }
        }
    }
}

/// Base64, skipping line breaks and anything outside the alphabet.
pub fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut f = |p: &[u8]| {
        out.extend_from_slice(p);
        true
    };
    let mut d = Base64::default();
    d.feed(input, &mut f);
    d.finish(&mut f);
    out
}

/// A base64 decoder fed in pieces: it keeps at most [`PIECE`] bytes of the alphabet, a
/// whole number of quanta, before it decodes them. Decoding stops at the first `=`.
#[derive(Default)]
pub struct Base64 {
    clean: Vec<u8>,
    ended: bool,
    out: Vec<u8>,
}

impl Base64 {
    /// Decodes `input`, calling `f` with the output until it returns false (then false).
    pub fn feed(&mut self, input: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        for &b in input {
            if self.ended {
                break;
            }
            if b == b'=' {
                self.ended = true;
            } else if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
                self.clean.push(b);
                if self.clean.len() == PIECE && !self.decode(f) {
                    return false;
                }
            }
        }
        true
    }

    /// The end of the input.
    pub fn finish(mut self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        // A dangling sixth of a byte cannot decode; drop it.
        if self.clean.len() % 4 == 1 {
            self.clean.pop();
        }
        self.decode(f)
    }

    fn decode(&mut self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.out.clear();
        // Only the alphabet, never a lone sixth: this cannot fail.
        let _ = LENIENT.decode_vec(&self.clean, &mut self.out);
        self.clean.clear();
        self.out.is_empty() || f(&self.out)
    }
}

/// `bytes` in `charset`, as UTF-8 (unknown charsets are read as UTF-8, bad bytes replaced);
/// borrowed when they already are, so a large text part is not copied to be searched.
pub fn to_utf8<'a>(bytes: &'a [u8], charset: &[u8]) -> Cow<'a, str> {
    match encoding_rs::Encoding::for_label(charset) {
        Some(enc) => enc.decode(bytes).0,
        None => String::from_utf8_lossy(bytes),
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
    Some((to_utf8(&bytes, charset).into_owned(), end + 4))
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
        assert_eq!(quoted_printable(b"a=\r\nb=\rc=4", false), b"ab=\rc=4");
        // RFC 2045 6.7: trailing white space goes (rule 3), `=` and white space before a
        // line end is a soft break (rule 5), also at the end of the input.
        assert_eq!(
            quoted_printable(
                b"over   \r\ndog=20 \t\r\nsoft =  \r\nbreak\nlf \nend=",
                false
            ),
            b"over\r\ndog \r\nsoft break\nlf\nend"
        );
        assert_eq!(quoted_printable(b"a = b\t=\r", false), b"a = b\t=\r");
        assert_eq!(quoted_printable(b"x_y", true), b"x y");
        // Fed in pieces, an escape or a quantum may be split anywhere.
        let qp = b"x=3D=\r\ny=\nz=4";
        let long = "QUFB".repeat(PIECE);
        for input in [&qp[..], long.as_bytes()] {
            let whole = if input == qp {
                quoted_printable(input, false)
            } else {
                base64(input)
            };
            for cut in [1, 2, 3, 5, PIECE - 1, PIECE + 1] {
                let mut out = Vec::new();
                let mut f = |p: &[u8]| {
                    out.extend_from_slice(p);
                    true
                };
                let cut = cut.min(input.len());
                if input == qp {
                    let mut d = QuotedPrintable::new(false);
                    input.chunks(cut).for_each(|c| _ = d.feed(c, &mut f));
                    d.finish(&mut f);
                } else {
                    let mut d = Base64::default();
                    input.chunks(cut).for_each(|c| _ = d.feed(c, &mut f));
                    d.finish(&mut f);
                }
                assert_eq!(out, whole, "cut at {cut}");
            }
        }
        assert_eq!(base64(long.as_bytes()).len(), PIECE * 3);
        assert_eq!(to_utf8(b"\x82\xb1\x82\xf1", b"Shift_JIS"), "こん");
        assert_eq!(to_utf8(b"\x80", b"windows-1252"), "€");
    }
}
