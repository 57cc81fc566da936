//! SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8, 7.2.5), one test per search key, with
//! combinations; CHARSET (RFC 3501 6.4.4, 7.1 BADCHARSET); non-ASCII searches over
//! messages in several charsets and transfer encodings; ESEARCH result options (RFC 4731)
//! and SEARCHRES (RFC 5182).
//!
//! The messages are written straight into the Maildir by the test, with known UIDs
//! (`dovecot-uidlist`), keywords (`dovecot-keywords`) and INTERNALDATE (the file's mtime).
//! The server runs with TZ=UTC, so INTERNALDATE days are UTC days. Every expected result
//! is worked out by hand from the messages below.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Reply, Session};

// The standard mailbox: six messages, UIDs 2 4 5 9 10 12 (sequence numbers 1 to 6).
//
// seq uid flags                 INTERNALDATE (UTC)    Date: (its own day)
// 1   2   \Seen                 2024-01-10 12:00:00   1 Jan 2024
// 2   4   \Answered \Seen       2024-02-15 00:00:00   14 Feb 2024 23:30 -0800
// 3   5   \Flagged $Work        2024-02-15 23:59:59   15 Feb 2024 12:00 +0100
// 4   9   \Draft                2024-03-01 00:00:01   1 Mar 2024
// 5   10  \Deleted Project      2024-03-02 10:00:00   2 Mar 2024
// 6   12  \Recent (in new/)     2024-03-05 15:00:00   5 Mar 2024   (stored with CRLF)

const M1: &[u8] = b"Date: Mon, 01 Jan 2024 09:00:00 +0000
From: Alice Example <alice@example.org>
To: Bob <bob@example.com>
Cc: carol@example.net
Subject: Quarterly report
Message-ID: <1@example.org>

Numbers are up this quarter.
";

const M2: &[u8] = b"Date: Wed, 14 Feb 2024 23:30:00 -0800
From: bob@example.com
To: alice@example.org
Bcc: dave@example.com
Subject: Re: Quarterly report
In-Reply-To: <1@example.org>

Thanks, see the attached numbers.
";

const M3: &[u8] = b"Date: Thu, 15 Feb 2024 12:00:00 +0100
From: Carol <carol@example.net>
To: alice@example.org
Cc: Bob <bob@example.com>
Subject: Lunch tomorrow?
X-Priority: 1

Shall we have lunch tomorrow?
";

const M4: &[u8] = b"Date: Fri, 01 Mar 2024 08:00:00 +0000
From: alice@example.org
To: team@example.org
Subject: Draft: plans
X-Empty:

Plans for the spring:
- hire
- ship
";

const M6: &[u8] = b"Date: Tue, 05 Mar 2024 15:00:00 +0000\r
From: news@example.com\r
To: alice@example.org\r
Subject: Fresh news\r
\r
Nothing is up.\r
";

/// M5: a long body, the largest message.
fn m5() -> Vec<u8> {
    let mut m = b"Date: Sat, 02 Mar 2024 10:00:00 +0000
From: dave@example.com
To: alice@example.org
Subject: Old stuff
X-Priority: 5

"
    .to_vec();
    for i in 0..40 {
        m.extend_from_slice(format!("filler line {i:02}\n").as_bytes());
    }
    m
}

/// The messages in sequence order, as stored.
fn messages() -> Vec<Vec<u8>> {
    vec![
        M1.to_vec(),
        M2.to_vec(),
        M3.to_vec(),
        M4.to_vec(),
        m5(),
        M6.to_vec(),
    ]
}

const UIDS: [u32; 6] = [2, 4, 5, 9, 10, 12];

fn standard(name: &str) -> Session {
    let mut f = Fixture::new(name);
    f.keywords(&["$Work", "Project"]);
    let m = messages();
    f.add(2, "S", &m[0], utc(2024, 1, 10, 12, 0, 0));
    f.add(4, "RS", &m[1], utc(2024, 2, 15, 0, 0, 0));
    f.add(5, "Fa", &m[2], utc(2024, 2, 15, 23, 59, 59));
    f.add(9, "D", &m[3], utc(2024, 3, 1, 0, 0, 1));
    f.add(10, "Tb", &m[4], utc(2024, 3, 2, 10, 0, 0));
    f.add_new(12, &m[5], utc(2024, 3, 5, 15, 0, 0));
    f.session()
}

/// The numbers of the single `* SEARCH` response of an OK reply.
fn search_numbers(s: &Session, r: &Reply) -> Vec<u32> {
    if !r.ok() {
        s.fail(&format!("search failed: {:?}", r.tagged));
    }
    let found = r.starting("* SEARCH");
    if found.len() != 1 {
        s.fail(&format!("expected one * SEARCH response, got {found:?}"));
    }
    let rest = &found[0]["* SEARCH".len()..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        s.fail(&format!("bad SEARCH response {:?}", found[0]));
    }
    rest.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse()
                .unwrap_or_else(|_| s.fail(&format!("bad number {w:?} in {:?}", found[0])))
        })
        .collect()
}

/// Runs `command` and checks that `* SEARCH` lists exactly `expected` (in ascending order,
/// each once).
fn check(s: &mut Session, command: &str, expected: &[u32]) {
    let r = s.cmd(command);
    let got = search_numbers(s, &r);
    if got != expected {
        s.fail(&format!(
            "{command}: expected * SEARCH {expected:?}, got {got:?}"
        ));
    }
}

