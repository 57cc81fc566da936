//! The pre-authentication role, `imapd login PROG...`, through pipes, with small shell
//! checkers standing in for checkpassword. Pre-auth limits: lines 64 KiB, literals 1 KiB.

mod common;

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{base64, capabilities, has, login_cmd, tagged, Client, TempDir};

/// A checkpassword stand-in: records what it was given in its directory, then behaves as
/// `mode` says: an exit code, `kill` (dies by SIGKILL), `session` (answers the tag like
/// `imapd serve` would, echoes the next input line and exits 0), or `crash` (announces the
/// takeover and answers the tag as `imapd serve` does, then dies by SIGKILL, as a serve
/// process killed by the OOM killer would).
struct Checker {
    dir: TempDir,
}

const SCRIPT: &str = r#"d=$0
echo run >> "$d/runs"
cat <&3 > "$d/cred"
printf %s "$IMAPLOGINTAG" > "$d/tag"
printf %s "${AUTHENTICATED-unset}" > "$d/authenticated"
case $1 in
kill) kill -9 $$ ;;
session)
    printf '%s OK [CAPABILITY IMAP4rev1] Logged in\r\n' "$IMAPLOGINTAG"
    IFS= read -r l
    l=$(printf %s "$l" | tr -d '\r')
    printf '* OK next [%s]\r\n' "$l"
    exit 0 ;;
crash)
    printf y >&"$IMAPD_TAKEOVERFD"
    printf '%s OK [CAPABILITY IMAP4rev1] Logged in\r\n' "$IMAPLOGINTAG"
    kill -9 $$ ;;
*) exit "$1" ;;
esac
"#;

impl Checker {
    fn new(name: &str) -> Checker {
        Checker {
            dir: TempDir::new(name),
        }
    }

    fn prog(&self, mode: &str) -> Vec<String> {
        vec![
            "sh".to_string(),
            "-c".to_string(),
            SCRIPT.to_string(),
            self.dir.path.to_string_lossy().into_owned(),
            mode.to_string(),
        ]
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn cred(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("cred")).expect("the checker got no credential")
    }

    fn tag(&self) -> String {
        std::fs::read_to_string(self.dir.join("tag")).expect("the checker left no tag")
    }

    /// The credential block must be `user\0password\0<pid.time@host>\0` (checkpassword
    /// interface, as qmail-popup sends it).
    fn assert_cred(&self, user: &[u8], password: &[u8]) {
        let cred = self.cred();
        let mut expect = user.to_vec();
        expect.push(0);
        expect.extend_from_slice(password);
        expect.push(0);
        assert!(
            cred.starts_with(&expect),
            "credential block {:?} does not start with {:?}",
            common::show(&cred),
            common::show(&expect)
        );
        let stamp = &cred[expect.len()..];
        assert!(
            stamp.ends_with(b"\0"),
            "no NUL after the timestamp: {:?}",
            common::show(&cred)
        );
        let stamp = std::str::from_utf8(&stamp[..stamp.len() - 1]).expect("utf-8 timestamp");
        assert_timestamp(stamp);
    }
}

/// `<pid.time@host>`, with `time` the current Unix time.
fn assert_timestamp(stamp: &str) {
    let inner = stamp
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or_else(|| panic!("timestamp {stamp:?} is not <...>"));
    let (left, host) = inner
        .split_once('@')
        .unwrap_or_else(|| panic!("timestamp {stamp:?} has no @"));
    assert!(!host.is_empty(), "timestamp {stamp:?} has no host");
    assert!(!host.contains(['\0', '<', '>', '@']), "{stamp:?}");
    let (pid, time) = left
        .split_once('.')
        .unwrap_or_else(|| panic!("timestamp {stamp:?} is not pid.time"));
    assert!(
        !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()),
        "bad pid in {stamp:?}"
    );
    let time: u64 = time
        .parse()
        .unwrap_or_else(|_| panic!("bad time in {stamp:?}"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        time + 60 > now && time <= now + 1,
        "time in {stamp:?} is not now ({now})"
    );
}

/// Starts `imapd login` and reads the greeting.
fn start(cmd: Command) -> (Client, String) {
    let mut c = Client::spawn(cmd);
    let g = c.line();
    if !g.starts_with("* OK ") {
        c.fail("expected an `* OK` greeting");
    }
    (c, g)
}

fn login(checker: &Checker, mode: &str) -> (Client, String) {
    start(login_cmd(&checker.prog(mode)))
}

#[test]
fn base64_helper_matches_rfc4648_vectors() {
    // RFC 4648 section 10; the SASL tests below depend on it.
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}

