//! Writing a connection: a buffer, and a write timeout so that a client that stops reading
//! cannot hold the process forever. After COMPRESS (RFC 4978) what is written is deflated,
//! and each flush ends with a sync flush, so that the client gets every response whole as
//! soon as it is flushed (IDLE's updates, the answers to pipelined commands).
//!
//! Nagle's algorithm is turned off on a TCP connection: the buffer already gathers whole
//! responses, and with Nagle on, the tail of a flush waits for the client's ACK of the data
//! before it, which a client busy reading pipelined responses delays by 40 ms.

use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
use rustix::io::Errno;

use super::deflate::Deflate;

const FLUSH_AT: usize = 65536;

pub struct Output {
    fd: OwnedFd,
    buf: Vec<u8>,
    timeout: Duration,
    count: u64,
    /// A write to the descriptor has failed: the connection is lost.
    failed: bool,
    /// Set by COMPRESS.
    deflate: Option<Deflate>,
}

impl Output {
    /// Puts the descriptor in non-blocking mode: a blocking write of more than the socket
    /// buffer holds would wait past any timeout. Turns Nagle off when it is a TCP socket.
    pub fn new(fd: OwnedFd, timeout: Duration) -> Output {
        // Fails on a pipe or a UNIX socket, which have no Nagle to turn off.
        let _ = rustix::net::sockopt::set_tcp_nodelay(&fd, true);
        let out = Output {
            fd,
            buf: Vec::with_capacity(4096),
            timeout,
            count: 0,
            failed: false,
            deflate: None,
        };
        out.set_nonblocking(true);
        out
    }

    /// Blocking mode is restored before the descriptor is handed to another program, which
    /// may not expect `EAGAIN`.
    pub fn set_nonblocking(&self, on: bool) {
        if let Ok(flags) = fcntl_getfl(&self.fd) {
            let flags = if on {
                flags | OFlags::NONBLOCK
            } else {
                flags - OFlags::NONBLOCK
            };
            let _ = fcntl_setfl(&self.fd, flags);
        }
    }

    /// Switches to another descriptor (the TLS side of UCSPI-TLS). Flush first. Returns the
    /// old one, which the caller keeps open (see [`Input::replace_fd`](super::Input::replace_fd)).
    pub fn replace_fd(&mut self, fd: OwnedFd) -> OwnedFd {
        let old = std::mem::replace(&mut self.fd, fd);
        self.set_nonblocking(true);
        old
    }

