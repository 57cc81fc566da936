//! IMAP4rev2 (RFC 9051) beside IMAP4rev1: both are advertised, and a client that issues
//! `ENABLE IMAP4rev2` gets IMAP4rev2's responses (Appendix A). Each test names the item
//! of Appendix E ("Changes from RFC 3501") it checks; a session that did not enable it
//! keeps IMAP4rev1's answers, checked beside.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::PathBuf;

use common::TempDir;

use fixture::{crlf, utc, Fixture, Session};

/// A Maildir whose INBOX holds UID 1 (\Seen), UID 2 (unseen) and UID 3 (in `new/`, so
/// \Recent for the first session to select it); UIDVALIDITY 1234567. A folder `Sent`
/// with a child `Sent.2024`, and `Lists.imap` without its parent `Lists`.
struct Store {
    dir: TempDir,
    md: PathBuf,
}

fn store(name: &str) -> Store {
    let mut f = Fixture::new(name);
    let at = utc(2024, 5, 1, 10, 0, 0);
    f.add(
        1,
        "S",
        &crlf(b"From: a@example.org\nSubject: one\n\nOne.\n"),
        at,
    );
    f.add(
        2,
        "",
        &crlf(b"From: b@example.org\nSubject: two\n\nTwo.\n"),
        at,
    );
    f.add_new(
        3,
        &crlf(b"From: c@example.org\nSubject: three\n\nThree.\n"),
        at,
    );
    let (dir, md) = f.into_parts();
    for name in ["Sent", "Sent.2024", "Lists.imap"] {
        common::folder(&md, name);
    }
    Store { dir, md }
}

impl Store {
    /// A session in the authenticated state, where ENABLE belongs (RFC 9051 6.3.1).
    fn rev1(&self) -> Session {
        Session::preauth(common::serve_cmd(&self.dir, Some(&self.md)))
    }

    /// [`Store::rev1`] after `ENABLE IMAP4rev2`.
    fn rev2(&self) -> Session {
        let mut s = self.rev1();
        let r = s.ok("ENABLE IMAP4rev2");
        assert_eq!(r.lines(), ["* ENABLED IMAP4rev2"]);
        s
    }
}

// RFC 9051 Appendix A: "An implementation that wants to remain compatible with IMAP4rev1
// can advertise both"; 6.3.1: ENABLED lists what this command enabled, so a second
// ENABLE lists nothing.
#[test]
fn both_revisions_advertised_and_enabled_once() {
    let st = store("rev2-caps");
    let mut s = st.rev1();
    let caps = common::capabilities(&s.ok("CAPABILITY").starting("* CAPABILITY")[0]);
    assert!(caps.contains(&"IMAP4rev1".to_string()), "{caps:?}");
    assert!(caps.contains(&"IMAP4rev2".to_string()), "{caps:?}");
    let r = s.ok("ENABLE IMAP4rev2");
    assert_eq!(r.lines(), ["* ENABLED IMAP4rev2"]);
    let r = s.ok("ENABLE IMAP4rev2");
    assert_eq!(r.lines(), ["* ENABLED"]);
}

