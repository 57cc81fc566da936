//! CONDSTORE (RFC 7162 3.1) and ENABLE (RFC 5161): MODSEQs per message, kept by every
//! flag change whoever makes it, seen across sessions, and never going back.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::TempDir;
use fixture::{crlf, Fixture, Reply, Session};

fn message(subject: &str) -> Vec<u8> {
    crlf(format!("From: a@example.org\nSubject: {subject}\n\nBody.\n").as_bytes())
}

/// seq uid flags
/// 1   3   \Seen
/// 2   5
/// 3   8   \Flagged
fn fixture(name: &str) -> Fixture {
    let then = SystemTime::now() - Duration::from_secs(3600);
    let mut f = Fixture::new(name);
    f.add(3, "S", &message("one"), then);
    f.add(5, "", &message("two"), then);
    f.add(8, "F", &message("three"), then);
    f
}

#[test]
fn enable_lists_what_it_newly_enabled() {
    // RFC 5161 3.1: unknown names are ignored, each ENABLED lists only what its command
    // enabled, and ENABLE needs at least one name.
    let (dir, md) = fixture("enable").into_parts();
    let mut s = another(&dir, &md);
    let r = s.ok("ENABLE X-GOOD-IDEA CONDSTORE");
    assert_eq!(r.lines(), ["* ENABLED CONDSTORE"]);
    let r = s.ok("ENABLE condstore");
    assert_eq!(r.lines(), ["* ENABLED"]);
    let r = s.ok("ENABLE X-GOOD-IDEA");
    assert_eq!(r.lines(), ["* ENABLED"]);
    // Invalid on purpose (RFC 5161 3.1: one name at least): unchecked from here.
    s.unchecked();
    let r = s.cmd("ENABLE");
    assert!(r.status().starts_with("BAD"), "{}", r.tagged);
    // RFC 5161 3.1: ENABLE changes no CAPABILITY; CONDSTORE is listed before and after.
    let caps = s.ok("CAPABILITY").lines();
    assert!(caps[0].split(' ').any(|c| c == "CONDSTORE"), "{caps:?}");
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

/// The MODSEQ of each message: `FETCH 1:* (MODSEQ)`, in sequence order.
fn modseqs(s: &mut Session) -> Vec<u64> {
    let r = s.ok("FETCH 1:* (MODSEQ)");
    r.starting("* ")
        .iter()
        .map(|l| number_after(l, "MODSEQ ("))
        .collect()
}

/// Another session on the same Maildir.
fn another(dir: &TempDir, md: &Path) -> Session {
    Session::preauth(common::serve_cmd(dir, Some(md)))
}

#[test]
fn select_condstore_tells_highestmodseq_and_every_message_has_one() {
    // RFC 7162 3.1.2.1, 3.1.8 (Example 18), 3.1.4.2 (Example 13), 3.1.7 (Example 17).
    let (dir, md) = fixture("select").into_parts();
    let mut s = another(&dir, &md);
    let r = s.ok("STATUS INBOX (MESSAGES HIGHESTMODSEQ)");
    let status = number_after(&r.lines()[0], "HIGHESTMODSEQ ");
    let r = s.ok("SELECT INBOX (CONDSTORE)");
    let h = highest(&r);
    assert_eq!(h, status);
    let m = modseqs(&mut s);
    assert_eq!(m.len(), 3);
    assert!(m.iter().all(|&x| x > 0 && x <= h), "{m:?} {h}");
    // EXAMINE too, and a plain SELECT once CONDSTORE is on.
    assert_eq!(highest(&s.ok("EXAMINE INBOX")), h);
    assert_eq!(highest(&s.ok("SELECT INBOX")), h);
    // Without CONDSTORE enabled, SELECT says nothing of MODSEQs.
    let mut plain = another(&dir, &md);
    let r = plain.ok("SELECT INBOX");
    assert!(
        !r.lines().iter().any(|l| l.contains("MODSEQ")),
        "{:?}",
        r.lines()
    );
}

#[test]
fn the_first_enabling_command_with_a_mailbox_selected_tells_highestmodseq() {
    // RFC 7162 3.1: e.g. FETCH MODSEQ (Example 5 shows it for STORE UNCHANGEDSINCE).
    let mut s = fixture("first").session();
    let r = s.ok("FETCH 1 (MODSEQ)");
    let h = highest(&r);
    assert_eq!(r.starting("* 1 FETCH").len(), 1);
    let r = s.ok("FETCH 2 (MODSEQ)");
    assert!(!r.lines().iter().any(|l| l.contains("HIGHESTMODSEQ")));
    assert!(modseqs(&mut s).iter().all(|&m| m <= h));
}

#[test]
fn a_store_gets_a_higher_modseq_that_another_session_sees() {
    // RFC 7162 3.1 and Example 14: the other session hears of the change with its MODSEQ,
    // at NOOP and through FETCH CHANGEDSINCE (Example 12).
    let (dir, md) = fixture("two").into_parts();
    let mut a = another(&dir, &md);
    let mut b = another(&dir, &md);
    let h = highest(&a.ok("SELECT INBOX (CONDSTORE)"));
    assert_eq!(highest(&b.ok("SELECT INBOX (CONDSTORE)")), h);
    let r = a.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
    let lines = r.starting("* 2 FETCH");
    assert_eq!(lines.len(), 1, "{:?}", r.lines());
    assert!(!lines[0].contains("FLAGS"), "{}", lines[0]);
    let stored = number_after(&lines[0], "MODSEQ (");
    assert!(stored > h);
    let r = b.ok("NOOP");
    let fetch = r.starting("* 2 FETCH");
    assert_eq!(fetch.len(), 1, "{:?}", r.lines());
    assert!(fetch[0].contains("FLAGS (\\Deleted)"), "{}", fetch[0]);
    assert_eq!(number_after(&fetch[0], "MODSEQ ("), stored);
    let r = b.ok(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {h})"));
    assert_eq!(
        r.lines(),
        [format!(
            "* 2 FETCH (UID 5 FLAGS (\\Deleted) MODSEQ ({stored}))"
        )]
    );
    let r = b.ok(&format!("FETCH 1:* (FLAGS) (CHANGEDSINCE {stored})"));
    assert!(r.lines().is_empty(), "{:?}", r.lines());
    // A STORE that changes nothing keeps the MODSEQ (RFC 7162 3.1.11).
    let r = a.ok("STORE 2 +FLAGS (\\Deleted)");
    assert_eq!(
        number_after(&r.starting("* 2 FETCH")[0], "MODSEQ ("),
        stored
    );
    // A new session sees the same MODSEQs, and its HIGHESTMODSEQ covers them.
    let mut c = another(&dir, &md);
    let hc = highest(&c.ok("SELECT INBOX (CONDSTORE)"));
    assert!(hc >= stored);
    assert_eq!(modseqs(&mut c), modseqs(&mut a));
    assert_eq!(modseqs(&mut b), modseqs(&mut a));
}

#[test]
fn unchangedsince_stores_only_what_did_not_change_and_names_the_rest() {
    // RFC 7162 3.1.3, Examples 3, 6 and 7.
    let (dir, md) = fixture("unchanged").into_parts();
    let mut a = another(&dir, &md);
    let mut b = another(&dir, &md);
    let h = highest(&a.ok("SELECT INBOX (CONDSTORE)"));
    b.ok("SELECT INBOX");
    // Another session changes message 2 (UID 5).
    b.ok("STORE 2 +FLAGS.SILENT (\\Answered)");
    let r = a.ok(&format!(
        "UID STORE 3,5,8 (UNCHANGEDSINCE {h}) +FLAGS.SILENT (\\Deleted)"
    ));
    assert_eq!(r.status(), "OK [MODIFIED 5] Conditional STORE failed");
    // Message 2 as it is now, told first (RFC 7162 3.1.3 lets the server do so).
    let told = r.starting("* 2 FETCH");
    assert_eq!(told.len(), 1, "{:?}", r.lines());
    assert!(told[0].contains("FLAGS (\\Answered)"), "{}", told[0]);
    let stored: Vec<String> = r
        .starting("* ")
        .into_iter()
        .filter(|l| !l.starts_with("* 2 "))
        .collect();
    assert_eq!(stored.len(), 2, "{:?}", r.lines());
    for (line, (n, uid)) in stored.iter().zip([(1, 3), (3, 8)]) {
        assert!(
            line.starts_with(&format!("* {n} FETCH (UID {uid} MODSEQ (")),
            "{line}"
        );
        assert!(number_after(line, "MODSEQ (") > h);
    }
    let r = a.ok("FETCH 1:3 (FLAGS)");
    let flags = r.starting("* ");
    assert!(
        flags[0].contains("\\Deleted") && flags[2].contains("\\Deleted"),
        "{flags:?}"
    );
    assert!(!flags[1].contains("\\Deleted"), "{flags:?}");
    // Message numbers in MODIFIED for STORE; UNCHANGEDSINCE 0 always fails (Example 7).
    let r = a.ok("STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($MDNSent)");
    assert_eq!(r.status(), "OK [MODIFIED 1:2] Conditional STORE failed");
    assert!(r.starting("* 1 FETCH").is_empty() && r.starting("* 2 FETCH").is_empty());
    assert!(!a.ok("FETCH 1 (FLAGS)").lines()[0].contains("$MDNSent"));
    // A MODSEQ the client knows passes.
    let m = modseqs(&mut a)[1];
    let r = a.ok(&format!("STORE 2 (UNCHANGEDSINCE {m}) FLAGS (\\Seen)"));
    assert_eq!(r.status(), "OK STORE completed");
    let line = &r.starting("* 2 FETCH")[0];
    assert!(line.starts_with("* 2 FETCH (MODSEQ ("), "{line}");
    assert!(line.ends_with(") FLAGS (\\Seen))"), "{line}");
    assert!(number_after(line, "MODSEQ (") > m);
    a.unchecked();
    for bad in [
        "STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)",
        "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)",
        "STORE 1 (CHANGEDSINCE 4) +FLAGS (\\Seen)",
    ] {
        assert!(a.cmd(bad).status().starts_with("BAD"), "{bad}");
    }
}

#[test]
fn a_rename_by_hand_gets_a_new_modseq() {
    // RFC 7162 3.1: an external change of a flag moves the MODSEQ on too.
    let (dir, md) = fixture("byhand").into_parts();
    let mut a = another(&dir, &md);
    let h = highest(&a.ok("SELECT INBOX (CONDSTORE)"));
    let cur = md.join("cur");
    let name = std::fs::read_dir(&cur)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.ends_with(":2,"))
        .unwrap();
    std::fs::rename(cur.join(&name), cur.join(format!("{name}F"))).unwrap();
    let r = a.ok("NOOP");
    let fetch = r.starting("* 2 FETCH");
    assert_eq!(fetch.len(), 1, "{:?}", r.lines());
    assert!(fetch[0].contains("FLAGS (\\Flagged)"), "{}", fetch[0]);
    let m = number_after(&fetch[0], "MODSEQ (");
    assert!(m > h);
    // A session that comes later agrees, and so does one whose index was lost.
    let mut b = another(&dir, &md);
    assert!(highest(&b.ok("SELECT INBOX (CONDSTORE)")) >= m);
    assert_eq!(modseqs(&mut b), modseqs(&mut a));
}

