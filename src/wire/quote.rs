//! Strings in responses: atom when it can be, quoted string when it must be, literal when
//! nothing else carries the bytes (CR, LF, NUL, 8-bit, or long text).

use std::io::{self, Write};

fn quotable(s: &[u8]) -> bool {
    s.len() < 1024
        && s.iter()
            .all(|&b| b != 0 && b != b'\r' && b != b'\n' && b < 0x80)
}

/// Writes `s` as a `string`: quoted, or a literal.
pub fn string(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    if quotable(s) {
        w.write_all(b"\"")?;
        let mut start = 0;
        for (i, &b) in s.iter().enumerate() {
            if b == b'"' || b == b'\\' {
                w.write_all(&s[start..i])?;
                w.write_all(&[b'\\', b])?;
                start = i + 1;
            }
        }
        w.write_all(&s[start..])?;
        w.write_all(b"\"")
    } else {
        write!(w, "{{{}}}\r\n", s.len())?;
        w.write_all(s)
    }
}

/// Writes `s` as an `nstring`: `NIL` for `None`.
pub fn nstring(w: &mut impl Write, s: Option<&[u8]>) -> io::Result<()> {
    match s {
        None => w.write_all(b"NIL"),
        Some(s) => string(w, s),
    }
}

/// Writes `s` as an `astring`: a bare atom where that is unambiguous.
pub fn astring(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    let atom = !s.is_empty()
        && !s.eq_ignore_ascii_case(b"NIL")
        && s.iter().all(|&b| {
            b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
        });
    if atom {
        w.write_all(s)
    } else {
        string(w, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn picks_the_simplest_form() {
        assert_eq!(out(|w| astring(w, b"INBOX")), "INBOX");
        assert_eq!(out(|w| astring(w, b"My Folder")), "\"My Folder\"");
        assert_eq!(out(|w| astring(w, b"")), "\"\"");
        assert_eq!(out(|w| astring(w, b"nil")), "\"nil\"");
        assert_eq!(
            out(|w| string(w, b"say \"hi\" \\o/")),
            r#""say \"hi\" \\o/""#
        );
        assert_eq!(out(|w| string(w, b"two\r\nlines")), "{10}\r\ntwo\r\nlines");
        assert_eq!(
            out(|w| string(w, "caf\u{e9}".as_bytes())),
            "{5}\r\ncaf\u{e9}"
        );
        assert_eq!(out(|w| nstring(w, None)), "NIL");
    }
}
