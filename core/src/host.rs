//! The host door: what every binding calls — Python, Kotlin and Swift, WASM — so that
//! none of them re-implements clocks, ids, error details or panic catching.
//!
//! A host opens a [`Host`] over a store with a [`HostClock`]: the system clock (time-
//! ordered UUID v7 ids), or a fixed clock the script moves (sequential ids, for
//! repeatable runs). It passes an actor and a request as JSON and gets the result as
//! JSON, or a [`HostError`] — `{kind, message, details}`, serializable, with every field
//! of the error — that the binding turns into its own exception or error class. Nothing
//! panics out of it: a panic inside an engine call is rolled back and audited by the
//! engine's door; one anywhere else in the host door becomes an `internal` error.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub mod script;

use crate::ClientFiles;
use crate::access::Actor;
use crate::engine::Request;
use crate::error::TehoError;
use crate::ports::{Clock, FixedClock, Ids, SystemClock, UuidV7Ids};
use crate::store::Store;

/// An error as every host sees it: its kind (`access_denied`, `not_found`, …, the
/// same as [`TehoError::kind`]), its message, and its fields as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct HostError {
    /// The kind, one per variant of [`TehoError`].
    pub kind: String,
    /// The message, in English.
    pub message: String,
    /// Every field of the error: the offending value, the field, the deny reason and
    /// its explanation, the expected check digit…
    pub details: Value,
}

/// The details of an error kind, as a JSON object.
fn details(e: &TehoError) -> Value {
    /// An enum's serde form `{"Variant": {fields}}` (or `"Variant"`) as
    /// `{"variant": …, fields…}`.
    fn flat<T: Serialize>(v: &T) -> Map<String, Value> {
        let mut out = Map::new();
        match serde_json::to_value(v) {
            Ok(Value::Object(o)) => {
                for (variant, fields) in o {
                    out.insert("variant".into(), Value::String(variant));
                    match fields {
                        Value::Object(f) => out.extend(f),
                        other => {
                            out.insert("value".into(), other);
                        }
                    }
                }
            }
            Ok(Value::String(variant)) => {
                out.insert("variant".into(), Value::String(variant));
            }
            _ => {}
        }
        out
    }
    match e {
        TehoError::InvalidPersonalCode(p) => {
            let mut d = flat(p);
            d.insert("problem".into(), Value::String(p.to_string()));
            Value::Object(d)
        }
        // The engine's serde form, as the bindings have read it so far (the variant
        // as the key), with the fields beside it too.
        TehoError::InvalidRecurrence(r) => with_flat(serde_json::to_value(r), flat(r)),
        TehoError::InvalidIcf(i) => with_flat(serde_json::to_value(i), flat(i)),
        TehoError::InvalidInput {
            field,
            value,
            problem,
        } => json!({"field": field, "value": value, "problem": problem}),
        TehoError::InvalidPeriod { what, from, until } => {
            json!({"what": what, "from": from, "until": until})
        }
        TehoError::ReasonRequired { problem } => json!({"problem": problem}),
        TehoError::AccessDenied { action, reason } => {
            let detail = serde_json::to_value(reason).unwrap_or(Value::Null);
            let name = match &detail {
                Value::String(s) => s.clone(),
                Value::Object(o) => o.keys().next().cloned().unwrap_or_default(),
                _ => String::new(),
            };
            json!({
                "action": action,
                "reason": name,
                "reason_detail": detail,
                "explanation": reason.to_string(),
            })
        }
        TehoError::NotFound { kind, id, value } => match value {
            Some(v) => json!({"kind": kind, "id": id, "value": v}),
            None => json!({"kind": kind, "id": id}),
        },
        TehoError::Conflict { kind, id, problem } => {
            json!({"kind": kind, "id": id, "problem": problem})
        }
        TehoError::SchemaTooNew { found, supported } => {
            json!({"found": found, "supported": supported})
        }
        TehoError::NotATehoDatabase { problem } => json!({"problem": problem}),
        TehoError::Storage { message } | TehoError::Internal { message } => {
            json!({"message": message})
        }
        TehoError::AlreadyInitialized => json!({}),
    }
}

