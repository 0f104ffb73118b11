//! `teho-uniffi`: the Kotlin/JVM and Swift binding of TEHO, through uniffi (issue 19).
//!
//! Thin by design (DESIGN.md, Bindings): it opens a store (SQLite, memory or PostgreSQL),
//! hands it to core's host door ([`teho_core::host::Host`]) — which owns the clock, the
//! ids, the error details and the catching of panics — and converts. Requests and
//! results cross as JSON text; the typed layers (Kotlin data classes, Swift structs) are
//! generated from `schemas/api.json` on the other side, as the Python and TypeScript ones
//! are, so one place declares the API.
//!
//! The host's ports are callback interfaces: [`ClockSource`] (the host's clock) and
//! [`NoticeSource`] (the host's population-register feed, which
//! [`Engine::import_notices_from`] pulls from).
//!
//! Errors cross as one [`FfiError`] carrying the kind, the English message and every
//! field as JSON; the Kotlin and Swift layers raise one exception class (Swift: one
//! error case) per kind from it, with typed fields and the engine's message. uniffi's own
//! per-variant exceptions would list every field in the exception's message, and some
//! fields (the personal code that failed to parse, a refused value) are personal data
//! that must stay out of messages and logs.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use teho_core::TehoError;
use teho_core::host::{Host, HostClock, HostError};
use teho_core::ports::Clock;
use teho_core::register::{NoticeBatch, NoticeFormat, PopulationRegister, parse_notices};
use teho_core::store::{MemoryStore, Store, StoreError};
use teho_postgres::{PostgresStore, is_postgres_url};
use teho_storage::SqliteStore;

uniffi::setup_scaffolding!();

/// An engine error as it crosses to Kotlin and Swift: its kind (`access_denied`,
/// `not_found`, … as [`TehoError::kind`]), its English message (never personal data)
/// and every field of the error as a JSON object.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    /// The engine or the host door refused or failed the call.
    #[error("{text}")]
    Failure {
        /// The kind, one per variant of the engine's error.
        kind: String,
        /// The message, in English.
        text: String,
        /// Every field of the error, as a JSON object.
        details: String,
    },
}

impl From<HostError> for FfiError {
    fn from(e: HostError) -> Self {
        Self::Failure {
            kind: e.kind,
            text: e.message,
            details: e.details.to_string(),
        }
    }
}

impl From<TehoError> for FfiError {
    fn from(e: TehoError) -> Self {
        HostError::from(e).into()
    }
}

impl From<StoreError> for FfiError {
    fn from(e: StoreError) -> Self {
        TehoError::from(e).into()
    }
}

/// An exception thrown inside a callback (a Kotlin clock or feed) that is not an
/// [`FfiError`]: the feed's or clock's failure, in its own words.
impl From<uniffi::UnexpectedUniFFICallbackError> for FfiError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TehoError::Storage {
            message: format!("a callback of the host failed: {}", first_line(&e.reason)),
        }
        .into()
    }
}

/// The first line of a callback's failure: the exception and its message, without the
/// host's stack trace.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The host's clock, implemented in Kotlin or Swift: the engine asks it for the time at
/// every call.
#[uniffi::export(with_foreign)]
pub trait ClockSource: Send + Sync {
    /// The current instant. A clock that throws fails the call that asked the time: rolled
    /// back, audited, reported as the internal error.
    fn now(&self) -> Result<SystemTime, FfiError>;
}

/// The exchange format of a notice feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum FeedFormat {
    /// One JSON object a line: `{"personal_code", "kind", "date", "source_reference"}`.
    JsonLines,
    /// CSV with the header `personal_code,kind,date,source_reference`.
    Csv,
}

/// What a notice feed hands over: text in one of the exchange formats.
#[derive(Clone, Debug, uniffi::Record)]
pub struct NoticeFeed {
    /// The format of `text`.
    pub format: FeedFormat,
    /// The notices, one a line.
    pub text: String,
}

/// The host's population-register feed (rahvastikuregister), implemented in Kotlin or
/// Swift: [`Engine::import_notices_from`] pulls what it has now (seed
/// `000_19cdf6fb7baf56d8.txt`, "Kliendi surma fakti andmete saamine
/// rahvastikuregistrist").
#[uniffi::export(with_foreign)]
pub trait NoticeSource: Send + Sync {
    /// The notices available now.
    fn fetch(&self) -> Result<NoticeFeed, FfiError>;
}

/// A [`NoticeSource`] as the engine's register port.
struct Feed(Arc<dyn NoticeSource>);

impl PopulationRegister for Feed {
    fn fetch(&self) -> Result<NoticeBatch, TehoError> {
        let feed = self.0.fetch().map_err(|e| match e {
            FfiError::Failure { kind, text, .. } => TehoError::Storage {
                message: format!("the notice source failed ({kind}): {text}"),
            },
        })?;
        let format = match feed.format {
            FeedFormat::JsonLines => NoticeFormat::JsonLines,
            FeedFormat::Csv => NoticeFormat::Csv,
        };
        Ok(parse_notices(&feed.text, format))
    }
}

/// A host clock from a [`ClockSource`].
struct HostClockSource(Arc<dyn ClockSource>);

impl Clock for HostClockSource {
    fn now(&self) -> DateTime<Utc> {
        match self.0.now() {
            Ok(at) => DateTime::<Utc>::from(at),
            // The engine's door catches this inside the call: rolled back, audited, an
            // internal error to the caller.
            Err(FfiError::Failure { text, .. }) => panic!("the host's clock failed: {text}"),
        }
    }
}

