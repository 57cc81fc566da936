//! BINARY (RFC 3516): a leaf part's content with its Content-Transfer-Encoding undone.
//! Text encodings are served with CRLF line ends first, as the encoded form means them.

use super::part::{Kind, Part};
use super::section::{crlf, Section};
use super::{decode, section::Content};

#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    NoSuchPart,
    /// RFC 3516 4.2: `NO [UNKNOWN-CTE]`.
    UnknownEncoding,
}

/// The decoded content of part `numbers` (empty: the whole message's body).
pub fn decode(msg: &[u8], root: &Part, numbers: &[u32]) -> Result<Vec<u8>, Error> {
    let section = Section {
        part: numbers.to_vec(),
        text: None,
    };
    let Some(Content::Range(body)) = section.resolve(msg, root) else {
        return Err(Error::NoSuchPart);
    };
    let part = super::part::find(root, numbers).ok_or(Error::NoSuchPart)?;
    if matches!(part.kind, Kind::Multipart(_)) {
        return Err(Error::NoSuchPart);
    }
    let encoding = super::mime::encoding(&msg[part.header.clone()])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut served = Vec::new();
    crlf(&mut served, msg, body);
    match &encoding[..] {
        b"" | b"7bit" | b"8bit" | b"binary" => Ok(served),
        b"base64" => Ok(decode::base64(&served)),
        b"quoted-printable" => Ok(decode::quoted_printable(&served, false)),
        _ => Err(Error::UnknownEncoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    #[test]
    fn undoes_transfer_encodings() {
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\nAAEC/w==\n--b\nContent-Transfer-Encoding: quoted-printable\n\nline=3D1\nline 2=\n joined\n--b\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n--b--\n";
        let root = part::parse(m);
        assert_eq!(decode(m, &root, &[1]).unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode(m, &root, &[2]).unwrap(), b"line=1\r\nline 2 joined");
        assert_eq!(decode(m, &root, &[3]), Err(Error::UnknownEncoding));
        assert_eq!(decode(m, &root, &[4]), Err(Error::NoSuchPart));
    }
}
