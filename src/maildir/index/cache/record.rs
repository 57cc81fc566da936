//! What the cache holds of one message, in three entries under three keys (the part's
//! letter, then the unique name), so that each command reads only what it uses:
//!
//! - [`Part::Keys`] ([`Facts`]): INTERNALDATE as seen when cached, the sizes when the
//!   whole message was read, and the SORT and THREAD keys: a few hundred bytes.
//! - [`Part::Header`] ([`HeaderPart`]): the kept header fields ([`fields`]) and the
//!   ENVELOPE response text.
//! - [`Part::Whole`] ([`WholePart`]): the BODY and BODYSTRUCTURE response texts.
//!
//! An entry holds what the commands that read the message computed anyway, so that filling
//! the cache costs them little: the sizes once the whole message was read, the keys once
//! SORT or THREAD computed them, each response text once a FETCH made it; the kept fields
//! (one pass over a header) whenever a header was read. What is missing is added to the
//! entry later. Each entry is `VERSION | sum | payload`; an entry of another version, or
//! whose sum fails, is a miss.

use std::ops::Range;

use super::checksum::sum;
use crate::message::fields;
use crate::message::keys::Keys;

/// Changes whenever an encoding below changes, or what goes into one (a response text).
const VERSION: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Keys,
    Header,
    Whole,
}

/// Every part, in the order a merge copies them.
pub const PARTS: [Part; 3] = [Part::Keys, Part::Header, Part::Whole];

/// Makes `key` the cache key of `part` of the message whose unique name is `unique`.
pub fn key_into(key: &mut Vec<u8>, part: Part, unique: &[u8]) {
    key.clear();
    key.push(match part {
        Part::Keys => b'K',
        Part::Header => b'H',
        Part::Whole => b'W',
    });
    key.extend_from_slice(unique);
}

/// The entry holding `payload`.
pub fn seal(payload: Vec<u8>) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 9);
    v.push(VERSION);
    v.extend_from_slice(&sum(&payload).to_le_bytes());
    v.extend_from_slice(&payload);
    v
}

/// The payload of `entry`, if it is of this version and intact.
fn open(entry: &[u8]) -> Option<&[u8]> {
    let (&version, rest) = entry.split_first()?;
    if version != VERSION || rest.len() < 8 {
        return None;
    }
    let (stored, payload) = rest.split_at(8);
    let mut s = [0u8; 8];
    s.copy_from_slice(stored);
    (sum(payload) == u64::from_le_bytes(s)).then_some(payload)
}

/// Whether `entry` is one this version reads.
pub fn intact(entry: &[u8]) -> bool {
    open(entry).is_some()
}

/// Sizes of the message file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// As served, with CRLF line ends (RFC822.SIZE).
    pub served: u64,
    /// As stored.
    pub stored: u64,
}

impl Sizes {
    /// The sizes of the whole message `msg`. Served, each LF not after a CR counts two
    /// ([`crate::message::crlf`]'s rule), counted here without making the pieces: every message a first
    /// FETCH reads whole is counted.
    pub fn of(msg: &[u8]) -> Sizes {
        Sizes {
            served: (msg.len() + crate::message::crlf::bare_lfs(msg, 0)) as u64,
            stored: msg.len() as u64,
        }
    }
}

/// The [`Part::Keys`] entry.
#[derive(Clone, Debug)]
pub struct Facts {
    /// INTERNALDATE in seconds since the epoch, as the file's mtime was when cached.
    pub internal_date: i64,
    /// Once the whole message was read.
    pub sizes: Option<Sizes>,
    /// With the thread links, once SORT or THREAD computed them.
    pub keys: Option<Keys>,
}

/// Which of the keys a reader wants decoded: the others are left empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    /// The base subject.
    pub subject: bool,
    /// From, To, Cc.
    pub addresses: bool,
    /// Message-ID and the parents' ids.
    pub links: bool,
}

impl Want {
    pub const ALL: Want = Want {
        subject: true,
        addresses: true,
        links: true,
    };
    pub const NONE: Want = Want {
        subject: false,
        addresses: false,
        links: false,
    };
}

