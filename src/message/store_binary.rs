//! What APPEND stores of a literal8 (RFC 3516 4.4): a part whose Content-Transfer-Encoding
//! is `binary` and whose content a Maildir file cannot give back byte for byte, because it
//! holds a NUL (which no IMAP string carries: BODY could not send it, RFC 3501 9) or an LF
//! without a CR before it (messages are stored with LF line ends and served with CRLF, so
//! it would come back as CRLF), is stored in base64 instead, its field saying so. No data
//! is lost: BINARY gives back the original bytes, and BODY and BODYSTRUCTURE describe a
//! base64 part, as RFC 3516 6 asks of a server that stores binary content. Everything else
//! is stored as it came. Dovecot 2.3.19 converts every `binary` part of a literal8; RFC 3516
//! 6 says to change the encoding "only when absolutely necessary".

use std::io::{self, Write};
use std::ops::Range;

use base64::Engine as _;

use super::header;
use super::part::{self, Kind, Part};

/// Bytes of content per base64 line: 76 characters, RFC 2045 6.8's most.
const LINE: usize = 57;

/// Writes the message `msg` (as it came, CRLF line ends) to `out` with its binary parts
/// that need it in base64.
pub fn write(msg: &[u8], out: &mut impl Write) -> io::Result<()> {
    let root = part::parse(msg);
    let mut at = 0;
    walk(msg, &root, &mut at, out)?;
    out.write_all(&msg[at..])
}

/// Writes what comes before and of `part` from `at` on, up to the end of the last part
/// converted in it; `at` ends there.
fn walk(msg: &[u8], part: &Part, at: &mut usize, out: &mut impl Write) -> io::Result<()> {
    match &part.kind {
        Kind::Multipart(children) => children.iter().try_for_each(|c| walk(msg, c, at, out)),
        Kind::Message(inner) => walk(msg, inner, at, out),
        Kind::Single if needs_base64(msg, part) => {
            out.write_all(&msg[*at..part.header.start])?;
            base64_header(msg, part.header.clone(), out)?;
            base64_lines(&msg[part.body.clone()], out)?;
            *at = part.body.end;
            Ok(())
        }
        Kind::Single => Ok(()),
    }
}

fn needs_base64(msg: &[u8], part: &Part) -> bool {
    let binary = super::mime::encoding(&msg[part.header.clone()])
        .is_some_and(|e| e.eq_ignore_ascii_case(b"binary"));
    let body = &msg[part.body.clone()];
    binary
        && (memchr::memchr(0, body).is_some()
            || memchr::memchr_iter(b'\n', body).any(|i| i == 0 || body[i - 1] != b'\r'))
}

/// The header `msg[range]` with its first Content-Transfer-Encoding field saying `base64`
/// and any others left out.
fn base64_header(msg: &[u8], range: Range<usize>, out: &mut impl Write) -> io::Result<()> {
    let hdr = &msg[range];
    let mut at = 0;
    let mut named = false;
    for f in header::fields(hdr) {
        if !hdr[f.name.clone()].eq_ignore_ascii_case(b"Content-Transfer-Encoding") {
            continue;
        }
        out.write_all(&hdr[at..f.whole.start])?;
        if !std::mem::replace(&mut named, true) {
            out.write_all(b"Content-Transfer-Encoding: base64\r\n")?;
        }
        at = f.whole.end;
    }
    out.write_all(&hdr[at..])
}

/// `content` in base64 lines, CRLF between them (the line end after the last is the
/// boundary's, or the message has none).
fn base64_lines(content: &[u8], out: &mut impl Write) -> io::Result<()> {
    let mut line = String::with_capacity(LINE / 3 * 4);
    for (i, chunk) in content.chunks(LINE).enumerate() {
        if i > 0 {
            out.write_all(b"\r\n")?;
        }
        line.clear();
        base64::engine::general_purpose::STANDARD.encode_string(chunk, &mut line);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(msg: &[u8]) -> String {
        let mut v = Vec::new();
        write(msg, &mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn rfc3516_4_4_binary_parts_that_need_it() {
        let m = b"Subject: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\ncontent-transfer-encoding: BINARY\r\nContent-Type: application/octet-stream\r\n\r\nab\0c\rd\0\r\n--x\r\nContent-Transfer-Encoding: binary\r\n\r\ntext\r\nonly\r\n--x\r\nContent-Transfer-Encoding: 8bit\r\n\r\nnul\0left\r\n--x--\r\n";
        assert_eq!(
            stored(m),
            "Subject: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/octet-stream\r\n\r\nYWIAYw1kAA==\r\n--x\r\nContent-Transfer-Encoding: binary\r\n\r\ntext\r\nonly\r\n--x\r\nContent-Transfer-Encoding: 8bit\r\n\r\nnul\u{0}left\r\n--x--\r\n"
        );
        // A bare LF in binary content, a long part, and a message that is one binary part.
        let long: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut m = b"Content-Transfer-Encoding: binary\r\n\r\n".to_vec();
        m.extend_from_slice(&long);
        let s = stored(&m);
        let (head, body) = s.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, "Content-Transfer-Encoding: base64");
        assert!(body.split("\r\n").all(|l| l.len() <= 76));
        assert_eq!(crate::message::decode::base64(body.as_bytes()), long);
    }
}