#[test]
fn highestmodseq_never_goes_back_when_the_index_is_deleted() {
    // RFC 7162 3.1.2.1 lets it change only with UIDVALIDITY; here it only grows.
    let (dir, md) = fixture("lost").into_parts();
    let mut a = another(&dir, &md);
    a.ok("SELECT INBOX (CONDSTORE)");
    a.ok("STORE 1:3 +FLAGS (\\Answered)");
    let before = highest(&a.ok("SELECT INBOX"));
    for f in ["imapd.state", "imapd.modseq"] {
        let _ = std::fs::remove_file(md.join(f));
    }
    let mut b = another(&dir, &md);
    let after = highest(&b.ok("SELECT INBOX (CONDSTORE)"));
    assert!(after > before, "{after} <= {before}");
    assert!(modseqs(&mut b).iter().all(|&m| m > before));
    // The journal alone lost: the same.
    a.ok("STORE 1 -FLAGS (\\Answered)");
    let before = highest(&a.ok("SELECT INBOX"));
    let _ = std::fs::remove_file(md.join("imapd.modseq"));
    a.ok("STORE 2 -FLAGS (\\Answered)");
    let mut c = another(&dir, &md);
    assert!(highest(&c.ok("SELECT INBOX (CONDSTORE)")) > before);
}

