//! The message parser as FETCH and SEARCH use it, on arbitrary stored bytes: the part tree,
//! BODY and BODYSTRUCTURE, ENVELOPE, body sections (HEADER, TEXT, MIME, HEADER.FIELDS[.NOT],
//! part numbers at any depth), BINARY, and the searchable text. Panics are bugs, and so are
//! broken invariants: the part tree stays inside the message, every served section is the
//! message's bytes with only CRs inserted (CRLF line ends, no bare LF), and the BODY,
//! BODYSTRUCTURE and ENVELOPE output parses as IMAP data of the RFC 3501 shape, with sizes
//! equal to what BODY[part] serves. It also reaches what SORT and THREAD read from a
//! header: the date (and APPEND's date-time), the base subject, addresses, Message-IDs,
//! References and In-Reply-To, the sort keys, and both threading algorithms over the input
//! cut into several messages at form feeds; every message must come out of THREAD exactly
//! once. Seeds: tests/corpus and `tests/bin/mkhostile DIR --small`. Run: `make fuzz
//! FUZZ_TARGET=message`; `make test` replays the seeds and fuzz/regressions/message.

use std::ops::Range;

use imapd::command::thread::{self, Algorithm};
use imapd::message::keys::Keys;
use imapd::message::part::{self, Kind, Part};
use imapd::message::section::{Content, Section, Text};
use imapd::message::{
    address, address_search, binary, bodystructure, crlf, date, decode, envelope, header, msgid,
    store_binary, subject, text,
};

/// The checks on one input; a panic is a finding.
pub fn check(msg: &[u8]) {
    let root = part::parse(msg);
    check_tree(msg, &root, 0..msg.len(), 0);
    assert!(count(&root) <= part::MAX_PARTS, "more than MAX_PARTS parts");
    sort_and_thread(msg);

    // ENVELOPE from the header alone, as FETCH ENVELOPE reads it.
    let split = header::split(msg);
    assert!(split <= msg.len());
    let mut out = Vec::new();
    envelope::write(&mut out, &msg[..split]).unwrap();
    let env = parse_data(&out);
    check_envelope(&env);

    // BODY and BODYSTRUCTURE.
    for extended in [false, true] {
        let mut out = Vec::new();
        bodystructure::write(&mut out, msg, &root, extended).unwrap();
        let v = parse_data(&out);
        check_body(msg, &v, &root, extended);
    }

    // Sections: every part the tree has (up to a bound), and some it does not.
    let mut paths: Vec<Vec<u32>> = vec![
        vec![],
        vec![1],
        vec![2],
        vec![1, 1],
        vec![1, 2],
        vec![2, 1],
        vec![2, 1, 1],
        vec![1, 1, 1],
        vec![3, 2, 1],
        vec![u32::MAX],
        vec![1, u32::MAX],
    ];
    enumerate(&root, &mut Vec::new(), &mut paths);
    let mut names: Vec<Vec<u8>> = vec![b"Content-Type".to_vec(), b"subject".to_vec()];
    for f in header::fields(&msg[..split]).take(3) {
        names.push(msg[f.name].to_vec());
    }
    for path in &paths {
        let texts = [
            None,
            Some(Text::Header),
            Some(Text::Text),
            Some(Text::Mime),
            Some(Text::Fields {
                not: false,
                names: names.clone(),
            }),
            Some(Text::Fields {
                not: true,
                names: names.clone(),
            }),
        ];
        for t in texts {
            // The command parser never makes MIME without a part number.
            if path.is_empty() && t == Some(Text::Mime) {
                continue;
            }
            let sec = Section {
                part: path.clone(),
                text: t,
            };
            let _ = sec.spec();
            if let Some(c) = sec.resolve(msg, &root) {
                let mut served = Vec::new();
                c.pieces(msg, &mut |p| {
                    served.extend_from_slice(p);
                    true
                });
                assert_eq!(served.len() as u64, c.served_len(msg), "size of {sec:?}");
                check_served(msg, &c, &served, &sec);
                // Partial windows as FETCH cuts them.
                for (o, n) in [
                    (0u64, 1u64),
                    (1, 3),
                    (served.len() as u64, 1),
                    (7, u64::MAX),
                ] {
                    let size = served.len() as u64;
                    let (o, n) = (o.min(size), n.min(size.saturating_sub(o)));
                    let _ = &served[o as usize..(o + n) as usize];
                }
            }
        }
        // BINARY: the decoded part; undecoded encodings give what BODY[part] serves.
        if let Ok(body) = binary::find(msg, &root, path) {
            let mut decoded = Vec::new();
            body.pieces(msg, &mut |p| {
                decoded.extend_from_slice(p);
                true
            });
            let nul = decoded.contains(&0);
            assert_eq!(
                body.measure(msg),
                (decoded.len() as u64, nul),
                "BINARY of {path:?}"
            );
        }
    }

    // SEARCH's text.
    let _ = text::body(msg, &root);
    let _ = text::whole_header(&msg[root.header.clone()]);
    let _ = text::field(&msg[root.header.clone()], b"subject");
    let _ = decode::header_text(msg);
    let _ = decode::header_text(&header::unfold(&msg[..split]));
    let _ = decode::quoted_printable(msg, true);
    let _ = decode::base64(msg);
    let _ = address_search::field_matches(&msg[..split], b"from", "a@b");

    // APPEND of a literal8: what is stored parses and decodes like any message, and a
    // message with nothing to convert is stored as it came.
    let mut stored = Vec::new();
    store_binary::write(msg, &mut stored).expect("writes to memory");
    let root = part::parse(&stored);
    if let Ok(body) = binary::find(&stored, &root, &[]) {
        body.pieces(&stored, &mut |_| true);
    }
    if !names_binary(msg) {
        assert_eq!(stored, msg, "stored unchanged");
    }
}

