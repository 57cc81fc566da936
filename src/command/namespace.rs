//! NAMESPACE (RFC 2342): one personal namespace, prefix "" and separator ".", as Dovecot
//! serves Maildir++; no other users' or shared namespaces.

use std::io;

use super::Response;
use crate::session::Session;

pub fn namespace(s: &mut Session) -> io::Result<Response> {
    s.untagged("NAMESPACE ((\"\" \".\")) NIL NIL")?;
    Ok(Response::ok("NAMESPACE completed"))
}
