//! The post-authentication role, `imapd serve [MAILDIR]`: runs as the user the checker set
//! up, in `$HOME`, and serves the user's Maildir until LOGOUT, end of input or timeout.
//!
//! It answers the login role's tag (`IMAPLOGINTAG`) with the tagged OK, or greets with
//! PREAUTH when started directly (ssh, mutt's `tunnel`). From that point on it exits 0 however
//! the session ends: a non-zero status tells the login role the session never started.

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;

use crate::command::{self, Command, Context, Enabled, Namespace, Selected};
use crate::maildir;
use crate::settings;
use crate::wire::command::Read;
use crate::wire::{
    Code, Conn, Disconnect, Input, Limits, Output, Parser, ReadError, Response, Status,
};

const LIMITS: Limits = Limits {
    line: 65536,
    literal: 65536,
    command: 1 << 20,
    discard: u64::MAX,
};

mod fuzz;

pub use fuzz::fuzz_serve;

/// One session: what it lends each command ([`Session::context`]), and whether LOGOUT has
/// ended it.
struct Session {
    conn: Conn,
    /// The Maildir: INBOX, and the root of all folders.
    root: PathBuf,
    selected: Option<Selected>,
    /// The extensions the client enabled (RFC 5161).
    enabled: Enabled,
    /// Set by LOGOUT.
    done: bool,
    /// How long the client may stay silent (also while idling).
    timeout: std::time::Duration,
    /// Where the folders are shown (`IMAPD_NAMESPACE`).
    namespace: Namespace,
}

pub fn run(arg: Option<OsString>) -> u8 {
    if rustix::process::getuid().is_root() || rustix::process::geteuid().is_root() {
        eprintln!("imapd serve: refusing to run as root; run it through a checkpassword program that changes to the user");
        return 100;
    }
    let root = PathBuf::from(
        arg.or_else(|| std::env::var_os("MAILDIR"))
            .unwrap_or_else(|| OsString::from("MAILDIR.IMAP")),
    );
    if let Err(e) = maildir::ensure(&root) {
        crate::log!("cannot create Maildir: {e}");
        return 111;
    }
    // As Dovecot does at the start of a session: old leftovers in the root's tmp/, and
    // the rest of a DELETE that was interrupted.
    maildir::deliver::clean_tmp(&root);
    let user = std::env::var_os("AUTHENTICATED")
        .or_else(|| std::env::var_os("USER"))
        .map(|u| crate::log::escape(u.as_encoded_bytes()))
        .unwrap_or_else(|| rustix::process::getuid().as_raw().to_string());
    let timeout = settings::seconds("SESSION_TIMEOUT", 1800);
    let namespace = match Namespace::from_setting(std::env::var("IMAPD_NAMESPACE").ok().as_deref())
    {
        Ok(ns) => ns,
        Err(why) => {
            crate::log!("{why}");
            return 111;
        }
    };
    // SAFETY: this role owns descriptors 0 and 1 (the connection) for its whole life.
    let (fd0, fd1) = unsafe { (OwnedFd::from_raw_fd(0), OwnedFd::from_raw_fd(1)) };
    let mut session = Session {
        conn: Conn {
            input: Input::new(fd0, timeout, true),
            output: Output::new(fd1, timeout),
        },
        root,
        selected: None,
        enabled: Enabled::default(),
        done: false,
        timeout,
        namespace,
    };
    let tag = std::env::var_os("IMAPLOGINTAG");
    // The tag is for this process only; a program it runs must not answer it again.
    std::env::remove_var("IMAPLOGINTAG");
    let capabilities = Code::Capability(crate::command::capabilities().into());
    let greeting = match &tag {
        Some(_) => Response::ok("Logged in"),
        None => Response::preauth(format!("imapd ready, logged in as {user}")),
    }
    .with(capabilities);
    // Before the OK can reach the client: from here on the login role must never answer
    // the tag itself, however this ends (a kill between the two would otherwise let it).
    crate::login::takeover::announce();
    let started = greeting
        .write(
            &mut session.conn.output,
            tag.as_ref().map(|t| t.as_encoded_bytes()),
        )
        .and_then(|_| session.conn.output.flush());
    crate::log!("login ok user={user}");
    let why = match started {
        // After the tagged OK the exit status must be 0 whatever happens (DESIGN.md 1),
        // so even a bug ends the session with BYE rather than a crash.
        Ok(()) => {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.serve())) {
                Ok(why) => why,
                Err(_) => {
                    let _ = internal_error()
                        .write(&mut session.conn.output, None)
                        .and_then(|_| session.conn.output.flush());
                    "internal error".to_string()
                }
            }
        }
        Err(e) => e.to_string(),
    };
    crate::log!(
        "logout user={user} in={} out={}: {why}",
        session.conn.input.bytes_read(),
        session.conn.output.bytes_written()
    );
    // The process ends now: giving a large folder's view back to the allocator name by
    // name would cost more than its SELECT did (a fifth of a 100,000-message session).
    std::mem::forget(session.selected.take());
    0
}

