//! CATENATE (RFC 4469): APPEND of a message made of literals and of the parts of stored
//! messages named by IMAP URLs (RFC 5092). Each new message is checked byte for byte: what
//! FETCH BODY[] gives back is the concatenation of the literals and of what FETCH
//! BODY[section] gives for each URL, and the file on disk holds it with LF line ends
//! (DESIGN.md 3). A refused command stores nothing and leaves nothing in `tmp/`.
//!
//! Drafts holds the message of RFC 4469 Appendix A (UID 20, multipart/mixed with a
//! text/plain and an application/x-zip-compressed part) and UID 30, under the examples'
//! UIDVALIDITY 385759045, so that the examples replay as written.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fixture::{Fixture, Session};

const BOUNDARY: &str = "------------030308070208000400050907";

/// UID 20 of Appendix A, as stored (LF line ends).
fn draft20() -> String {
    format!(
        "From: Bob Ar <bar@example.org>\nTo: foo@example.net\nSubject: About our holiday trip\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=\"{b}\"\n\n\
         This is a multi-part message in MIME format.\n--{b}\n\
         Content-Type: text/plain; charset=us-ascii; format=flowed\n\
         Content-Transfer-Encoding: 7bit\n\nOur travel agent has sent the schedule.\n\n\
         Cheers,\nBob\n--{b}\nContent-Type: application/x-zip-compressed;\n name=\"trip.zip\"\n\
         Content-Transfer-Encoding: base64\n\nUEsDBBQAAAAIAA==\nAAAAAAAA\n--{b}--\n",
        b = BOUNDARY
    )
}

const DRAFT30: &str = "From: Bob Ar <bar@example.org>\nSubject: a map\n\nThe map is attached.\n";

/// The session (INBOX selected: UID 1, UIDVALIDITY 1234567) and the Maildir, with Drafts
/// as the module comment says.
fn session(name: &str) -> (Session, PathBuf) {
    let mut f = Fixture::new(name);
    f.add(
        1,
        "S",
        b"From: ann@example.org\nSubject: in\n\nInbox text.\n",
        SystemTime::now(),
    );
    let md = f.md.clone();
    let drafts = common::folder(&md, "Drafts");
    std::fs::write(drafts.join("cur/1600000020.M20P1.x:2,S"), draft20()).unwrap();
    std::fs::write(drafts.join("cur/1600000030.M30P1.x:2,"), DRAFT30).unwrap();
    std::fs::write(
        drafts.join("dovecot-uidlist"),
        "3 V385759045 N31 G0123456789abcdef0123456789abcdee\n\
         20 :1600000020.M20P1.x\n30 :1600000030.M30P1.x\n",
    )
    .unwrap();
    (f.session(), md)
}

/// The literal of the first FETCH response in `r`.
fn literal(r: &fixture::Reply) -> Vec<u8> {
    let line = r
        .untagged
        .iter()
        .find(|l| l.windows(6).any(|w| w == b"FETCH "))
        .unwrap();
    let open = line.iter().position(|&b| b == b'{').unwrap();
    let close = open + line[open..].iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&line[open + 1..close])
        .unwrap()
        .parse()
        .unwrap();
    line[close + 3..close + 3 + n].to_vec()
}

/// What `UID FETCH uid BODY.PEEK[section]` gives in `mailbox`.
fn fetch(s: &mut Session, mailbox: &str, uid: u32, section: &str) -> Vec<u8> {
    s.ok(&format!("EXAMINE {mailbox}"));
    let r = s.ok(&format!("UID FETCH {uid} BODY.PEEK[{section}]"));
    literal(&r)
}

/// The UIDs of an `[APPENDUID v uids]` reply (RFC 4315), with its UIDVALIDITY.
fn appenduid(tagged: &str) -> (u32, Vec<u32>) {
    let start = tagged.find("[APPENDUID ").expect(tagged) + "[APPENDUID ".len();
    let end = start + tagged[start..].find(']').unwrap();
    let (v, uids) = tagged[start..end].split_once(' ').unwrap();
    let mut list = Vec::new();
    for r in uids.split(',') {
        match r.split_once(':') {
            Some((a, b)) => list.extend(a.parse::<u32>().unwrap()..=b.parse().unwrap()),
            None => list.push(r.parse().unwrap()),
        }
    }
    (v.parse().unwrap(), list)
}

