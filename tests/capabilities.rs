//! CAPABILITY tells the truth (RFC 3501 6.1.1, 7.2.1): the serve role's list is the same in
//! the PREAUTH greeting, in the tagged OK of a LOGIN handed over (IMAPLOGINTAG, DESIGN.md
//! section 1) and in the CAPABILITY response, and every capability in it is exercised here
//! once by a command only a server that has it answers so. A capability advertised without
//! an exercise below fails the test: adding one to the list means adding its proof here.
//! The login role's lists are checked in tests/login_role.rs.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::time::SystemTime;

use fixture::{crlf, Fixture, Session};

fn fixture(name: &str) -> Fixture {
    let mut f = Fixture::new(name);
    let now = SystemTime::now();
    f.add(
        1,
        "",
        &crlf(b"From: Ann <ann@example.org>\nTo: bob@example.org\nSubject: one\nMessage-ID: <1@x>\n\nHello Bob.\n"),
        now,
    );
    f.add(
        2,
        "S",
        &crlf(b"From: bob@example.org\nSubject: Re: one\nMessage-ID: <2@x>\nIn-Reply-To: <1@x>\n\nHi.\n"),
        now,
    );
    common::folder(&f.md, "Trash");
    // RFC 9208: limits set by the administrator, in Maildir++'s file.
    std::fs::write(f.md.join("maildirsize"), "1000000S,100C\n").unwrap();
    f
}

fn listed(line: &str) -> Vec<String> {
    let start = line.find("CAPABILITY ").expect("a capability list") + "CAPABILITY ".len();
    let end = line[start..].find(']').map_or(line.len(), |e| start + e);
    line[start..end].split(' ').map(str::to_string).collect()
}

