//! COMPRESS=DEFLATE (RFC 4978) through pipes: `imapd serve` talked to the way a compressing
//! client does (raw DEFLATE, a sync flush after each command), with `flate2` on this side.
//! A response that were not flushed whole would leave the client waiting: every read here
//! has the deadline of `common::TIMEOUT`, so such a stall fails the test.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use common::grammar::Grammar;
use common::{capabilities, maildir, serve_cmd, TIMEOUT};

/// A client of `imapd serve` that can turn COMPRESS on.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<Vec<u8>>,
    /// Bytes received (inflated once compressing) and not yet read.
    buf: Vec<u8>,
    deflate: Option<(Compress, Decompress)>,
    /// Bytes on the wire, each way.
    sent: usize,
    received: usize,
    /// Sees the bytes uncompressed: sent before DEFLATE, received as they are read.
    grammar: Grammar,
}

impl Client {
    fn spawn(md: &Path, dir: &common::TempDir) -> Client {
        let mut cmd = serve_cmd(dir, Some(md));
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn imapd");
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut b = vec![0u8; 65536];
            while let Ok(n @ 1..) = stdout.read(&mut b) {
                if tx.send(b[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            out: rx,
            buf: Vec::new(),
            deflate: None,
            sent: 0,
            received: 0,
            grammar: {
                let mut g = Grammar::new();
                g.inflated();
                g
            },
        }
    }

    /// Sends `data`, compressed and sync-flushed once COMPRESS is on.
    fn send(&mut self, data: &[u8]) {
        if let Err(e) = self.grammar.client(data) {
            panic!("{e}");
        }
        let wire = match &mut self.deflate {
            None => data.to_vec(),
            Some((c, _)) => {
                let mut out = Vec::with_capacity(data.len() + 1024);
                c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
                out
            }
        };
        self.sent += wire.len();
        let w = self.stdin.as_mut().expect("stdin open");
        w.write_all(&wire).and_then(|_| w.flush()).unwrap();
    }

    fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\r\n").as_bytes());
    }

    /// Waits for more bytes from the server; false at its end of output.
    fn more(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match self.out.recv_timeout(left) {
            Ok(c) => c,
            Err(RecvTimeoutError::Disconnected) => return false,
            Err(RecvTimeoutError::Timeout) => panic!(
                "no response within {TIMEOUT:?}: not flushed? have {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
        };
        self.received += chunk.len();
        self.take_in(&chunk);
        true
    }

    fn take_in(&mut self, wire: &[u8]) {
        match &mut self.deflate {
            None => self.buf.extend_from_slice(wire),
            Some((_, d)) => {
                let mut rest = wire;
                loop {
                    self.buf.reserve(65536);
                    let before = d.total_in();
                    d.decompress_vec(rest, &mut self.buf, FlushDecompress::None)
                        .expect("the server's stream inflates");
                    rest = &rest[(d.total_in() - before) as usize..];
                    if rest.is_empty() && self.buf.len() < self.buf.capacity() {
                        break;
                    }
                }
            }
        }
    }

    /// One line, CRLF removed; `None` at the end of output.
    fn line_or_end(&mut self, deadline: Instant) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let l: Vec<u8> = self.buf.drain(..=i).collect();
                self.checked(&l);
                assert!(l.ends_with(b"\r\n"), "{l:?}");
                return Some(l[..l.len() - 2].to_vec());
            }
            if !self.more(deadline) {
                return None;
            }
        }
    }

    /// Hands bytes read to the grammar check, in the order they are read.
    fn checked(&mut self, bytes: &[u8]) {
        if let Err(e) = self.grammar.server(bytes) {
            panic!("{e}");
        }
    }

    /// One response with its literals inline.
    fn response(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + TIMEOUT;
        let mut resp = Vec::new();
        loop {
            let l = self.line_or_end(deadline).expect("a response");
            resp.extend_from_slice(&l);
            let Some(n) = literal_len(&l) else {
                return resp;
            };
            resp.extend_from_slice(b"\r\n");
            while self.buf.len() < n {
                assert!(self.more(deadline), "output ended inside a literal");
            }
            let literal: Vec<u8> = self.buf.drain(..n).collect();
            self.checked(&literal);
            resp.extend(literal);
        }
    }

    /// Responses up to the tagged one: (untagged, tagged).
    fn until(&mut self, tag: &str) -> (Vec<Vec<u8>>, String) {
        let prefix = format!("{tag} ");
        let mut untagged = Vec::new();
        loop {
            let r = self.response();
            if r.starts_with(prefix.as_bytes()) {
                return (untagged, String::from_utf8(r).unwrap());
            }
            untagged.push(r);
        }
    }

    fn cmd(&mut self, tag: &str, command: &str) -> (Vec<Vec<u8>>, String) {
        self.send_line(&format!("{tag} {command}"));
        self.until(tag)
    }

    /// COMPRESS DEFLATE; on OK both directions compress from the byte after its CRLF.
    fn compress(&mut self, tag: &str) -> String {
        self.compress_as(tag, "COMPRESS DEFLATE")
    }

    /// [`compress`](Self::compress) spelt as `command`.
    fn compress_as(&mut self, tag: &str, command: &str) -> String {
        let (_, tagged) = self.cmd(tag, command);
        if tagged.starts_with(&format!("{tag} OK")) {
            let rest = std::mem::take(&mut self.buf);
            self.deflate = Some((
                Compress::new(Compression::default(), false),
                Decompress::new(false),
            ));
            self.take_in(&rest);
        }
        tagged
    }

    /// Everything until the server ends its output, as text lines.
    fn rest(&mut self) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let mut lines = Vec::new();
        while let Some(l) = self.line_or_end(deadline) {
            lines.push(String::from_utf8_lossy(&l).into_owned());
        }
        lines
    }

    fn exit_code(&mut self) -> Option<i32> {
        self.stdin = None;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "imapd did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn literal_len(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&line[open + 1..]).ok()?.parse().ok()
}

