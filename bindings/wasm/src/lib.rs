//! `teho-wasm`: TEHO in WebAssembly, for the browser demo and for Node (issue 20). Thin
//! by design, like the Python binding: core's host door ([`teho_core::host::Host`]) over
//! a [`MemoryStore`], with the clock given by JavaScript — an instant the page moves
//! (and sequential ids), or JavaScript's own `Date` (and UUID v7 ids from `crypto`). Requests and results are JSON text; an error is thrown as a
//! plain object `{kind, message, details}` that `js/teho.mjs` turns into the `Error`
//! subclass of its kind.
//!
//! A panic cannot unwind on `wasm32-unknown-unknown`: it traps, and the instance's
//! memory is not to be trusted after it. A panic hook keeps the message
//! ([`last_panic`]); the JavaScript wrapper turns the trap into an `InternalError`
//! carrying it and refuses every later call on that instance.

use std::sync::{Arc, Mutex, Once};

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

/// The message of the panic that trapped the module, if one did.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Keeps a panic's message and place for [`last_panic`] before the module traps.
fn keep_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with no message".into());
            if let Ok(mut p) = PANIC.lock() {
                *p = Some(format!("{message}{at}"));
            }
        }));
    });
}

/// The message of the panic that stopped the module (a bug in TEHO), if one did: what
/// the JavaScript wrapper puts in its `InternalError`.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    PANIC.lock().ok().and_then(|p| p.clone())
}

/// An engine over a store held in memory, on a clock the page sets.
#[wasm_bindgen]
pub struct Engine {
    host: Host,
    store: Arc<MemoryStore>,
}

#[wasm_bindgen]
impl Engine {
    /// A fresh store whose clock stands at `clock` (an RFC 3339 instant, movable), with
    /// sequential ids; without one, on JavaScript's clock (`Date`) with UUID v7 ids
    /// from the platform's `crypto`.
    #[wasm_bindgen(constructor)]
    pub fn new(clock: Option<String>) -> Result<Engine, JsValue> {
        keep_panics();
        Self::over(MemoryStore::new(), clock.as_deref())
    }

    /// An engine over the store a saved image holds ([`Engine::save`]), its clock at
    /// `clock`; refused unless the image's audit chain and every record's binding into
    /// it verify (an `invalid_input` on `image` naming the part).
    pub fn load(image: &str, clock: Option<String>) -> Result<Engine, JsValue> {
        keep_panics();
        let store = MemoryStore::from_image_json(image).map_err(|e| thrown(e.into()))?;
        Self::over(store, clock.as_deref())
    }

    fn over(store: MemoryStore, clock: Option<&str>) -> Result<Engine, JsValue> {
        let clock = match clock {
            Some(text) => HostClock::Fixed(Host::instant("clock", text).map_err(thrown)?),
            None => HostClock::System,
        };
        let store = Arc::new(store);
        let host = Host::open(store.clone(), clock).map_err(thrown)?;
        Ok(Engine { host, store })
    }

    /// The whole store, audit chain included, as JSON text: what [`Engine::load`] reads.
    pub fn save(&self) -> Result<String, JsValue> {
        self.store.image_json().map_err(|e| thrown(e.into()))
    }

    /// Makes the engine's next id request panic: only for the test that a panic
    /// becomes an `InternalError` and stops the instance.
    #[wasm_bindgen(js_name = failNextIdForTests)]
    pub fn fail_next_id_for_tests(&self) {
        self.host.fail_next_id_for_tests();
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

    /// Plays a script of calls (the scenario format: `{clock, steps: [{as, do, save,
    /// clock}]}`, as `demo/town.json`) through the host door; every saved result by
    /// name, as JSON text. A failing step stops it with its own error, naming the step.
    pub fn play(&self, script: &str) -> Result<String, JsValue> {
        let saved = self.host.play(script).map_err(thrown)?;
        let map: serde_json::Map<String, serde_json::Value> = saved.into_iter().collect();
        Ok(serde_json::Value::Object(map).to_string())
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
