//! Requests built from the API description (`schemas/api.json`) through the host door
//! (`teho_core::host::Host::call` / `call_many` / `set_clock`), after the scenario files'
//! setup (`tests/scenarios/town.json`: a municipality, providers, workers, a client and
//! their file) and a care plan with visits. The bytes choose the store (memory, or one
//! time in sixteen SQLite in memory, whose schema setup is slow) and up to four steps:
//! each a command with arguments of its schema (ids taken from the setup and from
//! earlier results, dates at chrono's edges, oversized texts, now and then a value of
//! the wrong shape) as a drawn actor, a batch of them, or a clock move. Afterwards the
//! audit chain must verify intact.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use teho_core::store::{MemoryStore, Store};
use teho_fuzz::{Generator, Reader, api, instant, town_host};
use teho_storage::SqliteStore;

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let store: Arc<dyn Store> = if r.u8() % 16 == 0 {
        Arc::new(SqliteStore::open_memory().expect("an in-memory SQLite store"))
    } else {
        Arc::new(MemoryStore::new())
    };
    let (host, mut known) = town_host(store);
    let api = api();
    let steps = 1 + r.below(4);
    for _ in 0..steps {
        match r.u8() % 16 {
            0 => {
                // Move the clock: days or years on, or anywhere.
                let to = if r.u8() % 2 == 0 {
                    let base = setup_clock();
                    base + chrono::Duration::days(i64::from(r.u16()))
                } else {
                    instant(&mut r)
                };
                let text = serde_json::to_value(to)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                let _ = host.set_clock(&text);
            }
            1 => {
                let g = Generator { known: &known };
                let actor = g.actor(&mut r);
                let batch: Vec<Value> = (0..1 + r.below(3)).map(|_| g.request(&mut r).1).collect();
                let _ = host.call_many(&actor.to_string(), &Value::Array(batch).to_string());
            }
            _ => {
                let g = Generator { known: &known };
                let actor = g.actor(&mut r);
                let (i, request) = g.request(&mut r);
                if let Ok(out) = host.call(&actor.to_string(), &request.to_string()) {
                    let value: Value = serde_json::from_str(&out).expect("a result is JSON");
                    known.harvest(api, &api.commands[i].result, &value, 0);
                }
            }
        }
    }
    // Whatever was asked, the audit chain holds.
    let report = host.call(
        r#""System""#,
        &json!({"command": "verify_audit", "args": {"checkpoint": null}}).to_string(),
    );
    if let Ok(report) = report {
        let report: Value = serde_json::from_str(&report).expect("a report is JSON");
        assert!(
            report.get("first_break").is_none_or(Value::is_null),
            "the audit chain broke: {report}"
        );
    }
});

/// The setup's clock.
fn setup_clock() -> chrono::DateTime<chrono::Utc> {
    teho_core::host::Host::instant("clock", teho_fuzz::TOWN_CLOCK).expect("the setup clock")
}
