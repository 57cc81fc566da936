//! Mailbox names between the client's spelling and the server's. On disk, and on the wire
//! to a client that has not enabled UTF-8, a name is modified UTF-7 (RFC 3501 5.1.3); a
//! client that enabled UTF8=ACCEPT names mailboxes in UTF-8 both ways (RFC 6855 3), and
//! this is the one place that converts. The commands below it see only the disk form.

use std::borrow::Cow;
use std::io::{self, Write};

use super::Response;
use crate::maildir::mutf7;
use crate::wire::quote;

/// A UTF-8 client's name turned into the disk form in place; without `utf8`, unchanged.
/// RFC 6855 3: a name MUST be UTF-8 and MUST NOT hold control characters (U+0000-U+001F,
/// U+007F-U+009F) or the line and paragraph separators (U+2028, U+2029).
pub fn from_client(utf8: bool, name: &mut Vec<u8>) -> Result<(), Response> {
    if !utf8 {
        return Ok(());
    }
    let text = std::str::from_utf8(name)
        .map_err(|_| Response::bad("A mailbox name must be UTF-8 (RFC 6855 3)"))?;
    if text
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err(Response::bad(
            "A mailbox name may not hold control characters (RFC 6855 3)",
        ));
    }
    *name = mutf7::from_utf8(text);
    Ok(())
}

/// How the client sees a name on disk: in UTF-8 when it enabled that and the name is valid
/// modified UTF-7; else as it is.
pub fn shown(utf8: bool, name: &[u8]) -> Cow<'_, [u8]> {
    match utf8.then(|| mutf7::to_utf8(name)).flatten() {
        Some(text) => Cow::Owned(text.into_bytes()),
        None => Cow::Borrowed(name),
    }
}

/// Writes a name on disk as an `astring` in the client's spelling ([`shown`]).
pub fn write(out: &mut impl Write, utf8: bool, name: &[u8]) -> io::Result<()> {
    match utf8.then(|| mutf7::to_utf8(name)).flatten() {
        Some(text) => quote::utf8_astring(out, &text),
        None => quote::astring(out, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(name: &[u8]) -> Result<Vec<u8>, Response> {
        let mut name = name.to_vec();
        from_client(true, &mut name).map(|()| name)
    }

    #[test]
    fn utf8_names_go_to_disk_as_modified_utf7() {
        // RFC 3501 5.1.3's example, and `&` standing for itself in UTF-8.
        assert_eq!(
            converted("~peter/mail/台北/日本語".as_bytes()).unwrap(),
            b"~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(converted(b"A&B").unwrap(), b"A&-B");
        assert_eq!(converted(b"INBOX").unwrap(), b"INBOX");
        let mut legacy = b"&AOk-".to_vec();
        from_client(false, &mut legacy).unwrap();
        assert_eq!(legacy, b"&AOk-");
    }

    #[test]
    fn refuses_what_rfc_6855_3_forbids() {
        assert!(converted(b"caf\xe9").is_err());
        assert!(converted(b"a\x01b").is_err());
        assert!(converted("a\u{85}b".as_bytes()).is_err());
        assert!(converted("a\u{2028}b".as_bytes()).is_err());
        assert!(converted("a\u{2029}b".as_bytes()).is_err());
    }

    #[test]
    fn shown_back_in_the_clients_spelling() {
        let out = |utf8, name: &[u8]| {
            let mut v = Vec::new();
            write(&mut v, utf8, name).unwrap();
            String::from_utf8(v).unwrap()
        };
        assert_eq!(out(true, b"Entw&APw-rfe"), "\"Entw\u{fc}rfe\"");
        assert_eq!(out(false, b"Entw&APw-rfe"), "Entw&APw-rfe");
        assert_eq!(out(true, b"A&-B"), "A&B");
        // Not modified UTF-7: shown as it is.
        assert_eq!(out(true, b"&Jjo"), "&Jjo");
        assert_eq!(&*shown(true, b"&AOk-t&AOk-"), "\u{e9}t\u{e9}".as_bytes());
    }
}
