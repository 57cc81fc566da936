//! CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 4): SEARCH and SORT with `RETURN (UPDATE)`
//! stay live while the mailbox is selected, and the client is told how their results
//! change (ADDTO, REMOVEFROM, 4.3.2-4.3.4) when this or another session changes flags,
//! mail arrives or messages are expunged; CANCELUPDATE (4.3.5) and leaving the mailbox end
//! them, a session holds a bounded number of them (4.3.1: NOUPDATE), and the CONTEXT hint
//! (4.2) and PARTIAL (4.4) are taken. The RFC's examples are replayed on a small mailbox.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::Path;

use common::TempDir;
use fixture::{crlf, utc, Fixture, Reply, Session};

/// seq uid subject flags
/// 1   11  d
/// 2   12  b       \Seen
/// 3   13  e
/// 4   14  a       \Seen
/// 5   15  c
///
/// UNSEEN is 1, 3, 5 (UIDs 11, 13, 15); SORT (SUBJECT) of all is UIDs 14 12 15 11 13.
fn mailbox(name: &str) -> (TempDir, std::path::PathBuf) {
    let mut f = Fixture::new(name);
    for (uid, subject, flags) in [
        (11, "d", ""),
        (12, "b", "S"),
        (13, "e", ""),
        (14, "a", "S"),
        (15, "c", ""),
    ] {
        let text = format!("From: a@example.org\nSubject: {subject}\n\nBody.\n");
        f.add(
            uid,
            flags,
            &crlf(text.as_bytes()),
            utc(2024, 5, 1, 0, 0, uid as i64),
        );
    }
    f.into_parts()
}

/// A session on the Maildir with INBOX selected.
fn open(dir: &TempDir, md: &Path) -> Session {
    let mut s = Session::preauth(common::serve_cmd(dir, Some(md)));
    s.ok("SELECT INBOX");
    s
}

/// The untagged lines of `command`, which must succeed.
fn lines(s: &mut Session, command: &str) -> Vec<String> {
    let r = s.run(command);
    if !r.ok() {
        s.fail(&format!("{command}: {:?}", r.tagged));
    }
    r.lines()
}

/// Delivers a message with `subject` into `new/`, as an MTA does.
fn deliver(md: &Path, unique: &str, subject: &str) {
    let tmp = md.join("tmp").join(unique);
    let text = format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nNew.\r\n");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, md.join("new").join(unique)).unwrap();
}

fn bad(r: &Reply) -> bool {
    r.status().starts_with("BAD")
}

// RFC 5267 4.1 and 5: the capabilities.
#[test]
fn advertised() {
    let (dir, md) = mailbox("context-cap");
    let mut s = open(&dir, &md);
    let caps = lines(&mut s, "C CAPABILITY");
    for cap in ["CONTEXT=SEARCH", "CONTEXT=SORT", "ESORT"] {
        assert!(caps[0].split(' ').any(|c| c == cap), "{cap}: {caps:?}");
    }
}

// RFC 5267 4.2: CONTEXT is a hint; the other options are answered as without it, and
// CONTEXT alone is RETURN (): ALL. No updates follow from CONTEXT.
#[test]
fn rfc_4_2_context_hint() {
    let (dir, md) = mailbox("context-hint");
    let mut s = open(&dir, &md);
    assert_eq!(
        lines(
            &mut s,
            "A01 SEARCH RETURN (CONTEXT COUNT) UNDELETED UNKEYWORD $Junk"
        ),
        ["* ESEARCH (TAG \"A01\") COUNT 5"]
    );
    assert_eq!(
        lines(&mut s, "A02 SEARCH RETURN (CONTEXT) UNSEEN"),
        ["* ESEARCH (TAG \"A02\") ALL 1,3,5"]
    );
    let r = s.run("A03 STORE 1 +FLAGS (\\Seen)");
    assert_eq!(r.lines(), ["* 1 FETCH (FLAGS (\\Seen))"]);
}

