//! GETQUOTA (RFC 9208 4.1.1): the usage and limits of a quota root. There is one,
//! "User quota", and only when the Maildir has a `maildirsize`; any other name is none.

use std::io;

use super::quota_root::{write_quota, ROOT};
use super::{failed, Context, Response};
use crate::maildir::quota;

pub fn getquota(s: &mut Context, root: &[u8]) -> io::Result<Response> {
    if root != ROOT {
        return Ok(no_root());
    }
    match quota::read(s.root) {
        Ok(Some(q)) => {
            write_quota(&mut s.conn.output, &q)?;
            Ok(Response::ok("GETQUOTA completed"))
        }
        Ok(None) => Ok(no_root()),
        Err(e) => Ok(failed("GETQUOTA", e)),
    }
}

fn no_root() -> Response {
    Response::no("No such quota root")
}
