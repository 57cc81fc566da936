//! SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2), CLOSE (6.4.2) and UNSELECT (RFC 3691):
//! entering and leaving the selected state.

use std::io;

use crate::maildir::flags::Flags;
use crate::maildir::{folder, Mailbox, MaildirError};
use crate::session::{Selected, Session};

pub fn select(s: &mut Session, tag: &[u8], name: &[u8], read_only: bool) -> io::Result<()> {
    // A SELECT that fails still leaves no mailbox selected (RFC 3501 6.3.1).
    s.selected = None;
    let verb = if read_only { "EXAMINE" } else { "SELECT" };
    let dir = match folder::path(&s.root, name) {
        Ok(dir) => dir,
        Err(e) => return s.tagged(tag, &format!("NO {e}")),
    };
    if !dir.join("cur").is_dir() {
        return s.tagged(tag, "NO [NONEXISTENT] Mailbox does not exist");
    }
    let mailbox = match Mailbox::open(&s.root, &dir, !read_only) {
        Ok(m) => m,
        Err(e) => return failed(s, tag, verb, e),
    };
    let exists = mailbox.messages.len();
    let recent = mailbox.messages.iter().filter(|m| m.recent).count();
    let unseen = mailbox
        .messages
        .iter()
        .position(|m| !m.flags().contains(Flags::SEEN));
    s.untagged("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")?;
    if read_only {
        s.untagged("OK [PERMANENTFLAGS ()] Read-only mailbox")?;
    } else {
        s.untagged(
            "OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted",
        )?;
    }
    s.untagged(&format!("{exists} EXISTS"))?;
    s.untagged(&format!("{recent} RECENT"))?;
    if let Some(i) = unseen {
        s.untagged(&format!("OK [UNSEEN {}] First unseen", i + 1))?;
    }
    s.untagged(&format!(
        "OK [UIDVALIDITY {}] UIDs valid",
        mailbox.uidvalidity
    ))?;
    s.untagged(&format!(
        "OK [UIDNEXT {}] Predicted next UID",
        mailbox.uidnext
    ))?;
    s.selected = Some(Selected { mailbox, read_only });
    let mode = if read_only { "READ-ONLY" } else { "READ-WRITE" };
    s.tagged(tag, &format!("OK [{mode}] {verb} completed"))
}

/// CLOSE: leave the mailbox, removing messages marked \Deleted unless it is read-only,
/// without EXPUNGE responses.
pub fn close(s: &mut Session, tag: &[u8]) -> io::Result<()> {
    let Some(selected) = s.selected.take() else {
        return s.tagged(tag, "BAD No mailbox selected");
    };
    if !selected.read_only {
        if let Err(e) = selected.mailbox.remove_deleted() {
            return failed(s, tag, "CLOSE", e);
        }
    }
    s.tagged(tag, "OK CLOSE completed")
}

/// UNSELECT: leave the mailbox, removing nothing.
pub fn unselect(s: &mut Session, tag: &[u8]) -> io::Result<()> {
    if s.selected.take().is_none() {
        return s.tagged(tag, "BAD No mailbox selected");
    }
    s.tagged(tag, "OK UNSELECT completed")
}

/// Reports a store error: logged in full, answered with an RFC 5530 code.
fn failed(s: &mut Session, tag: &[u8], verb: &str, e: MaildirError) -> io::Result<()> {
    crate::log!("{verb} failed: {e}");
    let code = match &e {
        MaildirError::LockTimeout(_) => "INUSE",
        MaildirError::Io { source, .. } => match source.raw_os_error() {
            Some(libc_eacces) if libc_eacces == rustix::io::Errno::ACCESS.raw_os_error() => {
                "NOPERM"
            }
            Some(n)
                if n == rustix::io::Errno::NOSPC.raw_os_error()
                    || n == rustix::io::Errno::DQUOT.raw_os_error() =>
            {
                "OVERQUOTA"
            }
            _ => "SERVERBUG",
        },
    };
    s.tagged(
        tag,
        &format!("NO [{code}] {verb} failed; the server log says why"),
    )
}
