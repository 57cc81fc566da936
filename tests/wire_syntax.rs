//! The wire layer through `imapd serve` on pipes: tags, strings, literals (synchronizing,
//! non-synchronizing, literal8), limits, malformed input of each kind, and resynchronisation
//! after a bad command. Post-auth limits: lines and literals of 64 KiB.

mod common;

use common::{has, make_maildir, serve_cmd, tagged, Client, TempDir};

/// A PREAUTH session on an empty Maildir.
fn session(name: &str) -> (TempDir, Client) {
    let dir = TempDir::new(name);
    let md = dir.join("Maildir");
    make_maildir(&md);
    let mut c = Client::spawn(serve_cmd(&dir, Some(&md)));
    // What this file sends is malformed on purpose, most of it.
    c.unchecked();
    let greeting = c.line();
    if !greeting.starts_with("* PREAUTH ") {
        c.fail("expected a PREAUTH greeting");
    }
    (dir, c)
}

/// The line must be a BAD for `tag` (`*` for an untagged one).
fn assert_bad(c: &Client, line: &str, tag: &str) {
    if !line.starts_with(&format!("{tag} BAD")) {
        c.fail(&format!("expected `{tag} BAD`, got {line:?}"));
    }
}

fn assert_toobig(c: &Client, line: &str, tag: &str) {
    if !line.starts_with(&format!("{tag} BAD [TOOBIG]")) {
        c.fail(&format!("expected `{tag} BAD [TOOBIG]`, got {line:?}"));
    }
}

/// After a bad command the next one must be read from its start.
fn still_in_step(c: &mut Client) {
    let lines = c.cmd("z NOOP");
    if lines.len() != 1 || !lines[0].starts_with("z OK") {
        c.fail("the command after a bad one was not answered alone with OK");
    }
}

// RFC 3501 2.2.2 and 9 (`CRLF` ends every response): every line the reader hands out was
// checked for CRLF; here the raw bytes of a whole exchange are checked too.
#[test]
fn responses_end_with_crlf() {
    let (_d, mut c) = session("crlf");
    c.send(b"a NOOP\r\nb CAPABILITY\r\n");
    let lines = c.until_tagged("b");
    assert!(has(&lines, "a OK"), "{lines:?}");
    assert!(has(&lines, "* CAPABILITY "), "{lines:?}");
    assert!(tagged(&lines).starts_with("b OK"), "{lines:?}");
    for l in &c.transcript {
        if let Some(s) = l.strip_prefix("S: ") {
            assert!(s.ends_with("\\r\\n"), "response without CRLF: {s}");
            assert!(!s[..s.len() - 4].contains("\\n"), "bare LF inside {s}");
        }
    }
}

// RFC 3501 9: `tag = 1*<any ASTRING-CHAR except "+">`; a line without a valid tag gets an
// untagged BAD (RFC 3501 7.1.3: "untagged if the error is not attributable to a command").
#[test]
fn tag_with_plus_is_untagged_bad() {
    let (_d, mut c) = session("tagplus");
    c.send_line("+x NOOP");
    let l = c.line();
    assert_bad(&c, &l, "*");
    still_in_step(&mut c);
}

// RFC 3501 9: `*` is not an ASTRING-CHAR, so it cannot be a tag.
#[test]
fn tag_star_is_untagged_bad() {
    let (_d, mut c) = session("tagstar");
    c.send_line("* NOOP");
    let l = c.line();
    assert_bad(&c, &l, "*");
    still_in_step(&mut c);
}

// RFC 3501 9: `{` is not an ASTRING-CHAR; RFC 3501 7.1.3: untagged BAD.
#[test]
fn tag_with_brace_is_untagged_bad() {
    let (_d, mut c) = session("tagbrace");
    c.send_line("a{b NOOP");
    let l = c.line();
    assert_bad(&c, &l, "*");
    still_in_step(&mut c);
}

// RFC 3501 9: a command is `tag SP command CRLF`; an empty line has no tag.
#[test]
fn empty_line_is_untagged_bad() {
    let (_d, mut c) = session("emptyline");
    c.send(b"\r\n");
    let l = c.line();
    assert_bad(&c, &l, "*");
    still_in_step(&mut c);
}

