//! The post-authentication role, `imapd serve [MAILDIR]`, through pipes: greeting, refusal
//! of root, SELECT/EXAMINE on a Maildir with UIDs in `dovecot-uidlist`, NAMESPACE, CLOSE and
//! UNSELECT, LOGOUT and exit statuses.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{
    capabilities, has, is_root, maildir, make_maildir, names, put_message, serve_cmd, session,
    tagged, Client, TempDir,
};

/// The number in `* <n> <what>`.
fn count(c: &Client, lines: &[String], what: &str) -> u32 {
    let suffix = format!(" {what}");
    for l in lines {
        if let Some(n) = l
            .strip_prefix("* ")
            .and_then(|r| r.strip_suffix(&suffix))
            .and_then(|n| n.parse().ok())
        {
            return n;
        }
    }
    c.fail(&format!("no `* n {what}` in {lines:?}"))
}

/// The number in a `* OK [<code> n]` response, if any.
fn code(lines: &[String], code: &str) -> Option<u32> {
    let prefix = format!("* OK [{code} ");
    lines.iter().find_map(|l| {
        let r = l.strip_prefix(&prefix)?;
        r[..r.find(']')?].parse().ok()
    })
}

/// Three messages in cur/ (the second unseen) and two in new/.
fn populate(md: &Path) {
    put_message(md, "cur", "1700000000.M1P1.host,S=10:2,S");
    put_message(md, "cur", "1700000001.M2P1.host,S=10:2,");
    put_message(md, "cur", "1700000002.M3P1.host,S=10:2,RS");
    put_message(md, "new", "1700000003.M4P1.host,S=10");
    put_message(md, "new", "1700000004.M5P1.host,S=10");
}

/// The `dovecot-uidlist` header: `3 V<uidvalidity> N<nextuid> G<32 hex>`.
fn uidlist_header(md: &Path) -> (u32, u32) {
    let text = std::fs::read_to_string(md.join("dovecot-uidlist")).expect("dovecot-uidlist");
    let header = text.lines().next().unwrap_or("");
    let fields: Vec<&str> = header.split(' ').collect();
    assert_eq!(fields.first(), Some(&"3"), "header {header:?}");
    let field = |p: char| {
        fields
            .iter()
            .find_map(|f| f.strip_prefix(p))
            .unwrap_or_else(|| panic!("no {p} field in {header:?}"))
    };
    let g = field('G');
    assert!(
        g.len() == 32 && g.bytes().all(|b| b.is_ascii_hexdigit()),
        "GUID {g:?} in {header:?}"
    );
    let v = field('V').parse().expect("V number");
    let n = field('N').parse().expect("N number");
    (v, n)
}

// `imapd serve` refuses to run as root (exit 100, a message on stderr, nothing to the
// client): a session must run as the user the checker set up.
#[test]
fn refuses_root() {
    if !is_root() {
        eprintln!("not root: cannot check the refusal of uid 0");
        return;
    }
    let (dir, md) = maildir("root");
    let mut cmd = std::process::Command::new(common::imapd());
    cmd.arg("serve").arg(&md).env_clear().current_dir(&dir.path);
    let mut c = Client::spawn(cmd);
    let rest = c.rest();
    assert!(rest.is_empty(), "root got a session: {rest:?}");
    assert_eq!(c.wait().code(), Some(100));
    assert!(c.stderr().contains("root"), "stderr: {:?}", c.stderr());
}

// RFC 3501 7.1.4 (PREAUTH greeting) and 7.1 (CAPABILITY response code): without
// IMAPLOGINTAG the session starts already authenticated.
#[test]
fn preauth_greeting_with_capabilities() {
    let (dir, md) = maildir("preauth");
    let mut c = Client::spawn(serve_cmd(&dir, Some(&md)));
    let g = c.line();
    assert!(g.starts_with("* PREAUTH [CAPABILITY "), "{g:?}");
    let caps = capabilities(&g);
    assert!(caps.iter().any(|c| c == "IMAP4rev1"), "{g:?}");
    // RFC 3501 6.2.3/7.2.1: nothing about logging in once logged in.
    assert!(
        !caps
            .iter()
            .any(|c| c == "LOGINDISABLED" || c.starts_with("AUTH=") || c == "STARTTLS"),
        "{g:?}"
    );
    // RFC 3501 6.1.1: CAPABILITY answers the same list.
    let lines = c.expect("a CAPABILITY", "OK");
    let line = lines
        .iter()
        .find(|l| l.starts_with("* CAPABILITY "))
        .unwrap();
    assert_eq!(capabilities(line), caps);
    c.expect("b NOOP", "OK");
}

