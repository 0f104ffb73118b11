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
            "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;
             DROP TRIGGER audit_texts_append_only_update; DROP TRIGGER audit_texts_append_only_delete;",
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
    // Texts that repeat are stored once in `audit_texts`: a forger points an entry at
    // another text (adding it first), or rewrites the text itself.
    let forged_actor =
        "INSERT INTO audit_texts (text) SELECT json_set(text, '$.personal_code', 'forged')
            FROM audit_texts WHERE id = (SELECT actor FROM audit_log WHERE seq = 7);
         UPDATE audit_log SET actor = last_insert_rowid() WHERE seq = 7";
    let forged_decision = "INSERT OR IGNORE INTO audit_texts (text) VALUES ('\"NotDecided\"');
         UPDATE audit_log SET decision = (SELECT id FROM audit_texts WHERE text = '\"NotDecided\"')
            WHERE seq = 12";
    for (seq, what, sql) in [
        (
            1,
            "object",
            "UPDATE audit_log SET object = 'forged' WHERE seq = 1".to_string(),
        ),
        (7, "actor's code", forged_actor.to_string()),
        (12, "decision", forged_decision.to_string()),
        (
            last,
            "instant",
            format!("UPDATE audit_log SET at = 1577836800 WHERE seq = {last}"),
        ),
    ] {
        let r = tampered(&b, &format!("change{seq}"), &sql, None);
        assert_eq!(
            r.first_break,
            brk(seq, BreakKind::ContentAltered),
            "{what} of entry {seq}"
        );
    }
    // A shared text rewritten alters every entry that uses it: the first is named.
    let r = tampered(
        &b,
        "text",
        "UPDATE audit_texts SET text = 'forged.operation'
            WHERE id = (SELECT operation FROM audit_log WHERE seq = 3)",
        None,
    );
    let first_user = {
        let conn = rusqlite::Connection::open(&b.path).expect("raw open");
        conn.query_row(
            "SELECT min(seq) FROM audit_log WHERE operation = (SELECT operation FROM audit_log WHERE seq = 3)",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("first user")
    };
    assert_eq!(
        r.first_break,
        brk(first_user as u64, BreakKind::ContentAltered)
    );
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
    for sql in [
        "DELETE FROM audit_log WHERE seq = 1",
        "UPDATE audit_log SET object = 'x' WHERE seq = 1",
        "DELETE FROM audit_texts WHERE id = 1",
        "UPDATE audit_texts SET text = 'x' WHERE id = 1",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql}");
    }
}
