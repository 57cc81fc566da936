//! The base subject of RFC 5256 section 2.1, which SORT and THREAD compare: the subject
//! with reply and forward markers, mailing list tags in brackets and `(fwd)` removed.

use super::decode;

/// The base subject of a raw Subject value (encoded words decoded, and upper-cased for
/// comparison as i;unicode-casemap does, RFC 5256 7 and RFC 5051), and whether removing the
/// markers showed the message to be a reply or a forward (RFC 5256 REFERENCES step 5).
///
/// Every step narrows one slice of the decoded text, so the work is linear in its length:
/// a 64 KiB subject of `Re: ` or `[x]` repeated costs one pass, not one copy per marker.
pub fn base(raw: &[u8]) -> (String, bool) {
    // (1) Decode; tabs and runs of spaces become one space.
    let decoded = decode::header_text(raw);
    let mut text = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if c == '\t' || c == '\r' || c == '\n' {
            ' '
        } else {
            c
        };
        if !(c == ' ' && text.ends_with(' ')) {
            text.push(c);
        }
    }
    let mut s = text.as_str();
    let mut reply = false;
    loop {
        // (2) Trailers: "(fwd)" and white space.
        loop {
            s = s.trim_end_matches(' ');
            match ascii_suffix(s, "(fwd)") {
                Some(rest) => {
                    s = rest;
                    reply = true;
                }
                None => break,
            }
        }
        // (3)-(5) Leaders: white space and `*subj-blob subj-refwd` go; then a leading
        // blob goes unless nothing would be left. A refwd cannot start with `[`, so it can
        // only follow the whole run of blobs at the start: when it is not there, (4) and
        // (3) take the run blob by blob down to the last one, or all of it when something
        // follows, which is done here at once.
        loop {
            s = s.trim_start_matches(' ');
            let mut run = s;
            let mut last_blob = None;
            while let Some(rest) = strip_blob(run) {
                last_blob = Some(run);
                run = rest;
            }
            if let Some(rest) = strip_refwd(run) {
                s = rest;
                reply = true;
                continue;
            }
            match last_blob {
                Some(_) if !run.trim_start().is_empty() => s = run,
                Some(last) => {
                    s = last;
                    break;
                }
                None => break,
            }
        }
        // (6) "[fwd: ... ]" around the whole subject.
        if let Some(inner) = ascii_prefix(s, "[fwd:").and_then(|r| r.strip_suffix(']')) {
            s = inner;
            reply = true;
            continue;
        }
        break;
    }
    (s.to_uppercase(), reply)
}

/// `s` without the ASCII `prefix`, matched without regard to case.
fn ascii_prefix<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    // The bytes match an ASCII string, so they end on a character boundary.
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &s[prefix.len()..])
}

/// `s` without the ASCII `suffix`, matched without regard to case.
fn ascii_suffix<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    s.as_bytes()[cut..]
        .eq_ignore_ascii_case(suffix.as_bytes())
        .then(|| &s[..cut])
}

/// `subj-blob`: `[...]` (no brackets inside) and the white space after it.
fn strip_blob(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find([']', '['])?;
    let after = rest[end..].strip_prefix(']')?;
    Some(after.trim_start_matches(' '))
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`.
fn strip_refwd(s: &str) -> Option<&str> {
    let rest = ["re", "fwd", "fw"]
        .into_iter()
        .find_map(|t| ascii_prefix(s, t))?;
    let rest = rest.trim_start_matches(' ');
    let rest = strip_blob(rest).unwrap_or(rest);
    rest.strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::base;

    #[test]
    fn rfc5256_base_subjects() {
        assert_eq!(base(b"Re: hello"), ("HELLO".into(), true));
        assert_eq!(base(b"RE: Re: re:  hello   "), ("HELLO".into(), true));
        assert_eq!(base(b"Fwd: [list] Re: Hello (fwd)"), ("HELLO".into(), true));
        assert_eq!(base(b"[fwd: hello]"), ("HELLO".into(), true));
        assert_eq!(base(b"[list] hello"), ("HELLO".into(), false));
        // A blob that would leave nothing is the subject itself.
        assert_eq!(base(b"[only]"), ("[ONLY]".into(), false));
        assert_eq!(base(b"Re[2]: hello"), ("HELLO".into(), true));
        assert_eq!(base(b"Reply to all"), ("REPLY TO ALL".into(), false));
        assert_eq!(
            base(b"=?UTF-8?Q?Re=3A_Gr=C3=BC=C3=9Fe?="),
            ("GRÜSSE".into(), true)
        );
        assert_eq!(base(b""), (String::new(), false));
    }

    #[test]
    fn many_markers() {
        // Each marker used to cost a copy of the rest of the subject.
        let n = 16_000;
        let re = format!("{}x", "Re: ".repeat(n));
        assert_eq!(base(re.as_bytes()), ("X".into(), true));
        let blobs = format!("{}x", "[a] ".repeat(n));
        assert_eq!(base(blobs.as_bytes()), ("X".into(), false));
        let fwd = format!("x{}", " (fwd)".repeat(n));
        assert_eq!(base(fwd.as_bytes()), ("X".into(), true));
        let wrapped = format!("{}x{}", "[fwd: ".repeat(n), "]".repeat(n));
        assert_eq!(base(wrapped.as_bytes()), ("X".into(), true));
        let only = "[a]".repeat(n);
        assert_eq!(base(only.as_bytes()), ("[A]".into(), false));
    }
}
