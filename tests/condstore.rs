//! CONDSTORE (RFC 7162 3.1) and ENABLE (RFC 5161): MODSEQs per message, kept by every
//! flag change whoever makes it, seen across sessions, and never going back.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::time::{Duration, SystemTime};

use fixture::{crlf, Fixture};

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
    let mut s = fixture("enable").session();
    let r = s.ok("ENABLE X-GOOD-IDEA CONDSTORE");
    assert_eq!(r.lines(), ["* ENABLED CONDSTORE"]);
    let r = s.ok("ENABLE condstore");
    assert_eq!(r.lines(), ["* ENABLED"]);
    let r = s.ok("ENABLE X-GOOD-IDEA");
    assert_eq!(r.lines(), ["* ENABLED"]);
    let r = s.cmd("ENABLE");
    assert!(r.status().starts_with("BAD"), "{}", r.tagged);
}
