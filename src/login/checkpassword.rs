//! The checkpassword hand-off (djb's checkpassword interface, as qmail-popup uses it):
//! fork, give the child `user\0password\0timestamp\0` on descriptor 3 and `IMAPLOGINTAG` in
//! its environment, exec the checker, and read the verdict from its exit status.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;

use rustix::io::{fcntl_setfd, FdFlags};
use rustix::pipe::{pipe_with, PipeFlags};
use zeroize::Zeroizing;

/// The checkpassword limit on the credential block.
const MAX_CREDENTIALS: usize = 512;

#[derive(Debug)]
pub enum Verdict {
    /// Exit 0: the password was right and the session has run to its end.
    SessionDone,
    /// Exit 1: the password was refused.
    Refused,
    /// Anything else: the session never started. The text says why, for the log.
    Unavailable(String),
}

/// Runs `prog` for one credential. `input` and `output` become the child's descriptors 0
/// and 1 (the connection, or the TLS pipes after STARTTLS).
pub fn check(
    prog: &[OsString],
    tag: &[u8],
    user: &[u8],
    password: &[u8],
    input: BorrowedFd<'_>,
    output: BorrowedFd<'_>,
) -> io::Result<Verdict> {
    let stamp = timestamp();
    let len = user.len() + password.len() + stamp.len() + 3;
    if len > MAX_CREDENTIALS {
        return Ok(Verdict::Refused);
    }
    let mut block = Zeroizing::new(Vec::with_capacity(len));
    for part in [user, password, stamp.as_bytes()] {
        block.extend_from_slice(part);
        block.push(0);
    }

    let (read_end, write_end) = pipe_with(PipeFlags::CLOEXEC)?;
    let fds = [read_end.as_raw_fd(), input.as_raw_fd(), output.as_raw_fd()];
    let mut cmd = Command::new(&prog[0]);
    cmd.args(&prog[1..])
        .env("IMAPLOGINTAG", OsStr::from_bytes(tag));
    // SAFETY: between fork and exec this only calls dup2 and fcntl, which are
    // async-signal-safe, on descriptors that stay open in the parent throughout.
    unsafe {
        cmd.pre_exec(move || {
            let [pipe, input, output] = fds;
            move_fd(input, 0)?;
            move_fd(output, 1)?;
            move_fd(pipe, 3)
        });
    }
    let mut child = cmd.spawn()?;
    drop(read_end);
    // 512 bytes fit in any pipe buffer: this write cannot block on a checker that does not
    // read, and a checker that exits early gives EPIPE, which only means it did not care.
    let _ = rustix::io::write(&write_end, &block);
    drop(block);
    drop(write_end);
    let status = child.wait()?;
    Ok(match (status.code(), status.signal()) {
        (Some(0), _) => Verdict::SessionDone,
        (Some(1), _) => Verdict::Refused,
        (Some(code), _) => Verdict::Unavailable(format!("checker exited {code}")),
        (None, Some(sig)) => Verdict::Unavailable(format!("checker killed by signal {sig}")),
        (None, None) => Verdict::Unavailable("checker ended oddly".to_string()),
    })
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