// RFC 5267 4.3: UPDATE with COUNT, then the same tag again for another UPDATE is BAD and
// has no effect; 4.3.3: flags set so that two messages match give one ADDTO, after their
// FETCHes, and no new COUNT; 4.3.4: an expunge of a result gives REMOVEFROM before the
// EXPUNGE; 4.3.5: CANCELUPDATE, after which nothing more is told.
#[test]
fn rfc_4_3_examples() {
    let (dir, md) = mailbox("context-rfc");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(
            &mut s,
            "B01 UID SEARCH RETURN (UPDATE COUNT) DELETED KEYWORD $Junk"
        ),
        ["* ESEARCH (TAG \"B01\") UID COUNT 0"]
    );
    let r = s.run("B01 SORT RETURN (UPDATE) (SUBJECT) UTF-8 FLAGGED");
    assert!(bad(&r), "{r:?}");
    assert_eq!(r.tagged, "B01 BAD Tag reuse");
    assert!(r.lines().is_empty(), "{r:?}");
    // 4.3.3: messages 2 and 3 (UIDs 12 and 13) get \Deleted and $Junk.
    let r = s.run("B05 STORE 2:3 +FLAGS (\\Deleted $Junk)");
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.starting("* ESEARCH"),
        ["* ESEARCH (TAG \"B01\") UID ADDTO (0 12:13)"]
    );
    assert_eq!(
        r.lines().last().unwrap(),
        "* ESEARCH (TAG \"B01\") UID ADDTO (0 12:13)"
    );
    // 4.3.4: another session expunges message 2 (UID 12).
    other.ok("NOOP");
    let r = other.ok("UID EXPUNGE 12");
    assert!(r.lines().contains(&"* 2 EXPUNGE".to_string()), "{r:?}");
    assert_eq!(
        lines(&mut s, "B03 NOOP"),
        [
            "* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 12)",
            "* 2 EXPUNGE"
        ]
    );
    // 4.3.5.
    let r = s.run("B04 CANCELUPDATE \"B01\"");
    assert_eq!(r.tagged, "B04 OK No further updates");
    assert!(r.lines().is_empty(), "{r:?}");
    let r = s.run("B06 STORE 1 +FLAGS (\\Deleted $Junk)");
    assert_eq!(r.lines(), ["* 1 FETCH (FLAGS (\\Deleted $Junk))"]);
    // The tag is free again once its context ended.
    assert_eq!(
        lines(&mut s, "B01 UID SEARCH RETURN (UPDATE COUNT) DELETED"),
        ["* ESEARCH (TAG \"B01\") UID COUNT 2"]
    );
}

// RFC 5267 4.3 and 4.3.4: another session sets \Seen on a message of
// `SEARCH RETURN (UPDATE) UNSEEN`: the FETCH, then REMOVEFROM by message number.
#[test]
fn seen_elsewhere_removes_from_unseen() {
    let (dir, md) = mailbox("context-seen");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "U1 SEARCH RETURN (UPDATE) UNSEEN"),
        ["* ESEARCH (TAG \"U1\") ALL 1,3,5"]
    );
    other.ok("STORE 3 +FLAGS (\\Seen)");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 3 FETCH (FLAGS (\\Seen))",
            "* ESEARCH (TAG \"U1\") REMOVEFROM (0 3)"
        ]
    );
    // Nothing changed: nothing told.
    assert!(lines(&mut s, "N2 NOOP").is_empty());
    // Unset again: it matches again.
    other.ok("STORE 3 -FLAGS (\\Seen)");
    assert_eq!(
        lines(&mut s, "N3 NOOP"),
        ["* 3 FETCH (FLAGS ())", "* ESEARCH (TAG \"U1\") ADDTO (0 3)"]
    );
}

// RFC 5267 4.3.3: new mail that matches: ADDTO after the EXISTS that makes its number
// valid; in a UID context by UID.
#[test]
fn new_mail_is_added() {
    let (dir, md) = mailbox("context-new");
    let mut s = open(&dir, &md);
    lines(&mut s, "U1 SEARCH RETURN (UPDATE) UNSEEN");
    lines(&mut s, "U2 UID SEARCH RETURN (UPDATE COUNT) SUBJECT new");
    lines(
        &mut s,
        "U3 UID SEARCH RETURN (UPDATE) SUBJECT nothing-matches",
    );
    deliver(&md, "1700000100.M16P9.test", "new");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 6 EXISTS",
            "* 1 RECENT",
            "* ESEARCH (TAG \"U1\") ADDTO (0 6)",
            "* ESEARCH (TAG \"U2\") UID ADDTO (0 16)"
        ]
    );
}

