//! Exports (issue 21): an iCalendar export holds each visit the reader's calendar shows,
//! at its Tallinn time, under the visit's id as its `UID`, with `SEQUENCE` raised by
//! every change and cancelled visits cancelled; it shows nothing the reader's calendar
//! would not; it is refused to whoever may not read it or may not disclose it; and each
//! export is a disclosure with all five fields of seed 002 §18(4) in the client's access
//! log.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use chrono_tz::Europe::Tallinn;

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::disclosure::AccessKind;
use crate::engine::{CalendarExport, CalendarVisit, ExportRecipient, ICALENDAR_METHOD};
use crate::log::NotDoneReason;
use crate::testing::{Town, day, denied, ics_events, spec, tallinn};

fn to_phone() -> ExportRecipient {
    ExportRecipient {
        recipient: "the worker's phone calendar".into(),
        legal_basis: "SHS § 17: providing home care".into(),
    }
}

/// The text with its folded lines joined again (RFC 5545 §3.1).
fn unfolded(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

/// The event of `id`.
fn event<'a>(events: &'a [HashMap<String, String>], id: &str) -> &'a HashMap<String, String> {
    let found: Vec<_> = events.iter().filter(|e| e["UID"] == id).collect();
    assert_eq!(found.len(), 1, "UID {id} {} times", found.len());
    found[0]
}

/// A Tallinn local time as iCalendar writes it, from the visit's instant (the oracle:
/// chrono-tz, not the writer).
fn local(v: &CalendarVisit) -> (String, String) {
    let f = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&Tallinn)
            .format("%Y%m%dT%H%M%S")
            .to_string()
    };
    (f(v.visit.start), f(v.visit.end))
}

fn an_ics_export_holds_each_visit_at_its_tallinn_time_under_its_id(t: Town) {
    t.plan_week();
    let nurse = Actor::Worker(t.nurse);
    let (from, to) = (day(2026, 11, 2), day(2026, 11, 15));
    let calendar = t.engine.client_calendar(&nurse, t.file, from, to).unwrap();
    assert!(calendar.len() > 10, "{} visits", calendar.len());
    t.clock.set(tallinn(2026, 11, 2, 14, 30));
    let export = t
        .engine
        .export_client_calendar(&nurse, t.file, from, to, to_phone())
        .unwrap();
    let evs = ics_events(&export.ics);
    assert_eq!(
        (evs.len(), export.visits as usize),
        (calendar.len(), calendar.len())
    );
    for v in &calendar {
        let e = event(&evs, &v.visit.id.to_string());
        let (start, end) = local(v);
        assert_eq!((&e["DTSTART"], &e["DTEND"]), (&start, &end));
        assert_eq!(e["SEQUENCE"], "0");
        assert_eq!(e["STATUS"], "CONFIRMED");
        assert!(
            e["SUMMARY"].starts_with(&v.visit.action.text),
            "{}",
            e["SUMMARY"]
        );
        assert_eq!(e["DTSTAMP"], "20261102T123000Z");
    }
    assert!(export.ics.contains("DTSTART;TZID=Europe/Tallinn:"));
    assert!(
        export
            .ics
            .contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Tallinn\r\n")
    );

    // One disclosure, all five fields, in the client's access log.
    assert_eq!(export.disclosures.len(), 1);
    let d = &export.disclosures[0];
    assert_eq!(
        (
            d.file,
            d.at,
            d.recipient.as_str(),
            d.legal_basis.as_str(),
            d.method.as_str(),
            d.by
        ),
        (
            t.file,
            tallinn(2026, 11, 2, 14, 30),
            "the worker's phone calendar",
            "SHS § 17: providing home care",
            ICALENDAR_METHOD,
            t.nurse
        )
    );
    assert!(
        d.what.contains("client calendar") && d.what.contains("2026-11-02"),
        "{}",
        d.what
    );
    let log = t
        .engine
        .access_log(&Actor::Person(t.client), t.file)
        .unwrap();
    let disclosed: Vec<_> = log
        .iter()
        .filter(|l| l.kind == AccessKind::Disclosure)
        .collect();
    assert_eq!(disclosed.len(), 1, "{log:?}");
    assert_eq!(disclosed[0].at, d.at);
    assert_eq!(disclosed[0].what, d.what);
    assert_eq!(disclosed[0].why, d.legal_basis);
    assert!(disclosed[0].outcome.contains("the worker's phone calendar"));
    assert!(disclosed[0].outcome.contains(ICALENDAR_METHOD));

    // Exporting again the same visits gives the same events: a re-import updates.
    let again = t
        .engine
        .export_client_calendar(&nurse, t.file, from, to, to_phone())
        .unwrap();
    let (a, b) = (ics_events(&export.ics), ics_events(&again.ics));
    let uids =
        |e: &[HashMap<String, String>]| e.iter().map(|x| x["UID"].clone()).collect::<Vec<_>>();
    assert_eq!(uids(&a), uids(&b));
}

