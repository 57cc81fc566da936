//! Address lists (RFC 5322 section 3.4, with the obsolete forms of 4.4 that old mail
//! uses): mailboxes, display names, source routes and groups, as ENVELOPE presents them.

use std::borrow::Cow;

/// One element of an ENVELOPE address list (RFC 3501 7.4.2): a mailbox, or the start or end
/// of a group (start: `mailbox` holds the group name; end: all `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub name: Option<Vec<u8>>,
    pub adl: Option<Vec<u8>>,
    pub mailbox: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
}

/// A token borrows its bytes from the value where it can: a list is tokenized for every
/// ENVELOPE and SORT key a first FETCH computes, and a copy of each word was most of that.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a [u8]),
    /// Quoting removed: borrowed unless it held a quoted pair or a line end.
    Quoted(Cow<'a, [u8]>),
    Literal(&'a [u8]),
    Special(u8),
    /// White space: it separates the words of a display name.
    Space,
    /// A comment's text, quoting removed and white space runs made one space. It
    /// separates words as white space does, and names a mailbox that has no display name
    /// (`user@domain (Real Name)`, as Dovecot reads it).
    Comment(Vec<u8>),
}

impl Token<'_> {
    /// The bytes of a word, quoted string or domain literal; empty for the others.
    fn text(&self) -> &[u8] {
        match self {
            Token::Word(t) | Token::Literal(t) => t,
            Token::Quoted(t) => t,
            _ => &[],
        }
    }

    /// White space or a comment: nothing an address is made of.
    fn blank(&self) -> bool {
        matches!(self, Token::Space | Token::Comment(_))
    }
}

/// The tokens of `s`; with `first_only`, only up to the first `,` or `;` outside `<...>`
/// when no `:` came before it (a group spans separators): the first address of the list.
fn tokenize(s: &[u8], first_only: bool) -> Vec<Token<'_>> {
    // About one token per three bytes in real lists; growing from nothing was a tenth of
    // the parse.
    let mut out = Vec::with_capacity(s.len() / 3 + 4);
    let (mut angle, mut group) = (false, false);
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                if out.last() != Some(&Token::Space) {
                    out.push(Token::Space);
                }
                i += 1;
            }
            b'(' => {
                let (text, end) = comment(s, i);
                out.push(Token::Comment(text));
                i = end;
            }
            b'"' => {
                i += 1;
                let start = i;
                let mut plain = true;
                while i < s.len() && s[i] != b'"' {
                    plain &= !matches!(s[i], b'\\' | b'\r' | b'\n');
                    i += (s[i] == b'\\' && i + 1 < s.len()) as usize + 1;
                }
                let end = i.min(s.len());
                i += 1;
                out.push(Token::Quoted(match plain {
                    true => Cow::Borrowed(&s[start..end]),
                    false => Cow::Owned(unquote(&s[start..end])),
                }));
            }
            b'[' => {
                let end = memchr::memchr(b']', &s[i..]).map_or(s.len(), |n| i + n + 1);
                out.push(Token::Literal(&s[i..end]));
                i = end;
            }
            b'<' | b'>' | b':' | b';' | b'@' | b',' | b'.' => {
                match b {
                    b'<' => angle = true,
                    b'>' => angle = false,
                    b':' if !angle => group = true,
                    b',' | b';' if first_only && !angle && !group => return out,
                    _ => {}
                }
                out.push(Token::Special(b));
                i += 1;
            }
            _ => {
                let start = i;
                while i < s.len()
                    && !matches!(
                        s[i],
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'('
                            | b'"'
                            | b'['
                            | b'<'
                            | b'>'
                            | b':'
                            | b';'
                            | b'@'
                            | b','
                            | b'.'
                    )
                {
                    i += 1;
                }
                out.push(Token::Word(&s[start..i]));
            }
        }
    }
    out
}