// RFC 3501 7.1.1 (greeting OK with an optional CAPABILITY code, 7.1), 6.2.3 (no
// LOGINDISABLED when plaintext login is allowed), RFC 4959 3 (SASL-IR), RFC 4616 (AUTH=PLAIN),
// RFC 2971 (ID); RFC 3501 6.2.1: no STARTTLS when it cannot be done.
#[test]
fn greeting_advertises_plain_login() {
    let ch = Checker::new("greet");
    let (mut c, g) = login(&ch, "1");
    let caps = capabilities(&g);
    for want in ["IMAP4rev1", "AUTH=PLAIN", "SASL-IR", "ID"] {
        assert!(caps.iter().any(|c| c == want), "{want} missing in {g:?}");
    }
    assert!(!caps.iter().any(|c| c == "LOGINDISABLED"), "{g:?}");
    assert!(!caps.iter().any(|c| c == "STARTTLS"), "{g:?}");
    // RFC 3501 6.1.1: the CAPABILITY response lists the same.
    let lines = c.expect("a CAPABILITY", "OK");
    let line = lines
        .iter()
        .find(|l| l.starts_with("* CAPABILITY "))
        .unwrap();
    let caps2 = capabilities(line);
    assert_eq!(caps, caps2, "greeting and CAPABILITY disagree");
    assert_eq!(ch.runs(), 0);
}

// RFC 3501 6.1.2 (NOOP), 6.1.3 (LOGOUT: BYE, then tagged OK, then the server closes).
#[test]
fn noop_and_logout() {
    let ch = Checker::new("logout");
    let (mut c, _) = login(&ch, "1");
    c.expect("a NOOP", "OK");
    let lines = c.expect("b LOGOUT", "OK");
    assert!(lines[0].starts_with("* BYE"), "{lines:?}");
    c.expect_eof();
    assert_eq!(c.wait().code(), Some(0));
    assert_eq!(ch.runs(), 0);
}

// RFC 3501 6.2.3 (LOGIN), RFC 5530 3 (AUTHENTICATIONFAILED); checkpassword: fd 3 carries
// `user\0password\0timestamp\0`, IMAPLOGINTAG the tag; exit 1 = refused; the session goes on.
#[test]
fn login_refused_hands_credentials_on_fd3() {
    let ch = Checker::new("refused");
    let (mut c, _) = login(&ch, "1");
    let lines = c.expect("A0001 LOGIN joe secret", "NO [AUTHENTICATIONFAILED]");
    assert_eq!(lines.len(), 1, "{lines:?}");
    ch.assert_cred(b"joe", b"secret");
    assert_eq!(ch.tag(), "A0001");
    c.expect("A0002 NOOP", "OK");
    assert_eq!(ch.runs(), 1);
}

