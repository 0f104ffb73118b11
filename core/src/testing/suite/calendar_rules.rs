//! Plans, calendars, done / not done, notifications and reports through the engine,
//! each rule a test, on every store.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::calendar::VisitStatus;
use crate::log::{DoneReport, NewLogEntry, NotDoneReason};
use crate::network::Member;
use crate::notify::NotificationKind;
use crate::org::{Domain, Role};
use crate::plan::{NewPlan, PlannedAction};
use crate::testing::{Town, day, denied, spec, tallinn};
use chrono::Duration;

fn week(t: &Town, actor: &Actor) -> Vec<(Domain, String)> {
    t.engine
        .client_calendar(actor, t.file, day(2026, 11, 2), day(2026, 11, 8))
        .unwrap()
        .into_iter()
        .map(|v| {
            (
                v.domain,
                v.start
                    .with_timezone(&chrono_tz::Europe::Tallinn)
                    .format("%a %H:%M")
                    .to_string(),
            )
        })
        .collect()
}

fn plans_fill_the_client_and_worker_calendars(t: Town) {
    let p = t.plan_week();
    assert_eq!(
        p.care.regeneration.added.len(),
        84,
        "twelve weeks of daily visits"
    );
    assert_eq!(p.nursing.regeneration.added.len(), 24);
    // The client calendar shows every domain and provider; so does the relative's view.
    for actor in [
        Actor::Worker(t.care_worker),
        Actor::Worker(t.nurse),
        Actor::Person(t.relative),
    ] {
        let w = week(&t, &actor);
        assert_eq!(w.len(), 7 + 2, "{actor:?}");
        assert_eq!(
            w.iter()
                .filter(|(d, _)| *d == Domain::Nursing)
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>(),
            ["Mon 11:00", "Thu 11:00"]
        );
    }
    // The worker calendar: whom, what, when, where — only one's own visits.
    let mine = t
        .engine
        .worker_calendar(
            &Actor::Worker(t.care_worker),
            t.care_worker,
            day(2026, 11, 2),
            day(2026, 11, 8),
        )
        .unwrap();
    assert_eq!(mine.len(), 7);
    assert!(mine.iter().all(|v| v.domain == Domain::Care
        && v.place == "home"
        && v.action.code == "HOOLD-01"
        && v.file == t.file));
    assert!(
        mine.iter()
            .all(|v| v.client_name.as_deref() == Some("Laine Kask")),
        "the worker calendar names the client"
    );
    let seen_by_relative = t
        .engine
        .client_calendar(
            &Actor::Person(t.relative),
            t.file,
            day(2026, 11, 5),
            day(2026, 11, 5),
        )
        .unwrap();
    let who: Vec<_> = seen_by_relative
        .iter()
        .map(|v| v.worker_name.clone().unwrap())
        .collect();
    assert_eq!(
        who,
        ["Hille Tallinn", "Teisi Tallinn"],
        "the client calendar says who comes"
    );
    // A manager sees their own workers' calendars, nobody else's.
    assert_eq!(
        t.engine
            .worker_calendar(
                &Actor::Worker(t.care_manager),
                t.care_worker,
                day(2026, 11, 2),
                day(2026, 11, 8)
            )
            .unwrap()
            .len(),
        7
    );
    assert!(matches!(
        denied(t.engine.worker_calendar(
            &Actor::Worker(t.nursing_manager),
            t.care_worker,
            day(2026, 11, 2),
            day(2026, 11, 8)
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert!(matches!(
        denied(t.engine.worker_calendar(
            &Actor::Worker(t.other_care_worker),
            t.care_worker,
            day(2026, 11, 2),
            day(2026, 11, 8)
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    // Outside the network: no client calendar.
    assert_eq!(
        denied(t.engine.client_calendar(
            &Actor::Worker(t.other_care_worker),
            t.file,
            day(2026, 11, 2),
            day(2026, 11, 8)
        )),
        DenyReason::NotInNetwork
    );
    // A window over a year is refused with the value named.
    assert!(
        matches!(t.engine.client_calendar(&Actor::Worker(t.nurse), t.file, day(2026, 1, 1), day(2027, 6, 1)), Err(TehoError::InvalidInput { field, .. }) if field == "window")
    );
}

fn a_worker_calendar_leaves_out_clients_no_longer_served(t: Town) {
    t.plan_week();
    let sw = Actor::Worker(t.social_worker);
    let m = t
        .engine
        .network(&sw, t.file)
        .unwrap()
        .into_iter()
        .find(|m| m.member == Member::Worker(t.care_worker))
        .unwrap();
    t.engine
        .end_membership(&sw, m.id, day(2026, 11, 4))
        .unwrap();
    t.clock.set(tallinn(2026, 11, 5, 8, 0));
    let mine = t
        .engine
        .worker_calendar(
            &Actor::Worker(t.care_worker),
            t.care_worker,
            day(2026, 11, 2),
            day(2026, 11, 30),
        )
        .unwrap();
    assert!(
        mine.is_empty(),
        "{} visits of a client no longer served",
        mine.len()
    );
}

fn only_the_domain_manager_of_the_provider_composes_a_plan(t: Town) {
    let new = |domain, provider| NewPlan {
        file: t.file,
        domain,
        provider,
    };
    assert!(matches!(
        denied(
            t.engine
                .create_plan(&Actor::Worker(t.care_worker), new(Domain::Care, t.care_org))
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.create_plan(
            &Actor::Worker(t.nursing_manager),
            new(Domain::Care, t.care_org)
        )),
        DenyReason::OtherDomain {
            domain: Domain::Care
        }
    );
    assert_eq!(
        denied(t.engine.create_plan(
            &Actor::Worker(t.care_manager),
            new(Domain::Care, t.nursing_org)
        )),
        DenyReason::OtherOrganization
    );
    let plan = t
        .engine
        .create_plan(
            &Actor::Worker(t.care_manager),
            new(Domain::Care, t.care_org),
        )
        .unwrap();
    // The assigned worker must be the provider's, in the plan's domain.
    let wrong = spec("X", "x", Some(t.nurse), 30, "FREQ=DAILY;BYHOUR=9");
    assert!(
        matches!(t.engine.add_plan_item(&Actor::Worker(t.care_manager), plan.id, wrong), Err(TehoError::InvalidInput { field, .. }) if field == "worker")
    );
    let long = spec("X", "x", Some(t.care_worker), 0, "FREQ=DAILY;BYHOUR=9");
    assert!(
        matches!(t.engine.add_plan_item(&Actor::Worker(t.care_manager), plan.id, long), Err(TehoError::InvalidInput { field, .. }) if field == "duration_minutes")
    );
}

fn changing_a_plan_item_regenerates_future_visits_and_keeps_recorded_ones(t: Town) {
    let p = t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    let cm = Actor::Worker(t.care_manager);
    let visits = |from, to| {
        t.engine
            .worker_calendar(&cw, t.care_worker, from, to)
            .unwrap()
    };
    // Tuesday: Monday's and Tuesday's visits are recorded, Wednesday's moved by hand.
    t.clock.set(tallinn(2026, 11, 3, 10, 0));
    let v = visits(day(2026, 11, 2), day(2026, 11, 4));
    t.engine
        .mark_done(&cw, v[0].id, DoneReport::default())
        .unwrap();
    t.engine
        .mark_not_done(
            &cw,
            v[1].id,
            Some(NotDoneReason::ClientNotAtHome),
            String::new(),
            None,
        )
        .unwrap();
    t.engine
        .move_visit(&cw, v[2].id, v[2].start + Duration::hours(2))
        .unwrap();
    let before: Vec<_> = visits(day(2026, 11, 2), day(2026, 11, 4));
    // The plan changes to 10:00.
    let mut changed = spec(
        "HOOLD-01",
        "Morning care",
        Some(t.care_worker),
        30,
        "FREQ=DAILY;BYHOUR=10",
    );
    changed.valid_from = day(2026, 11, 2);
    let out = t
        .engine
        .change_plan_item(&cm, p.care.item.id, changed.clone())
        .unwrap();
    let r = &out.regeneration;
    // The horizon now runs 3 Nov .. 25 Jan: Tuesday's not-done visit and Wednesday's
    // moved one keep their days; Monday's lies before the horizon.
    assert_eq!((r.kept_recorded.len(), r.kept_by_hand.len()), (1, 1));
    // 5 Nov .. 24 Jan (81 visits) move to 10:00: replaced; 25 Jan is new.
    assert_eq!(r.removed.len(), 81);
    assert_eq!(r.added.len(), 82);
    assert_eq!(
        visits(day(2026, 11, 2), day(2026, 11, 4)),
        before,
        "recorded and moved visits untouched"
    );
    let thursday = visits(day(2026, 11, 5), day(2026, 11, 5));
    assert_eq!(thursday.len(), 1);
    assert_eq!(thursday[0].start, tallinn(2026, 11, 5, 10, 0));
    // The same change again changes nothing.
    let again = t
        .engine
        .change_plan_item(&cm, p.care.item.id, changed)
        .unwrap();
    assert!(again.regeneration.is_noop(), "{:?}", again.regeneration);
}

fn this_and_following_splits_the_plan_item(t: Town) {
    let p = t.plan_week();
    let nm = Actor::Worker(t.nursing_manager);
    let mut next = spec(
        "ÕE-HAAV",
        "Wound care",
        Some(t.nurse),
        30,
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=12",
    );
    next.valid_from = day(2026, 11, 16);
    let split = t
        .engine
        .split_plan_item(&nm, p.nursing.item.id, day(2026, 11, 16), next)
        .unwrap();
    assert_eq!(split.ended.item.valid_until, Some(day(2026, 11, 15)));
    let nursing: Vec<String> = t
        .engine
        .client_calendar(&nm, t.file, day(2026, 11, 9), day(2026, 11, 22))
        .unwrap()
        .into_iter()
        .filter(|v| v.domain == Domain::Nursing)
        .map(|v| {
            v.start
                .with_timezone(&chrono_tz::Europe::Tallinn)
                .format("%d %a %H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(nursing, ["09 Mon 11:00", "12 Thu 11:00", "17 Tue 12:00"]);
    assert!(matches!(
        t.engine.split_plan_item(
            &nm,
            p.nursing.item.id,
            day(2026, 11, 2),
            spec("A", "b", None, 30, "FREQ=DAILY;BYHOUR=9")
        ),
        Err(TehoError::InvalidInput { .. })
    ));
}

fn a_workers_calendar_change_notifies_the_domain_manager_with_before_and_after(t: Town) {
    t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    let v = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 4), day(2026, 11, 4))
        .unwrap()[0]
        .clone();
    let after = v.start + Duration::minutes(90);
    let changed = t.engine.move_visit(&cw, v.id, after).unwrap();
    assert!(changed.visit.moved_by_hand);
    let inbox = t.engine.inbox(&Actor::Worker(t.care_manager)).unwrap();
    assert!(
        inbox.iter().any(|n| n.kind
            == NotificationKind::VisitMoved {
                visit: v.id,
                before: v.start,
                after
            }
            && n.about == Some(t.file)),
        "{inbox:?}"
    );
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.nursing_manager))
            .unwrap()
            .iter()
            .any(|n| matches!(n.kind, NotificationKind::VisitMoved { .. }))
    );
    // A care worker may not move nursing visits; a nurse may change the nursing part.
    let nursing = t
        .engine
        .client_calendar(&cw, t.file, day(2026, 11, 5), day(2026, 11, 5))
        .unwrap()
        .into_iter()
        .find(|v| v.domain == Domain::Nursing)
        .unwrap();
    assert_eq!(
        denied(
            t.engine
                .move_visit(&cw, nursing.id, nursing.start + Duration::hours(1))
        ),
        DenyReason::OtherDomain {
            domain: Domain::Nursing
        }
    );
    assert!(
        t.engine
            .move_visit(
                &Actor::Worker(t.nursing_manager),
                nursing.id,
                nursing.start + Duration::hours(1)
            )
            .is_ok()
    );
    // The manager's own change notifies nobody.
    let n_before = t
        .engine
        .inbox(&Actor::Worker(t.nursing_manager))
        .unwrap()
        .len();
    assert_eq!(
        t.engine
            .inbox(&Actor::Worker(t.nursing_manager))
            .unwrap()
            .len(),
        n_before
    );
    // Cancelling needs a reason.
    assert!(matches!(
        t.engine.cancel_visit(&cw, changed.visit.id, "  ".into()),
        Err(TehoError::ReasonRequired { .. })
    ));
    assert!(
        matches!(t.engine.cancel_visit(&cw, changed.visit.id, "Client at the day centre".into()), Ok(v) if v.status == VisitStatus::Cancelled)
    );
}

fn done_writes_the_service_log_with_a_domain_only_detail(t: Town) {
    t.plan_week();
    t.clock.set(tallinn(2026, 11, 2, 12, 0));
    let nurse = Actor::Worker(t.nurse);
    let v = t
        .engine
        .worker_calendar(&nurse, t.nurse, day(2026, 11, 2), day(2026, 11, 2))
        .unwrap()[0]
        .clone();
    let entry = t
        .engine
        .mark_done(
            &nurse,
            v.id,
            DoneReport {
                actual_start: Some(tallinn(2026, 11, 2, 11, 5)),
                actual_end: None,
                detail: Some("Wound 3 cm, clean".into()),
            },
        )
        .unwrap();
    assert_eq!(
        (entry.worker, entry.planned_start, entry.actual_start),
        (t.nurse, Some(v.start), tallinn(2026, 11, 2, 11, 5))
    );
    assert_eq!(entry.actual_end, tallinn(2026, 11, 2, 11, 50));
    let log = |actor: &Actor| {
        t.engine
            .service_log(actor, t.file, day(2026, 11, 1), day(2026, 11, 30))
            .unwrap()
    };
    assert!(log(&Actor::Worker(t.nursing_manager))[0].detail.is_some());
    assert!(
        log(&Actor::Worker(t.care_worker))[0].detail.is_none(),
        "the nursing detail is for nursing only"
    );
    assert!(log(&Actor::Person(t.relative))[0].detail.is_none());
    assert_eq!(log(&Actor::Person(t.client)).len(), 1);
    // Marking twice is a typed error.
    assert!(matches!(
        t.engine.mark_done(&nurse, v.id, DoneReport::default()),
        Err(TehoError::Conflict { .. })
    ));
    assert!(matches!(
        t.engine.mark_not_done(
            &nurse,
            v.id,
            Some(NotDoneReason::WorkerIll),
            String::new(),
            None
        ),
        Err(TehoError::Conflict { .. })
    ));
    // A visit that has not taken place cannot be done.
    let later = t
        .engine
        .worker_calendar(&nurse, t.nurse, day(2026, 11, 12), day(2026, 11, 12))
        .unwrap()[0]
        .clone();
    assert!(matches!(
        t.engine.mark_done(&nurse, later.id, DoneReport::default()),
        Err(TehoError::InvalidInput { .. })
    ));
}

fn not_done_needs_a_reason_and_reaches_the_right_manager(t: Town) {
    t.plan_week();
    t.clock.set(tallinn(2026, 11, 2, 12, 0));
    let cw = Actor::Worker(t.care_worker);
    let v = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 2))
        .unwrap()[0]
        .clone();
    let cm_inbox = |t: &Town| {
        t.engine
            .inbox(&Actor::Worker(t.care_manager))
            .unwrap()
            .len()
    };
    let before = cm_inbox(&t);
    assert!(matches!(
        t.engine.mark_not_done(&cw, v.id, None, "x".into(), None),
        Err(TehoError::ReasonRequired { .. })
    ));
    assert!(matches!(
        t.engine
            .mark_not_done(&cw, v.id, Some(NotDoneReason::Other), "   ".into(), None),
        Err(TehoError::ReasonRequired { .. })
    ));
    // Nothing was written by the refused calls.
    assert_eq!(
        t.engine
            .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 2))
            .unwrap()[0]
            .status,
        VisitStatus::Planned
    );
    assert_eq!(cm_inbox(&t), before);
    t.engine
        .mark_not_done(
            &cw,
            v.id,
            Some(NotDoneReason::ClientInHospital),
            "Taken to hospital on Sunday".into(),
            None,
        )
        .unwrap();
    let inbox = t.engine.inbox(&Actor::Worker(t.care_manager)).unwrap();
    assert!(inbox.iter().any(|n| n.kind
        == NotificationKind::VisitNotDone {
            visit: v.id,
            reason: NotDoneReason::ClientInHospital
        }));
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.nursing_manager))
            .unwrap()
            .iter()
            .any(|n| matches!(n.kind, NotificationKind::VisitNotDone { .. }))
    );
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.other_care_worker))
            .unwrap()
            .iter()
            .any(|n| n.about == Some(t.file))
    );
    // The client and the relative see it, with its reason.
    for person in [t.client, t.relative] {
        let cal = t
            .engine
            .client_calendar(
                &Actor::Person(person),
                t.file,
                day(2026, 11, 2),
                day(2026, 11, 2),
            )
            .unwrap();
        let nd = cal
            .iter()
            .find(|x| x.id == v.id)
            .unwrap()
            .not_done
            .clone()
            .unwrap();
        assert_eq!(
            (nd.reason, nd.text.as_str()),
            (
                NotDoneReason::ClientInHospital,
                "Taken to hospital on Sunday"
            )
        );
    }
}

