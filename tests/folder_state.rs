//! The folder state `imapd.state` (part 5): a SELECT of a folder that did not change is
//! served from it, yet the disk always wins. Every test compares what a client sees with
//! and without the state: deleting or damaging `imapd.*` at any moment changes nothing but
//! time, and a change by another program (the MTA, Dovecot, a shell) is never missed.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{maildir, session, Client, TempDir};

/// Sets the mtimes of `new/` and `cur/` a minute back, as for a folder left alone: only
/// then may a listing be trusted (a change in the tick of the listing could hide).
fn age(dir: &Path) {
    let t = SystemTime::now() - Duration::from_secs(60);
    for sub in ["new", "cur"] {
        std::fs::File::open(dir.join(sub))
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
}

fn put(md: &Path, sub: &str, name: &str, n: usize) {
    let body = format!(
        "From: Sender {n} <s{n}@example.org>\nSubject: message {n}\nMessage-ID: <{n}@x>\n\nbody {n}\n"
    );
    std::fs::write(md.join(sub).join(name), body).unwrap();
}

/// A folder of `n` messages in `cur/` with assorted flags, and two in `new/`.
fn populate(md: &Path, n: usize) {
    for i in 0..n {
        let flags = ["", "S", "FS", "RS", "T"][i % 5];
        put(
            md,
            "cur",
            &format!("{}.M{i}P1.host:2,{flags}", 1_700_000_000 + i),
            i,
        );
    }
    put(md, "new", "1800000000.M1P2.host", n);
    put(md, "new", "1800000001.M1P2.host", n + 1);
}

/// What a client sees of the folder: SELECT's answers and every message's UID and flags.
fn view(c: &mut Client, verb: &str) -> Vec<String> {
    let mut lines = c.expect(&format!("s {verb} INBOX"), "OK");
    lines.extend(c.expect("f UID FETCH 1:* (FLAGS)", "OK"));
    lines
}

fn index_files(md: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(md)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("imapd."))
        .collect();
    v.sort();
    v
}

fn remove_index(md: &Path) {
    for n in index_files(md) {
        std::fs::remove_file(md.join(n)).unwrap();
    }
}

/// The view of a new read-only session, once from the state and once with it deleted:
/// the two must agree.
fn examine_both_ways(dir: &TempDir, md: &Path) -> Vec<String> {
    let with = view(&mut session(dir, md), "EXAMINE");
    let saved: Vec<(String, Vec<u8>)> = index_files(md)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(md.join(&n)).unwrap()))
        .collect();
    remove_index(md);
    let without = view(&mut session(dir, md), "EXAMINE");
    assert_eq!(with, without, "the state changed what a client sees");
    // Put the state back as it was, so that the next look uses it again.
    for (n, data) in saved {
        std::fs::write(md.join(n), data).unwrap();
    }
    with
}

#[test]
fn an_unchanged_folder_is_served_from_its_state_as_from_the_disk() {
    let (dir, md) = maildir("state-same");
    populate(&md, 40);
    let first = view(&mut session(&dir, &md), "SELECT");
    assert!(common::has(&first, "* 42 EXISTS"), "{first:?}");
    assert!(common::has(&first, "* 2 RECENT"), "{first:?}");
    assert_eq!(
        index_files(&md),
        [
            "imapd.lock",
            "imapd.mailboxid",
            "imapd.recent",
            "imapd.state"
        ]
    );
    age(&md);
    // The first look after the folder settled records a listing that can be trusted, the
    // next ones are served from it; both say what the disk says.
    let second = examine_both_ways(&dir, &md);
    let third = examine_both_ways(&dir, &md);
    assert_eq!(second, third);
    let flagged = third
        .iter()
        .filter(|l| l.contains(" FETCH ") && l.contains("\\Flagged"))
        .count();
    assert_eq!(flagged, 8, "{third:?}");
}

