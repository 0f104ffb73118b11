//! Batches: several engine calls committed together, each still authorized, audited and
//! all-or-nothing on its own (`ClientFiles::batch`, `ClientFiles::execute_many`).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::access::Actor;
use crate::engine::Request;
use crate::ids::{DestructionActId, PlanId};
use crate::org::Domain;
use crate::plan::NewPlan;
use crate::retention::DestructionAct;
use crate::testing::{Town, spec};
use crate::{TehoError, TehoResult};
use uuid::Uuid;

fn visits_in_week(t: &Town) -> usize {
    let d = t.clock_day();
    t.engine
        .client_calendar(
            &Actor::Worker(t.care_manager),
            t.file,
            d,
            d + chrono::Duration::days(6),
        )
        .unwrap()
        .len()
}

fn care_plan(t: &Town) -> NewPlan {
    NewPlan {
        file: t.file,
        domain: Domain::Care,
        provider: t.care_org,
    }
}

fn a_batch_commits_its_calls_with_one_audit_entry_each(t: Town) {
    let before = t.audit_entries();
    let plans = t.engine.batch(|e| t.plan_week_with(e)).unwrap();
    // plan_week makes four calls: two plans, two items.
    assert_eq!(t.audit_entries(), before + 1 + 4);
    assert!(!plans.care.regeneration.added.is_empty());
    // Daily care (7) and nursing on Monday and Thursday (2) in the week ahead.
    assert_eq!(visits_in_week(&t), 9);
    assert!(
        t.engine
            .verify_audit(&Actor::System, None)
            .unwrap()
            .is_intact()
    );
}

fn execute_many_stops_at_the_first_failure_and_keeps_what_came_before(t: Town) {
    let cm = Actor::Worker(t.care_manager);
    let before = t.audit_entries();
    let missing = PlanId(Uuid::from_u128(0xdead));
    let results = t
        .engine
        .execute_many(
            &cm,
            vec![
                Request::CreatePlan { new: care_plan(&t) },
                Request::AddPlanItem {
                    plan: missing,
                    spec: spec(
                        "HOOLD-01",
                        "Care",
                        Some(t.care_worker),
                        30,
                        "FREQ=DAILY;BYHOUR=9",
                    ),
                },
                Request::Inbox,
            ],
        )
        .unwrap();
    assert_eq!(results.len(), 2, "the request after the failure is not run");
    let plan: PlanId = serde_json::from_value(results[0].as_ref().unwrap()["id"].clone()).unwrap();
    // A plan that exists nowhere is refused like one the manager may not see.
    assert!(
        matches!(&results[1], Err(TehoError::AccessDenied { .. })),
        "{:?}",
        results[1]
    );
    // Two calls ran, two entries (the failure's too).
    assert_eq!(t.audit_entries(), before + 1 + 2);
    // The plan made before the failure stays.
    t.engine
        .add_plan_item(
            &cm,
            plan,
            spec(
                "HOOLD-01",
                "Care",
                Some(t.care_worker),
                30,
                "FREQ=DAILY;BYHOUR=9",
            ),
        )
        .unwrap();
    assert_eq!(visits_in_week(&t), 7);
}

fn a_refused_call_inside_a_batch_is_undone_alone(t: Town) {
    let before = t.audit_entries();
    let outsider = Actor::Worker(t.other_care_worker);
    let (refused, made): (TehoResult<_>, _) = t
        .engine
        .batch(|e| {
            let made = e.create_plan(&Actor::Worker(t.care_manager), care_plan(&t));
            let refused = e.create_plan(&outsider, care_plan(&t));
            (refused, made)
        })
        .unwrap();
    assert!(
        matches!(refused, Err(TehoError::AccessDenied { .. })),
        "{refused:?}"
    );
    made.unwrap();
    assert_eq!(t.audit_entries(), before + 1 + 2);
}

/// Executes a destruction act (which does not exist) inside a batch.
fn destruction_in_a_batch(t: &Town) -> TehoResult<DestructionAct> {
    let act = DestructionActId(Uuid::from_u128(0xac7));
    t.engine
        .batch(|e| e.execute_destruction_act(&Actor::Worker(t.admin), act))
        .unwrap()
}

/// The store is compacted right after a destruction, which a batch's open work would
/// prevent (SQLite) — refused on every store alike, before the act is looked up.
fn a_destruction_act_inside_a_batch_is_refused(t: Town) {
    let inside = destruction_in_a_batch(&t);
    assert!(
        matches!(&inside, Err(TehoError::Conflict { problem, .. }) if problem.contains("batch")),
        "{inside:?}"
    );
}

