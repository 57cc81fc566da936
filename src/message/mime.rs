//! MIME header values (RFC 2045 section 5.1): `type/subtype; name=value; ...` with tokens,
//! quoted strings and comments, and RFC 2231 continuations (`name*0=`, `name*1=`) joined.

/// A parsed Content-Type (or Content-Disposition: `mtype` then holds the disposition and
/// `subtype` is empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Value {
    pub mtype: Vec<u8>,
    pub subtype: Vec<u8>,
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Value {
    pub fn param(&self, name: &[u8]) -> Option<&[u8]> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..])
    }

    pub fn is(&self, mtype: &[u8], subtype: &[u8]) -> bool {
        self.mtype.eq_ignore_ascii_case(mtype) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

fn is_tspecial(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b';'
            | b':'
            | b'\\'
            | b'"'
            | b'/'
            | b'['
            | b']'
            | b'?'
            | b'='
    )
}

impl Lexer<'_> {
    /// Skips white space and (nested) comments.
    fn skip(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'(' {
                let mut depth = 0;
                while let Some(&c) = self.s.get(self.pos) {
                    self.pos += 1;
                    match c {
                        // A backslash at the very end escapes nothing: stay at the end.
                        b'\\' => self.pos = (self.pos + 1).min(self.s.len()),
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn token(&mut self) -> Vec<u8> {
        self.skip();
        let start = self.pos;
        while self
            .s
            .get(self.pos)
            .is_some_and(|&b| b > b' ' && b < 0x7f && !is_tspecial(b) || b >= 0x80)
        {
            self.pos += 1;
        }
        self.s[start..self.pos].to_vec()
    }

    /// A token or a quoted string (its escapes removed).
    fn word(&mut self) -> Vec<u8> {
        self.skip();
        if self.s.get(self.pos) != Some(&b'"') {
            return self.token();
        }
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(&b) = self.s.get(self.pos) {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(&c) = self.s.get(self.pos) {
                        out.push(c);
                        self.pos += 1;
                    }
                }
                b'\r' | b'\n' => {}
                _ => out.push(b),
            }
        }
        out
    }
}

/// Parses `type/subtype *(; name=value)`; with `disposition`, just `value *(; name=value)`.
pub fn parse(value: &[u8], disposition: bool) -> Value {
    let mut lx = Lexer { s: value, pos: 0 };
    let mut v = Value {
        mtype: lx.token(),
        ..Value::default()
    };
    if !disposition && lx.eat(b'/') {
        v.subtype = lx.token();
    }
    let mut raw: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    loop {
        // Skip to the next `;`, so one bad parameter does not lose the rest.
        while lx.pos < value.len() && !lx.eat(b';') {
            lx.pos += 1;
        }
        if lx.pos >= value.len() {
            break;
        }
        let name = lx.token();
        if name.is_empty() || !lx.eat(b'=') {
            continue;
        }
        raw.push((name, lx.word()));
    }
    v.params = join_continuations(raw);
    v
}

/// The Content-Transfer-Encoding of a part's header as written, comments removed.
pub fn encoding(header: &[u8]) -> Option<Vec<u8>> {
    encoding_of(&super::header::get(header, b"Content-Transfer-Encoding")?)
}

/// [`encoding`] from the unfolded value of the field, for a reader that has the header's
/// fields at hand already.
pub fn encoding_of(value: &[u8]) -> Option<Vec<u8>> {
    let token = parse(value, true).mtype;
    (!token.is_empty()).then_some(token)
}

/// A comma-separated list of tokens with comments removed (Content-Language, RFC 3282).
pub fn list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut lx = Lexer { s: value, pos: 0 };
    let mut out = Vec::new();
    loop {
        let t = lx.token();
        if !t.is_empty() {
            out.push(t);
        }
        if !lx.eat(b',') {
            if lx.pos >= value.len() {
                return out;
            }
            lx.pos += 1;
        }
    }
}

/// RFC 2231 section 3: `title*0="a"; title*1="b"` is one parameter `title`; with `*0*`
/// sections the joined value keeps its `charset'lang'` prefix and the name ends in `*`.
fn join_continuations(raw: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut sections: Vec<(Vec<u8>, u32, bool, Vec<u8>)> = Vec::new();
    for (name, value) in raw {
        let Some(star) = memchr::memchr(b'*', &name) else {
            out.push((name, value));
            continue;
        };
        let (base, rest) = (&name[..star], &name[star + 1..]);
        let encoded = rest.ends_with(b"*") || rest.is_empty();
        let digits = rest.strip_suffix(b"*").unwrap_or(rest);
        match std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<u32>().ok())
        {
            Some(n) => sections.push((base.to_vec(), n, encoded, value)),
            None => out.push((name, value)),
        }
    }
    sections.sort_by_key(|s| (s.0.to_ascii_lowercase(), s.1));
    let mut i = 0;
    while i < sections.len() {
        let base = sections[i].0.clone();
        let encoded = sections[i].2;
        let mut value = Vec::new();
        while i < sections.len() && sections[i].0.eq_ignore_ascii_case(&base) {
            value.extend_from_slice(&sections[i].3);
            i += 1;
        }
        let mut name = base;
        if encoded {
            name.push(b'*');
        }
        out.push((name, value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let v = parse(
            b"text/plain; charset=\"ISO-8859-1\" (latin) ; format=flowed",
            false,
        );
        assert_eq!(
            (&v.mtype[..], &v.subtype[..]),
            (&b"text"[..], &b"plain"[..])
        );
        assert_eq!(v.param(b"CHARSET"), Some(&b"ISO-8859-1"[..]));
        assert_eq!(v.param(b"format"), Some(&b"flowed"[..]));
        let v = parse(b"multipart/mixed;\n boundary=\"=_a b\\\"c\"", false);
        assert_eq!(v.param(b"boundary"), Some(&b"=_a b\"c"[..]));
        let v = parse(b"attachment; filename=x.pdf", true);
        assert_eq!(&v.mtype, b"attachment");
        assert_eq!(v.param(b"filename"), Some(&b"x.pdf"[..]));
    }

    #[test]
    fn comments_go() {
        assert_eq!(
            list(b"en (English), sv (Swedish)"),
            vec![b"en".to_vec(), b"sv".to_vec()]
        );
        assert_eq!(list(b"de-CH"), vec![b"de-CH".to_vec()]);
        assert_eq!(
            encoding(b"Content-Transfer-Encoding: Quoted-Printable (comment)\n\n"),
            Some(b"Quoted-Printable".to_vec())
        );
    }

    #[test]
    fn rfc2231_continuations() {
        let v = parse(
            b"application/x-stuff; title*0*=us-ascii'en'This%20is; title*1*=%20fun; name*0=a; name*1=b",
            false,
        );
        assert_eq!(
            v.param(b"title*"),
            Some(&b"us-ascii'en'This%20is%20fun"[..])
        );
        assert_eq!(v.param(b"name"), Some(&b"ab"[..]));
    }

    #[test]
    fn a_comment_ending_in_a_backslash() {
        // `Content-Language: (\` ran the position past the end and the next token's
        // slice panicked.
        assert!(list(b"(\\").is_empty());
        assert_eq!(list(b"en (\\"), vec![b"en".to_vec()]);
        let v = parse(b"text/plain (\\", false);
        assert_eq!(
            (&v.mtype[..], &v.subtype[..]),
            (&b"text"[..], &b"plain"[..])
        );
        assert_eq!(
            parse(b"attachment; a=(\\", true).param(b"a"),
            Some(&b""[..])
        );
    }
}