    /// The descriptor, for handing the connection to another program.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Total bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.count
    }

    /// From now on everything written is deflated, also what is buffered: flush first what
    /// must reach the client uncompressed (COMPRESS's tagged OK).
    pub fn start_deflate(&mut self) {
        self.deflate = Some(Deflate::new());
    }

    /// Whether a write to the descriptor has failed. Only such a failure means the
    /// connection is lost; any other error that reaches the session loop is a bug.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Writes out the buffer; `sync` when the client must be able to read all of it now.
    fn write_all_now(&mut self, sync: bool) -> io::Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let written = self.write_out(&buf, sync);
        self.buf = buf;
        self.buf.clear();
        written
    }

    /// Lets `f` add to the buffer directly, then flushes if it passed the flush size: for
    /// a caller that makes many small pieces (a message's lines and their CR LF), where a
    /// call of [`write_all`](Write::write_all) for each cost more than copying the piece.
    pub fn append(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        f(&mut self.buf);
        if self.buf.len() >= FLUSH_AT {
            self.write_all_now(false)?;
        }
        Ok(())
    }

    /// Writes all of `data` to the descriptor, deflated under COMPRESS, and remembers when
    /// that failed.
    fn write_out(&mut self, data: &[u8], sync: bool) -> io::Result<()> {
        let result = match self.deflate.take() {
            None => self.write_fd(data),
            Some(mut z) => {
                let result = z.compress(data, sync, |out| self.write_fd(out));
                self.deflate = Some(z);
                result
            }
        };
        self.failed |= result.is_err();
        result
    }

    /// Writes all of `data` to the descriptor, waiting at most the timeout each time it
    /// takes nothing. The write is tried first and poll(2) only waits after one that took
    /// nothing: a response usually fits in the socket buffer, and a poll before each write
    /// was a system call more for each command.
    fn write_fd(&mut self, data: &[u8]) -> io::Result<()> {
        let mut done = 0;
        while done < data.len() {
            match rustix::io::write(&self.fd, &data[done..]) {
                Ok(n) => {
                    done += n;
                    self.count += n as u64;
                    continue;
                }
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => {}
                Err(e) => return Err(e.into()),
            }
            let timeout = Timespec::try_from(self.timeout).unwrap_or(Timespec {
                tv_sec: 3600,
                tv_nsec: 0,
            });
            let mut fds = [PollFd::new(&self.fd, PollFlags::OUT)];
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "client not reading",
                    ))
                }
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.len() >= FLUSH_AT {
            // A body section or a decoded part: written from where it is, not copied, so
            // that a large message is held once less.
            self.write_all_now(false)?;
            self.write_out(data, false)?;
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= FLUSH_AT {
            self.write_all_now(false)?;
        }
        Ok(data.len())
    }

    /// As `write`, which always takes all: without the default's loop around it (a FETCH
    /// makes a dozen small writes for each message).
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write(data).map(|_| ())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_all_now(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn remembers_that_the_connection_failed() {
        let (read_end, write_end) = rustix::pipe::pipe().unwrap();
        let mut out = Output::new(write_end, Duration::from_secs(1));
        out.write_all(b"* OK\r\n")
            .and_then(|_| out.flush())
            .unwrap();
        assert!(!out.failed(), "an error elsewhere is not the connection's");
        drop(read_end);
        assert!(out
            .write_all(b"* OK\r\n")
            .and_then(|_| out.flush())
            .is_err());
        assert!(out.failed());
    }

    #[test]
    fn under_compress_each_flush_can_be_inflated_whole() {
        // RFC 4978 section 3: the client inflates what each flush sent, without waiting
        // for more; pieces past the flush size and a large body in between keep their order.
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut out = Output::new(w, Duration::from_secs(10));
        out.write_all(b"a OK DEFLATE active\r\n").unwrap();
        out.flush().unwrap();
        out.start_deflate();
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let small: Vec<u8> = (0..5000)
            .flat_map(|i| format!("* {i} EXISTS\r\n").into_bytes())
            .collect();
        out.write_all(&small).unwrap();
        out.write_all(&big).unwrap();
        out.write_all(b"b OK done\r\n").unwrap();
        out.flush().unwrap();
        let sent = out.bytes_written();
        out.flush().unwrap();
        assert_eq!(out.bytes_written(), sent, "an empty flush sends nothing");
        let mut r = std::fs::File::from(r);
        let mut wire = vec![0u8; sent as usize];
        r.read_exact(&mut wire).unwrap();
        assert!(
            wire.starts_with(b"a OK DEFLATE active\r\n"),
            "the OK uncompressed"
        );
        let mut d = flate2::Decompress::new(false);
        let mut got = Vec::with_capacity(1 << 20);
        d.decompress_vec(&wire[21..], &mut got, flate2::FlushDecompress::Sync)
            .unwrap();
        let want = [&small[..], &big, b"b OK done\r\n"].concat();
        assert!(
            got == want,
            "{} bytes inflated, {} written",
            got.len(),
            want.len()
        );
    }

    #[test]
    fn large_writes_keep_their_place() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            std::fs::File::from(r).read_to_end(&mut all).unwrap();
            all
        });
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = Output::new(w, std::time::Duration::from_secs(10));
        out.write_all(b"* 1 FETCH (BODY[1] {200000}\r\n").unwrap();
        out.write_all(&big).unwrap();
        out.write_all(b")\r\n").unwrap();
        out.flush().unwrap();
        drop(out);
        let want = [&b"* 1 FETCH (BODY[1] {200000}\r\n"[..], &big, b")\r\n"].concat();
        assert!(reader.join().unwrap() == want);
    }
}
