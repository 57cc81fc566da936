//! The checkpassword hand-off (djb's checkpassword interface, as qmail-popup uses it), run
//! by the monitor: start the checker with `user\0password\0timestamp\0` on descriptor 3,
//! `IMAPLOGINTAG`, `AUTHENTICATED` and the takeover descriptor in its environment, and read
//! the verdict from the takeover pipe and the exit status.
//!
//! `AUTHENTICATED=<user>` is what Courier's login and mailfront's `imapfront-auth` give the
//! server they run; Courier's `imapd` refuses to start without it. The checker passes its
//! environment on only once it has accepted the password, so the server never sees it
//! for a refused user; a checker that sets it itself (to the name it mapped the login to)
//! overrides it.
//!
//! The checker is started with posix_spawn, which runs the child on the monitor's memory
//! until the exec (vfork-style): a fork would copy the monitor's page tables and mark its
//! memory copy-on-write, only for the exec to throw it all away (measured: 24 page faults
//! and about 0.15 ms of the 4 ms of CPU time a whole session takes).

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{pidfd_open, waitpid, Pid, PidfdFlags, WaitOptions};
use zeroize::Zeroizing;

use super::takeover::{self, Watch};

/// The checkpassword limit on the credential block.
const MAX_CREDENTIALS: usize = 512;

#[derive(Debug)]
pub enum Verdict {
    /// `imapd serve` answered the tag; the session then ended with this status.
    TakenOver(ExitStatus),
    /// Exit 0 without the takeover byte: the session (of a server that does not announce
    /// itself) has run to its end.
    SessionDone,
    /// Exit 1: the password was refused.
    Refused,
    /// Anything else: the session never started. The text says why, for the log.
    Unavailable(String),
}

/// The block for descriptor 3: `user\0password\0timestamp\0`, or `None` when it would
/// exceed the interface's 512 bytes (a refusal, without running the checker).
pub fn block(user: &[u8], password: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let stamp = timestamp();
    let len = user.len() + password.len() + stamp.len() + 3;
    if len > MAX_CREDENTIALS {
        return None;
    }
    let mut block = Zeroizing::new(Vec::with_capacity(len));
    for part in [user, password, stamp.as_bytes()] {
        block.extend_from_slice(part);
        block.push(0);
    }
    Some(block)
}

/// Runs `prog` for `user` with `block` (from [`block`]), which is wiped as soon as it is
/// written.
/// `input` and `output` become the child's descriptors 0 and 1 (the connection, or the TLS
/// pipes after STARTTLS). `on_takeover` runs as soon as the session has started, while it
/// goes on.
pub fn check(
    prog: &[OsString],
    tag: &[u8],
    user: &[u8],
    block: Zeroizing<Vec<u8>>,
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
    on_takeover: impl FnOnce(),
) -> io::Result<Verdict> {
    let (watch, takeover_write) = Watch::new()?;
    let takeover_fd = takeover_write.as_raw_fd();
    let (read_end, write_end) = pipe_with(PipeFlags::CLOEXEC)?;
    let takeover_value = OsString::from(takeover_fd.to_string());
    // In this order: the pipe and the takeover descriptor are 3 or more, so neither is
    // overwritten before it is moved; the takeover descriptor is 4 or more, so moving the
    // pipe to 3 does not land on it. A move onto itself only clears close-on-exec.
    let child = spawn(
        prog,
        &[
            ("IMAPLOGINTAG", OsStr::from_bytes(tag)),
            ("AUTHENTICATED", OsStr::from_bytes(user)),
            (takeover::VAR, &takeover_value),
        ],
        &[
            (input.as_raw_fd(), 0),
            (output.as_raw_fd(), 1),
            (read_end.as_raw_fd(), 3),
            (takeover_fd, takeover_fd),
        ],
    )?;
    drop(read_end);
    drop(takeover_write);
    // 512 bytes fit in any pipe buffer: this write cannot block on a checker that does not
    // read, and a checker that exits early gives EPIPE, which only means it did not care.
    let _ = rustix::io::write(&write_end, &block);
    drop(block);
    drop(write_end);
    let mut taken = watch_until_exit(child, &watch, on_takeover);
    let status = wait(child)?;
    taken = taken || watch.taken_over();
    Ok(match (taken, status.code(), status.signal()) {
        (true, _, _) => Verdict::TakenOver(status),
        (_, Some(0), _) => Verdict::SessionDone,
        (_, Some(1), _) => Verdict::Refused,
        (_, Some(code), _) => Verdict::Unavailable(format!("checker exited {code}")),
        (_, None, Some(sig)) => Verdict::Unavailable(format!("checker killed by signal {sig}")),
        (_, None, None) => Verdict::Unavailable("checker ended oddly".to_string()),
    })
}

