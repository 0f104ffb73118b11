//! Retention and destruction: only an approved act destroys, only records that are due,
//! not held and of a series without archival value; destroyed content is gone from the
//! database file and its WAL, and the audit chain still verifies.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::Duration;
use proptest::prelude::*;
use teho_core::TehoError;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::file::NewEntry;
use teho_core::ids::WorkerId;
use teho_core::org::{NewWorker, Role};
use teho_core::retention::{HoldScope, NewDestructionAct, RecordRef, due_on};
use teho_core::store::MemoryStore;
use teho_storage::SqliteStore;
use teho_tests::{Town, code, day, tallinn};

/// A head of the social welfare department: the second pair of eyes for acts.
fn head(t: &Town) -> WorkerId {
    t.engine
        .register_worker(
            &Actor::Worker(t.admin),
            NewWorker {
                personal_code: code("4650101070"),
                given_name: "Helle".into(),
                family_name: "Juhataja".into(),
                organization: t.city,
                role: Role::SocialWelfareHead,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .unwrap()
        .id
}

fn note(t: &Town, text: &str) -> teho_core::ids::EntryId {
    t.engine
        .add_entry(
            &Actor::Worker(t.social_worker),
            NewEntry {
                file: t.file,
                category: DataCategory::ProfessionalNote,
                visibility: Visibility::Network,
                text: text.into(),
                domain_detail: None,
            },
        )
        .unwrap()
        .id
}

fn act(planned: chrono::NaiveDate) -> NewDestructionAct {
    NewDestructionAct {
        appraisal_reference: "RA hindamisotsus 2036/17".into(),
        series: "TEHO-1.1".into(),
        date_from: day(2026, 1, 1),
        date_to: day(2026, 12, 31),
        method: "secure deletion".into(),
        planned_on: planned,
        place: "Tallinn, TEHO database".into(),
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn raw(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap_or_default();
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_str().unwrap()
    ));
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    bytes
}

/// The file at `path`, opened afresh at `at`, has an audit chain that verifies.
fn assert_chain_intact(path: &std::path::Path, at: chrono::DateTime<chrono::Utc>) {
    let engine = teho_core::ClientFiles::new(
        SqliteStore::open(path).unwrap(),
        teho_core::ports::FixedClock::new(at),
        teho_core::ports::SequentialIds::new(9),
    );
    assert!(
        engine
            .verify_audit(&Actor::System, None)
            .unwrap()
            .is_intact()
    );
}

#[test]
fn an_approved_act_destroys_due_records_beyond_recovery_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retention.db");
    let t = Town::build(SqliteStore::create(&path).unwrap());
    let head = Actor::Worker(head(&t));
    let admin = Actor::Worker(t.admin);
    let doomed = note(&t, "MARKER-ALPHA-7731 spare key under the mat");
    note(&t, "MARKER-BETA-4412 prefers evening visits");
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    t.engine
        .record_death(
            &Actor::Worker(t.social_worker),
            t.client,
            day(2026, 11, 10),
            "register".into(),
        )
        .unwrap();
    assert!(
        contains(&raw(&path), "MARKER-ALPHA-7731"),
        "the marker is on disk before destruction"
    );
    // Not due before ten years after the end of the case.
    t.clock.set(tallinn(2036, 11, 9, 9, 0));
    assert!(
        t.engine
            .retention_due(&admin, day(2036, 11, 9))
            .unwrap()
            .iter()
            .all(|r| r.record != RecordRef::Entry(doomed))
    );
    assert!(matches!(
        t.engine
            .draft_destruction_act(&admin, act(day(2036, 11, 9))),
        Err(TehoError::InvalidInput { .. })
    ));
    t.clock.set(tallinn(2036, 11, 10, 9, 0));
    let due = t.engine.retention_due(&admin, day(2036, 11, 10)).unwrap();
    let entry = due
        .iter()
        .find(|r| r.record == RecordRef::Entry(doomed))
        .unwrap();
    assert_eq!(
        (entry.series.as_str(), entry.due_on),
        ("TEHO-1.1", day(2036, 11, 10))
    );
    let drafted = t
        .engine
        .draft_destruction_act(&admin, act(day(2036, 11, 10)))
        .unwrap();
    assert_eq!(drafted.units, 2);
    assert!(
        !drafted.appraisal_reference.is_empty()
            && !drafted.legal_basis.is_empty()
            && drafted.retention_period.contains("10 years")
    );
    // Only an approved act destroys; its author cannot approve it.
    assert!(matches!(
        t.engine.execute_destruction_act(&admin, drafted.id),
        Err(TehoError::Conflict { .. })
    ));
    assert!(matches!(
        t.engine.approve_destruction_act(&admin, drafted.id),
        Err(TehoError::Conflict { .. })
    ));
    t.engine.approve_destruction_act(&head, drafted.id).unwrap();
    t.engine.execute_destruction_act(&head, drafted.id).unwrap();
    assert!(
        t.engine
            .retention_due(&admin, day(2036, 11, 10))
            .unwrap()
            .iter()
            .all(|r| r.record != RecordRef::Entry(doomed))
    );
    drop(t);
    let bytes = raw(&path);
    assert!(
        !contains(&bytes, "MARKER-ALPHA-7731") && !contains(&bytes, "MARKER-BETA-4412"),
        "destroyed content is gone from the file and the WAL"
    );
    assert_chain_intact(&path, tallinn(2036, 11, 11, 0, 0));
}

/// Every text a destroyable record holds, each a marker of its own: an entry's text and
/// domain-only detail; a visit's not-done text and comment and its cancellation reason; a
/// done visit's log detail; a hand-written log entry's action, place and detail; an
/// assessment's free-text answer. What the engine writes about them elsewhere —
/// notifications to managers, the audit, the access log — refers to the records, so
/// destroying them leaves none of the markers anywhere in the file or its WAL (seed
/// `004_4e44693abfa7524a.txt` annex 6 §4).
#[test]
fn destruction_removes_every_copy_of_every_text_of_every_destroyable_record() {
    use teho_core::case::{AnswerValue, NewAssessment};
    use teho_core::file::DomainDetail;
    use teho_core::log::{DoneReport, NewLogEntry, NotDoneReason};
    use teho_core::org::Domain;
    use teho_core::plan::PlannedAction;

    const MARKERS: [&str; 12] = [
        "MARK-ENTRY-TEXT-0101",
        "MARK-ENTRY-DETAIL-0102",
        "MARK-DONE-DETAIL-0201",
        "MARK-NOT-DONE-TEXT-0202",
        "MARK-NOT-DONE-DETAIL-0203",
        "MARK-CANCEL-REASON-0204",
        "MARK-LOG-CODE-0301",
        "MARK-LOG-ACTION-0302",
        "MARK-LOG-PLACE-0303",
        "MARK-LOG-DETAIL-0304",
        "MARK-ASSESSMENT-0401",
        "MARK-NOT-DONE-OTHER-0205",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copies.db");
    let t = Town::build(SqliteStore::create(&path).unwrap());
    let head = Actor::Worker(head(&t));
    let admin = Actor::Worker(t.admin);
    let (sw, cw, nurse) = (
        Actor::Worker(t.social_worker),
        Actor::Worker(t.care_worker),
        Actor::Worker(t.nurse),
    );
    t.plan_week();
    t.engine
        .add_entry(
            &nurse,
            NewEntry {
                file: t.file,
                category: DataCategory::ProfessionalNote,
                visibility: Visibility::Network,
                text: MARKERS[0].into(),
                domain_detail: Some(DomainDetail {
                    domain: Domain::Nursing,
                    text: MARKERS[1].into(),
                }),
            },
        )
        .unwrap();
    t.clock.set(tallinn(2026, 11, 5, 18, 0));
    let care: Vec<_> = t
        .engine
        .worker_calendar(&cw, t.care_worker, day(2026, 11, 2), day(2026, 11, 5))
        .unwrap()
        .into_iter()
        .map(|c| c.visit.id)
        .collect();
    assert_eq!(care.len(), 4, "a care visit a day");
    t.engine
        .mark_done(
            &cw,
            care[0],
            DoneReport {
                detail: Some(MARKERS[2].into()),
                ..DoneReport::default()
            },
        )
        .unwrap();
    t.engine
        .mark_not_done(
            &cw,
            care[1],
            Some(NotDoneReason::ClientRefused),
            MARKERS[3].into(),
            Some(MARKERS[4].into()),
        )
        .unwrap();
    t.engine
        .cancel_visit(&cw, care[2], MARKERS[5].into())
        .unwrap();
    t.engine
        .mark_not_done(
            &cw,
            care[3],
            Some(NotDoneReason::Other),
            MARKERS[11].into(),
            None,
        )
        .unwrap();
    t.engine
        .add_log_entry(
            &nurse,
            NewLogEntry {
                file: t.file,
                action: PlannedAction {
                    code: MARKERS[6].into(),
                    text: MARKERS[7].into(),
                },
                actual_start: tallinn(2026, 11, 5, 15, 0),
                actual_end: tallinn(2026, 11, 5, 15, 30),
                place: MARKERS[8].into(),
                detail: Some(MARKERS[9].into()),
            },
        )
        .unwrap();
    let mut answers = teho_tests::needs_answers(2);
    answers.push(("SUMMARY".into(), AnswerValue::Text(MARKERS[10].into())));
    t.engine
        .record_assessment(
            &sw,
            NewAssessment {
                file: t.file,
                instrument: "NEEDS".into(),
                version: 1,
                answers,
                icf: vec!["d450.2".into()],
            },
        )
        .unwrap();
    // Everyone reads what they may: the reads are audited, the notifications sent.
    for actor in [&cw, &nurse, &sw] {
        let _ = t.engine.inbox(actor);
        let _ = t.engine.home_view(actor);
        let _ = t
            .engine
            .client_calendar(actor, t.file, day(2026, 11, 2), day(2026, 11, 5));
        let _ = t
            .engine
            .service_log(actor, t.file, day(2026, 11, 2), day(2026, 11, 5));
    }
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    t.engine
        .record_death(&sw, t.client, day(2026, 11, 10), "register".into())
        .unwrap();
    let before = raw(&path);
    let planted: Vec<&str> = MARKERS
        .iter()
        .copied()
        .filter(|m| contains(&before, m))
        .collect();
    assert_eq!(
        planted, MARKERS,
        "every marker is on disk before destruction"
    );

    // Ten years after the end of the case: one act per series, each approved and executed.
    t.clock.set(tallinn(2036, 11, 11, 9, 0));
    for series in ["TEHO-1.1", "TEHO-1.2", "TEHO-1.3"] {
        let a = t
            .engine
            .draft_destruction_act(
                &admin,
                NewDestructionAct {
                    series: series.into(),
                    ..act(day(2036, 11, 11))
                },
            )
            .unwrap();
        t.engine.approve_destruction_act(&head, a.id).unwrap();
        t.engine.execute_destruction_act(&head, a.id).unwrap();
    }
    drop(t);
    let after = raw(&path);
    let left: Vec<&str> = MARKERS
        .iter()
        .copied()
        .filter(|m| contains(&after, m))
        .collect();
    assert!(left.is_empty(), "left in the file or its WAL: {left:?}");
    assert_chain_intact(&path, tallinn(2036, 11, 12, 0, 0));
}

#[test]
fn a_hold_an_archival_series_or_a_missing_approval_blocks_destruction() {
    let t = Town::build(MemoryStore::new());
    let head = Actor::Worker(head(&t));
    let admin = Actor::Worker(t.admin);
    let keep = note(&t, "evidence in a complaint");
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    t.engine
        .record_death(
            &Actor::Worker(t.social_worker),
            t.client,
            day(2026, 11, 10),
            "register".into(),
        )
        .unwrap();
    t.clock.set(tallinn(2036, 11, 12, 9, 0));
    // Archival series are never destroyed.
    assert!(matches!(
        t.engine.draft_destruction_act(
            &admin,
            NewDestructionAct {
                series: "TEHO-1.4".into(),
                ..act(day(2036, 11, 12))
            }
        ),
        Err(TehoError::InvalidInput { .. })
    ));
    let a = t
        .engine
        .draft_destruction_act(&admin, act(day(2036, 11, 12)))
        .unwrap();
    t.engine.approve_destruction_act(&head, a.id).unwrap();
    // A hold set after approval blocks execution, naming the record.
    let hold = t
        .engine
        .set_hold(
            &admin,
            HoldScope::File(t.file),
            "Complaint 2036/5 pending".into(),
            None,
        )
        .unwrap();
    match t.engine.execute_destruction_act(&head, a.id) {
        Err(TehoError::Conflict { id, problem, .. }) => {
            assert!(id.starts_with("entry:"), "{id}");
            assert!(
                problem.contains(&format!(
                    "{id}: under hold {} (Complaint 2036/5 pending)",
                    hold.id
                )),
                "{problem}"
            )
        }
        other => panic!("expected a refusal naming the held record, got {other:?}"),
    }
    assert!(
        t.engine
            .retention_due(&admin, day(2036, 11, 12))
            .unwrap()
            .iter()
            .any(|r| r.record == RecordRef::Entry(keep) && r.held),
        "nothing destroyed"
    );
    t.engine.lift_hold(&admin, hold.id).unwrap();
    t.engine.execute_destruction_act(&head, a.id).unwrap();
    assert!(
        t.engine
            .retention_due(&admin, day(2036, 11, 12))
            .unwrap()
            .iter()
            .all(|r| r.record != RecordRef::Entry(keep))
    );
    // A care worker manages no retention.
    assert!(matches!(
        t.engine
            .retention_due(&Actor::Worker(t.care_worker), day(2036, 11, 12)),
        Err(TehoError::AccessDenied { .. })
    ));
}

/// Drafting an act whose due records are all held is refused, naming each hold by id
/// and basis, and the records (seed 004 annex 6 §4: only what is due and free of holds).
#[test]
fn a_refusal_under_a_hold_names_the_hold_and_the_records() {
    let t = Town::build(MemoryStore::new());
    let admin = Actor::Worker(t.admin);
    let kept = note(&t, "evidence in a complaint");
    t.clock.set(tallinn(2026, 11, 11, 9, 0));
    t.engine
        .record_death(
            &Actor::Worker(t.social_worker),
            t.client,
            day(2026, 11, 10),
            "register".into(),
        )
        .unwrap();
    t.clock.set(tallinn(2036, 11, 12, 9, 0));
    let hold = t
        .engine
        .set_hold(
            &admin,
            HoldScope::Series("TEHO-1.1".into()),
            "Court case 2-36-118".into(),
            None,
        )
        .unwrap();
    match t
        .engine
        .draft_destruction_act(&admin, act(day(2036, 11, 12)))
    {
        Err(TehoError::InvalidInput { problem, .. }) => {
            assert!(
                problem.contains(&format!(
                    "entry:{kept}: under hold {} (Court case 2-36-118)",
                    hold.id
                )),
                "{problem}"
            );
        }
        other => panic!("expected a refusal naming the hold, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// No sequence of operations destroys a record before it is due, under a hold,
    /// outside an approved act, or of an archival series.
    #[test]
    fn nothing_is_destroyed_early_under_a_hold_unapproved_or_archival(
        died in prop_oneof![1 => Just(None), 4 => (0i64..60).prop_map(Some)],
        plan_offset in -5i64..8,
        hold_after_draft in prop_oneof![2 => Just(None), 1 => (0i64..12).prop_map(Some)],
        approve in prop_oneof![1 => Just(false), 3 => Just(true)],
        exec_offset in -3i64..10,
        series_archival in prop_oneof![4 => Just(false), 1 => Just(true)],
    ) {
        let t = Town::build(MemoryStore::new());
        let head = Actor::Worker(head(&t));
        let admin = Actor::Worker(t.admin);
        let sw = Actor::Worker(t.social_worker);
        let category = if series_archival { DataCategory::SupervisionAct } else { DataCategory::ProfessionalNote };
        let e = t.engine.add_entry(&sw, NewEntry { file: t.file, category, visibility: Visibility::Network, text: "record".into(), domain_detail: None }).unwrap().id;
        let death = died.map(|d| day(2026, 11, 2) + Duration::days(d));
        if let Some(d) = death {
            t.clock.set(teho_core::time::start_of_day(d + Duration::days(1)));
            t.engine.record_death(&sw, t.client, d, "register".into()).unwrap();
        }
        // The oracle's first destruction day: ten years after the death (the end of the
        // case); without a death the period never starts.
        let due = death.map(|d| due_on(d, 10));
        let planned = due.unwrap_or(day(2036, 11, 2)) + Duration::days(plan_offset);
        t.clock.set(teho_core::time::start_of_day(planned - Duration::days(1)));
        let series = if series_archival { "TEHO-1.4" } else { "TEHO-1.1" };
        let drafted = t.engine.draft_destruction_act(&admin, NewDestructionAct { series: series.into(), ..act(planned) });
        let exec = planned + Duration::days(exec_offset);
        let mut held_at_exec = false;
        if let Some(h) = hold_after_draft {
            let hold_day = (planned - Duration::days(1) + Duration::days(h)).max(t.clock_day());
            t.clock.set(teho_core::time::start_of_day(hold_day));
            t.engine.set_hold(&admin, HoldScope::File(t.file), "complaint".into(), None).unwrap();
            held_at_exec = hold_day <= exec;
        }
        let mut destroyed = false;
        if let Ok(a) = drafted {
            if approve {
                t.engine.approve_destruction_act(&head, a.id).unwrap();
            }
            t.clock.set(teho_core::time::start_of_day(exec.max(t.clock_day())));
            held_at_exec = held_at_exec || hold_after_draft.is_some();
            destroyed = t.engine.execute_destruction_act(&head, a.id).is_ok() && a.records.iter().any(|(r, _)| *r == RecordRef::Entry(e));
        }
        let exec_day = t.clock_day();
        let may = approve && !series_archival && due.is_some_and(|d| d <= exec_day) && !held_at_exec;
        prop_assert!(!destroyed || may, "destroyed though approve={} archival={} due={:?} exec={} held={}", approve, series_archival, due, exec_day, held_at_exec);
    }
}

/// A disability-related record is due when the register reports the end of the
/// client's disability severity (the "end of a status" trigger).
fn end_of_status_starts_the_period(t: Town) {
    let admin = Actor::Worker(t.admin);
    let sw = Actor::Worker(t.social_worker);
    let e = t
        .engine
        .add_entry(
            &sw,
            NewEntry {
                file: t.file,
                category: DataCategory::Disability,
                visibility: Visibility::Network,
                text: "Severe disability until further notice".into(),
                domain_detail: None,
            },
        )
        .unwrap()
        .id;
    let listed = |t: &Town, on| {
        t.engine
            .retention_due(&admin, on)
            .unwrap()
            .into_iter()
            .any(|r| r.record == RecordRef::Entry(e))
    };
    assert!(!listed(&t, day(2027, 6, 1)), "no status end known: not due");
    let notice = "personal_code,kind,date,source_reference\n43803030124,disability_severity_ending,2026-12-31,RR-5\n";
    t.engine
        .import_notices(
            &Actor::System,
            teho_core::register::parse_notices(notice, teho_core::register::NoticeFormat::Csv),
        )
        .unwrap();
    assert!(!listed(&t, day(2026, 12, 30)));
    assert!(listed(&t, day(2026, 12, 31)));
}

#[test]
fn end_of_status_starts_the_period_in_memory() {
    end_of_status_starts_the_period(Town::build(MemoryStore::new()));
}

#[test]
fn end_of_status_starts_the_period_in_sqlite() {
    end_of_status_starts_the_period(Town::build(SqliteStore::open_memory().unwrap()));
}
