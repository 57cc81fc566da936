//! WITHIN (RFC 5032): the OLDER and YOUNGER search keys, against INTERNALDATE (the file's
//! mtime) to the second, relative to the server's clock when the command is read; in
//! SEARCH, UID SEARCH, ESEARCH and as SORT's search criteria.
//!
//! The messages are dated relative to the test's clock, with hours between them, so the
//! few seconds a test takes cannot move a message across a boundary.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::time::{Duration, SystemTime};

use fixture::{crlf, Fixture, Session};

const DAY: u64 = 86400;

fn message(subject: &str) -> Vec<u8> {
    crlf(format!("From: a@example.org\nSubject: {subject}\n\nBody.\n").as_bytes())
}

/// seq uid flags  INTERNALDATE
/// 1   3   \Seen  100 days ago
/// 2   5          2 days ago
/// 3   8   \Seen  1 hour ago
/// 4   9          10 minutes ago
fn session(name: &str) -> Session {
    let ago = |secs: u64| SystemTime::now() - Duration::from_secs(secs);
    let mut f = Fixture::new(name);
    f.add(3, "S", &message("oldest"), ago(100 * DAY));
    f.add(5, "", &message("two days"), ago(2 * DAY));
    f.add(8, "S", &message("an hour"), ago(3600));
    f.add(9, "", &message("minutes"), ago(600));
    let mut s = f.session();
    s.ok("SELECT INBOX");
    s
}

fn found(s: &mut Session, command: &str, prefix: &str) -> String {
    let r = s.ok(command);
    let lines = r.starting(prefix);
    if lines.len() != 1 {
        s.fail(&format!(
            "{command}: expected one {prefix} response, got {lines:?}"
        ));
    }
    lines[0].clone()
}

// RFC 5032 2: the server advertises WITHIN.
#[test]
fn advertised() {
    let mut s = session("within-cap");
    let caps = found(&mut s, "CAPABILITY", "* CAPABILITY");
    assert!(caps.split(' ').any(|c| c == "WITHIN"), "{caps}");
}

// RFC 5032 4: "SEARCH UNSEEN YOUNGER 259200", the unseen messages of the past three days.
#[test]
fn the_rfc_example() {
    let mut s = session("within-example");
    assert_eq!(
        found(&mut s, "SEARCH UNSEEN YOUNGER 259200", "* SEARCH"),
        "* SEARCH 2 4"
    );
}

// RFC 5032 2: OLDER matches an INTERNALDATE at or before now less the interval, YOUNGER
// one at or after it; both to the second, not by day as BEFORE and SINCE.
#[test]
fn older_and_younger() {
    let mut s = session("within-keys");
    for (command, expected) in [
        ("SEARCH OLDER 86400", "* SEARCH 1 2"),
        ("SEARCH YOUNGER 86400", "* SEARCH 3 4"),
        // Within the same day: an hour ago is older than 30 minutes, 10 minutes ago is not.
        ("SEARCH OLDER 1800", "* SEARCH 1 2 3"),
        ("SEARCH YOUNGER 1800", "* SEARCH 4"),
        ("SEARCH YOUNGER 60", "* SEARCH"),
        ("SEARCH OLDER 31536000", "* SEARCH"),
        (
            "UID SEARCH NOT OLDER 200000 YOUNGER 4000000000",
            "* SEARCH 5 8 9",
        ),
        ("SEARCH OR OLDER 8000000 YOUNGER 1200", "* SEARCH 1 4"),
    ] {
        assert_eq!(found(&mut s, command, "* SEARCH"), expected, "{command}");
    }
    // With ESEARCH's result options (RFC 4731).
    let r = s.run("E1 UID SEARCH RETURN (COUNT MIN) OLDER 3000");
    assert_eq!(
        r.lines(),
        ["* ESEARCH (TAG \"E1\") UID MIN 3 COUNT 3"],
        "{}",
        r.tagged
    );
}

// RFC 5256 3: SORT and THREAD take the same search keys.
#[test]
fn as_sort_criteria() {
    let mut s = session("within-sort");
    assert_eq!(
        found(
            &mut s,
            "UID SORT (REVERSE ARRIVAL) UTF-8 YOUNGER 259200",
            "* SORT"
        ),
        "* SORT 9 8 5"
    );
    // RFC 5256 3: and THREAD; without Date: fields the threads go by INTERNALDATE.
    assert_eq!(
        found(
            &mut s,
            "UID THREAD ORDEREDSUBJECT UTF-8 YOUNGER 259200",
            "* THREAD"
        ),
        "* THREAD (5)(8)(9)"
    );
}

// RFC 5032 3: the interval is an nz-number; anything else is a syntax error, and the
// session goes on.
#[test]
fn bad_intervals() {
    let mut s = session("within-bad");
    s.unchecked();
    for bad in [
        "SEARCH OLDER 0",
        "SEARCH YOUNGER",
        "SEARCH YOUNGER -5",
        "SEARCH OLDER 1d",
        "SEARCH OLDER 99999999999",
    ] {
        let r = s.cmd(bad);
        assert!(r.status().starts_with("BAD "), "{bad}: {:?}", r.tagged);
    }
    assert_eq!(
        found(&mut s, "SEARCH OLDER 1", "* SEARCH"),
        "* SEARCH 1 2 3 4"
    );
}
