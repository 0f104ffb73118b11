//! Exports over random towns (issue 21): no export — FHIR, iCalendar, the data
//! subject's copy — holds anything the exporting actor's own reads would not show, and
//! none is given to an actor without standing towards the client at that instant.
//!
//! Each case builds a town whose network (who is a member, from when to when, whether a
//! guardian and a second care worker join), plans (items, workers, times), outcomes
//! (done with a domain-only detail, not done with a reason, a text and a detail,
//! cancelled with a domain-only reason, moved) and entries vary, then lets a random actor
//! export at a random instant. Three oracles, each written plainly here:
//! - **standing**, from the town's own membership periods: an actor without it is
//!   refused every export;
//! - **domain-only texts** carry their domain in their words (`Detail-Care-3`), and only
//!   a worker of that domain may export them; entries are never exported;
//! - **every free text** of an export is in what the actor's reads showed (the file,
//!   the calendar, the service log, each visit with its plan, the access log).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use serde_json::Value;
use teho_core::TehoError;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::engine::ExportRecipient;
use teho_core::file::NewEntry;
use teho_core::ids::WorkerId;
use teho_core::log::{DoneReport, NotDoneReason};
use teho_core::network::{Member, NewMembership};
use teho_core::org::{Domain, Role};
use teho_core::plan::NewPlan;
use teho_core::store::MemoryStore;
use teho_tests::{Town, day, fhir_free_texts, spec, tallinn};

/// The last day of a membership, as days after 2 November (none: open-ended).
type End = Option<u8>;

/// What a visit's worker (or manager) does with it.
#[derive(Clone, Debug)]
enum Outcome {
    Leave,
    Done {
        detail: bool,
    },
    NotDone {
        reason: u8,
        text: bool,
        detail: bool,
    },
    Cancel,
    Move {
        hours: i8,
    },
}

/// One plan item: its domain, which worker (an index into that domain's two), the rule.
#[derive(Clone, Debug)]
struct Item {
    nursing: bool,
    worker: Option<bool>,
    rule: u8,
}

/// A random town: the base town's members with random ends, optional extra members,
/// plan items, an outcome per early visit, entries; and who exports when.
#[derive(Clone, Debug)]
struct Spec {
    ends: [End; 6],
    other_care_worker: Option<(u8, End)>,
    guardian: Option<(u8, End)>,
    items: Vec<Item>,
    outcomes: Vec<Outcome>,
    entries: Vec<(u8, u8)>,
    actor: usize,
    export_day: u8,
    export_hour: u8,
}

const RULES: [&str; 5] = [
    "FREQ=DAILY;BYHOUR=9",
    "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11",
    "FREQ=WEEKLY;BYDAY=TU,FR;BYHOUR=14;BYMINUTE=30",
    "FREQ=DAILY;BYHOUR=19",
    "FREQ=WEEKLY;BYDAY=SA;BYHOUR=8",
];

fn end() -> impl Strategy<Value = End> {
    prop_oneof![Just(None), (3u8..40).prop_map(Some)]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        2 => Just(Outcome::Leave),
        3 => any::<bool>().prop_map(|detail| Outcome::Done { detail }),
        2 => (0u8..6, any::<bool>(), any::<bool>())
            .prop_map(|(reason, text, detail)| Outcome::NotDone { reason, text, detail }),
        1 => Just(Outcome::Cancel),
        1 => (-3i8..4).prop_map(|hours| Outcome::Move { hours }),
    ]
}

prop_compose! {
    /// A random town, and who exports at what instant.
    fn town_spec()(
        ends in [end(), end(), end(), end(), end(), end()],
        other_care_worker in proptest::option::of((0u8..20, end())),
        guardian in proptest::option::of((0u8..20, end())),
        items in proptest::collection::vec(
            (any::<bool>(), proptest::option::of(any::<bool>()), 0u8..5)
                .prop_map(|(nursing, worker, rule)| Item { nursing, worker, rule }),
            1..5,
        ),
        outcomes in proptest::collection::vec(outcome(), 0..14),
        entries in proptest::collection::vec((0u8..4, 0u8..4), 0..4),
        actor in 0usize..ACTORS,
        export_day in 0u8..45,
        export_hour in 7u8..21,
    ) -> Spec {
        Spec { ends, other_care_worker, guardian, items, outcomes, entries, actor, export_day, export_hour }
    }
}

fn start() -> NaiveDate {
    day(2026, 11, 2)
}

fn after(days: u8) -> NaiveDate {
    start() + Duration::days(i64::from(days))
}

