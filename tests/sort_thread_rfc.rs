//! SORT and THREAD (RFC 5256) on small mailboxes built for the RFC's rules, with every
//! expected `* SORT` / `* THREAD` line worked out by hand from the RFC's text:
//!
//! - section 2.1, the base subject: (1) encoded words decoded, tabs and runs of spaces one
//!   space; (2) trailers `(fwd)` and white space removed; (3) leaders `re:`, `fw:`, `fwd:`
//!   (with blobs before them or between the word and the colon) removed; (4) a leading
//!   `[blob]` removed unless nothing would be left; (5) repeat (3)-(4); (6) `[fwd: ...]`
//!   unwrapped, then again from (2);
//! - section 2.2, the sent date: the Date: field normalised to UTC, INTERNALDATE when there
//!   is no Date:, ties broken by sequence number;
//! - section 7: strings collate by i;unicode-casemap (RFC 5051: titlecase, which for ASCII
//!   letters is upper case, then octet by octet);
//! - section 3: ORDEREDSUBJECT and REFERENCES (steps 1 to 6), and the thread-list syntax
//!   of section 5 (a chain of single children inline, several children each in
//!   parentheses, a dummy as a list with no number of its own).
//!
//! The messages are written into the Maildir by the test (tests/common/mailbox_fixture.rs)
//! with UID 10*n for sequence number n, so that the UID forms are told apart, and with
//! INTERNALDATE (the mtime) a month after every Date: unless said otherwise.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{utc, Fixture, Reply, Session};

/// A message: `Message-ID: <id@x>` when `id` is not empty, then `extra` header lines
/// (each ending in LF), the Subject, the Date when given, and a one-line body.
fn message(id: &str, subject: &str, date: Option<&str>, extra: &str) -> Vec<u8> {
    let mut m = String::from("From: someone@example.org\nTo: other@example.org\n");
    if let Some(d) = date {
        m.push_str(&format!("Date: {d}\n"));
    }
    m.push_str(&format!("Subject: {subject}\n"));
    if !id.is_empty() {
        m.push_str(&format!("Message-ID: <{id}@x>\n"));
    }
    m.push_str(extra);
    m.push_str("\nbody\n");
    m.into_bytes()
}

/// `Mon, 01 Jan 2024 HH:MM:00 ZONE`.
fn jan1(hh: u32, mm: u32, zone: &str) -> String {
    format!("Mon, 01 Jan 2024 {hh:02}:{mm:02}:00 {zone}")
}

/// The single untagged response starting with `prefix` (`* SORT` or `* THREAD`) of an OK
/// reply.
fn only(s: &Session, r: &Reply, prefix: &str) -> String {
    if !r.ok() {
        s.fail(&format!("command failed: {:?}", r.tagged));
    }
    let found: Vec<String> = r
        .starting(prefix)
        .into_iter()
        .filter(|l| l.len() == prefix.len() || l.as_bytes()[prefix.len()] == b' ')
        .collect();
    if found.len() != 1 {
        s.fail(&format!("expected one {prefix} response, got {found:?}"));
    }
    found[0].clone()
}

fn check(s: &mut Session, command: &str, prefix: &str, want: &str) {
    let r = s.run(command);
    let got = only(s, &r, prefix);
    assert_eq!(got, want, "{command}");
}

