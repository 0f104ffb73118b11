//! # teho-storage
//!
//! Storage adapters for the TEHO engine. [`SqliteStore`] is the embedded default: one
//! file, WAL, foreign keys on, `synchronous=FULL`, a busy timeout, numbered migrations,
//! every write transaction `BEGIN IMMEDIATE`.

mod schema;
mod sqlite;

pub use schema::{SCHEMA_STEPS, SCHEMA_VERSION, migrate};
pub use sqlite::{SqliteStore, SqliteTx};