/// Whether `d` is in `from ..= until`.
fn within(d: NaiveDate, from: NaiveDate, until: Option<NaiveDate>) -> bool {
    d >= from && until.is_none_or(|u| d <= u)
}

const ACTORS: usize = 13;

/// The actors, in the order `Spec::actor` picks from.
fn actors(t: &Town) -> [Actor; ACTORS] {
    [
        Actor::Worker(t.admin),
        Actor::Worker(t.social_worker),
        Actor::Worker(t.care_manager),
        Actor::Worker(t.care_worker),
        Actor::Worker(t.other_care_worker),
        Actor::Worker(t.nursing_manager),
        Actor::Worker(t.nurse),
        Actor::Worker(t.substitute_nurse),
        Actor::Worker(t.consultant),
        Actor::Worker(t.ska_supervisor),
        Actor::Person(t.client),
        Actor::Person(t.relative),
        Actor::Person(t.stranger),
    ]
}

/// Whether actor number `ix` stands towards the client on `d`, from the spec's periods
/// (the oracle): the base members from 2 November to their end, the extra members in
/// their periods, the substitute nurse while standing in (9–13 November) for a nurse
/// who is a member, the district social worker from the file's opening; the client
/// always; the administrator and the supervisor acting as a worker never.
fn has_standing(s: &Spec, ix: usize, d: NaiveDate) -> bool {
    let member = |k: usize| within(d, start(), s.ends[k].map(after));
    let extra = |m: Option<(u8, End)>| {
        m.is_some_and(|(from, until)| within(d, after(from), until.map(|u| after(from + u))))
    };
    match ix {
        0 | 9 => false,
        1 => d >= start(),
        2 => member(0),
        3 => member(1),
        4 => extra(s.other_care_worker),
        5 => member(2),
        6 => member(3),
        7 => within(d, day(2026, 11, 9), Some(day(2026, 11, 13))) && member(3),
        8 => member(4),
        10 => true,
        11 => member(5),
        12 => extra(s.guardian),
        _ => unreachable!("actor {ix}"),
    }
}

/// The domain of a worker actor's role, from the role table (for the domain-only oracle).
fn domain_of(ix: usize) -> Option<&'static str> {
    match ix {
        2..=4 => Some("Care"),
        5..=7 => Some("Nursing"),
        _ => None,
    }
}

