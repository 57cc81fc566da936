//! How `imapd serve` tells the login role that it has answered the login tag, so that a
//! serve process killed later (OOM, a stack overflow, kill -9) is never mistaken for a
//! checker that failed: that would answer the same tag twice on a live, authenticated
//! connection (DESIGN.md 1).
//!
//! For each checker run the monitor makes a pipe and passes its write end to the checker at
//! a descriptor of 4 or more, named by `IMAPD_TAKEOVERFD`. Checkers keep both across their
//! exec, as they keep any descriptor and variable they do not know; `imapd serve` writes one
//! byte there and closes it right before it writes its tagged OK (or PREAUTH): before, so
//! that no kill can fall between an OK the client has seen and the byte. The monitor reads
//! the pipe: a byte means the session has started, whatever the status it ends with (killed
//! between the byte and the OK, the client sees the connection close, never a second
//! answer). No byte
//! (a checker that closes descriptors it does not know, another server after the checker)
//! means the exit status is all there is to go by, as before.

use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use rustix::fs::{fstat, FileType};
use rustix::io::{fcntl_dupfd_cloexec, Errno};
use rustix::pipe::{pipe_with, PipeFlags};

/// The variable naming the descriptor.
pub const VAR: &str = "IMAPD_TAKEOVERFD";

/// Above the checkpassword interface's 0, 1, 2 and 3.
const LOWEST_FD: RawFd = 4;

/// The monitor's side: the read end.
pub struct Watch {
    read: OwnedFd,
}

impl Watch {
    /// The watch, and the write end for the checker: close-on-exec and numbered 4 or more
    /// here, made inheritable at the same number between fork and exec. Drop it as soon as
    /// the checker runs, so that only the checker's copy is left.
    pub fn new() -> std::io::Result<(Watch, OwnedFd)> {
        // Non-blocking: after the checker has exited, the byte is looked for without waiting.
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        let write = fcntl_dupfd_cloexec(&write, LOWEST_FD)?;
        Ok((Watch { read }, write))
    }

    pub fn read_end(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// Whether the byte has come (at end of file too: the byte stays readable).
    pub fn taken_over(&self) -> bool {
        let mut b = [0u8; 1];
        loop {
            match rustix::io::read(&self.read, &mut b) {
                Ok(n) => return n == 1,
                Err(Errno::INTR) => continue,
                Err(_) => return false,
            }
        }
    }
}

/// In `imapd serve`, right before the tagged OK or PREAUTH is written: says so, and closes
/// the descriptor, which nothing after this may inherit. Without the variable, does nothing.
pub fn announce() {
    let Some(value) = std::env::var_os(VAR) else {
        return;
    };
    std::env::remove_var(VAR);
    let Some(n) = value
        .to_str()
        .and_then(|v| v.parse::<RawFd>().ok())
        .filter(|&n| n >= LOWEST_FD)
    else {
        crate::log!("{VAR} is not a descriptor number of {LOWEST_FD} or more; ignored");
        return;
    };
    // SAFETY: only borrowed to look at it. A number that is not open fails fstat.
    let borrowed = unsafe { BorrowedFd::borrow_raw(n) };
    match fstat(borrowed) {
        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Fifo => {}
        _ => {
            crate::log!("{VAR}={n} is not an open pipe; ignored");
            return;
        }
    }
    // SAFETY: an inherited pipe that nothing in this process has taken ownership of: serve
    // opens no pipe of its own before its greeting.
    let fd = unsafe { OwnedFd::from_raw_fd(n) };
    let _ = rustix::io::write(&fd, b"y");
}
