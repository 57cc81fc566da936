//! An independent grammar check of both directions of a test's conversation with `imapd`.
//!
//! The tests' own reading of responses is lenient by design (prefixes, substrings), and
//! the same people wrote the server and the tests, so a grammar mistake can hide on both
//! sides at once. imap-codec is a separately written and maintained implementation of the
//! IMAP ABNF: every byte the server writes is framed into whole responses (a line, and
//! after a `{n}` or `~{n}` announcement the literal and the rest of the response) by its
//! `Fragmentizer` and decoded strictly, without its `quirk_*` leniencies; the greeting with
//! its greeting decoder. Every command a test sends is decoded with its command decoder,
//! so that the tests themselves speak correct IMAP; a test that sends invalid commands on
//! purpose says so ([`Grammar::unchecked_commands`]).
//!
//! Where imap-codec lacks a rule that imapd speaks, [`RESPONSE_EXCEPTIONS`] and
//! [`COMMAND_EXCEPTIONS`] name the RFC rule; a message imap-codec rejects is let through
//! only if it matches one of them. FETCH and STATUS items it lacks are not let through
//! whole: [`STAND_INS`] replaces each by an item of the same value grammar that it knows,
//! and the response is decoded again.

use imap_codec::decode::{CommandDecodeError, Decoder};
use imap_codec::fragmentizer::{DecodeMessageError, Fragmentizer};
use imap_codec::imap_types::command::CommandBody;
use imap_codec::imap_types::response::{Response, Status, StatusKind};
use imap_codec::{
    AuthenticateDataCodec, CommandCodec, GreetingCodec, IdleDoneCodec, ResponseCodec,
};

use crate::common::show;

/// What the server's next message is.
#[derive(Debug, PartialEq)]
enum ServerState {
    Greeting,
    Responses,
    /// COMPRESS is on: the bytes are DEFLATE, not IMAP.
    Compressed,
}

/// What the client's next message is.
#[derive(Debug, PartialEq)]
enum ClientState {
    Commands,
    /// Lines answering the AUTHENTICATE command with this tag (RFC 3501 6.2.2), until its
    /// tagged response.
    Authenticate(String),
    /// `DONE` (RFC 2177 3).
    IdleDone,
    Compressed,
}

/// A message imap-codec cannot decode although it may be right: a rule imap-codec
/// 2.0.0-alpha.10 does not implement, or gets wrong.
pub struct Exception {
    /// The RFC rule the message follows.
    pub rule: &'static str,
    /// Whether a whole message (with its CRLF) uses the rule.
    pub matches: fn(&[u8]) -> bool,
}

