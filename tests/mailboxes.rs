//! Mailboxes through `imapd serve` on pipes: LIST and LSUB with LIST-EXTENDED, CHILDREN,
//! SPECIAL-USE and LIST-STATUS; STATUS; CREATE, DELETE and RENAME (with the checks on
//! mailbox names and symlinks planted in the Maildir); APPEND with MULTIAPPEND and
//! APPENDUID; COPY and MOVE with COPYUID; STORE, EXPUNGE and UID EXPUNGE. Each test
//! checks the exact responses and what changed on disk.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{folder, has, maildir, make_maildir, names, session, tagged, Client, TempDir};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Writes the message file `dir/sub/name` with `content` (LF line ends, as stored).
fn put(dir: &Path, sub: &str, name: &str, content: &str) {
    std::fs::write(dir.join(sub).join(name), content).unwrap();
}

/// A `dovecot-uidlist` for the folder at `dir`.
fn uidlist(dir: &Path, validity: u32, next: u32, records: &[(u32, &str)]) {
    let mut text = format!("3 V{validity} N{next} G0123456789abcdef0123456789abcdef\n");
    for (uid, name) in records {
        text.push_str(&format!("{uid} :{name}\n"));
    }
    std::fs::write(dir.join("dovecot-uidlist"), text).unwrap();
}

/// The untagged lines of a response (all but the tagged one).
fn untagged(lines: &[String]) -> Vec<String> {
    lines[..lines.len() - 1].to_vec()
}

/// The lines, sorted: for responses whose order the RFC leaves free.
fn sorted(lines: &[String]) -> Vec<String> {
    let mut v = lines.to_vec();
    v.sort();
    v
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Sends `line` and checks that the untagged responses are exactly `want` (in any order)
/// and the tagged one starts with `<tag> <status>`.
fn exact(c: &mut Client, line: &str, status: &str, want: &[&str]) -> Vec<String> {
    let lines = c.expect(line, status);
    let got = sorted(&untagged(&lines));
    if got != sorted(&strs(want)) {
        c.fail(&format!(
            "for {line:?}\nexpected (any order): {want:#?}\ngot: {got:#?}"
        ));
    }
    lines
}

/// The arguments inside `[CODE ...]` in `line`.
fn code_args(line: &str, code: &str) -> Option<Vec<String>> {
    let start = line.find(&format!("[{code} "))? + code.len() + 2;
    let end = start + line[start..].find(']')?;
    Some(line[start..end].split(' ').map(str::to_string).collect())
}

/// The numbers of a sequence set such as `3,5:7`.
fn expand(set: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for part in set.split(',') {
        match part.split_once(':') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
                if a <= b {
                    v.extend(a..=b);
                } else {
                    v.extend((b..=a).rev());
                }
            }
            None => v.push(part.parse().unwrap()),
        }
    }
    v
}

/// The number in a `* OK [<code> n]` response, if any.
fn ok_code(lines: &[String], code: &str) -> Option<u32> {
    let prefix = format!("* OK [{code} ");
    lines.iter().find_map(|l| {
        let r = l.strip_prefix(&prefix)?;
        r[..r.find(']')?].parse().ok()
    })
}

/// The number in `* <n> EXISTS`.
fn exists(c: &Client, lines: &[String]) -> u32 {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("* ")?.strip_suffix(" EXISTS")?.parse().ok())
        .unwrap_or_else(|| c.fail(&format!("no EXISTS in {lines:?}")))
}

/// Applies the `* n EXPUNGE` responses, in order, to the UIDs of the selected mailbox
/// (RFC 3501 7.4.1: each one renumbers the messages after it at once).
fn apply_expunges(c: &Client, mut uids: Vec<u32>, lines: &[String]) -> Vec<u32> {
    for l in lines {
        if let Some(n) = l
            .strip_prefix("* ")
            .and_then(|r| r.strip_suffix(" EXPUNGE"))
        {
            let n: usize = n.parse().unwrap();
            if n == 0 || n > uids.len() {
                c.fail(&format!("EXPUNGE of {n} with {} messages", uids.len()));
            }
            uids.remove(n - 1);
        }
    }
    uids
}

/// The set of flags in `FLAGS (...)` of a FETCH line, `\Recent` left out (whether an
/// appended or copied message is recent is a SHOULD).
fn flags_of(line: &str) -> BTreeSet<String> {
    let start = line.find("FLAGS (").expect("FLAGS in FETCH") + "FLAGS (".len();
    let end = start + line[start..].find(')').unwrap();
    line[start..end]
        .split(' ')
        .filter(|f| !f.is_empty() && *f != "\\Recent")
        .map(str::to_string)
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The one file in `dir`, or a failure.
fn only_file(dir: &Path) -> String {
    let n = names(dir);
    assert_eq!(n.len(), 1, "expected one file in {}: {n:?}", dir.display());
    n[0].clone()
}

/// Flag letters of a Maildir file name (after `:2,`).
fn letters(name: &str) -> &str {
    &name[name.find(":2,").expect(":2, in name") + 3..]
}

/// Everything under `root` (not following symlinks): path, kind, content or link target.
fn snapshot(root: &Path) -> Vec<String> {
    fn walk(base: &Path, p: &Path, out: &mut Vec<String>) {
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        let m = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(_) => return,
        };
        if m.file_type().is_symlink() {
            out.push(format!(
                "{rel} -> {}",
                std::fs::read_link(p).unwrap().display()
            ));
        } else if m.is_dir() {
            out.push(format!("{rel}/"));
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for e in entries {
                walk(base, &e, out);
            }
        } else {
            out.push(format!(
                "{rel} = {:?} mtime {}",
                String::from_utf8_lossy(&std::fs::read(p).unwrap()),
                m.mtime()
            ));
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Seconds since the epoch of a civil UTC time.
fn epoch(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> i64 {
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + hh * 3600 + mm * 60 + ss
}

/// An IMAP date-time (`"dd-Mon-yyyy hh:mm:ss +zzzz"`, RFC 3501 9) as epoch seconds.
fn parse_date_time(s: &str) -> i64 {
    let s = s.trim_matches('"').trim();
    let (date, rest) = s.split_once(' ').unwrap();
    let (time, zone) = rest.split_once(' ').unwrap();
    let d: Vec<&str> = date.split('-').collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == d[1])
    .unwrap() as i64
        + 1;
    let t: Vec<i64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    let local = epoch(
        d[2].parse().unwrap(),
        month,
        d[0].parse().unwrap(),
        t[0],
        t[1],
        t[2],
    );
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zh: i64 = zone[1..3].parse().unwrap();
    let zm: i64 = zone[3..5].parse().unwrap();
    local - sign * (zh * 3600 + zm * 60)
}

/// Sends `prefix`, then a synchronizing literal of `data`: waits for the `+` continuation.
fn send_sync_literal(c: &mut Client, prefix: &str, data: &[u8]) {
    c.send(format!("{prefix}{{{}}}\r\n", data.len()).as_bytes());
    let l = c.line();
    if !l.starts_with("+") {
        c.fail(&format!("expected a continuation request, got {l:?}"));
    }
    c.send(data);
}

const MSG1: &str = "Subject: one\nFrom: a@example.org\n\nfirst body\n";
const MSG2: &str = "Subject: two\n\nsecond\n";
const MSG3: &str = "Subject: three\nTo: b@example.org\n\nthird\nline\n";

/// The size IMAP gives a stored message: every LF counts as CRLF.
fn served(content: &str) -> usize {
    content.len() + content.matches('\n').count()
}

/// Message text with CRLF line ends, as a client sends it.
fn wire(content: &str) -> String {
    content.replace('\n', "\r\n")
}

// ---------------------------------------------------------------------------------------
// LIST and LSUB
// ---------------------------------------------------------------------------------------

/// INBOX, `.A.B.C` (no `.A`, no `.A.B`), `.X` with `.X.y`, and the special-use names.
fn list_tree(md: &Path) {
    for f in [
        "A.B.C", "X", "X.y", "Sent", "Drafts", "Trash", "Junk", "Archive",
    ] {
        folder(md, f);
    }
}

// RFC 3501 6.3.8: `%` matches no hierarchy separator, `*` matches everything; the
// reference is prefixed to the pattern. Maildir++ (DESIGN 3): `.A.B.C` alone makes `A`
// and `A.B` levels of the hierarchy, shown `\Noselect` with `\HasChildren` (RFC 3348).
#[test]
fn list_percent_star_and_reference() {
    let (dir, md) = maildir("list-wild");
    list_tree(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\Noselect \\HasChildren) \".\" A",
            "* LIST (\\Noselect \\HasChildren) \".\" A.B",
            "* LIST (\\HasNoChildren) \".\" A.B.C",
            "* LIST (\\HasNoChildren \\Archive) \".\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" Trash",
            "* LIST (\\HasChildren) \".\" X",
            "* LIST (\\HasNoChildren) \".\" X.y",
        ],
    );
    exact(
        &mut c,
        "b LIST \"\" \"%\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\Noselect \\HasChildren) \".\" A",
            "* LIST (\\HasNoChildren \\Archive) \".\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" Trash",
            "* LIST (\\HasChildren) \".\" X",
        ],
    );
    exact(
        &mut c,
        "c LIST \"\" \"A.%\"",
        "OK",
        &["* LIST (\\Noselect \\HasChildren) \".\" A.B"],
    );
    exact(
        &mut c,
        "d LIST \"A.\" \"%\"",
        "OK",
        &["* LIST (\\Noselect \\HasChildren) \".\" A.B"],
    );
    exact(
        &mut c,
        "e LIST \"A.\" \"*\"",
        "OK",
        &[
            "* LIST (\\Noselect \\HasChildren) \".\" A.B",
            "* LIST (\\HasNoChildren) \".\" A.B.C",
        ],
    );
    exact(
        &mut c,
        "f LIST \"X.\" \"%\"",
        "OK",
        &["* LIST (\\HasNoChildren) \".\" X.y"],
    );
    exact(
        &mut c,
        "g LIST \"\" \"%.%\"",
        "OK",
        &[
            "* LIST (\\Noselect \\HasChildren) \".\" A.B",
            "* LIST (\\HasNoChildren) \".\" X.y",
        ],
    );
    exact(&mut c, "h LIST \"\" \"Nothing*\"", "OK", &[]);
}