// Appendix E 10, 11, 12 and RFC 9051 6.3.2: SELECT answers with the mailbox's LIST, and
// with neither RECENT nor [UNSEEN]; IMAP4rev1 keeps both (RFC 3501 6.3.1).
#[test]
fn select_lists_the_mailbox_and_drops_recent_and_unseen() {
    let st = store("rev2-select");
    let mut old = st.rev1();
    let r = old.ok("EXAMINE INBOX");
    assert_eq!(r.starting("* 1 RECENT").len(), 1, "{:?}", r.lines());
    assert_eq!(r.starting("* OK [UNSEEN 2]").len(), 1, "{:?}", r.lines());
    assert!(r.starting("* LIST").is_empty(), "{:?}", r.lines());

    let mut s = st.rev2();
    let r = s.ok("SELECT INBOX");
    assert_eq!(
        r.starting("* LIST"),
        ["* LIST (\\HasNoChildren) \".\" INBOX"]
    );
    assert!(r.starting("* 3 EXISTS").len() == 1, "{:?}", r.lines());
    assert!(
        r.lines()
            .iter()
            .all(|l| !l.contains("RECENT") && !l.contains("[UNSEEN")),
        "{:?}",
        r.lines()
    );
    assert!(r.status().starts_with("OK [READ-WRITE]"), "{r:?}");
    // The attributes are LIST's: children and special use (RFC 9051 6.3.2: "MUST be
    // accurate"); Appendix E 9: the previous mailbox is closed with [CLOSED] first.
    let r = s.ok("EXAMINE Sent");
    let lines = r.lines();
    assert!(lines[0].starts_with("* OK [CLOSED]"), "{lines:?}");
    assert_eq!(
        r.starting("* LIST"),
        ["* LIST (\\HasChildren \\Sent) \".\" Sent"]
    );
    // The name as LIST spells it, whatever case the client gave INBOX in.
    let r = s.ok("EXAMINE inbox");
    assert_eq!(
        r.starting("* LIST"),
        ["* LIST (\\HasNoChildren) \".\" INBOX"]
    );
}

// Appendix E 4 and RFC 9051 6.4.4: SEARCH answers with ESEARCH, ALL when no result option
// is given, and ESEARCH with no ALL when nothing matches ("it still MUST send the ESEARCH
// response"); UID SEARCH marks it UID. SORT (RFC 5256) keeps its own response.
#[test]
fn search_answers_with_esearch() {
    let st = store("rev2-search");
    let mut s = st.rev2();
    s.ok("EXAMINE INBOX");
    let r = s.run("A1 SEARCH UNSEEN");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A1\") ALL 2:3"]);
    let r = s.run("A2 UID SEARCH ALL");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A2\") UID ALL 1:3"]);
    let r = s.run("A3 SEARCH SUBJECT nowhere");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A3\")"]);
    let r = s.run("A4 SEARCH RETURN (COUNT) SEEN");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A4\") COUNT 1"]);
    // CHARSET stays in IMAP4rev2's grammar (RFC 9051 9, "search-program").
    let r = s.run("A5 SEARCH CHARSET UTF-8 SUBJECT two");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A5\") ALL 2"]);
    let r = s.ok("SORT (SUBJECT) UTF-8 ALL");
    assert_eq!(r.lines(), ["* SORT 1 3 2"]);

    let mut old = st.rev1();
    old.ok("EXAMINE INBOX");
    let r = old.ok("SEARCH UNSEEN");
    assert_eq!(r.lines(), ["* SEARCH 2 3"]);
}

// Appendix E 12 and RFC 9051 2.3.2: "\Recent ... is now deprecated": an IMAP4rev2 session
// is not shown it, though the message is recent for it (RFC 3501's SEARCH RECENT still
// finds it, for a client that asks).
#[test]
fn no_recent_flag() {
    let st = store("rev2-recent");
    let mut s = st.rev2();
    s.ok("SELECT INBOX");
    let r = s.ok("FETCH 3 FLAGS");
    assert_eq!(r.lines(), ["* 3 FETCH (FLAGS ())"]);
    let r = s.run("A1 SEARCH RECENT");
    assert_eq!(r.lines(), ["* ESEARCH (TAG \"A1\") ALL 3"]);
}

