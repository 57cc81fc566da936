//! Reading message files that another session renamed or removed a moment ago, and bytes
//! that an IMAP string cannot carry.
//!
//! Another server (or another `imapd`) changes a message's flags by renaming its file; the
//! part before `:2,` stays (DESIGN.md 3). The tests make that race deterministic: the
//! session has selected the mailbox and knows the old name, then the test renames (or
//! removes, or makes unreadable) the file directly, then sends the command. Files are named
//! the three ways deliveries name them: no sizes (procmail, qmail-local), `,S=` only, and
//! `,S=` with `,W=` (Dovecot, `imapd`).
//!
//! - A renamed message is read under its new name by every command (RFC822.SIZE, BODY[],
//!   headers, BINARY, INTERNALDATE, SEARCH, SORT, THREAD, COPY, MOVE).
//! - A message removed by another session: FETCH answers what the view, the name and the
//!   folder's cache still say with `OK [EXPUNGEISSUED]` (RFC 2180 4.1.3, RFC 5530 3) and
//!   leaves out what only the file had with `NO [EXPUNGEISSUED]` (4.1.2; issue 9 item 9:
//!   never Dovecot 2.3.19's made-up NIL body, 0 size and 1970 date), STORE changes the
//!   others (4.2.1), COPY and MOVE take the others (4.4.2), both with
//!   `OK [EXPUNGEISSUED]`; SEARCH, SORT and THREAD leave it out (RFC 2180
//!   4.3; SEARCH says `OK [EXPUNGEISSUED]` as RFC 5530's example does), and the next
//!   command that may reports the EXPUNGE.
//! - A file that cannot be read is a `NO` for the command; the session goes on.
//! - NUL (RFC 3501 9: CHAR8 excludes it) never goes inside a `{n}` literal: BINARY sends
//!   `~{n}` (RFC 3516 4.3), BODY[] sends 0x80 in its place, as Dovecot does.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};

use fixture::{crlf, utc, Fixture, Reply, Session};

const FIRST: &[u8] = b"From: a@example.org\nSubject: bravo\nDate: Tue, 02 Jan 2024 10:00:00 +0000\nMessage-ID: <first@x>\n\nthe needle is in the body of the first message\n";
const SECOND: &[u8] =
    b"From: b@example.org\nSubject: alpha\nDate: Mon, 01 Jan 2024 10:00:00 +0000\n\nshort\n";

/// How a delivery names its file.
#[derive(Clone, Copy, Debug)]
enum Naming {
    Plain,
    Stored,
    Both,
}

const NAMINGS: [Naming; 3] = [Naming::Plain, Naming::Stored, Naming::Both];

fn sizes(naming: Naming, content: &[u8]) -> String {
    match naming {
        Naming::Plain => String::new(),
        Naming::Stored => format!(",S={}", content.len()),
        Naming::Both => format!(",S={},W={}", content.len(), crlf(content).len()),
    }
}

/// INBOX with FIRST (larger, arrived and dated later, subject "bravo") as message 1 and
/// SECOND as message 2, both named by `naming`, and a folder `Other`. Returns the session
/// (INBOX selected), the Maildir and the first message's name without flags.
fn mailbox(name: &str, naming: Naming) -> (Session, PathBuf, String) {
    let mut f = Fixture::new(name);
    let first = f.add_sized(
        1,
        &sizes(naming, FIRST),
        "",
        FIRST,
        utc(2024, 2, 2, 0, 0, 0),
    );
    f.add_sized(
        2,
        &sizes(naming, SECOND),
        "",
        SECOND,
        utc(2024, 2, 1, 0, 0, 0),
    );
    let other = f.md.join(".Other");
    common::make_maildir(&other);
    std::fs::write(other.join("maildirfolder"), b"").unwrap();
    let md = f.md.clone();
    (f.session(), md, first)
}

