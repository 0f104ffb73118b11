//! `teho._teho`: the Python binding of TEHO. Thin by design (DESIGN.md): it opens a store,
//! hands it to core's host door ([`teho_core::host::Host`]) — which owns the clock, the
//! ids, the error details and the catching of panics — and converts: Python strings in,
//! JSON strings out, a [`HostError`] into the `teho` exception of its kind. The
//! interpreter is released while the engine works. The public API lives in
//! `python/teho/__init__.py`.

use std::sync::Arc;

use pyo3::prelude::*;
use teho_core::TehoError;
use teho_core::host::{Host, HostClock, HostError};
use teho_core::store::Store;
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

fn open_host(
    store: Result<SqliteStore, teho_core::store::StoreError>,
    at: Option<&str>,
) -> Result<Engine, HostError> {
    let store: Arc<dyn Store> = Arc::new(store.map_err(TehoError::from)?);
    Ok(Engine {
        host: Host::open(store, clock(at)?)?,
    })
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

/// Opens the TEHO database at `path` (never creates one: a missing or empty file raises
/// `NotATehoDatabase`); `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (path, clock=None))]
fn open(py: Python<'_>, path: &str, clock: Option<&str>) -> PyResult<Engine> {
    released(py, || open_host(SqliteStore::open(path), clock))
}

/// Creates a new TEHO database at `path` (missing or empty; anything else raises
/// `Conflict`); `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (path, clock=None))]
fn create(py: Python<'_>, path: &str, clock: Option<&str>) -> PyResult<Engine> {
    released(py, || open_host(SqliteStore::create(path), clock))
}

/// Opens a private in-memory store; `clock` fixes the time.
#[pyfunction]
#[pyo3(signature = (clock=None))]
fn open_memory(py: Python<'_>, clock: Option<&str>) -> PyResult<Engine> {
    released(py, || open_host(SqliteStore::open_memory(), clock))
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
