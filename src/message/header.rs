//! Header sections (RFC 5322 section 2.2): where the header ends, its fields, and their
//! values with folding removed. Works on the stored bytes, LF or CRLF line ends alike.

use std::ops::Range;

/// Fields of one header that are indexed: ENVELOPE, BODYSTRUCTURE, SORT, THREAD, SEARCH
/// HEADER and BODY[HEADER.FIELDS] see the first this many and none after them (BODY[HEADER]
/// still serves the whole header). Real mail has tens, a long trace a few hundred; without a
/// bound, a 50 MB header of `a:` lines would be 16 million fields to index per look-up.
pub const MAX_FIELDS: usize = 10_000;

/// Bytes kept of one unfolded field value (what ENVELOPE sends, SORT compares, SEARCH
/// HEADER searches, and MIME parameters are read from): generous for any address list or
/// subject (RFC 5322 2.1.1 wants lines under 998 bytes), and it keeps a 50 MB field from
/// being copied and sent again. THREAD reads References from the raw value instead.
pub const MAX_VALUE: usize = 64 * 1024;

/// Where the header ends and the body begins in `msg`: the offset just past the blank line
/// (or the end, for a message without one). A message that starts with a blank line has an
/// empty header.
pub fn split(msg: &[u8]) -> usize {
    end(msg, 0).unwrap_or(msg.len())
}

/// Where the header ends in `msg` if its blank line is there, like [`split`]; `from` is how
/// much of `msg` an earlier call already searched in vain, so that a header read piece by
/// piece is searched once in all, not once per piece.
pub fn end(msg: &[u8], from: usize) -> Option<usize> {
    if msg.starts_with(b"\n") {
        return Some(1);
    }
    if msg.starts_with(b"\r\n") {
        return Some(2);
    }
    // A blank line that the earlier search saw only the start of begins at most two bytes
    // before where it stopped.
    let mut from = from.saturating_sub(2).min(msg.len());
    while let Some(i) = memchr::memchr(b'\n', &msg[from..]) {
        let lf = from + i;
        match msg.get(lf + 1) {
            Some(b'\n') => return Some(lf + 2),
            Some(b'\r') if msg.get(lf + 2) == Some(&b'\n') => return Some(lf + 3),
            _ => from = lf + 1,
        }
    }
    None
}

/// One header field: its name and its raw value (after the colon, folding kept), as ranges
/// of the header it came from, and the whole field including its line end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub whole: Range<usize>,
}

/// The fields of `header`, in order, at most [`MAX_FIELDS`] of them. Lines without a colon
/// (broken mail) are skipped, and continuation lines belong to the field before them.
pub fn fields(header: &[u8]) -> Fields<'_> {
    Fields {
        header,
        pos: 0,
        count: 0,
        ahead: None,
    }
}

/// The iterator [`fields`] returns: each field is found when it is asked for, so a look-up
/// for one field reads no further than that field.
pub struct Fields<'a> {
    header: &'a [u8],
    pos: usize,
    count: usize,
    /// The line after the last field, found when looking for its continuation lines:
    /// `(at, length, content length)`. Each line is then searched for its end once (twice
    /// was a fifth of a first ENVELOPE fetch).
    ahead: Option<(usize, usize, usize)>,
}

impl Fields<'_> {
    /// [`line_at`] of `pos`, as `(length, content length)`.
    fn line(&mut self, pos: usize) -> Option<(usize, usize)> {
        match self.ahead.take() {
            Some((at, len, content)) if at == pos => Some((len, content)),
            _ => line_at(self.header, pos).map(|(line, content)| (line.len(), content)),
        }
    }
}

impl Iterator for Fields<'_> {
    type Item = Field;

    fn next(&mut self) -> Option<Field> {
        let header = self.header;
        if self.count >= MAX_FIELDS {
            return None;
        }
        // Skip to the next line that starts a field.
        let (name_end, colon, start, content_len) = loop {
            let at = self.pos;
            let (len, content_len) = self.line(at)?;
            self.pos += len;
            if matches!(header[at], b' ' | b'\t') {
                continue;
            }
            let content = &header[at..at + content_len];
            if let Some(colon) = memchr::memchr(b':', content) {
                let name_end = content[..colon]
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(0, |i| i + 1);
                break (name_end, colon, at, content_len);
            }
        };
        let mut value_end = start + content_len;
        // Continuation lines.
        while let Some((len, content_len)) = self.line(self.pos) {
            if !matches!(header[self.pos], b' ' | b'\t') {
                self.ahead = Some((self.pos, len, content_len));
                break;
            }
            value_end = self.pos + content_len;
            self.pos += len;
        }
        self.count += 1;
        Some(Field {
            name: start..start + name_end,
            value: start + colon + 1..value_end,
            whole: start..self.pos,
        })
    }
}

/// The line of `header` at `pos` (with its line end) and the length of its content, or
/// `None` at the end of the header or its blank line.
fn line_at(header: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = header.get(pos..).filter(|r| !r.is_empty())?;
    let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
    let line = &rest[..end];
    let content = trim_eol(line).len();
    (content > 0).then_some((line, content))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A field value with folding removed (RFC 5322 2.2.3: CRLF before WSP is dropped) and
/// white space trimmed at both ends, at most [`MAX_VALUE`] bytes of it. A NUL becomes
/// 0x80, as Dovecot does: NUL may not appear in any IMAP string (RFC 3501 9, CHAR8).
pub fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len().min(MAX_VALUE));
    for &b in value {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' if out.is_empty() => {}
            0 => out.push(0x80),
            _ => out.push(b),
        }
        if out.len() == MAX_VALUE {
            break;
        }
    }
    while matches!(out.last(), Some(b' ' | b'\t')) {
        out.pop();
    }
    out
}

