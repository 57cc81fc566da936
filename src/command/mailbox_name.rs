//! Mailbox names between the client's spelling and the server's, the one place that
//! converts; the commands below it see only the disk form. On disk a name is modified
//! UTF-7 (RFC 3501 5.1.3) with the folders at the top, beside INBOX, as Maildir++ has
//! them. A client that enabled UTF-8 (RFC 6855 3, RFC 9051 5.1) names mailboxes in UTF-8
//! both ways, and under `IMAPD_NAMESPACE=INBOX.` every folder is shown under INBOX
//! ([`Namespace::UnderInbox`], Courier's view of the same tree).

use std::borrow::Cow;
use std::io::{self, Write};

use super::namespace::Namespace;
use super::{Code, Response};
use crate::maildir::{folder, mutf7};
use crate::wire::quote;

/// How one client spells mailbox names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spelling {
    /// UTF-8 instead of modified UTF-7.
    pub utf8: bool,
    pub namespace: Namespace,
}

/// A client's name turned into the disk form in place.
/// RFC 6855 3: a UTF-8 name MUST be UTF-8 and MUST NOT hold control characters
/// (U+0000-U+001F, U+007F-U+009F) or the line and paragraph separators (U+2028, U+2029).
pub fn from_client(sp: Spelling, name: &mut Vec<u8>) -> Result<(), Response> {
    if sp.utf8 {
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
    }
    out_of_namespace(sp.namespace, name)
}

/// A name in the client's namespace turned into the disk's, in place: under
/// [`Namespace::UnderInbox`], `INBOX.Sent` is `Sent`, and a name neither INBOX nor under
/// it names nothing (Courier refuses it too). So does `INBOX.INBOX`, which would be
/// INBOX itself on disk.
pub fn out_of_namespace(ns: Namespace, name: &mut Vec<u8>) -> Result<(), Response> {
    let prefix = ns.prefix();
    if prefix.is_empty() || folder::is_inbox(name) {
        return Ok(());
    }
    let refused = || Response::no("Every mailbox is INBOX or under INBOX. here").with(Code::Cannot);
    let under = name.len() > prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix);
    if !under {
        return Err(refused());
    }
    name.drain(..prefix.len());
    if folder::is_inbox(name) {
        return Err(refused());
    }
    Ok(())
}

/// A name on disk as the client sees it: in UTF-8 when it enabled that and the name is
/// valid modified UTF-7, else as it is on disk.
enum Shown<'a> {
    Utf8(String),
    Disk(Cow<'a, [u8]>),
}

fn spell(sp: Spelling, name: &[u8]) -> Shown<'_> {
    let prefix = match folder::is_inbox(name) {
        true => &b""[..],
        false => sp.namespace.prefix(),
    };
    match (sp.utf8.then(|| mutf7::to_utf8(name)).flatten(), prefix) {
        // The prefix is ASCII.
        (Some(text), _) => Shown::Utf8(String::from_utf8_lossy(prefix).into_owned() + &text),
        (None, b"") => Shown::Disk(Cow::Borrowed(name)),
        (None, _) => Shown::Disk(Cow::Owned([prefix, name].concat())),
    }
}

/// How the client sees a name on disk: under the namespace's prefix, and in UTF-8 when
/// it enabled that and the name is valid modified UTF-7.
pub fn shown(sp: Spelling, name: &[u8]) -> Cow<'_, [u8]> {
    match spell(sp, name) {
        Shown::Utf8(text) => Cow::Owned(text.into_bytes()),
        Shown::Disk(bytes) => bytes,
    }
}