/// Whether `msg` names the binary encoding anywhere (only then can it be converted).
fn names_binary(msg: &[u8]) -> bool {
    msg.windows(6).any(|w| w.eq_ignore_ascii_case(b"binary"))
}

/// Every part's header and body lie inside its parent's range, in order.
fn check_tree(msg: &[u8], p: &Part, within: Range<usize>, depth: usize) {
    assert!(depth <= part::MAX_DEPTH + 1, "tree deeper than MAX_DEPTH");
    assert!(
        p.header.start <= p.header.end,
        "header range {:?}",
        p.header
    );
    assert_eq!(p.header.end, p.body.start, "header does not meet body");
    assert!(p.body.start <= p.body.end, "body range {:?}", p.body);
    assert!(
        within.start <= p.header.start && p.body.end <= within.end,
        "part {:?}..{:?} outside {:?}",
        p.header,
        p.body,
        within
    );
    assert!(p.body.end <= msg.len());
    match &p.kind {
        Kind::Single => {}
        Kind::Message(inner) => check_tree(msg, inner, p.body.clone(), depth + 1),
        Kind::Multipart(children) => {
            let mut at = p.body.start;
            for c in children {
                assert!(c.header.start >= at, "parts overlap");
                check_tree(msg, c, p.body.clone(), depth + 1);
                at = c.body.end;
            }
        }
    }
}

/// The part numbers of the parts under `p` as IMAP numbers them (a message/rfc822 part's
/// numbers are those of the message inside it), up to 64 of them.
fn enumerate(p: &Part, prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    if out.len() >= 64 || prefix.len() > 8 {
        return;
    }
    let q = match &p.kind {
        Kind::Message(inner) if !prefix.is_empty() => inner.as_ref(),
        _ => p,
    };
    match &q.kind {
        Kind::Multipart(children) => {
            for (i, c) in children.iter().enumerate() {
                prefix.push(i as u32 + 1);
                out.push(prefix.clone());
                enumerate(c, prefix, out);
                prefix.pop();
            }
        }
        kind => {
            prefix.push(1);
            out.push(prefix.clone());
            if let Kind::Message(_) = kind {
                enumerate(q, prefix, out);
            }
            prefix.pop();
        }
    }
}

/// `served` is `msg[range]` with a CR put before LFs that lack one, and nothing else.
fn served_from(msg: &[u8], range: Range<usize>, served: &[u8]) -> bool {
    let src = &msg[range];
    let (mut i, mut j) = (0, 0);
    while j < served.len() {
        if i < src.len() && served[j] == src[i] {
            i += 1;
            j += 1;
        } else if served[j] == b'\r' && src.get(i) == Some(&b'\n') {
            j += 1;
        } else {
            return false;
        }
    }
    i == src.len()
}

