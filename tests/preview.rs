//! PREVIEW (RFC 8970): FETCH PREVIEW gives a short plain-text view of each message, made
//! from its first text part and kept in the folder cache; with the LAZY modifier a message
//! whose preview is not at hand gets NIL (section 4.1) and never costs a read of the file.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use std::time::SystemTime;

use fixture::{crlf, Fixture, Session};

/// 1: plain text with a quote and a signature; 2: HTML only; 3: an image only;
/// 4: quoted-printable Latin-1 text.
fn session(name: &str) -> Session {
    let now = SystemTime::now();
    let mut f = Fixture::new(name);
    f.add(
        1,
        "",
        &crlf(
            b"Subject: plain\n\nLorem ipsum dolor sit amet,\n\n> quoted\nconsectetur.\n-- \nsig\n",
        ),
        now,
    );
    f.add(
        2,
        "S",
        &crlf(b"Subject: html\nContent-Type: text/html\n\n<html><head><style>p{}</style></head><body><p>Preview&nbsp;text&#33;</p></body></html>\n"),
        now,
    );
    f.add(
        3,
        "",
        &crlf(b"Subject: image\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"),
        now,
    );
    f.add(
        4,
        "",
        &crlf(b"Subject: qp\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe aus K=F6ln\n"),
        now,
    );
    f.session()
}

// RFC 8970 2 and 7: the capability.
#[test]
fn advertised() {
    let mut s = session("preview-cap");
    let r = s.ok("CAPABILITY");
    let caps = &r.starting("* CAPABILITY")[0];
    assert!(caps.split(' ').any(|c| c == "PREVIEW"), "{caps}");
}

// RFC 8970 5, example 1: PREVIEW beside other items, without LAZY; 3.2: no text part is the
// empty string, never NIL; 3.3: UTF-8, not transfer encoded, markup removed.
#[test]
fn previews_of_text_html_and_nothing() {
    let mut s = session("preview-text");
    let r = s.ok("FETCH 1:4 (RFC822.SIZE PREVIEW)");
    let lines = r.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].ends_with("PREVIEW \"Lorem ipsum dolor sit amet, consectetur.\")"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].starts_with("* 1 FETCH (RFC822.SIZE "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with(" PREVIEW \"Preview text!\")"),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with("PREVIEW \"\")"), "{}", lines[2]);
    // Not ASCII: a literal of the UTF-8 bytes.
    let want = "Grüße aus Köln";
    assert!(
        lines[3].ends_with(&format!("PREVIEW {{{}}}\r\n{want})", want.len())),
        "{}",
        lines[3]
    );
}

// RFC 8970 4.1 and example 2: LAZY answers NIL for what is not at hand, and the text once a
// FETCH without LAZY has made it (the cache keeps it); UID FETCH too (example 3).
#[test]
fn lazy_is_nil_until_made() {
    let mut s = session("preview-lazy");
    let r = s.ok("FETCH 1:2 (ENVELOPE PREVIEW (LAZY))");
    for l in r.lines() {
        assert!(l.ends_with("PREVIEW NIL)"), "{l}");
    }
    s.ok("FETCH 2 (PREVIEW)");
    let r = s.ok("UID FETCH 1:2 (PREVIEW (LAZY))");
    assert_eq!(
        r.lines(),
        [
            "* 1 FETCH (UID 1 PREVIEW NIL)",
            "* 2 FETCH (UID 2 PREVIEW \"Preview text!\")"
        ]
    );
    // The lone item with its modifier, and a message read anyway for another item.
    let r = s.ok("FETCH 1 PREVIEW (LAZY)");
    assert_eq!(r.lines(), ["* 1 FETCH (PREVIEW NIL)"]);
    let r = s.ok("FETCH 1 (BODY.PEEK[TEXT] PREVIEW (LAZY))");
    assert!(r.lines()[0].ends_with("PREVIEW \"Lorem ipsum dolor sit amet, consectetur.\")"));
    let r = s.ok("FETCH 1 (PREVIEW (LAZY))");
    assert_eq!(
        r.lines(),
        ["* 1 FETCH (PREVIEW \"Lorem ipsum dolor sit amet, consectetur.\")"]
    );
}

// RFC 8970 6: preview-mod is LAZY only.
#[test]
fn unknown_modifier_is_bad() {
    let mut s = session("preview-bad");
    for bad in [
        "FETCH 1 (PREVIEW (FAST))",
        "FETCH 1 (PREVIEW (LAZY)",
        "FETCH 1 (PREVIEW ())",
    ] {
        let r = s.cmd(bad);
        assert!(r.status().starts_with("BAD"), "{bad}: {}", r.tagged);
    }
    s.ok("NOOP");
}
