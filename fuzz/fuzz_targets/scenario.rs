//! Scenario files fed arbitrary text, through their Rust runner
//! (`teho_tests::scenario::run`, tests/src/scenario.rs) on the memory store, and on
//! SQLite in memory for one input length in eight (its schema setup is slow). The file
//! sits in a scratch directory beside copies of the repository's scenario files, so that
//! `"include": ["town.json"]` gives it the shared setup. A scenario that fails its
//! expectations is an `Err`, which is fine; only panics and hangs are findings.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use teho_core::store::MemoryStore;
use teho_fuzz::scratch_dir;
use teho_storage::SqliteStore;
use teho_tests::scenario::{run, scenarios_dir};

/// The scratch directory with the scenario files, and the path the input is written to.
fn input_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = scratch_dir().join("scenarios");
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        for e in std::fs::read_dir(scenarios_dir()).expect("tests/scenarios") {
            let p = e.expect("a directory entry").path();
            if let Some(name) = p.file_name() {
                std::fs::copy(&p, dir.join(name)).expect("a scenario file copied");
            }
        }
        dir.join("fuzzed-input.json")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = input_path();
    std::fs::write(path, data).expect("the input written");
    if data.len() % 8 == 1 {
        let _ = run(path, SqliteStore::open_memory().expect("an in-memory SQLite store"));
    } else {
        let _ = run(path, MemoryStore::new());
    }
});