/// The fields of one header, found in one pass, for readers that look up several: a
/// field folded over millions of lines is then walked once, not once per look-up.
pub struct Index<'a> {
    header: &'a [u8],
    fields: Vec<Field>,
}

impl<'a> Index<'a> {
    pub fn new(header: &'a [u8]) -> Index<'a> {
        Index {
            header,
            fields: {
                // Real headers have a few dozen fields: growing from nothing cost more
                // than finding them.
                let mut v = Vec::with_capacity(48);
                v.extend(fields(header));
                v
            },
        }
    }

    /// Like [`raw`].
    pub fn raw(&self, name: &[u8]) -> Option<&'a [u8]> {
        let header = self.header;
        self.fields
            .iter()
            .find(|f| header[f.name.clone()].eq_ignore_ascii_case(name))
            .map(|f| &header[f.value.clone()])
    }

    /// Like [`get`].
    pub fn get(&self, name: &[u8]) -> Option<Vec<u8>> {
        self.raw(name).map(unfold)
    }
}

/// The raw value (folding kept, not bounded) of the first field called `name` (any case).
pub fn raw<'a>(header: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    fields(header)
        .find(|f| header[f.name.clone()].eq_ignore_ascii_case(name))
        .map(|f| &header[f.value])
}

/// The unfolded value of the first field called `name` (any case).
pub fn get(header: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    raw(header, name).map(unfold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_unfolds() {
        let msg = b"Subject: a\n  folded\nX-Empty:\nbroken line\nTo: b\n\nbody\n";
        let h = split(msg);
        assert_eq!(&msg[h..], b"body\n");
        let header = &msg[..h];
        let f: Vec<Field> = fields(header).collect();
        assert_eq!(f.len(), 3);
        assert_eq!(&header[f[0].name.clone()], b"Subject");
        assert_eq!(get(header, b"subject").unwrap(), b"a  folded");
        assert_eq!(get(header, b"x-empty").unwrap(), b"");
        assert_eq!(get(header, b"TO").unwrap(), b"b");
        assert_eq!(&header[f[0].whole.clone()], b"Subject: a\n  folded\n");
        assert_eq!(split(b"\nbody"), 1);
        assert_eq!(split(b"A: b\r\n\r\nbody"), 8);
        assert_eq!(split(b"A: b\n"), 5);
    }

    #[test]
    fn odd_lines_split_into_fields() {
        // RFC 5322 2.2.3 folding with CRLF and LF mixed, a continuation line before any
        // field, a line without a colon and its continuation, an empty value, white space
        // before the colon, 8-bit bytes, and nothing after the blank line.
        let h = b"  lead\r\nA: 1\r\n\t2\r\nbroken\r\n cont\r\nB:\r\nC : x\xe9\n  y\n\r\nD: after";
        let f: Vec<(&[u8], &[u8], &[u8])> = fields(h)
            .map(|f| (&h[f.name], &h[f.value], &h[f.whole]))
            .collect();
        assert_eq!(
            f,
            [
                (&b"A"[..], &b" 1\r\n\t2"[..], &b"A: 1\r\n\t2\r\n"[..]),
                (b"B", b"", b"B:\r\n"),
                (b"C", b" x\xe9\n  y", b"C : x\xe9\n  y\n"),
            ]
        );
        assert_eq!(get(h, b"c").unwrap(), b"x\xe9  y");
        // A header without a line end at all, and one that is only folded lines.
        let f: Vec<Field> = fields(b"A: 1\n 2").collect();
        assert_eq!((f.len(), f[0].value.clone()), (1, 2..7));
        assert_eq!(fields(b" a\n b\n").count(), 0);
    }

    #[test]
    fn a_header_read_in_pieces_ends_where_split_says() {
        let samples: [&[u8]; 6] = [
            b"A: b\n\nbody",
            b"A: b\r\n\r\nbody",
            b"\r\nbody",
            b"\nbody",
            b"A: b\n c\r\nD: e\n\r\n",
            b"no blank line\n",
        ];
        for msg in samples {
            for piece in 1..=msg.len() {
                let mut searched = 0;
                let mut found = None;
                while found.is_none() && searched < msg.len() {
                    let have = (searched + piece).min(msg.len());
                    found = end(&msg[..have], searched);
                    searched = have;
                }
                assert_eq!(found.unwrap_or(msg.len()), split(msg), "{msg:?} by {piece}");
            }
        }
    }

    #[test]
    fn hostile_headers_are_bounded() {
        // Millions of fields: only MAX_FIELDS are indexed.
        let many = b"a: b\n".repeat(MAX_FIELDS + 5);
        assert_eq!(fields(&many).count(), MAX_FIELDS);
        assert_eq!(get(&many, b"a").unwrap(), b"b");
        // One enormous value: MAX_VALUE bytes of it kept, the raw value whole.
        let mut huge = b"Subject: ".to_vec();
        huge.extend(std::iter::repeat_n(b'x', 3 * MAX_VALUE));
        huge.extend_from_slice(b"\n\n");
        assert_eq!(get(&huge, b"subject").unwrap().len(), MAX_VALUE);
        assert_eq!(raw(&huge, b"subject").unwrap().len(), 3 * MAX_VALUE + 1);
        // NUL cannot be sent in an IMAP string.
        assert_eq!(get(b"S: a\0b\n", b"s").unwrap(), b"a\x80b");
        // A header that is one line without any line end.
        assert_eq!(get(b"Subject: no end", b"subject").unwrap(), b"no end");
        // Continuation lines after a broken line do not join the field before it.
        let f: Vec<Field> = fields(b"A: 1\nbroken\n  cont\nB: 2\n").collect();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].whole, 0..5);
    }
}
