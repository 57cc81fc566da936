//! IDLE (RFC 2177): the client waits and the server tells it of changes as they happen,
//! until the client sends `DONE`. Changes are noticed through inotify on `new/` and `cur/`,
//! and by a rescan every few seconds, which is what catches them where inotify says
//! nothing (NFS, another host delivering).

use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::inotify;

use super::Context;
use super::Response;
use crate::wire::{Line, ReadError};

const RESCAN: Duration = Duration::from_secs(10);
/// Lets a burst of renames (a client moving many messages) arrive as one update.
const SETTLE: Duration = Duration::from_millis(50);

pub fn idle(s: &mut Context, timeout: Duration) -> io::Result<Response> {
    s.conn.output.write_all(b"+ idling\r\n")?;
    s.refresh(true)?;
    s.conn.output.flush()?;
    let watch = s.selected.as_ref().and_then(|sel| watch(&sel.dir).ok());
    let started = Instant::now();
    loop {
        if !s.conn.input.has_buffered() {
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                // The session loop says BYE.
                return Err(ReadError::Timeout.into_io());
            }
            let wait = Timespec::try_from(left.min(RESCAN)).unwrap_or(Timespec {
                tv_sec: 10,
                tv_nsec: 0,
            });
            let (input, changed) = {
                let mut fds = vec![PollFd::new(&s.conn.input, PollFlags::IN)];
                if let Some(w) = &watch {
                    fds.push(PollFd::new(w, PollFlags::IN));
                }
                match poll(&mut fds, Some(&wait)) {
                    Ok(_) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(ReadError::Os(e).into_io()),
                }
                (
                    !fds[0].revents().is_empty(),
                    fds.get(1).is_some_and(|f| !f.revents().is_empty()),
                )
            };
            if changed {
                std::thread::sleep(SETTLE);
                if let Some(w) = &watch {
                    drain(w);
                }
            }
            if !input {
                s.refresh(true)?;
                s.conn.output.flush()?;
                continue;
            }
        }
        let mut line = Vec::with_capacity(64);
        return match s
            .conn
            .input
            .read_line(&mut line, 1024)
            .map_err(ReadError::into_io)?
        {
            Line::Complete if line.trim_ascii().eq_ignore_ascii_case(b"DONE") => {
                Ok(Response::ok("IDLE terminated"))
            }
            _ => Ok(Response::bad("Expected DONE")),
        };
    }
}

/// An inotify descriptor watching the folder's `new/` and `cur/`.
fn watch(dir: &std::path::Path) -> rustix::io::Result<OwnedFd> {
    let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
    let events = inotify::WatchFlags::CREATE
        | inotify::WatchFlags::DELETE
        | inotify::WatchFlags::MOVED_FROM
        | inotify::WatchFlags::MOVED_TO
        | inotify::WatchFlags::ONLYDIR;
    for sub in ["new", "cur"] {
        inotify::add_watch(&fd, dir.join(sub), events)?;
    }
    Ok(fd)
}

/// Reads away the pending events: only "something changed" matters.
fn drain(fd: &OwnedFd) {
    let mut buf = [0u8; 4096];
    while matches!(rustix::io::read(fd.as_fd(), &mut buf), Ok(n) if n > 0) {}
}
