//! The pre-authentication role, `imapd login PROG...`: greets, answers the few commands
//! allowed before login (CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE PLAIN),
//! and hands each credential to a checkpassword program, which on success runs
//! `imapd serve` as the user on this same connection.
//!
//! This code usually runs as root and talks to anyone who connects, so it is kept small:
//! short lines, tiny literals, a bounded number of commands, an idle timeout, and no
//! credential kept or logged once it has been handed over.

mod checkpassword;
mod plain;
mod tls;

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::capability;
use crate::command::id;
use crate::settings;
use crate::wire::command::{self, Read};
use crate::wire::{Conn, Input, Limits, Line, Output, ParseError, Parser, ReadError};
use checkpassword::Verdict;
use tls::Tls;

const LIMITS: Limits = Limits {
    line: 8192,
    literal: 1024,
    command: 8192,
    discard: 1024,
};

/// Enough for any real client's pre-login chatter; a peer that wants more is not a client.
const MAX_COMMANDS: u32 = 100;

struct Login {
    conn: Conn,
    prog: Vec<OsString>,
    tls: Tls,
    plaintext_ok: bool,
    failures: u64,
    max_failures: u64,
    /// Descriptors 0 and 1 after STARTTLS, held open so no new descriptor takes their place.
    plain: Option<[OwnedFd; 2]>,
    fail_delay: Duration,
}

/// How one command ended.
enum Next {
    Continue,
    /// The connection is over; exit with this status.
    Exit(u8),
}

pub fn run(prog: Vec<OsString>) -> u8 {
    let timeout = settings::seconds("AUTH_TIMEOUT", 60);
    // SAFETY: this role owns descriptors 0 and 1 (the connection) for its whole life.
    let (fd0, fd1) = unsafe { (OwnedFd::from_raw_fd(0), OwnedFd::from_raw_fd(1)) };
    let mut login = Login {
        conn: Conn {
            input: Input::new(fd0, timeout, false),
            output: Output::new(fd1, timeout),
        },
        prog,
        tls: tls::from_env(),
        plaintext_ok: settings::is_set("IMAPD_PLAINTEXT"),
        failures: 0,
        plain: None,
        max_failures: settings::number("MAXAUTHFAIL", 3).max(1),
        fail_delay: settings::seconds("IMAPD_FAILDELAY", 2),
    };
    match std::env::var_os("TCPREMOTEHOST") {
        Some(host) => crate::log!(
            "connect host={}",
            crate::log::escape(host.as_encoded_bytes())
        ),
        None => crate::log!("connect"),
    }
    match login.serve() {
        Ok(code) => code,
        Err(e) => {
            crate::log!("disconnect before login: {e}");
            0
        }
    }
}

impl Login {
    fn login_allowed(&self) -> bool {
        self.plaintext_ok || matches!(self.tls, Tls::Active)
    }

    fn capabilities(&self) -> String {
        capability::pre_auth(matches!(self.tls, Tls::Offered(_)), self.login_allowed())
    }

