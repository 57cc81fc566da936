//! The post-login command grammar: the checks are
//! imapd_fuzz::commands::check (fuzz/src/), which `make test` also replays. Run: `make fuzz
//! FUZZ_TARGET=commands`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imapd_fuzz::commands::check(data));
