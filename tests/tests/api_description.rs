//! The request API as data (`teho api`, `schemas/api.json`), which the binding
//! generators read: it must be the engine's own, complete and current.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;

use serde_json::Value;
use teho_core::engine::{Request, api_description};

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/api.json")
}

/// The text `teho api` prints.
fn current_text() -> String {
    serde_json::to_string_pretty(&api_description()).unwrap() + "\n"
}

#[test]
fn the_checked_in_description_is_current() {
    let path = checked_in();
    if std::env::var_os("TEHO_BLESS").is_some() {
        std::fs::write(&path, current_text()).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == current_text(),
        "{} is out of date: run `cargo run -p teho -- api > schemas/api.json` \
         (or TEHO_BLESS=1 cargo test -p teho-tests --test api_description), then \
         `python3 bindings/python/generate.py` and `python3 bindings/wasm/generate.py`",
        path.display()
    );
}

#[test]
fn every_request_variant_is_described_under_its_wire_name() {
    let description = api_description();
    let described: Vec<&str> = description["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // The wire names come from the Request enum's own schema (serde's tag values), so a
    // method name that differs from its variant's snake_case name would show here.
    let schema = serde_json::to_value(schemars::schema_for!(Request)).unwrap();
    let wire: Vec<&str> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arm| arm["properties"]["command"]["const"].as_str().unwrap())
        .collect();
    assert_eq!(described, wire);
    assert!(described.len() > 70, "{}", described.len());
}

#[test]
fn every_reference_resolves_on_its_side() {
    let description = api_description();
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.trim_start_matches("#/$defs/"));
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    for (side, key) in [("input_types", "args"), ("output_types", "result")] {
        let defs = description[side].as_object().unwrap();
        let mut found = Vec::new();
        for command in description["commands"].as_array().unwrap() {
            refs(&command[key], &mut found);
        }
        defs.values().for_each(|d| refs(d, &mut found));
        for name in found {
            assert!(defs.contains_key(name), "{side} lacks {name}");
        }
    }
}

