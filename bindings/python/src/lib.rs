//! `teho._teho`: the Python binding of TEHO. Thin by design (DESIGN.md): it opens a store,
//! hands it to core's host door ([`teho_core::host::Host`]) — which owns the clock, the
//! ids, the error details and the catching of panics — and converts: Python strings in,
//! JSON strings out, a [`HostError`] into the `teho` exception of its kind. The
//! interpreter is released while the engine works. The public API lives in
//! `python/teho/__init__.py`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use teho_core::TehoError;
use teho_core::audit::{Checkpoint, CheckpointSink, FileCheckpoints};
use teho_core::host::{Host, HostClock, HostError};
use teho_core::store::{Store, StoreError};
use teho_postgres::{PostgresStore, is_postgres_url};
use teho_storage::SqliteStore;

/// An open TEHO store and its engine.
#[pyclass(frozen, name = "Engine", module = "teho._teho")]
struct Engine {
    host: Host,
}

/// Raises the `teho` exception class of the error's kind, with its details.
fn raise(py: Python<'_>, e: HostError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let errors = py.import("teho.errors")?;
        let class = errors.getattr("error_class")?.call1((e.kind.as_str(),))?;
        let instance = class.call1((e.message.as_str(), e.kind.as_str(), e.details.to_string()))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|err| err)
}

/// Runs host work with the interpreter released; its error becomes a `teho` exception.
fn released<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, HostError> + Send,
) -> PyResult<T> {
    py.detach(work).map_err(|e| raise(py, e))
}

fn clock(clock: Option<&str>) -> Result<HostClock, HostError> {
    Ok(match clock {
        Some(at) => HostClock::Fixed(Host::instant("clock", at)?),
        None => HostClock::System,
    })
}

/// The store at `path`: a SQLite file, or a `postgresql://` URL (issue 18); `create`
/// makes a new one.
fn store_at(path: &str, create: bool) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match (is_postgres_url(path), create) {
        (true, false) => Arc::new(PostgresStore::open(path)?),
        (true, true) => Arc::new(PostgresStore::create(path)?),
        (false, false) => Arc::new(SqliteStore::open(path)?),
        (false, true) => Arc::new(SqliteStore::create(path)?),
    })
}

fn open_host(
    store: Result<Arc<dyn Store>, StoreError>,
    at: Option<&str>,
    checkpoints: Option<(Arc<dyn CheckpointSink>, u64)>,
) -> Result<Engine, HostError> {
    let store = store.map_err(TehoError::from)?;
    let host = Host::open(store, clock(at)?)?;
    Ok(Engine {
        host: match checkpoints {
            Some((sink, every)) => host.with_checkpoints(sink, every)?,
            None => host,
        },
    })
}

/// A checkpoint sink written in Python: any object with `keep(checkpoint: str, at: str)`
/// and `latest() -> str | None` (checkpoints as `ENTRIES:HASH`, instants RFC 3339). An
/// exception it raises is the sink's failure, in words.
struct PySink(Py<PyAny>);

