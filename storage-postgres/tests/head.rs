//! The chain's head row on PostgreSQL (schema step 2): a transaction writes it once, onto
//! the last entry it appended — a batch of many calls too, with the calls rolled back
//! leaving no trace — and the row refuses any other move: backwards, past the log's end,
//! onto an entry that is not the last, over a gap, or with another hash.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use teho_core::audit::verify_store;
use teho_core::store::{Store, Unit, UnitKind};
use teho_core::testing::system_audit_entry as entry;
use teho_postgres::PostgresStore;

/// The server's own message of an error (a refused move names itself).
fn refusal(e: postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// The head row: seq and hash.
fn head_row(client: &mut postgres::Client) -> (i64, String) {
    let r = client
        .query_one("SELECT seq, hash FROM audit_head WHERE chain = 1", &[])
        .unwrap();
    (r.get(0), r.get(1))
}

#[test]
fn a_batch_of_many_calls_leaves_the_head_on_its_last_kept_entry() {
    let Some(url) = common::url("head", &format!("teho_h{}_batch", std::process::id())) else {
        return;
    };
    let store = PostgresStore::create(&url).unwrap();
    let batch = store.open_batch().unwrap();
    let unit = |kind| Unit {
        kind,
        batch: Some(batch),
    };
    let mut kept = 0u64;
    for i in 0..600u64 {
        let kind = if i % 2 == 0 {
            UnitKind::Command
        } else {
            UnitKind::Query
        };
        let mut tx = store.begin(unit(kind)).unwrap();
        let sealed = tx.append_audit(entry(format!("test.call{i}"))).unwrap();
        assert_eq!(
            sealed.seq,
            kept + 1,
            "call {i} sealed after the last kept entry"
        );
        // Every seventh call fails and is rolled back: its entry must leave no trace.
        if i % 7 == 3 {
            drop(tx);
        } else {
            assert_eq!(tx.audit_head().unwrap().unwrap().seq, kept + 1);
            tx.commit().unwrap();
            kept += 1;
        }
    }
    store.close_batch(batch, true).unwrap();
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.entries, kept);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let (seq, hash) = head_row(&mut client);
    assert_eq!(seq as u64, kept);
    assert_eq!(Some(hash), report.head_hash);
    // A rolled-back batch leaves the head where it was.
    let batch = store.open_batch().unwrap();
    let mut tx = store
        .begin(Unit {
            kind: UnitKind::Command,
            batch: Some(batch),
        })
        .unwrap();
    tx.append_audit(entry("test.undone")).unwrap();
    tx.commit().unwrap();
    store.close_batch(batch, false).unwrap();
    assert_eq!(head_row(&mut client).0 as u64, kept);
    let mut tx = store.begin(Unit::COMMAND).unwrap();
    assert_eq!(tx.append_audit(entry("test.after")).unwrap().seq, kept + 1);
    tx.commit().unwrap();
    assert_eq!(head_row(&mut client).0 as u64, kept + 1);
}

#[test]
fn the_head_row_moves_only_forward_onto_the_last_entry() {
    let Some(url) = common::url("head", &format!("teho_h{}_moves", std::process::id())) else {
        return;
    };
    let store = PostgresStore::create(&url).unwrap();
    for i in 0..3 {
        let mut tx = store.begin(Unit::COMMAND).unwrap();
        tx.append_audit(entry(format!("test.{i}"))).unwrap();
        tx.commit().unwrap();
    }
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let hash_at = |c: &mut postgres::Client, seq: i64| -> String {
        c.query_one("SELECT hash FROM audit_log WHERE seq = $1", &[&seq])
            .unwrap()
            .get(0)
    };
    assert_eq!(head_row(&mut client).0, 3);
    let second = hash_at(&mut client, 2);
    let third = hash_at(&mut client, 3);
    let moved = |c: &mut postgres::Client, seq: i64, hash: &str| {
        c.execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE chain = 1",
            &[&seq, &hash],
        )
    };
    // Backwards, in place with another hash, past the end.
    for (seq, hash) in [
        (2, second.as_str()),
        (3, second.as_str()),
        (4, third.as_str()),
    ] {
        let e = refusal(moved(&mut client, seq, hash).unwrap_err());
        assert!(e.contains("moves only forward"), "to {seq}: {e}");
    }
    assert_eq!(head_row(&mut client), (3, third.clone()));
    // Entries written beside the store (the log takes inserts): onto the last of two,
    // with its hash, is a move the row takes; onto the first, or over a gap, is not.
    let fake = |tx: &mut postgres::Transaction<'_>, seq: i64, prev: &str| -> String {
        let hash = format!("{seq:064}");
        tx.execute(
            "INSERT INTO audit_log (seq, prev_hash, hash, file, entry) VALUES ($1, $2, $3, NULL, '{}')",
            &[&seq, &prev, &hash],
        )
        .unwrap();
        hash
    };
    let mut tx = client.transaction().unwrap();
    let h4 = fake(&mut tx, 4, &third);
    let h5 = fake(&mut tx, 5, &h4);
    tx.execute("SAVEPOINT s", &[]).unwrap();
    let e = refusal(
        tx.execute(
            "UPDATE audit_head SET seq = 4, hash = $1 WHERE chain = 1",
            &[&h4],
        )
        .unwrap_err(),
    );
    assert!(e.contains("moves only forward"), "{e}");
    tx.execute("ROLLBACK TO SAVEPOINT s", &[]).unwrap();
    tx.execute(
        "UPDATE audit_head SET seq = 5, hash = $1 WHERE chain = 1",
        &[&h5],
    )
    .unwrap();
    tx.rollback().unwrap();
    let mut tx = client.transaction().unwrap();
    let h5 = fake(&mut tx, 5, "a gap before me");
    let e = refusal(
        tx.execute(
            "UPDATE audit_head SET seq = 5, hash = $1 WHERE chain = 1",
            &[&h5],
        )
        .unwrap_err(),
    );
    assert!(e.contains("moves only forward"), "{e}");
    drop(tx);
    assert_eq!(head_row(&mut client), (3, third));
}
