//! UTF8=ACCEPT (RFC 6855): after `ENABLE UTF8=ACCEPT` the client names mailboxes in UTF-8,
//! in quoted strings or literals, and reads them back so (section 3); the server refuses
//! what is not UTF-8 and the control characters with BAD, and SEARCH with a CHARSET; APPEND
//! and CATENATE take the `UTF8 (~{n})` data item (section 4). On disk the names stay
//! modified UTF-7, so that a client that never enabled it, Dovecot and Courier see the same
//! folders under their RFC 3501 5.1.3 names.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};

use common::TempDir;

use fixture::{crlf, utc, Fixture, Session};

/// A Maildir whose INBOX holds one message (UID 1, UIDVALIDITY 1234567).
struct Store {
    dir: TempDir,
    md: PathBuf,
}

fn store(name: &str) -> Store {
    let mut f = Fixture::new(name);
    let msg =
        crlf("From: a@example.org\nSubject: Gr\u{fc}\u{df}e aus K\u{f6}ln\n\nHallo.\n".as_bytes());
    f.add(1, "", &msg, utc(2024, 5, 1, 10, 0, 0));
    let (dir, md) = f.into_parts();
    Store { dir, md }
}

impl Store {
    /// A session in the authenticated state, where RFC 6855 3 puts ENABLE.
    fn session(&self) -> Session {
        Session::preauth(common::serve_cmd(&self.dir, Some(&self.md)))
    }

    /// [`Store::session`] with UTF8=ACCEPT enabled.
    fn enabled(&self) -> Session {
        let mut s = self.session();
        let r = s.ok("ENABLE UTF8=ACCEPT");
        assert_eq!(r.lines(), ["* ENABLED UTF8=ACCEPT"]);
        s
    }
}

fn folder_exists(md: &Path, on_disk: &str) -> bool {
    md.join(format!(".{on_disk}")).join("cur").is_dir()
}

/// The raw bytes of the untagged responses, for checks of quoting.
fn raw(lines: &[Vec<u8>]) -> Vec<String> {
    lines
        .iter()
        .map(|l| String::from_utf8(l.clone()).expect("responses are UTF-8 here"))
        .collect()
}

// RFC 6855 3 and RFC 5161 3.1: advertised, enabled once, listed once.
#[test]
fn advertised_and_enabled_once() {
    let st = store("utf8-enable");
    let mut s = st.session();
    let caps = s.ok("CAPABILITY").lines();
    assert!(caps[0].split(' ').any(|c| c == "UTF8=ACCEPT"), "{caps:?}");
    let r = s.ok("ENABLE UTF8=ACCEPT CONDSTORE");
    assert_eq!(r.lines(), ["* ENABLED CONDSTORE UTF8=ACCEPT"]);
    let r = s.ok("ENABLE UTF8=ACCEPT");
    assert_eq!(r.lines(), ["* ENABLED"]);
}

