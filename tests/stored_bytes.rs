//! Bytes that come back (issue 9, item 2): what APPEND, MULTIAPPEND, COPY, MOVE and
//! delivery into `new/` store is what FETCH gives back, byte for byte.
//!
//! The rule of this project (DESIGN.md 3, "stored with LF line ends and served with
//! CRLF"): a message is stored with LF line ends and served with an LF that has no CR
//! before it sent as CRLF. So a bare CR, a CR LF after a bare CR, 8-bit bytes, and lines of
//! any length (RFC 5322 2.1.1's 998 is the sender's limit, not the store's) come back as
//! they came; an LF that came alone comes back as CRLF (RFC 3501 2.2: lines end with CRLF).
//! A NUL comes back from BINARY in a literal8 (RFC 3516 4.3), and as 0x80 from BODY, which
//! no IMAP string can carry a NUL in (RFC 3501 9, CHAR8), as Dovecot 2.3.19 sends it.
//!
//! A literal8 (RFC 3516 4.4) whose part is `Content-Transfer-Encoding: binary` and holds a
//! NUL or a bare LF is stored in base64: BINARY gives back the original bytes, BODY and
//! BODYSTRUCTURE describe a base64 part (RFC 3516 6: "as though the binary-encoded sections
//! are encoded in a CTE acceptable to the IMAP4 base specification"). The responses below
//! are Dovecot 2.3.19's, byte for byte. A binary part that needs no change is stored as it
//! came (RFC 3516 6: "only ... when it is absolutely necessary"); Dovecot converts it too.

mod common;
#[path = "common/mailbox_fixture.rs"]
mod fixture;

use fixture::{crlf, Fixture, Reply, Session};

/// A text message with every kind of byte a literal can carry: CRLF, a bare CR, a bare LF,
/// a CR LF after a bare CR, 8-bit, and a line of 1,500 octets.
fn text_message() -> Vec<u8> {
    let mut m = b"Subject: bytes\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncrlf line\r\nbare cr\rinside\r\nbare lf\nthen\r\ncr before crlf\r\r\n8-bit caf\xc3\xa9 \xff\r\n".to_vec();
    m.extend_from_slice(&[b'x'; 1500]);
    m.extend_from_slice(b"\r\n");
    m
}

/// `text_message` with a NUL, for literal8 (a `{n}` literal may not carry one).
fn nul_message() -> Vec<u8> {
    let mut m = text_message();
    m.extend_from_slice(b"nul\0here\r\n");
    m
}

/// The message: a binary part of 7 bytes, NULs and a bare CR among them.
const BINARY: &[u8] = b"From: a@b\r\nSubject: bin\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nab\0c\rd\0\r\n--x--\r\n";

/// As BODY sends it: NUL as 0x80.
fn as_body(served: &[u8]) -> Vec<u8> {
    served
        .iter()
        .map(|&b| if b == 0 { 0x80 } else { b })
        .collect()
}

/// The data of the literal after `label` in `resp`, and whether it was a literal8.
fn literal<'a>(resp: &'a [u8], label: &str) -> (bool, &'a [u8]) {
    let at = resp
        .windows(label.len())
        .position(|w| w == label.as_bytes())
        .unwrap_or_else(|| panic!("no {label} in {:?}", String::from_utf8_lossy(resp)));
    let rest = &resp[at + label.len()..];
    let eight = rest.starts_with(b" ~{");
    let open = rest.iter().position(|&b| b == b'{').unwrap();
    let close = rest.iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&rest[open + 1..close])
        .unwrap()
        .parse()
        .unwrap();
    (eight, &rest[close + 3..close + 3 + n])
}

/// APPEND of `msg` to `mailbox` as a `~{n+}` literal8 (LITERAL+, RFC 7888).
fn append8(s: &mut Session, mailbox: &str, msg: &[u8]) -> Reply {
    let tag = s.tag();
    let mut cmd = format!("{tag} APPEND {mailbox} ~{{{}+}}\r\n", msg.len()).into_bytes();
    cmd.extend_from_slice(msg);
    cmd.extend_from_slice(b"\r\n");
    s.send(&cmd);
    s.until(&tag)
}

/// Checks that message `seq` of the selected mailbox serves `want` (the bytes as
/// served, NUL included) from BODY[] and BINARY[], and its size.
fn serves(s: &mut Session, seq: u32, want: &[u8], what: &str) {
    let r = s.ok(&format!(
        "FETCH {seq} (RFC822.SIZE BODY.PEEK[] BINARY.PEEK[])"
    ));
    let resp = &r.untagged[0];
    let size = format!("RFC822.SIZE {} ", want.len());
    assert!(
        resp.windows(size.len()).any(|w| w == size.as_bytes()),
        "{what}: {}",
        String::from_utf8_lossy(resp)
    );
    assert_eq!(
        literal(resp, "BODY[]"),
        (false, &as_body(want)[..]),
        "{what}: BODY[]"
    );
    let nul = want.contains(&0);
    assert_eq!(literal(resp, "BINARY[]"), (nul, want), "{what}: BINARY[]");
}

