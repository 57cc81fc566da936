//! Reading a connection: lines and literals with bounded memory, an idle timeout, and
//! optionally a deadline for the whole conversation (the pre-auth role's AUTH_TIMEOUT).
//! After COMPRESS (RFC 4978) the bytes read are inflated into the same buffer.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use zeroize::Zeroize;

use super::deflate::Inflate;

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
    #[error("compressed input is corrupt")]
    Corrupt,
}

impl ReadError {
    /// The same failure as an I/O error, for code that reports those; [`from_io`]
    /// (Self::from_io) takes it out again.
    pub fn into_io(self) -> std::io::Error {
        let kind = match &self {
            ReadError::Eof => std::io::ErrorKind::UnexpectedEof,
            ReadError::Timeout | ReadError::Deadline => std::io::ErrorKind::TimedOut,
            ReadError::Os(e) => std::io::Error::from(*e).kind(),
            ReadError::Corrupt => std::io::ErrorKind::InvalidData,
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
    /// The line was longer than allowed and has been read to its end; the caller's buffer
    /// holds its first bytes, as many as were allowed, and `tail` its last bytes (without
    /// CRLF) so a literal announced at its end can still be skipped.
    TooLong { tail: Vec<u8> },
}

const TAIL: usize = 24;

/// Without read-ahead, the most bytes of a line looked at, then taken, at once: a whole
/// pre-auth line (`src/login/dialogue.rs`), so that it costs one look and one read.
const WINDOW: usize = 65536;

/// Without read-ahead, how the bytes waiting on the descriptor are looked at before any is
/// taken, so that a line is taken whole and nothing past its LF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    /// Not tried yet on this descriptor.
    Unknown,
    /// A socket: `recv(MSG_PEEK)`.
    Peek,
    /// A pipe: `tee(2)` copies its bytes into our own pipe without taking them.
    Tee,
    /// Neither (a terminal, a file): one byte per read(2).
    Bytes,
}

pub struct Input {
    fd: OwnedFd,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    readahead: bool,
    look: Look,
    /// Both ends of the pipe `tee(2)` copies into, made with the input: the pre-auth role
    /// can make no descriptor once it is sandboxed.
    scratch: Option<(OwnedFd, OwnedFd)>,
    timeout: Duration,
    deadline: Option<Instant>,
    count: u64,
    /// Set by COMPRESS: what is read is inflated into `buf`.
    inflate: Option<Inflate>,
}

impl Input {
    /// `readahead: false` never takes from the descriptor anything past the current line or
    /// literal: the pre-auth role hands the descriptor to another program (or to TLS) right
    /// after a command, and read-ahead would be lost. A line is then found by looking at
    /// what has arrived (`MSG_PEEK` on a socket, `tee(2)` on a pipe) and taking it up to its
    /// LF, up to [`WINDOW`] bytes at a time; where neither works it is read one byte at a
    /// time (two system calls a byte).
    pub fn new(fd: OwnedFd, timeout: Duration, readahead: bool) -> Input {
        let scratch = if readahead {
            None
        } else {
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ok()
        };
        Input {
            fd,
            buf: vec![0; if readahead { 16384 } else { WINDOW }],
            start: 0,
            end: 0,
            readahead,
            look: Look::Unknown,
            scratch,
            timeout,
            deadline: None,
            count: 0,
            inflate: None,
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

    /// Whether bytes already read wait to be used (then there is no need to poll). Under
    /// COMPRESS, compressed bytes already read are inflated first (the socket is not read):
    /// they may hold the next command, or nothing the client can be waiting on.
    pub fn has_buffered(&mut self) -> bool {
        if self.start == self.end && self.inflate.as_ref().is_some_and(Inflate::waiting) {
            self.start = 0;
            self.end = 0;
            if self.inflate_waiting(self.buf.len()).is_err() {
                // The next read reports it.
                return true;
            }
        }
        self.start < self.end
    }

    /// From now on everything read is inflated (RFC 4978 section 3: the client compresses
    /// from the first byte after COMPRESS's tagged OK); bytes already read are the first.
    pub fn start_inflate(&mut self) {
        self.inflate = Some(Inflate::new(&self.buf[self.start..self.end]));
        self.start = 0;
        self.end = 0;
    }

    /// Whether [`start_inflate`](Self::start_inflate) was called.
    pub fn inflating(&self) -> bool {
        self.inflate.is_some()
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
        self.look = Look::Unknown;
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
        if self.inflate.is_some() {
            return self.fill_inflated(room);
        }
        loop {
            self.wait()?;
            let end = self.end;
            let mut take = room;
            if !self.readahead && line {
                match self.look_at(room)? {
                    Some(n) => take = n,
                    None => continue,
                }
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

    /// Waits until the descriptor can be read, at most the idle timeout and never past the
    /// deadline.
    fn wait(&self) -> Result<(), ReadError> {
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
                Ok(_) => return Ok(()),
                Err(Errno::INTR) => {}
                Err(e) => return Err(ReadError::Os(e)),
            }
        }
    }

    /// Under COMPRESS: inflates at most `room` bytes into the buffer, reading compressed
    /// bytes while none wait. However much a few compressed bytes would make, no more than
    /// `room` is made at once: the limits of the lines and literals made of them hold.
    fn fill_inflated(&mut self, room: usize) -> Result<(), ReadError> {
        loop {
            if self.inflate_waiting(room)? {
                return Ok(());
            }
            self.wait()?;
            let Some(z) = self.inflate.as_mut() else {
                return Ok(());
            };
            match rustix::io::read(&self.fd, z.space()) {
                Ok(0) => return Err(ReadError::Eof),
                Ok(n) => {
                    z.filled(n);
                    self.count += n as u64;
                }
                Err(Errno::INTR) | Err(Errno::AGAIN) => {}
                Err(Errno::CONNRESET) => return Err(ReadError::Eof),
                Err(e) => return Err(ReadError::Os(e)),
            }
        }
    }

    /// Inflates compressed bytes already read, at most `room`, onto the end of the buffer;
    /// whether any were made.
    fn inflate_waiting(&mut self, room: usize) -> Result<bool, ReadError> {
        let Some(z) = self.inflate.as_mut() else {
            return Ok(false);
        };
        let end = self.end;
        let n = z
            .inflate(&mut self.buf[end..end + room])
            .map_err(|_| ReadError::Corrupt)?;
        self.end += n;
        Ok(n > 0)
    }

    /// Looks at up to `room` bytes waiting on the descriptor without taking them; returns
    /// how many to take so as to end at the first LF among them (all of them if none is),
    /// or `None` to wait again.
    fn look_at(&mut self, room: usize) -> Result<Option<usize>, ReadError> {
        let end = self.end;
        let up_to_lf = |seen: &[u8]| memchr::memchr(b'\n', seen).map_or(seen.len(), |i| i + 1);
        loop {
            match self.look {
                Look::Unknown | Look::Peek => {
                    match rustix::net::recv(
                        &self.fd,
                        &mut self.buf[end..end + room],
                        rustix::net::RecvFlags::PEEK,
                    ) {
                        Ok((_, 0)) => return Err(ReadError::Eof),
                        Ok((_, n)) => {
                            self.look = Look::Peek;
                            return Ok(Some(up_to_lf(&self.buf[end..end + n.min(room)])));
                        }
                        Err(Errno::NOTSOCK) => {
                            self.look = if self.scratch.is_some() {
                                Look::Tee
                            } else {
                                Look::Bytes
                            };
                        }
                        Err(Errno::INTR) | Err(Errno::AGAIN) => return Ok(None),
                        Err(Errno::CONNRESET) => return Err(ReadError::Eof),
                        Err(e) => return Err(ReadError::Os(e)),
                    }
                }
                Look::Tee => {
                    let Some((from, to)) = &self.scratch else {
                        self.look = Look::Bytes;
                        continue;
                    };
                    let flags = rustix::pipe::SpliceFlags::NONBLOCK;
                    match rustix::pipe::tee(&self.fd, to, room, flags) {
                        // Nothing to copy although poll(2) said readable: the end of input,
                        // which the read of one byte then reports.
                        Ok(0) => return Ok(Some(1)),
                        Ok(n) => {
                            // Our pipe holds exactly these n bytes; all of them are taken out
                            // again, so it is empty for the next look.
                            let mut got = 0;
                            while got < n {
                                match rustix::io::read(from, &mut self.buf[end + got..end + n]) {
                                    Ok(0) => return Err(ReadError::Os(Errno::IO)),
                                    Ok(k) => got += k,
                                    Err(Errno::INTR) => {}
                                    Err(e) => return Err(ReadError::Os(e)),
                                }
                            }
                            return Ok(Some(up_to_lf(&self.buf[end..end + n])));
                        }
                        Err(Errno::INVAL) => self.look = Look::Bytes,
                        Err(Errno::INTR) | Err(Errno::AGAIN) => return Ok(None),
                        Err(e) => return Err(ReadError::Os(e)),
                    }
                }
                Look::Bytes => return Ok(Some(1)),
            }
        }
    }

    /// Appends one line, LF included, to `line`, which must not grow past `max` bytes.
    /// A longer line is consumed to its end, but only its first `max` bytes are kept in
    /// `line` (the tag is there) and its last few in [`Line::TooLong`].
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
                    let mut t = line[line.len().saturating_sub(TAIL)..].to_vec();
                    t.extend_from_slice(chunk);
                    keep_tail(&mut t);
                    tail = Some(t);
                    let head = max.saturating_sub(line.len());
                    line.extend_from_slice(&chunk[..head]);
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
    fn without_readahead_a_pipe_gives_up_nothing_past_the_line_and_keeps_the_head() {
        let mut data = b"a LOGIN joe {3}\r\nabc\r\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 40_000));
        data.extend_from_slice(b" {2+}\r\nb STARTTLS\r\nafter");
        let (r, w) = rustix::pipe::pipe().unwrap();
        let writer = std::thread::spawn(move || {
            let mut rest = &data[..];
            while !rest.is_empty() {
                rest = &rest[rustix::io::write(&w, rest).unwrap()..];
            }
            w
        });
        let mut input = Input::new(r, Duration::from_secs(5), false);
        let mut line = Vec::new();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"a LOGIN joe {3}\r\n");
        assert_eq!(input.look, Look::Tee);
        let mut literal = Vec::new();
        input.read_exact(&mut literal, 3).unwrap();
        assert_eq!(literal, b"abc");
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"\r\n");
        line.clear();
        // 40,000 bytes over a limit of 100: the first 100 kept, the last few as the tail.
        match input.read_line(&mut line, 100).unwrap() {
            Line::TooLong { tail } => assert!(tail.ends_with(b"x {2+}"), "{tail:?}"),
            Line::Complete => panic!("not too long"),
        }
        assert_eq!(line, [b'x'; 100]);
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"b STARTTLS\r\n");
        assert!(!input.has_buffered());
        let w = writer.join().unwrap();
        drop(w);
        let mut rest = [0u8; 16];
        let n = rustix::io::read(input.fd(), &mut rest).unwrap();
        assert_eq!(&rest[..n], b"after");
    }

