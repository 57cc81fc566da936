//! Object identifiers (RFC 8474) from what `dovecot-uidlist` already holds, as Dovecot
//! keeps them: the folder's GUID (the header's `G` field) is its MAILBOXID, kept by RENAME
//! (the file goes with the directory) and new when the list, and so UIDVALIDITY, is new; a
//! message's GUID is the unique part of its file name, or its record's `G` field where a
//! copy under a new name carries the GUID of the message it was copied from (what Dovecot
//! writes, and COPY and MOVE here). EMAILIDs are that GUID hashed, since a Maildir name
//! holds characters an `objectid` may not (`1*255(ALPHA / DIGIT / "_" / "-")`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::flags::base;
use super::uidlist::{self, Record, Uidlist};
use super::MaildirError;

/// The extension field of a uidlist record that holds the message's GUID.
const GUID_FIELD: u8 = b'G';

/// `prefix` and the 128-bit FNV-1a hash of `raw` in hex: an objectid, stable across
/// processes and versions (unlike std's hasher), and different for different `raw` but
/// by a 2^-128 chance.
fn hashed(prefix: char, raw: &[u8]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let h = raw
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    format!("{prefix}{h:032x}")
}

fn is_objectid(s: &[u8]) -> bool {
    (1..=255).contains(&s.len())
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Where a folder's MAILBOXID is kept with the UIDVALIDITY it belongs to, so that a SELECT
/// the folder index answers opens no uidlist (a cache: deleting it costs one header read).
pub const FILE: &str = "imapd.mailboxid";

/// The MAILBOXID of the folder at `dir`, whose UIDVALIDITY is `uidvalidity`: from
/// [`FILE`] when it was kept for that UIDVALIDITY (the GUID changes only with the list,
/// and a new list has a new UIDVALIDITY), else from the uidlist, then kept. `None` when
/// the folder has no uidlist yet.
pub fn mailbox_id(dir: &Path, uidvalidity: u32) -> Result<Option<String>, MaildirError> {
    let kept = std::fs::read(dir.join(FILE)).unwrap_or_default();
    let text = String::from_utf8_lossy(&kept);
    if let Some((v, id)) = text.trim_end().split_once(' ') {
        if v.parse() == Ok(uidvalidity) && is_objectid(id.as_bytes()) {
            return Ok(Some(id.to_string()));
        }
    }
    let Some((v, id)) = from_uidlist(dir)? else {
        return Ok(None);
    };
    if v == uidvalidity {
        // An older copy after a crash is only a miss.
        let _ =
            super::durable::replace_atomically(&dir.join(FILE), format!("{v} {id}\n").as_bytes());
    }
    Ok(Some(id))
}

/// The UIDVALIDITY and MAILBOXID the uidlist's header gives; reads the first line only.
fn from_uidlist(dir: &Path) -> Result<Option<(u32, String)>, MaildirError> {
    let path = dir.join(uidlist::FILE);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(MaildirError::io(&path)(e)),
    };
    let mut header = Vec::new();
    BufReader::new(file)
        .take(4096)
        .read_until(b'\n', &mut header)
        .map_err(MaildirError::io(&path))?;
    let Ok(list) = Uidlist::parse(&header) else {
        return Ok(None);
    };
    let guid = list
        .header_rest
        .iter()
        .find_map(|f| f.strip_prefix(b"G").filter(|g| !g.is_empty()));
    let id = match guid {
        Some(g) if is_objectid(g) => String::from_utf8_lossy(g).into_owned(),
        Some(g) => hashed('F', g),
        // A list without a GUID (written by an old tool): its UIDVALIDITY, which also
        // changes only when the list is new.
        None => hashed('V', list.uidvalidity.to_string().as_bytes()),
    };
    Ok(Some((list.uidvalidity, id)))
}

/// The GUID a record's `G` field gives, if any.
fn record_guid(r: &Record) -> Option<&[u8]> {
    r.fields
        .split(|&b| b == b' ')
        .find_map(|f| f.strip_prefix(&[GUID_FIELD]).filter(|g| !g.is_empty()))
}

/// The GUIDs the records of a folder's uidlist carry, by the unique part of the name.
#[derive(Default)]
pub struct Guids(HashMap<Vec<u8>, Vec<u8>>);

