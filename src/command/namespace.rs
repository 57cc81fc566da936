//! NAMESPACE (RFC 2342): one personal namespace, prefix "" and separator ".", as Dovecot
//! serves Maildir++; no other users' or shared namespaces.

use std::io;

use super::Context;
use super::Response;

pub fn namespace(s: &mut Context) -> io::Result<Response> {
    s.untagged("NAMESPACE ((\"\" \".\")) NIL NIL")?;
    Ok(Response::ok("NAMESPACE completed"))
}
