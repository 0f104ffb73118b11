//! Every integer of every command, at the edges of what JSON and its type hold, gets an
//! answer or a typed error naming what was wrong — never a panic, never a storage or
//! internal error — from every kind of actor, on every store; and the chain verifies
//! afterwards. Derived from the API description like the audit tests, so a new command
//! or a new number in one is covered without a line here. (The fuzzer's `host_request`
//! found a checkpoint of `u64::MAX` entries overflowing; this finds such a value in any
//! command on every run, not by the fuzzer's luck.)

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::Actor;
use crate::engine::Request;
use crate::testing::Town;
use crate::testing::api::{Shape, requests};

/// The values each number is replaced by: zero, the signed and unsigned ends of the
/// 32- and 64-bit integers, and one past the signed 64-bit end.
fn edges() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(i32::MIN),
        json!(i32::MAX),
        json!(u32::MAX),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(i64::MAX as u64 + 1),
        json!(u64::MAX),
    ]
}

/// The JSON pointer of every number in `v`.
fn numbers(v: &Value, pointer: &str, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(pointer.into()),
        Value::Object(m) => {
            for (k, x) in m {
                numbers(x, &format!("{pointer}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                numbers(x, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn every_number_at_its_edges_gets_an_answer_or_a_typed_error(t: Town) {
    let actors = [
        Actor::Worker(crate::ids::WorkerId(Uuid::from_u128(0x5_7a4_6e4))),
        Actor::Worker(t.social_worker),
        Actor::Worker(t.care_manager),
        Actor::Worker(t.care_worker),
        Actor::Worker(t.nurse),
        Actor::Worker(t.admin),
        Actor::System,
    ];
    let (mut commands, mut read, mut called) = (0, 0, 0);
    let mut untyped = Vec::new();
    for (name, _, request) in requests(&t, Shape::Full) {
        let valid = serde_json::to_value(&request).unwrap();
        let mut found = Vec::new();
        numbers(&valid, "", &mut found);
        commands += usize::from(!found.is_empty());
        for pointer in found {
            for edge in edges() {
                let mut spoilt = valid.clone();
                *spoilt.pointer_mut(&pointer).unwrap() = edge.clone();
                // A value its type cannot hold is refused while reading (the host door
                // answers `invalid_input`); one it can hold goes to the engine.
                let Ok(request) = serde_json::from_value::<Request>(spoilt) else {
                    continue;
                };
                read += 1;
                for actor in &actors {
                    called += 1;
                    if let Err(e) = t.engine.execute(actor, request.clone())
                        && matches!(e.kind(), "storage" | "internal")
                    {
                        untyped.push(format!("{name} {pointer} = {edge} as {actor:?}: {e:?}"));
                    }
                }
            }
        }
    }
    assert!(commands >= 5, "only {commands} commands carry a number");
    assert!(read >= 20, "only {read} edge values were read as requests");
    assert!(
        untyped.is_empty(),
        "{called} calls; not a typed error:\n{}",
        untyped.join("\n")
    );
    let report = t.engine.verify_audit(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

crate::testing::tests![every_number_at_its_edges_gets_an_answer_or_a_typed_error];
