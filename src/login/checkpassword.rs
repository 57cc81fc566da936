//! The checkpassword hand-off (djb's checkpassword interface, as qmail-popup uses it), run
//! by the monitor: fork, give the child `user\0password\0timestamp\0` on descriptor 3,
//! `IMAPLOGINTAG` and the takeover descriptor in its environment, exec the checker, and
//! read the verdict from the takeover pipe and the exit status.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};

use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::{fcntl_setfd, Errno, FdFlags};
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{pidfd_open, Pid, PidfdFlags};
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

/// Runs `prog` with `block` (from [`block`]), which is wiped as soon as it is written.
/// `input` and `output` become the child's descriptors 0 and 1 (the connection, or the TLS
/// pipes after STARTTLS). `on_takeover` runs as soon as the session has started, while it
/// goes on.
pub fn check(
    prog: &[OsString],
    tag: &[u8],
    block: Zeroizing<Vec<u8>>,
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
    on_takeover: impl FnOnce(),
) -> io::Result<Verdict> {
    let (watch, takeover_write) = Watch::new()?;
    let takeover_fd = takeover_write.as_raw_fd();
    let (read_end, write_end) = pipe_with(PipeFlags::CLOEXEC)?;
    let fds = [read_end.as_raw_fd(), input.as_raw_fd(), output.as_raw_fd()];
    let mut cmd = Command::new(&prog[0]);
    cmd.args(&prog[1..])
        .env("IMAPLOGINTAG", OsStr::from_bytes(tag))
        .env(takeover::VAR, takeover_fd.to_string());
    // SAFETY: between fork and exec this only calls dup2 and fcntl, which are
    // async-signal-safe, on descriptors that stay open in the parent throughout. The
    // takeover descriptor is 4 or more and open, so no dup2 here lands on it.
    unsafe {
        cmd.pre_exec(move || {
            let [pipe, input, output] = fds;
            move_fd(input, 0)?;
            move_fd(output, 1)?;
            move_fd(pipe, 3)?;
            move_fd(takeover_fd, takeover_fd)
        });
    }
    let mut child = cmd.spawn()?;
    drop(read_end);
    drop(takeover_write);
    // 512 bytes fit in any pipe buffer: this write cannot block on a checker that does not
    // read, and a checker that exits early gives EPIPE, which only means it did not care.
    let _ = rustix::io::write(&write_end, &block);
    drop(block);
    drop(write_end);
    let mut taken = watch_until_exit(&child, &watch, on_takeover);
    let status = child.wait()?;
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

/// Waits until the checker has exited, telling `on_takeover` when the takeover byte comes
/// first. Returns whether it came. Without pidfds (Linux before 5.3) it only waits: the byte
/// is then looked for after the exit.
fn watch_until_exit(child: &Child, watch: &Watch, on_takeover: impl FnOnce()) -> bool {
    let Ok(pidfd) = pidfd_open(Pid::from_child(child), PidfdFlags::empty()) else {
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

/// In the child: make descriptor `to` a copy of `from`, open across exec.
fn move_fd(from: i32, to: i32) -> io::Result<()> {
    // SAFETY: both numbers are open descriptors of this (forked) process; the OwnedFd for
    // `to` is forgotten, never closed.
    let src = unsafe { BorrowedFd::borrow_raw(from) };
    if from == to {
        fcntl_setfd(src, FdFlags::empty())?;
        return Ok(());
    }
    let mut target = std::mem::ManuallyDrop::new(unsafe { OwnedFd::from_raw_fd(to) });
    rustix::io::dup2(src.as_fd(), &mut target)?;
    Ok(())
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