#[test]
fn a_change_in_the_tick_of_the_listing_is_not_missed() {
    let (dir, md) = maildir("state-tick");
    populate(&md, 10);
    let mut c = session(&dir, &md);
    view(&mut c, "SELECT");
    drop(c);
    // Another program sets \Flagged on message 1 and puts the directory's mtime back as it
    // was: what a change in the same clock tick looks like on a coarse-grained filesystem.
    let cur = md.join("cur");
    let before = std::fs::metadata(&cur).unwrap().modified().unwrap();
    std::fs::rename(
        cur.join("1700000000.M0P1.host:2,"),
        cur.join("1700000000.M0P1.host:2,F"),
    )
    .unwrap();
    std::fs::File::open(&cur)
        .unwrap()
        .set_modified(before)
        .unwrap();
    let after = examine_both_ways(&dir, &md);
    assert!(
        after
            .iter()
            .any(|l| l.contains("UID 1 ") && l.contains("\\Flagged")),
        "{after:?}"
    );
}

#[test]
fn changes_by_other_programs_after_the_state_are_seen() {
    let (dir, md) = maildir("state-others");
    populate(&md, 20);
    view(&mut session(&dir, &md), "SELECT");
    age(&md);
    examine_both_ways(&dir, &md);
    // A shell (or Dovecot, or the MTA) flags one message, removes another, delivers one.
    let cur = md.join("cur");
    std::fs::rename(
        cur.join("1700000003.M3P1.host:2,RS"),
        cur.join("1700000003.M3P1.host:2,DRS"),
    )
    .unwrap();
    std::fs::remove_file(cur.join("1700000005.M5P1.host:2,")).unwrap();
    put(&md, "new", "1800000009.M1P3.host", 99);
    let v = examine_both_ways(&dir, &md);
    assert!(common::has(&v, "* 22 EXISTS"), "{v:?}");
    assert!(
        v.iter()
            .any(|l| l.contains("UID 4 ") && l.contains("\\Draft")),
        "{v:?}"
    );
    assert!(!v.iter().any(|l| l.contains("UID 6 ")), "{v:?}");
    assert!(v.iter().any(|l| l.contains("UID 23 ")), "{v:?}");
}

#[test]
fn a_damaged_state_is_ignored() {
    let (dir, md) = maildir("state-damaged");
    populate(&md, 15);
    view(&mut session(&dir, &md), "SELECT");
    age(&md);
    let good = examine_both_ways(&dir, &md);
    let state = md.join("imapd.state");
    let bytes = std::fs::read(&state).unwrap();
    // A torn write (kill -9, power loss) and flipped bits.
    let torn = bytes[..bytes.len() / 2].to_vec();
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 3] ^= 1;
    for (what, data) in [("torn", torn), ("flipped", flipped), ("empty", Vec::new())] {
        std::fs::write(&state, data).unwrap();
        let v = view(&mut session(&dir, &md), "EXAMINE");
        assert_eq!(v, good, "{what} state");
    }
}

/// RFC 3501 2.3.2: \Recent is for the first session to see a message; EXAMINE sees but
/// does not take it (RFC 3501 6.3.2), STATUS counts it (6.3.10).
#[test]
fn recent_goes_to_the_first_read_write_session_only() {
    let (dir, md) = maildir("state-recent");
    populate(&md, 3);
    let mut e = session(&dir, &md);
    let seen = e.expect("s STATUS INBOX (MESSAGES RECENT)", "OK");
    assert!(
        common::has(&seen, "* STATUS INBOX (MESSAGES 5 RECENT 2)"),
        "{seen:?}"
    );
    let ex = e.expect("x EXAMINE INBOX", "OK");
    assert!(common::has(&ex, "* 2 RECENT"), "{ex:?}");
    drop(e);
    let mut a = session(&dir, &md);
    let sel = a.expect("s SELECT INBOX", "OK");
    assert!(common::has(&sel, "* 2 RECENT"), "{sel:?}");
    let mut b = session(&dir, &md);
    let sel = b.expect("s SELECT INBOX", "OK");
    assert!(common::has(&sel, "* 0 RECENT"), "{sel:?}");
    // Delivered while both are selected: the first to look has it.
    put(&md, "new", "1800000005.M1P4.host", 7);
    let noop = a.expect("n NOOP", "OK");
    assert!(common::has(&noop, "* 6 EXISTS"), "{noop:?}");
    assert!(common::has(&noop, "* 3 RECENT"), "{noop:?}");
    let noop = b.expect("n NOOP", "OK");
    assert!(common::has(&noop, "* 6 EXISTS"), "{noop:?}");
    assert!(common::has(&noop, "* 0 RECENT"), "{noop:?}");
    let st = b.expect("t STATUS INBOX (RECENT)", "OK");
    assert!(common::has(&st, "* STATUS INBOX (RECENT 0)"), "{st:?}");
}

