//! The death cascade across providers, idempotent notice imports, a void that restores
//! exactly what is still in the future, and line-numbered import problems.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::calendar::VisitStatus;
use crate::case::{ContractStatus, ServiceKind};
use crate::log::DoneReport;
use crate::network::Member;
use crate::notify::NotificationKind;
use crate::register::{NoticeFormat, parse_notices};
use crate::testing::{Town, code, day, denied, tallinn};

fn notice_json(code: &str, kind: &str, date: &str, reference: &str) -> String {
    format!(
        r#"{{"personal_code":"{code}","kind":"{kind}","date":"{date}","source_reference":"{reference}"}}"#
    )
}

const LAINE: &str = "43803030124";

/// The town with both plans, a concluded care contract and some recorded visits.
fn prepared(t: &Town) {
    t.plan_week();
    let sw = Actor::Worker(t.social_worker);
    let k = t
        .engine
        .prepare_contract(&sw, t.file, t.care_org, ServiceKind::HomeCare)
        .unwrap();
    t.engine
        .conclude_contract(&sw, k.id, day(2026, 11, 2))
        .unwrap();
    t.clock.set(tallinn(2026, 11, 9, 20, 0));
    let cw = Actor::Worker(t.care_worker);
    for v in t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 6))
        .unwrap()
    {
        t.engine
            .mark_done(&cw, v.id, DoneReport::default())
            .unwrap();
    }
}

fn the_death_cascade_cancels_exactly_the_visits_after_the_date_across_providers(t: Town) {
    prepared(&t);
    let sw = Actor::Worker(t.social_worker);
    let all = |t: &Town| {
        t.engine
            .client_calendar(&observer(t), t.file, day(2026, 11, 1), day(2027, 1, 31))
            .unwrap()
    };
    let before = all(&t);
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    let batch = parse_notices(
        &notice_json(LAINE, "death", "2026-11-10", "RR-2026-555"),
        NoticeFormat::JsonLines,
    );
    let report = t.engine.import_notices(&Actor::System, batch).unwrap();
    assert_eq!(report.deaths.len(), 1);
    let effects = &report.deaths[0].1;
    let after = all(&t);
    assert_eq!(after.len(), before.len(), "nothing is deleted");
    let end_of_death_day = tallinn(2026, 11, 11, 0, 0);
    for (b, a) in before.iter().zip(after.iter()) {
        assert_eq!(a.id, b.id);
        if b.start >= end_of_death_day && b.status == VisitStatus::Planned {
            assert_eq!(
                a.status,
                VisitStatus::Cancelled,
                "{:?} {} after the death",
                a.domain,
                a.start
            );
            assert!(effects.visits_cancelled.contains(&a.id));
        } else {
            assert_eq!(
                a, b,
                "a visit on or before the death day, or recorded, is untouched"
            );
        }
    }
    assert!(
        after
            .iter()
            .any(|v| v.domain == crate::org::Domain::Nursing && v.status == VisitStatus::Cancelled),
        "across providers"
    );
    // Memberships, plans and contracts end on the date: the network's access ends.
    assert!(
        matches!(denied(t.engine.network(&sw, t.file)), DenyReason::MembershipNotActive { until: Some(u), .. } if u == day(2026, 11, 10))
    );
    assert_eq!(effects.memberships_ended.len(), 7);
    assert_eq!(effects.plan_items_ended.len(), 2);
    assert_eq!(effects.contracts_terminated.len(), 1);
    assert_eq!(
        t.engine.contracts(&observer(&t), t.file).unwrap()[0].status,
        ContractStatus::Terminated
    );
    // The whole network, the relative included, is told.
    for who in [
        Actor::Worker(t.care_manager),
        Actor::Worker(t.nurse),
        Actor::Person(t.relative),
    ] {
        assert!(
            t.engine.inbox(&who).unwrap().iter().any(|n| n.kind
                == NotificationKind::ClientDeceased {
                    date: day(2026, 11, 10)
                }),
            "{who:?}"
        );
    }
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.other_care_worker))
            .unwrap()
            .iter()
            .any(|n| matches!(n.kind, NotificationKind::ClientDeceased { .. }))
    );
}