fn a_change_raises_the_sequence_under_the_same_uid_and_a_cancelled_visit_is_cancelled(t: Town) {
    let p = t.plan_week();
    let (cw, cm) = (Actor::Worker(t.care_worker), Actor::Worker(t.care_manager));
    let (from, to) = (day(2026, 11, 3), day(2026, 11, 9));
    let before = t
        .engine
        .worker_calendar(&cw, t.care_worker, from, to)
        .unwrap();
    let first = ics_events(
        &t.engine
            .export_worker_calendar(&cw, t.care_worker, from, to, to_phone())
            .unwrap()
            .ics,
    );
    let (moved, cancelled) = (&before[0].visit, &before[1].visit);
    t.engine
        .move_visit(&cw, moved.id, moved.start + Duration::minutes(90))
        .unwrap();
    t.engine
        .cancel_visit(&cm, cancelled.id, "the client's daughter visits".into())
        .unwrap();
    let export: CalendarExport = t
        .engine
        .export_worker_calendar(&cw, t.care_worker, from, to, to_phone())
        .unwrap();
    let second = ics_events(&export.ics);
    let m = event(&second, &moved.id.to_string());
    assert_eq!(m["SEQUENCE"], "1");
    assert_ne!(
        m["DTSTART"],
        event(&first, &moved.id.to_string())["DTSTART"]
    );
    let c = event(&second, &cancelled.id.to_string());
    assert_eq!(
        (c["STATUS"].as_str(), c["SEQUENCE"].as_str()),
        ("CANCELLED", "1")
    );
    assert_eq!(
        event(&first, &cancelled.id.to_string())["STATUS"],
        "CONFIRMED"
    );

    // A plan change supersedes the later visits: each stays in the export, cancelled
    // with a higher sequence, beside its replacement under a new id.
    let mut changed = spec(
        "HOOLD-01",
        "Morning care",
        Some(t.care_worker),
        30,
        "FREQ=DAILY;BYHOUR=10",
    );
    changed.valid_from = day(2026, 11, 6);
    let out = t
        .engine
        .change_plan_item(&cm, p.care.item.id, changed)
        .unwrap();
    assert!(!out.regeneration.removed.is_empty());
    let third = ics_events(
        &t.engine
            .export_worker_calendar(&cw, t.care_worker, from, to, to_phone())
            .unwrap()
            .ics,
    );
    let in_range: Vec<_> = out
        .regeneration
        .removed
        .iter()
        .filter(|id| first.iter().any(|e| e["UID"] == id.to_string()))
        .collect();
    assert!(!in_range.is_empty());
    for id in in_range {
        let e = event(&third, &id.to_string());
        assert_eq!(
            (e["STATUS"].as_str(), e["SEQUENCE"].as_str()),
            ("CANCELLED", "1"),
            "{id}"
        );
        assert_eq!(e["X-TEHO-STATUS"], "Superseded");
    }
    for v in out
        .regeneration
        .added
        .iter()
        .filter(|v| v.start < crate::time::start_of_day(to))
    {
        let e = event(&third, &v.id.to_string());
        assert_eq!(
            (e["STATUS"].as_str(), e["SEQUENCE"].as_str()),
            ("CONFIRMED", "0")
        );
        assert!(e["DTSTART"].ends_with("T100000"), "{}", e["DTSTART"]);
    }
}

