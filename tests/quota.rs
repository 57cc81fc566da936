//! QUOTA (RFC 9208) from Maildir++ `maildirsize`: GETQUOTA, GETQUOTAROOT, SETQUOTA refused,
//! STATUS DELETED and DELETED-STORAGE, `[OVERQUOTA]` on APPEND and COPY before anything
//! is written, and the file kept up to date by APPEND, COPY, EXPUNGE, CLOSE and DELETE.
//!
//! The fixture's messages are named with `,S=` (what Maildir++ counts) so the sums are
//! exact: 1500 and 2500 bytes in INBOX, 1000 in Sent.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fixture::{Fixture, Session};

const MESSAGE: &[u8] = b"From: a@example.org\r\nSubject: q\r\n\r\nBody.\r\n";

/// The message of RFC 9208 4.3.1's examples: 326 octets, 9 lines.
const RFC_MESSAGE: &[u8] = b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\
From: Fred Foobar <foobar@Blurdybloop.example>\r\n\
Subject: afternoon meeting\r\n\
To: mooch@owatagu.siam.edu.example\r\n\
Message-Id: <B27397-0100000@Blurdybloop.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";

/// INBOX: uid 1 (1500 bytes, \Deleted), uid 2 (2500 bytes); Sent: one of 1000 bytes. With
/// `maildirsize` holding `quota` when given. Returns the session and the Maildir.
fn session(name: &str, quota: Option<&str>) -> (Session, PathBuf) {
    let mut f = Fixture::new(name);
    let now = SystemTime::now();
    f.add_sized(1, ",S=1500,W=1530", "T", MESSAGE, now);
    f.add_sized(2, ",S=2500,W=2550", "", MESSAGE, now);
    let md = f.md.clone();
    let sent = md.join(".Sent");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(sent.join(sub)).unwrap();
    }
    std::fs::write(sent.join("maildirfolder"), b"").unwrap();
    std::fs::write(sent.join("cur/1600000009.M9P1.fixture,S=1000:2,S"), MESSAGE).unwrap();
    if let Some(q) = quota {
        std::fs::write(md.join("maildirsize"), q).unwrap();
    }
    (f.session(), md)
}

fn file(md: &Path) -> String {
    String::from_utf8(std::fs::read(md.join("maildirsize")).unwrap()).unwrap()
}

/// The names in `new/`, `cur/` and `tmp/` of the folder `dir`.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = ["new", "cur", "tmp"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Sends `APPEND mailbox prefix{n}` and reads the reply, which must come before the
/// literal is asked for: NO [OVERQUOTA].
fn refused_before_literal(s: &mut Session, mailbox: &str, prefix: &[u8], n: usize) {
    let tag = s.tag();
    let mut cmd = format!("{tag} APPEND {mailbox} ").into_bytes();
    cmd.extend_from_slice(prefix);
    cmd.extend_from_slice(format!("{{{n}}}\r\n").as_bytes());
    s.send(&cmd);
    let r = s.until(&tag);
    if !r.status().starts_with("NO [OVERQUOTA] ") || !r.untagged.is_empty() {
        s.fail(&format!("expected NO [OVERQUOTA] at once, got {r:?}"));
    }
}

fn one(s: &mut Session, command: &str, prefix: &str) -> String {
    let r = s.ok(command);
    let lines = r.starting(prefix);
    if lines.len() != 1 {
        s.fail(&format!("{command}: expected one {prefix}, got {lines:?}"));
    }
    lines[0].clone()
}

// RFC 9208 1 and 3.1.1: QUOTA and a QUOTA=RES- capability for each resource handled;
// QUOTASET only with a SETQUOTA that works, which this one does not.
#[test]
fn advertised() {
    let (mut s, _) = session("quota-cap", None);
    let caps = one(&mut s, "CAPABILITY", "* CAPABILITY");
    let caps: Vec<&str> = caps.split(' ').collect();
    for c in ["QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"] {
        assert!(caps.contains(&c), "{c} missing: {caps:?}");
    }
    assert!(!caps.contains(&"QUOTASET"));
}

