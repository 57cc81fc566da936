//! The message parser and what FETCH, SEARCH, SORT and THREAD build on it: the checks are
//! imapd_fuzz::message::check (fuzz/src/), which `make test` also replays. Run: `make fuzz
//! FUZZ_TARGET=message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imapd_fuzz::message::check(data));