/// What each capability is proved by: raw bytes to send (the tag is `X`), and text the
/// reply must hold besides the tagged OK.
fn exercise(cap: &str) -> Option<(&'static [u8], &'static str)> {
    Some(match cap {
        "IMAP4rev1" => (b"X CHECK\r\n", "X OK"),
        // RFC 7888 3: the literal needs no continuation.
        // RFC 9051 6.4.4: once enabled, SEARCH answers with ESEARCH.
        "IMAP4rev2" => (
            b"X ENABLE IMAP4rev2\r\nY SEARCH ALL\r\n",
            "* ESEARCH (TAG \"Y\") ALL 1:2",
        ),
        "LITERAL+" => (b"X APPEND INBOX {12+}\r\nSubject: a\r\n\r\n", "[APPENDUID "),
        "ID" => (b"X ID NIL\r\n", "* ID ("),
        "ENABLE" => (b"X ENABLE X-NOTHING\r\n", "* ENABLED"),
        "IDLE" => (b"X IDLE\r\nDONE\r\n", "+ "),
        "NAMESPACE" => (b"X NAMESPACE\r\n", "* NAMESPACE ((\"\" \".\")) NIL NIL"),
        "UIDPLUS" => (b"X UID EXPUNGE 999\r\n", "X OK"),
        "UNSELECT" => (b"X UNSELECT\r\n", "X OK"),
        "CHILDREN" => (b"X LIST \"\" INBOX\r\n", "\\HasNoChildren"),
        "LIST-EXTENDED" => (
            b"X LIST (SUBSCRIBED) \"\" \"*\" RETURN (CHILDREN)\r\n",
            "X OK",
        ),
        "LIST-STATUS" => (
            b"X LIST \"\" INBOX RETURN (STATUS (MESSAGES))\r\n",
            "* STATUS INBOX (MESSAGES ",
        ),
        "SPECIAL-USE" => (
            b"X LIST (SPECIAL-USE) \"\" \"*\"\r\n",
            "(\\HasNoChildren \\Trash)",
        ),
        "CREATE-SPECIAL-USE" => (b"X CREATE Old (USE (\\Archive))\r\n", "X OK"),
        "MOVE" => (b"X MOVE 2 Trash\r\n", "[COPYUID "),
        "MULTIAPPEND" => (
            b"X APPEND INBOX {14+}\r\nSubject: b\r\n\r\n {14+}\r\nSubject: c\r\n\r\n\r\n",
            "[APPENDUID ",
        ),
        // RFC 4469 3: a literal, then part of message 1 by a relative URL, read back.
        "CATENATE" => (
            b"X APPEND INBOX CATENATE (TEXT {14+}\r\nSubject: c\r\n\r\n URL \"/INBOX/;UID=1/;SECTION=TEXT\")\r\nY FETCH 3 BODY[]\r\n",
            "Subject: c\r\n\r\nHello Bob.",
        ),
        // RFC 5550 3: ;PARTIAL in a CATENATE URL; the first 5 bytes of message 1.
        "URL-PARTIAL" => (
            b"X APPEND INBOX CATENATE (URL \"/INBOX/;UID=1/;PARTIAL=0.5\" TEXT {2+}\r\n\r\n)\r\nY FETCH 3 BODY[]\r\n",
            "BODY[] {7}\r\nFrom:\r\n FLAGS",
        ),
        "STATUS=SIZE" => (b"X STATUS INBOX (SIZE)\r\n", "(SIZE "),
        "ESEARCH" => (
            b"X SEARCH RETURN (COUNT) ALL\r\n",
            "* ESEARCH (TAG \"X\") COUNT ",
        ),
        "SEARCHRES" => (
            b"X SEARCH RETURN (SAVE) 1\r\nY FETCH $ UID\r\n",
            "* 1 FETCH (UID 1)",
        ),
        "WITHIN" => (b"X SEARCH YOUNGER 86400\r\n", "* SEARCH 1"),
        "BINARY" => (b"X FETCH 1 BINARY.SIZE[1]\r\n", "BINARY.SIZE[1] "),
        "PREVIEW" => (b"X FETCH 1 PREVIEW\r\n", "PREVIEW \"Hello Bob.\""),
        "SORT" => (b"X SORT (REVERSE ARRIVAL) UTF-8 ALL\r\n", "* SORT "),
        "SORT=DISPLAY" => (b"X SORT (DISPLAYFROM) UTF-8 1:2\r\n", "* SORT 1 2"),
        "THREAD=ORDEREDSUBJECT" => (b"X THREAD ORDEREDSUBJECT UTF-8 1:2\r\n", "* THREAD (1 2)"),
        "THREAD=REFERENCES" => (b"X THREAD REFERENCES UTF-8 1:2\r\n", "* THREAD (1 2)"),
        "QUOTA" => (
            b"X GETQUOTAROOT INBOX\r\n",
            "* QUOTAROOT INBOX \"User quota\"",
        ),
        "QUOTA=RES-STORAGE" => (b"X GETQUOTA \"User quota\"\r\n", "(STORAGE 1 977"),
        "QUOTA=RES-MESSAGE" => (b"X GETQUOTA \"User quota\"\r\n", " MESSAGE 2 100)"),
        // RFC 4978 3: the OK goes out uncompressed, then both directions are.
        "COMPRESS=DEFLATE" => (b"X COMPRESS DEFLATE\r\n", "X OK"),
        // RFC 7162 3.1.4: the MODSEQ item (which enables CONDSTORE).
        "CONDSTORE" => (b"X FETCH 1 (MODSEQ)\r\n", "* 1 FETCH (MODSEQ ("),
        // RFC 7162 3.2.5: every message changed since MODSEQ 1 is told, with its UID.
        "QRESYNC" => (
            b"X ENABLE QRESYNC\r\nY SELECT INBOX (QRESYNC (1234567 1))\r\n",
            "* 1 FETCH (UID 1 FLAGS (",
        ),
        // RFC 5267 3.1: MIN in sort order.
        "ESORT" => (
            b"X SORT RETURN (MIN) (SIZE) UTF-8 ALL\r\n",
            "* ESEARCH (TAG \"X\") MIN 2",
        ),
        // RFC 5267 4.3.3: a message that comes to match is told, at position 0 for SEARCH,
        // at its place in sort order for SORT.
        "CONTEXT=SEARCH" => (
            b"X SEARCH RETURN (UPDATE) UNSEEN\r\nY STORE 2 -FLAGS (\\Seen)\r\n",
            "* ESEARCH (TAG \"X\") ADDTO (0 2)",
        ),
        "CONTEXT=SORT" => (
            b"X SORT RETURN (UPDATE) (SIZE) UTF-8 UNSEEN\r\nY STORE 2 -FLAGS (\\Seen)\r\n",
            "* ESEARCH (TAG \"X\") ADDTO (1 2)",
        ),
        "PARTIAL" => (
            b"X SEARCH RETURN (PARTIAL -1:-1) ALL\r\n",
            "PARTIAL (-1:-1 2)",
        ),
        // RFC 6855 3: once enabled, a mailbox is named in UTF-8 both ways (the CREATE's
        // tag, Z, is read past while waiting for Y).
        "UTF8=ACCEPT" => (
            "X ENABLE UTF8=ACCEPT\r\nZ CREATE \"Entw\u{fc}rfe\"\r\nY LIST \"\" \"Entw*\"\r\n"
                .as_bytes(),
            "* LIST (\\HasNoChildren) \".\" \"Entw\u{fc}rfe\"",
        ),
        "SAVEDATE" => (b"X FETCH 1 SAVEDATE\r\n", "* 1 FETCH (SAVEDATE \""),
        "OBJECTID" => (b"X FETCH 1 EMAILID\r\n", "* 1 FETCH (EMAILID ("),
        // RFC 7889 3: the limit in STATUS too.
        c if c.starts_with("APPENDLIMIT=") => (b"X STATUS INBOX (APPENDLIMIT)\r\n", "(APPENDLIMIT "),
        _ => return None,
    })
}