#[test]
fn a_request_round_trips_through_its_described_shape() {
    // `from`/`to` are described as dates and `file` as a uuid; the request reads back
    // with exactly those values.
    let description = api_description();
    let calendar = description["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "client_calendar")
        .unwrap();
    let args: Vec<(&str, &Value)> = calendar["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), &a["schema"]))
        .collect();
    assert_eq!(args[0].0, "file");
    assert_eq!(args[0].1["$ref"], "#/$defs/ClientFileId");
    assert_eq!(
        args[1],
        (
            "from",
            &serde_json::json!({"type": "string", "format": "date"})
        )
    );
    let request: Request = serde_json::from_value(serde_json::json!({
        "command": "client_calendar",
        "args": {"file": "00000000-0000-7000-8000-000000000001", "from": "2026-11-02", "to": "2026-11-08"}
    }))
    .unwrap();
    assert!(matches!(request, Request::ClientCalendar { .. }));
    assert_eq!(calendar["result"]["items"]["$ref"], "#/$defs/CalendarVisit");
}

/// A field a command does not know is refused, never ignored (issue 17, item 3: an
/// unknown argument used to be dropped silently, so a misspelt `valid_untill` planned
/// forever): at the top of every command's arguments and inside every argument that is
/// an object, derived from the description. The error is `InvalidInput` through the
/// host door, and its message names the field — or, for a choice written as a one-key
/// object (`{"ByCode": …}`), says that one key was expected.
#[test]
fn an_unknown_field_is_refused_by_name_in_every_command_and_every_argument() {
    use teho_core::host::{Host, HostClock};
    use teho_core::testing::api::{Shape, requests};

    const SURPLUS: &str = "surplus_field_x";
    let t = teho_tests::Town::build(teho_core::store::MemoryStore::new());
    let host = Host::open(
        std::sync::Arc::new(teho_core::store::MemoryStore::new()),
        HostClock::Fixed("2026-11-02T07:00:00Z".parse().unwrap()),
    )
    .unwrap();
    let mut checked = 0;
    let mut accepted = Vec::new();
    for (name, _, request) in requests(&t, Shape::Valid) {
        let valid = serde_json::to_value(&request).unwrap();
        let Some(args) = valid.get("args").and_then(Value::as_object) else {
            continue;
        };
        let mut spoilt: Vec<(String, Value)> = Vec::new();
        let mut top = valid.clone();
        top["args"][SURPLUS] = Value::Bool(true);
        spoilt.push((format!("{name}.{SURPLUS}"), top));
        for (arg, value) in args {
            if value.is_object() && !value.as_object().unwrap().is_empty() {
                let mut nested = valid.clone();
                nested["args"][arg][SURPLUS] = Value::Bool(true);
                spoilt.push((format!("{name}.{arg}.{SURPLUS}"), nested));
            }
        }
        for (at, text) in spoilt {
            checked += 1;
            match host.call("\"System\"", &text.to_string()) {
                Err(e)
                    if e.kind == "invalid_input"
                        && (e.message.contains(SURPLUS)
                            || e.message.contains("expected map with a single key")) => {}
                other => accepted.push(format!("{at}: {other:?}")),
            }
        }
    }
    assert!(checked > 100, "only {checked} spoilt requests were made");
    assert!(
        accepted.is_empty(),
        "not refused by name:\n{}",
        accepted.join("\n")
    );
}

/// Every date and instant of every command, at any depth, is refused outside TEHO's
/// range — year 1, year 2201, year 10000 and a negative year — as `InvalidInput` naming
/// the field by its path, through the host door (issue 17, item 3). The fields are
/// found in valid requests made from the description; the dates of the range's ends
/// are taken.
#[test]
fn a_date_outside_the_range_is_refused_naming_its_field_in_every_command() {
    use teho_core::host::{Host, HostClock};
    use teho_core::testing::api::{Shape, requests};

    /// `(path, JSON pointer, is an instant)` of every date the generator wrote.
    fn dates(v: &Value, path: &str, pointer: &str, out: &mut Vec<(String, String, bool)>) {
        match v {
            Value::String(s) if s == "2026-11-02" || s == "2026-11-02T09:00:00Z" => {
                out.push((path.into(), pointer.into(), s.len() > 10));
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    dates(x, &p, &format!("{pointer}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    dates(x, &format!("{path}[{i}]"), &format!("{pointer}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let t = teho_tests::Town::build(teho_core::store::MemoryStore::new());
    let host = Host::open(
        std::sync::Arc::new(teho_core::store::MemoryStore::new()),
        HostClock::Fixed("2026-11-02T07:00:00Z".parse().unwrap()),
    )
    .unwrap();
    let (mut checked, mut accepted, mut commands) = (0, Vec::new(), 0);
    for (name, _, request) in requests(&t, Shape::Valid) {
        let valid = serde_json::to_value(&request).unwrap();
        let mut found = Vec::new();
        dates(&valid["args"], "", "/args", &mut found);
        commands += usize::from(!found.is_empty());
        for (path, pointer, instant) in found {
            for year in ["0001", "2201", "+10000", "-0001"] {
                let text = if instant {
                    format!("{year}-01-01T00:00:00Z")
                } else {
                    format!("{year}-01-01")
                };
                let mut spoilt = valid.clone();
                *spoilt.pointer_mut(&pointer).unwrap() = Value::String(text.clone());
                checked += 1;
                match host.call("\"System\"", &spoilt.to_string()) {
                    Err(e) if e.kind == "invalid_input" && e.details["field"] == path.as_str() => {}
                    Err(e) if e.kind == "invalid_input" && text.starts_with(['+', '-']) => {
                        // chrono may refuse a signed year while reading: still the field's.
                        assert!(e.message.contains("line"), "{name} {path} {text}: {e:?}");
                    }
                    other => accepted.push(format!("{name} {path} = {text}: {other:?}")),
                }
            }
        }
    }
    assert!(commands >= 20, "only {commands} commands carry a date");
    assert!(checked >= 100, "only {checked} spoilt requests were made");
    assert!(
        accepted.is_empty(),
        "not refused by field:\n{}",
        accepted.join("\n")
    );
    // The ends of the range are taken.
    for ok in ["1800-01-01", "2200-12-31"] {
        let r = host.call(
            "\"System\"",
            &serde_json::json!({"command": "retention_due", "args": {"on": ok}}).to_string(),
        );
        assert!(
            !matches!(&r, Err(e) if e.kind == "invalid_input"),
            "{ok}: {r:?}"
        );
    }
}