// RFC 3501 4.3 and 9 (quoted-specials): `\"` and `\\` in a quoted password reach the checker
// unescaped.
#[test]
fn login_quoted_password_with_escapes() {
    let ch = Checker::new("quoted");
    let (mut c, _) = login(&ch, "1");
    c.expect(r#"t1 LOGIN "joe" "p\"w\\x y""#, "NO [AUTHENTICATIONFAILED]");
    ch.assert_cred(b"joe", br#"p"w\x y"#);
    assert_eq!(ch.tag(), "t1");
    // An empty quoted password is a valid astring.
    c.expect(r#"t2 LOGIN joe """#, "NO [AUTHENTICATIONFAILED]");
    ch.assert_cred(b"joe", b"");
}

// RFC 3501 4.3 and 7.5: a synchronizing literal password gets `+`, and its octets (spaces,
// quotes, backslashes) reach the checker as they are.
#[test]
fn login_literal_password() {
    let ch = Checker::new("literal");
    let (mut c, _) = login(&ch, "1");
    c.send(b"L1 LOGIN {3}\r\n");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send(b"bob {7}\r\n");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send(b"a \"b\\ c\r\n");
    let lines = c.until_tagged("L1");
    assert!(
        tagged(&lines).starts_with("L1 NO [AUTHENTICATIONFAILED]"),
        "{lines:?}"
    );
    ch.assert_cred(b"bob", b"a \"b\\ c");
    assert_eq!(ch.tag(), "L1");
}

// RFC 3501 6.2.3: LOGIN takes two arguments; a missing one is BAD and no checker runs.
#[test]
fn login_missing_password_is_bad() {
    let ch = Checker::new("loginbad");
    let (mut c, _) = login(&ch, "1");
    c.unchecked();
    c.expect("a LOGIN joe", "BAD");
    c.expect("b LOGIN", "BAD");
    c.expect("c LOGIN joe pw extra", "BAD");
    c.expect("d NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 7888 4 option 1, RFC 4469 4.2 / RFC 5530 3 (TOOBIG): a synchronizing literal over the
// 1 KiB pre-auth limit is refused without `+`; the session goes on.
#[test]
fn too_big_synchronizing_literal_preauth() {
    let ch = Checker::new("bigsync");
    let (mut c, _) = login(&ch, "1");
    c.send(b"a LOGIN joe {2000}\r\n");
    let l = c.line();
    if !l.starts_with("a BAD [TOOBIG]") {
        c.fail(&format!("expected `a BAD [TOOBIG]` and no `+`, got {l:?}"));
    }
    c.expect("b NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 7888 5 (LITERAL-, which the login role advertises instead of LITERAL+): a client may
// send non-synchronizing literals of up to 4096 bytes; one over the 1 KiB pre-auth limit is
// read and refused with `BAD [TOOBIG]` (4 option 1), and the session goes on.
#[test]
fn too_big_non_synchronizing_literal_preauth_refused() {
    let ch = Checker::new("bignonsync");
    let (mut c, g) = login(&ch, "1");
    let caps = capabilities(&g);
    assert!(caps.iter().any(|c| c == "LITERAL-"), "{g:?}");
    // RFC 7888 5: never both.
    assert!(!caps.iter().any(|c| c == "LITERAL+"), "{g:?}");
    let mut data = b"a LOGIN joe {4096+}\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'p', 4096));
    data.extend_from_slice(b"\r\n");
    c.send(&data);
    let l = c.line();
    if !l.starts_with("a BAD [TOOBIG]") {
        c.fail(&format!("expected `a BAD [TOOBIG]`, got {l:?}"));
    }
    c.expect("b NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 7888 5 and 4 option 2: a non-synchronizing literal over LITERAL-'s 4096 bytes gets its
// `BAD [TOOBIG]`, then an untagged `BYE [TOOBIG]`, and the connection closes; the checker
// never runs.
#[test]
fn too_big_non_synchronizing_literal_preauth_closes() {
    let ch = Checker::new("hugenonsync");
    let (mut c, _) = login(&ch, "1");
    let mut data = b"a LOGIN joe {4097+}\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'p', 4097));
    data.extend_from_slice(b"\r\nb NOOP\r\n");
    // The server may close before reading it all.
    let _ = c.try_send(&data);
    let rest = c.rest();
    match &rest[..] {
        [bad, bye] if bad.starts_with("a BAD [TOOBIG]") && bye.starts_with("* BYE [TOOBIG]") => {}
        _ => c.fail(&format!(
            "expected `a BAD [TOOBIG]` and `* BYE [TOOBIG]`, then the end: {rest:?}"
        )),
    }
    assert_eq!(c.wait().code(), Some(0));
    assert_eq!(ch.runs(), 0);
}

// RFC 4469 4.2 / RFC 5530 3 (TOOBIG): a line over the 64 KiB pre-auth limit is refused with
// a BAD tagged with its tag (RFC 3501 7.1.5) and the session goes on.
#[test]
fn over_long_line_preauth() {
    let ch = Checker::new("longline");
    let (mut c, _) = login(&ch, "1");
    let mut data = b"a LOGIN joe ".to_vec();
    data.extend(std::iter::repeat_n(b'p', 70_000));
    data.extend_from_slice(b"\r\n");
    c.send(&data);
    let l = c.line();
    if l != "a BAD [TOOBIG] Command line too long" {
        c.fail(&format!("expected `a BAD [TOOBIG]`, got {l:?}"));
    }
    c.expect("b NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 4959 3 (initial response on the command line), RFC 4616 2 (`[authzid] NUL authcid
// NUL passwd`), RFC 3501 6.2.2.
#[test]
fn authenticate_plain_with_initial_response() {
    let ch = Checker::new("sasl-ir");
    let (mut c, _) = login(&ch, "1");
    let ir = base64(b"\0joe\0s3cr=t pw");
    let lines = c.expect(
        &format!("s1 AUTHENTICATE PLAIN {ir}"),
        "NO [AUTHENTICATIONFAILED]",
    );
    assert!(!has(&lines, "+"), "no continuation expected: {lines:?}");
    ch.assert_cred(b"joe", b"s3cr=t pw");
    assert_eq!(ch.tag(), "s1");
    // authzid equal to authcid is the same user (RFC 4616 2).
    let ir = base64(b"joe\0joe\0pw");
    c.expect(
        &format!("s2 authenticate plain {ir}"),
        "NO [AUTHENTICATIONFAILED]",
    );
    ch.assert_cred(b"joe", b"pw");
    assert_eq!(ch.tag(), "s2");
}

// RFC 3501 6.2.2 and 7.5: without an initial response the server sends `+ ` (an empty
// challenge, RFC 4959 3) and reads the response line.
#[test]
fn authenticate_plain_with_continuation() {
    let ch = Checker::new("sasl-cont");
    let (mut c, _) = login(&ch, "1");
    c.send_line("s1 AUTHENTICATE PLAIN");
    let l = c.line();
    if !l.starts_with('+') {
        c.fail(&format!("expected a continuation request, got {l:?}"));
    }
    c.send_line(&base64(b"\0ann\0pass word"));
    let lines = c.until_tagged("s1");
    assert!(
        tagged(&lines).starts_with("s1 NO [AUTHENTICATIONFAILED]"),
        "{lines:?}"
    );
    ch.assert_cred(b"ann", b"pass word");
    assert_eq!(ch.tag(), "s1");
}

// RFC 3501 6.2.2: "If the client wishes to cancel an authentication exchange, it issues a
// line consisting of a single `*`. If the server receives such a response, it MUST reject the
// AUTHENTICATE command by sending a tagged BAD response."
#[test]
fn authenticate_cancel() {
    let ch = Checker::new("sasl-cancel");
    let (mut c, _) = login(&ch, "1");
    c.send_line("s1 AUTHENTICATE PLAIN");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send_line("*");
    let l = c.line();
    if !l.starts_with("s1 BAD") {
        c.fail(&format!("expected `s1 BAD` after `*`, got {l:?}"));
    }
    c.expect("s2 NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 4616 2: "the server ... verifies that the authorization identity ... the client is
// authorized to act as": checkpassword knows no such thing, so a different authzid is
// refused (NO), and no checker runs.
#[test]
fn authenticate_authzid_other_user_refused() {
    let ch = Checker::new("sasl-authz");
    let (mut c, _) = login(&ch, "1");
    // RFC 4616 4 example: "Ursel\0Kurt\0xipj3plmq".
    c.expect("s1 AUTHENTICATE PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=", "NO");
    c.send_line("s2 AUTHENTICATE PLAIN");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send_line(&base64(b"root\0joe\0pw"));
    let lines = c.until_tagged("s2");
    assert!(tagged(&lines).starts_with("s2 NO"), "{lines:?}");
    c.expect("s3 NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 4959 3 ("=AAA" and "AAA=BBB" are not allowed; decoding errors as in RFC 3501) and
// RFC 3501 6.2.2 ("If the server receives a response that it cannot decode ... BAD").
#[test]
fn authenticate_bad_base64_is_bad() {
    let ch = Checker::new("sasl-b64");
    let (mut c, _) = login(&ch, "1");
    c.unchecked();
    c.expect("s1 AUTHENTICATE PLAIN AAA=BBB", "BAD");
    c.expect("s2 AUTHENTICATE PLAIN =AAA", "BAD");
    c.expect("s3 AUTHENTICATE PLAIN !!!!", "BAD");
    c.send_line("s4 AUTHENTICATE PLAIN");
    let l = c.line();
    assert!(l.starts_with('+'), "{l:?}");
    c.send_line("%%%%");
    let lines = c.until_tagged("s4");
    assert!(tagged(&lines).starts_with("s4 BAD"), "{lines:?}");
    c.expect("s5 NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 3501 6.2.2: "If the server does not support the requested authentication mechanism,
// it SHOULD reject the AUTHENTICATE command by sending a tagged NO response."
#[test]
fn authenticate_unknown_mechanism_is_no() {
    let ch = Checker::new("sasl-mech");
    let (mut c, _) = login(&ch, "1");
    let lines = c.expect("s1 AUTHENTICATE CRAM-MD5", "NO");
    assert!(!has(&lines, "+"), "{lines:?}");
    c.expect("s2 NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 3501 6.2.3 ("The server SHOULD NOT ... LOGIN ... unless ... LOGINDISABLED"), 7.2.1,
// RFC 5530 3 (PRIVACYREQUIRED), RFC 4616 (PLAIN only over protected links): without
// IMAPD_PLAINTEXT and without TLS, LOGINDISABLED and no AUTH=PLAIN; credentials never reach
// the checker.
#[test]
fn logindisabled_without_plaintext() {
    let ch = Checker::new("nologin");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env_remove("IMAPD_PLAINTEXT");
    let (mut c, g) = start(cmd);
    let caps = capabilities(&g);
    assert!(caps.iter().any(|c| c == "LOGINDISABLED"), "{g:?}");
    assert!(!caps.iter().any(|c| c == "AUTH=PLAIN"), "{g:?}");
    assert!(caps.iter().any(|c| c == "IMAP4rev1"), "{g:?}");
    let lines = c.expect("a CAPABILITY", "OK");
    assert!(has(&lines, "* CAPABILITY "), "{lines:?}");
    let line = lines
        .iter()
        .find(|l| l.starts_with("* CAPABILITY "))
        .unwrap();
    assert!(capabilities(line).iter().any(|c| c == "LOGINDISABLED"));
    c.expect("b LOGIN joe secret", "NO [PRIVACYREQUIRED]");
    let ir = base64(b"\0joe\0secret");
    let lines = c.cmd(&format!("c AUTHENTICATE PLAIN {ir}"));
    assert!(tagged(&lines).starts_with("c NO"), "{lines:?}");
    c.expect("d NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 3501 6.2.3: the administrator may allow plaintext login (tcprules writes
// `IMAPD_PLAINTEXT=""`: an empty value counts).
#[test]
fn plaintext_allowed_by_empty_variable() {
    let ch = Checker::new("emptyplain");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("IMAPD_PLAINTEXT", "");
    let (mut c, g) = start(cmd);
    assert!(capabilities(&g).iter().any(|c| c == "AUTH=PLAIN"), "{g:?}");
    c.expect("a LOGIN joe pw", "NO [AUTHENTICATIONFAILED]");
    assert_eq!(ch.runs(), 1);
}

// RFC 3501 6.2.3 and 11.1: on a link already under TLS (sslserver's PROTO=SSL, or
// SSL_PROTOCOL) login is allowed without IMAPD_PLAINTEXT, and STARTTLS is not offered
// (RFC 3501 6.2.1).
#[test]
fn implicit_tls_allows_login() {
    for (var, value) in [("PROTO", "SSL"), ("SSL_PROTOCOL", "TLSv1.3")] {
        let ch = Checker::new("implicit");
        let mut cmd = login_cmd(&ch.prog("1"));
        cmd.env_remove("IMAPD_PLAINTEXT").env(var, value);
        let (mut c, g) = start(cmd);
        let caps = capabilities(&g);
        assert!(!caps.iter().any(|c| c == "LOGINDISABLED"), "{var}: {g:?}");
        assert!(!caps.iter().any(|c| c == "STARTTLS"), "{var}: {g:?}");
        assert!(caps.iter().any(|c| c == "AUTH=PLAIN"), "{var}: {g:?}");
        c.expect("a LOGIN joe pw", "NO [AUTHENTICATIONFAILED]");
        assert_eq!(ch.runs(), 1);
    }
}

// RFC 3501 6.2.1 and 7.1.3: STARTTLS when it is not offered is refused with BAD (the
// command is not available); the session goes on in the clear.
#[test]
fn starttls_not_offered_is_bad() {
    let ch = Checker::new("starttls");
    let (mut c, _) = login(&ch, "1");
    c.expect("a STARTTLS", "BAD");
    c.expect("b NOOP", "OK");
}

// RFC 3501 7.1.3: an unknown command gets BAD; the session goes on. Commands of the
// authenticated state are unknown here too (RFC 3501 3.1).
#[test]
fn unknown_command_preauth_is_bad() {
    let ch = Checker::new("unknown");
    let (mut c, _) = login(&ch, "1");
    c.unchecked();
    c.expect("a FROBNICATE", "BAD");
    c.expect("b SELECT INBOX", "BAD");
    c.expect("c NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// RFC 2971 3.1 and 3.2: ID gets an untagged `* ID` response (a list or NIL), then OK.
#[test]
fn id_before_login() {
    let ch = Checker::new("id");
    let (mut c, _) = login(&ch, "1");
    let lines = c.expect(r#"a ID ("name" "test" "version" "1")"#, "OK");
    let id = lines.iter().find(|l| l.starts_with("* ID ")).cloned();
    match id {
        Some(l) if l == "* ID NIL" || (l.starts_with("* ID (") && l.ends_with(')')) => {}
        _ => c.fail("expected `* ID (...)` or `* ID NIL`"),
    }
    c.expect("b ID NIL", "OK");
}

// RFC 5530 3 (UNAVAILABLE) and the checkpassword interface: exit 2 or 111, or a signal,
// means the check could not be done; that is not a failed password, so it does not count
// towards MAXAUTHFAIL and the session goes on.
#[test]
fn checker_trouble_is_unavailable() {
    for mode in ["2", "111", "kill"] {
        let ch = Checker::new("unavail");
        let mut cmd = login_cmd(&ch.prog(mode));
        cmd.env("MAXAUTHFAIL", "1");
        let (mut c, _) = start(cmd);
        c.expect("a LOGIN joe pw", "NO [UNAVAILABLE]");
        let ir = base64(b"\0joe\0pw");
        c.expect(&format!("b AUTHENTICATE PLAIN {ir}"), "NO [UNAVAILABLE]");
        c.expect("c NOOP", "OK");
        assert_eq!(ch.runs(), 2, "mode {mode}");
    }
}

// RFC 5530 3 (UNAVAILABLE): a checker that cannot be run at all.
#[test]
fn missing_checker_is_unavailable() {
    let dir = TempDir::new("nochecker");
    let prog = vec![dir.join("no-such-checker").to_string_lossy().into_owned()];
    let (mut c, _) = start(login_cmd(&prog));
    c.expect("a LOGIN joe pw", "NO [UNAVAILABLE]");
    c.expect("b NOOP", "OK");
}

// Checkpassword exit 0: the checker ran the session on this same connection (its fds 0 and
// 1); `imapd login` exits 0. RFC 3501 6.2.3: the tagged OK for LOGIN comes from the session
// (IMAPLOGINTAG). RFC 3501 5.5: a command pipelined behind LOGIN belongs to the session, so
// the login role must not have read it.
#[test]
fn checker_success_runs_the_session() {
    let ch = Checker::new("success");
    let (mut c, _) = login(&ch, "session");
    c.send(b"x1 LOGIN joe right\r\nx2 NOOP\r\n");
    let l = c.line();
    if !l.starts_with("x1 OK") {
        c.fail(&format!("expected the session's `x1 OK`, got {l:?}"));
    }
    let l = c.line();
    assert_eq!(l, "* OK next [x2 NOOP]", "{:?}", c.transcript);
    c.close_stdin();
    c.expect_eof();
    assert_eq!(c.wait().code(), Some(0));
    ch.assert_cred(b"joe", b"right");
    assert_eq!(ch.tag(), "x1");
    // The login name, as Courier's imapd needs it to start (imapd login in front of it).
    let authenticated = std::fs::read_to_string(ch.dir.join("authenticated")).unwrap();
    assert_eq!(authenticated, "joe");
}

// MAXAUTHFAIL (mailfront): on the nth refused password, NO, then `* BYE` (RFC 3501 7.1.5)
// and the connection closes. LOGIN and AUTHENTICATE failures both count.
#[test]
fn maxauthfail_closes_after_nth_failure() {
    let ch = Checker::new("maxfail");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("MAXAUTHFAIL", "2");
    let (mut c, _) = start(cmd);
    c.expect("a LOGIN joe x", "NO [AUTHENTICATIONFAILED]");
    let ir = base64(b"\0joe\0y");
    let lines = c.cmd(&format!("b AUTHENTICATE PLAIN {ir}"));
    assert!(
        tagged(&lines).starts_with("b NO [AUTHENTICATIONFAILED]"),
        "{lines:?}"
    );
    let l = c.line();
    assert!(l.starts_with("* BYE"), "{l:?}");
    c.expect_eof();
    assert_eq!(c.wait().code(), Some(0));
    assert_eq!(ch.runs(), 2);
}

// MAXAUTHFAIL defaults to 3.
#[test]
fn maxauthfail_default_is_three() {
    let ch = Checker::new("maxfail3");
    let (mut c, _) = login(&ch, "1");
    c.expect("a LOGIN joe x", "NO [AUTHENTICATIONFAILED]");
    c.expect("b LOGIN joe y", "NO [AUTHENTICATIONFAILED]");
    c.expect("c NOOP", "OK");
    c.expect("d LOGIN joe z", "NO [AUTHENTICATIONFAILED]");
    let l = c.line();
    assert!(l.starts_with("* BYE"), "{l:?}");
    c.expect_eof();
    assert_eq!(c.wait().code(), Some(0));
}

// RFC 3501 5.4 (autologout timer) and AUTH_TIMEOUT: an idle unauthenticated client is
// dropped; with AUTH_TIMEOUT=1 the process is gone well within 10 s.
#[test]
fn auth_timeout_drops_idle_client() {
    let ch = Checker::new("timeout");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("AUTH_TIMEOUT", "1");
    let t0 = Instant::now();
    let (mut c, _) = start(cmd);
    let rest = c.rest();
    // Only a BYE may come before the connection closes (RFC 3501 7.1.5).
    assert!(rest.iter().all(|l| l.starts_with("* BYE")), "{rest:?}");
    c.wait_within(Duration::from_secs(10));
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
}

// Checkpassword: the credential block is at most 512 bytes; a longer one is refused
// without running the checker, and the session goes on.
#[test]
fn oversized_credential_never_reaches_checker() {
    let ch = Checker::new("bigcred");
    let (mut c, _) = login(&ch, "1");
    let user = "u".repeat(300);
    let pass = "p".repeat(300);
    let lines = c.cmd(&format!("a LOGIN {user} {pass}"));
    assert!(tagged(&lines).starts_with("a NO"), "{lines:?}");
    c.expect("b NOOP", "OK");
    assert_eq!(ch.runs(), 0);
}

// AUTH_TIMEOUT is a deadline for the whole pre-auth dialogue, not an idle timer: a client
// trickling a byte a second (well inside the idle limit) is still disconnected, with a BYE
// (RFC 3501 7.1.5) that says why and a log line.
#[test]
fn auth_timeout_is_a_deadline_not_an_idle_timer() {
    let ch = Checker::new("deadline");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("AUTH_TIMEOUT", "3");
    let (mut c, _) = start(cmd);
    // 30 bytes of one endless line, one a second: the server must hang up first.
    let mut closed_by_server = false;
    for _ in 0..30 {
        if c.try_send(b"x").is_err() {
            closed_by_server = true;
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let rest = c.rest();
    if !closed_by_server {
        c.fail("a client trickling bytes was never disconnected");
    }
    match rest.last() {
        Some(l) if l.starts_with("* BYE") && l.contains("time limit") => {}
        _ => c.fail("expected `* BYE` saying the time limit was reached, as the last line"),
    }
    assert_eq!(c.wait().code(), Some(0));
    assert!(
        c.stderr().contains("AUTH_TIMEOUT of 3s reached"),
        "{}",
        c.stderr()
    );
    assert_eq!(ch.runs(), 0);
}

// DESIGN.md 1: once the serve role has answered the tag (and said so on IMAPD_TAKEOVERFD),
// its death by a signal must not make the login role answer the same tag again
// (RFC 3501 2.2.1: one tagged response per command) on a connection that is logged in.
#[test]
fn serve_killed_after_its_ok_gets_no_second_answer() {
    let ch = Checker::new("takeover");
    let (mut c, _) = login(&ch, "crash");
    let lines = c.expect("t1 LOGIN joe right", "OK");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let rest = c.rest();
    assert!(
        rest.is_empty(),
        "nothing may follow the session's OK: {rest:?}"
    );
    assert_eq!(c.wait().code(), Some(0));
    let log = c.stderr();
    assert!(
        log.contains("user=joe ended: imapd serve was killed by signal 9"),
        "{log}"
    );
    assert!(!log.contains("login unavailable"), "{log}");
}

/// The `imapd` processes of one connection: `pid` and its descendants running imapd.
fn imapd_processes(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        let p = all[i];
        let kids =
            std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        all.extend(kids.split_whitespace().map(|k| k.parse::<u32>().unwrap()));
        i += 1;
    }
    all.retain(|p| {
        std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "imapd")
    });
    all
}

/// Whether `needle` is anywhere in the readable memory of process `pid` (read through
/// /proc/PID/mem, as a debugger would).
fn memory_holds(pid: u32, needle: &[u8]) -> bool {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("read maps");
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem"))
        .unwrap_or_else(|e| panic!("cannot read the memory of process {pid}: {e}"));
    let mut read_any = false;
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (range, perms) = (f.next().unwrap(), f.next().unwrap());
        if !perms.starts_with('r') || line.ends_with("[vvar]") || line.ends_with("[vsyscall]") {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        read_any = true;
        if buf.windows(needle.len()).any(|w| w == needle) {
            return true;
        }
    }
    assert!(read_any, "no memory of process {pid} could be read");
    false
}

// DESIGN.md 1 (as qmail-popup): a password sent as a literal (RFC 3501 4.3) passes through
// the input buffer; once it has been handed to the checker no login process holds it, both
// after a refusal (the dialogue goes on) and while the session runs.
#[test]
fn password_is_wiped_once_handed_over() {
    const PASSWORD: &[u8] = b"Wq9-literal-Pw-5xz";
    for mode in ["1", "session"] {
        let ch = Checker::new("wipe");
        let (mut c, _) = login(&ch, mode);
        c.send(format!("L1 LOGIN joe {{{}}}\r\n", PASSWORD.len()).as_bytes());
        let l = c.line();
        assert!(l.starts_with('+'), "{l:?}");
        c.send(PASSWORD);
        c.send(b"\r\n");
        let l = c.line();
        let want = if mode == "1" { "L1 NO" } else { "L1 OK" };
        assert!(l.starts_with(want), "{l:?}");
        ch.assert_cred(b"joe", PASSWORD);
        let procs = imapd_processes(c.pid());
        assert!(!procs.is_empty());
        for &p in &procs {
            // The scan itself works: the capability list is in every imapd process.
            assert!(
                memory_holds(p, b"SASL-IR LITERAL-"),
                "scan of {p} found nothing"
            );
            // Without its first bytes, which later reads overwrite in the input buffer.
            assert!(
                !memory_holds(p, &PASSWORD[2..]),
                "process {p} of {procs:?} still holds the password (mode {mode})"
            );
        }
        c.close_stdin();
    }
}

/// Field `key` of /proc/PID/status.
fn status_field(pid: u32, key: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("no {key} in status of {pid}"))
}

/// The dialogue process of a login process that has greeted and waits for a command.
fn dialogue_of(c: &Client) -> u32 {
    let procs = imapd_processes(c.pid());
    match procs[..] {
        [monitor, dialogue] if monitor == c.pid() => dialogue,
        _ => c.fail(&format!(
            "expected the login process and one child, got {procs:?}"
        )),
    }
}

// DESIGN.md 1: the process that parses the client's bytes is not root: it runs as nobody
// (IMAPD_LOGINUSER), chrooted to an empty directory, without new privileges, files or
// processes; the process that stays root is the one that runs the checker.
#[test]
fn dialogue_runs_unprivileged_in_an_empty_root() {
    let ch = Checker::new("privsep");
    let (mut c, _) = login(&ch, "1");
    let d = dialogue_of(&c);
    let own_uid = status_field(c.pid(), "Uid:");
    if common::is_root() {
        assert_eq!(own_uid, "0\t0\t0\t0");
        assert_eq!(status_field(d, "Uid:"), "65534\t65534\t65534\t65534");
        assert_eq!(status_field(d, "Gid:"), "65534\t65534\t65534\t65534");
        assert_eq!(status_field(d, "Groups:"), "65534");
        let root = std::fs::read_link(format!("/proc/{d}/root")).unwrap();
        let root = root.to_string_lossy();
        assert!(
            root.contains(".imapd-empty-") && root.ends_with(" (deleted)"),
            "root of the dialogue: {root}"
        );
    } else {
        // Nothing to drop; the same two processes.
        assert_eq!(status_field(d, "Uid:"), own_uid);
    }
    assert_eq!(status_field(d, "NoNewPrivs:"), "1");
    let limits = std::fs::read_to_string(format!("/proc/{d}/limits")).unwrap();
    let limit = |what: &str| {
        limits
            .lines()
            .find(|l| l.starts_with(what))
            .map(|l| l.split_whitespace().nth(3).unwrap_or("").to_string())
            .unwrap()
    };
    assert_eq!(limit("Max open files"), "1");
    assert_eq!(limit("Max processes"), "0");
    // And it still works: the checker is run by the root process with the credential.
    c.expect("a LOGIN joe pw", "NO [AUTHENTICATIONFAILED]");
    ch.assert_cred(b"joe", b"pw");
}

// IMAPD_LOGINUSER names the user, else UID and GID (daemontools' envuidgid) give it; root,
// or a user that does not exist, is refused with BYE [UNAVAILABLE] (RFC 5530 3) and a log
// line, before any command is read.
#[test]
fn login_user_comes_from_the_environment() {
    if !common::is_root() {
        return;
    }
    let ch = Checker::new("loginuser");
    let daemon = |c: &Client| status_field(dialogue_of(c), "Uid:");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("IMAPD_LOGINUSER", "daemon");
    let (c, _) = start(cmd);
    assert_eq!(daemon(&c), "1\t1\t1\t1");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("UID", "4321").env("GID", "4322");
    let (c, _) = start(cmd);
    assert_eq!(daemon(&c), "4321\t4321\t4321\t4321");
    assert_eq!(
        status_field(dialogue_of(&c), "Gid:"),
        "4322\t4322\t4322\t4322"
    );
    for (user, why) in [
        ("root", "must not be root"),
        ("no-such-user-here", "no user"),
    ] {
        let mut cmd = login_cmd(&ch.prog("1"));
        cmd.env("IMAPD_LOGINUSER", user);
        let mut c = Client::spawn(cmd);
        let rest = c.rest();
        assert!(
            rest.len() == 1 && rest[0].starts_with("* BYE [UNAVAILABLE]"),
            "{user}: {rest:?}"
        );
        c.wait();
        assert!(c.stderr().contains(why), "{user}: {}", c.stderr());
    }
}

// The root process bounds the dialogue itself: one that stops answering (here stopped with
// SIGSTOP; in real life a child in an attacker's hands) is killed a few seconds after
// AUTH_TIMEOUT, and the connection closes.
#[test]
fn stuck_dialogue_is_killed_after_auth_timeout() {
    use rustix::process::{kill_process, Pid, Signal};
    let ch = Checker::new("stuck");
    let mut cmd = login_cmd(&ch.prog("1"));
    cmd.env("AUTH_TIMEOUT", "1");
    let (mut c, _) = start(cmd);
    let d = dialogue_of(&c);
    kill_process(Pid::from_raw(d as i32).unwrap(), Signal::STOP).unwrap();
    let rest = c.rest();
    assert!(rest.is_empty(), "{rest:?}");
    c.wait_within(Duration::from_secs(20));
    assert!(
        c.stderr()
            .contains("login process overran AUTH_TIMEOUT; stopping it"),
        "{}",
        c.stderr()
    );
}
