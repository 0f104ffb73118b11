//! Replays every scenario file in `tests/scenarios/` on MemoryStore and SqliteStore.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use teho_core::store::MemoryStore;
use teho_storage::SqliteStore;
use teho_tests::scenario::{run, scenarios_dir};

#[test]
fn every_scenario_file_replays_on_every_store() {
    let mut files: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "town.json")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for f in &files {
        let n = run(f, MemoryStore::new()).unwrap_or_else(|e| panic!("memory: {e}"));
        let m =
            run(f, SqliteStore::open_memory().unwrap()).unwrap_or_else(|e| panic!("sqlite: {e}"));
        assert_eq!(n, m);
    }
}
