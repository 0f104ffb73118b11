//! Every record a call writes is bound into its audit entry, and a deep verification
//! finds any record changed outside the engine (issue 17, item 5): on every store, a row
//! edited, deleted, inserted or put back after its destruction behind the engine's back
//! is named, with the call that last wrote it — found by a plain scan of the chain here,
//! the oracle — and nothing else is.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

use crate::access::Actor;
use crate::audit::{AuditEntry, NewAuditEntry, RecordProblem, RecordsCheck};
use crate::store::{Filter, KINDS, Kind, Records, Row, Store, Unit, Value};
use crate::testing::Town;

/// Every audit entry, in order.
fn chain(store: &dyn Store) -> Vec<AuditEntry> {
    Records::new(store.begin(Unit::QUERY).unwrap())
        .audit_page(1, usize::MAX >> 1)
        .unwrap()
}

/// Every stored row of every kind.
fn rows(store: &dyn Store) -> Vec<(&'static Kind, Row)> {
    let mut tx = store.begin(Unit::QUERY).unwrap();
    KINDS
        .iter()
        .flat_map(|k| {
            tx.find(k, &Filter::all())
                .unwrap()
                .into_iter()
                .map(move |r| (*k, r))
        })
        .collect()
}

/// The oracle: the sequence number of the last entry whose call wrote `kind` `id`.
fn last_writer(chain: &[AuditEntry], kind: &str, id: Uuid) -> Option<u64> {
    let mut last = None;
    for e in chain {
        for w in e.writes.iter().flatten() {
            if w.kind == kind && w.id == id {
                last = Some(e.seq);
            }
        }
    }
    last
}

fn deep(t: &Town) -> RecordsCheck {
    let report = t.engine.verify_audit_deep(&Actor::System, None).unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    report.records.unwrap()
}

/// Changes rows in the store without the engine: no call, no binding.
fn behind_the_engine(store: &dyn Store, change: impl FnOnce(&mut Records)) {
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    change(&mut tx);
    tx.commit().unwrap();
}

fn every_record_a_call_wrote_is_bound_and_the_town_verifies_deeply(t: Town) {
    t.plan_week();
    let store = &**t.engine.store();
    let stored = rows(store);
    let entries = chain(store);
    for (kind, row) in &stored {
        assert!(
            last_writer(&entries, kind.name, row.id).is_some(),
            "{} {} is bound by no call",
            kind.name,
            row.id
        );
    }
    // Every entry carries its binding, empty for the calls that wrote nothing.
    assert!(entries.iter().all(|e| e.writes.is_some()));
    assert!(
        entries
            .iter()
            .any(|e| e.writes.as_ref().unwrap().len() > 10)
    );
    let check = deep(&t);
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.records, stored.len() as u64);
    assert_eq!(check.entries_before_binding, 0);
    // The verification is a call like any other, audited, and found nothing to refuse.
    let after = chain(store);
    assert_eq!(after.len(), entries.len() + 1);
    assert_eq!(after.last().unwrap().operation, "audit.verify_deep");
}

#[derive(Clone, Copy, Debug)]
enum Tamper {
    /// One byte of the encoded rest changed.
    EditDoc,
    /// One declared column changed (or the rest, for a kind without one that can be).
    EditColumn,
    /// The row deleted.
    Delete,
    /// A copy of the row put in under a new id.
    InsertCopy,
}

fn edited(row: &Row, tamper: Tamper) -> Row {
    let mut r = row.clone();
    let column = r.columns.iter_mut().find_map(|v| match v {
        Value::Int(i) => {
            *i = i.wrapping_add(1);
            Some(())
        }
        Value::Text(t) => {
            t.push('x');
            Some(())
        }
        _ => None,
    });
    if matches!(tamper, Tamper::EditDoc) || column.is_none() {
        r.columns = row.columns.clone();
        match r.doc.last_mut() {
            Some(b) => *b ^= 0x01,
            None => r.doc.push(0),
        }
    }
    r
}