impl Guids {
    /// Those of the folder at `dir` (none when it has no list).
    pub fn read(dir: &Path) -> Result<Guids, MaildirError> {
        let list = match Uidlist::read(dir)? {
            uidlist::Read::Found(l) | uidlist::Read::Repaired(l) => l,
            uidlist::Read::Lost { .. } => return Ok(Guids::default()),
        };
        Ok(Guids(
            list.records
                .iter()
                .filter_map(|r| Some((r.name.clone(), record_guid(r)?.to_vec())))
                .collect(),
        ))
    }

    /// The GUID of the message named `name`: its record's, else its unique name.
    pub fn guid<'a>(&'a self, name: &'a [u8]) -> &'a [u8] {
        let unique = base(name);
        self.0.get(unique).map_or(unique, Vec::as_slice)
    }

    /// The EMAILID of the message named `name`.
    pub fn email_id(&self, name: &[u8]) -> String {
        hashed('M', self.guid(name))
    }

    /// The uidlist field a copy of the message named `name` carries: its GUID.
    pub fn field_for_copy(&self, name: &[u8]) -> Vec<u8> {
        let mut f = vec![GUID_FIELD];
        f.extend_from_slice(self.guid(name));
        f
    }
}

#[cfg(test)]
mod tests {
    use super::{hashed, is_objectid, mailbox_id, Guids};

    #[test]
    fn ids_are_objectids() {
        // RFC 8474 7: 1*255 of ALPHA, DIGIT, "_" and "-".
        let id = hashed('M', b"1796227697.M741345P29576.vm,S=27,W=31");
        assert!(is_objectid(id.as_bytes()) && id.len() == 33, "{id}");
        assert_ne!(id, hashed('M', b"1796227697.M741345P29576.vm,S=27,W=32"));
        assert_eq!(id, hashed('M', b"1796227697.M741345P29576.vm,S=27,W=31"));
        assert!(!is_objectid(b"a.b") && !is_objectid(b"") && !is_objectid(&[b'a'; 256]));
    }

    #[test]
    fn guids_from_the_uidlist() {
        // Dovecot's own: a copy under a new name carries the source's GUID in `G`.
        let dir = std::env::temp_dir().join(format!("imapd-objectid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("dovecot-uidlist"),
            "3 V1796227697 N3 Ga05f382c7142106b8873000083ecc375\n\
             1 :1796227697.M741345P29576.vm,S=27,W=31\n\
             2 W31 G1796227697.M741345P29576.vm,S=27,W=31 :1796227697.M752225P29576.vm,S=27,W=31\n",
        )
        .unwrap();
        let id = "a05f382c7142106b8873000083ecc375";
        assert_eq!(mailbox_id(&dir, 1796227697).unwrap().as_deref(), Some(id));
        // Kept for that UIDVALIDITY, and used while the list has it.
        let kept = std::fs::read_to_string(dir.join(super::FILE)).unwrap();
        assert_eq!(kept, format!("1796227697 {id}\n"));
        std::fs::write(dir.join(super::FILE), "1796227697 Fkept\n").unwrap();
        assert_eq!(
            mailbox_id(&dir, 1796227697).unwrap().as_deref(),
            Some("Fkept")
        );
        // A list of another UIDVALIDITY is another mailbox: the uidlist is read again.
        std::fs::write(dir.join(super::FILE), "5 Fold\n").unwrap();
        assert_eq!(mailbox_id(&dir, 1796227697).unwrap().as_deref(), Some(id));
        let g = Guids::read(&dir).unwrap();
        let first = "1796227697.M741345P29576.vm,S=27,W=31:2,S";
        let copy = "1796227697.M752225P29576.vm,S=27,W=31:2,";
        assert_eq!(g.guid(first.as_bytes()), &first.as_bytes()[..37]);
        assert_eq!(g.email_id(first.as_bytes()), g.email_id(copy.as_bytes()));
        assert_ne!(
            g.email_id(first.as_bytes()),
            g.email_id(b"1796227697.M1P1.vm:2,")
        );
        assert_eq!(
            g.field_for_copy(copy.as_bytes()),
            b"G1796227697.M741345P29576.vm,S=27,W=31"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
