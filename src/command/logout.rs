//! LOGOUT (RFC 3501 6.1.3): `* BYE`, then the tagged OK, then the connection closes.

use std::io;

use super::Response;
use crate::session::Session;

pub fn logout(s: &mut Session) -> io::Result<Response> {
    Response::bye("Logging out").write(&mut s.conn.output, None)?;
    s.done = true;
    Ok(Response::ok("LOGOUT completed"))
}
