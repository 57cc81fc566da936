//! The MIME structure of a message (RFC 2045, RFC 2046): each part's header and body as
//! offsets into the message bytes, its content type, and its children: the parts of a
//! multipart, or the message inside a message/rfc822. Bodies are never copied.
//!
//! Broken mail still gets a structure: a multipart whose boundary never appears (or that
//! names none) has one empty part; a missing closing boundary ends the last part at the
//! end of the message.
//!
//! Hostile mail gets a bounded one, with Dovecot's limits (since CVE-2020-12100): at most
//! [`MAX_DEPTH`] levels of nesting and [`MAX_PARTS`] parts. A multipart or message/rfc822
//! beyond them is not looked into: it stands as one `application/octet-stream` part. When
//! the parts run out, the rest of the message is the body of the last part made (its body,
//! and that of every part around it, runs on to the end of the part around them all).

use std::ops::Range;

use super::header;
use super::mime::{self, Value};

/// Levels of multipart and message/rfc822 nesting that are parsed.
pub const MAX_DEPTH: usize = 100;

/// Parts in one message's tree, the message itself and every multipart and message/rfc822
/// included. A 4 MiB message of boundary lines is 838,853 parts without it.
pub const MAX_PARTS: usize = 10_000;

#[derive(Clone, Debug)]
pub struct Part {
    /// The part's MIME header (for the message itself, its RFC 5322 header), blank line
    /// included.
    pub header: Range<usize>,
    pub body: Range<usize>,
    /// Content-Type, or the default for where the part stands.
    pub content_type: Value,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Single,
    Multipart(Vec<Part>),
    /// message/rfc822: the message inside.
    Message(Box<Part>),
}

/// The structure of the message `msg`.
pub fn parse(msg: &[u8]) -> Part {
    parse_within(msg, MAX_PARTS)
}

/// The structure of `msg` in at most `max_parts` parts (at least one).
fn parse_within(msg: &[u8], max_parts: usize) -> Part {
    let mut left = max_parts.saturating_sub(1);
    parse_range(msg, 0..msg.len(), false, 0, &mut left)
}

/// The part in `range`; `left` is how many more parts may be made under it (and after).
fn parse_range(
    msg: &[u8],
    range: Range<usize>,
    in_digest: bool,
    depth: usize,
    left: &mut usize,
) -> Part {
    let split = range.start + header::split(&msg[range.clone()]);
    let header = &msg[range.start..split];
    let mut content_type = match header::get(header, b"Content-Type") {
        Some(v) if !mime::parse(&v, false).subtype.is_empty() => mime::parse(&v, false),
        // RFC 2046 5.1.5: in a multipart/digest, parts are messages by default.
        _ if in_digest => mime::parse(b"message/rfc822", false),
        // RFC 2045 5.2.
        _ => mime::parse(b"text/plain; charset=us-ascii", false),
    };
    let body = split..range.end;
    let multipart = content_type.mtype.eq_ignore_ascii_case(b"multipart");
    let message = content_type.is(b"message", b"rfc822");
    let kind = if (multipart || message) && (depth >= MAX_DEPTH || *left == 0) {
        content_type = mime::parse(b"application/octet-stream", false);
        Kind::Single
    } else if multipart {
        let digest = content_type.subtype.eq_ignore_ascii_case(b"digest");
        let ranges = match content_type.param(b"boundary") {
            Some(b) if !b.is_empty() => split_parts(msg, body.clone(), b, *left),
            _ => Vec::new(),
        };
        // IMAP needs at least one part in a multipart (RFC 3501 9, body-type-mpart): one
        // empty part stands in when there are none, as Dovecot does; the body is preamble.
        let ranges = if ranges.is_empty() {
            std::iter::once(body.end..body.end).collect()
        } else {
            ranges
        };
        let count = ranges.len();
        let mut parts: Vec<Part> = Vec::with_capacity(count);
        for r in ranges {
            if *left == 0 {
                break;
            }
            *left -= 1;
            parts.push(parse_range(msg, r, digest, depth + 1, left));
        }
        if parts.len() < count {
            if let Some(last) = parts.last_mut() {
                run_on(last, body.end);
            }
        }
        Kind::Multipart(parts)
    } else if message {
        *left -= 1;
        Kind::Message(Box::new(parse_range(
            msg,
            body.clone(),
            false,
            depth + 1,
            left,
        )))
    } else {
        Kind::Single
    };
    Part {
        header: range.start..split,
        body,
        content_type,
        kind,
    }
}

