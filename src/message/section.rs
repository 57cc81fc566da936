//! Body sections (RFC 3501 6.4.5, `section-spec`): `1.2.MIME`, `HEADER.FIELDS (From To)`,
//! `TEXT` and the like, resolved against a message's part tree to the bytes they name.

use std::io::{self, Write};
use std::ops::Range;

use super::crlf;
use super::header;
use super::part::{Kind, Part};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Header,
    /// HEADER.FIELDS (`not`: HEADER.FIELDS.NOT) with the field names.
    Fields {
        not: bool,
        names: Vec<Vec<u8>>,
    },
    Text,
    Mime,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub part: Vec<u32>,
    pub text: Option<Text>,
}

/// What a section names: a range of the message, or (HEADER.FIELDS) some of a header's
/// fields with the blank line after them. `None`: no such part.
pub enum Content {
    Range(Range<usize>),
    /// The fields, and whether the header they come from ends with a line end (then a
    /// blank line follows them, as it follows a header).
    Fields(Vec<Range<usize>>, bool),
}

impl Section {
    /// The section as it appears in the FETCH response: `1.HEADER.FIELDS (FROM TO)`.
    pub fn spec(&self) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for (i, n) in self.part.iter().enumerate() {
            if i > 0 {
                out.push(b'.');
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        if let Some(t) = &self.text {
            if !self.part.is_empty() {
                out.push(b'.');
            }
            match t {
                Text::Header => out.extend_from_slice(b"HEADER"),
                Text::Text => out.extend_from_slice(b"TEXT"),
                Text::Mime => out.extend_from_slice(b"MIME"),
                Text::Fields { not, names } => {
                    out.extend_from_slice(if *not {
                        b"HEADER.FIELDS.NOT ("
                    } else {
                        b"HEADER.FIELDS ("
                    });
                    for (i, n) in names.iter().enumerate() {
                        if i > 0 {
                            out.push(b' ');
                        }
                        let _ = crate::wire::quote::astring(&mut out, n);
                    }
                    out.push(b')');
                }
            }
        }
        out
    }

    /// Resolves the section in `msg`, whose structure is `root`.
    pub fn resolve(&self, msg: &[u8], root: &Part) -> Option<Content> {
        let part = super::part::find(root, &self.part)?;
        // HEADER, TEXT and the field lists of a part name the message it carries.
        let message = match (&self.text, &part.kind) {
            (Some(Text::Mime) | None, _) => part,
            (_, Kind::Message(inner)) if !self.part.is_empty() => inner,
            _ if self.part.is_empty() => part,
            _ => return None,
        };
        Some(match &self.text {
            None => Content::Range(part.body.clone()),
            Some(Text::Mime) if self.part.is_empty() => return None,
            Some(Text::Mime) => Content::Range(part.header.clone()),
            Some(Text::Header) => Content::Range(message.header.clone()),
            Some(Text::Text) => Content::Range(message.body.clone()),
            Some(Text::Fields { not, names }) => {
                let h = message.header.clone();
                let ranges: Vec<Range<usize>> = header::fields(&msg[h.clone()])
                    .filter(|f| {
                        let name = &msg[h.start + f.name.start..h.start + f.name.end];
                        names.iter().any(|n| n.eq_ignore_ascii_case(name)) != *not
                    })
                    .map(|f| h.start + f.whole.start..h.start + f.whole.end)
                    .collect();
                Content::Fields(ranges, msg[h].ends_with(b"\n"))
            }
        })
    }
}

impl Content {
    /// Calls `f` with the bytes as served, piece by piece, until it returns false: CRLF
    /// line ends; a field list ends with an empty line. Nothing is copied.
    pub fn pieces(&self, msg: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) {
        match self {
            Content::Range(r) => {
                crlf::range_pieces(msg, r.clone(), f);
            }
            Content::Fields(fields, blank) => {
                let mut last = 0u8;
                for field in fields {
                    let go = crlf::range_pieces(msg, field.clone(), &mut |p| {
                        if let Some(&b) = p.last() {
                            last = b;
                        }
                        f(p)
                    });
                    // A field on a header's last line may lack its line end.
                    if !go || (last != b'\n' && !f(b"\r\n")) {
                        return;
                    }
                    last = b'\n';
                }
                if *blank {
                    f(b"\r\n");
                }
            }
        }
    }

    /// The size as served.
    pub fn served_len(&self, msg: &[u8]) -> u64 {
        let mut n = 0u64;
        self.pieces(msg, &mut |p| {
            n += p.len() as u64;
            true
        });
        n
    }

    /// Writes `len` served bytes from served offset `offset` (a window inside
    /// [`Content::served_len`]).
    pub fn write(&self, msg: &[u8], out: &mut impl Write, offset: u64, len: u64) -> io::Result<()> {
        crlf::write_window(out, |f| self.pieces(msg, f), offset, len).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    const MSG: &[u8] = b"From: a@b\nSubject: s\n  folded\nTo: c@d\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\none\n--x\nContent-Type: message/rfc822\n\nSubject: inner\nFrom: e@f\n\nContent-Type: text/plain\n--x--\n";

    fn get(section: Section) -> Option<Vec<u8>> {
        let root = part::parse(MSG);
        section.resolve(MSG, &root).map(|c| {
            let len = c.served_len(MSG);
            let mut v = Vec::new();
            c.write(MSG, &mut v, 0, len).unwrap();
            assert_eq!(v.len() as u64, len);
            v
        })
    }

    fn sec(part: &[u32], text: Option<Text>) -> Section {
        Section {
            part: part.to_vec(),
            text,
        }
    }

    #[test]
    fn rfc3501_section_names() {
        assert_eq!(get(sec(&[1], None)).unwrap(), b"one");
        assert_eq!(
            get(sec(&[1], Some(Text::Mime))).unwrap(),
            b"Content-Type: text/plain\r\n\r\n"
        );
        assert_eq!(
            get(sec(&[2, 1], None)).unwrap(),
            b"Content-Type: text/plain"
        );
        assert_eq!(
            get(sec(&[2], Some(Text::Header))).unwrap(),
            b"Subject: inner\r\nFrom: e@f\r\n\r\n"
        );
        assert_eq!(
            get(sec(&[2], Some(Text::Text))).unwrap(),
            b"Content-Type: text/plain"
        );
        assert!(get(sec(&[3], None)).is_none());
        assert!(get(sec(&[1], Some(Text::Header))).is_none());
        let fields = Text::Fields {
            not: false,
            names: vec![b"subject".to_vec(), b"TO".to_vec()],
        };
        assert_eq!(
            get(sec(&[], Some(fields))).unwrap(),
            b"Subject: s\r\n  folded\r\nTo: c@d\r\n\r\n"
        );
        let not = Text::Fields {
            not: true,
            names: vec![
                b"subject".to_vec(),
                b"to".to_vec(),
                b"content-type".to_vec(),
            ],
        };
        assert_eq!(get(sec(&[], Some(not))).unwrap(), b"From: a@b\r\n\r\n");
        assert_eq!(sec(&[1, 2], Some(Text::Mime)).spec(), b"1.2.MIME");
    }
}