fn a_manual_log_entry_records_an_unplanned_visit(t: Town) {
    t.clock.set(tallinn(2026, 11, 3, 18, 0));
    let entry = NewLogEntry {
        file: t.file,
        action: PlannedAction {
            code: "HOOLD-99".into(),
            text: "Extra visit: fell, helped up".into(),
        },
        actual_start: tallinn(2026, 11, 3, 16, 0),
        actual_end: tallinn(2026, 11, 3, 16, 40),
        place: "home".into(),
        detail: None,
    };
    let e = t
        .engine
        .add_log_entry(&Actor::Worker(t.care_worker), entry.clone())
        .unwrap();
    assert!(e.manual && e.visit.is_none() && e.domain == Domain::Care);
    assert_eq!(
        t.engine
            .service_log(
                &Actor::Person(t.relative),
                t.file,
                day(2026, 11, 3),
                day(2026, 11, 3)
            )
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        denied(
            t.engine
                .add_log_entry(&Actor::Person(t.relative), entry.clone())
        ),
        DenyReason::ReadOnly {
            role: Role::Relative
        }
    );
    assert_eq!(
        denied(
            t.engine
                .add_log_entry(&Actor::Worker(t.other_care_worker), entry)
        ),
        DenyReason::NotInNetwork
    );
}

