//! Status responses (RFC 3501 7.1): `OK`, `NO`, `BAD`, `BYE` and `PREAUTH`, with an optional
//! response code and a human text, as values. Commands build them; [`Response::write`] is
//! the one place that turns one into bytes, so that no caller composes or searches reply
//! text.

use std::borrow::Cow;
use std::io::{self, Write};

use super::{format_uids, Conn, Disconnect};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
    Bye,
    Preauth,
}

/// The response codes this server sends: RFC 3501 7.1, RFC 4315 (UIDPLUS), RFC 5530,
/// RFC 5255 (BADCHARSET's list), RFC 3516 (UNKNOWN-CTE), RFC 4978 (COMPRESSIONACTIVE),
/// RFC 7162 (HIGHESTMODSEQ, MODIFIED), RFC 6154 (USEATTR), RFC 4469 (BADURL). The login
/// role sends only CAPABILITY, TOOBIG and the four of RFC 5530 3 about authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    AlreadyExists,
    AppendUid {
        uidvalidity: u32,
        uids: Vec<u32>,
    },
    AuthenticationFailed,
    AuthorizationFailed,
    /// The charsets SEARCH takes.
    BadCharset(&'static str),
    /// RFC 4469 4.1: the URL CATENATE could not read, as `url-resp-text`.
    BadUrl(String),
    Cannot,
    Capability(Cow<'static, str>),
    /// RFC 7162 3.2.11: the mailbox selected before is closed.
    Closed,
    CompressionActive,
    CopyUid {
        uidvalidity: u32,
        source: Vec<u32>,
        target: Vec<u32>,
    },
    ExpungeIssued,
    HighestModseq(u64),
    InUse,
    Limit,
    /// The messages (numbers, or UIDs for UID STORE) that failed UNCHANGEDSINCE.
    Modified(Vec<u32>),
    /// RFC 8474 4.1, 4.2: the objectid.
    MailboxId(String),
    Nonexistent,
    NoPerm,
    /// RFC 5267 4.3.1: the tag of a searching command whose UPDATE is refused or ended.
    NoUpdate(Vec<u8>),
    OverQuota,
    /// The flags inside the parentheses.
    PermanentFlags(String),
    PrivacyRequired,
    ReadOnly,
    ReadWrite,
    ServerBug,
    TooBig,
    TryCreate,
    UidNext(u32),
    UidValidity(u32),
    Unavailable,
    UnknownCte,
    Unseen(u32),
    /// RFC 6154 3: a special use that cannot be given.
    UseAttr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub code: Option<Code>,
    pub text: Cow<'static, str>,
}

impl Response {
    fn new(status: Status, text: impl Into<Cow<'static, str>>) -> Response {
        Response {
            status,
            code: None,
            text: text.into(),
        }
    }

    pub fn ok(text: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::Ok, text)
    }

    pub fn no(text: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::No, text)
    }

    pub fn bad(text: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::Bad, text)
    }

    pub fn bye(text: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::Bye, text)
    }

    pub fn preauth(text: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::Preauth, text)
    }

    /// The same response with `code`.
    pub fn with(mut self, code: Code) -> Response {
        self.code = Some(code);
        self
    }

    /// [`write`](Self::write) to the client.
    pub fn send(&self, conn: &mut Conn, tag: Option<&[u8]>) -> Result<(), Disconnect> {
        let mut line = Vec::with_capacity(64 + self.text.len());
        self.write(&mut line, tag).expect("a Vec takes every write");
        conn.send(&line)
    }

    /// Writes `tag` (or `*` for `None`), the status, `[code]` and the text, then CRLF.
    pub fn write(&self, out: &mut impl Write, tag: Option<&[u8]>) -> io::Result<()> {
        out.write_all(tag.unwrap_or(b"*"))?;
        out.write_all(match self.status {
            Status::Ok => b" OK ",
            Status::No => b" NO ",
            Status::Bad => b" BAD ",
            Status::Bye => b" BYE ",
            Status::Preauth => b" PREAUTH ",
        })?;
        if let Some(code) = &self.code {
            out.write_all(b"[")?;
            code.write(out)?;
            out.write_all(b"] ")?;
        }
        out.write_all(self.text.as_bytes())?;
        out.write_all(b"\r\n")
    }
}

