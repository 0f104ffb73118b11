//! Staff departure and substitution (seed 004 annex 7): a departing worker's future
//! visits become unassigned and the manager is told to reassign them; a substitute
//! receives the absent worker's visits for the period.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::access::Actor;
use crate::log::DoneReport;
use crate::notify::NotificationKind;
use crate::testing::{Town, day, spec, tallinn};

fn a_departing_workers_future_visits_are_unassigned_and_the_manager_told(t: Town) {
    let p = t.plan_week();
    let cm = Actor::Worker(t.care_manager);
    t.clock.set(tallinn(2026, 11, 19, 10, 0));
    let end = t
        .engine
        .record_employment_end(&cm, t.care_worker, day(2026, 11, 20))
        .unwrap();
    assert!(!end.late);
    let all = t
        .engine
        .client_calendar(&cm, t.file, day(2026, 11, 2), day(2027, 1, 24))
        .unwrap();
    let after = tallinn(2026, 11, 21, 0, 0);
    for v in all.iter().filter(|v| v.domain == crate::org::Domain::Care) {
        if v.start >= after {
            assert_eq!(v.worker, None, "{} should be unassigned", v.start);
            assert!(end.visits_unassigned.contains(&v.id));
        } else {
            assert_eq!(
                v.worker,
                Some(t.care_worker),
                "{} keeps its worker",
                v.start
            );
        }
    }
    assert_eq!(end.plan_items_unassigned, [p.care.item.id]);
    assert!(t.engine.inbox(&cm).unwrap().iter().any(|n| matches!(n.kind, NotificationKind::VisitsToReassign { worker, count } if worker == t.care_worker && count == end.visits_unassigned.len())));
    // The manager reassigns: the plan gets a new worker and the future visits follow.
    let out = t
        .engine
        .change_plan_item(
            &cm,
            p.care.item.id,
            spec(
                "HOOLD-01",
                "Morning care",
                Some(t.other_care_worker),
                30,
                "FREQ=DAILY;BYHOUR=9",
            ),
        )
        .unwrap();
    assert!(!out.regeneration.added.is_empty());
    let later = t
        .engine
        .worker_calendar(
            &cm,
            t.other_care_worker,
            day(2026, 11, 21),
            day(2026, 11, 27),
        )
        .unwrap();
    assert_eq!(later.len(), 7);
}

fn a_substitute_receives_the_absent_workers_visits_for_the_period(t: Town) {
    t.plan_week();
    let sub = Actor::Worker(t.substitute_nurse);
    // Before the period the substitute has no standing, so nothing shows yet.
    assert!(
        t.engine
            .worker_calendar(
                &sub,
                t.substitute_nurse,
                day(2026, 11, 2),
                day(2026, 11, 30)
            )
            .unwrap()
            .is_empty()
    );
    t.clock.set(tallinn(2026, 11, 9, 8, 0));
    let cal = t
        .engine
        .worker_calendar(
            &sub,
            t.substitute_nurse,
            day(2026, 11, 2),
            day(2026, 11, 30),
        )
        .unwrap();
    let days: Vec<String> = cal
        .iter()
        .map(|v| {
            v.start
                .with_timezone(&chrono_tz::Europe::Tallinn)
                .format("%d")
                .to_string()
        })
        .collect();
    assert_eq!(
        days,
        ["09", "12"],
        "Mon 9 and Thu 12 November, within 9-13 November only"
    );
    // …and may record them during the period.
    t.clock.set(tallinn(2026, 11, 9, 13, 0));
    t.engine
        .mark_done(&sub, cal[0].id, DoneReport::default())
        .unwrap();
    // The absent nurse's own calendar still shows them.
    assert_eq!(
        t.engine
            .worker_calendar(
                &Actor::Worker(t.nurse),
                t.nurse,
                day(2026, 11, 9),
                day(2026, 11, 13)
            )
            .unwrap()
            .len(),
        2
    );
}

crate::testing::tests![
    a_departing_workers_future_visits_are_unassigned_and_the_manager_told,
    a_substitute_receives_the_absent_workers_visits_for_the_period,
];