/// Builds the town the spec describes; steps the engine refuses (a worker no longer a
/// member recording a visit, say) are left out, as a real town would lack them.
fn build(s: &Spec) -> Town {
    let t = Town::build(MemoryStore::new());
    let sw = Actor::Worker(t.social_worker);
    let network = t.engine.network(&sw, t.file).unwrap();
    let members = [
        Member::Worker(t.care_manager),
        Member::Worker(t.care_worker),
        Member::Worker(t.nursing_manager),
        Member::Worker(t.nurse),
        Member::Worker(t.consultant),
        Member::Person(t.relative),
    ];
    for (member, end) in members.iter().zip(s.ends) {
        if let Some(days) = end {
            let m = network.iter().find(|m| m.member == *member).unwrap();
            t.engine.end_membership(&sw, m.id, after(days)).unwrap();
        }
    }
    for (member, role, period) in [
        (
            Member::Worker(t.other_care_worker),
            None,
            s.other_care_worker,
        ),
        (Member::Person(t.stranger), Some(Role::Guardian), s.guardian),
    ] {
        if let Some((from, until)) = period {
            t.engine
                .add_member(
                    &sw,
                    NewMembership {
                        file: t.file,
                        member,
                        role,
                        valid_from: after(from),
                        valid_until: until.map(|u| after(from + u)),
                    },
                )
                .unwrap();
        }
    }
    let (cm, nm) = (
        Actor::Worker(t.care_manager),
        Actor::Worker(t.nursing_manager),
    );
    let plan = |manager: &Actor, domain, provider| {
        t.engine
            .create_plan(
                manager,
                NewPlan {
                    file: t.file,
                    domain,
                    provider,
                },
            )
            .unwrap()
    };
    let care_plan = plan(&cm, Domain::Care, t.care_org);
    let nursing_plan = plan(&nm, Domain::Nursing, t.nursing_org);
    for (n, item) in s.items.iter().enumerate() {
        let (manager, plan, workers, code) = if item.nursing {
            (&nm, nursing_plan.id, [t.nurse, t.substitute_nurse], "ÕE")
        } else {
            (
                &cm,
                care_plan.id,
                [t.care_worker, t.other_care_worker],
                "HOOLD",
            )
        };
        let worker = item.worker.map(|second| workers[usize::from(second)]);
        let text = format!("Action {n} {code}");
        let _ = t.engine.add_plan_item(
            manager,
            plan,
            spec(
                &format!("{code}-{n}"),
                &text,
                worker,
                30,
                RULES[usize::from(item.rule)],
            ),
        );
    }
    // Outcomes of the visits up to 20 November, each recorded as it happens: a move or
    // a cancellation two hours before the visit, done or not done an hour after it (the
    // clock only goes forward).
    let visits = t
        .engine
        .client_calendar(&sw, t.file, start(), day(2026, 11, 20))
        .unwrap();
    let mut now = tallinn(2026, 11, 2, 9, 0);
    for (n, (v, outcome)) in visits.iter().zip(&s.outcomes).enumerate() {
        let visit = &v.visit;
        let when = match outcome {
            Outcome::Cancel | Outcome::Move { .. } => visit.start - Duration::hours(2),
            _ => visit.end + Duration::hours(1),
        };
        now = now.max(when);
        t.clock.set(now);
        let domain = if visit.domain == Domain::Nursing {
            "Nursing"
        } else {
            "Care"
        };
        let manager = if visit.domain == Domain::Nursing {
            &nm
        } else {
            &cm
        };
        let by = visit.worker.map_or(manager.clone(), Actor::Worker);
        let _ = match outcome {
            Outcome::Leave => continue,
            Outcome::Done { detail } => t
                .engine
                .mark_done(
                    &by,
                    visit.id,
                    DoneReport {
                        detail: detail.then(|| format!("Detail-{domain}-{n}")),
                        ..DoneReport::default()
                    },
                )
                .map(|_| ()),
            Outcome::NotDone {
                reason,
                text,
                detail,
            } => {
                let reasons = [
                    NotDoneReason::ClientNotAtHome,
                    NotDoneReason::ClientInHospital,
                    NotDoneReason::ClientRefused,
                    NotDoneReason::WorkerIll,
                    NotDoneReason::NoAccessToHome,
                    NotDoneReason::Other,
                ];
                let reason = reasons[usize::from(*reason)];
                let text = if *text || reason == NotDoneReason::Other {
                    format!("Why-{n}")
                } else {
                    String::new()
                };
                t.engine
                    .mark_not_done(
                        &by,
                        visit.id,
                        Some(reason),
                        text,
                        detail.then(|| format!("NotDoneDetail-{domain}-{n}")),
                    )
                    .map(|_| ())
            }
            Outcome::Cancel => t
                .engine
                .cancel_visit(manager, visit.id, format!("Cancel-{domain}-{n}"))
                .map(|_| ()),
            Outcome::Move { hours } => t
                .engine
                .move_visit(
                    manager,
                    visit.id,
                    visit.start + Duration::hours(i64::from(*hours)),
                )
                .map(|_| ()),
        };
    }
    // Entries, by whoever may write them; never part of an export.
    let categories = [
        DataCategory::ProfessionalNote,
        DataCategory::ServiceLog,
        DataCategory::Income,
        DataCategory::ConditionAssessment,
    ];
    for (n, (category, author)) in s.entries.iter().enumerate() {
        let (author, domain) = match author {
            0 => (t.social_worker, Domain::Social),
            1 => (t.care_manager, Domain::Care),
            2 => (t.nurse, Domain::Nursing),
            _ => (t.nursing_manager, Domain::Nursing),
        };
        let _ = t.engine.add_entry(
            &Actor::Worker(author),
            NewEntry {
                file: t.file,
                category: categories[usize::from(*category)],
                visibility: if n % 2 == 0 {
                    Visibility::Network
                } else {
                    Visibility::DomainOnly(domain)
                },
                text: format!("Entry-{n}"),
                domain_detail: None,
            },
        );
    }
    t
}

/// The domain-only texts in `text` (`Detail-Care-3`, `Cancel-Nursing-1`, …) that are not
/// of `domain` — what the actor may not be given.
fn foreign_domain_texts(text: &str, domain: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for kind in ["Detail-", "NotDoneDetail-", "Cancel-"] {
        for (at, _) in text.match_indices(kind) {
            let rest = &text[at + kind.len()..];
            let of = rest.split('-').next().unwrap_or_default();
            if Some(of) != domain {
                out.push(text[at..].chars().take(24).collect());
            }
        }
    }
    out
}