fn no_bare_lf(b: &[u8]) -> bool {
    b.iter()
        .enumerate()
        .all(|(i, &c)| c != b'\n' || (i > 0 && b[i - 1] == b'\r'))
}

fn check_served(msg: &[u8], c: &Content, served: &[u8], sec: &Section) {
    assert!(
        no_bare_lf(served),
        "bare LF served for {:?}: {:?}",
        sec,
        String::from_utf8_lossy(served)
    );
    match c {
        Content::Range(r) => {
            assert!(r.start <= r.end && r.end <= msg.len(), "range {r:?}");
            assert!(
                served_from(msg, r.clone(), served),
                "served bytes of {:?} are not the message's",
                sec
            );
            assert_eq!(served.len() as u64, crlf::served_len(msg, r.clone()));
        }
        Content::Fields(fields, blank) => {
            let Some(Text::Fields { not, names }) = &sec.text else {
                panic!("field list for {sec:?}");
            };
            let mut at = 0;
            // The blank line ending a header follows the fields when the header has one.
            let mut len = if *blank { 2 } else { 0 };
            for f in fields {
                assert!(
                    f.start >= at && f.start < f.end && f.end <= msg.len(),
                    "field {f:?}"
                );
                at = f.end;
                let line = &msg[f.clone()];
                let colon = line
                    .iter()
                    .position(|&b| b == b':')
                    .expect("field without colon");
                let name = line[..colon].trim_ascii_end();
                let listed = names.iter().any(|n| n.eq_ignore_ascii_case(name));
                assert_eq!(
                    listed,
                    !not,
                    "field {:?} in {sec:?}",
                    String::from_utf8_lossy(name)
                );
                len += crlf::served_len(msg, f.clone()) + if line.ends_with(b"\n") { 0 } else { 2 };
            }
            assert_eq!(served.len() as u64, len);
            assert!(served.is_empty() || served.ends_with(b"\r\n"));
        }
    }
}

/// IMAP response data as BODYSTRUCTURE and ENVELOPE write it.
#[derive(Debug)]
enum Data {
    Nil,
    Num(u64),
    Str(Vec<u8>),
    List(Vec<Data>),
}

/// Parses one value that must take all of `b`: lists, NIL, numbers, quoted strings (7-bit,
/// no CR, LF or NUL) and literals. Parentheses balance outside strings and literals.
fn parse_data(b: &[u8]) -> Data {
    let mut i = 0;
    let v = value(b, &mut i);
    assert_eq!(
        i,
        b.len(),
        "trailing bytes in {:?}",
        String::from_utf8_lossy(b)
    );
    v
}

fn value(b: &[u8], i: &mut usize) -> Data {
    let ctx = || String::from_utf8_lossy(b).into_owned();
    match b.get(*i) {
        Some(b'(') => {
            *i += 1;
            let mut items = Vec::new();
            loop {
                match b.get(*i) {
                    Some(b')') => {
                        *i += 1;
                        return Data::List(items);
                    }
                    // Body parts of a multipart follow each other without a space.
                    Some(b' ') if !items.is_empty() => *i += 1,
                    Some(b'(') => {}
                    _ if items.is_empty() => {}
                    other => panic!("expected SP or ) at {} got {:?} in {}", i, other, ctx()),
                }
                items.push(value(b, i));
            }
        }
        Some(b'"') => {
            *i += 1;
            let mut s = Vec::new();
            loop {
                let c = *b
                    .get(*i)
                    .unwrap_or_else(|| panic!("open quote in {}", ctx()));
                *i += 1;
                match c {
                    b'"' => return Data::Str(s),
                    b'\\' => {
                        let e = b[*i];
                        assert!(e == b'"' || e == b'\\', "bad escape in {}", ctx());
                        s.push(e);
                        *i += 1;
                    }
                    0 | b'\r' | b'\n' | 0x80.. => panic!("byte {c:#x} in quoted string: {}", ctx()),
                    _ => s.push(c),
                }
            }
        }
        Some(b'{') => {
            let close = *i + b[*i..].iter().position(|&c| c == b'}').expect("open {");
            let n: usize = std::str::from_utf8(&b[*i + 1..close])
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(&b[close + 1..close + 3], b"\r\n", "literal without CRLF");
            let s = b[close + 3..close + 3 + n].to_vec();
            *i = close + 3 + n;
            Data::Str(s)
        }
        Some(b'N') if b[*i..].starts_with(b"NIL") => {
            *i += 3;
            Data::Nil
        }
        Some(c) if c.is_ascii_digit() => {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            Data::Num(std::str::from_utf8(&b[start..*i]).unwrap().parse().unwrap())
        }
        other => panic!(
            "unexpected {:?} at {} in {}",
            other.map(|&c| c as char),
            i,
            ctx()
        ),
    }
}

