//! The IMAP wire format: bytes in, commands out; responses in, bytes out.
//!
//! [`Input`] reads lines and literals from a descriptor with an idle timeout and hard size
//! limits; [`Parser`] pulls one command's tokens from it (sending the `+` continuation for a
//! synchronizing literal only when the literal fits); [`Output`] buffers responses and writes
//! them with a timeout; [`Response`] is a status response and the one writer of one;
//! [`quote`] picks atom, quoted string or literal for a string; after COMPRESS both
//! directions go through `deflate`. Nothing here knows what a command means.

pub mod command;
pub mod datetime;
mod deflate;
mod disconnect;
mod input;
mod output;
mod parser;
pub mod quote;
mod response;
mod sequence;

pub use disconnect::{Disconnect, WriteFailed};
pub use input::{Input, Line, ReadError};
pub use output::Output;
pub use parser::{Limits, ParseError, Parser, Rest};
pub use response::{Code, Response, Status};
pub use sequence::{format_uids, Ranges, SeqNumber, SequenceSet};

/// Both directions of one connection.
pub struct Conn {
    pub input: Input,
    pub output: Output,
}

impl Conn {
    /// Turns COMPRESS=DEFLATE (RFC 4978) on in both directions, after writing out what is
    /// buffered (the tagged OK, which goes uncompressed).
    pub fn start_compression(&mut self) -> Result<(), Disconnect> {
        self.flush()?;
        self.output.start_deflate();
        self.input.start_inflate();
        Ok(())
    }

    /// A connection that reads `data` (at most 60000 bytes, what one pipe buffer holds) and
    /// writes to /dev/null: what the fuzz targets feed the command readers through.
    pub fn scratch(data: &[u8]) -> Option<Conn> {
        let data = &data[..data.len().min(60000)];
        let (read_end, write_end) = rustix::pipe::pipe().ok()?;
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .ok()?;
        let mut rest = data;
        while let Ok(n @ 1..) = rustix::io::write(&write_end, rest) {
            rest = &rest[n..];
        }
        drop(write_end);
        let second = std::time::Duration::from_secs(1);
        Some(Conn {
            // Read-ahead only changes how many bytes one read(2) takes; it keeps fuzzing fast.
            input: Input::new(read_end, second, true),
            output: Output::new(std::os::fd::OwnedFd::from(null), second),
        })
    }
}