// RFC 9208 4.1.2 (the example's form, with this server's root): every mailbox is in
// "User quota", also one that does not exist yet; 4.2.1: STORAGE in units of 1024
// octets, rounded up, and MESSAGE. The usage is counted from the message files where the
// file has no usage line yet, and the count written to it.
#[test]
fn getquotaroot_and_getquota() {
    let (mut s, md) = session("quota-root", Some("1000000S,1000C\n"));
    // Tagged here, so that tests/bin/serve-seeds gives the fuzzer these commands.
    let r = s.run("q1 GETQUOTAROOT INBOX");
    assert!(r.ok(), "{}", r.tagged);
    assert_eq!(
        r.lines(),
        [
            "* QUOTAROOT INBOX \"User quota\"",
            "* QUOTA \"User quota\" (STORAGE 5 977 MESSAGE 3 1000)"
        ]
    );
    assert_eq!(file(&md), "1000000S,1000C\n5000 3\n");
    let r = s.run("q2 GETQUOTAROOT Sent.Later");
    assert_eq!(r.lines()[0], "* QUOTAROOT Sent.Later \"User quota\"");
    // RFC 9208 4.1.1: the QUOTA response of the named root.
    assert_eq!(
        one(&mut s, "GETQUOTA \"User quota\"", "* QUOTA"),
        "* QUOTA \"User quota\" (STORAGE 5 977 MESSAGE 3 1000)"
    );
    // 4.1.1: NO for a root that does not exist.
    let r = s.run("q3 GETQUOTA \"!partition/sda4\"");
    assert!(r.status().starts_with("NO "), "{}", r.tagged);
    assert!(r.untagged.is_empty());
    // A name that cannot be a mailbox has no root.
    assert!(s.cmd("GETQUOTAROOT a..b").status().starts_with("NO "));
    s.unchecked();
    assert!(s.cmd("GETQUOTA").status().starts_with("BAD "));
}

// RFC 9208 4.2.1: only the resources with a limit are listed; a limit of 0 is none in
// Maildir++.
#[test]
fn only_limited_resources() {
    let (mut s, _) = session("quota-one", Some("0S,10C\n5000 3\n"));
    assert_eq!(
        one(&mut s, "GETQUOTA \"User quota\"", "* QUOTA"),
        "* QUOTA \"User quota\" (MESSAGE 3 10)"
    );
}

// RFC 9208 4.2.2: a mailbox with no quota root gets a QUOTAROOT with none, and no QUOTA;
// without maildirsize there is no quota, and imapd does not make one up.
#[test]
fn no_maildirsize_no_quota() {
    let (mut s, md) = session("quota-none", None);
    let r = s.ok("GETQUOTAROOT INBOX");
    assert_eq!(r.lines(), ["* QUOTAROOT INBOX"]);
    assert!(s.cmd("GETQUOTA \"User quota\"").status().starts_with("NO "));
    let big = vec![b'x'; 100_000];
    assert!(s.cmd_literals(&[b"APPEND INBOX ", &big, b""]).ok());
    assert!(!md.join("maildirsize").exists());
}

// RFC 9208 4.1.3: SETQUOTA may fail when the limit cannot be set; here the limits are
// the administrator's. The RFC's example command; the file stays as it was. Bad syntax
// is still BAD.
#[test]
fn setquota_refused() {
    let (mut s, md) = session("quota-set", Some("1000000S,1000C\n5000 3\n"));
    let r = s.run("q4 SETQUOTA \"User quota\" (STORAGE 510)");
    assert!(r.status().starts_with("NO "), "{}", r.tagged);
    assert!(s
        .cmd("SETQUOTA \"User quota\" ()")
        .status()
        .starts_with("NO "));
    s.unchecked();
    assert!(s
        .cmd("SETQUOTA \"User quota\" (STORAGE many)")
        .status()
        .starts_with("BAD "));
    assert!(s
        .cmd("SETQUOTA \"User quota\"")
        .status()
        .starts_with("BAD "));
    assert_eq!(file(&md), "1000000S,1000C\n5000 3\n");
}

// RFC 9208 4.1.4 (its example's form): DELETED counts the \Deleted messages, and
// DELETED-STORAGE what an EXPUNGE would free, in STORAGE's units (1500 bytes: 2).
#[test]
fn status_deleted_storage() {
    let (mut s, _) = session("quota-status", None);
    assert_eq!(
        one(
            &mut s,
            "STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)",
            "* STATUS"
        ),
        "* STATUS INBOX (MESSAGES 2 DELETED 1 DELETED-STORAGE 2)"
    );
    assert_eq!(
        one(&mut s, "STATUS Sent (DELETED DELETED-STORAGE)", "* STATUS"),
        "* STATUS Sent (DELETED 0 DELETED-STORAGE 0)"
    );
}

