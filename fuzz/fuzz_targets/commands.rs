//! The post-login command grammar: every command a logged-in client can send (FETCH items
//! and body section specifications, SEARCH keys, STORE, APPEND literals, LIST patterns,
//! ...) parsed from arbitrary bytes without being run. Panics are bugs. Run:
//! `cargo fuzz run commands` (see the Makefile's `fuzz` target).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imapd::session::fuzz_commands(data);
});
