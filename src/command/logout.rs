//! LOGOUT (RFC 3501 6.1.3): `* BYE`, then the tagged OK; the session loop then closes
//! the connection ([`Command::ends_session`](super::Command::ends_session)).

use std::io;

use super::{Context, Response};

pub fn logout(s: &mut Context) -> io::Result<Response> {
    Response::bye("Logging out").write(&mut s.conn.output, None)?;
    Ok(Response::ok("LOGOUT completed"))
}
