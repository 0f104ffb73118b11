//! The access rules through the engine, one test named after each rule, run against
//! every store (the conformance suite: MemoryStore and SqliteStore give the same
//! answers).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DataCategory, DenyReason, Visibility};
use crate::file::{DomainDetail, NewEntry};
use crate::network::{Member, NewMembership, NewSubstitution};
use crate::notify::NotificationKind;
use crate::org::{Domain, Role};
use crate::testing::{Town, day, denied, tallinn};

fn entry(t: &Town, category: DataCategory, visibility: Visibility, text: &str) -> NewEntry {
    NewEntry {
        file: t.file,
        category,
        visibility,
        text: text.into(),
        domain_detail: None,
    }
}

fn texts(t: &Town, actor: &Actor) -> Vec<String> {
    t.engine
        .entries(actor, t.file)
        .expect("entries")
        .into_iter()
        .map(|e| e.text)
        .collect()
}

fn worker_sees_client_only_while_member(t: Town) {
    let cw = Actor::Worker(t.care_worker);
    assert!(t.engine.client_file(&cw, t.file).is_ok());
    // A colleague of the same provider outside the network sees nothing.
    assert_eq!(
        denied(
            t.engine
                .client_file(&Actor::Worker(t.other_care_worker), t.file)
        ),
        DenyReason::NotInNetwork
    );
    // End the care worker's membership on 20 November: from 21 November, nothing.
    let m = t
        .engine
        .network(&cw, t.file)
        .unwrap()
        .into_iter()
        .find(|m| m.member == Member::Worker(t.care_worker))
        .unwrap();
    t.engine
        .end_membership(&Actor::Worker(t.care_manager), m.id, day(2026, 11, 20))
        .unwrap();
    t.clock.set(tallinn(2026, 11, 20, 23, 59));
    assert!(t.engine.client_card(&cw, t.file).is_ok());
    t.clock.set(tallinn(2026, 11, 21, 0, 0));
    assert_eq!(
        denied(t.engine.client_card(&cw, t.file)),
        DenyReason::MembershipNotActive {
            from: day(2026, 11, 2),
            until: Some(day(2026, 11, 20))
        }
    );
    // A membership that starts in the future gives nothing yet.
    let ocw = Actor::Worker(t.other_care_worker);
    t.engine
        .add_member(
            &Actor::Worker(t.care_manager),
            NewMembership {
                file: t.file,
                member: Member::Worker(t.other_care_worker),
                role: None,
                valid_from: day(2026, 12, 1),
                valid_until: None,
            },
        )
        .unwrap();
    assert!(matches!(
        denied(t.engine.network(&ocw, t.file)),
        DenyReason::MembershipNotActive { .. }
    ));
    t.clock.set(tallinn(2026, 12, 1, 8, 0));
    assert!(t.engine.network(&ocw, t.file).is_ok());
}

fn substitute_sees_only_within_period_and_only_the_substituted_workers_clients(t: Town) {
    let sub = Actor::Worker(t.substitute_nurse);
    assert!(matches!(
        denied(t.engine.client_file(&sub, t.file)),
        DenyReason::SubstitutionNotActive { .. }
    ));
    t.clock.set(tallinn(2026, 11, 9, 0, 0));
    assert!(t.engine.client_file(&sub, t.file).is_ok());
    t.clock.set(tallinn(2026, 11, 13, 23, 59));
    assert!(t.engine.client_file(&sub, t.file).is_ok());
    t.clock.set(tallinn(2026, 11, 14, 0, 0));
    assert!(matches!(
        denied(t.engine.client_file(&sub, t.file)),
        DenyReason::SubstitutionNotActive { .. }
    ));
    // Only the substituted worker's clients: once the nurse leaves this network, the
    // substitute loses this client too, even inside the period.
    t.clock.set(tallinn(2026, 11, 10, 12, 0));
    let nm = Actor::Worker(t.nursing_manager);
    let m = t
        .engine
        .network(&nm, t.file)
        .unwrap()
        .into_iter()
        .find(|m| m.member == Member::Worker(t.nurse))
        .unwrap();
    t.engine
        .end_membership(&nm, m.id, day(2026, 11, 9))
        .unwrap();
    assert_eq!(
        denied(t.engine.client_file(&sub, t.file)),
        DenyReason::NotInNetwork
    );
}

