//! A Maildir filled by the test itself (message files written straight into `cur/` or
//! `new/`, with chosen UIDs in `dovecot-uidlist`, keywords in `dovecot-keywords` and
//! INTERNALDATE as the file's mtime), and a byte-exact client for it that understands
//! literals (`{n}` and RFC 3516's `~{n}`), so that section data can be compared byte for
//! byte. Every read is bounded by [`TIMEOUT`].
//!
//! Include with `mod common; #[path = "common/mailbox_fixture.rs"] mod fixture;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::common::grammar::Grammar;
use crate::common::{make_maildir, serve_cmd, show, TempDir, TIMEOUT};

/// Seconds since the epoch of `yyyy-mm-dd hh:mm:ss` UTC (proleptic Gregorian).
pub fn utc(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> SystemTime {
    // Days from civil (H. Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    UNIX_EPOCH + Duration::from_secs(secs as u64)
}

/// `text` as IMAP serves it: every LF not after a CR becomes CRLF.
pub fn crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 20);
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && (i == 0 || text[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

struct Stored {
    uid: u32,
    base: String,
}

/// A Maildir at `<temp>/Maildir` (INBOX) that the test fills.
pub struct Fixture {
    pub dir: TempDir,
    pub md: PathBuf,
    stored: Vec<Stored>,
    keywords: Vec<String>,
}

impl Fixture {
    pub fn new(name: &str) -> Fixture {
        let dir = TempDir::new(name);
        let md = dir.join("Maildir");
        make_maildir(&md);
        Fixture {
            dir,
            md,
            stored: Vec::new(),
            keywords: Vec::new(),
        }
    }

    /// Keyword names for the letters `a`, `b`, ... of Maildir file names.
    pub fn keywords(&mut self, names: &[&str]) {
        self.keywords = names.iter().map(|s| s.to_string()).collect();
    }

    /// Writes a message into `cur/` with the Maildir flag letters `flags` (system flags
    /// `DFRST` and keyword letters `a`...), UID `uid` and INTERNALDATE `mtime`.
    pub fn add(&mut self, uid: u32, flags: &str, content: &[u8], mtime: SystemTime) {
        self.put("cur", uid, &format!(":2,{flags}"), content, mtime);
    }

    /// Writes a message into `new/`: it becomes \Recent for the session that selects first.
    pub fn add_new(&mut self, uid: u32, content: &[u8], mtime: SystemTime) {
        self.put("new", uid, "", content, mtime);
    }

    /// Like [`Fixture::add`], with `sizes` (such as `,S=12,W=13`) after the unique part of
    /// the name, as deliveries name their files. Returns the name without its flags.
    pub fn add_sized(
        &mut self,
        uid: u32,
        sizes: &str,
        flags: &str,
        content: &[u8],
        mtime: SystemTime,
    ) -> String {
        self.put_as("cur", uid, sizes, &format!(":2,{flags}"), content, mtime)
    }

    fn put(&mut self, sub: &str, uid: u32, info: &str, content: &[u8], mtime: SystemTime) {
        self.put_as(sub, uid, "", info, content, mtime);
    }

    fn put_as(
        &mut self,
        sub: &str,
        uid: u32,
        sizes: &str,
        info: &str,
        content: &[u8],
        mtime: SystemTime,
    ) -> String {
        assert!(
            self.stored.last().is_none_or(|s| s.uid < uid),
            "add messages in UID order"
        );
        let base = format!("{}.M{uid}P1.fixture{sizes}", 1_600_000_000 + uid);
        let path = self.md.join(sub).join(format!("{base}{info}"));
        std::fs::write(&path, content).expect("write message");
        let f = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open message");
        f.set_modified(mtime).expect("set mtime");
        self.stored.push(Stored {
            uid,
            base: base.clone(),
        });
        base
    }

    /// Writes `dovecot-uidlist` (and `dovecot-keywords`), then starts `imapd serve` with
    /// TZ=UTC and selects INBOX. The session keeps the directory until it ends.
    pub fn session(self) -> Session {
        self.write_lists();
        let mut cmd = serve_cmd(&self.dir, Some(&self.md));
        cmd.env("TZ", "UTC");
        let mut s = Session::preauth(cmd);
        s.dir = Some(self.dir);
        let r = s.run("S0 SELECT INBOX");
        if !r.ok() {
            s.fail("SELECT INBOX failed");
        }
        s
    }

    /// Writes `dovecot-uidlist` (and `dovecot-keywords`) and hands over the directory and
    /// the Maildir, for tests that start their own sessions.
    pub fn into_parts(self) -> (TempDir, PathBuf) {
        self.write_lists();
        (self.dir, self.md)
    }

    fn write_lists(&self) {
        let next = self.stored.last().map_or(1, |s| s.uid + 1);
        let mut list = format!("3 V1234567 N{next} G0123456789abcdef0123456789abcdef\n");
        for s in &self.stored {
            list.push_str(&format!("{} :{}\n", s.uid, s.base));
        }
        std::fs::write(self.md.join("dovecot-uidlist"), list).expect("write uidlist");
        if !self.keywords.is_empty() {
            let mut k = String::new();
            for (i, name) in self.keywords.iter().enumerate() {
                k.push_str(&format!("{i} {name}\n"));
            }
            std::fs::write(self.md.join("dovecot-keywords"), k).expect("write keywords");
        }
    }
}

/// The responses to one command: the untagged ones (each with its literals inline, the
/// final CRLF removed) and the tagged line.
#[derive(Debug)]
pub struct Reply {
    pub untagged: Vec<Vec<u8>>,
    pub tagged: String,
}

impl Reply {
    /// Whether the tagged status is OK.
    pub fn ok(&self) -> bool {
        self.tagged.split(' ').nth(1) == Some("OK")
    }

    /// The tagged status word and what follows it, without the tag.
    pub fn status(&self) -> &str {
        self.tagged.split_once(' ').map_or("", |(_, r)| r)
    }

    /// Untagged responses as text (lossy), for responses without binary data.
    pub fn lines(&self) -> Vec<String> {
        self.untagged
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    /// The untagged responses starting with `prefix`.
    pub fn starting(&self, prefix: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }
}

/// `imapd serve` on pipes, read byte for byte.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    eof: bool,
    pub transcript: Vec<String>,
    tags: u32,
    /// The Maildir's directory, removed after the process has ended.
    dir: Option<TempDir>,
    stderr: Arc<Mutex<Vec<u8>>>,
    grammar: Grammar,
}

impl Session {
    /// Starts `cmd` (an `imapd serve`) and reads its PREAUTH greeting: a session in the
    /// authenticated state.
    pub fn preauth(cmd: std::process::Command) -> Session {
        let mut s = Session::spawn(cmd);
        if !s.line().starts_with(b"* PREAUTH ") {
            s.fail("expected a PREAUTH greeting");
        }
        s
    }

    pub fn spawn(mut cmd: std::process::Command) -> Session {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn imapd");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut b = [0u8; 4096];
            loop {
                match stderr.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => log2.lock().unwrap().extend_from_slice(&b[..n]),
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut b = vec![0u8; 65536];
            loop {
                match stdout.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(b[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Session {
            stdin: child.stdin.take(),
            child,
            out: rx,
            buf: Vec::new(),
            eof: false,
            transcript: Vec::new(),
            tags: 0,
            dir: None,
            stderr: log,
            grammar: Grammar::new(),
        }
    }

    pub fn fail(&self, msg: &str) -> ! {
        panic!(
            "{msg}\n--- transcript ---\n{}\n--- stderr ---\n{}",
            self.transcript.join("\n"),
            String::from_utf8_lossy(&self.stderr.lock().unwrap())
        )
    }

    /// This test sends invalid commands on purpose: they are not checked against the IMAP
    /// grammar (the server's responses still are).
    pub fn unchecked(&mut self) {
        self.grammar.unchecked_commands();
    }

    pub fn send(&mut self, data: &[u8]) {
        self.transcript.push(format!("C: {}", show(data)));
        if let Err(e) = self.grammar.client(data) {
            self.fail(&e);
        }
        let r = match self.stdin.as_mut() {
            Some(w) => w.write_all(data).and_then(|_| w.flush()),
            None => Err(std::io::Error::other("stdin closed")),
        };
        if let Err(e) = r {
            self.fail(&format!("write to imapd failed: {e}"));
        }
    }

    /// Waits until `buf` holds `n` bytes.
    fn fill(&mut self, n: usize, deadline: Instant) {
        while self.buf.len() < n {
            if self.eof {
                self.fail("unexpected end of output");
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(d) => {
                    if let Err(e) = self.grammar.server(&d) {
                        self.fail(&e);
                    }
                    self.buf.extend_from_slice(&d)
                }
                Err(RecvTimeoutError::Disconnected) => self.eof = true,
                Err(RecvTimeoutError::Timeout) => self.fail("timeout waiting for imapd"),
            }
        }
    }

    /// One line including its CRLF (RFC 3501 2.2.2: every server line ends with CRLF).
    fn raw_line(&mut self, deadline: Instant) -> Vec<u8> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let l: Vec<u8> = self.buf.drain(..=i).collect();
                if !l.ends_with(b"\r\n") {
                    self.transcript.push(format!("S: {}", show(&l)));
                    self.fail("response line not terminated by CRLF");
                }
                return l;
            }
            let have = self.buf.len();
            self.fill(have + 1, deadline);
        }
    }

    /// One whole response: a line, and when it ends in a literal announcement, the literal
    /// and the rest of the response after it. The final CRLF is removed.
    pub fn line(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + TIMEOUT;
        let mut resp = Vec::new();
        loop {
            let l = self.raw_line(deadline);
            let body = &l[..l.len() - 2];
            resp.extend_from_slice(body);
            let Some(n) = literal_len(body) else {
                self.transcript.push(format!("S: {}", show(&resp)));
                return resp;
            };
            resp.extend_from_slice(b"\r\n");
            self.fill(n, deadline);
            let lit: Vec<u8> = self.buf.drain(..n).collect();
            resp.extend_from_slice(&lit);
        }
    }

    /// A fresh tag.
    pub fn tag(&mut self) -> String {
        self.tags += 1;
        format!("T{}", self.tags)
    }

    /// Reads responses up to the tagged one for `tag`.
    pub fn until(&mut self, tag: &str) -> Reply {
        let prefix = format!("{tag} ").into_bytes();
        let mut untagged = Vec::new();
        loop {
            let r = self.line();
            if r.starts_with(&prefix) {
                return Reply {
                    untagged,
                    tagged: String::from_utf8_lossy(&r).into_owned(),
                };
            }
            untagged.push(r);
        }
    }

    /// Sends `<tag> <command>` (its first word is the tag) and reads the reply.
    pub fn run(&mut self, line: &str) -> Reply {
        let tag = line.split(' ').next().unwrap().to_string();
        self.send(format!("{line}\r\n").as_bytes());
        self.until(&tag)
    }

    /// Sends a command with a fresh tag.
    pub fn cmd(&mut self, command: &str) -> Reply {
        let tag = self.tag();
        self.run(&format!("{tag} {command}"))
    }

    /// Like [`Session::cmd`] but the tagged status must be OK.
    pub fn ok(&mut self, command: &str) -> Reply {
        let r = self.cmd(command);
        if !r.ok() {
            self.fail(&format!("{command:?} did not succeed: {:?}", r.tagged));
        }
        r
    }

    /// Sends a command made of `parts`: between two parts a synchronizing literal
    /// (`{n}`, waiting for the `+` continuation) carrying the second part's bytes, per
    /// RFC 3501 7.5. `parts` alternates text and literal data: [text, literal, text, ...].
    pub fn cmd_literals(&mut self, parts: &[&[u8]]) -> Reply {
        let tag = self.tag();
        let deadline = Instant::now() + TIMEOUT;
        let mut first = format!("{tag} ").into_bytes();
        first.extend_from_slice(parts[0]);
        let mut pending = first;
        let mut i = 1;
        while i < parts.len() {
            let lit = parts[i];
            pending.extend_from_slice(format!("{{{}}}\r\n", lit.len()).as_bytes());
            self.send(&pending);
            let cont = self.raw_line(deadline);
            self.transcript.push(format!("S: {}", show(&cont)));
            if !cont.starts_with(b"+") {
                self.fail("expected a continuation request");
            }
            self.send(lit);
            pending = parts.get(i + 1).map_or(Vec::new(), |t| t.to_vec());
            i += 2;
        }
        pending.extend_from_slice(b"\r\n");
        self.send(&pending);
        self.until(&tag)
    }
}

/// `n` when `line` ends with `{n}` or `~{n}`.
fn literal_len(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    let digits = &line[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dir = None;
    }
}