// ---------------------------------------------------------------------------------------
// The base-subject mailbox (RFC 5256 2.1 and the collation of section 7).
//
// seq subject                          base subject (steps)                      Date (UTC)
//  1  "Re: Re: re:  yankee"            yankee       (3) three times                01:00
//  2  "Fwd: [list] Re: xray (fwd)"     xray         (2) "(fwd)", (3) "Fwd:", (4)
//                                                   "[list] ", (3) "Re:"           02:00
//  3  "[fwd: Re: whiskey]"             whiskey      (4) not done: the blob would
//                                                   leave nothing; (6) unwrap, (3) 03:00
//  4  "[list] [other] victor"          victor       (4) twice                      04:00
//  5  "[only]"                         [only]       (4) not done: nothing left     05:00
//  6  "Re[2]: uniform"                 uniform      (3) subj-refwd "re" blob ":"   06:00
//  7  "Fw: tango"                      tango        (3) "fw" without "d"           07:00
//  8  "Reply to all"                   reply to all no colon after "re"           08:00
//  9  "re sierra"                      re sierra    no colon                       09:00
// 10  "Re: [fwd: oscar] (fwd)"         oscar        (2), (3), (4) not done (the
//                                                   blob is all), (6)              10:00
// 11  "=?UTF-8?Q?Re=3A_quebec?="       quebec       (1) decodes to "Re: quebec"    11:00
// 12  "Fwd:"                           (empty)      (3)                            12:00
// 13  "[list]Re: papa"                 papa         (3) *subj-blob subj-refwd      13:00
// 14  "Re: [fwd: [list] november]"     november     (3); (4) no blob ("[fwd: "
//                                                   holds a "["); (6); (3)-(4)     14:00
// 15  "_underscore"                    _underscore                                 15:00
// 16  "Re: Mike \t  tabs"              mike tabs    (1) one space, (3)             17:00
// 17  "mike tabs"                      mike tabs                                   16:00
//
// Collation (section 7, i;unicode-casemap): ASCII letters compare as upper case, so
// "[" (0x5B) and "_" (0x5F) come after every letter ("Z" is 0x5A), the empty string
// first, and " " (0x20) before "P" in "RE SIERRA" < "REPLY TO ALL". (Dovecot 2.3.19 sorts
// "alpha", "[only]", "_underscore" in that order too.)
fn subjects() -> Session {
    let subjects = [
        "Re: Re: re:  yankee",
        "Fwd: [list] Re: xray (fwd)",
        "[fwd: Re: whiskey]",
        "[list] [other] victor",
        "[only]",
        "Re[2]: uniform",
        "Fw: tango",
        "Reply to all",
        "re sierra",
        "Re: [fwd: oscar] (fwd)",
        "=?UTF-8?Q?Re=3A_quebec?=",
        "Fwd:",
        "[list]Re: papa",
        "Re: [fwd: [list] november]",
        "_underscore",
        "Re: Mike \t  tabs",
        "mike tabs",
    ];
    let mut f = Fixture::new("sort-subjects");
    for (i, subject) in subjects.iter().enumerate() {
        let n = i as u32 + 1;
        // 16 is dated after 17 (17:00 and 16:00), all others at n:00.
        let hour = match n {
            16 => 17,
            17 => 16,
            _ => n,
        };
        let m = message(&format!("s{n}"), subject, Some(&jan1(hour, 0, "+0000")), "");
        f.add(10 * n, "", &m, utc(2024, 2, 1, 0, 0, n as i64));
    }
    f.session()
}

#[test]
fn sort_subject_uses_the_base_subject() {
    let mut s = subjects();
    // Ordered by base subject (above), equal ones (16 and 17, "mike tabs") by sequence
    // number: "" 12, MIKE TABS 16 17, NOVEMBER 14, OSCAR 10, PAPA 13, QUEBEC 11,
    // RE SIERRA 9, REPLY TO ALL 8, TANGO 7, UNIFORM 6, VICTOR 4, WHISKEY 3, XRAY 2,
    // YANKEE 1, [ONLY] 5, _UNDERSCORE 15.
    check(
        &mut s,
        "T1 SORT (SUBJECT) UTF-8 ALL",
        "* SORT",
        "* SORT 12 16 17 14 10 13 11 9 8 7 6 4 3 2 1 5 15",
    );
}

#[test]
fn sort_subject_then_date_and_reverse() {
    let mut s = subjects();
    // The same, but 16 and 17 (equal base subjects only once step 1 has made "\t  " one
    // space) now go by sent date: 17 (16:00) before 16 (17:00).
    check(
        &mut s,
        "T1 SORT (SUBJECT DATE) UTF-8 ALL",
        "* SORT",
        "* SORT 12 17 16 14 10 13 11 9 8 7 6 4 3 2 1 5 15",
    );
    // REVERSE reverses the subject order only; 16 and 17 still tie and keep sequence
    // order (section 3, REVERSE: the implicit sequence-number criterion is not reversed).
    check(
        &mut s,
        "T2 SORT (REVERSE SUBJECT) UTF-8 ALL",
        "* SORT",
        "* SORT 15 5 1 2 3 4 6 7 8 9 11 13 10 14 16 17 12",
    );
    // UID SORT answers UIDs (10*n), the order of T2 with REVERSE DATE breaking the tie:
    // 16 (17:00) before 17 (16:00).
    check(
        &mut s,
        "T3 UID SORT (REVERSE SUBJECT REVERSE DATE) UTF-8 ALL",
        "* SORT",
        "* SORT 150 50 10 20 30 40 60 70 80 90 110 130 100 140 160 170 120",
    );
}

