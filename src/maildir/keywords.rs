//! `dovecot-keywords`: the names of a folder's keyword letters, one `<n> <name>` line per
//! keyword, `0` for `a` up to `25` for `z`. A folder has room for 26 keywords.

use std::path::Path;

use super::MaildirError;

pub const FILE: &str = "dovecot-keywords";
const SLOTS: usize = 26;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keywords {
    names: Vec<Option<Vec<u8>>>,
}

impl Keywords {
    pub fn parse(data: &[u8]) -> Keywords {
        let mut k = Keywords {
            names: vec![None; SLOTS],
        };
        for line in data.split(|&b| b == b'\n') {
            let Some(sp) = memchr::memchr(b' ', line) else {
                continue;
            };
            let n: Option<usize> = std::str::from_utf8(&line[..sp])
                .ok()
                .and_then(|s| s.parse().ok());
            let name = &line[sp + 1..];
            if let Some(n) = n.filter(|&n| n < SLOTS) {
                if !name.is_empty() {
                    k.names[n] = Some(name.to_vec());
                }
            }
        }
        k
    }

    /// The keywords of the folder at `dir`; none when the file is missing.
    pub fn read(dir: &Path) -> Result<Keywords, MaildirError> {
        let path = dir.join(FILE);
        match std::fs::read(&path) {
            Ok(data) => Ok(Keywords::parse(&data)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keywords::parse(b"")),
            Err(e) => Err(MaildirError::io(&path)(e)),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, name) in self.iter() {
            out.extend_from_slice(format!("{n} ").as_bytes());
            out.extend_from_slice(name);
            out.push(b'\n');
        }
        out
    }

    /// Replaces the file at `dir` durably: a lost file would give the letters in message
    /// names other meanings (or none).
    pub fn write(&self, dir: &Path) -> Result<(), MaildirError> {
        super::durable::replace(&dir.join(FILE), &self.to_bytes())
    }

    /// The slots in use, with their names.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.names
            .iter()
            .enumerate()
            .filter_map(|(n, name)| Some((n, name.as_deref()?)))
    }

    /// The slot of keyword `name`; keywords compare without regard to case.
    pub fn slot(&self, name: &[u8]) -> Option<usize> {
        self.iter()
            .find(|(_, k)| k.eq_ignore_ascii_case(name))
            .map(|(n, _)| n)
    }

    /// The slot of `name`, giving it the first free one if it has none; `None` when all
    /// 26 are taken.
    pub fn add(&mut self, name: &[u8]) -> Option<usize> {
        if let Some(n) = self.slot(name) {
            return Some(n);
        }
        let n = self.names.iter().position(Option::is_none)?;
        self.names[n] = Some(name.to_vec());
        Some(n)
    }
}

/// Gives each of `names` a slot in the folder at `dir`, under the uidlist lock so that two
/// sessions never give one letter two names. Returns the folder's keywords afterwards, or
/// `None` when there is no room for all of them.
pub fn define(dir: &Path, names: &[Vec<u8>]) -> Result<Option<Keywords>, MaildirError> {
    let current = Keywords::read(dir)?;
    if names.iter().all(|n| current.slot(n).is_some()) {
        return Ok(Some(current));
    }
    let lock = super::lock::Dotlock::acquire(dir.join(format!("{}.lock", super::uidlist::FILE)))?;
    let mut k = Keywords::read(dir)?;
    for n in names {
        if k.add(n).is_none() {
            return Ok(None);
        }
    }
    // A lock lost meanwhile: another process may be giving the same letter another name.
    lock.check()?;
    k.write(dir)?;
    Ok(Some(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_format() {
        // As Dovecot 2.3 wrote it after `STORE 1 +FLAGS ($Junk foo)` and `APPEND (bar)`.
        let text = b"0 $Junk\n1 foo\n2 bar\n";
        let mut k = Keywords::parse(text);
        assert_eq!(k.slot(b"FOO"), Some(1));
        assert_eq!(k.to_bytes(), text);
        assert_eq!(k.add(b"baz"), Some(3));
        assert_eq!(k.add(b"$junk"), Some(0));
        assert!(k.to_bytes().ends_with(b"3 baz\n"));
    }

    #[test]
    fn full_after_26() {
        let mut k = Keywords::parse(b"");
        for i in 0..26 {
            assert_eq!(k.add(format!("k{i}").as_bytes()), Some(i));
        }
        assert_eq!(k.add(b"one-too-many"), None);
    }
}