/// The text of a quoted string (between its quotes) with quoted pairs undone and line ends
/// dropped.
fn unquote(q: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.len());
    let mut i = 0;
    while i < q.len() {
        if q[i] == b'\\' && i + 1 < q.len() {
            i += 1;
        }
        if q[i] != b'\r' && q[i] != b'\n' {
            out.push(q[i]);
        }
        i += 1;
    }
    out
}

/// The comment that starts at `s[at]` (RFC 5322 3.2.2: nested comments, quoted pairs):
/// its text, with the parentheses of nested comments kept, and where it ends.
fn comment(s: &[u8], at: usize) -> (Vec<u8>, usize) {
    let mut text = Vec::new();
    let mut space = false;
    let mut depth = 0;
    let mut i = at;
    while i < s.len() {
        let mut b = s[i];
        match b {
            b'\\' if i + 1 < s.len() => {
                i += 1;
                b = s[i];
            }
            b'(' => {
                depth += 1;
                if depth == 1 {
                    i += 1;
                    continue;
                }
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (text, i + 1);
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                space = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        if std::mem::take(&mut space) && !text.is_empty() {
            text.push(b' ');
        }
        text.push(b);
        i += 1;
    }
    (text, i)
}

/// Joins words into a phrase (display name), one space where the header had white space.
fn phrase(words: &[Token]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut space = false;
    for w in words {
        match w {
            Token::Space | Token::Comment(_) => space = true,
            Token::Word(_) | Token::Quoted(_) | Token::Literal(_) => {
                if space && !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(w.text());
                space = false;
            }
            Token::Special(b'.') => {
                out.push(b'.');
                space = false;
            }
            Token::Special(_) => {}
        }
    }
    (!out.is_empty() || words.iter().any(|w| matches!(w, Token::Quoted(_)))).then_some(out)
}

/// A local part or domain: words and dots joined without white space, quoting removed
/// (RFC 3501 9, addr-mailbox: "local-part after removing [RFC-2822] quoting").
fn dotted(tokens: &[Token]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in tokens {
        match t {
            Token::Word(_) | Token::Literal(_) | Token::Quoted(_) => {
                out.extend_from_slice(t.text())
            }
            Token::Special(c) => out.push(*c),
            Token::Space | Token::Comment(_) => {}
        }
    }
    out
}

/// Dovecot's stand-ins for what broken mail leaves out, so that an address never looks
/// like a group marker.
const MISSING_MAILBOX: &[u8] = b"MISSING_MAILBOX";
const MISSING_DOMAIN: &[u8] = b"MISSING_DOMAIN";

fn addr_spec(tokens: &[Token], name: Option<Vec<u8>>, adl: Option<Vec<u8>>) -> Address {
    let at = tokens.iter().rposition(|t| *t == Token::Special(b'@'));
    let (local, domain) = match at {
        Some(i) => (&tokens[..i], Some(&tokens[i + 1..])),
        None => (tokens, None),
    };
    let mailbox = dotted(local);
    let host = domain.map(dotted).filter(|d| !d.is_empty());
    Address {
        name,
        adl,
        mailbox: Some(if mailbox.is_empty() {
            MISSING_MAILBOX.to_vec()
        } else {
            mailbox
        }),
        host: Some(host.unwrap_or_else(|| MISSING_DOMAIN.to_vec())),
    }
}

/// The name of an addr-spec without a display name: its last comment that is not empty
/// (Dovecot's reading; RFC 5322 3.4 leaves comments to the reader).
fn comment_name(spec: &[Token]) -> Option<Vec<u8>> {
    spec.iter().rev().find_map(|t| match t {
        Token::Comment(c) if !c.is_empty() => Some(c.clone()),
        _ => None,
    })
}

/// Parses one address, starting at `tokens[i]`; returns the addresses (several for a
/// group) and where the next one starts.
fn address(tokens: &[Token], mut i: usize, out: &mut Vec<Address>, in_group: bool) -> usize {
    let start = i;
    while i < tokens.len() {
        match tokens[i] {
            Token::Special(b'<') => {
                let name = phrase(&tokens[start..i]);
                let close = tokens[i..]
                    .iter()
                    .position(|t| *t == Token::Special(b'>'))
                    .map_or(tokens.len(), |n| i + n);
                let inner: Vec<Token> = tokens[i + 1..close]
                    .iter()
                    .filter(|t| !t.blank())
                    .cloned()
                    .collect();
                let inner = &inner[..];
                // obs-route: "@a,@b:" before the addr-spec.
                let (adl, spec) = match inner.iter().position(|t| *t == Token::Special(b':')) {
                    Some(colon) if inner.first() == Some(&Token::Special(b'@')) => {
                        (Some(dotted(&inner[..colon])), &inner[colon + 1..])
                    }
                    _ => (None, inner),
                };
                if !spec.is_empty() {
                    out.push(addr_spec(spec, name, adl));
                }
                i = close + 1;
                // Skip anything up to the next separator.
                while i < tokens.len() && !matches!(tokens[i], Token::Special(b',' | b';')) {
                    i += 1;
                }
                return i;
            }
            Token::Special(b':') if !in_group => {
                out.push(Address {
                    mailbox: Some(phrase(&tokens[start..i]).unwrap_or_default()),
                    ..Address::default()
                });
                i += 1;
                loop {
                    while i < tokens.len()
                        && (tokens[i] == Token::Special(b',') || tokens[i].blank())
                    {
                        i += 1;
                    }
                    if i >= tokens.len() || tokens[i] == Token::Special(b';') {
                        break;
                    }
                    i = address(tokens, i, out, true);
                }
                out.push(Address::default());
                return i + 1;
            }
            Token::Special(b',') | Token::Special(b';') => break,
            _ => i += 1,
        }
    }
    let spec = &tokens[start..i];
    if let Some(first) = spec.iter().position(|t| !t.blank()) {
        out.push(addr_spec(spec, comment_name(&spec[first..]), None));
    }
    i
}

/// The addresses of a header value; empty for a value with none.
pub fn parse(value: &[u8]) -> Vec<Address> {
    addresses(&tokenize(value, false))
}

/// The first address of a header value, as [`parse`] gives it, reading only as far as it
/// ends when that is enough: a To of 500 recipients is one address's work (SORT's keys).
pub fn first(value: &[u8]) -> Option<Address> {
    let head = addresses(&tokenize(value, true)).into_iter().next();
    // A head with no address (`, , a@x`, `<>, b@y`): the whole list says which is first.
    head.or_else(|| parse(value).into_iter().next())
}

fn addresses(tokens: &[Token]) -> Vec<Address> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if matches!(tokens[i], Token::Special(b',' | b';')) || tokens[i].blank() {
            i += 1;
            continue;
        }
        i = address(tokens, i, &mut out, false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: Option<&str>, mailbox: &str, host: &str) -> Address {
        Address {
            name: name.map(|n| n.as_bytes().to_vec()),
            adl: None,
            mailbox: Some(mailbox.as_bytes().to_vec()),
            host: Some(host.as_bytes().to_vec()),
        }
    }

    #[test]
    fn rfc5322_forms() {
        assert_eq!(
            parse(b"joe@example.org"),
            vec![a(None, "joe", "example.org")]
        );
        assert_eq!(
            parse(b"\"Doe, John\" <john.doe@example.org>, Mary Smith <mary@x.test> (comment)"),
            vec![
                a(Some("Doe, John"), "john.doe", "example.org"),
                a(Some("Mary Smith"), "mary", "x.test")
            ]
        );
        assert_eq!(
            parse(b"=?utf-8?q?J=C3=B6rg?= <j@x>")[0].name.as_deref(),
            Some(&b"=?utf-8?q?J=C3=B6rg?="[..])
        );
        // RFC 5322 appendix A.1.3: a group.
        let g = parse(
            b"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Mary <mary@x.test>",
        );
        assert_eq!(g.len(), 6);
        assert_eq!(g[0].mailbox.as_deref(), Some(&b"A Group"[..]));
        assert_eq!(g[0].host, None);
        assert_eq!(g[4], Address::default());
        assert_eq!(g[5], a(Some("Mary"), "mary", "x.test"));
        let empty = parse(b"undisclosed-recipients:;");
        assert_eq!(empty.len(), 2);
        // Obsolete source route.
        let r = parse(b"<@route.a,@route.b:user@host>");
        assert_eq!(r[0].adl.as_deref(), Some(&b"@route.a,@route.b"[..]));
        assert_eq!(r[0].mailbox.as_deref(), Some(&b"user"[..]));
        // Quoting is removed from the local part (RFC 3501 9, addr-mailbox).
        assert_eq!(
            parse(b"\"john doe\"@x.test")[0].mailbox.as_deref(),
            Some(&b"john doe"[..])
        );
        // White space in a display name stays where it was, also after a dot.
        assert_eq!(
            parse(b"John Q. Public <jqp@x>")[0].name.as_deref(),
            Some(&b"John Q. Public"[..])
        );
        assert_eq!(
            parse(b"spaced . local @ example . org")[0]
                .mailbox
                .as_deref(),
            Some(&b"spaced.local"[..])
        );
        // A comment names an addr-spec that has no display name: the last one that is not
        // empty (Dovecot 2.3.19's ENVELOPE; RFC 5322 3.2.2 for the comment syntax).
        let name = |v: &[u8]| {
            parse(v)[0]
                .name
                .clone()
                .map(|n| String::from_utf8(n).unwrap())
        };
        assert_eq!(
            name(b"user@domain (Real Name)").as_deref(),
            Some("Real Name")
        );
        assert_eq!(
            name(b"user@domain (First) (Second)").as_deref(),
            Some("Second")
        );
        assert_eq!(name(b"user(c1)@domain(c2)").as_deref(), Some("c2"));
        assert_eq!(
            name(b"user@domain (nested (inner) name)").as_deref(),
            Some("nested (inner) name")
        );
        assert_eq!(
            name(b"user@domain (quoted \\) pair)").as_deref(),
            Some("quoted ) pair")
        );
        assert_eq!(
            name(b"u@d (  spaced \r\n  out  )").as_deref(),
            Some("spaced out")
        );
        assert_eq!(name(b"(Before) user@domain"), None);
        assert_eq!(name(b"user@domain ()"), None);
        assert_eq!(name(b"<user@domain> (comment)"), None);
        assert_eq!(
            name(b"Name <user@domain> (comment)").as_deref(),
            Some("Name")
        );
        let two = parse(b"a@b (A), c@d (C)");
        assert_eq!(two, vec![a(Some("A"), "a", "b"), a(Some("C"), "c", "d")]);
        let g = parse(b"Group: x@y (X);");
        assert_eq!(g[1], a(Some("X"), "x", "y"));
        assert_eq!(
            parse(b"<user-from (comment)@ (comment) domain.org>"),
            vec![a(None, "user-from", "domain.org")]
        );
        // Quoted pairs and folding inside a quoted string (RFC 5322 3.2.4), an unclosed
        // quote, 8-bit bytes left as they came.
        assert_eq!(
            parse(b"\"a\\\"b\\\\c\" <x@y>")[0].name.as_deref(),
            Some(&b"a\"b\\c"[..])
        );
        assert_eq!(
            parse(b"\"fol\r\n ded\" <x@y>")[0].name.as_deref(),
            Some(&b"fol ded"[..])
        );
        assert_eq!(
            parse(b"\"open <x@y>")[0].mailbox.as_deref(),
            Some(&b"open <x@y>"[..])
        );
        assert_eq!(
            parse(b"J\xc3\xb6rg <j@x>")[0].name.as_deref(),
            Some(&b"J\xc3\xb6rg"[..])
        );
        // Broken: no domain.
        assert_eq!(parse(b"joe")[0].host.as_deref(), Some(MISSING_DOMAIN));
        assert!(parse(b"").is_empty());
    }
}
