//! The one quota root of RFC 9208 this server has: the whole Maildir, every folder in it,
//! as Maildir++ `maildirsize` counts it, named "User quota" as Dovecot names its default
//! root. What GETQUOTA and GETQUOTAROOT answer, the `[OVERQUOTA]` check of APPEND and
//! COPY (RFC 9208 4.3.1), and the lines that tell the file what commands added and
//! removed (where that fails, the command still succeeds: the next count corrects it).

use std::io::{self, Write};
use std::path::Path;

use super::{failed, Code, Response, Selected};
use crate::maildir::flags::Flags;
use crate::maildir::quota::{self, Quota, Usage};
use crate::wire::quote;

/// The root's name.
pub const ROOT: &[u8] = b"User quota";

/// Writes `* QUOTA "User quota" (...)` with the resources that have a limit (RFC 9208
/// 4.2.1: those not named are not limited). STORAGE is in units of 1024 octets (5.1),
/// rounded up, usage and limit alike, as Dovecot does.
pub fn write_quota(out: &mut impl Write, q: &Quota) -> io::Result<()> {
    out.write_all(b"* QUOTA ")?;
    quote::astring(out, ROOT)?;
    let mut items = Vec::new();
    if let Some(limit) = q.limits.bytes {
        items.push(format!("STORAGE {} {}", kib(q.usage.bytes), kib(limit)));
    }
    if let Some(limit) = q.limits.messages {
        items.push(format!("MESSAGE {} {limit}", q.usage.messages));
    }
    write!(out, " ({})\r\n", items.join(" "))
}

/// Octets in units of 1024, rounded up (RFC 9208 5.1).
pub fn kib(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

/// Whether `more` fits in the quota of the Maildir `root`; the NO to answer when not.
pub fn admit(root: &Path, verb: &str, more: Usage) -> Result<(), Response> {
    let fits = match quota::read(root) {
        Ok(q) => q.is_none_or(|mut q| q.admits(root, more)),
        Err(e) => return Err(failed(verb, e)),
    };
    match fits {
        true => Ok(()),
        false => Err(Response::no(format!("{verb} would exceed the quota")).with(Code::OverQuota)),
    }
}

/// Tells `maildirsize` that `u` was added.
pub fn added(root: &Path, u: Usage) {
    if let Err(e) = quota::added(root, u) {
        crate::log!("quota: {e}");
    }
}

/// Tells `maildirsize` that `u` was removed.
pub fn removed(root: &Path, u: Usage) {
    if let Err(e) = quota::removed(root, u) {
        crate::log!("quota: {e}");
    }
}

/// What message `i` of the view counts for, if it is marked \Deleted: measured before an
/// expunge removes it (the size from its name, else its file's).
pub fn deleted_size(sel: &Selected, i: usize) -> Option<Usage> {
    if !sel.messages[i].flags().system.contains(Flags::DELETED) {
        return None;
    }
    let bytes = quota::file_size(&sel.messages.path(i, &sel.dir)).unwrap_or(0);
    Some(Usage::message(bytes))
}
