//! Only an explicit create makes a database; open refuses, untouched, whatever is not a
//! TEHO database; a read-only open writes nothing and runs no engine call (issue 17,
//! item 6).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::audit::verify_store;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::StoreError;
use teho_core::{TehoError, TehoResult};
use teho_storage::SqliteStore;

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

fn not_teho(r: Result<SqliteStore, StoreError>) -> String {
    match r {
        Err(StoreError::NotATehoDatabase { problem }) => problem,
        other => panic!("expected NotATehoDatabase, got {other:?}"),
    }
}

fn engine(store: SqliteStore) -> ClientFiles {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-02T07:00:00Z")
        .unwrap()
        .to_utc();
    ClientFiles::new(store, FixedClock::new(at), SequentialIds::new(7))
}

#[test]
fn open_never_creates_and_leaves_what_is_not_a_teho_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    assert_eq!(not_teho(SqliteStore::open(&missing)), "no such file");
    assert_eq!(
        not_teho(SqliteStore::open_read_only(&missing)),
        "no such file"
    );
    assert!(names(dir.path()).is_empty(), "nothing was created");

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(not_teho(SqliteStore::open(&empty)), "an empty file");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    assert_eq!(names(dir.path()), ["empty.db"]);

    let other = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE someone_elses (x); INSERT INTO someone_elses VALUES (1);")
            .unwrap();
    }
    let bytes = std::fs::read(&other).unwrap();
    assert_eq!(
        not_teho(SqliteStore::open(&other)),
        "an SQLite database without TEHO's schema"
    );
    assert!(std::fs::read(&other).unwrap() == bytes);
    assert_eq!(names(dir.path()), ["empty.db", "other.db"]);

    // Through the engine's error, as every binding sees it.
    let e = TehoError::from(SqliteStore::open(&empty).unwrap_err());
    assert_eq!(e.kind(), "not_a_teho_database");
}

#[test]
fn create_takes_a_missing_or_empty_file_and_never_one_with_content() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("made-by-mktemp.db");
    std::fs::write(&empty, b"").unwrap();
    drop(SqliteStore::create(&empty).unwrap());
    drop(SqliteStore::open(&empty).unwrap());
    let bytes = std::fs::read(&empty).unwrap();
    match SqliteStore::create(&empty) {
        Err(StoreError::FileNotEmpty { .. }) => {}
        other => panic!("expected FileNotEmpty, got {other:?}"),
    }
    assert!(std::fs::read(&empty).unwrap() == bytes, "left as it was");
    let e = TehoError::from(SqliteStore::create(&empty).unwrap_err());
    assert_eq!(e.kind(), "conflict");
}

#[test]
fn a_read_only_open_writes_nothing_and_sees_commits_still_in_the_log() -> TehoResult<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.db");
    let live = engine(SqliteStore::create(&path)?);
    let cp = live.audit_checkpoint(&Actor::System)?;
    // The writer is still open: its commits are in the WAL, not yet in the main file.
    let wal = dir.path().join("evidence.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let ro = SqliteStore::open_read_only(&path)?;
    let r = verify_store(&ro, None, Some(&cp))?;
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(r.entries, 1, "the checkpoint's entry, read from the WAL");
    // An engine call appends its audit entry: on a read-only store it fails, typed.
    let e = engine(SqliteStore::open_read_only(&path)?)
        .audit_checkpoint(&Actor::System)
        .unwrap_err();
    assert_eq!(e.kind(), "storage", "{e}");
    drop(ro);
    drop(live);

    // Closed (its log folded into the file): read as immutable, nothing made beside it.
    assert_eq!(names(dir.path()), ["evidence.db"]);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(cp.entries, 0, "taken before its own call's entry");
    let r = verify_store(&SqliteStore::open_read_only(&path)?, Some(&cp), None)?;
    assert_eq!((r.entries, r.first_break), (1, None), "the one entry since");
    let r = verify_store(&SqliteStore::open_read_only(&path)?, None, Some(&cp))?;
    assert_eq!((r.entries, r.first_break), (1, None));
    assert!(std::fs::read(&path).unwrap() == bytes);
    assert_eq!(names(dir.path()), ["evidence.db"]);
    Ok(())
}
