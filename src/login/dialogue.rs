//! The dialogue: the unprivileged half of `imapd login` (see the module above), the only
//! code that reads bytes from a client that has not logged in. It greets, answers the few
//! commands allowed before login (CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN,
//! AUTHENTICATE PLAIN), and hands each credential to the monitor, which runs the checker.
//!
//! Kept small and bounded: short lines, tiny literals, a bounded number of commands, an
//! idle timeout and a deadline for the whole dialogue (AUTH_TIMEOUT), and nothing of a
//! credential left in memory once it has been handed over.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::net::{recv, send, RecvFlags, SendFlags};
use zeroize::Zeroizing;

use super::handoff::{self, Verdict};
use super::plain;
use super::sandbox::{self, Sandbox};
use super::tls::Tls;
use crate::capability;
use crate::command::id;
use crate::settings;
use crate::wire::command::{self, Read};
use crate::wire::{
    Code, Conn, Disconnect, Input, Limits, Line, Output, ParseError, Parser, ReadError, Response,
};

/// The bounds of one command before login: enough for the largest ID command RFC 2971
/// allows, and a password literal of 1 KiB (the checkpassword block holds 512 bytes). A
/// larger literal is refused with `BAD [TOOBIG]`; a non-synchronizing one is read and
/// dropped up to the 4096 bytes LITERAL- lets a client send (RFC 7888 5), and a larger one
/// ends the connection with `BYE [TOOBIG]`.
const LIMITS: Limits = Limits {
    line: 65536,
    literal: 1024,
    command: 65536,
    discard: 4096,
};

/// The longest ID command line (RFC 2971 3.3: at most 30 pairs, fields of at most 30
/// octets, values of at most 1,024), every string quoted with each octet escaped (`\"`):
/// `<tag> ID (` pairs `"field" "value"` joined by spaces `)` CRLF. As literals (one line
/// per pair plus the literal's bytes), the same command is about half as long.
const fn id_line(tag: usize) -> usize {
    let field = 2 + 2 * 30;
    let value = 2 + 2 * 1024;
    tag + " ID (".len() + 30 * (field + 1 + value) + 29 + ")\r\n".len()
}
const _: () = assert!(id_line(1024) <= LIMITS.line && id_line(1024) <= LIMITS.command);

/// Enough for any real client's pre-login chatter; a peer that wants more is not a client.
const MAX_COMMANDS: u32 = 100;

struct Login {
    conn: Conn,
    /// The socket to the monitor.
    monitor: OwnedFd,
    tls: Tls,
    plaintext_ok: bool,
    /// Descriptors 0 and 1 after STARTTLS, held open so no new descriptor takes their place.
    plain: Option<[OwnedFd; 2]>,
}

/// How one command ended.
enum Next {
    Continue,
    /// The connection is over.
    Exit,
}

/// Runs the dialogue in the forked child; returns its exit status (which only the monitor
/// sees). `timeout` is AUTH_TIMEOUT: the idle limit of each read and write, and, counted
/// from `started`, the deadline of the whole dialogue.
pub fn run(monitor: OwnedFd, tls: Tls, started: Instant, timeout: Duration) -> u8 {
    // SAFETY: this process owns descriptors 0 and 1 (the connection) for its whole life.
    let (fd0, fd1) = unsafe { (OwnedFd::from_raw_fd(0), OwnedFd::from_raw_fd(1)) };
    let mut input = Input::new(fd0, timeout, false);
    input.set_deadline(started + timeout);
    let mut login = Login {
        conn: Conn {
            input,
            output: Output::new(fd1, timeout),
        },
        monitor,
        tls,
        plaintext_ok: settings::is_set("IMAPD_PLAINTEXT"),
        plain: None,
    };
    match sandbox::enter() {
        Ok(Sandbox::Dropped {
            no_chroot: Some(why),
        }) => crate::log!("login process not chrooted: {why}"),
        Ok(_) => {}
        Err(e) => {
            crate::log!("cannot drop privileges: {e}");
            let _ = login.bye(
                Response::bye("Server configuration problem; the log says more")
                    .with(Code::Unavailable),
            );
            return 111;
        }
    }
    match login.serve() {
        Ok(()) => 0,
        Err(Ended::Lost(Disconnect::Read(ReadError::Deadline))) => {
            crate::log!(
                "disconnect before login: AUTH_TIMEOUT of {}s reached",
                timeout.as_secs()
            );
            0
        }
        Err(e) => {
            crate::log!("disconnect before login: {e}");
            0
        }
    }
}