// RFC 3501 6.2.3 (LOGIN's tagged OK, with a CAPABILITY code, RFC 3501 7.1): with
// IMAPLOGINTAG the session answers the login role's tag and sends no greeting of its own.
#[test]
fn imaplogintag_answers_the_login() {
    let (dir, md) = maildir("logintag");
    let mut cmd = serve_cmd(&dir, Some(&md));
    cmd.env("IMAPLOGINTAG", "x");
    let mut c = Client::spawn(cmd);
    let l = c.line();
    assert!(l.starts_with("x OK [CAPABILITY "), "{l:?}");
    assert!(l.ends_with("Logged in"), "{l:?}");
    assert!(capabilities(&l).iter().any(|c| c == "IMAP4rev1"));
    let lines = c.expect("y SELECT INBOX", "OK [READ-WRITE]");
    assert!(!has(&lines, "* PREAUTH"), "{lines:?}");
}

// DESIGN 1: a missing Maildir is created (tmp/, new/, cur/), also from $MAILDIR or the
// default MAILDIR.IMAP; RFC 3501 6.3.1: an empty INBOX has 0 EXISTS.
#[test]
fn missing_maildir_is_created() {
    let dir = TempDir::new("create");
    let md = dir.join("Mail.new");
    let mut c = session(&dir, &md);
    for sub in ["tmp", "new", "cur"] {
        assert!(md.join(sub).is_dir(), "{sub}/ not created");
    }
    let lines = c.expect("a SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 0);
    assert_eq!(count(&c, &lines, "RECENT"), 0);
    assert!(code(&lines, "UNSEEN").is_none(), "{lines:?}");
    assert_eq!(code(&lines, "UIDNEXT"), Some(1));
    drop(c);

    // $MAILDIR when there is no argument.
    let mut cmd = serve_cmd(&dir, None);
    cmd.env("MAILDIR", dir.join("FromEnv"));
    let mut c = Client::spawn(cmd);
    assert!(c.line().starts_with("* PREAUTH"));
    assert!(dir.join("FromEnv/cur").is_dir());
    drop(c);

    // Else MAILDIR.IMAP in the working directory ($HOME).
    let mut c = Client::spawn(serve_cmd(&dir, None));
    assert!(c.line().starts_with("* PREAUTH"));
    assert!(dir.join("MAILDIR.IMAP/cur").is_dir());
    assert!(dir.join("MAILDIR.IMAP/new").is_dir());
    assert!(dir.join("MAILDIR.IMAP/tmp").is_dir());
}

// RFC 3501 6.3.1 (SELECT: FLAGS, EXISTS, RECENT, UNSEEN, PERMANENTFLAGS, UIDNEXT, UIDVALIDITY,
// READ-WRITE), 2.3.2 (\Recent: first session to see the message), 7.3.1, 7.3.2; RFC 3501
// 2.3.1.1: UIDVALIDITY stable across sessions; Dovecot's dovecot-uidlist holds it.
#[test]
fn select_inbox_counts_and_uids() {
    let (dir, md) = maildir("select");
    populate(&md);
    let mut c = session(&dir, &md);
    let lines = c.expect("a SELECT INBOX", "OK [READ-WRITE]");
    assert!(
        has(
            &lines,
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
        ),
        "{lines:?}"
    );
    assert!(has(&lines, "* OK [PERMANENTFLAGS ("), "{lines:?}");
    assert_eq!(count(&c, &lines, "EXISTS"), 5);
    assert_eq!(count(&c, &lines, "RECENT"), 2);
    // UIDs in name order: the second message is the first unseen; the new ones are unseen too.
    assert_eq!(code(&lines, "UNSEEN"), Some(2), "{lines:?}");
    let uidvalidity = code(&lines, "UIDVALIDITY").expect("UIDVALIDITY");
    assert!(uidvalidity > 0);
    assert_eq!(code(&lines, "UIDNEXT"), Some(6), "{lines:?}");
    // The new messages moved to cur/ (Maildir: a reader moves what it has seen).
    assert!(
        names(&md.join("new")).is_empty(),
        "{:?}",
        names(&md.join("new"))
    );
    assert_eq!(names(&md.join("cur")).len(), 5);
    assert_eq!(uidlist_header(&md), (uidvalidity, 6));
    c.expect("b LOGOUT", "OK");
    c.expect_eof();
    drop(c);

    // A second session: the same UIDs, nothing recent any more (RFC 3501 2.3.2).
    let mut c = session(&dir, &md);
    let lines = c.expect("a SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 5);
    assert_eq!(count(&c, &lines, "RECENT"), 0);
    assert_eq!(code(&lines, "UNSEEN"), Some(2), "{lines:?}");
    assert_eq!(code(&lines, "UIDVALIDITY"), Some(uidvalidity));
    assert_eq!(code(&lines, "UIDNEXT"), Some(6));
    assert_eq!(uidlist_header(&md), (uidvalidity, 6));

    // Mail delivered meanwhile gets the next UID (RFC 3501 2.3.1.1: strictly ascending).
    put_message(&md, "new", "1700000009.M9P1.host,S=10");
    dir.give_to_nobody();
    let lines = c.expect("b SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 6);
    assert_eq!(count(&c, &lines, "RECENT"), 1);
    assert_eq!(code(&lines, "UIDVALIDITY"), Some(uidvalidity));
    assert_eq!(code(&lines, "UIDNEXT"), Some(7));
}

// RFC 3501 2.3.1.1 and DESIGN 3: an existing dovecot-uidlist is honoured (Dovecot wrote it):
// its UIDVALIDITY and next UID are used, and new mail is numbered from there.
#[test]
fn existing_dovecot_uidlist_is_used() {
    let (dir, md) = maildir("uidlist");
    put_message(&md, "cur", "1600000000.M1P1.host:2,S");
    put_message(&md, "cur", "1600000001.M2P1.host:2,S");
    put_message(&md, "new", "1600000002.M3P1.host");
    std::fs::write(
        md.join("dovecot-uidlist"),
        "3 V1234567 N40 G0123456789abcdef0123456789abcdef\n\
         17 :1600000000.M1P1.host:2,S\n\
         23 :1600000001.M2P1.host:2,S\n",
    )
    .unwrap();
    let mut c = session(&dir, &md);
    let lines = c.expect("a EXAMINE INBOX", "OK [READ-ONLY]");
    assert_eq!(count(&c, &lines, "EXISTS"), 3);
    assert_eq!(code(&lines, "UIDVALIDITY"), Some(1234567), "{lines:?}");
    assert_eq!(code(&lines, "UIDNEXT"), Some(41), "{lines:?}");
    assert_eq!(code(&lines, "UNSEEN"), Some(3), "{lines:?}");
    assert_eq!(uidlist_header(&md), (1234567, 41));
}

// RFC 3501 6.3.2: EXAMINE is SELECT read-only, `[READ-ONLY]`, and changes nothing: messages
// stay in new/. They are \Recent here and stay so for the next session (RFC 3501 2.3.2:
// "if the session is read-write, subsequent sessions will not see \Recent").
#[test]
fn examine_is_read_only_and_leaves_new_alone() {
    let (dir, md) = maildir("examine");
    populate(&md);
    let mut c = session(&dir, &md);
    let lines = c.expect("a EXAMINE INBOX", "OK [READ-ONLY]");
    assert_eq!(count(&c, &lines, "EXISTS"), 5);
    assert_eq!(count(&c, &lines, "RECENT"), 2);
    assert_eq!(code(&lines, "UNSEEN"), Some(2), "{lines:?}");
    let uidvalidity = code(&lines, "UIDVALIDITY").expect("UIDVALIDITY");
    assert_eq!(code(&lines, "UIDNEXT"), Some(6));
    assert_eq!(
        names(&md.join("new")).len(),
        2,
        "EXAMINE moved new/ messages"
    );
    assert_eq!(names(&md.join("cur")).len(), 3);
    drop(c);

    let mut c = session(&dir, &md);
    let lines = c.expect("a SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 5);
    assert_eq!(count(&c, &lines, "RECENT"), 2);
    assert_eq!(code(&lines, "UIDVALIDITY"), Some(uidvalidity));
    assert_eq!(code(&lines, "UIDNEXT"), Some(6));
}

// RFC 3501 6.3.1 and RFC 5530 3 (NONEXISTENT): SELECT of a mailbox that does not exist is NO,
// and leaves no mailbox selected (a failed SELECT returns to the authenticated state).
#[test]
fn select_missing_folder_is_nonexistent() {
    let (dir, md) = maildir("nonexistent");
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK [READ-WRITE]");
    c.expect("b SELECT Nope", "NO [NONEXISTENT]");
    c.expect("c EXAMINE Nope.Deeper", "NO [NONEXISTENT]");
    // No mailbox is selected any more (RFC 3501 6.3.1).
    c.expect("d CLOSE", "BAD");
}

// RFC 3501 5.1 and 11.4 (mailbox names must not reach outside the mail store): names with
// `/` or `..` are refused, even where a Maildir exists at the path they point to.
#[test]
fn path_like_names_are_refused() {
    let dir = TempDir::new("names");
    let md = dir.join("a/Maildir");
    make_maildir(&md);
    make_maildir(&dir.join("outside"));
    make_maildir(&md.join(".Sub"));
    let mut c = session(&dir, &md);
    for name in [
        "\"./../outside\"",
        "\"../outside\"",
        "\"/etc\"",
        "a/b",
        "..",
        "\".\"",
        "Sub..x",
        "\"..x\"",
    ] {
        let lines = c.cmd(&format!("t SELECT {name}"));
        let t = tagged(&lines);
        if !(t.starts_with("t NO") || t.starts_with("t BAD")) {
            c.fail(&format!("SELECT {name} was not refused"));
        }
    }
    // A proper folder name still works.
    c.expect("u SELECT Sub", "OK [READ-WRITE]");
}

// RFC 2342 5: one personal namespace with prefix "" and separator ".", no others.
#[test]
fn namespace() {
    let (dir, md) = maildir("namespace");
    let mut c = session(&dir, &md);
    let lines = c.expect("a NAMESPACE", "OK");
    assert!(
        has(&lines, "* NAMESPACE ((\"\" \".\")) NIL NIL"),
        "{lines:?}"
    );
}

// RFC 3501 6.4.2 (CLOSE) and RFC 3691 2 (UNSELECT) are valid only in the selected state;
// RFC 3501 6.4.1 CHECK likewise.
#[test]
fn close_and_unselect_need_a_selection() {
    let (dir, md) = maildir("nosel");
    let mut c = session(&dir, &md);
    c.expect("a CLOSE", "BAD");
    c.expect("b UNSELECT", "BAD");
    c.expect("c SELECT INBOX", "OK");
    c.expect("d UNSELECT", "OK");
    c.expect("e CLOSE", "BAD");
    c.expect("f EXAMINE INBOX", "OK");
    c.expect("g CLOSE", "OK");
    c.expect("h UNSELECT", "BAD");
    c.expect("i NOOP", "OK");
}

/// Messages flagged \Deleted (T), and others.
fn populate_deleted(md: &Path) {
    put_message(md, "cur", "1700000000.M1P1.host,S=10:2,S");
    put_message(md, "cur", "1700000001.M2P1.host,S=10:2,T");
    put_message(md, "cur", "1700000002.M3P1.host,S=10:2,ST");
    put_message(md, "cur", "1700000003.M4P1.host,S=10:2,FS");
}

// RFC 3501 6.4.2: CLOSE on a read-write mailbox removes the messages flagged \Deleted
// ("No untagged EXPUNGE responses are sent"); on a mailbox opened with EXAMINE it removes
// nothing. RFC 3691 2: UNSELECT removes nothing.
#[test]
fn close_expunges_deleted_only_when_read_write() {
    let (dir, md) = maildir("close");
    populate_deleted(&md);
    let mut c = session(&dir, &md);
    c.expect("a EXAMINE INBOX", "OK [READ-ONLY]");
    let lines = c.expect("b CLOSE", "OK");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        names(&md.join("cur")).len(),
        4,
        "CLOSE after EXAMINE removed files"
    );

    c.expect("c SELECT INBOX", "OK [READ-WRITE]");
    c.expect("d UNSELECT", "OK");
    assert_eq!(names(&md.join("cur")).len(), 4, "UNSELECT removed files");

    let lines = c.expect("e SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 4);
    let lines = c.expect("f CLOSE", "OK");
    assert!(!lines.iter().any(|l| l.ends_with("EXPUNGE")), "{lines:?}");
    assert_eq!(
        names(&md.join("cur")),
        [
            "1700000000.M1P1.host,S=10:2,S",
            "1700000003.M4P1.host,S=10:2,FS"
        ]
    );
    let lines = c.expect("g SELECT INBOX", "OK [READ-WRITE]");
    assert_eq!(count(&c, &lines, "EXISTS"), 2);
    assert_eq!(code(&lines, "UIDNEXT"), Some(5), "UIDs must not be reused");
}

// RFC 3501 6.1.3: LOGOUT: `* BYE`, then the tagged OK, then the server closes; the serve
// role exits 0 once the session has started (DESIGN 1).
#[test]
fn logout_says_bye_and_exits_zero() {
    let (dir, md) = maildir("logout");
    let mut c = session(&dir, &md);
    c.send_line("a LOGOUT");
    let l = c.line();
    assert!(l.starts_with("* BYE"), "{l:?}");
    let l = c.line();
    assert!(l.starts_with("a OK"), "{l:?}");
    c.expect_eof();
    assert_eq!(c.wait().code(), Some(0));
}

// RFC 3501 5.5: commands pipelined behind LOGOUT are not run.
#[test]
fn nothing_after_logout() {
    let (dir, md) = maildir("afterlogout");
    let mut c = session(&dir, &md);
    c.send(b"a LOGOUT\r\nb NOOP\r\n");
    let rest = c.rest();
    assert!(has(&rest, "a OK"), "{rest:?}");
    assert!(!has(&rest, "b "), "{rest:?}");
    assert_eq!(c.wait().code(), Some(0));
}

// RFC 3501 5.5: responses to pipelined commands are gathered into few writes, but never
// held back while the server waits for the client: before a synchronizing literal's `+`
// (RFC 3501 7.5) and IDLE's (RFC 2177), the responses to the commands before them arrive.
#[test]
fn pipelined_responses_arrive_before_the_server_waits() {
    let (dir, md) = maildir("pipelined");
    let mut c = session(&dir, &md);
    c.send(b"a NOOP\r\nb NOOP\r\nc APPEND INBOX {8}\r\n");
    let lines = c.until_tagged("b");
    assert!(tagged(&lines).starts_with("b OK"), "{lines:?}");
    let l = c.line();
    assert!(l.starts_with("+ "), "{l:?}");
    c.send(b"Subject:\r\n");
    let lines = c.until_tagged("c");
    assert!(tagged(&lines).starts_with("c OK"), "{lines:?}");
    c.send(b"d SELECT INBOX\r\ne IDLE\r\n");
    let lines = c.until_tagged("d");
    assert!(tagged(&lines).starts_with("d OK"), "{lines:?}");
    let l = c.line();
    assert!(l.starts_with("+ "), "{l:?}");
    c.send(b"DONE\r\n");
    let lines = c.until_tagged("e");
    assert!(tagged(&lines).starts_with("e OK"), "{lines:?}");
    // Fifty pipelined commands, one write: every response, in order.
    let many: String = (1..=50).map(|i| format!("f{i} NOOP\r\n")).collect();
    c.send(many.as_bytes());
    for i in 1..=50 {
        let lines = c.until_tagged(&format!("f{i}"));
        assert!(tagged(&lines).starts_with(&format!("f{i} OK")), "{lines:?}");
    }
    c.send_line("z LOGOUT");
    let _ = c.rest();
    assert_eq!(c.wait().code(), Some(0));
}

// DESIGN 1: once the session started, the serve role exits 0 however it ends; exit 1 would
// mean "password refused" to the login role. Client hangs up, with and without a mailbox
// selected, and after a half-sent command.
#[test]
fn client_hangup_exits_zero() {
    for input in [
        &b""[..],
        b"a SELECT INBOX\r\n",
        b"a SELECT {5}\r\n",
        b"a NOOP",
    ] {
        let (dir, md) = maildir("hangup");
        let mut c = session(&dir, &md);
        c.send(input);
        c.close_stdin();
        let _ = c.rest();
        assert_eq!(c.wait().code(), Some(0), "after {:?}", common::show(input));
    }
}

// RFC 3501 5.4 (autologout timer): SESSION_TIMEOUT ends an idle session, with status 0.
#[test]
fn session_timeout_exits_zero() {
    let (dir, md) = maildir("sessiontimeout");
    let mut cmd = serve_cmd(&dir, Some(&md));
    cmd.env("SESSION_TIMEOUT", "1");
    let mut c = Client::spawn(cmd);
    assert!(c.line().starts_with("* PREAUTH"));
    let rest = c.rest();
    assert!(rest.iter().all(|l| l.starts_with("* BYE")), "{rest:?}");
    assert_eq!(c.wait_within(Duration::from_secs(10)).code(), Some(0));
}

// The end of the connection during IDLE (RFC 2177) ends the session as the client's doing:
// at the autologout timer one BYE (RFC 3501 5.4), at a hang-up none, and never an internal
// error.
#[test]
fn idle_ends_by_timeout_or_hangup_as_a_connection_end() {
    let (dir, md) = maildir("idleend");
    let mut cmd = serve_cmd(&dir, Some(&md));
    cmd.env("SESSION_TIMEOUT", "1");
    let mut c = Client::spawn(cmd);
    assert!(c.line().starts_with("* PREAUTH"));
    c.expect("a SELECT INBOX", "OK");
    c.send_line("b IDLE");
    assert!(c.line().starts_with("+ "));
    let rest = c.rest();
    assert_eq!(rest, ["* BYE Autologout; idle for too long"]);
    assert_eq!(c.wait_within(Duration::from_secs(10)).code(), Some(0));
    assert!(
        c.stderr().contains(": client idle too long"),
        "{}",
        c.stderr()
    );

    let (dir, md) = maildir("idlehangup");
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    c.send_line("b IDLE");
    assert!(c.line().starts_with("+ "));
    c.close_stdin();
    assert_eq!(c.rest(), Vec::<String>::new());
    assert_eq!(c.wait_within(Duration::from_secs(10)).code(), Some(0));
    assert!(
        c.stderr().contains(": connection closed by the client"),
        "{}",
        c.stderr()
    );
}

// DESIGN 1: the serve role never exits 1, also when the session cannot start (a Maildir that
// cannot be created): that is a temporary error, and the client gets no greeting.
#[test]
fn never_exits_one_when_maildir_cannot_be_made() {
    let dir = TempDir::new("cannot");
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let cmd = serve_cmd(&dir, Some(&locked.join("Maildir")));
    if is_root() {
        // serve_cmd gave the tree to nobody; take this directory back.
        std::os::unix::fs::chown(&locked, Some(0), Some(0)).unwrap();
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let mut c = Client::spawn(cmd);
    let rest = c.rest();
    let code = c.wait().code();
    assert_ne!(code, Some(1), "serve exited 1");
    assert_ne!(code, Some(0), "serve claims a session ran: {rest:?}");
    assert!(!has(&rest, "* PREAUTH"), "{rest:?}");
}
