//! The engine-level conformance suite on SQLite: in memory, and on a file (the path
//! where a query's audit entry is synced by the background thread).

use teho_core::store::{BatchId, Store, StoreResult, StoreTx, Unit};
use teho_storage::SqliteStore;

/// A SQLite store on a file of its own, deleted with it.
struct OnFile {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl OnFile {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::create(dir.path().join("teho.db")).expect("a store on a file");
        Self { store, _dir: dir }
    }
}

impl Store for OnFile {
    fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>> {
        self.store.begin(unit)
    }
    fn open_batch(&self) -> StoreResult<BatchId> {
        self.store.open_batch()
    }
    fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()> {
        self.store.close_batch(batch, commit)
    }
    fn compact(&self) -> StoreResult<()> {
        self.store.compact()
    }
}

teho_core::store_conformance_tests!(
    sqlite_in_memory,
    SqliteStore::open_memory().expect("an in-memory store")
);
teho_core::store_conformance_tests!(sqlite_on_a_file, OnFile::new());