fn substitute_cannot_redelegate_or_extend(t: Town) {
    let sub = Actor::Worker(t.substitute_nurse);
    t.clock.set(tallinn(2026, 11, 10, 12, 0));
    // Extend their own substitution.
    let extend = NewSubstitution {
        substitute: t.substitute_nurse,
        substituted: t.nurse,
        from: day(2026, 11, 9),
        until: day(2026, 11, 30),
    };
    assert_eq!(
        denied(t.engine.grant_substitution(&sub, extend)),
        DenyReason::SubstituteCannotDelegate
    );
    // Pass the absent nurse's clients on to someone else.
    let pass_on = NewSubstitution {
        substitute: t.nursing_manager,
        substituted: t.nurse,
        from: day(2026, 11, 10),
        until: day(2026, 11, 11),
    };
    assert_eq!(
        denied(t.engine.grant_substitution(&sub, pass_on)),
        DenyReason::SubstituteCannotDelegate
    );
    // A care manager cannot grant in nursing's organisation.
    let other = NewSubstitution {
        substitute: t.substitute_nurse,
        substituted: t.nurse,
        from: day(2026, 11, 20),
        until: day(2026, 11, 21),
    };
    assert_eq!(
        denied(
            t.engine
                .grant_substitution(&Actor::Worker(t.care_manager), other)
        ),
        DenyReason::OtherOrganization
    );
}

fn domain_only_records_and_fields_are_for_that_domain_only(t: Town) {
    let nurse = Actor::Worker(t.nurse);
    t.engine
        .add_entry(
            &nurse,
            entry(
                &t,
                DataCategory::ProfessionalNote,
                Visibility::DomainOnly(Domain::Nursing),
                "Nursing-only note",
            ),
        )
        .unwrap();
    let mut logged = entry(
        &t,
        DataCategory::ServiceLog,
        Visibility::Network,
        "Visit done: wound dressing",
    );
    logged.domain_detail = Some(DomainDetail {
        domain: Domain::Nursing,
        text: "Wound 3 cm, slight exudate".into(),
    });
    t.engine.add_entry(&nurse, logged).unwrap();

    let nm = t
        .engine
        .entries(&Actor::Worker(t.nursing_manager), t.file)
        .unwrap();
    assert_eq!(nm.len(), 2);
    assert!(nm.iter().any(|e| {
        e.domain_detail
            .as_ref()
            .is_some_and(|d| d.text.contains("exudate"))
    }));

    let cw = t
        .engine
        .entries(&Actor::Worker(t.care_worker), t.file)
        .unwrap();
    assert_eq!(
        cw.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
        ["Visit done: wound dressing"]
    );
    assert!(
        cw[0].domain_detail.is_none(),
        "care worker must not see the nursing detail"
    );

    // Editable only by that domain too.
    let care_try = entry(
        &t,
        DataCategory::ProfessionalNote,
        Visibility::DomainOnly(Domain::Nursing),
        "x",
    );
    assert_eq!(
        denied(t.engine.add_entry(&Actor::Worker(t.care_worker), care_try)),
        DenyReason::DomainOnly {
            domain: Domain::Nursing
        }
    );
    let mut care_detail = entry(
        &t,
        DataCategory::ServiceLog,
        Visibility::Network,
        "Care visit",
    );
    care_detail.domain_detail = Some(DomainDetail {
        domain: Domain::Nursing,
        text: "not mine".into(),
    });
    assert_eq!(
        denied(
            t.engine
                .add_entry(&Actor::Worker(t.care_worker), care_detail)
        ),
        DenyReason::DomainOnly {
            domain: Domain::Nursing
        }
    );
}