// RFC 9208 4.3.1: APPEND that would pass a limit gets NO [OVERQUOTA]. The literal's
// length is enough to know: the synchronizing literal is never asked for, and nothing
// is written to the folder or to the file.
#[test]
fn append_over_quota() {
    let (mut s, md) = session("quota-append-no", Some("6000S\n5000 3\n"));
    let before = listing(&md);
    refused_before_literal(&mut s, "INBOX", b"(\\Seen) ", 1100);
    // LITERAL+: the bytes come anyway, are read and dropped; still nothing stored.
    let tag = s.tag();
    let mut cmd = format!("{tag} APPEND INBOX {{1100+}}\r\n").into_bytes();
    cmd.extend_from_slice(&[b'x'; 1100]);
    cmd.extend_from_slice(b"\r\n");
    s.send(&cmd);
    let r = s.until(&tag);
    assert!(r.status().starts_with("NO [OVERQUOTA] "), "{}", r.tagged);
    // MULTIAPPEND (RFC 3502): the second of 600 octets each passes the limit, so neither
    // is stored, also not the first, already in tmp/; the second is not asked for.
    let tag = s.tag();
    s.send(format!("{tag} APPEND INBOX {{600}}\r\n").as_bytes());
    let go = s.line();
    assert!(go.starts_with(b"+"), "{}", String::from_utf8_lossy(&go));
    let mut rest = vec![b'y'; 600];
    rest.extend_from_slice(b" {600}\r\n");
    s.send(&rest);
    let r = s.until(&tag);
    assert!(r.status().starts_with("NO [OVERQUOTA] "), "{}", r.tagged);
    assert!(r.untagged.is_empty(), "{r:?}");
    assert_eq!(listing(&md), before);
    assert_eq!(file(&md), "6000S\n5000 3\n");
    // The session goes on, and the folder is as it was.
    assert_eq!(
        one(&mut s, "STATUS INBOX (MESSAGES)", "* STATUS"),
        "* STATUS INBOX (MESSAGES 2)"
    );
}

// RFC 9208 4.3.1, Example 1: its APPEND of 326 octets to saved-messages, over quota, gets
// NO [OVERQUOTA]; here before the literal is asked for (RFC 3501 7.5 lets a server refuse
// a synchronizing literal), so the client never sends it. Once an EXPUNGE made room, the
// same APPEND is stored: 317 octets with LF line ends.
#[test]
fn rfc_example_append() {
    assert_eq!(RFC_MESSAGE.len(), 326);
    let (mut s, md) = session("quota-rfc-append", Some("5300S\n5000 3\n"));
    s.ok("CREATE saved-messages");
    refused_before_literal(&mut s, "saved-messages", b"(\\Seen) ", RFC_MESSAGE.len());
    assert!(listing(&md.join(".saved-messages")).is_empty());
    s.ok("EXPUNGE");
    let r = s.cmd_literals(&[b"APPEND saved-messages (\\Seen) ", RFC_MESSAGE, b""]);
    assert!(r.status().starts_with("OK [APPENDUID "), "{}", r.tagged);
    assert_eq!(file(&md), "5300S\n5000 3\n-1500 -1\n317 1\n");
}

// The message count is a limit too (RFC 9208 5.2).
#[test]
fn append_over_message_limit() {
    let (mut s, md) = session("quota-append-count", Some("3C\n5000 3\n"));
    refused_before_literal(&mut s, "INBOX", b"", 17);
    assert_eq!(file(&md), "3C\n5000 3\n");
}

