//! # teho-tests
//!
//! Cross-crate tests of TEHO: what needs more than one store or more than the engine —
//! SQLite files shared by processes, tampering by raw SQL, persistence, the access
//! oracle, the scenario files. The engine-level conformance suite and its fixture,
//! [`Town`], live in core (`teho_core::testing`, feature `testing`) and are re-exported
//! here; every backend runs the suite from its own crate.

pub mod scenario;

pub use teho_core::testing::*;

/// Every string in a JSON value, each with the key it sits under (`""` at the top and in
/// arrays of plain strings take their array's key): for tests that check what an export
/// holds against what a read showed.
pub fn json_strings<'a>(v: &'a serde_json::Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match v {
        serde_json::Value::String(s) => out.push((key, s)),
        serde_json::Value::Array(items) => items.iter().for_each(|x| json_strings(x, key, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, x)| json_strings(x, k, out)),
        _ => {}
    }
}

/// Everything `actor`'s own reads show of `file` over Tallinn days `from ..= to`, as one
/// JSON text: the file, the client calendar, the service log, each visible visit opened
/// with its plan (which must open), and the access log — a read the actor may not make
/// is `null`. What an export by that actor may hold, at most.
pub fn reads_shown(
    engine: &teho_core::ClientFiles,
    actor: &teho_core::access::Actor,
    file: teho_core::ids::ClientFileId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> String {
    let calendar = engine.client_calendar(actor, file, from, to).ok();
    let mut reads = vec![
        serde_json::json!(engine.client_file(actor, file).ok()),
        serde_json::json!(calendar),
        serde_json::json!(engine.service_log(actor, file, from, to).ok()),
        serde_json::json!(engine.access_log(actor, file).ok()),
    ];
    for v in calendar.iter().flatten() {
        let opened = engine.visit_with_plan(actor, v.visit.id);
        reads.push(serde_json::json!(opened.unwrap_or_else(|e| panic!(
            "{actor:?} sees visit {} but cannot open it: {e}",
            v.visit.id
        ))));
    }
    serde_json::Value::Array(reads).to_string()
}

/// The free texts of a FHIR export — names, identifiers, contacts, notes, reasons, the
/// actions, the access log's requestors, purposes and outcomes — that must each be in
/// what the exporting actor's reads show; the texts the export writes itself (its labels,
/// system URLs, the displays of codes, the parts added around a read's text) are left
/// out.
pub fn fhir_free_texts(bundle: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if key == "div" => {
                // The narrative: each paragraph but the resource type's heading, unescaped.
                out.extend(
                    s.split("<p>")
                        .skip(1)
                        .filter(|p| !p.starts_with("<b>"))
                        .map(|p| {
                            p.split("</p>")
                                .next()
                                .unwrap_or_default()
                                .replace("&lt;", "<")
                                .replace("&gt;", ">")
                                .replace("&amp;", "&")
                        }),
                );
            }
            serde_json::Value::String(s) => {
                const KEYS: [&str; 8] = [
                    "text",
                    "family",
                    "given",
                    "value",
                    "name",
                    "display",
                    "description",
                    "outcomeDesc",
                ];
                if KEYS.contains(&key) {
                    out.push(s.clone());
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, key, out)),
            serde_json::Value::Object(map) => {
                // A Coding's display is the code system's, not the file's.
                let coding = map.contains_key("system") && map.contains_key("code");
                for (k, x) in map {
                    if !(coding && k == "display") {
                        walk(x, k, out);
                    }
                }
            }
            _ => {}
        }
    }
    const LABELS: [&str; 5] = [
        "Service network (teenusevõrgustik)",
        "organisation of the requestor",
        "TEHO",
        "cancelled",
        "replaced after a change of the plan",
    ];
    let mut all = Vec::new();
    walk(bundle, "", &mut all);
    all.into_iter()
        .filter(|value| !value.starts_with("https://") && !LABELS.contains(&value.as_str()))
        .map(|value| {
            let value = value.rsplit(" only: ").next().unwrap_or(&value);
            value.split(" (").next().unwrap_or(value).to_string()
        })
        .collect()
}