/// Makes `part`, and the last part inside it at every level, end at `end`: the parts ran
/// out, and what follows is their body.
fn run_on(mut part: &mut Part, end: usize) {
    loop {
        part.body.end = end;
        part = match &mut part.kind {
            Kind::Multipart(children) => match children.last_mut() {
                Some(c) => c,
                None => return,
            },
            Kind::Message(inner) => inner,
            Kind::Single => return,
        };
    }
}

/// The ranges of the parts between boundary lines in `body` (RFC 2046 5.1.1): each starts
/// after a `--boundary` line and ends before the line break in front of the next one.
/// Without any boundary line there are none: all of the body is preamble. At most `limit`
/// (at least one): the last of them then runs to the end of the body.
fn split_parts(msg: &[u8], body: Range<usize>, boundary: &[u8], limit: usize) -> Vec<Range<usize>> {
    let mut delim = b"--".to_vec();
    delim.extend_from_slice(boundary);
    let text = &msg[body.clone()];
    let finder = memchr::memmem::Finder::new(&delim);
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut from = 0;
    while let Some(i) = finder.find(&text[from..]) {
        let at = from + i;
        from = at + delim.len();
        if at != 0 && text[at - 1] != b'\n' {
            continue;
        }
        let after = &text[at + delim.len()..];
        let close = after.starts_with(b"--");
        let rest = if close { &after[2..] } else { after };
        let eol = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if !rest[..eol]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            continue;
        }
        // The line break before the delimiter belongs to it.
        let mut end = at;
        if end > 0 && text[end - 1] == b'\n' {
            end -= 1;
            if end > 0 && text[end - 1] == b'\r' {
                end -= 1;
            }
        }
        if let Some(start) = current.take() {
            parts.push(body.start + start..body.start + end.max(start));
        }
        let next = (at + delim.len() + if close { 2 } else { 0 } + eol + 1).min(text.len());
        if close {
            return parts;
        }
        if parts.len() + 1 >= limit {
            parts.push(body.start + next..body.end);
            return parts;
        }
        current = Some(next);
        from = next;
    }
    if let Some(start) = current {
        parts.push(body.start + start..body.end);
    }
    parts
}

/// The part that section part numbers name (RFC 3501 6.4.5): each number picks a child
/// of a multipart; after the first, the numbers of a message/rfc822 part are those of the
/// message inside it; `1` of a part that is not a multipart is the part itself.
pub fn find<'a>(root: &'a Part, numbers: &[u32]) -> Option<&'a Part> {
    let mut part = root;
    for (i, &n) in numbers.iter().enumerate() {
        if i > 0 {
            if let Kind::Message(inner) = &part.kind {
                part = inner;
            }
        }
        part = match &part.kind {
            Kind::Multipart(children) => children.get((n as usize).checked_sub(1)?)?,
            _ if n == 1 => part,
            _ => return None,
        };
    }
    Some(part)
}