/// The texts of an iCalendar export's events that come from the file: summaries,
/// places and descriptions, unescaped, line by line.
fn ics_texts(ics: &str) -> Vec<String> {
    let mut out = Vec::new();
    for event in teho_tests::ics_events(ics) {
        for name in ["SUMMARY", "LOCATION", "DESCRIPTION"] {
            let value = teho_tests::ics_unescaped(&event[name]);
            out.extend(value.split('\n').map(str::to_string));
        }
    }
    out
}

/// Whether an iCalendar text line is in what the calendar read showed: the labels the
/// export adds around a read's text ("Worker: ", "Not done: X — ", "Care only: ",
/// "Cancelled (Care only): ", an action's " (CODE)") are taken off first.
fn ics_line_shown(line: &str, shown: &str) -> bool {
    let mut parts: Vec<&str> = Vec::new();
    let line = line
        .strip_prefix("Worker: ")
        .or_else(|| line.strip_prefix("Status: ").map(|_| ""))
        .unwrap_or(line);
    if let Some(rest) = line.strip_prefix("Not done: ") {
        parts.extend(rest.splitn(2, " — ").skip(1));
    } else if let Some((_, text)) = line.split_once(" only): ") {
        parts.push(text);
    } else if let Some((_, text)) = line.split_once(" only: ") {
        parts.push(text);
    } else if line == "Replaced after a change of the plan" {
    } else {
        // A summary "action — client" or a description's "action (CODE)".
        parts.extend(line.split(" — "));
        parts = parts
            .into_iter()
            .map(|p| p.rsplit_once(" (").map_or(p, |(a, _)| a))
            .collect();
    }
    parts.iter().all(|p| p.is_empty() || shown.contains(p))
}

fn recipient() -> ExportRecipient {
    ExportRecipient {
        recipient: "Ida-Tallinna Keskhaigla".into(),
        legal_basis: "TTKS § 4^1".into(),
    }
}