// RFC 3501 9: tags are any ASTRING-CHARs, `]` and `.` included; the tagged response echoes
// the tag exactly (RFC 3501 2.2.1).
#[test]
fn unusual_but_valid_tags_are_echoed() {
    let (_d, mut c) = session("tags");
    c.expect("A.1] NOOP", "OK");
    c.expect("x-y_z NOOP", "OK");
    c.expect("0123456789 NOOP", "OK");
}

// RFC 3501 9: exactly one SP separates tag and command name.
#[test]
fn double_space_is_bad() {
    let (_d, mut c) = session("doublesp");
    let lines = c.cmd("a  NOOP");
    assert_bad(&c, tagged(&lines), "a");
    still_in_step(&mut c);
}

// RFC 3501 9 ("The ASCII characters in the formal syntax are case-insensitive"): command
// names in any case.
#[test]
fn lowercase_command_names() {
    let (_d, mut c) = session("lower");
    c.expect("a noop", "OK");
    let lines = c.expect("b capability", "OK");
    assert!(has(&lines, "* CAPABILITY "), "{lines:?}");
    let lines = c.expect("c select inbox", "OK [READ-WRITE]");
    assert!(has(&lines, "* 0 EXISTS"), "{lines:?}");
    c.expect("d Unselect", "OK");
    c.expect("e ExAmInE InBoX", "OK [READ-ONLY]");
}