/// The file in `cur/` whose name starts with `base`.
fn current(md: &Path, base: &str) -> PathBuf {
    let prefix = format!("{base}:");
    std::fs::read_dir(md.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .unwrap_or_else(|| panic!("no file for {base}"))
}

/// What another session does to change the message's flags: renames its file.
fn rename_flags(md: &Path, base: &str, flags: &str) {
    let from = current(md, base);
    std::fs::rename(&from, md.join("cur").join(format!("{base}:2,{flags}"))).unwrap();
}

/// The only untagged response starting with `prefix`, from an OK reply.
fn only(s: &Session, r: &Reply, prefix: &str) -> String {
    if !r.ok() {
        s.fail(&format!("command failed: {:?}", r.tagged));
    }
    let found = r.starting(prefix);
    if found.len() != 1 {
        s.fail(&format!("expected one {prefix:?} response, got {found:?}"));
    }
    found[0].clone()
}

/// Renames message 1 (to flags `flags`), then runs `command` and returns the one untagged
/// response starting with `prefix` (the rename itself is reported after the command, with
/// a FETCH of the new FLAGS).
fn after_rename(
    s: &mut Session,
    md: &Path,
    base: &str,
    flags: &str,
    command: &str,
    prefix: &str,
) -> String {
    rename_flags(md, base, flags);
    let r = s.cmd(command);
    only(s, &r, prefix)
}

#[test]
fn fetch_reads_a_renamed_file() {
    for naming in NAMINGS {
        let (mut s, md, base) = mailbox("fetch-renamed", naming);
        let served = crlf(FIRST);
        let size = format!("* 1 FETCH (RFC822.SIZE {})", served.len());
        rename_flags(&md, &base, "S");
        let r = s.cmd("FETCH 1 RFC822.SIZE");
        assert_eq!(only(&s, &r, "* 1 FETCH (R"), size, "{naming:?}");
        // The other session's change, told after the command (RFC 3501 7.4.2).
        assert_eq!(only(&s, &r, "* 1 FETCH (F"), "* 1 FETCH (FLAGS (\\Seen))");

        let got = after_rename(
            &mut s,
            &md,
            &base,
            "F",
            "FETCH 1 BODY.PEEK[]",
            "* 1 FETCH (B",
        );
        let mut want = format!("* 1 FETCH (BODY[] {{{}}}\r\n", served.len()).into_bytes();
        want.extend_from_slice(&served);
        want.push(b')');
        assert_eq!(got.as_bytes(), &want[..], "{naming:?}");

        let header_end = served.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let got = after_rename(
            &mut s,
            &md,
            &base,
            "S",
            "FETCH 1 BODY.PEEK[HEADER]",
            "* 1 FETCH (B",
        );
        let mut want = format!("* 1 FETCH (BODY[HEADER] {{{header_end}}}\r\n").into_bytes();
        want.extend_from_slice(&served[..header_end]);
        want.push(b')');
        assert_eq!(got.as_bytes(), &want[..], "{naming:?}");

        let body = &served[header_end..];
        let got = after_rename(
            &mut s,
            &md,
            &base,
            "F",
            "FETCH 1 BINARY.PEEK[1]",
            "* 1 FETCH (B",
        );
        let mut want = format!("* 1 FETCH (BINARY[1] {{{}}}\r\n", body.len()).into_bytes();
        want.extend_from_slice(body);
        want.push(b')');
        assert_eq!(got.as_bytes(), &want[..], "{naming:?}");

        let got = after_rename(
            &mut s,
            &md,
            &base,
            "S",
            "FETCH 1 (INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.4>)",
            "* 1 FETCH (I",
        );
        assert_eq!(
            got,
            format!(
                "* 1 FETCH (INTERNALDATE \" 2-Feb-2024 00:00:00 +0000\" {} BODY[]<0> {{4}}\r\nFrom)",
                &size["* 1 FETCH (".len()..size.len() - 1]
            ),
            "{naming:?}"
        );
        s.ok("NOOP");
    }
}

#[test]
fn search_reads_a_renamed_file() {
    let larger = crlf(SECOND).len();
    for naming in NAMINGS {
        let (mut s, md, base) = mailbox("search-renamed", naming);
        for (flags, key) in [
            ("S", "BODY needle".to_string()),
            ("F", "HEADER Subject bravo".to_string()),
            ("S", "SUBJECT bravo".to_string()),
            ("F", format!("LARGER {larger}")),
            ("S", "SENTSINCE 2-Jan-2024".to_string()),
            ("F", "SINCE 2-Feb-2024".to_string()),
            ("S", "TEXT first@x".to_string()),
        ] {
            let got = after_rename(
                &mut s,
                &md,
                &base,
                flags,
                &format!("SEARCH {key}"),
                "* SEARCH",
            );
            assert_eq!(got, "* SEARCH 1", "{naming:?} SEARCH {key}");
        }
    }
}

#[test]
fn sort_and_thread_read_a_renamed_file() {
    for naming in NAMINGS {
        let (mut s, md, base) = mailbox("sort-renamed", naming);
        // Message 1 is the larger, the later to arrive, the later by Date: and "bravo"
        // after "alpha": it comes second by every key (RFC 5256 2.2, 2.4).
        for (flags, key) in [
            ("S", "SIZE"),
            ("F", "ARRIVAL"),
            ("S", "DATE"),
            ("F", "SUBJECT"),
        ] {
            let got = after_rename(
                &mut s,
                &md,
                &base,
                flags,
                &format!("SORT ({key}) UTF-8 ALL"),
                "* SORT",
            );
            assert_eq!(got, "* SORT 2 1", "{naming:?} SORT ({key})");
        }
        // Two threads of one message each, in order of their sent dates (RFC 5256 3).
        for (flags, algorithm) in [("S", "ORDEREDSUBJECT"), ("F", "REFERENCES")] {
            let got = after_rename(
                &mut s,
                &md,
                &base,
                flags,
                &format!("THREAD {algorithm} UTF-8 ALL"),
                "* THREAD",
            );
            assert_eq!(got, "* THREAD (2)(1)", "{naming:?} THREAD {algorithm}");
        }
    }
}

#[test]
fn copy_and_move_take_a_renamed_file() {
    for naming in NAMINGS {
        let (mut s, md, base) = mailbox("copy-renamed", naming);
        rename_flags(&md, &base, "S");
        let r = s.cmd("COPY 1 Other");
        assert!(
            r.ok() && r.tagged.contains("[COPYUID "),
            "{naming:?}: {:?}",
            r.tagged
        );
        rename_flags(&md, &base, "F");
        let r = s.cmd("UID MOVE 1 Other");
        assert!(r.ok(), "{naming:?}: {:?}", r.tagged);
        assert_eq!(r.starting("* 1 EXPUNGE").len(), 1, "{naming:?}");
        s.ok("SELECT Other");
        let r = s.ok("FETCH 1:* (FLAGS BODY.PEEK[])");
        // The copies are new to this session: \Recent (RFC 3501 2.3.2).
        let mut want = format!(
            "(FLAGS (\\Seen \\Recent) BODY[] {{{}}}\r\n",
            crlf(FIRST).len()
        )
        .into_bytes();
        want.extend_from_slice(&crlf(FIRST));
        want.push(b')');
        assert_eq!(r.untagged.len(), 2, "{naming:?}: {:?}", r.lines());
        assert!(
            r.untagged[0].ends_with(&want),
            "{naming:?}: {:?}",
            r.lines()
        );
        assert!(
            r.lines()[1].starts_with("* 2 FETCH (FLAGS (\\Flagged \\Recent) "),
            "{naming:?}: {:?}",
            r.lines()
        );
        // Nothing is left of message 1 in INBOX.
        assert!(common::names(&md.join("cur"))
            .iter()
            .all(|n| !n.starts_with(&base)));
    }
}

#[test]
fn a_message_removed_by_another_session() {
    for naming in NAMINGS {
        let (mut s, md, base) = mailbox("removed", naming);
        // What a FETCH learnt before the file went stays in the folder's cache.
        let r = s.ok("FETCH 1 (ENVELOPE)");
        let line = &r.lines()[0];
        let envelope = line["* 1 FETCH (".len()..line.len() - 1].to_string();
        assert!(envelope.contains("\"<first@x>\""), "{naming:?}: {envelope}");
        std::fs::remove_file(current(&md, &base)).unwrap();
        let size =
            |n: usize, m: &[u8]| format!("* {n} FETCH (UID {n} RFC822.SIZE {})", crlf(m).len());
        let r = s.cmd("FETCH 1:2 (UID RFC822.SIZE)");
        if let Naming::Both = naming {
            // The name says the size: answered without the file (RFC 2180 4.1.1).
            assert_eq!(r.lines(), [size(1, FIRST), size(2, SECOND)]);
            assert_eq!(r.status(), "OK FETCH completed");
        } else {
            // Only the file knew the size (the ENVELOPE fetch read the header only): issue 9
            // item 9 leaves the item out and answers the NO of RFC 2180 4.1.2 with RFC 5530
            // 3's code, where Dovecot 2.3.19 makes up RFC822.SIZE 0 and says OK (4.1.3).
            assert_eq!(
                r.lines(),
                ["* 1 FETCH (UID 1)".to_string(), size(2, SECOND)],
                "{naming:?}"
            );
            assert_eq!(r.status(), LOST, "{naming:?}");
        }
        // Every item the cache holds is answered; a body only the file had is left out.
        let r = s.cmd("FETCH 1:2 (UID ENVELOPE BODY.PEEK[1])");
        assert_eq!(r.untagged.len(), 2, "{naming:?}: {:?}", r.lines());
        assert_eq!(
            r.lines()[0],
            format!("* 1 FETCH (UID 1 {envelope})"),
            "{naming:?}"
        );
        assert!(r.lines()[1].starts_with("* 2 FETCH (UID 2 ENVELOPE (\"Mon, 01 Jan"));
        assert_eq!(r.status(), LOST, "{naming:?}");
        // Known gone now. RFC 2180 4.1.3 and RFC 5530 3: what the view and the cache hold is
        // answered, and then the command is an OK that says some messages are gone.
        let r = s.cmd("FETCH 1 FLAGS");
        assert_eq!(r.lines(), ["* 1 FETCH (FLAGS ())"], "{naming:?}");
        assert_eq!(r.status(), ISSUED, "{naming:?}");
        let r = s.cmd("FETCH 1 (UID ENVELOPE)");
        assert_eq!(
            r.lines(),
            [format!("* 1 FETCH (UID 1 {envelope})")],
            "{naming:?}"
        );
        assert_eq!(r.status(), ISSUED, "{naming:?}");
        // The cached INTERNALDATE is the file's, not the epoch.
        let r = s.cmd("FETCH 1 (UID INTERNALDATE)");
        assert_eq!(
            r.lines(),
            ["* 1 FETCH (UID 1 INTERNALDATE \" 2-Feb-2024 00:00:00 +0000\")"],
            "{naming:?}"
        );
        assert_eq!(r.status(), ISSUED, "{naming:?}");
        // RFC 2180 4.1.2: a body is gone for good; no response at all rather than a made-up
        // one, and a NO with the words of RFC 5530 3.
        let r = s.cmd("FETCH 1 BODY[]");
        assert!(r.untagged.is_empty(), "{naming:?}: {:?}", r.lines());
        assert_eq!(r.status(), LOST, "{naming:?}");
        // RFC 2180 4.2.1: STORE changes the others and answers OK.
        let r = s.cmd("STORE 1:2 +FLAGS (\\Flagged)");
        assert_eq!(r.lines(), ["* 2 FETCH (FLAGS (\\Flagged))"], "{naming:?}");
        assert_eq!(r.status(), ISSUED, "{naming:?}");
        // The message that is still there gets its body and \Seen (RFC 3501 6.4.5); the gone
        // one only what the view knows.
        let r = s.cmd("FETCH 1:2 (UID BODY[])");
        assert_eq!(
            r.lines(),
            [
                "* 1 FETCH (UID 1)".to_string(),
                format!(
                    "* 2 FETCH (UID 2 BODY[] {{{}}}\r\n{} FLAGS (\\Flagged \\Seen))",
                    crlf(SECOND).len(),
                    String::from_utf8_lossy(&crlf(SECOND))
                )
            ],
            "{naming:?}"
        );
        assert_eq!(r.status(), LOST, "{naming:?}");
        let r = s.cmd("FETCH 1:2 FLAGS");
        assert_eq!(
            r.lines(),
            [
                "* 1 FETCH (FLAGS ())",
                "* 2 FETCH (FLAGS (\\Flagged \\Seen))"
            ],
            "{naming:?}"
        );
        assert_eq!(r.status(), ISSUED, "{naming:?}");
        let r = s.cmd("SEARCH BODY short");
        assert_eq!(only(&s, &r, "* SEARCH"), "* SEARCH 2");
        assert!(
            r.status().starts_with("OK [EXPUNGEISSUED] "),
            "{naming:?}: {}",
            r.tagged
        );
        let r = s.cmd("SORT (SIZE) UTF-8 ALL");
        assert_eq!(only(&s, &r, "* SORT"), "* SORT 2", "{naming:?}");
        let r = s.cmd("THREAD ORDEREDSUBJECT UTF-8 ALL");
        assert_eq!(only(&s, &r, "* THREAD"), "* THREAD (2)", "{naming:?}");
        // RFC 2180 4.4.2: COPY takes the others, and may report the EXPUNGE; COPYUID stays
        // in the tagged OK (RFC 4315 3), EXPUNGEISSUED goes before it.
        let r = s.cmd("COPY 1:2 Other");
        assert_eq!(
            r.lines(),
            [format!("* {ISSUED}"), "* 1 EXPUNGE".to_string()]
        );
        assert!(
            r.status().starts_with("OK [COPYUID ") && r.status().contains(" 2 1] "),
            "{naming:?}: {}",
            r.tagged
        );
        let r = s.ok("NOOP");
        assert!(r.lines().is_empty(), "{naming:?}: {:?}", r.lines());
        s.ok("FETCH 1 RFC822.SIZE");
    }
}

#[test]
fn move_takes_what_is_left() {
    let (mut s, md, base) = mailbox("removed-move", Naming::Both);
    std::fs::remove_file(current(&md, &base)).unwrap();
    // RFC 2180 4.4.2 with RFC 6851: the rest is moved, COPYUID comes untagged before the
    // EXPUNGEs (RFC 6851 4.3), and the tagged OK says some were gone.
    let r = s.cmd("MOVE 1:2 Other");
    let lines = r.lines();
    assert!(
        lines[0].starts_with("* OK [COPYUID ") && lines[0].contains(" 2 1] "),
        "{lines:?}"
    );
    assert_eq!(lines[1..], ["* 1 EXPUNGE", "* 1 EXPUNGE"]);
    assert_eq!(r.status(), ISSUED);
    let r = s.ok("STATUS Other (MESSAGES)");
    assert_eq!(r.lines(), ["* STATUS Other (MESSAGES 1)"]);
    // Only gone messages: nothing to move, still an OK.
    let r = s.ok("SELECT Other");
    assert!(
        r.lines().contains(&"* 1 EXISTS".to_string()),
        "{:?}",
        r.lines()
    );
    for e in std::fs::read_dir(md.join(".Other/cur")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let r = s.cmd("MOVE 1 INBOX");
    assert_eq!(r.lines(), ["* 1 EXPUNGE"]);
    assert_eq!(r.status(), ISSUED);
}

/// The tagged reply to a command that met messages another session expunged.
const ISSUED: &str = "OK [EXPUNGEISSUED] Some of the requested messages no longer exist";

/// The tagged reply to a FETCH that left out an item only an expunged message's file had.
const LOST: &str = "NO [EXPUNGEISSUED] Some of the requested messages no longer exist";

/// Makes message 1's file unreadable (the session runs as its owner, not as root).
fn unreadable(md: &Path, base: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = current(md, base);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).unwrap();
}

#[test]
fn an_unreadable_file_is_a_no_and_the_session_goes_on() {
    for naming in [Naming::Plain, Naming::Stored] {
        let (mut s, md, base) = mailbox("unreadable", naming);
        unreadable(&md, &base);
        for command in [
            "FETCH 1 RFC822.SIZE",
            "FETCH 1 BODY.PEEK[]",
            "SEARCH BODY needle",
            "SORT (SIZE) UTF-8 ALL",
            "THREAD REFERENCES UTF-8 ALL",
            "STATUS INBOX (MESSAGES SIZE)",
        ] {
            let r = s.cmd(command);
            assert!(
                r.status().starts_with("NO [NOPERM] "),
                "{naming:?} {command}: {}",
                r.tagged
            );
        }
        let r = s.ok("FETCH 2 RFC822.SIZE");
        assert_eq!(
            r.lines(),
            [format!("* 2 FETCH (RFC822.SIZE {})", crlf(SECOND).len())]
        );
    }
}

/// APPENDs `message` as a literal8 (RFC 3516 4.4).
fn append8(s: &mut Session, message: &[u8]) -> Reply {
    let tag = s.tag();
    s.send(format!("{tag} APPEND INBOX ~{{{}}}\r\n", message.len()).as_bytes());
    let cont = s.line();
    if !cont.starts_with(b"+") {
        s.fail("expected a continuation request");
    }
    s.send(message);
    s.send(b"\r\n");
    s.until(&tag)
}

/// The literal announced at `at` in `response`: whether it is a literal8, and its bytes.
fn literal_at(response: &[u8], at: usize) -> (bool, &[u8]) {
    let open = at + response[at..].iter().position(|&b| b == b'{').unwrap();
    let close = open + response[open..].iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&response[open + 1..close])
        .unwrap()
        .parse()
        .unwrap();
    let start = close + 3;
    (
        open > 0 && response[open - 1] == b'~',
        &response[start..start + n],
    )
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not in the response", String::from_utf8_lossy(needle)))
}

