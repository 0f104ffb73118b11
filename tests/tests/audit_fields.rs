//! Each audit entry carries what seed 002 §9 requires — who (name and personal code),
//! what kind, which object, when — plus the purpose and the decision, for allowed and
//! denied calls alike.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use teho_core::access::Actor;
use teho_storage::SqliteStore;
use teho_tests::{Town, code, tallinn};

struct Row {
    at: String,
    actor_name: String,
    actor_code: String,
    operation: String,
    object: String,
    file: Option<String>,
    purpose: String,
    decision: String,
    outcome: String,
}

fn last(conn: &rusqlite::Connection) -> Row {
    conn.query_row(
        "SELECT at, actor_name, actor_code, operation, object, file, purpose, decision, outcome
         FROM audit_entries ORDER BY seq DESC LIMIT 1",
        [],
        |r| {
            Ok(Row {
                at: r.get(0)?,
                actor_name: r.get(1)?,
                actor_code: r.get(2)?,
                operation: r.get(3)?,
                object: r.get(4)?,
                file: r.get(5)?,
                purpose: r.get(6)?,
                decision: r.get(7)?,
                outcome: r.get(8)?,
            })
        },
    )
    .unwrap()
}

#[test]
fn audit_entries_record_who_what_object_when_purpose_and_decision() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fields.db");
    let t = Town::build(SqliteStore::create(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    t.clock.set(tallinn(2026, 11, 5, 14, 30));

    // A supervision read: the purpose names the case.
    let sup = Actor::Supervising {
        worker: t.ska_supervisor,
        case_reference: "JV-2026/17".into(),
    };
    t.engine.client_file(&sup, t.file).unwrap();
    let r = last(&raw);
    assert_eq!(r.actor_name, "Peeter Tallinn");
    assert_eq!(r.actor_code, code("3750101009").to_string());
    assert_eq!(r.operation, "client_file.read");
    assert_eq!(r.object, format!("client_file:{}", t.file));
    assert_eq!(r.file, Some(t.file.to_string()));
    assert_eq!(r.at, "2026-11-05T12:30:00Z");
    assert_eq!(r.purpose, "supervision JV-2026/17");
    assert!(
        r.decision.contains("Allowed") && r.decision.contains("JV-2026/17"),
        "{}",
        r.decision
    );
    assert_eq!(r.outcome, "ok");

    // A denied read is recorded with its reason.
    assert!(
        t.engine
            .network(&Actor::Worker(t.other_care_worker), t.file)
            .is_err()
    );
    let r = last(&raw);
    assert_eq!(r.actor_name, "Anu Tallinn");
    assert_eq!(r.operation, "network.read");
    assert_eq!(r.purpose, "service provision");
    assert!(
        r.decision.contains("Denied") && r.decision.contains("not a member"),
        "{}",
        r.decision
    );
    assert_eq!(r.outcome, "access_denied");

    // A person acting for themselves is recorded with their code.
    t.engine
        .client_card(&Actor::Person(t.relative), t.file)
        .unwrap();
    let r = last(&raw);
    assert_eq!(r.actor_code, code("3650606013").to_string());
    assert_eq!(r.purpose, "own or represented person's data");
}
