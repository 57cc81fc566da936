//! What SORT and THREAD compare (RFC 5256), from a message's header alone: the sent date,
//! the base subject, the first address of From, To and Cc, the display names of the first
//! From and To (SORT=DISPLAY, RFC 5957), and for THREAD REFERENCES the message's id and its
//! parents'. Each is bounded by what the header parser keeps
//! ([`header::MAX_VALUE`], [`msgid::MAX_REFERENCES`]).

use super::address;
use super::{date, decode, header, msgid, subject};

#[derive(Clone, Debug, Default)]
pub struct Keys {
    /// RFC 5256 2.2: the Date: field in UTC, when it can be read.
    pub sent: Option<i64>,
    pub subject: String,
    /// Whether the base subject lost reply or forward markers (REFERENCES step 5).
    pub reply: bool,
    pub from: String,
    pub to: String,
    pub cc: String,
    /// RFC 5957 3: the display name of the first From and To address, else its address.
    pub display_from: String,
    pub display_to: String,
    /// The Message-ID, with `links` only.
    pub id: Option<Vec<u8>>,
    /// The parents' ids, oldest first, with `links` only.
    pub parents: Vec<Vec<u8>>,
}

/// The fields the keys are read from, in the order of [`Keys::of`]'s table.
const FIELDS: [&[u8]; 8] = [
    b"Date",
    b"Subject",
    b"From",
    b"To",
    b"Cc",
    b"Message-ID",
    b"References",
    b"In-Reply-To",
];

impl Keys {
    /// The keys of the message whose header is `hdr`; with `links`, also its thread links.
    /// One pass over the header finds the first of each field the keys need, and only
    /// those are unfolded and parsed.
    pub fn of(hdr: &[u8], links: bool) -> Keys {
        let mut raw: [Option<&[u8]>; 8] = [None; 8];
        let mut missing = FIELDS.len();
        for f in header::fields(hdr) {
            let name = &hdr[f.name];
            let Some(k) = FIELDS.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
                continue;
            };
            if raw[k].is_none() {
                raw[k] = Some(&hdr[f.value]);
                missing -= 1;
                if missing == 0 {
                    break;
                }
            }
        }
        let [date, subject, from, to, cc, message_id, references, in_reply_to] = raw;
        let (subject, reply) = subject::base(&subject.map(header::unfold).unwrap_or_default());
        // RFC 5256: the addr-mailbox of the first address, which for a group is the group
        // name (RFC 3501 7.4.2), compared as i;unicode-casemap does.
        let first = |raw: Option<&[u8]>| {
            raw.map(header::unfold)
                .and_then(|v| address::first(&v))
                .and_then(|a| a.mailbox)
                .map(|mb| String::from_utf8_lossy(&mb).to_uppercase())
                .unwrap_or_default()
        };
        let display = |raw: Option<&[u8]>| {
            raw.map(header::unfold)
                .and_then(|v| address::first(&v))
                .map(|a| display(&a).to_uppercase())
                .unwrap_or_default()
        };
        Keys {
            sent: date.and_then(|d| date::parse_seconds(&header::unfold(d))),
            subject,
            reply,
            from: first(from),
            to: first(to),
            cc: first(cc),
            display_from: display(from),
            display_to: display(to),
            id: links.then(|| msgid::own(message_id)).flatten(),
            parents: match links {
                true => msgid::parents(references, in_reply_to),
                false => Vec::new(),
            },
        }
    }
}

/// RFC 5957 3: the display name with encoded words decoded when it is not empty, else
/// `mailbox@host`, else the mailbox alone.
fn display(a: &address::Address) -> String {
    if let Some(name) = &a.name {
        let name = decode::header_text(name);
        if !name.is_empty() {
            return name;
        }
    }
    match (&a.mailbox, &a.host) {
        (Some(m), Some(h)) => format!(
            "{}@{}",
            String::from_utf8_lossy(m),
            String::from_utf8_lossy(h)
        ),
        (Some(m), None) => String::from_utf8_lossy(m).into_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_address_is_the_one_the_whole_list_gives() {
        // RFC 5256 3 (SORT FROM, TO, CC): the addr-mailbox of the first address, which
        // must not change when only the head of the list is parsed.
        let lists: &[&[u8]] = &[
            b"a@x, b@y",
            b"\"Doe, John\" <john@x>, Mary <mary@y>",
            b"(a, comment) c@x, d@y",
            b"(nested (a, b) \\) c) e@x; f@y",
            b"<@route.a,@route.b:user@host>, other@y",
            b"A Group: g@x, h@y;, i@z",
            b"undisclosed-recipients:;",
            b", , lead@x",
            b"<>, after@x",
            b"<a@b> <c, d@e>",
            b"name <a@b> : junk, c@d",
            b"[lit, eral]@x, y@z",
            b"\"unclosed, quote",
            b"\"esc\\\", still quoted, \" <q@x>, r@y",
            b"<open, never closed",
            b"plain@x",
            b"",
        ];
        for &v in lists {
            let whole = address::parse(v).into_iter().next();
            assert_eq!(address::first(v), whole, "{}", String::from_utf8_lossy(v));
        }
        let hdr = b"From: \"Doe, John\" <John.Doe@x>, b@y\nTo: Grp: a@x;\nCc: ,c@x\n\n";
        let k = Keys::of(hdr, false);
        assert_eq!(
            (k.from.as_str(), k.to.as_str(), k.cc.as_str()),
            ("JOHN.DOE", "GRP", "C")
        );
        // RFC 5957 3: the display name, decoded; else mailbox@host; else the mailbox.
        assert_eq!(
            (k.display_from.as_str(), k.display_to.as_str()),
            ("DOE, JOHN", "GRP")
        );
        let k = Keys::of(
            b"From: =?utf-8?q?J=C3=BCrgen?= <j@x>\nTo: \"\" <Bob@Example.org>\n\n",
            false,
        );
        assert_eq!(
            (k.display_from.as_str(), k.display_to.as_str()),
            ("JÜRGEN", "BOB@EXAMPLE.ORG")
        );
        assert_eq!(Keys::of(b"Subject: x\n\n", false).display_from, "");
    }

    #[test]
    fn display_values() {
        // RFC 5957 3: the decoded display name, else mailbox@host; 4: empty without one.
        let cases: &[(&[u8], &str)] = &[
            (b"From: \"Doe, John\" <john@x>\n", "DOE, JOHN"),
            (b"From: =?UTF-8?Q?J=C3=BCrgen?= <j@x>\n", "J\u{dc}RGEN"),
            (b"From: plain@example.org\n", "PLAIN@EXAMPLE.ORG"),
            (b"From: user@domain (Real Name)\n", "REAL NAME"),
            (b"From: \"\" <empty@x>\n", "EMPTY@X"),
            (b"Subject: none\n", ""),
        ];
        for &(hdr, want) in cases {
            let k = Keys::of(hdr, false);
            assert_eq!(k.display_from, want, "{}", String::from_utf8_lossy(hdr));
        }
        let k = Keys::of(b"To: Grp: a@x;\nFrom: a@b\n", false);
        assert_eq!(k.display_to, "GRP");
    }
}
