//! Notifications reach exactly the right people: not-done reasons to the manager of the
//! visit's domain at its provider (care, nursing, other provider), messages to a member,
//! a role or the whole network — and never to anyone outside the network.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::log::NotDoneReason;
use crate::network::{Member, NewMembership};
use crate::notify::{Audience, NotificationKind, NotificationState, Recipient};
use crate::org::{Domain, NewOrganization, NewWorker, OrganizationKind, Role};
use crate::plan::NewPlan;
use crate::testing::{Town, code, day, denied, spec, tallinn};

fn not_done_notices(t: &Town, actor: &Actor) -> usize {
    t.engine
        .inbox(actor)
        .unwrap()
        .iter()
        .filter(|n| matches!(n.kind, NotificationKind::VisitNotDone { .. }))
        .count()
}

fn not_done_reaches_exactly_the_manager_of_its_domain_and_provider(t: Town) {
    t.plan_week();
    let admin = Actor::Worker(t.admin);
    // An other provider: a physiotherapy firm with its administrator and a physiotherapist.
    let physio_org = t
        .engine
        .register_organization(
            &admin,
            NewOrganization {
                name: "Füsio OÜ".into(),
                kind: OrganizationKind::OtherProvider,
                registry_code: None,
            },
        )
        .unwrap()
        .id;
    let new_worker = |c: &str, role| NewWorker {
        personal_code: code(c),
        given_name: "F".into(),
        family_name: "Füsio".into(),
        organization: physio_org,
        role,
        employed_from: day(2020, 1, 1),
        employed_until: None,
    };
    let physio_admin = t
        .engine
        .register_worker(&admin, new_worker("3810101020", Role::Administrator))
        .unwrap()
        .id;
    let physio = t
        .engine
        .register_worker(&admin, new_worker("4810101021", Role::Physiotherapist))
        .unwrap()
        .id;
    t.engine
        .add_member(
            &Actor::Worker(t.social_worker),
            NewMembership {
                file: t.file,
                member: Member::Worker(physio),
                role: None,
                valid_from: day(2026, 11, 2),
                valid_until: None,
            },
        )
        .unwrap();
    let pa = Actor::Worker(physio);
    let plan = t
        .engine
        .create_plan(
            &pa,
            NewPlan {
                file: t.file,
                domain: Domain::Other,
                provider: physio_org,
            },
        )
        .unwrap();
    t.engine
        .add_plan_item(
            &pa,
            plan.id,
            spec(
                "FÜS-01",
                "Exercises",
                Some(physio),
                45,
                "FREQ=WEEKLY;BYDAY=WE;BYHOUR=14",
            ),
        )
        .unwrap();

    t.clock.set(tallinn(2026, 11, 5, 20, 0));
    let first = |worker, actor: &Actor| {
        t.engine
            .worker_calendar(actor, worker, day(2026, 11, 2), day(2026, 11, 5))
            .unwrap()[0]
            .id
    };
    let cw = Actor::Worker(t.care_worker);
    let nurse = Actor::Worker(t.nurse);
    t.engine
        .mark_not_done(
            &cw,
            first(t.care_worker, &cw),
            Some(NotDoneReason::ClientRefused),
            String::new(),
            None,
        )
        .unwrap();
    t.engine
        .mark_not_done(
            &nurse,
            first(t.nurse, &nurse),
            Some(NotDoneReason::NoAccessToHome),
            "Door locked".into(),
            None,
        )
        .unwrap();
    t.engine
        .mark_not_done(
            &pa,
            first(physio, &pa),
            Some(NotDoneReason::WorkerIll),
            String::new(),
            None,
        )
        .unwrap();

    assert_eq!(not_done_notices(&t, &Actor::Worker(t.care_manager)), 1);
    assert_eq!(not_done_notices(&t, &Actor::Worker(t.nursing_manager)), 1);
    assert_eq!(not_done_notices(&t, &Actor::Worker(physio_admin)), 1);
    for nobody in [
        t.social_worker,
        t.care_worker,
        t.nurse,
        t.other_care_worker,
        t.admin,
        physio,
    ] {
        assert_eq!(not_done_notices(&t, &Actor::Worker(nobody)), 0, "{nobody}");
    }
    // The nursing manager is told which visit and the coded reason; the free text stays
    // on the visit (a copy here would outlive the visit's destruction).
    let nursing = t.engine.inbox(&Actor::Worker(t.nursing_manager)).unwrap();
    let told = nursing
        .iter()
        .find(|n| {
            matches!(
                n.kind,
                NotificationKind::VisitNotDone {
                    reason: NotDoneReason::NoAccessToHome,
                    ..
                }
            )
        })
        .unwrap();
    assert!(told.text.contains("NoAccessToHome"), "{}", told.text);
    assert!(!told.text.contains("Door locked"), "{}", told.text);
}

