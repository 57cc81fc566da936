//! Reading a connection: lines and literals with bounded memory, an idle timeout, and
//! optionally a deadline for the whole conversation (the pre-auth role's AUTH_TIMEOUT).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use zeroize::Zeroize;

/// Why no more input can be had; each ends the session.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("connection closed by the client")]
    Eof,
    #[error("client idle too long")]
    Timeout,
    #[error("time limit reached")]
    Deadline,
    #[error("read failed: {0}")]
    Os(Errno),
}

impl ReadError {
    /// The same failure as an I/O error, for code that reports those; [`from_io`]
    /// (Self::from_io) takes it out again.
    pub fn into_io(self) -> std::io::Error {
        let kind = match &self {
            ReadError::Eof => std::io::ErrorKind::UnexpectedEof,
            ReadError::Timeout | ReadError::Deadline => std::io::ErrorKind::TimedOut,
            ReadError::Os(e) => std::io::Error::from(*e).kind(),
        };
        std::io::Error::new(kind, self)
    }

    /// The read failure inside `e`, if it is one made by [`into_io`](Self::into_io).
    pub fn from_io(e: std::io::Error) -> Result<ReadError, std::io::Error> {
        e.downcast::<ReadError>()
    }
}

impl AsFd for Input {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// What [`Input::read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The whole line, LF included, was appended.
    Complete,
    /// The line was longer than allowed and has been read and thrown away; `tail` keeps its
    /// last bytes (without CRLF) so a literal announced at its end can still be skipped.
    TooLong { tail: Vec<u8> },
}

const TAIL: usize = 24;

pub struct Input {
    fd: OwnedFd,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    readahead: bool,
    /// Without read-ahead, whether the descriptor is a socket whose waiting bytes can be
    /// looked at before they are taken (`MSG_PEEK`); a pipe is read one byte at a time.
    peek: bool,
    timeout: Duration,
    deadline: Option<Instant>,
    count: u64,
}

impl Input {
    /// `readahead: false` never takes from the descriptor anything past the current line or
    /// literal: the pre-auth role hands the descriptor to another program (or to TLS) right
    /// after a command, and read-ahead would be lost. On a socket a line is then found by
    /// peeking at what has arrived and taking it up to its LF; elsewhere it is read one byte
    /// at a time (two system calls a byte).
    pub fn new(fd: OwnedFd, timeout: Duration, readahead: bool) -> Input {
        Input {
            fd,
            buf: vec![0; if readahead { 16384 } else { 512 }],
            start: 0,
            end: 0,
            readahead,
            peek: !readahead,
            timeout,
            deadline: None,
            count: 0,
        }
    }

    /// From `at` on, every read fails with [`ReadError::Deadline`], however lively the peer:
    /// a client trickling a byte now and then must not hold the process for days.
    pub fn set_deadline(&mut self, at: Instant) {
        self.deadline = Some(at);
    }

    /// The descriptor, for handing the connection to another program.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Whether bytes already read wait to be used (then there is no need to poll).
    pub fn has_buffered(&self) -> bool {
        self.start < self.end
    }

    /// Whether a whole line already read waits to be used: the next command's first line
    /// can then be had without waiting for the client.
    pub fn has_line(&self) -> bool {
        memchr::memchr(b'\n', &self.buf[self.start..self.end]).is_some()
    }

