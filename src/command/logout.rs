//! LOGOUT (RFC 3501 6.1.3): `* BYE`, then the tagged OK, then the connection closes.

use std::io;

use crate::session::Session;

pub fn logout(s: &mut Session, tag: &[u8]) -> io::Result<()> {
    s.untagged("BYE Logging out")?;
    s.tagged(tag, "OK LOGOUT completed")?;
    s.done = true;
    Ok(())
}
