//! The engine-level conformance suite on PostgreSQL: every module, each test on a fresh
//! schema of the server at `TEHO_POSTGRES_URL` (`scripts/test` starts a private one).
//! Without that variable the run fails, unless `TEHO_SKIP_POSTGRES=1` says to skip it —
//! loudly.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::atomic::{AtomicU32, Ordering};

use teho_postgres::PostgresStore;

fn skipped() -> bool {
    std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// A store on a schema of its own, made fresh.
fn fresh() -> PostgresStore {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let base = std::env::var("TEHO_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TEHO_POSTGRES_URL is not set: run ./scripts/test (it starts a private \
             PostgreSQL), or set TEHO_SKIP_POSTGRES=1 to skip these tests"
        )
    });
    let schema = format!(
        "teho_t{}_{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    );
    PostgresStore::create(&teho_postgres::url_in_schema(&base, &schema).unwrap()).unwrap()
}

teho_core::store_conformance_tests!(postgresql, fresh(), unless skipped());