fn psychiatric_diagnosis_is_visible_to_the_special_care_consultant_only(t: Town) {
    let scc = Actor::Worker(t.consultant);
    let diag = entry(
        &t,
        DataCategory::PsychiatricDiagnosis,
        Visibility::RoleOnly(Role::SpecialCareConsultant),
        "F-diagnosis",
    );
    // Even a social worker in the network may not write it.
    assert_eq!(
        denied(
            t.engine
                .add_entry(&Actor::Worker(t.social_worker), diag.clone())
        ),
        DenyReason::RoleOnly {
            role: Role::SpecialCareConsultant
        }
    );
    // Written with a wider visibility it is refused, not silently narrowed.
    let wide = NewEntry {
        visibility: Visibility::Network,
        ..diag.clone()
    };
    assert!(
        matches!(t.engine.add_entry(&scc, wide), Err(TehoError::InvalidInput { field, .. }) if field == "visibility")
    );
    t.engine.add_entry(&scc, diag).unwrap();
    assert_eq!(texts(&t, &scc), ["F-diagnosis"]);
    for other in [t.social_worker, t.nurse, t.care_manager] {
        assert!(texts(&t, &Actor::Worker(other)).is_empty(), "{other}");
    }
    let sup = Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-2026/17".into(),
    };
    assert!(texts(&t, &sup).is_empty());
    assert!(texts(&t, &Actor::Person(t.client)).is_empty());
}

fn departed_worker_access_ends_at_the_end_of_the_last_day(t: Town) {
    let cw = Actor::Worker(t.care_worker);
    t.clock.set(tallinn(2026, 11, 20, 10, 0));
    let end = t
        .engine
        .record_employment_end(
            &Actor::Worker(t.care_manager),
            t.care_worker,
            day(2026, 11, 20),
        )
        .unwrap();
    assert!(!end.late);
    t.clock.set(tallinn(2026, 11, 20, 23, 59));
    assert!(t.engine.client_file(&cw, t.file).is_ok());
    t.clock.set(tallinn(2026, 11, 21, 0, 0));
    assert_eq!(
        denied(t.engine.client_file(&cw, t.file)),
        DenyReason::NotEmployed {
            on: day(2026, 11, 21)
        }
    );
    assert_eq!(
        denied(t.engine.inbox(&cw)),
        DenyReason::NotEmployed {
            on: day(2026, 11, 21)
        }
    );
}

