//! Checkpoints go to a sink outside the database on their own (issue 17, item 5): every
//! so many entries — the kept ones are exactly those a plain simulation of the policy
//! picks, each the chain's true head then — or every so much time; never for calls
//! inside a batch until it has committed; a failing sink fails no call and is asked
//! again; a verification given no checkpoint checks against the latest kept.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::access::Actor;
use crate::audit::{BreakKind, Checkpoint, CheckpointPolicy, CheckpointSink, MemoryCheckpoints};
use crate::store::{Records, Unit};
use crate::testing::Town;
use crate::{ClientFiles, TehoError};

fn hash_at(t: &Town, seq: u64) -> String {
    Records::new(t.engine.store().begin(Unit::QUERY).unwrap())
        .audit_page(seq, 1)
        .unwrap()[0]
        .hash
        .clone()
}

/// The town's engine handing `sink` a checkpoint every `every_entries` entries or
/// `every`.
fn with_sink(
    t: &Town,
    sink: Arc<dyn CheckpointSink>,
    every_entries: u64,
    every: Option<Duration>,
) -> ClientFiles {
    t.engine
        .clone()
        .with_checkpoints(
            sink,
            CheckpointPolicy {
                every_entries,
                every,
            },
        )
        .unwrap()
}

fn read(engine: &ClientFiles, t: &Town) {
    engine.client_file(&Actor::Worker(t.nurse), t.file).unwrap();
}

fn a_checkpoint_is_kept_every_n_entries_and_each_is_the_head_it_names(t: Town) {
    let sink = Arc::new(MemoryCheckpoints::new());
    let engine = with_sink(&t, sink.clone(), 5, None);
    let start = t.engine.chain_length().unwrap();
    for _ in 0..23 {
        read(&engine, &t);
    }
    // The oracle: the policy simulated over the heads the 23 calls left.
    let mut expected = Vec::new();
    let mut last = 0;
    for head in start + 1..=start + 23 {
        if head >= last + 5 {
            expected.push(head);
            last = head;
        }
    }
    let kept: Vec<u64> = sink.all().iter().map(|(c, _)| c.entries).collect();
    assert_eq!(kept, expected);
    for (cp, _) in sink.all() {
        assert_eq!(cp.head_hash, hash_at(&t, cp.entries));
    }
    // A verification without a checkpoint of its own checks against the latest kept.
    let report = engine.verify_audit(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.against, sink.all().last().map(|(c, _)| c.clone()));
}

fn a_checkpoint_is_kept_when_its_time_has_come(t: Town) {
    let sink = Arc::new(MemoryCheckpoints::new());
    let engine = with_sink(&t, sink.clone(), 1_000_000, Some(Duration::hours(1)));
    read(&engine, &t); // the hour counts from here
    assert!(sink.all().is_empty());
    t.clock.advance(Duration::minutes(59));
    read(&engine, &t);
    assert!(sink.all().is_empty());
    t.clock.advance(Duration::minutes(1));
    read(&engine, &t);
    let kept = sink.all();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0.entries, t.engine.chain_length().unwrap());
    assert_eq!(kept[0].1, crate::ports::Clock::now(&*t.clock));
}

fn calls_inside_a_batch_are_checkpointed_after_it_commits(t: Town) {
    let sink = Arc::new(MemoryCheckpoints::new());
    let engine = with_sink(&t, sink.clone(), 1, None);
    engine
        .batch(|b| {
            for _ in 0..3 {
                read(b, &t);
            }
        })
        .unwrap();
    assert!(sink.all().is_empty(), "checkpointed work not yet committed");
    read(&engine, &t);
    let kept = sink.all();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0.entries, t.engine.chain_length().unwrap());
}

/// A sink that fails its first `failures` keeps.
struct Flaky {
    failures: Mutex<u32>,
    kept: MemoryCheckpoints,
}

impl CheckpointSink for Flaky {
    fn keep(&self, checkpoint: &Checkpoint, at: DateTime<Utc>) -> Result<(), String> {
        let mut f = self.failures.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            return Err("the checkpoint host is unreachable".into());
        }
        self.kept.keep(checkpoint, at)
    }

    fn latest(&self) -> Result<Option<Checkpoint>, String> {
        self.kept.latest()
    }
}

