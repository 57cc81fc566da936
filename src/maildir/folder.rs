//! IMAP mailbox names to Maildir++ directories: INBOX is the Maildir itself, `A.B` is
//! `.A.B/` beneath it (hierarchy separator `.`, personal namespace prefix `""`); and
//! creating, listing, deleting and renaming them.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::durable::sync_dir;
use super::special_use::Uses;
use super::MaildirError;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Mailbox name is empty")]
    Empty,
    #[error("Mailbox name has a character that is not allowed")]
    Character,
    #[error("Mailbox name has an empty level")]
    EmptyLevel,
    #[error("Mailbox name is not valid modified UTF-7")]
    Encoding,
}

pub fn is_inbox(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"INBOX")
}

/// The directory of mailbox `name` under the Maildir `root`. Names that could reach
/// outside the Maildir (`/`, `..`, empty levels) or carry control or 8-bit characters
/// (names on the wire are modified UTF-7) are refused.
pub fn path(root: &Path, name: &[u8]) -> Result<PathBuf, NameError> {
    if is_inbox(name) {
        return Ok(root.to_path_buf());
    }
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name
        .iter()
        .any(|&b| !(0x20..0x7f).contains(&b) || b == b'/')
    {
        return Err(NameError::Character);
    }
    if name.split(|&b| b == b'.').any(|level| level.is_empty()) {
        return Err(NameError::EmptyLevel);
    }
    if !super::mutf7::is_valid(name) {
        return Err(NameError::Encoding);
    }
    let name = std::str::from_utf8(name).map_err(|_| NameError::Character)?;
    // INBOX is one name whatever its case, also as the first level of its children.
    let name = match name.split_once('.') {
        Some((first, rest)) if first.eq_ignore_ascii_case("INBOX") => format!("INBOX.{rest}"),
        _ => name.to_string(),
    };
    Ok(root.join(format!(".{name}")))
}

/// Why a name names no mailbox.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoMailbox {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("Mailbox does not exist")]
    Missing,
}

/// The directory of an existing mailbox.
pub fn existing(root: &Path, name: &[u8]) -> Result<PathBuf, NoMailbox> {
    let dir = path(root, name)?;
    if is_mailbox(&dir) {
        Ok(dir)
    } else {
        Err(NoMailbox::Missing)
    }
}

/// A folder is a real directory with `cur/`, where neither it nor `cur/`, `new/` or `tmp/`
/// is a symlink planted to lead outside the Maildir.
pub fn is_mailbox(dir: &Path) -> bool {
    let real_dir = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
    let not_link = |p: &Path| std::fs::symlink_metadata(p).map_or(true, |m| !m.is_symlink());
    real_dir(dir)
        && real_dir(&dir.join("cur"))
        && not_link(&dir.join("new"))
        && not_link(&dir.join("tmp"))
}

/// The names of all folders under `root` (not INBOX), sorted. Directories that are not
/// Maildirs (no `cur/`), and symlinks, are not folders.
pub fn list(root: &Path) -> Result<Vec<Vec<u8>>, MaildirError> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(root).map_err(MaildirError::io(root))? {
        let e = e.map_err(MaildirError::io(root))?;
        let file = e.file_name();
        let Some(name) = file.as_bytes().strip_prefix(b".") else {
            continue;
        };
        if path(root, name).is_ok() && is_mailbox(&e.path()) {
            names.push(name.to_vec());
        }
    }
    names.sort();
    Ok(names)
}

/// Creates the folder at `dir`: a Maildir with the `maildirfolder` marker, and the special
/// `uses` it was given. `Ok(false)`: it exists already.
pub fn create(dir: &Path, uses: Option<Uses>) -> Result<bool, MaildirError> {
    let mut b = std::fs::DirBuilder::new();
    b.mode(0o700);
    match b.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(MaildirError::io(dir)(e)),
    }
    for sub in ["tmp", "new", "cur"] {
        // The uses are there before `cur/` makes the directory a folder.
        if let (Some(uses), "cur") = (uses, sub) {
            uses.write(dir)?;
        }
        let p = dir.join(sub);
        b.create(&p).map_err(MaildirError::io(&p))?;
    }
    let marker = dir.join("maildirfolder");
    std::fs::write(&marker, b"").map_err(MaildirError::io(&marker))?;
    // The client is told the folder exists: its entries and its name are on disk.
    sync_dir(dir)?;
    super::durable::sync_parent(dir)?;
    Ok(true)
}

/// The start of the name a deleted folder has in `tmp/` of the root while it is removed.
pub const GRAVE: &str = "deleted.";

/// Deletes the folder at `dir`: it leaves the folder tree in one rename (into `tmp/` of
/// `root`, made durable) and is removed from there, so nobody sees it half gone. If the
/// removal is interrupted, [`clean_tmp`](super::deliver::clean_tmp) finishes it.
pub fn delete(root: &Path, dir: &Path) -> Result<(), MaildirError> {
    let grave = root
        .join("tmp")
        .join(format!("{GRAVE}{}", super::deliver::unique_name()));
    std::fs::rename(dir, &grave).map_err(MaildirError::io(dir))?;
    sync_dir(root)?;
    std::fs::remove_dir_all(&grave).map_err(MaildirError::io(&grave))
}

/// Renames folder `from` to `to` under `root`, with every folder below it (`from.x` to
/// `to.x`). The caller has checked that `from` exists and `to` does not.
pub fn rename(root: &Path, from: &[u8], to: &[u8]) -> Result<(), MaildirError> {
    let mut prefix = from.to_vec();
    prefix.push(b'.');
    let children: Vec<Vec<u8>> = list(root)?
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect();
    let dir = |name: &[u8]| {
        let mut d = b".".to_vec();
        d.extend_from_slice(name);
        root.join(std::ffi::OsStr::from_bytes(&d))
    };
    let src = dir(from);
    std::fs::rename(&src, dir(to)).map_err(MaildirError::io(&src))?;
    for child in children {
        let mut new = to.to_vec();
        new.extend_from_slice(&child[from.len()..]);
        let old = dir(&child);
        std::fs::rename(&old, dir(&new)).map_err(MaildirError::io(&old))?;
    }
    sync_dir(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildirplusplus_names() {
        let root = Path::new("/home/u/MAILDIR.IMAP");
        assert_eq!(path(root, b"inbox").unwrap(), root);
        assert_eq!(path(root, b"Sent").unwrap(), root.join(".Sent"));
        assert_eq!(path(root, b"A.B").unwrap(), root.join(".A.B"));
        assert_eq!(path(root, b"inbox.Sub").unwrap(), root.join(".INBOX.Sub"));
        assert_eq!(path(root, b"../etc"), Err(NameError::Character));
        assert_eq!(path(root, b"A..B"), Err(NameError::EmptyLevel));
        assert_eq!(path(root, b".hidden"), Err(NameError::EmptyLevel));
        assert_eq!(path(root, b"x\n"), Err(NameError::Character));
        assert_eq!(path(root, b""), Err(NameError::Empty));
        assert_eq!(
            path(root, b"Entw&APw-rfe").unwrap(),
            root.join(".Entw&APw-rfe")
        );
        assert_eq!(path(root, b"Tom & Jerry"), Err(NameError::Encoding));
    }
}
