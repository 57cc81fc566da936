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
