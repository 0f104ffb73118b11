//! `teho._teho`: the Python binding of TEHO. Thin by design (DESIGN.md): it opens an engine,
//! passes [`teho_core::engine::Request`]s across as JSON, releases the interpreter while
//! the engine works, and turns every error — and any panic — into the `teho` exception of
//! its kind. The public API lives in `python/teho/__init__.py`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{Value, json};
use teho_core::access::Actor;
use teho_core::engine::Request;
use teho_core::person::PersonalCodeError;
use teho_core::ports::{Clock, FixedClock, Ids, SequentialIds, SystemClock, UuidV7Ids};
use teho_core::{ClientFiles, TehoError};
use teho_storage::SqliteStore;

/// The engine's clock: the system clock, or a fixed one a script moves (deterministic runs).
struct HostClock(Option<Arc<FixedClock>>);

impl Clock for HostClock {
    fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Some(c) => c.now(),
            None => SystemClock.now(),
        }
    }
}

/// Ids: time-ordered UUID v7, or sequential ones with a fixed clock.
struct HostIds(Option<SequentialIds>);

impl Ids for HostIds {
    fn next_id(&self) -> uuid::Uuid {
        match &self.0 {
            Some(s) => s.next_id(),
            None => UuidV7Ids.next_id(),
        }
    }
}

/// An open TEHO store and its engine.
#[pyclass(frozen, name = "Engine", module = "teho._teho")]
struct Engine {
    inner: ClientFiles,
    clock: Option<Arc<FixedClock>>,
}

fn parse_instant(s: &str) -> PyResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| PyValueError::new_err(format!("clock {s:?} is not an RFC 3339 instant: {e}")))
}

fn engine(store: SqliteStore, clock: Option<&str>) -> PyResult<Engine> {
    let fixed = clock
        .map(parse_instant)
        .transpose()?
        .map(|t| Arc::new(FixedClock::new(t)));
    let ids = HostIds(fixed.as_ref().map(|_| SequentialIds::new(0x7e40)));
    Ok(Engine {
        inner: ClientFiles::new(store, HostClock(fixed.clone()), ids),
        clock: fixed,
    })
}

/// The details of an error, as a JSON object the Python exception exposes.
fn details(e: &TehoError) -> Value {
    match e {
        TehoError::InvalidPersonalCode(p) => {
            let value = match p {
                PersonalCodeError::WrongLength { value, .. }
                | PersonalCodeError::NotADigit { value, .. }
                | PersonalCodeError::BadCenturyDigit { value, .. }
                | PersonalCodeError::ImpossibleDate { value, .. }
                | PersonalCodeError::WrongCheckDigit { value, .. } => value.clone(),
            };
            json!({"value": value, "problem": p.to_string()})
        }
        TehoError::InvalidRecurrence(r) => serde_json::to_value(r).unwrap_or(Value::Null),
        TehoError::InvalidIcf(i) => serde_json::to_value(i).unwrap_or(Value::Null),
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
            let reason_value = serde_json::to_value(reason).unwrap_or(Value::Null);
            let name = match &reason_value {
                Value::String(s) => s.clone(),
                Value::Object(o) => o.keys().next().cloned().unwrap_or_default(),
                _ => String::new(),
            };
            json!({"action": action, "reason": name, "reason_detail": reason_value, "explanation": reason.to_string()})
        }
        TehoError::NotFound { kind, id } => json!({"kind": kind, "id": id}),
        TehoError::Conflict { kind, id, problem } => {
            json!({"kind": kind, "id": id, "problem": problem})
        }
        TehoError::SchemaTooNew { found, supported } => {
            json!({"found": found, "supported": supported})
        }
        TehoError::Storage { message } | TehoError::Internal { message } => {
            json!({"message": message})
        }
        TehoError::AlreadyInitialized => json!({}),
    }
}

/// Raises the `teho` exception class of the error's kind.
fn raise(py: Python<'_>, kind: &str, message: String, details: Value) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let errors = py.import("teho.errors")?;
        let class = errors.getattr("error_class")?.call1((kind,))?;
        let instance = class.call1((message.clone(), kind, details.to_string()))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

fn to_py_err(py: Python<'_>, e: TehoError) -> PyErr {
    let d = details(&e);
    raise(py, e.kind(), e.to_string(), d)
}

/// Runs engine work with the interpreter released; an engine error becomes its `teho`
/// exception and a panic becomes `teho.InternalError` — nothing panics into Python.
fn guarded<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, TehoError> + Send,
) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(work))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py_err(py, e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(raise(
                py,
                "internal",
                format!("internal error: {what}"),
                json!({"message": what}),
            ))
        }
    }
}