fn with_flat(whole: Result<Value, serde_json::Error>, fields: Map<String, Value>) -> Value {
    let mut out = match whole {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    for (k, v) in fields {
        out.entry(k).or_insert(v);
    }
    Value::Object(out)
}

impl From<TehoError> for HostError {
    fn from(e: TehoError) -> Self {
        Self {
            kind: e.kind().into(),
            message: e.to_string(),
            details: details(&e),
        }
    }
}

impl HostError {
    fn internal(message: String) -> Self {
        TehoError::Internal { message }.into()
    }

    fn invalid(field: &str, value: impl ToString, problem: impl ToString) -> Self {
        TehoError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            problem: problem.to_string(),
        }
        .into()
    }

    /// The error as a JSON object `{kind, message, details}`.
    pub fn to_json(&self) -> Value {
        json!({"kind": self.kind, "message": self.message, "details": self.details})
    }
}

/// Result of a host call.
pub type HostResult<T> = Result<T, HostError>;

/// Runs `work`, turning a panic into an `internal` error.
fn guarded<T>(work: impl FnOnce() -> HostResult<T>) -> HostResult<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        Err(HostError::internal(format!(
            "a panic in the host door: {what}"
        )))
    })
}

/// Reads JSON argument `field`. A failure names the field and where the text went
/// wrong; strings quoted from the text (which may be a name or a code) are left out.
fn parse<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> HostResult<T> {
    serde_json::from_str(text).map_err(|e| {
        HostError::invalid(
            field,
            format!("line {} column {}", e.line(), e.column()),
            redact_quoted(&e.to_string()),
        )
    })
}

/// `"…"` for every double-quoted string in `message` (serde quotes the values it could
/// not read that way; names of fields and variants it quotes with backticks).
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        match (c, inside) {
            ('"', false) => {
                inside = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                inside = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

/// The clock a host runs on.
#[derive(Clone)]
pub enum HostClock {
    /// The system clock, with time-ordered UUID v7 ids (production).
    System,
    /// A clock standing at an instant until moved ([`Host::set_clock`]), with sequential
    /// ids (repeatable runs, tests, demos).
    Fixed(DateTime<Utc>),
    /// The host's own clock (a Kotlin or Swift object behind a callback interface), with
    /// UUID v7 ids. A panic or an exception inside it is a panic inside the call that
    /// asked the time: rolled back, audited, reported as an `internal` error.
    Source(Arc<dyn Clock>),
}

impl std::fmt::Debug for HostClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::System => f.write_str("System"),
            Self::Fixed(at) => f.debug_tuple("Fixed").field(at).finish(),
            Self::Source(_) => f.write_str("Source(..)"),
        }
    }
}

/// The first 64 bits of the sequential ids of a fixed-clock session on a store whose
/// audit chain holds `chain` entries: each session on a store begins a fresh range, so
/// it never hands out an id an earlier session wrote — two sessions opened at the same
/// moment share a range, and the second one's first colliding record is refused as a
/// `Conflict`, never written over the first. (Every call writes an audit entry,
/// so a session that made anything moved the chain on.) A new store's session gets the
/// range `0x7e40`, as before.
fn session_prefix(chain: u64) -> u64 {
    0x7e40 | (chain << 16)
}

/// The ids of a host: UUID v7, or sequential within the session's range. A test can
/// make the next one panic, to see a panic inside an engine call handled.
struct HostIds {
    /// `(prefix, next)` for sequential ids (set when a fixed-clock host opens).
    sequential: OnceLock<(u64, AtomicU64)>,
    fail_next: AtomicBool,
}

impl Ids for HostIds {
    fn next_id(&self) -> Uuid {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            panic!("an id was asked for while a test had made the id source fail");
        }
        match self.sequential.get() {
            Some((prefix, next)) => {
                Uuid::from_u64_pair(*prefix, next.fetch_add(1, Ordering::SeqCst))
            }
            None => UuidV7Ids.next_id(),
        }
    }
}

