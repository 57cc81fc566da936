//! The subscription list, in Dovecot's `subscriptions` file at the Maildir root: a version
//! line `V\t2`, a blank line, then one name per line with TAB for the hierarchy separator.
//! When it is missing, Courier's `courierimapsubscribed` (`INBOX.`-prefixed names) is read
//! and written into `subscriptions`, once, so that Dovecot, run after imapd, sees the same
//! list; Courier's file is left as it is.

use std::path::Path;

use super::lock::Dotlock;
use super::MaildirError;

const FILE: &str = "subscriptions";
const COURIER: &str = "courierimapsubscribed";

/// The subscribed names, as IMAP names (`.` separated), in file order.
pub fn read(root: &Path) -> Result<Vec<Vec<u8>>, MaildirError> {
    if let Some(names) = read_own(root)? {
        return Ok(names);
    }
    let names = read_courier(root)?;
    if !names.is_empty() {
        take_over(root);
    }
    Ok(names)
}

/// `subscriptions`; `None` when there is none.
fn read_own(root: &Path) -> Result<Option<Vec<Vec<u8>>>, MaildirError> {
    let path = root.join(FILE);
    match std::fs::read(&path) {
        Ok(data) => Ok(Some(parse(&data))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(MaildirError::io(&path)(e)),
    }
}

/// Writes Courier's list into `subscriptions` under the lock, unless another session did
/// meanwhile. A failure costs only another try at the next read, and is logged.
fn take_over(root: &Path) {
    let done = Dotlock::acquire(root.join(format!("{FILE}.lock"))).and_then(|lock| {
        if read_own(root)?.is_some() {
            return Ok(());
        }
        lock.replace(&root.join(FILE), &to_bytes(&read_courier(root)?))
    });
    if let Err(e) = done {
        crate::log!(
            "{}: Courier's subscriptions not taken over: {e}",
            root.display()
        );
    }
}

fn parse(data: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = data.split(|&b| b == b'\n').peekable();
    if lines.peek().is_some_and(|l| l.starts_with(b"V\t")) {
        // The header ends at the first blank line.
        for l in lines.by_ref() {
            if l.is_empty() {
                break;
            }
        }
    }
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.iter()
                .map(|&b| if b == b'\t' { b'.' } else { b })
                .collect()
        })
        .collect()
}

fn read_courier(root: &Path) -> Result<Vec<Vec<u8>>, MaildirError> {
    let path = root.join(COURIER);
    match std::fs::read(&path) {
        Ok(data) => Ok(data
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| l.strip_prefix(b"INBOX.").unwrap_or(l).to_vec())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(MaildirError::io(&path)(e)),
    }
}

fn to_bytes(names: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"V\t2\n\n".to_vec();
    for n in names {
        out.extend(n.iter().map(|&b| if b == b'.' { b'\t' } else { b }));
        out.push(b'\n');
    }
    out
}

/// Adds (`on`) or removes `name`, under a dotlock so that two sessions' changes do not
/// undo each other.
pub fn set(root: &Path, name: &[u8], on: bool) -> Result<(), MaildirError> {
    let lock = Dotlock::acquire(root.join(format!("{FILE}.lock")))?;
    let mut names = match read_own(root)? {
        Some(names) => names,
        None => read_courier(root)?,
    };
    let had = names.iter().any(|n| n == name);
    if on && !had {
        names.push(name.to_vec());
    } else if !on && had {
        names.retain(|n| n != name);
    } else {
        return Ok(());
    }
    lock.replace(&root.join(FILE), &to_bytes(&names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_format() {
        // As Dovecot 2.3 wrote it after SUBSCRIBE Sent, INBOX, A.B.
        let data = b"V\t2\n\nSent\nINBOX\nA\tB\n";
        let names = parse(data);
        assert_eq!(
            names,
            vec![b"Sent".to_vec(), b"INBOX".to_vec(), b"A.B".to_vec()]
        );
        assert_eq!(to_bytes(&names), data);
        // Version 1: one name per line, no header.
        assert_eq!(
            parse(b"Sent\nTrash\n"),
            vec![b"Sent".to_vec(), b"Trash".to_vec()]
        );
    }

    #[test]
    fn courier_list_taken_over_once() {
        let root = std::env::temp_dir().join(format!("imapd-subs-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join(COURIER), b"INBOX.Sent\nINBOX.A.B\n").unwrap();
        let want = vec![b"Sent".to_vec(), b"A.B".to_vec()];
        assert_eq!(read(&root).unwrap(), want);
        assert_eq!(
            std::fs::read(root.join(FILE)).unwrap(),
            b"V\t2\n\nSent\nA\tB\n"
        );
        // From now on the own file counts: Courier's is no longer read.
        std::fs::write(root.join(COURIER), b"INBOX.Other\n").unwrap();
        assert_eq!(read(&root).unwrap(), want);
        set(&root, b"Trash", true).unwrap();
        assert_eq!(read(&root).unwrap().len(), 3);
        assert!(!root.join(format!("{FILE}.lock")).exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
