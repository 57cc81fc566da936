//! PARTIAL (RFC 9394): `RETURN (PARTIAL m:n)` and `PARTIAL -m:-n` page through the results
//! of SEARCH, UID SEARCH, SORT and UID SORT (the results in the command's order, 1 the
//! first, -1 the last), answered `PARTIAL (range set)` or `PARTIAL (range NIL)`; its
//! interplay with SAVE (3.2); and the PARTIAL modifier of UID FETCH (3.3).

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Session};

/// Ten messages, UIDs 101, 103, ..., 119 (odd), seq 1..10; subjects descend (j, i, ..., a),
/// so SORT (SUBJECT) is the reverse of mailbox order; messages 3, 6 and 9 are \Seen.
fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    for n in 0..10u32 {
        let subject = char::from(b'j' - n as u8);
        let text = format!("From: a@example.org\nSubject: {subject}\n\nBody {n}.\n");
        let flags = if n % 3 == 2 { "S" } else { "" };
        f.add(
            101 + 2 * n,
            flags,
            &crlf(text.as_bytes()),
            utc(2024, 3, 1 + n as i64, 0, 0, 0),
        );
    }
    let mut s = f.session();
    s.ok("SELECT INBOX");
    s
}

/// The untagged lines of `command`, which must succeed.
fn lines(s: &mut Session, command: &str) -> Vec<String> {
    let r = s.run(command);
    if !r.ok() {
        s.fail(&format!("{command}: {:?}", r.tagged));
    }
    r.lines()
}

fn one(s: &mut Session, command: &str) -> String {
    match &lines(s, command)[..] {
        [line] => line.clone(),
        other => s.fail(&format!("{command}: expected one response, got {other:?}")),
    }
}

// RFC 9394 3: the capability is "PARTIAL".
#[test]
fn advertised() {
    let mut s = session("partial-cap");
    let caps = one(&mut s, "C CAPABILITY");
    assert!(caps.split(' ').any(|c| c == "PARTIAL"), "{caps}");
}

// RFC 9394 3.1: 1:500 the first results, -1:-100 the last, in mailbox order for SEARCH; a
// range past the end gives what there is, one wholly past it NIL; 500:400 is 400:500.
#[test]
fn search_pages() {
    let mut s = session("partial-search");
    for (command, expected) in [
        (
            "A1 UID SEARCH RETURN (PARTIAL 1:3) UNSEEN",
            "* ESEARCH (TAG \"A1\") UID PARTIAL (1:3 101,103,107)",
        ),
        (
            "A2 UID SEARCH RETURN (PARTIAL -1:-3) UNSEEN",
            "* ESEARCH (TAG \"A2\") UID PARTIAL (-1:-3 113,115,119)",
        ),
        (
            "A3 SEARCH RETURN (PARTIAL 6:100) UNSEEN",
            "* ESEARCH (TAG \"A3\") PARTIAL (6:100 8,10)",
        ),
        (
            "A4 SEARCH RETURN (PARTIAL 8:9) UNSEEN",
            "* ESEARCH (TAG \"A4\") PARTIAL (8:9 NIL)",
        ),
        (
            "A5 SEARCH RETURN (PARTIAL -3:-1) ALL",
            "* ESEARCH (TAG \"A5\") PARTIAL (-1:-3 8:10)",
        ),
        (
            "A6 SEARCH RETURN (PARTIAL 5:2) ALL",
            "* ESEARCH (TAG \"A6\") PARTIAL (2:5 2:5)",
        ),
        (
            "A7 SEARCH RETURN (PARTIAL -11:-20) ALL",
            "* ESEARCH (TAG \"A7\") PARTIAL (-11:-20 NIL)",
        ),
        (
            "A8 SEARCH RETURN (PARTIAL 1:10) SUBJECT zzz",
            "* ESEARCH (TAG \"A8\") PARTIAL (1:10 NIL)",
        ),
        // With the other options, which still speak of all the results.
        (
            "A9 UID SEARCH RETURN (MIN MAX COUNT PARTIAL 2:2) UNSEEN",
            "* ESEARCH (TAG \"A9\") UID MIN 101 MAX 119 PARTIAL (2:2 103) COUNT 7",
        ),
    ] {
        assert_eq!(one(&mut s, command), expected, "{command}");
    }
}