// RFC 5267 4.3.4: an expunge of results gives REMOVEFROM before the EXPUNGE, with the
// numbers the client still knows; this session's own EXPUNGE too; messages not among
// the results give none.
#[test]
fn expunge_removes() {
    let (dir, md) = mailbox("context-expunge");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    lines(&mut s, "U1 SEARCH RETURN (UPDATE) UNSEEN");
    lines(&mut s, "U2 UID SEARCH RETURN (UPDATE) SEEN");
    other.ok("STORE 3:4 +FLAGS.SILENT (\\Deleted)");
    other.ok("EXPUNGE");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* ESEARCH (TAG \"U1\") REMOVEFROM (0 3)",
            "* ESEARCH (TAG \"U2\") UID REMOVEFROM (0 14)",
            "* 3 EXPUNGE",
            "* 3 EXPUNGE"
        ]
    );
    // Now 1 (11), 2 (12, \Seen), 3 (15). Our own EXPUNGE of message 3.
    let r = s.run("E1 STORE 3 +FLAGS.SILENT (\\Deleted)");
    assert!(r.ok(), "{r:?}");
    let r = s.run("E2 EXPUNGE");
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.lines(),
        ["* ESEARCH (TAG \"U1\") REMOVEFROM (0 3)", "* 3 EXPUNGE"]
    );
}

// RFC 5267 A.3 and RFC 3501 7.4.1: while EXPUNGE must wait (FETCH by number), REMOVEFROM
// is told at once, by the number that still holds; the EXPUNGE follows later, alone.
#[test]
fn removefrom_before_a_deferred_expunge() {
    let (dir, md) = mailbox("context-deferred");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "U1 SEARCH RETURN (UPDATE) ALL"),
        ["* ESEARCH (TAG \"U1\") ALL 1:5"]
    );
    other.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
    other.ok("EXPUNGE");
    let r = lines(&mut s, "F1 FETCH 1 UID");
    assert_eq!(
        r,
        [
            "* 1 FETCH (UID 11)",
            "* ESEARCH (TAG \"U1\") REMOVEFROM (0 2)"
        ]
    );
    assert_eq!(lines(&mut s, "N1 NOOP"), ["* 2 EXPUNGE"]);
}

// RFC 5267 4.3.2, 4.3.3, 4.3.4: a SORT context is told by position in sort order, removals
// first, then additions, each run of neighbours one pair.
#[test]
fn sort_context_positions() {
    let (dir, md) = mailbox("context-sort");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    // UNSEEN sorted by subject: c (15), d (11), e (13).
    assert_eq!(
        lines(&mut s, "S1 UID SORT RETURN (UPDATE) (SUBJECT) UTF-8 UNSEEN"),
        ["* ESEARCH (TAG \"S1\") UID ALL 15,11,13"]
    );
    assert_eq!(
        lines(
            &mut s,
            "S2 SORT RETURN (UPDATE MIN) (REVERSE SUBJECT) UTF-8 UNSEEN"
        ),
        ["* ESEARCH (TAG \"S2\") MIN 3"]
    );
    // a (14) and b (12) become unseen: both in front, one run, in sort order; in reverse
    // order at the end.
    other.ok("STORE 2,4 -FLAGS (\\Seen)");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 2 FETCH (FLAGS ())",
            "* 4 FETCH (FLAGS ())",
            "* ESEARCH (TAG \"S1\") UID ADDTO (1 14,12)",
            "* ESEARCH (TAG \"S2\") ADDTO (4 2,4)"
        ]
    );
    // Now a b c d e (14 12 15 11 13). b and d are read: two runs, counted as the list
    // shrinks (d was 4th, is 3rd once b is gone); a new message "ca" goes after c (before
    // it in reverse order).
    other.ok("STORE 1:2 +FLAGS (\\Seen)");
    deliver(&md, "1700000100.M16P9.test", "ca");
    assert_eq!(
        lines(&mut s, "N2 NOOP"),
        [
            "* 1 FETCH (FLAGS (\\Seen))",
            "* 2 FETCH (FLAGS (\\Seen))",
            "* 6 EXISTS",
            "* 1 RECENT",
            "* ESEARCH (TAG \"S1\") UID REMOVEFROM (2 12 3 11) ADDTO (3 16)",
            "* ESEARCH (TAG \"S2\") REMOVEFROM (2 1 3 2) ADDTO (2 6)"
        ]
    );
}