// RFC 3501 7.1.4 and 6.1.1: the PREAUTH greeting's list is the CAPABILITY response's.
// Then each capability, on a session of its own with INBOX of the fixture selected.
#[test]
fn every_capability_advertised_works() {
    let mut s = fixture("caps-list").session();
    let greeting = s.transcript[0].clone();
    let caps = listed(&s.ok("CAPABILITY").starting("* CAPABILITY")[0]);
    assert_eq!(
        listed(&greeting),
        caps,
        "the greeting and CAPABILITY disagree"
    );
    let mut unproved = Vec::new();
    for cap in &caps {
        let Some((command, needle)) = exercise(cap) else {
            unproved.push(cap.clone());
            continue;
        };
        let mut s = fixture(&format!("caps-{}", cap.to_lowercase())).session();
        s.send(command);
        let mut reply = s.until("X");
        // SEARCHRES: the saved result used by a second command.
        if command.windows(3).any(|w| w == b"\nY ") {
            reply = s.until("Y");
        }
        let text = [reply.lines().join("\n"), reply.tagged.clone()].join("\n");
        if !reply.ok() || !text.contains(needle) {
            s.fail(&format!("{cap}: expected OK with {needle:?}, got\n{text}"));
        }
    }
    assert!(
        unproved.is_empty(),
        "advertised without an exercise: {unproved:?}"
    );
}

// DESIGN.md 1: after the login role's hand-off the serve role answers the LOGIN tag, with
// the same list as its CAPABILITY response (RFC 3501 6.2.3's example, 7.2.1).
#[test]
fn the_login_reply_lists_what_capability_lists() {
    let f = fixture("caps-login");
    let dir = f.dir;
    let md = f.md;
    std::fs::write(
        md.join("dovecot-uidlist"),
        "3 V1 N1 G0123456789abcdef0123456789abcdef\n",
    )
    .unwrap();
    let mut cmd = common::serve_cmd(&dir, Some(&md));
    cmd.env("IMAPLOGINTAG", "A1");
    let mut s = Session::spawn(cmd);
    let ok = String::from_utf8(s.line()).unwrap();
    assert!(ok.starts_with("A1 OK [CAPABILITY "), "{ok}");
    let caps = listed(&s.ok("CAPABILITY").starting("* CAPABILITY")[0]);
    assert_eq!(listed(&ok), caps);
}