    /// Total bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.count
    }

    /// Throws away bytes already read but not yet used (after STARTTLS: commands pipelined
    /// behind it must never run inside TLS).
    pub fn discard_buffered(&mut self) {
        // Zero the bytes, keep the buffer: `Vec::zeroize` would also empty it.
        self.buf.as_mut_slice().zeroize();
        self.start = 0;
        self.end = 0;
    }

    /// Zeroes every byte of the buffer except those read but not yet used: a password
    /// literal passes through it, and must not stay there once it has been handed on.
    pub fn wipe_used(&mut self) {
        let (start, end) = (self.start, self.end);
        self.buf[..start].zeroize();
        self.buf[end..].zeroize();
    }

    /// Switches to another descriptor (the TLS side of UCSPI-TLS), dropping any read-ahead.
    /// Returns the old one, which the caller keeps open: closing descriptor 0 would let the
    /// next new descriptor take its number.
    pub fn replace_fd(&mut self, fd: OwnedFd) -> OwnedFd {
        self.discard_buffered();
        std::mem::replace(&mut self.fd, fd)
    }

    /// Reads what has arrived: as much as fits, but without read-ahead at most `want` bytes
    /// and, for a `line`, nothing past its LF.
    fn fill(&mut self, want: usize, line: bool) -> Result<(), ReadError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        let room = if self.readahead {
            self.buf.len() - self.end
        } else {
            want.min(self.buf.len() - self.end)
        };
        loop {
            let mut wait = self.timeout;
            let mut expired = ReadError::Timeout;
            if let Some(at) = self.deadline {
                let left = at.saturating_duration_since(Instant::now());
                // Checked before polling: a peer streaming without pause must not outlive it.
                if left.is_zero() {
                    return Err(ReadError::Deadline);
                }
                if left <= wait {
                    wait = left;
                    expired = ReadError::Deadline;
                }
            }
            let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
                tv_sec: 3600,
                tv_nsec: 0,
            });
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => return Err(expired),
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(e) => return Err(ReadError::Os(e)),
            }
            let end = self.end;
            let mut take = room;
            if self.peek && line {
                match rustix::net::recv(
                    &self.fd,
                    &mut self.buf[end..end + room],
                    rustix::net::RecvFlags::PEEK,
                ) {
                    Ok((_, 0)) => return Err(ReadError::Eof),
                    Ok((_, n)) => {
                        let seen = &self.buf[end..end + n.min(room)];
                        take = memchr::memchr(b'\n', seen).map_or(seen.len(), |i| i + 1);
                    }
                    Err(Errno::NOTSOCK) => {
                        self.peek = false;
                        take = 1;
                    }
                    Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
                    Err(Errno::CONNRESET) => return Err(ReadError::Eof),
                    Err(e) => return Err(ReadError::Os(e)),
                }
            } else if !self.readahead && line {
                take = 1;
            }
            match rustix::io::read(&self.fd, &mut self.buf[end..end + take]) {
                Ok(0) => return Err(ReadError::Eof),
                Ok(n) => {
                    self.end += n;
                    self.count += n as u64;
                    return Ok(());
                }
                Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
                Err(Errno::CONNRESET) => return Err(ReadError::Eof),
                Err(e) => return Err(ReadError::Os(e)),
            }
        }
    }

    /// Appends one line, LF included, to `line`, which must not grow past `max` bytes.
    /// A longer line is consumed and dropped, never held in memory.
    pub fn read_line(&mut self, line: &mut Vec<u8>, max: usize) -> Result<Line, ReadError> {
        let mut tail: Option<Vec<u8>> = None;
        loop {
            if self.start == self.end {
                self.fill(usize::MAX, true)?;
            }
            let avail = &self.buf[self.start..self.end];
            let (chunk, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..=i], true),
                None => (avail, false),
            };
            let taken = chunk.len();
            match tail.as_mut() {
                None if line.len() + taken <= max => line.extend_from_slice(chunk),
                None => {
                    let mut t = std::mem::take(line);
                    t.extend_from_slice(chunk);
                    keep_tail(&mut t);
                    tail = Some(t);
                }
                Some(t) => {
                    t.extend_from_slice(chunk);
                    keep_tail(t);
                }
            }
            self.start += taken;
            if done {
                return Ok(match tail {
                    None => Line::Complete,
                    Some(mut t) => {
                        while matches!(t.last(), Some(b'\n' | b'\r')) {
                            t.pop();
                        }
                        Line::TooLong { tail: t }
                    }
                });
            }
        }
    }

    /// Reads exactly `n` bytes onto the end of `out`.
    pub fn read_exact(&mut self, out: &mut Vec<u8>, mut n: usize) -> Result<(), ReadError> {
        while n > 0 {
            if self.start == self.end {
                self.fill(n, false)?;
            }
            let take = n.min(self.end - self.start);
            out.extend_from_slice(&self.buf[self.start..self.start + take]);
            self.start += take;
            n -= take;
        }
        Ok(())
    }

    /// Copies exactly `n` bytes to `w`. Should `w` fail (a full disk, say), the rest is
    /// still read, so that the connection stays in step, and the error is returned.
    pub fn copy_to(
        &mut self,
        w: &mut impl std::io::Write,
        mut n: u64,
    ) -> Result<Option<std::io::Error>, ReadError> {
        let mut failed = None;
        while n > 0 {
            if self.start == self.end {
                self.fill(n.min(usize::MAX as u64) as usize, false)?;
            }
            let take = n.min((self.end - self.start) as u64) as usize;
            if failed.is_none() {
                if let Err(e) = w.write_all(&self.buf[self.start..self.start + take]) {
                    failed = Some(e);
                }
            }
            self.start += take;
            n -= take as u64;
        }
        Ok(failed)
    }

    /// Reads and drops `n` bytes (a literal that was refused but is on its way anyway).
    pub fn discard(&mut self, mut n: u64) -> Result<(), ReadError> {
        while n > 0 {
            if self.start == self.end {
                self.fill(n.min(usize::MAX as u64) as usize, false)?;
            }
            let take = n.min((self.end - self.start) as u64) as usize;
            self.start += take;
            n -= take as u64;
        }
        Ok(())
    }
}

