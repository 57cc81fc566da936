//! The checks of the fuzz targets, one module per target, each a plain `check(&[u8])` that
//! panics on a finding. The `fuzz_target!` binaries in fuzz_targets/ only call them, so that
//! tests/replay.rs can run the same checks over the seed corpora and fuzz/regressions/ on the
//! stable toolchain, without libFuzzer (`--no-default-features`), inside `make test`.

pub mod message;
pub mod serve;

/// The pre-authentication command reader, the code that faces anyone who connects (in the
/// unprivileged half of `imapd login`): arbitrary bytes in, commands or BAD answers out,
/// never a panic, never more memory than the limits allow.
pub mod preauth {
    pub fn check(data: &[u8]) {
        imapd::login::fuzz_commands(data);
    }
}

/// The post-login command grammar: every command a logged-in client can send (FETCH items
/// and body section specifications, SEARCH keys, STORE, LIST patterns, APPEND's flags,
/// dates and literals, ...) parsed from arbitrary bytes without being run (APPEND's
/// messages are read and dropped; the `serve` target stores them).
pub mod commands {
    pub fn check(data: &[u8]) {
        imapd::session::fuzz_commands(data);
    }
}