/// The BYE of a session that ends on a bug.
fn internal_error() -> Response {
    Response::bye("Internal error; the server log says more").with(Code::ServerBug)
}

impl Session {
    /// Runs commands until the session ends; returns why it ended.
    fn serve(&mut self) -> String {
        loop {
            let step = self.read_and_run().map_err(|e| {
                let bye = match e {
                    Disconnect::Overflow => Some(Response::bye("Literal too large")),
                    Disconnect::Read(ReadError::Timeout) => {
                        Some(Response::bye("Autologout; idle for too long"))
                    }
                    Disconnect::Read(ReadError::Corrupt) => {
                        Some(Response::bye("Compressed input is corrupt"))
                    }
                    _ => None,
                };
                if let Some(bye) = bye {
                    let _ = bye.send(&mut self.conn, None);
                }
                e.to_string()
            });
            // Pipelined commands (RFC 3501 5.5) get their responses in as few writes as the
            // buffer allows: the flush waits until the next command is not already here.
            // Whatever then waits for the client (a literal's `+`, IDLE) flushes first.
            let more = step.is_ok() && !self.done && self.conn.input.has_line();
            let flushed = if more { Ok(()) } else { self.conn.flush() };
            match (step, flushed) {
                (Err(why), _) => return why,
                (Ok(()), Err(e)) => return e.to_string(),
                (Ok(()), Ok(())) if self.done => return "LOGOUT".to_string(),
                (Ok(()), Ok(())) => {}
            }
        }
    }

    /// Reads one command and runs it: its responses, then what changed on disk meanwhile
    /// (RFC 3501 7.4.1 says when EXPUNGE may be told), then the tagged reply.
    /// Only the connection's failures end the session; a command answers its own.
    fn read_and_run(&mut self) -> Result<(), Disconnect> {
        let utf8 = self.enabled.utf8();
        let parse = |name: &[u8], p: &mut Parser| {
            if utf8 {
                p.utf8();
            }
            Command::parse(name, p)
        };
        let (tag, command, rest) = match crate::wire::command::read(&mut self.conn, LIMITS, parse)?
        {
            Read::Command { tag, command, rest } => (tag, command, rest),
            Read::Refused => return Ok(()),
        };
        let expunge_ok = command.allows_expunge();
        let refresh = command.wants_refresh();
        self.done = command.ends_session();
        let compress = matches!(command, Command::Compress);
        let mut cx = self.context();
        let reply = command::execute(&mut cx, &tag, command, rest)?;
        if refresh {
            if let Err(e) = cx.refresh(expunge_ok) {
                let e = Disconnect::check(e, &self.conn.output)?;
                // The news waits for the next command; this one is answered all the same.
                crate::log!("looking for changes failed: {e}");
            }
        }
        reply.send(&mut self.conn, Some(&tag))?;
        if compress && reply.status == Status::Ok {
            self.conn.start_compression()?;
        }
        Ok(())
    }

    /// What a command may use of the session.
    fn context(&mut self) -> Context<'_> {
        Context {
            conn: &mut self.conn,
            root: &self.root,
            selected: &mut self.selected,
            enabled: &mut self.enabled,
            timeout: self.timeout,
            namespace: self.namespace,
        }
    }
}

/// Reads commands from `data` the way this role does and parses them, running none: the
/// entry point of the `commands` fuzz target (`fuzz/`), which covers FETCH items and
/// sections, SEARCH keys and every other argument grammar. APPEND's flags, dates and
/// literals, which only the command reads, are parsed as it does, each message read and
/// dropped (the `serve` target stores them).
pub fn fuzz_commands(data: &[u8]) {
    if let Some(mut conn) = Conn::scratch(data) {
        while let Ok(read) = crate::wire::command::read(&mut conn, LIMITS, Command::parse) {
            if let Read::Command {
                command,
                rest: Some(rest),
                ..
            } = read
            {
                let rest = match command {
                    Command::Append { .. } => command::fuzz_append(&mut conn, rest).map(|_| ()),
                    _ => Parser::resume(&mut conn, rest).skip(),
                };
                if rest.is_err() {
                    return;
                }
            }
        }
    }
}