fn messages_go_to_a_member_a_role_or_the_whole_network_and_nobody_else(t: Town) {
    let rel = Actor::Person(t.relative);
    // The relative tells the whole network: every current member and the client, not the sender.
    let sent = t
        .engine
        .notify_network(
            &rel,
            t.file,
            Audience::Network,
            "Mother is in hospital from today".into(),
        )
        .unwrap();
    let to: Vec<Recipient> = sent.iter().map(|n| n.recipient).collect();
    assert_eq!(to.len(), 7, "{to:?}");
    assert!(
        to.contains(&Recipient::Person(t.client)) && !to.contains(&Recipient::Person(t.relative))
    );
    assert!(
        !to.contains(&Recipient::Worker(t.other_care_worker))
            && !to.contains(&Recipient::Worker(t.substitute_nurse))
    );
    assert!(sent.iter().all(|n| n.kind
        == NotificationKind::Message {
            from: "Jaan Kask".into()
        }));
    // To a role: only the current care workers.
    let sent = t
        .engine
        .notify_network(
            &Actor::Worker(t.nurse),
            t.file,
            Audience::Role(Role::CareWorker),
            "Please leave the key".into(),
        )
        .unwrap();
    assert_eq!(
        sent.iter().map(|n| n.recipient).collect::<Vec<_>>(),
        [Recipient::Worker(t.care_worker)]
    );
    // To one member; someone outside the network is not a valid recipient.
    assert!(
        t.engine
            .notify_network(
                &Actor::Worker(t.nurse),
                t.file,
                Audience::Member(Recipient::Worker(t.care_manager)),
                "Hi".into()
            )
            .is_ok()
    );
    assert!(
        matches!(t.engine.notify_network(&Actor::Worker(t.nurse), t.file, Audience::Member(Recipient::Worker(t.other_care_worker)), "Hi".into()), Err(TehoError::InvalidInput { field, .. }) if field == "audience")
    );
    // Outsiders cannot send; supervisors only read; empty text is refused.
    assert_eq!(
        denied(t.engine.notify_network(
            &Actor::Worker(t.other_care_worker),
            t.file,
            Audience::Network,
            "x".into()
        )),
        DenyReason::NotInNetwork
    );
    let sup = Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-1".into(),
    };
    assert_eq!(
        denied(
            t.engine
                .notify_network(&sup, t.file, Audience::Network, "x".into())
        ),
        DenyReason::ReadOnly {
            role: Role::Supervisor
        }
    );
    assert!(matches!(
        t.engine
            .notify_network(&rel, t.file, Audience::Network, " ".into()),
        Err(TehoError::InvalidInput { .. })
    ));
    // Nobody outside the network got anything about the client.
    assert!(
        t.engine
            .inbox(&Actor::Worker(t.other_care_worker))
            .unwrap()
            .iter()
            .all(|n| n.about != Some(t.file))
    );
}

fn a_notification_moves_from_unread_to_read_to_acknowledged_for_its_recipient_only(t: Town) {
    let sent = t
        .engine
        .notify_network(
            &Actor::Person(t.relative),
            t.file,
            Audience::Member(Recipient::Worker(t.care_manager)),
            "Call me".into(),
        )
        .unwrap();
    let id = sent[0].id;
    let cm = Actor::Worker(t.care_manager);
    assert!(matches!(
        denied(t.engine.mark_notification(
            &Actor::Worker(t.care_worker),
            id,
            NotificationState::Read
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    t.clock.set(tallinn(2026, 11, 2, 10, 0));
    let n = t
        .engine
        .mark_notification(&cm, id, NotificationState::Read)
        .unwrap();
    assert_eq!(
        (n.state, n.state_changed_at),
        (NotificationState::Read, Some(tallinn(2026, 11, 2, 10, 0)))
    );
    let n = t
        .engine
        .mark_notification(&cm, id, NotificationState::Acknowledged)
        .unwrap();
    assert_eq!(n.state, NotificationState::Acknowledged);
    assert!(matches!(
        t.engine.mark_notification(&cm, id, NotificationState::Read),
        Err(TehoError::Conflict { .. })
    ));
    assert_eq!(
        t.engine
            .inbox(&cm)
            .unwrap()
            .iter()
            .find(|x| x.id == id)
            .unwrap()
            .state,
        NotificationState::Acknowledged
    );
}

crate::testing::tests![
    not_done_reaches_exactly_the_manager_of_its_domain_and_provider,
    messages_go_to_a_member_a_role_or_the_whole_network_and_nobody_else,
    a_notification_moves_from_unread_to_read_to_acknowledged_for_its_recipient_only,
];
