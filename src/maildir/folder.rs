//! IMAP mailbox names to Maildir++ directories: INBOX is the Maildir itself, `A.B` is
//! `.A.B/` beneath it (hierarchy separator `.`, personal namespace prefix `""`).

use std::path::{Path, PathBuf};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Mailbox name is empty")]
    Empty,
    #[error("Mailbox name has a character that is not allowed")]
    Character,
    #[error("Mailbox name has an empty level")]
    EmptyLevel,
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
    let mut dir = String::from(".");
    dir.push_str(std::str::from_utf8(name).map_err(|_| NameError::Character)?);
    Ok(root.join(dir))
}

/// The directory of an existing mailbox, or the tagged reply that says why there is none.
pub fn existing(root: &Path, name: &[u8]) -> Result<PathBuf, String> {
    let dir = path(root, name).map_err(|e| format!("NO {e}"))?;
    if is_mailbox(&dir) {
        Ok(dir)
    } else {
        Err("NO [NONEXISTENT] Mailbox does not exist".to_string())
    }
}

/// A folder is a real directory (not a symlink planted to lead elsewhere) with `cur/`.
pub fn is_mailbox(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && std::fs::symlink_metadata(dir.join("cur")).is_ok_and(|m| m.is_dir())
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
        assert_eq!(path(root, b"../etc"), Err(NameError::Character));
        assert_eq!(path(root, b"A..B"), Err(NameError::EmptyLevel));
        assert_eq!(path(root, b".hidden"), Err(NameError::EmptyLevel));
        assert_eq!(path(root, b"x\n"), Err(NameError::Character));
        assert_eq!(path(root, b""), Err(NameError::Empty));
    }
}
