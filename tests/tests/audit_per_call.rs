//! Every public engine method writes exactly one audit entry per call: allowed, denied
//! and failed calls alike.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::case::{
    ClientQuery, DecisionOutcome, NewApplication, NewAssessment, NewDecision, NewReferral,
    ReferralSource, ServiceKind,
};
use teho_core::file::{CardProvider, ContactKind, ContactPoint, NewCard, NewEntry};
use teho_core::log::{DoneReport, NewLogEntry};
use teho_core::network::{Member, NewMembership, NewSubstitution};
use teho_core::notify::{Audience, NotificationState, Recipient};
use teho_core::org::Domain;
use teho_core::org::{NewAdministrator, NewOrganization, NewWorker, OrganizationKind, Role};
use teho_core::person::{NewPerson, PersonIdentity};
use teho_core::plan::{NewPlan, PlannedAction};
use teho_core::store::MemoryStore;
use teho_tests::{Town, code, day, spec, tallinn};

/// Runs `call` and returns how many audit entries it wrote.
fn written<T>(t: &Town, call: impl FnOnce(&Town) -> T) -> u64 {
    let before = t.audit_entries();
    call(t);
    // `before` counted up to (not including) its own checkpoint entry.
    t.audit_entries() - before - 1
}

#[test]
fn every_public_engine_method_writes_exactly_one_audit_entry_per_call() {
    let t = Town::build(MemoryStore::new());
    let sw = Actor::Worker(t.social_worker);
    let cw = Actor::Worker(t.care_worker);
    let admin = Actor::Worker(t.admin);
    let outsider = Actor::Worker(t.other_care_worker);
    let contact = ContactPoint {
        kind: ContactKind::Phone,
        value: "+372 600 0000".into(),
        label: None,
    };
    let note = |text: &str| NewEntry {
        file: t.file,
        category: DataCategory::ProfessionalNote,
        visibility: Visibility::Network,
        text: text.into(),
        domain_detail: None,
    };
    let new_worker = |org| NewWorker {
        personal_code: code("4990101099"),
        given_name: "Uus".into(),
        family_name: "Töötaja".into(),
        organization: org,
        role: Role::CareWorker,
        employed_from: day(2026, 1, 1),
        employed_until: None,
    };
    let new_person = |first_ten: &str| NewPerson {
        identity: PersonIdentity::Estonian(code(first_ten)),
        given_name: "A".into(),
        family_name: "B".into(),
        birth_date: None,
    };
    let added = std::cell::Cell::new(None);
    let plan = std::cell::Cell::new(None);
    let item = std::cell::Cell::new(None);
    let visit = std::cell::Cell::new(None);
    let cm = Actor::Worker(t.care_manager);
    let note_id = std::cell::Cell::new(None);
    let hold = std::cell::Cell::new(None);
    let restriction = std::cell::Cell::new(None);
    let app = std::cell::Cell::new(None);
    let referral = std::cell::Cell::new(None);
    let contract = std::cell::Cell::new(None);
    type Case<'a> = (&'a str, Box<dyn Fn(&Town) + 'a>);
    let cases: Vec<Case> = vec![
        (
            "bootstrap (already initialised)",
            Box::new(|t| {
                let _ = t.engine.bootstrap(
                    &Actor::System,
                    NewOrganization {
                        name: "X".into(),
                        kind: OrganizationKind::Municipality,
                        registry_code: None,
                    },
                    NewAdministrator {
                        personal_code: code("3800101001"),
                        given_name: "A".into(),
                        family_name: "B".into(),
                        employed_from: day(2026, 1, 1),
                    },
                );
            }),
        ),
        (
            "bootstrap (denied)",
            Box::new(|t| {
                let _ = t.engine.bootstrap(
                    &sw,
                    NewOrganization {
                        name: "X".into(),
                        kind: OrganizationKind::Municipality,
                        registry_code: None,
                    },
                    NewAdministrator {
                        personal_code: code("3800101001"),
                        given_name: "A".into(),
                        family_name: "B".into(),
                        employed_from: day(2026, 1, 1),
                    },
                );
            }),
        ),
        (
            "verify_audit",
            Box::new(|t| {
                t.engine.verify_audit(&Actor::System, None).unwrap();
            }),
        ),
        (
            "verify_audit (denied)",
            Box::new(|t| {
                let _ = t.engine.verify_audit(&cw, None);
            }),
        ),
        (
            "audit_checkpoint (denied)",
            Box::new(|t| {
                let _ = t.engine.audit_checkpoint(&cw);
            }),
        ),
        (
            "register_organization",
            Box::new(|t| {
                t.engine
                    .register_organization(
                        &admin,
                        NewOrganization {
                            name: "Füsio OÜ".into(),
                            kind: OrganizationKind::OtherProvider,
                            registry_code: Some("12345678".into()),
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "register_organization (denied)",
            Box::new(|t| {
                let _ = t.engine.register_organization(
                    &cw,
                    NewOrganization {
                        name: "X".into(),
                        kind: OrganizationKind::OtherProvider,
                        registry_code: None,
                    },
                );
            }),
        ),
        (
            "register_organization (invalid)",
            Box::new(|t| {
                let _ = t.engine.register_organization(
                    &admin,
                    NewOrganization {
                        name: "X".into(),
                        kind: OrganizationKind::OtherProvider,
                        registry_code: Some("12".into()),
                    },
                );
            }),
        ),
        (
            "register_worker",
            Box::new(|t| {
                t.engine
                    .register_worker(&admin, new_worker(t.care_org))
                    .unwrap();
            }),
        ),
        (
            "register_worker (wrong role)",
            Box::new(|t| {
                let _ = t.engine.register_worker(&admin, new_worker(t.nursing_org));
            }),
        ),
        (
            "register_worker (denied)",
            Box::new(|t| {
                let _ = t.engine.register_worker(&cw, new_worker(t.care_org));
            }),
        ),
        (
            "record_employment_end (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .record_employment_end(&cw, t.nurse, day(2026, 12, 31));
            }),
        ),
        (
            "record_employment_end (invalid)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .record_employment_end(&admin, t.nurse, day(2019, 12, 31));
            }),
        ),
        (
            "compliance_breaches",
            Box::new(|t| {
                t.engine.compliance_breaches(&admin, t.care_org).unwrap();
            }),
        ),
        (
            "register_person",
            Box::new(|t| {
                t.engine
                    .register_person(&sw, new_person("6010101001"))
                    .unwrap();
            }),
        ),
        (
            "register_person (duplicate)",
            Box::new(|t| {
                let _ = t.engine.register_person(&sw, new_person("6010101001"));
            }),
        ),
        (
            "register_person (denied)",
            Box::new(|t| {
                let _ = t.engine.register_person(&cw, new_person("6010101002"));
            }),
        ),
        (
            "open_client_file (conflict)",
            Box::new(|t| {
                let _ = t.engine.open_client_file(&sw, t.client, NewCard::default());
            }),
        ),
        (
            "open_client_file (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .open_client_file(&cw, t.stranger, NewCard::default());
            }),
        ),
        (
            "open_client_file",
            Box::new(|t| {
                t.engine
                    .open_client_file(&sw, t.stranger, NewCard::default())
                    .unwrap();
            }),
        ),
        (
            "client_file",
            Box::new(|t| {
                t.engine.client_file(&cw, t.file).unwrap();
            }),
        ),
        (
            "client_file (denied)",
            Box::new(|t| {
                let _ = t.engine.client_file(&outsider, t.file);
            }),
        ),
        (
            "client_file (not found)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .client_file(&cw, teho_core::ids::ClientFileId(uuid::Uuid::nil()));
            }),
        ),
        (
            "client_card",
            Box::new(|t| {
                t.engine.client_card(&cw, t.file).unwrap();
            }),
        ),
        (
            "update_good_to_know",
            Box::new(|t| {
                t.engine
                    .update_good_to_know(&cw, t.file, "Doorbell broken, knock".into())
                    .unwrap();
            }),
        ),
        (
            "update_good_to_know (denied)",
            Box::new(|t| {
                let _ = t.engine.update_good_to_know(&outsider, t.file, "x".into());
            }),
        ),
        (
            "set_card_provider",
            Box::new(|t| {
                t.engine
                    .set_card_provider(
                        &Actor::Worker(t.care_manager),
                        t.file,
                        CardProvider {
                            organization: t.care_org,
                            assigned_worker: t.care_worker,
                            general_contact: contact.clone(),
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "set_card_provider (other organisation)",
            Box::new(|t| {
                let _ = t.engine.set_card_provider(
                    &Actor::Worker(t.care_manager),
                    t.file,
                    CardProvider {
                        organization: t.nursing_org,
                        assigned_worker: t.nurse,
                        general_contact: contact.clone(),
                    },
                );
            }),
        ),
        (
            "add_member",
            Box::new(|t| {
                added.set(Some(
                    t.engine
                        .add_member(
                            &Actor::Worker(t.care_manager),
                            NewMembership {
                                file: t.file,
                                member: Member::Worker(t.other_care_worker),
                                role: None,
                                valid_from: day(2026, 11, 2),
                                valid_until: None,
                            },
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "add_member (denied)",
            Box::new(|t| {
                let _ = t.engine.add_member(
                    &cw,
                    NewMembership {
                        file: t.file,
                        member: Member::Person(t.stranger),
                        role: Some(Role::Relative),
                        valid_from: day(2026, 11, 2),
                        valid_until: None,
                    },
                );
            }),
        ),
        (
            "network",
            Box::new(|t| {
                t.engine.network(&cw, t.file).unwrap();
            }),
        ),
        (
            "end_membership",
            Box::new(|t| {
                t.engine
                    .end_membership(
                        &Actor::Worker(t.care_manager),
                        added.get().unwrap(),
                        day(2026, 11, 30),
                    )
                    .unwrap();
            }),
        ),
        (
            "end_membership (would extend)",
            Box::new(|t| {
                let _ = t.engine.end_membership(
                    &Actor::Worker(t.care_manager),
                    added.get().unwrap(),
                    day(2026, 12, 30),
                );
            }),
        ),
        (
            "grant_substitution",
            Box::new(|t| {
                t.engine
                    .grant_substitution(
                        &Actor::Worker(t.care_manager),
                        NewSubstitution {
                            substitute: t.other_care_worker,
                            substituted: t.care_worker,
                            from: day(2026, 12, 1),
                            until: day(2026, 12, 5),
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "grant_substitution (denied)",
            Box::new(|t| {
                let _ = t.engine.grant_substitution(
                    &cw,
                    NewSubstitution {
                        substitute: t.other_care_worker,
                        substituted: t.care_worker,
                        from: day(2026, 12, 1),
                        until: day(2026, 12, 5),
                    },
                );
            }),
        ),
        (
            "add_entry",
            Box::new(|t| {
                t.engine.add_entry(&cw, note("Note")).unwrap();
            }),
        ),
        (
            "add_entry (empty)",
            Box::new(|t| {
                let _ = t.engine.add_entry(&cw, note(""));
            }),
        ),
        (
            "entries",
            Box::new(|t| {
                t.engine.entries(&cw, t.file).unwrap();
            }),
        ),
        (
            "entries (denied)",
            Box::new(|t| {
                let _ = t.engine.entries(&Actor::Person(t.stranger), t.file);
            }),
        ),
        (
            "inbox",
            Box::new(|t| {
                t.engine.inbox(&cw).unwrap();
            }),
        ),
        (
            "create_plan",
            Box::new(|t| {
                plan.set(Some(
                    t.engine
                        .create_plan(
                            &cm,
                            NewPlan {
                                file: t.file,
                                domain: Domain::Care,
                                provider: t.care_org,
                            },
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "create_plan (denied)",
            Box::new(|t| {
                let _ = t.engine.create_plan(
                    &cw,
                    NewPlan {
                        file: t.file,
                        domain: Domain::Care,
                        provider: t.care_org,
                    },
                );
            }),
        ),
        (
            "add_plan_item",
            Box::new(|t| {
                item.set(Some(
                    t.engine
                        .add_plan_item(
                            &cm,
                            plan.get().unwrap(),
                            spec("H", "Care", Some(t.care_worker), 30, "FREQ=DAILY;BYHOUR=9"),
                        )
                        .unwrap()
                        .item
                        .id,
                ));
            }),
        ),
        (
            "add_plan_item (invalid)",
            Box::new(|t| {
                let _ = t.engine.add_plan_item(
                    &cm,
                    plan.get().unwrap(),
                    spec("", "Care", None, 30, "FREQ=DAILY;BYHOUR=9"),
                );
            }),
        ),
        (
            "change_plan_item",
            Box::new(|t| {
                t.engine
                    .change_plan_item(
                        &cm,
                        item.get().unwrap(),
                        spec("H", "Care", Some(t.care_worker), 30, "FREQ=DAILY;BYHOUR=10"),
                    )
                    .unwrap();
            }),
        ),
        (
            "change_plan_item (denied)",
            Box::new(|t| {
                let _ = t.engine.change_plan_item(
                    &cw,
                    item.get().unwrap(),
                    spec("H", "Care", None, 30, "FREQ=DAILY;BYHOUR=10"),
                );
            }),
        ),
        (
            "split_plan_item",
            Box::new(|t| {
                let mut s = spec("H", "Care", Some(t.care_worker), 30, "FREQ=DAILY;BYHOUR=11");
                s.valid_from = day(2026, 11, 20);
                t.engine
                    .split_plan_item(&cm, item.get().unwrap(), day(2026, 11, 20), s)
                    .unwrap();
            }),
        ),
        (
            "client_calendar",
            Box::new(|t| {
                visit.set(Some(
                    t.engine
                        .client_calendar(&cw, t.file, day(2026, 11, 3), day(2026, 11, 9))
                        .unwrap()[0]
                        .id,
                ));
            }),
        ),
        (
            "client_calendar (denied)",
            Box::new(|t| {
                let _ =
                    t.engine
                        .client_calendar(&outsider, t.file, day(2026, 11, 3), day(2026, 11, 9));
            }),
        ),
        (
            "worker_calendar",
            Box::new(|t| {
                t.engine
                    .worker_calendar(&cw, t.care_worker, day(2026, 11, 3), day(2026, 11, 9))
                    .unwrap();
            }),
        ),
        (
            "move_visit",
            Box::new(|t| {
                t.engine
                    .move_visit(&cw, visit.get().unwrap(), tallinn(2026, 11, 3, 12, 0))
                    .unwrap();
            }),
        ),
        (
            "move_visit (denied)",
            Box::new(|t| {
                let _ = t.engine.move_visit(
                    &outsider,
                    visit.get().unwrap(),
                    tallinn(2026, 11, 3, 13, 0),
                );
            }),
        ),
        (
            "mark_not_done (no reason)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .mark_not_done(&cw, visit.get().unwrap(), None, String::new());
            }),
        ),
        (
            "mark_done",
            Box::new(|t| {
                t.clock.set(tallinn(2026, 11, 3, 14, 0));
                t.engine
                    .mark_done(&cw, visit.get().unwrap(), DoneReport::default())
                    .unwrap();
            }),
        ),
        (
            "mark_done (twice)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .mark_done(&cw, visit.get().unwrap(), DoneReport::default());
            }),
        ),
        (
            "cancel_visit (recorded)",
            Box::new(|t| {
                let _ = t.engine.cancel_visit(&cw, visit.get().unwrap(), "x".into());
            }),
        ),
        (
            "add_log_entry",
            Box::new(|t| {
                t.engine
                    .add_log_entry(
                        &cw,
                        NewLogEntry {
                            file: t.file,
                            action: PlannedAction {
                                code: "X".into(),
                                text: "Extra".into(),
                            },
                            actual_start: tallinn(2026, 11, 3, 13, 0),
                            actual_end: tallinn(2026, 11, 3, 13, 20),
                            place: "home".into(),
                            detail: None,
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "service_log",
            Box::new(|t| {
                t.engine
                    .service_log(&cw, t.file, day(2026, 11, 1), day(2026, 11, 30))
                    .unwrap();
            }),
        ),
        (
            "missed_visits",
            Box::new(|t| {
                t.engine
                    .missed_visits(&cm, t.care_org, Domain::Care, 60)
                    .unwrap();
            }),
        ),
        (
            "worker_report",
            Box::new(|t| {
                t.engine
                    .worker_report(&cw, t.care_worker, day(2026, 11, 1), day(2026, 11, 30))
                    .unwrap();
            }),
        ),
        (
            "monthly_report",
            Box::new(|t| {
                t.engine
                    .monthly_report(&cm, t.care_org, Domain::Care, 2026, 11)
                    .unwrap();
            }),
        ),
        (
            "monthly_report (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .monthly_report(&cw, t.care_org, Domain::Care, 2026, 11);
            }),
        ),
        (
            "notify_network",
            Box::new(|t| {
                note_id.set(Some(
                    t.engine
                        .notify_network(
                            &Actor::Person(t.relative),
                            t.file,
                            Audience::Member(Recipient::Worker(t.care_worker)),
                            "Hello".into(),
                        )
                        .unwrap()[0]
                        .id,
                ));
            }),
        ),
        (
            "notify_network (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .notify_network(&outsider, t.file, Audience::Network, "x".into());
            }),
        ),
        (
            "mark_notification",
            Box::new(|t| {
                t.engine
                    .mark_notification(&cw, note_id.get().unwrap(), NotificationState::Read)
                    .unwrap();
            }),
        ),
        (
            "mark_notification (denied)",
            Box::new(|t| {
                let _ = t.engine.mark_notification(
                    &outsider,
                    note_id.get().unwrap(),
                    NotificationState::Read,
                );
            }),
        ),
        (
            "find_client",
            Box::new(|t| {
                t.engine
                    .find_client(&sw, ClientQuery::Code(code("4380303012")))
                    .unwrap();
            }),
        ),
        (
            "find_client (nothing found)",
            Box::new(|t| {
                assert!(
                    t.engine
                        .find_client(&sw, ClientQuery::Code(code("4990909099")))
                        .unwrap()
                        .is_empty()
                );
            }),
        ),
        (
            "find_client (denied)",
            Box::new(|t| {
                let _ = t.engine.find_client(&cw, ClientQuery::Name("Kask".into()));
            }),
        ),
        (
            "enter_application",
            Box::new(|t| {
                app.set(Some(
                    t.engine
                        .enter_application(
                            &sw,
                            NewApplication {
                                file: t.file,
                                applicant: None,
                                service: ServiceKind::HomeCare,
                                submitted_on: day(2026, 11, 1),
                            },
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "enter_application (denied)",
            Box::new(|t| {
                let _ = t.engine.enter_application(
                    &cw,
                    NewApplication {
                        file: t.file,
                        applicant: None,
                        service: ServiceKind::HomeCare,
                        submitted_on: day(2026, 11, 1),
                    },
                );
            }),
        ),
        (
            "decide_application",
            Box::new(|t| {
                t.engine
                    .decide_application(
                        &sw,
                        NewDecision {
                            application: app.get().unwrap(),
                            outcome: DecisionOutcome::Negative,
                            reasons: "r".into(),
                            legal_basis: "SHS".into(),
                            provider: None,
                            decided_on: day(2026, 11, 2),
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "applications",
            Box::new(|t| {
                t.engine.applications(&sw, t.file).unwrap();
            }),
        ),
        (
            "decisions",
            Box::new(|t| {
                t.engine.decisions(&sw, t.file).unwrap();
            }),
        ),
        (
            "register_client (conflict)",
            Box::new(|t| {
                let _ = t.engine.register_client(&cm, t.file);
            }),
        ),
        (
            "assign_worker",
            Box::new(|t| {
                t.engine
                    .assign_worker(
                        &cm,
                        t.file,
                        t.care_worker,
                        ContactPoint {
                            kind: ContactKind::Phone,
                            value: "1".into(),
                            label: None,
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "enter_referral (denied)",
            Box::new(|t| {
                let _ = t.engine.enter_referral(
                    &cm,
                    NewReferral {
                        patient: t.client,
                        source: ReferralSource::Paper,
                        start: day(2026, 11, 2),
                        end: None,
                        doctor_name: "Dr".into(),
                        doctor: None,
                    },
                );
            }),
        ),
        (
            "enter_referral",
            Box::new(|t| {
                referral.set(Some(
                    t.engine
                        .enter_referral(
                            &Actor::Worker(t.nursing_manager),
                            NewReferral {
                                patient: t.client,
                                source: ReferralSource::Paper,
                                start: day(2026, 11, 2),
                                end: None,
                                doctor_name: "Dr".into(),
                                doctor: None,
                            },
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "reject_referral (no reason)",
            Box::new(|t| {
                let _ = t.engine.reject_referral(
                    &Actor::Worker(t.nursing_manager),
                    referral.get().unwrap(),
                    "".into(),
                );
            }),
        ),
        (
            "register_referral",
            Box::new(|t| {
                t.engine
                    .register_referral(&Actor::Worker(t.nursing_manager), referral.get().unwrap())
                    .unwrap();
            }),
        ),
        (
            "prepare_contract",
            Box::new(|t| {
                contract.set(Some(
                    t.engine
                        .prepare_contract(&sw, t.file, t.care_org, ServiceKind::HomeCare)
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "conclude_contract",
            Box::new(|t| {
                t.engine
                    .conclude_contract(&sw, contract.get().unwrap(), day(2026, 11, 3))
                    .unwrap();
            }),
        ),
        (
            "terminate_contract (no reason)",
            Box::new(|t| {
                let _ = t.engine.terminate_contract(
                    &sw,
                    contract.get().unwrap(),
                    day(2026, 12, 31),
                    "".into(),
                );
            }),
        ),
        (
            "terminate_contract",
            Box::new(|t| {
                t.engine
                    .terminate_contract(
                        &sw,
                        contract.get().unwrap(),
                        day(2026, 12, 31),
                        "Moved".into(),
                    )
                    .unwrap();
            }),
        ),
        (
            "contracts",
            Box::new(|t| {
                t.engine.contracts(&sw, t.file).unwrap();
            }),
        ),
        (
            "record_assessment (s code)",
            Box::new(|t| {
                let _ = t.engine.record_assessment(
                    &sw,
                    NewAssessment {
                        file: t.file,
                        instrument: "NEEDS".into(),
                        version: 1,
                        answers: vec![],
                        icf: vec!["s750.2".into()],
                    },
                );
            }),
        ),
        (
            "assessments",
            Box::new(|t| {
                t.engine.assessments(&sw, t.file).unwrap();
            }),
        ),
        (
            "home_view",
            Box::new(|t| {
                t.engine.home_view(&cw).unwrap();
            }),
        ),
        (
            "home_view (operator denied)",
            Box::new(|t| {
                let _ = t.engine.home_view(&Actor::System);
            }),
        ),
        (
            "client_home",
            Box::new(|t| {
                t.engine
                    .client_home(&Actor::Person(t.relative), t.file)
                    .unwrap();
            }),
        ),
        (
            "client_home (denied)",
            Box::new(|t| {
                let _ = t.engine.client_home(&Actor::Person(t.stranger), t.file);
            }),
        ),
        (
            "check_services (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .check_services(&cw, ClientQuery::Code(code("4380303012")));
            }),
        ),
        (
            "notify_unserved (denied)",
            Box::new(|t| {
                let _ = t.engine.notify_unserved(
                    &cw,
                    ClientQuery::Code(code("4380303012")),
                    "x".into(),
                );
            }),
        ),
        (
            "send_discharge (denied)",
            Box::new(|t| {
                let _ = t.engine.send_discharge(&cw, t.file, "x".into());
            }),
        ),
        (
            "import_notices",
            Box::new(|t| {
                t.engine.import_notices(&Actor::System, teho_core::register::parse_notices("personal_code,kind,date,source_reference\n43803030124,disability_severity_ending,2026-12-31,RR-9\nbad line\n", teho_core::register::NoticeFormat::Csv)).unwrap();
            }),
        ),
        (
            "import_notices (denied)",
            Box::new(|t| {
                let _ = t.engine.import_notices(&cw, Default::default());
            }),
        ),
        (
            "record_death (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .record_death(&cw, t.client, day(2026, 11, 2), "x".into());
            }),
        ),
        (
            "void_death (nothing to void)",
            Box::new(|t| {
                let _ = t.engine.void_death(&sw, t.client, "x".into());
            }),
        ),
        (
            "record_death",
            Box::new(|t| {
                t.engine
                    .record_death(&sw, t.client, day(2026, 11, 3), "phone".into())
                    .unwrap();
            }),
        ),
        (
            "correct_death_date",
            Box::new(|t| {
                t.engine
                    .correct_death_date(&sw, t.client, day(2026, 11, 2), "register".into())
                    .unwrap();
            }),
        ),
        (
            "void_death",
            Box::new(|t| {
                t.engine
                    .void_death(&sw, t.client, "wrong person".into())
                    .unwrap();
            }),
        ),
        (
            "record_disclosure",
            Box::new(|t| {
                t.engine
                    .record_disclosure(
                        &sw,
                        teho_core::disclosure::NewDisclosure {
                            file: t.file,
                            what: "log".into(),
                            recipient: "hospital".into(),
                            legal_basis: "TTKS".into(),
                            method: "e-mail".into(),
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "record_disclosure (missing field)",
            Box::new(|t| {
                let _ = t.engine.record_disclosure(
                    &sw,
                    teho_core::disclosure::NewDisclosure {
                        file: t.file,
                        what: "".into(),
                        recipient: "hospital".into(),
                        legal_basis: "TTKS".into(),
                        method: "e-mail".into(),
                    },
                );
            }),
        ),
        (
            "access_log",
            Box::new(|t| {
                t.engine
                    .access_log(&Actor::Person(t.client), t.file)
                    .unwrap();
            }),
        ),
        (
            "access_log (denied)",
            Box::new(|t| {
                let _ = t.engine.access_log(&cw, t.file);
            }),
        ),
        (
            "reporting_deadlines",
            Box::new(|t| {
                t.engine
                    .reporting_deadlines(&cm, t.care_org, day(2026, 11, 1), day(2026, 11, 30))
                    .unwrap();
            }),
        ),
        (
            "submit_report",
            Box::new(|t| {
                t.engine
                    .submit_report(
                        &cm,
                        t.care_org,
                        teho_core::report::ReportKind::Monthly {
                            year: 2026,
                            month: 11,
                        },
                    )
                    .unwrap();
            }),
        ),
        (
            "submit_report (twice)",
            Box::new(|t| {
                let _ = t.engine.submit_report(
                    &cm,
                    t.care_org,
                    teho_core::report::ReportKind::Monthly {
                        year: 2026,
                        month: 11,
                    },
                );
            }),
        ),
        (
            "set_restriction",
            Box::new(|t| {
                restriction.set(Some(
                    t.engine
                        .set_restriction(
                            &sw,
                            t.file,
                            None,
                            "AvTS § 35 lg 1 p 12".into(),
                            day(2100, 1, 1),
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "set_restriction (denied)",
            Box::new(|t| {
                let _ = t
                    .engine
                    .set_restriction(&cw, t.file, None, "AvTS".into(), day(2100, 1, 1));
            }),
        ),
        (
            "lift_restriction",
            Box::new(|t| {
                t.engine
                    .lift_restriction(
                        &sw,
                        t.file,
                        restriction.get().unwrap(),
                        "court order".into(),
                    )
                    .unwrap();
            }),
        ),
        (
            "retention_due",
            Box::new(|t| {
                t.engine.retention_due(&admin, day(2036, 1, 1)).unwrap();
            }),
        ),
        (
            "retention_due (denied)",
            Box::new(|t| {
                let _ = t.engine.retention_due(&cw, day(2036, 1, 1));
            }),
        ),
        (
            "set_hold",
            Box::new(|t| {
                hold.set(Some(
                    t.engine
                        .set_hold(
                            &admin,
                            teho_core::retention::HoldScope::File(t.file),
                            "complaint".into(),
                            None,
                        )
                        .unwrap()
                        .id,
                ));
            }),
        ),
        (
            "lift_hold",
            Box::new(|t| {
                t.engine.lift_hold(&admin, hold.get().unwrap()).unwrap();
            }),
        ),
        (
            "draft_destruction_act (nothing due)",
            Box::new(|t| {
                let _ = t.engine.draft_destruction_act(
                    &admin,
                    teho_core::retention::NewDestructionAct {
                        appraisal_reference: "RA 1".into(),
                        series: "TEHO-1.1".into(),
                        date_from: day(2026, 1, 1),
                        date_to: day(2026, 12, 31),
                        method: "deletion".into(),
                        planned_on: day(2026, 12, 1),
                        place: "Tallinn".into(),
                    },
                );
            }),
        ),
        (
            "execute_destruction_act (unknown)",
            Box::new(|t| {
                let _ = t.engine.execute_destruction_act(
                    &admin,
                    teho_core::ids::DestructionActId(uuid::Uuid::nil()),
                );
            }),
        ),
        (
            "holds",
            Box::new(|t| {
                t.engine.holds(&admin).unwrap();
            }),
        ),
        (
            "approve_destruction_act (unknown)",
            Box::new(|t| {
                let _ = t.engine.approve_destruction_act(
                    &admin,
                    teho_core::ids::DestructionActId(uuid::Uuid::nil()),
                );
            }),
        ),
        (
            "file_of_code",
            Box::new(|t| {
                t.engine
                    .file_of_code(&Actor::System, code("4380303012"))
                    .unwrap();
            }),
        ),
        (
            "file_of_code (denied)",
            Box::new(|t| {
                let _ = t.engine.file_of_code(&cw, code("4380303012"));
            }),
        ),
        (
            "inbox (operator denied)",
            Box::new(|t| {
                let _ = t.engine.inbox(&Actor::System);
            }),
        ),
    ];
    for (name, call) in &cases {
        let n = written(&t, |t| call(t));
        assert_eq!(n, 1, "{name} wrote {n} audit entries");
    }
    // And the chain that all of this produced verifies.
    let report = t.engine.verify_audit(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
}