fn nstring(d: &Data) -> bool {
    matches!(d, Data::Nil | Data::Str(_))
}

fn list(d: &Data) -> &[Data] {
    match d {
        Data::List(v) => v,
        other => panic!("expected a list, got {other:?}"),
    }
}

fn check_envelope(d: &Data) {
    let items = list(d);
    assert_eq!(items.len(), 10, "ENVELOPE has 10 fields");
    for i in [0, 1, 8, 9] {
        assert!(nstring(&items[i]), "envelope field {i}: {:?}", items[i]);
    }
    for a in &items[2..8] {
        match a {
            Data::Nil => {}
            Data::List(addrs) => {
                assert!(!addrs.is_empty(), "empty address list (must be NIL)");
                for addr in addrs {
                    let f = list(addr);
                    assert_eq!(f.len(), 4, "address has 4 fields: {f:?}");
                    assert!(f.iter().all(nstring), "address fields: {f:?}");
                }
            }
            other => panic!("address list: {other:?}"),
        }
    }
}

/// `body-fld-param`: NIL or a non-empty list of string pairs.
fn check_params(d: &Data) {
    match d {
        Data::Nil => {}
        Data::List(v) => {
            assert!(!v.is_empty() && v.len() % 2 == 0, "params {v:?}");
            assert!(v.iter().all(|x| matches!(x, Data::Str(_))), "params {v:?}");
        }
        other => panic!("params {other:?}"),
    }
}

/// `body-fld-dsp SP body-fld-lang SP body-fld-loc`.
fn check_ext(rest: &[Data]) {
    assert_eq!(rest.len(), 3, "disposition, language, location: {rest:?}");
    match &rest[0] {
        Data::Nil => {}
        Data::List(v) => {
            assert_eq!(v.len(), 2, "disposition {v:?}");
            assert!(matches!(v[0], Data::Str(_)));
            check_params(&v[1]);
        }
        other => panic!("disposition {other:?}"),
    }
    match &rest[1] {
        Data::Nil | Data::Str(_) => {}
        Data::List(v) => assert!(!v.is_empty() && v.iter().all(|x| matches!(x, Data::Str(_)))),
        other => panic!("language {other:?}"),
    }
    assert!(nstring(&rest[2]), "location {:?}", rest[2]);
}

/// The BODY/BODYSTRUCTURE value `d` describes `p`, with sizes as BODY[part] serves them.
fn check_body(msg: &[u8], d: &Data, p: &Part, extended: bool) {
    let items = list(d);
    let ct = &p.content_type;
    match &p.kind {
        Kind::Multipart(children) => {
            assert!(
                !children.is_empty(),
                "multipart with no parts: body-type-mpart is 1*body"
            );
            assert!(items.len() > children.len(), "multipart {items:?}");
            for (c, v) in children.iter().zip(items) {
                check_body(msg, v, c, extended);
            }
            let rest = &items[children.len()..];
            assert!(matches!(&rest[0], Data::Str(s) if *s == ct.subtype));
            if extended {
                assert_eq!(rest.len(), 5, "multipart extension data {rest:?}");
                check_params(&rest[1]);
                check_ext(&rest[2..]);
            } else {
                assert_eq!(rest.len(), 1, "BODY has no extension data {rest:?}");
            }
        }
        kind => {
            assert!(items.len() >= 7, "basic fields {items:?}");
            assert!(
                matches!(&items[0], Data::Str(s) if *s == ct.mtype),
                "{items:?}"
            );
            assert!(
                matches!(&items[1], Data::Str(s) if *s == ct.subtype),
                "{items:?}"
            );
            check_params(&items[2]);
            assert!(nstring(&items[3]) && nstring(&items[4]));
            assert!(matches!(items[5], Data::Str(_)), "encoding {:?}", items[5]);
            let size = crlf::served_len(msg, p.body.clone());
            assert!(
                matches!(items[6], Data::Num(n) if n == size),
                "size {:?}",
                items[6]
            );
            let mut at = 7;
            if let Kind::Message(inner) = kind {
                check_envelope(&items[7]);
                check_body(msg, &items[8], inner, extended);
                assert!(matches!(items[9], Data::Num(_)));
                at = 10;
            } else if ct.mtype.eq_ignore_ascii_case(b"text") {
                assert!(matches!(items[7], Data::Num(_)), "lines {:?}", items[7]);
                at = 8;
            }
            let rest = &items[at..];
            if extended {
                assert_eq!(rest.len(), 4, "single-part extension data {rest:?}");
                assert!(nstring(&rest[0]));
                check_ext(&rest[1..]);
            } else {
                assert!(rest.is_empty(), "BODY has no extension data {rest:?}");
            }
        }
    }
}

