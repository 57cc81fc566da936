//! The grammar check of tests/common/grammar.rs can fail: malformed responses and commands
//! are caught, however the bytes arrive, and only the named exceptions pass.

mod common;

use common::grammar::Grammar;

/// A checker past the greeting.
fn greeted() -> Grammar {
    let mut g = Grammar::new();
    g.server(b"* PREAUTH ready\r\n")
        .expect("a PREAUTH greeting");
    g
}

#[test]
fn a_malformed_response_is_caught() {
    let mut g = greeted();
    g.server(b"* 1 FETCH (FLAGS (\\Seen))\r\n").unwrap();
    // RFC 3501 9: msg-att needs its parentheses.
    let e = g.server(b"* 1 FETCH FLAGS (\\Seen)\r\n").unwrap_err();
    assert!(e.contains("* 1 FETCH FLAGS"), "{e}");
    // A bare LF ends no response line (RFC 3501 2.2.2).
    assert!(greeted().server(b"a OK done\n").is_err());
}

#[test]
fn a_malformed_greeting_is_caught() {
    assert!(Grammar::new().server(b"* HELLO there\r\n").is_err());
}

#[test]
fn responses_are_framed_across_reads_and_literals() {
    let mut g = greeted();
    // The literal holds a line that would be no response of its own.
    let resp = b"* 1 FETCH (BODY[] {12}\r\nbad line\r\n\r\n UID 5)\r\n";
    for chunk in resp.chunks(3) {
        g.server(chunk).unwrap();
    }
    // One byte short in the announcement, and the rest is no longer IMAP.
    let short = b"* 1 FETCH (BODY[] {11}\r\nbad line\r\n\r\n UID 5)\r\n";
    assert!(greeted().server(short).is_err());
}

#[test]
fn only_named_exceptions_pass() {
    let mut g = greeted();
    g.server(b"* ESEARCH (TAG \"a\") COUNT 2\r\n").unwrap();
    g.server(b"* 1 FETCH (UID 1 WHATEVER NIL)\r\n").unwrap_err();
}

#[test]
fn items_imap_codec_lacks_are_checked_through_stand_ins() {
    let mut g = greeted();
    g.server(b"* 1 FETCH (UID 1 SAVEDATE NIL)\r\n").unwrap();
    g.server(b"* 1 FETCH (SAVEDATE \" 3-Dec-2026 10:11:00 +0000\" EMAILID (M1a-_))\r\n")
        .unwrap();
    g.server(b"* 2 FETCH (THREADID NIL PREVIEW {3}\r\nabc BINARY[1]<4> ~{1}\r\n\x00)\r\n")
        .unwrap();
    g.server(b"* STATUS INBOX (MAILBOXID (abc) APPENDLIMIT 10)\r\n")
        .unwrap();
    // The values are still judged, and so is the rest of the response.
    g.server(b"* 1 FETCH (SAVEDATE \"3 Dec 2026\")\r\n")
        .unwrap_err();
    g.server(b"* 1 FETCH (EMAILID (M1!))\r\n").unwrap_err();
    g.server(b"* 1 FETCH (PREVIEW NIL UID 0)\r\n").unwrap_err();
    g.server(b"* STATUS INBOX (APPENDLIMIT x)\r\n").unwrap_err();
}

#[test]
fn malformed_commands_are_caught_unless_unchecked() {
    let mut g = greeted();
    g.client(b"a SELECT INBOX\r\n").unwrap();
    assert!(g.client(b"b SELECT\r\n").is_err());
    let mut g = greeted();
    g.unchecked_commands();
    g.client(b"b SELECT\r\n").unwrap();
}

#[test]
fn idle_done_and_authenticate_lines_are_no_commands() {
    let mut g = greeted();
    g.client(b"a IDLE\r\n").unwrap();
    g.client(b"DONE\r\n").unwrap();
    assert!(g.client(b"DONE\r\n").is_err(), "DONE outside IDLE");
    let mut g = greeted();
    g.client(b"b AUTHENTICATE PLAIN\r\n").unwrap();
    g.server(b"+ \r\n").unwrap();
    g.client(b"AGpvZQBwdw==\r\n").unwrap();
    g.server(b"b OK done\r\n").unwrap();
    assert!(
        g.client(b"AGpvZQBwdw==\r\n").is_err(),
        "SASL data after the tagged OK"
    );
}

#[test]
fn a_refused_literal_ends_its_command() {
    let mut g = greeted();
    g.client(b"a APPEND INBOX {999999}\r\n").unwrap();
    g.server(b"a NO [TOOBIG] too big\r\n").unwrap();
    // The client sent no literal: this is a command, not literal data.
    g.client(b"b NOOP\r\n").unwrap();
    assert!(g.client(b"c NOOP extra\r\n").is_err());
}
