//! QRESYNC (RFC 7162 3.2): a client that comes back with its UIDVALIDITY, MODSEQ and UIDs
//! learns exactly what changed (VANISHED (EARLIER) for the expunged, FETCH for the
//! changed), whoever made the changes: another session, or a file removed or renamed by
//! hand; and after the index is lost, a full resync that is never wrong.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::TempDir;
use fixture::{crlf, Fixture, Reply, Session};

/// The fixture's UIDVALIDITY.
const UIDVALIDITY: u32 = 1234567;

fn message(subject: &str) -> Vec<u8> {
    crlf(format!("From: a@example.org\nSubject: {subject}\n\nBody.\n").as_bytes())
}

/// UIDs `uids`, message 2 `\Seen`, the others without flags.
fn fixture(name: &str, uids: impl IntoIterator<Item = u32>) -> (TempDir, std::path::PathBuf) {
    let then = SystemTime::now() - Duration::from_secs(3600);
    let mut f = Fixture::new(name);
    for uid in uids {
        f.add(uid, if uid == 2 { "S" } else { "" }, &message("m"), then);
    }
    f.into_parts()
}

fn session(dir: &TempDir, md: &Path) -> Session {
    Session::preauth(common::serve_cmd(dir, Some(md)))
}

/// A session with QRESYNC enabled.
fn qresync(dir: &TempDir, md: &Path) -> Session {
    let mut s = session(dir, md);
    assert_eq!(s.ok("ENABLE QRESYNC").lines(), ["* ENABLED QRESYNC"]);
    s
}

fn number_after(line: &str, key: &str) -> u64 {
    let at = line
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        + key.len();
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The number in `[HIGHESTMODSEQ n]` among the untagged lines.
fn highest(r: &Reply) -> u64 {
    let line = r
        .lines()
        .into_iter()
        .find(|l| l.contains("[HIGHESTMODSEQ "))
        .unwrap_or_else(|| panic!("no HIGHESTMODSEQ in {:?}", r.lines()));
    number_after(&line, "[HIGHESTMODSEQ ")
}

/// The `* VANISHED (EARLIER)` lines, then the FETCH lines with their MODSEQ as `n`.
fn resync_lines(r: &Reply) -> (Vec<String>, Vec<String>) {
    let vanished = r.starting("* VANISHED");
    let fetches = r
        .starting("* ")
        .into_iter()
        .filter(|l| l.contains(" FETCH "))
        .map(|l| {
            let at = l.find("MODSEQ (").unwrap() + "MODSEQ (".len();
            let end = at + l[at..].find(')').unwrap();
            format!("{}n{}", &l[..at], &l[end..])
        })
        .collect();
    (vanished, fetches)
}

/// The file of UID `uid` in `cur/` (the fixture names them after their UIDs).
fn file_of(md: &Path, uid: u32) -> std::path::PathBuf {
    let prefix = format!("{}.M{uid}P1.", 1_600_000_000 + uid);
    std::fs::read_dir(md.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&prefix)
        })
        .unwrap_or_else(|| panic!("no file for UID {uid}"))
}

/// The changes the tests below make while the first client is away: UID 2 flagged and UID
/// 3 expunged by another session, UID 5's file removed and UID 6's renamed to \Seen by hand.
fn change_while_away(dir: &TempDir, md: &Path) {
    let mut other = session(dir, md);
    other.ok("SELECT INBOX");
    other.ok("UID STORE 2 +FLAGS (\\Flagged)");
    other.ok("UID STORE 3 +FLAGS (\\Deleted)");
    other.ok("UID EXPUNGE 3");
    other.ok("LOGOUT");
    std::fs::remove_file(file_of(md, 5)).unwrap();
    let six = file_of(md, 6);
    std::fs::rename(&six, six.to_str().unwrap().replace(":2,", ":2,S")).unwrap();
}