/// A movable clock, the host's own, or the system's.
enum HostTime {
    Fixed(Arc<FixedClock>),
    Source(Arc<dyn Clock>),
    System,
}

impl Clock for HostTime {
    fn now(&self) -> DateTime<Utc> {
        match self {
            Self::Fixed(c) => c.now(),
            Self::Source(c) => c.now(),
            Self::System => SystemClock.now(),
        }
    }
}

/// An engine as a host holds it: JSON in, JSON or a [`HostError`] out.
pub struct Host {
    engine: ClientFiles,
    clock: Option<Arc<FixedClock>>,
    ids: Arc<HostIds>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("fixed_clock", &self.clock.as_ref().map(|c| c.now()))
            .finish_non_exhaustive()
    }
}

impl Host {
    /// A host over `store`. With a fixed clock, ids are sequential from a range no
    /// earlier session on this store used: the range follows from the length of the
    /// store's audit chain, which every session that made anything moved on.
    pub fn open(store: Arc<dyn Store>, clock: HostClock) -> HostResult<Self> {
        guarded(|| {
            let (time, fixed) = match clock {
                HostClock::System => (HostTime::System, None),
                HostClock::Source(c) => (HostTime::Source(c), None),
                HostClock::Fixed(at) => {
                    let c = Arc::new(FixedClock::new(at));
                    (HostTime::Fixed(Arc::clone(&c)), Some(c))
                }
            };
            let ids = Arc::new(HostIds {
                sequential: OnceLock::new(),
                fail_next: AtomicBool::new(false),
            });
            let engine =
                ClientFiles::shared(store, Arc::new(time), Arc::clone(&ids) as Arc<dyn Ids>);
            if fixed.is_some() {
                let chain = engine.chain_length()?;
                let _ = ids
                    .sequential
                    .set((session_prefix(chain), AtomicU64::new(1)));
            }
            Ok(Self {
                engine,
                clock: fixed,
                ids,
            })
        })
    }

    /// Hands `sink` a checkpoint of the audit chain every `every_entries` entries (or
    /// hour), and verifies against the latest it keeps ([`ClientFiles::with_checkpoints`]);
    /// a policy that never checkpoints is an `invalid_input` naming its field.
    pub fn with_checkpoints(
        mut self,
        sink: Arc<dyn crate::audit::CheckpointSink>,
        every_entries: u64,
    ) -> HostResult<Self> {
        let policy = crate::audit::CheckpointPolicy {
            every_entries,
            ..crate::audit::CheckpointPolicy::default()
        };
        self.engine = self.engine.clone().with_checkpoints(sink, policy)?;
        Ok(self)
    }

    /// Why the checkpoint sink last failed, while it keeps failing.
    pub fn checkpoint_failure(&self) -> Option<String> {
        self.engine.checkpoint_failure()
    }

