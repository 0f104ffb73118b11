//! The dates and instants a request carries lie in TEHO's range,
//! [`EARLIEST_DATE`](crate::time::EARLIEST_DATE) to
//! [`LATEST_DATE`](crate::time::LATEST_DATE) (issue 17, item 3): outside it a date is a
//! typo or an attack — a `valid_from` of year −262000 once held the write lock for
//! seconds, and a year past 9999 could be committed and then not be read back by Python.
//! Which fields are dates is read from the API description itself (`format: date`,
//! `date-time`, `partial-date-time`), so a new command or field is covered without a
//! line here.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde_json::Value;

use super::{Request, api_description};
use crate::time::{EARLIEST_DATE, LATEST_DATE};
use crate::{TehoError, TehoResult};

/// For each command, the arguments whose schema can hold a date (and the named types they
/// refer to), worked out once from the API description: a command without any — most
/// of them — is not looked at again.
struct DateArgs {
    by_command: HashMap<String, Vec<(String, Value)>>,
    defs: Value,
}

fn date_args() -> &'static DateArgs {
    static ARGS: OnceLock<DateArgs> = OnceLock::new();
    ARGS.get_or_init(|| {
        let api = api_description();
        let defs = api["input_types"].clone();
        let mut by_command = HashMap::new();
        for command in api["commands"].as_array().into_iter().flatten() {
            let args: Vec<(String, Value)> = command["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| holds_date(&a["schema"], &defs, &mut Vec::new()))
                .map(|a| {
                    (
                        a["name"].as_str().unwrap_or_default().to_string(),
                        a["schema"].clone(),
                    )
                })
                .collect();
            if !args.is_empty() {
                by_command.insert(
                    command["name"].as_str().unwrap_or_default().to_string(),
                    args,
                );
            }
        }
        DateArgs { by_command, defs }
    })
}

/// Whether a value of `schema` can hold a date anywhere inside it (`seen`: the named
/// types on the way, so a recursive type ends).
fn holds_date<'a>(schema: &'a Value, defs: &'a Value, seen: &mut Vec<&'a str>) -> bool {
    match schema {
        Value::Object(map) => {
            if matches!(
                map.get("format").and_then(Value::as_str),
                Some("date" | "date-time" | "partial-date-time")
            ) {
                return true;
            }
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or_default();
                if !seen.contains(&name) {
                    seen.push(name);
                    if holds_date(&defs[name], defs, seen) {
                        return true;
                    }
                }
            }
            map.values().any(|v| holds_date(v, defs, seen))
        }
        Value::Array(items) => items.iter().any(|v| holds_date(v, defs, seen)),
        _ => false,
    }
}

/// Refuses a request with a date or instant outside the range, naming the field by its
/// path (`new.valid_from`, `requests[0]…` is the caller's) and the value.
pub(crate) fn check(request: &Request) -> TehoResult<()> {
    let dates = date_args();
    let Some(args) = dates.by_command.get(request.operation().name()) else {
        return Ok(());
    };
    let value = serde_json::to_value(request).map_err(|e| TehoError::Internal {
        message: format!("a request could not be written as JSON: {e}"),
    })?;
    for (name, schema) in args {
        if let Some(v) = value["args"].get(name) {
            walk(v, schema, &dates.defs, name, 0)?;
        }
    }
    Ok(())
}

/// Checks `value` against the date formats `schema` declares, and everything inside it.
fn walk(value: &Value, schema: &Value, defs: &Value, path: &str, depth: u32) -> TehoResult<()> {
    if depth > 64 || value.is_null() {
        return Ok(());
    }
    if let Some(r) = schema["$ref"].as_str() {
        let target = r.rsplit('/').next().unwrap_or_default();
        walk(value, &defs[target], defs, path, depth + 1)?;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for alt in schema[key].as_array().into_iter().flatten() {
            walk(value, alt, defs, path, depth + 1)?;
        }
    }
    match (schema["format"].as_str(), value) {
        (Some("date" | "date-time" | "partial-date-time"), Value::String(text)) => {
            return in_range(path, text);
        }
        (_, Value::Object(map)) => {
            for (key, v) in map {
                let inner = format!("{path}.{key}");
                match schema["properties"].get(key) {
                    Some(s) => walk(v, s, defs, &inner, depth + 1)?,
                    None if schema["additionalProperties"].is_object() => {
                        walk(v, &schema["additionalProperties"], defs, &inner, depth + 1)?
                    }
                    None => {}
                }
            }
        }
        (_, Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                let item = match schema["prefixItems"].get(i) {
                    Some(s) => s,
                    None => &schema["items"],
                };
                if item.is_object() {
                    walk(v, item, defs, &format!("{path}[{i}]"), depth + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A date, or the date of an instant or a wall-clock time, within the range.
fn in_range(path: &str, text: &str) -> TehoResult<()> {
    // chrono writes a year beyond 0..=9999 with its sign: outside the range for sure.
    let date = text
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date {
        Some(d) if (EARLIEST_DATE..=LATEST_DATE).contains(&d) => Ok(()),
        _ => Err(TehoError::invalid(
            path,
            text,
            &format!("a date TEHO takes lies from {EARLIEST_DATE} to {LATEST_DATE}"),
        )),
    }
}
