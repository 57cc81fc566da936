//! The IMAP commands of the authenticated and selected states, one file per family.
//! [`Command::parse`] turns the wire form into a value; [`execute`] runs it on a session.

pub mod id;
mod logout;
mod namespace;
mod noop;
mod select;

use std::io;

use crate::session::Session;
use crate::wire::{ParseError, Parser};

pub enum Command {
    Capability,
    Noop,
    Check,
    Logout,
    Id,
    Namespace,
    Select { mailbox: Vec<u8>, read_only: bool },
    Close,
    Unselect,
}

impl Command {
    /// Parses the arguments of command `name` (upper case).
    pub fn parse(name: &[u8], p: &mut Parser) -> Result<Command, ParseError> {
        Ok(match name {
            b"CAPABILITY" => Command::Capability,
            b"NOOP" => Command::Noop,
            b"CHECK" => Command::Check,
            b"LOGOUT" => Command::Logout,
            b"ID" => {
                p.sp()?;
                id::parse(p)?;
                Command::Id
            }
            b"NAMESPACE" => Command::Namespace,
            b"SELECT" | b"EXAMINE" => {
                p.sp()?;
                Command::Select {
                    mailbox: p.astring()?,
                    read_only: name == b"EXAMINE",
                }
            }
            b"CLOSE" => Command::Close,
            b"UNSELECT" => Command::Unselect,
            b"LOGIN" | b"AUTHENTICATE" | b"STARTTLS" => {
                return Err(ParseError::bad("Already logged in"))
            }
            _ => return Err(ParseError::bad("Unknown command")),
        })
    }
}

/// Runs a parsed command and writes its responses. `Err` means the connection failed.
pub fn execute(s: &mut Session, tag: &[u8], command: Command) -> io::Result<()> {
    match command {
        Command::Capability => {
            s.untagged(&format!("CAPABILITY {}", crate::capability::SERVE))?;
            s.tagged(tag, "OK CAPABILITY completed")
        }
        Command::Noop => noop::noop(s, tag, "NOOP"),
        Command::Check => noop::noop(s, tag, "CHECK"),
        Command::Logout => logout::logout(s, tag),
        Command::Id => {
            id::respond(&mut s.conn.output)?;
            s.tagged(tag, "OK ID completed")
        }
        Command::Namespace => namespace::namespace(s, tag),
        Command::Select { mailbox, read_only } => select::select(s, tag, &mailbox, read_only),
        Command::Close => select::close(s, tag),
        Command::Unselect => select::unselect(s, tag),
    }
}
