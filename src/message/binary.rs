//! BINARY (RFC 3516): a section with its Content-Transfer-Encoding undone. Text encodings
//! are served with CRLF line ends first, as the encoded form means them.
//!
//! A leaf part is its content decoded. The whole message (`BINARY[]`), a multipart or a
//! message/rfc822 part is its bytes with every leaf inside decoded (RFC 3516 4.2 asks for
//! the section "after performing CTE-related decoding"), and the header of each part that
//! was decoded saying `Content-Transfer-Encoding: binary` where it named its encoding, so
//! that what comes back is a message that means what it says. Dovecot 2.3.19 does the same,
//! but moves that field to the end of the part's header.
//!
//! Nothing is decoded into memory: the decoded content is made piece by piece from the
//! stored message each time it is needed (its size, a window of it), so a BINARY fetch
//! holds the message once and a few bounded buffers, whatever the size of the part.

use std::ops::Range;

use super::crlf;
use super::decode::{Base64, QuotedPrintable};
use super::header;
use super::part::{Kind, Part};

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    NoSuchPart,
    /// RFC 3516 4.2: `NO [UNKNOWN-CTE]`.
    UnknownEncoding,
}

/// An encoding that BINARY undoes (7bit, 8bit, binary and none are served as they are).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Base64,
    QuotedPrintable,
}

/// One stretch of what BINARY sends, made from the message.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    /// Served as stored.
    Copy(Range<usize>),
    /// A part's header, its Content-Transfer-Encoding saying `binary`.
    Header(Range<usize>),
    /// A leaf's content, decoded.
    Decoded(Range<usize>, Encoding),
}

/// What BINARY serves of a section: nothing is decoded yet.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    segments: Vec<Segment>,
}

/// The encoding a part's header names, `None` when its content is served as it is.
fn encoding(msg: &[u8], part: &Part) -> Result<Option<Encoding>, Error> {
    let name = super::mime::encoding(&msg[part.header.clone()])
        .unwrap_or_default()
        .to_ascii_lowercase();
    match &name[..] {
        b"" | b"7bit" | b"8bit" | b"binary" => Ok(None),
        b"base64" => Ok(Some(Encoding::Base64)),
        b"quoted-printable" => Ok(Some(Encoding::QuotedPrintable)),
        _ => Err(Error::UnknownEncoding),
    }
}

/// Section `numbers` of `msg` (empty: the whole message, header included), when every
/// leaf in it has an encoding this server can undo. Nothing is decoded yet.
pub fn find(msg: &[u8], root: &Part, numbers: &[u32]) -> Result<Body, Error> {
    let part = super::part::find(root, numbers).ok_or(Error::NoSuchPart)?;
    let whole = numbers.is_empty();
    let mut at = if whole { 0 } else { part.body.start };
    let mut segments = Vec::new();
    walk(msg, part, whole, &mut at, &mut segments)?;
    copy(&mut segments, &mut at, part.body.end);
    Ok(Body { segments })
}

/// Adds `at..to` to what is copied as stored, and moves `at` there.
fn copy(segments: &mut Vec<Segment>, at: &mut usize, to: usize) {
    if to > *at {
        segments.push(Segment::Copy(*at..to));
        *at = to;
    }
}

/// The segments of `part`, from `at` on (what lies before it is not yet in `segments`;
/// `header`: from its header, else from its body); `at` ends after what was taken of the
/// part. The parts inside a multipart or message/rfc822 come with their headers.
fn walk(
    msg: &[u8],
    part: &Part,
    header: bool,
    at: &mut usize,
    segments: &mut Vec<Segment>,
) -> Result<(), Error> {
    match &part.kind {
        Kind::Multipart(children) => {
            for c in children {
                walk(msg, c, true, at, segments)?;
            }
        }
        Kind::Message(inner) => walk(msg, inner, true, at, segments)?,
        Kind::Single => {
            if let Some(e) = encoding(msg, part)? {
                if header {
                    copy(segments, at, part.header.start);
                    segments.push(Segment::Header(part.header.clone()));
                }
                *at = part.body.start;
                segments.push(Segment::Decoded(part.body.clone(), e));
                *at = part.body.end;
            }
        }
    }
    Ok(())
}

/// The served form of the header `msg[range]` with its first Content-Transfer-Encoding
/// field saying `binary` and any others left out, piece by piece until `f` returns false.
fn binary_header(msg: &[u8], range: Range<usize>, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    let mut at = range.start;
    let mut named = false;
    for field in header::fields(&msg[range.clone()]) {
        let name = range.start + field.name.start..range.start + field.name.end;
        if !msg[name].eq_ignore_ascii_case(b"Content-Transfer-Encoding") {
            continue;
        }
        let whole = range.start + field.whole.start..range.start + field.whole.end;
        if !crlf::range_pieces(msg, at..whole.start, f) {
            return false;
        }
        if !std::mem::replace(&mut named, true) && !f(b"Content-Transfer-Encoding: binary\r\n") {
            return false;
        }
        at = whole.end;
    }
    crlf::range_pieces(msg, at..range.end, f)
}