impl Code {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let name = match self {
            Code::AlreadyExists => "ALREADYEXISTS",
            Code::AppendUid { uidvalidity, uids } => {
                return write!(out, "APPENDUID {uidvalidity} {}", format_uids(uids))
            }
            Code::AuthenticationFailed => "AUTHENTICATIONFAILED",
            Code::AuthorizationFailed => "AUTHORIZATIONFAILED",
            Code::BadCharset(list) => return write!(out, "BADCHARSET ({list})"),
            Code::BadUrl(url) => return write!(out, "BADURL {url}"),
            Code::Cannot => "CANNOT",
            Code::Capability(list) => return write!(out, "CAPABILITY {list}"),
            Code::Closed => "CLOSED",
            Code::CompressionActive => "COMPRESSIONACTIVE",
            Code::CopyUid {
                uidvalidity,
                source,
                target,
            } => {
                return write!(
                    out,
                    "COPYUID {uidvalidity} {} {}",
                    format_uids(source),
                    format_uids(target)
                )
            }
            Code::ExpungeIssued => "EXPUNGEISSUED",
            Code::HighestModseq(n) => return write!(out, "HIGHESTMODSEQ {n}"),
            Code::InUse => "INUSE",
            Code::Limit => "LIMIT",
            Code::Modified(set) => return write!(out, "MODIFIED {}", format_uids(set)),
            Code::MailboxId(id) => return write!(out, "MAILBOXID ({id})"),
            Code::Nonexistent => "NONEXISTENT",
            Code::NoPerm => "NOPERM",
            Code::NoUpdate(tag) => {
                out.write_all(b"NOUPDATE ")?;
                return super::quote::string(out, tag);
            }
            Code::OverQuota => "OVERQUOTA",
            Code::PermanentFlags(flags) => return write!(out, "PERMANENTFLAGS ({flags})"),
            Code::PrivacyRequired => "PRIVACYREQUIRED",
            Code::ReadOnly => "READ-ONLY",
            Code::ReadWrite => "READ-WRITE",
            Code::ServerBug => "SERVERBUG",
            Code::TooBig => "TOOBIG",
            Code::TryCreate => "TRYCREATE",
            Code::UidNext(n) => return write!(out, "UIDNEXT {n}"),
            Code::UidValidity(n) => return write!(out, "UIDVALIDITY {n}"),
            Code::Unavailable => "UNAVAILABLE",
            Code::UnknownCte => "UNKNOWN-CTE",
            Code::UseAttr => "USEATTR",
            Code::Unseen(n) => return write!(out, "UNSEEN {n}"),
        };
        out.write_all(name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, Response};

    fn wire(r: &Response, tag: Option<&[u8]>) -> String {
        let mut out = Vec::new();
        r.write(&mut out, tag).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn status_code_and_text() {
        // RFC 3501 7.1: tag or "*", the status, an optional "[" code "]", the text.
        assert_eq!(
            wire(&Response::ok("NOOP completed"), Some(b"a1")),
            "a1 OK NOOP completed\r\n"
        );
        assert_eq!(
            wire(
                &Response::no("Mailbox does not exist").with(Code::TryCreate),
                Some(b"a2")
            ),
            "a2 NO [TRYCREATE] Mailbox does not exist\r\n"
        );
        assert_eq!(
            wire(&Response::bye("Logging out"), None),
            "* BYE Logging out\r\n"
        );
        assert_eq!(
            wire(
                &Response::ok("x").with(Code::PermanentFlags("\\Seen \\*".into())),
                None
            ),
            "* OK [PERMANENTFLAGS (\\Seen \\*)] x\r\n"
        );
        assert_eq!(
            wire(
                &Response::no("x").with(Code::BadCharset("UTF-8 US-ASCII")),
                Some(b"t")
            ),
            "t NO [BADCHARSET (UTF-8 US-ASCII)] x\r\n"
        );
        // RFC 5530 3, the example of AUTHENTICATIONFAILED, as the login role sends it.
        assert_eq!(
            wire(
                &Response::no("Authentication failed").with(Code::AuthenticationFailed),
                Some(b"a")
            ),
            "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
        );
    }

    #[test]
    fn uidplus_codes() {
        // RFC 4315 3: uid-set ranges join ascending runs; COPYUID keeps the pairing order.
        let append = Response::ok("APPEND completed").with(Code::AppendUid {
            uidvalidity: 38505,
            uids: vec![3955, 3956, 3957, 3960],
        });
        assert_eq!(
            wire(&append, Some(b"A003")),
            "A003 OK [APPENDUID 38505 3955:3957,3960] APPEND completed\r\n"
        );
        let copy = Response::ok("COPY completed").with(Code::CopyUid {
            uidvalidity: 38505,
            source: vec![304, 319, 320],
            target: vec![3956, 3957, 3958],
        });
        assert_eq!(
            wire(&copy, Some(b"A004")),
            "A004 OK [COPYUID 38505 304,319:320 3956:3958] COPY completed\r\n"
        );
    }
}