/// RFC 3501 2.3.2: a message is \Recent for the first read-write session that sees it,
/// however it arrived; 6.3.1/6.3.2 (SELECT, EXAMINE: `* n RECENT`), 6.3.10 and 7.2.4
/// (STATUS RECENT), 6.4.4 (SEARCH RECENT, NEW, OLD). Issue 9 item 1: after two APPENDs
/// into a folder no session had opened, STATUS said 0 and EXAMINE `* 0 RECENT`.
#[test]
fn appended_and_copied_messages_are_recent_for_one_session() {
    let (dir, md) = maildir("state-recent-append");
    populate(&md, 2);
    let mut a = session(&dir, &md);
    a.expect("c CREATE f", "OK");
    let body = "From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n";
    for t in ["a1", "a2"] {
        a.send(format!("{t} APPEND f {{{}+}}\r\n{body}\r\n", body.len()).as_bytes());
        let r = a.until_tagged(t);
        assert!(common::has(&r, &format!("{t} OK [APPENDUID ")), "{r:?}");
    }
    let st = a.expect("s STATUS f (MESSAGES RECENT)", "OK");
    assert!(
        common::has(&st, "* STATUS f (MESSAGES 2 RECENT 2)"),
        "{st:?}"
    );
    let ex = a.expect("x EXAMINE f", "OK");
    assert!(common::has(&ex, "* 2 RECENT"), "EXAMINE shows them: {ex:?}");
    let sel = a.expect("s SELECT f", "OK");
    assert!(
        common::has(&sel, "* 2 RECENT"),
        "EXAMINE did not take them: {sel:?}"
    );
    // COPY into the selected folder: the copies are new to this session.
    let cp = a.expect("k COPY 1:2 f", "OK");
    assert!(common::has(&cp, "* 4 EXISTS"), "{cp:?}");
    assert!(common::has(&cp, "* 4 RECENT"), "{cp:?}");
    let f = a.expect("f FETCH 3:4 (FLAGS)", "OK");
    assert!(common::has(&f, "* 3 FETCH (FLAGS (\\Recent))"), "{f:?}");
    let r = a.expect("r SEARCH RECENT", "OK");
    assert!(common::has(&r, "* SEARCH 1 2 3 4"), "{r:?}");
    let n = a.expect("n SEARCH NEW", "OK");
    assert!(common::has(&n, "* SEARCH 1 2 3 4"), "{n:?}");
    let o = a.expect("o SEARCH OLD", "OK");
    assert!(common::has(&o, "* SEARCH"), "{o:?}");
    assert!(!o.iter().any(|l| l.starts_with("* SEARCH ")), "{o:?}");
    // The next read-write session, and STATUS from another, see none of them as recent.
    let mut b = session(&dir, &md);
    let st = b.expect("s STATUS f (RECENT)", "OK");
    assert!(common::has(&st, "* STATUS f (RECENT 0)"), "{st:?}");
    let sel = b.expect("s SELECT f", "OK");
    assert!(common::has(&sel, "* 0 RECENT"), "{sel:?}");
}

