//! What a command answers when the Maildir fails it: the one mapping from the store's
//! errors to RFC 5530 response codes, so that each error gets the same code whichever
//! command met it.

use std::io;

use rustix::io::Errno;

use crate::maildir::folder::NoMailbox;
use crate::maildir::MaildirError;
use crate::wire::{Code, Response};

/// The reply for a failed store operation: logged in full, answered with an RFC 5530 code.
pub fn failed(verb: &str, e: MaildirError) -> Response {
    crate::log!("{verb} failed: {e}");
    Response::no(format!("{verb} failed; the server log says why")).with(code(&e))
}

/// The RFC 5530 response code for a store error.
pub fn code(e: &MaildirError) -> Code {
    match e {
        MaildirError::LockTimeout(_) | MaildirError::LockLost(_) | MaildirError::Renaming(_) => {
            Code::InUse
        }
        MaildirError::Io { source, .. } => io_code(source),
        MaildirError::UidsExhausted(_)
        | MaildirError::UidvalidityExhausted(..)
        | MaildirError::ViewFull => Code::Limit,
    }
}

/// The RFC 5530 code for a failed file operation.
fn io_code(e: &io::Error) -> Code {
    match e.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::ACCESS) => Code::NoPerm,
        Some(Errno::NOSPC | Errno::DQUOT) => Code::OverQuota,
        _ => Code::ServerBug,
    }
}

/// The reply for a message APPEND could not write to `tmp/`: logged, and answered as a
/// full disk when it is one (RFC 5530 OVERQUOTA).
pub fn not_stored(e: &io::Error) -> Response {
    crate::log!("cannot store a message: {e}");
    match io_code(e) {
        Code::OverQuota => Response::no("Not enough disk space").with(Code::OverQuota),
        code => Response::no("Cannot store the message; the server log says why").with(code),
    }
}

/// A mailbox a command works on is not there (RFC 5530 NONEXISTENT), or its name is not
/// one.
pub fn no_mailbox(e: NoMailbox) -> Response {
    match e {
        NoMailbox::Name(e) => Response::no(e.to_string()),
        NoMailbox::Missing => Response::no(e.to_string()).with(Code::Nonexistent),
    }
}

/// The target of APPEND, COPY or MOVE is not there: RFC 3501 6.3.11 and 6.4.7 want
/// TRYCREATE, so that the client may create it and try again.
pub fn no_target(e: NoMailbox) -> Response {
    match e {
        NoMailbox::Missing => Response::no(e.to_string()).with(Code::TryCreate),
        e => no_mailbox(e),
    }
}