#[test]
fn a_client_that_comes_back_gets_exactly_what_changed() {
    // RFC 7162 3.2.5.1 (the example of SELECT INBOX (QRESYNC ...)).
    let (dir, md) = fixture("back", 1..=8);
    let mut s = qresync(&dir, &md);
    let r = s.ok("SELECT INBOX");
    let known = highest(&r);
    s.ok("LOGOUT");
    change_while_away(&dir, &md);

    let mut s = qresync(&dir, &md);
    let r = s.ok(&format!("SELECT INBOX (QRESYNC ({UIDVALIDITY} {known}))"));
    let (vanished, fetches) = resync_lines(&r);
    assert_eq!(vanished, ["* VANISHED (EARLIER) 3,5"]);
    assert_eq!(
        fetches,
        [
            "* 2 FETCH (UID 2 FLAGS (\\Flagged \\Seen) MODSEQ (n))",
            "* 4 FETCH (UID 6 FLAGS (\\Seen) MODSEQ (n))",
        ]
    );
    // After the usual responses (3.2.5), VANISHED before the FETCHes (3.2.6).
    let lines = r.lines();
    let at = |p: &str| lines.iter().position(|l| l.starts_with(p)).unwrap();
    assert!(at("* OK [HIGHESTMODSEQ") < at("* VANISHED") && at("* VANISHED") < at("* 2 FETCH"));
    let now = highest(&r);
    assert!(now > known);

    // Known UIDs limit both (3.2.5.1); a wrong UIDVALIDITY gets nothing (3.2.5).
    let r = s.ok(&format!(
        "SELECT INBOX (QRESYNC ({UIDVALIDITY} {known} 1:4))"
    ));
    let (vanished, fetches) = resync_lines(&r);
    assert_eq!(vanished, ["* VANISHED (EARLIER) 3"]);
    assert_eq!(
        fetches,
        ["* 2 FETCH (UID 2 FLAGS (\\Flagged \\Seen) MODSEQ (n))"]
    );
    let r = s.ok(&format!(
        "EXAMINE INBOX (QRESYNC ({} {known}))",
        UIDVALIDITY + 1
    ));
    assert_eq!(resync_lines(&r), (vec![], vec![]));
    // Sequence match data (3.2.5.2): message 2 is UID 2, so nothing up to 2 vanished;
    // message 3 is UID 4, not 3, so from 3 on all is told.
    let r = s.ok(&format!(
        "SELECT INBOX (QRESYNC ({UIDVALIDITY} 1 1:8 (2,3 2,3)))"
    ));
    assert_eq!(resync_lines(&r).0, ["* VANISHED (EARLIER) 3,5"]);
    // Up to date: nothing to tell.
    let r = s.ok(&format!("SELECT INBOX (QRESYNC ({UIDVALIDITY} {now}))"));
    assert_eq!(resync_lines(&r), (vec![], vec![]));
}

#[test]
fn after_the_index_is_lost_the_resync_is_full_and_never_wrong() {
    // RFC 7162 3.2.6, the note on <minmodseq>: when the server no longer knows what went
    // since, it tells every UID of the set that is gone; every message gets a new MODSEQ
    // (above all before), so every flag is sent.
    let (dir, md) = fixture("lost", 1..=8);
    let mut s = qresync(&dir, &md);
    let known = highest(&s.ok("SELECT INBOX"));
    s.ok("LOGOUT");
    change_while_away(&dir, &md);
    for f in ["imapd.state", "imapd.modseq"] {
        let _ = std::fs::remove_file(md.join(f));
    }
    let mut s = qresync(&dir, &md);
    let r = s.ok(&format!(
        "SELECT INBOX (QRESYNC ({UIDVALIDITY} {known} 1:10))"
    ));
    let (vanished, fetches) = resync_lines(&r);
    assert_eq!(vanished, ["* VANISHED (EARLIER) 3,5"]);
    assert_eq!(
        fetches,
        [
            "* 1 FETCH (UID 1 FLAGS () MODSEQ (n))",
            "* 2 FETCH (UID 2 FLAGS (\\Flagged \\Seen) MODSEQ (n))",
            "* 3 FETCH (UID 4 FLAGS () MODSEQ (n))",
            "* 4 FETCH (UID 6 FLAGS (\\Seen) MODSEQ (n))",
            "* 5 FETCH (UID 7 FLAGS () MODSEQ (n))",
            "* 6 FETCH (UID 8 FLAGS () MODSEQ (n))",
        ]
    );
    assert!(highest(&r) > known, "HIGHESTMODSEQ never goes back");
}