#[test]
fn orderedsubject_groups_by_base_subject() {
    let mut s = subjects();
    // Every base subject is its own thread except "mike tabs" (16, 17): 17 is the earlier
    // (16:00), so it heads the thread with 16 as its child. 12's empty base subject is a
    // thread too (ORDEREDSUBJECT does not skip empty subjects). Threads in the order of
    // their first message's sent date; 17's thread stands at 16:00, before 16's date.
    check(
        &mut s,
        "T1 THREAD ORDEREDSUBJECT UTF-8 ALL",
        "* THREAD",
        "* THREAD (1)(2)(3)(4)(5)(6)(7)(8)(9)(10)(11)(12)(13)(14)(15)(17 16)",
    );
}

// ---------------------------------------------------------------------------------------
// The threading mailbox (RFC 5256 2.2 and 3).
//
// seq id  subject            Date (as written)      UTC    references
//  1  a1  Plan               01:00 +0000            01:00  -
//  2  a2  Re: Plan           03:00 +0000            03:00  References: <a1>
//  3  a3  RE: [team] Plan    04:30 +0000            04:30  In-Reply-To: <a2> (no References)
//  4  a4  Re: Plan           04:00 +0200            02:00  References: <a1>
//  5  b1  Budget             05:00 +0000            05:00  References: <missing>
//  6  b2  Re: Budget         01:00 -0500            06:00  In-Reply-To: <missing> (comment)
//  7  c1  Solo               07:00 +0000            07:00  References: <gone1> <gone2>
//  8  d1  Fwd: Lunch         08:00 +0000            08:00  -
//  9  d2  Lunch              (no Date:)   INTERNALDATE 09:00  -
// 10  e1  [list] Status      10:00 +0000            10:00  -
// 11  e2  Status             11:00 +0000            11:00  -
// 12  f1  Report (fwd)       12:00 +0000            12:00  -
// 13  f2  [Fwd: Report]      13:00 +0000            13:00  -
// 14  f3  report             14:00 +0000            14:00  -
// 15  b3  Re: Budget         15:00 +0000            15:00  -
// 16  g1  Chain              16:00 +0000            16:00  -
// 17  g3  Re: Chain          18:00 +0000            18:00  References: <g1> <g2>
// 18  g2  Re: Chain          17:00 +0000            17:00  References: <g1>
//
// (all on 1 Jan 2024; b2's 01:00 -0500 is 06:00 UTC, a4's 04:00 +0200 is 02:00 UTC)
fn threads() -> Session {
    let z = "+0000";
    let msgs: Vec<(&str, &str, Option<String>, &str)> = vec![
        ("a1", "Plan", Some(jan1(1, 0, z)), ""),
        (
            "a2",
            "Re: Plan",
            Some(jan1(3, 0, z)),
            "References: <a1@x>\n",
        ),
        (
            "a3",
            "RE: [team] Plan",
            Some(jan1(4, 30, z)),
            "In-Reply-To: <a2@x>\n",
        ),
        (
            "a4",
            "Re: Plan",
            Some(jan1(4, 0, "+0200")),
            "References: <a1@x>\n",
        ),
        (
            "b1",
            "Budget",
            Some(jan1(5, 0, z)),
            "References: <missing@x>\n",
        ),
        (
            "b2",
            "Re: Budget",
            Some(jan1(1, 0, "-0500")),
            "In-Reply-To: <missing@x> (sent by b)\n",
        ),
        (
            "c1",
            "Solo",
            Some(jan1(7, 0, z)),
            "References: <gone1@x>\n <gone2@x>\n",
        ),
        ("d1", "Fwd: Lunch", Some(jan1(8, 0, z)), ""),
        ("d2", "Lunch", None, ""),
        ("e1", "[list] Status", Some(jan1(10, 0, z)), ""),
        ("e2", "Status", Some(jan1(11, 0, z)), ""),
        ("f1", "Report (fwd)", Some(jan1(12, 0, z)), ""),
        ("f2", "[Fwd: Report]", Some(jan1(13, 0, z)), ""),
        ("f3", "report", Some(jan1(14, 0, z)), ""),
        ("b3", "Re: Budget", Some(jan1(15, 0, z)), ""),
        ("g1", "Chain", Some(jan1(16, 0, z)), ""),
        (
            "g3",
            "Re: Chain",
            Some(jan1(18, 0, z)),
            "References: <g1@x> <g2@x>\n",
        ),
        (
            "g2",
            "Re: Chain",
            Some(jan1(17, 0, z)),
            "References: <g1@x>\n",
        ),
    ];
    let mut f = Fixture::new("thread-rfc");
    for (i, (id, subject, date, extra)) in msgs.iter().enumerate() {
        let n = i as u32 + 1;
        let m = message(id, subject, date.as_deref(), extra);
        // INTERNALDATE: 9 (no Date:) arrived at 09:00 on 1 Jan; the others on 1 Feb, in
        // reverse sequence order (so that ARRIVAL differs from both DATE and sequence).
        let mtime = if n == 9 {
            utc(2024, 1, 1, 9, 0, 0)
        } else {
            utc(2024, 2, 1, 0, 0, 30 - n as i64)
        };
        f.add(10 * n, "", &m, mtime);
    }
    f.session()
}