/// Keeps the last few bytes of an over-long line, enough to see a `{n+}` at its end.
fn keep_tail(t: &mut Vec<u8>) {
    if t.len() > TAIL {
        let cut = t.len() - TAIL;
        t.drain(..cut);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        // The pre-auth role reads passwords through this buffer.
        self.buf.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// An input reading `data` from a pipe; the writer is returned to keep the pipe open.
    fn input_of(data: &[u8], readahead: bool) -> (Input, OwnedFd) {
        let (r, w) = rustix::pipe::pipe().unwrap();
        assert_eq!(rustix::io::write(&w, data).unwrap(), data.len());
        (Input::new(r, Duration::from_secs(5), readahead), w)
    }

    /// An input reading `data` from a UNIX socket; the other end is returned.
    fn socket_input_of(data: &[u8], readahead: bool) -> (Input, OwnedFd) {
        use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
        let (ours, theirs) = socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        assert_eq!(rustix::io::write(&theirs, data).unwrap(), data.len());
        (Input::new(ours, Duration::from_secs(5), readahead), theirs)
    }

    #[test]
    fn wipe_used_clears_a_password_literal_and_keeps_unread_bytes() {
        for (readahead, socket) in [(false, false), (true, false), (false, true)] {
            let data = b"a LOGIN joe {9}\r\nhunter2xy\r\nb NOOP\r\n";
            let (mut input, _w) = if socket {
                socket_input_of(data, readahead)
            } else {
                input_of(data, readahead)
            };
            let mut line = Vec::new();
            input.read_line(&mut line, 100).unwrap();
            let mut literal = Vec::new();
            input.read_exact(&mut literal, 9).unwrap();
            assert_eq!(literal, b"hunter2xy");
            line.clear();
            input.read_line(&mut line, 100).unwrap();
            assert!(
                has(&input.buf, b"unter2xy"),
                "the literal passed through the buffer"
            );
            input.wipe_used();
            assert!(!has(&input.buf, b"unter2xy"), "readahead {readahead}");
            line.clear();
            input.read_line(&mut line, 100).unwrap();
            assert_eq!(line, b"b NOOP\r\n", "readahead {readahead}");
        }
    }

    #[test]
    fn without_readahead_a_socket_gives_up_nothing_past_the_line_or_literal() {
        let (mut input, _theirs) =
            socket_input_of(b"a LOGIN joe {3}\r\nabc\r\nb STARTTLS\r\nafter", false);
        let mut line = Vec::new();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"a LOGIN joe {3}\r\n");
        let mut literal = Vec::new();
        input.read_exact(&mut literal, 3).unwrap();
        assert_eq!(literal, b"abc");
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"\r\n");
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"b STARTTLS\r\n");
        assert!(!input.has_buffered());
        // What follows is still on the descriptor, for whoever takes it over.
        let mut rest = [0u8; 16];
        let n = rustix::io::read(input.fd(), &mut rest).unwrap();
        assert_eq!(&rest[..n], b"after");
    }

    #[test]
    fn deadline_ends_a_trickle_that_the_idle_timeout_would_allow() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut input = Input::new(r, Duration::from_secs(5), false);
        input.set_deadline(Instant::now() + Duration::from_millis(300));
        let trickle = std::thread::spawn(move || {
            for _ in 0..100 {
                if rustix::io::write(&w, b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut line = Vec::new();
        assert!(matches!(
            input.read_line(&mut line, 8192),
            Err(ReadError::Deadline)
        ));
        assert!(!line.is_empty(), "bytes did arrive before the deadline");
        drop(input);
        trickle.join().unwrap();
    }

    #[test]
    fn deadline_ends_a_stream_without_pause() {
        // Bytes are always ready: the deadline must be checked before waiting for more.
        let (mut input, _w) = input_of(&[b'x'; 4096], false);
        input.set_deadline(Instant::now());
        let mut line = Vec::new();
        assert!(matches!(
            input.read_line(&mut line, 8192),
            Err(ReadError::Deadline)
        ));
    }
}