/// Builds the town of `s`, lets its actor export, checks the three oracles and returns
/// what was exported, each with its kind (`fhir`, `ics`, `copy`).
fn exports_hold_only_what_was_shown(
    s: &Spec,
) -> Result<Vec<(&'static str, String)>, TestCaseError> {
    let t = build(s);
    let at =
        tallinn(2026, 10, 30, s.export_hour.into(), 0) + Duration::days(i64::from(s.export_day));
    t.clock.set(at);
    let today = teho_core::time::local_date(at);
    let actor = &actors(&t)[s.actor];
    let standing = has_standing(s, s.actor, today);
    let (from, to) = (day(2026, 11, 1), day(2026, 12, 31));
    let domain = domain_of(s.actor);

    // The actor's reads, for the free-text oracle.
    let shown = teho_tests::reads_shown(&t.engine, actor, t.file, from, to);
    let reads_log = t.engine.access_log(actor, t.file).is_ok();

    let mut exported: Vec<(&str, String)> = Vec::new();
    match actor {
        Actor::Worker(w) => {
            let fhir = t.engine.export_fhir(actor, t.file, from, to, recipient());
            let ics = t
                .engine
                .export_client_calendar(actor, t.file, from, to, recipient());
            if !standing {
                prop_assert!(
                    matches!(fhir, Err(TehoError::AccessDenied { .. })),
                    "actor {} on {today} exported FHIR",
                    s.actor
                );
                prop_assert!(
                    matches!(ics, Err(TehoError::AccessDenied { .. })),
                    "actor {} on {today} exported iCalendar",
                    s.actor
                );
            }
            if let Ok(f) = fhir {
                exported.push(("fhir", f.bundle));
            }
            if let Ok(c) = ics {
                exported.push(("ics", c.ics));
            }
            let own: WorkerId = *w;
            if let Ok(c) = t
                .engine
                .export_worker_calendar(actor, own, from, to, recipient())
            {
                // Their own calendar holds this client only while they serve them.
                let file = t.file.to_string();
                prop_assert!(
                    standing || !c.ics.contains(&file),
                    "actor {} on {today}: the client in their calendar export",
                    s.actor
                );
                let mine = t.engine.worker_calendar(actor, own, from, to).unwrap();
                let text = serde_json::to_string(&mine).unwrap();
                for line in ics_texts(&c.ics) {
                    prop_assert!(
                        ics_line_shown(&line, &text),
                        "actor {}'s worker calendar export holds {line:?}, which their calendar read does not",
                        s.actor
                    );
                }
                prop_assert!(
                    foreign_domain_texts(&c.ics, domain).is_empty(),
                    "actor {}: {:?}",
                    s.actor,
                    foreign_domain_texts(&c.ics, domain)
                );
            }
        }
        Actor::Person(_) => {
            let copy = t.engine.copy_for_data_subject(actor, t.file, from, to);
            if !standing {
                prop_assert!(
                    matches!(copy, Err(TehoError::AccessDenied { .. })),
                    "actor {} on {today} took a copy",
                    s.actor
                );
            }
            let fhir = t.engine.export_fhir(actor, t.file, from, to, recipient());
            prop_assert!(
                matches!(fhir, Err(TehoError::AccessDenied { .. })),
                "a person exported FHIR"
            );
            if let Ok(c) = copy {
                prop_assert!(
                    reads_log,
                    "actor {} took a copy holding the access log they may not read",
                    s.actor
                );
                exported.push(("copy", c.bundle));
            }
        }
        Actor::Supervising { .. } | Actor::System => unreachable!(),
    }
    // With standing, the network's workers export and the client or guardian takes
    // their copy (the relative may not); the administrator and the supervisor never.
    let expected: &[&str] = match (standing, s.actor) {
        (true, 1..=8) => &["fhir", "ics"],
        (true, 10 | 12) => &["copy"],
        _ => &[],
    };
    let kinds: Vec<&str> = exported.iter().map(|(k, _)| *k).collect();
    prop_assert_eq!(kinds.as_slice(), expected, "actor {} on {}", s.actor, today);
    for (kind, text) in &exported {
        prop_assert!(
            !text.contains("Entry-"),
            "{kind} by actor {} holds an entry",
            s.actor
        );
        prop_assert!(
            foreign_domain_texts(text, domain).is_empty(),
            "{kind} by actor {} holds {:?}",
            s.actor,
            foreign_domain_texts(text, domain)
        );
        if *kind == "ics" {
            for line in ics_texts(text) {
                prop_assert!(
                    ics_line_shown(&line, &shown),
                    "actor {}'s iCalendar export holds {line:?}, which their reads do not",
                    s.actor
                );
            }
        } else {
            let bundle: Value = serde_json::from_str(text).unwrap();
            for free in fhir_free_texts(&bundle) {
                prop_assert!(
                    shown.contains(free.as_str()),
                    "actor {}'s {kind} holds {free:?}, which their reads do not show",
                    s.actor
                );
            }
        }
    }
    Ok(exported)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_export_of_a_random_town_holds_what_the_exporters_reads_do_not(s in town_spec()) {
        exports_hold_only_what_was_shown(&s)?;
    }
}

/// One town with every kind of outcome in both domains, exported by the nurse, the care
/// worker and the client: each export holds its own domain's texts (so the oracles
/// above have something to find) and not the other's.
#[test]
fn a_full_town_gives_each_exporter_their_own_domains_texts() {
    let mut s = Spec {
        ends: [None; 6],
        other_care_worker: None,
        guardian: None,
        items: vec![
            Item {
                nursing: false,
                worker: Some(false),
                rule: 0,
            },
            Item {
                nursing: true,
                worker: Some(false),
                rule: 1,
            },
        ],
        outcomes: [
            Outcome::Done { detail: true },
            Outcome::NotDone {
                reason: 5,
                text: true,
                detail: true,
            },
            Outcome::Cancel,
        ]
        .into_iter()
        .cycle()
        .take(12)
        .collect(),
        entries: vec![(0, 0), (3, 2)],
        actor: 6,
        export_day: 20,
        export_hour: 12,
    };
    let text = |s: &Spec| {
        let exported = exports_hold_only_what_was_shown(s).unwrap();
        assert!(!exported.is_empty(), "actor {} exported nothing", s.actor);
        exported
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let nurse = text(&s);
    s.actor = 3;
    let care_worker = text(&s);
    s.actor = 10;
    let client = text(&s);
    for kind in [
        "Detail-Nursing-",
        "NotDoneDetail-Nursing-",
        "Cancel-Nursing-",
    ] {
        assert!(nurse.contains(kind), "the nurse's exports lack {kind}");
    }
    for kind in ["Detail-Care-", "NotDoneDetail-Care-", "Cancel-Care-"] {
        assert!(
            care_worker.contains(kind),
            "the care worker's exports lack {kind}"
        );
    }
    assert!(client.contains("Why-") && client.contains("\"AuditEvent\""));
    assert!(!client.contains("Detail-") && !client.contains("Cancel-"));
}
