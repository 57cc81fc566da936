//! `imapd`: an IMAP server for Maildir, run under tcpserver (ucspi-tcp).
//!
//! ```text
//! imapd login PROG...      pre-authentication; hands credentials to a checkpassword PROG
//! imapd serve [MAILDIR]    post-authentication; serves the user's Maildir
//! ```
//!
//! Exit codes follow qmail: 0 done, 100 permanent error, 111 temporary error. `serve` never
//! exits 1, which the login role reads as "password refused".
//!
//! Every session execs this program twice (login, then serve after the checker), so its
//! start is kept short: `main` is the C entry point, without the start-up Rust's runtime
//! adds (finding the main thread's stack by parsing /proc/self/maps, an alternate signal
//! stack and handlers that only turn a stack overflow's SIGSEGV into a message): 20 system
//! calls and 12 page faults, about 0.15 ms of CPU time per exec measured. What of it matters
//! is done here: SIGPIPE ignored (a lost connection is an EPIPE to handle, not a death),
//! descriptors 0-2 held open, and a panic's exit status 101.

// The test harness brings its own `main`.
#![cfg_attr(not(test), no_main)]
#![cfg(not(test))]

use std::ffi::OsString;

const USAGE: &str = "usage: imapd login PROG... | imapd serve [MAILDIR]";

/// Called by the C runtime, which has already given `std::env::args_os` the arguments.
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: setting a signal to be ignored, before any other code runs.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // Blocks of 128 KiB and more (a command's arrays and response buffers) are mapped for
    // themselves and unmapped when freed. glibc would otherwise raise that threshold to
    // the size of each such block freed, up to 32 MiB, and serve the next ones from the
    // heap, which keeps what was freed and copies a vector each time it grows: about
    // 3 MB more peak memory in a session that FETCHes, SORTs and THREADs 100,000 messages.
    // SAFETY: sets a malloc parameter; no other thread exists yet.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    hold_std_descriptors();
    // A panic is a bug; it still gets one log line, like every other event.
    std::panic::set_hook(Box::new(|info| {
        imapd::log!("internal error: {}", info.to_string().replace('\n', " "))
    }));
    std::panic::catch_unwind(run).unwrap_or(101)
}

fn run() -> libc::c_int {
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
    libc::c_int::from(code)
}

/// Opens /dev/null on any of descriptors 0, 1 and 2 that is closed, as Rust's runtime
/// would: otherwise the next file opened takes the number, and log lines meant for
/// descriptor 2 (or responses for 1) would go into it, a mailbox file say.
fn hold_std_descriptors() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: three valid pollfd structures; a zero timeout.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } < 0 {
        return;
    }
    for p in fds {
        if p.revents & libc::POLLNVAL != 0 {
            // SAFETY: open with a constant path; the lowest free number is this one.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
}