// RFC 9394 3.1 with RFC 5267 3 (ESORT): the positions are in sort order.
#[test]
fn sort_pages() {
    let mut s = session("partial-sort");
    for (command, expected) in [
        (
            "B1 SORT RETURN (PARTIAL 1:3) (SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"B1\") PARTIAL (1:3 10,9,8)",
        ),
        (
            "B2 UID SORT RETURN (PARTIAL -1:-2) (SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"B2\") UID PARTIAL (-1:-2 103,101)",
        ),
        (
            "B3 SORT RETURN (PARTIAL 4:6 COUNT) (ARRIVAL) UTF-8 UNSEEN",
            "* ESEARCH (TAG \"B3\") PARTIAL (4:6 5,7:8) COUNT 7",
        ),
        (
            "B4 SORT RETURN (PARTIAL 11:12) (SUBJECT) UTF-8 ALL",
            "* ESEARCH (TAG \"B4\") PARTIAL (11:12 NIL)",
        ),
    ] {
        assert_eq!(one(&mut s, command), expected, "{command}");
    }
}

// RFC 9394 3.2, table 1: what SAVE keeps with PARTIAL.
#[test]
fn save_with_partial() {
    let mut s = session("partial-save");
    for (command, saved) in [
        ("SEARCH RETURN (SAVE PARTIAL 2:3) ALL", "* SEARCH 2 3"),
        ("SEARCH RETURN (SAVE PARTIAL 3:4 MIN) ALL", "* SEARCH 1 3 4"),
        (
            "SEARCH RETURN (SAVE PARTIAL -2:-3 MAX) ALL",
            "* SEARCH 8 9 10",
        ),
        (
            "SEARCH RETURN (SAVE PARTIAL 5:5 MIN MAX) ALL",
            "* SEARCH 1 5 10",
        ),
        (
            "SEARCH RETURN (SAVE PARTIAL 1:1 COUNT) UNSEEN",
            "* SEARCH 1 2 4 5 7 8 10",
        ),
        // By sort order: the first two by subject are the last two messages.
        (
            "SORT RETURN (SAVE PARTIAL 1:2) (SUBJECT) UTF-8 ALL",
            "* SEARCH 9 10",
        ),
    ] {
        let r = s.ok(command).lines();
        assert_eq!(
            r.len(),
            1,
            "{command}: SAVE and PARTIAL answer PARTIAL: {r:?}"
        );
        assert_eq!(one(&mut s, "S SEARCH $"), saved, "{command}");
    }
}

// RFC 9394 3.3: UID FETCH's PARTIAL modifier takes those of the messages named, by
// position; the RFC's two examples.
#[test]
fn uid_fetch_partial() {
    let mut s = session("partial-fetch");
    assert_eq!(
        lines(&mut s, "F1 UID FETCH 104:200 (UID FLAGS) (PARTIAL -1:-3)"),
        [
            "* 8 FETCH (UID 115 FLAGS ())",
            "* 9 FETCH (UID 117 FLAGS (\\Seen))",
            "* 10 FETCH (UID 119 FLAGS ())",
        ]
    );
    assert_eq!(
        lines(&mut s, "F2 UID FETCH 104:200 (UID FLAGS) (PARTIAL 1:2)"),
        [
            "* 3 FETCH (UID 105 FLAGS (\\Seen))",
            "* 4 FETCH (UID 107 FLAGS ())",
        ]
    );
    assert!(lines(&mut s, "F3 UID FETCH 1:* UID (PARTIAL 11:20)").is_empty());
    assert_eq!(
        lines(&mut s, "F4 FETCH 2:5 UID (PARTIAL -1:-1)"),
        ["* 5 FETCH (UID 109)"]
    );
}

// RFC 9394 3.1 and 4: nz-numbers, both of one sign, no "*"; one PARTIAL or one ALL.
#[test]
fn bad_ranges() {
    let mut s = session("partial-bad");
    s.unchecked();
    for bad in [
        "SEARCH RETURN (PARTIAL 0:3) ALL",
        "SEARCH RETURN (PARTIAL 1:*) ALL",
        "SEARCH RETURN (PARTIAL -1:3) ALL",
        "SEARCH RETURN (PARTIAL 1:-3) ALL",
        "SEARCH RETURN (PARTIAL 3) ALL",
        "SEARCH RETURN (PARTIAL) ALL",
        "SEARCH RETURN (PARTIAL 1:3 ALL) ALL",
        "SEARCH RETURN (ALL PARTIAL 1:3) ALL",
        "SEARCH RETURN (PARTIAL 1:3 PARTIAL 4:5) ALL",
        "SORT RETURN (PARTIAL 1:3 ALL) (SUBJECT) UTF-8 ALL",
        "UID FETCH 1:* UID (PARTIAL 0:1)",
        "UID FETCH 1:* UID (FIRST 1:2)",
        "UID FETCH 1:* UID (PARTIAL 1:2 PARTIAL 3:4)",
    ] {
        let r = s.cmd(bad);
        assert!(r.status().starts_with("BAD "), "{bad}: {:?}", r.tagged);
    }
    assert_eq!(
        one(&mut s, "A1 SEARCH RETURN (PARTIAL 1:1) ALL"),
        "* ESEARCH (TAG \"A1\") PARTIAL (1:1 1)"
    );
}
