//! Listing the messages of a Maildir: the names in `new/` and `cur/`.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::MaildirError;

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Vec<u8>,
    pub in_new: bool,
}

/// All message files in `new/` and `cur/`; dot files are not messages.
pub fn scan(dir: &Path) -> Result<Vec<Entry>, MaildirError> {
    let mut entries = Vec::new();
    for (sub, in_new) in [("new", true), ("cur", false)] {
        let path = dir.join(sub);
        for ent in std::fs::read_dir(&path).map_err(MaildirError::io(&path))? {
            let ent = ent.map_err(MaildirError::io(&path))?;
            let name = ent.file_name();
            if name.as_bytes().first() != Some(&b'.') {
                entries.push(Entry {
                    name: name.as_bytes().to_vec(),
                    in_new,
                });
            }
        }
    }
    Ok(entries)
}
