//! SEARCH FROM, TO, CC and BCC against the addresses as parsed (RFC 3501 6.4.4 searches
//! "the envelope structure's" field): each address as `mailbox@host` with comments, quoting
//! and the white space around its dots and `@` gone, and its display name (or the comment
//! that names it), so that `user-from@domain.org` finds
//! `<user-from (comment)@ (comment) domain.org>`, as well as the field's text.

use super::address::{self, Address};
use super::{decode, header, text};

/// The fields whose addresses are searched (the SEARCH keys of RFC 3501 6.4.4, and
/// HEADER searches of the same fields).
const ADDRESS_FIELDS: [&[u8]; 4] = [b"From", b"To", b"Cc", b"Bcc"];

/// Whether a field `name` of `hdr` holds `needle` (folded, as [`text::fold`] makes it):
/// in its decoded text, or, for an address field, in an address's `mailbox@host` form or
/// its name. One pass over the header: SEARCH asks this of every message.
pub fn field_matches(hdr: &[u8], name: &[u8], needle: &str) -> bool {
    let addresses = ADDRESS_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name));
    header::fields(hdr)
        .filter(|f| hdr[f.name.clone()].eq_ignore_ascii_case(name))
        .any(|f| {
            let value = header::unfold(&hdr[f.value]);
            text::fold(&decode::header_text(&value)).contains(needle)
                // Only these can make the parsed form differ from the text: comments,
                // quoting, and white space that parsing takes out or makes one space.
                // Most fields have none, and parsing every one would cost SEARCH more
                // than the match itself.
                || (addresses
                    && hides(&value)
                    && address::parse(&value).iter().any(|a| holds(a, needle)))
        })
}

/// Whether parsing `value` can find in it what its text does not show as it is: a comment,
/// a quoted pair, a quoted local part (`"john doe"@host`), or white space that parsing
/// takes out (around `@` and dots) or makes one space. A quoted display name alone does not
/// count: its text is there between the quotes.
fn hides(value: &[u8]) -> bool {
    // The rare bytes by memchr; then the few `@` and spaces a value has, by their
    // neighbours: cheaper than a look at every byte, and SEARCH asks this of every message.
    let at = |i: usize| value.get(i).copied();
    memchr::memchr3(b'(', b'\\', b'\t', value).is_some()
        || memchr::memchr_iter(b'@', value).any(|i| {
            matches!(i.checked_sub(1).and_then(at), Some(b'"' | b' ')) || at(i + 1) == Some(b' ')
        })
        || memchr::memchr_iter(b' ', value).any(|i| {
            matches!(at(i + 1), Some(b' ' | b'.')) || i.checked_sub(1).and_then(at) == Some(b'.')
        })
}

fn holds(a: &Address, needle: &str) -> bool {
    let name = a
        .name
        .as_deref()
        .is_some_and(|n| text::fold(&decode::header_text(n)).contains(needle));
    let spec = match (&a.mailbox, &a.host) {
        (Some(m), Some(h)) => {
            let mut s = m.clone();
            s.push(b'@');
            s.extend_from_slice(h);
            text::fold(&String::from_utf8_lossy(&s)).contains(needle)
        }
        _ => false,
    };
    name || spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_6_4_4_parsed_addresses() {
        let hdr = b"From: <user-from (comment)@ (comment) domain.org>\nTo: \"Doe\\, John\" <j@x.test>\nCc: plain@example.org, \"john doe\"@x.test\n\n";
        let m = field_matches;
        assert!(m(hdr, b"FROM", "user-from@domain.org"));
        assert!(!m(hdr, b"TO", "user-from@domain.org"));
        // Quoting out of the display name.
        assert!(m(hdr, b"to", "doe, john"));
        assert!(m(hdr, b"cc", "plain@example.org"));
        assert!(m(hdr, b"cc", "john doe@x.test"));
        assert!(m(hdr, b"from", "(comment)@"));
        assert!(!m(hdr, b"Subject", "user-from@domain.org"));
        // Not an address field: its text only.
        let other = b"Subject: <user-from (comment)@ (comment) domain.org>\n\n";
        assert!(!m(other, b"subject", "user-from@domain.org"));
        let spaced = b"Bcc: someone @ example . org (Some One)\n\n";
        assert!(m(spaced, b"bcc", "someone@example.org"));
        assert!(m(spaced, b"bcc", "some one"));
    }
}