fn text(lines: &[Vec<u8>]) -> Vec<String> {
    lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// A message of about `lines` lines of varied text, CRLF-ended.
fn message(subject: &str, lines: usize) -> Vec<u8> {
    let mut m = format!("From: a@example.org\r\nSubject: {subject}\r\n\r\n").into_bytes();
    for i in 0..lines {
        m.extend_from_slice(format!("line {i} of the body, {}\r\n", i * 7919 % 10007).as_bytes());
    }
    m
}

/// A Maildir with one large message (about 2 MB), and the client greeted and logged in.
fn start(name: &str) -> (common::TempDir, std::path::PathBuf, Client, Vec<u8>) {
    let (dir, md) = maildir(name);
    let big = message("big", 50_000);
    std::fs::write(md.join("cur/1700000000.M1P1.test:2,S"), &big).unwrap();
    let mut c = Client::spawn(&md, &dir);
    let greeting = String::from_utf8(c.response()).unwrap();
    assert!(greeting.starts_with("* PREAUTH [CAPABILITY "), "{greeting}");
    assert!(
        capabilities(&greeting).contains(&"COMPRESS=DEFLATE".to_string()),
        "RFC 4978 section 1: advertised after login: {greeting}"
    );
    (dir, md, c, big)
}

// RFC 4978 section 3: the tagged OK is the last uncompressed byte; from then on SELECT,
// a large FETCH and pipelined commands all go compressed, and a second COMPRESS is refused
// without breaking the stream.
#[test]
fn a_compressed_session_selects_fetches_and_pipelines() {
    let (_dir, _md, mut c, big) = start("compress-session");
    let before = c.received;
    assert_eq!(c.compress("a"), "a OK DEFLATE active");
    let (untagged, tagged) = c.cmd("b", "SELECT INBOX");
    assert!(tagged.starts_with("b OK [READ-WRITE]"), "{tagged}");
    assert!(text(&untagged).contains(&"* 1 EXISTS".to_string()));

    let wire_before = c.received;
    let (untagged, tagged) = c.cmd("c", "FETCH 1 BODY.PEEK[]");
    assert!(tagged.starts_with("c OK"), "{tagged}");
    let head = format!("* 1 FETCH (BODY[] {{{}}}\r\n", big.len());
    let want = [head.as_bytes(), &big, b")"].concat();
    assert!(
        untagged.len() == 1 && untagged[0] == want,
        "the body, whole"
    );
    let wire = c.received - wire_before;
    assert!(
        wire < big.len() / 3,
        "{wire} bytes on the wire for {} of body",
        big.len()
    );

    // RFC 3501 5.5: pipelined commands in one write, answered in order.
    let many: String = (1..=30).map(|i| format!("p{i} NOOP\r\n")).collect();
    c.send(format!("{many}q UID FETCH 1 (FLAGS)\r\n").as_bytes());
    for i in 1..=30 {
        let (_, tagged) = c.until(&format!("p{i}"));
        assert_eq!(tagged, format!("p{i} OK NOOP completed"));
    }
    let (untagged, tagged) = c.until("q");
    assert!(tagged.starts_with("q OK"), "{tagged}");
    assert_eq!(text(&untagged), ["* 1 FETCH (UID 1 FLAGS (\\Seen))"]);

    assert_eq!(
        c.compress("d"),
        "d NO [COMPRESSIONACTIVE] DEFLATE is active already"
    );
    let (_, tagged) = c.cmd("e", "NOOP");
    assert_eq!(
        tagged, "e OK NOOP completed",
        "still compressed, still in step"
    );
    assert!(c.received > before);

    c.send_line("z LOGOUT");
    let rest = c.rest();
    assert_eq!(rest[0], "* BYE Logging out");
    assert!(rest[1].starts_with("z OK"), "{rest:?}");
    assert_eq!(c.exit_code(), Some(0));
}

// RFC 2177 under RFC 4978: mail delivered while the client idles is told at once, through
// the compressed stream, and DONE (compressed) ends the IDLE.
#[test]
fn idle_tells_new_mail_while_compressed() {
    let (_dir, md, mut c, _) = start("compress-idle");
    assert_eq!(c.compress("a"), "a OK DEFLATE active");
    let (_, tagged) = c.cmd("b", "SELECT INBOX");
    assert!(tagged.starts_with("b OK"), "{tagged}");
    c.send_line("c IDLE");
    assert_eq!(c.response(), b"+ idling");
    std::thread::sleep(Duration::from_millis(200));
    let tmp = md.join("tmp/1700000001.M2P2.test");
    std::fs::write(&tmp, message("new", 10)).unwrap();
    std::fs::rename(&tmp, md.join("new/1700000001.M2P2.test")).unwrap();
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen.contains(&"* 2 EXISTS".to_string()) {
        seen.push(String::from_utf8(c.response()).unwrap());
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "told by inotify, not at the next rescan"
    );
    c.send_line("DONE");
    let (_, tagged) = c.until("c");
    assert_eq!(tagged, "c OK IDLE terminated");
    let (untagged, tagged) = c.cmd("d", "FETCH 2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(tagged.starts_with("d OK"), "{tagged}");
    assert!(text(&untagged)[0].contains("Subject: new"), "{untagged:?}");
}

// RFC 4978 section 3: any other mechanism is BAD and the session stays uncompressed; the
// arguments are case-insensitive (section 5).
#[test]
fn an_unknown_mechanism_is_bad_and_changes_nothing() {
    let (_dir, _md, mut c, _) = start("compress-unknown");
    // Invalid COMPRESS commands on purpose.
    c.grammar.unchecked_commands();
    let (_, tagged) = c.cmd("a", "COMPRESS LZW");
    assert!(tagged.starts_with("a BAD "), "{tagged}");
    let (_, tagged) = c.cmd("b", "COMPRESS");
    assert!(tagged.starts_with("b BAD "), "{tagged}");
    let (_, tagged) = c.cmd("b2", "COMPRESS DEFLATE DEFLATE");
    assert!(tagged.starts_with("b2 BAD "), "{tagged}");
    let (_, tagged) = c.cmd("c", "NOOP");
    assert_eq!(tagged, "c OK NOOP completed", "plain as before");
    assert_eq!(
        c.compress_as("d", "compress Deflate"),
        "d OK DEFLATE active"
    );
    let (_, tagged) = c.cmd("e", "NOOP");
    assert_eq!(tagged, "e OK NOOP completed");
}

// Input that does not inflate ends the session with a BYE, itself compressed (the server's
// stream is still good), and the exit status of a session that started (DESIGN 1).
#[test]
fn corrupt_compressed_input_ends_the_session_with_bye() {
    let (_dir, _md, mut c, _) = start("compress-corrupt");
    assert_eq!(c.compress("a"), "a OK DEFLATE active");
    let w = c.stdin.as_mut().unwrap();
    w.write_all(b"\xff\xff\xff\xff b NOOP\r\n").unwrap();
    w.flush().unwrap();
    assert_eq!(c.rest(), ["* BYE Compressed input is corrupt"]);
    assert_eq!(c.exit_code(), Some(0));
}

// RFC 4978 section 5: COMPRESS is a command of the authenticated state (command-auth), so
// the login role neither offers it nor takes it; the serve role's LOGIN reply offers it
// (checked through tcpserver in tests/sh/53-compress.t).
#[test]
fn not_before_login() {
    let mut c = common::Client::spawn(common::login_cmd(&["/bin/false".to_string()]));
    let greeting = c.line();
    assert!(greeting.starts_with("* OK [CAPABILITY "), "{greeting}");
    assert!(
        !capabilities(&greeting).contains(&"COMPRESS=DEFLATE".to_string()),
        "{greeting}"
    );
    let lines = c.expect("a COMPRESS DEFLATE", "BAD");
    assert_eq!(lines.len(), 1, "{lines:?}");
    c.expect("b NOOP", "OK");
}

/// The peak resident memory of process `pid` (VmHWM), in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

// Bounded memory (SECURITY.md): a 64 MiB line that compresses to about 64 KiB is read
// through the 16 KiB buffer and refused like any over-long line (BAD [TOOBIG], RFC 5530 3),
// and the session stays in step; the process never holds more than a few MiB of it.
#[test]
fn a_compressed_bomb_is_refused_without_growing() {
    let (_dir, _md, mut c, _) = start("compress-bomb");
    assert_eq!(c.compress("a"), "a OK DEFLATE active");
    let (_, tagged) = c.cmd("b", "NOOP");
    assert_eq!(tagged, "b OK NOOP completed");
    let before = peak_kib(c.child.id());
    // An over-long line on purpose.
    c.grammar.unchecked_commands();
    let mut bomb = b"c NOOP ".to_vec();
    bomb.extend(std::iter::repeat_n(b'x', 64 << 20));
    bomb.extend_from_slice(b"\r\n");
    c.send(&bomb);
    assert!(c.sent < 1 << 20, "{} bytes on the wire", c.sent);
    drop(bomb);
    let (_, tagged) = c.until("c");
    assert!(tagged.starts_with("c BAD [TOOBIG]"), "{tagged}");
    let (_, tagged) = c.cmd("d", "NOOP");
    assert_eq!(tagged, "d OK NOOP completed", "in step after the bomb");
    let after = peak_kib(c.child.id());
    assert!(
        after < before + 4096,
        "peak memory grew from {before} KiB to {after} KiB"
    );
}

// RFC 3501 6.3.11 under RFC 4978: an APPEND's synchronizing literal (its `+` flushed to the
// client through DEFLATE) and a non-synchronizing one (RFC 7888) arrive compressed, are
// stored as sent and read back the same.
#[test]
fn append_literals_arrive_compressed() {
    let (_dir, _md, mut c, _) = start("compress-append");
    assert_eq!(c.compress("a"), "a OK DEFLATE active");
    let one = message("appended", 30_000);
    c.send_line(&format!("b APPEND INBOX {{{}}}", one.len()));
    let cont = c.response();
    assert!(
        cont.starts_with(b"+ "),
        "{:?}",
        String::from_utf8_lossy(&cont)
    );
    c.send(&one);
    c.send(b"\r\n");
    let (_, tagged) = c.until("b");
    assert!(tagged.starts_with("b OK [APPENDUID "), "{tagged}");
    let mut uids = vec![appended_uid(&tagged)];
    let two = message("second", 100);
    let mut cmd = format!("c APPEND INBOX {{{}+}}\r\n", two.len()).into_bytes();
    cmd.extend_from_slice(&two);
    cmd.extend_from_slice(b"\r\n");
    c.send(&cmd);
    let (_, tagged) = c.until("c");
    assert!(tagged.starts_with("c OK [APPENDUID "), "{tagged}");
    uids.push(appended_uid(&tagged));
    let (_, tagged) = c.cmd("d", "SELECT INBOX");
    assert!(tagged.starts_with("d OK"), "{tagged}");
    for (uid, want) in [(uids[0], &one), (uids[1], &two)] {
        let (untagged, tagged) = c.cmd("e", &format!("UID FETCH {uid} BODY.PEEK[]"));
        assert!(tagged.starts_with("e OK"), "{tagged}");
        let body = untagged[0].splitn(2, |&b| b == b'\n').nth(1).unwrap();
        assert!(
            body.strip_suffix(&b")"[..]) == Some(&want[..]),
            "UID {uid} as appended"
        );
    }
}

/// The UID in `TAG OK [APPENDUID uidvalidity uid] ...` (RFC 4315 3).
fn appended_uid(tagged: &str) -> u32 {
    tagged
        .split(&[' ', ']'][..])
        .nth(4)
        .unwrap()
        .parse()
        .unwrap()
}