impl Facts {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(256);
        w.extend_from_slice(&self.internal_date.to_le_bytes());
        match self.sizes {
            Some(s) => {
                w.push(1);
                w.extend_from_slice(&s.served.to_le_bytes());
                w.extend_from_slice(&s.stored.to_le_bytes());
            }
            None => w.push(0),
        }
        let Some(k) = &self.keys else {
            w.push(0);
            return seal(w);
        };
        w.push(1);
        match k.sent {
            Some(t) => {
                w.push(1);
                w.extend_from_slice(&t.to_le_bytes());
            }
            None => w.push(0),
        }
        w.push(u8::from(k.reply));
        for s in [
            &k.subject,
            &k.from,
            &k.to,
            &k.cc,
            &k.display_from,
            &k.display_to,
        ] {
            bytes(&mut w, s.as_bytes());
        }
        match &k.id {
            Some(id) => {
                w.push(1);
                bytes(&mut w, id);
            }
            None => w.push(0),
        }
        w.extend_from_slice(&(k.parents.len() as u32).to_le_bytes());
        for p in &k.parents {
            bytes(&mut w, p);
        }
        seal(w)
    }

    /// The facts in `entry`, with only the keys `want` says (`None`: without the keys,
    /// whether the entry has them or not); `None` for a damaged entry.
    pub fn decode(entry: &[u8], want: Option<Want>) -> Option<Facts> {
        let v = FactsView::decode(entry)?;
        let keys = match (v.keys, want) {
            (Some(k), Some(want)) => Some(k.owned(want)?),
            _ => None,
        };
        Some(Facts {
            internal_date: v.internal_date,
            sizes: v.sizes,
            keys,
        })
    }
}

/// A [`Part::Keys`] entry read in place, for the readers of every message of a folder
/// (SORT, THREAD): nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct FactsView<'a> {
    pub internal_date: i64,
    pub sizes: Option<Sizes>,
    pub keys: Option<KeysView<'a>>,
}

/// The keys of a [`FactsView`], as [`Keys`] holds them, the texts as their UTF-8 bytes.
#[derive(Clone, Copy, Debug)]
pub struct KeysView<'a> {
    pub sent: Option<i64>,
    pub reply: bool,
    pub subject: &'a [u8],
    pub from: &'a [u8],
    pub to: &'a [u8],
    pub cc: &'a [u8],
    pub display_from: &'a [u8],
    pub display_to: &'a [u8],
    pub id: Option<&'a [u8]>,
    parents: u32,
    /// The encoded parents, checked whole when the entry was read.
    rest: &'a [u8],
}

impl<'a> FactsView<'a> {
    /// The facts in `entry`; `None` for a damaged entry.
    pub fn decode(entry: &'a [u8]) -> Option<FactsView<'a>> {
        let mut r = Reader::at(entry)?;
        let internal_date = r.i64()?;
        let sizes = match r.u8()? {
            0 => None,
            _ => Some(Sizes {
                served: r.u64()?,
                stored: r.u64()?,
            }),
        };
        let keys = match r.u8()? {
            0 => None,
            _ => Some(KeysView::decode(&mut r)?),
        };
        Some(FactsView {
            internal_date,
            sizes,
            keys,
        })
    }
}

impl<'a> KeysView<'a> {
    fn decode(r: &mut Reader<'a>) -> Option<KeysView<'a>> {
        let sent = match r.u8()? {
            0 => None,
            _ => Some(r.i64()?),
        };
        let reply = r.u8()? != 0;
        let subject = r.bytes()?;
        let from = r.bytes()?;
        let to = r.bytes()?;
        let cc = r.bytes()?;
        let display_from = r.bytes()?;
        let display_to = r.bytes()?;
        let id = match r.u8()? {
            0 => None,
            _ => Some(r.bytes()?),
        };
        let parents = r.u32()?;
        let rest = r.0;
        for _ in 0..parents {
            r.bytes()?;
        }
        Some(KeysView {
            sent,
            reply,
            subject,
            from,
            to,
            cc,
            display_from,
            display_to,
            id,
            parents,
            rest,
        })
    }

    /// The parents' ids, oldest first.
    pub fn parents(&self) -> impl Iterator<Item = &'a [u8]> {
        let mut r = Reader(self.rest, 0);
        // Every one was read once already, so none is missing.
        (0..self.parents).map_while(move |_| r.bytes())
    }

