//! The searchable text of a message: header values with encoded words decoded, and the
//! text parts of the body with their transfer encoding undone and their charset turned
//! into UTF-8, all lower-cased for case-insensitive matching.

use std::borrow::Cow;

use super::decode;
use super::header;
use super::part::{Kind, Part};

/// Lower-cased for matching; `str::to_lowercase` folds beyond ASCII.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// The decoded, folded values of the fields called `name` in `hdr`, one per line.
pub fn field(hdr: &[u8], name: &[u8]) -> Option<String> {
    let mut found = None::<String>;
    for f in header::fields(hdr) {
        if hdr[f.name.clone()].eq_ignore_ascii_case(name) {
            let v = fold(&decode::header_text(&header::unfold(&hdr[f.value])));
            match &mut found {
                Some(s) => {
                    s.push('\n');
                    s.push_str(&v);
                }
                None => found = Some(v),
            }
        }
    }
    found
}

/// All header fields of `hdr`, decoded and folded.
pub fn whole_header(hdr: &[u8]) -> String {
    let mut out = String::new();
    for f in header::fields(hdr) {
        out.push_str(&String::from_utf8_lossy(&hdr[f.name.clone()]));
        out.push_str(": ");
        out.push_str(&decode::header_text(&header::unfold(&hdr[f.value])));
        out.push('\n');
    }
    fold(&out)
}

/// The decoded text of every text part under `part` (through attached messages too,
/// whose headers count as text), folded. Besides the message, this holds the text and at
/// most one part decoded and one line folded: parts that need no decoding and are UTF-8
/// already are folded from the message, line by line.
pub fn body(msg: &[u8], part: &Part) -> String {
    let mut out = String::new();
    collect(msg, part, &mut out);
    out
}

fn collect(msg: &[u8], part: &Part, out: &mut String) {
    match &part.kind {
        Kind::Multipart(children) => children.iter().for_each(|c| collect(msg, c, out)),
        Kind::Message(inner) => {
            out.push_str(&whole_header(&msg[inner.header.clone()]));
            collect(msg, inner, out);
        }
        Kind::Single if part.content_type.mtype.eq_ignore_ascii_case(b"text") => {
            decoded(msg, part, usize::MAX, |text| push_folded(out, text))
        }
        Kind::Single => {}
    }
}

/// Gives `f` the text of the single part `part` of `msg`, at most `max_raw` bytes of it as
/// stored: its transfer encoding undone and its charset turned into UTF-8. Text converted
/// goes on alone: the decoded bytes it came from are dropped first.
pub fn decoded<T>(msg: &[u8], part: &Part, max_raw: usize, f: impl FnOnce(&str) -> T) -> T {
    let body = &msg[part.body.clone()];
    let raw = &body[..body.len().min(max_raw)];
    let encoding = super::mime::encoding(&msg[part.header.clone()])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match &encoding[..] {
        b"base64" => Cow::Owned(decode::base64(raw)),
        b"quoted-printable" => Cow::Owned(decode::quoted_printable(raw, false)),
        _ => Cow::Borrowed(raw),
    };
    let charset = part.content_type.param(b"charset").unwrap_or(b"us-ascii");
    match decode::to_utf8(&bytes, charset) {
        Cow::Owned(text) => {
            drop(bytes);
            f(&text)
        }
        Cow::Borrowed(_) => f(&String::from_utf8_lossy(&bytes)),
    }
}

/// Appends `text` folded, and a line end. Folding looks at no more than a word (final
/// sigma), and no word spans lines, so it goes a line at a time.
fn push_folded(out: &mut String, text: &str) {
    out.reserve(text.len() + 1);
    for line in text.split_inclusive('\n') {
        out.push_str(&fold(line));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    #[test]
    fn decodes_what_it_searches() {
        let m = b"Subject: =?ISO-8859-1?Q?Caf=E9?=\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: base64\n\n8NLJ18XU\n--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nM=FCNCHEN\n--b--\n";
        let root = part::parse(m);
        let hdr = &m[root.header.clone()];
        assert_eq!(field(hdr, b"subject").as_deref(), Some("café"));
        let text = body(m, &root);
        assert!(text.contains("привет"), "{text}");
        assert!(text.contains("münchen"), "{text}");
    }
}