fn missed_visits_are_the_managers_alert_list(t: Town) {
    t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    t.clock.set(tallinn(2026, 11, 4, 12, 0));
    let v = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 4))
        .unwrap();
    t.engine
        .mark_done(&cw, v[0].id, DoneReport::default())
        .unwrap();
    let missed = t
        .engine
        .missed_visits(&Actor::Worker(t.care_manager), t.care_org, Domain::Care, 60)
        .unwrap();
    assert_eq!(
        missed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [v[1].id, v[2].id],
        "Tue and Wed 09:00 passed with no outcome"
    );
    // With a threshold longer than Wednesday's lateness, only Tuesday's.
    assert_eq!(
        t.engine
            .missed_visits(
                &Actor::Worker(t.care_manager),
                t.care_org,
                Domain::Care,
                4 * 60
            )
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        denied(t.engine.missed_visits(&cw, t.care_org, Domain::Care, 60)),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.missed_visits(
            &Actor::Worker(t.nursing_manager),
            t.care_org,
            Domain::Care,
            60
        )),
        DenyReason::OtherOrganization
    );
}

fn overlapping_visits_of_a_worker_give_a_warning_not_an_error(t: Town) {
    let p = t.plan_week();
    let cm = Actor::Worker(t.care_manager);
    let out = t
        .engine
        .add_plan_item(
            &cm,
            p.care.item.plan,
            spec(
                "HOOLD-02",
                "Lunch",
                Some(t.care_worker),
                60,
                "FREQ=WEEKLY;BYDAY=FR;BYHOUR=8;BYMINUTE=45",
            ),
        )
        .unwrap();
    assert_eq!(
        out.conflicts.len(),
        12,
        "each Friday 08:45-09:45 overlaps the 09:00 visit"
    );
    assert!(out.conflicts.iter().all(|c| c.worker == t.care_worker));
    assert_eq!(out.regeneration.added.len(), 12);
}