/// Parses the JSON argument `field`; a parse failure is an `InvalidInput` naming it.
fn from_json<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    field: &str,
    text: &str,
) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| {
        raise(
            py,
            "invalid_input",
            format!("invalid {field}: {e}"),
            json!({"field": field, "value": text, "problem": e.to_string()}),
        )
    })
}

#[pymethods]
impl Engine {
    /// Runs one request (JSON `{"command": ..., "args": ...}`) as `actor` (JSON); returns
    /// the result as JSON. The interpreter is released while the engine works.
    fn call(&self, py: Python<'_>, actor: &str, request: &str) -> PyResult<String> {
        let actor: Actor = from_json(py, "actor", actor)?;
        let request: Request = from_json(py, "request", request)?;
        let value = guarded(py, || self.inner.execute(&actor, request))?;
        Ok(value.to_string())
    }

    /// Runs requests (a JSON array of `{"command": ..., "args": ...}`) in order as one
    /// batch ([`ClientFiles::execute_many`]); returns JSON `{"results": [...], "error":
    /// null | {"kind", "message", "details"}}` — the results of the requests done and,
    /// if one failed, its error. If the batch itself cannot be committed, raises.
    fn call_many(&self, py: Python<'_>, actor: &str, requests: &str) -> PyResult<String> {
        let actor: Actor = from_json(py, "actor", actor)?;
        let requests: Vec<Request> = from_json(py, "requests", requests)?;
        let outcomes = guarded(py, || self.inner.execute_many(&actor, requests))?;
        let mut results = Vec::with_capacity(outcomes.len());
        let mut error = Value::Null;
        for outcome in outcomes {
            match outcome {
                Ok(value) => results.push(value),
                Err(e) => {
                    error =
                        json!({"kind": e.kind(), "message": e.to_string(), "details": details(&e)});
                }
            }
        }
        Ok(json!({"results": results, "error": error}).to_string())
    }

    /// Moves a fixed clock (an engine opened with `clock=`) to an RFC 3339 instant.
    fn set_clock(&self, py: Python<'_>, instant: &str) -> PyResult<()> {
        match &self.clock {
            Some(c) => {
                c.set(parse_instant(instant)?);
                Ok(())
            }
            None => Err(raise(
                py,
                "invalid_input",
                "this engine runs on the system clock; open it with clock=".into(),
                json!({"field": "clock", "value": instant, "problem": "no fixed clock"}),
            )),
        }
    }
}

/// Parses an Estonian personal code; returns `(code, birth date ISO, "Male"|"Female")` or
/// raises `InvalidPersonalCode` naming the value and what failed.
#[pyfunction]
fn personal_code(py: Python<'_>, code: &str) -> PyResult<(String, String, String)> {
    let c = teho_core::person::PersonalCode::parse(code).map_err(|e| to_py_err(py, e.into()))?;
    Ok((
        c.to_string(),
        c.birth_date().to_string(),
        format!("{:?}", c.sex()),
    ))
}

/// Parses a recurrence rule (RRULE subset); returns its canonical text or raises
/// `InvalidRecurrence` naming the part.
#[pyfunction]
fn parse_recurrence(py: Python<'_>, text: &str) -> PyResult<String> {
    teho_core::plan::Recurrence::parse(text)
        .map(|r| r.to_string())
        .map_err(|e| to_py_err(py, e.into()))
}

/// Test hook: panics inside the same guard every engine call runs in, to show that a
/// panic reaches Python as `teho.InternalError`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    guarded(py, || -> Result<(), TehoError> {
        panic!("deliberate panic for the test")
    })
}

/// Opens (creating if needed) a SQLite store at `path`; `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (path, clock=None))]
fn open(py: Python<'_>, path: &str, clock: Option<&str>) -> PyResult<Engine> {
    let store = py
        .detach(|| SqliteStore::open(path))
        .map_err(|e| to_py_err(py, e.into()))?;
    engine(store, clock)
}

/// Opens a private in-memory store; `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (clock=None))]
fn open_memory(py: Python<'_>, clock: Option<&str>) -> PyResult<Engine> {
    let store = SqliteStore::open_memory().map_err(|e| to_py_err(py, e.into()))?;
    engine(store, clock)
}

/// The private module `teho._teho`.
#[pymodule]
fn _teho(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(open_memory, m)?)?;
    m.add_function(wrap_pyfunction!(personal_code, m)?)?;
    m.add_function(wrap_pyfunction!(parse_recurrence, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}