#[test]
fn uid_fetch_vanished_tells_the_expunged_first() {
    // RFC 7162 3.2.6 (Example 1, with VANISHED), 3.2.10.2 (VANISHED after NOOP).
    let (dir, md) = fixture("fetch", 1..=6);
    let mut s = session(&dir, &md);
    s.ok("SELECT INBOX");
    // Before ENABLE QRESYNC, VANISHED is refused (3.2.6), and so is QRESYNC (3.2.5).
    let r = s.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)");
    assert!(r.status().starts_with("BAD"), "{}", r.tagged);
    let r = s.cmd("SELECT INBOX (QRESYNC (1234567 1))");
    assert!(r.status().starts_with("BAD"), "{}", r.tagged);
    let mut s = qresync(&dir, &md);
    let known = highest(&s.ok("SELECT INBOX"));
    for bad in [
        "UID FETCH 1:* (FLAGS) (VANISHED)",
        "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)",
    ] {
        let r = s.cmd(bad);
        assert!(r.status().starts_with("BAD"), "{bad}: {}", r.tagged);
    }
    let mut other = session(&dir, &md);
    other.ok("SELECT INBOX");
    other.ok("UID STORE 2,5 +FLAGS (\\Deleted)");
    other.ok("UID STORE 4 +FLAGS (\\Answered)");
    other.ok("EXPUNGE");
    // Another session's expunge: VANISHED, not EXPUNGE; its flag change has the UID (3.2.4).
    let r = s.ok("NOOP");
    assert_eq!(r.starting("* VANISHED"), ["* VANISHED 2,5"]);
    assert!(r.starting("* ").iter().all(|l| !l.ends_with(" EXPUNGE")));
    // The flag change is told first, while UID 4 is still message 4.
    let lines = r.lines();
    let told = "* 4 FETCH (UID 4 FLAGS (\\Answered) MODSEQ (";
    assert!(lines.iter().any(|l| l.starts_with(told)), "{lines:?}");
    let r = s.ok(&format!(
        "UID FETCH 1:* (FLAGS) (CHANGEDSINCE {known} VANISHED)"
    ));
    let (vanished, fetches) = resync_lines(&r);
    assert_eq!(vanished, ["* VANISHED (EARLIER) 2,5"]);
    assert_eq!(fetches, ["* 3 FETCH (UID 4 FLAGS (\\Answered) MODSEQ (n))"]);
    assert!(r.lines()[0].starts_with("* VANISHED"), "{:?}", r.lines());
    // Only the UIDs asked about.
    let r = s.ok(&format!(
        "UID FETCH 3:4 (FLAGS) (VANISHED CHANGEDSINCE {known})"
    ));
    assert_eq!(resync_lines(&r).0, Vec::<String>::new());
}