// RFC 3501 6.3.8: `LIST "" ""` returns the hierarchy delimiter and the root name, with
// \Noselect.
#[test]
fn list_empty_pattern_gives_separator() {
    let (dir, md) = maildir("list-sep");
    folder(&md, "X");
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"\"",
        "OK",
        &["* LIST (\\Noselect) \".\" \"\""],
    );
}

// RFC 3501 5.1: INBOX is case-insensitive; LIST answers with the name `INBOX`. Other names
// are case-sensitive.
#[test]
fn list_inbox_case_insensitive() {
    let (dir, md) = maildir("list-inbox");
    folder(&md, "Work");
    let mut c = session(&dir, &md);
    for (i, pattern) in ["inbox", "InBoX", "INBOX", "\"inbox\""].iter().enumerate() {
        exact(
            &mut c,
            &format!("a{i} LIST \"\" {pattern}"),
            "OK",
            &["* LIST (\\HasNoChildren) \".\" INBOX"],
        );
    }
    exact(&mut c, "b LIST \"\" work", "OK", &[]);
    c.expect("c SELECT inbox", "OK [READ-WRITE]");
    c.expect("d EXAMINE iNbOx", "OK [READ-ONLY]");
    c.expect("e SELECT work", "NO [NONEXISTENT]");
}

// RFC 5258 3 and 4 (LIST-EXTENDED): in an extended LIST a level that does not exist is
// `\NonExistent` (which implies \Noselect); in plain LIST it is `\Noselect` (RFC 3501 6.3.8).
#[test]
fn list_nonexistent_parents_extended() {
    let (dir, md) = maildir("list-nonexist");
    folder(&md, "A.B.C");
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST () \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\NonExistent \\HasChildren) \".\" A",
            "* LIST (\\NonExistent \\HasChildren) \".\" A.B",
            "* LIST (\\HasNoChildren) \".\" A.B.C",
        ],
    );
    exact(
        &mut c,
        "b LIST \"\" \"A*\"",
        "OK",
        &[
            "* LIST (\\Noselect \\HasChildren) \".\" A",
            "* LIST (\\Noselect \\HasChildren) \".\" A.B",
            "* LIST (\\HasNoChildren) \".\" A.B.C",
        ],
    );
    // A \Noselect level cannot be selected (RFC 3501 7.2.2).
    c.expect("c SELECT A", "NO [NONEXISTENT]");
    c.expect("d SELECT A.B.C", "OK [READ-WRITE]");
}

// RFC 3348 and RFC 5258 4 (RETURN (CHILDREN)): \HasChildren on a mailbox with a child,
// \HasNoChildren otherwise; a child created later turns the parent's attribute.
#[test]
fn list_children_attributes() {
    let (dir, md) = maildir("list-children");
    folder(&md, "P");
    folder(&md, "Q");
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"%\" RETURN (CHILDREN)",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren) \".\" P",
            "* LIST (\\HasNoChildren) \".\" Q",
        ],
    );
    c.expect("b CREATE P.kid", "OK");
    exact(
        &mut c,
        "c LIST \"\" \"*\" RETURN (CHILDREN)",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasChildren) \".\" P",
            "* LIST (\\HasNoChildren) \".\" P.kid",
            "* LIST (\\HasNoChildren) \".\" Q",
        ],
    );
}

/// Subscriptions: `X.y` and `A.B.C` (both exist) and `Gone` (does not), in Dovecot's
/// format (TAB for the hierarchy separator).
fn subscribe_some(md: &Path) {
    list_tree(md);
    std::fs::write(md.join("subscriptions"), "V\t2\n\nX\ty\nGone\nA\tB\tC\n").unwrap();
}

// RFC 5258 3.1 (SUBSCRIBED selection option): only subscribed names, each `\Subscribed`;
// a subscribed name that does not exist is `\NonExistent`. SUBSCRIBE/UNSUBSCRIBE (RFC 3501
// 6.3.6, 6.3.7) change what it shows and the `subscriptions` file (DESIGN 3).
#[test]
fn list_subscribed_selection() {
    let (dir, md) = maildir("list-sub");
    subscribe_some(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST (SUBSCRIBED) \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\Subscribed \\HasNoChildren) \".\" A.B.C",
            "* LIST (\\NonExistent \\Subscribed) \".\" Gone",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" X.y",
        ],
    );
    c.expect("b SUBSCRIBE Sent", "OK");
    c.expect("c UNSUBSCRIBE X.y", "OK");
    exact(
        &mut c,
        "d LIST (SUBSCRIBED) \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\Subscribed \\HasNoChildren) \".\" A.B.C",
            "* LIST (\\NonExistent \\Subscribed) \".\" Gone",
            "* LIST (\\Subscribed \\HasNoChildren \\Sent) \".\" Sent",
        ],
    );
    let text = std::fs::read_to_string(md.join("subscriptions")).unwrap();
    assert!(text.starts_with("V\t2\n\n"), "{text:?}");
    let subs: BTreeSet<&str> = text[5..].lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        subs,
        BTreeSet::from(["A\tB\tC", "Gone", "Sent"]),
        "{text:?}"
    );
}

// RFC 5258 3.5 and example 5.9: with SUBSCRIBED RECURSIVEMATCH and `%`, a name that is not
// subscribed itself but has a subscribed child is returned with
// `("CHILDINFO" ("SUBSCRIBED"))`, and without \Subscribed.
#[test]
fn list_subscribed_recursivematch_childinfo() {
    let (dir, md) = maildir("list-recmatch");
    subscribe_some(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"",
        "OK",
        &[
            "* LIST (\\NonExistent \\HasChildren) \".\" A (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\NonExistent \\Subscribed) \".\" Gone",
            "* LIST (\\HasChildren) \".\" X (\"CHILDINFO\" (\"SUBSCRIBED\"))",
        ],
    );
    // Without RECURSIVEMATCH, `%` gives only the subscribed names at that level.
    exact(
        &mut c,
        "b LIST (SUBSCRIBED) \"\" \"%\"",
        "OK",
        &["* LIST (\\NonExistent \\Subscribed) \".\" Gone"],
    );
}

// RFC 6154 2 and 3 (SPECIAL-USE): Sent, Drafts, Trash, Junk and Archive carry `\Sent`,
// `\Drafts`, `\Trash`, `\Junk`, `\Archive`; the SPECIAL-USE selection option lists only
// them, and RETURN (SPECIAL-USE) on a pattern returns them on the matching ones.
#[test]
fn list_special_use() {
    let (dir, md) = maildir("list-special");
    list_tree(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST (SPECIAL-USE) \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren \\Archive) \".\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" Trash",
        ],
    );
    exact(
        &mut c,
        "b LIST \"\" \"X*\" RETURN (SPECIAL-USE)",
        "OK",
        &[
            "* LIST (\\HasChildren) \".\" X",
            "* LIST (\\HasNoChildren) \".\" X.y",
        ],
    );
    exact(
        &mut c,
        "c LIST (SPECIAL-USE) \"\" \"T*\" RETURN (SPECIAL-USE)",
        "OK",
        &["* LIST (\\HasNoChildren \\Trash) \".\" Trash"],
    );
}

// RFC 6154 3 (CREATE-SPECIAL-USE) and its example in 5.3: `CREATE name (USE (...))` gives
// the folder those uses, which LIST shows and the SPECIAL-USE selection option selects; it
// keeps them across RENAME and loses them with DELETE. A use a Maildir folder cannot have
// (`\All`, a virtual mailbox) is `NO [USEATTR]` and creates nothing; `USE ()` is no use,
// whatever the name; an unknown parameter is BAD (RFC 4466 2.2).
#[test]
fn create_special_use() {
    let (dir, md) = maildir("create-special");
    let mut c = session(&dir, &md);
    c.expect("t2 CREATE MySpecial (USE (\\Drafts \\Sent))", "OK");
    let no = c.expect("t3 CREATE Everything (USE (\\All))", "NO");
    assert!(no.last().unwrap().contains("NO [USEATTR]"), "{no:?}");
    c.expect("t4 CREATE Trash (USE ())", "OK");
    c.expect("t5 CREATE Mine (FOO)", "BAD");
    c.expect("t6 CREATE Mine (USE (\\Junk) USE (\\Junk))", "BAD");
    c.expect("t7 CREATE Sent", "OK");
    exact(
        &mut c,
        "a LIST \"\" \"*\" RETURN (SPECIAL-USE)",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren \\Drafts \\Sent) \".\" MySpecial",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren) \".\" Trash",
        ],
    );
    c.expect("b RENAME MySpecial Outgoing.Mail", "OK");
    exact(
        &mut c,
        "c LIST (SPECIAL-USE) \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren \\Drafts \\Sent) \".\" Outgoing.Mail",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
        ],
    );
    c.expect("d DELETE Outgoing.Mail", "OK");
    c.expect("e CREATE Outgoing.Mail", "OK");
    exact(
        &mut c,
        "f LIST (SPECIAL-USE) \"\" \"*\"",
        "OK",
        &["* LIST (\\HasNoChildren \\Sent) \".\" Sent"],
    );
    // Nothing is left of Everything, the refused one.
    assert!(!md.join(".Everything").exists());
}

// RFC 5258 3.2 (RETURN (SUBSCRIBED)) and 4 (RETURN (CHILDREN)): every matching mailbox,
// subscribed ones marked \Subscribed, with child information.
#[test]
fn list_return_subscribed_children() {
    let (dir, md) = maildir("list-retsub");
    subscribe_some(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"*\" RETURN (SUBSCRIBED CHILDREN)",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\NonExistent \\HasChildren) \".\" A",
            "* LIST (\\NonExistent \\HasChildren) \".\" A.B",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" A.B.C",
            "* LIST (\\HasNoChildren \\Archive) \".\" Archive",
            "* LIST (\\HasNoChildren \\Drafts) \".\" Drafts",
            "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
            "* LIST (\\HasNoChildren \\Trash) \".\" Trash",
            "* LIST (\\HasChildren) \".\" X",
            "* LIST (\\Subscribed \\HasNoChildren) \".\" X.y",
        ],
    );
}