// An APPEND that fits is stored and adds its line, with the size as stored (LF line
// ends, as ,S= in its name says); GETQUOTA shows it. Before the literal comes, its
// length is what is checked (as Dovecot does); once it is stored, its size.
#[test]
fn append_adds_a_line() {
    let (mut s, md) = session("quota-append-ok", Some("5017S\n5000 3\n"));
    // 17 octets with CRLF, 14 as stored.
    let r = s.cmd_literals(&[b"APPEND INBOX ", b"Subject: x\r\n\r\ny\r\n", b""]);
    assert!(r.ok(), "{}", r.tagged);
    assert_eq!(file(&md), "5017S\n5000 3\n14 1\n");
    let stored: Vec<String> = listing(&md)
        .into_iter()
        .filter(|n| n.contains(",S=14,"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        one(&mut s, "GETQUOTA \"User quota\"", "* QUOTA"),
        "* QUOTA \"User quota\" (STORAGE 5 5)"
    );
    // 3 more octets reach the limit exactly, which is allowed; then 1 more passes it.
    assert!(s.cmd_literals(&[b"APPEND INBOX ", b"abc", b""]).ok());
    assert_eq!(file(&md), "5017S\n5000 3\n14 1\n3 1\n");
    refused_before_literal(&mut s, "INBOX", b"", 1);
}

// RFC 9208 4.3.1: COPY that would pass a limit gets NO [OVERQUOTA], the target folder
// and the file unchanged; one that fits adds the copies' line.
#[test]
fn copy_over_quota_and_within() {
    let (mut s, md) = session("quota-copy", Some("7000S\n5000 3\n"));
    let sent = md.join(".Sent");
    let before = listing(&sent);
    let r = s.cmd("COPY 1:2 Sent");
    assert!(r.status().starts_with("NO [OVERQUOTA] "), "{}", r.tagged);
    assert_eq!(listing(&sent), before);
    assert_eq!(file(&md), "7000S\n5000 3\n");
    let r = s.cmd("UID COPY 2 Sent");
    assert!(r.status().starts_with("NO [OVERQUOTA] "), "{}", r.tagged);
    let r = s.cmd("COPY 1 Sent");
    assert!(r.ok(), "{}", r.tagged);
    assert_eq!(listing(&sent).len(), before.len() + 1);
    assert_eq!(file(&md), "7000S\n5000 3\n1500 1\n");
}

// A MOVE stays within the one quota root: it adds nothing (RFC 9208 4.3.1 refuses only an
// addition), so it goes through even over quota, and the file is left as it was; this is
// how a user over quota makes room through a Trash folder.
#[test]
fn move_within_the_root() {
    let (mut s, md) = session("quota-move", Some("4000S\n5000 3\n"));
    let r = s.cmd("MOVE 2 Sent");
    assert!(r.ok(), "{}", r.tagged);
    assert_eq!(file(&md), "4000S\n5000 3\n");
    assert_eq!(listing(&md.join(".Sent")).len(), 2);
}

// EXPUNGE and CLOSE remove what \Deleted messages took: a negative line each, with the
// sizes as counted; DELETE of a folder removes its messages' share.
#[test]
fn removals_add_negative_lines() {
    let (mut s, md) = session("quota-expunge", Some("1000000S,1000C\n5000 3\n"));
    s.ok("EXPUNGE");
    assert_eq!(file(&md), "1000000S,1000C\n5000 3\n-1500 -1\n");
    s.ok("STORE 1 +FLAGS (\\Deleted)");
    s.ok("CLOSE");
    assert_eq!(file(&md), "1000000S,1000C\n5000 3\n-1500 -1\n-2500 -1\n");
    s.ok("DELETE Sent");
    assert_eq!(
        file(&md),
        "1000000S,1000C\n5000 3\n-1500 -1\n-2500 -1\n-1000 -1\n"
    );
    assert_eq!(
        one(&mut s, "GETQUOTA \"User quota\"", "* QUOTA"),
        "* QUOTA \"User quota\" (STORAGE 0 977 MESSAGE 0 1000)"
    );
    // An EXPUNGE that removes nothing writes nothing.
    s.ok("SELECT INBOX");
    s.ok("EXPUNGE");
    assert_eq!(file(&md).lines().count(), 5);
}

// Maildir++: the MTA appends its own lines to the same file while sessions run; the next
// command counts them, and imapd's lines go after them, never over them.
#[test]
fn lines_of_others_counted() {
    let (mut s, md) = session("quota-shared", Some("6000S\n5000 3\n"));
    assert!(s.cmd_literals(&[b"APPEND INBOX ", b"abc", b""]).ok());
    // A delivery of 900 octets, recorded as maildrop and Dovecot's LDA record one.
    let mut f = std::fs::File::options()
        .append(true)
        .open(md.join("maildirsize"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"900 1\n").unwrap();
    assert_eq!(
        one(&mut s, "GETQUOTA \"User quota\"", "* QUOTA"),
        "* QUOTA \"User quota\" (STORAGE 6 6)"
    );
    // 5903 taken: 97 octets reach the limit and fit, 100 do not.
    refused_before_literal(&mut s, "INBOX", b"", 100);
    assert!(s.cmd_literals(&[b"APPEND INBOX ", &[b'x'; 97], b""]).ok());
    assert_eq!(file(&md), "6000S\n5000 3\n3 1\n900 1\n97 1\n");
}