/// A batch is a value: the engine it hands out makes the calls. The outer engine,
/// called inside the batch on its thread, would wait for the batch to end forever; it
/// is refused instead, and the batch goes on.
fn the_outer_engine_called_inside_a_batch_is_refused_not_deadlocked(t: Town) {
    let cm = Actor::Worker(t.care_manager);
    let (outer, inner) = t
        .engine
        .batch(|e| {
            let outer = t.engine.create_plan(&cm, care_plan(&t));
            let inner = e.create_plan(&cm, care_plan(&t));
            (outer, inner)
        })
        .unwrap();
    assert!(
        matches!(&outer, Err(TehoError::Conflict { kind, problem, .. })
            if kind == "batch" && problem.contains("outside the batch")),
        "{outer:?}"
    );
    // The plan made through the batch's engine was committed with the batch.
    let inner = inner.unwrap();
    let item = t.engine.add_plan_item(
        &cm,
        inner.id,
        spec(
            "HOOLD-02",
            "Shopping",
            Some(t.care_worker),
            60,
            "FREQ=WEEKLY;BYDAY=FR;BYHOUR=13",
        ),
    );
    assert!(item.is_ok(), "{item:?}");
}

/// Reads inside a batch see what the batch changed before them: a query's cached facts
/// (the network, here) are dropped when a command of the batch commits into it.
fn a_read_inside_a_batch_sees_what_the_batch_changed_before_it(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let (before, after) = t
        .engine
        .batch(|e| {
            let before = e.network(&sw, t.file).unwrap().len();
            e.add_member(
                &sw,
                crate::network::NewMembership {
                    file: t.file,
                    member: crate::network::Member::Worker(t.other_care_worker),
                    role: None,
                    valid_from: crate::testing::day(2026, 11, 2),
                    valid_until: None,
                },
            )
            .unwrap();
            let after = e.network(&sw, t.file).unwrap().len();
            (before, after)
        })
        .unwrap();
    assert_eq!(after, before + 1);
    // And the worker just added may read the file inside and after the batch alike.
    assert!(
        t.engine
            .client_card(&Actor::Worker(t.other_care_worker), t.file)
            .is_ok()
    );
}

crate::testing::tests![
    a_read_inside_a_batch_sees_what_the_batch_changed_before_it,
    a_batch_commits_its_calls_with_one_audit_entry_each,
    execute_many_stops_at_the_first_failure_and_keeps_what_came_before,
    a_refused_call_inside_a_batch_is_undone_alone,
    a_destruction_act_inside_a_batch_is_refused,
    the_outer_engine_called_inside_a_batch_is_refused_not_deadlocked,
    a_panic_inside_a_batch_rolls_all_of_it_back_and_the_store_goes_on,
    another_thread_waits_for_a_batch_and_then_runs_on_its_own,
];

/// A panic in the integrator's code inside a batch rolls all of the batch back, and the
/// store goes on (not left inside a transaction).
fn a_panic_inside_a_batch_rolls_all_of_it_back_and_the_store_goes_on(t: Town) {
    let before = t.audit_entries();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        t.engine.batch(|e| {
            e.create_plan(&Actor::Worker(t.care_manager), care_plan(&t))
                .unwrap();
            panic!("the integrator's code fails half-way");
        })
    }));
    assert!(caught.is_err());
    // Only the first checkpoint call's own entry was added.
    assert_eq!(
        t.audit_entries(),
        before + 1,
        "the batch's calls and entries are gone"
    );
    t.plan_week();
    assert_eq!(visits_in_week(&t), 9);
}

/// A call from another thread waits for the batch to end and then runs on its own: it
/// neither joins the batch's work nor fails on it.
fn another_thread_waits_for_a_batch_and_then_runs_on_its_own(t: Town) {
    let before = t.audit_entries();
    let other = std::thread::scope(|s| {
        let handle = t
            .engine
            .batch(|e| {
                let handle = s.spawn(|| t.engine.inbox(&Actor::Worker(t.care_worker)));
                e.create_plan(&Actor::Worker(t.care_manager), care_plan(&t))
                    .unwrap();
                handle
            })
            .unwrap();
        handle.join().unwrap()
    });
    other.unwrap();
    assert_eq!(t.audit_entries(), before + 1 + 2);
    assert!(
        t.engine
            .verify_audit(&Actor::System, None)
            .unwrap()
            .is_intact()
    );
}