/// Deleting every `imapd.*` file before each command, in a session and between sessions,
/// gives the same transcript as keeping them.
#[test]
fn deleting_the_index_at_any_moment_changes_nothing_a_client_sees() {
    let script = [
        "a SELECT INBOX",
        "b UID FETCH 1:* (FLAGS)",
        "c UID STORE 2:4 +FLAGS (\\Flagged $Work)",
        "DELIVER",
        "d NOOP",
        "e UID STORE 1 +FLAGS (\\Deleted)",
        "f EXPUNGE",
        "g UID FETCH 1:* (FLAGS)",
        "h STATUS INBOX (MESSAGES UIDNEXT UNSEEN RECENT)",
        "NEW",
        "i SELECT INBOX",
        "j UID FETCH 1:* (FLAGS)",
        "k EXAMINE INBOX",
    ];
    let run = |delete: bool| -> Vec<String> {
        let (dir, md) = maildir(if delete { "state-del" } else { "state-keep" });
        populate(&md, 12);
        let mut c = session(&dir, &md);
        let mut out = Vec::new();
        for line in script {
            if delete {
                remove_index(&md);
            }
            match line {
                "DELIVER" => put(&md, "new", "1800000007.M1P5.host", 50),
                "NEW" => c = session(&dir, &md),
                _ => out.extend(c.cmd(line)),
            }
        }
        out
    };
    // The two runs are two Maildirs made a moment apart, so their UIDVALIDITY (the clock's
    // second, uidvalidity.rs) may differ, and their MAILBOXID (the uidlist's random GUID,
    // RFC 8474 4) does; within a run neither may change.
    let uidvalidity = |out: Vec<String>| -> Vec<String> {
        let mut out = out;
        for code in ["* OK [UIDVALIDITY ", "* OK [MAILBOXID "] {
            let values: Vec<&str> = out.iter().filter_map(|l| l.strip_prefix(code)).collect();
            assert!(
                values.len() >= 3 && values.iter().all(|v| *v == values[0]),
                "{values:?}"
            );
            out = out
                .iter()
                .map(|l| match l.starts_with(code) {
                    true => format!("{code}n]"),
                    false => l.clone(),
                })
                .collect();
        }
        out
    };
    assert_eq!(uidvalidity(run(true)), uidvalidity(run(false)));
}

/// Sessions killed at random moments while they update the state (SELECT after changes,
/// STORE) leave a folder that the next session serves exactly as the disk says.
#[test]
fn sessions_killed_while_updating_the_state_leave_a_servable_folder() {
    let (dir, md) = maildir("state-kill");
    populate(&md, 3000);
    view(&mut session(&dir, &md), "SELECT");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..12 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut c = session(&dir, &md);
        c.send_line(&format!(
            "a SELECT INBOX\r\nb UID STORE {}:* +FLAGS (\\Answered)\r\nc SELECT INBOX\r\n\
             d UID STORE 1:* -FLAGS (\\Answered)",
            1 + seed % 2000
        ));
        std::thread::sleep(Duration::from_micros(seed % 60_000));
        // SIGKILL: no chance to finish a write.
        unsafe { libc::kill(c.pid() as i32, libc::SIGKILL) };
        drop(c);
        let v = examine_both_ways(&dir, &md);
        assert!(
            common::has(&v, "* 3002 EXISTS"),
            "round {round}: {:?}",
            &v[..3]
        );
    }
}

