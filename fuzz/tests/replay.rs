//! Runs every fuzz target's checks over its seed corpus, made afresh from the tests by
//! fuzz/seed, and over fuzz/regressions/TARGET/, the inputs that once broke something or
//! that reach a bound. This is the short version of `make fuzz` that `make test` runs: on
//! the stable toolchain, without libFuzzer (`cargo test --release --no-default-features
//! --manifest-path fuzz/Cargo.toml`). A failure names each input that panicked; to
//! reproduce one under the fuzzer: `cargo fuzz run TARGET FILE`.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `dir`, sorted by name so that runs are alike.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Seeds `target`, then runs `check` on every seed and regression input; fails naming
/// every input that panicked.
fn replay(target: &str, check: fn(&[u8])) {
    let seeds =
        std::env::temp_dir().join(format!("imapd-fuzz-seeds-{target}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&seeds);
    let status = Command::new(here().join("seed"))
        .arg(target)
        .arg(&seeds)
        .status()
        .expect("run fuzz/seed");
    assert!(status.success(), "fuzz/seed {target}: {status}");
    let seeded = files(&seeds);
    let regressions = files(&here().join("regressions").join(target));
    // An empty source would make this test pass without testing anything.
    assert!(!seeded.is_empty(), "no seeds for {target}");
    assert!(!regressions.is_empty(), "no regressions for {target}");
    let mut failed = Vec::new();
    for path in seeded.iter().chain(&regressions) {
        let data = std::fs::read(path).unwrap();
        if panic::catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&seeds);
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs panicked:\n{}",
        failed.len(),
        seeded.len() + regressions.len(),
        failed.join("\n")
    );
    eprintln!(
        "{target}: {} seeds and {} regressions, no panic",
        seeded.len(),
        regressions.len()
    );
}

#[test]
fn preauth() {
    replay("preauth", imapd_fuzz::preauth::check);
}

#[test]
fn commands() {
    replay("commands", imapd_fuzz::commands::check);
}

#[test]
fn message() {
    replay("message", imapd_fuzz::message::check);
}

#[test]
fn serve() {
    replay("serve", imapd_fuzz::serve::check);
    let _ = std::fs::remove_dir_all(imapd_fuzz::serve::scratch());
}
