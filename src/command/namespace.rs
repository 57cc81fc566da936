//! NAMESPACE (RFC 2342): one personal namespace, prefix "" and separator ".", as Dovecot
//! serves Maildir++; no other users' or shared namespaces.

use std::io;

use crate::session::Session;

pub fn namespace(s: &mut Session, tag: &[u8]) -> io::Result<()> {
    s.untagged("NAMESPACE ((\"\" \".\")) NIL NIL")?;
    s.tagged(tag, "OK NAMESPACE completed")
}
