//! The header fields the folder cache keeps of every message: those that mail clients
//! fetch when they list a folder (Thunderbird, Apple Mail and mutt ask for these, in
//! various subsets) and those ENVELOPE, SORT, THREAD and the header SEARCH keys read.
//!
//! They are kept as the whole lines of those fields, in header order: a header that holds
//! only them. Whatever looks only at fields on the list gets the same answer from it as
//! from the whole header, because [`header::fields`] splits both alike: each kept field
//! starts a line, its continuation lines come with it, and of a header with more than
//! [`header::MAX_FIELDS`] fields only those among the first that many are kept.

use std::ops::Range;

use super::header;
use super::section::Content;

/// The kept fields, compared without regard to case.
pub const KEPT: [&[u8]; 27] = [
    b"From",
    b"To",
    b"Cc",
    b"Bcc",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"References",
    b"In-Reply-To",
    b"Reply-To",
    b"Sender",
    b"Content-Type",
    b"Content-Description",
    b"Priority",
    b"X-Priority",
    b"Importance",
    b"Newsgroups",
    b"Followup-To",
    b"Lines",
    b"List-Id",
    b"List-Post",
    b"List-Subscribe",
    b"List-Unsubscribe",
    b"X-Label",
    b"X-Original-To",
    b"X-Universally-Unique-Identifier",
    b"X-Mailer",
];

/// Whether field `name` is kept.
pub fn kept(name: &[u8]) -> bool {
    KEPT.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The kept fields of `hdr` (a header as stored, blank line or not), whole lines in their
/// order.
pub fn keep(hdr: &[u8]) -> Vec<u8> {
    // Most of a header is kept fields: grown from nothing, a fifth of the work was copying.
    let mut out = Vec::with_capacity(hdr.len());
    for f in header::fields(hdr) {
        if kept(&hdr[f.name.clone()]) {
            out.extend_from_slice(&hdr[f.whole]);
        }
    }
    out
}

/// What `BODY[HEADER.FIELDS (names)]` is, taken from the `kept` fields of a header that
/// ends with a line end when `blank` (as [`crate::message::section::Section::resolve`]
/// makes it from the whole header). Every one of `names` must be [`kept`].
pub fn select(kept: &[u8], blank: bool, names: &[Vec<u8>]) -> Content {
    let ranges: Vec<Range<usize>> = header::fields(kept)
        .filter(|f| {
            names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&kept[f.name.clone()]))
        })
        .map(|f| f.whole)
        .collect();
    Content::Fields(ranges, blank)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::section::{Section, Text};
    use crate::message::{part, text};

    fn served(c: &Content, msg: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        c.write(msg, &mut v, 0, c.served_len(msg)).unwrap();
        v
    }

    #[test]
    fn kept_fields_answer_as_the_whole_header_does() {
        let headers: [&[u8]; 6] = [
            b"Received: x\nFrom: a@b\nX-Other: y\nsubject: s\n  folded\n\tagain\nTo: c\nFrom: second\n\nbody\n",
            b"broken line\n  cont\nTo: t\r\nCC: c\r\n\r\nbody",
            b"Subject: no line end",
            b"X-A: 1\nSubject: last field, no line end, after others",
            b"\nbody only",
            b"To: a\nX-Last: not kept and no line end",
        ];
        let names = vec![
            b"SUBJECT".to_vec(),
            b"to".to_vec(),
            b"From".to_vec(),
            b"cc".to_vec(),
        ];
        for msg in headers {
            let root = part::parse(msg);
            let h = &msg[root.header.clone()];
            let section = Section {
                part: Vec::new(),
                text: Some(Text::Fields {
                    not: false,
                    names: names.clone(),
                }),
            };
            let whole = section.resolve(msg, &root).unwrap();
            let k = keep(h);
            let cached = select(&k, h.ends_with(b"\n"), &names);
            assert_eq!(served(&cached, &k), served(&whole, msg), "{msg:?}");
            for name in ["from", "to", "subject", "cc", "date"] {
                assert_eq!(
                    text::field(&k, name.as_bytes()),
                    text::field(h, name.as_bytes())
                );
            }
        }
        assert!(kept(b"message-id") && !kept(b"Received"));
    }
}