/// Responses that use a rule imap-codec lacks. Each is matched as narrowly as the rule
/// allows; the rest of the suite's responses are decoded strictly.
pub const RESPONSE_EXCEPTIONS: &[Exception] = &[
    Exception {
        // imap-codec has no ESEARCH: no esearch-response at all.
        rule:
            "RFC 4466 3 esearch-response, RFC 4731 4 search-return-data (and RFC 5267, RFC 9394, RFC 7162)",
        matches: |m| m.starts_with(b"* ESEARCH "),
    },
    Exception {
        // imap-codec's mailbox-list stops after the mailbox name.
        rule: "RFC 5258 6 mailbox-list with mbox-list-extended (CHILDINFO)",
        matches: |m| {
            m.starts_with(b"* LIST (") && m.ends_with(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n")
        },
    },
    Exception {
        // RFC 3501 9 body is recursive without a limit (imapd serves 100 levels);
        // imap-codec parses body with body(8) and fails deeper ones.
        rule: "RFC 3501 9 body-type-mpart / body-type-msg nested deeper than imap-codec's 8",
        matches: |m| (fetch_has(m, b"BODYSTRUCTURE") || fetch_has(m, b"BODY")) && scan(m).depth > 9,
    },
];

/// Items of untagged FETCH and STATUS responses that imap-codec lacks, each with its rule
/// and what stands in for it: an RFC 3501 item of the same value grammar, or (for an
/// objectid, checked here) a fixed one. A response with them is decoded with the stand-ins,
/// so that all the rest of it is still checked strictly.
const STAND_INS: &[(&str, &[u8], Stand)] = &[
    (
        "RFC 8970 6 msg-att-dynamic =/ \"PREVIEW\" SP nstring",
        b"PREVIEW ",
        Stand::Same(b"RFC822 "),
    ),
    (
        "RFC 8514 5 msg-att-static =/ \"SAVEDATE\" SP (date-time / nil)",
        b"SAVEDATE \"",
        Stand::Same(b"INTERNALDATE \""),
    ),
    (
        "RFC 8514 5 msg-att-static =/ \"SAVEDATE\" SP (date-time / nil)",
        b"SAVEDATE NIL",
        Stand::Same(b"RFC822 NIL"),
    ),
    (
        "RFC 8474 7 fetch-emailid-resp = \"EMAILID\" SP \"(\" objectid \")\"",
        b"EMAILID (",
        Stand::ObjectId(b"RFC822 NIL"),
    ),
    (
        "RFC 8474 7 fetch-threadid-resp = \"THREADID\" SP ( \"(\" objectid \")\" / nil )",
        b"THREADID (",
        Stand::ObjectId(b"RFC822 NIL"),
    ),
    (
        "RFC 8474 7 fetch-threadid-resp = \"THREADID\" SP ( \"(\" objectid \")\" / nil )",
        b"THREADID NIL",
        Stand::Same(b"RFC822 NIL"),
    ),
    (
        "RFC 8474 7 status-att-val =/ \"MAILBOXID\" SP \"(\" objectid \")\"",
        b"MAILBOXID (",
        Stand::ObjectId(b"MESSAGES 0"),
    ),
    (
        "RFC 7889 formal syntax: status-att-val =/ \"APPENDLIMIT\" SP (number / nil)",
        b"APPENDLIMIT ",
        Stand::Same(b"SIZE "),
    ),
    // RFC 3516 4.3 describes the response item as BINARY<section-binary>[<<number>>], the
    // origin of a partial fetch as for BODY[]<<number>>; its ABNF (6, and RFC 9051's)
    // leaves the origin out, and imap-codec follows the ABNF. A client could not tell two
    // partial fetches of one part apart without it.
    (
        "RFC 3516 4.3 BINARY<section-binary>[<<number>>]",
        b"BINARY[",
        Stand::Origin,
    ),
];

/// What replaces an item in [`STAND_INS`].
enum Stand {
    /// These bytes, the value left as it is.
    Same(&'static [u8]),
    /// These bytes for the item and its `(objectid)`, once the objectid is checked.
    ObjectId(&'static [u8]),
    /// The same, without the `<number>` after the section.
    Origin,
}

/// `m` with the items of [`STAND_INS`] replaced, or `None` when it has none (or a bad
/// objectid). Items are found at the top level of the response's list only, so that
/// nothing inside a string, a literal or a body structure is taken for one.
fn stand_ins(m: &[u8]) -> Option<(Vec<u8>, Vec<&'static str>)> {
    let s = scan(m);
    let kind = s
        .atoms
        .iter()
        .find(|(_, a)| *a == b"FETCH" || *a == b"STATUS")?;
    if !m.starts_with(b"* ") || kind.0 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(m.len());
    let mut done = 0;
    let mut rules = Vec::new();
    for &(depth, atom) in &s.atoms {
        let at = atom.as_ptr() as usize - m.as_ptr() as usize;
        if depth != 1 || at < done {
            continue;
        }
        let item = &m[at..];
        let Some((rule, from, stand)) =
            STAND_INS.iter().find(|(_, from, _)| item.starts_with(from))
        else {
            continue;
        };
        let (with, skip) = match stand {
            Stand::Same(to) => (*to, from.len()),
            Stand::ObjectId(to) => {
                let id = &item[from.len()..];
                let len = id.iter().position(|&b| b == b')')?;
                let id = &id[..len];
                let ok = (1..=255).contains(&id.len())
                    && id
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !ok {
                    return None;
                }
                (*to, from.len() + len + 1)
            }
            Stand::Origin => match atom.iter().position(|&b| b == b']') {
                Some(close) if atom[close + 1..].starts_with(b"<") => (&atom[..=close], atom.len()),
                _ => continue,
            },
        };
        out.extend_from_slice(&m[done..at]);
        out.extend_from_slice(with);
        done = at + skip;
        rules.push(*rule);
    }
    if done == 0 {
        return None;
    }
    out.extend_from_slice(&m[done..]);
    Some((out, rules))
}

/// Commands that use a rule imap-codec lacks: the tests speak these extensions to imapd.
pub const COMMAND_EXCEPTIONS: &[Exception] = &[
    Exception {
        rule: "RFC 4466 3 search-return-opts (RFC 4731 4, RFC 5267 SORT RETURN, RFC 9394 PARTIAL)",
        matches: |m| has_atom(m, b"RETURN") && (has_atom(m, b"SEARCH") || has_atom(m, b"SORT")),
    },
    Exception {
        rule: "RFC 5182 3 seq-last-command (\"$\")",
        matches: |m| has_atom(m, b"$"),
    },
    Exception {
        // imap-codec's LIST is RFC 3501's: one reference, one pattern, nothing after.
        rule: "RFC 5258 6 list-select-opts, list-return-opts, mbox-or-pat (with RFC 5819, RFC 6154)",
        matches: |m| {
            let s = scan(m);
            s.atoms.get(1).is_some_and(|(_, a)| a.eq_ignore_ascii_case(b"LIST"))
                && (s.depth > 0 || has_atom(m, b"RETURN"))
        },
    },
    Exception {
        rule: "RFC 4466 3 fetch-modifiers: RFC 9394's \"PARTIAL\" SP partial-range",
        matches: |m| has_atom(m, b"FETCH") && has_atom(m, b"PARTIAL"),
    },
    Exception {
        rule: "RFC 8970 6 fetch-att =/ \"PREVIEW\" [SP \"(\" preview-mod *(SP preview-mod) \")\"]",
        matches: |m| has_atom(m, b"PREVIEW"),
    },
    Exception {
        rule: "RFC 8514 5 fetch-att =/ \"SAVEDATE\", search-key =/ SAVEDBEFORE / SAVEDON / SAVEDSINCE / SAVEDATESUPPORTED",
        matches: |m| {
            [&b"SAVEDATE"[..], b"SAVEDON", b"SAVEDBEFORE", b"SAVEDSINCE", b"SAVEDATESUPPORTED"]
                .iter()
                .any(|w| has_atom(m, w))
        },
    },
    Exception {
        rule: "RFC 8474 7 fetch-att, search-key and status-att EMAILID / THREADID / MAILBOXID",
        matches: |m| [&b"EMAILID"[..], b"THREADID", b"MAILBOXID"].iter().any(|w| has_atom(m, w)),
    },
    Exception {
        rule: "RFC 7889 formal syntax: status-att =/ \"APPENDLIMIT\"",
        matches: |m| has_atom(m, b"APPENDLIMIT"),
    },
    Exception {
        rule: "RFC 4469 5 append-data =/ \"CATENATE\" SP \"(\" cat-part *(SP cat-part) \")\"",
        matches: |m| has_atom(m, b"CATENATE"),
    },
    Exception {
        rule: "RFC 6855 4 append-data =/ utf8-literal",
        matches: |m| has_atom(m, b"APPEND") && has_atom(m, b"UTF8"),
    },
    Exception {
        rule: "RFC 3502 append = \"APPEND\" SP mailbox 1*append-message (MULTIAPPEND)",
        matches: |m| {
            let s = scan(m);
            has_atom(m, b"APPEND")
                && s.atoms
                    .iter()
                    .filter(|(d, a)| *d == 0 && (a.starts_with(b"{") || a.starts_with(b"~{")))
                    .count()
                    > 1
        },
    },
    Exception {
        rule: "RFC 5267 4.2 cancelupdate = \"CANCELUPDATE\" 1*(SP quoted)",
        matches: |m| {
            let s = scan(m);
            s.atoms.get(1).is_some_and(|(_, a)| a.eq_ignore_ascii_case(b"CANCELUPDATE"))
        },
    },
    Exception {
        rule: "RFC 4466 2.2 create-params (RFC 6154 3 \"USE\" among them)",
        matches: |m| {
            let s = scan(m);
            s.atoms.get(1).is_some_and(|(_, a)| a.eq_ignore_ascii_case(b"CREATE")) && s.depth > 0
        },
    },
    Exception {
        // imap-codec parses search-key with search_key(9) and fails deeper ones; counted
        // generously, as parentheses plus every NOT and OR.
        rule: "RFC 3501 9 search-key nested deeper than imap-codec's 9",
        matches: |m| {
            let s = scan(m);
            let ops = s.atoms.iter().filter(|(_, a)| {
                a.eq_ignore_ascii_case(b"NOT") || a.eq_ignore_ascii_case(b"OR")
            });
            has_atom(m, b"SEARCH") && s.depth + ops.count() > 8
        },
    },
];

/// The atoms of a message, each with the parenthesis depth it stands at, and the deepest
/// depth: quoted strings and literal data are skipped (a literal's announcement is an
/// atom), and a `[...]` stays inside its atom, parentheses and all.
struct Scan<'a> {
    atoms: Vec<(usize, &'a [u8])>,
    depth: usize,
}

fn scan(m: &[u8]) -> Scan<'_> {
    let mut s = Scan {
        atoms: Vec::new(),
        depth: 0,
    };
    let mut depth = 0;
    let mut i = 0;
    while i < m.len() {
        match m[i] {
            b'(' => {
                depth += 1;
                s.depth = s.depth.max(depth);
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b' ' | b'\r' | b'\n' => i += 1,
            b'"' => {
                i += 1;
                while i < m.len() && m[i] != b'"' {
                    i += if m[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => {
                let start = i;
                let mut bracket = 0usize;
                while i < m.len() {
                    match m[i] {
                        b'[' => bracket += 1,
                        b']' => bracket = bracket.saturating_sub(1),
                        b' ' | b'(' | b')' | b'\r' | b'\n' if bracket == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                let atom = &m[start..i];
                s.atoms.push((depth, atom));
                if let Some(n) = literal_len(atom) {
                    // The announcement's CRLF, then the data.
                    i += 2 + n;
                }
            }
        }
    }
    s
}

/// `n` when `atom` is a literal announcement: `{n}`, `{n+}`, `~{n}`, `~{n+}`.
fn literal_len(atom: &[u8]) -> Option<usize> {
    let a = atom.strip_prefix(b"~").unwrap_or(atom);
    let a = a.strip_prefix(b"{")?.strip_suffix(b"}")?;
    let a = a.strip_suffix(b"+").unwrap_or(a);
    std::str::from_utf8(a).ok()?.parse().ok()
}

fn has_atom(m: &[u8], word: &[u8]) -> bool {
    scan(m)
        .atoms
        .iter()
        .any(|(_, a)| a.eq_ignore_ascii_case(word))
}

/// Whether `m` is an untagged FETCH with the item `name` in its list.
fn fetch_has(m: &[u8], name: &[u8]) -> bool {
    let s = scan(m);
    s.atoms.get(2).is_some_and(|(_, a)| *a == b"FETCH")
        && s.atoms.iter().any(|(d, a)| *d == 1 && *a == name)
}

/// Whether `m` is an untagged STATUS with the item `name` in its list.
fn status_has(m: &[u8], name: &[u8]) -> bool {
    let s = scan(m);
    s.atoms.get(1).is_some_and(|(_, a)| *a == b"STATUS")
        && s.atoms.iter().any(|(d, a)| *d == 1 && *a == name)
}

/// The grammar state of one connection: the client's and the server's byte streams.
pub struct Grammar {
    server: Fragmentizer,
    client: Fragmentizer,
    server_state: ServerState,
    client_state: ClientState,
    /// The tag of a COMPRESS command awaiting its tagged response.
    compress: Option<String>,
    commands_checked: bool,
    /// The bytes come before compression (tests/compress.rs): COMPRESS changes nothing.
    inflated: bool,
}

impl Default for Grammar {
    fn default() -> Self {
        Grammar::new()
    }
}

impl Grammar {
    pub fn new() -> Grammar {
        Grammar {
            server: Fragmentizer::without_max_message_size(),
            client: Fragmentizer::without_max_message_size(),
            server_state: ServerState::Greeting,
            client_state: ClientState::Commands,
            compress: None,
            commands_checked: true,
            inflated: false,
        }
    }

    /// The test sends invalid commands on purpose: the client side is framed but not
    /// judged. The server's side is still checked.
    pub fn unchecked_commands(&mut self) {
        self.commands_checked = false;
    }

    /// The caller hands over the bytes as they are before DEFLATE (RFC 4978), so that
    /// checking goes on after COMPRESS.
    pub fn inflated(&mut self) {
        self.inflated = true;
    }

    /// Bytes the server wrote. An error names the response imap-codec rejects.
    pub fn server(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.server_state == ServerState::Compressed {
            return Ok(());
        }
        self.server.enqueue_bytes(bytes);
        while self.server.progress().is_some() {
            if self.server.is_message_complete() {
                self.response()?;
                if self.server_state == ServerState::Compressed {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Bytes the client sent. An error names the command imap-codec rejects.
    pub fn client(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.client_state == ClientState::Compressed {
            return Ok(());
        }
        self.client.enqueue_bytes(bytes);
        while self.client.progress().is_some() {
            if self.client.is_message_complete() {
                self.command()?;
                if self.client_state == ClientState::Compressed {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Checks the server's complete message.
    fn response(&mut self) -> Result<(), String> {
        let msg = self.server.message_bytes();
        // `imapd serve` started by the login role (IMAPLOGINTAG) begins with the tagged OK
        // of LOGIN: the login role sent the greeting.
        if self.server_state == ServerState::Greeting {
            self.server_state = ServerState::Responses;
            if msg.starts_with(b"* ") {
                return match self.server.decode_message(&GreetingCodec::new()) {
                    Ok(_) => Ok(()),
                    Err(e) => Err(rejected("greeting", msg, &reason(&e))),
                };
            }
        }
        let tagged = match self.server.decode_message(&ResponseCodec::new()) {
            Ok(Response::Status(Status::Tagged(t))) => {
                Some((t.tag.inner().to_string(), t.body.kind == StatusKind::Ok))
            }
            Ok(_) => None,
            Err(_) if excepted(RESPONSE_EXCEPTIONS, msg) => None,
            Err(e) => match stand_ins(msg) {
                Some((t, rules)) => match ResponseCodec::new().decode(&t) {
                    Ok((b"", _)) => None,
                    _ => {
                        let why = format!(
                            "{}; also with stand-ins for {rules:?}: {:?}",
                            reason(&e),
                            show(&t)
                        );
                        return Err(rejected("response", msg, &why));
                    }
                },
                None => return Err(rejected("response", msg, &reason(&e))),
            },
        };
        let Some((tag, ok)) = tagged else {
            return Ok(());
        };
        if self.client_state == ClientState::Authenticate(tag.clone()) {
            self.client_state = ClientState::Commands;
        }
        if self.compress.as_deref() == Some(tag.as_str()) {
            self.compress = None;
            if ok && !self.inflated {
                // RFC 4978 3: both directions compress from the byte after the CRLF of
                // the tagged OK (server) and of the command (client).
                self.server_state = ServerState::Compressed;
                self.client_state = ClientState::Compressed;
            }
        }
        self.refused_literal(&tag)
    }

    /// A tagged response to a command still waiting for a synchronizing literal refuses
    /// the literal (RFC 3501 7.5): the client sends no literal data, and its next bytes
    /// start a new command. What it sent so far must still be a correct beginning.
    fn refused_literal(&mut self, tag: &str) -> Result<(), String> {
        let pending = self.client.message_bytes();
        if pending.is_empty() || self.client.is_message_complete() {
            return Ok(());
        }
        if self.client.decode_tag().is_none_or(|t| t.inner() != tag) {
            return Ok(());
        }
        let result = match CommandCodec::new().decode(pending) {
            Err(CommandDecodeError::LiteralFound { .. }) => Ok(()),
            Err(_) if excepted(COMMAND_EXCEPTIONS, pending) => Ok(()),
            Err(e) if self.commands_checked => Err(rejected("command", pending, &format!("{e:?}"))),
            _ => Ok(()),
        };
        self.client.skip_message();
        result
    }

    /// Checks the client's complete message.
    fn command(&mut self) -> Result<(), String> {
        let msg = self.client.message_bytes();
        let failed = match &self.client_state {
            ClientState::Commands => match self.client.decode_message(&CommandCodec::new()) {
                Ok(cmd) => {
                    let tag = cmd.tag.inner().to_string();
                    match cmd.body {
                        CommandBody::Idle => self.client_state = ClientState::IdleDone,
                        CommandBody::Authenticate { .. } => {
                            self.client_state = ClientState::Authenticate(tag)
                        }
                        CommandBody::Compress { .. } => self.compress = Some(tag),
                        _ => {}
                    }
                    None
                }
                Err(_) if excepted(COMMAND_EXCEPTIONS, msg) => None,
                Err(e) => Some(rejected("command", msg, &reason(&e))),
            },
            ClientState::Authenticate(_) => self
                .client
                .decode_message(&AuthenticateDataCodec::new())
                .err()
                .map(|e| rejected("AUTHENTICATE data", msg, &reason(&e))),
            ClientState::IdleDone => {
                self.client_state = ClientState::Commands;
                self.client
                    .decode_message(&IdleDoneCodec::new())
                    .err()
                    .map(|e| rejected("IDLE DONE", msg, &reason(&e)))
            }
            ClientState::Compressed => None,
        };
        match failed {
            Some(why) if self.commands_checked => Err(why),
            _ => Ok(()),
        }
    }
}

fn excepted(list: &[Exception], msg: &[u8]) -> bool {
    list.iter().any(|x| (x.matches)(msg))
}

/// Why imap-codec did not take a whole message.
fn reason<C: Decoder>(e: &DecodeMessageError<'_, C>) -> String
where
    for<'a> C::Error<'a>: std::fmt::Debug,
{
    match e {
        DecodeMessageError::DecodingFailure(e) => format!("{e:?}"),
        DecodeMessageError::DecodingRemainder { remainder, .. } => {
            format!("bytes left over: {:?}", show(remainder.declassify()))
        }
        DecodeMessageError::MessageTooLong { .. } => "too long".to_string(),
        DecodeMessageError::MessagePoisoned { .. } => "poisoned".to_string(),
    }
}

fn rejected(what: &str, msg: &[u8], why: &str) -> String {
    format!("imap-codec rejects this {what} ({why}): {:?}", show(msg))
}
