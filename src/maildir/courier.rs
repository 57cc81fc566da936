//! Taking over Courier-IMAP's UIDs: when a folder has no `dovecot-uidlist` but has
//! `courierimapuiddb` (`1 <uidvalidity> <nextuid>`, then `<uid> <filename>` lines), its
//! UIDVALIDITY and UIDs are kept, so clients see no change when Courier is replaced.

use std::path::Path;

use super::uidlist::{Record, Uidlist};

const FILE: &str = "courierimapuiddb";

/// Courier's list of the folder at `dir` in Dovecot's form, if it has a readable one.
pub fn read(dir: &Path, guid: [u8; 16]) -> Option<Uidlist> {
    parse(&std::fs::read(dir.join(FILE)).ok()?, guid)
}

fn parse(data: &[u8], guid: [u8; 16]) -> Option<Uidlist> {
    let text = std::str::from_utf8(data).ok()?;
    let mut lines = text.lines();
    let mut header = lines.next()?.split_ascii_whitespace();
    if header.next()? != "1" {
        return None;
    }
    let uidvalidity: u32 = header.next()?.parse().ok()?;
    let next_uid: u32 = header.next()?.parse().ok()?;
    let mut list = Uidlist::new(uidvalidity, guid);
    for line in lines {
        let Some((uid, name)) = line.split_once(' ') else {
            continue;
        };
        let Ok(uid) = uid.parse::<u32>() else {
            continue;
        };
        if uid == 0 || list.records.last().is_some_and(|r| r.uid >= uid) {
            return None;
        }
        list.records.push(Record {
            uid,
            fields: Vec::new(),
            name: super::flags::base(name.as_bytes()).to_vec(),
        });
    }
    list.next_uid = next_uid.max(
        list.records
            .last()
            .map_or(1, |r| super::uidlist::above(r.uid)),
    );
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn courier_format() {
        let l = parse(
            b"1 1234567890 5\n1 1100000000.1234.host\n4 1100000001.999.host:2,S\n",
            [0; 16],
        )
        .unwrap();
        assert_eq!((l.uidvalidity, l.next_uid), (1234567890, 5));
        assert_eq!(l.records[1].uid, 4);
        assert_eq!(l.records[1].name, b"1100000001.999.host");
        assert!(parse(b"2 1 1\n", [0; 16]).is_none());
        assert!(parse(b"1 7 3\n2 a\n2 b\n", [0; 16]).is_none());
    }
}
