//! Every role's home view (seed 000, "TEHO vaade"), the client's and relative's view,
//! the hospital social worker's check of who serves a patient, and other providers
//! entering their own data on the card.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::access::{Actor, DenyReason};
use crate::case::ClientQuery;
use crate::file::{CardProvider, ContactKind, ContactPoint};
use crate::log::{DoneReport, NotDoneReason};
use crate::network::{Member, NewMembership};
use crate::notify::NotificationKind;
use crate::org::{Domain, NewOrganization, NewWorker, OrganizationKind, Role};
use crate::testing::{Town, code, day, denied, tallinn};

fn every_role_home_view_shows_its_clients_visits_and_alerts(t: Town) {
    t.plan_week();
    let view = |w| t.engine.home_view(&Actor::Worker(w)).unwrap();
    let cw = view(t.care_worker);
    assert_eq!(cw.role, Some(Role::CareWorker));
    assert_eq!(
        cw.clients
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["Laine Kask"]
    );
    assert_eq!(cw.visits_today.len(), 1, "today's 09:00 morning care");
    assert!(cw.missed_visits.is_empty(), "alerts are for managers");
    assert_eq!(view(t.social_worker).clients.len(), 1);
    assert!(view(t.other_care_worker).clients.is_empty());
    assert!(
        view(t.substitute_nurse).clients.is_empty(),
        "not before the substitution"
    );
    t.clock.set(tallinn(2026, 11, 10, 8, 0));
    assert_eq!(
        view(t.substitute_nurse).clients.len(),
        1,
        "the absent nurse's clients during it"
    );
    // Managers: the missed-visit alert list of their provider and domain.
    t.clock.set(tallinn(2026, 11, 3, 12, 0));
    assert_eq!(view(t.care_manager).missed_visits.len(), 2);
    assert_eq!(view(t.nursing_manager).missed_visits.len(), 1);
    // The client's and relative's home views list the file.
    assert_eq!(
        t.engine
            .home_view(&Actor::Person(t.client))
            .unwrap()
            .clients
            .len(),
        1
    );
    assert_eq!(
        t.engine
            .home_view(&Actor::Person(t.relative))
            .unwrap()
            .clients
            .len(),
        1
    );
    assert!(
        t.engine
            .home_view(&Actor::Person(t.stranger))
            .unwrap()
            .clients
            .is_empty()
    );
    assert!(matches!(
        denied(t.engine.home_view(&Actor::System)),
        DenyReason::RoleNotPermitted { .. }
    ));
}

fn the_client_and_relative_see_card_calendar_done_log_and_not_done_reasons(t: Town) {
    t.plan_week();
    t.clock.set(tallinn(2026, 11, 4, 20, 0));
    let cw = Actor::Worker(t.care_worker);
    let v = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 4))
        .unwrap();
    t.engine
        .mark_done(
            &cw,
            v[0].id,
            DoneReport {
                detail: Some("care-only detail".into()),
                ..DoneReport::default()
            },
        )
        .unwrap();
    t.engine
        .mark_not_done(
            &cw,
            v[1].id,
            Some(NotDoneReason::ClientRefused),
            "Did not want help today".into(),
            None,
        )
        .unwrap();
    for person in [t.client, t.relative] {
        let home = t
            .engine
            .client_home(&Actor::Person(person), t.file)
            .unwrap();
        assert!(home.card.is_some());
        assert_eq!(home.done.len(), 1);
        assert!(
            home.done[0].detail.is_none(),
            "domain-only details stay with the domain"
        );
        assert_eq!(home.not_done.len(), 1);
        assert_eq!(
            home.not_done[0].not_done.as_ref().unwrap().text,
            "Did not want help today"
        );
        assert!(
            home.coming.iter().all(|v| v.worker_name.is_some()),
            "who comes"
        );
        assert!(!home.coming.is_empty());
    }
    assert_eq!(
        denied(t.engine.client_home(&Actor::Person(t.stranger), t.file)),
        DenyReason::NotInNetwork
    );
}

