//! OBJECTID (RFC 8474): MAILBOXID from the folder's uidlist GUID (in SELECT, EXAMINE,
//! CREATE's OK, STATUS and LIST-STATUS; kept by RENAME), EMAILID from the message's GUID
//! (its unique name, or the `G` field a copy carries, as Dovecot writes it: kept by flag
//! changes, COPY and MOVE), THREADID NIL; the EMAILID and THREADID search keys.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Session};

/// The fixture's uidlist GUID.
const INBOX_ID: &str = "0123456789abcdef0123456789abcdef";

fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    for uid in 1..=3 {
        let text = format!("From: a@example.org\nSubject: {uid}\n\nBody {uid}.\n");
        f.add(
            uid,
            "",
            &crlf(text.as_bytes()),
            utc(2024, 1, uid as i64, 0, 0, 0),
        );
    }
    f.session()
}

fn lines(s: &mut Session, command: &str) -> Vec<String> {
    s.ok(command).lines()
}

/// The objectid inside `NAME (` ... `)` of `line`.
fn id_after<'a>(line: &'a str, name: &str) -> &'a str {
    let at = line
        .find(&format!("{name} ("))
        .unwrap_or_else(|| panic!("no {name} in {line}"));
    let rest = &line[at + name.len() + 2..];
    let id = &rest[..rest.find(')').unwrap()];
    // RFC 8474 7: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
    assert!(
        (1..=255).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "{id:?} is not an objectid"
    );
    id
}

/// The EMAILIDs of messages 1:*, in order.
fn email_ids(s: &mut Session) -> Vec<String> {
    lines(s, "FETCH 1:* (EMAILID)")
        .iter()
        .map(|l| id_after(l, "EMAILID").to_string())
        .collect()
}

// RFC 8474 3.
#[test]
fn advertised() {
    let mut s = session("objectid-cap");
    let caps = lines(&mut s, "CAPABILITY");
    assert!(caps[0].split(' ').any(|c| c == "OBJECTID"), "{caps:?}");
}

// RFC 8474 4.2 (SELECT, EXAMINE), 4.3 (STATUS, LIST-STATUS): the same MAILBOXID, the
// folder's uidlist GUID.
#[test]
fn mailboxid_everywhere() {
    let mut s = session("objectid-mailbox");
    for command in ["SELECT INBOX", "EXAMINE INBOX"] {
        let r = lines(&mut s, command);
        let ok: Vec<_> = r.iter().filter(|l| l.contains("[MAILBOXID ")).collect();
        assert_eq!(ok.len(), 1, "{command}: {r:?}");
        assert!(ok[0].starts_with("* OK [MAILBOXID "), "{ok:?}");
        assert_eq!(id_after(ok[0], "MAILBOXID"), INBOX_ID);
    }
    assert_eq!(
        lines(&mut s, "STATUS INBOX (MAILBOXID MESSAGES)"),
        [format!(
            "* STATUS INBOX (MAILBOXID ({INBOX_ID}) MESSAGES 3)"
        )]
    );
    let r = lines(&mut s, "LIST \"\" % RETURN (STATUS (MAILBOXID))");
    assert!(
        r.contains(&format!("* STATUS INBOX (MAILBOXID ({INBOX_ID}))")),
        "{r:?}"
    );
}

// RFC 8474 4.1: CREATE's tagged OK names the new MAILBOXID; 4.3's example: RENAME keeps
// it, other folders have others; 4: a folder made anew under the same name is another.
#[test]
fn create_and_rename() {
    let mut s = session("objectid-create");
    let foo = s.ok("CREATE foo").tagged;
    assert!(foo.contains(" OK [MAILBOXID ("), "{foo}");
    let foo = id_after(&foo, "MAILBOXID").to_string();
    let bar = s.ok("CREATE bar").tagged;
    let bar = id_after(&bar, "MAILBOXID").to_string();
    assert_ne!(foo, bar);
    assert_ne!(foo, INBOX_ID);
    let status = |s: &mut Session, name: &str| {
        let r = lines(s, &format!("STATUS {name} (MAILBOXID)"));
        id_after(&r[0], "MAILBOXID").to_string()
    };
    assert_eq!(status(&mut s, "foo"), foo);
    s.ok("RENAME foo renamed");
    assert_eq!(status(&mut s, "renamed"), foo);
    assert_eq!(status(&mut s, "bar"), bar);
    s.ok("DELETE renamed");
    let again = s.ok("CREATE renamed").tagged;
    assert_ne!(id_after(&again, "MAILBOXID"), foo);
    // A CREATE that fails has no MAILBOXID.
    let r = s.cmd("CREATE bar");
    assert!(r.status().starts_with("NO ") && !r.tagged.contains("MAILBOXID"));
}

// RFC 8474 5.1: one EMAILID per message, immutable (a flag change renames the file), the
// same for the COPYUID pairing of COPY and MOVE, also within one folder; 5.2: THREADID NIL.
#[test]
fn emailid_follows_copies() {
    let mut s = session("objectid-email");
    s.ok("CREATE Trash");
    s.ok("SELECT INBOX");
    let ids = email_ids(&mut s);
    assert_eq!(ids.len(), 3);
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );
    assert_eq!(
        lines(&mut s, "FETCH 2 (THREADID)"),
        ["* 2 FETCH (THREADID NIL)"]
    );
    s.ok("STORE 1:3 +FLAGS (\\Seen $Label1)");
    assert_eq!(email_ids(&mut s), ids);

    s.ok("COPY 1 INBOX");
    s.ok("COPY 2 Trash");
    s.ok("MOVE 3 Trash");
    let after = email_ids(&mut s);
    assert_eq!(after, [ids[0].as_str(), &ids[1], &ids[0]]);
    s.ok("SELECT Trash");
    assert_eq!(email_ids(&mut s), [ids[1].as_str(), &ids[2]]);
    // A copy of a copy keeps it too.
    s.ok("COPY 1 INBOX");
    s.ok("SELECT INBOX");
    assert_eq!(
        email_ids(&mut s),
        [ids[0].as_str(), &ids[1], &ids[0], &ids[1]]
    );
}

// RFC 8474 6: SEARCH EMAILID matches that message (and its copies); THREADID none.
#[test]
fn search_keys() {
    let mut s = session("objectid-search");
    let ids = email_ids(&mut s);
    s.ok("COPY 2 INBOX");
    assert_eq!(
        lines(&mut s, &format!("SEARCH EMAILID {}", ids[1])),
        ["* SEARCH 2 4"]
    );
    assert_eq!(
        lines(&mut s, &format!("UID SEARCH NOT EMAILID {}", ids[1])),
        ["* SEARCH 1 3"]
    );
    assert_eq!(lines(&mut s, "SEARCH EMAILID M0000"), ["* SEARCH"]);
    assert_eq!(lines(&mut s, "SEARCH THREADID T1"), ["* SEARCH"]);
    let r = s.cmd("SEARCH EMAILID");
    assert!(r.status().starts_with("BAD "), "{:?}", r.tagged);
}
