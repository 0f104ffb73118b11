//! A connection's read cache on PostgreSQL: a query reads through the records its
//! connection decoded before, while no transaction has written a record since
//! (`teho_data_version`, bumped by a statement trigger on every record table, whoever
//! writes); the engine's own commands and an operator's SQL alike make the next query
//! read afresh. A command reads through it until it writes a record.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::ids::OrganizationId;
use teho_core::org::{NewOrganization, OrganizationKind};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::{KINDS, Records, Store, Unit, UnitKind};
use teho_postgres::PostgresStore;

mod common;

/// The organisation's kind as a query reads it (through the cache when it may).
fn kind(store: &dyn Store, org: OrganizationId) -> Option<OrganizationKind> {
    let mut tx = Records::new(store.begin(Unit::QUERY).unwrap());
    let k = tx.organization_kind(org).unwrap();
    tx.commit().unwrap();
    k
}

#[test]
fn a_query_reads_through_the_cache_until_anyone_writes_a_record() {
    let Some(url) = common::url("cache", &format!("teho_k{}", std::process::id())) else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(PostgresStore::create(&url).unwrap());
    let engine = ClientFiles::shared(
        Arc::clone(&store),
        Arc::new(FixedClock::new(teho_core::testing::tallinn(
            2026, 11, 3, 10, 0,
        ))),
        Arc::new(SequentialIds::new(0xcac4e)),
    );
    let (city, admin) = common::bootstrap(&engine);
    let org = city.id;
    assert_eq!(kind(&*store, org), Some(OrganizationKind::Municipality));
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let set = |sql: &mut postgres::Client, k: &str| {
        sql.execute(
            "UPDATE organizations SET kind = $1 WHERE id = $2",
            &[&k, &org.0],
        )
        .unwrap();
    };
    // Written behind the trigger's back, the change is not seen: the query read the
    // cache, not the table. (Every pooled connection has its own cache: ask each.)
    sql.batch_execute("ALTER TABLE organizations DISABLE TRIGGER organizations_written")
        .unwrap();
    set(&mut sql, "CareHome");
    let stale: Vec<_> = (0..4).map(|_| kind(&*store, org)).collect();
    assert!(
        stale.contains(&Some(OrganizationKind::Municipality)),
        "no query read through the cache: {stale:?}"
    );
    sql.batch_execute("ALTER TABLE organizations ENABLE TRIGGER organizations_written")
        .unwrap();
    // An operator's SQL write bumps the version: every connection reads afresh.
    set(&mut sql, "HomeCareProvider");
    for _ in 0..4 {
        assert_eq!(kind(&*store, org), Some(OrganizationKind::HomeCareProvider));
    }
    // The engine's own command does too: a second organisation's kind, read into the
    // caches, is changed behind the trigger's back; the engine registers a third; every
    // connection then reads the second afresh.
    set(&mut sql, "Municipality");
    let register = |name: &str| {
        engine
            .register_organization(
                &Actor::Worker(admin.id),
                NewOrganization {
                    name: name.into(),
                    kind: OrganizationKind::HomeCareProvider,
                    registry_code: None,
                },
            )
            .unwrap()
            .id
    };
    let second = register("Hooldus");
    for _ in 0..4 {
        assert_eq!(
            kind(&*store, second),
            Some(OrganizationKind::HomeCareProvider)
        );
    }
    sql.batch_execute("ALTER TABLE organizations DISABLE TRIGGER organizations_written")
        .unwrap();
    sql.execute(
        "UPDATE organizations SET kind = 'HomeNursingProvider' WHERE id = $1",
        &[&second.0],
    )
    .unwrap();
    sql.batch_execute("ALTER TABLE organizations ENABLE TRIGGER organizations_written")
        .unwrap();
    register("Hooldus 2");
    for _ in 0..4 {
        assert_eq!(
            kind(&*store, second),
            Some(OrganizationKind::HomeNursingProvider)
        );
    }
    // A command reads through the cache until it writes a record; from then on it reads
    // the tables (what it wrote is not in any cache). The change behind the trigger's
    // back shows which one a read met.
    for _ in 0..4 {
        assert_eq!(kind(&*store, org), Some(OrganizationKind::Municipality));
    }
    sql.batch_execute("ALTER TABLE organizations DISABLE TRIGGER organizations_written")
        .unwrap();
    set(&mut sql, "CareHome");
    let before_write: Vec<_> = (0..4)
        .map(|_| {
            let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
            tx.organization_kind(org).unwrap()
        })
        .collect();
    assert!(
        before_write.contains(&Some(OrganizationKind::Municipality)),
        "no command read through the cache: {before_write:?}"
    );
    for _ in 0..4 {
        let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
        let mut other = tx.organization(second).unwrap().unwrap();
        other.name = "Hooldus, renamed".into();
        tx.update(&other).unwrap();
        assert_eq!(
            tx.organization_kind(org).unwrap(),
            Some(OrganizationKind::CareHome),
            "a read after the command's write met the cache"
        );
    }
    sql.batch_execute("ALTER TABLE organizations ENABLE TRIGGER organizations_written")
        .unwrap();
}

