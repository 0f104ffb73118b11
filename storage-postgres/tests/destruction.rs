//! Destruction on PostgreSQL (issue 18, item 4): after a record is destroyed and the
//! store compacted, its content is in none of the database's files — a byte scan of the
//! server's data directory (`base/`) finds it before and not after. The write-ahead log
//! keeps it until recycled (ARCHITECTURE.md); it is not scanned.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use teho_core::store::{KINDS, Row, Store, Unit};
use teho_postgres::PostgresStore;
use uuid::Uuid;

fn count_in(dir: &Path, needle: &[u8]) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            n += count_in(&path, needle);
        } else if let Ok(bytes) = std::fs::read(&path) {
            n += bytes.windows(needle.len()).filter(|w| *w == needle).count();
        }
    }
    n
}

#[test]
fn a_destroyed_record_is_gone_from_the_table_files_after_compaction() {
    if std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! TEHO_SKIP_POSTGRES=1: PostgreSQL destruction test SKIPPED !!!");
        return;
    }
    let base = std::env::var("TEHO_POSTGRES_URL")
        .expect("TEHO_POSTGRES_URL (./scripts/test starts a private PostgreSQL)");
    let data = PathBuf::from(
        std::env::var("TEHO_PG_DIR").expect("TEHO_PG_DIR (the private server's directory)"),
    )
    .join("data/base");
    let schema = format!("teho_d{}", std::process::id());
    let store =
        PostgresStore::create(&teho_postgres::url_in_schema(&base, &schema).unwrap()).unwrap();
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();

    let entries = KINDS.iter().find(|k| k.name == "entries").unwrap();
    let marker = format!("destroy-me-{}", Uuid::now_v7());
    let id = Uuid::from_u128(0xde57);
    let row = Row {
        id,
        version: 1,
        columns: vec![teho_core::store::Value::Id(Uuid::from_u128(0xf11e))],
        doc: format!("{{\"text\":\"{marker}\"}}").into_bytes(),
    };
    let mut tx = store.begin(Unit::COMMAND).unwrap();
    tx.insert(entries, &row).unwrap();
    tx.commit().unwrap();
    admin.batch_execute("CHECKPOINT").unwrap();
    assert!(
        count_in(&data, marker.as_bytes()) > 0,
        "the scan finds the record before its destruction"
    );

    let mut tx = store.begin(Unit::COMMAND).unwrap();
    assert!(tx.destroy(entries, id).unwrap());
    tx.commit().unwrap();
    store.compact().unwrap();
    assert_eq!(count_in(&data, marker.as_bytes()), 0, "left in base/");
}
