//! The pre-authentication role, `imapd login PROG...` (DESIGN.md 1), in two processes, so
//! that root never parses a byte from the Internet:
//!
//! - the monitor (`monitor.rs`) is the process tcpserver started, usually root, because the
//!   checkpassword program needs root. It reads nothing from the client. For each credential
//!   the dialogue hands up, it runs the checker on the connection's descriptors (or the
//!   UCSPI-TLS ones after STARTTLS: it holds both, the dialogue only says which), counts
//!   failures, waits out the failure delay, and sends back the verdict. When `imapd serve`
//!   announces that it has taken the connection over (`takeover.rs`), it stops the dialogue
//!   and only waits for the session to end, to log how it ended.
//! - the dialogue (`dialogue.rs`) is forked before the first byte is read, drops to
//!   `IMAPD_LOGINUSER` (`nobody`) in an empty chroot (`sandbox.rs`), and speaks IMAP with
//!   the client until it has a credential, which it sends up a socket (`handoff.rs`).
//!
//! A bug in the parser thus yields at most an unprivileged process without files,
//! descriptors to open or processes to start; the monitor parses only the dialogue's short
//! fixed-format messages. Both wipe every buffer that held a password once it is handed on.

mod checkpassword;
mod dialogue;
mod handoff;
mod monitor;
mod plain;
mod sandbox;
pub mod takeover;
mod tls;

use std::ffi::OsString;
use std::time::Instant;

use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
use rustix::process::Pid;

use crate::settings;

pub use dialogue::fuzz_commands;

pub fn run(prog: Vec<OsString>) -> u8 {
    let started = Instant::now();
    let timeout = settings::seconds("AUTH_TIMEOUT", 60);
    match std::env::var_os("TCPREMOTEHOST") {
        Some(host) => crate::log!(
            "connect host={}",
            crate::log::escape(host.as_encoded_bytes())
        ),
        None => crate::log!("connect"),
    }
    let tls = tls::from_env();
    // Message boundaries kept: each credential and each verdict arrives whole.
    let (to_dialogue, to_monitor) = match socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    ) {
        Ok(pair) => pair,
        Err(e) => {
            crate::log!("cannot make a socket pair: {e}");
            return 111;
        }
    };
    // SAFETY: this process has started no thread (nothing in `imapd` does before this
    // point), so the child may run any code, not only async-signal-safe calls.
    match unsafe { libc::fork() } {
        -1 => {
            crate::log!("cannot fork: {}", std::io::Error::last_os_error());
            111
        }
        0 => {
            drop(to_dialogue);
            std::process::exit(i32::from(dialogue::run(to_monitor, tls, started, timeout)))
        }
        pid => {
            drop(to_monitor);
            match Pid::from_raw(pid) {
                Some(pid) => monitor::run(to_dialogue, pid, &prog, &tls, started + timeout),
                None => 111,
            }
        }
    }
}