/// Like [`check`] with the command sent in parts joined by synchronizing literals.
fn check_literals(s: &mut Session, parts: &[&[u8]], expected: &[u32]) {
    let r = s.cmd_literals(parts);
    let got = search_numbers(s, &r);
    if got != expected {
        s.fail(&format!("expected * SEARCH {expected:?}, got {got:?}"));
    }
}

/// Sequence numbers (1-based) of the messages for which `f(index)` holds.
fn seqs(f: impl Fn(usize) -> bool) -> Vec<u32> {
    (0..6).filter(|&i| f(i)).map(|i| i as u32 + 1).collect()
}

// ---------------------------------------------------------------------------------------
// RFC 3501 6.4.4: each search key.

#[test]
fn key_all() {
    let mut s = standard("all");
    check(&mut s, "SEARCH ALL", &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn key_answered_unanswered() {
    let mut s = standard("answered");
    check(&mut s, "SEARCH ANSWERED", &[2]);
    check(&mut s, "SEARCH UNANSWERED", &[1, 3, 4, 5, 6]);
}

#[test]
fn key_deleted_undeleted() {
    let mut s = standard("deleted");
    check(&mut s, "SEARCH DELETED", &[5]);
    check(&mut s, "SEARCH UNDELETED", &[1, 2, 3, 4, 6]);
}

#[test]
fn key_draft_undraft() {
    let mut s = standard("draft");
    check(&mut s, "SEARCH DRAFT", &[4]);
    check(&mut s, "SEARCH UNDRAFT", &[1, 2, 3, 5, 6]);
}

#[test]
fn key_flagged_unflagged() {
    let mut s = standard("flagged");
    check(&mut s, "SEARCH FLAGGED", &[3]);
    check(&mut s, "SEARCH UNFLAGGED", &[1, 2, 4, 5, 6]);
}

#[test]
fn key_seen_unseen() {
    let mut s = standard("seen");
    check(&mut s, "SEARCH SEEN", &[1, 2]);
    check(&mut s, "SEARCH UNSEEN", &[3, 4, 5, 6]);
    // A flag set in this session counts at once.
    s.ok("STORE 4 +FLAGS.SILENT (\\Seen)");
    check(&mut s, "SEARCH SEEN", &[1, 2, 4]);
    check(&mut s, "SEARCH UNSEEN", &[3, 5, 6]);
}

#[test]
fn key_keyword_unkeyword() {
    let mut s = standard("keyword");
    check(&mut s, "SEARCH KEYWORD $Work", &[3]);
    check(&mut s, "SEARCH KEYWORD Project", &[5]);
    // A keyword no message has, and one the mailbox does not even know.
    check(&mut s, "SEARCH KEYWORD Unknown", &[]);
    check(&mut s, "SEARCH UNKEYWORD $Work", &[1, 2, 4, 5, 6]);
    check(&mut s, "SEARCH UNKEYWORD Unknown", &[1, 2, 3, 4, 5, 6]);
    // One set now, through STORE.
    s.ok("STORE 1 +FLAGS.SILENT (Project)");
    check(&mut s, "SEARCH KEYWORD Project", &[1, 5]);
    check(&mut s, "SEARCH UNKEYWORD Project", &[2, 3, 4, 6]);
}

// RFC 3501 6.4.4: RECENT, OLD (NOT RECENT), NEW (RECENT UNSEEN).
#[test]
fn key_recent_old_new() {
    let mut s = standard("recent");
    check(&mut s, "SEARCH RECENT", &[6]);
    check(&mut s, "SEARCH OLD", &[1, 2, 3, 4, 5]);
    check(&mut s, "SEARCH NEW", &[6]);
    // Seen and still recent: no longer NEW.
    s.ok("STORE 6 +FLAGS.SILENT (\\Seen)");
    check(&mut s, "SEARCH RECENT", &[6]);
    check(&mut s, "SEARCH NEW", &[]);
    check(&mut s, "SEARCH OLD", &[1, 2, 3, 4, 5]);
}

#[test]
fn key_bcc() {
    let mut s = standard("bcc");
    check(&mut s, "SEARCH BCC dave", &[2]);
    check(&mut s, "SEARCH BCC DAVE@EXAMPLE.COM", &[2]);
    check(&mut s, "SEARCH BCC bob", &[]);
}

#[test]
fn key_cc() {
    let mut s = standard("cc");
    check(&mut s, "SEARCH CC bob", &[3]);
    check(&mut s, "SEARCH CC carol", &[1]);
    check(&mut s, "SEARCH CC \"example\"", &[1, 3]);
    check(&mut s, "SEARCH CC dave", &[]);
}

#[test]
fn key_from() {
    let mut s = standard("from");
    check(&mut s, "SEARCH FROM alice", &[1, 4]);
    // The display name counts too, and case does not matter.
    check(&mut s, "SEARCH FROM \"alice EXAMPLE\"", &[1]);
    check(&mut s, "SEARCH FROM bob", &[2]);
    check(&mut s, "SEARCH FROM \"example.com\"", &[2, 5, 6]);
    check(&mut s, "SEARCH FROM nobody", &[]);
}

#[test]
fn key_to() {
    let mut s = standard("to");
    check(&mut s, "SEARCH TO alice", &[2, 3, 5, 6]);
    check(&mut s, "SEARCH TO bob", &[1]);
    check(&mut s, "SEARCH TO example.org", &[2, 3, 4, 5, 6]);
    check(&mut s, "SEARCH TO TEAM", &[4]);
}

#[test]
fn key_subject() {
    let mut s = standard("subject");
    check(&mut s, "SEARCH SUBJECT quarterly", &[1, 2]);
    check(&mut s, "SEARCH SUBJECT \"Re: Quarterly\"", &[2]);
    check(&mut s, "SEARCH SUBJECT LUNCH", &[3]);
    check(&mut s, "SEARCH SUBJECT \"tomorrow?\"", &[3]);
    // "Numbers" is in bodies only.
    check(&mut s, "SEARCH SUBJECT numbers", &[]);
}

// RFC 3501 6.4.4: HEADER <field-name> <string>; "If the string to search is zero-length,
// this matches all messages that have a header line with the specified field-name
// regardless of the contents."
#[test]
fn key_header() {
    let mut s = standard("header");
    check(&mut s, "SEARCH HEADER X-Priority 1", &[3]);
    check(&mut s, "SEARCH HEADER x-priority 5", &[5]);
    check(&mut s, "SEARCH HEADER X-Priority \"\"", &[3, 5]);
    check(&mut s, "SEARCH HEADER Message-ID \"\"", &[1]);
    check(&mut s, "SEARCH HEADER In-Reply-To \"1@EXAMPLE\"", &[2]);
    // A field present with an empty value is present.
    check(&mut s, "SEARCH HEADER X-Empty \"\"", &[4]);
    check(&mut s, "SEARCH HEADER X-Nowhere \"\"", &[]);
    // The field name is matched whole, not as a prefix.
    check(&mut s, "SEARCH HEADER X-Prio \"\"", &[]);
    // Only the named field's value.
    check(&mut s, "SEARCH HEADER To bob", &[1]);
}

#[test]
fn key_body() {
    let mut s = standard("body");
    check(&mut s, "SEARCH BODY numbers", &[1, 2]);
    check(&mut s, "SEARCH BODY \"IS UP\"", &[6]);
    check(&mut s, "SEARCH BODY up", &[1, 6]);
    // The subject is no part of the body.
    check(&mut s, "SEARCH BODY quarterly", &[]);
    check(&mut s, "SEARCH BODY \"filler line 39\"", &[5]);
}

#[test]
fn key_text() {
    let mut s = standard("text");
    // Header or body (RFC 3501 6.4.4 TEXT).
    check(&mut s, "SEARCH TEXT quarterly", &[1, 2]);
    check(&mut s, "SEARCH TEXT numbers", &[1, 2]);
    check(&mut s, "SEARCH TEXT lunch", &[3]);
    check(&mut s, "SEARCH TEXT dave", &[2, 5]);
    check(&mut s, "SEARCH TEXT \"filler line 00\"", &[5]);
    check(&mut s, "SEARCH TEXT zebra", &[]);
}

// RFC 3501 6.4.4 LARGER/SMALLER: RFC822.SIZE larger/smaller than n, strictly; the size
// counts the message with CRLF line ends (RFC 3501 2.3.4), so a file stored with LF has
// one more byte per line, and the CRLF one (message 6) none more.
#[test]
fn key_larger_smaller() {
    let sizes: Vec<u64> = messages().iter().map(|m| crlf(m).len() as u64).collect();
    // The files as stored are not the sizes.
    assert_ne!(sizes[0], M1.len() as u64);
    assert_eq!(sizes[5], M6.len() as u64);
    let mut s = standard("size");
    let r = s.ok("FETCH 1:* RFC822.SIZE");
    for (i, size) in sizes.iter().enumerate() {
        let want = format!("* {} FETCH (RFC822.SIZE {size})", i + 1);
        if !r.lines().contains(&want) {
            s.fail(&format!("expected {want:?}"));
        }
    }
    for &n in &sizes {
        for t in [n - 1, n, n + 1] {
            check(
                &mut s,
                &format!("SEARCH LARGER {t}"),
                &seqs(|i| sizes[i] > t),
            );
            check(
                &mut s,
                &format!("SEARCH SMALLER {t}"),
                &seqs(|i| sizes[i] < t),
            );
        }
    }
    check(&mut s, "SEARCH LARGER 0", &[1, 2, 3, 4, 5, 6]);
    check(&mut s, "SEARCH SMALLER 1", &[]);
    check(&mut s, "SEARCH LARGER 4000000000", &[]);
}

// RFC 3501 6.4.4 BEFORE/ON/SINCE: INTERNALDATE "disregarding time and timezone"; days are
// those of the server's zone, here UTC.
#[test]
fn key_before() {
    let mut s = standard("before");
    check(&mut s, "SEARCH BEFORE 15-Feb-2024", &[1]);
    check(&mut s, "SEARCH BEFORE 16-Feb-2024", &[1, 2, 3]);
    check(&mut s, "SEARCH BEFORE 1-Mar-2024", &[1, 2, 3]);
    check(&mut s, "SEARCH BEFORE \"2-Mar-2024\"", &[1, 2, 3, 4]);
    check(&mut s, "SEARCH BEFORE 10-Jan-2024", &[]);
    check(&mut s, "SEARCH BEFORE 11-jan-2024", &[1]);
}

#[test]
fn key_on() {
    let mut s = standard("on");
    // 00:00:00 and 23:59:59 are both on the 15th.
    check(&mut s, "SEARCH ON 15-Feb-2024", &[2, 3]);
    check(&mut s, "SEARCH ON 14-Feb-2024", &[]);
    check(&mut s, "SEARCH ON 16-Feb-2024", &[]);
    check(&mut s, "SEARCH ON 1-Mar-2024", &[4]);
    check(&mut s, "SEARCH ON \"05-MAR-2024\"", &[6]);
}

#[test]
fn key_since() {
    let mut s = standard("since");
    // SINCE: on or after.
    check(&mut s, "SEARCH SINCE 15-Feb-2024", &[2, 3, 4, 5, 6]);
    check(&mut s, "SEARCH SINCE 16-Feb-2024", &[4, 5, 6]);
    check(&mut s, "SEARCH SINCE 5-Mar-2024", &[6]);
    check(&mut s, "SEARCH SINCE 6-Mar-2024", &[]);
    check(&mut s, "SEARCH SINCE 1-Jan-1990", &[1, 2, 3, 4, 5, 6]);
}

// RFC 3501 6.4.4 SENTBEFORE/SENTON/SENTSINCE: the Date: header "disregarding time and
// timezone": message 2 was sent on 14 Feb (-0800) even though that is the 15th in UTC;
// message 3 on 15 Feb (+0100).
#[test]
fn key_sentbefore() {
    let mut s = standard("sentbefore");
    check(&mut s, "SEARCH SENTBEFORE 14-Feb-2024", &[1]);
    check(&mut s, "SEARCH SENTBEFORE 15-Feb-2024", &[1, 2]);
    check(&mut s, "SEARCH SENTBEFORE 2-Mar-2024", &[1, 2, 3, 4]);
    check(&mut s, "SEARCH SENTBEFORE 1-Jan-2024", &[]);
}

#[test]
fn key_senton() {
    let mut s = standard("senton");
    check(&mut s, "SEARCH SENTON 14-Feb-2024", &[2]);
    check(&mut s, "SEARCH SENTON 15-Feb-2024", &[3]);
    check(&mut s, "SEARCH SENTON 1-Jan-2024", &[1]);
    check(&mut s, "SEARCH SENTON 10-Jan-2024", &[]);
}

#[test]
fn key_sentsince() {
    let mut s = standard("sentsince");
    check(&mut s, "SEARCH SENTSINCE 15-Feb-2024", &[3, 4, 5, 6]);
    check(&mut s, "SEARCH SENTSINCE 14-Feb-2024", &[2, 3, 4, 5, 6]);
    check(&mut s, "SEARCH SENTSINCE 2-Mar-2024", &[5, 6]);
    check(&mut s, "SEARCH SENTSINCE 6-Mar-2024", &[]);
}

// RFC 3501 6.4.4 UID <sequence set>, and 6.4.8: `n:*` includes the highest UID even when n
// is above it.
#[test]
fn key_uid() {
    let mut s = standard("uid");
    check(&mut s, "SEARCH UID 4:9", &[2, 3, 4]);
    check(&mut s, "SEARCH UID 3", &[]);
    check(&mut s, "SEARCH UID 1,3,6:8", &[]);
    check(&mut s, "SEARCH UID 2,12", &[1, 6]);
    check(&mut s, "SEARCH UID *", &[6]);
    check(&mut s, "SEARCH UID 11:100", &[6]);
    check(&mut s, "SEARCH UID 100:*", &[6]);
    check(&mut s, "SEARCH UID 1:*", &[1, 2, 3, 4, 5, 6]);
}

// RFC 3501 6.4.4 <sequence set>: message sequence numbers.
#[test]
fn key_sequence_set() {
    let mut s = standard("seqset");
    check(&mut s, "SEARCH 2:4", &[2, 3, 4]);
    check(&mut s, "SEARCH 4:2", &[2, 3, 4]);
    check(&mut s, "SEARCH *", &[6]);
    check(&mut s, "SEARCH 5:*", &[5, 6]);
    check(&mut s, "SEARCH *:5", &[5, 6]);
    check(&mut s, "SEARCH 1,3,5:*", &[1, 3, 5, 6]);
    check(&mut s, "SEARCH 2,2,2", &[2]);
    check(&mut s, "SEARCH 2:4 SEEN", &[2]);
}

#[test]
fn key_not() {
    let mut s = standard("not");
    check(&mut s, "SEARCH NOT SEEN", &[3, 4, 5, 6]);
    check(&mut s, "SEARCH NOT NOT SEEN", &[1, 2]);
    check(&mut s, "SEARCH NOT FROM alice", &[2, 3, 5, 6]);
    check(&mut s, "SEARCH NOT 2:5", &[1, 6]);
    check(&mut s, "SEARCH NOT UID 2:9", &[5, 6]);
    check(&mut s, "SEARCH NOT ALL", &[]);
    // NOT applies to one key only.
    check(&mut s, "SEARCH NOT SEEN TO alice", &[3, 5, 6]);
}

#[test]
fn key_or() {
    let mut s = standard("or");
    check(&mut s, "SEARCH OR ANSWERED FLAGGED", &[2, 3]);
    check(&mut s, "SEARCH OR SEEN DRAFT", &[1, 2, 4]);
    check(&mut s, "SEARCH OR OR DRAFT DELETED RECENT", &[4, 5, 6]);
    check(&mut s, "SEARCH OR DRAFT OR DELETED RECENT", &[4, 5, 6]);
    check(&mut s, "SEARCH OR FROM bob TO bob", &[1, 2]);
    check(
        &mut s,
        "SEARCH OR KEYWORD Unknown HEADER X-Nowhere \"\"",
        &[],
    );
    // OR takes exactly two keys; the next key is ANDed.
    check(&mut s, "SEARCH OR SEEN FLAGGED SUBJECT quarterly", &[1, 2]);
}

// RFC 3501 9 (formal syntax): search-key =/ "(" search-key *(SP search-key) ")".
#[test]
fn parenthesised_groups() {
    let mut s = standard("parens");
    check(&mut s, "SEARCH (SEEN FROM alice)", &[1]);
    check(&mut s, "SEARCH NOT (SEEN FROM alice)", &[2, 3, 4, 5, 6]);
    check(
        &mut s,
        "SEARCH OR (FROM alice DRAFT) (FROM bob ANSWERED)",
        &[2, 4],
    );
    check(&mut s, "SEARCH ((((ALL))))", &[1, 2, 3, 4, 5, 6]);
    check(&mut s, "SEARCH (UNSEEN) (TO alice) (NOT RECENT)", &[3, 5]);
    check(
        &mut s,
        "SEARCH OR (OR ANSWERED FLAGGED) (UID 10 DELETED)",
        &[2, 3, 5],
    );
}

// Several keys: all must match (RFC 3501 6.4.4 "the result is the intersection").
#[test]
fn combinations() {
    let mut s = standard("combos");
    check(&mut s, "SEARCH UNSEEN TO alice SINCE 1-Mar-2024", &[5, 6]);
    check(&mut s, "SEARCH UNDELETED UNSEEN TO alice", &[3, 6]);
    check(&mut s, "SEARCH SEEN UNSEEN", &[]);
    check(
        &mut s,
        "SEARCH SENTSINCE 10-Feb-2024 SENTBEFORE 2-Mar-2024 NOT DRAFT",
        &[2, 3],
    );
    check(
        &mut s,
        "SEARCH OR HEADER X-Priority 1 BCC dave BODY numbers",
        &[2],
    );
    check(&mut s, "SEARCH UID 5:* NOT DELETED 1:4", &[3, 4]);
    check(
        &mut s,
        "SEARCH ON 15-Feb-2024 OR ANSWERED KEYWORD $Work",
        &[2, 3],
    );
}

// RFC 3501 6.4.8: UID SEARCH answers with UIDs; a bare sequence set still means sequence
// numbers.
#[test]
fn uid_search() {
    let mut s = standard("uidsearch");
    check(&mut s, "UID SEARCH ALL", &UIDS);
    check(&mut s, "UID SEARCH SEEN", &[2, 4]);
    check(&mut s, "UID SEARCH 2:4", &[4, 5, 9]);
    check(&mut s, "UID SEARCH UID 5:10", &[5, 9, 10]);
    check(&mut s, "UID SEARCH UID 3,6:8", &[]);
    check(&mut s, "UID SEARCH NOT UID 1:9", &[10, 12]);
    check(&mut s, "UID SEARCH RECENT", &[12]);
    // After an expunge the sequence numbers shift, UIDs stay.
    s.ok("EXPUNGE");
    check(&mut s, "UID SEARCH ALL", &[2, 4, 5, 9, 12]);
    check(&mut s, "SEARCH UID 12", &[5]);
    check(&mut s, "UID SEARCH 5", &[12]);
}

// RFC 3501 6.4.4: "US-ASCII MUST be supported; other [CHARSET]s MAY be supported"; the
// CHARSET name is case-insensitive (an astring, so quoted too). RFC 3501 7.1: an unknown
// one is refused with NO [BADCHARSET], optionally listing the supported ones.
#[test]
fn charset() {
    let mut s = standard("charset");
    check(&mut s, "SEARCH CHARSET UTF-8 SUBJECT lunch", &[3]);
    check(&mut s, "SEARCH CHARSET utf-8 SUBJECT lunch", &[3]);
    check(&mut s, "SEARCH CHARSET \"UTF-8\" SUBJECT lunch", &[3]);
    check(&mut s, "SEARCH CHARSET US-ASCII SUBJECT lunch", &[3]);
    check(&mut s, "SEARCH CHARSET us-ascii FROM alice", &[1, 4]);
    check(&mut s, "UID SEARCH CHARSET UTF-8 SEEN", &[2, 4]);
    for bad in ["ISO-8859-1", "KOI8-R", "X-NO-SUCH"] {
        let r = s.cmd(&format!("SEARCH CHARSET {bad} SUBJECT lunch"));
        if !r.status().starts_with("NO [BADCHARSET") {
            s.fail(&format!("CHARSET {bad}: expected NO [BADCHARSET ...]"));
        }
        if r.status().starts_with("NO [BADCHARSET (") && !r.status().contains("UTF-8") {
            s.fail("the BADCHARSET list should name UTF-8, which is supported");
        }
        if !r.starting("* SEARCH").is_empty() {
            s.fail("no SEARCH response with a refused charset");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Non-ASCII searches (CHARSET UTF-8, strings sent as literals) over messages in other
// charsets: RFC 3501 6.4.4 "string" matching after RFC 2047 (encoded words) and RFC 2045
// (transfer encodings) decoding, case-insensitive.

/// Texts in legacy charsets, written out as bytes.
const C1_ISO_8859_1: &[u8] = b"Date: Mon, 01 Apr 2024 10:00:00 +0200
From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>
To: anna@example.de
Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: 8bit

Sch\xf6ne Gr\xfc\xdfe, \xc4rger \xfcber \xc4pfel.
";

const C2_WINDOWS_1252: &[u8] = b"Date: Mon, 01 Apr 2024 11:00:00 +0200
From: shop@example.com
To: anna@example.de
Subject: =?windows-1252?Q?=80uro_price_list?=
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: quoted-printable

Preis: =805 f=FCr =93Zitat=94, sehr sch=
=F6n.
";

/// KOI8-R: base64 of "Привет, мир! Как дела?\n" in KOI8-R; subject "Привет".
const C3_KOI8_R: &[u8] = b"Date: Mon, 01 Apr 2024 12:00:00 +0300
From: ivan@example.ru
To: anna@example.de
Subject: =?KOI8-R?B?8NLJ18XU?=
MIME-Version: 1.0
Content-Type: text/plain; charset=KOI8-R
Content-Transfer-Encoding: base64

8NLJ18XULCDNydIhIOvByyDExczBPwo=
";

/// Shift_JIS: subject "日本語" (base64 encoded word), body "こんにちは世界" in 8 bits.
const C4_SHIFT_JIS: &[u8] = b"Date: Mon, 01 Apr 2024 13:00:00 +0900
From: taro@example.jp
To: anna@example.de
Subject: =?Shift_JIS?B?k/qWe4zq?=
MIME-Version: 1.0
Content-Type: text/plain; charset=Shift_JIS
Content-Transfer-Encoding: 8bit

\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x90\xa2\x8aE
";

/// UTF-8: subject "Ärger im Büro" (base64 encoded word), a multipart body with a
/// quoted-printable text part and a base64 text part, and an attachment.
const C5_UTF_8: &[u8] = b"Date: Mon, 01 Apr 2024 14:00:00 +0000
From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>
To: anna@example.de
Subject: =?UTF-8?B?w4RyZ2VyIGltIELDvHJv?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"sep\"

--sep
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Viele Gr=C3=BC=C3=9Fe vom =C3=84quator
--sep
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

xZpyZWRuaWEgUMOzxYJub2MK
--sep--
";

/// Plain ASCII, for what must not match.
const C6_ASCII: &[u8] = b"Date: Mon, 01 Apr 2024 15:00:00 +0000
From: plain@example.com
To: anna@example.de
Subject: Apfel und Birnen

Gruesse, apfel, aerger, euro, mir.
";

fn charsets(name: &str) -> Session {
    let mut f = Fixture::new(name);
    let when = utc(2024, 4, 1, 12, 0, 0);
    for (i, m) in [
        C1_ISO_8859_1,
        C2_WINDOWS_1252,
        C3_KOI8_R,
        C4_SHIFT_JIS,
        C5_UTF_8,
        C6_ASCII,
    ]
    .iter()
    .enumerate()
    {
        f.add(i as u32 + 1, "", m, when);
    }
    f.session()
}

/// `SEARCH CHARSET UTF-8 <key> {n}` + the UTF-8 string as a literal.
fn check_utf8(s: &mut Session, key: &str, text: &str, expected: &[u32]) {
    let head = format!("SEARCH CHARSET UTF-8 {key} ");
    check_literals(s, &[head.as_bytes(), text.as_bytes()], expected);
}

#[test]
fn non_ascii_iso_8859_1() {
    let mut s = charsets("latin1");
    check_utf8(&mut s, "SUBJECT", "Grüße aus München", &[1]);
    check_utf8(&mut s, "SUBJECT", "MÜNCHEN", &[1]);
    check_utf8(&mut s, "FROM", "jürgen müller", &[1]);
    check_utf8(&mut s, "BODY", "Äpfel", &[1]);
    // Case-insensitive beyond ASCII: ä matches Ä, Ö matches ö.
    check_utf8(&mut s, "BODY", "äpfel", &[1]);
    check_utf8(&mut s, "BODY", "SCHÖNE", &[1]);
    check_utf8(&mut s, "TEXT", "ärger über", &[1]);
}

#[test]
fn non_ascii_windows_1252() {
    let mut s = charsets("cp1252");
    // 0x80 is the euro sign in windows-1252 (not a C1 control as in ISO-8859-1).
    check_utf8(&mut s, "SUBJECT", "€uro", &[2]);
    // Quoted-printable body, soft line break inside "schön".
    check_utf8(&mut s, "BODY", "€5 für “zitat”", &[2]);
    check_utf8(&mut s, "BODY", "sehr schön.", &[2]);
}

#[test]
fn non_ascii_koi8_r() {
    let mut s = charsets("koi8r");
    check_utf8(&mut s, "SUBJECT", "привет", &[3]);
    check_utf8(&mut s, "SUBJECT", "ПРИВЕТ", &[3]);
    // Base64 body.
    check_utf8(&mut s, "BODY", "МИР! как", &[3]);
    check_utf8(&mut s, "TEXT", "дела?", &[3]);
}

#[test]
fn non_ascii_shift_jis() {
    let mut s = charsets("sjis");
    check_utf8(&mut s, "SUBJECT", "日本語", &[4]);
    check_utf8(&mut s, "BODY", "こんにちは", &[4]);
    check_utf8(&mut s, "BODY", "世界", &[4]);
    check_utf8(&mut s, "TEXT", "本", &[4]);
}

#[test]
fn non_ascii_utf_8() {
    let mut s = charsets("utf8");
    check_utf8(&mut s, "SUBJECT", "ärger im büro", &[5]);
    check_utf8(&mut s, "FROM", "ZOË", &[5]);
    // Quoted-printable part.
    check_utf8(&mut s, "BODY", "grüße vom äquator", &[5]);
    // Base64 part: "Średnia Północ" in UTF-8.
    check_utf8(&mut s, "BODY", "północ", &[5]);
    check_utf8(&mut s, "BODY", "ŚREDNIA", &[5]);
}

#[test]
fn non_ascii_across_charsets() {
    let mut s = charsets("across");
    // "grüße" is in the ISO-8859-1 body and in the UTF-8 quoted-printable part.
    check_utf8(&mut s, "BODY", "Grüße", &[1, 5]);
    check_utf8(&mut s, "TEXT", "grüße", &[1, 5]);
    // Ä/ä against "Ärger" in ISO-8859-1 and in an encoded word in UTF-8.
    check_utf8(&mut s, "TEXT", "ärger", &[1, 5]);
    // The ASCII message has none of the accented words.
    check_utf8(&mut s, "BODY", "ü", &[1, 2, 5]);
    check_utf8(&mut s, "BODY", "apfel", &[6]);
    check_utf8(&mut s, "TO", "anna", &[1, 2, 3, 4, 5, 6]);
    // An ASCII search over the same messages, without CHARSET, and as a literal.
    check_literals(&mut s, &[b"SEARCH SUBJECT ", b"birnen"], &[6]);
    check_literals(
        &mut s,
        &[b"UID SEARCH OR BODY ", "мир".as_bytes(), b" BODY ", b"mir"],
        &[3, 6],
    );
}

// ---------------------------------------------------------------------------------------
// ESEARCH (RFC 4731): `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]`.

/// The ESEARCH data of a reply: whether UID, and name -> value (ALL expanded).
#[derive(Debug, PartialEq, Eq, Default)]
struct Esearch {
    uid: bool,
    min: Option<u32>,
    max: Option<u32>,
    count: Option<u32>,
    all: Option<Vec<u32>>,
}

fn expand(set: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for r in set.split(',') {
        match r.split_once(':') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
                v.extend(a.min(b)..=a.max(b));
            }
            None => v.push(r.parse().unwrap()),
        }
    }
    v
}

/// Runs `command` and parses its single ESEARCH response, which must carry its tag.
fn esearch(s: &mut Session, command: &str) -> Esearch {
    let tag = s.tag();
    let r = s.run(&format!("{tag} {command}"));
    if !r.ok() {
        s.fail(&format!("{command}: {:?}", r.tagged));
    }
    let found = r.starting("* ESEARCH");
    if found.len() != 1 || !r.starting("* SEARCH").is_empty() {
        s.fail(&format!("expected one * ESEARCH response, got {found:?}"));
    }
    let prefix = format!("* ESEARCH (TAG \"{tag}\")");
    let Some(rest) = found[0].strip_prefix(&prefix) else {
        s.fail(&format!("ESEARCH without ({prefix}): {:?}", found[0]));
    };
    let mut e = Esearch::default();
    let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].to_ascii_uppercase();
        if w == "UID" {
            e.uid = true;
            i += 1;
            continue;
        }
        let Some(value) = words.get(i + 1) else {
            s.fail(&format!("{w} without a value in {:?}", found[0]));
        };
        let number = || value.parse::<u32>().ok();
        match w.as_str() {
            "MIN" => e.min = number(),
            "MAX" => e.max = number(),
            "COUNT" => e.count = number(),
            "ALL" => e.all = Some(expand(value)),
            _ => s.fail(&format!("unexpected {w} in {:?}", found[0])),
        }
        i += 2;
    }
    e
}

fn expect_esearch(s: &mut Session, command: &str, want: Esearch) {
    let got = esearch(s, command);
    if got != want {
        s.fail(&format!("{command}: expected {want:?}, got {got:?}"));
    }
}

#[test]
fn esearch_min_max_count_all() {
    let mut s = standard("esearch");
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN",
        Esearch {
            min: Some(3),
            max: Some(6),
            count: Some(4),
            all: Some(vec![3, 4, 5, 6]),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MIN) UNSEEN",
        Esearch {
            min: Some(3),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MAX) SEEN",
        Esearch {
            max: Some(2),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "SEARCH RETURN (COUNT) OR DRAFT DELETED",
        Esearch {
            count: Some(2),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "SEARCH RETURN (ALL) OR SEEN DRAFT",
        Esearch {
            all: Some(vec![1, 2, 4]),
            ..Default::default()
        },
    );
}

// RFC 4731 3.1: "RETURN ()" is the same as "RETURN (ALL)".
#[test]
fn esearch_empty_return_means_all() {
    let mut s = standard("esearch-empty");
    expect_esearch(
        &mut s,
        "SEARCH RETURN () FROM alice",
        Esearch {
            all: Some(vec![1, 4]),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN () NOT SEEN",
        Esearch {
            uid: true,
            all: Some(vec![5, 9, 10, 12]),
            ..Default::default()
        },
    );
}

// RFC 4731 3.1: with no match, MIN, MAX and ALL are left out, COUNT is 0.
#[test]
fn esearch_no_match() {
    let mut s = standard("esearch-none");
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MIN MAX COUNT ALL) KEYWORD Unknown",
        Esearch {
            count: Some(0),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MIN MAX ALL) NOT ALL",
        Esearch::default(),
    );
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN (ALL) SUBJECT nothing-like-this",
        Esearch {
            uid: true,
            ..Default::default()
        },
    );
}

