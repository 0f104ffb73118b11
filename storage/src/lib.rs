//! # teho-storage
//!
//! Storage adapters for the TEHO engine. [`SqliteStore`] is the embedded default: one
//! file, WAL, foreign keys on, `synchronous=FULL` for every command (a query's audit
//! entry reaches the disk within a bounded delay, see [`SqliteStore`]), a busy timeout,
//! numbered migrations, every write transaction `BEGIN IMMEDIATE`.

mod query_sync;
mod schema;
mod sqlite;

pub use query_sync::DEFAULT_QUERY_SYNC_DELAY;
pub use schema::{SCHEMA_STEPS, SCHEMA_VERSION, migrate};
pub use sqlite::{SqliteStore, SqliteTx};