fn monthly_report_counts_services_with_its_deadline(t: Town) {
    t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    t.clock.set(tallinn(2026, 11, 30, 20, 0));
    for v in t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 30))
        .unwrap()
        .into_iter()
        .take(10)
    {
        t.engine
            .mark_done(&cw, v.id, DoneReport::default())
            .unwrap();
    }
    let r = t
        .engine
        .monthly_report(
            &Actor::Worker(t.care_manager),
            t.care_org,
            Domain::Care,
            2026,
            11,
        )
        .unwrap();
    assert_eq!(r.deadline, day(2026, 12, 10));
    assert_eq!(r.lines.len(), 1);
    assert_eq!(
        (r.lines[0].count, r.lines[0].minutes, r.lines[0].clients),
        (10, 300, 1)
    );
    let own = t
        .engine
        .worker_report(&cw, t.care_worker, day(2026, 11, 1), day(2026, 11, 30))
        .unwrap();
    assert_eq!(own.len(), 10);
    assert!(matches!(
        t.engine.monthly_report(
            &Actor::Worker(t.care_manager),
            t.care_org,
            Domain::Care,
            2026,
            13
        ),
        Err(TehoError::InvalidInput { .. })
    ));
}

/// Opening a visit opens its plan (seed 000, "Koduõe/ hooldustöötaja kalender": "sellele
/// infole klikkides avaneb hooldus- või õenduskava"): what, how often in words and as an
/// RRULE, where, who is responsible, from when until when — for whoever sees the visit in
/// a calendar, redacted as there; refused to anyone else, and a visit that exists nowhere
/// is refused alike.
fn opening_a_visit_opens_its_plan_for_whoever_sees_it_in_a_calendar(t: Town) {
    let plans = t.plan_week();
    let nurse = Actor::Worker(t.nurse);
    t.clock.set(tallinn(2026, 11, 2, 13, 0));
    let wound = t
        .engine
        .worker_calendar(&nurse, t.nurse, day(2026, 11, 2), day(2026, 11, 2))
        .unwrap()
        .remove(0)
        .visit;
    t.engine
        .mark_not_done(
            &nurse,
            wound.id,
            Some(NotDoneReason::ClientNotAtHome),
            String::new(),
            Some("Neighbour has the key".into()),
        )
        .unwrap();
    let item = &plans.nursing.item;
    for reader in [
        nurse,
        Actor::Worker(t.nursing_manager),
        Actor::Worker(t.care_worker),
        Actor::Person(t.client),
        Actor::Person(t.relative),
    ] {
        let opened = t.engine.visit_with_plan(&reader, wound.id).unwrap();
        assert_eq!(opened.visit.visit.id, wound.id);
        assert_eq!(
            opened.visit.worker_name.as_deref(),
            Some("Teisi Tallinn"),
            "{reader:?}"
        );
        let plan = opened.plan.expect("a planned visit has its plan");
        assert_eq!(
            (plan.plan, plan.item, plan.domain, plan.provider),
            (item.plan, item.id, Domain::Nursing, t.nursing_org)
        );
        assert_eq!(plan.action, item.action);
        assert_eq!(plan.place, item.place);
        assert_eq!(
            plan.recurrence,
            "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11;BYMINUTE=0"
        );
        assert_eq!(
            plan.recurrence_in_words,
            "every week on Monday and Thursday at 11:00"
        );
        assert_eq!(
            (
                plan.worker,
                plan.valid_from,
                plan.valid_until,
                plan.duration_minutes
            ),
            (Some(t.nurse), day(2026, 11, 2), None, 45)
        );
        assert!(plan.worker_name.is_some() && plan.provider_name.is_some());
        // The nurse's comment is for the nursing domain alone, as in the calendar.
        let comment = opened.visit.visit.not_done.and_then(|n| n.detail);
        let nursing = matches!(reader, Actor::Worker(w) if w == t.nurse || w == t.nursing_manager);
        assert_eq!(comment.is_some(), nursing, "{reader:?}");
    }
    // Whoever may not see the client's calendar gets nothing, and an unknown visit id is
    // refused with the same reason.
    let stranger = Actor::Worker(t.other_care_worker);
    let refused = denied(t.engine.visit_with_plan(&stranger, wound.id));
    let unknown = denied(
        t.engine
            .visit_with_plan(&stranger, crate::ids::VisitId(uuid::Uuid::from_u128(7))),
    );
    assert_eq!(refused, unknown);
    assert!(matches!(
        t.engine
            .visit_with_plan(&Actor::Person(t.stranger), wound.id),
        Err(TehoError::AccessDenied { .. })
    ));
}

crate::testing::tests![
    plans_fill_the_client_and_worker_calendars,
    a_worker_calendar_leaves_out_clients_no_longer_served,
    only_the_domain_manager_of_the_provider_composes_a_plan,
    changing_a_plan_item_regenerates_future_visits_and_keeps_recorded_ones,
    this_and_following_splits_the_plan_item,
    a_workers_calendar_change_notifies_the_domain_manager_with_before_and_after,
    done_writes_the_service_log_with_a_domain_only_detail,
    not_done_needs_a_reason_and_reaches_the_right_manager,
    a_manual_log_entry_records_an_unplanned_visit,
    missed_visits_are_the_managers_alert_list,
    overlapping_visits_of_a_worker_give_a_warning_not_an_error,
    monthly_report_counts_services_with_its_deadline,
    opening_a_visit_opens_its_plan_for_whoever_sees_it_in_a_calendar,
];