// RFC 6855 3: UTF-8 names in quoted strings, converted to the internal form (modified
// UTF-7, RFC 3501 5.1.3) and sent back as UTF-8 quoted strings, in every command that
// names a mailbox.
#[test]
fn mailbox_names_in_utf8_both_ways() {
    let st = store("utf8-names");
    let md = &st.md;
    let mut s = st.enabled();
    s.ok("CREATE \"Entw\u{fc}rfe\"");
    assert!(folder_exists(md, "Entw&APw-rfe"));
    let r = s.ok("LIST \"\" *");
    assert!(
        raw(&r.untagged).contains(&"* LIST (\\HasNoChildren) \".\" \"Entw\u{fc}rfe\"".to_string()),
        "{:?}",
        r.lines()
    );
    // Patterns are matched in UTF-8, whatever the name's modified UTF-7 looks like.
    for pattern in ["Entw*", "*\u{fc}rfe", "%\u{fc}%", "Entw\u{fc}rfe"] {
        let r = s.ok(&format!("LIST \"\" \"{pattern}\""));
        assert_eq!(r.starting("* LIST").len(), 1, "{pattern}: {:?}", r.lines());
    }
    let r = s.ok("STATUS \"Entw\u{fc}rfe\" (MESSAGES)");
    assert_eq!(
        raw(&r.untagged),
        ["* STATUS \"Entw\u{fc}rfe\" (MESSAGES 0)"]
    );
    let r = s.ok("LIST \"\" \"Entw%\" RETURN (STATUS (MESSAGES))");
    assert!(
        raw(&r.untagged).contains(&"* STATUS \"Entw\u{fc}rfe\" (MESSAGES 0)".to_string()),
        "{:?}",
        r.lines()
    );
    s.ok("SELECT INBOX");
    s.ok("COPY 1 \"Entw\u{fc}rfe\"");
    s.ok("SELECT \"Entw\u{fc}rfe\"");
    s.ok("RENAME \"Entw\u{fc}rfe\" \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\"");
    assert!(folder_exists(md, "&U,BTFw-.&ZeVnLIqe-"));
    s.ok("SUBSCRIBE \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\"");
    let r = s.ok("LSUB \"\" \"\u{53f0}\u{5317}.*\"");
    assert_eq!(
        raw(&r.untagged),
        ["* LSUB () \".\" \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\""]
    );
    let r = s.ok("STATUS \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\" (MESSAGES)");
    assert_eq!(
        raw(&r.untagged),
        ["* STATUS \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\" (MESSAGES 1)"]
    );
    let r = s.ok("GETQUOTAROOT \"\u{53f0}\u{5317}\"");
    assert_eq!(raw(&r.untagged), ["* QUOTAROOT \"\u{53f0}\u{5317}\""]);
    s.ok("DELETE \"\u{53f0}\u{5317}.\u{65e5}\u{672c}\u{8a9e}\"");
    assert!(!folder_exists(md, "&U,BTFw-.&ZeVnLIqe-"));
}

// RFC 6855 3: a name may come as a literal too.
#[test]
fn a_utf8_name_in_a_literal() {
    let st = store("utf8-literal");
    let md = &st.md;
    let mut s = st.enabled();
    let r = s.cmd_literals(&[b"CREATE ", "R\u{e9}sum\u{e9}s".as_bytes(), b""]);
    assert!(r.ok(), "{r:?}");
    assert!(folder_exists(md, "R&AOk-sum&AOk-s"));
}

// RFC 6855 3: "The IMAP server MUST NOT send UTF-8 in quoted-strings to the client unless
// the client has indicated support": a session that did not enable it sees the modified
// UTF-7 of the same folder, and names it so.
#[test]
fn a_client_that_did_not_enable_sees_modified_utf7() {
    let st = store("utf8-legacy");
    let mut s = st.enabled();
    s.ok("CREATE \"Entw\u{fc}rfe\"");
    let mut old = st.session();
    let r = old.ok("LIST \"\" *");
    let names = raw(&r.untagged);
    assert!(
        names.contains(&"* LIST (\\HasNoChildren) \".\" Entw&APw-rfe".to_string()),
        "{names:?}"
    );
    assert!(r.untagged.iter().all(|l| l.is_ascii()), "{names:?}");
    old.ok("SELECT Entw&APw-rfe");
    let r = old.ok("STATUS Entw&APw-rfe (MESSAGES)");
    assert_eq!(raw(&r.untagged), ["* STATUS Entw&APw-rfe (MESSAGES 0)"]);
    // Without UTF8=ACCEPT a name is modified UTF-7, and 8-bit is no such name.
    let r = old.cmd("CREATE \"Entw\u{fc}rfe2\"");
    assert!(r.status().starts_with("NO"), "{r:?}");
}

// RFC 6855 3: once enabled a name is UTF-8, so `&` stands for itself (stored as `&-`), and
// a name that looks like modified UTF-7 is taken as the characters it is made of.
#[test]
fn an_ampersand_is_itself() {
    let st = store("utf8-amp");
    let md = &st.md;
    let mut s = st.enabled();
    s.ok("CREATE \"Q&A\"");
    assert!(folder_exists(md, "Q&-A"));
    s.ok("CREATE \"&AOk-\"");
    assert!(folder_exists(md, "&-AOk-"));
    let r = s.ok("LIST \"\" *");
    let names = raw(&r.untagged);
    assert!(
        names
            .iter()
            .any(|l| l.ends_with(" \"Q&A\"") || l.ends_with(" Q&A")),
        "{names:?}"
    );
    assert!(names.iter().any(|l| l.ends_with(" &AOk-")), "{names:?}");
    let r = st.session().ok("LIST \"\" *");
    let names = raw(&r.untagged);
    assert!(names.iter().any(|l| l.ends_with(" Q&-A")), "{names:?}");
    assert!(names.iter().any(|l| l.ends_with(" &-AOk-")), "{names:?}");
}

