//! The pre-authentication command reader, the code that faces anyone who connects (in the
//! unprivileged half of `imapd login`): arbitrary bytes in, commands or BAD answers out,
//! never a panic, never more memory than the limits allow. Run: `cargo fuzz run preauth`
//! (see the Makefile's `fuzz` target).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imapd::login::fuzz_commands(data);
});
