//! BINARY (RFC 3516): a leaf part's content with its Content-Transfer-Encoding undone.
//! Text encodings are served with CRLF line ends first, as the encoded form means them.
//!
//! Nothing is decoded into memory: the decoded content is made piece by piece from the
//! stored part each time it is needed (its size, a window of it), so a BINARY fetch holds
//! the message once and a few bounded buffers, whatever the size of the part.

use std::ops::Range;

use super::crlf;
use super::decode::{Base64, QuotedPrintable};
use super::part::{Kind, Part};
use super::section::{Content, Section};

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    NoSuchPart,
    /// RFC 3516 4.2: `NO [UNKNOWN-CTE]`.
    UnknownEncoding,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// 7bit, 8bit, binary or none: the content as served.
    Identity,
    Base64,
    QuotedPrintable,
}

/// A part BINARY can serve: where its content is, and how it is encoded.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    range: Range<usize>,
    encoding: Encoding,
}

/// Part `numbers` of `msg` (empty: the whole message's body), when it is a leaf with an
/// encoding this server can undo. Nothing is decoded yet.
pub fn find(msg: &[u8], root: &Part, numbers: &[u32]) -> Result<Body, Error> {
    let section = Section {
        part: numbers.to_vec(),
        text: None,
    };
    let Some(Content::Range(range)) = section.resolve(msg, root) else {
        return Err(Error::NoSuchPart);
    };
    let part = super::part::find(root, numbers).ok_or(Error::NoSuchPart)?;
    if matches!(part.kind, Kind::Multipart(_)) {
        return Err(Error::NoSuchPart);
    }
    let encoding = super::mime::encoding(&msg[part.header.clone()])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let encoding = match &encoding[..] {
        b"" | b"7bit" | b"8bit" | b"binary" => Encoding::Identity,
        b"base64" => Encoding::Base64,
        b"quoted-printable" => Encoding::QuotedPrintable,
        _ => return Err(Error::UnknownEncoding),
    };
    Ok(Body { range, encoding })
}

impl Body {
    /// Calls `f` with the decoded content, piece by piece, until it returns false.
    pub fn pieces(&self, msg: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) {
        let range = self.range.clone();
        match self.encoding {
            Encoding::Identity => {
                crlf::range_pieces(msg, range, f);
            }
            // Base64 skips line ends: the stored form decodes as the served one.
            Encoding::Base64 => {
                let mut d = Base64::default();
                if d.feed(&msg[range], f) {
                    d.finish(f);
                }
            }
            Encoding::QuotedPrintable => {
                let mut d = QuotedPrintable::new(false);
                if crlf::range_pieces(msg, range, &mut |p| d.feed(p, f)) {
                    d.finish(f);
                }
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
    }
}
