//! BINARY (RFC 3516) of quoted-printable parts and of whole messages (issue 9, item 3).
//!
//! - Quoted-printable is decoded by RFC 2045 6.7: white space at the end of a line goes
//!   (rule 3), `=` at the end of a line, white space after it or not, is a soft line break
//!   (rule 5), and so is an `=` that ends the part (the line end before the boundary ends
//!   its line). BINARY.SIZE is the size of what BINARY sends (RFC 3516 4.3), and a partial
//!   BINARY counts in the decoded data (4.2). The decoded bytes, sizes and windows below
//!   are Dovecot 2.3.19's, byte for byte, but that Dovecot sends every BINARY as a literal8
//!   where RFC 3516 4.3 says a string SHOULD carry data without NUL, as imapd does; and
//!   Dovecot fails the FETCH (`NO [PARSE]`, or drops the connection) for an `=` at the end
//!   of a part, which RFC 2045 6.7 (5) makes a soft line break.
//! - `BINARY[]` and `BINARY.SIZE[]` (RFC 3516 4.2: the section with its
//!   Content-Transfer-Encoding decoding done; `[]` is the whole message): the message with
//!   every part decoded, each decoded part's header saying `Content-Transfer-Encoding:
//!   binary`, as Dovecot 2.3.19 sends it (Dovecot moves that field to the end of the part's
//!   header; imapd leaves it where it was).

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{utc, Fixture, Session};

const QP: &[u8] = b"Subject: qp\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nThe quick brown fox =\njumps over   \nthe lazy =3D dog=20 \t\nsoft =  \nbreak\nend\n--x\nContent-Transfer-Encoding: quoted-printable\n\nends with a soft break=\n--x--\n";

const MIXED: &[u8] = b"From: a@b\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n--x\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nok\n--x--\n";

const SINGLE: &[u8] =
    b"Subject: q\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nok\n";

fn session(name: &str) -> Session {
    let mut f = Fixture::new(name);
    for (uid, m) in [QP, MIXED, SINGLE].iter().enumerate() {
        f.add(uid as u32 + 1, "", m, utc(2024, 1, 1, 0, 0, 0));
    }
    f.session()
}

fn text(r: &fixture::Reply) -> String {
    String::from_utf8(r.untagged.concat()).unwrap()
}

#[test]
fn quoted_printable_decodes_by_rfc2045_6_7() {
    let mut s = session("binary-qp");
    let r = s.ok("FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])");
    assert_eq!(
        text(&r),
        "* 1 FETCH (BINARY.SIZE[1] 64 BINARY[1] {64}\r\nThe quick brown fox jumps over\r\nthe lazy = dog \r\nsoft break\r\nend)"
    );
    let r = s.ok(
        "FETCH 1 (BINARY.PEEK[1]<0.10> BINARY.PEEK[1]<10.10> BINARY.PEEK[1]<15.10> BINARY.PEEK[1]<40.25>)",
    );
    assert_eq!(
        text(&r),
        "* 1 FETCH (BINARY[1]<0> {10}\r\nThe quick  BINARY[1]<10> {10}\r\nbrown fox  BINARY[1]<15> {10}\r\n fox jumps BINARY[1]<40> {24}\r\n = dog \r\nsoft break\r\nend)"
    );
    // RFC 2045 6.7 (5): the `=` before the boundary's line end is a soft line break.
    let r = s.ok("FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2])");
    assert_eq!(
        text(&r),
        "* 1 FETCH (BINARY.SIZE[2] 22 BINARY[2] {22}\r\nends with a soft break)"
    );
    // BODY is the part as stored (RFC 3501 6.4.5), trailing white space and all.
    let r = s.ok("FETCH 1 BODY.PEEK[1]");
    assert_eq!(
        text(&r),
        "* 1 FETCH (BODY[1] {81}\r\nThe quick brown fox =\r\njumps over   \r\nthe lazy =3D dog=20 \t\r\nsoft =  \r\nbreak\r\nend)"
    );
}

#[test]
fn binary_of_the_whole_message() {
    let mut s = session("binary-whole");
    let r = s.ok("FETCH 2:3 (BINARY.SIZE[] BINARY.PEEK[])");
    let m2 = "From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding: binary\r\n\r\nhello world\r\n--x\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\u{e9} ok\r\n--x--\r\n";
    let m3 = "Subject: q\r\nContent-Transfer-Encoding: binary\r\n\r\ncaf\u{e9} ok\r\n";
    assert_eq!(
        r.lines(),
        vec![
            format!(
                "* 2 FETCH (BINARY.SIZE[] {} BINARY[] {{{}}}\r\n{m2})",
                m2.len(),
                m2.len()
            ),
            format!(
                "* 3 FETCH (BINARY.SIZE[] {} BINARY[] {{{}}}\r\n{m3})",
                m3.len(),
                m3.len()
            ),
        ]
    );
    assert_eq!((m2.len(), m3.len()), (170, 59), "Dovecot's BINARY.SIZE[]");
    // A window of the whole (RFC 3516 4.2: offsets in the decoded data).
    let r = s.ok("FETCH 3 BINARY.PEEK[]<49.8>");
    assert_eq!(text(&r), "* 3 FETCH (BINARY[]<49> {8}\r\ncaf\u{e9} ok)");
    // The message itself is unchanged.
    let r = s.ok("FETCH 3 (RFC822.SIZE BODY.PEEK[])");
    assert_eq!(
        text(&r),
        "* 3 FETCH (RFC822.SIZE 76 BODY[] {76}\r\nSubject: q\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nok\r\n)"
    );
}
