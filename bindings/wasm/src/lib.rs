//! `teho-wasm`: TEHO in WebAssembly, for the browser demo and for Node (issue 20). Thin
//! by design, like the Python binding: core's host door ([`teho_core::host::Host`]) over
//! a [`MemoryStore`], with the clock given by JavaScript (fixed, movable by the page)
//! and sequential ids. Requests and results are JSON text; an error is thrown as a
//! plain object `{kind, message, details}` that `js/teho.mjs` turns into the `Error`
//! subclass of its kind.

use std::sync::Arc;

use teho_core::host::{Host, HostClock, HostError};
use teho_core::store::MemoryStore;
use wasm_bindgen::prelude::*;

/// The error thrown to JavaScript: `{kind, message, details}` (details as JSON text).
fn thrown(e: HostError) -> JsValue {
    let value = serde_json::json!({
        "kind": e.kind,
        "message": e.message,
        "details": e.details,
    });
    JsValue::from_str(&value.to_string())
}

/// An engine over a store held in memory, on a clock the page sets.
#[wasm_bindgen]
pub struct Engine {
    host: Host,
}

#[wasm_bindgen]
impl Engine {
    /// A fresh store whose clock stands at `clock` (an RFC 3339 instant).
    #[wasm_bindgen(constructor)]
    pub fn new(clock: &str) -> Result<Engine, JsValue> {
        let at = Host::instant("clock", clock).map_err(thrown)?;
        let host =
            Host::open(Arc::new(MemoryStore::new()), HostClock::Fixed(at)).map_err(thrown)?;
        Ok(Engine { host })
    }

    /// Runs one request (`{"command": …, "args": …}`, JSON) as `actor` (JSON); the result
    /// as JSON text.
    pub fn call(&self, actor: &str, request: &str) -> Result<String, JsValue> {
        self.host.call(actor, request).map_err(thrown)
    }

    /// Runs requests (a JSON array) as one batch: `{"results": […], "error": …}`.
    #[wasm_bindgen(js_name = callMany)]
    pub fn call_many(&self, actor: &str, requests: &str) -> Result<String, JsValue> {
        self.host.call_many(actor, requests).map_err(thrown)
    }

    /// Moves the clock to an RFC 3339 instant.
    #[wasm_bindgen(js_name = setClock)]
    pub fn set_clock(&self, instant: &str) -> Result<(), JsValue> {
        self.host.set_clock(instant).map_err(thrown)
    }
}

/// Parses an Estonian personal code: `{"code", "birth_date", "sex"}` as JSON text, or an
/// `invalid_personal_code` error with the value, the expected and the found check digit.
#[wasm_bindgen(js_name = personalCode)]
pub fn personal_code(code: &str) -> Result<String, JsValue> {
    Host::personal_code(code)
        .map(|v| v.to_string())
        .map_err(thrown)
}

/// Parses a recurrence rule (the RRULE subset): its canonical text, or an
/// `invalid_recurrence` error naming the part.
#[wasm_bindgen(js_name = parseRecurrence)]
pub fn parse_recurrence(text: &str) -> Result<String, JsValue> {
    Host::parse_recurrence(text).map_err(thrown)
}
