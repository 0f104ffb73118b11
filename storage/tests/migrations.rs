//! Opening databases of every earlier schema version, a newer one, and a corrupt one.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use rusqlite::Connection;
use teho_core::store::StoreError;
use teho_storage::{SCHEMA_STEPS, SCHEMA_VERSION, SqliteStore, migrate_to};

/// The schema as `sqlite_master` describes it, for comparison.
fn schema_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_file_gets_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(SqliteStore::create(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    assert_eq!(version(&conn), SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(schema_of(&conn).iter().any(|(_, n, _)| n == "audit_log"));
}

fn frozen_step(n: usize) -> String {
    let path = format!("{}/tests/fixtures/step_{n}.sql", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The SQL of a frozen step without its header comment and surrounding blank space.
fn body(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.starts_with("-- TEHO schema step"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// A step, once written, is never edited: a deployed database has already run it.
#[test]
fn the_steps_in_the_code_are_the_frozen_ones() {
    for (i, step) in SCHEMA_STEPS.iter().enumerate() {
        assert_eq!(
            step.frozen(),
            body(&frozen_step(i + 1)),
            "step {} was edited after it was frozen",
            i + 1
        );
    }
}

/// A database at every earlier version (built from the frozen steps) migrates to exactly
/// the schema of a new database.
#[test]
fn every_earlier_version_migrates_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    drop(SqliteStore::create(&fresh).unwrap());
    let want = schema_of(&Connection::open(&fresh).unwrap());
    // From step 1: before its first step a file is no TEHO database (open refuses it,
    // and `fresh` above is the one create made).
    for v in 1..SCHEMA_VERSION {
        let path = dir.path().join(format!("v{v}.db"));
        {
            let conn = Connection::open(&path).unwrap();
            for n in 1..=v as usize {
                conn.execute_batch(&frozen_step(n)).unwrap();
            }
            conn.pragma_update(None, "user_version", v).unwrap();
        }
        drop(SqliteStore::open(&path).unwrap_or_else(|e| panic!("v{v}: {e}")));
        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn), SCHEMA_VERSION, "v{v}");
        assert_eq!(
            schema_of(&conn),
            want,
            "v{v} migrated differs from a new database"
        );
    }
}

#[test]
fn a_database_from_a_newer_teho_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::SchemaTooNew {
            found: 99,
            supported,
        }) => assert_eq!(supported, SCHEMA_VERSION),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "the file must be left as it was"
    );
}

#[test]
fn a_corrupt_file_is_refused_and_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    let garbage = b"this is not a database, but it is someone's client file".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::NotATehoDatabase { problem }) if problem.contains("not an SQLite database")
    ));
    assert!(
        std::fs::read(&path).unwrap() == garbage,
        "the file must be left as it was"
    );
}

/// Step 4 backfills `memberships.member` from the stored records of a version-3 file.
#[test]
fn step_4_backfills_the_member_column_from_version_3_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3-data.db");
    {
        let conn = Connection::open(&path).unwrap();
        for n in 1..=3 {
            conn.execute_batch(&frozen_step(n)).unwrap();
        }
        conn.execute_batch(
            r#"PRAGMA user_version = 3;
            INSERT INTO persons VALUES ('p1', 'EE:1', '{}');
            INSERT INTO client_files VALUES ('f1', 'p1', '{}');
            INSERT INTO memberships VALUES ('m1', 'f1', '{"member":{"Worker":"w-1"}}');
            INSERT INTO memberships VALUES ('m2', 'f1', '{"member":{"Person":"p-2"}}');"#,
        )
        .unwrap();
    }
    let mut conn = Connection::open(&path).unwrap();
    migrate_to(&mut conn, 4).unwrap();
    let members: Vec<String> = conn
        .prepare("SELECT member FROM memberships ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(members, ["worker:w-1", "person:p-2"]);
}