/// The number of lines in `range`, as IMAP counts them for text bodies: line breaks (a
/// last line without one is not a line, RFC 5322 2.1; Dovecot and c-client count so too).
pub fn lines(msg: &[u8], range: Range<usize>) -> u64 {
    memchr::memchr_iter(b'\n', &msg[range]).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &[u8] = b"Subject: t\nContent-Type: multipart/mixed; boundary=xx\n\npreamble\n--xx\n\none\n--xx\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--xx--\nepilogue\n";

    #[test]
    fn multipart_and_nested_message() {
        let p = parse(MIXED);
        let Kind::Multipart(parts) = &p.kind else {
            panic!("not multipart")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(&MIXED[parts[0].body.clone()], b"one");
        assert!(parts[0].content_type.is(b"text", b"plain"));
        let Kind::Message(inner) = &parts[1].kind else {
            panic!("not a message")
        };
        assert_eq!(&MIXED[inner.body.clone()], b"inner body");
        assert_eq!(&MIXED[inner.header.clone()], b"Subject: inner\n\n");
    }

    #[test]
    fn broken_multiparts() {
        // No closing boundary: the last part runs to the end.
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\n\ny\n";
        let Kind::Multipart(parts) = parse(m).kind else {
            panic!()
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(&m[parts[1].body.clone()], b"y\n");
        // The boundary never appears: the whole body is one part.
        let m = b"Content-Type: multipart/mixed; boundary=b\n\nno parts\n";
        let Kind::Multipart(parts) = parse(m).kind else {
            panic!()
        };
        assert_eq!(parts.len(), 1);
        // A boundary inside a line is not a boundary.
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx --b\n--b--\n";
        let Kind::Multipart(parts) = parse(m).kind else {
            panic!()
        };
        assert_eq!(&m[parts[0].body.clone()], b"x --b");
    }

    #[test]
    fn digest_parts_default_to_messages() {
        let m = b"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nbody\n--d--\n";
        let Kind::Multipart(parts) = parse(m).kind else {
            panic!()
        };
        assert!(parts[0].content_type.is(b"message", b"rfc822"));
        assert!(matches!(parts[0].kind, Kind::Message(_)));
    }

    #[test]
    fn lines_count_line_ends() {
        assert_eq!(lines(b"a\nb", 0..3), 1);
        assert_eq!(lines(b"a\nb\n", 0..4), 2);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut m = Vec::new();
        for _ in 0..10_000 {
            m.extend_from_slice(b"Content-Type: message/rfc822\n\n");
        }
        let _ = parse(&m);
    }

    /// The number of parts in the tree under `p`, and its depth.
    fn count(p: &Part) -> (usize, usize) {
        let mut stack = vec![(p, 1)];
        let (mut n, mut deepest) = (0, 0);
        while let Some((p, d)) = stack.pop() {
            n += 1;
            deepest = deepest.max(d);
            match &p.kind {
                Kind::Single => {}
                Kind::Message(inner) => stack.push((inner, d + 1)),
                Kind::Multipart(c) => stack.extend(c.iter().map(|c| (c, d + 1))),
            }
        }
        (n, deepest)
    }

    #[test]
    fn many_parts_are_capped_and_the_rest_is_the_last_body() {
        let mut m = b"Content-Type: multipart/mixed; boundary=b\n\n".to_vec();
        for i in 0..100_000 {
            m.extend_from_slice(format!("--b\n\npart {i}\n").as_bytes());
        }
        m.extend_from_slice(b"--b--\n");
        let root = parse(&m);
        assert_eq!(count(&root), (MAX_PARTS, 2));
        let Kind::Multipart(parts) = &root.kind else {
            panic!("not multipart")
        };
        assert_eq!(&m[parts[0].body.clone()], b"part 0");
        let last = &m[parts[MAX_PARTS - 2].body.clone()];
        assert!(last.starts_with(b"part 9998\n--b\n\npart 9999\n"));
        assert!(last.ends_with(b"part 99999\n--b--\n"));
    }

    #[test]
    fn nesting_is_capped_at_max_depth() {
        let mut m = Vec::new();
        for i in 0..10_000 {
            m.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n").as_bytes(),
            );
        }
        m.extend_from_slice(b"\ninnermost\n");
        let root = parse(&m);
        assert_eq!(count(&root), (MAX_DEPTH + 1, MAX_DEPTH + 1));
        let mut p = &root;
        while let Kind::Multipart(c) = &p.kind {
            p = &c[0];
        }
        // The level past the cap is one part: its bytes, not a multipart.
        assert!(p.content_type.is(b"application", b"octet-stream"));
        assert!(m[p.body.clone()].ends_with(b"innermost\n"));
    }

    #[test]
    fn dovecot_part_limit_example() {
        // Dovecot's test-message-parser.c, test_message_parser_mime_part_limit, with its
        // limit of 4 parts: the fourth part's body runs on to the end of the message.
        let m = b"Content-Type: multipart/mixed; boundary=\"1\"\n\n--1\nContent-Type: multipart/mixed; boundary=\"2\"\n\n--2\nContent-Type: text/plain\n\n1\n--2\nContent-Type: text/plain\n\n22\n--1\nContent-Type: text/plain\n\n333\n";
        let root = parse_within(m, 4);
        assert_eq!(count(&root), (4, 3));
        let Kind::Multipart(outer) = &root.kind else {
            panic!()
        };
        assert_eq!(outer.len(), 1);
        let Kind::Multipart(inner) = &outer[0].kind else {
            panic!()
        };
        assert_eq!(outer[0].body.len(), 99);
        assert_eq!(&m[inner[0].body.clone()], b"1");
        assert_eq!(
            &m[inner[1].body.clone()],
            b"22\n--1\nContent-Type: text/plain\n\n333\n"
        );
    }
}
