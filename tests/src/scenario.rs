//! Scenario files (`tests/scenarios/*.json`): sequences of engine calls with expected
//! results, replayed by every binding. This is the Rust runner; the format is:
//!
//! ```json
//! { "description": "…", "clock": "2026-11-02T07:00:00Z", "include": ["town.json"],
//!   "steps": [
//!     { "clock": "2026-11-09T10:00:00Z" },
//!     { "as": {"Worker": "$cw.id"}, "do": {"command": "client_file", "args": {"file": "$file.id"}},
//!       "save": "view", "expect": {"ok": {"file": {"status": "Open"}}} },
//!     { "as": {"Worker": "$other_cw.id"}, "do": {"command": "network", "args": {"file": "$file.id"}},
//!       "expect": {"error": "access_denied", "reason": "NotInNetwork"} }
//!   ] }
//! ```
//!
//! - `as` is the actor (`"System"`, `{"Worker": id}`, `{"Person": id}`,
//!   `{"Supervising": {"worker": id, "case_reference": "…"}}`); `do` is a
//!   [`teho_core::engine::Request`]. A string `"$name.path"` anywhere in them is replaced by
//!   a saved result, following object keys and array indices (in `expect` too).
//! - `expect`: `{"ok": true}`; `{"ok": value}` — every key of an expected object must match
//!   (subset), arrays match element by element and in length; `{"error": kind}` with an
//!   optional `"reason"` (the deny reason's name); `{"len": n}` for a list result.
//! - `include`: files whose steps run first (a shared setup).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use teho_core::ClientFiles;
use teho_core::TehoError;
use teho_core::access::Actor;
use teho_core::engine::Request;
use teho_core::host::script::substitute;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::Store;

/// Where the scenario files are.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn steps_of(path: &Path) -> Result<(Option<String>, Vec<Value>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut steps = Vec::new();
    for inc in doc["include"].as_array().into_iter().flatten() {
        let name = inc.as_str().ok_or("include names a file")?;
        steps.extend(steps_of(&path.with_file_name(name))?.1);
    }
    steps.extend(doc["steps"].as_array().cloned().unwrap_or_default());
    Ok((doc["clock"].as_str().map(String::from), steps))
}

/// Whether `actual` has everything `expected` names.
pub fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| matches(ev, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (e, a) => e == a,
    }
}

/// The name of a deny reason, as scenario files write it.
fn reason_name(e: &TehoError) -> Option<String> {
    match e {
        TehoError::AccessDenied { reason, .. } => match serde_json::to_value(reason).ok()? {
            Value::String(s) => Some(s),
            Value::Object(o) => o.keys().next().cloned(),
            _ => None,
        },
        _ => None,
    }
}

/// Replays one scenario file against `store`; the error names the step and what differed.
pub fn run(path: &Path, store: impl Store + 'static) -> Result<usize, String> {
    let (clock, steps) = steps_of(path)?;
    let start = clock
        .as_deref()
        .unwrap_or("2026-11-02T07:00:00Z")
        .parse()
        .map_err(|e| format!("clock: {e}"))?;
    let clock = std::sync::Arc::new(FixedClock::new(start));
    let engine = ClientFiles::new(store, clock.clone(), SequentialIds::new(0x5c));
    let mut saved: HashMap<String, Value> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        let at = |m: String| format!("{} step {}: {m}", path.display(), i + 1);
        if let Some(c) = step.get("clock").and_then(Value::as_str) {
            clock.set(c.parse().map_err(|e| at(format!("clock {c:?}: {e}")))?);
        }
        let Some(request) = step.get("do") else {
            continue;
        };
        let actor: Actor = serde_json::from_value(
            substitute(
                step.get("as").unwrap_or(&Value::String("System".into())),
                &saved,
            )
            .map_err(at)?,
        )
        .map_err(|e| at(format!("actor: {e}")))?;
        let request: Request = serde_json::from_value(substitute(request, &saved).map_err(at)?)
            .map_err(|e| at(format!("request: {e}")))?;
        let result = engine.execute(&actor, request);
        let expect = substitute(
            &step
                .get("expect")
                .cloned()
                .unwrap_or(serde_json::json!({"ok": true})),
            &saved,
        )
        .map_err(at)?;
        match (&result, expect.get("error")) {
            (Ok(v), None) => {
                if let Some(n) = expect.get("len").and_then(Value::as_u64) {
                    let len = v.as_array().map(Vec::len).unwrap_or(usize::MAX);
                    if len as u64 != n {
                        return Err(at(format!("expected {n} results, got {len}: {v}")));
                    }
                }
                if let Some(ok) = expect.get("ok").filter(|o| **o != Value::Bool(true))
                    && !matches(ok, v)
                {
                    return Err(at(format!("expected {ok}, got {v}")));
                }
            }
            (Ok(v), Some(kind)) => return Err(at(format!("expected error {kind}, got {v}"))),
            (Err(e), None) => return Err(at(format!("expected success, got {} ({e})", e.kind()))),
            (Err(e), Some(kind)) => {
                if kind.as_str() != Some(e.kind()) {
                    return Err(at(format!("expected error {kind}, got {} ({e})", e.kind())));
                }
                if let Some(reason) = expect.get("reason").and_then(Value::as_str)
                    && reason_name(e).as_deref() != Some(reason)
                {
                    return Err(at(format!("expected reason {reason}, got {e}")));
                }
            }
        }
        if let (Some(name), Ok(v)) = (step.get("save").and_then(Value::as_str), result) {
            saved.insert(name.to_string(), v);
        }
    }
    Ok(steps.len())
}
