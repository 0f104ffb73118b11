//! The engine-level conformance suite on [`MemoryStore`].

use teho_core::store::MemoryStore;

teho_core::store_conformance_tests!(memory_store, MemoryStore::new());
