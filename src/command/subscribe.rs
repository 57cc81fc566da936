//! SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6, 6.3.7). A name can be subscribed whether
//! or not the mailbox exists (RFC 3501 allows it; LIST shows it \NonExistent).

use std::io;

use super::Context;
use super::{failed, Response};
use crate::maildir::{folder, subscriptions};

pub fn subscribe(s: &mut Context, name: &[u8], on: bool) -> io::Result<Response> {
    let verb = if on { "SUBSCRIBE" } else { "UNSUBSCRIBE" };
    if let Err(e) = folder::path(s.root, name) {
        return Ok(Response::no(e.to_string()));
    }
    let name: &[u8] = if folder::is_inbox(name) {
        b"INBOX"
    } else {
        name
    };
    match subscriptions::set(s.root, name, on) {
        Ok(()) => Ok(Response::ok(format!("{verb} completed"))),
        Err(e) => Ok(failed(verb, e)),
    }
}