// RFC 5267 4.4 and RFC 9394: PARTIAL answers a window, UPDATE still tells every change,
// also of results outside it.
#[test]
fn partial_with_update() {
    let (dir, md) = mailbox("context-partial");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "P1 UID SEARCH RETURN (PARTIAL 1:1 UPDATE) UNSEEN"),
        ["* ESEARCH (TAG \"P1\") UID PARTIAL (1:1 11)"]
    );
    other.ok("STORE 5 +FLAGS (\\Seen)");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 5 FETCH (FLAGS (\\Seen))",
            "* ESEARCH (TAG \"P1\") UID REMOVEFROM (0 15)"
        ]
    );
}

// RFC 5267 4.3: message numbers in the program are taken when the command is read: what
// they named then is what the context watches.
#[test]
fn message_numbers_are_fixed_at_the_command() {
    let (dir, md) = mailbox("context-numbers");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "U1 UID SEARCH RETURN (UPDATE) 4:* UNSEEN"),
        ["* ESEARCH (TAG \"U1\") UID ALL 15"]
    );
    other.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    other.ok("EXPUNGE");
    deliver(&md, "1700000100.M16P9.test", "new");
    // 4:* were UIDs 14 and 15; the new message is not among them, and 14 is still 4th.
    other.ok("STORE 3 -FLAGS (\\Seen)");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 4 FETCH (FLAGS ())",
            "* 1 EXPUNGE",
            "* 5 EXISTS",
            // The other session saw the new message first: \Recent is its.
            "* 0 RECENT",
            "* ESEARCH (TAG \"U1\") UID ADDTO (0 14)"
        ]
    );
}

// RFC 5267 4.3.1: past the limit, the results are given and then `NO [NOUPDATE "tag"]`,
// the command succeeds; a CANCELUPDATE makes room again. 4.3.5: unknown tags are refused
// and cancel nothing; the grammar wants quoted tags, one at least.
#[test]
fn limit_and_cancelupdate() {
    let (dir, md) = mailbox("context-limit");
    let mut s = open(&dir, &md);
    for n in 1..=8 {
        let tag = format!("L{n}");
        lines(
            &mut s,
            &format!("{tag} SEARCH RETURN (UPDATE COUNT) UNSEEN"),
        );
    }
    assert_eq!(
        lines(
            &mut s,
            "B02 UID SORT RETURN (UPDATE COUNT) (SUBJECT) UTF-8 KEYWORD $Junk"
        ),
        [
            "* ESEARCH (TAG \"B02\") UID COUNT 0",
            "* NO [NOUPDATE \"B02\"] Too many contexts"
        ]
    );
    let r = s.run("C1 CANCELUPDATE \"L1\" \"nope\"");
    assert_eq!(
        r.tagged,
        "C1 NO No search with that tag is being updated; nothing cancelled"
    );
    for refused in [
        "C2 CANCELUPDATE",
        "C3 CANCELUPDATE L1",
        "C4 CANCELUPDATE \"L1\"x",
    ] {
        let r = s.run(refused);
        assert!(bad(&r), "{refused}: {r:?}");
    }
    let r = s.run("C5 CANCELUPDATE \"L1\" \"L2\"");
    assert_eq!(r.tagged, "C5 OK No further updates");
    // L1 and L2 are gone, L3..L8 remain: one change is told six times.
    let r = s.run("C6 STORE 1 +FLAGS (\\Seen)");
    let told = r.starting("* ESEARCH");
    assert_eq!(told.len(), 6, "{r:?}");
    assert_eq!(told[0], "* ESEARCH (TAG \"L3\") REMOVEFROM (0 1)");
    assert_eq!(
        lines(&mut s, "B03 SEARCH RETURN (UPDATE COUNT) UNSEEN"),
        ["* ESEARCH (TAG \"B03\") COUNT 2"]
    );
    assert_eq!(
        lines(&mut s, "B04 SEARCH RETURN (UPDATE COUNT) UNSEEN"),
        ["* ESEARCH (TAG \"B04\") COUNT 2"]
    );
    assert_eq!(
        lines(&mut s, "B05 SEARCH RETURN (UPDATE COUNT) UNSEEN"),
        [
            "* ESEARCH (TAG \"B05\") COUNT 2",
            "* NO [NOUPDATE \"B05\"] Too many contexts"
        ]
    );
}

