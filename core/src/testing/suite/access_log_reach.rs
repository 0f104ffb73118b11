//! Every read reaches the access log of every client whose data it showed (`DOMAIN.md`
//! rule 12: the Data Tracker promise; seed 002 §9: every query is logged) — a worker's
//! day, the missed-visit list, reports, home views, searches, an inbox: reads about
//! several clients at once.
//!
//! Derived from the API description: every query is asked, by every kind of actor, over
//! towns grown at random (more clients, each with a random part of the town's workers in
//! their network, a guardian, care plans, visits recorded done and not done). The oracle
//! is plain: every id in the result that belongs to a client file — the file's, its
//! client's, a visit's, a log entry's, a plan's, a contract's… — makes that file one
//! the read showed, and the file's access log must then show the read, at its instant
//! and under its name, to the client and to the guardian.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::{BTreeSet, HashMap};

use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use uuid::Uuid;

use crate::access::Actor;
use crate::calendar::Visit;
use crate::engine::Operation;
use crate::file::NewCard;
use crate::ids::{ClientFileId, PersonId};
use crate::log::{DoneReport, NotDoneReason};
use crate::network::{Member, NewMembership};
use crate::org::{Domain, Role};
use crate::person::{NewPerson, PersonIdentity};
use crate::plan::NewPlan;
use crate::store::{Filter, Records, UnitKind};
use crate::testing::api::{Shape, requests};
use crate::testing::{Town, code, day, spec};

/// One more client of the town: a file, a guardian, some of the town's workers in the
/// network, and (when the care manager is one of them) a daily care plan.
fn grow(t: &Town, n: u32, members: u8) -> (ClientFileId, PersonId, PersonId) {
    let sw = Actor::Worker(t.social_worker);
    let person = |first_ten: String, given: &str| {
        t.engine
            .register_person(
                &sw,
                NewPerson {
                    identity: PersonIdentity::Estonian(code(&first_ten)),
                    given_name: given.into(),
                    family_name: format!("Grown{n}"),
                    birth_date: None,
                },
            )
            .unwrap()
            .id
    };
    let client = person(format!("4400101{:03}", 100 + n), "Client");
    let guardian = person(format!("3600101{:03}", 100 + n), "Guardian");
    let file = t
        .engine
        .open_client_file(
            &sw,
            client,
            NewCard {
                residence: None,
                contacts: Vec::new(),
                good_to_know: format!("client {n}"),
            },
        )
        .unwrap()
        .id;
    let add = |member: Member, role: Option<Role>| {
        t.engine
            .add_member(
                &sw,
                NewMembership {
                    file,
                    member,
                    role,
                    valid_from: day(2026, 11, 2),
                    valid_until: None,
                },
            )
            .unwrap();
    };
    add(Member::Person(guardian), Some(Role::Guardian));
    let workers = [t.care_manager, t.care_worker, t.nursing_manager, t.nurse];
    for (i, w) in workers.iter().enumerate() {
        if members & (1 << i) != 0 {
            add(Member::Worker(*w), None);
        }
    }
    if members & 0b11 == 0b11 {
        let cm = Actor::Worker(t.care_manager);
        let plan = t
            .engine
            .create_plan(
                &cm,
                NewPlan {
                    file,
                    domain: Domain::Care,
                    provider: t.care_org,
                },
            )
            .unwrap();
        t.engine
            .add_plan_item(
                &cm,
                plan.id,
                spec(
                    "HOOLD-02",
                    "Lunch",
                    Some(t.care_worker),
                    30,
                    "FREQ=DAILY;BYHOUR=12",
                ),
            )
            .unwrap();
    }
    (file, client, guardian)
}

