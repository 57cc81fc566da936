//! LOGOUT (RFC 3501 6.1.3): `* BYE`, then the tagged OK, then the connection closes.

use std::io;

use super::Reply;
use crate::session::Session;

pub fn logout(s: &mut Session) -> io::Result<Reply> {
    s.untagged("BYE Logging out")?;
    s.done = true;
    Ok("OK LOGOUT completed".to_string())
}