    /// The [`Keys`], with those `want` does not name left empty; `None` when a text kept
    /// is not UTF-8.
    pub fn owned(&self, want: Want) -> Option<Keys> {
        let text = |keep: bool, b: &[u8]| -> Option<String> {
            Some(if keep {
                String::from_utf8(b.to_vec()).ok()?
            } else {
                String::new()
            })
        };
        Some(Keys {
            sent: self.sent,
            subject: text(want.subject, self.subject)?,
            reply: self.reply,
            from: text(want.addresses, self.from)?,
            to: text(want.addresses, self.to)?,
            cc: text(want.addresses, self.cc)?,
            display_from: text(want.addresses, self.display_from)?,
            display_to: text(want.addresses, self.display_to)?,
            id: self.id.filter(|_| want.links).map(<[u8]>::to_vec),
            parents: match want.links {
                true => self.parents().map(<[u8]>::to_vec).collect(),
                false => Vec::new(),
            },
        })
    }
}

/// The [`Part::Header`] entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderPart {
    /// The kept fields ([`fields::keep`]).
    pub fields: Vec<u8>,
    /// Whether the header ends with a line end (then HEADER.FIELDS ends with a blank line).
    pub blank: bool,
    /// The ENVELOPE response text, once a FETCH made it.
    pub envelope: Option<Vec<u8>>,
}

impl HeaderPart {
    /// The entry for the message whose header is `hdr`, without an ENVELOPE.
    pub fn of(hdr: &[u8]) -> HeaderPart {
        HeaderPart {
            fields: fields::keep(hdr),
            blank: hdr.ends_with(b"\n"),
            envelope: None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(self.fields.len() + 1024);
        w.push(u8::from(self.blank));
        bytes(&mut w, &self.fields);
        optional(&mut w, self.envelope.as_deref());
        seal(w)
    }

    pub fn decode(entry: &[u8]) -> Option<HeaderPart> {
        let at = HeaderAt::locate(entry)?;
        Some(HeaderPart {
            fields: entry[at.fields].to_vec(),
            blank: at.blank,
            envelope: at.envelope.map(|r| entry[r].to_vec()),
        })
    }
}

/// Where the parts of a [`Part::Header`] entry are in it, for reading them in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderAt {
    pub fields: Range<usize>,
    pub blank: bool,
    pub envelope: Option<Range<usize>>,
}

impl HeaderAt {
    /// `None` for a damaged entry.
    pub fn locate(entry: &[u8]) -> Option<HeaderAt> {
        let mut r = Reader::at(entry)?;
        Some(HeaderAt {
            blank: r.u8()? != 0,
            fields: r.range()?,
            envelope: r.optional_range()?,
        })
    }
}

/// Where the parts of a [`Part::Whole`] entry are in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WholeAt {
    pub body: Option<Range<usize>>,
    pub bodystructure: Option<Range<usize>>,
}

impl WholeAt {
    /// `None` for a damaged entry.
    pub fn locate(entry: &[u8]) -> Option<WholeAt> {
        let mut r = Reader::at(entry)?;
        Some(WholeAt {
            body: r.optional_range()?,
            bodystructure: r.optional_range()?,
        })
    }
}

/// The [`Part::Whole`] entry: response texts, each once a FETCH made it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WholePart {
    /// BODY.
    pub body: Option<Vec<u8>>,
    /// BODYSTRUCTURE.
    pub bodystructure: Option<Vec<u8>>,
}

impl WholePart {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        optional(&mut w, self.body.as_deref());
        optional(&mut w, self.bodystructure.as_deref());
        seal(w)
    }

    pub fn decode(entry: &[u8]) -> Option<WholePart> {
        let at = WholeAt::locate(entry)?;
        Some(WholePart {
            body: at.body.map(|r| entry[r].to_vec()),
            bodystructure: at.bodystructure.map(|r| entry[r].to_vec()),
        })
    }
}

/// `0`, or `1 | len | bytes`.
fn optional(w: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            w.push(1);
            bytes(w, b);
        }
        None => w.push(0),
    }
}

/// `len (u32 LE) | bytes`. Entries are bounded by [`super::MAX_ENTRY`], far below 4 GiB.
fn bytes(w: &mut Vec<u8>, b: &[u8]) {
    w.extend_from_slice(&(b.len() as u32).to_le_bytes());
    w.extend_from_slice(b);
}