#[test]
fn sort_date_normalises_zones_and_falls_back_to_internaldate() {
    let mut s = threads();
    // Section 2.2, by UTC: 1 01:00, 4 02:00 (04:00 +0200), 2 03:00, 3 04:30, 5 05:00,
    // 6 06:00 (01:00 -0500), 7, 8, 9 09:00 (INTERNALDATE: no Date:), 10 ... 16, 18 17:00,
    // 17 18:00. Read as local times, 6 (01:00) would come first and 4 after 3.
    check(
        &mut s,
        "T1 SORT (DATE) UTF-8 ALL",
        "* SORT",
        "* SORT 1 4 2 3 5 6 7 8 9 10 11 12 13 14 15 16 18 17",
    );
    check(
        &mut s,
        "T2 SORT (REVERSE DATE) UTF-8 ALL",
        "* SORT",
        "* SORT 17 18 16 15 14 13 12 11 10 9 8 7 6 5 3 2 4 1",
    );
    // ARRIVAL is INTERNALDATE: 9 on 1 Jan, then 18, 17, ..., 1 (mtimes 1 Feb 00:00:12 to
    // 00:00:29, falling with the sequence number).
    check(
        &mut s,
        "T3 SORT (ARRIVAL) UTF-8 ALL",
        "* SORT",
        "* SORT 9 18 17 16 15 14 13 12 11 10 8 7 6 5 4 3 2 1",
    );
    // With search keys: only the hits are sorted. SUBJECT "budget" (SEARCH is a substring
    // match, RFC 3501 6.4.4) hits 5, 6, 15; by REVERSE DATE: 15, 6, 5. As UIDs.
    check(
        &mut s,
        "T4 UID SORT (REVERSE DATE) UTF-8 SUBJECT budget",
        "* SORT",
        "* SORT 150 60 50",
    );
}

#[test]
fn orderedsubject_threads() {
    let mut s = threads();
    // Section 3, ORDEREDSUBJECT: sort by base subject, then sent date; each run of one
    // base subject is a thread whose first message is the parent of all the others (as
    // siblings); threads in the order of their first message's sent date.
    //   plan:   1 (01:00), 4 (02:00), 2 (03:00), 3 (04:30)     -> (1 (4)(2)(3))
    //   budget: 5 (05:00), 6 (06:00), 15 (15:00)               -> (5 (6)(15))
    //   solo:   7                                              -> (7)
    //   lunch:  8 (08:00), 9 (09:00, INTERNALDATE)             -> (8 9)
    //   status: 10, 11                                         -> (10 11)
    //   report: 12, 13, 14 ("(fwd)" and "[fwd: ]" removed)     -> (12 (13)(14))
    //   chain:  16 (16:00), 18 (17:00), 17 (18:00)             -> (16 (18)(17))
    check(
        &mut s,
        "T1 THREAD ORDEREDSUBJECT UTF-8 ALL",
        "* THREAD",
        "* THREAD (1 (4)(2)(3))(5 (6)(15))(7)(8 9)(10 11)(12 (13)(14))(16 (18)(17))",
    );
}

