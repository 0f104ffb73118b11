//! Pooled connections the server closed while they sat idle (a restart, an idle-session
//! timeout, an operator's `pg_terminate_backend`): the next call begins on a fresh
//! connection and succeeds, with its audit entry, and the chain stays whole.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use teho_core::audit::verify_store;
use teho_core::store::{Filter, KINDS, Store, Unit};
use teho_core::testing::system_audit_entry as entry;
use teho_postgres::PostgresStore;

/// Closes, from the server's side, every connection named `app`; how many.
fn terminate(base: &str, app: &str) -> i64 {
    let mut admin = postgres::Client::connect(base, postgres::NoTls).unwrap();
    admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
              WHERE application_name = $1",
            &[&app],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_call_after_the_server_closed_the_pooled_connections_succeeds() {
    let schema = format!("teho_r{}", std::process::id());
    let Some(base) = common::base("connection") else {
        return;
    };
    let url = common::url("connection", &schema).unwrap();
    let app = schema;
    let store = PostgresStore::create(&url).unwrap();
    for round in 0..3 {
        let mut tx = store.begin(Unit::COMMAND).unwrap();
        tx.append_audit(entry("test.command")).unwrap();
        tx.commit().unwrap();
        let mut tx = store.begin(Unit::QUERY).unwrap();
        tx.find(KINDS[0], &Filter::all()).unwrap();
        tx.append_audit(entry("test.query")).unwrap();
        tx.commit().unwrap();
        // The pool keeps the connections; the server closes them under it.
        assert!(
            terminate(&base, &app) >= 1,
            "round {round}: no pooled connection"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let batch = store.open_batch().unwrap();
    store.close_batch(batch, true).unwrap();
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.entries, 6);
}
