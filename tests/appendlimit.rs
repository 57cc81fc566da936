//! APPENDLIMIT (RFC 7889): the serve role advertises the largest message APPEND takes
//! (256 MiB, or `IMAPD_APPENDTOTAL` when that is smaller), the same for every mailbox; STATUS
//! and LIST-STATUS give it per mailbox; a larger message gets a tagged TOOBIG.

mod common;

use common::{folder, maildir, names, serve_cmd, Client, TempDir};
use std::path::PathBuf;

fn start(name: &str, total: Option<&str>) -> (TempDir, PathBuf, Client, String) {
    let (dir, md) = maildir(name);
    folder(&md, "Sent");
    let mut cmd = serve_cmd(&dir, Some(&md));
    if let Some(t) = total {
        cmd.env("IMAPD_APPENDTOTAL", t);
    }
    let mut c = Client::spawn(cmd);
    let greeting = c.line();
    assert!(greeting.starts_with("* PREAUTH "), "{greeting}");
    (dir, md, c, greeting)
}

/// The `APPENDLIMIT=n` capabilities of a capability list.
fn limits(caps: &str) -> Vec<&str> {
    caps.split([' ', '[', ']'])
        .filter(|c| c.starts_with("APPENDLIMIT"))
        .collect()
}

// RFC 7889 2 (a): APPENDLIMIT=<number> when every mailbox has the same limit, in the
// greeting's CAPABILITY and the CAPABILITY response alike; 5: the number is in octets.
#[test]
fn advertised_with_the_limit() {
    let (_dir, _md, mut c, greeting) = start("appendlimit-cap", None);
    assert_eq!(limits(&greeting), ["APPENDLIMIT=268435456"], "{greeting}");
    let lines = c.expect("a CAPABILITY", "OK");
    assert_eq!(limits(&lines[0]), ["APPENDLIMIT=268435456"], "{lines:?}");

    let (_dir, _md, mut c, greeting) = start("appendlimit-cap-env", Some("5000"));
    assert_eq!(limits(&greeting), ["APPENDLIMIT=5000"], "{greeting}");
    let lines = c.expect("a CAPABILITY", "OK");
    assert_eq!(limits(&lines[0]), ["APPENDLIMIT=5000"], "{lines:?}");
}

// RFC 7889 3.1 (STATUS) and 3.2 (LIST-STATUS, RFC 5819), with the RFC's examples.
#[test]
fn status_and_list_status() {
    let (_dir, _md, mut c, _) = start("appendlimit-status", Some("257890"));
    assert_eq!(
        c.expect("t1 STATUS INBOX (APPENDLIMIT)", "OK"),
        [
            "* STATUS INBOX (APPENDLIMIT 257890)",
            "t1 OK STATUS completed"
        ]
    );
    let lines = c.expect("t2 STATUS Sent (MESSAGES APPENDLIMIT)", "OK");
    assert_eq!(lines[0], "* STATUS Sent (MESSAGES 0 APPENDLIMIT 257890)");
    let lines = c.expect("t3 LIST \"\" % RETURN (STATUS (APPENDLIMIT))", "OK");
    for mailbox in ["INBOX", "Sent"] {
        let status = format!("* STATUS {mailbox} (APPENDLIMIT 257890)");
        assert!(lines.contains(&status), "{status} not in {lines:?}");
    }
}

// RFC 7889 4: a message over the limit is refused with a tagged TOOBIG (RFC 4469 4):
// a synchronizing literal never gets its `+`, a non-synchronizing one is read and dropped;
// one of exactly the limit is stored.
#[test]
fn larger_messages_are_toobig() {
    let (_dir, md, mut c, _) = start("appendlimit-append", Some("5000"));
    c.send(b"a APPEND INBOX {5001}\r\n");
    let l = c.line();
    assert!(l.starts_with("a BAD [TOOBIG] "), "{l}");
    let over = format!("Subject: x\r\n\r\n{}", "x".repeat(5001 - 14));
    assert_eq!(over.len(), 5001);
    c.send(format!("b APPEND Sent {{{}+}}\r\n{over}\r\n", over.len()).as_bytes());
    let l = c.line();
    assert!(l.starts_with("b BAD [TOOBIG] "), "{l}");
    assert!(names(&md.join("cur")).is_empty() && names(&md.join("new")).is_empty());

    let fits = &over[1..];
    c.send(format!("c APPEND INBOX {{{}+}}\r\n{fits}\r\n", fits.len()).as_bytes());
    let l = c.line();
    assert!(l.starts_with("c OK [APPENDUID "), "{l}");
    assert_eq!(names(&md.join("cur")).len(), 1);
}