fn importing_the_same_notice_twice_changes_nothing_and_says_so(t: Town) {
    prepared(&t);
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    let text = notice_json(LAINE, "death", "2026-11-10", "RR-2026-555");
    t.engine
        .import_notices(
            &Actor::System,
            parse_notices(&text, NoticeFormat::JsonLines),
        )
        .unwrap();
    let calendar = t
        .engine
        .client_calendar(&observer(&t), t.file, day(2026, 11, 1), day(2027, 1, 31))
        .unwrap();
    let inbox = t.engine.inbox(&Actor::Person(t.relative)).unwrap().len();
    let again = t
        .engine
        .import_notices(
            &Actor::System,
            parse_notices(&text, NoticeFormat::JsonLines),
        )
        .unwrap();
    assert_eq!(
        (again.deaths.len(), again.duplicates.as_slice()),
        (0, &[1][..])
    );
    assert_eq!(
        t.engine
            .client_calendar(&observer(&t), t.file, day(2026, 11, 1), day(2027, 1, 31))
            .unwrap(),
        calendar
    );
    assert_eq!(
        t.engine.inbox(&Actor::Person(t.relative)).unwrap().len(),
        inbox
    );
    // A different notice with another date contradicts the record: refused, by line.
    let other = notice_json(LAINE, "death", "2026-11-08", "RR-2026-556");
    let r = t
        .engine
        .import_notices(
            &Actor::System,
            parse_notices(&other, NoticeFormat::JsonLines),
        )
        .unwrap();
    assert_eq!(r.refused.iter().map(|p| p.line).collect::<Vec<_>>(), [1]);
}

fn a_void_restores_exactly_what_is_still_in_the_future(t: Town) {
    prepared(&t);
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    let sw = Actor::Worker(t.social_worker);
    let effects = t
        .engine
        .record_death(
            &sw,
            t.client,
            day(2026, 11, 10),
            "phone call from the relative".into(),
        )
        .unwrap();
    // Nine days later it turns out to be a wrong person.
    t.clock.set(tallinn(2026, 11, 20, 12, 0));
    let comp = t
        .engine
        .void_death(&sw, t.client, "Wrong person: a namesake died".into())
        .unwrap();
    let now = tallinn(2026, 11, 20, 12, 0);
    let calendar = t
        .engine
        .client_calendar(&observer(&t), t.file, day(2026, 11, 1), day(2027, 1, 31))
        .unwrap();
    for id in &effects.visits_cancelled {
        let v = calendar.iter().find(|v| v.id == *id).unwrap();
        if v.start > now {
            assert_eq!(
                v.status,
                VisitStatus::Planned,
                "a visit still ahead comes back"
            );
            assert!(comp.visits_restored.contains(id));
        } else {
            assert_eq!(
                v.status,
                VisitStatus::Cancelled,
                "a visit in the past stays as it went"
            );
            assert!(comp.visits_left_cancelled.contains(id));
        }
    }
    assert!(!comp.visits_restored.is_empty() && !comp.visits_left_cancelled.is_empty());
    assert_eq!(
        comp.memberships_restored.len(),
        effects.memberships_ended.len()
    );
    assert!(
        t.engine
            .client_file(&Actor::Worker(t.care_worker), t.file)
            .is_ok(),
        "memberships run again"
    );
    assert_eq!(
        t.engine.contracts(&observer(&t), t.file).unwrap()[0].status,
        ContractStatus::Concluded
    );
    assert!(
        t.engine
            .inbox(&Actor::Person(t.relative))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::DeathCorrected)
    );
    // Voiding twice finds nothing to void.
    assert!(matches!(
        t.engine.void_death(&sw, t.client, "again".into()),
        Err(TehoError::NotFound { .. })
    ));
}

