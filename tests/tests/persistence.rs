//! Everything the engine writes survives closing and reopening the SQLite file: the
//! reopened engine answers every query exactly as before, and the chain verifies.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::case::NewAssessment;
use teho_core::log::{DoneReport, NotDoneReason};
use teho_core::notify::Audience;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_storage::SqliteStore;
use teho_tests::{Town, day, needs_answers, tallinn};

#[test]
fn a_reopened_sqlite_file_answers_every_query_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reload.db");
    let town = Town::build(SqliteStore::create(&path).unwrap());
    town.plan_week();
    town.clock.set(tallinn(2026, 11, 4, 18, 0));
    let cw = Actor::Worker(town.care_worker);
    let visits = town
        .engine
        .worker_calendar(&cw, town.care_worker, day(2026, 11, 2), day(2026, 11, 4))
        .unwrap();
    town.engine
        .mark_done(
            &cw,
            visits[0].id,
            DoneReport {
                detail: Some("Ate well".into()),
                ..DoneReport::default()
            },
        )
        .unwrap();
    town.engine
        .mark_not_done(
            &cw,
            visits[1].id,
            Some(NotDoneReason::ClientNotAtHome),
            String::new(),
            None,
        )
        .unwrap();
    town.engine
        .move_visit(
            &cw,
            visits[2].id,
            visits[2].start + chrono::Duration::hours(1),
        )
        .unwrap();
    town.engine
        .notify_network(
            &Actor::Person(town.relative),
            town.file,
            Audience::Network,
            "Back home on Friday".into(),
        )
        .unwrap();
    // The case: application, decision, contract, assessment.
    let sw = Actor::Worker(town.social_worker);
    let k = town.direct_to_home_care();
    town.engine
        .conclude_contract(&sw, k.id, day(2026, 11, 4))
        .unwrap();
    town.engine
        .record_assessment(
            &sw,
            NewAssessment {
                file: town.file,
                instrument: "NEEDS".into(),
                version: 1,
                answers: needs_answers(3),
                icf: vec!["d450.23".into(), "e310+2".into()],
            },
        )
        .unwrap();

    let (cm, rel, file) = (
        Actor::Worker(town.care_manager),
        Actor::Person(town.relative),
        town.file,
    );
    let (care_org, care_worker) = (town.care_org, town.care_worker);
    let sw2 = sw.clone();
    let snapshot = |e: &ClientFiles| {
        (
            e.client_file(&cm, file).unwrap(),
            e.client_calendar(&rel, file, day(2026, 11, 1), day(2027, 1, 31))
                .unwrap(),
            e.worker_calendar(&cm, care_worker, day(2026, 11, 1), day(2027, 1, 31))
                .unwrap(),
            e.service_log(&cm, file, day(2026, 11, 1), day(2026, 11, 30))
                .unwrap(),
            e.inbox(&cm).unwrap(),
            e.missed_visits(&cm, care_org, teho_core::org::Domain::Care, 0)
                .unwrap(),
            (
                e.applications(&sw2, file).unwrap(),
                e.decisions(&sw2, file).unwrap(),
                e.contracts(&sw2, file).unwrap(),
                e.assessments(&sw2, file).unwrap(),
                e.home_view(&cm).unwrap(),
                e.client_home(&rel, file).unwrap(),
            ),
        )
    };
    let before = snapshot(&town.engine);
    assert_eq!(before.3.len(), 1);
    assert_eq!(
        (
            before.6.0.len(),
            before.6.1.len(),
            before.6.2.len(),
            before.6.3.len()
        ),
        (1, 1, 1, 1)
    );
    assert!(!before.4.is_empty());
    drop(town);

    let engine = ClientFiles::new(
        SqliteStore::open(&path).unwrap(),
        FixedClock::new(tallinn(2026, 11, 4, 18, 0)),
        SequentialIds::new(7),
    );
    let after = snapshot(&engine);
    assert_eq!(after, before);
    assert!(
        engine
            .verify_audit(&Actor::System, None)
            .unwrap()
            .is_intact()
    );
}