/// The clock an engine runs on.
#[derive(uniffi::Enum)]
pub enum EngineClock {
    /// The system clock, with time-ordered UUID v7 ids (production).
    System,
    /// A clock standing at `at` until [`Engine::set_clock`] moves it, with sequential ids
    /// (repeatable runs, tests, demos).
    Fixed {
        /// Where it stands.
        at: SystemTime,
    },
    /// The host's own clock, with UUID v7 ids.
    Source {
        /// The clock.
        clock: Arc<dyn ClockSource>,
    },
}

impl From<EngineClock> for HostClock {
    fn from(c: EngineClock) -> Self {
        match c {
            EngineClock::System => HostClock::System,
            EngineClock::Fixed { at } => HostClock::Fixed(DateTime::<Utc>::from(at)),
            EngineClock::Source { clock } => HostClock::Source(Arc::new(HostClockSource(clock))),
        }
    }
}

/// An open TEHO store and its engine. Every method may be called from many threads at
/// once.
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    host: Host,
}

impl Engine {
    fn over(
        store: Result<Arc<dyn Store>, StoreError>,
        clock: EngineClock,
    ) -> Result<Arc<Self>, FfiError> {
        let host = Host::open(store?, clock.into())?;
        Ok(Arc::new(Self { host }))
    }
}

/// The store at `location`: a SQLite file, or a `postgresql://` URL; `create` makes a
/// new one.
fn store_at(location: &str, create: bool) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match (is_postgres_url(location), create) {
        (true, false) => Arc::new(PostgresStore::open(location)?),
        (true, true) => Arc::new(PostgresStore::create(location)?),
        (false, false) => Arc::new(SqliteStore::open(location)?),
        (false, true) => Arc::new(SqliteStore::create(location)?),
    })
}

#[uniffi::export]
impl Engine {
    /// Opens the TEHO database at `location`, a SQLite file or a `postgresql://` URL;
    /// never creates one (a missing or empty file, or a schema without TEHO's tables, is
    /// a `not_a_teho_database` error).
    #[uniffi::constructor]
    pub fn open(location: String, clock: EngineClock) -> Result<Arc<Self>, FfiError> {
        Self::over(store_at(&location, false), clock)
    }

    /// Creates a new TEHO database at `location` (a missing or empty file, or an empty
    /// PostgreSQL schema; anything else is a `conflict`).
    #[uniffi::constructor]
    pub fn create(location: String, clock: EngineClock) -> Result<Arc<Self>, FfiError> {
        Self::over(store_at(&location, true), clock)
    }

    /// A private store in memory, gone with the engine.
    #[uniffi::constructor]
    pub fn open_memory(clock: EngineClock) -> Result<Arc<Self>, FfiError> {
        Self::over(Ok(Arc::new(MemoryStore::new())), clock)
    }

    /// Runs one request (JSON `{"command": …, "args": …}`) as `actor` (JSON: `"System"`,
    /// `{"Worker": id}`, …); the result as JSON.
    pub fn call(&self, actor: String, request: String) -> Result<String, FfiError> {
        Ok(self.host.call(&actor, &request)?)
    }

    /// Runs requests (a JSON array) in order as one batch: JSON `{"results": […],
    /// "error": null | {kind, message, details}}`. An error of the batch itself (it could
    /// not be committed) is thrown.
    pub fn call_many(&self, actor: String, requests: String) -> Result<String, FfiError> {
        Ok(self.host.call_many(&actor, &requests)?)
    }

    /// Pulls the notices `source` has now and imports them as `actor` (idempotent: a
    /// notice seen before is counted, not applied again); the import report as JSON.
    pub fn import_notices_from(
        &self,
        actor: String,
        source: Arc<dyn NoticeSource>,
    ) -> Result<String, FfiError> {
        Ok(self.host.import_from(&actor, &Feed(source))?)
    }

    /// Moves a fixed clock to `instant`; refused on the system or the host's clock.
    pub fn set_clock(&self, instant: SystemTime) -> Result<(), FfiError> {
        let at = DateTime::<Utc>::from(instant);
        Ok(self.host.set_clock(&at.to_rfc3339())?)
    }

    /// Why the checkpoint sink last failed to keep a checkpoint, while it keeps failing.
    pub fn checkpoint_failure(&self) -> Option<String> {
        self.host.checkpoint_failure()
    }

    /// Test hook: the next id the engine asks for panics, inside whatever call asks — to
    /// show that such a panic is rolled back, audited and thrown as the internal error.
    pub fn fail_next_id_for_tests(&self) {
        self.host.fail_next_id_for_tests();
    }
}

/// Parses an Estonian personal code: JSON `{"code", "birth_date", "sex"}`, or the
/// `invalid_personal_code` error with every field.
#[uniffi::export]
pub fn parse_personal_code(code: String) -> Result<String, FfiError> {
    Ok(Host::personal_code(&code)?.to_string())
}

/// Parses a recurrence rule (the RRULE subset): its canonical text, or the
/// `invalid_recurrence` error naming the part.
#[uniffi::export]
pub fn parse_recurrence(text: String) -> Result<String, FfiError> {
    Ok(Host::parse_recurrence(&text)?)
}

/// The version of the SQLite library compiled in.
#[uniffi::export]
pub fn sqlite_version() -> String {
    teho_storage::sqlite_library_version().to_string()
}
