//! Header sections (RFC 5322 section 2.2): where the header ends, its fields, and their
//! values with folding removed. Works on the stored bytes, LF or CRLF line ends alike.

use std::ops::Range;

/// Where the header ends and the body begins in `msg`: the offset just past the blank line
/// (or the end, for a message without one). A message that starts with a blank line has an
/// empty header.
pub fn split(msg: &[u8]) -> usize {
    if msg.starts_with(b"\n") {
        return 1;
    }
    if msg.starts_with(b"\r\n") {
        return 2;
    }
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\n', &msg[from..]) {
        let lf = from + i;
        match msg.get(lf + 1) {
            Some(b'\n') => return lf + 2,
            Some(b'\r') if msg.get(lf + 2) == Some(&b'\n') => return lf + 3,
            _ => from = lf + 1,
        }
    }
    msg.len()
}

/// One header field: its name and its raw value (after the colon, folding kept), as ranges
/// of the header it came from, and the whole field including its line end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub whole: Range<usize>,
}

/// The fields of `header`, in order. Lines without a colon (broken mail) are skipped, and
/// continuation lines belong to the field before them.
pub fn fields(header: &[u8]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < header.len() {
        let end = memchr::memchr(b'\n', &header[pos..]).map_or(header.len(), |i| pos + i + 1);
        let line = &header[pos..end];
        let content = trim_eol(line);
        if content.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some(last) = out.last_mut() {
                last.value.end = pos + content.len();
                last.whole.end = end;
            }
        } else if let Some(colon) = memchr::memchr(b':', content) {
            let name_end = content[..colon]
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .map_or(0, |i| i + 1);
            out.push(Field {
                name: pos..pos + name_end,
                value: pos + colon + 1..pos + content.len(),
                whole: pos..end,
            });
        }
        pos = end;
    }
    out
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A field value with folding removed (RFC 5322 2.2.3: CRLF before WSP is dropped) and
/// the leading space trimmed.
pub fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &b in value {
        if b != b'\r' && b != b'\n' {
            out.push(b);
        }
    }
    let start = out
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(out.len());
    out.drain(..start);
    while matches!(out.last(), Some(b' ' | b'\t')) {
        out.pop();
    }
    out
}

/// The unfolded value of the first field called `name` (any case).
pub fn get(header: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    fields(header)
        .into_iter()
        .find(|f| header[f.name.clone()].eq_ignore_ascii_case(name))
        .map(|f| unfold(&header[f.value]))
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
        let f = fields(header);
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
}