#[test]
fn rfc3516_literal8_binary_part_comes_back() {
    let mut s = Fixture::new("literal8").session();
    let r = append8(&mut s, "INBOX", BINARY);
    assert!(r.ok(), "{}", r.tagged);
    s.ok("NOOP");
    let r = s.ok("FETCH 1 (BODY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[1] BODYSTRUCTURE)");
    assert_eq!(
        r.untagged[0],
        b"* 1 FETCH (BODY[1] {12}\r\nYWIAYw1kAA== BINARY.SIZE[1] 7 BINARY[1] ~{7}\r\nab\0c\rd\0 BODYSTRUCTURE ((\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 12 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"x\") NIL NIL NIL))"
    );
    // BINARY[] is the message as it came (RFC 3516 4.2; Dovecot: the same 187 bytes).
    let r = s.ok("FETCH 1 (BINARY.SIZE[] BINARY.PEEK[] RFC822.SIZE)");
    let resp = &r.untagged[0];
    assert_eq!(literal(resp, "BINARY[]"), (true, BINARY));
    assert!(String::from_utf8_lossy(resp).contains("BINARY.SIZE[] 187 "));
    assert!(String::from_utf8_lossy(resp).ends_with(" RFC822.SIZE 192)"));

    // A binary part with nothing a Maildir file cannot carry is stored as it came.
    let plain = b"Subject: b\r\nContent-Transfer-Encoding: binary\r\n\r\nbare\rcr\r\r\nend\r\n";
    assert!(append8(&mut s, "INBOX", plain).ok());
    s.ok("NOOP");
    serves(&mut s, 2, plain, "binary part without NUL");
    let r = s.ok("FETCH 2 BODYSTRUCTURE");
    assert!(r.lines()[0].contains("\"binary\" 15 2 "), "{:?}", r.lines());
}

#[test]
fn every_path_that_stores_bytes_gives_them_back() {
    let f = Fixture::new("stored-bytes");
    let md = f.md.clone();
    let mut s = f.session();
    s.ok("CREATE Copies");
    s.ok("CREATE Moved");
    let text = text_message();
    // What a {n} literal's bare LF comes back as; nothing else changes.
    let text_served = crlf(&text);
    assert_eq!(text_served.len(), text.len() + 1);
    let nul = nul_message();
    let nul_served = crlf(&nul);

    // APPEND, a {n} literal (RFC 3501 6.3.11).
    let r = s.cmd_literals(&[b"APPEND INBOX ", &text, b""]);
    assert!(r.ok(), "{}", r.tagged);
    // APPEND, a literal8.
    assert!(append8(&mut s, "INBOX", &nul).ok());
    // MULTIAPPEND (RFC 3502): both kinds in one command.
    let tag = s.tag();
    let mut cmd = format!("{tag} APPEND INBOX {{{}+}}\r\n", text.len()).into_bytes();
    cmd.extend_from_slice(&text);
    cmd.extend_from_slice(format!(" ~{{{}+}}\r\n", nul.len()).as_bytes());
    cmd.extend_from_slice(&nul);
    cmd.extend_from_slice(b"\r\n");
    s.send(&cmd);
    let r = s.until(&tag);
    assert!(r.ok(), "{}", r.tagged);
    // Delivery into new/, by an MTA that writes LF line ends (the Maildir way), with a NUL.
    let mut delivered =
        b"Subject: delivered\n\nlf line\ncrlf line\r\nbare cr\rx\nnul\0x\n8-bit \xe9\n".to_vec();
    delivered.extend_from_slice(&[b'y'; 1200]);
    delivered.push(b'\n');
    std::fs::write(md.join("new").join("1700000000.M1P1.host"), &delivered).unwrap();
    let delivered_served = crlf(&delivered);

    s.ok("NOOP");
    let want: [&[u8]; 5] = [
        &text_served,
        &nul_served,
        &text_served,
        &nul_served,
        &delivered_served,
    ];
    let what = [
        "APPEND",
        "APPEND literal8",
        "MULTIAPPEND",
        "MULTIAPPEND literal8",
        "new/",
    ];
    for (i, w) in want.iter().enumerate() {
        serves(&mut s, i as u32 + 1, w, what[i]);
    }
    // COPY (RFC 3501 6.4.7) and MOVE (RFC 6851) keep the bytes.
    s.ok("COPY 1:5 Copies");
    s.ok("SELECT Copies");
    for (i, w) in want.iter().enumerate() {
        serves(&mut s, i as u32 + 1, w, &format!("COPY of {}", what[i]));
    }
    s.ok("MOVE 1:5 Moved");
    s.ok("SELECT Moved");
    for (i, w) in want.iter().enumerate() {
        serves(&mut s, i as u32 + 1, w, &format!("MOVE of {}", what[i]));
    }
}
