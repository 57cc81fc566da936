//! PREVIEW (RFC 8970 3.3): a few words of the message as plain UTF-8 text, for a client's
//! message list. Taken from the first text/plain part that is not an attachment, else the
//! first such text/html part with its markup removed; quoted lines (`>`) and the signature
//! (after `-- `) are left out and white space is squeezed, as Dovecot's snippets do. A
//! message with no such part has the empty preview the RFC asks for.

use super::header;
use super::mime;
use super::part::{Kind, Part};
use super::text;

/// RFC 8970 3.3: "SHOULD limit the length of the preview text to 200 preview characters".
pub const MAX_CHARS: usize = 200;

/// How much of a part, as stored, is decoded for its preview: 200 characters are nearly
/// always in the first few KiB, and a preview must cost little whatever the part's size.
const MAX_RAW: usize = 64 * 1024;

/// The preview of `msg`, whose structure is `root`.
pub fn of(msg: &[u8], root: &Part) -> String {
    let mut html = None;
    let Some(part) = first_text(msg, root, &mut html).or(html) else {
        return String::new();
    };
    let is_html = part.content_type.is(b"text", b"html");
    text::decoded(msg, part, MAX_RAW, |t| match is_html {
        true => squeeze(&strip_html(t)),
        false => squeeze(&unquoted(t)),
    })
}

/// The first text/plain part, depth first, that is not an attachment; the first such
/// text/html part goes into `html`. Attached messages are not looked into.
fn first_text<'p>(msg: &[u8], part: &'p Part, html: &mut Option<&'p Part>) -> Option<&'p Part> {
    match &part.kind {
        Kind::Multipart(children) => children.iter().find_map(|c| first_text(msg, c, html)),
        Kind::Message(_) => None,
        Kind::Single => {
            let disposition = header::get(&msg[part.header.clone()], b"Content-Disposition")
                .map(|v| mime::parse(&v, true).mtype)
                .unwrap_or_default();
            if disposition.eq_ignore_ascii_case(b"attachment") {
                return None;
            }
            if part.content_type.is(b"text", b"plain") {
                return Some(part);
            }
            if part.content_type.is(b"text", b"html") && html.is_none() {
                *html = Some(part);
            }
            None
        }
    }
}

/// The lines of a plain text before its signature, without the quoted ones.
fn unquoted(t: &str) -> String {
    let mut out = String::new();
    for line in t.lines() {
        if line.trim_end_matches('\r') == "-- " {
            break;
        }
        if !line.starts_with('>') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The text of an HTML document: tags removed with the content of `head`, `style` and
/// `script`; the usual character references replaced.
fn strip_html(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    // The element whose content is not text, while inside it.
    let mut skipping: Option<&str> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                out.push_str(&entities(rest));
            }
            break;
        };
        if skipping.is_none() {
            out.push_str(&entities(&rest[..lt]));
        }
        rest = &rest[lt + 1..];
        let end = rest.find('>').map_or(rest.len(), |g| g + 1);
        let tag = rest[..end].trim_end_matches('>');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match skipping {
            Some(element) if closing && name == element => skipping = None,
            Some(_) => {}
            None if !closing => {
                skipping = ["head", "style", "script"]
                    .into_iter()
                    .find(|e| *e == name && !tag.ends_with('/'));
            }
            None => {}
        }
        // Block elements end a word.
        out.push(' ');
        rest = &rest[end..];
    }
    out
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and numeric references; any other
/// is left as written.
fn entities(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest[..rest.len().min(12)].find(';');
        let named = semi.and_then(|semi| {
            let name = &rest[1..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => match name.strip_prefix('#') {
                    Some(hex) if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    Some(dec) => dec.parse().ok().and_then(char::from_u32),
                    None => None,
                },
            };
            c.map(|c| (c, semi))
        });
        match named {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// White space and control characters squeezed to single spaces, at most [`MAX_CHARS`].
fn squeeze(t: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in t.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        for (i, c) in std::iter::once(' ').chain(word.chars()).enumerate() {
            if i == 0 && out.is_empty() {
                continue;
            }
            if count == MAX_CHARS {
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    fn preview(m: &[u8]) -> String {
        of(m, &part::parse(m))
    }

    #[test]
    fn plain_text_squeezed_without_quotes_and_signature() {
        let m = b"Subject: x\n\nHello  Bob,\n\n> what you wrote\nsee you\n-- \nAlice\n";
        assert_eq!(preview(m), "Hello Bob, see you");
        // No body: the empty preview (RFC 8970 3.2).
        assert_eq!(preview(b"Subject: x\n\n"), "");
    }

    #[test]
    fn the_plain_alternative_decoded_else_html_stripped() {
        let m = b"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>html</p>\n--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 ouvert\n--b--\n";
        assert_eq!(preview(m), "Café ouvert");
        let m = b"Content-Type: text/html\n\n<html><head><title>T</title><style>p {}</style></head><body><p>Fish &amp; chips&nbsp;&#233;t&#xE9;</p><br/>now</body></html>\n";
        assert_eq!(preview(m), "Fish & chips été now");
        // An attachment is no preview; an image alone has none.
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nattached\n--b\nContent-Type: image/png\n\nPNG\n--b--\n";
        assert_eq!(preview(m), "");
    }

    #[test]
    fn at_most_200_characters_of_utf8() {
        // RFC 8970 3.3: a preview character is a character, not an octet.
        let body = "é".repeat(300);
        let m = format!("Content-Type: text/plain; charset=utf-8\n\n{body}\n");
        let p = preview(m.as_bytes());
        assert_eq!(p.chars().count(), MAX_CHARS);
        assert!(p.chars().all(|c| c == 'é'));
    }
}