fn the_hospital_social_worker_sees_only_whether_and_who_serves_a_patient(t: Town) {
    let admin = Actor::Worker(t.admin);
    let hospital = t
        .engine
        .register_organization(
            &admin,
            NewOrganization {
                name: "Ida-Tallinna Keskhaigla".into(),
                kind: OrganizationKind::Hospital,
                registry_code: None,
            },
        )
        .unwrap()
        .id;
    let hsw = t
        .engine
        .register_worker(
            &admin,
            NewWorker {
                personal_code: code("4720101040"),
                given_name: "Heli".into(),
                family_name: "Haigla".into(),
                organization: hospital,
                role: Role::HospitalSocialWorker,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id;
    let h = Actor::Worker(hsw);
    let check = t
        .engine
        .check_services(&h, ClientQuery::Code(code("4380303012")))
        .unwrap();
    assert_eq!(check.file, Some(t.file));
    let mut serving: Vec<(Domain, String)> = check
        .providers
        .iter()
        .map(|p| (p.domain, p.name.clone()))
        .collect();
    serving.sort();
    assert_eq!(
        serving,
        [
            (Domain::Care, "Lasnamäe Sotsiaalkeskus".to_string()),
            (Domain::Nursing, "Koduõde OÜ".to_string())
        ]
    );
    // Nothing else of the file.
    assert_eq!(
        denied(t.engine.client_file(&h, t.file)),
        DenyReason::NotInNetwork
    );
    // Nobody serves the stranger: the district social workers are told.
    let none = t
        .engine
        .check_services(&h, ClientQuery::Code(code("3700707014")))
        .unwrap();
    assert!(none.providers.is_empty() && none.file.is_none());
    assert_eq!(
        t.engine
            .notify_unserved(
                &h,
                ClientQuery::Code(code("3700707014")),
                "Patient leaves hospital on Friday, lives alone".into()
            )
            .unwrap(),
        1
    );
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.social_worker))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::PatientWithoutServices)
    );
    // Discharge information reaches the whole current network and the client.
    let sent = t
        .engine
        .send_discharge(
            &h,
            t.file,
            "Discharged 12 Nov; new medication list sent to the family doctor".into(),
        )
        .unwrap();
    assert_eq!(sent, 8);
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.nurse))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::Discharge)
    );
    assert!(
        !t.engine
            .inbox(&Actor::Worker(t.other_care_worker))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::Discharge)
    );
    // Refused: other roles do not use the hospital check.
    assert!(matches!(
        denied(t.engine.check_services(
            &Actor::Worker(t.care_worker),
            ClientQuery::Code(code("4380303012"))
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
}

fn other_providers_enter_their_own_data_on_the_card(t: Town) {
    let admin = Actor::Worker(t.admin);
    let org = t
        .engine
        .register_organization(
            &admin,
            NewOrganization {
                name: "Häirenupp AS".into(),
                kind: OrganizationKind::OtherProvider,
                registry_code: None,
            },
        )
        .unwrap()
        .id;
    let alarm = t
        .engine
        .register_worker(
            &admin,
            NewWorker {
                personal_code: code("3820101050"),
                given_name: "Ago".into(),
                family_name: "Nupp".into(),
                organization: org,
                role: Role::AlarmServiceProvider,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id;
    t.engine
        .add_member(
            &Actor::Worker(t.social_worker),
            NewMembership {
                file: t.file,
                member: Member::Worker(alarm),
                role: None,
                valid_from: day(2026, 11, 2),
                valid_until: None,
            },
        )
        .unwrap();
    let a = Actor::Worker(alarm);
    let contact = ContactPoint {
        kind: ContactKind::Phone,
        value: "+372 1220".into(),
        label: Some("24 h alarm centre".into()),
    };
    let card = t
        .engine
        .set_card_provider(
            &a,
            t.file,
            CardProvider {
                organization: org,
                assigned_worker: alarm,
                general_contact: contact.clone(),
            },
        )
        .unwrap();
    assert!(card.providers.iter().any(|p| p.organization == org));
    assert_eq!(
        denied(t.engine.set_card_provider(
            &a,
            t.file,
            CardProvider {
                organization: t.care_org,
                assigned_worker: t.care_worker,
                general_contact: contact.clone()
            }
        )),
        DenyReason::OtherOrganization
    );
    // Or an administrator enters it.
    assert!(
        t.engine
            .set_card_provider(
                &admin,
                t.file,
                CardProvider {
                    organization: org,
                    assigned_worker: alarm,
                    general_contact: contact
                }
            )
            .is_ok()
    );
}

crate::testing::tests![
    every_role_home_view_shows_its_clients_visits_and_alerts,
    the_client_and_relative_see_card_calendar_done_log_and_not_done_reasons,
    the_hospital_social_worker_sees_only_whether_and_who_serves_a_patient,
    other_providers_enter_their_own_data_on_the_card,
];
