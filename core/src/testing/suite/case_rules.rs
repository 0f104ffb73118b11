//! The case from application to service, one test per step, each with the allowed path
//! and a refused actor with the reason, on every store.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DataCategory, DenyReason, Visibility};
use crate::case::{
    AnswerValue, ClientQuery, ContractStatus, DecisionOutcome, NewApplication, NewAssessment,
    NewDecision, NewReferral, ReferralSource, ReferralStatus, ServiceKind,
};
use crate::file::{ContactKind, ContactPoint, NewCard, NewEntry};
use crate::ids::{ClientFileId, PersonId};
use crate::network::Member;
use crate::notify::NotificationKind;
use crate::org::{Domain, NewOrganization, NewWorker, OrganizationKind, Role};
use crate::person::{NewPerson, PersonIdentity};
use crate::testing::{Town, code, day, denied, needs_answers, tallinn};

/// A second client, whose file the social worker opens; no provider serves them yet.
fn new_client(t: &Town, first_ten: &str) -> (PersonId, ClientFileId) {
    let sw = Actor::Worker(t.social_worker);
    let p = t
        .engine
        .register_person(
            &sw,
            NewPerson {
                identity: PersonIdentity::Estonian(code(first_ten)),
                given_name: "Helmi".into(),
                family_name: "Mänd".into(),
                birth_date: None,
            },
        )
        .unwrap();
    let f = t
        .engine
        .open_client_file(
            &sw,
            p.id,
            NewCard {
                residence: Some("Pae 3-7".into()),
                contacts: vec![],
                good_to_know: String::new(),
            },
        )
        .unwrap();
    (p.id, f.id)
}

fn contact() -> ContactPoint {
    ContactPoint {
        kind: ContactKind::Phone,
        value: "+372 600 1234".into(),
        label: Some("Office".into()),
    }
}

