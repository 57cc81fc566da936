//! Addresses as ENVELOPE gives them and as SEARCH finds them (issue 9, items 4 and 5).
//!
//! - ENVELOPE's personal name (RFC 3501 7.4.2: "addr-name"; RFC 5322 3.2.2 for comments):
//!   RFC 5322 gives a comment no meaning, so this is where the RFC leaves room, and the
//!   answers below are Dovecot 2.3.19's, byte for byte (but for one name Dovecot sends as a
//!   literal, which imapd quotes; both are `nstring`): an addr-spec with no display name is
//!   named by its last comment that is not empty.
//! - SEARCH FROM, TO, CC, BCC (RFC 3501 6.4.4: "contain the specified string in the
//!   envelope structure's FROM field"): the field's text matches, and so does each address
//!   as the envelope holds it, `mailbox@host` with the comments out, and its name. The
//!   results are Dovecot 2.3.19's where it also searches the text; where it searches only
//!   its parsed form and imapd searches the text as well, the test says so.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{utc, Fixture, Session};

const FROMS: [&str; 12] = [
    "user@domain (Real Name)",
    "(Real Name) user@domain",
    "user@domain (First) (Second)",
    "Name <user@domain> (comment)",
    "<user@domain> (comment)",
    "user(c1)@domain(c2)",
    "user@domain (nested (inner) name)",
    "user@domain (quoted \\) pair)",
    "<user-from (comment)@ (comment) domain.org>",
    "a@b (A), c@d (C)",
    "user@domain ()",
    "Group: x@y (X);",
];

fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    for (i, from) in FROMS.iter().enumerate() {
        let msg =
            format!("From: {from}\nTo: {from}\nCc: {from}\nBcc: {from}\nSubject: {i}\n\nbody\n");
        f.add(i as u32 + 1, "", msg.as_bytes(), utc(2024, 1, 1, 0, 0, 0));
    }
    f.session()
}

#[test]
fn envelope_names_an_address_by_its_comment() {
    let mut s = session("envelope-names");
    let r = s.ok("FETCH 1:* ENVELOPE");
    let want = [
        r#"(("Real Name" NIL "user" "domain"))"#,
        r#"((NIL NIL "user" "domain"))"#,
        r#"(("Second" NIL "user" "domain"))"#,
        r#"(("Name" NIL "user" "domain"))"#,
        r#"((NIL NIL "user" "domain"))"#,
        r#"(("c2" NIL "user" "domain"))"#,
        r#"(("nested (inner) name" NIL "user" "domain"))"#,
        r#"(("quoted ) pair" NIL "user" "domain"))"#,
        r#"((NIL NIL "user-from" "domain.org"))"#,
        r#"(("A" NIL "a" "b")("C" NIL "c" "d"))"#,
        r#"((NIL NIL "user" "domain"))"#,
        r#"((NIL NIL "Group" NIL)("X" NIL "x" "y")(NIL NIL NIL NIL))"#,
    ];
    let lines = r.starting("* ");
    assert_eq!(lines.len(), want.len());
    for (i, (line, list)) in lines.iter().zip(want).enumerate() {
        // From, Sender and Reply-To (which default to From), To, Cc, Bcc: all the same list.
        let six = [list; 6].join(" ");
        let expect = format!("* {} FETCH (ENVELOPE (NIL \"{i}\" {six} NIL NIL))", i + 1);
        assert_eq!(line, &expect, "{}", FROMS[i]);
    }
}

#[test]
fn search_matches_the_parsed_addresses() {
    let mut s = session("search-addresses");
    let mut search = |key: &str| -> String {
        let r = s.ok(&format!("SEARCH {key}"));
        r.starting("* SEARCH").join("|")
    };
    // RFC 3501 6.4.4, the issue's example: the address without its comments.
    for key in ["FROM", "TO", "CC", "BCC"] {
        assert_eq!(search(&format!("{key} user-from@domain.org")), "* SEARCH 9");
    }
    // Dovecot 2.3.19 gives the same: `user(c1)@domain(c2)` is user@domain too.
    assert_eq!(search("FROM user@domain"), "* SEARCH 1 2 3 4 5 6 7 8 11");
    // The name that a comment gives (Dovecot: 1 only; imapd also searches the field's
    // text, where message 2 has it in a comment before the address).
    assert_eq!(search("FROM \"real name\""), "* SEARCH 1 2");
    assert_eq!(search("TO \"quoted ) pair\""), "* SEARCH 8");
    assert_eq!(search("CC c@d"), "* SEARCH 10");
    // The text still matches as it is (Dovecot: none, it searches the parsed form only).
    assert_eq!(search("FROM \"user(c1)\""), "* SEARCH 6");
    assert_eq!(search("FROM nomatch@domain"), "* SEARCH");
}
