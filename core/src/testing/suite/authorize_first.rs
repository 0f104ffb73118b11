//! Authorization answers first (seed 002 §17: a processor sees only the people it deals
//! with; `DOMAIN.md` rule 1). Derived from the API description, for every command:
//!
//! - an actor with no standing at all — an unknown worker or person, a worker whose
//!   employment has ended — is refused, whatever the rest of the input: valid, spoiled or
//!   naming ids that exist nowhere;
//! - an actor refused a command with valid input is refused it with spoiled input too
//!   (a wrong value never answers before the refusal);
//! - an id that exists nowhere is refused exactly like an existing one the actor may
//!   not see: the same deny reason, so a stranger cannot tell them apart.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use uuid::Uuid;

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::ids::{PersonId, WorkerId};
use crate::org::{NewWorker, Role};
use crate::testing::api::{Shape, requests};
use crate::testing::{Town, code, day};

/// The deny reason of a result, if it is a refusal.
fn refusal<T>(r: &Result<T, TehoError>) -> Option<DenyReason> {
    match r {
        Err(TehoError::AccessDenied { reason, .. }) => Some(reason.clone()),
        _ => None,
    }
}

/// A care worker of the town's provider whose employment ended on 31 October 2026.
fn departed(t: &Town) -> WorkerId {
    let w = t
        .engine
        .register_worker(
            &Actor::Worker(t.admin),
            NewWorker {
                personal_code: code("4930303017"),
                given_name: "Left".into(),
                family_name: "Already".into(),
                organization: t.care_org,
                role: Role::CareWorker,
                employed_from: day(2020, 1, 1),
                employed_until: Some(day(2026, 10, 31)),
            },
        )
        .unwrap();
    w.id
}

fn an_actor_without_standing_is_refused_every_command_whatever_the_input(t: Town) {
    let nobody = [
        Actor::Worker(WorkerId(Uuid::from_u128(0x0dd_0001))),
        Actor::Person(PersonId(Uuid::from_u128(0x0dd_0002))),
        Actor::Worker(departed(&t)),
        Actor::Supervising {
            worker: t.care_worker,
            case_reference: "JV-1".into(),
        },
    ];
    let mut wrong = Vec::new();
    for shape in [Shape::Valid, Shape::Spoiled, Shape::Unknown] {
        for (name, _, request) in requests(&t, shape) {
            for actor in &nobody {
                let r = t.engine.execute(actor, request.clone());
                if refusal(&r).is_none() {
                    wrong.push(format!(
                        "{name} ({shape:?}) as {actor:?}: expected AccessDenied, got {:?}",
                        r.map(|_| "a result")
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A care worker of a provider that serves nobody in the town: every id of the town is
/// one they may not see.
fn outsider(t: &Town) -> WorkerId {
    let admin = Actor::Worker(t.admin);
    let org = t
        .engine
        .register_organization(
            &admin,
            crate::org::NewOrganization {
                name: "Kaugel Hooldus OÜ".into(),
                kind: crate::org::OrganizationKind::HomeCareProvider,
                registry_code: None,
            },
        )
        .unwrap();
    t.engine
        .register_worker(
            &admin,
            NewWorker {
                personal_code: code("4940404019"),
                given_name: "Outside".into(),
                family_name: "Worker".into(),
                organization: org.id,
                role: Role::CareWorker,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id
}

fn a_refusal_does_not_depend_on_the_rest_of_the_input(t: Town) {
    let outsider = Actor::Worker(outsider(&t));
    let strangers = [
        Actor::Worker(t.other_care_worker),
        Actor::Person(t.stranger),
        outsider.clone(),
    ];
    // Those to whom every id of the town is one they may not see.
    let blind = [Actor::Person(t.stranger), outsider];
    let valid = requests(&t, Shape::Valid);
    let spoiled = requests(&t, Shape::Spoiled);
    let unknown = requests(&t, Shape::Unknown);
    let mut wrong = Vec::new();
    for ((name, _, v), ((_, _, s), (_, _, u))) in valid.iter().zip(spoiled.iter().zip(&unknown)) {
        for actor in &strangers {
            let Some(reason) = refusal(&t.engine.execute(actor, v.clone())) else {
                continue;
            };
            let r = t.engine.execute(actor, s.clone());
            if refusal(&r).is_none() {
                wrong.push(format!(
                    "{name} as {actor:?}: refused ({reason}) with valid input, but with \
                     spoiled input it answers {:?}",
                    r.map(|_| "a result")
                ));
            }
            if !blind.contains(actor) {
                continue;
            }
            let r = t.engine.execute(actor, u.clone());
            if refusal(&r) != Some(reason.clone()) {
                wrong.push(format!(
                    "{name} as {actor:?}: an id that exists nowhere must be refused like one \
                     that exists ({reason}), got {:?}",
                    r.map(|_| "a result")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

crate::testing::tests![
    an_actor_without_standing_is_refused_every_command_whatever_the_input,
    a_refusal_does_not_depend_on_the_rest_of_the_input,
];
