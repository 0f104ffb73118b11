//! Every number of every command at the edges of what JSON and its type hold, and every
//! text at the edges of what people type and databases keep, gets an answer or a typed
//! error naming what was wrong — never a panic, never a storage or internal error — from
//! every kind of actor, on every store; and the chain verifies afterwards. Derived from the API description like the audit tests, so a new command
//! or a new number in one is covered without a line here. (The fuzzer's `host_request`
//! found a checkpoint of `u64::MAX` entries overflowing; this finds such a value in any
//! command on every run, not by the fuzzer's luck.)

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::{Value, json};

use crate::access::Actor;
use crate::engine::Request;
use crate::testing::Town;
use crate::testing::api::{Shape, actors, requests};

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

/// The texts each string is replaced by: empty, blank, a NUL (which PostgreSQL's `text`
/// cannot hold), other control characters, combining and right-to-left marks, a
/// character outside the Basic Multilingual Plane, and one long past 64 KiB.
fn texts() -> Vec<Value> {
    vec![
        json!(""),
        json!(" \t\r\n "),
        json!("a\u{0}b"),
        json!("\u{1b}[31m\u{7f}\u{85}"),
        json!("O\u{303}u\u{308}\u{202e}\u{200b}"),
        json!("\u{1f9d3}\u{1f3fd}"),
        json!("Õ".repeat(40_000)),
    ]
}

/// The JSON pointer of every value in `v` that `pick` takes.
fn pointers(v: &Value, pointer: &str, pick: fn(&Value) -> bool, out: &mut Vec<String>) {
    if pick(v) {
        out.push(pointer.into());
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(x, &format!("{pointer}/{k}"), pick, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, &format!("{pointer}/{i}"), pick, out);
            }
        }
        _ => {}
    }
}

/// What the sweep did.
struct Swept {
    /// Commands with at least one value replaced.
    commands: usize,
    /// Replaced values the request still read with (the others are refused while
    /// reading: the host door answers `invalid_input`).
    read: usize,
    /// The calls that ended in something other than an answer or a typed error.
    untyped: Vec<String>,
}

impl Swept {
    /// Every call ended in an answer or a typed error, and the sweep reached at least
    /// `commands` commands carrying a `what` and read at least `read` edge values.
    fn assert_typed(&self, what: &str, commands: usize, read: usize) {
        assert!(
            self.commands >= commands,
            "only {} commands carry a {what}",
            self.commands
        );
        assert!(
            self.read >= read,
            "only {} edge values of a {what} were read",
            self.read
        );
        assert!(
            self.untyped.is_empty(),
            "not a typed error:\n{}",
            self.untyped.join("\n")
        );
    }
}

/// Replaces each value `pick` takes in every command's fullest request by each of
/// `edges` in turn and calls the engine with it as each of [`actors`].
fn sweep(t: &Town, pick: fn(&Value) -> bool, edges: &[Value]) -> Swept {
    let actors = actors(t);
    let mut swept = Swept {
        commands: 0,
        read: 0,
        untyped: Vec::new(),
    };
    for (name, _, request) in requests(t, Shape::Full) {
        let full = serde_json::to_value(&request).unwrap();
        let mut found = Vec::new();
        pointers(&full, "", pick, &mut found);
        swept.commands += usize::from(!found.is_empty());
        for pointer in found {
            for edge in edges {
                let mut spoilt = full.clone();
                *spoilt.pointer_mut(&pointer).unwrap() = edge.clone();
                let Ok(request) = serde_json::from_value::<Request>(spoilt) else {
                    continue;
                };
                swept.read += 1;
                for actor in &actors {
                    if let Err(e) = t.engine.execute(actor, request.clone())
                        && matches!(e.kind(), "storage" | "internal")
                    {
                        let edge = edge.to_string();
                        let edge = edge.get(..40).unwrap_or(&edge);
                        swept
                            .untyped
                            .push(format!("{name} {pointer} = {edge} as {actor:?}: {e:?}"));
                    }
                }
            }
        }
    }
    let report = t.engine.verify_audit(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    swept
}

fn every_number_at_its_edges_gets_an_answer_or_a_typed_error(t: Town) {
    sweep(&t, Value::is_number, &edges()).assert_typed("number", 10, 50);
}

fn every_text_at_its_edges_gets_an_answer_or_a_typed_error(t: Town) {
    sweep(&t, Value::is_string, &texts()).assert_typed("text", 30, 200);
}

crate::testing::tests![
    every_number_at_its_edges_gets_an_answer_or_a_typed_error,
    every_text_at_its_edges_gets_an_answer_or_a_typed_error,
];