// RFC 5819 (LIST-STATUS): RETURN (STATUS (MESSAGES UNSEEN)) gives, for each selectable
// mailbox, a `* STATUS` right after its LIST response; none for a \NonExistent one.
#[test]
fn list_return_status() {
    let (dir, md) = maildir("list-status");
    let sent = folder(&md, "Sent");
    folder(&md, "A.B");
    put(&md, "cur", "1700000001.M1P1.host:2,S", MSG1);
    put(&md, "cur", "1700000002.M2P1.host:2,", MSG2);
    put(&md, "new", "1700000003.M3P1.host", MSG3);
    put(&sent, "cur", "1700000004.M4P1.host:2,RS", MSG1);
    let mut c = session(&dir, &md);
    let lines = c.expect("a LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))", "OK");
    let want = strs(&[
        "* LIST (\\HasNoChildren) \".\" INBOX",
        "* STATUS INBOX (MESSAGES 3 UNSEEN 2)",
        "* LIST (\\NonExistent \\HasChildren) \".\" A",
        "* LIST (\\HasNoChildren) \".\" A.B",
        "* STATUS A.B (MESSAGES 0 UNSEEN 0)",
        "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
        "* STATUS Sent (MESSAGES 1 UNSEEN 0)",
    ]);
    let got = untagged(&lines);
    assert_eq!(sorted(&got), sorted(&want), "{got:#?}");
    // Each STATUS directly after the LIST of the same mailbox.
    for (i, l) in got.iter().enumerate() {
        if let Some(rest) = l.strip_prefix("* STATUS ") {
            let name = &rest[..rest.find(" (").unwrap()];
            let prev = if i > 0 { &got[i - 1] } else { "" };
            assert!(
                prev.starts_with("* LIST ") && prev.ends_with(&format!(" {name}")),
                "STATUS of {name} not right after its LIST: {got:#?}"
            );
        }
    }
    // LIST-STATUS is a STATUS: it does not take messages from new/ (RFC 3501 6.3.10).
    assert_eq!(names(&md.join("new")), ["1700000003.M3P1.host"]);
}

// RFC 5258 3 (multiple mailbox patterns in parentheses): the union, each name once.
#[test]
fn list_multiple_patterns() {
    let (dir, md) = maildir("list-multi");
    list_tree(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" (INBOX Sent)",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren \\Sent) \".\" Sent",
        ],
    );
    exact(
        &mut c,
        "b LIST \"\" (\"X*\" \"%.y\" Junk)",
        "OK",
        &[
            "* LIST (\\HasChildren) \".\" X",
            "* LIST (\\HasNoChildren) \".\" X.y",
            "* LIST (\\HasNoChildren \\Junk) \".\" Junk",
        ],
    );
}

// RFC 5258 3.1: "RECURSIVEMATCH ... MUST NOT occur as the only selection option (or only
// with REMOTE)"; the server answers BAD.
#[test]
fn list_recursivematch_alone_is_bad() {
    let (dir, md) = maildir("list-recbad");
    subscribe_some(&md);
    let mut c = session(&dir, &md);
    exact(&mut c, "a LIST (RECURSIVEMATCH) \"\" \"*\"", "BAD", &[]);
    exact(
        &mut c,
        "b LIST (REMOTE RECURSIVEMATCH) \"\" \"%\"",
        "BAD",
        &[],
    );
    c.expect("c NOOP", "OK");
}

// RFC 3501 6.3.9: LSUB lists subscribed names; with `%`, a name that is not subscribed but
// has a subscribed child is returned with \Noselect. `*` returns the subscribed names.
#[test]
fn lsub_percent_noselect_parent() {
    let (dir, md) = maildir("lsub");
    subscribe_some(&md);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LSUB \"\" \"%\"",
        "OK",
        &[
            "* LSUB (\\Noselect) \".\" A",
            "* LSUB () \".\" Gone",
            "* LSUB (\\Noselect) \".\" X",
        ],
    );
    exact(
        &mut c,
        "b LSUB \"\" \"*\"",
        "OK",
        &[
            "* LSUB () \".\" A.B.C",
            "* LSUB () \".\" Gone",
            "* LSUB () \".\" X.y",
        ],
    );
    exact(
        &mut c,
        "c LSUB \"X.\" \"%\"",
        "OK",
        &["* LSUB () \".\" X.y"],
    );
}

// ---------------------------------------------------------------------------------------
// STATUS
// ---------------------------------------------------------------------------------------

// RFC 3501 6.3.10 (MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN), RFC 8438 (SIZE: the
// total of RFC822.SIZE, with CRLF), RFC 9051 6.3.11 (DELETED). RECENT is what is still in
// new/ (DESIGN 3); STATUS moves nothing.
#[test]
fn status_items() {
    let (dir, md) = maildir("status");
    let f = folder(&md, "Box");
    put(&f, "cur", "1700000001.M1P1.host:2,S", MSG1);
    put(&f, "cur", "1700000002.M2P1.host:2,ST", MSG2);
    put(&f, "cur", "1700000003.M3P1.host:2,T", MSG3);
    put(&f, "cur", "1700000004.M4P1.host:2,", MSG1);
    put(&f, "new", "1700000005.M5P1.host", MSG2);
    put(&f, "new", "1700000006.M6P1.host", MSG3);
    let size = 2 * served(MSG1) + 2 * served(MSG2) + 2 * served(MSG3);
    let mut c = session(&dir, &md);
    let lines = c.expect(
        "a STATUS Box (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED)",
        "OK",
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    let l = &lines[0];
    let prefix = "* STATUS Box (MESSAGES 6 RECENT 2 UIDNEXT 7 UIDVALIDITY ";
    assert!(l.starts_with(prefix), "{l:?}");
    let rest = &l[prefix.len()..];
    let (validity, rest) = rest.split_once(' ').unwrap();
    let validity: u32 = validity.parse().unwrap();
    assert!(validity > 0);
    assert_eq!(rest, format!("UNSEEN 4 SIZE {size} DELETED 2)"), "{l:?}");
    assert_eq!(names(&f.join("new")).len(), 2, "STATUS moved new/ messages");

    // Items in another order, answered in that order.
    exact(
        &mut c,
        "b STATUS Box (DELETED MESSAGES)",
        "OK",
        &["* STATUS Box (DELETED 2 MESSAGES 6)"],
    );

    // SELECT agrees on UIDVALIDITY and UIDNEXT, and takes the new ones: RECENT is 0 after.
    let lines = c.expect("c SELECT Box", "OK [READ-WRITE]");
    assert_eq!(ok_code(&lines, "UIDVALIDITY"), Some(validity));
    assert_eq!(ok_code(&lines, "UIDNEXT"), Some(7));
    c.expect("d UNSELECT", "OK");
    exact(
        &mut c,
        "e STATUS Box (RECENT MESSAGES UIDVALIDITY)",
        "OK",
        &[&format!(
            "* STATUS Box (RECENT 0 MESSAGES 6 UIDVALIDITY {validity})"
        )],
    );
    assert!(names(&f.join("new")).is_empty());
}

// RFC 3501 6.3.10 and RFC 5530 3: STATUS of a mailbox that does not exist is NO
// [NONEXISTENT], also for a \Noselect level, and creates nothing.
#[test]
fn status_missing_nonexistent() {
    let (dir, md) = maildir("status-missing");
    folder(&md, "A.B");
    let before = snapshot(&md);
    let mut c = session(&dir, &md);
    exact(&mut c, "a STATUS Nope (MESSAGES)", "NO [NONEXISTENT]", &[]);
    exact(
        &mut c,
        "b STATUS A (MESSAGES UIDNEXT)",
        "NO [NONEXISTENT]",
        &[],
    );
    assert_eq!(snapshot(&md), before);
}

// ---------------------------------------------------------------------------------------
// CREATE, DELETE, RENAME
// ---------------------------------------------------------------------------------------

// RFC 3501 6.3.3: a trailing separator means the name will have children; the mailbox is
// created without it. RFC 5530 3: an existing name is NO [ALREADYEXISTS]. DESIGN 3: the
// folder is `.Name/` with tmp/, new/, cur/ and `maildirfolder`.
#[test]
fn create_trailing_separator_and_alreadyexists() {
    let (dir, md) = maildir("create");
    let mut c = session(&dir, &md);
    c.expect("a CREATE Projects.", "OK");
    let f = md.join(".Projects");
    for sub in ["tmp", "new", "cur"] {
        assert!(f.join(sub).is_dir(), "{sub}/ missing");
    }
    assert!(f.join("maildirfolder").is_file());
    assert!(!md.join(".Projects.").exists());
    exact(
        &mut c,
        "b LIST \"\" \"Pro*\"",
        "OK",
        &["* LIST (\\HasNoChildren) \".\" Projects"],
    );
    c.expect("c CREATE Projects", "NO [ALREADYEXISTS]");
    c.expect("d CREATE Projects.", "NO [ALREADYEXISTS]");
    // Nested names need no parents (Maildir++).
    c.expect("e CREATE Deep.er.still", "OK");
    assert!(md.join(".Deep.er.still/cur").is_dir());
    assert!(!md.join(".Deep").exists());
    c.expect("f SELECT Projects", "OK [READ-WRITE]");
    let dirs: Vec<String> = names(&md)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(dirs, [".Deep.er.still", ".Projects"]);
}

// RFC 3501 6.3.3 ("It is an error to attempt to create INBOX") and 6.3.4 ("It is an error
// to attempt to delete INBOX"), in any case.
#[test]
fn create_and_delete_inbox_refused() {
    let (dir, md) = maildir("inbox-cd");
    put(&md, "cur", "1700000001.M1P1.host:2,S", MSG1);
    let before = snapshot(&md);
    let mut c = session(&dir, &md);
    exact(&mut c, "a CREATE INBOX", "NO", &[]);
    exact(&mut c, "b CREATE inbox", "NO", &[]);
    exact(&mut c, "c DELETE INBOX", "NO", &[]);
    exact(&mut c, "d DELETE Inbox", "NO", &[]);
    // Only the uidlist may have appeared (there is none yet: nothing was opened).
    assert_eq!(snapshot(&md), before);
    let lines = c.expect("e SELECT INBOX", "OK");
    assert_eq!(exists(&c, &lines), 1);
}

// RFC 3501 6.3.4: deleting a name with inferiors removes its messages and leaves the
// inferiors; the name becomes \Noselect. A missing name is NO [NONEXISTENT] (RFC 5530).
#[test]
fn delete_keeps_children() {
    let (dir, md) = maildir("delete");
    let parent = folder(&md, "P");
    let kid = folder(&md, "P.kid");
    put(&parent, "cur", "1700000001.M1P1.host:2,S", MSG1);
    put(&kid, "cur", "1700000002.M2P1.host:2,S", MSG2);
    let kid_before = snapshot(&kid);
    let mut c = session(&dir, &md);
    c.expect("a DELETE P", "OK");
    assert!(!parent.exists(), ".P still there");
    assert_eq!(snapshot(&kid), kid_before, "the child changed");
    // Nothing left behind in the Maildir's tmp/.
    assert!(
        names(&md.join("tmp")).is_empty(),
        "{:?}",
        names(&md.join("tmp"))
    );
    exact(
        &mut c,
        "b LIST \"\" \"P*\"",
        "OK",
        &[
            "* LIST (\\Noselect \\HasChildren) \".\" P",
            "* LIST (\\HasNoChildren) \".\" P.kid",
        ],
    );
    c.expect("c DELETE P", "NO [NONEXISTENT]");
    c.expect("d DELETE Never", "NO [NONEXISTENT]");
    let lines = c.expect("e SELECT P.kid", "OK");
    assert_eq!(exists(&c, &lines), 1);
}

// RFC 3501 6.3.4 allows refusing to delete the selected mailbox; imapd does (NO
// [CANNOT]), and the mailbox and its messages stay.
#[test]
fn delete_selected_refused() {
    let (dir, md) = maildir("delete-sel");
    let f = folder(&md, "Open");
    put(&f, "cur", "1700000001.M1P1.host:2,S", MSG1);
    let mut c = session(&dir, &md);
    c.expect("a SELECT Open", "OK");
    exact(&mut c, "b DELETE Open", "NO", &[]);
    assert_eq!(names(&f.join("cur")), ["1700000001.M1P1.host:2,S"]);
    exact(
        &mut c,
        "c FETCH 1 (FLAGS)",
        "OK",
        &["* 1 FETCH (FLAGS (\\Seen))"],
    );
    c.expect("d UNSELECT", "OK");
    c.expect("e DELETE Open", "OK");
    assert!(!f.exists());
}

// RFC 3501 6.3.5: "If the name has inferior hierarchical names, then the inferior
// hierarchical names MUST also be renamed" (`A.x` becomes `B.x`); the messages move with
// them, byte for byte.
#[test]
fn rename_moves_children() {
    let (dir, md) = maildir("rename");
    let a = folder(&md, "A");
    let ax = folder(&md, "A.x");
    let axy = folder(&md, "A.x.y");
    folder(&md, "AB");
    put(&a, "cur", "1700000001.M1P1.host:2,S", MSG1);
    put(&ax, "new", "1700000002.M2P1.host", MSG2);
    put(&axy, "cur", "1700000003.M3P1.host:2,F", MSG3);
    let snaps: Vec<Vec<String>> = [&a, &ax, &axy].iter().map(|d| snapshot(d)).collect();
    let mut c = session(&dir, &md);
    c.expect("a RENAME A B", "OK");
    for (old, new, snap) in [
        (".A", ".B", &snaps[0]),
        (".A.x", ".B.x", &snaps[1]),
        (".A.x.y", ".B.x.y", &snaps[2]),
    ] {
        assert!(!md.join(old).exists(), "{old} still there");
        assert_eq!(&snapshot(&md.join(new)), snap, "{new} differs from {old}");
    }
    assert!(md.join(".AB/cur").is_dir(), "AB (not a child of A) moved");
    exact(
        &mut c,
        "b LIST \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren) \".\" AB",
            "* LIST (\\HasChildren) \".\" B",
            "* LIST (\\HasChildren) \".\" B.x",
            "* LIST (\\HasNoChildren) \".\" B.x.y",
        ],
    );
    let lines = c.expect("c SELECT B.x", "OK");
    assert_eq!(exists(&c, &lines), 1);
}

