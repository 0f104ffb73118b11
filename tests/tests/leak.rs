//! No actor outside the client's network at that instant gets anything about the client
//! through any query of the engine: every read is refused (and audited), and the inbox
//! of someone who never served the client holds nothing about them. Exports too: refused
//! outside the network, and inside it a FHIR export holds no text the exporter's own
//! reads do not show (issue 21).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use teho_core::TehoError;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::case::NewAssessment;
use teho_core::engine::ExportRecipient;
use teho_core::file::NewEntry;
use teho_core::network::Member;
use teho_storage::SqliteStore;
use teho_tests::{Town, day, fhir_free_texts, needs_answers, tallinn};

struct Shared {
    town: Town,
    lock: std::sync::Mutex<()>,
}

/// One town for all cases (built once): the care worker's membership ends on
/// 20 November; the substitute nurse stands in 9–13 November.
fn shared() -> &'static Shared {
    static S: OnceLock<Shared> = OnceLock::new();
    S.get_or_init(|| {
        let town = Town::build(SqliteStore::open_memory().expect("sqlite"));
        let sw = Actor::Worker(town.social_worker);
        for (cat, vis, text) in [
            (
                DataCategory::ServiceLog,
                Visibility::Network,
                "Shopping done",
            ),
            (DataCategory::Income, Visibility::Network, "Pension 700"),
        ] {
            town.engine
                .add_entry(
                    &sw,
                    NewEntry {
                        file: town.file,
                        category: cat,
                        visibility: vis,
                        text: text.into(),
                        domain_detail: None,
                    },
                )
                .expect("entry");
        }
        let m = town
            .engine
            .network(&sw, town.file)
            .expect("network")
            .into_iter()
            .find(|m| m.member == Member::Worker(town.care_worker))
            .expect("care worker member");
        town.engine
            .end_membership(&sw, m.id, day(2026, 11, 20))
            .expect("end");
        // A month of care and nursing visits, some recorded, so that calendars, the log,
        // reports and inboxes all hold something about the client.
        town.plan_week();
        // The case: an application, a positive decision, a contract and an assessment.
        town.direct_to_home_care();
        town.engine
            .record_assessment(
                &sw,
                NewAssessment {
                    file: town.file,
                    instrument: "NEEDS".into(),
                    version: 1,
                    answers: needs_answers(1),
                    icf: vec!["d450.2".into()],
                },
            )
            .expect("assessment");
        town.clock.set(tallinn(2026, 11, 6, 20, 0));
        town.record_two_visits(day(2026, 11, 2), "Detail");
        Shared {
            town,
            lock: std::sync::Mutex::new(()),
        }
    })
}

/// Whether `actor` has standing towards the client at `at`, from the fixture's facts
/// written out plainly (the oracle).
fn has_standing(t: &Town, actor: &Actor, at: DateTime<Utc>) -> bool {
    let d = teho_core::time::local_date(at);
    let member_from = day(2026, 11, 2);
    match actor {
        Actor::Person(p) if *p == t.client => true,
        Actor::Person(p) if *p == t.relative => d >= member_from,
        Actor::Person(_) => false,
        Actor::Supervising { worker, .. } => {
            *worker == t.ska_supervisor || *worker == t.tb_supervisor
        }
        Actor::Worker(w) if *w == t.care_worker => d >= member_from && d <= day(2026, 11, 20),
        Actor::Worker(w) if *w == t.substitute_nurse => {
            d >= day(2026, 11, 9) && d <= day(2026, 11, 13)
        }
        Actor::Worker(w) => {
            [
                t.social_worker,
                t.care_manager,
                t.nursing_manager,
                t.nurse,
                t.consultant,
            ]
            .contains(w)
                && d >= member_from
        }
        Actor::System => false,
    }
}

