//! FETCH of body sections (RFC 3501 6.4.5, 7.4.2): BODY[section]<partial> for the whole
//! message, HEADER, TEXT, part numbers, MIME, parts of an attached message/rfc822,
//! HEADER.FIELDS and HEADER.FIELDS.NOT, with partials at every boundary; BINARY,
//! BINARY.PEEK and BINARY.SIZE (RFC 3516); and the \Seen flag that non-PEEK fetches set.
//!
//! Expected bytes are worked out here from the message text (LF turned into CRLF, as
//! RFC 3501 2.3.4 has messages served), never taken from the server's output.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Session};

/// A simple message with folded fields, two Received fields and mixed-case names; stored
/// with LF line ends.
const SIMPLE: &[u8] = b"Received: from a.example by b.example;
\tMon, 01 Jan 2024 08:59:00 +0000
From: Alice <alice@example.org>
To: bob@example.com
Subject: A folded
  subject line
X-Mixed-Case: value
Received: from c.example by a.example;
 Mon, 01 Jan 2024 08:58:00 +0000
Date: Mon, 01 Jan 2024 09:00:00 +0000

Line one of the body.
Line two.
";

/// A multipart message: a text part, an attached message/rfc822, a base64 part holding NUL
/// bytes, a quoted-printable part with an encoded NUL, and a part in an encoding nobody
/// knows.
const MULTI: &[u8] = b"From: carol@example.net
To: dave@example.com
Subject: Report with attachments
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"outer\"

This is the preamble.

--outer
Content-Type: text/plain; charset=us-ascii

First part text.
Second line.
--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: eve@example.org
Subject: Inner message
Content-Type: text/plain

Inner body line.
--outer
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwD/
--outer
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

caf=E9 with a NUL =00 here=
 and a soft break
--outer
Content-Type: application/x-thing
Content-Transfer-Encoding: x-uuencode

begin 644 x
--outer--
epilogue
";

/// `SIMPLE`'s text up to and including the blank line, and after it.
fn split(m: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let at = m.windows(2).position(|w| w == b"\n\n").expect("blank line") + 2;
    (crlf(&m[..at]), crlf(&m[at..]))
}

/// UIDs 1 to `n`: copies of SIMPLE (odd) and MULTI (even), unseen, plus SIMPLE stored
/// with CRLF line ends as the last message.
fn session(name: &str, n: u32) -> Session {
    let mut f = Fixture::new(name);
    let when = utc(2024, 1, 1, 9, 0, 0);
    for uid in 1..=n {
        let m = if uid % 2 == 1 { SIMPLE } else { MULTI };
        f.add(uid, "", m, when);
    }
    f.add(n + 1, "", &crlf(SIMPLE), when);
    f.session()
}

// ---------------------------------------------------------------------------------------
// A minimal reader of `* n FETCH (...)` responses.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Nil,
    /// A string: its bytes, and whether it came as a literal8 (`~{n}`).
    Str(Vec<u8>, bool),
    /// Anything else (a number, a parenthesised list), as text.
    Other(String),
}

