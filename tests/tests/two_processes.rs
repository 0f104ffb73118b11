//! Two processes writing to one SQLite file at once: no "database is locked" reaches
//! the caller, nothing is lost, and the audit chain still verifies.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::process::Command;

use teho_core::access::Actor;
use teho_storage::SqliteStore;
use teho_tests::Town;

#[test]
fn two_processes_write_one_file_and_the_chain_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.db");
    let town = Town::build(SqliteStore::create(&path).expect("open"));
    let before = town
        .engine
        .audit_checkpoint(&Actor::System)
        .expect("checkpoint");
    const EACH: usize = 150;
    let spawn = |prefix: &str| {
        Command::new(env!("CARGO_BIN_EXE_teho-writer"))
            .args([
                path.to_str().expect("utf-8 path"),
                prefix,
                &EACH.to_string(),
                &town.social_worker.to_string(),
                &town.file.to_string(),
            ])
            .spawn()
            .expect("spawn writer")
    };
    // The test process keeps its own connection open and writes too.
    let (a, b) = (spawn("1"), spawn("2"));
    for _ in 0..50 {
        town.engine
            .client_card(&Actor::Worker(town.nurse), town.file)
            .expect("reader in the test process");
    }
    for (name, child) in [("first", a), ("second", b)] {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{name} writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let notes = town
        .engine
        .entries(&Actor::Worker(town.social_worker), town.file)
        .expect("entries");
    assert_eq!(
        notes.len(),
        2 * EACH,
        "every write of both processes is there"
    );
    let report = town
        .engine
        .verify_audit(&Actor::System, Some(&before))
        .expect("verify");
    assert!(report.is_intact(), "{report:?}");
    // 2 processes × EACH × (write + read) + 50 reads + checkpoint + entries
    assert_eq!(
        report.entries,
        before.entries + 1 + (2 * 2 * EACH + 50 + 1) as u64
    );
}

#[test]
fn a_process_that_crashes_right_after_a_read_keeps_the_reads_audit_entry() {
    // A query's commit does not wait for the disk (the syncing thread has up to 200 ms),
    // but it is in the WAL when the call returns: a crash of the process loses nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crash.db");
    let town = Town::build(SqliteStore::create(&path).expect("open"));
    let before = town
        .engine
        .audit_checkpoint(&Actor::System)
        .expect("checkpoint");
    let out = Command::new(env!("CARGO_BIN_EXE_teho-writer"))
        .args([
            path.to_str().expect("utf-8 path"),
            "3",
            "5",
            &town.social_worker.to_string(),
            &town.file.to_string(),
            "--abort",
        ])
        .output()
        .expect("run writer");
    assert!(!out.status.success(), "the writer was to abort");
    let report = town
        .engine
        .verify_audit(&Actor::System, Some(&before))
        .expect("verify");
    assert!(report.is_intact(), "{report:?}");
    // checkpoint + 5 × (write + read), the last read included
    assert_eq!(report.entries, before.entries + 1 + 10);
    // The writer's last entry (after the checkpoint's own) is its last read.
    let raw = rusqlite::Connection::open(&path).expect("open raw");
    let (operation, outcome): (String, String) = raw
        .query_row(
            "SELECT operation, outcome FROM audit_entries WHERE seq = ?1",
            [before.entries as i64 + 11],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the last read's entry");
    assert_eq!(
        (operation.as_str(), outcome.as_str()),
        ("network.read", "ok")
    );
}
