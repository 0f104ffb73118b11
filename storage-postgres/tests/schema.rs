//! PostgreSQL's schema steps are frozen once landed (a deployed database has run them),
//! and the tables they make hold every kind core declares, with its columns.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use teho_core::store::{ColumnType, KINDS};
use teho_postgres::{PostgresStore, SCHEMA_STEPS};

/// A step's SQL without the fixture's header, trimmed.
fn body(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.starts_with("-- TEHO PostgreSQL schema step"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[test]
fn the_steps_in_the_code_are_the_frozen_ones() {
    for (i, step) in SCHEMA_STEPS.iter().enumerate() {
        let path = format!(
            "{}/tests/fixtures/step_{}.sql",
            env!("CARGO_MANIFEST_DIR"),
            i + 1
        );
        let frozen = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(body(step), body(&frozen), "step {} was edited", i + 1);
    }
}

#[test]
fn every_kind_has_its_table_with_its_columns() {
    if std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! TEHO_SKIP_POSTGRES=1: PostgreSQL schema test SKIPPED !!!");
        return;
    }
    let base = std::env::var("TEHO_POSTGRES_URL")
        .expect("TEHO_POSTGRES_URL (./scripts/test starts a private PostgreSQL)");
    let schema = format!("teho_s{}", std::process::id());
    drop(PostgresStore::create(&teho_postgres::url_in_schema(&base, &schema).unwrap()).unwrap());
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    for kind in KINDS {
        let rows = admin
            .query(
                "SELECT column_name, data_type FROM information_schema.columns
                 WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                &[&schema, &kind.name],
            )
            .unwrap();
        let found: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut want = vec![
            ("pos".to_string(), "bigint".to_string()),
            ("id".into(), "uuid".into()),
            ("v".into(), "integer".into()),
        ];
        for c in kind.columns {
            let ty = match c.ty {
                ColumnType::Id => "uuid",
                ColumnType::Int => "bigint",
                ColumnType::Text => "text",
            };
            want.push((c.name.into(), ty.into()));
        }
        want.push(("doc".into(), "bytea".into()));
        assert_eq!(found, want, "table {}", kind.name);
    }
}