/// The attributes of a FETCH response for message `seq`, in order.
fn parse_fetch(resp: &[u8], seq: u32) -> Option<Vec<(String, Value)>> {
    let prefix = format!("* {seq} FETCH (");
    let mut rest = resp.strip_prefix(prefix.as_bytes())?;
    let mut items = Vec::new();
    loop {
        if rest == b")" {
            return Some(items);
        }
        // The name, with any [section] (which may hold spaces) and <origin>.
        let mut depth = 0;
        let mut i = 0;
        while i < rest.len() && !(rest[i] == b' ' && depth == 0) {
            match rest[i] {
                b'[' => depth += 1,
                b']' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        let name = String::from_utf8_lossy(&rest[..i]).into_owned();
        rest = rest.get(i + 1..)?;
        let (value, used) = parse_value(rest)?;
        items.push((name, value));
        rest = &rest[used..];
        if rest.first() == Some(&b' ') {
            rest = &rest[1..];
        }
    }
}

fn parse_value(s: &[u8]) -> Option<(Value, usize)> {
    if s.starts_with(b"NIL") {
        return Some((Value::Nil, 3));
    }
    if s.first() == Some(&b'"') {
        let mut out = Vec::new();
        let mut i = 1;
        while s.get(i)? != &b'"' {
            if s[i] == b'\\' {
                i += 1;
            }
            out.push(*s.get(i)?);
            i += 1;
        }
        return Some((Value::Str(out, false), i + 1));
    }
    let tilde = s.first() == Some(&b'~');
    let t = usize::from(tilde);
    if s.get(t) == Some(&b'{') {
        let close = s.iter().position(|&b| b == b'}')?;
        let n: usize = std::str::from_utf8(&s[t + 1..close]).ok()?.parse().ok()?;
        let start = close + 3;
        if &s[close + 1..start] != b"\r\n" {
            return None;
        }
        return Some((
            Value::Str(s.get(start..start + n)?.to_vec(), tilde),
            start + n,
        ));
    }
    if s.first() == Some(&b'(') {
        let mut depth = 0;
        let mut quoted = false;
        for (i, &b) in s.iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b'(' if !quoted => depth += 1,
                b')' if !quoted => {
                    depth -= 1;
                    if depth == 0 {
                        let text = String::from_utf8_lossy(&s[..=i]).into_owned();
                        return Some((Value::Other(text), i + 1));
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    let end = s.iter().position(|&b| b == b' ' || b == b')')?;
    Some((
        Value::Other(String::from_utf8_lossy(&s[..end]).into_owned()),
        end,
    ))
}

/// FETCH `seq` `items`; the reply must be OK with one FETCH response for `seq`, whose
/// attributes are returned (the UID that UID FETCH adds included).
fn fetch(s: &mut Session, seq: u32, items: &str) -> Vec<(String, Value)> {
    let r = s.cmd(&format!("FETCH {seq} {items}"));
    if !r.ok() {
        s.fail(&format!("FETCH {seq} {items}: {:?}", r.tagged));
    }
    let mut found = Vec::new();
    for u in &r.untagged {
        if let Some(v) = parse_fetch(u, seq) {
            found.push(v);
        } else if u.starts_with(format!("* {seq} FETCH").as_bytes()) {
            s.fail(&format!("unreadable FETCH response {:?}", common::show(u)));
        }
    }
    if found.len() != 1 {
        s.fail(&format!("expected one FETCH response, got {}", found.len()));
    }
    found.pop().unwrap()
}

/// The value of the single attribute that `FETCH seq item` returns; its name must be
/// `label` (compared without regard to case: RFC 3501 9, section names are atoms).
fn fetch_one(s: &mut Session, seq: u32, item: &str, label: &str) -> Value {
    let items = fetch(s, seq, item);
    if items.len() != 1 || !items[0].0.eq_ignore_ascii_case(label) {
        s.fail(&format!(
            "FETCH {seq} {item}: expected only {label}, got {:?}",
            items.iter().map(|i| &i.0).collect::<Vec<_>>()
        ));
    }
    items[0].1.clone()
}

/// Checks a string value against `want`; an empty string may come as `""` or `{0}`.
fn expect_bytes(s: &Session, what: &str, got: &Value, want: &[u8]) {
    match got {
        Value::Str(b, _) if b == want => {}
        _ => s.fail(&format!(
            "{what}: expected {:?}, got {got:?}",
            common::show(want)
        )),
    }
}

/// The windows to try on something `len` bytes long whose header ends at `header_end` (0
/// when it has none): every boundary RFC 3501 6.4.5's partial fetch can meet.
fn windows(len: usize, header_end: usize) -> Vec<(usize, usize)> {
    let mut w = vec![
        (0, 1),
        (0, len.max(1)),
        (0, len + 100),
        (1, 5),
        (len.saturating_sub(1), 1),
        (len.saturating_sub(1), 10),
        (len, 1),
        (len, 10),
        (len + 1, 1),
        (len + 1000, 4),
        (len / 2, len),
        (len / 2, 1),
    ];
    if header_end >= 4 {
        let h = header_end;
        w.extend([
            // Inside the header.
            (5, 10),
            // Ending exactly at, and right before, the blank line (CRLF at h-2).
            (0, h - 2),
            (0, h),
            (0, h - 1),
            // The blank line alone, and across it.
            (h - 2, 2),
            (h - 2, 1),
            (h - 1, 1),
            (h - 3, 4),
            (h - 4, 8),
            // Starting exactly at, and just after, the body.
            (h, 1),
            (h, len),
            (h + 1, 3),
        ]);
    }
    w
}

/// `want[o..o+l]` clipped, as RFC 3501 6.4.5 defines the partial: "If the starting octet
/// is beyond the end of the text, an empty string is returned."
fn clip(want: &[u8], o: usize, l: usize) -> &[u8] {
    let a = o.min(want.len());
    let b = (o + l).min(want.len());
    &want[a..b]
}

/// Fetches `section` whole and in every window; each must match `want`.
fn check_partials(s: &mut Session, seq: u32, section: &str, want: &[u8], header_end: usize) {
    let whole = fetch_one(
        s,
        seq,
        &format!("BODY.PEEK[{section}]"),
        &format!("BODY[{section}]"),
    );
    expect_bytes(s, &format!("BODY[{section}]"), &whole, want);
    for (o, l) in windows(want.len(), header_end) {
        if l == 0 {
            continue;
        }
        let v = fetch_one(
            s,
            seq,
            &format!("BODY.PEEK[{section}]<{o}.{l}>"),
            &format!("BODY[{section}]<{o}>"),
        );
        expect_bytes(
            s,
            &format!("BODY[{section}]<{o}.{l}> of {} bytes", want.len()),
            &v,
            clip(want, o, l),
        );
    }
}

// ---------------------------------------------------------------------------------------

// RFC 3501 6.4.5 BODY[]<partial>: the whole message, CRLF line ends; partials at 0, in the
// header, at and across the blank line, at the last byte and past the end.
#[test]
fn whole_message_partials() {
    let mut s = session("whole", 2);
    let want = crlf(SIMPLE);
    let (header, _) = split(SIMPLE);
    check_partials(&mut s, 1, "", &want, header.len());
    // The copy stored with CRLF is served the same.
    check_partials(&mut s, 3, "", &want, header.len());
    // RFC822.SIZE is the size of BODY[] (RFC 3501 2.3.4).
    let size = fetch_one(&mut s, 1, "RFC822.SIZE", "RFC822.SIZE");
    assert_eq!(size, Value::Other(want.len().to_string()));
    let mwant = crlf(MULTI);
    let (mheader, _) = split(MULTI);
    check_partials(&mut s, 2, "", &mwant, mheader.len());
}

// RFC 3501 6.4.5 HEADER: the header with its blank line; TEXT: the body after it.
#[test]
fn header_and_text_partials() {
    let mut s = session("header-text", 2);
    let (header, text) = split(SIMPLE);
    assert!(header.ends_with(b"\r\n\r\n"));
    check_partials(&mut s, 1, "HEADER", &header, header.len());
    check_partials(&mut s, 1, "TEXT", &text, 0);
    let (mheader, mtext) = split(MULTI);
    check_partials(&mut s, 2, "HEADER", &mheader, mheader.len());
    check_partials(&mut s, 2, "TEXT", &mtext, 0);
    // RFC822.HEADER and RFC822.TEXT are the same bytes (RFC 3501 6.4.5).
    let v = fetch_one(&mut s, 1, "RFC822.HEADER", "RFC822.HEADER");
    expect_bytes(&s, "RFC822.HEADER", &v, &header);
}

// RFC 3501 6.4.5: part 1 of a non-multipart message is its body.
#[test]
fn part_one_of_a_simple_message() {
    let mut s = session("part1-simple", 1);
    let (_, text) = split(SIMPLE);
    check_partials(&mut s, 1, "1", &text, 0);
    // No part 2, and no MIME header... of part 2.
    assert_eq!(fetch_one(&mut s, 1, "BODY.PEEK[2]", "BODY[2]"), Value::Nil);
}

/// The bytes of MULTI's parts, written out by hand.
fn part1() -> Vec<u8> {
    b"First part text.\r\nSecond line.".to_vec()
}
const PART1_MIME: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n";
const PART2_MIME: &[u8] =
    b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n";
const INNER_HEADER: &[u8] =
    b"From: eve@example.org\r\nSubject: Inner message\r\nContent-Type: text/plain\r\n\r\n";
const INNER_TEXT: &[u8] = b"Inner body line.";

// RFC 3501 6.4.5 part specifiers; RFC 2046 5.1.1: the CRLF before a boundary belongs to
// the boundary, not to the part.
#[test]
fn numbered_parts_and_mime() {
    let mut s = session("parts", 2);
    check_partials(&mut s, 2, "1", &part1(), 0);
    check_partials(&mut s, 2, "1.MIME", PART1_MIME, PART1_MIME.len());
    check_partials(&mut s, 2, "2.MIME", PART2_MIME, PART2_MIME.len());
    check_partials(&mut s, 2, "3", b"AAECAwD/", 0);
    check_partials(
        &mut s,
        2,
        "4",
        b"caf=E9 with a NUL =00 here=\r\n and a soft break",
        0,
    );
    let v = fetch_one(&mut s, 2, "BODY.PEEK[5.MIME]", "BODY[5.MIME]");
    expect_bytes(
        &s,
        "BODY[5.MIME]",
        &v,
        b"Content-Type: application/x-thing\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n",
    );
}

// RFC 3501 6.4.5: a message/rfc822 part has the HEADER, TEXT and numbered parts of the
// message inside it; its own number names the whole encapsulated message.
#[test]
fn attached_message_parts() {
    let mut s = session("attached", 2);
    let mut whole = INNER_HEADER.to_vec();
    whole.extend_from_slice(INNER_TEXT);
    check_partials(&mut s, 2, "2", &whole, INNER_HEADER.len());
    check_partials(&mut s, 2, "2.HEADER", INNER_HEADER, INNER_HEADER.len());
    check_partials(&mut s, 2, "2.TEXT", INNER_TEXT, 0);
    // The inner message is not multipart: its part 1 is its body.
    check_partials(&mut s, 2, "2.1", INNER_TEXT, 0);
    let v = fetch_one(
        &mut s,
        2,
        "BODY.PEEK[2.HEADER.FIELDS (subject)]",
        "BODY[2.HEADER.FIELDS (subject)]",
    );
    expect_bytes(&s, "2.HEADER.FIELDS", &v, b"Subject: Inner message\r\n\r\n");
}

// RFC 3501 6.4.5 HEADER.FIELDS: only the named fields (names in any case), each whole with
// its continuation lines, in message order, then the blank line.
#[test]
fn header_fields() {
    let mut s = session("fields", 1);
    let want: &[u8] = b"To: bob@example.com\r\nSubject: A folded\r\n  subject line\r\n\r\n";
    check_partials(&mut s, 1, "HEADER.FIELDS (subject TO)", want, want.len());
    let v = fetch_one(
        &mut s,
        1,
        "BODY.PEEK[HEADER.FIELDS (RECEIVED)]",
        "BODY[HEADER.FIELDS (RECEIVED)]",
    );
    expect_bytes(
        &s,
        "HEADER.FIELDS (RECEIVED)",
        &v,
        b"Received: from a.example by b.example;\r\n\tMon, 01 Jan 2024 08:59:00 +0000\r\nReceived: from c.example by a.example;\r\n Mon, 01 Jan 2024 08:58:00 +0000\r\n\r\n",
    );
    let v = fetch_one(
        &mut s,
        1,
        "BODY.PEEK[HEADER.FIELDS (x-mixed-case \"DATE\")]",
        "BODY[HEADER.FIELDS (x-mixed-case DATE)]",
    );
    expect_bytes(
        &s,
        "HEADER.FIELDS (x-mixed-case DATE)",
        &v,
        b"X-Mixed-Case: value\r\nDate: Mon, 01 Jan 2024 09:00:00 +0000\r\n\r\n",
    );
    // No such field: the blank line alone.
    let v = fetch_one(
        &mut s,
        1,
        "BODY.PEEK[HEADER.FIELDS (X-Nowhere)]",
        "BODY[HEADER.FIELDS (X-Nowhere)]",
    );
    expect_bytes(&s, "HEADER.FIELDS (X-Nowhere)", &v, b"\r\n");
}

// RFC 3501 6.4.5 HEADER.FIELDS.NOT: all fields but the named ones.
#[test]
fn header_fields_not() {
    let mut s = session("fields-not", 1);
    let want: &[u8] = b"From: Alice <alice@example.org>\r\nX-Mixed-Case: value\r\n\r\n";
    check_partials(
        &mut s,
        1,
        "HEADER.FIELDS.NOT (received subject TO date)",
        want,
        want.len(),
    );
    // Excluding nothing that is there leaves the whole header.
    let (header, _) = split(SIMPLE);
    let v = fetch_one(
        &mut s,
        1,
        "BODY.PEEK[HEADER.FIELDS.NOT (X-Nowhere)]",
        "BODY[HEADER.FIELDS.NOT (X-Nowhere)]",
    );
    expect_bytes(&s, "HEADER.FIELDS.NOT (X-Nowhere)", &v, &header);
}

// Parts that do not exist come back as NIL.
#[test]
fn nonexistent_parts_are_nil() {
    let mut s = session("nil", 2);
    for (item, label) in [
        ("BODY.PEEK[9]", "BODY[9]"),
        ("BODY.PEEK[1.2]", "BODY[1.2]"),
        ("BODY.PEEK[2.3]", "BODY[2.3]"),
        ("BODY.PEEK[9.MIME]", "BODY[9.MIME]"),
        ("BODY.PEEK[7.TEXT]", "BODY[7.TEXT]"),
    ] {
        let v = fetch_one(&mut s, 2, item, label);
        if v != Value::Nil {
            s.fail(&format!("{item}: expected NIL, got {v:?}"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// BINARY (RFC 3516).

/// What the base64 part 3 decodes to.
const PART3_BINARY: &[u8] = &[0, 1, 2, 3, 0, 0xff];

/// Part 4 decoded (quoted-printable: =E9, =00, and a soft line break).
fn part4_binary() -> Vec<u8> {
    let mut v = b"caf".to_vec();
    v.push(0xe9);
    v.extend_from_slice(b" with a NUL ");
    v.push(0);
    v.extend_from_slice(b" here and a soft break");
    v
}

/// Checks a BINARY value: the bytes, and literal8 whenever they hold NUL (RFC 3516 4.2:
/// "the server MUST use the literal8 syntax if the data contains NUL").
fn expect_binary(s: &Session, what: &str, got: &Value, want: &[u8]) {
    expect_bytes(s, what, got, want);
    if want.contains(&0) && !matches!(got, Value::Str(_, true)) {
        s.fail(&format!("{what}: NUL bytes sent without literal8 ~{{n}}"));
    }
}

#[test]
fn binary_base64_with_nul() {
    let mut s = session("binary-b64", 2);
    let v = fetch_one(&mut s, 2, "BINARY.PEEK[3]", "BINARY[3]");
    expect_binary(&s, "BINARY[3]", &v, PART3_BINARY);
    let v = fetch_one(&mut s, 2, "BINARY.SIZE[3]", "BINARY.SIZE[3]");
    assert_eq!(v, Value::Other(PART3_BINARY.len().to_string()));
    // Partials of the decoded data (RFC 3516 4.1: "<partial>" counts decoded octets).
    for (o, l) in [(0, 1), (2, 3), (4, 2), (5, 1), (5, 10), (6, 1), (100, 2)] {
        let v = fetch_one(
            &mut s,
            2,
            &format!("BINARY.PEEK[3]<{o}.{l}>"),
            &format!("BINARY[3]<{o}>"),
        );
        expect_binary(
            &s,
            &format!("BINARY[3]<{o}.{l}>"),
            &v,
            clip(PART3_BINARY, o, l),
        );
    }
}

#[test]
fn binary_quoted_printable_with_nul() {
    let mut s = session("binary-qp", 2);
    let want = part4_binary();
    let v = fetch_one(&mut s, 2, "BINARY.PEEK[4]", "BINARY[4]");
    expect_binary(&s, "BINARY[4]", &v, &want);
    let v = fetch_one(&mut s, 2, "BINARY.SIZE[4]", "BINARY.SIZE[4]");
    assert_eq!(v, Value::Other(want.len().to_string()));
    // Without CTE (7bit) the part is as it is.
    let v = fetch_one(&mut s, 2, "BINARY.PEEK[1]", "BINARY[1]");
    expect_binary(&s, "BINARY[1]", &v, &part1());
    let v = fetch_one(&mut s, 2, "BINARY.SIZE[1]", "BINARY.SIZE[1]");
    assert_eq!(v, Value::Other(part1().len().to_string()));
    // Of a non-multipart message, part 1 (RFC 3516 4.1 takes RFC 3501's part numbers).
    let (_, text) = split(SIMPLE);
    let v = fetch_one(&mut s, 1, "BINARY.PEEK[1]", "BINARY[1]");
    expect_binary(&s, "BINARY[1] of a simple message", &v, &text);
}

// The same BINARY items asked for together with a body section, in one FETCH: each
// attribute comes back in its own right.
#[test]
fn binary_with_other_items() {
    let mut s = session("binary-mixed", 2);
    let items = fetch(
        &mut s,
        2,
        "(BINARY.PEEK[3] BINARY.SIZE[4] BINARY.PEEK[4]<4.20> BODY.PEEK[1])",
    );
    let names: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    if names != ["BINARY[3]", "BINARY.SIZE[4]", "BINARY[4]<4>", "BODY[1]"] {
        s.fail(&format!("unexpected attributes {names:?}"));
    }
    expect_binary(&s, "BINARY[3]", &items[0].1, PART3_BINARY);
    assert_eq!(items[1].1, Value::Other(part4_binary().len().to_string()));
    expect_binary(
        &s,
        "BINARY[4]<4.20>",
        &items[2].1,
        clip(&part4_binary(), 4, 20),
    );
    expect_bytes(&s, "BODY[1]", &items[3].1, &part1());
    assert_eq!(flags(&mut s, 2), "()");
}

// RFC 3516 4.3 (and section 5's UNKNOWN-CTE response code): a transfer encoding the server
// cannot decode fails the FETCH with NO [UNKNOWN-CTE], and no half answer for the message
// comes before it.
#[test]
fn binary_unknown_encoding() {
    let mut s = session("binary-cte", 2);
    for item in ["BINARY.PEEK[5]", "BINARY[5]", "BINARY.SIZE[5]"] {
        let r = s.cmd(&format!("FETCH 2 {item}"));
        if !r.status().starts_with("NO [UNKNOWN-CTE]") {
            s.fail(&format!("FETCH 2 {item}: expected NO [UNKNOWN-CTE]"));
        }
        if r.lines().iter().any(|l| l.starts_with("* 2 FETCH")) {
            s.fail(&format!(
                "FETCH 2 {item}: a FETCH response came with NO [UNKNOWN-CTE]"
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------
// \Seen (RFC 3501 6.4.5: BODY[...] "The \Seen flag is implicitly set; if this causes the
// flags to change, they SHOULD be included as part of the FETCH responses"; BODY.PEEK and
// RFC822.HEADER do not set it; RFC822 and RFC822.TEXT do; RFC 3516 4.1: BINARY sets it,
// BINARY.PEEK does not).

/// The FLAGS of message `seq`, from a FETCH FLAGS.
fn flags(s: &mut Session, seq: u32) -> String {
    match fetch_one(s, seq, "FLAGS", "FLAGS") {
        Value::Other(f) => f,
        v => s.fail(&format!("FLAGS: {v:?}")),
    }
}

/// FETCH `item` of an unseen message: the data must be `want`, then the FLAGS must come
/// in the same response as `(\Seen)` when `sets` and not at all otherwise.
fn check_seen(s: &mut Session, seq: u32, item: &str, label: &str, want: &[u8], sets: bool) {
    assert_eq!(flags(s, seq), "()", "message {seq} must start unseen");
    let items = fetch(s, seq, item);
    let data: Vec<_> = items.iter().filter(|i| i.0 == label).collect();
    if data.len() != 1 {
        s.fail(&format!("FETCH {seq} {item}: no {label} in {items:?}"));
    }
    expect_bytes(s, label, &data[0].1, want);
    let reported: Vec<_> = items.iter().filter(|i| i.0 == "FLAGS").collect();
    if sets {
        if reported != vec![&("FLAGS".to_string(), Value::Other("(\\Seen)".to_string()))] {
            s.fail(&format!(
                "FETCH {seq} {item} set \\Seen: expected FLAGS (\\Seen) in the same response, got {items:?}"
            ));
        }
    } else if !reported.is_empty() {
        s.fail(&format!("FETCH {seq} {item}: FLAGS changed? {items:?}"));
    }
    let after = flags(s, seq);
    let want_flags = if sets { "(\\Seen)" } else { "()" };
    if after != want_flags {
        s.fail(&format!(
            "after FETCH {seq} {item}: FLAGS {after}, expected {want_flags}"
        ));
    }
}

#[test]
fn seen_not_set_by_peek_or_rfc822_header() {
    let mut s = session("seen-peek", 2);
    let (header, text) = split(SIMPLE);
    check_seen(&mut s, 1, "BODY.PEEK[TEXT]", "BODY[TEXT]", &text, false);
    check_seen(&mut s, 1, "BODY.PEEK[]", "BODY[]", &crlf(SIMPLE), false);
    check_seen(&mut s, 1, "RFC822.HEADER", "RFC822.HEADER", &header, false);
    check_seen(
        &mut s,
        2,
        "BODY.PEEK[1]<0.5>",
        "BODY[1]<0>",
        b"First",
        false,
    );
}

#[test]
fn seen_set_by_body_section() {
    let mut s = session("seen-body", 6);
    let (header, text) = split(SIMPLE);
    check_seen(&mut s, 1, "BODY[TEXT]", "BODY[TEXT]", &text, true);
    check_seen(&mut s, 3, "BODY[HEADER]", "BODY[HEADER]", &header, true);
    check_seen(&mut s, 5, "BODY[]<0.4>", "BODY[]<0>", b"Rece", true);
    check_seen(&mut s, 2, "BODY[1]", "BODY[1]", &part1(), true);
    // A second fetch changes nothing; the data is the same.
    let v = fetch(&mut s, 1, "BODY[TEXT]");
    expect_bytes(&s, "BODY[TEXT] again", &v[0].1, &text);
}

#[test]
fn seen_set_by_rfc822_forms() {
    let mut s = session("seen-rfc822", 3);
    let (_, text) = split(SIMPLE);
    check_seen(&mut s, 1, "RFC822.TEXT", "RFC822.TEXT", &text, true);
    check_seen(&mut s, 3, "RFC822", "RFC822", &crlf(SIMPLE), true);
}

#[test]
fn seen_set_by_binary_not_binary_peek() {
    let mut s = session("seen-binary", 4);
    check_seen(
        &mut s,
        2,
        "BINARY.PEEK[3]",
        "BINARY[3]",
        PART3_BINARY,
        false,
    );
    check_seen(&mut s, 2, "BINARY[3]", "BINARY[3]", PART3_BINARY, true);
    check_seen(&mut s, 4, "BINARY[4]", "BINARY[4]", &part4_binary(), true);
}

// RFC 3501 6.3.2: in a mailbox opened with EXAMINE nothing changes, \Seen included.
#[test]
fn seen_not_set_read_only() {
    let mut s = session("seen-examine", 1);
    s.ok("EXAMINE INBOX");
    let (_, text) = split(SIMPLE);
    check_seen(&mut s, 1, "BODY[TEXT]", "BODY[TEXT]", &text, false);
}
