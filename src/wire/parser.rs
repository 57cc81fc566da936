//! Pulling one command off the wire, token by token (RFC 3501 section 9, RFC 9051 section 9).
//!
//! A command is a line, or several lines joined by literals. The parser reads the first line,
//! hands out tokens, and reads a literal (and the line after it) only when a token asks for
//! it; a synchronizing literal gets its `+` only then, so a command refused before its literal
//! leaves the client free to skip sending it. After any [`ParseError::Bad`], call
//! [`Parser::skip`]: it consumes what the client is still committed to sending of the bad
//! command, so that the next command is read from its first byte.

use std::io::Write;

use zeroize::Zeroize;

use super::input::Line;
use super::{Conn, Disconnect, ReadError, Response, SeqNumber, SequenceSet};

/// Bounds for one command; the pre-auth role uses small ones.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest line, CRLF included.
    pub line: usize,
    /// Largest literal taken into memory.
    pub literal: usize,
    /// Largest command: all its lines and literals.
    pub command: usize,
    /// Largest non-synchronizing literal that is read and dropped to keep the command
    /// stream in step; a larger one ends the connection.
    pub discard: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Answer `BAD` (with the `TOOBIG` code when `toobig`), then call [`Parser::skip`].
    #[error("{text}")]
    Bad { text: &'static str, toobig: bool },
    /// The connection cannot go on.
    #[error(transparent)]
    Lost(#[from] Disconnect),
    /// Well-formed so far but refused (APPEND to a mailbox that does not exist, say):
    /// answer with this `NO`, then call [`Parser::skip`].
    #[error("{}", .0.text)]
    No(Response),
}

impl From<ReadError> for ParseError {
    fn from(e: ReadError) -> ParseError {
        ParseError::Lost(e.into())
    }
}

impl ParseError {
    /// A syntax error: the command gets `BAD text`.
    pub fn bad(text: &'static str) -> ParseError {
        ParseError::Bad {
            text,
            toobig: false,
        }
    }
}

use ParseError as E;

const TOO_LONG: ParseError = ParseError::Bad {
    text: "Command line too long",
    toobig: true,
};

fn bad(text: &'static str) -> ParseError {
    E::bad(text)
}

/// A literal announced at the end of the current line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Announced {
    /// Where `{` (or `~` for literal8) starts in the line.
    at: usize,
    len: u64,
    sync: bool,
    binary: bool,
}

/// Finds `{n}`, `{n+}`, `~{n}` or `~{n+}` at the very end of a line (CRLF already removed).
fn announced(line: &[u8]) -> Option<Announced> {
    let body = line.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', body)?;
    let mut digits = &body[open + 1..];
    let sync = match digits.strip_suffix(b"+") {
        Some(d) => {
            digits = d;
            false
        }
        None => true,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // A number too long for 64 bits is still a literal, only too large for any limit: taken
    // for an argument instead, its bytes would run as commands.
    let len = digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    let binary = open > 0 && body[open - 1] == b'~';
    Some(Announced {
        at: if binary { open - 1 } else { open },
        len,
        sync,
        binary,
    })
}

pub struct Parser<'c> {
    conn: &'c mut Conn,
    limits: Limits,
    line: Vec<u8>,
    pos: usize,
    total: usize,
    pending: Option<Announced>,
    /// The first line was too long; the error waits for [`tag`](Self::tag).
    overlong: bool,
    /// The command takes up the rest itself ([`stop`](Self::stop)).
    stopped: bool,
    /// The client enabled UTF-8 in quoted strings ([`utf8`](Self::utf8)).
    utf8: bool,
}

/// What is left of a command whose own code parses the rest as it runs: APPEND, which
/// stores each message as it arrives. [`Parser::resume`] takes it up again.
pub struct Rest {
    limits: Limits,
    line: Vec<u8>,
    pos: usize,
    total: usize,
    pending: Option<Announced>,
    utf8: bool,
}

/// Zeroes and empties a line: lines in the pre-auth role carry passwords. Only its length
/// needs zeroing, since a line is only ever appended to and shortened by its CR LF;
/// `Vec::zeroize` zeroed the whole 16 KB capacity twice for every command.
fn wipe(line: &mut Vec<u8>) {
    line.as_mut_slice().zeroize();
    line.clear();
}

fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

fn is_list_char(b: u8) -> bool {
    is_atom_char(b) || matches!(b, b'%' | b'*' | b']')
}

impl<'c> Parser<'c> {
    /// Reads the first line of the next command. Errors here end the connection; a line
    /// that was too long is reported by [`tag`](Self::tag).
    pub fn begin(conn: &'c mut Conn, limits: Limits) -> Result<Parser<'c>, Disconnect> {
        let mut p = Parser {
            conn,
            limits,
            line: Vec::with_capacity(limits.line.min(16384) + 2),
            pos: 0,
            total: 0,
            pending: None,
            overlong: false,
            stopped: false,
            utf8: false,
        };
        p.overlong = !p.read_line()?;
        Ok(p)
    }

    /// Reads the next line of the command into `self.line` (CRLF or bare LF removed).
    fn next_line(&mut self) -> Result<(), ParseError> {
        match self.read_line()? {
            true => Ok(()),
            false => Err(TOO_LONG),
        }
    }

    /// [`next_line`](Self::next_line), saying whether the line fitted.
    fn read_line(&mut self) -> Result<bool, Disconnect> {
        wipe(&mut self.line);
        self.pos = 0;
        let room = self
            .limits
            .line
            .min(self.limits.command.saturating_sub(self.total));
        match self.conn.input.read_line(&mut self.line, room)? {
            Line::Complete => {
                self.total += self.line.len();
                self.line.pop();
                if self.line.last() == Some(&b'\r') {
                    self.line.pop();
                }
                self.pending = announced(&self.line);
                Ok(true)
            }
            Line::TooLong { tail } => {
                self.pending = announced(&tail);
                Ok(false)
            }
        }
    }

    /// Ends parsing here, with the rest of the command unread: the command's own code goes
    /// on with it when it runs ([`resume`](Self::resume)).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether [`stop`](Self::stop) was called.
    pub(super) fn stopped(&self) -> bool {
        self.stopped
    }

    /// What is left of the command after [`stop`](Self::stop).
    pub(super) fn into_rest(mut self) -> Rest {
        Rest {
            limits: self.limits,
            line: std::mem::take(&mut self.line),
            pos: self.pos,
            total: self.total,
            pending: self.pending.take(),
            utf8: self.utf8,
        }
    }

    /// From here on, a quoted string with 8-bit bytes must be UTF-8 (RFC 6855 3: the
    /// server MUST reject other 8-bit sequences with BAD once UTF8=ACCEPT is enabled;
    /// RFC 9051 9: IMAP4rev2's QUOTED-CHAR takes UTF-8 only).
    pub fn utf8(&mut self) {
        self.utf8 = true;
    }

    /// Goes on parsing a command where [`stop`](Self::stop) left it.
    pub fn resume(conn: &'c mut Conn, rest: Rest) -> Parser<'c> {
        Parser {
            conn,
            limits: rest.limits,
            line: rest.line,
            pos: rest.pos,
            total: rest.total,
            pending: rest.pending,
            overlong: false,
            stopped: false,
            utf8: rest.utf8,
        }
    }

    /// Consumes the rest of a command that was refused: non-synchronizing literals the
    /// client sends regardless, and the lines after them. A synchronizing literal ends it,
    /// since the client waits for a `+` that is never sent.
    pub fn skip(mut self) -> Result<(), Disconnect> {
        while let Some(lit) = self.pending.take() {
            if lit.sync {
                break;
            }
            if lit.len > self.limits.discard {
                return Err(Disconnect::Overflow);
            }
            self.conn.input.discard(lit.len)?;
            self.total = 0;
            wipe(&mut self.line);
            match self
                .conn
                .input
                .read_line(&mut self.line, self.limits.line)?
            {
                Line::Complete => {
                    self.line.pop();
                    if self.line.last() == Some(&b'\r') {
                        self.line.pop();
                    }
                    self.pending = announced(&self.line);
                }
                Line::TooLong { tail } => self.pending = announced(&tail),
            }
        }
        Ok(())
    }

    fn rest(&self) -> &[u8] {
        &self.line[self.pos..]
    }

    /// The next byte of the current line, if any.
    pub fn peek(&self) -> Option<u8> {
        self.line.get(self.pos).copied()
    }

    /// Whether the line goes on with `s`, case ignored, without consuming it.
    pub fn ahead(&self, s: &[u8]) -> bool {
        self.rest()
            .get(..s.len())
            .is_some_and(|r| r.eq_ignore_ascii_case(s))
    }

    /// The keyword that comes next, upper-cased, without consuming it.
    pub fn peek_keyword(&self) -> Option<Vec<u8>> {
        let rest = self.rest();
        let n = rest
            .iter()
            .take_while(|&&b| is_atom_char(b) && b != b'[')
            .count();
        (n > 0).then(|| rest[..n].to_ascii_uppercase())
    }

    /// Consumes `b` if it comes next.
    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn at_end(&self) -> bool {
        self.pos == self.line.len()
    }

    pub fn sp(&mut self) -> Result<(), ParseError> {
        if self.eat(b' ') {
            Ok(())
        } else if self.at_end() {
            Err(bad("Missing argument"))
        } else {
            Err(bad("Expected a single space"))
        }
    }

    /// The command must end here.
    pub fn end(&mut self) -> Result<(), ParseError> {
        if self.at_end() {
            Ok(())
        } else if self.peek() == Some(b' ') {
            Err(bad("Too many arguments"))
        } else {
            Err(bad("Unexpected characters after argument"))
        }
    }

    fn take_while(&mut self, ok: fn(u8) -> bool) -> &[u8] {
        let start = self.pos;
        while self.pos < self.line.len() && ok(self.line[self.pos]) {
            self.pos += 1;
        }
        &self.line[start..self.pos]
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">`.
    /// The tag, also of a line that was too long: its first bytes are kept, and so the
    /// client hears which command failed (a tag cut short is not one: then `Err`).
    pub fn tag(&mut self) -> Result<Vec<u8>, ParseError> {
        let t = self
            .take_while(|b| is_astring_char(b) && b != b'+')
            .to_vec();
        if self.overlong && (t.is_empty() || self.peek() != Some(b' ')) {
            return Err(TOO_LONG);
        }
        if t.is_empty() || !matches!(self.peek(), None | Some(b' ')) {
            return Err(bad("Invalid tag"));
        }
        Ok(t)
    }

    /// After [`tag`](Self::tag): fails when the line was too long to parse any further.
    pub fn fits(&self) -> Result<(), ParseError> {
        if self.overlong {
            return Err(TOO_LONG);
        }
        Ok(())
    }

    /// An atom, as raw bytes.
    pub fn atom(&mut self) -> Result<Vec<u8>, ParseError> {
        let a = self.take_while(is_atom_char).to_vec();
        if a.is_empty() {
            return Err(bad("Expected an atom"));
        }
        Ok(a)
    }

    /// A command name or other keyword, upper-cased.
    pub fn keyword(&mut self) -> Result<Vec<u8>, ParseError> {
        let mut a = self.take_while(|b| is_atom_char(b) && b != b'[').to_vec();
        if a.is_empty() {
            return Err(bad("Expected a keyword"));
        }
        a.make_ascii_uppercase();
        Ok(a)
    }

    /// `astring = 1*ASTRING-CHAR / string`.
    pub fn astring(&mut self) -> Result<Vec<u8>, ParseError> {
        self.chars_or_string(is_astring_char, "Expected a string")
    }

    /// `list-mailbox = 1*list-char / string` (LIST patterns with `%` and `*`).
    pub fn list_mailbox(&mut self) -> Result<Vec<u8>, ParseError> {
        self.chars_or_string(is_list_char, "Expected a mailbox pattern")
    }

    /// A string, or a run of at least one character that `ok` allows.
    fn chars_or_string(
        &mut self,
        ok: fn(u8) -> bool,
        missing: &'static str,
    ) -> Result<Vec<u8>, ParseError> {
        if matches!(self.peek(), Some(b'"' | b'{')) {
            return self.string();
        }
        let a = self.take_while(ok).to_vec();
        if a.is_empty() {
            return Err(bad(missing));
        }
        Ok(a)
    }

    /// `string = quoted / literal`.
    pub fn string(&mut self) -> Result<Vec<u8>, ParseError> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            _ => Err(bad("Expected a quoted string or a literal")),
        }
    }

    /// `nstring = string / nil`: `None` for NIL.
    pub fn nstring(&mut self) -> Result<Option<Vec<u8>>, ParseError> {
        if self.nil() {
            return Ok(None);
        }
        self.string().map(Some)
    }

    /// Consumes `NIL` (any case) if it comes next as a whole atom.
    pub fn nil(&mut self) -> bool {
        let rest = self.rest();
        let nil = rest.len() >= 3
            && rest[..3].eq_ignore_ascii_case(b"NIL")
            && rest.get(3).is_none_or(|&b| !is_atom_char(b));
        if nil {
            self.pos += 3;
        }
        nil
    }

    fn quoted(&mut self) -> Result<Vec<u8>, ParseError> {
        self.pos += 1;
        // Sized once: growing would leave copies of a password in freed memory.
        let mut s = Vec::with_capacity(self.line.len() - self.pos);
        loop {
            match self.peek() {
                None => return Err(bad("Unterminated quoted string")),
                Some(b'"') => {
                    self.pos += 1;
                    if self.utf8 && std::str::from_utf8(&s).is_err() {
                        return Err(bad("Invalid UTF-8 in quoted string"));
                    }
                    return Ok(s);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => s.push(c),
                        _ => return Err(bad("Invalid escape in quoted string")),
                    }
                    self.pos += 1;
                }
                Some(b'\r' | b'\n' | 0) => return Err(bad("Invalid character in quoted string")),
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A `{n}` literal into memory (a literal8 only APPEND takes, [`literal_into`]).
    ///
    /// [`literal_into`]: Self::literal_into
    fn literal(&mut self) -> Result<Vec<u8>, ParseError> {
        let lit = match self.pending {
            Some(l) if l.at == self.pos && !l.binary => l,
            _ => return Err(bad("A literal must end its line: {n} CRLF")),
        };
        if lit.len > self.limits.literal as u64
            || self.total as u64 + lit.len > self.limits.command as u64
        {
            return Err(ParseError::Bad {
                text: "Literal too large",
                toobig: true,
            });
        }
        let n = lit.len as usize;
        if lit.sync {
            self.conn.send(b"+ Ready for literal data\r\n")?;
            self.conn.flush()?;
        }
        self.pending = None;
        let mut data = Vec::with_capacity(n);
        self.conn.input.read_exact(&mut data, n)?;
        self.total += n;
        self.next_line()?;
        if data.contains(&0) {
            return Err(bad("NUL in literal (use literal8)"));
        }
        Ok(data)
    }

    /// A literal or literal8 whose bytes go to `w` instead of memory (APPEND's message, which
    /// RFC 3516 lets be binary), up to `max` bytes, then flushes `w`. Returns its length, or
    /// the error of `w`, which the caller answers: the literal is read to its end anyway.
    pub fn literal_into(
        &mut self,
        w: &mut impl Write,
        max: u64,
    ) -> Result<Result<u64, std::io::Error>, ParseError> {
        let lit = match self.pending {
            Some(l) if l.at == self.pos => l,
            _ => return Err(bad("Expected a literal: {n} CRLF")),
        };
        if lit.len > max {
            return Err(ParseError::Bad {
                text: "Message too large",
                toobig: true,
            });
        }
        if lit.sync {
            self.conn.send(b"+ Ready for literal data\r\n")?;
            self.conn.flush()?;
        }
        self.pending = None;
        let mut failed = self.conn.input.copy_to(w, lit.len)?;
        if failed.is_none() {
            // A buffering writer's own error (a full disk) shows here at the latest.
            failed = w.flush().err();
        }
        self.total = 0;
        self.next_line()?;
        Ok(match failed {
            None => Ok(lit.len),
            Some(e) => Err(e),
        })
    }

    /// The length of the literal that starts here, before any of it is read (so that a
    /// command can refuse it; a synchronizing one then never gets its `+`).
    pub fn literal_len(&self) -> Option<u64> {
        self.pending.filter(|l| l.at == self.pos).map(|l| l.len)
    }

    /// True when a literal8 (`~{n}`, RFC 3516 4.4) starts here.
    pub fn at_literal8(&self) -> bool {
        self.pending.is_some_and(|l| l.at == self.pos && l.binary)
    }

    /// `flag`: `\Seen` (returned with its backslash) or a keyword atom.
    pub fn flag(&mut self) -> Result<Vec<u8>, ParseError> {
        let system = self.eat(b'\\');
        let mut name = self.take_while(|b| is_atom_char(b) && b != b']').to_vec();
        if name.is_empty() {
            return Err(bad("Invalid flag"));
        }
        if system {
            name.insert(0, b'\\');
        }
        Ok(name)
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`.
    pub fn flag_list(&mut self) -> Result<Vec<Vec<u8>>, ParseError> {
        self.open()?;
        let mut flags = Vec::new();
        while !self.eat(b')') {
            if !flags.is_empty() {
                self.sp()?;
            }
            flags.push(self.flag()?);
        }
        Ok(flags)
    }

    /// A quoted `date-time` (RFC 3501 9), as seconds since the epoch.
    pub fn date_time(&mut self) -> Result<i64, ParseError> {
        if self.peek() != Some(b'"') {
            return Err(bad("Expected a quoted date-time"));
        }
        let s = self.quoted()?;
        super::datetime::parse(&s).ok_or_else(|| bad("Invalid date-time"))
    }

    /// `number` (32-bit unsigned).
    pub fn number(&mut self) -> Result<u32, ParseError> {
        let d = self.take_while(|b| b.is_ascii_digit());
        if d.is_empty() || d.len() > 10 {
            return Err(bad("Expected a number"));
        }
        let n = d.iter().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
        u32::try_from(n).map_err(|_| bad("Number out of range"))
    }

    /// `mod-sequence-valzer` (RFC 7162 7): 0 to 2^63 - 1.
    pub fn mod_sequence(&mut self) -> Result<u64, ParseError> {
        let d = self.take_while(|b| b.is_ascii_digit());
        if d.is_empty() || d.len() > 19 {
            return Err(bad("Expected a mod-sequence"));
        }
        let n = d.iter().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
        if n > i64::MAX as u64 {
            return Err(bad("Mod-sequence out of range"));
        }
        Ok(n)
    }

    /// `nz-number`.
    pub fn nz_number(&mut self) -> Result<u32, ParseError> {
        match self.number()? {
            0 => Err(bad("Number must not be zero")),
            n => Ok(n),
        }
    }

    /// `sequence-set`, or `$` (RFC 5182).
    pub fn sequence_set(&mut self) -> Result<SequenceSet, ParseError> {
        if self.eat(b'$') {
            return Ok(SequenceSet::saved());
        }
        let mut ranges = Vec::new();
        loop {
            let a = self.seq_number()?;
            let b = if self.eat(b':') {
                self.seq_number()?
            } else {
                a
            };
            ranges.push((a, b));
            if !self.eat(b',') {
                break;
            }
        }
        Ok(SequenceSet::new(ranges))
    }

    fn seq_number(&mut self) -> Result<SeqNumber, ParseError> {
        if self.eat(b'*') {
            Ok(SeqNumber::Largest)
        } else if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.nz_number().map(SeqNumber::Value)
        } else {
            Err(bad("Invalid sequence set"))
        }
    }

    /// `"(" ... ")"`: consumes the opening parenthesis.
    pub fn open(&mut self) -> Result<(), ParseError> {
        if self.eat(b'(') {
            Ok(())
        } else {
            Err(bad("Expected ("))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        wipe(&mut self.line);
    }
}

#[cfg(test)]
mod tests {
    use super::announced;

    #[test]
    fn literal_markers_at_line_end() {
        let a = announced(b"a LOGIN {5}").unwrap();
        assert_eq!((a.at, a.len, a.sync, a.binary), (8, 5, true, false));
        let a = announced(b"a APPEND x ~{10+}").unwrap();
        assert_eq!((a.at, a.len, a.sync, a.binary), (11, 10, false, true));
        assert_eq!(announced(b"a LOGIN {5} x"), None);
        assert_eq!(announced(b"a LOGIN {}"), None);
        assert_eq!(announced(b"a LOGIN {-1}"), None);
        // Too long for 64 bits: still a literal (too large for every limit), never an argument.
        assert_eq!(
            announced(b"a LOGIN {99999999999999999999+}").map(|a| a.len),
            Some(u64::MAX)
        );
    }
}
