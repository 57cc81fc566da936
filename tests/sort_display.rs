//! SORT=DISPLAY (RFC 5957): the DISPLAYFROM and DISPLAYTO sort criteria, by the display
//! name of the first From or To address as ENVELOPE gives it (encoded words decoded), else
//! its mailbox@host, else its mailbox, else the empty string.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, utc, Fixture, Session};

/// seq  From                              DISPLAY value   To
/// 1    "Zed Last" <a@x>                  ZED LAST        bob@x
/// 2    bob@example.org                   BOB@EXAMPLE.ORG Zoe <z@x>
/// 3    =?UTF-8?Q?Emile?= <e@x>           EMILE           (none)
/// 4    (Carol C) carol@y                 CAROL C         adam@x
/// 5    Alice <zz@x>                      ALICE           "Mary" <m@x>
/// 6    "" <empty@x>                      EMPTY@X         carl@x
/// 7    undisclosed-recipients:;          UNDISCLOSED-... x@y
/// 8    (none)                            (empty)         Yann <y@y>
/// 9    alice <aa@x>                      ALICE           Bea <b@b>
fn session(name: &str) -> Session {
    let rows: [(Option<&str>, Option<&str>); 9] = [
        (Some("\"Zed Last\" <a@x>"), Some("bob@x")),
        (Some("bob@example.org"), Some("Zoe <z@x>")),
        (Some("=?UTF-8?Q?Emile?= <e@x>"), None),
        (Some("(Carol C) carol@y"), Some("adam@x")),
        (Some("Alice <zz@x>"), Some("\"Mary\" <m@x>")),
        (Some("\"\" <empty@x>"), Some("carl@x")),
        (Some("undisclosed-recipients:;"), Some("x@y")),
        (None, Some("Yann <y@y>")),
        (Some("alice <aa@x>"), Some("Bea <b@b>")),
    ];
    let mut f = Fixture::new(name);
    for (i, (from, to)) in rows.iter().enumerate() {
        let mut text = format!("Subject: {i}\n");
        if let Some(from) = from {
            text.push_str(&format!("From: {from}\n"));
        }
        if let Some(to) = to {
            text.push_str(&format!("To: {to}\n"));
        }
        text.push_str("\nBody.\n");
        let n = i as u32 + 1;
        f.add(
            10 * n,
            "",
            &crlf(text.as_bytes()),
            utc(2024, 1, n as i64, 0, 0, 0),
        );
    }
    f.session()
}

fn sorted(s: &mut Session, command: &str) -> String {
    let r = s.ok(command).lines();
    assert_eq!(r.len(), 1, "{command}: {r:?}");
    r[0].clone()
}

// RFC 5957 5: the capability SORT=DISPLAY.
#[test]
fn advertised() {
    let mut s = session("display-cap");
    let caps = sorted(&mut s, "CAPABILITY");
    assert!(caps.split(' ').any(|c| c == "SORT=DISPLAY"), "{caps}");
}

// RFC 5957 3 and 4: names before addresses are not special; the empty value first; equal
// values in message order (RFC 5256 3).
#[test]
fn displayfrom_and_displayto() {
    let mut s = session("display-sort");
    for (command, expected) in [
        ("SORT (DISPLAYFROM) UTF-8 ALL", "* SORT 8 5 9 2 4 3 6 7 1"),
        (
            "SORT (REVERSE DISPLAYFROM) UTF-8 ALL",
            "* SORT 1 7 6 3 4 2 5 9 8",
        ),
        (
            "UID SORT (DISPLAYFROM) UTF-8 ALL",
            "* SORT 80 50 90 20 40 30 60 70 10",
        ),
        ("SORT (DISPLAYTO) UTF-8 ALL", "* SORT 3 4 9 1 6 5 7 8 2"),
        // The plain FROM key compares addr-mailbox: a different order.
        ("SORT (FROM) UTF-8 ALL", "* SORT 8 1 9 2 4 3 6 7 5"),
        (
            "SORT (DISPLAYFROM) UTF-8 NOT FROM alice",
            "* SORT 8 2 4 3 6 7 1",
        ),
        (
            "SORT (DISPLAYTO REVERSE DISPLAYFROM) UTF-8 ALL",
            "* SORT 3 4 9 1 6 5 7 8 2",
        ),
    ] {
        assert_eq!(sorted(&mut s, command), expected, "{command}");
    }
    // With ESORT's return options (RFC 5267 3).
    let r = s.run("E1 SORT RETURN (MIN MAX) (DISPLAYFROM) UTF-8 ALL");
    assert_eq!(
        r.lines(),
        ["* ESEARCH (TAG \"E1\") MIN 8 MAX 1"],
        "{}",
        r.tagged
    );
}
