//! A domain's own words reach that domain alone (seed `000_19cdf6fb7baf56d8.txt`: the
//! home nurse's comments before logging "näeb ainult koduõenduse valdkond"; the care
//! worker's detail is "nähtav ainult valdkonna rollidele"): the comment on a visit not
//! done, the reason a visit was cancelled and a done visit's detail never reach the
//! client, relatives, the other domain or anyone else, through any query.
//!
//! Derived from the API description: every query, asked with the town's ids by every
//! actor of the town. The oracle is a plain table of who belongs to which domain.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeSet;

use crate::access::Actor;
use crate::engine::Operation;
use crate::log::NotDoneReason;
use crate::org::Domain;
use crate::store::UnitKind;
use crate::testing::api::{Shape, requests};
use crate::testing::{Town, spec, tallinn};

const NURSE_NOT_DONE: &str = "NURSE-ONLY-not-done-5521";
const CARE_NOT_DONE: &str = "CARE-ONLY-not-done-8830";
const CARE_CANCELLED: &str = "CARE-ONLY-cancelled-1174";
const NURSE_DONE: &str = "NURSE-ONLY-done-3907";

fn a_domain_only_comment_reaches_that_domain_alone(t: Town) {
    let plans = t.plan_week();
    // A second care visit on the town's first day (Monday 2 November), at 14:00.
    let cm = Actor::Worker(t.care_manager);
    t.engine
        .add_plan_item(
            &cm,
            plans.care.item.plan,
            spec(
                "HOOLD-03",
                "Afternoon care",
                Some(t.care_worker),
                30,
                "FREQ=DAILY;BYHOUR=14",
            ),
        )
        .unwrap();
    t.clock.set(tallinn(2026, 11, 2, 16, 0));
    let (cw, nurse) = (Actor::Worker(t.care_worker), Actor::Worker(t.nurse));
    let day = t.clock_day();
    let mine = |a: &Actor, w| {
        t.engine
            .worker_calendar(a, w, day, day)
            .unwrap()
            .into_iter()
            .map(|c| c.visit)
            .collect::<Vec<_>>()
    };
    let care = mine(&cw, t.care_worker);
    let nursing = mine(&nurse, t.nurse);
    assert_eq!((care.len(), nursing.len()), (2, 1), "the day's visits");
    t.engine
        .cancel_visit(&cw, care[0].id, CARE_CANCELLED.into())
        .unwrap();
    t.engine
        .mark_not_done(
            &cw,
            care[1].id,
            Some(NotDoneReason::ClientRefused),
            "did not want it today".into(),
            Some(CARE_NOT_DONE.into()),
        )
        .unwrap();
    t.engine
        .mark_not_done(
            &nurse,
            nursing[0].id,
            Some(NotDoneReason::ClientNotAtHome),
            String::new(),
            Some(NURSE_NOT_DONE.into()),
        )
        .unwrap();
    // The nurse's own record of an unplanned visit, with a detail, on the same day.
    let nursing_next = t
        .engine
        .add_log_entry(
            &nurse,
            crate::log::NewLogEntry {
                file: t.file,
                action: crate::plan::PlannedAction {
                    code: "ÕE-VAATLUS".into(),
                    text: "Check-up".into(),
                },
                actual_start: tallinn(2026, 11, 2, 15, 0),
                actual_end: tallinn(2026, 11, 2, 15, 20),
                place: "home".into(),
                detail: Some(NURSE_DONE.into()),
            },
        )
        .unwrap();
    assert!(
        nursing_next.detail.is_some(),
        "the nurse reads her own detail"
    );

    // The oracle: who works in which domain.
    let in_domain = |a: &Actor| -> Option<Domain> {
        match a {
            Actor::Worker(w)
                if [t.care_worker, t.other_care_worker, t.care_manager].contains(w) =>
            {
                Some(Domain::Care)
            }
            Actor::Worker(w) if [t.nurse, t.substitute_nurse, t.nursing_manager].contains(w) => {
                Some(Domain::Nursing)
            }
            _ => None,
        }
    };
    let actors = [
        Actor::Worker(t.care_worker),
        Actor::Worker(t.other_care_worker),
        Actor::Worker(t.care_manager),
        Actor::Worker(t.nurse),
        Actor::Worker(t.substitute_nurse),
        Actor::Worker(t.nursing_manager),
        Actor::Worker(t.social_worker),
        Actor::Worker(t.admin),
        Actor::Worker(t.ska_supervisor),
        Actor::Worker(t.tb_supervisor),
        Actor::Worker(t.consultant),
        Actor::Person(t.client),
        Actor::Person(t.relative),
        Actor::Person(t.stranger),
        Actor::System,
    ];
    let markers = [
        (NURSE_NOT_DONE, Domain::Nursing),
        (NURSE_DONE, Domain::Nursing),
        (CARE_NOT_DONE, Domain::Care),
        (CARE_CANCELLED, Domain::Care),
    ];
    let mut leaks = Vec::new();
    let mut seen: BTreeSet<(&str, String)> = BTreeSet::new();
    let mut requests_of_each: Vec<(String, crate::engine::Request)> = requests(&t, Shape::Valid)
        .into_iter()
        .filter(|(_, _, r)| r.operation().kind() == UnitKind::Query)
        .map(|(name, _, r)| (name, r))
        .collect();
    // The nursing side's own queries too: the description's ids are the care side's.
    for (name, r) in requests_of_each.clone() {
        let mut v = serde_json::to_value(&r).unwrap();
        let text = v.to_string();
        if text.contains(&t.care_worker.0.to_string()) || text.contains(&t.care_org.0.to_string()) {
            let swapped = text
                .replace(&t.care_worker.0.to_string(), &t.nurse.0.to_string())
                .replace(&t.care_org.0.to_string(), &t.nursing_org.0.to_string())
                .replace("\"Care\"", "\"Nursing\"");
            v = serde_json::from_str(&swapped).unwrap();
            requests_of_each.push((
                format!("{name} (nursing)"),
                serde_json::from_value(v).unwrap(),
            ));
        }
    }
    // The marked visits opened one by one (the description's visit id is nobody's).
    for v in [care[0].id, care[1].id, nursing[0].id] {
        requests_of_each.push((
            format!("visit_with_plan {v}"),
            crate::engine::Request::VisitWithPlan { visit: v },
        ));
    }
    assert!(
        requests_of_each
            .iter()
            .any(|(_, r)| r.operation() == Operation::ClientCalendar),
        "the description has the client's calendar"
    );
    for (name, request) in &requests_of_each {
        for actor in &actors {
            let shown = match t.engine.execute(actor, request.clone()) {
                Ok(v) => v.to_string(),
                Err(e) => format!("{e} {e:?}"),
            };
            for (marker, domain) in markers {
                if shown.contains(marker) {
                    seen.insert((marker, format!("{actor:?}")));
                    if in_domain(actor) != Some(domain) {
                        leaks.push(format!("{name} as {actor:?} shows {marker}"));
                    }
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    // Not redacted away from the domain itself: each marker reaches its own workers.
    for (marker, who) in [
        (NURSE_NOT_DONE, t.nurse),
        (NURSE_NOT_DONE, t.nursing_manager),
        (NURSE_DONE, t.nurse),
        (CARE_NOT_DONE, t.care_worker),
        (CARE_NOT_DONE, t.care_manager),
        (CARE_CANCELLED, t.care_worker),
        (CARE_CANCELLED, t.care_manager),
    ] {
        assert!(
            seen.contains(&(marker, format!("{:?}", Actor::Worker(who)))),
            "{marker} should reach {who}, of its domain"
        );
    }
    // The client sees the visits themselves, with the coded reason, without the comments.
    let client_day = t
        .engine
        .client_calendar(&Actor::Person(t.client), t.file, day, day)
        .unwrap();
    assert!(
        client_day.iter().any(|c| c.visit.id == nursing[0].id
            && c.visit.not_done.as_ref().map(|n| n.reason) == Some(NotDoneReason::ClientNotAtHome)),
        "the client sees the nursing visit not done and why, by its code"
    );
}

crate::testing::tests![a_domain_only_comment_reaches_that_domain_alone];
