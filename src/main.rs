//! `imapd`: an IMAP server for Maildir, run under tcpserver (ucspi-tcp).
//!
//! ```text
//! imapd login PROG...      pre-authentication; hands credentials to a checkpassword PROG
//! imapd serve [MAILDIR]    post-authentication; serves the user's Maildir
//! ```
//!
//! Exit codes follow qmail: 0 done, 100 permanent error, 111 temporary error. `serve` never
//! exits 1, which the login role reads as "password refused".

use std::ffi::OsString;
use std::process::ExitCode;

const USAGE: &str = "usage: imapd login PROG... | imapd serve [MAILDIR]";

fn main() -> ExitCode {
    // A panic is a bug; it still gets one log line, like every other event.
    std::panic::set_hook(Box::new(|info| {
        imapd::log!("internal error: {}", info.to_string().replace('\n', " "))
    }));
    let mut args = std::env::args_os().skip(1);
    let role = args.next();
    let rest: Vec<OsString> = args.collect();
    let code = match role.as_ref().and_then(|r| r.to_str()) {
        Some("login") if !rest.is_empty() => imapd::login::run(rest),
        Some("serve") if rest.len() <= 1 => imapd::session::run(rest.into_iter().next()),
        _ => {
            eprintln!("imapd: {USAGE}");
            100
        }
    };
    ExitCode::from(code)
}
