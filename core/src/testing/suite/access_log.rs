//! Every disclosure records all five fields of seed 002 §18(4); the client's access log
//! shows every access to and disclosure of their file — and nothing about other clients.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::disclosure::{AccessKind, NewDisclosure};
use crate::file::NewCard;
use crate::org::Role;
use crate::person::{NewPerson, PersonIdentity};
use crate::testing::{Town, code, denied, tallinn};

fn disclosure(t: &Town) -> NewDisclosure {
    NewDisclosure {
        file: t.file,
        what: "Care plan and service log, November 2026".into(),
        recipient: "Tallinna Haigla, ward 4".into(),
        legal_basis: "TTKS § 4^1 lg 1".into(),
        method: "encrypted e-mail".into(),
    }
}

fn every_disclosure_records_when_what_to_whom_basis_and_how(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    for field in ["what", "recipient", "legal_basis", "method"] {
        let mut d = disclosure(&t);
        match field {
            "what" => d.what = " ".into(),
            "recipient" => d.recipient = String::new(),
            "legal_basis" => d.legal_basis = String::new(),
            _ => d.method = "\t".into(),
        }
        assert!(
            matches!(t.engine.record_disclosure(&sw, d), Err(TehoError::InvalidInput { field: f, .. }) if f == field),
            "{field}"
        );
    }
    t.clock.set(tallinn(2026, 11, 6, 10, 15));
    let d = t.engine.record_disclosure(&sw, disclosure(&t)).unwrap();
    assert_eq!(
        (
            d.at,
            d.what.as_str(),
            d.recipient.as_str(),
            d.legal_basis.as_str(),
            d.method.as_str()
        ),
        (
            tallinn(2026, 11, 6, 10, 15),
            "Care plan and service log, November 2026",
            "Tallinna Haigla, ward 4",
            "TTKS § 4^1 lg 1",
            "encrypted e-mail"
        )
    );
    assert!(matches!(
        denied(
            t.engine
                .record_disclosure(&Actor::Person(t.relative), disclosure(&t))
        ),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(
            t.engine
                .record_disclosure(&Actor::Worker(t.other_care_worker), disclosure(&t))
        ),
        DenyReason::NotInNetwork
    );
}

fn the_clients_access_log_shows_every_access_and_disclosure_of_their_file_only(t: Town) {
    // A second client whose file is read too.
    let sw = Actor::Worker(t.social_worker);
    let other = t
        .engine
        .register_person(
            &sw,
            NewPerson {
                identity: PersonIdentity::Estonian(code("4400404044")),
                given_name: "Helmi".into(),
                family_name: "Mänd".into(),
                birth_date: None,
            },
        )
        .unwrap();
    let other_file = t
        .engine
        .open_client_file(&sw, other.id, NewCard::default())
        .unwrap()
        .id;
    // Reads of Laine's file, allowed and refused, each at its own minute.
    let reads: Vec<(u32, Actor, bool)> = vec![
        (1, Actor::Worker(t.nurse), true),
        (2, Actor::Worker(t.care_worker), true),
        (
            3,
            Actor::Supervising {
                worker: t.ska_supervisor,
                case_reference: "JV-9".into(),
            },
            true,
        ),
        (4, Actor::Worker(t.other_care_worker), false),
    ];
    for (minute, actor, ok) in &reads {
        t.clock.set(tallinn(2026, 11, 5, 10, *minute));
        assert_eq!(t.engine.client_file(actor, t.file).is_ok(), *ok);
    }
    t.clock.set(tallinn(2026, 11, 5, 10, 30));
    t.engine.client_file(&sw, other_file).unwrap();
    t.clock.set(tallinn(2026, 11, 5, 11, 0));
    t.engine.record_disclosure(&sw, disclosure(&t)).unwrap();
    t.clock.set(tallinn(2026, 11, 5, 12, 0));
    let log = t
        .engine
        .access_log(&Actor::Person(t.client), t.file)
        .unwrap();
    for (minute, _, ok) in &reads {
        let line = log
            .iter()
            .find(|l| l.at == tallinn(2026, 11, 5, 10, *minute))
            .unwrap_or_else(|| panic!("read at 10:{minute:02} missing"));
        assert_eq!(line.kind, AccessKind::Access);
        assert_eq!(line.what, "client_file.read");
        assert_eq!(line.outcome == "allowed", *ok, "{line:?}");
        assert!(line.organisation.is_some());
    }
    let sup = log
        .iter()
        .find(|l| l.at == tallinn(2026, 11, 5, 10, 3))
        .unwrap();
    assert_eq!(
        (
            sup.who.as_str(),
            sup.organisation.as_deref(),
            sup.why.as_str()
        ),
        (
            "Peeter Tallinn",
            Some("Sotsiaalkindlustusamet"),
            "supervision JV-9"
        )
    );
    assert!(
        log.iter().all(|l| l.at != tallinn(2026, 11, 5, 10, 30)),
        "nothing about another client's file"
    );
    let d = log
        .iter()
        .find(|l| l.kind == AccessKind::Disclosure)
        .unwrap();
    assert_eq!(
        (d.who.as_str(), d.why.as_str()),
        ("Sirje Tallinn", "TTKS § 4^1 lg 1")
    );
    assert!(
        d.outcome.contains("Tallinna Haigla, ward 4") && d.outcome.contains("encrypted e-mail")
    );
    // Reading the log is itself in the log.
    t.clock.set(tallinn(2026, 11, 5, 12, 5));
    let again = t
        .engine
        .access_log(&Actor::Person(t.client), t.file)
        .unwrap();
    assert!(
        again
            .iter()
            .any(|l| l.at == tallinn(2026, 11, 5, 12, 0) && l.what == "access_log.read")
    );
}

fn only_the_client_or_a_guardian_reads_the_access_log(t: Town) {
    assert!(matches!(
        denied(t.engine.access_log(&Actor::Person(t.relative), t.file)),
        DenyReason::RoleNotPermitted {
            role: Some(Role::Relative),
            ..
        }
    ));
    assert!(matches!(
        denied(t.engine.access_log(&Actor::Worker(t.social_worker), t.file)),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert_eq!(
        denied(t.engine.access_log(&Actor::Person(t.stranger), t.file)),
        DenyReason::NotInNetwork
    );
    // A guardian may.
    t.add_guardian(t.stranger);
    assert!(
        !t.engine
            .access_log(&Actor::Person(t.stranger), t.file)
            .unwrap()
            .is_empty()
    );
}

/// A lookup by a personal code that finds nobody names no code in its error message;
/// the code is in the error's `value`, for the caller.
fn a_lookup_by_personal_code_keeps_the_code_out_of_its_message(t: Town) {
    let unknown = code("3991231009");
    match t.engine.file_of_code(&Actor::System, unknown) {
        Err(e @ TehoError::NotFound { .. }) => {
            assert!(!e.to_string().contains(&unknown.to_string()), "{e}");
            assert!(
                matches!(&e, TehoError::NotFound { value: Some(v), .. } if *v == unknown.to_string())
            );
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Under a clock that stands still (a fixed-clock host, a batch in one instant) the log
/// keeps the order things happened in: each disclosure right after the call that
/// recorded it, before what came next — not after every access of its instant.
fn lines_of_one_instant_keep_the_order_they_happened_in(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let nurse = Actor::Worker(t.nurse);
    t.clock.set(tallinn(2026, 11, 9, 9, 0));
    t.engine.client_file(&nurse, t.file).unwrap();
    let first = t.engine.record_disclosure(&sw, disclosure(&t)).unwrap();
    t.engine
        .client_file(&Actor::Worker(t.care_worker), t.file)
        .unwrap();
    let mut second = disclosure(&t);
    second.recipient = "Perearst Dr. Mets".into();
    t.engine.record_disclosure(&sw, second).unwrap();
    t.engine.client_file(&nurse, t.file).unwrap();
    let log = t
        .engine
        .access_log(&Actor::Person(t.client), t.file)
        .unwrap();
    let now: Vec<(AccessKind, &str, &str)> = log
        .iter()
        .filter(|l| l.at == first.at)
        .map(|l| (l.kind, l.what.as_str(), l.who.as_str()))
        .collect();
    let (access, disclosed) = (AccessKind::Access, AccessKind::Disclosure);
    let what = first.what.as_str();
    assert_eq!(
        now,
        [
            (access, "client_file.read", "Teisi Tallinn"),
            (access, "disclosure.record", "Sirje Tallinn"),
            (disclosed, what, "Sirje Tallinn"),
            (access, "client_file.read", "Hille Tallinn"),
            (access, "disclosure.record", "Sirje Tallinn"),
            (disclosed, what, "Sirje Tallinn"),
            (access, "client_file.read", "Teisi Tallinn"),
        ]
    );
    let recipients: Vec<bool> = log
        .iter()
        .filter(|l| l.kind == disclosed)
        .map(|l| l.outcome.contains("Dr. Mets"))
        .collect();
    assert_eq!(
        recipients,
        [false, true],
        "the disclosures in their own order"
    );
}

crate::testing::tests![
    lines_of_one_instant_keep_the_order_they_happened_in,
    a_lookup_by_personal_code_keeps_the_code_out_of_its_message,
    every_disclosure_records_when_what_to_whom_basis_and_how,
    the_clients_access_log_shows_every_access_and_disclosure_of_their_file_only,
    only_the_client_or_a_guardian_reads_the_access_log,
];