/// Reads a payload front to back; `None` past its end. `.1` is the payload's offset in
/// its entry, for [`Reader::range`].
struct Reader<'a>(&'a [u8], usize);

impl<'a> Reader<'a> {
    /// A reader of the payload of `entry`, if it is of this version and intact.
    fn at(entry: &'a [u8]) -> Option<Reader<'a>> {
        let payload = open(entry)?;
        Some(Reader(payload, entry.len() - payload.len()))
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        self.1 += n;
        Some(head)
    }

    /// Where in the entry the next [`Reader::bytes`] are.
    fn range(&mut self) -> Option<Range<usize>> {
        let n = self.u32()? as usize;
        let start = self.1;
        self.take(n)?;
        Some(start..start + n)
    }

    /// `Some(None)` for an absent value, `None` past the end.
    fn optional_range(&mut self) -> Option<Option<Range<usize>>> {
        Some(match self.u8()? {
            0 => None,
            _ => Some(self.range()?),
        })
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Some(a)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"From: Ann <a@b.example>\nTo: c@d.example\nSubject: Re: hello\nDate: Tue, 1 Feb 2022 10:00:00 +0100\nMessage-ID: <1@x>\nReferences: <0@x>\nX-Other: y\n\nbody\n";

    fn hdr() -> &'static [u8] {
        &MSG[..crate::message::header::split(MSG)]
    }

    #[test]
    fn entries_read_back_as_written() {
        let f = Facts {
            internal_date: 1_600_000_000,
            sizes: Some(Sizes::of(MSG)),
            keys: Some(Keys::of(hdr(), true)),
        };
        let back = Facts::decode(&f.encode(), Some(Want::ALL)).unwrap();
        assert_eq!(back.internal_date, 1_600_000_000);
        let sizes = Sizes {
            served: MSG.len() as u64 + 9,
            stored: MSG.len() as u64,
        };
        assert_eq!(back.sizes, Some(sizes));
        let (a, b) = (f.keys.as_ref().unwrap(), back.keys.as_ref().unwrap());
        assert_eq!(
            (&a.subject, a.reply, &a.from, a.sent),
            (&b.subject, b.reply, &b.from, b.sent)
        );
        assert_eq!((&a.id, &a.parents), (&b.id, &b.parents));
        assert_eq!(b.subject, "HELLO");
        // Only what is wanted is decoded.
        let want = Want {
            subject: true,
            ..Want::NONE
        };
        let sort = Facts::decode(&f.encode(), Some(want))
            .unwrap()
            .keys
            .unwrap();
        assert!(sort.from.is_empty() && sort.id.is_none() && sort.parents.is_empty());
        let bare = Facts {
            keys: None,
            sizes: None,
            ..f
        };
        let back = Facts::decode(&bare.encode(), Some(Want::ALL)).unwrap();
        assert!(back.keys.is_none() && back.sizes.is_none());
        let mut h = HeaderPart::of(hdr());
        assert!(!h.fields.windows(7).any(|w| w == b"X-Other"));
        assert_eq!(HeaderPart::decode(&h.encode()), Some(h.clone()));
        h.envelope = Some(b"(NIL)".to_vec());
        assert_eq!(HeaderPart::decode(&h.encode()), Some(h));
        let w = WholePart {
            body: None,
            bodystructure: Some(b"(\"text\" \"plain\")".to_vec()),
        };
        assert_eq!(WholePart::decode(&w.encode()), Some(w));
    }

    #[test]
    fn served_sizes_follow_the_crlf_rule() {
        for msg in [&b""[..], b"\n", b"\r\n", b"a\nb\r\nc", b"\n\n\r\r\n", MSG] {
            let counted = crate::message::crlf::served_len(msg, 0..msg.len());
            assert_eq!(Sizes::of(msg).served, counted);
        }
    }

    #[test]
    fn damaged_or_other_versions_are_misses() {
        let good = HeaderPart::of(hdr()).encode();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            assert!(HeaderPart::decode(&bad).is_none(), "byte {i}");
        }
        for n in 0..good.len() {
            assert!(HeaderPart::decode(&good[..n]).is_none());
        }
        // Sealed but cut inside: the reader stops at the end of the payload.
        assert!(Facts::decode(&seal(vec![1, 2, 3]), Some(Want::ALL)).is_none());
    }
}
