//! GETQUOTAROOT (RFC 9208 4.1.2): the quota roots of a mailbox, and for each its QUOTA.
//! Every mailbox, existing or not (the RFC lets the name be one still to be created), is
//! in "User quota" when the Maildir has a `maildirsize`, and in none without one.

use std::io::{self, Write};

use super::quota_root::{write_quota, ROOT};
use super::{failed, Context, Response};
use crate::maildir::{folder, quota};
use crate::wire::quote;

pub fn getquotaroot(s: &mut Context, mailbox: &[u8]) -> io::Result<Response> {
    if let Err(e) = folder::path(s.root, mailbox) {
        return Ok(Response::no(e.to_string()));
    }
    let q = match quota::read(s.root) {
        Ok(q) => q,
        Err(e) => return Ok(failed("GETQUOTAROOT", e)),
    };
    let sp = s.spelling();
    let out = &mut s.conn.output;
    out.write_all(b"* QUOTAROOT ")?;
    super::mailbox_name::write(out, sp, mailbox)?;
    if q.is_some() {
        out.write_all(b" ")?;
        quote::astring(out, ROOT)?;
    }
    out.write_all(b"\r\n")?;
    if let Some(q) = q {
        write_quota(out, &q)?;
    }
    Ok(Response::ok("GETQUOTAROOT completed"))
}
