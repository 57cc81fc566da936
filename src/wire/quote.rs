//! Strings in responses: atom when it can be, quoted string when it must be, literal when
//! nothing else carries the bytes (CR, LF, NUL, 8-bit, or long text).
//!
//! Every literal a response carries is written here. A literal is CHAR8, which excludes
//! NUL (RFC 3501 section 9), so a NUL in its data (stored through APPEND's literal8) goes
//! out as 0x80, as Dovecot sends it: the length stays, and the bytes stay a legal
//! `string`. Only BINARY's data may carry NUL, in a literal8 (RFC 3516 section 4.3).

use std::io::{self, Write};

/// What a NUL in a literal's data is sent as.
const NUL_STANDIN: u8 = 0x80;

/// Announces a literal of `len` bytes; send its data through [`Char8`].
pub fn literal_head(w: &mut impl Write, len: u64) -> io::Result<()> {
    w.write_all(b"{")?;
    number(w, len)?;
    w.write_all(b"}\r\n")
}

/// Writes `n` in decimal, as `write!(w, "{n}")` does without going through `fmt` (a FETCH
/// of every message writes a few numbers for each).
pub fn number(w: &mut impl Write, n: u64) -> io::Result<()> {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return w.write_all(&digits[at..]);
        }
    }
}

/// Writes `data` as a literal.
pub fn literal(w: &mut impl Write, data: &[u8]) -> io::Result<()> {
    literal_head(w, data.len() as u64)?;
    Char8(w).write_all(data)
}

/// Announces BINARY's data of `len` bytes (RFC 3516 4.3): a literal8 when it holds NUL
/// (`nul`), else a literal. Its data then goes out as it is: a literal's holds no NUL.
pub fn binary_head(w: &mut impl Write, len: u64, nul: bool) -> io::Result<()> {
    if nul {
        write!(w, "~{{{len}}}\r\n")
    } else {
        literal_head(w, len)
    }
}

/// A writer for a literal's data: passes every byte on but NUL, which it replaces.
pub struct Char8<'a, W: Write>(pub &'a mut W);

impl<W: Write> Write for Char8<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        while let Some(i) = memchr::memchr(0, rest) {
            self.0.write_all(&rest[..i])?;
            self.0.write_all(&[NUL_STANDIN])?;
            rest = &rest[i + 1..];
        }
        self.0.write_all(rest)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Whether `s` fits in a quoted string; 8-bit bytes only when they are `utf8` text.
fn quotable(s: &[u8], utf8: bool) -> bool {
    s.len() < 1024
        && s.iter()
            .all(|&b| b != 0 && b != b'\r' && b != b'\n' && (b < 0x80 || utf8))
}

/// Writes `s` as a `string`: quoted, or a literal.
pub fn string(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    string_in(w, s, false)
}

/// [`string`], quoting UTF-8 text too when `utf8` says `s` is such text.
fn string_in(w: &mut impl Write, s: &[u8], utf8: bool) -> io::Result<()> {
    if quotable(s, utf8) {
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
        literal(w, s)
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
    astring_in(w, s, false)
}

/// Writes UTF-8 text as an `astring`, quoted rather than a literal where it can be: only for
/// a client that enabled UTF-8 in quoted strings (RFC 6855 3: the server MUST NOT send
/// them otherwise).
pub fn utf8_astring(w: &mut impl Write, s: &str) -> io::Result<()> {
    astring_in(w, s.as_bytes(), true)
}

fn astring_in(w: &mut impl Write, s: &[u8], utf8: bool) -> io::Result<()> {
    let atom = !s.is_empty()
        && !s.eq_ignore_ascii_case(b"NIL")
        && s.iter().all(|&b| {
            b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
        });
    if atom {
        w.write_all(s)
    } else {
        string_in(w, s, utf8)
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
        assert_eq!(
            out(|w| utf8_astring(w, "Entw\u{fc}rfe")),
            "\"Entw\u{fc}rfe\""
        );
        assert_eq!(out(|w| utf8_astring(w, "a\"b")), r#""a\"b""#);
        assert_eq!(out(|w| utf8_astring(w, "INBOX")), "INBOX");
    }

    #[test]
    fn nul_never_goes_into_a_literal() {
        let bytes = |f: &dyn Fn(&mut Vec<u8>) -> io::Result<()>| {
            let mut v = Vec::new();
            f(&mut v).unwrap();
            v
        };
        assert_eq!(bytes(&|w| string(w, b"a\0b")), b"{3}\r\na\x80b");
        assert_eq!(bytes(&|w| literal(w, b"\0\0")), b"{2}\r\n\x80\x80");
        assert_eq!(bytes(&|w| binary_head(w, 3, true)), b"~{3}\r\n");
        assert_eq!(bytes(&|w| binary_head(w, 3, false)), b"{3}\r\n");
    }
}
