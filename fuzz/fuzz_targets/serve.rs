//! Random command streams run by a real session on a scratch Maildir: the checks are
//! imapd_fuzz::serve::check (fuzz/src/), which `make test` also replays. Run: `make fuzz
//! FUZZ_TARGET=serve`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imapd_fuzz::serve::check(data));