// RFC 5267 4.3: updates cease when the mailbox is no longer selected: SELECT, EXAMINE,
// UNSELECT and CLOSE each end the contexts, and CANCELUPDATE needs a mailbox.
#[test]
fn leaving_the_mailbox_ends_contexts() {
    let (dir, md) = mailbox("context-leave");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    for leave in ["SELECT INBOX", "EXAMINE INBOX", "UNSELECT", "CLOSE"] {
        s.ok("SELECT INBOX");
        lines(&mut s, "U1 SEARCH RETURN (UPDATE) UNSEEN");
        s.ok(leave);
        if matches!(leave, "UNSELECT" | "CLOSE") {
            let r = s.run("C1 CANCELUPDATE \"U1\"");
            assert!(bad(&r), "{leave}: {r:?}");
            s.ok("SELECT INBOX");
        }
        let r = s.run("C2 CANCELUPDATE \"U1\"");
        assert!(r.status().starts_with("NO"), "{leave}: {r:?}");
        other.ok("STORE 1 +FLAGS (\\Seen)");
        let r = lines(&mut s, "N1 NOOP");
        assert!(
            r.iter().all(|l| !l.starts_with("* ESEARCH")),
            "{leave}: {r:?}"
        );
        other.ok("STORE 1 -FLAGS (\\Seen)");
        lines(&mut s, "N2 NOOP");
    }
}

// RFC 5267 4.3.2: updates may come while the client idles (RFC 2177): new mail is told
// with EXISTS, then ADDTO, without a command.
#[test]
fn told_while_idling() {
    let (dir, md) = mailbox("context-idle");
    let mut s = open(&dir, &md);
    lines(&mut s, "U1 UID SEARCH RETURN (UPDATE) UNSEEN");
    s.send(b"I1 IDLE\r\n");
    assert_eq!(s.line(), b"+ idling");
    // Past the first look, so that inotify tells of the delivery.
    std::thread::sleep(std::time::Duration::from_millis(200));
    deliver(&md, "1700000100.M16P9.test", "new");
    let mut told = Vec::new();
    while told.len() < 3 {
        told.push(String::from_utf8(s.line()).unwrap());
    }
    assert_eq!(
        told,
        [
            "* 6 EXISTS",
            "* 1 RECENT",
            "* ESEARCH (TAG \"U1\") UID ADDTO (0 16)"
        ]
    );
    s.send(b"DONE\r\n");
    let r = s.until("I1");
    assert!(r.ok() && r.untagged.is_empty(), "{r:?}");
}

// RFC 5267 4.3.3, 4.3.4: this session's own APPEND to the selected mailbox and MOVE out
// of it change the results as another's would: ADDTO after the EXISTS, REMOVEFROM before
// the EXPUNGE.
#[test]
fn own_append_and_move() {
    let (dir, md) = mailbox("context-own");
    common::folder(&md, "Trash");
    let mut s = open(&dir, &md);
    lines(&mut s, "U1 SEARCH RETURN (UPDATE) UNSEEN");
    let message = "Subject: appended\r\n\r\nHi.\r\n";
    s.send(format!("A1 APPEND INBOX {{{}+}}\r\n{message}\r\n", message.len()).as_bytes());
    let r = s.until("A1");
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.lines(),
        [
            "* 6 EXISTS",
            "* 1 RECENT",
            "* ESEARCH (TAG \"U1\") ADDTO (0 6)"
        ]
    );
    let r = s.run("M1 MOVE 1:2 Trash");
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.lines()[1..],
        [
            "* ESEARCH (TAG \"U1\") REMOVEFROM (0 1)",
            "* 1 EXPUNGE",
            "* 1 EXPUNGE"
        ]
    );
}