fn a_record_changed_outside_the_engine_is_named_with_the_call_that_last_wrote_it(t: Town) {
    t.plan_week();
    let store = &**t.engine.store();
    let stored = rows(store);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let tampers = prop_oneof![
        Just(Tamper::EditDoc),
        Just(Tamper::EditColumn),
        Just(Tamper::Delete),
        Just(Tamper::InsertCopy),
    ];
    let fresh = std::cell::Cell::new(0u128);
    runner
        .run(&(0..stored.len(), tampers), |(i, tamper)| {
            let (kind, row) = &stored[i];
            let entries = chain(store);
            let writer = last_writer(&entries, kind.name, row.id);
            fresh.set(fresh.get() + 1);
            let copy_id = Uuid::from_u128(0xbad0_0000_0000_0000_0000_0000_0000_0000 + fresh.get());
            let (id, problem, by) = match tamper {
                Tamper::EditDoc | Tamper::EditColumn => {
                    let e = edited(row, tamper);
                    behind_the_engine(store, |tx| tx.raw().update(kind, &e).unwrap());
                    (row.id, RecordProblem::Edited, writer)
                }
                Tamper::Delete => {
                    behind_the_engine(store, |tx| {
                        assert!(tx.raw().destroy(kind, row.id).unwrap());
                    });
                    (row.id, RecordProblem::Removed, writer)
                }
                Tamper::InsertCopy => {
                    // Its own id and its own values in the declared columns, so that no
                    // unique index of a backend (a person's identity key, a file's
                    // client) refuses it.
                    let copy = Row {
                        id: copy_id,
                        columns: row
                            .columns
                            .iter()
                            .map(|v| match v {
                                Value::Id(_) => Value::Id(copy_id),
                                Value::Text(t) => Value::Text(format!("{t}-copy")),
                                other => other.clone(),
                            })
                            .collect(),
                        ..row.clone()
                    };
                    behind_the_engine(store, |tx| tx.raw().insert(kind, &copy).unwrap());
                    (copy_id, RecordProblem::NotWrittenByAnyCall, None)
                }
            };
            let check = deep(&t);
            prop_assert_eq!(
                check.findings_total,
                1,
                "{:?} of {}: {:?}",
                tamper,
                kind.name,
                check
            );
            let f = &check.findings[0];
            prop_assert_eq!(&f.kind, kind.name);
            prop_assert_eq!(f.id, id);
            prop_assert_eq!(f.problem, problem);
            prop_assert_eq!(f.last_written_by, by);
            let operation = by.map(|s| entries[usize::try_from(s).unwrap() - 1].operation.clone());
            prop_assert_eq!(&f.operation, &operation);
            // A file found changed gets no entry of the verification.
            prop_assert_eq!(chain(store).len(), entries.len());
            // Put back as it was: the records verify again.
            behind_the_engine(store, |tx| match tamper {
                Tamper::EditDoc | Tamper::EditColumn => tx.raw().update(kind, row).unwrap(),
                Tamper::Delete => tx.raw().insert(kind, row).unwrap(),
                Tamper::InsertCopy => assert!(tx.raw().destroy(kind, copy_id).unwrap()),
            });
            prop_assert!(deep(&t).is_intact());
            Ok(())
        })
        .unwrap();
}

/// A record a call destroyed and that is put back behind the engine is found, and so is
/// one of a call that destroyed it and whose row is still there.
fn a_destroyed_record_put_back_is_found(t: Town) {
    t.plan_week();
    let store = &**t.engine.store();
    let stored = rows(store);
    let (kind, row) = stored
        .iter()
        .find(|(k, _)| k.name == "visits")
        .cloned()
        .unwrap();
    // The engine's own way to destroy, as the door does it: the unit's writes bound into
    // its entry.
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    assert!(
        tx.destroy(crate::retention::RecordRef::Visit(crate::ids::VisitId(
            row.id
        )))
        .unwrap()
    );
    let writes = tx.take_writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].digest, None);
    tx.append_audit(NewAuditEntry {
        at: crate::ports::Clock::now(&*t.clock),
        actor: crate::audit::ActorRef::system(),
        operation: "destruction.execute".into(),
        object: String::new(),
        file: None,
        disclosed: Vec::new(),
        purpose: "operation".into(),
        decision: crate::audit::AuditDecision::Allowed("operator".into()),
        outcome: "ok".into(),
        writes,
    })
    .unwrap();
    tx.commit().unwrap();
    let destroyed_by = chain(store).last().unwrap().seq;
    assert!(deep(&t).is_intact());
    behind_the_engine(store, |tx| tx.raw().insert(kind, &row).unwrap());
    let check = deep(&t);
    assert_eq!(check.findings_total, 1, "{check:?}");
    assert_eq!(
        check.findings[0].problem,
        RecordProblem::PresentAfterDestruction
    );
    assert_eq!(check.findings[0].last_written_by, Some(destroyed_by));
    assert_eq!(
        check.findings[0].operation.as_deref(),
        Some("destruction.execute")
    );
}

crate::testing::tests![
    every_record_a_call_wrote_is_bound_and_the_town_verifies_deeply,
    a_record_changed_outside_the_engine_is_named_with_the_call_that_last_wrote_it,
    a_destroyed_record_put_back_is_found,
];