// RFC 3501 6.3.5: renaming to an existing name is an error (RFC 5530 ALREADYEXISTS), as is
// renaming a mailbox that does not exist (NONEXISTENT); a mailbox cannot become its own
// child. None of these change anything.
#[test]
fn rename_refusals_change_nothing() {
    let (dir, md) = maildir("rename-no");
    let a = folder(&md, "A");
    folder(&md, "A.x");
    folder(&md, "Other");
    put(&a, "cur", "1700000001.M1P1.host:2,S", MSG1);
    let before = snapshot(&md);
    let mut c = session(&dir, &md);
    exact(&mut c, "a RENAME A A.sub", "NO", &[]);
    exact(&mut c, "b RENAME A A.x.deeper", "NO", &[]);
    exact(&mut c, "c RENAME A Other", "NO [ALREADYEXISTS]", &[]);
    exact(&mut c, "d RENAME A A.x", "NO", &[]);
    exact(&mut c, "e RENAME Missing New", "NO [NONEXISTENT]", &[]);
    exact(&mut c, "f RENAME Other INBOX", "NO", &[]);
    assert_eq!(snapshot(&md), before);
}

// RFC 3501 6.3.5: "Renaming INBOX is permitted, and has special behavior. It moves all
// messages in INBOX to a new mailbox with the given name, leaving INBOX empty." The
// messages keep their bytes (DESIGN 3: a file never changes content) and their flags and
// keywords; INBOX's UIDs are not given again with the same UIDVALIDITY (RFC 3501 2.3.1.1).
#[test]
fn rename_inbox_moves_messages() {
    let (dir, md) = maildir("rename-inbox");
    put(&md, "cur", "1700000001.M1P1.host:2,Sa", MSG1);
    put(&md, "cur", "1700000002.M2P1.host:2,F", MSG2);
    put(&md, "new", "1700000003.M3P1.host", MSG3);
    std::fs::write(md.join("dovecot-keywords"), "0 work\n").unwrap();
    folder(&md, "Kid");
    // "inferior hierarchical names of INBOX ... are unaffected by a rename of INBOX".
    let inbox_kid = folder(&md, "INBOX.kid");
    put(&inbox_kid, "cur", "1700000009.M9P1.host:2,S", MSG1);
    let kid_before = snapshot(&inbox_kid);
    let mut c = session(&dir, &md);
    let lines = c.expect("a EXAMINE INBOX", "OK");
    let validity = ok_code(&lines, "UIDVALIDITY").unwrap();
    assert_eq!(ok_code(&lines, "UIDNEXT"), Some(4));
    c.expect("b CLOSE", "OK");
    c.expect("c RENAME INBOX Old", "OK");

    assert!(names(&md.join("cur")).is_empty(), "INBOX cur/ not empty");
    assert!(names(&md.join("new")).is_empty(), "INBOX new/ not empty");
    let old = md.join(".Old");
    assert!(old.join("maildirfolder").is_file());
    let mut moved = names(&old.join("cur"));
    moved.extend(names(&old.join("new")));
    moved.sort();
    let mut contents: Vec<(String, String)> = Vec::new();
    for sub in ["cur", "new"] {
        for n in names(&old.join(sub)) {
            contents.push((
                n.clone(),
                std::fs::read_to_string(old.join(sub).join(&n)).unwrap(),
            ));
        }
    }
    contents.sort();
    let bases: Vec<&str> = contents.iter().map(|(n, _)| &n[..20]).collect();
    assert_eq!(
        bases,
        [
            "1700000001.M1P1.host",
            "1700000002.M2P1.host",
            "1700000003.M3P1.host"
        ],
        "{moved:?}"
    );
    let bodies: Vec<&str> = contents.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(bodies, [MSG1, MSG2, MSG3]);
    assert!(md.join(".Kid/cur").is_dir(), "another folder moved");
    assert_eq!(snapshot(&inbox_kid), kid_before, "INBOX.kid changed");
    assert!(!md.join(".Old.kid").exists(), "INBOX.kid was renamed too");

    let lines = c.expect("d SELECT INBOX", "OK");
    assert_eq!(exists(&c, &lines), 0);
    let v2 = ok_code(&lines, "UIDVALIDITY").unwrap();
    let next = ok_code(&lines, "UIDNEXT").unwrap();
    assert!(
        v2 > validity || (v2 == validity && next >= 4),
        "INBOX UIDs could be given again: UIDVALIDITY {validity} -> {v2}, UIDNEXT {next}"
    );
    let lines = c.expect("e SELECT Old", "OK");
    assert_eq!(exists(&c, &lines), 3);
    let lines = c.expect("f FETCH 1:3 (FLAGS)", "OK");
    let f: Vec<BTreeSet<String>> = untagged(&lines).iter().map(|l| flags_of(l)).collect();
    assert_eq!(
        f,
        [set(&["\\Seen", "work"]), set(&["\\Flagged"]), set(&[])],
        "{lines:?}"
    );
}

// RFC 3501 6.3.5: the inferiors MUST be renamed with the mailbox, and renaming to a name
// that exists is an error. When `B.x` exists, `RENAME A B` (A has a child `A.x`) cannot
// be done whole, so it must be refused before anything moves; a half-done rename (`.A`
// gone to `.B`, `.A.x` left behind) breaks the hierarchy.
#[test]
fn rename_onto_existing_child_changes_nothing() {
    let (dir, md) = maildir("rename-collide");
    let a = folder(&md, "A");
    let ax = folder(&md, "A.x");
    let bx = folder(&md, "B.x");
    put(&a, "cur", "1700000001.M1P1.host:2,S", MSG1);
    put(&ax, "cur", "1700000002.M2P1.host:2,S", MSG2);
    put(&bx, "cur", "1700000003.M3P1.host:2,S", MSG3);
    let before = snapshot(&md);
    let mut c = session(&dir, &md);
    exact(&mut c, "a RENAME A B", "NO", &[]);
    assert_eq!(
        snapshot(&md),
        before,
        "a refused RENAME changed the Maildir"
    );
    exact(
        &mut c,
        "b LIST \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasChildren) \".\" A",
            "* LIST (\\HasNoChildren) \".\" A.x",
            "* LIST (\\Noselect \\HasChildren) \".\" B",
            "* LIST (\\HasNoChildren) \".\" B.x",
        ],
    );
}

