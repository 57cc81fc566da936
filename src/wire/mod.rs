//! The IMAP wire format: bytes in, commands out; responses in, bytes out.
//!
//! [`Input`] reads lines and literals from a descriptor with an idle timeout and hard size
//! limits; [`Parser`] pulls one command's tokens from it (sending the `+` continuation for a
//! synchronizing literal only when the literal fits); [`Output`] buffers responses and writes
//! them with a timeout; [`quote`] picks atom, quoted string or literal for a string. Nothing
//! here knows what a command means.

pub mod command;
pub mod datetime;
mod input;
mod output;
mod parser;
pub mod quote;
mod sequence;

pub use input::{Input, Line, ReadError};
pub use output::Output;
pub use parser::{Limits, ParseError, Parser};
pub use sequence::{format_uids, SeqNumber, SequenceSet};

/// Both directions of one connection.
pub struct Conn {
    pub input: Input,
    pub output: Output,
}
