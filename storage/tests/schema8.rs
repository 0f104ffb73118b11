//! A database written by schema step 8 — the schema on main before the store port —
//! opens, migrates, and reads back equal: every record through every lookup, and the
//! audit chain entry by entry. The fixture (`fixtures/schema8_file.sql`, a `.dump` of
//! the file) and what that schema read back from it (`fixtures/schema8_file.expected.json`:
//! in full for visits, the audit log and the row counts, as SHA-256 digests of the JSON
//! for the rest) were both made by the step-8 code, at commit 79ada94.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use sha2::Digest;
use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::network::Member;
use teho_core::notify::Recipient;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::{Filter, Records, Store, Unit};
use teho_storage::{SCHEMA_VERSION, SqliteStore};
use uuid::Uuid;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What every lookup of the typed API reads from the store, keyed as the step-8 code
/// keyed it.
fn dump(path: &Path, store: &SqliteStore) -> BTreeMap<String, Value> {
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    let mut dump: BTreeMap<String, Value> = BTreeMap::new();
    let conn = rusqlite::Connection::open(path).unwrap();
    let ids = |table: &str, col: &str| -> Vec<Uuid> {
        let mut s = conn
            .prepare(&format!("SELECT {col} FROM {table} ORDER BY rowid"))
            .unwrap();
        s.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(|b| Uuid::from_slice(&b.unwrap()).unwrap())
            .collect()
    };
    let u = |s: &Uuid| *s;
    dump.insert("organizations".into(), json!(tx.organizations().unwrap()));
    dump.insert("persons".into(), json!(tx.persons().unwrap()));
    dump.insert("files".into(), json!(tx.files().unwrap()));
    let mut workers = vec![];
    for id in ids("workers", "id") {
        workers.push(tx.worker(u(&id).into()).unwrap().unwrap());
    }
    dump.insert("workers".into(), json!(workers));
    let orgs = tx.organizations().unwrap();
    let mut by_org = vec![];
    for o in &orgs {
        by_org.push(json!({"org": o.id, "workers": tx.workers_of(o.id).unwrap(), "kind": tx.organization_kind(o.id).unwrap(), "breaches": tx.breaches(Some(o.id)).unwrap()}));
    }
    dump.insert("by_organization".into(), json!(by_org));
    dump.insert("breaches".into(), json!(tx.breaches(None).unwrap()));
    let mut per_file = vec![];
    for f in tx.files().unwrap() {
        let far = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let end = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        let from = at("2000-01-01T00:00:00+02:00");
        let to = at("2100-01-01T00:00:00+02:00");
        let _ = (far, end);
        per_file.push(json!({
            "file": f.id,
            "of_client": tx.file_of_client(f.client).unwrap(),
            "card": tx.card(f.id).unwrap(),
            "memberships": tx.memberships_of_file(f.id).unwrap(),
            "entries": tx.entries_of_file(f.id).unwrap(),
            "plans": tx.plans_of_file(f.id).unwrap(),
            "visits_all": tx.all_visits_of_file(f.id).unwrap(),
            "visits_live": tx.visits_of_file(f.id, from, to).unwrap(),
            "log": tx.log_of_file(f.id, from, to).unwrap(),
            "applications": tx.applications_by_file(f.id).unwrap(),
            "decisions": tx.decisions_by_file(f.id).unwrap(),
            "contracts": tx.contracts_by_file(f.id).unwrap(),
            "assessments": tx.assessments_by_file(f.id).unwrap(),
            "disclosures": tx.disclosures_of_file(f.id).unwrap(),
            "restrictions": tx.restrictions_of_file(f.id).unwrap(),
            "audit": tx.audit_of_file(f.id).unwrap(),
        }));
    }
    dump.insert("per_file".into(), json!(per_file));
    let mut per_plan = vec![];
    for id in ids("plans", "id") {
        let p = tx.plan(u(&id).into()).unwrap().unwrap();
        let items = tx.items_of_plan(p.id).unwrap();
        let mut iv = vec![];
        for i in &items {
            iv.push(json!({"item": tx.plan_item(i.id).unwrap(), "visits": tx.visits_of_item(i.id).unwrap()}));
        }
        per_plan.push(json!({"plan": p, "items": iv}));
    }
    dump.insert("per_plan".into(), json!(per_plan));
    let mut per_worker = vec![];
    let from = at("2000-01-01T00:00:00+02:00");
    let to = at("2100-01-01T00:00:00+02:00");
    for id in ids("workers", "id") {
        let w: teho_core::ids::WorkerId = u(&id).into();
        per_worker.push(json!({
            "worker": w,
            "memberships": tx.memberships_of_member(Member::Worker(w)).unwrap(),
            "substitutions": tx.substitutions_by_substitute(w).unwrap(),
            "notifications": tx.notifications_for(Recipient::Worker(w)).unwrap(),
            "visits": tx.visits_of_worker(w, from, to).unwrap(),
            "busy": tx.busy_times(w, from, to).unwrap().iter().map(|b| json!([b.visit, b.start, b.end])).collect::<Vec<_>>(),
            "log": tx.log_of_worker(w, from, to).unwrap(),
        }));
    }
    dump.insert("per_worker".into(), json!(per_worker));
    let mut per_person = vec![];
    for p in tx.persons().unwrap() {
        per_person.push(json!({
            "person": p.id,
            "get": tx.person(p.id).unwrap(),
            "by_identity": tx.person_by_identity(&p.identity.key()).unwrap(),
            "memberships": tx.memberships_of_member(Member::Person(p.id)).unwrap(),
            "notifications": tx.notifications_for(Recipient::Person(p.id)).unwrap(),
            "referrals": tx.referrals_by_patient(p.id).unwrap(),
            "death": tx.death(p.id).unwrap(),
            "notices": p.identity.personal_code().map(|c| tx.notices_for_code(&c.to_string()).unwrap()),
        }));
    }
    dump.insert("per_person".into(), json!(per_person));
    let mut per_org = vec![];
    for o in &orgs {
        per_org.push(json!({
            "org": o.id,
            "log": tx.log_of_provider(o.id, from, to).unwrap(),
            "overdue": tx.overdue_visits(o.id, at("2026-11-30T00:00:00+02:00")).unwrap(),
        }));
    }
    dump.insert("per_org".into(), json!(per_org));
    let mut notices = vec![];
    let every: Vec<teho_core::death::ReceivedNotice> = tx.find(&Filter::all()).unwrap();
    for k in every.iter().map(|n| n.notice.key()) {
        notices.push(json!({"key": k, "notice": tx.notice(&k).unwrap()}));
    }
    dump.insert("notices".into(), json!(notices));
    let mut subs = vec![];
    let every: Vec<teho_core::report::ReportSubmission> = tx.find(&Filter::all()).unwrap();
    for k in every.iter().map(|s| s.kind.key(s.provider)) {
        subs.push(json!({"key": k, "submission": tx.submission(&k).unwrap()}));
    }
    dump.insert("submissions".into(), json!(subs));
    let mut notes = vec![];
    for id in ids("notifications", "id") {
        notes.push(tx.notification(u(&id).into()).unwrap());
    }
    dump.insert("notifications".into(), json!(notes));
    let mut ms = vec![];
    for id in ids("memberships", "id") {
        ms.push(tx.membership(u(&id).into()).unwrap());
    }
    dump.insert("memberships".into(), json!(ms));
    let mut vs = vec![];
    for id in ids("visits", "id") {
        vs.push(tx.visit(u(&id).into()).unwrap());
    }
    dump.insert("visits".into(), json!(vs));
    for (name, table) in [
        ("applications", "applications"),
        ("decisions", "decisions"),
        ("contracts", "contracts"),
        ("assessments", "assessments"),
        ("referrals", "referrals"),
        ("acts", "destruction_acts"),
    ] {
        let mut v = vec![];
        for id in ids(table, "id") {
            let id = u(&id);
            v.push(match name {
                "applications" => json!(tx.application(id.into()).unwrap()),
                "decisions" => json!(tx.decision(id.into()).unwrap()),
                "contracts" => json!(tx.contract(id.into()).unwrap()),
                "assessments" => json!(tx.assessment(id.into()).unwrap()),
                "referrals" => json!(tx.referral(id.into()).unwrap()),
                _ => json!(tx.act(id.into()).unwrap()),
            });
        }
        dump.insert(name.into(), json!(v));
    }
    dump.insert("holds".into(), json!(tx.holds().unwrap()));
    dump.insert("audit_head".into(), json!(tx.audit_head().unwrap()));
    dump.insert("audit".into(), json!(tx.audit_page(1, 1_000_000).unwrap()));
    let counts: BTreeMap<String, i64> = [
        "organizations",
        "workers",
        "persons",
        "client_files",
        "client_cards",
        "memberships",
        "substitutions",
        "entries",
        "notifications",
        "compliance_breaches",
        "audit_log",
        "plans",
        "plan_items",
        "visits",
        "service_log",
        "applications",
        "decisions",
        "contracts",
        "assessments",
        "referrals",
        "deaths",
        "register_notices",
        "disclosures",
        "report_submissions",
        "restrictions",
        "holds",
        "destruction_acts",
    ]
    .iter()
    .map(|t| {
        (
            t.to_string(),
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap(),
        )
    })
    .collect();
    dump.insert("counts".into(), json!(counts));
    dump
}