    /// Parses an RFC 3339 instant (`clock` of [`HostClock::Fixed`], [`Host::set_clock`]).
    pub fn instant(field: &str, text: &str) -> HostResult<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| HostError::invalid(field, text, format!("not an RFC 3339 instant: {e}")))
    }

    /// The fixed clock, when the host runs on one (for hosts that move it typed, in
    /// Rust); `None` on the system clock.
    pub fn fixed_clock(&self) -> Option<Arc<FixedClock>> {
        self.clock.clone()
    }

    /// The engine (for hosts that also call it typed, in Rust).
    pub fn engine(&self) -> &ClientFiles {
        &self.engine
    }

    /// Runs one request (`{"command": …, "args": …}`) as `actor` (`{"Worker": id}`,
    /// `{"Person": id}`, `"System"`, …); the result as JSON.
    pub fn call(&self, actor: &str, request: &str) -> HostResult<String> {
        guarded(|| {
            let actor: Actor = parse("actor", actor)?;
            let request: Request = parse("request", request)?;
            Ok(self.engine.execute_text(&actor, request)?)
        })
    }

    /// Runs requests (a JSON array) in order as one batch
    /// ([`ClientFiles::execute_many`]): `{"results": […], "error": null | {kind,
    /// message, details}}` — the results of the requests done and, if one failed, its
    /// error. An error of the batch itself (it could not be committed) is the `Err`.
    pub fn call_many(&self, actor: &str, requests: &str) -> HostResult<String> {
        guarded(|| {
            let actor: Actor = parse("actor", actor)?;
            let requests: Vec<Request> = parse("requests", requests)?;
            let outcomes = self.engine.execute_many(&actor, requests)?;
            let mut results = Vec::with_capacity(outcomes.len());
            let mut error = Value::Null;
            for outcome in outcomes {
                match outcome {
                    Ok(v) => results.push(v),
                    Err(e) => error = HostError::from(e).to_json(),
                }
            }
            Ok(json!({"results": results, "error": error}).to_string())
        })
    }

    /// Pulls the notices `register` has now and imports them as `actor` (the engine's
    /// `import_notices`, idempotent): the import report as JSON. The register failing is
    /// its error, and nothing is imported.
    pub fn import_from(
        &self,
        actor: &str,
        register: &dyn crate::register::PopulationRegister,
    ) -> HostResult<String> {
        guarded(|| {
            let actor: Actor = parse("actor", actor)?;
            let batch = register.fetch()?;
            let value = self
                .engine
                .execute(&actor, Request::ImportNotices { batch })?;
            Ok(value.to_string())
        })
    }

    /// Moves a fixed clock to an RFC 3339 instant; refused on the system clock.
    pub fn set_clock(&self, instant: &str) -> HostResult<()> {
        guarded(|| match &self.clock {
            Some(c) => {
                c.set(Self::instant("clock", instant)?);
                Ok(())
            }
            None => Err(HostError::invalid(
                "clock",
                instant,
                "this engine runs on the system clock; open it with a fixed clock",
            )),
        })
    }

    /// Makes the next id the engine asks for panic, inside whatever call asks: for
    /// tests of how a panic inside a call is handled (rolled back, audited, reported as
    /// an `internal` error).
    #[doc(hidden)]
    pub fn fail_next_id_for_tests(&self) {
        self.ids.fail_next.store(true, Ordering::SeqCst);
    }

    /// Parses an Estonian personal code: `{"code", "birth_date", "sex"}`, or an
    /// `invalid_personal_code` error with every field (the value, the expected check
    /// digit…).
    pub fn personal_code(code: &str) -> HostResult<Value> {
        guarded(|| {
            let c = crate::person::PersonalCode::parse(code).map_err(TehoError::from)?;
            Ok(json!({
                "code": c.to_string(),
                "birth_date": c.birth_date().to_string(),
                "sex": crate::error::name_of(&c.sex()),
            }))
        })
    }

    /// Parses a recurrence rule (the RRULE subset): its canonical text, or an
    /// `invalid_recurrence` error naming the part.
    pub fn parse_recurrence(text: &str) -> HostResult<String> {
        guarded(|| {
            crate::plan::Recurrence::parse(text)
                .map(|r| r.to_string())
                .map_err(|e| TehoError::from(e).into())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn serde_quoted_values_are_left_out_of_a_parse_error() {
        let e = parse::<Actor>("actor", r#"{"Worker": "Mari Maasikas"}"#).unwrap_err();
        assert_eq!(e.kind, "invalid_input");
        assert!(!e.message.contains("Maasikas"), "{}", e.message);
        assert!(!e.details.to_string().contains("Maasikas"), "{}", e.details);
        assert_eq!(e.details["field"], "actor");
        assert_eq!(e.details["value"], "line 1 column 26");
    }

    #[test]
    fn a_personal_code_error_carries_every_field() {
        let e = Host::personal_code("37605030298").unwrap_err();
        assert_eq!(e.kind, "invalid_personal_code");
        assert_eq!(e.details["variant"], "WrongCheckDigit");
        assert_eq!(e.details["value"], "37605030298");
        assert_eq!(e.details["expected"], 9);
        assert_eq!(e.details["found"], 8);
        let ok = Host::personal_code("37605030299").unwrap();
        assert_eq!(ok["birth_date"], "1976-05-03");
    }

    #[test]
    fn a_multi_byte_weekday_is_a_typed_error_through_the_host_door() {
        let e = Host::parse_recurrence("FREQ=WEEKLY;BYDAY=éR").unwrap_err();
        assert_eq!(e.kind, "invalid_recurrence");
        assert_eq!(e.details["part"], "BYDAY");
        assert_eq!(e.details["value"], "éR");
    }

    #[test]
    fn sessions_on_one_store_take_ids_from_ranges_of_their_own() {
        assert_eq!(session_prefix(0), 0x7e40);
        assert_ne!(session_prefix(1), session_prefix(0));
        assert_ne!(session_prefix(2), session_prefix(1));
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let at = Host::instant("clock", "2026-11-02T07:00:00Z").unwrap();
        let first = Host::open(Arc::clone(&store), HostClock::Fixed(at)).unwrap();
        assert_eq!(
            first.ids.next_id().as_u64_pair().0,
            0x7e40,
            "a new store begins where it always did"
        );
        first
            .call(r#""System""#, r#"{"command": "audit_checkpoint"}"#)
            .unwrap();
        let second = Host::open(store, HostClock::Fixed(at)).unwrap();
        assert_eq!(second.ids.next_id().as_u64_pair().0, session_prefix(1));
    }

    /// A clock of the host's own, counting how often it is asked.
    struct Counted(DateTime<Utc>, AtomicU64);

    impl Clock for Counted {
        fn now(&self) -> DateTime<Utc> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0
        }
    }

    #[test]
    fn a_host_clock_is_asked_and_cannot_be_set_from_the_door() {
        let at = Host::instant("clock", "2026-10-26T07:00:00Z").unwrap();
        let clock = Arc::new(Counted(at, AtomicU64::new(0)));
        let host = Host::open(
            Arc::new(MemoryStore::new()),
            HostClock::Source(Arc::clone(&clock) as Arc<dyn Clock>),
        )
        .unwrap();
        assert!(host.fixed_clock().is_none());
        host.call(r#""System""#, r#"{"command": "audit_checkpoint"}"#)
            .unwrap();
        assert!(
            clock.1.load(Ordering::SeqCst) > 0,
            "the engine asked the host's clock"
        );
        let refused = host.set_clock("2026-10-27T07:00:00Z").unwrap_err();
        assert_eq!(refused.details["field"], "clock");
        // Its ids are UUID v7, not a fixed clock's sequence.
        assert_eq!(host.ids.next_id().get_version_num(), 7);
    }

    /// A register that has one line it cannot read, or fails.
    struct Register(Option<&'static str>);

    impl crate::register::PopulationRegister for Register {
        fn fetch(&self) -> Result<crate::register::NoticeBatch, TehoError> {
            match self.0 {
                Some(text) => Ok(crate::register::parse_notices(
                    text,
                    crate::register::NoticeFormat::JsonLines,
                )),
                None => Err(TehoError::Storage {
                    message: "the register is down".into(),
                }),
            }
        }
    }

    #[test]
    fn notices_are_pulled_from_a_register_and_its_failure_is_the_error() {
        let at = Host::instant("clock", "2026-11-02T07:00:00Z").unwrap();
        let host = Host::open(Arc::new(MemoryStore::new()), HostClock::Fixed(at)).unwrap();
        let report = host
            .import_from(r#""System""#, &Register(Some("not a notice")))
            .unwrap();
        let report: Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["malformed"][0]["line"], 1, "{report}");
        let e = host
            .import_from(r#""System""#, &Register(None))
            .unwrap_err();
        assert_eq!(
            (e.kind.as_str(), e.details["message"].as_str()),
            ("storage", Some("the register is down"))
        );
        let e = host.import_from("nobody", &Register(None)).unwrap_err();
        assert_eq!(e.details["field"], "actor");
    }
}
