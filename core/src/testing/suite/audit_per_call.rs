//! Every command writes exactly one audit entry per call, under the audit name the API
//! description declares for it — allowed, denied or failed (seed 002 §9: every entry and
//! every query is logged). The calls are derived from the API description itself: each
//! command's arguments are made from its JSON Schema (ids taken from the town by the
//! argument's name), and each is called by an actor without standing, by three workers
//! of different roles and by the operator. A new command is covered without a line here.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::access::Actor;
use crate::engine::{Operation, Request, api_description};
use crate::store::{Records, Unit};
use crate::testing::Town;

/// A value of `schema` that the engine reads: the smallest that fits, with ids from the
/// town where the name (`hint`) says which one.
fn instance(schema: &Value, defs: &Map<String, Value>, hint: &str, t: &Town) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        return match name {
            "PersonalCode" => json!(crate::testing::code("4380303012").to_string()),
            "Recurrence" => json!("FREQ=DAILY;BYHOUR=9"),
            _ => {
                let def = defs
                    .get(name)
                    .unwrap_or_else(|| panic!("no definition {name} in the description"));
                instance(def, defs, hint, t)
            }
        };
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(alts) = schema.get("anyOf").and_then(Value::as_array) {
        if alts.iter().any(|a| a.get("type") == Some(&json!("null"))) {
            return Value::Null;
        }
        return instance(&alts[0], defs, hint, t);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        return instance(&alts[0], defs, hint, t);
    }
    let ty = match schema.get("type") {
        Some(Value::String(s)) => s.as_str(),
        // ["string", "null"] and the like: an optional value, left empty
        Some(Value::Array(_)) => return Value::Null,
        _ => "object",
    };
    match ty {
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!(id_for(hint, t).to_string()),
            Some("date") => json!("2026-11-02"),
            Some("date-time") => json!("2026-11-02T09:00:00Z"),
            _ => json!("x"),
        },
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let n = min.max(1);
            let n = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .map_or(n, |max| n.min(max));
            json!(n)
        }
        "number" => json!(1),
        "boolean" => json!(false),
        "null" => Value::Null,
        "array" => match schema.get("prefixItems").and_then(Value::as_array) {
            Some(items) => Value::Array(items.iter().map(|i| instance(i, defs, hint, t)).collect()),
            None => json!([]),
        },
        _ => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let sub = props.and_then(|p| p.get(req)).cloned().unwrap_or(json!({}));
                out.insert(req.into(), instance(&sub, defs, req, t));
            }
            Value::Object(out)
        }
    }
}

/// The town's id that an argument named `hint` most likely wants; an unknown one else.
fn id_for(hint: &str, t: &Town) -> Uuid {
    match hint {
        "file" => t.file.0,
        "worker" | "substitute" | "substituted" | "assigned_worker" => t.care_worker.0,
        "organization" | "provider" => t.care_org.0,
        "person" | "client" | "patient" | "applicant" => t.client.0,
        _ => Uuid::from_u128(0x0bad_0000_0000_0000_0000_0000_0000_0001),
    }
}

fn every_command_writes_one_audit_entry_under_its_declared_name(t: Town) {
    let api = api_description();
    let defs = api["input_types"].as_object().cloned().unwrap_or_default();
    let commands = api["commands"].as_array().unwrap();
    assert_eq!(commands.len(), Operation::ALL.len());
    let actors = [
        Actor::Worker(crate::ids::WorkerId(Uuid::from_u128(0x5_7a4_6e4))),
        Actor::Worker(t.social_worker),
        Actor::Worker(t.care_manager),
        Actor::Worker(t.admin),
        Actor::System,
    ];
    let store = t.engine.store();
    for c in commands {
        let name = c["name"].as_str().unwrap();
        let audit_name = c["audit_name"].as_str().unwrap();
        let mut args = Map::new();
        for a in c["args"].as_array().unwrap() {
            let arg = a["name"].as_str().unwrap();
            args.insert(arg.into(), instance(&a["schema"], &defs, arg, &t));
        }
        let text = if c["args"].as_array().is_some_and(|a| a.is_empty()) {
            json!({"command": name})
        } else {
            json!({"command": name, "args": args})
        };
        let request: Request = serde_json::from_value(text.clone()).unwrap_or_else(|e| {
            panic!("the arguments made from the description of {name} do not read: {e}: {text}")
        });
        assert_eq!(request.operation().audit_name(), audit_name, "{name}");
        for actor in &actors {
            let before = t.engine.chain_length().unwrap();
            let outcome = t.engine.execute(actor, request.clone());
            let written = Records::new(store.begin(Unit::QUERY).unwrap())
                .audit_page(before + 1, 10)
                .unwrap();
            assert_eq!(
                written.len(),
                1,
                "{name} as {actor:?} ({:?}) wrote {} entries",
                outcome.as_ref().err(),
                written.len()
            );
            assert_eq!(
                written[0].operation, audit_name,
                "{name} as {actor:?} was audited under another name"
            );
            let expected = outcome.as_ref().map_or_else(|e| e.kind(), |_| "ok");
            assert_eq!(written[0].outcome, expected, "{name} as {actor:?}");
        }
    }
}

crate::testing::tests![every_command_writes_one_audit_entry_under_its_declared_name];