#[test]
fn vanished_replaces_expunge_in_expunge_and_move() {
    // RFC 7162 3.2.10.2, its example replayed: UIDs x 504 505 507 508 x 510 x x x 625.
    let (dir, md) = fixture(
        "expunge",
        [501, 504, 505, 507, 508, 509, 510, 511, 512, 513, 625],
    );
    let mut s = qresync(&dir, &md);
    let before = highest(&s.ok("SELECT INBOX"));
    s.ok("UID STORE 505,507,510,625 +FLAGS.SILENT (\\Deleted)");
    let r = s.ok("EXPUNGE");
    assert_eq!(r.lines(), ["* VANISHED 505,507,510,625"]);
    // 3.2.7: the OK tells the new HIGHESTMODSEQ.
    let after = number_after(&r.tagged, "[HIGHESTMODSEQ ");
    assert!(after > before, "{}", r.tagged);
    s.ok("UID STORE 504,508 +FLAGS.SILENT (\\Deleted)");
    let r = s.ok("UID EXPUNGE 1:1000");
    assert_eq!(r.lines(), ["* VANISHED 504,508"]);
    assert!(number_after(&r.tagged, "[HIGHESTMODSEQ ") > after);
    // MOVE (RFC 6851 with 3.2.10): COPYUID, then VANISHED.
    s.ok("CREATE Other");
    let r = s.ok("UID MOVE 511:512 Other");
    let lines = r.lines();
    assert!(lines[0].starts_with("* OK [COPYUID "), "{lines:?}");
    assert_eq!(lines[1..], ["* VANISHED 511:512"]);
    // 3.2.8: CLOSE tells nothing, but its expunge is remembered.
    s.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    let r = s.ok("CLOSE");
    assert!(
        r.lines().is_empty() && !r.tagged.contains("HIGHESTMODSEQ"),
        "{r:?}"
    );
    let r = s.ok(&format!("SELECT INBOX (QRESYNC ({UIDVALIDITY} {before}))"));
    assert_eq!(
        resync_lines(&r).0,
        ["* VANISHED (EARLIER) 501,504:505,507:508,510:512,625"]
    );
    // IDLE tells another session's expunge with VANISHED too (3.2.10.2).
    s.send(b"I IDLE\r\n");
    assert_eq!(s.line(), b"+ idling");
    let mut other = session(&dir, &md);
    other.ok("SELECT INBOX");
    other.ok("UID STORE 509 +FLAGS.SILENT (\\Deleted)");
    other.ok("EXPUNGE");
    // IDLE may look between the other session's STORE and EXPUNGE, and tell the flag first.
    let mut line = s.line();
    if line.starts_with(b"* ") && line.ends_with(b"))") && line.windows(8).any(|w| w == b"UID 509 ")
    {
        line = s.line();
    }
    assert_eq!(line, b"* VANISHED 509");
    s.send(b"DONE\r\n");
    assert!(s.until("I").ok());
    // Without QRESYNC a session still gets EXPUNGE.
    let mut plain = session(&dir, &md);
    plain.ok("SELECT INBOX");
    plain.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert_eq!(plain.ok("EXPUNGE").lines(), ["* 1 EXPUNGE"]);
}

#[test]
fn closed_when_a_select_replaces_a_mailbox() {
    // RFC 7162 3.2.11: also without any enabling command; not after CLOSE or UNSELECT.
    let (dir, md) = fixture("closed", 1..=2);
    let mut s = session(&dir, &md);
    let r = s.ok("SELECT INBOX");
    assert!(!r.lines().iter().any(|l| l.contains("[CLOSED]")));
    let r = s.ok("EXAMINE INBOX");
    assert!(r.lines()[0].starts_with("* OK [CLOSED]"), "{:?}", r.lines());
    assert!(s.ok("UNSELECT").lines().is_empty());
    let r = s.ok("SELECT INBOX");
    assert!(!r.lines().iter().any(|l| l.contains("[CLOSED]")));
    // ENABLE QRESYNC implies CONDSTORE, named or not (3.2.3), listed once.
    let r = s.ok("ENABLE QRESYNC CONDSTORE");
    assert_eq!(r.starting("* ENABLED"), ["* ENABLED CONDSTORE QRESYNC"]);
    assert_eq!(s.ok("ENABLE QRESYNC").starting("* ENABLED"), ["* ENABLED"]);
    // A FETCH that sets \Seen tells the UID and the MODSEQ (3.2.4).
    let r = s.ok("FETCH 1 (BODY[TEXT])");
    assert!(
        r.lines()[0].contains(" FLAGS (\\Seen) UID 1 MODSEQ ("),
        "{:?}",
        r.lines()
    );
}

