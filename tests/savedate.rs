//! SAVEDATE (RFC 8514): the time a message was saved in the folder it is in, which is the
//! time that starts its Maildir name (every delivery, APPEND, COPY and MOVE makes a new
//! name; a flag change keeps it). FETCH SAVEDATE, and the SAVEDBEFORE, SAVEDON, SAVEDSINCE
//! and SAVEDATESUPPORTED search keys.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::time::{SystemTime, UNIX_EPOCH};

use fixture::{crlf, utc, Fixture, Session};

/// The fixture names its files `<1600000000 + uid>.M...`: saved on 13-Sep-2020 at
/// 12:26:40 UTC plus the UID in seconds; their INTERNALDATEs are in 2019. A third file,
/// `oddname`, has no time in its name.
fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    let msg = crlf(b"From: a@example.org\nSubject: s\n\nBody.\n");
    f.add(1, "", &msg, utc(2019, 5, 1, 10, 0, 0));
    f.add(2, "S", &msg, utc(2019, 5, 2, 10, 0, 0));
    std::fs::write(f.md.join("cur/oddname:2,"), &msg).unwrap();
    let file = std::fs::File::options()
        .write(true)
        .open(f.md.join("cur/oddname:2,"))
        .unwrap();
    file.set_modified(utc(2019, 5, 3, 10, 0, 0)).unwrap();
    std::fs::create_dir_all(f.md.join(".Trash/cur")).unwrap();
    std::fs::create_dir_all(f.md.join(".Trash/new")).unwrap();
    std::fs::create_dir_all(f.md.join(".Trash/tmp")).unwrap();
    std::fs::write(f.md.join(".Trash/maildirfolder"), "").unwrap();
    let mut s = f.session();
    s.ok("SELECT INBOX");
    s
}

fn lines(s: &mut Session, command: &str) -> Vec<String> {
    s.ok(command).lines()
}

/// The SAVEDATE of a `* n FETCH (SAVEDATE "...")` line, in seconds since the epoch.
fn seconds(line: &str) -> i64 {
    let quoted = line.split('"').nth(1).unwrap_or_else(|| panic!("{line}"));
    let parsed = jiff::fmt::strtime::parse("%d-%b-%Y %H:%M:%S %z", quoted.trim()).unwrap();
    parsed.to_timestamp().unwrap().as_second()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// RFC 8514 4.1.
#[test]
fn advertised() {
    let mut s = session("savedate-cap");
    let caps = lines(&mut s, "CAPABILITY");
    assert!(caps[0].split(' ').any(|c| c == "SAVEDATE"), "{caps:?}");
}

// RFC 8514 4.2: SAVEDATE is a date-time, not the INTERNALDATE; NIL where the storage
// cannot tell (here: a file whose name starts with no time).
#[test]
fn fetch_savedate() {
    let mut s = session("savedate-fetch");
    assert_eq!(
        lines(&mut s, "FETCH 1:3 (SAVEDATE INTERNALDATE)"),
        [
            "* 1 FETCH (SAVEDATE \"13-Sep-2020 12:26:41 +0000\" INTERNALDATE \" 1-May-2019 10:00:00 +0000\")",
            "* 2 FETCH (SAVEDATE \"13-Sep-2020 12:26:42 +0000\" INTERNALDATE \" 2-May-2019 10:00:00 +0000\")",
            "* 3 FETCH (SAVEDATE NIL INTERNALDATE \" 3-May-2019 10:00:00 +0000\")",
        ]
    );
}

// RFC 8514 3: APPEND cannot set it (unlike INTERNALDATE); COPY and MOVE give the new
// message the time of the copy and leave the source's alone; it never changes while the
// message stays in its folder (a flag change renames the file).
#[test]
fn set_on_save_and_kept() {
    let mut s = session("savedate-save");
    let before = now();
    let r = s.cmd_literals(&[
        b"APPEND INBOX \"01-Jan-2000 00:00:00 +0000\" ",
        &crlf(b"Subject: appended\n\nx\n"),
        b"",
    ]);
    assert!(r.ok(), "{:?}", r.tagged);
    s.ok("NOOP");
    let appended = lines(&mut s, "FETCH 4 (SAVEDATE INTERNALDATE)");
    assert!(appended[0].contains("INTERNALDATE \" 1-Jan-2000 00:00:00 +0000\""));
    let t = seconds(&appended[0]);
    assert!(t >= before && t <= now(), "{appended:?}");

    s.ok("STORE 1 +FLAGS (\\Flagged)");
    assert_eq!(
        lines(&mut s, "FETCH 1 SAVEDATE"),
        ["* 1 FETCH (SAVEDATE \"13-Sep-2020 12:26:41 +0000\")"]
    );
    s.ok("COPY 1 Trash");
    s.ok("MOVE 2 Trash");
    assert_eq!(
        lines(&mut s, "FETCH 1 SAVEDATE"),
        ["* 1 FETCH (SAVEDATE \"13-Sep-2020 12:26:41 +0000\")"]
    );
    s.ok("SELECT Trash");
    for line in lines(&mut s, "FETCH 1:2 SAVEDATE") {
        let t = seconds(&line);
        assert!(t >= before && t <= now(), "{line}");
    }
}

// RFC 8514 4.3: the date of the save date, its time and zone left out; INTERNALDATE where
// there is no save date; SAVEDATESUPPORTED matches every message of a folder that has them.
#[test]
fn search_keys() {
    let mut s = session("savedate-search");
    for (command, expected) in [
        ("SEARCH SAVEDON 13-Sep-2020", "* SEARCH 1 2"),
        ("SEARCH SAVEDBEFORE 14-Sep-2020", "* SEARCH 1 2 3"),
        ("SEARCH SAVEDBEFORE 13-Sep-2020", "* SEARCH 3"),
        ("SEARCH SAVEDSINCE 13-Sep-2020", "* SEARCH 1 2"),
        ("SEARCH SAVEDON 3-May-2019", "* SEARCH 3"),
        ("SEARCH SAVEDSINCE 14-Sep-2020", "* SEARCH"),
        ("SEARCH SAVEDATESUPPORTED", "* SEARCH 1 2 3"),
        ("SEARCH NOT SAVEDATESUPPORTED", "* SEARCH"),
        ("UID SEARCH SAVEDON 13-Sep-2020 SEEN", "* SEARCH 2"),
        // INTERNALDATE is another thing.
        ("SEARCH ON 13-Sep-2020", "* SEARCH"),
    ] {
        assert_eq!(lines(&mut s, command), [expected], "{command}");
    }
    let r = s.cmd("SEARCH SAVEDON 32-Sep-2020");
    assert!(r.status().starts_with("BAD "), "{:?}", r.tagged);
}
