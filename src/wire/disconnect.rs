//! Why a connection ends: reading from the client or writing to it failed. Only the
//! connection makes a [`Disconnect`] ([`Conn::send`], [`Conn::flush`], a [`ReadError`] of
//! [`Input`](super::Input), or [`Disconnect::check`], which asks the output whether it failed),
//! so an error a command meets in a file can never end the session: the command answers it
//! with `NO` and the session goes on.

use std::io::{self, Write};

use super::{Conn, Output, ReadError};

#[derive(Debug, thiserror::Error)]
pub enum Disconnect {
    /// End of input, a timeout or the deadline.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Write(WriteFailed),
    /// The client sent a non-synchronizing literal too large even to skip.
    #[error("literal too large to skip")]
    Overflow,
}

/// A failed write to the client; its field is private, so only this module makes one.
#[derive(Debug, thiserror::Error)]
#[error("write failed: {0}")]
pub struct WriteFailed(io::Error);

impl Disconnect {
    /// Sorts an error met while answering a command: `Err` when it is the connection's, a
    /// write to `out` (through any writer wrapping it) that failed or a read of the client
    /// ([`ReadError::into_io`], [`Disconnect::into_io`]); `Ok(e)` when it is another one, a
    /// file's. A writer that wraps the output cannot tell the two apart, so the output's own
    /// record decides.
    pub fn check(e: io::Error, out: &Output) -> Result<io::Error, Disconnect> {
        if out.failed() {
            return Err(Disconnect::Write(WriteFailed(e)));
        }
        let e = match ReadError::from_io(e) {
            Ok(read) => return Err(Disconnect::Read(read)),
            Err(e) => e,
        };
        match e.downcast::<Disconnect>() {
            Ok(lost) => Err(lost),
            Err(e) => Ok(e),
        }
    }

    /// The same failure as an I/O error, for code that returns those (a command that
    /// reads the client, as APPEND does); [`check`](Self::check) takes it out again.
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }
}

impl Conn {
    /// Writes `data` to the client (buffered).
    pub fn send(&mut self, data: &[u8]) -> Result<(), Disconnect> {
        self.output
            .write_all(data)
            .map_err(|e| Disconnect::Write(WriteFailed(e)))
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> Result<(), Disconnect> {
        self.output
            .flush()
            .map_err(|e| Disconnect::Write(WriteFailed(e)))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use super::{Disconnect, Output, ReadError};

    #[test]
    fn only_the_connection_disconnects() {
        let (read_end, write_end) = rustix::pipe::pipe().unwrap();
        let mut out = Output::new(write_end, Duration::from_secs(1));
        let file = std::fs::File::open("/nonexistent/imapd").unwrap_err();
        assert!(Disconnect::check(file, &out).is_ok(), "a file's error");
        let read = ReadError::Timeout.into_io();
        assert!(matches!(
            Disconnect::check(read, &out),
            Err(Disconnect::Read(ReadError::Timeout))
        ));
        let lost = Disconnect::Read(ReadError::Eof).into_io();
        assert!(matches!(
            Disconnect::check(lost, &out),
            Err(Disconnect::Read(ReadError::Eof))
        ));
        drop(read_end);
        let lost = out.write_all(b"* OK\r\n").and_then(|_| out.flush());
        assert!(matches!(
            Disconnect::check(lost.unwrap_err(), &out),
            Err(Disconnect::Write(_))
        ));
    }
}
