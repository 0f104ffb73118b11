//! The FHIR R4 export of the demo town (issue 21): Laine's file exported by every worker
//! of the town, through the host door as every binding calls it. Who may read and
//! disclose her file gets a Bundle whose every reference resolves inside it, whose
//! free texts are all in what that worker's own reads show, and a disclosure in her
//! access log; everyone else is refused and nothing is recorded. The Bundles are
//! written to `target/fhir-export/`, with the town's referral as a ServiceRequest, for
//! the independent validator (`scripts/test` runs
//! HAPI FHIR's on them: `scripts/fhir-validate`). Laine's own copy, with her access log
//! as AuditEvents, is checked the same way against her reads and written beside them.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use teho_core::host::{Host, HostClock};
use teho_core::store::MemoryStore;
use teho_tests::tallinn;

const TOWN: &str = include_str!("../../demo/town.json");

#[test]
fn every_worker_of_the_demo_town_gets_laines_file_as_their_reads_show_it_or_nothing() {
    let host = Host::open(
        Arc::new(MemoryStore::new()),
        HostClock::Fixed(tallinn(2026, 10, 5, 9, 0)),
    )
    .unwrap();
    let saved = host.play(TOWN).unwrap();
    host.set_clock("2026-10-13T11:00:00Z").unwrap();
    let file = saved["file"]["id"].clone();
    let client = json!({"Person": saved["client"]["id"]});
    let call = |actor: &Value, command: &str, args: Value| {
        let request = json!({"command": command, "args": args});
        host.call(&actor.to_string(), &request.to_string())
            .map(|text| serde_json::from_str::<Value>(&text).unwrap())
    };
    let window = json!({"file": file, "from": "2026-10-01", "to": "2026-10-31"});
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fhir-export");
    std::fs::create_dir_all(&out_dir).unwrap();
    for old in std::fs::read_dir(&out_dir).unwrap() {
        std::fs::remove_file(old.unwrap().path()).unwrap();
    }
    // What `actor`'s own reads show of Laine's file: the file, her calendar and service
    // log, each visit with its plan, her access log (each read the actor may not make is
    // null).
    let reads_of = |actor: &Value| {
        let mut reads = vec![
            call(actor, "client_file", json!({"file": file})).unwrap(),
            call(actor, "client_calendar", window.clone()).unwrap_or(Value::Null),
            call(actor, "service_log", window.clone()).unwrap_or(Value::Null),
            call(actor, "access_log", json!({"file": file})).unwrap_or(Value::Null),
        ];
        for v in reads[1].as_array().cloned().unwrap_or_default() {
            let visit = json!({"visit": v["visit"]["id"]});
            reads.push(call(actor, "visit_with_plan", visit).unwrap());
        }
        reads
    };
    let (mut exported, mut refused) = (Vec::new(), Vec::new());
    for name in [
        "sw",
        "cm",
        "cw",
        "departed_cw",
        "other_cw",
        "nm",
        "nurse",
        "substitute",
        "hospital_sw",
        "head",
        "supervisor",
    ] {
        let actor = json!({"Worker": saved[name]["id"]});
        let mut args = window.clone();
        args["recipient"] = json!({
            "recipient": "Ida-Tallinna Keskhaigla, ward 4",
            "legal_basis": "TTKS § 4^1 lg 1",
        });
        let export = match call(&actor, "export_fhir", args) {
            Ok(export) => export,
            Err(e) => {
                assert_eq!(e.kind, "access_denied", "{name}: {}", e.message);
                refused.push(name);
                continue;
            }
        };
        let bundle: Value = serde_json::from_str(export["bundle"].as_str().unwrap()).unwrap();
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(entries.len() as u64, export["resources"].as_u64().unwrap());

        // The free texts — names, addresses, contacts, notes, reasons — are each in what
        // the worker's own reads show.
        holds_only_what_was_shown(name, &bundle, &reads_of(&actor));

        // The disclosure, with its five fields.
        let d = &export["disclosure"];
        assert_eq!(d["recipient"], "Ida-Tallinna Keskhaigla, ward 4");
        assert_eq!(d["legal_basis"], "TTKS § 4^1 lg 1");
        assert_eq!(d["method"], teho_core::engine::FHIR_METHOD);
        assert_eq!(d["at"], "2026-10-13T11:00:00Z");
        assert!(d["what"].as_str().unwrap().contains("FHIR"));
        std::fs::write(
            out_dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(&bundle).unwrap(),
        )
        .unwrap();
        exported.push(name);
    }
    // Who serves Laine exports; who does not, or may only look (the supervisor), may not.
    for name in ["sw", "cm", "cw", "nm", "nurse"] {
        assert!(
            exported.contains(&name),
            "{name} was refused: exported {exported:?}"
        );
    }
    for name in ["other_cw", "supervisor"] {
        assert!(refused.contains(&name), "{name} exported");
    }
    // The client's access log holds exactly one disclosure per export.
    let log = call(&client, "access_log", json!({"file": file})).unwrap();
    let disclosures = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "Disclosure" && l["outcome"].as_str().unwrap().contains("FHIR"))
        .count();
    assert_eq!(disclosures, exported.len(), "{exported:?}");

    // Laine's own copy: her file as her reads show it and her access log as AuditEvents
    // (one per line, the exports' disclosures among them); her relative may not take it.
    let copy = call(&client, "copy_for_data_subject", window.clone()).unwrap();
    let bundle: Value = serde_json::from_str(copy["bundle"].as_str().unwrap()).unwrap();
    let log = call(&client, "access_log", json!({"file": file})).unwrap();
    let lines = log.as_array().unwrap().len() - 1; // less the copy's own line
    assert_eq!(copy["audit_events"].as_u64().unwrap() as usize, lines);
    holds_only_what_was_shown("Laine", &bundle, &reads_of(&client));
    let events = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "AuditEvent")
        .count();
    assert_eq!(events, lines);
    std::fs::write(
        out_dir.join("copy-for-laine.json"),
        serde_json::to_string_pretty(&bundle).unwrap(),
    )
    .unwrap();
    let relative = json!({"Person": saved["relative"]["id"]});
    let refused = call(&relative, "copy_for_data_subject", window.clone()).unwrap_err();
    assert_eq!(refused.kind, "access_denied", "{}", refused.message);

    // The town's referral from the health information system as the ServiceRequest it
    // came as (for the validator too), taken in again through the door: the same
    // referral.
    let referral: teho_core::case::Referral =
        serde_json::from_value(saved["referral"].clone()).unwrap();
    let patient: teho_core::person::Person =
        serde_json::from_value(saved["client"].clone()).unwrap();
    let request = teho_core::fhir::service_request(&referral, &patient);
    std::fs::write(
        out_dir.join("referral.json"),
        serde_json::to_string_pretty(&request).unwrap(),
    )
    .unwrap();
    let nm = json!({"Worker": saved["nm"]["id"]});
    let back = call(
        &nm,
        "import_fhir_referral",
        json!({"fhir": request.to_string()}),
    )
    .unwrap();
    for field in [
        "patient",
        "provider",
        "source",
        "start",
        "end",
        "doctor_name",
        "doctor",
    ] {
        assert_eq!(back[field], saved["referral"][field], "{field}");
    }
    assert_ne!(back["id"], saved["referral"]["id"]);

    // TEHO's CodeSystems, for the validator, and checked in under schemas/fhir/.
    let systems = teho_core::fhir::code_systems();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/fhir");
    for cs in &systems {
        let path = dir.join(format!("{}.json", cs["id"].as_str().unwrap()));
        let text = serde_json::to_string_pretty(cs).unwrap() + "\n";
        if std::env::var_os("TEHO_BLESS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == text,
            "{} is stale: TEHO_BLESS=1 cargo test -p teho-tests --test fhir",
            path.display()
        );
    }
}

/// `bundle`'s references all resolve inside it, each `fullUrl` is its resource's id, and
/// every free text in it is in `reads` (what `name`'s own reads showed).
fn holds_only_what_was_shown(name: &str, bundle: &Value, reads: &[Value]) {
    let entries = bundle["entry"].as_array().unwrap();
    let urls: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), entries.len(), "{name}: a fullUrl twice");
    for e in entries {
        assert_eq!(
            e["fullUrl"].as_str().unwrap(),
            format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap())
        );
    }
    let mut all = Vec::new();
    teho_tests::json_strings(bundle, "", &mut all);
    for (key, value) in &all {
        if *key == "reference" {
            assert!(urls.contains(value), "{name}: {value} does not resolve");
        }
    }
    let shown = serde_json::to_string(reads).unwrap();
    let texts = teho_tests::fhir_free_texts(bundle);
    for value in &texts {
        assert!(
            shown.contains(value.as_str()),
            "{name}'s export holds {value:?}, which their reads do not show"
        );
    }
    let checked = texts.len();
    assert!(checked > 10, "{name}: only {checked} texts checked");
}
