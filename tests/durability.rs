//! Crash and fault behaviour of the Maildir store, through `imapd serve` on pipes:
//! MOVE under a fault (RFC 6851 3.3), the remains of an interrupted DELETE and old `tmp/`
//! files (the Maildir rule: https://cr.yp.to/proto/maildir.html), a damaged
//! `dovecot-uidlist` (DESIGN.md 3: UIDVALIDITY changes only when the list is lost), and
//! changes made within one tick of a coarse directory mtime (DESIGN.md 4).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::{folder, has, is_root, maildir, names, put_message, session, tagged, Client};

/// Three messages in cur/.
fn three(md: &Path) {
    put_message(md, "cur", "1700000001.M1P1.host,S=30:2,");
    put_message(md, "cur", "1700000002.M2P1.host,S=30:2,S");
    put_message(md, "cur", "1700000003.M3P1.host,S=30:2,F");
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `* n FETCH (UID u FLAGS (...))` lines of `UID FETCH 1:* (UID FLAGS)`.
fn uids_and_flags(c: &mut Client, tag: &str) -> Vec<String> {
    c.expect(&format!("{tag} UID FETCH 1:* (UID FLAGS)"), "OK")
        .into_iter()
        .filter(|l| l.starts_with("* "))
        .collect()
}

/// Checks that a failed MOVE changed nothing: the source's files and UIDs as before, the
/// target empty, no COPYUID and no EXPUNGE.
fn nothing_moved(c: &mut Client, md: &Path, target: &Path, reply: &[String], before: &[String]) {
    assert!(tagged(reply).starts_with("m1 NO "), "{reply:?}");
    assert!(
        !has(reply, "* OK [COPYUID"),
        "COPYUID for a failed MOVE: {reply:?}"
    );
    assert!(
        !reply.iter().any(|l| l.ends_with(" EXPUNGE")),
        "EXPUNGE for a failed MOVE: {reply:?}"
    );
    assert_eq!(
        names(&md.join("cur")).len(),
        3,
        "the source keeps all three"
    );
    assert_eq!(
        names(&target.join("cur")),
        Vec::<String>::new(),
        "no copy in the target"
    );
    assert_eq!(
        uids_and_flags(c, "m2"),
        before,
        "same UIDs and flags in the source"
    );
}

// RFC 6851 3.3: "each individual message SHOULD either be moved or unaffected ... The
// server SHOULD NOT leave any message in both mailboxes ... even if the server returns a
// tagged NO". The source's cur/ is read-only, so the originals cannot leave it: before,
// the copies were made, COPYUID was sent and then the unlink failed, leaving two copies.
// Now: NO, nothing moved; and once the directory is writable again, the MOVE completes.
#[test]
fn move_that_cannot_remove_the_originals_moves_nothing() {
    let (dir, md) = maildir("move-ro");
    three(&md);
    let target = folder(&md, "Target");
    let mut c = session(&dir, &md);
    c.expect("s1 SELECT INBOX", "OK");
    let before = uids_and_flags(&mut c, "s2");
    set_mode(&md.join("cur"), 0o555);
    let reply = c.cmd("m1 MOVE 1:3 Target");
    set_mode(&md.join("cur"), 0o700);
    nothing_moved(&mut c, &md, &target, &reply, &before);
    let reply = c.expect("m3 MOVE 1:3 Target", "OK");
    assert!(has(&reply, "* OK [COPYUID "), "{reply:?}");
    assert_eq!(reply.iter().filter(|l| l.ends_with(" EXPUNGE")).count(), 3);
    assert_eq!(names(&md.join("cur")), Vec::<String>::new());
    assert_eq!(names(&target.join("cur")).len(), 3);
    c.expect("m4 LOGOUT", "OK");
}

// The same with a fault in the middle of the set: the second message is immutable
// (chattr +i), so the first has moved when the second fails. It is put back: NO, and the
// source is as it was, same names and UIDs.
#[test]
fn move_failing_half_way_puts_the_moved_messages_back() {
    if !is_root() {
        eprintln!("skipped: chattr +i needs root");
        return;
    }
    let (dir, md) = maildir("move-immutable");
    three(&md);
    let target = folder(&md, "Target");
    let mut c = session(&dir, &md);
    c.expect("s1 SELECT INBOX", "OK");
    let before = uids_and_flags(&mut c, "s2");
    let second = md.join("cur").join("1700000002.M2P1.host,S=30:2,S");
    let chattr = |flag: &str| {
        Command::new("chattr")
            .arg(flag)
            .arg(&second)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !chattr("+i") {
        eprintln!("skipped: chattr +i does not work on this filesystem");
        return;
    }
    let reply = c.cmd("m1 MOVE 1:3 Target");
    chattr("-i");
    nothing_moved(&mut c, &md, &target, &reply, &before);
    assert!(md.join("cur").join("1700000001.M1P1.host,S=30:2,").exists());
    c.expect("m3 LOGOUT", "OK");
}

/// A tmpfs mounted on a directory for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

// A folder on another filesystem (Maildir++ allows a folder to be a mount point): APPEND,
// COPY and MOVE into it used to stage in the root's tmp/ and failed with EXDEV (`NO
// [SERVERBUG] Invalid cross-device link`). Each folder's own tmp/ is the Maildir rule.
#[test]
fn append_copy_and_move_into_a_folder_on_another_filesystem() {
    if !is_root() {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let (dir, md) = maildir("cross-device");
    three(&md);
    let target = md.join(".Other");
    std::fs::create_dir(&target).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&target)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mount -t tmpfs does not work here");
        return;
    }
    let _mount = Mount(target.clone());
    folder(&md, "Other");
    let mut c = session(&dir, &md);
    c.expect("x1 SELECT INBOX", "OK");
    let msg = "Subject: appended\r\n\r\nacross filesystems\r\n";
    c.send(format!("x2 APPEND Other {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    let r = c.until_tagged("x2");
    assert!(tagged(&r).contains("OK [APPENDUID "), "{r:?}");
    let r = c.cmd("x3 COPY 1 Other");
    assert!(tagged(&r).contains("OK [COPYUID "), "{r:?}");
    let r = c.cmd("x4 MOVE 2 Other");
    assert!(has(&r, "* 2 EXPUNGE"), "{r:?}");
    assert!(tagged(&r).starts_with("x4 OK"), "{r:?}");
    c.expect("x5 SELECT Other", "OK");
    let r = c.cmd("x6 FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert_eq!(
        r.iter()
            .filter(|l| l.starts_with("* ") && l.contains(" FETCH ("))
            .count(),
        3,
        "{r:?}"
    );
    assert!(names(&target.join("tmp")).is_empty());
    assert_eq!(names(&md.join("cur")).len(), 2);
    c.expect("x7 LOGOUT", "OK");
}

// DELETE renames the folder into the root's tmp/ and removes it from there; a session
// killed meanwhile leaves it in tmp/, where nothing removed it (the tmp/ cleaning removed
// only old files). Now the next session removes it at its start, as it removes files older
// than 36 hours (the Maildir rule) and leaves younger ones alone.
#[test]
fn rest_of_an_interrupted_delete_is_removed() {
    let (dir, md) = maildir("delete-rest");
    let grave = md.join("tmp").join("deleted.1700000000.M1P1Q1.host");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(grave.join(sub)).unwrap();
    }
    put_message(&grave, "cur", "1700000001.M1P1.host:2,S");
    let old = md.join("tmp").join("1700000002.M2P2.host");
    let young = md.join("tmp").join("1700000003.M3P3.host");
    std::fs::write(&old, b"partial").unwrap();
    std::fs::write(&young, b"partial").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(37 * 3600))
        .unwrap();
    let mut c = session(&dir, &md);
    assert!(!grave.exists(), "the deleted folder's remains are gone");
    assert!(!old.exists(), "a 37-hour-old file in tmp/ is gone");
    assert!(
        young.exists(),
        "a young file in tmp/ stays (its delivery may be running)"
    );
    c.expect("a1 LOGOUT", "OK");
}

/// `(UIDVALIDITY, UIDNEXT, [(uid, file base name)])` as SELECT and UID FETCH show them.
fn selected_state(c: &mut Client, tag: &str) -> (u32, u32, Vec<u32>) {
    let lines = c.expect(&format!("{tag}a SELECT INBOX"), "OK");
    let code = |name: &str| -> u32 {
        let prefix = format!("* OK [{name} ");
        lines
            .iter()
            .find_map(|l| {
                let r = l.strip_prefix(&prefix)?;
                r[..r.find(']')?].parse().ok()
            })
            .unwrap_or_else(|| panic!("no {name} in {lines:?}"))
    };
    let (v, n) = (code("UIDVALIDITY"), code("UIDNEXT"));
    let uids = c
        .expect(&format!("{tag}b UID FETCH 1:* (UID)"), "OK")
        .iter()
        .filter_map(|l| {
            l.strip_prefix("* ")?
                .split("(UID ")
                .nth(1)?
                .strip_suffix(')')?
                .parse()
                .ok()
        })
        .collect();
    (v, n, uids)
}

// DESIGN.md 3: "UIDVALIDITY changes only when the list is lost". A damaged list (a garbled
// line, UIDs out of order) was taken as lost: a new UIDVALIDITY, and every client
// downloaded everything again. Now it is repaired: the UIDVALIDITY and every readable UID
// stay, and the message whose line is unreadable gets a UID above every UID seen.
#[test]
fn damaged_uidlist_is_repaired_not_lost() {
    let (dir, md) = maildir("uidlist-garbled");
    three(&md);
    std::fs::write(
        md.join("dovecot-uidlist"),
        b"3 V1234567 N10 G0123456789abcdef0123456789abcdef\n\
          5 :1700000002.M2P1.host,S=30\n\
          2 :1700000001.M1P1.host,S=30\n\
          \x00\x00\x00garbage\xff 1700000003.M3P1.host\n",
    )
    .unwrap();
    let mut c = session(&dir, &md);
    let (v, n, uids) = selected_state(&mut c, "a");
    assert_eq!(v, 1234567, "UIDVALIDITY kept");
    assert_eq!(
        uids,
        [2, 5, 10],
        "readable UIDs kept, the unreadable one above N"
    );
    assert_eq!(n, 11);
    c.expect("z LOGOUT", "OK");
    assert!(c.stderr().contains("repaired"), "logged: {}", c.stderr());
    let text = std::fs::read_to_string(md.join("dovecot-uidlist")).unwrap();
    assert!(
        text.starts_with("3 V1234567 N11 G0123456789abcdef"),
        "{text}"
    );
}

// A list cut short in its last line: the lines before keep their UIDs; the cut line's UID
// (3) is not given to anything again, the message gets 4.
#[test]
fn truncated_uidlist_keeps_its_uids() {
    let (dir, md) = maildir("uidlist-cut");
    three(&md);
    std::fs::write(
        md.join("dovecot-uidlist"),
        b"3 V7654321 N4 G0123456789abcdef0123456789abcdef\n\
          1 :1700000001.M1P1.host,S=30\n\
          2 :1700000002.M2P1.host,S=30\n\
          3 :",
    )
    .unwrap();
    let mut c = session(&dir, &md);
    let (v, n, uids) = selected_state(&mut c, "a");
    assert_eq!((v, n), (7654321, 5));
    assert_eq!(uids, [1, 2, 4]);
    c.expect("z LOGOUT", "OK");
}

// RFC 3501 2.3.1.1: UIDs are non-zero 32-bit numbers in strictly ascending order; when
// they run out, the server must start over under a new (larger, DESIGN.md 3) UIDVALIDITY.
// A list at `N4294967295` with one new message: SELECT said UIDNEXT 0, two APPENDs were
// given UIDs 0 and 4294967295 again, and UID FETCH showed one of the three messages.
#[test]
fn exhausted_uids_start_a_new_uidvalidity() {
    let (dir, md) = maildir("uid-exhausted");
    std::fs::write(md.join("dovecot-uidlist"), b"3 V123 N4294967295\n").unwrap();
    put_message(&md, "cur", "1700000001.M1P1.host,S=30:2,");
    let mut c = session(&dir, &md);
    let (v, n, uids) = selected_state(&mut c, "a");
    let body = "Subject: x\r\n\r\nx\r\n";
    let mut appended = Vec::new();
    for tag in ["b", "c"] {
        c.send(format!("{tag} APPEND INBOX {{{}+}}\r\n{body}\r\n", body.len()).as_bytes());
        let lines = c.until_tagged(tag);
        let t = tagged(&lines);
        let args: Vec<u32> = t
            .strip_prefix(&format!("{tag} OK [APPENDUID "))
            .and_then(|r| r.split(']').next())
            .unwrap_or_else(|| panic!("{lines:?}"))
            .split(' ')
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!(args[0], v, "the same UIDVALIDITY as SELECT: {t}");
        appended.push(args[1]);
    }
    let (v2, n2, all) = selected_state(&mut c, "d");
    c.expect("z LOGOUT", "OK");
    assert!(v > 123, "a new, larger UIDVALIDITY: {v}");
    assert_eq!(v2, v);
    assert_eq!(uids, [1], "renumbered from 1");
    assert_eq!(n, 2, "UIDNEXT is a UID, never 0");
    assert_eq!(appended, [2, 3]);
    assert_eq!(all, [1, 2, 3], "every message once, no UID 0, none twice");
    assert_eq!(n2, 4);
    assert!(c.stderr().contains("UIDVALIDITY"), "logged: {}", c.stderr());
}

/// A folder whose one message already has its UID in `dovecot-uidlist`.
fn settled_folder(md: &Path) {
    put_message(md, "cur", "1700000001.M1P1.host,S=30:2,S");
    std::fs::write(
        md.join("dovecot-uidlist"),
        b"3 V1234567 N2 G0123456789abcdef0123456789abcdef\n1 :1700000001.M1P1.host,S=30\n",
    )
    .unwrap();
}

/// Sets the mtime of `new/`, `cur/` and `dovecot-uidlist` to `t`, as a filesystem with
/// whole-second timestamps records a change in the second `t`.
fn stamp_all(md: &Path, t: SystemTime) {
    for p in ["new", "cur", "dovecot-uidlist"] {
        std::fs::File::open(md.join(p))
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
}

/// The current second, as a filesystem with whole-second mtimes records "now".
fn this_second() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs(now.as_secs())
}

/// Delivers a message into `new/` and puts the mtime of `new/` back to `t`: a delivery in
/// the same tick as the last scan, on a filesystem whose mtimes are that coarse.
fn deliver_in_same_tick(md: &Path, t: SystemTime) {
    put_message(md, "tmp", "1700000002.M2P2.host,S=30");
    std::fs::rename(
        md.join("tmp").join("1700000002.M2P2.host,S=30"),
        md.join("new").join("1700000002.M2P2.host,S=30"),
    )
    .unwrap();
    std::fs::File::open(md.join("new"))
        .unwrap()
        .set_modified(t)
        .unwrap();
}

// DESIGN.md 4: "new mail shows up on NOOP". The rescan shortcut compared directory mtimes;
// with whole-second mtimes (NFS), a delivery in the same second as the scan left every
// stamp equal and NOOP never reported it. Now a stamp read within the mtime resolution of
// its times is not trusted, and the NOOP rescans.
#[test]
fn delivery_in_the_same_tick_shows_up_on_noop() {
    let (dir, md) = maildir("coarse-noop");
    settled_folder(&md);
    let mut c = session(&dir, &md);
    let t = this_second();
    stamp_all(&md, t);
    let lines = c.expect("a1 SELECT INBOX", "OK");
    assert!(has(&lines, "* 1 EXISTS"), "{lines:?}");
    deliver_in_same_tick(&md, t);
    let lines = c.expect("a2 NOOP", "OK");
    assert!(
        has(&lines, "* 2 EXISTS"),
        "the delivery is reported: {lines:?}"
    );
    c.expect("a3 LOGOUT", "OK");
}

// The same for IDLE (RFC 2177), whose first look and every later one go through the same
// comparison of stamps: the delivery is reported without waiting for a rescan timer.
#[test]
fn delivery_in_the_same_tick_shows_up_in_idle() {
    let (dir, md) = maildir("coarse-idle");
    settled_folder(&md);
    let mut c = session(&dir, &md);
    let t = this_second();
    stamp_all(&md, t);
    c.expect("a1 SELECT INBOX", "OK");
    deliver_in_same_tick(&md, t);
    c.send_line("a2 IDLE");
    assert_eq!(c.line(), "+ idling");
    assert_eq!(c.line(), "* 2 EXISTS");
    c.send_line("DONE");
    let lines = c.until_tagged("a2");
    assert!(tagged(&lines).starts_with("a2 OK"), "{lines:?}");
    c.expect("a3 LOGOUT", "OK");
}