// Appendix E 21 and RFC 9051 7.5.2: "If the server chooses to send unsolicited FETCH
// responses, they MUST include UID FETCH item", and new mail comes without RECENT.
#[test]
fn unsolicited_fetches_carry_the_uid() {
    let st = store("rev2-updates");
    let mut s = st.rev2();
    s.ok("SELECT INBOX");
    let mut other = st.rev1();
    other.ok("SELECT INBOX");
    other.ok("STORE 2 +FLAGS (\\Flagged)");
    let r = s.ok("NOOP");
    assert_eq!(r.lines(), ["* 2 FETCH (UID 2 FLAGS (\\Flagged))"]);
    // A \Seen set by FETCH BODY[] is told with the UID too, and so is STORE's answer.
    let r = s.ok("FETCH 2 BODY[TEXT]");
    assert_eq!(
        r.lines(),
        ["* 2 FETCH (BODY[TEXT] {6}\r\nTwo.\r\n FLAGS (\\Flagged \\Seen) UID 2)"]
    );
    let r = s.ok("STORE 1 +FLAGS (\\Answered)");
    assert_eq!(r.lines(), ["* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen))"]);
    other.ok("APPEND INBOX {18+}\r\nSubject: four\r\n\r\n.");
    let r = s.ok("NOOP");
    assert_eq!(r.lines(), ["* 4 EXISTS"]);
}

// Appendix E 16 and RFC 9051 5.1: mailbox names are UTF-8; on disk they stay modified
// UTF-7, which IMAP4rev1 sessions are shown (Appendix A.1).
#[test]
fn mailbox_names_in_utf8() {
    let st = store("rev2-utf8");
    let mut s = st.rev2();
    s.ok("CREATE \"Entw\u{fc}rfe\"");
    assert!(st.md.join(".Entw&APw-rfe").join("cur").is_dir());
    let r = s.ok("LIST \"\" \"Entw*\"");
    assert_eq!(
        r.lines(),
        ["* LIST (\\HasNoChildren) \".\" \"Entw\u{fc}rfe\""]
    );
    let r = s.ok("SELECT \"Entw\u{fc}rfe\"");
    assert_eq!(
        r.starting("* LIST"),
        ["* LIST (\\HasNoChildren) \".\" \"Entw\u{fc}rfe\""]
    );
    let mut old = st.rev1();
    let r = old.ok("LIST \"\" \"Entw*\"");
    assert_eq!(r.lines(), ["* LIST (\\HasNoChildren) \".\" Entw&APw-rfe"]);
}

// RFC 9051 6.3.9.6: "such servers SHOULD use the "\NonExistent \HasChildren" attribute
// pair" for a level that exists only through its children; IMAP4rev1's plain LIST says
// \Noselect (RFC 3501 6.3.8).
#[test]
fn a_missing_parent_is_nonexistent() {
    let st = store("rev2-list");
    let mut s = st.rev2();
    let r = s.ok("LIST \"\" \"Lists*\"");
    assert_eq!(
        r.lines(),
        [
            "* LIST (\\NonExistent \\HasChildren) \".\" Lists",
            "* LIST (\\HasNoChildren) \".\" Lists.imap",
        ]
    );
    let mut old = st.rev1();
    let r = old.ok("LIST \"\" Lists");
    assert_eq!(r.lines(), ["* LIST (\\Noselect \\HasChildren) \".\" Lists"]);
}

// Appendix E 8 and RFC 9051 6.4.7: COPY and MOVE do not create the target, and say
// TRYCREATE; Appendix E 3: STATUS has SIZE and DELETED.
#[test]
fn copy_to_nowhere_and_status_items() {
    let st = store("rev2-copy");
    let mut s = st.rev2();
    s.ok("SELECT INBOX");
    for verb in ["COPY", "MOVE"] {
        let r = s.cmd(&format!("{verb} 1 Nowhere"));
        assert!(r.status().starts_with("NO [TRYCREATE]"), "{r:?}");
    }
    assert!(!st.md.join(".Nowhere").exists());
    s.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
    let r = s.ok("STATUS INBOX (MESSAGES DELETED SIZE)");
    let line = &r.starting("* STATUS INBOX (")[0];
    assert!(line.contains("MESSAGES 3 DELETED 1 SIZE "), "{line}");
}