#[test]
fn appended_and_copied_messages_get_higher_modseqs() {
    // RFC 7162 3.1: an appended message's MODSEQ is above all in the mailbox.
    let (dir, md) = fixture("append").into_parts();
    let mut a = another(&dir, &md);
    let h = highest(&a.ok("SELECT INBOX (CONDSTORE)"));
    a.ok("COPY 1 INBOX");
    let r = a.cmd_literals(&[b"APPEND INBOX (\\Seen) ", &message("four"), b""]);
    assert!(r.ok(), "{}", r.tagged);
    a.ok("NOOP");
    let m = modseqs(&mut a);
    assert_eq!(m.len(), 5);
    assert!(m[3] > h && m[4] > m[3], "{m:?}");
    let mut b = another(&dir, &md);
    assert!(highest(&b.ok("SELECT INBOX (CONDSTORE)")) >= m[4]);
    assert_eq!(modseqs(&mut b), m);
}

#[test]
fn search_modseq_finds_the_changed_and_tells_their_highest() {
    // RFC 7162 3.1.5 (Examples 15, 16), 3.1.6, 3.1.9, 3.1.10 (Example 19).
    let (dir, md) = fixture("search").into_parts();
    let mut a = another(&dir, &md);
    a.ok("SELECT INBOX");
    // SEARCH MODSEQ enables CONDSTORE, and so tells HIGHESTMODSEQ first.
    let r = a.ok("SEARCH MODSEQ 1");
    let h = highest(&r);
    assert_eq!(
        r.starting("* SEARCH"),
        [format!("* SEARCH 1 2 3 (MODSEQ {h})")]
    );
    let r = a.ok("STORE 1,3 +FLAGS.SILENT (\\Draft)");
    let m = number_after(&r.starting("* 3 FETCH")[0], "MODSEQ (");
    let since = h + 1;
    let r = a.ok(&format!("SEARCH MODSEQ \"/flags/\\\\draft\" all {since}"));
    assert_eq!(r.lines(), [format!("* SEARCH 1 3 (MODSEQ {m})")]);
    let r = a.ok(&format!("UID SEARCH MODSEQ {since}"));
    assert_eq!(r.lines(), [format!("* SEARCH 3 8 (MODSEQ {m})")]);
    // Nothing found: no MODSEQ (Example 16).
    let r = a.ok("SEARCH OR NOT MODSEQ 1 LARGER 50000");
    assert_eq!(r.lines(), ["* SEARCH"]);
    let r = a.ok(&format!("SEARCH RETURN (ALL) MODSEQ {since}"));
    let tag = r.tagged.split(' ').next().unwrap().to_string();
    assert_eq!(
        r.lines(),
        [format!("* ESEARCH (TAG \"{tag}\") ALL 1,3 MODSEQ {m}")]
    );
    let r = a.ok(&format!("SEARCH RETURN (COUNT) MODSEQ {}", m + 1));
    assert_eq!(
        r.lines(),
        [format!(
            "* ESEARCH (TAG \"{}\") COUNT 0",
            r.tagged.split(' ').next().unwrap()
        )]
    );
    let r = a.ok(&format!("UID SORT (REVERSE SUBJECT) UTF-8 MODSEQ {since}"));
    assert_eq!(r.lines(), [format!("* SORT 8 3 (MODSEQ {m})")]);
    let r = a.ok(&format!("SORT (ARRIVAL) UTF-8 NOT MODSEQ {since}"));
    assert_eq!(
        r.lines(),
        ["* SORT 2 (MODSEQ ".to_string() + &modseqs(&mut a)[1].to_string() + ")"]
    );
    let r = a.ok(&format!("THREAD ORDEREDSUBJECT UTF-8 MODSEQ {since}"));
    assert_eq!(r.lines(), ["* THREAD (1)(3)"]);
    a.unchecked();
    for bad in [
        "SEARCH MODSEQ",
        "SEARCH MODSEQ x",
        "SEARCH MODSEQ \"/flags/\\\\seen\" 5",
        "SEARCH MODSEQ \"/x\" all 5",
        "SEARCH MODSEQ 99999999999999999999",
    ] {
        assert!(a.cmd(bad).status().starts_with("BAD"), "{bad}");
    }
}