// RFC 6855 3: "the server MUST reject, with a BAD response, any octet sequences with the
// high bit set that fail to comply with the formal syntax requirements of UTF-8", and names
// "MUST NOT contain control characters (U+0000-U+001F and U+0080-U+009F), a delete
// character (U+007F), a line separator (U+2028), or a paragraph separator (U+2029)". The
// session goes on after each.
#[test]
fn bad_utf8_and_control_characters_are_refused() {
    let st = store("utf8-bad");
    let md = &st.md;
    let mut s = st.enabled();
    let before = std::fs::read_dir(md).unwrap().count();
    s.unchecked();
    for (what, command) in [
        (
            "a Latin-1 byte in a quoted string",
            &b"CREATE \"caf\xe9\""[..],
        ),
        ("a lone continuation byte", b"SELECT \"a\x80b\""),
        ("an overlong encoding", b"STATUS \"\xc0\xafx\" (MESSAGES)"),
        ("a surrogate", b"CREATE \"\xed\xa0\x80\""),
        ("U+0001", b"CREATE \"a\x01b\""),
        ("U+007F", b"CREATE \"a\x7fb\""),
        ("U+0085", b"CREATE \"a\xc2\x85b\""),
        ("U+2028", b"CREATE \"a\xe2\x80\xa8b\""),
        ("U+2029", b"RENAME INBOX \"a\xe2\x80\xa9b\""),
    ] {
        let tag = s.tag();
        let mut line = format!("{tag} ").into_bytes();
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        s.send(&line);
        let r = s.until(&tag);
        assert!(r.status().starts_with("BAD"), "{what}: {r:?}");
    }
    // In a literal, where the parser cannot tell, the name is refused all the same.
    let r = s.cmd_literals(&[b"CREATE ", b"caf\xe9", b""]);
    assert!(r.status().starts_with("BAD"), "{r:?}");
    s.ok("NOOP");
    assert_eq!(std::fs::read_dir(md).unwrap().count(), before);
}

// RFC 6855 3: "it MUST NOT issue a SEARCH command that contains a charset specification
// ... it SHOULD reject the command with a BAD response"; without one, the strings are UTF-8.
#[test]
fn search_takes_utf8_without_a_charset() {
    let st = store("utf8-search");
    let mut s = st.session();
    s.ok("SELECT INBOX");
    let r = s.ok("SEARCH CHARSET UTF-8 SUBJECT \"K\u{f6}ln\"");
    assert_eq!(r.lines(), ["* SEARCH 1"]);
    let mut s = st.enabled();
    s.ok("SELECT INBOX");
    let r = s.cmd("SEARCH CHARSET UTF-8 SUBJECT \"K\u{f6}ln\"");
    assert!(r.status().starts_with("BAD"), "{r:?}");
    let r = s.ok("SEARCH SUBJECT \"K\u{f6}ln\"");
    assert_eq!(r.lines(), ["* SEARCH 1"]);
    let r = s.ok("SEARCH SUBJECT \"Gr\u{fc}\u{df}e\"");
    assert_eq!(r.lines(), ["* SEARCH 1"]);
}

/// Sends `APPEND <mailbox> <data>` where `data` holds `~{n+}` literal8s of `parts`, one
/// after each `\0` of the template; returns the reply.
fn append(s: &mut Session, template: &str, parts: &[&[u8]]) -> fixture::Reply {
    let tag = s.tag();
    let mut out = format!("{tag} ").into_bytes();
    let pieces: Vec<&str> = template.split('\0').collect();
    for (i, piece) in pieces.iter().enumerate() {
        out.extend_from_slice(piece.as_bytes());
        if let Some(p) = parts.get(i) {
            out.extend_from_slice(format!("~{{{}+}}\r\n", p.len()).as_bytes());
            out.extend_from_slice(p);
        }
    }
    out.extend_from_slice(b"\r\n");
    s.send(&out);
    s.until(&tag)
}