fn departure_recorded_late_is_a_compliance_breach_listed_and_notified(t: Town) {
    let admin = Actor::Worker(t.admin);
    // On time: last day Friday 20 Nov, recorded Monday 23 Nov (the next working day).
    t.clock.set(tallinn(2026, 11, 23, 16, 0));
    let on_time = t
        .engine
        .record_employment_end(&admin, t.other_care_worker, day(2026, 11, 20))
        .unwrap();
    assert_eq!((on_time.deadline, on_time.late), (day(2026, 11, 23), false));
    // Late: last day Friday 20 Nov, recorded Tuesday 24 Nov.
    t.clock.set(tallinn(2026, 11, 24, 9, 0));
    let late = t
        .engine
        .record_employment_end(&admin, t.care_worker, day(2026, 11, 20))
        .unwrap();
    assert_eq!((late.deadline, late.late), (day(2026, 11, 23), true));
    let breaches = t.engine.compliance_breaches(&admin, t.care_org).unwrap();
    assert_eq!(breaches.len(), 1);
    assert_eq!(
        (breaches[0].worker, breaches[0].days_late),
        (t.care_worker, 1)
    );
    // The care provider has no administrator of its own: the city's is notified.
    let inbox = t.engine.inbox(&admin).unwrap();
    assert_eq!(
        inbox
            .iter()
            .filter(|n| n.kind
                == NotificationKind::ComplianceBreach {
                    worker: t.care_worker
                })
            .count(),
        1
    );
    assert!(!inbox.iter().any(|n| n.kind
        == NotificationKind::ComplianceBreach {
            worker: t.other_care_worker
        }));
    // Recording it twice is a conflict, not a silent overwrite.
    assert!(matches!(
        t.engine
            .record_employment_end(&admin, t.care_worker, day(2026, 11, 22)),
        Err(TehoError::Conflict { .. })
    ));
    // Only administrators read the compliance list.
    assert!(matches!(
        denied(
            t.engine
                .compliance_breaches(&Actor::Worker(t.care_manager), t.care_org)
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
}

fn provider_sees_only_the_section_17_scope(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    for (cat, text) in [
        (DataCategory::Income, "Pension 700 EUR"),
        (DataCategory::Assessment, "Municipal needs assessment"),
        (
            DataCategory::DirectingDecision,
            "Directed to home care from 2026-11-02",
        ),
        (DataCategory::ServiceLog, "Shopping done"),
    ] {
        t.engine
            .add_entry(&sw, entry(&t, cat, Visibility::Network, text))
            .unwrap();
    }
    assert_eq!(texts(&t, &sw).len(), 4);
    for provider_worker in [t.care_worker, t.care_manager, t.nurse, t.nursing_manager] {
        assert_eq!(
            texts(&t, &Actor::Worker(provider_worker)),
            ["Directed to home care from 2026-11-02", "Shopping done"],
            "worker {provider_worker}"
        );
    }
    let income = entry(&t, DataCategory::Income, Visibility::Network, "x");
    assert_eq!(
        denied(t.engine.add_entry(&Actor::Worker(t.care_manager), income)),
        DenyReason::OutsideScope {
            role: Role::CareManager,
            category: DataCategory::Income
        }
    );
}

fn supervisor_reads_only_for_supervision(t: Town) {
    t.engine
        .add_entry(
            &Actor::Worker(t.care_worker),
            entry(
                &t,
                DataCategory::ProfessionalNote,
                Visibility::DomainOnly(Domain::Care),
                "Care-only",
            ),
        )
        .unwrap();
    t.engine
        .add_entry(
            &Actor::Worker(t.nurse),
            entry(
                &t,
                DataCategory::ProfessionalNote,
                Visibility::DomainOnly(Domain::Nursing),
                "Nursing-only",
            ),
        )
        .unwrap();
    assert_eq!(
        denied(
            t.engine
                .client_file(&Actor::Worker(t.ska_supervisor), t.file)
        ),
        DenyReason::SupervisionPurposeRequired
    );
    let ska = Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-2026/17".into(),
    };
    let tb = Actor::Supervising {
        worker: t.tb_supervisor,
        case_reference: "TA-9".into(),
    };
    assert_eq!(texts(&t, &ska), ["Care-only"]);
    assert_eq!(texts(&t, &tb), ["Nursing-only"]);
    // Read only.
    assert_eq!(
        denied(t.engine.add_entry(
            &ska,
            entry(&t, DataCategory::ProfessionalNote, Visibility::Network, "x")
        )),
        DenyReason::ReadOnly {
            role: Role::Supervisor
        }
    );
    // Only supervisors may claim the supervision purpose.
    let fake = Actor::Supervising {
        worker: t.care_worker,
        case_reference: "x".into(),
    };
    assert_eq!(
        denied(t.engine.client_file(&fake, t.file)),
        DenyReason::NotASupervisor
    );
}

fn client_and_relatives_see_card_calendar_log_and_not_done_never_domain_notes(t: Town) {
    let nurse = Actor::Worker(t.nurse);
    let mut done = entry(
        &t,
        DataCategory::ServiceLog,
        Visibility::Network,
        "Medication given",
    );
    done.domain_detail = Some(DomainDetail {
        domain: Domain::Nursing,
        text: "BP 150/90".into(),
    });
    t.engine.add_entry(&nurse, done).unwrap();
    t.engine
        .add_entry(
            &nurse,
            entry(
                &t,
                DataCategory::NotDone,
                Visibility::Network,
                "Not done: client in hospital",
            ),
        )
        .unwrap();
    t.engine
        .add_entry(
            &nurse,
            entry(
                &t,
                DataCategory::ProfessionalNote,
                Visibility::DomainOnly(Domain::Nursing),
                "Nursing-only",
            ),
        )
        .unwrap();
    t.engine
        .add_entry(
            &nurse,
            entry(
                &t,
                DataCategory::ProfessionalNote,
                Visibility::Network,
                "Note for the network",
            ),
        )
        .unwrap();
    for person in [t.client, t.relative] {
        let view = t
            .engine
            .client_file(&Actor::Person(person), t.file)
            .unwrap();
        assert!(view.card.is_some() && view.network.is_some(), "{person}");
        let seen: Vec<_> = view.entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            seen,
            ["Medication given", "Not done: client in hospital"],
            "{person}"
        );
        assert!(view.entries[0].domain_detail.is_none());
        assert_eq!(
            denied(t.engine.add_entry(
                &Actor::Person(person),
                entry(&t, DataCategory::ServiceLog, Visibility::Network, "x")
            )),
            DenyReason::ReadOnly {
                role: if person == t.client {
                    Role::Client
                } else {
                    Role::Relative
                }
            }
        );
    }
    assert_eq!(
        denied(t.engine.client_file(&Actor::Person(t.stranger), t.file)),
        DenyReason::NotInNetwork
    );
}

fn failed_call_leaves_nothing_behind_and_is_audited(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let before = t.engine.network(&sw, t.file).unwrap();
    let cp = t.engine.audit_checkpoint(&Actor::System).unwrap();
    let bad = NewMembership {
        file: t.file,
        member: Member::Worker(t.other_care_worker),
        role: None,
        valid_from: day(2026, 12, 1),
        valid_until: Some(day(2026, 11, 1)),
    };
    assert!(matches!(
        t.engine.add_member(&sw, bad),
        Err(TehoError::InvalidPeriod { .. })
    ));
    let empty_note = entry(
        &t,
        DataCategory::ProfessionalNote,
        Visibility::Network,
        "   ",
    );
    assert!(matches!(
        t.engine.add_entry(&sw, empty_note),
        Err(TehoError::InvalidInput { .. })
    ));
    assert_eq!(t.engine.network(&sw, t.file).unwrap(), before);
    assert!(texts(&t, &sw).is_empty());
    // checkpoint + 2 failures + network + entries + this checkpoint's predecessor count
    let after = t.engine.audit_checkpoint(&Actor::System).unwrap();
    assert_eq!(after.entries - cp.entries, 1 + 2 + 2);
    assert!(
        t.engine
            .verify_audit(&Actor::System, Some(&cp))
            .unwrap()
            .is_intact()
    );
}

fn unknown_actor_is_denied_and_audited(t: Town) {
    let ghost = Actor::Worker(crate::ids::WorkerId(uuid::Uuid::from_u128(0xdead)));
    let cp = t.engine.audit_checkpoint(&Actor::System).unwrap();
    assert_eq!(
        denied(t.engine.client_file(&ghost, t.file)),
        DenyReason::UnknownActor
    );
    assert_eq!(denied(t.engine.inbox(&ghost)), DenyReason::UnknownActor);
    let after = t.engine.audit_checkpoint(&Actor::System).unwrap();
    assert_eq!(after.entries - cp.entries, 3);
}

/// A foreign client is identified by the issuing country and the document number (seed
/// `001_c07609eead185765.txt`, annex part 1, 1.15–1.16): an identity sent as JSON with
/// either missing is refused, naming the field — not registered as a person nobody can
/// find again (issue 17: an empty country and document number were accepted).
fn a_foreign_identity_needs_its_country_and_document_number(t: Town) {
    use crate::person::{NewPerson, PersonIdentity};
    let sw = Actor::Worker(t.social_worker);
    let person = |country: &str, document: &str| NewPerson {
        identity: PersonIdentity::Foreign {
            country: country.into(),
            document_number: document.into(),
        },
        given_name: "Matti".into(),
        family_name: "Virtanen".into(),
        birth_date: None,
    };
    for (country, document, field) in [
        ("", "", "country"),
        ("fi", "AB123", "country"),
        ("FI", "", "document_number"),
        ("FI", "   ", "document_number"),
        ("FI", "AB 123", "document_number"),
    ] {
        match t.engine.register_person(&sw, person(country, document)) {
            Err(TehoError::InvalidInput { field: f, .. }) => {
                assert_eq!(f, field, "{country:?} {document:?}")
            }
            other => panic!("{country:?} {document:?}: {other:?}"),
        }
    }
    let p = t
        .engine
        .register_person(&sw, person("FI", " AB-123 "))
        .unwrap();
    assert_eq!(
        p.identity.key(),
        "FI:DOC:AB-123",
        "stored as checked, trimmed"
    );
}

crate::testing::tests![
    a_foreign_identity_needs_its_country_and_document_number,
    worker_sees_client_only_while_member,
    substitute_sees_only_within_period_and_only_the_substituted_workers_clients,
    substitute_cannot_redelegate_or_extend,
    domain_only_records_and_fields_are_for_that_domain_only,
    psychiatric_diagnosis_is_visible_to_the_special_care_consultant_only,
    departed_worker_access_ends_at_the_end_of_the_last_day,
    departure_recorded_late_is_a_compliance_breach_listed_and_notified,
    provider_sees_only_the_section_17_scope,
    supervisor_reads_only_for_supervision,
    client_and_relatives_see_card_calendar_log_and_not_done_never_domain_notes,
    failed_call_leaves_nothing_behind_and_is_audited,
    unknown_actor_is_denied_and_audited,
];