/// Takes `"sequence": 0` out of every visit in `dump` (a visit is an object with a
/// `slot_index`); a visit with another sequence keeps it, and so reads back differently.
/// Returns how many visits it found.
fn without_sequence(dump: &mut BTreeMap<String, Value>) -> usize {
    fn walk(v: &mut Value, found: &mut usize) {
        match v {
            Value::Object(map) => {
                if map.contains_key("slot_index") {
                    *found += 1;
                    if map.get("sequence") == Some(&json!(0)) {
                        map.remove("sequence");
                    }
                }
                map.values_mut().for_each(|x| walk(x, found));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let mut found = 0;
    dump.values_mut().for_each(|v| walk(v, &mut found));
    found
}

#[test]
fn a_step_8_file_migrates_and_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema8.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&fixture("schema8_file.sql")).unwrap();
        conn.pragma_update(None, "user_version", 8).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let mut got = dump(&path, &store);
    // Visits gained `sequence` after step 8 (iCalendar's SEQUENCE, issue 21): every
    // visit of a step-8 file reads it as 0, and is compared without it.
    let visits = without_sequence(&mut got);
    assert!(visits > 100, "only {visits} visits read");
    let want: BTreeMap<String, Value> =
        serde_json::from_str(&fixture("schema8_file.expected.json")).unwrap();
    let mut differ = Vec::new();
    for (key, expected) in &want {
        let Some(actual) = got.get(key) else {
            differ.push(format!("{key}: not read"));
            continue;
        };
        let same = match expected.get("sha256") {
            Some(Value::String(digest)) => {
                let d = sha2::Sha256::digest(serde_json::to_string(actual).unwrap().as_bytes());
                let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
                &hex == digest
            }
            _ => expected == actual,
        };
        if !same {
            differ.push(key.clone());
        }
    }
    if !differ.is_empty() {
        let out = path.with_file_name("read-back.json");
        std::fs::write(&out, serde_json::to_string_pretty(&got).unwrap()).unwrap();
        panic!(
            "read back differently: {differ:?} (all of it in {})",
            out.display()
        );
    }
    assert_eq!(got.len(), want.len());
    drop(store);

    // The engine verifies the chain it carried over, and goes on appending to it.
    let engine = ClientFiles::new(
        SqliteStore::open(&path).unwrap(),
        FixedClock::new("2037-01-06T07:00:00Z".parse().unwrap()),
        SequentialIds::new(0x9999),
    );
    let report = engine.verify_audit(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        report.entries,
        want["counts"]["audit_log"].as_u64().unwrap()
    );
    let again = engine.verify_audit(&Actor::System, None).unwrap();
    assert!(again.is_intact(), "{again:?}");
    assert_eq!(again.entries, report.entries + 1);
    // Its entries were sealed before records were bound (step 12): a deep verification
    // says so and checks nothing it cannot, instead of calling every record foreign.
    let deep = engine.verify_audit_deep(&Actor::System, None).unwrap();
    let records = deep.records.clone().unwrap();
    assert!(deep.is_intact(), "{deep:?}");
    assert_eq!(records.entries_before_binding, report.entries);
    assert!(records.records > 0);
    assert_eq!(records.unbound_before_binding, records.records);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}