/// The parts in the tree under `p`.
fn count(p: &Part) -> usize {
    let mut stack = vec![p];
    let mut n = 0;
    while let Some(p) = stack.pop() {
        n += 1;
        match &p.kind {
            Kind::Single => {}
            Kind::Message(inner) => stack.push(inner),
            Kind::Multipart(c) => stack.extend(c.iter()),
        }
    }
    n
}

/// What SORT and THREAD read from headers: dates, subjects, addresses, ids, the keys, and
/// the threads of the input cut into messages at form feeds.
fn sort_and_thread(data: &[u8]) {
    let _ = imapd::wire::datetime::parse(data);
    let _ = date::parse(data);
    let _ = date::parse_seconds(data);
    let _ = subject::base(data);
    let _ = address::parse(data);
    let messages: Vec<&[u8]> = data.split(|&b| b == 0x0c).collect();
    let mut all = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let hdr = &m[..header::split(m)];
        if let Some(d) = header::get(hdr, b"Date") {
            // A readable date has a readable moment, and the same day in UTC or near it.
            if date::parse(&d).is_some() {
                assert!(date::parse_seconds(&d).is_some(), "date without seconds");
            }
        }
        let keys = Keys::of(hdr, true);
        assert!(keys.parents.len() <= msgid::MAX_REFERENCES);
        // The first Message-ID field as it stands (NULs included), as SORT and THREAD key it.
        let raw_id = header::fields(hdr)
            .find(|f| hdr[f.name.clone()].eq_ignore_ascii_case(b"Message-ID"))
            .map(|f| &hdr[f.value]);
        assert_eq!(keys.id, msgid::own(raw_id));
        all.push((i, keys));
    }
    let numbers: Vec<u32> = (1..=all.len() as u32).collect();
    for algorithm in [Algorithm::References, Algorithm::OrderedSubject] {
        let mut msgs = thread::Messages::default();
        for (i, k) in &all {
            let parents = k.parents.iter().map(Vec::as_slice);
            let links = (algorithm == Algorithm::References).then_some((k.id.as_deref(), parents));
            msgs.push(
                k.sent.unwrap_or(*i as i64),
                k.subject.as_bytes(),
                k.reply,
                links,
            );
        }
        let mut out = Vec::new();
        thread::threads(algorithm, msgs, &numbers, &mut out);
        check_threads(&out, numbers.len(), algorithm);
    }
}

/// `thread-list` syntax with balanced parentheses, each of `1..=n` exactly once.
fn check_threads(out: &[u8], n: usize, algorithm: Algorithm) {
    let text = std::str::from_utf8(out).expect("THREAD output is ASCII");
    let mut depth = 0i64;
    let mut seen = vec![false; n + 1];
    for tok in text.split(['(', ')', ' ']).filter(|t| !t.is_empty()) {
        let k: usize = tok.parse().expect("a number");
        assert!(
            k >= 1 && k <= n && !seen[k],
            "{k} twice or out of range: {text}"
        );
        seen[k] = true;
    }
    for c in text.bytes() {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "unbalanced: {text}");
    }
    assert_eq!(depth, 0, "unbalanced: {text}");
    assert!(
        seen[1..].iter().all(|&s| s),
        "{algorithm:?} lost a message: {text}"
    );
}