/// The rescans a selected session makes after its own STORE take UIDs from the view while
/// nobody gave out new ones: flag changes, removals and new mail by other programs meanwhile
/// are all reported (RFC 3501 7.4.1 EXPUNGE, 7.4.2 FETCH, 7.3.1 EXISTS).
#[test]
fn changes_by_others_right_after_a_store_are_reported() {
    let (dir, md) = maildir("state-relist");
    populate(&md, 30);
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let cur = md.join("cur");
    for round in 0..3 {
        c.expect(&format!("s{round} STORE 1 +FLAGS (\\Answered)"), "OK");
        let n = 11 + round;
        let old = format!("{}.M{n}P1.host:2,", 1_700_000_000 + n);
        let name = std::fs::read_dir(&cur)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .find(|f| f.starts_with(&old[..old.len() - 3]))
            .unwrap();
        let base = &name[..name.find(':').unwrap()];
        std::fs::rename(cur.join(&name), cur.join(format!("{base}:2,DT"))).unwrap();
        let noop = c.expect(&format!("n{round} NOOP"), "OK");
        let want = format!("* {} FETCH (FLAGS (\\Draft \\Deleted))", n + 1);
        assert!(common::has(&noop, &want), "round {round}: {noop:?}");
    }
    // Removed by another program: EXPUNGE at the next NOOP.
    c.expect("s9 STORE 2 +FLAGS (\\Answered)", "OK");
    let gone = std::fs::read_dir(&cur)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|f| f.starts_with("1700000020.M20P1.host"))
        .unwrap();
    std::fs::remove_file(cur.join(gone)).unwrap();
    let noop = c.expect("n9 NOOP", "OK");
    assert!(common::has(&noop, "* 21 EXPUNGE"), "{noop:?}");
    // New mail needs a UID from the list: reported too.
    c.expect("s10 STORE 3 +FLAGS (\\Answered)", "OK");
    put(&md, "cur", "1800000100.M1P9.host:2,S", 77);
    let noop = c.expect("n10 NOOP", "OK");
    assert!(common::has(&noop, "* 32 EXISTS"), "{noop:?}");
    let f = c.expect("f UID FETCH 33 (FLAGS)", "OK");
    assert!(
        common::has(&f, "* 32 FETCH (UID 33 FLAGS (\\Seen \\Recent))"),
        "{f:?}"
    );
}

/// Between two body fetches, another program delivers a message, another session sets a
/// flag and another session expunges one: each is told after the next command, whether it
/// comes right after the change (the folder's times too recent to trust) or once they have
/// settled (the refresh then looks at the directories' times alone). RFC 3501 7.3.1 EXISTS,
/// 7.4.2 FETCH; 7.4.1: no EXPUNGE during FETCH, but during UID FETCH and NOOP.
#[test]
fn changes_between_body_fetches_are_told_after_the_next_command() {
    let (dir, md) = maildir("state-between-fetches");
    populate(&md, 10);
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let mut exists = 12;
    for (round, settle) in [(0, false), (1, true), (2, false), (3, true)] {
        let body = c.expect(&format!("b{round} UID FETCH 1 BODY.PEEK[]"), "OK");
        assert!(common::has(&body, "* 1 FETCH (UID 1 BODY[] {"), "{body:?}");
        if settle {
            std::thread::sleep(Duration::from_millis(100));
            c.expect(&format!("n{round} NOOP"), "OK");
            std::thread::sleep(Duration::from_millis(100));
        }
        put(
            &md,
            "new",
            &format!("1900000000.M{round}P7.host"),
            50 + round,
        );
        exists += 1;
        let next = c.expect(&format!("c{round} UID FETCH 2 BODY.PEEK[]"), "OK");
        assert!(
            common::has(&next, &format!("* {exists} EXISTS")),
            "round {round}: {next:?}"
        );
    }
    // Another session flags message 6 and expunges message 4.
    let mut other = session(&dir, &md);
    other.expect("o1 SELECT INBOX", "OK");
    other.expect("o2 STORE 6 +FLAGS (\\Flagged)", "OK");
    other.expect("o3 STORE 4 +FLAGS (\\Deleted)", "OK");
    other.expect("o4 EXPUNGE", "OK");
    drop(other);
    let f = c.expect("f FETCH 1 BODY.PEEK[]", "OK");
    assert!(common::has(&f, "* 6 FETCH (FLAGS (\\Flagged))"), "{f:?}");
    assert!(!common::has(&f, "* 4 EXPUNGE"), "not during FETCH: {f:?}");
    std::thread::sleep(Duration::from_millis(100));
    let u = c.expect("u UID FETCH 1 BODY.PEEK[]", "OK");
    assert!(common::has(&u, "* 4 EXPUNGE"), "{u:?}");
}