#[test]
fn references_threads() {
    let mut s = threads();
    // Step 1, for each message in sequence order:
    //   1 a1: no references.   2 a2: References <a1>: child of a1.
    //   3 a3: no References, In-Reply-To <a2>: child of a2.   4 a4: child of a1.
    //   5 b1: References <missing>: a dummy for <missing>, b1 its child.
    //   6 b2: In-Reply-To "<missing@x> (comment)": the first Message ID, the same dummy.
    //   7 c1: References <gone1> <gone2>: dummies gone1 -> gone2 (1.A), c1 under gone2.
    //   8-16: no references.
    //   17 g3: References <g1> <g2>: g2 has no message yet: a dummy under g1 (1.A), g3
    //      under it (1.B).
    //   18 g2: its Message ID is the dummy's: the node becomes message 18, and its own
    //      References <g1> re-link it under g1 (1.B). So g1 -> g2 (18) -> g3 (17).
    // Step 2, the roots: a1, missing, gone1, d1 d2 e1 e2 f1 f2 f3 b3 g1.
    // Step 3, pruning: gone2 (not a root) goes, c1 moves up to gone1; gone1, a root dummy
    //   with one child, goes too and c1 becomes a root. The dummy for <missing> is a root
    //   with two children: it stays.
    // Step 4, roots by sent date (a dummy by its first child, 5 at 05:00):
    //   1, (5 6), 7, 8, 9, 10, 11, 12, 13, 14, 15, 16.
    // Step 5.B, the subject table (reply = "re:"/"fwd:"/"(fwd)"/"[fwd: ]" removed):
    //   plan -> 1; budget -> the dummy (first child 5 "Budget"; 15 "Re: Budget" does not
    //   replace a dummy); solo -> 7; lunch -> 8 (a forward), then 9 replaces it (8 is a
    //   forward and 9 is not); status -> 10 (11, no reply either, does not replace it);
    //   report -> 12 (a forward: "(fwd)"), 13 does not replace it (a forward too:
    //   "[Fwd: ...]"), 14 does (not a reply); chain -> 16.
    // Step 5.C: 8 (forward) becomes a child of 9; 11 and 10 are neither dummies nor
    //   replies: a new dummy holds both; 12 and 13 (forwards) become children of 14; 15,
    //   with a dummy in the table, becomes a child of that dummy (a sibling of 5 and 6).
    // Step 6, siblings by sent date: 1's children 4 (02:00) then 2 (03:00, with child 3);
    //   the budget dummy's 5, 6, 15; 14's 12, 13; the roots as in step 4 with 8 and 11
    //   gone under 9 and the new dummy (at 10:00), 12 and 13 under 14, 15 under the
    //   budget dummy.
    check(
        &mut s,
        "T1 THREAD REFERENCES UTF-8 ALL",
        "* THREAD",
        "* THREAD (1 (4)(2 3))((5)(6)(15))(7)(9 8)((10)(11))(14 (12)(13))(16 18 17)",
    );
    // UID THREAD: the same shape in UIDs.
    check(
        &mut s,
        "T2 UID THREAD REFERENCES UTF-8 ALL",
        "* THREAD",
        "* THREAD (10 (40)(20 30))((50)(60)(150))(70)(90 80)((100)(110))(140 (120)(130))(160 180 170)",
    );
}

#[test]
fn references_threads_on_search_hits() {
    let mut s = threads();
    // Only the hits take part (section 3: "the searched messages"). NOT 2:4 leaves
    // 1, 5-18: 1 has no searched replies and stands alone; the rest as in
    // references_threads.
    check(
        &mut s,
        "T1 THREAD REFERENCES UTF-8 NOT 2:4",
        "* THREAD",
        "* THREAD (1)((5)(6)(15))(7)(9 8)((10)(11))(14 (12)(13))(16 18 17)",
    );
    // 1:3 and 16:18 only. a2 is a child of a1, a3 of a2: (1 2 3). g1 -> g2 -> g3.
    check(
        &mut s,
        "T2 THREAD REFERENCES UTF-8 OR 1:3 16:18",
        "* THREAD",
        "* THREAD (1 2 3)(16 18 17)",
    );
    // 2, 3 and 17, 18 without their roots: <a1> and <g1> are not searched, so step 1
    // makes dummies for them. a1's dummy has one child (2, with 3 under it): at the root,
    // a dummy with one child goes (step 3.B) and 2 becomes a root; likewise 18 (with 17).
    // Step 5: 2 "Re: Plan" and 18 "Re: Chain" have different subjects. By date: 2 (03:00)
    // before 18 (17:00).
    check(
        &mut s,
        "T3 THREAD REFERENCES UTF-8 2:3,17:18",
        "* THREAD",
        "* THREAD (2 3)(18 17)",
    );
    // Only the replies 2 and 4, both children of the unsearched <a1>: its dummy is a
    // root with two children and stays (step 3.B), the children by date: 4 then 2.
    check(
        &mut s,
        "T4 THREAD REFERENCES UTF-8 2,4",
        "* THREAD",
        "* THREAD ((4)(2))",
    );
}