fn a_failing_sink_fails_no_call_and_is_asked_again(t: Town) {
    let sink = Arc::new(Flaky {
        failures: Mutex::new(2),
        kept: MemoryCheckpoints::new(),
    });
    let engine = with_sink(&t, sink.clone(), 1, None);
    read(&engine, &t);
    read(&engine, &t);
    assert_eq!(
        engine.checkpoint_failure().as_deref(),
        Some("the checkpoint host is unreachable")
    );
    assert!(sink.kept.all().is_empty());
    read(&engine, &t);
    assert_eq!(engine.checkpoint_failure(), None);
    assert_eq!(
        sink.kept.all()[0].0.entries,
        t.engine.chain_length().unwrap()
    );
}

fn a_chain_that_does_not_reach_the_latest_checkpoint_fails_and_gets_no_entry(t: Town) {
    let sink = Arc::new(MemoryCheckpoints::new());
    let head = t.engine.chain_length().unwrap();
    // A checkpoint kept of a chain longer than the one in the database: its newest
    // entries were cut.
    sink.keep(
        &Checkpoint {
            entries: head + 3,
            head_hash: "ab".repeat(32),
        },
        crate::ports::Clock::now(&*t.clock),
    )
    .unwrap();
    let engine = t
        .engine
        .clone()
        .with_checkpoints(sink, CheckpointPolicy::default())
        .unwrap();
    let report = engine.verify_audit(&Actor::System, None).unwrap();
    assert_eq!(
        report.first_break.map(|b| b.kind),
        Some(BreakKind::CheckpointMismatch)
    );
    assert_eq!(t.engine.chain_length().unwrap(), head);
}

fn a_policy_that_never_checkpoints_is_refused_naming_its_field(t: Town) {
    let sink = Arc::new(MemoryCheckpoints::new());
    for (policy, field) in [
        (
            CheckpointPolicy {
                every_entries: 0,
                every: None,
            },
            "every_entries",
        ),
        (
            CheckpointPolicy {
                every_entries: 10,
                every: Some(Duration::zero()),
            },
            "every",
        ),
    ] {
        match t.engine.clone().with_checkpoints(sink.clone(), policy) {
            Err(TehoError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{policy:?}: {:?}", other.map(|_| ())),
        }
    }
}

/// A checkpoint counts entries the way the stores number them (SQL `BIGINT`): one
/// counting more is refused naming it, by each verification, not read as a wrapped
/// sequence number; one merely past the head is a mismatch. (The fuzzer's
/// `host_request` found `u64::MAX` overflowing.)
fn a_checkpoint_beyond_any_chain_is_refused_and_one_past_the_head_is_a_mismatch(t: Town) {
    let head = t.engine.chain_length().unwrap();
    let hash = "ab".repeat(32);
    for entries in [crate::audit::MAX_ENTRIES + 1, u64::MAX] {
        let cp = Checkpoint {
            entries,
            head_hash: hash.clone(),
        };
        for (what, result) in [
            ("since", t.engine.verify_audit_since(&Actor::System, &cp)),
            ("against", t.engine.verify_audit(&Actor::System, Some(&cp))),
            (
                "deep",
                t.engine.verify_audit_deep(&Actor::System, Some(&cp)),
            ),
        ] {
            match result {
                Err(TehoError::InvalidInput { field, value, .. }) => {
                    assert_eq!(
                        (field.as_str(), value),
                        ("checkpoint", cp.to_text()),
                        "{what}"
                    );
                }
                other => panic!("{what} {entries}: {other:?}"),
            }
        }
    }
    let past = Checkpoint {
        entries: crate::audit::MAX_ENTRIES,
        head_hash: hash,
    };
    let report = t.engine.verify_audit_since(&Actor::System, &past).unwrap();
    assert_eq!(
        report.first_break.map(|b| (b.kind, b.seq)),
        Some((BreakKind::CheckpointMismatch, crate::audit::MAX_ENTRIES))
    );
    assert_eq!(report.entries, 0, "nothing past it was read");
    // Each refused verification is audited; one that finds a break gets no entry.
    assert_eq!(t.engine.chain_length().unwrap(), head + 6);
}

crate::testing::tests![
    a_checkpoint_is_kept_every_n_entries_and_each_is_the_head_it_names,
    a_checkpoint_is_kept_when_its_time_has_come,
    calls_inside_a_batch_are_checkpointed_after_it_commits,
    a_failing_sink_fails_no_call_and_is_asked_again,
    a_chain_that_does_not_reach_the_latest_checkpoint_fails_and_gets_no_entry,
    a_policy_that_never_checkpoints_is_refused_naming_its_field,
    a_checkpoint_beyond_any_chain_is_refused_and_one_past_the_head_is_a_mismatch,
];
