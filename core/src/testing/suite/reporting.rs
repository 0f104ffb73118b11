//! Reporting duties (seed 002 §15): monthly service reports by the 10th of the following
//! month; a care home's start and end of care within 14 calendar days.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::case::ServiceKind;
use crate::log::DoneReport;
use crate::network::{Member, NewMembership};
use crate::org::{NewOrganization, NewWorker, OrganizationKind, Role};
use crate::report::ReportKind;
use crate::testing::{Town, code, day, denied, tallinn};

fn monthly_reports_are_due_by_the_10th_and_overdue_after(t: Town) {
    t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    t.clock.set(tallinn(2026, 11, 30, 20, 0));
    for v in t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 30))
        .unwrap()
        .into_iter()
        .take(5)
    {
        t.engine
            .mark_done(&cw, v.id, DoneReport::default())
            .unwrap();
    }
    let cm = Actor::Worker(t.care_manager);
    let due = |t: &Town| {
        t.engine
            .reporting_deadlines(&cm, t.care_org, day(2026, 10, 1), day(2026, 12, 31))
            .unwrap()
    };
    let d = due(&t);
    assert_eq!(d.len(), 1, "only November had services: {d:?}");
    assert_eq!(
        (d[0].kind.clone(), d[0].deadline, d[0].overdue),
        (
            ReportKind::Monthly {
                year: 2026,
                month: 11
            },
            day(2026, 12, 10),
            false
        )
    );
    t.clock.set(tallinn(2026, 12, 11, 9, 0));
    assert!(due(&t)[0].overdue);
    t.engine
        .submit_report(
            &cm,
            t.care_org,
            ReportKind::Monthly {
                year: 2026,
                month: 11,
            },
        )
        .unwrap();
    let d = due(&t);
    assert!(!d[0].overdue && d[0].submitted_at == Some(tallinn(2026, 12, 11, 9, 0)));
    assert!(matches!(
        t.engine.submit_report(
            &cm,
            t.care_org,
            ReportKind::Monthly {
                year: 2026,
                month: 11
            }
        ),
        Err(TehoError::Conflict { .. })
    ));
    assert!(matches!(
        denied(
            t.engine
                .reporting_deadlines(&cw, t.care_org, day(2026, 10, 1), day(2026, 12, 31))
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.reporting_deadlines(
            &Actor::Worker(t.nursing_manager),
            t.care_org,
            day(2026, 10, 1),
            day(2026, 12, 31)
        )),
        DenyReason::OtherOrganization
    );
}

fn a_care_home_reports_start_and_end_within_14_days(t: Town) {
    let admin = Actor::Worker(t.admin);
    let home = t
        .engine
        .register_organization(
            &admin,
            NewOrganization {
                name: "Iru Hooldekodu".into(),
                kind: OrganizationKind::CareHome,
                registry_code: None,
            },
        )
        .unwrap()
        .id;
    let manager = t
        .engine
        .register_worker(
            &admin,
            NewWorker {
                personal_code: code("4750101060"),
                given_name: "Marika".into(),
                family_name: "Kadastik".into(),
                organization: home,
                role: Role::CareManager,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id;
    let sw = Actor::Worker(t.social_worker);
    t.engine
        .add_member(
            &sw,
            NewMembership {
                file: t.file,
                member: Member::Worker(manager),
                role: None,
                valid_from: day(2026, 11, 2),
                valid_until: None,
            },
        )
        .unwrap();
    let k = t
        .engine
        .prepare_contract(&sw, t.file, home, ServiceKind::GeneralCareOutsideHome)
        .unwrap();
    t.engine
        .conclude_contract(&sw, k.id, day(2026, 11, 5))
        .unwrap();
    let m = Actor::Worker(manager);
    t.clock.set(tallinn(2026, 11, 25, 9, 0));
    let due = t
        .engine
        .reporting_deadlines(&m, home, day(2026, 11, 1), day(2026, 12, 31))
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].kind.clone(), due[0].deadline, due[0].overdue),
        (
            ReportKind::CareHomeStart { contract: k.id },
            day(2026, 11, 19),
            true
        )
    );
    t.engine
        .terminate_contract(&sw, k.id, day(2026, 11, 24), "Moved back home".into())
        .unwrap();
    let due = t
        .engine
        .reporting_deadlines(&m, home, day(2026, 11, 1), day(2026, 12, 31))
        .unwrap();
    assert!(
        due.iter()
            .any(|d| d.kind == ReportKind::CareHomeEnd { contract: k.id }
                && d.deadline == day(2026, 12, 8)
                && !d.overdue)
    );
}

crate::testing::tests![
    monthly_reports_are_due_by_the_10th_and_overdue_after,
    a_care_home_reports_start_and_end_within_14_days,
];