// RFC 5267 4.3: a UID set is the command's, run again: its `*` is the largest UID at each
// run, so new mail above it is added; `$` (RFC 5182) is what was saved when the command
// was read, and SAVE with UPDATE saves once and answers nothing.
#[test]
fn uid_sets_and_saved_results() {
    let (dir, md) = mailbox("context-uids");
    let mut s = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "U1 UID SEARCH RETURN (UPDATE) UID 15:*"),
        ["* ESEARCH (TAG \"U1\") UID ALL 15"]
    );
    assert!(lines(&mut s, "U2 SEARCH RETURN (SAVE UPDATE) UNSEEN").is_empty());
    assert_eq!(
        lines(&mut s, "U3 UID SEARCH RETURN (UPDATE) $ UNSEEN"),
        ["* ESEARCH (TAG \"U3\") UID ALL 11,13,15"]
    );
    assert!(lines(&mut s, "S1 SEARCH RETURN (SAVE) SEEN").is_empty());
    deliver(&md, "1700000100.M16P9.test", "new");
    assert_eq!(
        lines(&mut s, "N1 NOOP"),
        [
            "* 6 EXISTS",
            "* 1 RECENT",
            "* ESEARCH (TAG \"U1\") UID ADDTO (0 16)",
            "* ESEARCH (TAG \"U2\") ADDTO (0 6)"
        ]
    );
}

// RFC 5032 2 with RFC 5267 4.3: YOUNGER counts back from each evaluation, which comes with
// the next change to the folder: a new message matches, and no longer once older.
#[test]
fn younger_ages() {
    let (dir, md) = mailbox("context-younger");
    let mut s = open(&dir, &md);
    let mut other = open(&dir, &md);
    assert_eq!(
        lines(&mut s, "U1 UID SEARCH RETURN (UPDATE COUNT) YOUNGER 2"),
        ["* ESEARCH (TAG \"U1\") UID COUNT 0"]
    );
    deliver(&md, "1700000100.M16P9.test", "new");
    let r = lines(&mut s, "N1 NOOP");
    assert_eq!(r.last().unwrap(), "* ESEARCH (TAG \"U1\") UID ADDTO (0 16)");
    std::thread::sleep(std::time::Duration::from_millis(3100));
    other.ok("STORE 1 +FLAGS (\\Flagged)");
    assert_eq!(
        lines(&mut s, "N2 NOOP"),
        [
            "* 1 FETCH (FLAGS (\\Flagged))",
            "* ESEARCH (TAG \"U1\") UID REMOVEFROM (0 16)"
        ]
    );
}

// RFC 5267 4.3.4 with QRESYNC (RFC 7162 3.2.10): REMOVEFROM comes before the VANISHED
// that replaces EXPUNGE; with CONDSTORE a MODSEQ key is kept live too (a flag change
// moves a message's MODSEQ above it).
#[test]
fn with_qresync_and_modseq() {
    let (dir, md) = mailbox("context-qresync");
    let mut s = Session::preauth(common::serve_cmd(&dir, Some(&md)));
    s.ok("ENABLE QRESYNC");
    s.ok("SELECT INBOX");
    let mut other = open(&dir, &md);
    let highest = lines(&mut s, "H1 STATUS INBOX (HIGHESTMODSEQ)");
    let h: u64 = highest[0]
        .trim_end_matches(')')
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    lines(&mut s, "U1 SEARCH RETURN (UPDATE) ALL");
    assert_eq!(
        lines(
            &mut s,
            &format!("U2 UID SEARCH RETURN (UPDATE) MODSEQ {}", h + 1)
        ),
        ["* ESEARCH (TAG \"U2\") UID"]
    );
    other.ok("STORE 4 +FLAGS (\\Flagged)");
    let r = s.run("N1 NOOP");
    assert_eq!(
        r.starting("* ESEARCH"),
        ["* ESEARCH (TAG \"U2\") UID ADDTO (0 14)"]
    );
    other.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)");
    other.ok("EXPUNGE");
    assert_eq!(
        lines(&mut s, "N2 NOOP"),
        [
            "* ESEARCH (TAG \"U1\") REMOVEFROM (0 1:2)",
            "* VANISHED 11:12"
        ]
    );
}