fn an_export_shows_no_more_than_the_readers_calendar(t: Town) {
    t.plan_week();
    let (nurse, cw) = (Actor::Worker(t.nurse), Actor::Worker(t.care_worker));
    let (from, to) = (day(2026, 11, 2), day(2026, 11, 8));
    let nursing = t
        .engine
        .client_calendar(&nurse, t.file, from, to)
        .unwrap()
        .into_iter()
        .find(|v| v.visit.domain == crate::org::Domain::Nursing)
        .unwrap();
    t.clock.set(nursing.visit.end + Duration::minutes(5));
    t.engine
        .mark_not_done(
            &nurse,
            nursing.visit.id,
            Some(NotDoneReason::ClientInHospital),
            "in hospital".into(),
            Some("wound infected, nursing only".into()),
        )
        .unwrap();
    let mine = t
        .engine
        .export_client_calendar(&nurse, t.file, from, to, to_phone())
        .unwrap();
    assert!(unfolded(&mine.ics).contains("wound infected\\, nursing only"));
    let theirs = t
        .engine
        .export_client_calendar(&cw, t.file, from, to, to_phone())
        .unwrap();
    assert!(!theirs.ics.contains("wound infected"), "{}", theirs.ics);
    assert!(!unfolded(&theirs.ics).contains("wound"));
    // Every word of the care worker's export, but the export's own labels, is in what
    // their own calendar read shows.
    let shown =
        serde_json::to_string(&t.engine.client_calendar(&cw, t.file, from, to).unwrap()).unwrap();
    let labels = [
        "Worker",
        "Status",
        "Not",
        "done",
        "only",
        "Cancelled",
        "TEHO",
        "client",
        "calendar",
    ];
    let text = unfolded(&theirs.ics);
    let mut checked = 0;
    for line in text.split("\r\n").filter(|l| {
        ["SUMMARY", "DESCRIPTION", "LOCATION"]
            .iter()
            .any(|p| l.starts_with(p))
    }) {
        let value = line.split_once(':').unwrap().1.replace("\\n", " ");
        for word in value
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
        {
            if !labels.contains(&word) && word != "n" {
                assert!(
                    shown.contains(word),
                    "{word:?} is not in the care worker's calendar"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} words checked");
}

fn exports_are_refused_to_whoever_may_not_read_or_disclose_them_and_record_nothing(t: Town) {
    t.plan_week();
    let (from, to) = (day(2026, 11, 2), day(2026, 11, 8));
    let export = |actor: Actor, to_whom: ExportRecipient| {
        t.engine
            .export_client_calendar(&actor, t.file, from, to, to_whom)
    };
    assert_eq!(
        denied(export(Actor::Worker(t.other_care_worker), to_phone())),
        DenyReason::NotInNetwork
    );
    assert!(matches!(
        denied(export(Actor::Person(t.relative), to_phone())),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert!(matches!(
        denied(export(Actor::Person(t.client), to_phone())),
        DenyReason::RoleNotPermitted { .. }
    ));
    // Another worker's calendar: refused as reading it is.
    let other = |f: NaiveDate| {
        t.engine.export_worker_calendar(
            &Actor::Worker(t.other_care_worker),
            t.care_worker,
            f,
            to,
            to_phone(),
        )
    };
    assert_eq!(
        denied(other(from)),
        denied(t.engine.worker_calendar(
            &Actor::Worker(t.other_care_worker),
            t.care_worker,
            from,
            to
        ))
    );
    for (field, to_whom) in [
        (
            "recipient.recipient",
            ExportRecipient {
                recipient: " ".into(),
                ..to_phone()
            },
        ),
        (
            "recipient.legal_basis",
            ExportRecipient {
                legal_basis: String::new(),
                ..to_phone()
            },
        ),
    ] {
        let e = export(Actor::Worker(t.nurse), to_whom).unwrap_err();
        assert!(
            matches!(&e, TehoError::InvalidInput { field: f, .. } if f == field),
            "{field}: {e:?}"
        );
    }
    // A window the calendar refuses is refused the same way.
    let nurse = Actor::Worker(t.nurse);
    assert_eq!(
        t.engine
            .export_client_calendar(&nurse, t.file, to, from, to_phone())
            .unwrap_err()
            .to_string(),
        t.engine
            .client_calendar(&nurse, t.file, to, from)
            .unwrap_err()
            .to_string()
    );
    export(nurse, to_phone()).unwrap();
    let log = t
        .engine
        .access_log(&Actor::Person(t.client), t.file)
        .unwrap();
    let disclosed = log
        .iter()
        .filter(|l| l.kind == AccessKind::Disclosure)
        .count();
    assert_eq!(
        disclosed, 1,
        "only the one export that succeeded is a disclosure"
    );
}

fn a_worker_calendar_export_is_a_disclosure_in_each_file_it_holds(t: Town) {
    t.plan_week();
    let cw = Actor::Worker(t.care_worker);
    let (from, to): (NaiveDate, NaiveDate) = (day(2026, 11, 2), day(2026, 11, 8));
    let calendar = t
        .engine
        .worker_calendar(&cw, t.care_worker, from, to)
        .unwrap();
    let export = t
        .engine
        .export_worker_calendar(&cw, t.care_worker, from, to, to_phone())
        .unwrap();
    assert_eq!(export.visits as usize, calendar.len());
    let mut files: Vec<_> = calendar.iter().map(|v| v.visit.file).collect();
    files.sort();
    files.dedup();
    let mut disclosed: Vec<_> = export.disclosures.iter().map(|d| d.file).collect();
    disclosed.sort();
    assert_eq!(disclosed, files);
    // An empty window discloses nothing.
    let none = t
        .engine
        .export_worker_calendar(
            &cw,
            t.care_worker,
            day(2030, 1, 1),
            day(2030, 1, 7),
            to_phone(),
        )
        .unwrap();
    assert_eq!((none.visits, none.disclosures.len()), (0, 0));
    assert_eq!(ics_events(&none.ics).len(), 0);
}

/// The referral `r` read back from its FHIR form, as a NewReferral would give it.
fn same_referral(a: &crate::case::Referral, b: &crate::case::Referral) {
    assert_eq!(
        (
            &a.patient,
            &a.provider,
            &a.source,
            a.start,
            a.end,
            &a.doctor_name,
            &a.doctor
        ),
        (
            &b.patient,
            &b.provider,
            &b.source,
            b.start,
            b.end,
            &b.doctor_name,
            &b.doctor
        )
    );
}

fn a_referral_exported_as_a_service_request_and_imported_is_the_same_referral(t: Town) {
    use crate::case::{NewReferral, ReferralSource, ReferralStatus};
    let nm = Actor::Worker(t.nursing_manager);
    let store = t.engine.store();
    let referrals = || {
        crate::store::Records::new(store.begin(crate::store::Unit::QUERY).unwrap())
            .referrals_by_patient(t.client)
            .unwrap()
            .len()
    };
    for (source, end, doctor) in [
        (
            ReferralSource::HealthInformationSystem {
                document_id: "TIS-2026-0042".into(),
            },
            Some(day(2026, 12, 31)),
            Some(t.nurse),
        ),
        (ReferralSource::Paper, None, None),
    ] {
        let r = t
            .engine
            .enter_referral(
                &nm,
                NewReferral {
                    patient: t.client,
                    source,
                    start: day(2026, 11, 9),
                    end,
                    doctor_name: "Dr Mari Tamm".into(),
                    doctor,
                },
            )
            .unwrap();
        let patient = crate::store::Records::new(store.begin(crate::store::Unit::QUERY).unwrap())
            .person(t.client)
            .unwrap()
            .unwrap();
        let fhir = crate::fhir::service_request(&r, &patient).to_string();
        let back = t.engine.import_fhir_referral(&nm, fhir).unwrap();
        same_referral(&r, &back);
        assert_ne!(back.id, r.id);
        assert_eq!(back.status, ReferralStatus::Entered);
    }
    let before = referrals();

    // A ServiceRequest that does not fit names the FHIR path, and nothing is written.
    let good = serde_json::to_string(&crate::fhir::service_request(
        &t.engine
            .enter_referral(
                &nm,
                NewReferral {
                    patient: t.client,
                    source: ReferralSource::Paper,
                    start: day(2026, 11, 9),
                    end: None,
                    doctor_name: "Dr Mari Tamm".into(),
                    doctor: None,
                },
            )
            .unwrap(),
        &crate::store::Records::new(store.begin(crate::store::Unit::QUERY).unwrap())
            .person(t.client)
            .unwrap()
            .unwrap(),
    ))
    .unwrap();
    let before = before + 1;
    let spoiled = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
        edit(&mut v);
        v.to_string()
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "ServiceRequest.subject",
            spoiled(&|v| {
                v["entry"][0]["resource"]
                    .as_object_mut()
                    .unwrap()
                    .remove("subject");
            }),
        ),
        (
            "ServiceRequest.subject.reference",
            spoiled(&|v| {
                v["entry"][0]["resource"]["subject"]["reference"] =
                    "urn:uuid:00000000-0000-0000-0000-000000000000".into();
            }),
        ),
        (
            "Patient.identifier[0].system",
            spoiled(&|v| {
                v["entry"][1]["resource"]["identifier"][0]["system"] =
                    "urn:oid:1.3.6.1.4.1.28284.6.2.2.1".into();
            }),
        ),
        (
            "Patient.identifier[0].value",
            spoiled(&|v| {
                v["entry"][1]["resource"]["identifier"][0]["value"] = "43803030125".into();
            }),
        ),
        (
            "ServiceRequest.occurrencePeriod.start",
            spoiled(&|v| {
                v["entry"][0]["resource"]["occurrencePeriod"]["start"] = 20261109.into();
            }),
        ),
        (
            "ServiceRequest.occurrencePeriod.start",
            spoiled(&|v| {
                v["entry"][0]["resource"]["occurrencePeriod"]["start"] = "9 November 2026".into();
            }),
        ),
        (
            "ServiceRequest.requester",
            spoiled(&|v| {
                v["entry"][0]["resource"]
                    .as_object_mut()
                    .unwrap()
                    .remove("requester");
            }),
        ),
        (
            "ServiceRequest.status",
            spoiled(&|v| {
                v["entry"][0]["resource"]["status"] = "revoked".into();
            }),
        ),
        (
            "resourceType",
            spoiled(&|v| {
                v["resourceType"] = "Patient".into();
            }),
        ),
        ("ServiceRequest", "{not json".into()),
    ];
    for (path, text) in cases {
        match t.engine.import_fhir_referral(&nm, text) {
            Err(TehoError::InvalidInput { field, problem, .. }) => {
                assert_eq!(field, path, "{problem}");
                assert!(!problem.contains("43803030125"), "{problem}");
            }
            other => panic!("{path}: {other:?}"),
        }
    }
    // An unknown patient is not found; a worker who may not take in referrals is refused
    // before the resource is read.
    let stranger = spoiled(&|v| {
        v["entry"][1]["resource"]["identifier"][0]["value"] = "37605030299".into();
    });
    assert!(matches!(
        t.engine.import_fhir_referral(&nm, stranger),
        Err(TehoError::NotFound { .. })
    ));
    assert!(matches!(
        denied(
            t.engine
                .import_fhir_referral(&Actor::Worker(t.care_worker), "{not json".into())
        ),
        DenyReason::RoleNotPermitted { .. } | DenyReason::OutsideScope { .. }
    ));
    assert_eq!(referrals(), before, "a refused import wrote a referral");
}

/// The client's own copy (`copy_for_data_subject`): everything of the file the client's
/// reads show, and every line of their access log as an `AuditEvent` — in order, with
/// its instant, requestor, purpose and outcome — of the kind its operation is; a
/// guardian gets the same; nobody else gets one, and taking it discloses nothing.
fn a_data_subjects_copy_holds_their_access_log_as_audit_events(t: Town) {
    t.plan_week();
    t.clock.set(tallinn(2026, 11, 4, 20, 0));
    t.record_two_visits(day(2026, 11, 2), "Care-domain detail");
    let (from, to) = (day(2026, 11, 2), day(2026, 11, 8));
    let hospital = ExportRecipient {
        recipient: "Ida-Tallinna Keskhaigla".into(),
        legal_basis: "TTKS § 4^1".into(),
    };
    t.engine
        .export_fhir(&Actor::Worker(t.nurse), t.file, from, to, hospital)
        .unwrap();
    // A refused read is in the log too (a minute later: the log is in time order).
    t.clock.set(tallinn(2026, 11, 4, 20, 1));
    denied(
        t.engine
            .client_file(&Actor::Worker(t.other_care_worker), t.file),
    );
    let client = Actor::Person(t.client);
    t.clock.set(tallinn(2026, 11, 4, 20, 2));
    let copy = t
        .engine
        .copy_for_data_subject(&client, t.file, from, to)
        .unwrap();
    let log = t.engine.access_log(&client, t.file).unwrap();
    // The log now ends with the copy itself, an access by the client, not a disclosure.
    let last = log.last().unwrap();
    assert_eq!(
        (last.what.as_str(), last.kind, last.outcome.as_str()),
        ("client_file.copy_fhir", AccessKind::Access, "allowed")
    );
    let shown = &log[..log.len() - 1];
    let bundle: serde_json::Value = serde_json::from_str(&copy.bundle).unwrap();
    let resources: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    assert_eq!(copy.resources as usize, resources.len());
    let events: Vec<&serde_json::Value> = resources
        .iter()
        .copied()
        .filter(|r| r["resourceType"] == "AuditEvent")
        .collect();
    assert_eq!(copy.audit_events as usize, events.len());
    assert_eq!(
        events.len(),
        shown.len(),
        "one AuditEvent per line of the log"
    );
    let patient = format!("urn:uuid:{}", t.client.0);
    // Which operations are queries, as the API description lists them.
    let api = crate::engine::api_description();
    let queries: Vec<&str> = api["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "query")
        .filter_map(|c| c["audit_name"].as_str())
        .collect();
    assert!(queries.contains(&"access_log.read"));
    for (line, event) in shown.iter().zip(&events) {
        let at = chrono::DateTime::parse_from_rfc3339(event["recorded"].as_str().unwrap()).unwrap();
        assert_eq!(at, line.at, "{event}");
        assert_eq!(event["agent"][0]["who"]["display"], line.who.as_str());
        assert_eq!(event["agent"][0]["requestor"], true);
        assert_eq!(event["entity"][0]["what"]["reference"], patient.as_str());
        assert_eq!(event["outcomeDesc"], line.outcome.as_str());
        if !line.why.is_empty() {
            assert_eq!(event["purposeOfEvent"][0]["text"], line.why.as_str());
        }
        // The kind of event, from the log line's own words (the oracle).
        let (code, action, outcome) = match (line.kind, line.what.as_str()) {
            (AccessKind::Disclosure, _) => ("110106", "R", "0"),
            (AccessKind::Access, w) => (
                "110110",
                if queries.contains(&w) { "R" } else { "E" },
                if line.outcome == "allowed" { "0" } else { "4" },
            ),
        };
        assert_eq!(
            (
                event["type"]["code"].as_str(),
                event["action"].as_str(),
                event["outcome"].as_str()
            ),
            (Some(code), Some(action), Some(outcome)),
            "{line:?}"
        );
        if line.kind == AccessKind::Access {
            assert_eq!(event["subtype"][0]["code"], line.what.as_str());
        } else {
            assert_eq!(event["entity"][0]["description"], line.what.as_str());
        }
    }
    for (what, outcome) in [("client_file.export_fhir", "0"), ("client_file.read", "4")] {
        assert!(
            events
                .iter()
                .any(|e| e["subtype"][0]["code"] == what && e["outcome"] == outcome),
            "no {what} with outcome {outcome}"
        );
    }
    // Redacted as the client's reads are: the care domain's detail is not theirs.
    assert!(!copy.bundle.contains("Care-domain detail"));
    assert!(resources.iter().any(|r| r["resourceType"] == "Patient"));
    // A guardian gets the copy; the relative, a worker and a stranger do not.
    let guardian = Actor::Person(t.stranger);
    assert_eq!(
        denied(t.engine.copy_for_data_subject(&guardian, t.file, from, to)),
        DenyReason::NotInNetwork
    );
    t.add_guardian(t.stranger);
    let theirs = t
        .engine
        .copy_for_data_subject(&guardian, t.file, from, to)
        .unwrap();
    assert!(theirs.audit_events > copy.audit_events);
    // A later copy names the events both hold alike (ids drawn from the log, not anew).
    let event_ids = |bundle: &str| -> std::collections::BTreeSet<String> {
        let b: serde_json::Value = serde_json::from_str(bundle).unwrap();
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "AuditEvent")
            .map(|e| e["resource"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (first, later) = (event_ids(&copy.bundle), event_ids(&theirs.bundle));
    assert_eq!(first.len(), copy.audit_events as usize, "an id twice");
    assert!(first.is_subset(&later), "a second copy renamed its events");
    for actor in [Actor::Person(t.relative), Actor::Worker(t.nurse)] {
        assert!(matches!(
            denied(t.engine.copy_for_data_subject(&actor, t.file, from, to)),
            DenyReason::RoleNotPermitted { .. }
        ));
    }
    // A reversed window is refused by name.
    assert!(matches!(
        t.engine.copy_for_data_subject(&client, t.file, to, from),
        Err(TehoError::InvalidPeriod { what, .. }) if what == "window"
    ));
    let disclosures = t
        .engine
        .access_log(&client, t.file)
        .unwrap()
        .iter()
        .filter(|l| l.kind == AccessKind::Disclosure)
        .count();
    assert_eq!(
        disclosures, 1,
        "a copy for the data subject is no disclosure"
    );
}

crate::testing::tests![
    a_data_subjects_copy_holds_their_access_log_as_audit_events,
    a_referral_exported_as_a_service_request_and_imported_is_the_same_referral,
    an_ics_export_holds_each_visit_at_its_tallinn_time_under_its_id,
    a_change_raises_the_sequence_under_the_same_uid_and_a_cancelled_visit_is_cancelled,
    an_export_shows_no_more_than_the_readers_calendar,
    exports_are_refused_to_whoever_may_not_read_or_disclose_them_and_record_nothing,
    a_worker_calendar_export_is_a_disclosure_in_each_file_it_holds,
];
