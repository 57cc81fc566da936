//! Courier's names: under `IMAPD_NAMESPACE=INBOX.` every folder is shown under INBOX with
//! "." as separator, as Courier-IMAP shows a Maildir++ (NAMESPACE `(("INBOX." "."))`,
//! RFC 2342 5), so a client set up against Courier keeps its folder paths (`INBOX.Sent`,
//! `INBOX.Drafts`) after the switch. On disk nothing changes: `INBOX.Sent` is `.Sent/`,
//! where Dovecot finds it too. Every command that names a mailbox is checked here.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::PathBuf;

use common::TempDir;

use fixture::{crlf, utc, Fixture, Session};

/// A Maildir as Courier left it: INBOX with two messages, `.Sent`, `.Drafts`, `.Trash` and
/// `.Lists.imap` (whose parent `.Lists` does not exist), and Courier's subscriptions.
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
    let (dir, md) = f.into_parts();
    for name in ["Sent", "Drafts", "Trash", "Lists.imap"] {
        common::folder(&md, name);
    }
    std::fs::write(
        md.join("courierimapsubscribed"),
        "INBOX\nINBOX.Sent\nINBOX.Drafts\nINBOX.Lists.imap\n",
    )
    .unwrap();
    Store { dir, md }
}

impl Store {
    fn session_in(&self, namespace: Option<&str>) -> Session {
        let mut cmd = common::serve_cmd(&self.dir, Some(&self.md));
        if let Some(ns) = namespace {
            cmd.env("IMAPD_NAMESPACE", ns);
        }
        Session::preauth(cmd)
    }

    /// A session with Courier's names.
    fn courier(&self) -> Session {
        self.session_in(Some("INBOX."))
    }

    fn on_disk(&self, name: &str) -> bool {
        self.md.join(format!(".{name}")).join("cur").is_dir()
    }
}

// RFC 2342 5: the personal namespace's prefix and separator; Courier-IMAP answers so.
#[test]
fn namespace_says_inbox_dot() {
    let st = store("ns-namespace");
    let r = st.courier().ok("NAMESPACE");
    assert_eq!(r.lines(), ["* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL"]);
    let r = st.session_in(None).ok("NAMESPACE");
    assert_eq!(r.lines(), ["* NAMESPACE ((\"\" \".\")) NIL NIL"]);
}

// RFC 3501 6.3.8: the hierarchy under INBOX; INBOX has children, a level with no folder
// of its own is \Noselect; `%` stops at the separator.
#[test]
fn list_shows_every_folder_under_inbox() {
    let st = store("ns-list");
    let mut s = st.courier();
    let r = s.ok("LIST \"\" *");
    assert_eq!(
        r.lines(),
        [
            "* LIST (\\HasChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren \\Drafts) \".\" INBOX.Drafts",
            "* LIST (\\Noselect \\HasChildren) \".\" INBOX.Lists",
            "* LIST (\\HasNoChildren) \".\" INBOX.Lists.imap",
            "* LIST (\\HasNoChildren \\Sent) \".\" INBOX.Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" INBOX.Trash",
        ]
    );
    let r = s.ok("LIST \"\" %");
    assert_eq!(r.lines(), ["* LIST (\\HasChildren) \".\" INBOX"]);
    let r = s.ok("LIST \"INBOX.\" %");
    assert_eq!(r.starting("* LIST").len(), 4, "{:?}", r.lines());
    let r = s.ok("LIST (SPECIAL-USE) \"\" *");
    assert_eq!(
        r.lines(),
        [
            "* LIST (\\HasNoChildren \\Drafts) \".\" INBOX.Drafts",
            "* LIST (\\HasNoChildren \\Sent) \".\" INBOX.Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" INBOX.Trash",
        ]
    );
    // The names Dovecot's view would have are not there.
    let r = s.ok("LIST \"\" Sent");
    assert!(r.lines().is_empty(), "{:?}", r.lines());
}

// RFC 3501 6.3.9: Courier's subscriptions, in Courier's names.
#[test]
fn lsub_and_subscribe() {
    let st = store("ns-lsub");
    let mut s = st.courier();
    let r = s.ok("LSUB \"\" *");
    assert_eq!(
        r.lines(),
        [
            "* LSUB () \".\" INBOX",
            "* LSUB () \".\" INBOX.Drafts",
            "* LSUB () \".\" INBOX.Lists.imap",
            "* LSUB () \".\" INBOX.Sent",
        ]
    );
    s.ok("SUBSCRIBE INBOX.Trash");
    s.ok("UNSUBSCRIBE INBOX.Drafts");
    let r = s.ok("LIST (SUBSCRIBED) \"\" \"INBOX.*\"");
    let names: Vec<String> = r.lines();
    assert!(
        names.iter().any(|l| l.ends_with(" INBOX.Trash")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|l| l.ends_with(" INBOX.Drafts")),
        "{names:?}"
    );
    // The same subscriptions in Dovecot's names, for a session without the setting.
    let r = st.session_in(None).ok("LSUB \"\" *");
    assert!(
        r.lines().contains(&"* LSUB () \".\" Trash".to_string()),
        "{:?}",
        r.lines()
    );
}

