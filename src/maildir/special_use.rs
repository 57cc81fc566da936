//! The special use of a folder (RFC 6154 2): `\Sent`, `\Drafts`, `\Trash`, `\Junk`,
//! `\Archive`. A folder created with `CREATE name (USE (...))` keeps the uses it was given in
//! the file `imapd-specialuse` inside its directory, so that they move with it on RENAME
//! and go with it on DELETE; any other folder has the use its usual name suggests.
//!
//! The file is not part of the folder index (`imapd.*`, which may be deleted at any time):
//! it holds what the user chose. It is one line of attribute names separated by spaces,
//! written before the folder becomes a Maildir ([`super::folder::create`]); names this
//! server does not know are ignored when read.
//!
//! `\All` and `\Flagged` name virtual mailboxes, which a Maildir cannot be: they are refused.

use std::path::Path;

use super::{durable, MaildirError};

pub const FILE: &str = "imapd-specialuse";

/// The uses a server can give a folder of real messages, in the order LIST shows them.
const USES: [&str; 5] = ["\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"];

/// A set of special uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses(u8);

/// Why a use cannot be given to a folder (RFC 6154 3: answered with `NO [USEATTR]`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UseError {
    #[error("{0} names a virtual mailbox, which a Maildir folder cannot be")]
    Virtual(&'static str),
    #[error("Unknown special use")]
    Unknown,
}

impl Uses {
    /// Adds the use named `attr` (case-insensitive, with its backslash).
    pub fn add(&mut self, attr: &[u8]) -> Result<(), UseError> {
        for virtual_use in ["\\All", "\\Flagged"] {
            if attr.eq_ignore_ascii_case(virtual_use.as_bytes()) {
                return Err(UseError::Virtual(virtual_use));
            }
        }
        let i = USES
            .iter()
            .position(|u| u.as_bytes().eq_ignore_ascii_case(attr))
            .ok_or(UseError::Unknown)?;
        self.0 |= 1 << i;
        Ok(())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The attribute names, as LIST shows them.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        USES.into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, u)| u)
    }

    /// The use of a folder that was given none: the one its usual name suggests.
    pub fn by_name(name: &[u8]) -> Uses {
        const NAMES: [(&str, &str); 10] = [
            ("Sent", "\\Sent"),
            ("Sent Messages", "\\Sent"),
            ("Sent Items", "\\Sent"),
            ("Drafts", "\\Drafts"),
            ("Trash", "\\Trash"),
            ("Deleted Messages", "\\Trash"),
            ("Junk", "\\Junk"),
            ("Spam", "\\Junk"),
            ("Archive", "\\Archive"),
            ("Archives", "\\Archive"),
        ];
        let mut uses = Uses::default();
        if let Some((_, attr)) = NAMES
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
        {
            let _ = uses.add(attr.as_bytes());
        }
        uses
    }

    /// The uses of the folder `name` in `dir`: those it was created with, else those of its
    /// name.
    pub fn of(dir: &Path, name: &[u8]) -> Uses {
        match std::fs::read(dir.join(FILE)) {
            Ok(line) => {
                let mut uses = Uses::default();
                for attr in line.split(|b| b.is_ascii_whitespace()) {
                    let _ = uses.add(attr);
                }
                uses
            }
            Err(_) => Uses::by_name(name),
        }
    }

    /// Records the uses in the folder being built at `dir`, durably.
    pub fn write(self, dir: &Path) -> Result<(), MaildirError> {
        let mut line = self.names().collect::<Vec<_>>().join(" ");
        line.push('\n');
        durable::replace(&dir.join(FILE), line.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_from_attributes_and_names() {
        let mut u = Uses::default();
        // RFC 6154 5.3: \Drafts and \Sent together; \All refused.
        u.add(b"\\Sent").unwrap();
        u.add(b"\\drafts").unwrap();
        assert_eq!(u.names().collect::<Vec<_>>(), ["\\Drafts", "\\Sent"]);
        assert_eq!(u.add(b"\\All"), Err(UseError::Virtual("\\All")));
        assert_eq!(u.add(b"\\Important"), Err(UseError::Unknown));
        assert_eq!(
            Uses::by_name(b"sent items").names().collect::<Vec<_>>(),
            ["\\Sent"]
        );
        assert!(Uses::by_name(b"Notes").is_empty());
    }

    #[test]
    fn the_file_wins_over_the_name() {
        let dir = std::env::temp_dir().join(format!("imapd-specialuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(Uses::of(&dir, b"Trash"), Uses::by_name(b"Trash"));
        let mut u = Uses::default();
        u.add(b"\\Archive").unwrap();
        u.write(&dir).unwrap();
        assert_eq!(Uses::of(&dir, b"Trash"), u);
        // Given no use at all: none, whatever the name says.
        Uses::default().write(&dir).unwrap();
        assert!(Uses::of(&dir, b"Trash").is_empty());
        // Names not known here are skipped.
        std::fs::write(dir.join(FILE), b"\\Sent \\Whatever\n").unwrap();
        assert_eq!(Uses::of(&dir, b"x").names().collect::<Vec<_>>(), ["\\Sent"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