#[test]
fn a_long_history_keeps_its_bound_and_its_answers_correct() {
    // Past 4096 ranges the oldest go and the history's floor rises: a client older than
    // the floor is told every UID of its set that is gone (3.2.6), a newer one exactly
    // what went since.
    let n = 8200u32;
    let (dir, md) = fixture("bound", 1..=n);
    let mut s = qresync(&dir, &md);
    s.ok("SELECT INBOX");
    // UID 2 goes before the client's MODSEQ: a client told of it has gone below the floor.
    s.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
    let start = number_after(&s.ok("EXPUNGE").tagged, "[HIGHESTMODSEQ ");
    // Two expunges of scattered UIDs, interleaved: 4,100 ranges of two MODSEQs.
    let set = |rest: u32| {
        (1..=n)
            .filter(|u| u % 4 == rest)
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    s.ok(&format!("UID STORE {} +FLAGS.SILENT (\\Deleted)", set(1)));
    let first = number_after(&s.ok("EXPUNGE").tagged, "[HIGHESTMODSEQ ");
    s.ok(&format!("UID STORE {} +FLAGS.SILENT (\\Deleted)", set(3)));
    s.ok("EXPUNGE");
    s.ok("LOGOUT");
    let mut s = qresync(&dir, &md);
    // Selecting takes the journal into the state, and with it past the bound.
    s.ok("SELECT INBOX");
    let every_odd = (1..=n).filter(|u| u % 2 == 1).count();
    let r = s.ok(&format!(
        "UID FETCH 1:* (UID) (CHANGEDSINCE {start} VANISHED)"
    ));
    let told = vanished_uids(&r);
    assert_eq!(
        told.len(),
        every_odd + 1,
        "older than the floor: every UID gone"
    );
    assert!(told.contains(&2), "the floor rose above {start}");
    let r = s.ok(&format!(
        "UID FETCH 1:* (UID) (CHANGEDSINCE {first} VANISHED)"
    ));
    let told = vanished_uids(&r);
    assert_eq!(
        told.len(),
        every_odd / 2,
        "since the first: the second's only"
    );
    assert!(told.iter().all(|u| u % 4 == 3));
}

#[test]
fn while_an_expunge_waits_highestmodseq_stays_below_it() {
    // RFC 7162 3.2: MODSEQs told while an EXPUNGE (VANISHED) waits (RFC 3501 7.4.1: not
    // during FETCH, STORE, SEARCH) come with a HIGHESTMODSEQ below the expunge's, so that
    // a client that stops there still hears of the expunge when it comes back.
    let (dir, md) = fixture("waits", 1..=4);
    let mut s = qresync(&dir, &md);
    s.ok("SELECT INBOX");
    let mut other = qresync(&dir, &md);
    other.ok("SELECT INBOX");
    other.ok("UID STORE 3 +FLAGS.SILENT (\\Deleted)");
    let expunge = number_after(&other.ok("EXPUNGE").tagged, "[HIGHESTMODSEQ ");
    other.ok("UID STORE 1 +FLAGS.SILENT (\\Flagged)");
    let r = s.ok("FETCH 1:* (FLAGS)");
    assert!(r.starting("* VANISHED").is_empty(), "{:?}", r.lines());
    let change = r.starting("* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (");
    assert_eq!(change.len(), 1, "{:?}", r.lines());
    assert!(number_after(&change[0], "MODSEQ (") > expunge);
    let told = highest(&r);
    assert!(told < expunge, "{told} is not below {expunge}");
    s.ok("LOGOUT");
    let mut s = qresync(&dir, &md);
    let r = s.ok(&format!("SELECT INBOX (QRESYNC ({UIDVALIDITY} {told}))"));
    assert_eq!(resync_lines(&r).0, ["* VANISHED (EARLIER) 3"]);
    // Once told, no such HIGHESTMODSEQ.
    assert!(s.ok("NOOP").lines().is_empty());
}

/// The UIDs of the `* VANISHED (EARLIER)` lines.
fn vanished_uids(r: &Reply) -> Vec<u32> {
    let mut uids = Vec::new();
    for l in r.starting("* VANISHED (EARLIER) ") {
        for part in l["* VANISHED (EARLIER) ".len()..].split(',') {
            match part.split_once(':') {
                Some((a, b)) => uids.extend(a.parse::<u32>().unwrap()..=b.parse().unwrap()),
                None => uids.push(part.parse().unwrap()),
            }
        }
    }
    uids
}