#[test]
fn nul_bytes_never_go_inside_a_literal() {
    let f = Fixture::new("nul");
    let mut s = f.session();
    let body = b"zero\0one\0\0two\r\n";
    let mut message = b"Subject: a\0b\r\nFrom: c@example.org\r\n\r\n".to_vec();
    message.extend_from_slice(body);
    let r = append8(&mut s, &message);
    assert!(r.ok(), "{}", r.tagged);
    s.ok("NOOP");

    // RFC 3516 4.3: BINARY with NUL is a literal8, byte for byte; BINARY[] is the whole
    // message (4.2), here with nothing to decode.
    for (item, want) in [
        ("BINARY.PEEK[1]", &body[..]),
        ("BINARY.PEEK[]", &message[..]),
    ] {
        let r = s.ok(&format!("FETCH 1 {item}"));
        let resp = &r.untagged[0];
        let (eight, data) = literal_at(resp, find(resp, b"BINARY["));
        assert!(eight, "{item}: {:?}", r.lines());
        assert_eq!(data, want, "{item}");
    }

    // RFC 3501 9: a literal is CHAR8, NUL excluded; the size is unchanged.
    let mut served = message.clone();
    for b in served.iter_mut().filter(|b| **b == 0) {
        *b = 0x80;
    }
    let r = s.ok(
        "FETCH 1 (RFC822.SIZE BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] RFC822.TEXT ENVELOPE)",
    );
    let resp = &r.untagged[0];
    assert!(
        !resp.contains(&0),
        "a NUL was sent: {:?}",
        String::from_utf8_lossy(resp)
    );
    let size = format!("RFC822.SIZE {} ", message.len());
    find(resp, size.as_bytes());
    let header_len = message.len() - body.len();
    for (label, want) in [
        (&b"BODY[] "[..], &served[..]),
        (b"BODY[HEADER] ", &served[..header_len]),
        (b"BODY[TEXT] ", &served[header_len..]),
        (b"RFC822.TEXT ", &served[header_len..]),
    ] {
        let (eight, data) = literal_at(resp, find(resp, label));
        assert!(!eight);
        assert_eq!(data, want, "{}", String::from_utf8_lossy(label));
    }
    // The subject in the envelope cannot be a quoted string: a literal, without NUL.
    let (_, subject) = literal_at(resp, find(resp, b"ENVELOPE ("));
    assert_eq!(subject, b"a\x80b");
}