/// Starts `prog` (found through `PATH` when it has no `/`, as a shell would) with this
/// process's environment plus `env`, each descriptor `from` of `moves` copied to `to` and
/// open across the exec, SIGPIPE back to its default action and no signal blocked (Rust
/// ignores SIGPIPE, and an ignored signal stays ignored across exec).
fn spawn(prog: &[OsString], env: &[(&str, &OsStr)], moves: &[(RawFd, RawFd)]) -> io::Result<Pid> {
    let nul = |_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in an argument");
    let argv = prog
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(nul)?;
    let mut envv = Vec::new();
    for (name, value) in std::env::vars_os() {
        if !env.iter().any(|(n, _)| name == OsStr::new(n)) {
            envv.push(pair(name.as_bytes(), value.as_bytes()).map_err(nul)?);
        }
    }
    for (name, value) in env {
        envv.push(pair(name.as_bytes(), value.as_bytes()).map_err(nul)?);
    }
    let mut argp: Vec<*mut libc::c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argp.push(std::ptr::null_mut());
    let mut envp: Vec<*mut libc::c_char> = envv.iter().map(|e| e.as_ptr().cast_mut()).collect();
    envp.push(std::ptr::null_mut());
    let done = |rc: libc::c_int| match rc {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    };
    // SAFETY: the structures are initialised before use and destroyed once, on every path;
    // every pointer handed to posix_spawnp points into a CString or Vec that outlives it.
    unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        done(libc::posix_spawn_file_actions_init(&mut actions))?;
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        if let Err(e) = done(libc::posix_spawnattr_init(&mut attr)) {
            libc::posix_spawn_file_actions_destroy(&mut actions);
            return Err(e);
        }
        let mut pid: libc::pid_t = 0;
        let mut default: libc::sigset_t = std::mem::zeroed();
        let mut mask: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut default);
        libc::sigaddset(&mut default, libc::SIGPIPE);
        libc::sigemptyset(&mut mask);
        let flags = (libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETSIGMASK) as libc::c_short;
        let spawned = moves
            .iter()
            .try_for_each(|&(from, to)| {
                done(libc::posix_spawn_file_actions_adddup2(
                    &mut actions,
                    from,
                    to,
                ))
            })
            .and_then(|_| done(libc::posix_spawnattr_setsigdefault(&mut attr, &default)))
            .and_then(|_| done(libc::posix_spawnattr_setsigmask(&mut attr, &mask)))
            .and_then(|_| done(libc::posix_spawnattr_setflags(&mut attr, flags)))
            .and_then(|_| {
                done(libc::posix_spawnp(
                    &mut pid,
                    argp[0],
                    &actions,
                    &attr,
                    argp.as_ptr(),
                    envp.as_ptr(),
                ))
            });
        libc::posix_spawnattr_destroy(&mut attr);
        libc::posix_spawn_file_actions_destroy(&mut actions);
        spawned?;
        Pid::from_raw(pid).ok_or_else(|| io::Error::other("posix_spawn gave no pid"))
    }
}

/// `name=value` for an environment.
fn pair(name: &[u8], value: &[u8]) -> Result<CString, std::ffi::NulError> {
    let mut v = Vec::with_capacity(name.len() + value.len() + 1);
    v.extend_from_slice(name);
    v.push(b'=');
    v.extend_from_slice(value);
    CString::new(v)
}

/// Waits for the child `pid` to exit.
fn wait(pid: Pid) -> io::Result<ExitStatus> {
    loop {
        match waitpid(Some(pid), WaitOptions::empty()) {
            Ok(Some((_, status))) => return Ok(ExitStatus::from_raw(status.as_raw())),
            Ok(None) => return Err(io::Error::other("waitpid returned no status")),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Waits until the checker has exited, telling `on_takeover` when the takeover byte comes
/// first. Returns whether it came. Without pidfds (Linux before 5.3) it only waits: the byte
/// is then looked for after the exit.
fn watch_until_exit(child: Pid, watch: &Watch, on_takeover: impl FnOnce()) -> bool {
    let Ok(pidfd) = pidfd_open(child, PidfdFlags::empty()) else {
        return false;
    };
    let pipe = watch.read_end();
    let mut pipe_open = true;
    loop {
        let mut fds = [
            PollFd::new(&pidfd, PollFlags::IN),
            PollFd::new(&pipe, PollFlags::IN),
        ];
        let n = if pipe_open { 2 } else { 1 };
        match poll(&mut fds[..n], None) {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(_) => return false,
        }
        if pipe_open && !fds[1].revents().is_empty() {
            if watch.taken_over() {
                on_takeover();
                return true;
            }
            // End of file: every copy of the write end is closed; only the exit is left.
            pipe_open = false;
        }
        if !fds[0].revents().is_empty() {
            return false;
        }
    }
}

/// The third field: an APOP-style `<pid.time@host>`, as qmail-popup sends.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let uname = rustix::system::uname();
    let host = String::from_utf8_lossy(uname.nodename().to_bytes()).into_owned();
    format!("<{}.{}@{}>", std::process::id(), now, host)
}