// RFC 4731 3.2: UID SEARCH answers `* ESEARCH (TAG ..) UID ...` with UIDs.
#[test]
fn esearch_uid() {
    let mut s = standard("esearch-uid");
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN (MIN MAX COUNT ALL) UNDELETED",
        Esearch {
            uid: true,
            min: Some(2),
            max: Some(12),
            count: Some(5),
            all: Some(vec![2, 4, 5, 9, 12]),
        },
    );
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN (MIN MAX) 2:4",
        Esearch {
            uid: true,
            min: Some(4),
            max: Some(9),
            ..Default::default()
        },
    );
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN (COUNT) CHARSET UTF-8 TO alice",
        Esearch {
            uid: true,
            count: Some(4),
            ..Default::default()
        },
    );
}

// ---------------------------------------------------------------------------------------
// SEARCHRES (RFC 5182).

/// The FETCH responses of a reply.
fn fetched(r: &Reply) -> Vec<String> {
    r.starting("* ")
        .into_iter()
        .filter(|l| l.contains(" FETCH "))
        .collect()
}

// RFC 5182 2.1, example A282: RETURN (SAVE) alone gives no ESEARCH; `$` then names the
// saved messages in FETCH (2.2) and in UID SEARCH UID $ (2.1, A301).
#[test]
fn searchres_save_fetch_and_uid_search() {
    let mut s = standard("searchres");
    let r = s.ok("SEARCH RETURN (SAVE) OR FLAGGED DRAFT");
    if !r.starting("* ESEARCH").is_empty() || !r.starting("* SEARCH").is_empty() {
        s.fail("RETURN (SAVE) alone must not answer with ESEARCH or SEARCH");
    }
    let r = s.ok("FETCH $ UID");
    let got = fetched(&r);
    let want = vec![
        "* 3 FETCH (UID 5)".to_string(),
        "* 4 FETCH (UID 9)".to_string(),
    ];
    if got != want {
        s.fail(&format!("FETCH $: expected {want:?}, got {got:?}"));
    }
    check(&mut s, "UID SEARCH UID $", &[5, 9]);
    check(&mut s, "SEARCH UID $", &[3, 4]);
    check(&mut s, "SEARCH NOT UID $", &[1, 2, 5, 6]);
    check(&mut s, "SEARCH $", &[3, 4]);
    check(&mut s, "SEARCH $ DRAFT", &[4]);
    // A new SAVE replaces the old result.
    s.ok("UID SEARCH RETURN (SAVE) SEEN");
    check(&mut s, "UID SEARCH UID $", &[2, 4]);
    // And an empty result is saved as empty.
    s.ok("SEARCH RETURN (SAVE) KEYWORD Unknown");
    check(&mut s, "SEARCH $", &[]);
}