/// The sorted names in `sub` of the folder `dir`.
fn names(dir: &Path, sub: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn lf(served: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(served)
        .replace("\r\n", "\n")
        .into_bytes()
}

/// The new message `uid` of Drafts matches `expected` (as served) through FETCH and on disk.
fn check_stored(s: &mut Session, md: &Path, before: &[String], uid: u32, expected: &[u8]) {
    let got = fetch(s, "Drafts", uid, "");
    if got != expected {
        s.fail(&format!(
            "BODY[] of {uid}:\n{}\nexpected:\n{}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        ));
    }
    let drafts = md.join(".Drafts");
    let new: Vec<String> = names(&drafts, "cur")
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    let disk = std::fs::read(drafts.join("cur").join(&new[0])).unwrap();
    assert_eq!(disk, lf(expected), "stored with LF line ends (DESIGN.md 3)");
    assert!(names(&drafts, "tmp").is_empty());
}

// RFC 4469 Appendix A, Example 1: the attachment of a draft replaced by another message,
// with synchronizing literals; \Seen is not set on UID 20 (RFC 4469 3).
#[test]
fn rfc4469_example_1_replace_an_attachment() {
    let (mut s, md) = session("catenate-ex1");
    let url = "/Drafts;UIDVALIDITY=385759045/;UID=20";
    let mut expected = fetch(&mut s, "Drafts", 20, "HEADER");
    let t1 = format!("\r\n--{BOUNDARY}\r\n");
    let t3 = format!("\r\n--{BOUNDARY}--\r\n");
    assert_eq!((t1.len(), t3.len()), (42, 44));
    expected.extend_from_slice(t1.as_bytes());
    expected.extend(fetch(&mut s, "Drafts", 20, "1.MIME"));
    expected.extend(fetch(&mut s, "Drafts", 20, "1"));
    expected.extend_from_slice(t1.as_bytes());
    expected.extend(fetch(&mut s, "Drafts", 30, ""));
    expected.extend_from_slice(t3.as_bytes());
    s.ok("SELECT INBOX");
    let before = names(&md.join(".Drafts"), "cur");
    let first = format!(
        "APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL \"{url}/;section=HEADER\" TEXT "
    );
    let second = format!(" URL \"{url}/;section=1.MIME\" URL \"{url}/;section=1\" TEXT ");
    let third = " URL \"/Drafts;UIDVALIDITY=385759045/;UID=30\" TEXT ".to_string();
    let r = s.cmd_literals(&[
        first.as_bytes(),
        t1.as_bytes(),
        second.as_bytes(),
        t1.as_bytes(),
        third.as_bytes(),
        t3.as_bytes(),
        b")",
    ]);
    assert!(r.ok(), "{}", r.tagged);
    let (v, uids) = appenduid(&r.tagged);
    assert_eq!((v, uids.clone()), (385759045, vec![31]));
    check_stored(&mut s, &md, &before, 31, &expected);
    let r = s.ok("UID FETCH 20:31 FLAGS");
    let lines = r.lines();
    assert!(
        lines[0].contains("UID 20") && lines[0].contains("(\\Seen)"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("UID 30") && lines[1].contains("FLAGS ()"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("UID 31") && lines[2].contains("\\Draft"),
        "{lines:?}"
    );
}

// RFC 4469 Appendix A, Example 2: new text and header fields from a literal, the
// attachment (part 2 with its MIME header) from the old draft; APPENDUID (RFC 4315).
#[test]
fn rfc4469_example_2_text_and_attachment() {
    let (mut s, md) = session("catenate-ex2");
    let url = "/Drafts;UIDVALIDITY=385759045/;UID=20";
    let head = format!(
        "Message-ID: <419399E1.6000505@example.org>\r\nFrom: Bob Ar <bar@example.org>\r\n\
         MIME-Version: 1.0\r\nTo: foo@example.net\r\nSubject: About our holiday trip\r\n\
         Content-Type: multipart/mixed;\r\n              boundary=\"{BOUNDARY}\"\r\n\r\n\
         --{BOUNDARY}\r\nContent-Type: text/plain; charset=us-ascii; format=flowed\r\n\
         Content-Transfer-Encoding: 7bit\r\n\r\nOur travel agent has sent the updated \
         schedule.\r\n\r\nCheers,\r\nBob\r\n--{BOUNDARY}\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let mut expected = head.clone().into_bytes();
    expected.extend(fetch(&mut s, "Drafts", 20, "2.MIME"));
    expected.extend(fetch(&mut s, "Drafts", 20, "2"));
    expected.extend_from_slice(tail.as_bytes());
    let before = names(&md.join(".Drafts"), "cur");
    let middle = format!(" URL \"{url}/;Section=2.MIME\" URL \"{url}/;Section=2\" TEXT ");
    let r = s.cmd_literals(&[
        b"APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (TEXT ",
        head.as_bytes(),
        middle.as_bytes(),
        tail.as_bytes(),
        b")",
    ]);
    assert!(r.ok(), "{}", r.tagged);
    assert_eq!(appenduid(&r.tagged), (385759045, vec![31]));
    check_stored(&mut s, &md, &before, 31, &expected);
    // The new message parses as the old one did: two parts, the second the attachment.
    assert_eq!(
        fetch(&mut s, "Drafts", 31, "2"),
        fetch(&mut s, "Drafts", 20, "2")
    );
}

// RFC 4469 Appendix A, Example 4: a URL that does not match (another UIDVALIDITY) gets
// NO [BADURL url] (4.1), here in place of the continuation request for the literal after
// it (the example's note); nothing is stored and the session goes on.
#[test]
fn rfc4469_example_4_badurl_before_the_next_literal() {
    let (mut s, md) = session("catenate-ex4");
    s.send(
        b"A003 APPEND INBOX (\\Seen $MDNSent) CATENATE (TEXT {8+}\r\nSubject: \
          URL \"/INBOX;UIDVALIDITY=785799047/;UID=1\" TEXT {42}\r\n",
    );
    let r = s.until("A003");
    assert_eq!(
        r.status(),
        "NO [BADURL /INBOX;UIDVALIDITY=785799047/;UID=1] The mailbox has another UIDVALIDITY"
    );
    s.ok("NOOP");
    let r = s.ok("STATUS INBOX (MESSAGES)");
    assert!(r.lines()[0].ends_with("(MESSAGES 1)"), "{:?}", r.lines());
    assert!(names(&md, "tmp").is_empty());
}

// RFC 4469 4.1: "bad URL syntax, unrecognized URL schema, invalid message UID, or invalid
// body part"; absolute URLs are outside RFC 4469 3 ("would return NO"). Each is refused
// with the URL in BADURL, and non-synchronizing literals after it are read and dropped.
#[test]
fn badurl_cases_store_nothing() {
    let (mut s, md) = session("catenate-badurl");
    for url in [
        "/Drafts;UIDVALIDITY=1/;UID=20",
        "/Drafts;UIDVALIDITY=385759045/;UID=21",
        "/Nowhere/;UID=1",
        "/Drafts/;UID=20/;SECTION=5",
        "/Drafts/;UID=30/;SECTION=1.HEADER",
        "/Drafts/;UID=20/;SECTION=BOGUS",
        "imap://joe@example.com/Drafts/;UID=20",
        "/Drafts",
    ] {
        let cmd = format!(
            "X APPEND Drafts {{6+}}\r\nA: b\r\n CATENATE (TEXT {{2+}}\r\nA: URL \"{url}\" TEXT {{6+}}\r\nb\r\n\r\nc)\r\n"
        );
        s.send(cmd.as_bytes());
        let r = s.until("X");
        assert!(
            r.status().starts_with(&format!("NO [BADURL {url}] ")),
            "{url}: {}",
            r.tagged
        );
        s.ok("NOOP");
    }
    // Without a mailbox selected, a URL without one has no base (RFC 4469 3).
    s.ok("UNSELECT");
    let r = s.cmd("APPEND Drafts CATENATE (URL \";UID=20\")");
    assert!(
        r.status().starts_with("NO [BADURL ;UID=20] "),
        "{}",
        r.tagged
    );
    let r = s.ok("STATUS Drafts (MESSAGES)");
    assert!(r.lines()[0].ends_with("(MESSAGES 2)"), "{:?}", r.lines());
    assert!(names(&md.join(".Drafts"), "tmp").is_empty());
    assert_eq!(names(&md.join(".Drafts"), "cur").len(), 2);
}

// RFC 4469 1 with RFC 3502: several messages, some CATENATE and some plain, in one APPEND;
// a URL relative to the selected mailbox (RFC 4469 3), a partial (RFC 5092 ;PARTIAL), an
// empty TEXT; then all or none: a bad URL in the last message stores none of them.
#[test]
fn multiappend_mixes_plain_and_catenate() {
    let (mut s, md) = session("catenate-multi");
    let inbox_text = fetch(&mut s, "INBOX", 1, "TEXT");
    let partial = fetch(&mut s, "Drafts", 30, "")[..10].to_vec();
    s.ok("SELECT INBOX");
    let before = names(&md.join(".Drafts"), "cur");
    let plain = b"Subject: plain\r\n\r\nx\r\n";
    s.send(
        b"M APPEND Drafts {21+}\r\nSubject: plain\r\n\r\nx\r\n \
          (\\Flagged) CATENATE (TEXT {16+}\r\nSubject: cat\r\n\r\n URL \";UID=1/;SECTION=TEXT\" \
          TEXT {0+}\r\n URL \"/Drafts/;UID=30/;PARTIAL=0.10\") {21+}\r\nSubject: plain\r\n\r\nx\r\n\r\n",
    );
    let r = s.until("M");
    assert!(r.ok(), "{}", r.tagged);
    let (_, uids) = appenduid(&r.tagged);
    assert_eq!(uids, [31, 32, 33]);
    let mut cat = b"Subject: cat\r\n\r\n".to_vec();
    cat.extend(inbox_text);
    cat.extend(partial);
    assert_eq!(fetch(&mut s, "Drafts", 31, ""), plain);
    assert_eq!(fetch(&mut s, "Drafts", 33, ""), plain);
    let new: Vec<String> = names(&md.join(".Drafts"), "cur")
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(new.len(), 3);
    assert_eq!(fetch(&mut s, "Drafts", 32, ""), cat);
    // The CATENATE one is the only one with \Flagged.
    let flagged: Vec<&String> = new.iter().filter(|n| n.ends_with(":2,F")).collect();
    assert_eq!(flagged.len(), 1, "{new:?}");
    let disk = std::fs::read(md.join(".Drafts/cur").join(flagged[0])).unwrap();
    assert_eq!(disk, lf(&cat));

    s.ok("SELECT INBOX");
    s.send(
        b"N APPEND Drafts {21+}\r\nSubject: plain\r\n\r\nx\r\n \
          CATENATE (TEXT {16+}\r\nSubject: cat\r\n\r\n URL \"/Drafts/;UID=99\")\r\n",
    );
    let r = s.until("N");
    assert!(
        r.status().starts_with("NO [BADURL /Drafts/;UID=99] "),
        "{}",
        r.tagged
    );
    assert_eq!(names(&md.join(".Drafts"), "cur").len(), 5);
    assert!(names(&md.join(".Drafts"), "tmp").is_empty());
}

// RFC 4469 4.2 and the APPEND bounds: a message past the quota (RFC 9208 4.3.1) is refused
// as its parts arrive, before the literal after them is asked for; more parts than the
// stated limit get NO [LIMIT]; a message of no bytes at all is refused.
#[test]
fn bounds_and_quota() {
    let (mut s, md) = session("catenate-bounds");
    // The two drafts are about 800 bytes: a limit of 1000 takes one copy, not two.
    std::fs::write(md.join("maildirsize"), "1000S\n").unwrap();
    let url = "/Drafts/;UID=20";
    s.send(
        format!("Q APPEND Drafts CATENATE (URL \"{url}\" URL \"{url}\" TEXT {{5}}\r\n").as_bytes(),
    );
    let r = s.until("Q");
    assert!(r.status().starts_with("NO [OVERQUOTA]"), "{}", r.tagged);
    std::fs::remove_file(md.join("maildirsize")).unwrap();

    let mut many = b"P APPEND Drafts CATENATE (".to_vec();
    for i in 0..257 {
        if i > 0 {
            many.push(b' ');
        }
        many.extend_from_slice(b"TEXT {1+}\r\nx");
    }
    many.extend_from_slice(b")\r\n");
    s.send(&many);
    let r = s.until("P");
    assert!(r.status().starts_with("NO [LIMIT]"), "{}", r.tagged);
    // RFC 4469 4.2: past the largest message (256 MiB), refused before the literal is
    // asked for.
    s.send(b"R APPEND Drafts CATENATE (URL \"/Drafts/;UID=20\" TEXT {300000000}\r\n");
    let r = s.until("R");
    assert!(r.status().starts_with("NO [TOOBIG]"), "{}", r.tagged);
    let r = s.cmd("APPEND Drafts CATENATE (TEXT {0+}\r\n)");
    assert!(r.status().starts_with("NO "), "{}", r.tagged);
    // RFC 4469 5: TEXT takes a literal, not a quoted string or a literal8.
    let r = s.cmd("APPEND Drafts CATENATE (TEXT \"x\")");
    assert!(r.status().starts_with("BAD "), "{}", r.tagged);
    s.ok("NOOP");
    assert_eq!(names(&md.join(".Drafts"), "cur").len(), 2);
    assert!(names(&md.join(".Drafts"), "tmp").is_empty());
}
