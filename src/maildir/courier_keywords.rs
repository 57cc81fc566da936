//! Reading Courier-IMAP's keywords: the directory `courierimapkeywords/` of a folder, as
//! Courier 5 writes it (seen by running it: STORE, then the files it left).
//!
//! - `:list`: the keyword names, one a line, then an empty line, then one
//!   `<unique name>:<i> <i>...` line per message with keywords, `i` counting the names
//!   from 0. The unique name is the file name up to its `:`.
//! - `<unique name>`: a change not yet merged into `:list`, newer than anything else: the
//!   message's keywords, one a line (none when empty).
//! - `.<n>.<unique name>`: a change already merged into `:list` (renamed so once merged,
//!   `n` counting five-minute periods); the largest `n` is the newer one, and it still wins
//!   over `:list`, which a crash between the two steps may have left behind.
//! - `.tmp.*`: Courier's scratch files, and other names starting with `:` or `.`: ignored.
//!
//! What cannot be read is ignored and logged: a broken file must never stop a folder from
//! opening, and Courier's files are only read, never changed.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub const DIR: &str = "courierimapkeywords";
const LIST: &[u8] = b":list";

/// A folder's keywords in Courier's files: for each message (by unique name), its keyword
/// names; and every name in the order the folder got them (`:list` first).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CourierKeywords {
    pub messages: HashMap<Vec<u8>, Vec<Vec<u8>>>,
    pub names: Vec<Vec<u8>>,
}

/// The keywords Courier kept for the folder at `dir`; `None` when it kept none.
pub fn read(dir: &Path) -> Option<CourierKeywords> {
    let kwdir = dir.join(DIR);
    let entries = std::fs::read_dir(&kwdir).ok()?;
    let mut k = match std::fs::read(kwdir.join(std::ffi::OsStr::from_bytes(LIST))) {
        Ok(data) => parse_list(&data, &kwdir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => CourierKeywords::default(),
        Err(e) => {
            crate::log!("{}/:list: not read: {e}", kwdir.display());
            CourierKeywords::default()
        }
    };
    let names: Vec<Vec<u8>> = entries
        .flatten()
        .map(|e| e.file_name().as_bytes().to_vec())
        .collect();
    for (unique, file) in newest_updates(&names) {
        match std::fs::read(kwdir.join(std::ffi::OsStr::from_bytes(&file))) {
            Ok(data) => k.apply(unique, parse_update(&data, &kwdir)),
            Err(e) => crate::log!(
                "{}/{}: not read: {e}",
                kwdir.display(),
                String::from_utf8_lossy(&file)
            ),
        }
    }
    (!k.messages.is_empty()).then_some(k)
}

impl CourierKeywords {
    /// Sets the keywords of message `unique` to `names` (none: it has none).
    fn apply(&mut self, unique: Vec<u8>, names: Vec<Vec<u8>>) {
        for n in &names {
            self.note(n);
        }
        if names.is_empty() {
            self.messages.remove(&unique);
        } else {
            self.messages.insert(unique, names);
        }
    }

    fn note(&mut self, name: &[u8]) {
        if !self.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            self.names.push(name.to_vec());
        }
    }
}

/// `:list`; lines that do not parse are skipped (Courier skips them too).
fn parse_list(data: &[u8], kwdir: &Path) -> CourierKeywords {
    let mut k = CourierKeywords::default();
    let mut lines = data.split(|&b| b == b'\n');
    // Every name keeps its index, also one that is skipped, so that later indexes stay right.
    let mut index: Vec<Option<Vec<u8>>> = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        index.push(valid(line, kwdir).then(|| line.to_vec()));
    }
    for n in index.iter().flatten() {
        k.note(n);
    }
    let mut broken = 0usize;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some(colon) = memchr::memrchr(b':', line) else {
            broken += 1;
            continue;
        };
        let (unique, numbers) = (&line[..colon], &line[colon + 1..]);
        let mut names = Vec::new();
        for n in numbers.split(|&b| b == b' ').filter(|n| !n.is_empty()) {
            let i: Option<usize> = std::str::from_utf8(n).ok().and_then(|s| s.parse().ok());
            match i.and_then(|i| index.get(i)) {
                Some(Some(name)) if !names.contains(name) => names.push(name.clone()),
                Some(_) => {}
                None => broken += 1,
            }
        }
        if !unique.is_empty() && !names.is_empty() {
            k.messages.insert(unique.to_vec(), names);
        }
    }
    if broken > 0 {
        crate::log!(
            "{}/:list: {broken} entries not understood, skipped",
            kwdir.display()
        );
    }
    k
}

/// An update file: names up to the first empty line.
fn parse_update(data: &[u8], kwdir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if valid(line, kwdir) && !names.iter().any(|n| n.eq_ignore_ascii_case(line)) {
            names.push(line.to_vec());
        }
    }
    names
}

