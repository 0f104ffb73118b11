//! What a store answers from its columns instead of whole records, on both stores:
//! `busy_times` (what the overlap warning reads) against a plain oracle over the same
//! visits — a worker's planned and done visits starting in the window, in any order;
//! never another worker's, never a cancelled, not-done or superseded one — and
//! `organization_kind` (read for every call's actor) against the whole organisation.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::calendar::{Visit, VisitStatus};
use crate::file::{ClientFile, FileStatus};
use crate::ids::OrganizationId;
use crate::ids::{ClientFileId, PersonId, VisitId, WorkerId};
use crate::org::{Domain, Organization, OrganizationKind};
use crate::person::{Person, PersonIdentity};
use crate::plan::PlannedAction;
use crate::store::{BusyTime, Records, Store, Unit};
use crate::testing::{Town, code};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

const STATUSES: [VisitStatus; 5] = [
    VisitStatus::Planned,
    VisitStatus::Done,
    VisitStatus::NotDone,
    VisitStatus::Cancelled,
    VisitStatus::Superseded,
];

fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T06:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn worker(n: u8) -> WorkerId {
    WorkerId(Uuid::from_u128(0x7000 + u128::from(n)))
}

/// A visit of worker `who` (none for 2), `status`, starting `at` minutes after the base.
fn visit(n: usize, who: u8, status: usize, at: i64, minutes: i64, file: ClientFileId) -> Visit {
    let start = base() + Duration::minutes(at);
    Visit {
        // ids deliberately not in start order, so ties on start are ordered by id
        id: VisitId(Uuid::from_u128(0x9000_0000 + ((n as u128 * 7919) % 1000))),
        file,
        plan_item: None,
        slot: None,
        slot_index: 0,
        start,
        end: start + Duration::minutes(minutes),
        worker: (who < 2).then(|| worker(who)),
        domain: Domain::Care,
        provider: None,
        action: PlannedAction {
            code: "HOOLD-01".into(),
            text: "Morning care".into(),
        },
        place: "home".into(),
        status: STATUSES[status],
        moved_by_hand: false,
        not_done: None,
        cancellation: None,
        sequence: 0,
    }
}

fn busy_times_on(
    store: &dyn Store,
    visits: &[Visit],
    who: WorkerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<BusyTime> {
    let file = visits.first().map(|v| v.file);
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    if let Some(file) = file {
        let client = PersonId(Uuid::from_u128(0x5000));
        tx.insert(&Person {
            id: client,
            identity: PersonIdentity::Estonian(code("4400101017")),
            given_name: "Laine".into(),
            family_name: "Kask".into(),
            birth_date: None,
            deceased_on: None,
        })
        .unwrap();
        tx.insert(&ClientFile {
            id: file,
            client,
            opened_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            opened_by: worker(9),
            status: FileStatus::Open,
        })
        .unwrap();
    }
    tx.insert_visits(visits).unwrap();
    let mut out = tx.busy_times(who, from, to).unwrap();
    drop(tx);
    out.sort_by_key(|b| (b.start, b.visit));
    out
}

/// `busy_times` is the worker's planned and done visits starting in the window, against
/// an oracle over the same visits (each case in a unit of work that is rolled back).
fn busy_times_are_the_workers_live_visits_in_the_window(t: Town) {
    let store = t.engine.store();
    let cases = (
        prop::collection::vec((0u8..3, 0usize..5, 0i64..3000, 15i64..120), 0..40),
        0u8..2,
        (0i64..3000, 0i64..1500),
    );
    let mut runner = TestRunner::new(Config::with_cases(48));
    runner
        .run(&cases, |(shapes, who, window)| {
            let file = ClientFileId(Uuid::from_u128(0x6000));
            let mut visits: Vec<Visit> = shapes
                .iter()
                .enumerate()
                .map(|(n, &(w, s, at, len))| visit(n, w, s, at, len, file))
                .collect();
            visits.sort_by_key(|v| v.id);
            visits.dedup_by_key(|v| v.id);
            let from = base() + Duration::minutes(window.0);
            let to = from + Duration::minutes(window.1);

            let mut oracle: Vec<BusyTime> = Vec::new();
            for v in &visits {
                let live = v.status == VisitStatus::Planned || v.status == VisitStatus::Done;
                if v.worker == Some(worker(who)) && live && v.start >= from && v.start < to {
                    oracle.push(BusyTime {
                        visit: v.id,
                        start: v.start,
                        end: v.end,
                    });
                }
            }
            oracle.sort_by_key(|b| (b.start, b.visit));
            let got = busy_times_on(&**store, &visits, worker(who), from, to);
            prop_assert_eq!(&got, &oracle);
            Ok(())
        })
        .unwrap();
}

/// Every organisation kind, from the type's own schema (so a new kind is covered too).
fn every_kind() -> Vec<OrganizationKind> {
    let schema = serde_json::to_value(schemars::schema_for!(OrganizationKind)).unwrap();
    schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arm| serde_json::from_value(arm["const"].clone()).unwrap())
        .collect()
}

/// An organisation's kind, read from its column, is the kind stored (every kind, from
/// the type's own schema, so a new kind is covered too).
fn an_organisations_kind_reads_as_stored(t: Town) {
    let store = t.engine.store();
    let kinds = every_kind();
    assert!(kinds.len() >= 5, "{kinds:?}");
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    for (n, kind) in kinds.iter().enumerate() {
        let id = OrganizationId(Uuid::from_u128(0x4000 + n as u128));
        tx.insert(&Organization {
            id,
            name: format!("organisation {n}"),
            kind: *kind,
            registry_code: None,
        })
        .unwrap();
        assert_eq!(tx.organization_kind(id).unwrap(), Some(*kind));
        assert_eq!(tx.organization(id).unwrap().map(|o| o.kind), Some(*kind));
    }
    let unknown = OrganizationId(Uuid::from_u128(0x4fff));
    assert_eq!(tx.organization_kind(unknown).unwrap(), None);
}

crate::testing::tests![
    busy_times_are_the_workers_live_visits_in_the_window,
    an_organisations_kind_reads_as_stored,
];