#[test]
fn a_batch_reads_what_its_own_units_wrote_and_forgets_it_when_rolled_back() {
    let Some(url) = common::url("cache", &format!("teho_kb{}", std::process::id())) else {
        return;
    };
    let store = PostgresStore::create(&url).unwrap();
    let engine = ClientFiles::new(
        PostgresStore::open(&url).unwrap(),
        FixedClock::new(teho_core::testing::tallinn(2026, 11, 3, 10, 0)),
        SequentialIds::new(0xcac4f),
    );
    let (city, _) = common::bootstrap(&engine);
    let org = city.id;
    let in_batch = |batch, kind| Unit {
        kind,
        batch: Some(batch),
    };
    let read = |unit| {
        let mut tx = Records::new(store.begin(unit).unwrap());
        let k = tx.organization_kind(org).unwrap();
        tx.commit().unwrap();
        k
    };
    let retype = |unit, to| {
        let mut tx = Records::new(store.begin(unit).unwrap());
        let mut o = tx.organization(org).unwrap().unwrap();
        o.kind = to;
        tx.update(&o).unwrap();
        tx.commit().unwrap();
    };
    for commit in [true, false] {
        let before = read(Unit::QUERY);
        let batch = store.open_batch().unwrap();
        assert_eq!(read(in_batch(batch, UnitKind::Query)), before);
        assert_eq!(read(in_batch(batch, UnitKind::Query)), before);
        for to in [OrganizationKind::CareHome, OrganizationKind::Hospital] {
            retype(in_batch(batch, UnitKind::Command), to);
            assert_eq!(
                read(in_batch(batch, UnitKind::Query)),
                Some(to),
                "after a write"
            );
            assert_eq!(read(in_batch(batch, UnitKind::Command)), Some(to));
        }
        store.close_batch(batch, commit).unwrap();
        let after = if commit {
            Some(OrganizationKind::Hospital)
        } else {
            before
        };
        for _ in 0..4 {
            assert_eq!(
                read(Unit::QUERY),
                after,
                "after the batch (committed: {commit})"
            );
        }
        retype(Unit::COMMAND, OrganizationKind::Municipality);
    }
}

#[test]
fn every_record_table_bumps_the_data_version() {
    let schema = format!("teho_kv{}", std::process::id());
    let Some(url) = common::url("cache", &schema) else {
        return;
    };
    drop(PostgresStore::create(&url).unwrap());
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for kind in KINDS {
        let found: i64 = sql
            .query_one(
                "SELECT count(*) FROM information_schema.triggers
                  WHERE event_object_schema = $1 AND event_object_table = $2
                    AND trigger_name = $3 AND action_orientation = 'STATEMENT'",
                &[&schema, &kind.name, &format!("{}_written", kind.name)],
            )
            .unwrap()
            .get(0);
        // One row per event: INSERT, UPDATE, DELETE (TRUNCATE is not listed there).
        assert_eq!(found, 3, "table {} has no data-version trigger", kind.name);
        let before: i64 = sql
            .query_one("SELECT n FROM teho_data_version", &[])
            .unwrap()
            .get(0);
        sql.batch_execute(&format!("DELETE FROM {} WHERE false", kind.name))
            .unwrap();
        let after: i64 = sql
            .query_one("SELECT n FROM teho_data_version", &[])
            .unwrap()
            .get(0);
        assert_eq!(
            after,
            before + 1,
            "a write to {} left the version",
            kind.name
        );
    }
}
