//! The IMAP URLs CATENATE takes (RFC 4469 3): relative URLs of RFC 5092 that name a
//! message or a part of one on this server, for the user of this session. Absolute URLs
//! (`imap://...`), network paths (`//host/...`), message lists (`?search`) and URLAUTH
//! are outside RFC 4469, which answers them with NO: [`parse`] gives `None` for them.
//!
//! `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`, and the same from
//! `;UID=` on for the selected mailbox (the base URL of RFC 4469 3). Keywords are matched
//! without case (RFC 5092's ABNF strings); the mailbox and the section are %-decoded, and
//! the mailbox is then UTF-8 (RFC 5092's enc-mailbox), converted to the modified UTF-7 of the disk
//! ([`disk_name`]).

use crate::maildir::mutf7;
use crate::message::section::{Section, Text};

/// A URL's mailbox in the spelling on disk. RFC 5092 names mailboxes in UTF-8; clients
/// that put the modified UTF-7 of the wire there instead are taken at their word when the
/// name is ASCII and valid as such.
fn disk_name(name: Vec<u8>) -> Option<Vec<u8>> {
    if name.is_ascii() && mutf7::is_valid(&name) {
        return Some(name);
    }
    Some(mutf7::from_utf8(std::str::from_utf8(&name).ok()?))
}

/// A message, or a part of it, in a mailbox.
#[derive(Debug, PartialEq, Eq)]
pub struct Url {
    /// The mailbox name; `None`: the selected mailbox.
    pub mailbox: Option<Vec<u8>>,
    pub uidvalidity: Option<u32>,
    pub uid: u32,
    /// `None`: the whole message (as `BODY[]`).
    pub section: Option<Section>,
    /// `<offset.length>` of what the section gives, as a FETCH partial; no length: to the
    /// end.
    pub partial: Option<(u64, u64)>,
}

/// Parses `url`; `None` when it is not one this server serves (RFC 4469 4.1: BADURL).
pub fn parse(url: &[u8]) -> Option<Url> {
    if url.iter().any(|&b| !(0x21..0x7f).contains(&b)) {
        return None;
    }
    // Each `;` starts a parameter: none of the parts may hold one unencoded.
    let mut pieces = url.split(|&b| b == b';');
    let head = pieces.next()?;
    let mut params = pieces.peekable();
    let mut url = Url {
        mailbox: None,
        uidvalidity: None,
        uid: 0,
        section: None,
        partial: None,
    };
    let mut uid_param = params.next()?;
    if !head.is_empty() {
        // iabsolute-path: "/" enc-mailbox, then ";UIDVALIDITY=n/" or "/".
        let named = head.strip_prefix(b"/")?;
        if named.starts_with(b"/") {
            return None;
        }
        let mailbox = match value(uid_param, b"UIDVALIDITY=") {
            Some(v) => {
                url.uidvalidity = Some(nz_number(v.strip_suffix(b"/")?)?);
                uid_param = params.next()?;
                named
            }
            None => named.strip_suffix(b"/")?,
        };
        let mailbox = decode(mailbox)?;
        if mailbox.is_empty() {
            return None;
        }
        url.mailbox = Some(disk_name(mailbox)?);
    }
    let mut last = value(uid_param, b"UID=")?;
    let more = params.peek().is_some();
    if more {
        last = last.strip_suffix(b"/")?;
    }
    url.uid = nz_number(last)?;
    let mut param = params.next();
    if let Some(v) = param.and_then(|p| value(p, b"SECTION=")) {
        let v = if params.peek().is_some() {
            v.strip_suffix(b"/")?
        } else {
            v
        };
        url.section = Some(section(&decode(v)?)?);
        param = params.next();
    }
    if let Some(p) = param {
        url.partial = Some(partial(value(p, b"PARTIAL=")?)?);
        param = params.next();
    }
    // URLAUTH and anything else: not served.
    match param {
        None => Some(url),
        Some(_) => None,
    }
}

/// What follows `key` (`NAME=`, case ignored) in `param`.
fn value<'a>(param: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let head = param.get(..key.len())?;
    head.eq_ignore_ascii_case(key).then(|| &param[key.len()..])
}

