//! NAMESPACE (RFC 2342): one personal namespace, prefix "" and separator ".", as Dovecot
//! serves Maildir++; no other users' or shared namespaces.

use std::io;

use super::Reply;
use crate::session::Session;

pub fn namespace(s: &mut Session) -> io::Result<Reply> {
    s.untagged("NAMESPACE ((\"\" \".\")) NIL NIL")?;
    Ok("OK NAMESPACE completed".to_string())
}