#[test]
fn references_dummy_and_subject_merge_of_two_dummies() {
    // Step 5.C, "if both messages are dummies": two threads each held by a dummy (their
    // parents are missing), with the same base subject, become one dummy whose children
    // are the children of both.
    //   1 <p1> "Topic"      References <lost1>   01:00
    //   2 <p2> "Re: Topic"  References <lost1>   02:00     -> dummy(lost1): 1, 2
    //   3 <p3> "Topic"      References <lost2>   03:00
    //   4 <p4> "Re: Topic"  References <lost2>   04:00     -> dummy(lost2): 3, 4
    //   5 <p5> "Other"      References <p4>      05:00     -> child of 4
    // Step 4: dummy(lost1) at 01:00, dummy(lost2) at 03:00. Step 5.B: topic -> dummy
    // (lost1); dummy(lost2) does not replace it (the table holds a dummy). Step 5.C: the
    // children of dummy(lost2) join dummy(lost1): 1, 2, 3, 4 (with 5 under 4).
    let mut f = Fixture::new("thread-dummies");
    let rows = [
        ("p1", "Topic", 1, "References: <lost1@x>\n"),
        ("p2", "Re: Topic", 2, "References: <lost1@x>\n"),
        ("p3", "Topic", 3, "References: <lost2@x>\n"),
        ("p4", "Re: Topic", 4, "References: <lost2@x>\n"),
        ("p5", "Other", 5, "References: <p4@x>\n"),
    ];
    for (i, (id, subject, hour, extra)) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let m = message(id, subject, Some(&jan1(*hour, 0, "+0000")), extra);
        f.add(n, "", &m, utc(2024, 2, 1, 0, 0, n as i64));
    }
    let mut s = f.session();
    check(
        &mut s,
        "T1 THREAD REFERENCES UTF-8 ALL",
        "* THREAD",
        "* THREAD ((1)(2)(3)(4 5))",
    );
}

#[test]
fn references_duplicate_ids_and_loops() {
    // Step 1.A: a Message ID used twice counts for the first message only (the second
    // gets a unique one); no link may make a loop.
    //   1 <q1> "Alpha"      -                                   01:00
    //   2 <q1> "Beta"       -      (duplicate ID: not <q1>)     02:00
    //   3 <q3> "Re: Alpha"  References <q1>  -> child of 1      03:00
    //   4 <q4> "Gamma"      References <q5>                     04:00
    //   5 <q5> "Re: Gamma"  References <q4>                     05:00
    // 4 is first made a child of a dummy <q5>; then message 5 fills <q5>, and its own
    // reference makes 4 its parent; that would close a loop (4 is already 5's child), so
    // the link is not made (1.B) and 5 keeps no parent: 5 -> 4.
    // Roots by date: 1 (01:00), 2 (02:00), 5 (05:00). Subjects alpha, beta, gamma differ.
    let mut f = Fixture::new("thread-dups");
    let rows = [
        ("q1", "Alpha", 1, ""),
        ("q1", "Beta", 2, ""),
        ("q3", "Re: Alpha", 3, "References: <q1@x>\n"),
        ("q4", "Gamma", 4, "References: <q5@x>\n"),
        ("q5", "Re: Gamma", 5, "References: <q4@x>\n"),
    ];
    for (i, (id, subject, hour, extra)) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let m = message(id, subject, Some(&jan1(*hour, 0, "+0000")), extra);
        f.add(n, "", &m, utc(2024, 2, 1, 0, 0, n as i64));
    }
    let mut s = f.session();
    check(
        &mut s,
        "T1 THREAD REFERENCES UTF-8 ALL",
        "* THREAD",
        "* THREAD (1 3)(2)(5 4)",
    );
}
