//! The base subject of RFC 5256 section 2.1, which SORT and THREAD compare: the subject
//! with reply and forward markers, mailing list tags in brackets and `(fwd)` removed.

use super::decode;

/// The base subject of a raw Subject value (encoded words decoded, and upper-cased for
/// comparison as i;unicode-casemap does, RFC 5256 7 and RFC 5051), and whether removing the markers showed the message to be a reply or a
/// forward (RFC 5256 REFERENCES step 5).
pub fn base(raw: &[u8]) -> (String, bool) {
    // (1) Decode; tabs and runs of spaces become one space.
    let decoded = decode::header_text(raw);
    let mut s = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if c == '\t' || c == '\r' || c == '\n' {
            ' '
        } else {
            c
        };
        if !(c == ' ' && s.ends_with(' ')) {
            s.push(c);
        }
    }
    let mut reply = false;
    loop {
        // (2) Trailers: "(fwd)" and white space.
        loop {
            let t = s.trim_end_matches(' ');
            let changed = t.len() != s.len();
            s.truncate(t.len());
            if s.to_ascii_lowercase().ends_with("(fwd)") {
                s.truncate(s.len() - 5);
                reply = true;
            } else if !changed {
                break;
            }
        }
        // (3)-(5) Leaders: white space, "re:", "fwd:", "[blob]" prefixes.
        loop {
            let before = s.len();
            s = s.trim_start_matches(' ').to_string();
            if let Some(rest) = strip_refwd(&s) {
                s = rest;
                reply = true;
            }
            if let Some(rest) = strip_blob(&s) {
                if !rest.trim_start().is_empty() {
                    s = rest;
                }
            }
            if s.len() == before {
                break;
            }
        }
        // (6) "[fwd: ... ]" around the whole subject.
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("[fwd:") && s.ends_with(']') {
            s = s[5..s.len() - 1].to_string();
            reply = true;
            continue;
        }
        break;
    }
    (s.to_uppercase(), reply)
}

/// `subj-blob`: `[...]` and the white space after it.
fn strip_blob(s: &str) -> Option<String> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find([']', '['])?;
    if !rest[end..].starts_with(']') {
        return None;
    }
    Some(rest[end + 1..].trim_start_matches(' ').to_string())
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`, after any blobs.
fn strip_refwd(s: &str) -> Option<String> {
    let mut rest = s;
    while let Some(r) = strip_blob(rest) {
        rest = &s[s.len() - r.len()..];
    }
    let lower = rest.to_ascii_lowercase();
    let tag = ["re", "fwd", "fw"]
        .into_iter()
        .find(|t| lower.starts_with(t))?;
    let mut r = rest[tag.len()..].trim_start_matches(' ');
    if let Some(after) = strip_blob(r) {
        r = &r[r.len() - after.len()..];
    }
    r.strip_prefix(':').map(str::to_string)
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
}