    /// `data` as a client under COMPRESS sends it: raw DEFLATE, sync-flushed.
    fn deflated(data: &[u8]) -> Vec<u8> {
        use flate2::{Compress, Compression, FlushCompress};
        let mut c = Compress::new(Compression::default(), false);
        let mut out = Vec::with_capacity(data.len() + 64);
        c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        out
    }

    #[test]
    fn after_start_inflate_lines_and_literals_are_read_inflated() {
        // RFC 4978 section 3: everything after the COMPRESS line is compressed, also what
        // was already read with it.
        let mut data = b"a COMPRESS DEFLATE\r\n".to_vec();
        data.extend(deflated(b"b LOGIN {3}\r\nabc\r\n"));
        let (mut input, theirs) = socket_input_of(&data, true);
        let mut line = Vec::new();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"a COMPRESS DEFLATE\r\n");
        input.start_inflate();
        assert!(
            input.has_buffered(),
            "inflated without waiting (IDLE asks this)"
        );
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"b LOGIN {3}\r\n");
        let mut literal = Vec::new();
        input.read_exact(&mut literal, 3).unwrap();
        assert_eq!(literal, b"abc");
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"\r\n");
        assert!(!input.has_buffered());
        let more = deflated(b"c NOOP\r\n");
        assert_eq!(rustix::io::write(&theirs, &more).unwrap(), more.len());
        line.clear();
        input.read_line(&mut line, 100).unwrap();
        assert_eq!(line, b"c NOOP\r\n");
    }

    #[test]
    fn a_compressed_bomb_is_held_to_the_line_limit() {
        // 50 MB of 'x' in a line, about 50 KB compressed: read to its end, never held.
        let mut plain = b"a ".to_vec();
        plain.extend(std::iter::repeat_n(b'x', 50 << 20));
        plain.extend_from_slice(b"\r\nb NOOP\r\n");
        let wire = deflated(&plain);
        drop(plain);
        let (r, w) = rustix::pipe::pipe().unwrap();
        let writer = std::thread::spawn(move || {
            let mut rest = &wire[..];
            while !rest.is_empty() {
                rest = &rest[rustix::io::write(&w, rest).unwrap()..];
            }
            w
        });
        let mut input = Input::new(r, Duration::from_secs(5), true);
        input.start_inflate();
        let mut line = Vec::new();
        assert!(matches!(
            input.read_line(&mut line, 1000).unwrap(),
            Line::TooLong { .. }
        ));
        assert_eq!(line.len(), 1000);
        assert_eq!(input.buf.len(), 16384, "the buffer did not grow");
        line.clear();
        input.read_line(&mut line, 1000).unwrap();
        assert_eq!(line, b"b NOOP\r\n");
        drop(writer.join().unwrap());
    }

    #[test]
    fn corrupt_compressed_input_is_a_read_error() {
        let (mut input, _w) = input_of(b"\xff\xfe garbage\r\n", true);
        input.start_inflate();
        let mut line = Vec::new();
        assert!(matches!(
            input.read_line(&mut line, 100),
            Err(ReadError::Corrupt)
        ));
        assert!(input.has_buffered(), "a read is needed to report it");
        assert!(matches!(
            input.read_line(&mut line, 100),
            Err(ReadError::Corrupt)
        ));
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