/// For each message with update files among `files`, its unique name and the file to
/// read: the plain one when there is one, else the `.<n>.` one with the largest `n`.
fn newest_updates(files: &[Vec<u8>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut newest: HashMap<&[u8], (u64, &[u8])> = HashMap::new();
    for f in files {
        let (rank, unique) = match f.first() {
            None | Some(b':') => continue,
            Some(b'.') => {
                let rest = &f[1..];
                let Some(dot) = memchr::memchr(b'.', rest) else {
                    continue;
                };
                let n: Option<u64> = std::str::from_utf8(&rest[..dot])
                    .ok()
                    .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|s| s.parse().ok());
                match n {
                    Some(n) if n < u64::MAX && dot + 1 < rest.len() => (n, &rest[dot + 1..]),
                    // `.tmp.*` and anything else that is not an update.
                    _ => continue,
                }
            }
            Some(_) => (u64::MAX, &f[..]),
        };
        let e = newest.entry(unique).or_insert((rank, f));
        if rank > e.0 {
            *e = (rank, f);
        }
    }
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = newest
        .into_iter()
        .map(|(u, (_, f))| (u.to_vec(), f.to_vec()))
        .collect();
    out.sort();
    out
}

/// Whether `name` can be an IMAP keyword (an atom, RFC 3501 9, that is no system flag);
/// others are logged and skipped.
fn valid(name: &[u8], kwdir: &Path) -> bool {
    let ok = !name.is_empty()
        && name.iter().all(|&b| {
            b > 0x20
                && b < 0x7f
                && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
        });
    if !ok {
        crate::log!(
            "{}: keyword {:?} is no IMAP keyword, skipped",
            kwdir.display(),
            String::from_utf8_lossy(name)
        );
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn list_as_courier_wrote_it() {
        // Courier 5.0.13 after `STORE 1 +FLAGS ($Junk foo)`, `STORE 2 +FLAGS (bar foo)`,
        // `STORE 3 +FLAGS (baz)` over two sessions.
        let k = parse_list(
            b"baz\nbar\n$Junk\nfoo\n\n1700000001.M1P1.host:2 3\n1700000002.M2P1.host:1\n\
              1700000003.M3P1.host:0\n",
            Path::new("t"),
        );
        assert_eq!(k.names, names(&["baz", "bar", "$Junk", "foo"]));
        assert_eq!(
            k.messages[&b"1700000001.M1P1.host"[..]],
            names(&["$Junk", "foo"])
        );
        assert_eq!(k.messages[&b"1700000003.M3P1.host"[..]], names(&["baz"]));
    }

    #[test]
    fn broken_list_loses_only_what_is_broken() {
        let k = parse_list(
            b"ok\nbad name\n\nno-colon\nm1:0 1 7 x\nm2:1\nm3:0 0\n",
            Path::new("t"),
        );
        // `bad name` keeps index 1, so m1's 0 is still `ok`; 7 and x are out of range.
        assert_eq!(k.names, names(&["ok"]));
        assert_eq!(k.messages[&b"m1"[..]], names(&["ok"]));
        assert_eq!(k.messages[&b"m3"[..]], names(&["ok"]));
        assert!(!k.messages.contains_key(&b"m2"[..]));
        assert_eq!(parse_list(b"", Path::new("t")), CourierKeywords::default());
        assert_eq!(
            parse_list(b"\xff\xfe\n\n:\n", Path::new("t"))
                .messages
                .len(),
            0
        );
    }

    #[test]
    fn newest_update_wins() {
        let files = names(&[
            ":list",
            ".5987642.m1",
            ".5987650.m1",
            ".5987642.m2",
            "m2",
            ".tmp.1700000000.x",
            ".junk",
            ".12.",
            "m3",
        ]);
        assert_eq!(
            newest_updates(&files),
            vec![
                (b"m1".to_vec(), b".5987650.m1".to_vec()),
                (b"m2".to_vec(), b"m2".to_vec()),
                (b"m3".to_vec(), b"m3".to_vec()),
            ]
        );
        assert_eq!(
            parse_update(b"bar\nBAR\nfoo\n\nafter-the-end\n", Path::new("t")),
            names(&["bar", "foo"])
        );
        assert!(parse_update(b"", Path::new("t")).is_empty());
    }

    #[test]
    fn reads_a_folder() {
        let dir = std::env::temp_dir().join(format!("imapd-ckw-{}", std::process::id()));
        let kw = dir.join(DIR);
        std::fs::create_dir_all(&kw).unwrap();
        assert_eq!(read(&dir), None);
        std::fs::write(kw.join(":list"), b"$Junk\nfoo\n\nm1:0 1\nm2:1\n").unwrap();
        // m1 lost every keyword since, m3 got one; m2's merged change says what :list says.
        std::fs::write(kw.join("m1"), b"").unwrap();
        std::fs::write(kw.join(".5987642.m2"), b"foo\n").unwrap();
        std::fs::write(kw.join("m3"), b"new\n").unwrap();
        let k = read(&dir).unwrap();
        assert!(!k.messages.contains_key(&b"m1"[..]));
        assert_eq!(k.messages[&b"m2"[..]], names(&["foo"]));
        assert_eq!(k.messages[&b"m3"[..]], names(&["new"]));
        assert_eq!(k.names, names(&["$Junk", "foo", "new"]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
