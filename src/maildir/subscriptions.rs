//! The subscription list, in Dovecot's `subscriptions` file at the Maildir root: a version
//! line `V\t2`, a blank line, then one name per line with TAB for the hierarchy separator.
//! When it is missing, Courier's `courierimapsubscribed` (`INBOX.`-prefixed names) is read.

use std::path::Path;

use super::lock::Dotlock;
use super::MaildirError;

const FILE: &str = "subscriptions";
const COURIER: &str = "courierimapsubscribed";

/// The subscribed names, as IMAP names (`.` separated), in file order.
pub fn read(root: &Path) -> Result<Vec<Vec<u8>>, MaildirError> {
    let path = root.join(FILE);
    match std::fs::read(&path) {
        Ok(data) => Ok(parse(&data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => read_courier(root),
        Err(e) => Err(MaildirError::io(&path)(e)),
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
    let mut names = read(root)?;
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
}
