//! Deadlocks and serialization failures inside the store (issue 18, item 2). A query whose
//! snapshot the chain's head moved past seals after the new head, with no failure at
//! all. A query whose append deadlocks with an operator's transaction (holding the log
//! and reaching for the head row) is chosen as the victim; the store runs the append
//! again in a fresh transaction — once, the entry lands once, the chain stays whole — and
//! after its attempt limit reports a typed storage error, appending nothing.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::atomic::{AtomicU32, Ordering};

mod common;

use teho_core::audit::verify_store;
use teho_core::store::{Filter, KINDS, Store, StoreError, Unit};
use teho_core::testing::system_audit_entry as entry;
use teho_postgres::PostgresStore;

/// A fresh schema of this test's own.
fn url() -> Option<String> {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "teho_c{}_{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    );
    common::url("contention", &schema)
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
fn a_query_overtaken_while_it_read_seals_after_the_new_head_without_a_retry() {
    let Some(url) = url() else { return };
    let store = PostgresStore::create(&url).unwrap();
    assert_eq!(query_overtaken(&store).unwrap(), 3);
    assert_eq!(store.retries(), 0);
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 3);
}

/// A query appends while an operator's transaction holds the audit log (a share lock)
/// and then reaches for the head row the query holds: a deadlock, and the query's
/// backend — waiting the longer — is the one that finds it. The operator's transaction
/// then commits. Returns the outcome of the query's append and commit.
fn query_deadlocked(url: &str, store: &PostgresStore) -> Result<u64, StoreError> {
    let mut first = store.begin(Unit::COMMAND).unwrap();
    first.append_audit(entry("test.first")).unwrap();
    first.commit().unwrap();
    let mut operator = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut watch = postgres::Client::connect(url, postgres::NoTls).unwrap();
    operator
        .batch_execute(
            "BEGIN; SET LOCAL deadlock_timeout = '60s'; LOCK TABLE audit_log IN SHARE MODE",
        )
        .unwrap();
    std::thread::scope(|s| {
        let query = s.spawn(|| {
            let mut query = store.begin(Unit::QUERY).unwrap();
            query.find(KINDS[0], &Filter::all()).unwrap();
            let sealed = query.append_audit(entry("test.query"))?;
            query.commit()?;
            Ok(sealed.seq)
        });
        // The query holds the head and waits for the log.
        let app: String = watch
            .query_one("SELECT current_setting('application_name')", &[])
            .unwrap()
            .get(0);
        let waiting = |watch: &mut postgres::Client| -> i64 {
            watch
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity
                      WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO audit_log%'
                        AND application_name = $1",
                    &[&app],
                )
                .unwrap()
                .get(0)
        };
        for _ in 0..500 {
            if waiting(&mut watch) == 1 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(
            waiting(&mut watch),
            1,
            "the query is not waiting for the log"
        );
        // The operator reaches for the head: a deadlock the query's backend detects
        // after its deadlock_timeout (1 s); the query is rolled back, the operator goes on.
        operator
            .batch_execute("SELECT seq FROM audit_head WHERE chain = 1 FOR UPDATE")
            .unwrap();
        operator.batch_execute("COMMIT").unwrap();
        query.join().unwrap()
    })
}

#[test]
fn a_deadlock_is_retried_and_the_entry_lands_once() {
    let Some(url) = url() else { return };
    let store = PostgresStore::create(&url).unwrap();
    assert_eq!(query_deadlocked(&url, &store).unwrap(), 2);
    assert_eq!(store.retries(), 1, "the append met one deadlock");
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 2);
}

#[test]
fn past_its_attempt_limit_the_store_reports_a_typed_error_and_appends_nothing() {
    let Some(url) = url() else { return };
    let store = PostgresStore::create(&url).unwrap().with_max_attempts(1);
    match query_deadlocked(&url, &store) {
        Err(StoreError::Backend(m)) => {
            assert!(m.contains("40P01") && m.contains("1 attempt"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.retries(), 0);
    let report = verify_store(&store, None, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, 1, "the query's entry is not there");
}