/// Which client file each id belongs to: the files, their clients, and every record of
/// a file — read straight from the store.
fn owners(t: &Town) -> HashMap<Uuid, ClientFileId> {
    let mut m = HashMap::new();
    let mut tx = Records::new(
        t.engine
            .store()
            .begin(crate::store::Unit {
                kind: UnitKind::Query,
                batch: None,
            })
            .unwrap(),
    );
    for f in tx.files().unwrap() {
        m.insert(f.id.0, f.id);
        m.insert(f.client.0, f.id);
        for v in tx.all_visits_of_file(f.id).unwrap() {
            m.insert(v.id.0, f.id);
        }
        for e in tx.entries_of_file(f.id).unwrap() {
            m.insert(e.id.0, f.id);
        }
        for p in tx.plans_of_file(f.id).unwrap() {
            m.insert(p.id.0, f.id);
            for i in tx.items_of_plan(p.id).unwrap() {
                m.insert(i.id.0, f.id);
            }
        }
        for x in tx.memberships_of_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        for x in tx.contracts_by_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        for x in tx.decisions_by_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        for x in tx.applications_by_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        for x in tx.assessments_by_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        for x in tx.restrictions_of_file(f.id).unwrap() {
            m.insert(x.id.0, f.id);
        }
        let far = (
            day(2000, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc(),
            day(2100, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc(),
        );
        for x in tx.log_of_file(f.id, far.0, far.1).unwrap() {
            m.insert(x.id.0, f.id);
        }
    }
    let notes: Vec<crate::notify::Notification> = tx.find(&Filter::all()).unwrap();
    for n in notes {
        if let Some(f) = n.about {
            m.insert(n.id.0, f);
        }
    }
    m
}

/// Every id a result holds, anywhere in it.
fn ids_in(v: &Value, out: &mut BTreeSet<Uuid>) {
    match v {
        Value::String(s) => {
            if let Ok(u) = Uuid::parse_str(s) {
                out.insert(u);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| ids_in(x, out)),
        _ => {}
    }
}

/// Records a visit or two of the town's care worker as done and not done.
fn record_some(t: &Town, visits: &[Visit]) {
    let cw = Actor::Worker(t.care_worker);
    for (i, v) in visits.iter().take(2).enumerate() {
        let _ = if i == 0 {
            t.engine
                .mark_done(&cw, v.id, DoneReport::default())
                .map(|_| ())
        } else {
            t.engine
                .mark_not_done(
                    &cw,
                    v.id,
                    Some(NotDoneReason::ClientNotAtHome),
                    String::new(),
                    None,
                )
                .map(|_| ())
        };
    }
}

/// A guardian for the town's client.
fn guardian_of_the_town(t: &Town) -> PersonId {
    let sw = Actor::Worker(t.social_worker);
    let g = t
        .engine
        .register_person(
            &sw,
            NewPerson {
                identity: PersonIdentity::Estonian(code("3600101099")),
                given_name: "Guardian".into(),
                family_name: "Town".into(),
                birth_date: None,
            },
        )
        .unwrap()
        .id;
    t.add_guardian(g);
    g
}

fn every_read_reaches_the_access_log_of_every_client_it_shows(t: Town) {
    t.plan_week();
    let guardian = guardian_of_the_town(&t);
    let guardians: std::cell::RefCell<HashMap<ClientFileId, (PersonId, PersonId)>> =
        std::cell::RefCell::new(HashMap::from([(t.file, (t.client, guardian))]));
    let grown = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config::with_cases(4));
    runner
        .run(&(1u8..16, 1u8..16), |(a, b)| {
            for members in [a, b] {
                let n = grown.get();
                grown.set(n + 1);
                let (file, client, guardian) = grow(&t, n, members);
                guardians.borrow_mut().insert(file, (client, guardian));
            }
            t.clock.advance(Duration::hours(26));
            let today = t
                .engine
                .worker_calendar(
                    &Actor::Worker(t.care_worker),
                    t.care_worker,
                    t.clock_day() - Duration::days(1),
                    t.clock_day() - Duration::days(1),
                )
                .unwrap();
            record_some(&t, &today.into_iter().map(|c| c.visit).collect::<Vec<_>>());
            let owner = owners(&t);
            let actors = [
                Actor::Worker(t.care_worker),
                Actor::Worker(t.care_manager),
                Actor::Worker(t.nurse),
                Actor::Worker(t.nursing_manager),
                Actor::Worker(t.social_worker),
                Actor::Worker(t.admin),
                Actor::Person(t.client),
                Actor::System,
            ];
            let queries: Vec<_> = requests(&t, Shape::Valid)
                .into_iter()
                .filter(|(_, _, r)| r.operation().kind() == UnitKind::Query)
                .filter(|(_, _, r)| r.operation() != Operation::AccessLog)
                .collect();
            let mut missing = Vec::new();
            for (name, audit_name, request) in &queries {
                for actor in &actors {
                    t.clock.advance(Duration::seconds(1));
                    let at = {
                        use crate::ports::Clock;
                        t.clock.now()
                    };
                    let Ok(result) = t.engine.execute(actor, request.clone()) else {
                        continue;
                    };
                    let mut ids = BTreeSet::new();
                    ids_in(&result, &mut ids);
                    let shown: BTreeSet<ClientFileId> =
                        ids.iter().filter_map(|u| owner.get(u).copied()).collect();
                    for file in shown {
                        let (client, guardian) = guardians.borrow()[&file];
                        for reader in [client, guardian] {
                            let log = t.engine.access_log(&Actor::Person(reader), file).unwrap();
                            if !log.iter().any(|l| l.at == at && l.what == *audit_name) {
                                missing.push(format!(
                                    "{name} as {actor:?} showed file {file}, whose access log \
                                     (read by {reader}) has no line for it"
                                ));
                            }
                        }
                    }
                }
            }
            missing.truncate(20);
            prop_assert!(missing.is_empty(), "{}", missing.join("\n"));
            Ok(())
        })
        .unwrap();
}

crate::testing::tests![every_read_reaches_the_access_log_of_every_client_it_shows];