// RFC 5182 2.1: SAVE with MIN and/or MAX saves only those.
#[test]
fn searchres_save_with_min_max() {
    let mut s = standard("searchres-min");
    expect_esearch(
        &mut s,
        "SEARCH RETURN (SAVE MIN) UNSEEN",
        Esearch {
            min: Some(3),
            ..Default::default()
        },
    );
    check(&mut s, "SEARCH $", &[3]);
    let r = s.ok("FETCH $ UID");
    let got = fetched(&r);
    if got != vec!["* 3 FETCH (UID 5)".to_string()] {
        s.fail(&format!("FETCH $ after SAVE MIN: {got:?}"));
    }
    expect_esearch(
        &mut s,
        "UID SEARCH RETURN (SAVE MIN MAX) UNSEEN",
        Esearch {
            uid: true,
            min: Some(5),
            max: Some(12),
            ..Default::default()
        },
    );
    check(&mut s, "UID SEARCH UID $", &[5, 12]);
    check(&mut s, "SEARCH $", &[3, 6]);
    // SAVE with ALL and COUNT saves all matches.
    expect_esearch(
        &mut s,
        "SEARCH RETURN (SAVE COUNT) OR SEEN RECENT",
        Esearch {
            count: Some(3),
            ..Default::default()
        },
    );
    check(&mut s, "UID SEARCH $", &[2, 4, 12]);
    // MIN and MAX beside ALL or COUNT: `$` is every match all the same (RFC 5182 2.1's
    // table, "SAVE * [m]"; example C286).
    expect_esearch(
        &mut s,
        "SEARCH RETURN (MAX SAVE MIN COUNT) OR SEEN RECENT",
        Esearch {
            min: Some(1),
            max: Some(6),
            count: Some(3),
            ..Default::default()
        },
    );
    check(&mut s, "UID SEARCH $", &[2, 4, 12]);
}