fn a_corrected_date_moves_the_cascade(t: Town) {
    prepared(&t);
    let sw = Actor::Worker(t.social_worker);
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    t.engine
        .record_death(&sw, t.client, day(2026, 11, 10), "register".into())
        .unwrap();
    t.clock.set(tallinn(2026, 11, 16, 9, 0));
    let (_, redone) = t
        .engine
        .correct_death_date(
            &sw,
            t.client,
            day(2026, 11, 15),
            "The register corrected the date".into(),
        )
        .unwrap();
    assert!(!redone.visits_cancelled.is_empty());
    let m = t
        .engine
        .network(&observer(&t), t.file)
        .unwrap()
        .into_iter()
        .find(|m| m.member == Member::Worker(t.care_worker))
        .unwrap();
    assert_eq!(m.valid_until, Some(day(2026, 11, 15)));
}

fn a_malformed_notices_file_imports_the_good_lines_and_reports_the_bad_ones(t: Town) {
    t.plan_week();
    t.clock.set(tallinn(2026, 11, 20, 9, 0));
    let (unknown1, unknown2) = (code("3900101000"), code("4900101000"));
    let csv = format!(
        "personal_code,kind,date,source_reference\n{LAINE},disability_severity_ending,2026-12-31,RR-1\n{LAINE},disability ending,2026-12-31,RR-2\n{unknown1},death,2026-11-10,RR-3\n{unknown2},death,2026-11-10,RR-4\n,,,\n"
    );
    let report = t
        .engine
        .import_notices(&Actor::System, parse_notices(&csv, NoticeFormat::Csv))
        .unwrap();
    assert_eq!(
        report.disability_endings,
        [(2, 1)],
        "the care worker is told"
    );
    assert_eq!(
        report.malformed.iter().map(|p| p.line).collect::<Vec<_>>(),
        [3, 6]
    );
    assert_eq!(
        report.refused.iter().map(|p| p.line).collect::<Vec<_>>(),
        [4, 5],
        "unknown people are reported by line"
    );
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.care_worker))
            .unwrap()
            .iter()
            .any(|n| n.kind
                == NotificationKind::DisabilitySeverityEnding {
                    date: day(2026, 12, 31)
                })
    );
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.nurse))
            .unwrap()
            .iter()
            .any(|n| matches!(n.kind, NotificationKind::DisabilitySeverityEnding { .. }))
    );
}

fn only_the_social_worker_or_the_import_records_a_death(t: Town) {
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    assert!(matches!(
        denied(t.engine.record_death(
            &Actor::Worker(t.care_worker),
            t.client,
            day(2026, 11, 10),
            "x".into()
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.record_death(
            &Actor::Worker(t.other_care_worker),
            t.client,
            day(2026, 11, 10),
            "x".into()
        )),
        DenyReason::NotInNetwork
    );
    assert!(matches!(
        denied(
            t.engine
                .import_notices(&Actor::Worker(t.social_worker), Default::default())
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert!(matches!(
        t.engine.record_death(
            &Actor::Worker(t.social_worker),
            t.client,
            day(2026, 12, 1),
            "x".into()
        ),
        Err(TehoError::InvalidInput { .. })
    ));
}

/// Someone who may still read the file after the death: a supervisor.
fn observer(t: &Town) -> Actor {
    Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-TEST".into(),
    }
}

crate::testing::tests![
    the_death_cascade_cancels_exactly_the_visits_after_the_date_across_providers,
    importing_the_same_notice_twice_changes_nothing_and_says_so,
    a_void_restores_exactly_what_is_still_in_the_future,
    a_corrected_date_moves_the_cascade,
    a_malformed_notices_file_imports_the_good_lines_and_reports_the_bad_ones,
    only_the_social_worker_or_the_import_records_a_death,
];