// RFC 3501 5.1: INBOX is case-insensitive, so `inbox` *is* INBOX. After `CREATE
// inbox.sub`, LIST must not show a second, \Noselect `inbox` beside INBOX (SELECT inbox
// works); INBOX has a child now (RFC 3348 \HasChildren).
#[test]
fn inbox_child_in_lower_case_lists_one_inbox() {
    let (dir, md) = maildir("inbox-child");
    let mut c = session(&dir, &md);
    c.expect("a CREATE inbox.sub", "OK");
    for (tag, pattern) in [("b", "*"), ("c", "%")] {
        let lines = c.expect(&format!("{tag} LIST \"\" \"{pattern}\""), "OK");
        let inboxes: Vec<String> = untagged(&lines)
            .into_iter()
            .filter(|l| {
                l.rsplit(' ')
                    .next()
                    .is_some_and(|n| n.trim_matches('"').eq_ignore_ascii_case("INBOX"))
            })
            .collect();
        assert_eq!(
            inboxes,
            ["* LIST (\\HasChildren) \".\" INBOX"],
            "LIST {pattern}: {lines:#?}"
        );
    }
    c.expect("d SELECT inbox", "OK [READ-WRITE]");
}

// RFC 3501 5.1.3: names are modified UTF-7; a valid one (`Entwürfe` as `Entw&APw-rfe`) is
// taken as it is and is the directory name on disk (DESIGN 3).
#[test]
fn mutf7_valid_name_accepted() {
    let (dir, md) = maildir("mutf7");
    let mut c = session(&dir, &md);
    c.expect("a CREATE Entw&APw-rfe", "OK");
    c.expect("b CREATE \"Tom &- Jerry\"", "OK");
    assert!(md.join(".Entw&APw-rfe/cur").is_dir());
    assert!(md.join(".Tom &- Jerry/cur").is_dir());
    exact(
        &mut c,
        "c LIST \"\" \"%\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren) \".\" Entw&APw-rfe",
            "* LIST (\\HasNoChildren) \".\" \"Tom &- Jerry\"",
        ],
    );
    c.expect("d SELECT Entw&APw-rfe", "OK [READ-WRITE]");
}

// RFC 3501 5.1.3 (invalid modified UTF-7, 8-bit names), 5.1 and 11 (names must not reach
// outside the store): `Tom & Jerry`, 8-bit bytes in a literal, empty levels, `..`, `/` and
// control characters are refused with NO by CREATE, RENAME and APPEND, and nothing is
// created anywhere.
#[test]
fn invalid_names_refused() {
    let (dir, md) = maildir("badnames");
    folder(&md, "Good");
    let before = snapshot(&dir.path);
    let mut c = session(&dir, &md);
    let bad: [&[u8]; 13] = [
        b"Tom & Jerry",
        "Entwürfe".as_bytes(),
        b"caf\xe9",
        b"a..b",
        b"../x",
        b"../../x",
        b"/../x",
        b"./../x",
        b"a/b",
        b"a\x01b",
        b"a\tb",
        b"x\x7f",
        b".hidden",
    ];
    for (i, name) in bad.iter().enumerate() {
        let shown = common::show(name);
        let lit = |tag: &str, cmd: &str, after: &str| {
            let mut v = format!("{tag} {cmd} {{{}+}}\r\n", name.len()).into_bytes();
            v.extend_from_slice(name);
            v.extend_from_slice(after.as_bytes());
            v.extend_from_slice(b"\r\n");
            v
        };
        for (tag, cmd, after) in [
            (format!("c{i}"), "CREATE", ""),
            (format!("s{i}"), "SELECT", ""),
        ] {
            c.send(&lit(&tag, cmd, after));
            let lines = c.until_tagged(&tag);
            if !tagged(&lines).starts_with(&format!("{tag} NO")) {
                c.fail(&format!("{cmd} {shown} was not refused with NO"));
            }
        }
        let tag = format!("r{i}");
        let mut v = format!("{tag} RENAME Good {{{}+}}\r\n", name.len()).into_bytes();
        v.extend_from_slice(name);
        v.extend_from_slice(b"\r\n");
        c.send(&v);
        let lines = c.until_tagged(&tag);
        if !tagged(&lines).starts_with(&format!("{tag} NO")) {
            c.fail(&format!("RENAME Good {shown} was not refused with NO"));
        }
        // APPEND: NO, and not TRYCREATE (the name can never be created, RFC 3501 6.3.11).
        let tag = format!("p{i}");
        let body = wire(MSG2);
        let v = lit(&tag, "APPEND", &format!(" {{{}+}}\r\n{body}", body.len()));
        c.send(&v);
        let lines = c.until_tagged(&tag);
        let t = tagged(&lines);
        if !t.starts_with(&format!("{tag} NO")) || t.contains("TRYCREATE") {
            c.fail(&format!("APPEND {shown} was not refused with a plain NO"));
        }
    }
    c.expect("z NOOP", "OK");
    drop(c);
    let after = snapshot(&dir.path);
    // The session may write its uidlist for nothing here; compare all the rest.
    assert_eq!(after, before, "something changed on disk");
}

/// A Maildir outside the user's Maildir, with one message in new/ and one in cur/.
fn outside(dir: &TempDir) -> PathBuf {
    let out = dir.join("somewhere-outside");
    make_maildir(&out);
    put(&out, "cur", "1600000001.M1P1.host:2,S", MSG1);
    put(&out, "new", "1600000002.M2P1.host", MSG2);
    std::fs::write(out.join("maildirfolder"), b"").unwrap();
    out
}

// Issue 3 item 4 and RFC 3501 11 (security): a symlink planted in the Maildir as
// `.Evil -> <outside>` is no mailbox: not listed, not selectable, not deleted or renamed
// or written through, and nothing outside changes.
#[test]
fn symlinked_folder_is_not_a_mailbox() {
    let (dir, md) = maildir("symlink");
    let out = outside(&dir);
    std::os::unix::fs::symlink(&out, md.join(".Evil")).unwrap();
    folder(&md, "Fine");
    put(&md, "cur", "1700000001.M1P1.host:2,S", MSG1);
    let out_before = snapshot(&out);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"*\"",
        "OK",
        &[
            "* LIST (\\HasNoChildren) \".\" INBOX",
            "* LIST (\\HasNoChildren) \".\" Fine",
        ],
    );
    exact(&mut c, "b SELECT Evil", "NO", &[]);
    exact(&mut c, "c EXAMINE Evil", "NO", &[]);
    exact(&mut c, "d STATUS Evil (MESSAGES)", "NO", &[]);
    exact(&mut c, "e DELETE Evil", "NO", &[]);
    exact(&mut c, "f RENAME Evil Moved", "NO", &[]);
    exact(&mut c, "g RENAME Fine Evil", "NO", &[]);
    exact(&mut c, "h RENAME INBOX Evil", "NO", &[]);
    exact(&mut c, "i CREATE Evil", "NO", &[]);
    let body = wire(MSG3);
    c.send(format!("j APPEND Evil {{{}+}}\r\n{body}\r\n", body.len()).as_bytes());
    let lines = c.until_tagged("j");
    assert!(tagged(&lines).starts_with("j NO"), "{lines:?}");
    c.expect("k SELECT INBOX", "OK");
    exact(&mut c, "l COPY 1 Evil", "NO", &[]);
    exact(&mut c, "m MOVE 1 Evil", "NO", &[]);
    drop(c);
    assert_eq!(snapshot(&out), out_before, "the outside Maildir changed");
    assert_eq!(std::fs::read_link(md.join(".Evil")).unwrap(), out);
    assert!(!md.join(".Moved").exists());
    assert!(md.join(".Fine/cur").is_dir());
    assert_eq!(names(&md.join("cur")).len(), 1, "INBOX lost its message");
}

// Issue 3 item 4, DESIGN 3: a folder whose `new/` is a symlink is not a mailbox (else
// SELECT would take the outside messages from it into cur/).
#[test]
fn folder_with_symlinked_new_is_not_a_mailbox() {
    let (dir, md) = maildir("symlink-new");
    let out = outside(&dir);
    let half = md.join(".Half");
    std::fs::create_dir_all(half.join("cur")).unwrap();
    std::fs::create_dir_all(half.join("tmp")).unwrap();
    std::fs::write(half.join("maildirfolder"), b"").unwrap();
    std::os::unix::fs::symlink(out.join("new"), half.join("new")).unwrap();
    // A directory without cur/ is no folder either (DESIGN 3).
    std::fs::create_dir_all(md.join(".NoCur/new")).unwrap();
    let out_before = snapshot(&out);
    let mut c = session(&dir, &md);
    exact(
        &mut c,
        "a LIST \"\" \"*\"",
        "OK",
        &["* LIST (\\HasNoChildren) \".\" INBOX"],
    );
    exact(&mut c, "b SELECT Half", "NO", &[]);
    exact(&mut c, "c STATUS Half (MESSAGES RECENT)", "NO", &[]);
    exact(&mut c, "d DELETE Half", "NO", &[]);
    exact(&mut c, "e SELECT NoCur", "NO", &[]);
    let body = wire(MSG3);
    c.send(format!("f APPEND Half {{{}+}}\r\n{body}\r\n", body.len()).as_bytes());
    let lines = c.until_tagged("f");
    assert!(tagged(&lines).starts_with("f NO"), "{lines:?}");
    drop(c);
    assert_eq!(snapshot(&out), out_before, "the outside Maildir changed");
    assert!(names(&half.join("cur")).is_empty());
}