/// Why the dialogue ended early: the client's connection failed, or the hand-off to the
/// monitor or STARTTLS did (either way the dialogue cannot go on).
#[derive(Debug, thiserror::Error)]
enum Ended {
    #[error(transparent)]
    Lost(#[from] Disconnect),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<ReadError> for Ended {
    fn from(e: ReadError) -> Ended {
        Ended::Lost(e.into())
    }
}

impl Login {
    fn login_allowed(&self) -> bool {
        self.plaintext_ok || matches!(self.tls, Tls::Active)
    }

    fn capabilities(&self) -> &'static str {
        capability::pre_auth(matches!(self.tls, Tls::Offered(_)), self.login_allowed())
    }

    fn serve(&mut self) -> Result<(), Ended> {
        let greeting =
            Response::ok("imapd ready.").with(Code::Capability(self.capabilities().into()));
        greeting.send(&mut self.conn, None)?;
        self.conn.flush()?;
        for _ in 0..MAX_COMMANDS {
            match self.command() {
                Ok(Next::Continue) => {}
                Ok(Next::Exit) => return Ok(()),
                Err(Ended::Lost(Disconnect::Overflow)) => {
                    self.bye(Response::bye("Literal too large").with(Code::TooBig))?;
                    return Ok(());
                }
                Err(e @ Ended::Lost(Disconnect::Read(ReadError::Timeout))) => {
                    let _ = self.bye(Response::bye("Autologout; idle for too long"));
                    return Err(e);
                }
                Err(e @ Ended::Lost(Disconnect::Read(ReadError::Deadline))) => {
                    let _ = self.bye(Response::bye(
                        "Autologout; time limit for logging in reached",
                    ));
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
            self.conn.flush()?;
        }
        self.bye(Response::bye("Too many commands without logging in"))?;
        Ok(())
    }

    /// Sends an untagged `BYE` and flushes it: the dialogue ends after it.
    fn bye(&mut self, bye: Response) -> Result<(), Disconnect> {
        bye.send(&mut self.conn, None)?;
        self.conn.flush()
    }

    /// Reads and answers one command.
    fn command(&mut self) -> Result<Next, Ended> {
        match command::read(&mut self.conn, LIMITS, Request::parse)? {
            Read::Command { tag, command, .. } => self.execute(&tag, command),
            Read::Refused => Ok(Next::Continue),
        }
    }

    fn tagged(&mut self, tag: &[u8], response: Response) -> Result<(), Disconnect> {
        response.send(&mut self.conn, Some(tag))
    }

    fn execute(&mut self, tag: &[u8], req: Request) -> Result<Next, Ended> {
        match req {
            Request::Capability => {
                let caps = self.capabilities();
                self.conn
                    .send(format!("* CAPABILITY {caps}\r\n").as_bytes())?;
                self.tagged(tag, Response::ok("CAPABILITY completed"))?;
            }
            Request::Noop => self.tagged(tag, Response::ok("NOOP completed"))?,
            Request::Logout => {
                Response::bye("Logging out").send(&mut self.conn, None)?;
                self.tagged(tag, Response::ok("LOGOUT completed"))?;
                self.conn.flush()?;
                crate::log!("logout before login");
                return Ok(Next::Exit);
            }
            Request::Id => {
                id::respond(&mut self.conn.output)?;
                self.tagged(tag, Response::ok("ID completed"))?;
            }
            Request::StartTls => return self.starttls(tag),
            Request::Login { user, password } => {
                if !self.login_allowed() {
                    self.refuse_plaintext(tag)?;
                    return Ok(Next::Continue);
                }
                return self.authenticate(tag, user, password);
            }
            Request::Authenticate { mechanism, initial } => {
                return self.sasl(tag, &mechanism, initial)
            }
        }
        Ok(Next::Continue)
    }

    fn refuse_plaintext(&mut self, tag: &[u8]) -> Result<(), Disconnect> {
        let text = if matches!(self.tls, Tls::Offered(_)) {
            "Plaintext login is disabled: use STARTTLS first"
        } else {
            "Plaintext login is disabled: connect with TLS"
        };
        self.tagged(tag, Response::no(text).with(Code::PrivacyRequired))
    }

    fn starttls(&mut self, tag: &[u8]) -> Result<Next, Ended> {
        match std::mem::replace(&mut self.tls, Tls::Active) {
            Tls::Offered(ucspi) => {
                self.tagged(tag, Response::ok("Begin TLS negotiation now"))?;
                self.conn.flush()?;
                self.plain = Some(ucspi.start(&mut self.conn)?);
                crate::log!("starttls");
                Ok(Next::Continue)
            }
            other => {
                let text = if matches!(other, Tls::Active) {
                    "TLS is already active"
                } else {
                    "STARTTLS is not available here"
                };
                self.tls = other;
                self.tagged(tag, Response::bad(text))?;
                Ok(Next::Continue)
            }
        }
    }

    /// AUTHENTICATE PLAIN, with the initial response on the command line (RFC 4959) or
    /// after a `+` continuation (RFC 3501 6.2.2).
    fn sasl(
        &mut self,
        tag: &[u8],
        mechanism: &[u8],
        initial: Option<Zeroizing<Vec<u8>>>,
    ) -> Result<Next, Ended> {
        if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
            self.tagged(tag, Response::no("Unsupported authentication mechanism"))?;
            return Ok(Next::Continue);
        }
        if !self.login_allowed() {
            self.refuse_plaintext(tag)?;
            return Ok(Next::Continue);
        }
        let response = match initial {
            Some(r) => r,
            None => {
                self.conn.send(b"+ \r\n")?;
                self.conn.flush()?;
                let mut line = Zeroizing::new(Vec::with_capacity(LIMITS.line + 2));
                match self.conn.input.read_line(&mut line, LIMITS.line)? {
                    Line::Complete => {}
                    _ => {
                        self.tagged(tag, Response::bad("Response too long").with(Code::TooBig))?;
                        return Ok(Next::Continue);
                    }
                }
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                line
            }
        };
        if &response[..] == b"*" {
            self.tagged(tag, Response::bad("Authentication cancelled"))?;
            return Ok(Next::Continue);
        }
        let decoded = plain::decode(&response);
        drop(response);
        match decoded {
            Ok(c) => self.authenticate(tag, c.user, c.password),
            Err(e @ plain::PlainError::Authzid) => {
                let no = Response::no(e.to_string()).with(Code::AuthorizationFailed);
                self.tagged(tag, no)?;
                Ok(Next::Continue)
            }
            Err(e) => {
                self.tagged(tag, Response::bad(e.to_string()))?;
                Ok(Next::Continue)
            }
        }
    }

    /// Hands one credential to the monitor and answers what the checker said. Takes the
    /// credential to wipe it before the wait, which may last a whole session.
    fn authenticate(
        &mut self,
        tag: &[u8],
        user: Zeroizing<Vec<u8>>,
        password: Zeroizing<Vec<u8>>,
    ) -> Result<Next, Ended> {
        let encoded = handoff::encode(self.plain.is_some(), tag, &user, &password);
        drop((user, password));
        let msg = match encoded {
            Ok(msg) => msg,
            Err(e) => {
                let bad = Response::bad(format!("Cannot log in: {e}")).with(Code::TooBig);
                self.tagged(tag, bad)?;
                return Ok(Next::Continue);
            }
        };
        self.conn.flush()?;
        // The checker and the session after it get the connection in blocking mode.
        self.conn.output.set_nonblocking(false);
        let sent = send(&self.monitor, &msg, SendFlags::empty());
        drop(msg);
        // The password may have come as a literal through the input buffer (qmail-popup
        // likewise zeroes its copy right after the hand-off).
        self.conn.input.wipe_used();
        let verdict = sent.and_then(|_| self.verdict());
        self.conn.output.set_nonblocking(true);
        match verdict {
            // The monitor has closed the socket: the session ran, or it has taken over.
            Ok(None) | Err(_) => Ok(Next::Exit),
            Ok(Some(Verdict::Refused)) => {
                self.tagged(tag, authentication_failed())?;
                Ok(Next::Continue)
            }
            Ok(Some(Verdict::RefusedLast)) => {
                self.tagged(tag, authentication_failed())?;
                self.bye(Response::bye("Too many authentication failures"))?;
                Ok(Next::Exit)
            }
            Ok(Some(Verdict::Unavailable)) => {
                let no = Response::no("Authentication is temporarily unavailable")
                    .with(Code::Unavailable);
                self.tagged(tag, no)?;
                Ok(Next::Continue)
            }
        }
    }

    /// Waits for the monitor's answer; `None` when it has closed the socket (or said nothing
    /// it should). No limit of its own: the monitor bounds it (a checker, then maybe a whole
    /// session, after which it kills this process).
    fn verdict(&self) -> rustix::io::Result<Option<Verdict>> {
        let mut b = [0u8; 1];
        loop {
            match recv(&self.monitor, &mut b, RecvFlags::empty()) {
                Ok((_, 0)) => return Ok(None),
                Ok(_) => return Ok(Verdict::from_byte(b[0])),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// The answer to a credential the checker refused (RFC 5530 3).
fn authentication_failed() -> Response {
    Response::no("Authentication failed").with(Code::AuthenticationFailed)
}

/// The commands this role knows, parsed.
enum Request {
    Capability,
    Noop,
    Logout,
    Id,
    StartTls,
    Login {
        user: Zeroizing<Vec<u8>>,
        password: Zeroizing<Vec<u8>>,
    },
    Authenticate {
        mechanism: Vec<u8>,
        initial: Option<Zeroizing<Vec<u8>>>,
    },
}

impl Request {
    fn parse(name: &[u8], p: &mut Parser) -> Result<Request, ParseError> {
        Ok(match name {
            b"CAPABILITY" => Request::Capability,
            b"NOOP" => Request::Noop,
            b"LOGOUT" => Request::Logout,
            b"STARTTLS" => Request::StartTls,
            b"ID" => {
                p.sp()?;
                id::parse(p)?;
                Request::Id
            }
            b"LOGIN" => {
                p.sp()?;
                let user = Zeroizing::new(p.astring()?);
                p.sp()?;
                let password = Zeroizing::new(p.astring()?);
                Request::Login { user, password }
            }
            b"AUTHENTICATE" => {
                p.sp()?;
                let mechanism = p.atom()?;
                let initial = if p.eat(b' ') {
                    Some(Zeroizing::new(p.atom()?))
                } else {
                    None
                };
                Request::Authenticate { mechanism, initial }
            }
            _ => {
                return Err(ParseError::bad(
                    "Unknown command, or not valid before login",
                ))
            }
        })
    }
}

/// Reads commands from `data` the way this role does, until the input ends, and throws
/// the results away: the entry point of the `preauth` fuzz target (`fuzz/`).
pub fn fuzz_commands(data: &[u8]) {
    if let Some(mut conn) = Conn::scratch(data) {
        while command::read(&mut conn, LIMITS, Request::parse).is_ok() {}
    }
}
