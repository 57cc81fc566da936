//! Taking over Courier-IMAP's keywords ([`courier_keywords`](super::courier_keywords)) into
//! imapd's (and Dovecot's) form: names in `dovecot-keywords`, letters `a`..`z` in the
//! message file names. Done once per folder, under the uidlist lock, while the folder has
//! never had a `dovecot-uidlist`: the list written right after marks it done.
//!
//! The order makes it crash-safe: `dovecot-keywords` is replaced durably first (a letter in
//! a name must never be without its meaning), then the files are renamed and their
//! directories synced, and only then does the caller write the uidlist. A crash before that
//! runs it all again, which changes nothing already done: a keyword keeps its slot, and a
//! letter already in a name stays. Courier's files are left as they are.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::courier_keywords;
use super::flags::{self, base, MessageFlags};
use super::keywords::Keywords;
use super::lock::Dotlock;
use super::scan::scan;
use super::MaildirError;

/// Gives the messages of the folder at `dir` the keywords Courier kept for them. Call with
/// the folder's uidlist lock held, when it has no `dovecot-uidlist` yet.
pub fn keywords(dir: &Path, lock: &mut Dotlock) -> Result<(), MaildirError> {
    let Some(courier) = courier_keywords::read(dir) else {
        return Ok(());
    };
    let before = Keywords::read(dir)?;
    let mut k = before.clone();
    let used = courier.names.iter().filter(|n| {
        courier
            .messages
            .values()
            .any(|names| names.iter().any(|m| m.eq_ignore_ascii_case(n)))
    });
    for name in used {
        if k.add(name).is_none() {
            crate::log!(
                "{}: no keyword letter left for Courier's keyword {:?}; it is not taken over",
                dir.display(),
                String::from_utf8_lossy(name)
            );
        }
    }
    if k != before {
        lock.check()?;
        k.write(dir)?;
    }
    let mut renamed = [false; 2];
    let mut messages = 0usize;
    for e in scan(dir)? {
        lock.refresh();
        let Some(names) = courier.messages.get(base(&e.name)) else {
            continue;
        };
        let bits = names
            .iter()
            .filter_map(|n| k.slot(n))
            .fold(0u32, |b, n| b | 1 << n);
        let sub = if e.in_new { "new" } else { "cur" };
        if add_letters(&dir.join(sub), &e.name, bits)? {
            renamed[usize::from(e.in_new)] = true;
            messages += 1;
        }
    }
    for (i, sub) in ["cur", "new"].into_iter().enumerate() {
        if renamed[i] {
            super::durable::sync_dir(&dir.join(sub))?;
        }
    }
    if messages > 0 {
        crate::log!(
            "{}: Courier's keywords taken over for {messages} messages",
            dir.display()
        );
    }
    Ok(())
}

/// Renames the file `name` in `sub` to carry the keyword `bits` as well; when it was
/// renamed meanwhile (a mail reader changed a flag), follows it to its new name. False when
/// it already had them, is gone, or cannot be renamed (logged).
fn add_letters(sub: &Path, name: &[u8], bits: u32) -> Result<bool, MaildirError> {
    let mut name = name.to_vec();
    for _ in 0..3 {
        let mut f = MessageFlags::from_name(&name);
        if f.keywords & bits == bits {
            return Ok(false);
        }
        f.keywords |= bits;
        let from = sub.join(std::ffi::OsStr::from_bytes(&name));
        let to = sub.join(std::ffi::OsStr::from_bytes(&flags::rename(&name, f)));
        match std::fs::rename(&from, &to) {
            Ok(()) => return Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match current_name(sub, base(&name)) {
                    Some(n) => name = n,
                    None => return Ok(false),
                }
            }
            // Not a reason to keep the folder closed: the message keeps its mail and flags,
            // and the log says which keywords it lost.
            Err(e) => {
                crate::log!("{}: Courier's keywords not added: {e}", from.display());
                return Ok(false);
            }
        }
    }
    crate::log!(
        "{}: {}: renamed again each time; Courier's keywords not added",
        sub.display(),
        String::from_utf8_lossy(&name)
    );
    Ok(false)
}

/// The name in `sub` of the file whose unique part is `unique`.
fn current_name(sub: &Path, unique: &[u8]) -> Option<Vec<u8>> {
    std::fs::read_dir(sub)
        .ok()?
        .flatten()
        .map(|e| e.file_name().as_bytes().to_vec())
        .find(|n| base(n) == unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn takes_over_once_and_keeps_what_is_there() {
        let dir = std::env::temp_dir().join(format!("imapd-ctk-{}", std::process::id()));
        for sub in ["cur", "new", "tmp", "courierimapkeywords"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for n in ["cur/m1:2,S", "cur/m2:2,FSa", "cur/m3:2,", "new/m4"] {
            std::fs::write(dir.join(n), b"x\n").unwrap();
        }
        // A crash left this from a run before: `old` is `a`, and stays so.
        std::fs::write(dir.join("dovecot-keywords"), b"0 old\n").unwrap();
        std::fs::write(
            dir.join("courierimapkeywords/:list"),
            b"$Junk\nfoo\nold\n\nm1:0 1\nm2:2 1\nm4:1\n",
        )
        .unwrap();
        let lock_path = dir.join("dovecot-uidlist.lock");
        let mut lock = Dotlock::acquire(lock_path.clone()).unwrap();
        keywords(&dir, &mut lock).unwrap();
        assert_eq!(
            std::fs::read(dir.join("dovecot-keywords")).unwrap(),
            b"0 old\n1 $Junk\n2 foo\n"
        );
        assert_eq!(files(&dir.join("cur")), ["m1:2,Sbc", "m2:2,FSac", "m3:2,"]);
        assert_eq!(files(&dir.join("new")), ["m4:2,c"]);
        // Again (as after a crash before the uidlist was written): nothing changes.
        keywords(&dir, &mut lock).unwrap();
        assert_eq!(files(&dir.join("cur")), ["m1:2,Sbc", "m2:2,FSac", "m3:2,"]);
        assert_eq!(
            std::fs::read(dir.join("dovecot-keywords")).unwrap(),
            b"0 old\n1 $Junk\n2 foo\n"
        );
        // Courier's files stay for a way back.
        assert!(dir.join("courierimapkeywords/:list").exists());
        drop(lock);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn follows_a_renamed_file_and_skips_a_gone_one() {
        let dir = std::env::temp_dir().join(format!("imapd-ctk2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("m1:2,S"), b"x").unwrap();
        // Listed as m1:2, but renamed since: found under its new name.
        assert!(add_letters(&dir, b"m1:2,", 0b10).unwrap());
        assert_eq!(files(&dir), ["m1:2,Sb"]);
        assert!(!add_letters(&dir, b"m1:2,Sb", 0b10).unwrap());
        assert!(!add_letters(&dir, b"gone:2,", 0b1).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
