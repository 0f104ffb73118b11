//! # teho-core
//!
//! The rules of TEHO, the shared electronic client file for municipal home care and
//! home nursing (Tallinn): who may see what about a client, and an audit of every
//! entry and query. Pure: no I/O; storage, clock and ids are ports
//! ([`store::Store`], [`ports::Clock`], [`ports::Ids`]).
//!
//! Start at [`engine::ClientFiles`], the one door every command and query goes
//! through, and [`access::authorize`], the single authorization function.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod death;
pub mod disclosure;
pub mod engine;
pub mod error;
pub mod fhir;
pub mod file;
pub mod host;
pub mod ics;
pub mod ids;
pub mod log;
pub mod network;
pub mod notify;
pub mod org;
pub mod person;
pub mod plan;
pub mod ports;
pub mod register;
pub mod report;
pub mod retention;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;

pub use engine::ClientFiles;
pub use error::{TehoError, TehoResult};
