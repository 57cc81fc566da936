//! ENVELOPE (RFC 3501 7.4.2): date, subject, the address lists, In-Reply-To and
//! Message-ID, from the header alone, as raw (unfolded, undecoded) strings.

use std::io::{self, Write};

use super::address::{self, Address};
use super::header;
use crate::wire::quote::nstring;

/// Writes the ENVELOPE of the message whose header is `hdr`.
pub fn write(w: &mut impl Write, hdr: &[u8]) -> io::Result<()> {
    let index = header::Index::new(hdr);
    let get = |name: &[u8]| index.get(name);
    w.write_all(b"(")?;
    nstring(w, get(b"Date").as_deref())?;
    w.write_all(b" ")?;
    nstring(w, get(b"Subject").as_deref())?;
    let from = get(b"From").map(|v| address::parse(&v)).unwrap_or_default();
    for name in [&b"From"[..], b"Sender", b"Reply-To", b"To", b"Cc", b"Bcc"] {
        w.write_all(b" ")?;
        let list = match get(name) {
            Some(v) => address::parse(&v),
            None => Vec::new(),
        };
        // RFC 3501 7.4.2: Sender and Reply-To default to From.
        let list = if list.is_empty() && matches!(name, b"Sender" | b"Reply-To") {
            from.clone()
        } else {
            list
        };
        addresses(w, &list)?;
    }
    w.write_all(b" ")?;
    nstring(w, get(b"In-Reply-To").as_deref())?;
    w.write_all(b" ")?;
    nstring(w, get(b"Message-ID").as_deref())?;
    w.write_all(b")")
}

fn addresses(w: &mut impl Write, list: &[Address]) -> io::Result<()> {
    if list.is_empty() {
        return w.write_all(b"NIL");
    }
    w.write_all(b"(")?;
    for a in list {
        w.write_all(b"(")?;
        nstring(w, a.name.as_deref())?;
        w.write_all(b" ")?;
        nstring(w, a.adl.as_deref())?;
        w.write_all(b" ")?;
        nstring(w, a.mailbox.as_deref())?;
        w.write_all(b" ")?;
        nstring(w, a.host.as_deref())?;
        w.write_all(b")")?;
    }
    w.write_all(b")")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_example_shape() {
        let hdr = b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\nFrom: Terry Gray <gray@cac.washington.edu>\nSubject: IMAP4rev1 WG mtg summary and minutes\nTo: imap@cac.washington.edu\ncc: minutes@CNRI.Reston.VA.US,\n  John Klensin <KLENSIN@MIT.EDU>\nMessage-Id: <B27397-0100000@cac.washington.edu>\n\n";
        let mut out = Vec::new();
        write(&mut out, hdr).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) \
NIL NIL \"<B27397-0100000@cac.washington.edu>\")"
        );
    }
}
