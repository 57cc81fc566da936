//! What SORT and THREAD compare (RFC 5256), from a message's header alone: the sent date,
//! the base subject, the first address of From, To and Cc, and for THREAD REFERENCES the
//! message's id and its parents'. Each is bounded by what the header parser keeps
//! ([`header::MAX_VALUE`], [`msgid::MAX_REFERENCES`]).

use super::{address, date, header, msgid, subject};

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
    /// The Message-ID, with `links` only.
    pub id: Option<Vec<u8>>,
    /// The parents' ids, oldest first, with `links` only.
    pub parents: Vec<Vec<u8>>,
}

impl Keys {
    /// The keys of the message whose header is `hdr`; with `links`, also its thread links.
    pub fn of(hdr: &[u8], links: bool) -> Keys {
        let hdr = header::Index::new(hdr);
        let (subject, reply) = subject::base(&hdr.get(b"Subject").unwrap_or_default());
        // RFC 5256: the addr-mailbox of the first address, which for a group is the group
        // name (RFC 3501 7.4.2), compared as i;unicode-casemap does.
        let first = |name: &[u8]| {
            hdr.get(name)
                .and_then(|v| address::parse(&v).into_iter().next())
                .and_then(|a| a.mailbox)
                .map(|mb| String::from_utf8_lossy(&mb).to_uppercase())
                .unwrap_or_default()
        };
        Keys {
            sent: hdr.get(b"Date").and_then(|d| date::parse_seconds(&d)),
            subject,
            reply,
            from: first(b"From"),
            to: first(b"To"),
            cc: first(b"Cc"),
            id: links.then(|| msgid::own(&hdr)).flatten(),
            parents: if links {
                msgid::parents(&hdr)
            } else {
                Vec::new()
            },
        }
    }
}
