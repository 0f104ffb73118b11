//! The modules of the conformance suite: engine-level tests that must give the same
//! answers on every store. Each declares its tests with `tests![…]`.

pub mod access_log;
pub mod access_log_reach;
pub mod audit_per_call;
pub mod authorize_first;
pub mod batch;
pub mod calendar_rules;
pub mod case_rules;
pub mod checkpoints;
pub mod death;
pub mod departure;
pub mod domain_only_reach;
pub mod engine_rules;
pub mod exports;
pub mod input_edges;
pub mod notifications;
pub mod records_bound;
pub mod reporting;
pub mod restrictions;
pub mod store_columns;
pub mod store_port;
pub mod views;