#[test]
fn a_seen_set_by_fetch_gets_a_modseq_too() {
    // RFC 7162 3.2.4 (which 3.1.4.2 asks CONDSTORE servers to follow): a FETCH that sets
    // \Seen tells the new MODSEQ; and it is one (3.1).
    let (dir, md) = fixture("seen").into_parts();
    let mut a = another(&dir, &md);
    let mut b = another(&dir, &md);
    let h = highest(&a.ok("SELECT INBOX (CONDSTORE)"));
    b.ok("SELECT INBOX (CONDSTORE)");
    let r = a.ok("FETCH 2 BODY[TEXT]");
    let line = &r.starting("* 2 FETCH")[0];
    assert!(line.contains("FLAGS (\\Seen)"), "{line}");
    let m = number_after(line, "MODSEQ (");
    assert!(m > h);
    // Already \Seen: no change, no new MODSEQ.
    let r = a.ok("FETCH 2 (BODY[TEXT] MODSEQ)");
    assert_eq!(number_after(&r.starting("* 2 FETCH")[0], "MODSEQ ("), m);
    let r = b.ok("NOOP");
    assert_eq!(
        r.starting("* 2 FETCH"),
        [format!("* 2 FETCH (FLAGS (\\Seen) MODSEQ ({m}))")]
    );
}
