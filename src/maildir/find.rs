//! Finding a message's current file when its name has changed under us: another session
//! renamed it to change its flags. The unique part before `:` never changes.

use std::collections::{HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::flags::base;

/// The current names (and whether in `new/`) of the messages whose unique parts are in
/// `wanted`, from one listing of the folder at `dir`.
pub fn locate(dir: &Path, wanted: &HashSet<Vec<u8>>) -> HashMap<Vec<u8>, (Vec<u8>, bool)> {
    let mut found = HashMap::new();
    for (sub, in_new) in [("cur", false), ("new", true)] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let n = e.file_name();
            let b = base(n.as_bytes());
            if wanted.contains(b) {
                found.insert(b.to_vec(), (n.as_bytes().to_vec(), in_new));
            }
        }
    }
    found
}