// ---------------------------------------------------------------------------------------
// APPEND
// ---------------------------------------------------------------------------------------

// RFC 3501 6.3.11: the flag list and date-time arguments are stored: the flags in the file
// name (DESIGN 3: letters in ASCII order, keywords as letters from `dovecot-keywords`), the
// date as the file's mtime, which FETCH gives as INTERNALDATE. The message is stored with
// LF and served with CRLF. RFC 4315 3: APPENDUID.
#[test]
fn append_flags_keywords_date() {
    let (dir, md) = maildir("append");
    let f = folder(&md, "Box");
    let mut c = session(&dir, &md);
    let body = wire(MSG1);
    c.send(
        format!(
            "a APPEND Box (\\Seen \\Flagged Work $Label) \"14-Jul-2021 09:30:05 +0200\" {{{}+}}\r\n{body}\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("a");
    let t = tagged(&lines);
    assert!(t.starts_with("a OK [APPENDUID "), "{lines:?}");
    let args = code_args(t, "APPENDUID").unwrap();
    assert_eq!(args[1], "1", "{t:?}");
    let name = only_file(&f.join("cur"));
    assert_eq!(letters(&name), "FSab", "{name}");
    assert!(
        name.contains(&format!(",S={},W={}:", MSG1.len(), served(MSG1))),
        "{name}"
    );
    assert_eq!(
        std::fs::read_to_string(f.join("dovecot-keywords")).unwrap(),
        "0 Work\n1 $Label\n"
    );
    let path = f.join("cur").join(&name);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), MSG1);
    let want = epoch(2021, 7, 14, 7, 30, 5);
    assert_eq!(std::fs::metadata(&path).unwrap().mtime(), want);
    assert!(names(&f.join("tmp")).is_empty() && names(&md.join("tmp")).is_empty());

    // Without a date: now. With \Draft and \Answered.
    let body = wire(MSG2);
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    c.send(
        format!(
            "b APPEND Box (\\Draft \\Answered) {{{}+}}\r\n{body}\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("b");
    assert!(tagged(&lines).starts_with("b OK [APPENDUID "), "{lines:?}");
    assert_eq!(
        code_args(tagged(&lines), "APPENDUID").unwrap(),
        [args[0].clone(), "2".to_string()]
    );

    // RFC 3501 9: date-day-fixed may be SP DIGIT; a negative zone.
    let body = wire(MSG3);
    c.send(
        format!(
            "b2 APPEND Box \" 4-Mar-2019 23:59:59 -0130\" {{{}+}}\r\n{body}\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("b2");
    assert!(tagged(&lines).starts_with("b2 OK [APPENDUID "), "{lines:?}");
    let third = names(&f.join("cur"))
        .into_iter()
        .find(|n| std::fs::read_to_string(f.join("cur").join(n)).unwrap() == MSG3)
        .unwrap();
    assert_eq!(letters(&third), "");
    assert_eq!(
        std::fs::metadata(f.join("cur").join(&third))
            .unwrap()
            .mtime(),
        epoch(2019, 3, 5, 1, 29, 59)
    );

    let lines = c.expect("c SELECT Box", "OK");
    assert_eq!(ok_code(&lines, "UIDVALIDITY").unwrap().to_string(), args[0]);
    let lines = c.expect("d UID FETCH 1:2 (FLAGS INTERNALDATE RFC822.SIZE)", "OK");
    let fetched = untagged(&lines);
    assert_eq!(fetched.len(), 2, "{lines:?}");
    assert_eq!(
        flags_of(&fetched[0]),
        set(&["\\Seen", "\\Flagged", "Work", "$Label"])
    );
    assert_eq!(flags_of(&fetched[1]), set(&["\\Draft", "\\Answered"]));
    let date = |l: &str| {
        let i = l.find("INTERNALDATE \"").unwrap() + "INTERNALDATE ".len();
        let j = i + 1 + l[i + 1..].find('"').unwrap();
        parse_date_time(&l[i..=j])
    };
    assert_eq!(date(&fetched[0]), want, "{}", fetched[0]);
    let d2 = date(&fetched[1]);
    assert!(
        (start - 1..=start + 5).contains(&d2),
        "{} vs {start}",
        fetched[1]
    );
    assert!(
        fetched[0].contains(&format!("RFC822.SIZE {}", served(MSG1))),
        "{}",
        fetched[0]
    );
}

// RFC 3502 (MULTIAPPEND): several messages in one APPEND, RFC 4315 3: one APPENDUID with
// their UIDs, consecutive from the folder's next UID, in the order sent.
#[test]
fn multiappend_appenduid_consecutive() {
    let (dir, md) = maildir("multiappend");
    let f = folder(&md, "Box");
    put(&f, "cur", "1700000001.M1P1.host:2,S", MSG1);
    uidlist(&f, 4242, 17, &[(16, "1700000001.M1P1.host:2,S")]);
    let mut c = session(&dir, &md);
    let (b1, b2, b3) = (wire(MSG1), wire(MSG2), wire(MSG3));
    // The first literal synchronizing, the others LITERAL+.
    send_sync_literal(&mut c, "a APPEND Box (\\Seen) ", b1.as_bytes());
    c.send(
        format!(
            " {{{}+}}\r\n{b2} (\\Flagged) \"01-Feb-2020 10:00:00 +0000\" {{{}+}}\r\n{b3}\r\n",
            b2.len(),
            b3.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("a");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let t = tagged(&lines);
    assert_eq!(
        code_args(t, "APPENDUID"),
        Some(strs(&["4242", "17:19"])),
        "{t:?}"
    );
    assert_eq!(names(&f.join("cur")).len(), 4);
    assert!(names(&md.join("tmp")).is_empty());
    let lines = c.expect("b SELECT Box", "OK");
    assert_eq!(exists(&c, &lines), 4);
    assert_eq!(ok_code(&lines, "UIDNEXT"), Some(20));
    assert_eq!(ok_code(&lines, "UIDVALIDITY"), Some(4242));
    let lines = c.expect("c UID FETCH 17:19 (FLAGS RFC822.SIZE)", "OK");
    let fetched = untagged(&lines);
    assert_eq!(fetched.len(), 3, "{lines:?}");
    for (l, (uid, size, flags)) in fetched.iter().zip([
        (17, served(MSG1), set(&["\\Seen"])),
        (18, served(MSG2), set(&[])),
        (19, served(MSG3), set(&["\\Flagged"])),
    ]) {
        assert!(l.contains(&format!("UID {uid}")), "{l}");
        assert!(l.contains(&format!("RFC822.SIZE {size}")), "{l}");
        assert_eq!(flags_of(l), flags, "{l}");
    }
}

// RFC 3502 6: "If the server fails to append any message, none of the messages are
// appended"; a bad flag (`\Bogus` is no system flag, RFC 3501 2.3.2) in the second message
// is BAD, and the first message is neither in the mailbox nor left in tmp/.
#[test]
fn multiappend_refused_second_leaves_nothing() {
    let (dir, md) = maildir("multiappend-bad");
    let f = folder(&md, "Box");
    let mut c = session(&dir, &md);
    let b1 = wire(MSG1);
    send_sync_literal(&mut c, "a APPEND Box (\\Seen) ", b1.as_bytes());
    c.send(format!(" (\\Bogus) {{{}}}\r\n", wire(MSG2).len()).as_bytes());
    let lines = c.until_tagged("a");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(tagged(&lines).starts_with("a BAD"), "{lines:?}");
    // The session goes on (the second literal was never invited).
    c.expect("b NOOP", "OK");
    exact(
        &mut c,
        "c STATUS Box (MESSAGES)",
        "OK",
        &["* STATUS Box (MESSAGES 0)"],
    );
    for d in [f.join("cur"), f.join("new"), f.join("tmp"), md.join("tmp")] {
        assert!(names(&d).is_empty(), "{}: {:?}", d.display(), names(&d));
    }

    // The same with LITERAL+ for both: the second has a bad date.
    let (b1, b2) = (wire(MSG1), wire(MSG2));
    c.send(
        format!(
            "d APPEND Box {{{}+}}\r\n{b1} \"31-Foo-2020 10:00:00 +0000\" {{{}+}}\r\n{b2}\r\n",
            b1.len(),
            b2.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("d");
    assert!(tagged(&lines).starts_with("d BAD"), "{lines:?}");
    c.expect("e NOOP", "OK");
    for d in [f.join("cur"), f.join("new"), f.join("tmp"), md.join("tmp")] {
        assert!(names(&d).is_empty(), "{}: {:?}", d.display(), names(&d));
    }
}

// RFC 3502 6: "If the server fails to append any message, none of the messages are
// appended". The second message of a MULTIAPPEND is larger than the server takes (256 MiB):
// the command fails whole with BAD [TOOBIG] (RFC 5530 3), the synchronizing literal never
// gets its `+` (RFC 3501 7.5), the first message, already read into tmp/, is gone again,
// and the same connection answers the next command.
#[test]
fn multiappend_second_too_large_appends_none() {
    let (dir, md) = maildir("multiappend-toobig");
    let f = folder(&md, "Box");
    let mut c = session(&dir, &md);
    let b1 = wire(MSG1);
    c.send(
        format!(
            "a APPEND Box (\\Seen) {{{}+}}\r\n{b1} {{300000000}}\r\n",
            b1.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("a");
    assert_eq!(lines, ["a BAD [TOOBIG] Message too large"]);
    exact(
        &mut c,
        "b STATUS Box (MESSAGES)",
        "OK",
        &["* STATUS Box (MESSAGES 0)"],
    );
    for d in [f.join("cur"), f.join("new"), f.join("tmp"), md.join("tmp")] {
        assert!(names(&d).is_empty(), "{}: {:?}", d.display(), names(&d));
    }
}

// RFC 3501 6.3.11: APPEND to a mailbox that does not exist is NO [TRYCREATE], without
// inviting the literal; with LITERAL+ (RFC 7888) the literal is read and dropped and the
// session goes on. Nothing is created.
#[test]
fn append_missing_trycreate() {
    let (dir, md) = maildir("append-missing");
    let before = snapshot(&md);
    let mut c = session(&dir, &md);
    let body = wire(MSG1);
    c.send(format!("a APPEND Missing {{{}}}\r\n", body.len()).as_bytes());
    let lines = c.until_tagged("a");
    assert_eq!(lines.len(), 1, "a continuation was sent: {lines:?}");
    assert!(tagged(&lines).starts_with("a NO [TRYCREATE]"), "{lines:?}");
    c.send(
        format!(
            "b APPEND Missing (\\Seen) {{{}+}}\r\n{body}\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let lines = c.until_tagged("b");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(tagged(&lines).starts_with("b NO [TRYCREATE]"), "{lines:?}");
    exact(&mut c, "c NOOP", "OK", &[]);
    drop(c);
    assert_eq!(snapshot(&md), before);
}

// Issue 3 item 4: "a literal that does not arrive whole leaves nothing behind in cur/ or
// new/" (and the tmp/ file goes too): the client hangs up in the middle of an APPEND
// literal, also after a complete first message of a MULTIAPPEND.
#[test]
fn append_cut_off_leaves_nothing() {
    let (dir, md) = maildir("append-cut");
    let f = folder(&md, "Box");
    let body = wire(MSG1);
    for (target, input) in [
        ("INBOX", format!("a APPEND INBOX {{200+}}\r\n{body}")),
        ("Box", format!("a APPEND Box (\\Seen) {{200+}}\r\n{body}")),
        (
            "Box",
            format!(
                "a APPEND Box {{{}+}}\r\n{body} {{300+}}\r\n{body}",
                body.len()
            ),
        ),
    ] {
        let mut c = session(&dir, &md);
        c.send(input.as_bytes());
        c.close_stdin();
        let rest = c.rest();
        assert!(
            !rest.iter().any(|l| l.starts_with("a OK")),
            "{target}: {rest:?}"
        );
        c.wait();
        for d in ["cur", "new", "tmp"] {
            assert!(
                names(&md.join(d)).is_empty(),
                "INBOX {d}/: {:?}",
                names(&md.join(d))
            );
            assert!(
                names(&f.join(d)).is_empty(),
                "Box {d}/: {:?}",
                names(&f.join(d))
            );
        }
    }
}

// RFC 3501 6.3.11 (a message is RFC 5322 text; an empty one is not) and issue 3 item 4:
// an empty literal is refused with NO and leaves nothing; the session stays in step.
#[test]
fn append_empty_literal_no() {
    let (dir, md) = maildir("append-empty");
    let mut c = session(&dir, &md);
    c.send(b"a APPEND INBOX {0+}\r\n\r\n");
    let lines = c.until_tagged("a");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(tagged(&lines).starts_with("a NO"), "{lines:?}");
    c.send(b"b APPEND INBOX (\\Seen) {0}\r\n");
    let l = c.line();
    if l.starts_with('+') {
        c.send(b"\r\n");
        let lines = c.until_tagged("b");
        assert!(tagged(&lines).starts_with("b NO"), "{lines:?}");
    } else {
        assert!(l.starts_with("b NO"), "{l:?}");
    }
    exact(&mut c, "c NOOP", "OK", &[]);
    for d in ["cur", "new", "tmp"] {
        assert!(
            names(&md.join(d)).is_empty(),
            "{d}/: {:?}",
            names(&md.join(d))
        );
    }
}

// ---------------------------------------------------------------------------------------
// COPY and MOVE
// ---------------------------------------------------------------------------------------

/// INBOX with UIDs 5, 7, 9 (keywords foo=a, bar=b) and folder T (UIDVALIDITY 555, next UID
/// 40, keywords baz=a, bar=b).
fn copy_fixture(name: &str) -> (TempDir, PathBuf, PathBuf) {
    let (dir, md) = maildir(name);
    let n = [
        "1700000001.M1P1.host:2,Sa",
        "1700000002.M2P1.host:2,b",
        "1700000003.M3P1.host:2,FSab",
    ];
    put(&md, "cur", n[0], MSG1);
    put(&md, "cur", n[1], MSG2);
    put(&md, "cur", n[2], MSG3);
    uidlist(&md, 100, 20, &[(5, n[0]), (7, n[1]), (9, n[2])]);
    std::fs::write(md.join("dovecot-keywords"), "0 foo\n1 bar\n").unwrap();
    let t = folder(&md, "T");
    uidlist(&t, 555, 40, &[]);
    std::fs::write(t.join("dovecot-keywords"), "0 baz\n1 bar\n").unwrap();
    (dir, md, t)
}

/// The target file whose content is `content`.
fn file_with(dir: &Path, content: &str) -> String {
    let hits: Vec<String> = names(dir)
        .into_iter()
        .filter(|n| std::fs::read_to_string(dir.join(n)).unwrap() == content)
        .collect();
    assert_eq!(hits.len(), 1, "{}: {:?}", dir.display(), names(dir));
    hits[0].clone()
}

// RFC 4315 3 (COPYUID: target UIDVALIDITY, source UIDs, target UIDs in matching order);
// RFC 3501 6.4.7: flags are kept. DESIGN 3: keywords are letters per folder, so `foo`
// (`a` in INBOX) becomes the target's own letter for `foo`.
#[test]
fn copy_copyuid_and_keywords_translated() {
    let (dir, md, t) = copy_fixture("copy");
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let lines = c.expect("b COPY 1:3 T", "OK [COPYUID ");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let args = code_args(tagged(&lines), "COPYUID").unwrap();
    assert_eq!(args[0], "555");
    assert_eq!(expand(&args[1]), [5, 7, 9]);
    assert_eq!(expand(&args[2]), [40, 41, 42]);
    assert_eq!(
        std::fs::read_to_string(t.join("dovecot-keywords")).unwrap(),
        "0 baz\n1 bar\n2 foo\n"
    );
    let cur = t.join("cur");
    assert_eq!(names(&cur).len(), 3);
    assert_eq!(letters(&file_with(&cur, MSG1)), "Sc");
    assert_eq!(letters(&file_with(&cur, MSG2)), "b");
    assert_eq!(letters(&file_with(&cur, MSG3)), "FSbc");
    // The source is untouched.
    assert_eq!(names(&md.join("cur")).len(), 3);
    let lines = c.expect("c UID COPY 9 T", "OK [COPYUID ");
    let args = code_args(tagged(&lines), "COPYUID").unwrap();
    assert_eq!(args, ["555", "9", "43"]);

    let lines = c.expect("d SELECT T", "OK");
    assert_eq!(exists(&c, &lines), 4);
    assert_eq!(ok_code(&lines, "UIDNEXT"), Some(44));
    let lines = c.expect("e UID FETCH 40:43 (FLAGS)", "OK");
    let f: Vec<BTreeSet<String>> = untagged(&lines).iter().map(|l| flags_of(l)).collect();
    assert_eq!(
        f,
        [
            set(&["\\Seen", "foo"]),
            set(&["bar"]),
            set(&["\\Flagged", "\\Seen", "foo", "bar"]),
            set(&["\\Flagged", "\\Seen", "foo", "bar"]),
        ],
        "{lines:?}"
    );
}

// RFC 3501 6.4.7: COPY copies the message with its flags. Only the keywords the copied
// messages carry need a letter in the target (DESIGN 3): a source folder whose keyword
// table is full (26 names, most of them unused here) must not make COPY of a message with
// one keyword fail with NO [LIMIT] when the target has room for that one.
#[test]
fn copy_needs_room_only_for_keywords_it_carries() {
    let (dir, md) = maildir("copy-kwroom");
    put(&md, "cur", "1700000001.M1P1.host:2,Sa", MSG1);
    put(&md, "cur", "1700000002.M2P1.host:2,S", MSG2);
    let table: String = (0..26).map(|i| format!("{i} k{i}\n")).collect();
    std::fs::write(md.join("dovecot-keywords"), table).unwrap();
    let t = folder(&md, "T");
    let other: String = (0..20).map(|i| format!("{i} other{i}\n")).collect();
    std::fs::write(t.join("dovecot-keywords"), &other).unwrap();
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let lines = c.expect("b COPY 1:2 T", "OK [COPYUID ");
    let args = code_args(tagged(&lines), "COPYUID").unwrap();
    assert_eq!(expand(&args[1]), [1, 2]);
    assert_eq!(expand(&args[2]), [1, 2]);
    let kw = std::fs::read_to_string(t.join("dovecot-keywords")).unwrap();
    assert!(kw.starts_with(&other), "target letters renumbered: {kw:?}");
    assert!(
        kw.contains("\n20 k0\n") || kw.ends_with("20 k0\n"),
        "{kw:?}"
    );
    let cur = t.join("cur");
    assert_eq!(letters(&file_with(&cur, MSG1)), "Su");
    assert_eq!(letters(&file_with(&cur, MSG2)), "S");
}

// RFC 6851 4.3 (MOVE with UIDPLUS): the COPYUID goes in an untagged OK before the EXPUNGE
// responses, then the tagged OK; the source file is gone, the target has the message.
#[test]
fn move_copyuid_then_expunge() {
    let (dir, md, t) = copy_fixture("move");
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let lines = c.cmd("b UID MOVE 7 T");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("* OK [COPYUID 555 7 40]"), "{lines:?}");
    assert_eq!(lines[1], "* 2 EXPUNGE");
    assert!(lines[2].starts_with("b OK"), "{lines:?}");
    assert_eq!(
        names(&md.join("cur")),
        ["1700000001.M1P1.host:2,Sa", "1700000003.M3P1.host:2,FSab"]
    );
    assert_eq!(letters(&only_file(&t.join("cur"))), "b");

    // Two at once, by sequence number: 1 and 2 (UIDs 5 and 9) now.
    let lines = c.cmd("c MOVE 1:2 T");
    assert_eq!(lines.len(), 4, "{lines:?}");
    let args = code_args(&lines[0], "COPYUID").unwrap();
    assert!(lines[0].starts_with("* OK [COPYUID "), "{lines:?}");
    assert_eq!(args[0], "555");
    assert_eq!(expand(&args[1]), [5, 9]);
    assert_eq!(expand(&args[2]), [41, 42]);
    let left = apply_expunges(&c, vec![5, 9], &lines[1..3]);
    assert!(left.is_empty(), "{lines:?}");
    assert!(lines[3].starts_with("c OK"), "{lines:?}");
    assert!(names(&md.join("cur")).is_empty());
    assert_eq!(names(&t.join("cur")).len(), 3);
    let lines = c.expect("d NOOP", "OK");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

// RFC 3501 6.4.7 and RFC 6851 3.3: COPY or MOVE to a mailbox that does not exist is NO
// [TRYCREATE], and nothing moves.
#[test]
fn copy_move_missing_trycreate() {
    let (dir, md, _t) = copy_fixture("copy-missing");
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let before = snapshot(&md);
    exact(&mut c, "b COPY 1:3 Nowhere", "NO [TRYCREATE]", &[]);
    exact(&mut c, "c MOVE 1 Nowhere", "NO [TRYCREATE]", &[]);
    exact(
        &mut c,
        "d UID MOVE 5:9 Nowhere.deeper",
        "NO [TRYCREATE]",
        &[],
    );
    assert_eq!(snapshot(&md), before);
    exact(
        &mut c,
        "e FETCH 1:3 (UID)",
        "OK",
        &[
            "* 1 FETCH (UID 5)",
            "* 2 FETCH (UID 7)",
            "* 3 FETCH (UID 9)",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// STORE and EXPUNGE
// ---------------------------------------------------------------------------------------

/// INBOX with UIDs 1..=n; the messages in `deleted` carry \Deleted (T).
fn numbered(md: &Path, n: u32, deleted: &[u32]) -> Vec<String> {
    let mut all = Vec::new();
    for uid in 1..=n {
        let flags = if deleted.contains(&uid) { "ST" } else { "S" };
        let name = format!("17000000{uid:02}.M{uid}P1.host:2,{flags}");
        put(md, "cur", &name, MSG2);
        all.push(name);
    }
    let records: Vec<(u32, &str)> = all
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u32 + 1, n.as_str()))
        .collect();
    uidlist(md, 77, n + 1, &records);
    all
}

// RFC 4315 2.1: UID EXPUNGE removes only the \Deleted messages whose UIDs are in its set;
// RFC 3501 7.4.1: each EXPUNGE response renumbers at once.
#[test]
fn uid_expunge_only_in_set() {
    let (dir, md) = maildir("uidexpunge");
    let all = numbered(&md, 5, &[1, 3, 4]);
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let lines = c.expect("b UID EXPUNGE 1:3", "OK");
    assert_eq!(
        untagged(&lines),
        ["* 1 EXPUNGE", "* 2 EXPUNGE"],
        "{lines:?}"
    );
    assert_eq!(apply_expunges(&c, vec![1, 2, 3, 4, 5], &lines), [2, 4, 5]);
    assert_eq!(
        names(&md.join("cur")),
        [all[1].clone(), all[3].clone(), all[4].clone()]
    );
    exact(
        &mut c,
        "c FETCH 1:* (UID)",
        "OK",
        &[
            "* 1 FETCH (UID 2)",
            "* 2 FETCH (UID 4)",
            "* 3 FETCH (UID 5)",
        ],
    );
    // Nothing deleted in the set: nothing goes.
    exact(&mut c, "d UID EXPUNGE 5", "OK", &[]);
    exact(&mut c, "e UID EXPUNGE 1:2", "OK", &[]);
    let lines = c.expect("f EXPUNGE", "OK");
    assert_eq!(untagged(&lines), ["* 2 EXPUNGE"]);
    assert_eq!(names(&md.join("cur")), [all[1].clone(), all[4].clone()]);
}

// RFC 3501 6.4.3 and 7.4.1: when several messages go, each EXPUNGE response counts the
// ones before it as gone already; afterwards the numbers are dense again.
#[test]
fn expunge_numbering_several() {
    let (dir, md) = maildir("expunge");
    let all = numbered(&md, 8, &[2, 3, 5, 8]);
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let lines = c.expect("b EXPUNGE", "OK");
    let ex: Vec<&String> = lines.iter().filter(|l| l.ends_with(" EXPUNGE")).collect();
    assert_eq!(ex.len(), 4, "{lines:?}");
    assert_eq!(
        apply_expunges(&c, (1..=8).collect(), &lines),
        [1, 4, 6, 7],
        "{lines:?}"
    );
    assert_eq!(
        names(&md.join("cur")),
        [
            all[0].clone(),
            all[3].clone(),
            all[5].clone(),
            all[6].clone()
        ]
    );
    exact(
        &mut c,
        "c FETCH 1:* (UID)",
        "OK",
        &[
            "* 1 FETCH (UID 1)",
            "* 2 FETCH (UID 4)",
            "* 3 FETCH (UID 6)",
            "* 4 FETCH (UID 7)",
        ],
    );
    let lines = c.expect("d SELECT INBOX", "OK");
    assert_eq!(exists(&c, &lines), 4);
    assert_eq!(ok_code(&lines, "UIDNEXT"), Some(9));
}

// RFC 3501 6.3.2 and 6.4.6: a mailbox opened with EXAMINE is read-only; STORE (and UID
// STORE, EXPUNGE) are NO and change no file name.
#[test]
fn store_read_only_no() {
    let (dir, md) = maildir("store-ro");
    numbered(&md, 2, &[2]);
    let before = names(&md.join("cur"));
    let mut c = session(&dir, &md);
    c.expect("a EXAMINE INBOX", "OK [READ-ONLY]");
    exact(&mut c, "b STORE 1 +FLAGS (\\Flagged)", "NO", &[]);
    exact(&mut c, "c UID STORE 1:2 FLAGS (\\Answered kw)", "NO", &[]);
    exact(&mut c, "d STORE 1 -FLAGS.SILENT (\\Seen)", "NO", &[]);
    exact(&mut c, "e EXPUNGE", "NO", &[]);
    assert_eq!(names(&md.join("cur")), before);
    assert!(!md.join("dovecot-keywords").exists());
}

// DESIGN 3: a folder has 26 keyword letters (`a`..`z`); the 27th new keyword is NO [LIMIT]
// (RFC 5530) and changes nothing; known keywords still work.
#[test]
fn keyword_limit_27th() {
    let (dir, md) = maildir("kwlimit");
    numbered(&md, 1, &[]);
    let text: String = (0..25).map(|i| format!("{i} k{i}\n")).collect();
    std::fs::write(md.join("dovecot-keywords"), &text).unwrap();
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    exact(
        &mut c,
        "b STORE 1 +FLAGS (k3)",
        "OK",
        &["* 1 FETCH (FLAGS (\\Seen k3))"],
    );
    assert_eq!(letters(&only_file(&md.join("cur"))), "Sd");
    // The 26th takes `z`.
    let lines = c.expect("c STORE 1 +FLAGS (twentysix)", "OK");
    assert!(has(&lines, "* 1 FETCH (FLAGS ("), "{lines:?}");
    assert_eq!(letters(&only_file(&md.join("cur"))), "Sdz");
    let text26 = std::fs::read_to_string(md.join("dovecot-keywords")).unwrap();
    assert_eq!(text26, format!("{text}25 twentysix\n"));
    // The 27th: no room.
    let name = only_file(&md.join("cur"));
    exact(&mut c, "d STORE 1 +FLAGS (k1 seven27)", "NO [LIMIT]", &[]);
    assert_eq!(only_file(&md.join("cur")), name);
    assert_eq!(
        std::fs::read_to_string(md.join("dovecot-keywords")).unwrap(),
        text26
    );
    // APPEND with a 27th keyword: NO [LIMIT], nothing stored.
    let body = wire(MSG1);
    c.send(format!("e APPEND INBOX (seven27) {{{}+}}\r\n{body}\r\n", body.len()).as_bytes());
    let lines = c.until_tagged("e");
    assert!(tagged(&lines).starts_with("e NO [LIMIT]"), "{lines:?}");
    assert_eq!(names(&md.join("cur")), [name]);
    assert!(names(&md.join("tmp")).is_empty());
    assert!(names(&md.join("new")).is_empty());
}

// DESIGN 3 (Maildir flags): letters after `:2,` in ASCII order; `P` (passed) has no IMAP
// flag and stays through every STORE (RFC 3501 6.4.6: FLAGS replaces the IMAP flags only).
#[test]
fn flag_letters_ascii_and_passed_kept() {
    let (dir, md) = maildir("letters");
    let base = "1700000001.M1P1.host";
    put(&md, "cur", &format!("{base}:2,PS"), MSG2);
    let mut c = session(&dir, &md);
    c.expect("a SELECT INBOX", "OK");
    let cur = md.join("cur");
    let steps: [(&str, &[&str], &str); 5] = [
        (
            "b STORE 1 +FLAGS (\\Draft \\Answered \\Flagged)",
            &["\\Draft", "\\Answered", "\\Flagged", "\\Seen"],
            "DFPRS",
        ),
        ("c STORE 1 FLAGS (\\Deleted)", &["\\Deleted"], "PT"),
        (
            "d STORE 1 +FLAGS (zulu \\Seen alpha)",
            &["\\Deleted", "\\Seen", "zulu", "alpha"],
            "PSTab",
        ),
        (
            "e STORE 1 -FLAGS (\\Deleted zulu)",
            &["\\Seen", "alpha"],
            "PSb",
        ),
        ("f STORE 1 FLAGS ()", &[], "P"),
    ];
    for (cmd, flags, on_disk) in steps {
        let lines = c.expect(cmd, "OK");
        let fetch: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("* 1 FETCH"))
            .collect();
        assert_eq!(fetch.len(), 1, "{cmd}: {lines:?}");
        assert_eq!(flags_of(fetch[0]), set(flags), "{cmd}: {lines:?}");
        assert_eq!(
            only_file(&cur),
            format!("{base}:2,{on_disk}"),
            "after {cmd}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(cur.join(only_file(&cur))).unwrap(),
        MSG2
    );
    // Another session sees the same flags.
    drop(c);
    let mut c = session(&dir, &md);
    c.expect("a EXAMINE INBOX", "OK");
    exact(&mut c, "b FETCH 1 (FLAGS)", "OK", &["* 1 FETCH (FLAGS ())"]);
}
