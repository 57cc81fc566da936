//! Mail that must not kill the session: every message of the hostile corpus (the files of
//! tests/hostile/ and the big ones tests/bin/mkhostile generates: 8-bit dates, NUL bytes,
//! 128,000 References, 100,000 parts, 10,000 levels, 50 MB headers, 10 MB without a line
//! end, ...) is delivered into a Maildir, and `imapd serve` is asked what clients ask of a
//! folder: FETCH of ENVELOPE, BODYSTRUCTURE, header and part sections, SORT, THREAD and
//! SEARCH. Every command must get a tagged OK or NO (never BAD: the commands are valid),
//! the session must go on, and what comes back must stay within the stated bounds
//! (10,000 parts, 100 levels: src/message/part.rs; 64 KiB of a field value:
//! src/message/header.rs).

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::PathBuf;

use common::TempDir;
use fixture::{utc, Fixture, Reply, Session};

/// The corpus, written by tests/bin/mkhostile into a temporary directory.
fn corpus(dir: &TempDir) -> Vec<(String, Vec<u8>)> {
    let gen = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bin/mkhostile");
    let out = dir.join("corpus");
    let status = std::process::Command::new("python3")
        .arg(&gen)
        .arg(&out)
        .status()
        .expect("run tests/bin/mkhostile");
    assert!(status.success(), "mkhostile failed");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .expect("read corpus")
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// A folder holding `messages` and one ordinary message after them.
fn folder(name: &str, messages: &[&[u8]]) -> Session {
    let mut f = Fixture::new(name);
    let mut uid = 1;
    for m in messages {
        f.add(uid, "", m, utc(2026, 6, 1, 12, 0, 0));
        uid += 1;
    }
    f.add(
        uid,
        "S",
        b"From: b@example.org\nSubject: Re: ordinary\nDate: Tue, 2 Jun 2026 10:00:00 +0000\nMessage-ID: <ordinary@example.org>\nReferences: <8bit-date-utf8@example.es>\n\nhello\n",
        utc(2026, 6, 2, 12, 0, 0),
    );
    f.session()
}

/// What clients ask of a folder, each with the reply it may get.
const COMMANDS: &[&str] = &[
    "FETCH 1:* (ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE FLAGS)",
    "FETCH 1:* (BODY.PEEK[HEADER] BODY.PEEK[HEADER.FIELDS (Subject Date References)])",
    "FETCH 1:* (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[TEXT]<0.100> BODY)",
    "FETCH 1:* (BINARY.PEEK[1] BINARY.SIZE[1])",
    "SORT (DATE SUBJECT FROM) UTF-8 ALL",
    "SORT (REVERSE ARRIVAL CC TO SIZE) UTF-8 ALL",
    "UID SORT (DATE) UTF-8 ALL",
    "THREAD REFERENCES UTF-8 ALL",
    "THREAD ORDEREDSUBJECT UTF-8 ALL",
    "SEARCH SENTBEFORE 1-Jan-2030",
    "SEARCH SENTON 3-Jun-2026",
    "SEARCH TEXT needle",
    "SEARCH HEADER Subject needle",
    "SEARCH BODY needle",
];

/// Runs every command; each must be answered OK or NO, and the session must go on.
fn survives(s: &mut Session, what: &str) -> Vec<(String, Reply)> {
    let mut replies = Vec::new();
    for c in COMMANDS {
        let r = s.cmd(c);
        let status = r.status().split(' ').next().unwrap_or("").to_string();
        if status != "OK" && status != "NO" {
            s.fail(&format!("{what}: {c:?} answered {:?}", r.tagged));
        }
        replies.push((c.to_string(), r));
    }
    s.ok("NOOP");
    replies
}

/// The deepest nesting of parentheses in an IMAP response, outside strings and literals.
fn depth(resp: &[u8]) -> usize {
    let (mut d, mut deepest, mut i) = (0usize, 0, 0);
    while i < resp.len() {
        match resp[i] {
            b'"' => {
                i += 1;
                while i < resp.len() && resp[i] != b'"' {
                    i += if resp[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => {
                let close = resp[i..].iter().position(|&b| b == b'}').map(|n| i + n);
                if let Some(n) = close
                    .and_then(|c| std::str::from_utf8(&resp[i + 1..c]).ok())
                    .and_then(|t| t.parse::<usize>().ok())
                {
                    i = close.unwrap() + 2 + n;
                }
            }
            b'(' => {
                d += 1;
                deepest = deepest.max(d);
            }
            b')' => d = d.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// How often `needle` occurs in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The untagged `* 1 FETCH` response of the first FETCH (ENVELOPE BODYSTRUCTURE ...).
fn first_fetch(replies: &[(String, Reply)]) -> &[u8] {
    let r = &replies[0].1;
    r.untagged
        .iter()
        .find(|u| u.starts_with(b"* 1 FETCH"))
        .expect("a FETCH response for message 1")
}

#[test]
fn every_hostile_message_gets_answers_and_the_session_goes_on() {
    let dir = TempDir::new("hostile-corpus");
    for (name, msg) in corpus(&dir) {
        let mut s = folder(&name, &[&msg]);
        let replies = survives(&mut s, &name);
        let fetch = first_fetch(&replies);
        // ENVELOPE and BODYSTRUCTURE: at most 10,000 parts, 100 levels (each level is
        // at most two parentheses deep), 64 KiB per field value.
        assert!(
            fetch.len() < 2 << 20,
            "{name}: {} bytes of ENVELOPE and BODYSTRUCTURE",
            fetch.len()
        );
        assert!(
            depth(fetch) <= 2 * 101 + 4,
            "{name}: nested {}",
            depth(fetch)
        );
        match name.as_str() {
            "parts-100000" => {
                let n = occurrences(fetch, b"(\"text\" \"plain\"");
                assert_eq!(n, 9_999, "{name}: parts in BODYSTRUCTURE");
            }
            "nested-10000" | "nested-rfc822-10000" => {
                assert!(depth(fetch) > 100, "{name}: nesting below the cap was lost");
                assert_eq!(
                    occurrences(fetch, b"(\"application\" \"octet-stream\""),
                    1,
                    "{name}: the level past the cap"
                );
            }
            "header-50mb-field" => {
                // The Subject in ENVELOPE is the 64 KiB kept of it.
                assert!(fetch.len() > 64 << 10, "{name}: no subject");
            }
            _ => {}
        }
    }
}

#[test]
fn a_folder_of_all_of_them_sorts_threads_and_searches() {
    let dir = TempDir::new("hostile-all");
    let files = corpus(&dir);
    let messages: Vec<&[u8]> = files.iter().map(|(_, m)| &m[..]).collect();
    let mut s = folder("hostile-all", &messages);
    let replies = survives(&mut s, "all");
    let n = messages.len() + 1;
    for (c, r) in &replies {
        if c.starts_with("SORT") {
            let sorted = r.starting("* SORT ");
            assert_eq!(sorted.len(), 1, "{c}");
            assert_eq!(sorted[0].split(' ').count(), n + 2, "{c}: {sorted:?}");
        }
        if c.starts_with("THREAD REFERENCES") {
            let t = r.starting("* THREAD ");
            assert_eq!(t.len(), 1, "{c}");
            // The ordinary message replies to the UTF-8 one: one thread holds both.
            let utf8 = 1 + files
                .iter()
                .position(|(name, _)| name == "8bit-date-utf8")
                .unwrap();
            assert!(t[0].contains(&format!("({utf8} {n})")), "{c}: {t:?}");
        }
    }
}

#[test]
fn eight_bit_dates_sort_and_search_by_their_date() {
    // RFC 5256 2.2 and RFC 3501 6.4.4: the Date: of both is 3 Jun 2026 08:00 UTC, read
    // although the day name is not ASCII; the ordinary message is dated 2 Jun.
    let utf8 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/hostile/8bit-date-utf8.eml"
    ))
    .unwrap();
    let latin1 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/hostile/8bit-date-latin1.eml"
    ))
    .unwrap();
    let mut s = folder("hostile-dates", &[&utf8, &latin1]);
    let r = s.ok("SORT (DATE) UTF-8 ALL");
    assert_eq!(r.starting("* SORT"), vec!["* SORT 3 1 2"]);
    let r = s.ok("SEARCH SENTON 3-Jun-2026");
    assert_eq!(r.starting("* SEARCH"), vec!["* SEARCH 1 2"]);
    let r = s.ok("SEARCH SENTBEFORE 3-Jun-2026");
    assert_eq!(r.starting("* SEARCH"), vec!["* SEARCH 3"]);
    let r = s.ok("THREAD REFERENCES UTF-8 ALL");
    assert_eq!(r.starting("* THREAD"), vec!["* THREAD (1 3)(2)"]);
    s.ok("NOOP");
}

#[test]
fn an_append_date_with_an_eight_bit_zone_is_refused_and_the_session_goes_on() {
    let mut s = folder("hostile-append", &[]);
    s.unchecked();
    let tag = s.tag();
    let mut line = format!("{tag} APPEND INBOX ").into_bytes();
    line.extend_from_slice("\"03-Jun-2026 10:00:00 +1é1\" {4}\r\n".as_bytes());
    s.send(&line);
    // The date is refused before the literal is asked for, or after it was sent.
    let first = s.line();
    let tagged = if first.starts_with(b"+") {
        s.send(b"body\r\n");
        s.until(&tag).tagged
    } else {
        String::from_utf8_lossy(&first).into_owned()
    };
    let rest = tagged.strip_prefix(&format!("{tag} ")).unwrap_or("");
    assert!(
        rest.starts_with("BAD ") || rest.starts_with("NO "),
        "APPEND answered {tagged:?}"
    );
    assert!(rest.len() > 4, "no reason given: {tagged:?}");
    s.ok("NOOP");
    let r = s.ok("SEARCH ALL");
    assert_eq!(r.starting("* SEARCH"), vec!["* SEARCH 1"]);
}
