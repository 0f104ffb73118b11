//! # teho-storage
//!
//! Storage backends for the TEHO engine. [`SqliteStore`] is the embedded default: one
//! file, WAL, `synchronous=FULL` for every command (a query's audit entry reaches the
//! disk within a bounded delay, see [`SqliteStore`]), a busy timeout, numbered
//! migrations, every write transaction `BEGIN IMMEDIATE`. It implements the store port
//! of `teho_core::store`: rows of each kind in a table of their own, the audit chain
//! sealed under SQLite's single writer.

mod audit;
mod convert;
mod query_sync;
mod rows;
mod schema;
mod sqlite;

pub use query_sync::DEFAULT_QUERY_SYNC_DELAY;
pub use schema::{SCHEMA_STEPS, SCHEMA_VERSION, Step, migrate, migrate_to};
pub use sqlite::{SqliteStore, SqliteTx};

/// The version of the SQLite library the store runs on: the one compiled in (feature
/// `bundled`, the default) or the system's, which a host process such as a Python
/// interpreter may share (issue 17, item 1).
pub fn sqlite_library_version() -> &'static str {
    rusqlite::version()
}
