//! Tampering with the stored audit log by raw SQL — change, delete, reorder, cut the
//! tail — is caught by `verify`, which names the exact entry.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::audit::{BreakKind, ChainBreak, Checkpoint, VerifyReport};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_storage::SqliteStore;
use teho_tests::{Town, tallinn};

struct Base {
    _dir: tempfile::TempDir,
    path: PathBuf,
    checkpoint: Checkpoint,
}

/// A town on a file, with a checkpoint of its audit chain, closed.
fn base() -> Base {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("base.db");
    let town = Town::build(SqliteStore::open(&path).expect("open"));
    for _ in 0..3 {
        town.engine
            .client_file(&Actor::Worker(town.nurse), town.file)
            .expect("read");
    }
    let checkpoint = town
        .engine
        .audit_checkpoint(&Actor::System)
        .expect("checkpoint");
    drop(town);
    Base {
        _dir: dir,
        path,
        checkpoint,
    }
}

/// Copies the base database, tampers with it by raw SQL (triggers dropped first, as
/// anyone with the file could), then verifies through the engine.
fn tampered(base: &Base, name: &str, sql: &str, checkpoint: Option<&Checkpoint>) -> VerifyReport {
    let copy = base.path.with_file_name(format!("{name}.db"));
    std::fs::copy(&base.path, &copy).expect("copy");
    {
        let conn = rusqlite::Connection::open(&copy).expect("raw open");
        conn.execute_batch(
            "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;",
        )
        .expect("drop triggers");
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    verify(&copy, checkpoint)
}

fn verify(path: &Path, checkpoint: Option<&Checkpoint>) -> VerifyReport {
    let engine = ClientFiles::new(
        SqliteStore::open(path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
        SequentialIds::new(99),
    );
    engine
        .verify_audit(&Actor::System, checkpoint)
        .expect("verify runs")
}

fn brk(seq: u64, kind: BreakKind) -> Option<ChainBreak> {
    Some(ChainBreak { seq, kind })
}

#[test]
fn untouched_chain_verifies_with_and_without_checkpoint() {
    let b = base();
    assert!(b.checkpoint.entries > 20, "{}", b.checkpoint.entries);
    let r = verify(&b.path, Some(&b.checkpoint));
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(
        r.entries,
        b.checkpoint.entries + 1,
        "the checkpoint call's own entry follows"
    );
}

#[test]
fn a_changed_field_is_named_at_its_entry() {
    let b = base();
    let last = b.checkpoint.entries;
    for (seq, column) in [
        (1, "object"),
        (7, "actor_code"),
        (12, "decision"),
        (last, "at"),
    ] {
        let value = if column == "at" {
            "'2020-01-01T00:00:00Z'"
        } else if column == "decision" {
            "'\"NotDecided\"'"
        } else {
            "'forged'"
        };
        let r = tampered(
            &b,
            &format!("change{seq}"),
            &format!("UPDATE audit_log SET {column} = {value} WHERE seq = {seq}"),
            None,
        );
        assert_eq!(
            r.first_break,
            brk(seq, BreakKind::ContentAltered),
            "{column} of entry {seq}"
        );
    }
}

#[test]
fn a_replaced_hash_or_link_is_named_at_its_entry() {
    let b = base();
    let zero = "0".repeat(64);
    let r = tampered(
        &b,
        "hash",
        &format!("UPDATE audit_log SET hash = '{zero}' WHERE seq = 5"),
        None,
    );
    assert_eq!(r.first_break, brk(5, BreakKind::HashMismatch));
    let r = tampered(
        &b,
        "prev",
        &format!("UPDATE audit_log SET prev_hash = '{zero}' WHERE seq = 9"),
        None,
    );
    assert_eq!(r.first_break, brk(9, BreakKind::PrevHashMismatch));
}

#[test]
fn a_deleted_entry_is_named() {
    let b = base();
    for seq in [1, 10, b.checkpoint.entries - 1] {
        let r = tampered(
            &b,
            &format!("delete{seq}"),
            &format!("DELETE FROM audit_log WHERE seq = {seq}"),
            None,
        );
        assert_eq!(r.first_break, brk(seq, BreakKind::Missing), "delete {seq}");
    }
}

#[test]
fn reordered_entries_are_named() {
    let b = base();
    let r = tampered(
        &b,
        "swap",
        "UPDATE audit_log SET seq = -1 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = 7;
         UPDATE audit_log SET seq = 7 WHERE seq = -1;",
        None,
    );
    assert_eq!(r.first_break, brk(6, BreakKind::ContentAltered));
}

#[test]
fn dropping_the_newest_entries_fails_against_an_earlier_checkpoint() {
    let b = base();
    let cut = b.checkpoint.entries - 2;
    let sql = format!("DELETE FROM audit_log WHERE seq > {cut}");
    // Alone, the shortened chain looks whole: that is what checkpoints are for.
    assert!(tampered(&b, "cut", &sql, None).is_intact());
    let r = tampered(&b, "cut2", &sql, Some(&b.checkpoint));
    assert_eq!(
        r.first_break.map(|x| x.kind),
        Some(BreakKind::CheckpointMismatch)
    );
}

#[test]
fn the_stored_log_refuses_update_and_delete() {
    let b = base();
    let conn = rusqlite::Connection::open(&b.path).expect("raw open");
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 1", [])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE audit_log SET object = 'x' WHERE seq = 1", [])
            .is_err()
    );
}
