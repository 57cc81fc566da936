//! CHECK (RFC 3501 6.4.1): every change is on disk before its tagged OK already, so CHECK
//! only needs a selected mailbox; like NOOP, it is followed by the news from disk.

use std::io;

use super::Context;
use super::Response;

pub fn check(s: &mut Context) -> io::Result<Response> {
    if s.selected.is_none() {
        return Ok(super::not_selected());
    }
    Ok(Response::ok("CHECK completed"))
}