/// RFC 3986 2.1 percent-decoding.
fn decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// `nz-number`: no leading zero, fits 32 bits.
fn nz_number(s: &[u8]) -> Option<u32> {
    let n = number(s)?;
    (n > 0).then_some(n)
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `partial-range = number ["." nz-number]` (RFC 5092 6).
fn partial(s: &[u8]) -> Option<(u64, u64)> {
    let (offset, len) = match memchr::memchr(b'.', s) {
        Some(i) => (&s[..i], Some(nz_number(&s[i + 1..])?)),
        None => (s, None),
    };
    Some((u64::from(number(offset)?), len.map_or(u64::MAX, u64::from)))
}

/// `section-text` of RFC 3501 9 as FETCH takes it, %-decoded: `1.2.MIME`, `HEADER`,
/// `HEADER.FIELDS (From To)`, `TEXT`; header field names as atoms or quoted strings.
fn section(s: &[u8]) -> Option<Section> {
    let mut sec = Section::default();
    let mut rest = s;
    while rest.first().is_some_and(u8::is_ascii_digit) {
        let end = rest.iter().position(|&b| b == b'.').unwrap_or(rest.len());
        sec.part.push(nz_number(&rest[..end])?);
        if end == rest.len() {
            return Some(sec);
        }
        rest = &rest[end + 1..];
    }
    // Nothing, or nothing after a ".".
    if rest.is_empty() {
        return None;
    }
    let upper = rest.to_ascii_uppercase();
    sec.text = Some(match &upper[..] {
        b"HEADER" => Text::Header,
        b"TEXT" => Text::Text,
        b"MIME" if !sec.part.is_empty() => Text::Mime,
        _ => {
            let (not, list) = if let Some(l) = upper.strip_prefix(b"HEADER.FIELDS.NOT ") {
                (true, l.len())
            } else {
                (false, upper.strip_prefix(b"HEADER.FIELDS ")?.len())
            };
            Text::Fields {
                not,
                names: field_names(&rest[rest.len() - list..])?,
            }
        }
    });
    Some(sec)
}

/// `"(" header-fld-name *(SP header-fld-name) ")"`, names as atoms or quoted strings.
fn field_names(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut s = s.strip_prefix(b"(")?.strip_suffix(b")")?;
    let mut names = Vec::new();
    loop {
        let (name, rest) = if let Some(q) = s.strip_prefix(b"\"") {
            let end = memchr::memchr(b'"', q)?;
            (&q[..end], &q[end + 1..])
        } else {
            let end = s.iter().position(|&b| b == b' ').unwrap_or(s.len());
            (&s[..end], &s[end..])
        };
        let field_char = |b: &u8| b.is_ascii_graphic() && !matches!(b, b':' | b'"' | b'\\');
        if name.is_empty() || !name.iter().all(field_char) {
            return None;
        }
        names.push(name.to_vec());
        match rest.strip_prefix(b" ") {
            Some(r) => s = r,
            None if rest.is_empty() => return Some(names),
            None => return None,
        }
    }
}

/// `url` as RFC 4469 5's `url-resp-text` can carry it: every byte that is not a TEXT-CHAR,
/// and `]` and `%`, %-encoded.
pub fn shown(url: &[u8]) -> String {
    let mut out = String::with_capacity(url.len());
    for &b in url {
        let text_char = (0x20..0x7f).contains(&b) && b != b']' && b != b'%';
        if text_char {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(part: &[u32], text: Option<Text>) -> Option<Section> {
        Some(Section {
            part: part.to_vec(),
            text,
        })
    }

    #[test]
    fn rfc4469_appendix_a_urls() {
        // RFC 4469 Appendix A, Example 1: keywords in any case.
        let u = parse(b"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME").unwrap();
        assert_eq!(
            u,
            Url {
                mailbox: Some(b"Drafts".to_vec()),
                uidvalidity: Some(385759045),
                uid: 20,
                section: sec(&[1], Some(Text::Mime)),
                partial: None,
            }
        );
        let u = parse(b"/Drafts;UIDVALIDITY=385759045/;UID=20/;Section=HEADER").unwrap();
        assert_eq!(u.section, sec(&[], Some(Text::Header)));
        let u = parse(b"/INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9").unwrap();
        assert_eq!(u.section, sec(&[1, 5, 9], None));
        let u = parse(b"/Drafts;UIDVALIDITY=385759045/;UID=30").unwrap();
        assert_eq!((u.uid, u.section), (30, None));
    }

    #[test]
    fn rfc5092_forms() {
        // RFC 5092 6: UIDVALIDITY is optional; the mailbox then ends with "/".
        let u = parse(b"/a.b/;UID=2/;PARTIAL=10.5").unwrap();
        assert_eq!(u.mailbox.as_deref(), Some(&b"a.b"[..]));
        assert_eq!((u.uidvalidity, u.partial), (None, Some((10, 5))));
        assert_eq!(
            parse(b"/a/;UID=2/;PARTIAL=7").unwrap().partial,
            Some((7, u64::MAX))
        );
        // %-encoded names and sections (RFC 3986 2.1).
        let u = parse(b"/my%20box/;UID=2/;SECTION=HEADER.FIELDS%20(From%20%22To%22)").unwrap();
        assert_eq!(u.mailbox.as_deref(), Some(&b"my box"[..]));
        assert_eq!(
            u.section,
            sec(
                &[],
                Some(Text::Fields {
                    not: false,
                    names: vec![b"From".to_vec(), b"To".to_vec()]
                })
            )
        );
        let u = parse(b"/a/;UID=2/;SECTION=2.HEADER.FIELDS.NOT%20(X)").unwrap();
        assert!(matches!(
            u.section.unwrap().text,
            Some(Text::Fields { not: true, .. })
        ));
        assert_eq!(
            parse(b"/a/;UID=2/;SECTION=3.TEXT").unwrap().section,
            sec(&[3], Some(Text::Text))
        );
        // RFC 4469 3: relative to the selected mailbox.
        let u = parse(b";UID=7/;SECTION=1").unwrap();
        assert_eq!((u.mailbox, u.uid, u.section), (None, 7, sec(&[1], None)));
    }

    #[test]
    fn urls_not_served() {
        for bad in [
            // RFC 4469 3: absolute URLs and network paths are outside it.
            &b"imap://joe@example.com/INBOX/;UID=1"[..],
            b"//example.com/INBOX/;UID=1",
            // no UID, UID 0, a bad UIDVALIDITY, a message list
            b"/INBOX",
            b"/INBOX;UIDVALIDITY=5",
            b"/INBOX/;UID=0",
            b"/INBOX;UIDVALIDITY=x/;UID=1",
            b"/INBOX?SUBJECT%20x",
            b"/INBOX/;UID=1x",
            // bad sections and partials
            b"/INBOX/;UID=1/;SECTION=1.",
            b"/INBOX/;UID=1/;SECTION=0",
            b"/INBOX/;UID=1/;SECTION=MIME",
            b"/INBOX/;UID=1/;SECTION=BOGUS",
            b"/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20()",
            b"/INBOX/;UID=1/;PARTIAL=1.0",
            b"/INBOX/;UID=1/;SECTION=",
            // URLAUTH (RFC 4467) and what comes after the end
            b"/INBOX/;UID=1;URLAUTH=anonymous",
            b"/INBOX/;UID=1/;PARTIAL=1/;SECTION=1",
            // unencoded space, bad %-escape, empty mailbox
            b"/IN BOX/;UID=1",
            b"/IN%zzBOX/;UID=1",
            b"//;UID=1",
            b"/;UID=1",
        ] {
            assert!(parse(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn shown_in_badurl_is_text_without_close_bracket() {
        // RFC 4469 5: url-resp-text is any TEXT-CHAR except "]".
        assert_eq!(shown(b"/a]b\r\n\xff/;UID=1"), "/a%5Db%0D%0A%FF/;UID=1");
    }
}