fn find_or_create_finds_an_existing_file_and_refuses_a_second(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let found = t
        .engine
        .find_client(&sw, ClientQuery::Code(code("4380303012")))
        .unwrap();
    assert_eq!(found.iter().map(|f| f.file).collect::<Vec<_>>(), [t.file]);
    assert_eq!(
        t.engine
            .find_client(&sw, ClientQuery::Name("laine KASK".into()))
            .unwrap()
            .len(),
        1
    );
    // A search that finds nothing is an answer too, and audited.
    let cp = t.engine.audit_checkpoint(&Actor::System).unwrap();
    assert!(
        t.engine
            .find_client(&sw, ClientQuery::Code(code("4990909099")))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.engine.audit_checkpoint(&Actor::System).unwrap().entries,
        cp.entries + 2
    );
    assert!(matches!(
        t.engine.find_client(&sw, ClientQuery::Name("ka".into())),
        Err(TehoError::InvalidInput { .. })
    ));
    // A second file for the same person is a conflict naming the existing file.
    assert!(
        matches!(t.engine.open_client_file(&sw, t.client, NewCard::default()), Err(TehoError::Conflict { id, .. }) if id == t.file.to_string())
    );
    // Care workers do not search the register.
    assert!(matches!(
        denied(t.engine.find_client(
            &Actor::Worker(t.care_worker),
            ClientQuery::Code(code("4380303012"))
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
}

fn applications_and_decisions_are_kept_and_a_negative_decision_starts_nothing(t: Town) {
    let (_, file) = new_client(&t, "4400404044");
    let sw = Actor::Worker(t.social_worker);
    let app = t
        .engine
        .enter_application(
            &sw,
            NewApplication {
                file,
                applicant: None,
                service: ServiceKind::HomeCare,
                submitted_on: day(2026, 10, 30),
            },
        )
        .unwrap();
    let before = t
        .engine
        .inbox(&Actor::Worker(t.care_manager))
        .unwrap()
        .len();
    let no = t
        .engine
        .decide_application(
            &sw,
            NewDecision {
                application: app.id,
                outcome: DecisionOutcome::Negative,
                reasons: "Relatives provide the care".into(),
                legal_basis: "SHS § 20".into(),
                provider: None,
                decided_on: day(2026, 11, 2),
            },
        )
        .unwrap();
    assert_eq!(
        t.engine.decisions(&sw, file).unwrap(),
        std::slice::from_ref(&no)
    );
    assert_eq!(
        t.engine.applications(&sw, file).unwrap(),
        std::slice::from_ref(&app)
    );
    // It starts nothing: no notice, no access for the provider.
    assert_eq!(
        t.engine
            .inbox(&Actor::Worker(t.care_manager))
            .unwrap()
            .len(),
        before
    );
    assert_eq!(
        denied(t.engine.client_file(&Actor::Worker(t.care_manager), file)),
        DenyReason::NotInNetwork
    );
    // A decision is made once.
    assert!(matches!(
        t.engine.decide_application(
            &sw,
            NewDecision {
                application: app.id,
                outcome: DecisionOutcome::Positive,
                reasons: "x".into(),
                legal_basis: "x".into(),
                provider: Some(t.care_org),
                decided_on: day(2026, 11, 2)
            }
        ),
        Err(TehoError::Conflict { .. })
    ));
    // Refused: a care worker of the network may not enter applications.
    assert_eq!(
        denied(t.engine.enter_application(
            &Actor::Worker(t.care_worker),
            NewApplication {
                file: t.file,
                applicant: None,
                service: ServiceKind::HomeCare,
                submitted_on: day(2026, 10, 30)
            }
        )),
        DenyReason::OutsideScope {
            role: Role::CareWorker,
            category: DataCategory::ApplicationDecision
        }
    );
}

fn a_positive_decision_directs_the_client_and_notifies_the_care_manager(t: Town) {
    let (_, file) = new_client(&t, "4400404044");
    let sw = Actor::Worker(t.social_worker);
    let cm = Actor::Worker(t.care_manager);
    assert_eq!(
        denied(t.engine.client_card(&cm, file)),
        DenyReason::NotInNetwork
    );
    let app = t
        .engine
        .enter_application(
            &sw,
            NewApplication {
                file,
                applicant: None,
                service: ServiceKind::HomeCare,
                submitted_on: day(2026, 10, 30),
            },
        )
        .unwrap();
    // A positive decision must name a provider of the service.
    assert!(
        matches!(t.engine.decide_application(&sw, NewDecision { application: app.id, outcome: DecisionOutcome::Positive, reasons: "Needs help".into(), legal_basis: "SHS § 20".into(), provider: Some(t.nursing_org), decided_on: day(2026, 11, 2) }), Err(TehoError::InvalidInput { field, .. }) if field == "provider")
    );
    t.engine
        .decide_application(
            &sw,
            NewDecision {
                application: app.id,
                outcome: DecisionOutcome::Positive,
                reasons: "Needs help with daily activities".into(),
                legal_basis: "SHS § 20".into(),
                provider: Some(t.care_org),
                decided_on: day(2026, 11, 2),
            },
        )
        .unwrap();
    assert!(t.engine.inbox(&cm).unwrap().iter().any(|n| n.kind
        == NotificationKind::ClientDirected {
            service: ServiceKind::HomeCare
        }
        && n.about == Some(file)));
    // From the notice the care manager views the file and edits the card…
    assert!(t.engine.client_file(&cm, file).is_ok());
    assert!(
        t.engine
            .update_good_to_know(&cm, file, "Hard of hearing: ring twice".into())
            .is_ok()
    );
    // …while the nursing manager and the care workers have no standing yet.
    assert_eq!(
        denied(
            t.engine
                .client_file(&Actor::Worker(t.nursing_manager), file)
        ),
        DenyReason::NotInNetwork
    );
    assert_eq!(
        denied(t.engine.client_file(&Actor::Worker(t.care_worker), file)),
        DenyReason::NotInNetwork
    );
    // The provider sees the directing decision but not the municipality's reasons for others.
    assert_eq!(t.engine.decisions(&cm, file).unwrap().len(), 1);
    assert!(matches!(
        denied(t.engine.applications(&cm, file)),
        DenyReason::OutsideScope { .. }
    ));
}

fn registration_and_assignment_make_the_provider_a_member_with_two_contacts(t: Town) {
    let (_, file) = new_client(&t, "4400404044");
    let sw = Actor::Worker(t.social_worker);
    let cm = Actor::Worker(t.care_manager);
    let app = t
        .engine
        .enter_application(
            &sw,
            NewApplication {
                file,
                applicant: None,
                service: ServiceKind::HomeCare,
                submitted_on: day(2026, 10, 30),
            },
        )
        .unwrap();
    // Refused before a direction: nothing to register.
    assert_eq!(
        denied(t.engine.register_client(&cm, file)),
        DenyReason::NotInNetwork
    );
    t.engine
        .decide_application(
            &sw,
            NewDecision {
                application: app.id,
                outcome: DecisionOutcome::Positive,
                reasons: "Needs help".into(),
                legal_basis: "SHS § 20".into(),
                provider: Some(t.care_org),
                decided_on: day(2026, 11, 2),
            },
        )
        .unwrap();
    let m = t.engine.register_client(&cm, file).unwrap();
    assert_eq!(
        (m.member, m.provider),
        (Member::Worker(t.care_manager), Some(t.care_org))
    );
    assert!(matches!(
        t.engine.register_client(&cm, file),
        Err(TehoError::Conflict { .. })
    ));
    let card = t
        .engine
        .assign_worker(&cm, file, t.care_worker, contact())
        .unwrap();
    let p = card
        .providers
        .iter()
        .find(|p| p.organization == t.care_org)
        .unwrap();
    assert_eq!(
        (p.assigned_worker, p.general_contact.value.as_str()),
        (t.care_worker, "+372 600 1234")
    );
    assert!(
        t.engine
            .client_file(&Actor::Worker(t.care_worker), file)
            .is_ok(),
        "the assigned worker joins the network"
    );
    // Changing the assigned worker notifies both.
    t.engine
        .assign_worker(&cm, file, t.other_care_worker, contact())
        .unwrap();
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.other_care_worker))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::AssignedToClient && n.about == Some(file))
    );
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.care_worker))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::UnassignedFromClient && n.about == Some(file))
    );
    // Refused: a care worker assigns nobody; a nursing manager cannot assign care workers.
    assert!(matches!(
        denied(t.engine.assign_worker(
            &Actor::Worker(t.care_worker),
            file,
            t.care_worker,
            contact()
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.assign_worker(
            &Actor::Worker(t.nursing_manager),
            file,
            t.care_worker,
            contact()
        )),
        DenyReason::NotInNetwork
    );
}

fn referral_for_home_nursing_starts_in_the_existing_file_or_opens_one(t: Town) {
    let admin = Actor::Worker(t.admin);
    let practice = t
        .engine
        .register_organization(
            &admin,
            NewOrganization {
                name: "Perearstikeskus".into(),
                kind: OrganizationKind::FamilyMedicinePractice,
                registry_code: None,
            },
        )
        .unwrap()
        .id;
    let doctor = t
        .engine
        .register_worker(
            &admin,
            NewWorker {
                personal_code: code("3700101030"),
                given_name: "Dr".into(),
                family_name: "Tamm".into(),
                organization: practice,
                role: Role::FamilyDoctor,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id;
    let nm = Actor::Worker(t.nursing_manager);
    let referral = |patient| NewReferral {
        patient,
        source: ReferralSource::HealthInformationSystem {
            document_id: "TIS-123".into(),
        },
        start: day(2026, 11, 2),
        end: Some(day(2026, 12, 31)),
        doctor_name: "Dr Tamm".into(),
        doctor: Some(doctor),
    };
    // A patient with no file: registering opens the file (the nursing history) and card.
    let sw = Actor::Worker(t.social_worker);
    let patient = t
        .engine
        .register_person(
            &sw,
            NewPerson {
                identity: PersonIdentity::Estonian(code("3450505055")),
                given_name: "Ants".into(),
                family_name: "Kuusk".into(),
                birth_date: None,
            },
        )
        .unwrap()
        .id;
    let r = t.engine.enter_referral(&nm, referral(patient)).unwrap();
    let (file, r) = t.engine.register_referral(&nm, r.id).unwrap();
    assert_eq!(r.status, ReferralStatus::Registered { file: file.id });
    assert!(t.engine.client_card(&nm, file.id).is_ok());
    assert!(
        t.engine
            .inbox(&Actor::Worker(doctor))
            .unwrap()
            .iter()
            .any(|n| n.kind == NotificationKind::ReferralRegistered)
    );
    // An existing client: home nursing starts in the same file.
    let r2 = t.engine.enter_referral(&nm, referral(t.client)).unwrap();
    let (same, _) = t.engine.register_referral(&nm, r2.id).unwrap();
    assert_eq!(same.id, t.file);
    // The nurse is assigned on the card.
    let card = t
        .engine
        .assign_worker(&nm, file.id, t.nurse, contact())
        .unwrap();
    assert!(
        card.providers
            .iter()
            .any(|p| p.organization == t.nursing_org && p.assigned_worker == t.nurse)
    );
    // Rejection needs a reason; then the referral is closed.
    let r3 = t
        .engine
        .enter_referral(
            &nm,
            NewReferral {
                source: ReferralSource::Paper,
                ..referral(patient)
            },
        )
        .unwrap();
    assert!(matches!(
        t.engine.reject_referral(&nm, r3.id, " ".into()),
        Err(TehoError::ReasonRequired { .. })
    ));
    let r3 = t
        .engine
        .reject_referral(&nm, r3.id, "Needs hospital care instead".into())
        .unwrap();
    assert!(matches!(r3.status, ReferralStatus::Rejected { .. }));
    assert!(matches!(
        t.engine.register_referral(&nm, r3.id),
        Err(TehoError::Conflict { .. })
    ));
    // Refused: a care manager handles no referrals.
    assert!(matches!(
        denied(
            t.engine
                .enter_referral(&Actor::Worker(t.care_manager), referral(patient))
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
}

fn terminating_a_contract_ends_exactly_that_providers_future_visits(t: Town) {
    t.plan_week();
    let sw = Actor::Worker(t.social_worker);
    let care = t
        .engine
        .prepare_contract(&sw, t.file, t.care_org, ServiceKind::HomeCare)
        .unwrap();
    assert!(matches!(
        t.engine
            .prepare_contract(&sw, t.file, t.care_org, ServiceKind::HomeNursing),
        Err(TehoError::InvalidInput { .. })
    ));
    let care = t
        .engine
        .conclude_contract(&sw, care.id, day(2026, 11, 2))
        .unwrap();
    assert_eq!(care.status, ContractStatus::Concluded);
    // Some visits are recorded before the end.
    t.clock.set(tallinn(2026, 11, 14, 20, 0));
    let cw = Actor::Worker(t.care_worker);
    let v = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 3))
        .unwrap();
    t.engine
        .mark_done(&cw, v[0].id, Default::default())
        .unwrap();
    let calendar = |t: &Town| {
        t.engine
            .client_calendar(
                &Actor::Worker(t.social_worker),
                t.file,
                day(2026, 11, 1),
                day(2027, 1, 31),
            )
            .unwrap()
    };
    let before = calendar(&t);
    // Refused: the nurse may not, the nursing manager is another organisation.
    assert!(matches!(
        denied(t.engine.terminate_contract(
            &Actor::Worker(t.nurse),
            care.id,
            day(2026, 11, 15),
            "x".into()
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.terminate_contract(
            &Actor::Worker(t.nursing_manager),
            care.id,
            day(2026, 11, 15),
            "x".into()
        )),
        DenyReason::OtherOrganization
    );
    let (k, effects) = t
        .engine
        .terminate_contract(
            &Actor::Worker(t.care_manager),
            care.id,
            day(2026, 11, 15),
            "Moved to a care home".into(),
        )
        .unwrap();
    assert_eq!(k.status, ContractStatus::Terminated);
    let after = calendar(&t);
    let gone: Vec<_> = before
        .iter()
        .filter(|v| !after.iter().any(|a| a.id == v.id))
        .collect();
    // Exactly the care visits after 15 Nov are gone; recorded and nursing visits stay.
    assert!(
        gone.iter()
            .all(|v| v.domain == Domain::Care && v.start >= tallinn(2026, 11, 16, 0, 0)),
        "only future care visits end"
    );
    assert_eq!(gone.len(), effects.visits_ended.len());
    assert_eq!(
        gone.len(),
        before
            .iter()
            .filter(|v| v.domain == Domain::Care && v.start >= tallinn(2026, 11, 16, 0, 0))
            .count()
    );
    assert_eq!(
        after.iter().find(|x| x.id == v[0].id).map(|x| x.status),
        Some(crate::calendar::VisitStatus::Done),
        "the recorded visit stays"
    );
    assert!(!gone.is_empty());
    assert_eq!(
        after.iter().filter(|v| v.domain == Domain::Nursing).count(),
        before
            .iter()
            .filter(|v| v.domain == Domain::Nursing)
            .count()
    );
    // The provider's memberships end on the last day.
    t.clock.set(tallinn(2026, 11, 16, 9, 0));
    assert!(matches!(
        denied(t.engine.client_file(&cw, t.file)),
        DenyReason::MembershipNotActive { .. }
    ));
    assert!(
        t.engine
            .client_file(&Actor::Worker(t.nurse), t.file)
            .is_ok()
    );
}

fn assessments_follow_their_domain_and_refuse_s_codes(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let needs = |icf: Vec<&str>| NewAssessment {
        file: t.file,
        instrument: "NEEDS".into(),
        version: 1,
        answers: needs_answers(2),
        icf: icf.into_iter().map(String::from).collect(),
    };
    assert!(matches!(
        t.engine
            .record_assessment(&sw, needs(vec!["d450.23", "s750.2"])),
        Err(TehoError::InvalidIcf(
            crate::case::IcfError::StructureCode { .. }
        ))
    ));
    assert!(matches!(
        t.engine.record_assessment(&sw, needs(vec!["d45.2"])),
        Err(TehoError::InvalidIcf(_))
    ));
    let mut missing = needs(vec![]);
    missing.answers.pop();
    assert!(
        matches!(t.engine.record_assessment(&sw, missing), Err(TehoError::InvalidInput { value, .. }) if value == "L7-ADL")
    );
    assert!(matches!(
        t.engine.record_assessment(
            &sw,
            NewAssessment {
                version: 9,
                ..needs(vec![])
            }
        ),
        Err(TehoError::NotFound { .. })
    ));
    let a = t
        .engine
        .record_assessment(&sw, needs(vec!["d450.23", "b280.2", "e310+3"]))
        .unwrap();
    assert_eq!(a.icf.len(), 3);
    let wound = NewAssessment {
        file: t.file,
        instrument: "WOUND".into(),
        version: 1,
        answers: vec![
            ("LOCATION".into(), AnswerValue::Text("left shin".into())),
            ("LENGTH_MM".into(), AnswerValue::Number(30)),
            ("WIDTH_MM".into(), AnswerValue::Number(12)),
            ("EXUDATE".into(), AnswerValue::Choice("low".into())),
            ("TISSUE".into(), AnswerValue::Choice("granulation".into())),
        ],
        icf: vec![],
    };
    assert_eq!(
        denied(
            t.engine
                .record_assessment(&Actor::Worker(t.care_worker), wound.clone())
        ),
        DenyReason::DomainOnly {
            domain: Domain::Nursing
        }
    );
    t.engine
        .record_assessment(&Actor::Worker(t.nurse), wound)
        .unwrap();
    let seen = |actor: Actor| {
        t.engine
            .assessments(&actor, t.file)
            .unwrap()
            .into_iter()
            .map(|a| a.instrument)
            .collect::<Vec<_>>()
    };
    assert_eq!(seen(sw.clone()), ["NEEDS"]);
    assert_eq!(seen(Actor::Worker(t.nursing_manager)), ["WOUND"]);
    assert!(seen(Actor::Worker(t.care_worker)).is_empty());
    assert!(seen(Actor::Person(t.relative)).is_empty());
    assert_eq!(seen(Actor::Worker(t.consultant)), ["NEEDS"]);
}

fn supervision_acts_are_written_by_the_social_worker_and_read_for_supervision(t: Town) {
    let act = NewEntry {
        file: t.file,
        category: DataCategory::SupervisionAct,
        visibility: Visibility::Network,
        text: "Supervision act 12/2026: home care provided as decided".into(),
        domain_detail: None,
    };
    assert!(matches!(
        denied(
            t.engine
                .add_entry(&Actor::Worker(t.care_manager), act.clone())
        ),
        DenyReason::OutsideScope { .. }
    ));
    t.engine
        .add_entry(&Actor::Worker(t.social_worker), act)
        .unwrap();
    let sup = Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-2026/17".into(),
    };
    assert!(
        t.engine
            .entries(&sup, t.file)
            .unwrap()
            .iter()
            .any(|e| e.category == DataCategory::SupervisionAct)
    );
    assert!(
        t.engine
            .entries(&Actor::Worker(t.care_worker), t.file)
            .unwrap()
            .iter()
            .all(|e| e.category != DataCategory::SupervisionAct)
    );
    assert_eq!(
        denied(t.engine.entries(&Actor::Worker(t.ska_supervisor), t.file)),
        DenyReason::SupervisionPurposeRequired
    );
}

crate::testing::tests![
    find_or_create_finds_an_existing_file_and_refuses_a_second,
    applications_and_decisions_are_kept_and_a_negative_decision_starts_nothing,
    a_positive_decision_directs_the_client_and_notifies_the_care_manager,
    registration_and_assignment_make_the_provider_a_member_with_two_contacts,
    referral_for_home_nursing_starts_in_the_existing_file_or_opens_one,
    terminating_a_contract_ends_exactly_that_providers_future_visits,
    assessments_follow_their_domain_and_refuse_s_codes,
    supervision_acts_are_written_by_the_social_worker_and_read_for_supervision,
];
