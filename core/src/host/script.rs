//! Scripts of calls as data: the demo town (`demo/town.json`) and the scenario files
//! (`tests/scenarios/`) share one format — steps with `as` (the actor), `do` (a
//! request), `save` (a name for its result) and `clock` (an RFC 3339 instant to move
//! to), where a string `"$name.path.0"` stands for a part of a result saved before.
//! [`Host::play`] runs one; the scenario runners add their expectations on top.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Host, HostError, HostResult};

/// The part of a saved result that `reference` (`name.field.0…`, without the `$`)
/// names; an error naming the reference when there is none.
pub fn lookup(saved: &HashMap<String, Value>, reference: &str) -> Result<Value, String> {
    let mut parts = reference.split('.');
    let name = parts.next().unwrap_or_default();
    let mut v = saved
        .get(name)
        .ok_or_else(|| format!("nothing saved as {name:?}"))?
        .clone();
    for p in parts {
        v = match (&v, p.parse::<usize>()) {
            (Value::Array(a), Ok(i)) => a.get(i).cloned(),
            (Value::Object(o), _) => o.get(p).cloned(),
            _ => None,
        }
        .ok_or_else(|| format!("${reference}: no {p:?} there"))?;
    }
    Ok(v)
}

/// `v` with every `"$reference"` string replaced by what it names.
pub fn substitute(v: &Value, saved: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.starts_with('$') => lookup(saved, &s[1..])?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| substitute(x, saved))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), substitute(x, saved)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

impl Host {
    /// Plays a script (`{"clock": …, "steps": […]}`, the format above) through this
    /// host: its clock moved to the script's, then each step in order. Returns every
    /// saved result by name. A step that fails stops the play with its own error, the
    /// step's number and command added to the message and as `details.step`; what the
    /// steps before it did stays done (each is a call of its own, audited).
    pub fn play(&self, script: &str) -> HostResult<HashMap<String, Value>> {
        let doc: Value = serde_json::from_str(script)
            .map_err(|e| HostError::invalid("script", format!("line {}", e.line()), e))?;
        if let Some(clock) = doc.get("clock").and_then(Value::as_str) {
            self.set_clock(clock)?;
        }
        let steps = doc
            .get("steps")
            .and_then(Value::as_array)
            .ok_or_else(|| HostError::invalid("script", "steps", "a script has a list of steps"))?;
        let mut saved = HashMap::new();
        for (i, step) in steps.iter().enumerate() {
            let n = i + 1;
            let at = |e: HostError, what: &str| HostError {
                message: format!("step {n} ({what}): {}", e.message),
                details: {
                    let mut d = e.details;
                    if let Value::Object(o) = &mut d {
                        o.insert("step".into(), json!(n));
                    }
                    d
                },
                kind: e.kind,
            };
            if let Some(clock) = step.get("clock").and_then(Value::as_str) {
                self.set_clock(clock).map_err(|e| at(e, "clock"))?;
            }
            let Some(request) = step.get("do") else {
                continue;
            };
            let command = request["command"].as_str().unwrap_or("?").to_string();
            let bad = |problem: String| at(HostError::invalid("step", n, problem), &command);
            let actor =
                substitute(step.get("as").unwrap_or(&json!("System")), &saved).map_err(bad)?;
            let request = substitute(request, &saved).map_err(bad)?;
            let result = self
                .call(&actor.to_string(), &request.to_string())
                .map_err(|e| at(e, &command))?;
            if let Some(name) = step.get("save").and_then(Value::as_str) {
                let value = serde_json::from_str(&result)
                    .map_err(|e| at(HostError::internal(e.to_string()), &command))?;
                saved.insert(name.to_string(), value);
            }
        }
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use std::sync::Arc;

    use super::*;
    use crate::host::HostClock;
    use crate::store::MemoryStore;

    fn host() -> Host {
        let at = Host::instant("clock", "2026-11-02T07:00:00Z").unwrap();
        Host::open(Arc::new(MemoryStore::new()), HostClock::Fixed(at)).unwrap()
    }

    const BOOT: &str = r#"{"as": "System", "do": {"command": "bootstrap", "args": {
        "municipality": {"name": "Linn", "kind": "Municipality", "registry_code": null},
        "admin": {"personal_code": "38001010015", "given_name": "A", "family_name": "B",
                  "employed_from": "2020-01-01"}}}, "save": "boot"}"#;

    #[test]
    fn a_failing_step_stops_the_play_with_its_number_and_its_own_error() {
        let h = host();
        let script = format!(
            r#"{{"steps": [{BOOT}, {{"as": "System", "do": {{"command": "register_organization",
                "args": {{"new": {{"name": "X", "kind": "HomeCareProvider", "registry_code": null}}}}}}}}]}}"#
        );
        let e = h.play(&script).unwrap_err();
        assert_eq!(e.kind, "access_denied");
        assert!(
            e.message.starts_with("step 2 (register_organization): "),
            "{}",
            e.message
        );
        assert_eq!(e.details["step"], 2);
        // The first step stays done, and the refusal is audited as any call is.
        assert_eq!(h.engine().chain_length().unwrap(), 2);
    }

    #[test]
    fn a_reference_to_nothing_saved_is_an_invalid_step_naming_it() {
        let h = host();
        let script = format!(
            r#"{{"clock": "2026-11-03T07:00:00Z", "steps": [{BOOT},
                {{"as": {{"Worker": "$boot.7.id"}}, "do": {{"command": "inbox", "args": {{}}}}}}]}}"#
        );
        let e = h.play(&script).unwrap_err();
        assert_eq!(e.kind, "invalid_input");
        assert!(e.message.contains("$boot.7.id"), "{}", e.message);
        assert_eq!(e.details["step"], 2);
        assert!(h.play("[1, 2]").is_err());
        assert!(h.play("{not json").is_err());
    }

    #[test]
    fn saved_results_are_returned_by_name_and_the_clock_follows_the_script() {
        let h = host();
        let script = format!(r#"{{"clock": "2026-11-05T07:00:00Z", "steps": [{BOOT}]}}"#);
        let saved = h.play(&script).unwrap();
        assert_eq!(saved["boot"][0]["name"], "Linn");
        let clock = h.fixed_clock().unwrap();
        use crate::ports::Clock;
        assert_eq!(clock.now().to_rfc3339(), "2026-11-05T07:00:00+00:00");
    }
}
