//! Log lines for multilog: one event per line on stderr, each written with a single
//! `write(2)` so that lines of concurrent connections never interleave, with the pid and the
//! client address in front and no timestamp (`multilog t` adds TAI64N).

use std::fmt::{self, Write as _};
use std::sync::OnceLock;

static PREFIX: OnceLock<String> = OnceLock::new();

/// Writes one log line. Call through the [`log!`](crate::log!) macro.
pub fn line(args: fmt::Arguments) {
    let prefix = PREFIX.get_or_init(|| {
        let ip = std::env::var_os("TCPREMOTEIP")
            .map(|v| escape(v.as_encoded_bytes()))
            .unwrap_or_else(|| "-".to_string());
        format!("imapd {} {} ", std::process::id(), ip)
    });
    let mut s = String::with_capacity(prefix.len() + 80);
    s.push_str(prefix);
    let _ = s.write_fmt(args);
    s.push('\n');
    let mut rest = s.as_bytes();
    // One write for the whole line; a short write to a pipe this small does not happen, but
    // retry the tail rather than drop it.
    while !rest.is_empty() {
        match rustix::io::write(rustix::stdio::stderr(), rest) {
            Ok(0) | Err(_) => break,
            Ok(n) => rest = &rest[n..],
        }
    }
}

/// Makes peer-controlled bytes (user names, reverse DNS, client IDs) safe for a log line:
/// printable ASCII stays, everything else becomes `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_graphic() && b != b'\\' {
            s.push(b as char);
        } else {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

/// `log!("login ok user={}", name)` writes one line to stderr.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => { $crate::log::line(format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_keeps_printable_and_hides_controls() {
        assert_eq!(escape(b"joe@example.org"), "joe@example.org");
        assert_eq!(escape(b"a b\n\\"), "a\\x20b\\x0a\\x5c");
        assert_eq!(escape("é".as_bytes()), "\\xc3\\xa9");
    }
}
