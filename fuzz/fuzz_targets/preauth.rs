//! The pre-authentication command reader: the checks are
//! imapd_fuzz::preauth::check (fuzz/src/), which `make test` also replays. Run: `make fuzz
//! FUZZ_TARGET=preauth`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imapd_fuzz::preauth::check(data));
