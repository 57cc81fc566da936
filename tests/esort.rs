//! ESORT (RFC 5267 3): SORT and UID SORT with RETURN options answer with ESEARCH, in the
//! requested sort order: MIN and MAX are the first and last in that order, ALL lists the
//! results in it (ranges only where the numbers ascend, 3.2), COUNT as for SEARCH.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Session};

/// seq uid subject date (Jan 2024) size
/// 1   2   c       5           largest but one
/// 2   4   a       3           small
/// 3   6   b       9           largest
/// 4   7   d       1           smallest
/// 5   9   e       2
/// 6   10  f       4
fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    for (uid, subject, day, pad) in [
        (2, "c", 5, 30),
        (4, "a", 3, 3),
        (6, "b", 9, 40),
        (7, "d", 1, 1),
        (9, "e", 2, 7),
        (10, "f", 4, 22),
    ] {
        let text = format!(
            "From: a@example.org\nSubject: {subject}\nDate: {day} Jan 2024 10:00:00 +0000\n\n{}\n",
            "x".repeat(pad)
        );
        f.add(uid, "", &crlf(text.as_bytes()), utc(2024, 2, day, 0, 0, 0));
    }
    let mut s = f.session();
    s.ok("SELECT INBOX");
    s
}

/// The one untagged line of `command`, which must succeed.
fn one(s: &mut Session, command: &str) -> String {
    let r = s.run(command);
    if !r.ok() {
        s.fail(&format!("{command}: {:?}", r.tagged));
    }
    match &r.lines()[..] {
        [line] => line.clone(),
        lines => s.fail(&format!("{command}: expected one response, got {lines:?}")),
    }
}

// RFC 5267 5: the capability is "ESORT".
#[test]
fn advertised() {
    let mut s = session("esort-cap");
    let caps = one(&mut s, "C CAPABILITY");
    assert!(caps.split(' ').any(|c| c == "ESORT"), "{caps}");
}

// RFC 5267 3.1: MIN is the lowest sorted message, MAX the highest sorted, ALL in sort
// order, COUNT as in ESEARCH; the numbers are message numbers, or UIDs after UID.
#[test]
fn min_max_all_count_in_sort_order() {
    let mut s = session("esort-options");
    for (command, expected) in [
        (
            "E1 SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"E1\") MIN 2 MAX 6 ALL 2:3,1,4:6 COUNT 6",
        ),
        (
            "E2 UID SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"E2\") UID MIN 4 MAX 10 ALL 4,6,2,7,9:10 COUNT 6",
        ),
        (
            "E3 SORT RETURN (MIN MAX) (REVERSE SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"E3\") MIN 6 MAX 2",
        ),
        (
            "E4 SORT RETURN (ALL) (SIZE) UTF-8 ALL",
            "* ESEARCH (TAG \"E4\") ALL 4,2,5:6,1,3",
        ),
        (
            "E5 UID SORT RETURN (MIN) (DATE) UTF-8 NOT SUBJECT d",
            "* ESEARCH (TAG \"E5\") UID MIN 9",
        ),
        (
            "E6 SORT RETURN (COUNT) (ARRIVAL) UTF-8 SUBJECT a",
            "* ESEARCH (TAG \"E6\") COUNT 1",
        ),
    ] {
        assert_eq!(one(&mut s, command), expected, "{command}");
    }
}

// RFC 5267 3.2: ranges only where the numbers ascend; 3.3: RETURN () is ALL, and
// 5,4,3 is not written 5:3.
#[test]
fn descending_runs_are_not_ranges() {
    let mut s = session("esort-ranges");
    assert_eq!(
        one(&mut s, "E1 SORT RETURN () (REVERSE DATE) UTF-8 ALL"),
        "* ESEARCH (TAG \"E1\") ALL 3,1,6,2,5,4"
    );
    assert_eq!(
        one(&mut s, "E2 SORT RETURN () (REVERSE SUBJECT) UTF-8 ALL"),
        "* ESEARCH (TAG \"E2\") ALL 6,5,4,1,3,2"
    );
    // The same order as the plain SORT answer.
    assert_eq!(
        one(&mut s, "S1 SORT (REVERSE SUBJECT) UTF-8 ALL"),
        "* SORT 6 5 4 1 3 2"
    );
}

// RFC 4731 3.1 as ESORT adapts it: nothing found, no MIN, MAX or ALL; COUNT 0.
#[test]
fn nothing_found() {
    let mut s = session("esort-none");
    assert_eq!(
        one(
            &mut s,
            "E1 UID SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 SUBJECT zzz"
        ),
        "* ESEARCH (TAG \"E1\") UID COUNT 0"
    );
    assert_eq!(
        one(&mut s, "E2 SORT RETURN (ALL) (SUBJECT) UTF-8 SUBJECT zzz"),
        "* ESEARCH (TAG \"E2\")"
    );
}

// RFC 5182 2.1 (as RFC 5267 3 makes SORT behave like SEARCH): SAVE alone answers nothing
// and `$` names every message found; with MIN alone, only the first in sort order.
#[test]
fn save() {
    let mut s = session("esort-save");
    let r = s.ok("SORT RETURN (SAVE) (SUBJECT) UTF-8 NOT SUBJECT a");
    assert!(r.lines().is_empty(), "{:?}", r.lines());
    assert_eq!(one(&mut s, "S1 SEARCH $"), "* SEARCH 1 3 4 5 6");
    s.ok("SORT RETURN (SAVE MIN) (REVERSE SIZE) UTF-8 ALL");
    assert_eq!(one(&mut s, "S2 UID SEARCH $"), "* SEARCH 6");
}

// RFC 5267 5: `extended-sort = ["UID" SP] "SORT" search-return-opts SP sort-criteria SP
// search-criteria`; a bad option is BAD and the session goes on.
#[test]
fn bad_return_options() {
    let mut s = session("esort-bad");
    for bad in [
        "SORT RETURN (FIRST) (SUBJECT) UTF-8 ALL",
        "SORT RETURN (MIN (SUBJECT) UTF-8 ALL",
        "SORT RETURN (MIN) UTF-8 ALL",
        "SORT RETURN MIN (SUBJECT) UTF-8 ALL",
    ] {
        let r = s.cmd(bad);
        assert!(r.status().starts_with("BAD "), "{bad}: {:?}", r.tagged);
    }
    assert_eq!(
        one(&mut s, "E1 SORT RETURN (COUNT) (SUBJECT) UTF-8 ALL"),
        "* ESEARCH (TAG \"E1\") COUNT 6"
    );
}
