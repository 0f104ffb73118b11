//! # teho-tests
//!
//! Cross-crate tests of TEHO: what needs more than one store or more than the engine —
//! SQLite files shared by processes, tampering by raw SQL, persistence, the access
//! oracle, the scenario files. The engine-level conformance suite and its fixture,
//! [`Town`], live in core (`teho_core::testing`, feature `testing`) and are re-exported
//! here; every backend runs the suite from its own crate.

pub mod scenario;

pub use teho_core::testing::*;
