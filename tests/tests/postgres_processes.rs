//! Eight processes writing commands and queries to one PostgreSQL database at once
//! (issue 18): no error reaches any caller, every acknowledged call's audit entry is
//! there exactly once, and the chain verifies.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;

use teho_core::access::Actor;
use teho_core::store::{Records, Store, Unit};
use teho_postgres::PostgresStore;
use teho_tests::Town;

#[test]
fn eight_processes_on_one_database_lose_nothing_and_the_chain_verifies() {
    if std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! TEHO_SKIP_POSTGRES=1: the 8-process PostgreSQL test is SKIPPED !!!");
        return;
    }
    let base = std::env::var("TEHO_POSTGRES_URL")
        .expect("TEHO_POSTGRES_URL (./scripts/test starts a private PostgreSQL)");
    let schema = format!("teho_p{}", std::process::id());
    let url = teho_postgres::url_in_schema(&base, &schema).unwrap();
    let store: Arc<dyn Store> = Arc::new(PostgresStore::create(&url).unwrap());
    let town = Town::build_shared(Arc::clone(&store), 0x7000);
    let before = town.engine.audit_checkpoint(&Actor::System).unwrap();

    const PROCESSES: u64 = 8;
    const EACH: usize = 40;
    let children: Vec<_> = (1..=PROCESSES)
        .map(|p| {
            Command::new(env!("CARGO_BIN_EXE_teho-writer"))
                .args([
                    url.as_str(),
                    &p.to_string(),
                    &EACH.to_string(),
                    &town.social_worker.to_string(),
                    &town.file.to_string(),
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    // This process reads meanwhile.
    for _ in 0..40 {
        town.engine
            .client_card(&Actor::Worker(town.nurse), town.file)
            .unwrap();
    }
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer {} failed: {}",
            i + 1,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let notes = town
        .engine
        .entries(&Actor::Worker(town.social_worker), town.file)
        .unwrap();
    assert_eq!(notes.len(), PROCESSES as usize * EACH);

    let report = town
        .engine
        .verify_audit(&Actor::System, Some(&before))
        .unwrap();
    assert!(report.is_intact(), "{report:?}");
    // every writer's EACH writes and EACH reads, this process's reads, the checkpoint
    // and the entries read
    assert_eq!(
        report.entries,
        before.entries + 1 + PROCESSES * 2 * EACH as u64 + 40 + 1
    );
    // Each note's write is audited exactly once.
    let chain = Records::new(store.begin(Unit::QUERY).unwrap())
        .audit_page(before.entries + 1, 1_000_000)
        .unwrap();
    let mut audited: HashMap<String, usize> = HashMap::new();
    for e in chain.iter().filter(|e| e.operation == "entry.add") {
        for w in e.writes.iter().flatten().filter(|w| w.kind == "entries") {
            *audited.entry(w.id.to_string()).or_default() += 1;
        }
    }
    assert_eq!(audited.len(), notes.len());
    for n in &notes {
        assert_eq!(
            audited.get(&n.id.0.to_string()),
            Some(&1),
            "entry {}",
            n.id.0
        );
    }
}