// RFC 3501 4.3 and 9 (`quoted-specials`): `\"` and `\\` escapes inside a quoted string.
#[test]
fn quoted_strings_with_escapes() {
    let (_d, mut c) = session("quoted");
    let lines = c.expect(r#"a ID ("name" "a \"b\" \\c")"#, "OK");
    assert!(has(&lines, "* ID ("), "{lines:?}");
    c.expect(r#"b SELECT "INBOX""#, "OK [READ-WRITE]");
    c.expect(r#"c EXAMINE "inbox""#, "OK [READ-ONLY]");
    // An empty quoted string is a valid string (RFC 3501 9: `*QUOTED-CHAR`).
    c.expect(r#"d ID ("name" "")"#, "OK");
}

// RFC 3501 9: inside a quoted string only `\"` and `\\` are escapes.
#[test]
fn quoted_string_with_bad_escape_is_bad() {
    let (_d, mut c) = session("badescape");
    let lines = c.cmd(r#"a SELECT "IN\BOX""#);
    assert_bad(&c, tagged(&lines), "a");
    let lines = c.cmd(r#"b ID ("name" "x\n")"#);
    assert_bad(&c, tagged(&lines), "b");
    still_in_step(&mut c);
}

// RFC 3501 4.3: a quoted string ends with a double quote on the same line.
#[test]
fn unterminated_quote_is_bad() {
    let (_d, mut c) = session("unterminated");
    let lines = c.cmd(r#"a SELECT "INBOX"#);
    assert_bad(&c, tagged(&lines), "a");
    still_in_step(&mut c);
}

// RFC 3501 6.3.1 and 9: SELECT takes exactly one mailbox argument.
#[test]
fn missing_argument_is_bad() {
    let (_d, mut c) = session("missing");
    let lines = c.cmd("a SELECT");
    assert_bad(&c, tagged(&lines), "a");
    let lines = c.cmd("b SELECT ");
    assert_bad(&c, tagged(&lines), "b");
    let lines = c.cmd("c ID");
    assert_bad(&c, tagged(&lines), "c");
    // A tag and nothing else: the command name is missing (RFC 3501 9: `tag SP command`).
    let lines = c.cmd("d");
    assert_bad(&c, tagged(&lines), "d");
    still_in_step(&mut c);
}

// RFC 3501 9: `command-any = "CAPABILITY" / "LOGOUT" / "NOOP"` take no arguments, SELECT
// exactly one; anything more is a syntax error (RFC 3501 7.1.3).
#[test]
fn too_many_arguments_is_bad() {
    let (_d, mut c) = session("toomany");
    let lines = c.cmd("a NOOP extra");
    assert_bad(&c, tagged(&lines), "a");
    let lines = c.cmd("b SELECT INBOX extra");
    assert_bad(&c, tagged(&lines), "b");
    let lines = c.cmd("c CAPABILITY ");
    assert_bad(&c, tagged(&lines), "c");
    still_in_step(&mut c);
}

// RFC 3501 9: `(` is not an ASTRING-CHAR, so an atom stops there and the rest is junk.
#[test]
fn atom_special_in_astring_is_bad() {
    let (_d, mut c) = session("atomspecial");
    let lines = c.cmd("a SELECT IN(BOX");
    assert_bad(&c, tagged(&lines), "a");
    still_in_step(&mut c);
}

// RFC 3501 7.1.3: an unknown command gets BAD; the session goes on.
#[test]
fn unknown_command_is_bad() {
    let (_d, mut c) = session("unknown");
    let lines = c.cmd("a FROBNICATE");
    assert_bad(&c, tagged(&lines), "a");
    // LOGIN is not valid once authenticated (RFC 3501 6.2.3: not-authenticated state only).
    let lines = c.cmd("b LOGIN joe secret");
    assert!(!tagged(&lines).starts_with("b OK"), "{lines:?}");
    still_in_step(&mut c);
}

// RFC 3501 4.3 and 7.5: a synchronizing literal `{n}` gets a `+` continuation; the octets
// that follow are the string.
#[test]
fn synchronizing_literal_gets_continuation() {
    let (_d, mut c) = session("synclit");
    c.send(b"a SELECT {5}\r\n");
    let l = c.line();
    if !l.starts_with('+') {
        c.fail("expected a `+` continuation for a synchronizing literal");
    }
    c.send(b"INBOX\r\n");
    let lines = c.until_tagged("a");
    assert!(tagged(&lines).starts_with("a OK [READ-WRITE]"), "{lines:?}");
    assert!(has(&lines, "* 0 EXISTS"), "{lines:?}");
}

// RFC 3501 4.3: several literals in one command, each synchronizing one gets its own `+`
// (RFC 3501 7.5); RFC 2971 3.1: ID takes a list of string pairs.
#[test]
fn two_synchronizing_literals_in_one_command() {
    let (_d, mut c) = session("twolit");
    c.send(b"a ID ({4}\r\n");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send(b"name {3}\r\n");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send(b"foo)\r\n");
    let lines = c.until_tagged("a");
    assert!(has(&lines, "* ID ("), "{lines:?}");
    assert!(tagged(&lines).starts_with("a OK"), "{lines:?}");
}

// RFC 7888 3: a non-synchronizing literal `{n+}` gets no continuation request.
#[test]
fn non_synchronizing_literal_gets_no_continuation() {
    let (_d, mut c) = session("nonsync");
    c.send(b"a SELECT {5+}\r\nINBOX\r\n");
    let lines = c.until_tagged("a");
    assert!(!has(&lines, "+"), "continuation sent for {{5+}}: {lines:?}");
    assert!(tagged(&lines).starts_with("a OK [READ-WRITE]"), "{lines:?}");
    // RFC 7888 3 example: the literal is not delimited by CRLF; the command continues after it.
    c.send(b"b ID ({4+}\r\nname {3+}\r\nfoo)\r\n");
    let lines = c.until_tagged("b");
    assert!(!has(&lines, "+"), "{lines:?}");
    assert!(tagged(&lines).starts_with("b OK"), "{lines:?}");
    still_in_step(&mut c);
}

// RFC 3501 4.3: a literal may hold any octets but NUL, CR and LF included.
#[test]
fn literal_may_carry_crlf_and_specials() {
    let (_d, mut c) = session("litcrlf");
    c.send(b"a ID (\"name\" {7+}\r\na\r\n\"b\\ )\r\n");
    let lines = c.until_tagged("a");
    assert!(has(&lines, "* ID ("), "{lines:?}");
    assert!(tagged(&lines).starts_with("a OK"), "{lines:?}");
}

// RFC 3501 4.3 and 9 (`CHAR8 = %x01-ff`): a literal must not contain NUL; RFC 3501 7.1.3.
#[test]
fn nul_in_literal_is_bad() {
    let (_d, mut c) = session("nul");
    c.send(b"a SELECT {5}\r\n");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send(b"IN\0OX\r\n");
    let lines = c.until_tagged("a");
    assert_bad(&c, tagged(&lines), "a");
    c.send(b"b SELECT {5+}\r\nIN\0OX\r\n");
    let lines = c.until_tagged("b");
    assert_bad(&c, tagged(&lines), "b");
    still_in_step(&mut c);
}

// RFC 3516 4.3 and RFC 9051 4.3: `~{n}` (literal8) is only valid where the grammar allows
// it; SELECT takes an astring, so this is BAD, and no `+` is sent for a command already
// refused. The next command is parsed from its start.
#[test]
fn literal8_where_string_expected_is_bad() {
    let (_d, mut c) = session("lit8");
    c.send(b"a SELECT ~{5}\r\n");
    let l = c.line();
    assert_bad(&c, &l, "a");
    still_in_step(&mut c);
    // The non-synchronizing form: its 5 octets arrive anyway and must be skipped (RFC 7888 3).
    c.send(b"b SELECT ~{5+}\r\nINBOX\r\n");
    let l = c.line();
    assert_bad(&c, &l, "b");
    still_in_step(&mut c);
}

// RFC 7888 4 option 1 and RFC 4469 4.2 / RFC 5530 3 (TOOBIG): a synchronizing literal over
// the limit is refused at once, without `+`, and the client does not send it.
#[test]
fn too_big_synchronizing_literal() {
    let (_d, mut c) = session("bigsync");
    c.send(b"a SELECT {70000}\r\n");
    let l = c.line();
    if l.starts_with('+') {
        c.fail("a continuation was sent for a literal over the limit");
    }
    assert_toobig(&c, &l, "a");
    still_in_step(&mut c);
}

// RFC 7888 4 option 1: a too-big non-synchronizing literal is read and dropped, the command
// rejected with BAD [TOOBIG], and the next command parsed correctly.
#[test]
fn too_big_non_synchronizing_literal() {
    let (_d, mut c) = session("bignonsync");
    let mut data = b"a SELECT {70000+}\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 69988));
    // Lines that would be commands if the literal were not skipped whole.
    data.extend_from_slice(b"\r\nq LOGOUT\r\n");
    data.extend_from_slice(b"\r\nb NOOP\r\n");
    c.send(&data);
    let l = c.line();
    assert_toobig(&c, &l, "a");
    let l = c.line();
    if !l.starts_with("b OK") {
        c.fail(&format!(
            "expected `b OK` after the skipped literal, got {l:?}"
        ));
    }
    still_in_step(&mut c);
}

// RFC 3501 7.1.3 and RFC 7888 3: an unknown command that carries a non-synchronizing
// literal is refused, and the literal (which here looks like a command) is not run.
#[test]
fn unknown_command_with_literal_resynchronises() {
    let (_d, mut c) = session("resync");
    c.send(b"a FOO {3+}\r\nabc\r\nb NOOP\r\n");
    let l = c.line();
    assert_bad(&c, &l, "a");
    let l = c.line();
    assert!(l.starts_with("b OK"), "{l:?}");
    c.send(b"c FOO {10+}\r\nq LOGOUT\r\n more {6+}\r\nx NOOP\r\nd NOOP\r\n");
    let l = c.line();
    assert_bad(&c, &l, "c");
    let l = c.line();
    if !l.starts_with("d OK") {
        c.fail(&format!("literal contents were run as commands: {l:?}"));
    }
    still_in_step(&mut c);
}

// RFC 3501 7.1.3 and RFC 7888 3: a command refused before its second literal still has
// that literal skipped.
#[test]
fn bad_command_after_first_literal_skips_the_rest() {
    let (_d, mut c) = session("resync2");
    // SELECT takes one argument; the second literal makes it BAD.
    c.send(b"a SELECT {5+}\r\nINBOX {10+}\r\nq LOGOUT\r\n\r\nb NOOP\r\n");
    let l = c.line();
    assert_bad(&c, &l, "a");
    let l = c.line();
    assert!(l.starts_with("b OK"), "{l:?}");
}

// RFC 4469 4.2 / RFC 5530 3 (TOOBIG): a command line over the 64 KiB limit gets an untagged
// BAD [TOOBIG] (the tag is not kept), and the session goes on.
#[test]
fn over_long_line() {
    let (_d, mut c) = session("longline");
    let mut data = b"a ID (\"name\" \"".to_vec();
    data.extend(std::iter::repeat_n(b'y', 70_000));
    data.extend_from_slice(b"\")\r\n");
    c.send(&data);
    let l = c.line();
    if !l.starts_with("* BAD [TOOBIG]") && !l.starts_with("a BAD [TOOBIG]") {
        c.fail(&format!("expected BAD [TOOBIG], got {l:?}"));
    }
    still_in_step(&mut c);
}

// RFC 7888 3 ("MUST check the end of every received line"): an over-long line that ends in
// `{5+}` is followed by 5 octets that belong to the refused command, not to the next one.
#[test]
fn over_long_line_ending_in_literal() {
    let (_d, mut c) = session("longlit");
    let mut data = b"a ID (\"name\" \"".to_vec();
    data.extend(std::iter::repeat_n(b'y', 70_000));
    data.extend_from_slice(b"\" {5+}\r\nzzzzz)\r\nb NOOP\r\n");
    c.send(&data);
    let l = c.line();
    if !l.contains("BAD [TOOBIG]") {
        c.fail(&format!("expected BAD [TOOBIG], got {l:?}"));
    }
    let l = c.line();
    if !l.starts_with("b OK") {
        c.fail(&format!(
            "the literal after an over-long line was not skipped: {l:?}"
        ));
    }
    still_in_step(&mut c);
}

// The post-auth literal limit is 64 KiB: a 60000-octet literal is accepted (it gets its `+`,
// RFC 3501 7.5) and the command is run; SELECT of such a name answers NO, not BAD.
#[test]
fn large_literal_within_limit_is_accepted() {
    let (_d, mut c) = session("biglit");
    c.send(b"a SELECT {60000}\r\n");
    let l = c.line();
    if !l.starts_with('+') {
        c.fail(&format!(
            "expected `+` for a literal within the limit, got {l:?}"
        ));
    }
    let mut data = vec![b'm'; 60_000];
    data.extend_from_slice(b"\r\n");
    c.send(&data);
    let lines = c.until_tagged("a");
    assert!(tagged(&lines).starts_with("a NO"), "{lines:?}");
    still_in_step(&mut c);
}

// RFC 3501 5.5: the client may send several commands without waiting; each is answered, in
// order (these do not depend on each other).
#[test]
fn pipelined_commands_answered_in_order() {
    let (_d, mut c) = session("pipeline");
    c.send(b"a NOOP\r\nb CAPABILITY\r\nc SELECT INBOX\r\nd NAMESPACE\r\ne BOGUS\r\nf NOOP\r\n");
    let mut tags = Vec::new();
    loop {
        let l = c.line();
        if !l.starts_with("* ") {
            tags.push(l.split(' ').next().unwrap().to_string());
            if l.starts_with("f ") {
                break;
            }
        }
    }
    assert_eq!(tags, ["a", "b", "c", "d", "e", "f"], "{:?}", c.transcript);
}

// RFC 3501 2.2.1 requires CRLF, but the robustness principle (RFC 3501 1.3 mentions lenient
// servers) and this server's design accept a bare LF as the end of a line.
#[test]
fn bare_lf_line_endings_accepted() {
    let (_d, mut c) = session("barelf");
    c.send(b"a NOOP\nb SELECT {5+}\nINBOX\nc NOOP\n");
    let lines = c.until_tagged("c");
    assert!(has(&lines, "a OK"), "{lines:?}");
    assert!(has(&lines, "b OK [READ-WRITE]"), "{lines:?}");
    assert!(tagged(&lines).starts_with("c OK"), "{lines:?}");
}

// RFC 3501 9: `nil = "NIL"` is an nstring; RFC 2971 3.1: `ID NIL` is allowed.
#[test]
fn id_nil_and_nil_values() {
    let (_d, mut c) = session("idnil");
    let lines = c.expect("a ID NIL", "OK");
    assert!(has(&lines, "* ID ("), "{lines:?}");
    c.expect("b ID (\"name\" NIL \"version\" \"1\")", "OK");
    // A field name must be a string, not NIL (RFC 2971 4).
    let lines = c.cmd("c ID (NIL \"x\")");
    assert_bad(&c, tagged(&lines), "c");
    still_in_step(&mut c);
}

// RFC 3501 4.3 / RFC 7888: `{n+}` is a literal whatever n is. A length too long for 64 bits
// is only too large for every limit: its bytes are literal data, never a command.
#[test]
fn literal_length_past_64_bits_is_still_a_literal() {
    let (_dir, mut c) = session("literal-u64");
    c.send(b"b APPEND INBOX {18446744073709551616+}\r\nxx NOOP\r\n");
    c.close_stdin();
    while let Some(line) = c.next_line() {
        if line.starts_with("xx ") {
            c.fail(&format!(
                "bytes of a literal were run as a command: {line:?}"
            ));
        }
    }
}
