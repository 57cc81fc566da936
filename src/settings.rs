//! Settings from the environment: tcpserver, tcprules (`-x imap.cdb`), envdir and the
//! checker set them. Names follow mailfront where it has one; new ones start with `IMAPD_`.

use std::time::Duration;

/// A whole number of seconds from `name`, else `default`.
pub fn seconds(name: &str, default: u64) -> Duration {
    Duration::from_secs(number(name, default))
}

/// A whole number from `name`, else `default` (also when the value is not a number).
pub fn number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether `name` is set at all; tcprules writes `VAR=""`, so an empty value counts.
pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some()
}