impl Body {
    /// Calls `f` with the decoded content, piece by piece, until it returns false.
    pub fn pieces(&self, msg: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) {
        for s in &self.segments {
            let go = match s {
                Segment::Copy(r) => crlf::range_pieces(msg, r.clone(), f),
                Segment::Header(r) => binary_header(msg, r.clone(), f),
                // Base64 skips line ends: the stored form decodes as the served one.
                Segment::Decoded(r, Encoding::Base64) => {
                    let mut d = Base64::default();
                    d.feed(&msg[r.clone()], f) && d.finish(f)
                }
                Segment::Decoded(r, Encoding::QuotedPrintable) => {
                    let mut d = QuotedPrintable::new(false);
                    crlf::range_pieces(msg, r.clone(), &mut |p| d.feed(p, f)) && d.finish(f)
                }
            };
            if !go {
                return;
            }
        }
    }

    /// The decoded size (BINARY.SIZE) and whether the content holds a NUL (then a window
    /// of it may need a literal8), counted without keeping what is decoded.
    pub fn measure(&self, msg: &[u8]) -> (u64, bool) {
        let (mut n, mut nul) = (0u64, false);
        self.pieces(msg, &mut |p| {
            n += p.len() as u64;
            nul = nul || memchr::memchr(0, p).is_some();
            true
        });
        (n, nul)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    fn decode(m: &[u8], root: &Part, numbers: &[u32]) -> Result<Vec<u8>, Error> {
        let body = find(m, root, numbers)?;
        let mut v = Vec::new();
        body.pieces(m, &mut |p| {
            v.extend_from_slice(p);
            true
        });
        assert_eq!(body.measure(m), (v.len() as u64, v.contains(&0)));
        Ok(v)
    }

    #[test]
    fn undoes_transfer_encodings() {
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\nAAEC/w==\n--b\nContent-Transfer-Encoding: quoted-printable\n\nline=3D1\nline 2=\n joined\n--b\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n--b\n\nplain\nlines\r\nend\n--b--\n";
        let root = part::parse(m);
        assert_eq!(decode(m, &root, &[1]).unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode(m, &root, &[2]).unwrap(), b"line=1\r\nline 2 joined");
        assert_eq!(decode(m, &root, &[3]), Err(Error::UnknownEncoding));
        assert_eq!(decode(m, &root, &[4]).unwrap(), b"plain\r\nlines\r\nend");
        assert_eq!(decode(m, &root, &[5]), Err(Error::NoSuchPart));
        // The whole message cannot be decoded when one of its parts cannot.
        assert_eq!(decode(m, &root, &[]), Err(Error::UnknownEncoding));
    }

    #[test]
    fn whole_message_with_every_part_decoded() {
        // RFC 3516 4.2; the form is Dovecot 2.3.19's but for where the field stands.
        let m = b"From: a@b\nContent-Type: multipart/mixed; boundary=x\n\npre\n--x\nContent-Transfer-Encoding: base64\nContent-Type: text/plain\n\naGVsbG8gd29ybGQ=\n--x\nContent-Type: message/rfc822\n\nSubject: in\nContent-Transfer-Encoding: Quoted-Printable\ncontent-transfer-encoding: 8bit\n\ncaf=C3=A9 =\nok\n--x\n\nplain\n--x--\nepilogue\n";
        let root = part::parse(m);
        assert_eq!(
            String::from_utf8(decode(m, &root, &[]).unwrap()).unwrap(),
            "From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\npre\r\n--x\r\nContent-Transfer-Encoding: binary\r\nContent-Type: text/plain\r\n\r\nhello world\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\u{e9} ok\r\n--x\r\n\r\nplain\r\n--x--\r\nepilogue\r\n"
        );
        assert_eq!(
            String::from_utf8(decode(m, &root, &[2]).unwrap()).unwrap(),
            "Subject: in\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\u{e9} ok"
        );
        assert_eq!(
            decode(m, &root, &[2, 1]).unwrap(),
            "caf\u{e9} ok".as_bytes()
        );
        let single =
            b"Subject: q\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nok\n";
        let root = part::parse(single);
        assert_eq!(
            decode(single, &root, &[]).unwrap(),
            "Subject: q\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\u{e9} ok\r\n".as_bytes()
        );
        assert_eq!(
            decode(single, &root, &[1]).unwrap(),
            "caf\u{e9} ok\r\n".as_bytes()
        );
    }
}
