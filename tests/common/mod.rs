//! Shared helpers for the integration tests: run `imapd` on pipes and talk to it the way a
//! client would, with every wait bounded so that no test can hang.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod grammar;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use grammar::Grammar;

/// The longest any single wait may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// `nobody`: the user `imapd serve` runs as when the tests run as root.
pub const NOBODY: u32 = 65534;

pub fn imapd() -> &'static str {
    env!("CARGO_BIN_EXE_imapd")
}

/// Whether the tests run as root (the owner of `/proc/self` is our effective uid).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A directory under the system temp directory, unique per test, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("imapd-test-{}-{}-{}", std::process::id(), name, n));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }

    /// Hands the whole tree to `nobody` when running as root, so that `imapd serve`
    /// (which refuses root) can work in it.
    pub fn give_to_nobody(&self) {
        if is_root() {
            chown_tree(&self.path, NOBODY);
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub fn chown_tree(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown");
    if path.is_dir() && !path.is_symlink() {
        for e in std::fs::read_dir(path).expect("read_dir") {
            chown_tree(&e.expect("dir entry").path(), uid);
        }
    }
}

/// Creates `root/{tmp,new,cur}`.
pub fn make_maildir(root: &Path) {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(root.join(sub)).expect("create maildir");
    }
}

/// Writes a message file `root/sub/name`.
pub fn put_message(root: &Path, sub: &str, name: &str) {
    std::fs::write(root.join(sub).join(name), "Subject: t\nFrom: a@b\n\nbody\n")
        .expect("write message");
}

/// The file names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The binary as a path that `nobody` can execute wherever the checkout is: a descriptor
/// opened here (the tests run as root), through /proc/self/fd. Executing it checks only the
/// file's own mode, not the directories above it, so a checkout in root's home (mode 700)
/// works too.
fn imapd_for_nobody() -> String {
    static BINARY: OnceLock<std::fs::File> = OnceLock::new();
    let file = BINARY.get_or_init(|| {
        std::fs::File::open(imapd()).unwrap_or_else(|e| panic!("open {}: {e}", imapd()))
    });
    format!("/proc/self/fd/{}", file.as_raw_fd())
}

/// A clean environment: nothing from the test runner (no UCSPITLS, PROTO, SSL_PROTOCOL,
/// IMAPLOGINTAG, MAILDIR...) leaks into the process under test.
fn base_command(program: &str, role: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.arg0("imapd")
        .arg(role)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    cmd
}

/// `imapd serve MAILDIR` in `dir`, as `nobody` when the tests run as root. Populate the
/// directory first: this hands it to `nobody`.
pub fn serve_cmd(dir: &TempDir, maildir: Option<&Path>) -> Command {
    let mut cmd = if is_root() {
        base_command(&imapd_for_nobody(), "serve")
    } else {
        base_command(imapd(), "serve")
    };
    if let Some(m) = maildir {
        cmd.arg(m);
    }
    cmd.current_dir(&dir.path).env("HOME", &dir.path);
    if is_root() {
        dir.give_to_nobody();
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd
}

/// A Maildir at `dir/Maildir` in a new temporary directory named for `name`.
pub fn maildir(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let md = dir.join("Maildir");
    make_maildir(&md);
    (dir, md)
}

/// `cmd` started, past its `* PREAUTH` greeting.
pub fn preauth(cmd: Command) -> Client {
    let mut c = Client::spawn(cmd);
    let g = c.line();
    if !g.starts_with("* PREAUTH ") {
        c.fail("expected a PREAUTH greeting");
    }
    c
}

/// A PREAUTH session on `md` (hands the tree to `nobody` when root).
pub fn session(dir: &TempDir, md: &Path) -> Client {
    preauth(serve_cmd(dir, Some(md)))
}

/// Creates the Maildir++ folder `name` (`.name/` with tmp, new, cur, maildirfolder).
pub fn folder(md: &Path, name: &str) -> PathBuf {
    let f = md.join(format!(".{name}"));
    make_maildir(&f);
    std::fs::write(f.join("maildirfolder"), b"").unwrap();
    f
}

/// `imapd login PROG...` with plaintext logins allowed and no failure delay.
pub fn login_cmd(prog: &[String]) -> Command {
    let mut cmd = base_command(imapd(), "login");
    cmd.args(prog)
        .env("IMAPD_FAILDELAY", "0")
        .env("IMAPD_PLAINTEXT", "1");
    cmd
}

/// Makes bytes readable in a transcript; only what is longer than any capability list is cut.
pub fn show(bytes: &[u8]) -> String {
    let mut s = String::new();
    let cut = bytes.len() > 1024;
    let shown = if cut { &bytes[..1024] } else { bytes };
    for &b in shown {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if cut {
        s.push_str(&format!("...({} bytes)", bytes.len()));
    }
    s
}

/// One `imapd` process on pipes, seen from the client side.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    eof: bool,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_thread: Option<JoinHandle<()>>,
    status: Option<ExitStatus>,
    pub transcript: Vec<String>,
    grammar: Grammar,
}

impl Client {
    pub fn spawn(mut cmd: Command) -> Client {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn imapd");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
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
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = Arc::clone(&log);
        let stderr_thread = std::thread::spawn(move || {
            let mut b = [0u8; 4096];
            loop {
                match stderr.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => log2.lock().unwrap().extend_from_slice(&b[..n]),
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            out: rx,
            buf: Vec::new(),
            eof: false,
            stderr: log,
            stderr_thread: Some(stderr_thread),
            status: None,
            transcript: Vec::new(),
            grammar: Grammar::new(),
        }
    }

    /// Panics with `msg` and the conversation so far.
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

    /// Sends bytes; the connection may already be closed.
    pub fn try_send(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.transcript.push(format!("C: {}", show(data)));
        if let Err(e) = self.grammar.client(data) {
            self.fail(&e);
        }
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin closed"))?;
        stdin.write_all(data)?;
        stdin.flush()
    }

    pub fn send(&mut self, data: &[u8]) {
        if let Err(e) = self.try_send(data) {
            self.fail(&format!("write to imapd failed: {e}"));
        }
    }

    /// Sends one line with CRLF appended.
    pub fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\r\n").as_bytes());
    }

    /// Closes the client's sending side (the client hangs up).
    pub fn close_stdin(&mut self) {
        self.transcript.push("C: <close>".to_string());
        self.stdin = None;
    }

    /// Waits until `buf` holds a full line, EOF, or the deadline.
    fn fill_until_line(&mut self, deadline: Instant) -> Result<(), &'static str> {
        while !self.buf.contains(&b'\n') {
            if self.eof {
                return Err("EOF");
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(data) => {
                    if let Err(e) = self.grammar.server(&data) {
                        self.fail(&e);
                    }
                    self.buf.extend_from_slice(&data)
                }
                Err(RecvTimeoutError::Disconnected) => self.eof = true,
                Err(RecvTimeoutError::Timeout) => return Err("timeout"),
            }
        }
        Ok(())
    }

    /// The next response line without its CRLF, or `None` at end of output. Panics on a
    /// timeout or a line that does not end with CRLF (RFC 3501 2.2.2: every server line
    /// ends with CRLF).
    pub fn next_line(&mut self) -> Option<String> {
        let deadline = Instant::now() + TIMEOUT;
        match self.fill_until_line(deadline) {
            Ok(()) => {}
            Err("EOF") if self.buf.is_empty() => {
                self.transcript.push("S: <EOF>".to_string());
                return None;
            }
            Err("EOF") => {
                let rest = show(&self.buf);
                self.fail(&format!("output ends in a partial line: {rest:?}"))
            }
            Err(why) => self.fail(&format!("{why} waiting for a response line")),
        }
        let i = self.buf.iter().position(|&b| b == b'\n').unwrap();
        let raw: Vec<u8> = self.buf.drain(..=i).collect();
        self.transcript.push(format!("S: {}", show(&raw)));
        if !raw.ends_with(b"\r\n") {
            self.fail(&format!(
                "response line not terminated by CRLF: {:?}",
                show(&raw)
            ));
        }
        Some(String::from_utf8_lossy(&raw[..raw.len() - 2]).into_owned())
    }

    /// The next response line; end of output is a failure.
    pub fn line(&mut self) -> String {
        match self.next_line() {
            Some(l) => l,
            None => self.fail("unexpected end of output"),
        }
    }

    /// Lines up to and including the tagged response for `tag`.
    pub fn until_tagged(&mut self, tag: &str) -> Vec<String> {
        let prefix = format!("{tag} ");
        let mut lines = Vec::new();
        loop {
            let l = self.line();
            let done = l.starts_with(&prefix);
            lines.push(l);
            if done {
                return lines;
            }
        }
    }

    /// Sends `line` (its first word is the tag) and returns the responses up to the tagged
    /// one.
    pub fn cmd(&mut self, line: &str) -> Vec<String> {
        let tag = line.split(' ').next().unwrap().to_string();
        self.send_line(line);
        self.until_tagged(&tag)
    }

    /// Sends a command and checks that its tagged response starts with `<tag> <status>`.
    pub fn expect(&mut self, line: &str, status: &str) -> Vec<String> {
        let lines = self.cmd(line);
        let tag = line.split(' ').next().unwrap();
        let last = lines.last().unwrap();
        if !last.starts_with(&format!("{tag} {status}")) {
            self.fail(&format!(
                "expected `{tag} {status}` for {line:?}, got {last:?}"
            ));
        }
        lines
    }

    /// The server must close its output with nothing more to say.
    pub fn expect_eof(&mut self) {
        if let Some(l) = self.next_line() {
            self.fail(&format!("expected end of output, got {l:?}"));
        }
    }

    /// Reads and returns all remaining lines until end of output.
    pub fn rest(&mut self) -> Vec<String> {
        let mut v = Vec::new();
        while let Some(l) = self.next_line() {
            v.push(l);
        }
        v
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.wait_within(TIMEOUT)
    }

    pub fn wait_within(&mut self, limit: Duration) -> ExitStatus {
        if let Some(s) = self.status {
            return s;
        }
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(s)) => {
                    self.status = Some(s);
                    if let Some(t) = self.stderr_thread.take() {
                        // stderr closes when the process (and any checker) is gone; bounded
                        // by the same deadline.
                        while !t.is_finished() && Instant::now() < deadline {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        if t.is_finished() {
                            let _ = t.join();
                        }
                    }
                    return s;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    self.fail(&format!("imapd did not exit within {limit:?}"))
                }
                Err(e) => self.fail(&format!("wait failed: {e}")),
            }
        }
    }

    /// The process id of `imapd`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stdin = None;
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The tagged (last) line of a response.
pub fn tagged(lines: &[String]) -> &str {
    lines.last().map(String::as_str).unwrap_or("")
}

/// Whether some line starts with `prefix`.
pub fn has(lines: &[String], prefix: &str) -> bool {
    lines.iter().any(|l| l.starts_with(prefix))
}

/// The words inside `[CAPABILITY ...]` or after `* CAPABILITY`.
pub fn capabilities(line: &str) -> Vec<String> {
    let rest = if let Some(i) = line.find("[CAPABILITY ") {
        let r = &line[i + "[CAPABILITY ".len()..];
        &r[..r.find(']').expect("closing ] of CAPABILITY code")]
    } else if let Some(r) = line.strip_prefix("* CAPABILITY ") {
        r
    } else {
        panic!("no capability list in {line:?}");
    };
    rest.split(' ').map(str::to_string).collect()
}

/// Base64 (RFC 4648 section 4, with padding), for SASL responses.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