/// BODY[] of UID `uid` in the selected mailbox.
fn body(s: &mut Session, uid: u32) -> Vec<u8> {
    let r = s.ok(&format!("UID FETCH {uid} BODY.PEEK[]"));
    let line = r.untagged.iter().find(|l| l.starts_with(b"* ")).unwrap();
    let open = line.iter().position(|&b| b == b'{').unwrap();
    let close = open + line[open..].iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&line[open + 1..close])
        .unwrap()
        .parse()
        .unwrap();
    line[close + 3..close + 3 + n].to_vec()
}

const INTERNATIONAL: &str = "From: J\u{fc}rgen <j\u{fc}rgen@b\u{fc}ro.example>\r\n\
    To: \u{5f20}\u{4e09}@\u{4f8b}\u{3048}.example\r\nSubject: \u{00dc}berweisung\r\n\r\nDanke.\r\n";

// RFC 6855 4: `append-data =/ utf8-literal`, `utf8-literal = "UTF8" SP "(" literal8 ")"`;
// the message comes back byte for byte.
#[test]
fn append_utf8_data_item() {
    let st = store("utf8-append");
    let mut s = st.enabled();
    let r = append(
        &mut s,
        "APPEND INBOX (\\Seen) UTF8 (\0)",
        &[INTERNATIONAL.as_bytes()],
    );
    assert!(r.ok(), "{r:?}");
    assert!(r.status().contains("[APPENDUID 1234567 2]"), "{r:?}");
    s.ok("SELECT INBOX");
    assert_eq!(body(&mut s, 2), INTERNATIONAL.as_bytes());
    let r = s.ok("UID SEARCH SUBJECT \"\u{00dc}berweisung\"");
    assert_eq!(r.lines(), ["* SEARCH 2"]);
    // MULTIAPPEND with a plain literal beside it.
    s.ok("UNSELECT");
    let r = append(
        &mut s,
        "APPEND INBOX UTF8 (\0) {5+}\r\nx: y\n",
        &[INTERNATIONAL.as_bytes()],
    );
    assert!(r.ok(), "{r:?}");
    // Not a literal8 inside: BAD, and the session goes on.
    // A synchronizing literal is refused before the client is asked for its bytes.
    let r = s.cmd("APPEND INBOX UTF8 ({5}");
    assert!(r.status().starts_with("BAD"), "{r:?}");
    // With a non-synchronizing one the bytes are skipped.
    let r = s.cmd("APPEND INBOX UTF8 ({5+}\r\nx: y\n)");
    assert!(r.status().starts_with("BAD"), "{r:?}");
    s.ok("NOOP");
}

// RFC 6855 4: "If the server also advertises the CATENATE capability, the client can use
// the same data extension to include such a message in a catenated message part."
#[test]
fn catenate_takes_a_utf8_part() {
    let st = store("utf8-catenate");
    let mut s = st.enabled();
    let head = "Subject: \u{00dc}ber\r\n";
    let r = append(
        &mut s,
        "APPEND INBOX CATENATE (UTF8 (\0) URL \"/INBOX/;UID=1/;SECTION=TEXT\")",
        &[format!("{head}\r\n").as_bytes()],
    );
    assert!(r.ok(), "{r:?}");
    s.ok("SELECT INBOX");
    assert_eq!(body(&mut s, 2), format!("{head}\r\nHallo.\r\n").as_bytes());
}

// RFC 6855 4 says a server MUST refuse APPEND of 8-bit header fields from a client that
// did not enable UTF8=ACCEPT; imapd stores them, as RFC 3501 does (literals are CHAR8):
// mbsync, offlineimap and imapsync never enable it and copy old mail with raw 8-bit
// headers, which would otherwise be stranded (README, "UTF-8").
#[test]
fn a_client_that_did_not_enable_still_stores_8bit_headers() {
    let st = store("utf8-legacy-append");
    let mut s = st.session();
    let msg = b"Subject: Gr\xfc\xdfe\r\n\r\nLatin-1.\r\n";
    let r = s.cmd_literals(&[b"APPEND INBOX ", msg, b""]);
    assert!(r.ok(), "{r:?}");
    s.ok("SELECT INBOX");
    assert_eq!(body(&mut s, 2), msg);
}