/// Writes a name on disk as an `astring` in the client's spelling ([`shown`]); a name
/// that is not modified UTF-7 goes out byte for byte, as to any other client.
pub fn write(out: &mut impl Write, sp: Spelling, name: &[u8]) -> io::Result<()> {
    match spell(sp, name) {
        Shown::Utf8(text) => quote::utf8_astring(out, &text),
        Shown::Disk(bytes) => quote::astring(out, &bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTF8: Spelling = Spelling {
        utf8: true,
        namespace: Namespace::Top,
    };
    const PLAIN: Spelling = Spelling {
        utf8: false,
        namespace: Namespace::Top,
    };
    const COURIER: Spelling = Spelling {
        utf8: false,
        namespace: Namespace::UnderInbox,
    };

    fn converted(sp: Spelling, name: &[u8]) -> Result<Vec<u8>, Response> {
        let mut name = name.to_vec();
        from_client(sp, &mut name).map(|()| name)
    }

    #[test]
    fn utf8_names_go_to_disk_as_modified_utf7() {
        // RFC 3501 5.1.3's example, and `&` standing for itself in UTF-8.
        assert_eq!(
            converted(UTF8, "~peter/mail/台北/日本語".as_bytes()).unwrap(),
            b"~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(converted(UTF8, b"A&B").unwrap(), b"A&-B");
        assert_eq!(converted(UTF8, b"INBOX").unwrap(), b"INBOX");
        assert_eq!(converted(PLAIN, b"&AOk-").unwrap(), b"&AOk-");
    }

    #[test]
    fn refuses_what_rfc_6855_3_forbids() {
        assert!(converted(UTF8, b"caf\xe9").is_err());
        assert!(converted(UTF8, b"a\x01b").is_err());
        assert!(converted(UTF8, "a\u{85}b".as_bytes()).is_err());
        assert!(converted(UTF8, "a\u{2028}b".as_bytes()).is_err());
        assert!(converted(UTF8, "a\u{2029}b".as_bytes()).is_err());
    }

    #[test]
    fn shown_back_in_the_clients_spelling() {
        let out = |sp, name: &[u8]| {
            let mut v = Vec::new();
            write(&mut v, sp, name).unwrap();
            String::from_utf8(v).unwrap()
        };
        assert_eq!(out(UTF8, b"Entw&APw-rfe"), "\"Entw\u{fc}rfe\"");
        assert_eq!(out(PLAIN, b"Entw&APw-rfe"), "Entw&APw-rfe");
        assert_eq!(out(UTF8, b"A&-B"), "A&B");
        // Not modified UTF-7: shown as it is.
        assert_eq!(out(UTF8, b"&Jjo"), "&Jjo");
        assert_eq!(&*shown(UTF8, b"&AOk-t&AOk-"), "\u{e9}t\u{e9}".as_bytes());
        // 8-bit bytes a tool left in a folder's name: not turned into U+FFFD.
        let mut plain = Vec::new();
        quote::astring(&mut plain, b"caf\xe9").unwrap();
        let mut v = Vec::new();
        write(&mut v, UTF8, b"caf\xe9").unwrap();
        assert_eq!(v, plain);
    }

    #[test]
    fn courier_names_are_under_inbox() {
        assert_eq!(converted(COURIER, b"INBOX.Sent").unwrap(), b"Sent");
        assert_eq!(
            converted(COURIER, b"inbox.Sent.2024").unwrap(),
            b"Sent.2024"
        );
        assert_eq!(converted(COURIER, b"Inbox").unwrap(), b"Inbox");
        for outside in [
            &b"Sent"[..],
            b"INBOX.",
            b"INBOX.INBOX",
            b"INBOX.inbox",
            b"INBOXSent",
        ] {
            let refused = converted(COURIER, outside).unwrap_err();
            assert_eq!(refused.code, Some(Code::Cannot), "{outside:?}");
        }
        assert_eq!(&*shown(COURIER, b"Sent"), b"INBOX.Sent");
        assert_eq!(&*shown(COURIER, b"INBOX"), b"INBOX");
        let both = Spelling {
            utf8: true,
            namespace: Namespace::UnderInbox,
        };
        assert_eq!(
            converted(both, "INBOX.Entw\u{fc}rfe".as_bytes()).unwrap(),
            b"Entw&APw-rfe"
        );
        assert_eq!(
            &*shown(both, b"Entw&APw-rfe"),
            "INBOX.Entw\u{fc}rfe".as_bytes()
        );
    }
}
