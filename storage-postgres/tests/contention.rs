//! Serialization failures inside the store (issue 18, item 2): a query whose snapshot
//! the chain's head has moved past meets one when it appends its audit entry; the store
//! runs the append again in a fresh transaction — once, the entry lands once, the chain
//! stays whole — and after its attempt limit reports a typed storage error, appending
//! nothing.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::atomic::{AtomicU32, Ordering};

use teho_core::audit::{ActorRef, AuditDecision, NewAuditEntry, verify_store};
use teho_core::store::{Filter, KINDS, Store, StoreError, Unit};
use teho_postgres::PostgresStore;

fn url() -> Option<String> {
    if std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! TEHO_SKIP_POSTGRES=1: PostgreSQL contention tests SKIPPED !!!");
        return None;
    }
    let base = std::env::var("TEHO_POSTGRES_URL")
        .expect("TEHO_POSTGRES_URL (./scripts/test starts a private PostgreSQL)");
    static MADE: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "teho_c{}_{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    );
    Some(teho_postgres::url_in_schema(&base, &schema).unwrap())
}

fn entry(what: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        actor: ActorRef {
            id: "system".into(),
            name: String::new(),
            personal_code: String::new(),
            role: None,
            organization: None,
        },
        operation: what.into(),
        object: String::new(),
        file: None,
        disclosed: Vec::new(),
        purpose: "operation".into(),
        decision: AuditDecision::Allowed("operator".into()),
        outcome: "ok".into(),
        writes: Vec::new(),
    }
}

/// A query reads (its snapshot begins), a command appends and commits meanwhile, then
/// the query appends: the outcome of that append.
fn query_overtaken(store: &PostgresStore) -> Result<u64, StoreError> {
    let mut first = store.begin(Unit::COMMAND).unwrap();
    first.append_audit(entry("test.first")).unwrap();
    first.commit().unwrap();
    let mut query = store.begin(Unit::QUERY).unwrap();
    query.find(KINDS[0], &Filter::all()).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut command = store.begin(Unit::COMMAND).unwrap();
            command.append_audit(entry("test.command")).unwrap();
            command.commit().unwrap();
        })
        .join()
        .unwrap();
    });
    let sealed = query.append_audit(entry("test.query"))?;
    query.commit()?;
    Ok(sealed.seq)
}

#[test]
fn a_serialization_failure_is_retried_and_the_entry_lands_once() {
    let Some(url) = url() else { return };
    let store = PostgresStore::create(&url).unwrap();
    assert_eq!(query_overtaken(&store).unwrap(), 3);
    assert_eq!(
        store.retries(),
        1,
        "the append met one serialization failure"
    );
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 3);
}

#[test]
fn past_its_attempt_limit_the_store_reports_a_typed_error_and_appends_nothing() {
    let Some(url) = url() else { return };
    let store = PostgresStore::create(&url).unwrap().with_max_attempts(1);
    match query_overtaken(&store) {
        Err(StoreError::Backend(m)) => {
            assert!(m.contains("40001") && m.contains("1 attempt"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 2, "the query's entry is not there");
}