// SELECT, STATUS, APPEND, COPY and MOVE by Courier's names; the files land in `.Sent/`.
#[test]
fn mail_moves_by_courier_names() {
    let st = store("ns-mail");
    let mut s = st.courier();
    let r = s.ok("STATUS INBOX.Sent (MESSAGES)");
    assert_eq!(r.lines(), ["* STATUS INBOX.Sent (MESSAGES 0)"]);
    let r = s.ok("APPEND INBOX.Drafts {19+}\r\nSubject: draft\r\n\r\n.");
    assert!(r.status().contains("[APPENDUID "), "{r:?}");
    assert_eq!(common::names(&st.md.join(".Drafts/cur")).len(), 1);
    s.ok("SELECT INBOX");
    let r = s.ok("COPY 1 INBOX.Sent");
    assert!(r.status().contains("[COPYUID "), "{r:?}");
    s.ok("MOVE 2 INBOX.Trash");
    assert_eq!(common::names(&st.md.join(".Sent/cur")).len(), 1);
    assert_eq!(common::names(&st.md.join(".Trash/cur")).len(), 1);
    let r = s.ok("SELECT INBOX.Trash");
    assert!(r.starting("* 1 EXISTS").len() == 1, "{:?}", r.lines());
    // TRYCREATE names a mailbox that could be created; a name outside INBOX. never can.
    let r = s.cmd("COPY 1 INBOX.Archive");
    assert!(r.status().starts_with("NO [TRYCREATE]"), "{r:?}");
    for command in ["COPY 1 Sent", "SELECT Sent", "STATUS Sent (MESSAGES)"] {
        let r = s.cmd(command);
        assert!(r.status().starts_with("NO [CANNOT]"), "{command}: {r:?}");
    }
    let r = s.cmd("APPEND Sent {1+}\r\n.");
    assert!(r.status().starts_with("NO [CANNOT]"), "{r:?}");
    s.ok("NOOP");
}

// CREATE, RENAME and DELETE by Courier's names; on disk they are Maildir++'s, so Dovecot
// (and a session without the setting) sees the same folders.
#[test]
fn folders_made_and_renamed_by_courier_names() {
    let st = store("ns-folders");
    let mut s = st.courier();
    s.ok("CREATE INBOX.Projects.2024");
    assert!(st.on_disk("Projects.2024"));
    s.ok("RENAME INBOX.Projects.2024 INBOX.Archive.2024");
    assert!(st.on_disk("Archive.2024") && !st.on_disk("Projects.2024"));
    let r = s.ok("LIST \"\" \"INBOX.Archive*\"");
    assert_eq!(
        r.lines(),
        [
            "* LIST (\\Noselect \\HasChildren) \".\" INBOX.Archive",
            "* LIST (\\HasNoChildren) \".\" INBOX.Archive.2024",
        ]
    );
    for command in ["CREATE Elsewhere", "CREATE INBOX.", "CREATE INBOX.INBOX"] {
        let r = s.cmd(command);
        assert!(r.status().starts_with("NO [CANNOT]"), "{command}: {r:?}");
    }
    assert!(!st.on_disk("Elsewhere") && !st.on_disk("INBOX"));
    let r = s.cmd("RENAME INBOX.Archive.2024 Archive");
    assert!(r.status().starts_with("NO [CANNOT]"), "{r:?}");
    s.ok("DELETE INBOX.Archive.2024");
    assert!(!st.on_disk("Archive.2024"));
    let r = st.session_in(None).ok("LIST \"\" *");
    assert!(r
        .lines()
        .contains(&"* LIST (\\HasNoChildren \\Sent) \".\" Sent".to_string()));
}

// RFC 9051 6.3.2 under IMAP4rev2, and UTF-8 names (RFC 6855 3) under INBOX. alike.
#[test]
fn with_imap4rev2_and_utf8() {
    let st = store("ns-rev2");
    let mut s = st.courier();
    s.ok("ENABLE IMAP4rev2");
    let r = s.ok("SELECT INBOX.Sent");
    assert_eq!(
        r.starting("* LIST"),
        ["* LIST (\\HasNoChildren \\Sent) \".\" INBOX.Sent"]
    );
    let r = s.ok("SELECT INBOX");
    assert_eq!(r.starting("* LIST"), ["* LIST (\\HasChildren) \".\" INBOX"]);
    s.ok("CREATE \"INBOX.Entw\u{fc}rfe\"");
    assert!(st.on_disk("Entw&APw-rfe"));
    let r = s.ok("LIST \"\" \"INBOX.Entw*\"");
    assert_eq!(
        r.lines(),
        ["* LIST (\\HasNoChildren) \".\" \"INBOX.Entw\u{fc}rfe\""]
    );
}

// RFC 4469 5 with RFC 5092: a CATENATE URL names its mailbox in the client's namespace.
#[test]
fn catenate_urls_name_courier_mailboxes() {
    let st = store("ns-catenate");
    let mut s = st.courier();
    s.ok("SELECT INBOX");
    s.ok("COPY 2 INBOX.Sent");
    let r = s.ok("APPEND INBOX.Drafts CATENATE (URL \"/INBOX.Sent/;UID=1/;SECTION=TEXT\")");
    assert!(r.status().contains("[APPENDUID "), "{r:?}");
    let r = s.cmd("APPEND INBOX.Drafts CATENATE (URL \"/Sent/;UID=1\")");
    assert!(r.status().starts_with("NO [BADURL"), "{r:?}");
}

// A value other than empty or INBOX. is the administrator's mistake: the session does
// not start, and the log says why (exit 111: temporary, as the login role takes it).
#[test]
fn another_prefix_is_refused() {
    let st = store("ns-bad");
    let mut cmd = common::serve_cmd(&st.dir, Some(&st.md));
    cmd.env("IMAPD_NAMESPACE", "Mail/");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(111));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("IMAPD_NAMESPACE"), "{log}");
}
