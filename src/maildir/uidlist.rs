//! `dovecot-uidlist`, version 3, as Dovecot reads and writes it:
//!
//! ```text
//! 3 V<uidvalidity> N<nextuid> G<guid hex> [other header fields]
//! <uid> [extension fields] :<filename>
//! ```
//!
//! Records are kept in ascending UID order. Fields `imapd` does not use are kept as they
//! were, so that Dovecot finds its own data when it reads the list back.

use std::path::Path;

use super::flags::base;
use super::MaildirError;

pub const FILE: &str = "dovecot-uidlist";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub uid: u32,
    /// Extension fields between the UID and ` :`, as found (`W1234 S1200`, say).
    pub fields: Vec<u8>,
    pub name: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uidlist {
    pub uidvalidity: u32,
    pub next_uid: u32,
    /// Header fields other than V and N (G, the mailbox GUID, among them), as found.
    pub header_rest: Vec<Vec<u8>>,
    pub records: Vec<Record>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UidlistError {
    #[error("not a version 3 uidlist")]
    Version,
    #[error("bad header")]
    Header,
    #[error("bad record on line {0}")]
    Record(usize),
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

impl Uidlist {
    pub fn new(uidvalidity: u32, guid: [u8; 16]) -> Uidlist {
        let mut g = b"G".to_vec();
        for b in guid {
            g.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        Uidlist {
            uidvalidity,
            next_uid: 1,
            header_rest: vec![g],
            records: Vec::new(),
        }
    }

    pub fn parse(data: &[u8]) -> Result<Uidlist, UidlistError> {
        let mut lines = data.split(|&b| b == b'\n');
        let header = lines.next().ok_or(UidlistError::Header)?;
        let mut fields = header.split(|&b| b == b' ').filter(|f| !f.is_empty());
        if fields.next() != Some(b"3") {
            return Err(UidlistError::Version);
        }
        let (mut uidvalidity, mut next_uid, mut header_rest) = (None, None, Vec::new());
        for f in fields {
            match f[0] {
                b'V' => uidvalidity = number(&f[1..]),
                b'N' => next_uid = number(&f[1..]),
                _ => header_rest.push(f.to_vec()),
            }
        }
        let (Some(uidvalidity), Some(next_uid)) = (uidvalidity, next_uid) else {
            return Err(UidlistError::Header);
        };
        let mut records: Vec<Record> = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            match record(line) {
                Some(r) if records.last().is_none_or(|last| last.uid < r.uid) => records.push(r),
                _ => return Err(UidlistError::Record(i + 2)),
            }
        }
        let next_uid = next_uid.max(records.last().map_or(1, |r| above(r.uid)));
        Ok(Uidlist {
            uidvalidity,
            next_uid,
            header_rest,
            records,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("3 V{} N{}", self.uidvalidity, self.next_uid).into_bytes();
        for f in &self.header_rest {
            out.push(b' ');
            out.extend_from_slice(f);
        }
        out.push(b'\n');
        for r in &self.records {
            out.extend_from_slice(r.uid.to_string().as_bytes());
            out.push(b' ');
            if !r.fields.is_empty() {
                out.extend_from_slice(&r.fields);
                out.push(b' ');
            }
            out.push(b':');
            out.extend_from_slice(&r.name);
            out.push(b'\n');
        }
        out
    }

    /// What can still be read of a damaged list: every record line that parses (each UID
    /// and each message once, the first line winning), under the header's UIDVALIDITY,
    /// with the next UID above every UID seen, also on lines that no longer parse. `None`
    /// when even the UIDVALIDITY cannot be read: then the list is lost.
    pub fn repair(data: &[u8]) -> Option<Uidlist> {
        let mut lines = data.split(|&b| b == b'\n');
        let header = lines.next()?;
        let (mut uidvalidity, mut next_uid, mut header_rest) = (None, 0, Vec::new());
        for f in header
            .split(|&b| b == b' ')
            .filter(|f| !f.is_empty())
            .skip(1)
        {
            match f[0] {
                b'V' => uidvalidity = uidvalidity.or(number(&f[1..]).filter(|&v| v > 0)),
                b'N' => next_uid = next_uid.max(number(&f[1..]).unwrap_or(0)),
                _ => header_rest.push(f.to_vec()),
            }
        }
        let mut records = Vec::new();
        let mut highest = 0;
        for line in lines {
            let first = line.split(|&b| b == b' ').next().unwrap_or(b"");
            highest = highest.max(number(first).unwrap_or(0));
            records.extend(record(line));
        }
        records.sort_by_key(|r| r.uid);
        records.dedup_by_key(|r| r.uid);
        let mut names = std::collections::HashSet::new();
        records.retain(|r| names.insert(base(&r.name).to_vec()));
        Some(Uidlist {
            uidvalidity: uidvalidity?,
            next_uid: next_uid.max(above(highest)).max(1),
            header_rest,
            records,
        })
    }

    /// Reads the list of the Maildir `dir`. A damaged list is repaired as far as it can be
    /// read ([`repair`](Self::repair)), so that clients keep their UIDs; it counts as lost
    /// only when its UIDVALIDITY is unreadable.
    pub fn read(dir: &Path) -> Result<Read, MaildirError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            Ok(data) => match Uidlist::parse(&data) {
                Ok(list) => Ok(Read::Found(list)),
                Err(e) => match Uidlist::repair(&data) {
                    Some(list) => {
                        crate::log!(
                            "{}: {e}; repaired: UIDVALIDITY {} kept, {} UIDs kept, next UID {}",
                            path.display(),
                            list.uidvalidity,
                            list.records.len(),
                            list.next_uid
                        );
                        Ok(Read::Repaired(list))
                    }
                    None => {
                        crate::log!(
                            "{}: {e}, and no UIDVALIDITY can be read: the list is lost; \
                             assigning new UIDs under a new UIDVALIDITY",
                            path.display()
                        );
                        Ok(Read::Lost { previous: None })
                    }
                },
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Read::Lost { previous: None }),
            Err(e) => Err(MaildirError::io(&path)(e)),
        }
    }

    /// Whether `count` more messages can get UIDs under this UIDVALIDITY. UIDNEXT, one
    /// above the last UID given, must itself be a UID (RFC 3501 2.3.1.1: non-zero, 32
    /// bits), so u32::MAX is never given; and every UID must be below UIDNEXT, which a list
    /// holding u32::MAX (written by someone else) cannot say.
    pub fn has_room(&self, count: usize) -> bool {
        self.records.last().is_none_or(|r| r.uid < self.next_uid)
            && u32::try_from(count)
                .ok()
                .and_then(|c| self.next_uid.checked_add(c))
                .is_some()
    }

    /// Gives the message `name` (the unique part of its file name) the next UID; `None`
    /// when none is left ([`has_room`](Self::has_room)).
    pub fn push(&mut self, name: Vec<u8>) -> Option<u32> {
        if !self.has_room(1) {
            return None;
        }
        let uid = self.next_uid;
        self.next_uid = uid.checked_add(1)?;
        self.records.push(Record {
            uid,
            fields: Vec::new(),
            name,
        });
        Some(uid)
    }

    /// Starts a new UID epoch under `uidvalidity`: every message renumbered from 1, in
    /// the order of its old UID.
    pub fn renumber(&mut self, uidvalidity: u32) {
        self.uidvalidity = uidvalidity;
        for (uid, r) in (1..=u32::MAX).zip(&mut self.records) {
            r.uid = uid;
        }
        self.next_uid = self.records.last().map_or(1, |r| above(r.uid));
    }

    /// The UID of a message, looked up by the unique part of its name.
    pub fn map(&self) -> std::collections::HashMap<&[u8], u32> {
        self.records
            .iter()
            .map(|r| (base(&r.name), r.uid))
            .collect()
    }
}

pub enum Read {
    Found(Uidlist),
    /// Damaged, and repaired as far as it could be read: to be written back.
    Repaired(Uidlist),
    /// Missing or unreadable: UIDs must be assigned anew, under a new UIDVALIDITY larger
    /// than `previous`.
    Lost {
        previous: Option<u32>,
    },
}

/// The next UID after `uid`; u32::MAX, which is never given, when there is none: a list
/// whose UIDNEXT it is has no room ([`Uidlist::has_room`]).
pub fn above(uid: u32) -> u32 {
    uid.saturating_add(1)
}

/// One `<uid> [fields] :<filename>` line; `None` when it does not parse.
fn record(line: &[u8]) -> Option<Record> {
    let sp = memchr::memchr(b' ', line)?;
    let uid = number(&line[..sp]).filter(|&u| u > 0)?;
    let rest = &line[sp + 1..];
    let colon = if rest.first() == Some(&b':') {
        0
    } else {
        memchr::memmem::find(rest, b" :")? + 1
    };
    let fields = rest[..colon].strip_suffix(b" ").unwrap_or(&rest[..colon]);
    let name = &rest[colon + 1..];
    if name.is_empty() {
        return None;
    }
    Some(Record {
        uid,
        fields: fields.to_vec(),
        name: name.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written by Dovecot 2.3 (Debian's dovecot-imapd) after a SELECT, a STORE and an APPEND.
    // Its N field lags behind the records; the records decide.
    const DOVECOT: &[u8] = b"3 V1796016417 N1 Ga8c0a93821090d6b793e000083ecc375\n\
1 :1700000000.M1P1.host\n\
2 :1700000001.M2P1.host,S=30\n\
3 :1796016417.M967747P15993.vm,S=5,W=5\n";

    #[test]
    fn reads_dovecots_list_and_writes_it_back() {
        let l = Uidlist::parse(DOVECOT).unwrap();
        assert_eq!((l.uidvalidity, l.next_uid), (1796016417, 4));
        assert_eq!(l.records.len(), 3);
        assert_eq!(l.records[2].name, b"1796016417.M967747P15993.vm,S=5,W=5");
        assert_eq!(l.map()[&b"1700000001.M2P1.host,S=30"[..]], 2);
        let again = Uidlist::parse(&l.to_bytes()).unwrap();
        assert_eq!(again, l);
        assert!(l.to_bytes().starts_with(b"3 V1796016417 N4 Ga8c0a938"));
    }

    #[test]
    fn keeps_extension_fields() {
        let text = b"3 V5 N3 G00\n1 W512 S500 :a,S=500\n2 :b\n";
        let l = Uidlist::parse(text).unwrap();
        assert_eq!(l.records[0].fields, b"W512 S500");
        assert_eq!(l.to_bytes(), text);
    }

    #[test]
    fn refuses_what_it_cannot_trust() {
        assert_eq!(Uidlist::parse(b"1 123 4\n"), Err(UidlistError::Version));
        assert_eq!(Uidlist::parse(b"3 N4\n"), Err(UidlistError::Header));
        assert_eq!(
            Uidlist::parse(b"3 V1 N9\n2 :a\n2 :b\n"),
            Err(UidlistError::Record(3))
        );
        assert_eq!(
            Uidlist::parse(b"3 V1 N9\nx :a\n"),
            Err(UidlistError::Record(2))
        );
    }

    // A list cut short (a full disk, a crash of a writer that did not fsync): the lines
    // before the cut keep their UIDs and the UIDVALIDITY stays; the cut line's UID is
    // never given again.
    #[test]
    fn repairs_a_truncated_list() {
        let full = b"3 V1796016417 N6 G00ff\n1 :a,S=1\n2 W9 :b,S=2\n5 :c,S=3\n";
        let cut = &full[..full.len() - 6];
        assert_eq!(Uidlist::parse(cut), Err(UidlistError::Record(4)));
        let l = Uidlist::repair(cut).unwrap();
        assert_eq!(l.uidvalidity, 1796016417);
        assert_eq!(l.header_rest, vec![b"G00ff".to_vec()]);
        let uids: Vec<u32> = l.records.iter().map(|r| r.uid).collect();
        assert_eq!(uids, [1, 2]);
        assert_eq!(l.records[1].fields, b"W9");
        assert_eq!(l.next_uid, 6);
        // Cut inside the record's number: "5" alone still says UID 5 was used.
        let l = Uidlist::repair(b"3 V7 N2\n1 :a\n5").unwrap();
        assert_eq!((l.records.len(), l.next_uid), (1, 6));
    }

    // Garbage in the middle, UIDs out of order, a UID or a message listed twice: every
    // line that can be read is kept, each UID names one message, the next UID is above
    // all of them.
    #[test]
    fn repairs_a_garbled_list() {
        let text = b"3 V42 N3\n1 :a\n\x00\xff garbage\n9 :b\n4 :c\n4 :d\n7 :a\nx :e\n12 no colon\n";
        assert_eq!(Uidlist::parse(text), Err(UidlistError::Record(3)));
        let l = Uidlist::repair(text).unwrap();
        let got: Vec<(u32, &[u8])> = l.records.iter().map(|r| (r.uid, &r.name[..])).collect();
        assert_eq!(got, [(1, &b"a"[..]), (4, b"c"), (9, b"b")]);
        assert_eq!((l.uidvalidity, l.next_uid), (42, 13));
        // No readable UIDVALIDITY: nothing to keep the UIDs under.
        assert!(Uidlist::repair(b"3 Vx N3\n1 :a\n").is_none());
        assert!(Uidlist::repair(b"\x00\x00\x00").is_none());
    }

    // RFC 3501 2.3.1.1: no UID 0, none above 2^32 - 1, and UIDNEXT a UID too: the last
    // UID given is 2^32 - 2, and a list whose UIDs ran out says so instead of wrapping.
    #[test]
    fn uids_run_out_without_wrapping() {
        let mut l = Uidlist::parse(b"3 V1 N4294967294\n").unwrap();
        assert_eq!(l.push(b"a".to_vec()), Some(4294967294));
        assert_eq!((l.next_uid, l.has_room(0)), (u32::MAX, true));
        assert_eq!(l.push(b"b".to_vec()), None);
        assert_eq!(l.next_uid, u32::MAX);
        // Written by someone else: a UID at the very top leaves no UIDNEXT above it.
        let l = Uidlist::parse(b"3 V1 N2\n1 :a\n4294967295 :b\n").unwrap();
        assert!(!l.has_room(0));
        // A cut line at the top: that UID is not given again.
        let l = Uidlist::repair(b"3 V1 N2\n1 :a\n4294967295").unwrap();
        assert_eq!(
            (l.records.len(), l.next_uid, l.has_room(1)),
            (1, u32::MAX, false)
        );
    }

    #[test]
    fn renumbering_starts_from_one() {
        let mut l = Uidlist::parse(b"3 V5 N4294967295 G00\n7 W9 :a\n4294967294 :b\n").unwrap();
        l.renumber(6);
        assert_eq!(l.to_bytes(), b"3 V6 N3 G00\n1 W9 :a\n2 :b\n");
    }

    #[test]
    fn next_uid_never_below_a_used_uid() {
        let l = Uidlist::parse(b"3 V1 N2\n7 :a\n").unwrap();
        assert_eq!(l.next_uid, 8);
    }
}