    fn serve(&mut self) -> Result<u8, ParseError> {
        let greeting = format!("* OK [CAPABILITY {}] imapd ready.\r\n", self.capabilities());
        self.conn.output.write_all(greeting.as_bytes())?;
        self.conn.output.flush()?;
        for _ in 0..MAX_COMMANDS {
            match self.command() {
                Ok(Next::Continue) => {}
                Ok(Next::Exit(code)) => return Ok(code),
                Err(ParseError::Overflow) => {
                    self.bye("Literal too large")?;
                    return Ok(0);
                }
                Err(e @ ParseError::Read(ReadError::Timeout)) => {
                    let _ = self.bye("Autologout; idle for too long");
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
            self.conn.output.flush()?;
        }
        self.bye("Too many commands without logging in")?;
        Ok(0)
    }

    fn bye(&mut self, text: &str) -> io::Result<()> {
        write!(self.conn.output, "* BYE {text}\r\n")?;
        self.conn.output.flush()
    }

    /// Reads and answers one command.
    fn command(&mut self) -> Result<Next, ParseError> {
        match command::read(&mut self.conn, LIMITS, Request::parse)? {
            Read::Command { tag, command } => self.execute(&tag, command),
            Read::Refused => Ok(Next::Continue),
        }
    }

    fn tagged(&mut self, tag: &[u8], text: &str) -> io::Result<()> {
        self.conn.output.write_all(tag)?;
        write!(self.conn.output, " {text}\r\n")
    }

    fn execute(&mut self, tag: &[u8], req: Request) -> Result<Next, ParseError> {
        match req {
            Request::Capability => {
                let caps = self.capabilities();
                write!(self.conn.output, "* CAPABILITY {caps}\r\n")?;
                self.tagged(tag, "OK CAPABILITY completed")?;
            }
            Request::Noop => self.tagged(tag, "OK NOOP completed")?,
            Request::Logout => {
                self.conn.output.write_all(b"* BYE Logging out\r\n")?;
                self.tagged(tag, "OK LOGOUT completed")?;
                self.conn.output.flush()?;
                crate::log!("logout before login");
                return Ok(Next::Exit(0));
            }
            Request::Id => {
                id::respond(&mut self.conn.output)?;
                self.tagged(tag, "OK ID completed")?;
            }
            Request::StartTls => return self.starttls(tag),
            Request::Login { user, password } => {
                if !self.login_allowed() {
                    self.refuse_plaintext(tag)?;
                    return Ok(Next::Continue);
                }
                return self.authenticate(tag, &user, &password);
            }
            Request::Authenticate { mechanism, initial } => {
                return self.sasl(tag, &mechanism, initial)
            }
        }
        Ok(Next::Continue)
    }

    fn refuse_plaintext(&mut self, tag: &[u8]) -> io::Result<()> {
        let how = if matches!(self.tls, Tls::Offered(_)) {
            "use STARTTLS first"
        } else {
            "connect with TLS"
        };
        self.tagged(
            tag,
            &format!("NO [PRIVACYREQUIRED] Plaintext login is disabled: {how}"),
        )
    }

    fn starttls(&mut self, tag: &[u8]) -> Result<Next, ParseError> {
        match std::mem::replace(&mut self.tls, Tls::Active) {
            Tls::Offered(ucspi) => {
                self.tagged(tag, "OK Begin TLS negotiation now")?;
                self.conn.output.flush()?;
                self.plain = Some(ucspi.start(&mut self.conn)?);
                crate::log!("starttls");
                Ok(Next::Continue)
            }
            other => {
                let text = if matches!(other, Tls::Active) {
                    "BAD TLS is already active"
                } else {
                    "BAD STARTTLS is not available here"
                };
                self.tls = other;
                self.tagged(tag, text)?;
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
    ) -> Result<Next, ParseError> {
        if !mechanism.eq_ignore_ascii_case(b"PLAIN") {
            self.tagged(tag, "NO Unsupported authentication mechanism")?;
            return Ok(Next::Continue);
        }
        if !self.login_allowed() {
            self.refuse_plaintext(tag)?;
            return Ok(Next::Continue);
        }
        let response = match initial {
            Some(r) => r,
            None => {
                self.conn.output.write_all(b"+ \r\n")?;
                self.conn.output.flush()?;
                let mut line = Zeroizing::new(Vec::with_capacity(LIMITS.line + 2));
                match self.conn.input.read_line(&mut line, LIMITS.line)? {
                    Line::Complete => {}
                    _ => {
                        self.tagged(tag, "BAD [TOOBIG] Response too long")?;
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
            self.tagged(tag, "BAD Authentication cancelled")?;
            return Ok(Next::Continue);
        }
        match plain::decode(&response) {
            Ok(c) => self.authenticate(tag, &c.user, &c.password),
            Err(e @ plain::PlainError::Authzid) => {
                self.tagged(tag, &format!("NO [AUTHORIZATIONFAILED] {e}"))?;
                Ok(Next::Continue)
            }
            Err(e) => {
                self.tagged(tag, &format!("BAD {e}"))?;
                Ok(Next::Continue)
            }
        }
    }

    /// Hands one credential to the checker and answers what it says.
    fn authenticate(
        &mut self,
        tag: &[u8],
        user: &[u8],
        password: &[u8],
    ) -> Result<Next, ParseError> {
        let name = crate::log::escape(user);
        self.conn.output.flush()?;
        // The checker and the session after it get the connection in blocking mode.
        self.conn.output.set_nonblocking(false);
        let verdict = checkpassword::check(
            &self.prog,
            tag,
            user,
            password,
            self.conn.input.fd(),
            self.conn.output.fd(),
        );
        self.conn.output.set_nonblocking(true);
        match verdict {
            Ok(Verdict::SessionDone) => Ok(Next::Exit(0)),
            Ok(Verdict::Refused) => {
                self.failures += 1;
                crate::log!("login failed user={name} failures={}", self.failures);
                std::thread::sleep(self.fail_delay);
                self.tagged(tag, "NO [AUTHENTICATIONFAILED] Authentication failed")?;
                if self.failures >= self.max_failures {
                    self.bye("Too many authentication failures")?;
                    return Ok(Next::Exit(0));
                }
                Ok(Next::Continue)
            }
            Ok(Verdict::Unavailable(why)) => {
                crate::log!("login unavailable user={name}: {why}");
                self.tagged(
                    tag,
                    "NO [UNAVAILABLE] Authentication is temporarily unavailable",
                )?;
                Ok(Next::Continue)
            }
            Err(e) => {
                crate::log!(
                    "login unavailable user={name}: cannot run checker {:?}: {e}",
                    self.prog[0]
                );
                self.tagged(
                    tag,
                    "NO [UNAVAILABLE] Authentication is temporarily unavailable",
                )?;
                Ok(Next::Continue)
            }
        }
    }
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
