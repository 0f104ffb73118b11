//! Requests made from the API description (`schemas/api.json`): for each command, the
//! smallest arguments its JSON Schema admits, with ids taken from the town by the
//! argument's name — or the same arguments spoiled, for tests that must not depend on
//! the rest of the input. Tests derived this way cover a new command without a line.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::engine::Request;
use crate::testing::Town;

/// Which arguments to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The smallest the schema admits, ids from the town.
    Valid,
    /// The same, with every text empty, every number 0, every date far in the past.
    Spoiled,
    /// The same as `Valid`, with every id one that exists nowhere.
    Unknown,
    /// The same as `Valid`, with every optional value given and every list of one item:
    /// each field the description has, present.
    Full,
}

/// An id that exists nowhere.
pub const NOWHERE: Uuid = Uuid::from_u128(0x0bad_0000_0000_0000_0000_0000_0000_0001);

/// A value of `schema` that the engine reads: the smallest that fits, with ids from the
/// town where the name (`hint`) says which one, in the shape asked for.
pub fn instance(
    schema: &Value,
    defs: &Map<String, Value>,
    hint: &str,
    t: &Town,
    shape: Shape,
) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        return match name {
            "PersonalCode" => json!(crate::testing::code("4380303012").to_string()),
            "Recurrence" => json!("FREQ=DAILY;BYHOUR=9"),
            _ => {
                let def = defs
                    .get(name)
                    .unwrap_or_else(|| panic!("no definition {name} in the description"));
                instance(def, defs, hint, t, shape)
            }
        };
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(alts) = schema.get("anyOf").and_then(Value::as_array) {
        let is_null = |a: &&Value| a.get("type") == Some(&json!("null"));
        if shape != Shape::Full && alts.iter().any(|a| is_null(&a)) {
            return Value::Null;
        }
        return alts
            .iter()
            .find(|a| !is_null(a))
            .map_or(Value::Null, |a| instance(a, defs, hint, t, shape));
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        // Spoiled: the last choice (often the one a command does not take); else the
        // choice the argument's name suggests, or the first.
        let pick = match shape {
            Shape::Spoiled => alts.last(),
            _ => preferred(hint)
                .and_then(|want| alts.iter().find(|a| a.get("const") == Some(&json!(want))))
                .or(alts.first()),
        };
        return pick.map_or(Value::Null, |a| instance(a, defs, hint, t, shape));
    }
    let ty = match schema.get("type") {
        Some(Value::String(s)) => s.as_str(),
        // ["string", "null"] and the like: an optional value, given only when full
        Some(Value::Array(types)) => {
            let given = types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null");
            match given {
                Some(ty) if shape == Shape::Full => {
                    let mut one = schema.clone();
                    one["type"] = json!(ty);
                    return instance(&one, defs, hint, t, shape);
                }
                _ => return Value::Null,
            }
        }
        _ => "object",
    };
    match ty {
        "string" => match (schema.get("format").and_then(Value::as_str), shape) {
            (Some("uuid"), Shape::Unknown) => json!(NOWHERE.to_string()),
            (Some("uuid"), _) => json!(id_for(hint, t).to_string()),
            (Some("date"), Shape::Spoiled) => json!("1900-01-01"),
            (Some("date"), _) => json!("2026-11-02"),
            (Some("date-time"), Shape::Spoiled) => json!("1900-01-01T00:00:00Z"),
            (Some("date-time"), _) => json!("2026-11-02T09:00:00Z"),
            (_, Shape::Spoiled) => json!(""),
            _ => json!("x"),
        },
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let n = if shape == Shape::Spoiled {
                min.max(0)
            } else {
                min.max(1)
            };
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
            Some(items) => Value::Array(
                items
                    .iter()
                    .map(|i| instance(i, defs, hint, t, shape))
                    .collect(),
            ),
            None => match (schema.get("items"), shape) {
                (Some(item), Shape::Full) => json!([instance(item, defs, hint, t, shape)]),
                _ => json!([]),
            },
        },
        _ => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            let wanted: Vec<&str> = match (shape, props) {
                (Shape::Full, Some(p)) => p.keys().map(String::as_str).collect(),
                _ => schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect(),
            };
            for req in wanted {
                let sub = props.and_then(|p| p.get(req)).cloned().unwrap_or(json!({}));
                out.insert(req.into(), instance(&sub, defs, req, t, shape));
            }
            Value::Object(out)
        }
    }
}

/// The choice a valid request makes for an enum argument of this name.
fn preferred(hint: &str) -> Option<&'static str> {
    Some(match hint {
        "domain" => "Care",
        "category" => "ProfessionalNote",
        "visibility" => "Network",
        "service" => "HomeCare",
        _ => return None,
    })
}

/// The town's id that an argument named `hint` most likely wants; an unknown one else.
pub fn id_for(hint: &str, t: &Town) -> Uuid {
    match hint {
        "file" => t.file.0,
        "worker" | "substitute" | "substituted" | "assigned_worker" => t.care_worker.0,
        "organization" | "provider" => t.care_org.0,
        "person" | "client" | "patient" | "applicant" => t.client.0,
        _ => NOWHERE,
    }
}

/// An actor of each kind a derived test calls as: a worker who exists nowhere, the
/// social worker, the care manager, a care worker, a nurse, the admin and the operator.
pub fn actors(t: &Town) -> [crate::access::Actor; 7] {
    use crate::access::Actor;
    [
        Actor::Worker(crate::ids::WorkerId(NOWHERE)),
        Actor::Worker(t.social_worker),
        Actor::Worker(t.care_manager),
        Actor::Worker(t.care_worker),
        Actor::Worker(t.nurse),
        Actor::Worker(t.admin),
        Actor::System,
    ]
}

/// Every command of the API description with a request of the shape asked for: its
/// name, its audit name and the request.
pub fn requests(t: &Town, shape: Shape) -> Vec<(String, String, Request)> {
    let api = crate::engine::api_description();
    let defs = api["input_types"].as_object().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for c in api["commands"].as_array().into_iter().flatten() {
        let name = c["name"].as_str().unwrap_or_default().to_string();
        let audit_name = c["audit_name"].as_str().unwrap_or_default().to_string();
        let args = c["args"].as_array().cloned().unwrap_or_default();
        let text = if args.is_empty() {
            json!({"command": name})
        } else {
            let mut m = Map::new();
            for a in &args {
                let arg = a["name"].as_str().unwrap_or_default();
                m.insert(arg.into(), instance(&a["schema"], &defs, arg, t, shape));
            }
            json!({"command": name, "args": m})
        };
        let request: Request = serde_json::from_value(text.clone()).unwrap_or_else(|e| {
            panic!("the arguments made from the description of {name} do not read: {e}: {text}")
        });
        out.push((name, audit_name, request));
    }
    out
}