fn actors(t: &Town) -> Vec<Actor> {
    let mut v: Vec<Actor> = [
        t.admin,
        t.social_worker,
        t.care_manager,
        t.care_worker,
        t.other_care_worker,
        t.nursing_manager,
        t.nurse,
        t.substitute_nurse,
        t.ska_supervisor,
        t.tb_supervisor,
        t.consultant,
    ]
    .into_iter()
    .map(Actor::Worker)
    .collect();
    v.extend([t.client, t.relative, t.stranger].map(Actor::Person));
    v.push(Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-1".into(),
    });
    v.push(Actor::Supervising {
        worker: t.care_manager,
        case_reference: "fake".into(),
    });
    v.push(Actor::System);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn no_actor_outside_the_network_gets_anything_about_the_client(actor_ix in 0usize..17, minutes in 0i64..(60 * 24 * 50)) {
        let s = shared();
        let _guard = s.lock.lock().unwrap_or_else(|p| p.into_inner());
        let t = &s.town;
        let at = tallinn(2026, 10, 28, 0, 0) + Duration::minutes(minutes);
        t.clock.set(at);
        let actor = &actors(t)[actor_ix];
        let standing = has_standing(t, actor, at);
        let mut results: Vec<(&str, Result<(), TehoError>)> = vec![
            ("client_file", t.engine.client_file(actor, t.file).map(|_| ())),
            ("client_card", t.engine.client_card(actor, t.file).map(|_| ())),
            ("network", t.engine.network(actor, t.file).map(|_| ())),
            ("entries", t.engine.entries(actor, t.file).map(|_| ())),
            ("client_calendar", t.engine.client_calendar(actor, t.file, day(2026, 11, 1), day(2026, 12, 31)).map(|_| ())),
            ("service_log", t.engine.service_log(actor, t.file, day(2026, 11, 1), day(2026, 12, 31)).map(|_| ())),
            ("applications", t.engine.applications(actor, t.file).map(|_| ())),
            ("decisions", t.engine.decisions(actor, t.file).map(|_| ())),
            ("contracts", t.engine.contracts(actor, t.file).map(|_| ())),
            ("assessments", t.engine.assessments(actor, t.file).map(|_| ())),
            ("client_home", t.engine.client_home(actor, t.file).map(|_| ())),
        ];
        // The operator may print a client's access log for the data subject's own request
        // (audited as an operation); everyone else outside the network is refused.
        if *actor != Actor::System {
            results.push(("access_log", t.engine.access_log(actor, t.file).map(|_| ())));
        }
        for (query, r) in results {
            if standing {
                // Standing does not mean every category (a hospital social worker...), but
                // every actor here with standing may read the file's identity and entries.
                if query == "entries" || query == "client_file" {
                    prop_assert!(r.is_ok(), "{:?} at {} should read {}: {:?}", actor, at, query, r);
                }
            } else {
                prop_assert!(
                    matches!(r, Err(TehoError::AccessDenied { .. })),
                    "{:?} outside the network at {} got {} : {:?}", actor, at, query, r
                );
            }
        }
        // Exports (issue 21): refused outside the network; inside it, a FHIR export holds
        // no text the exporter's own reads do not show.
        let to_whom = ExportRecipient { recipient: "Ida-Tallinna Keskhaigla".into(), legal_basis: "TTKS § 4^1".into() };
        let (from, to) = (day(2026, 11, 1), day(2026, 12, 31));
        let fhir = t.engine.export_fhir(actor, t.file, from, to, to_whom.clone());
        let ics = t.engine.export_client_calendar(actor, t.file, from, to, to_whom);
        if !standing {
            prop_assert!(matches!(fhir, Err(TehoError::AccessDenied { .. })), "{:?} outside the network at {} exported FHIR: {:?}", actor, at, fhir.map(|f| f.resources));
            prop_assert!(matches!(ics, Err(TehoError::AccessDenied { .. })), "{:?} outside the network at {} exported iCalendar", actor, at);
        } else if let Ok(export) = fhir {
            let shown = teho_tests::reads_shown(&t.engine, actor, t.file, from, to);
            let bundle: serde_json::Value = serde_json::from_str(&export.bundle).unwrap();
            for text in fhir_free_texts(&bundle) {
                prop_assert!(shown.contains(text.as_str()), "{:?} at {} exported {:?}, which their reads do not show", actor, at, text);
            }
        }
        // A worker's own calendar and report hold this client only while they serve them.
        if let Actor::Worker(w) = actor {
            if let Ok(cal) = t.engine.worker_calendar(actor, *w, day(2026, 11, 1), day(2026, 12, 31)) {
                prop_assert!(standing || cal.iter().all(|v| v.file != t.file), "{:?} at {} sees the client's visits in their calendar", actor, at);
            }
            if let Ok(report) = t.engine.worker_report(actor, *w, day(2026, 11, 1), day(2026, 12, 31)) {
                prop_assert!(standing || report.iter().all(|e| e.file != t.file), "{:?} at {} sees the client in their report", actor, at);
            }
        }
        // Searching the register is for the roles that open files (the duty to find an
        // existing file before opening one); everyone else is refused.
        let opens_files = matches!(actor, Actor::Worker(w) if [t.social_worker, t.care_manager, t.nursing_manager].contains(w));
        let search = t.engine.find_client(actor, teho_core::case::ClientQuery::Name("Laine Kask".into()));
        prop_assert!(opens_files || matches!(search, Err(TehoError::AccessDenied { .. })), "{:?} searched the register: {:?}", actor, search);
        // A home view lists the client only for those with standing.
        if let Ok(home) = t.engine.home_view(actor) {
            prop_assert!(standing || home.clients.iter().all(|c| c.file != t.file), "{:?} at {} has the client on their home view", actor, at);
            prop_assert!(standing || home.visits_today.iter().all(|v| v.file != t.file));
            prop_assert!(standing || home.missed_visits.iter().all(|v| v.file != t.file));
        }
        // The inbox of someone who never served the client says nothing about them.
        if let Ok(inbox) = t.engine.inbox(actor) {
            let ever_member = matches!(actor, Actor::Worker(w) if [t.social_worker, t.care_manager, t.care_worker, t.nursing_manager, t.nurse, t.consultant].contains(w))
                || matches!(actor, Actor::Person(p) if *p == t.relative);
            if !ever_member {
                prop_assert!(inbox.iter().all(|n| n.about != Some(t.file)), "{:?} inbox leaks {:?}", actor, inbox);
            }
            for n in &inbox {
                prop_assert!(!n.text.contains("Laine") && !n.text.contains("438030301"), "notification text carries personal data: {}", n.text);
            }
        }
    }
}