impl CheckpointSink for PySink {
    fn keep(&self, checkpoint: &Checkpoint, at: DateTime<Utc>) -> Result<(), String> {
        Python::attach(|py| {
            self.0
                .call_method1(py, "keep", (checkpoint.to_text(), at.to_rfc3339()))
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn latest(&self) -> Result<Option<Checkpoint>, String> {
        Python::attach(|py| {
            let v = self
                .0
                .call_method0(py, "latest")
                .map_err(|e| e.to_string())?;
            let text: Option<String> = v.extract(py).map_err(|e: PyErr| e.to_string())?;
            text.map(|t: String| Checkpoint::parse(&t).map_err(|e| e.to_string()))
                .transpose()
        })
    }
}

/// `checkpoints`: a file path (kept there, one line each) or an object implementing
/// `keep` and `latest` ([`PySink`]).
fn sink(
    checkpoints: Option<&Bound<'_, PyAny>>,
    every: u64,
) -> PyResult<Option<(Arc<dyn CheckpointSink>, u64)>> {
    let Some(c) = checkpoints else {
        return Ok(None);
    };
    // Refused before any file is opened or made.
    if every == 0 {
        return Err(raise(
            c.py(),
            HostError::from(TehoError::InvalidInput {
                field: "checkpoint_every".into(),
                value: "0".into(),
                problem: "expected at least 1 entry between checkpoints".into(),
            }),
        ));
    }
    let sink: Arc<dyn CheckpointSink> = match c.extract::<String>() {
        Ok(path) => Arc::new(FileCheckpoints::new(path)),
        Err(_) if c.hasattr("keep")? && c.hasattr("latest")? => {
            Arc::new(PySink(c.clone().unbind()))
        }
        Err(_) => {
            return Err(raise(
                c.py(),
                HostError::from(TehoError::InvalidInput {
                    field: "checkpoints".into(),
                    value: c.get_type().name()?.to_string(),
                    problem: "expected a file path or an object with keep() and latest()".into(),
                }),
            ));
        }
    };
    Ok(Some((sink, every)))
}

#[pymethods]
impl Engine {
    /// Runs one request (JSON `{"command": ..., "args": ...}`) as `actor` (JSON); returns
    /// the result as JSON.
    fn call(&self, py: Python<'_>, actor: &str, request: &str) -> PyResult<String> {
        released(py, || self.host.call(actor, request))
    }

    /// Runs requests (a JSON array) in order as one batch; returns JSON `{"results":
    /// [...], "error": null | {"kind", "message", "details"}}`. If the batch itself cannot
    /// be committed, raises.
    fn call_many(&self, py: Python<'_>, actor: &str, requests: &str) -> PyResult<String> {
        released(py, || self.host.call_many(actor, requests))
    }

    /// Why the checkpoint sink last failed to keep a checkpoint, while it keeps failing.
    fn checkpoint_failure(&self) -> Option<String> {
        self.host.checkpoint_failure()
    }

    /// Moves a fixed clock (an engine opened with `clock=`) to an RFC 3339 instant.
    fn set_clock(&self, py: Python<'_>, instant: &str) -> PyResult<()> {
        self.host.set_clock(instant).map_err(|e| raise(py, e))
    }

    /// Test hook: the next id the engine asks for panics, inside whatever call asks —
    /// to show that such a panic is rolled back, audited and raised as
    /// `teho.InternalError`.
    fn _fail_next_id_for_tests(&self) {
        self.host.fail_next_id_for_tests();
    }
}

/// Parses an Estonian personal code; returns `(code, birth date ISO, "Male"|"Female")` or
/// raises `InvalidPersonalCode` with every field (the value, the expected check digit…).
#[pyfunction]
fn personal_code(py: Python<'_>, code: &str) -> PyResult<(String, String, String)> {
    let v = Host::personal_code(code).map_err(|e| raise(py, e))?;
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ok((field("code"), field("birth_date"), field("sex")))
}

/// Parses a recurrence rule (RRULE subset); returns its canonical text or raises
/// `InvalidRecurrence` naming the part.
#[pyfunction]
fn parse_recurrence(py: Python<'_>, text: &str) -> PyResult<String> {
    Host::parse_recurrence(text).map_err(|e| raise(py, e))
}

/// Opens the TEHO database at `path`, a file or a `postgresql://` URL (never creates one:
/// a missing or empty file, or a schema without TEHO's tables, raises
/// `NotATehoDatabase`); `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (path, clock=None, checkpoints=None, checkpoint_every=1000))]
fn open(
    py: Python<'_>,
    path: &str,
    clock: Option<&str>,
    checkpoints: Option<&Bound<'_, PyAny>>,
    checkpoint_every: u64,
) -> PyResult<Engine> {
    let checkpoints = sink(checkpoints, checkpoint_every)?;
    released(py, || open_host(store_at(path, false), clock, checkpoints))
}

/// Creates a new TEHO database at `path` (missing or empty; anything else raises
/// `Conflict`); `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (path, clock=None, checkpoints=None, checkpoint_every=1000))]
fn create(
    py: Python<'_>,
    path: &str,
    clock: Option<&str>,
    checkpoints: Option<&Bound<'_, PyAny>>,
    checkpoint_every: u64,
) -> PyResult<Engine> {
    let checkpoints = sink(checkpoints, checkpoint_every)?;
    released(py, || open_host(store_at(path, true), clock, checkpoints))
}

/// Opens a private in-memory store; `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (clock=None))]
fn open_memory(py: Python<'_>, clock: Option<&str>) -> PyResult<Engine> {
    released(py, || {
        open_host(
            SqliteStore::open_memory().map(|s| Arc::new(s) as Arc<dyn Store>),
            clock,
            None,
        )
    })
}

/// The version of the SQLite library the binding runs on: the system's, shared with
/// the interpreter's own `sqlite3` module (issue 17, item 1).
#[pyfunction]
fn sqlite_version() -> &'static str {
    teho_storage::sqlite_library_version()
}

/// The private module `teho._teho`.
#[pymodule]
fn _teho(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(create, m)?)?;
    m.add_function(wrap_pyfunction!(open_memory, m)?)?;
    m.add_function(wrap_pyfunction!(personal_code, m)?)?;
    m.add_function(wrap_pyfunction!(parse_recurrence, m)?)?;
    m.add_function(wrap_pyfunction!(sqlite_version, m)?)?;
    Ok(())
}
