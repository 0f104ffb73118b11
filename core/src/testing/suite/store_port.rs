//! The store port's own promises, on every backend: creating never overwrites, an update
//! needs its record, a unit of work that is dropped leaves nothing, older encodings read,
//! a batch is a value, and a panic inside a call is rolled back and audited once.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use uuid::Uuid;

use crate::access::Actor;
use crate::ids::PersonId;
use crate::person::{NewPerson, Person, PersonIdentity};
use crate::ports::{FixedClock, Ids, SequentialIds};
use crate::store::{BatchId, Records, Row, StoreError, Unit, UnitKind, upgrade};
use crate::testing::{Town, code, tallinn};
use crate::{ClientFiles, TehoError};

fn person(id: PersonId, first_ten: &str, given: &str) -> Person {
    Person {
        id,
        identity: PersonIdentity::Estonian(code(first_ten)),
        given_name: given.into(),
        family_name: "Test".into(),
        birth_date: None,
        deceased_on: None,
    }
}

/// Inserting a record whose id is stored already is a `Conflict`, and the stored record
/// stays as it was; updating one that is not stored is `Missing`.
fn a_colliding_insert_is_a_conflict_and_changes_nothing(t: Town) {
    let store = t.engine.store();
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    let stored = tx.person(t.client).unwrap().unwrap();
    let mut impostor = person(t.client, "3700101016", "Impostor");
    assert_eq!(
        tx.insert(&impostor),
        Err(StoreError::Conflict {
            kind: "persons",
            id: t.client.0,
        })
    );
    assert_eq!(tx.person(t.client).unwrap().unwrap(), stored);
    impostor.id = PersonId(Uuid::from_u128(0xdead_beef));
    assert_eq!(
        tx.update(&impostor),
        Err(StoreError::Missing {
            kind: "persons",
            id: impostor.id.0,
        })
    );
    let e: TehoError = StoreError::Conflict {
        kind: "persons",
        id: t.client.0,
    }
    .into();
    assert_eq!(e.kind(), "conflict");
}

/// Two fixed-clock sessions with the same sequential ids on one store: the second one
/// hands out the ids the first used, and the first of them that names a stored record
/// of the same kind is refused — the first client is never replaced by a second person.
fn a_second_session_with_the_same_ids_never_overwrites_the_first(t: Town) {
    // The town was built with SequentialIds::new(0): a second session starts there too.
    let again = ClientFiles::shared(
        Arc::clone(t.engine.store()),
        Arc::new(FixedClock::new(tallinn(2026, 11, 3, 9, 0))),
        Arc::new(SequentialIds::new(0)),
    );
    let sw = Actor::Worker(t.social_worker);
    let client = t.engine.client_card(&sw, t.file).unwrap();
    let mut refused = None;
    for n in 0..200 {
        let r = again.register_person(
            &sw,
            NewPerson {
                identity: PersonIdentity::Estonian(code(&format!("3700101{n:03}"))),
                given_name: "Second".into(),
                family_name: "Session".into(),
                birth_date: None,
            },
        );
        if let Err(e) = r {
            refused = Some(e);
            break;
        }
    }
    assert!(
        matches!(&refused, Some(TehoError::Conflict { kind, .. }) if kind == "persons"),
        "{refused:?}"
    );
    assert_eq!(t.engine.client_card(&sw, t.file).unwrap(), client);
    let mut tx = Records::new(t.engine.store().begin(Unit::QUERY).unwrap());
    assert_eq!(tx.person(t.client).unwrap().unwrap().given_name, "Laine");
    drop(tx);
    assert!(
        t.engine
            .verify_audit(&Actor::System, None)
            .unwrap()
            .is_intact()
    );
}

/// A unit of work dropped without commit leaves nothing behind: rows and audit entries.
fn a_dropped_unit_of_work_leaves_nothing(t: Town) {
    let store = t.engine.store();
    let head = Records::new(store.begin(Unit::QUERY).unwrap())
        .audit_head()
        .unwrap();
    let id = PersonId(Uuid::from_u128(0x5eed));
    {
        let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
        tx.insert(&person(id, "3700101016", "Gone")).unwrap();
        tx.raw()
            .append_audit(crate::audit::NewAuditEntry {
                at: tallinn(2026, 11, 2, 10, 0),
                actor: crate::audit::ActorRef::system(),
                operation: "test.dropped".into(),
                object: String::new(),
                file: None,
                disclosed: Vec::new(),
                purpose: String::new(),
                decision: crate::audit::AuditDecision::NotDecided,
                outcome: "ok".into(),
                writes: Vec::new(),
            })
            .unwrap();
    }
    let mut tx = Records::new(store.begin(Unit::QUERY).unwrap());
    assert_eq!(tx.person(id).unwrap(), None);
    assert_eq!(tx.audit_head().unwrap(), head);
}

/// A visit stored in its first encoding (the whole record as JSON, as schema step 8 kept
/// it) reads back equal; rewritten in the current one, it reads back equal too.
fn a_visit_of_the_first_encoding_reads_back_equal(t: Town) {
    let plans = t.plan_week();
    let store = t.engine.store();
    let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
    let mut v = tx
        .visits_of_item(plans.care.item.id)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    v.id = crate::ids::VisitId(Uuid::from_u128(0x0001_0000));
    let kind = crate::store::kind_by_name("visits").unwrap();
    let old = Row {
        id: v.id.0,
        version: 1,
        columns: kinds_columns_of(&v),
        doc: serde_json::to_vec(&v).unwrap(),
    };
    tx.raw().insert(kind, &old).unwrap();
    assert_eq!(tx.visit(v.id).unwrap().unwrap(), v);
    for (k, row) in upgrade(kind, &old).unwrap() {
        if k.name == "visits" {
            assert_eq!(row.version, 2);
            tx.raw().update(k, &row).unwrap();
        } else if tx.raw().get(k, row.id).unwrap().is_none() {
            tx.raw().insert(k, &row).unwrap();
        }
    }
    assert_eq!(tx.visit(v.id).unwrap().unwrap(), v);
}

/// The columns a visit's row carries, as the current encoding computes them.
fn kinds_columns_of(v: &crate::calendar::Visit) -> Vec<crate::store::Value> {
    crate::store::kinds::visit_row(v, Uuid::nil())
        .unwrap()
        .columns
}

/// A batch is a value: a unit naming a batch that is not open is refused, with the
/// batch named.
fn a_unit_of_a_batch_that_is_not_open_is_refused(t: Town) {
    let store = t.engine.store();
    let stale = BatchId(987_654);
    let r = store.begin(Unit {
        kind: UnitKind::Command,
        batch: Some(stale),
    });
    assert!(
        matches!(r, Err(StoreError::Batch { batch: 987_654, .. })),
        "{:?}",
        r.err()
    );
    let r = store.close_batch(stale, true);
    assert!(matches!(r, Err(StoreError::Batch { .. })), "{r:?}");
    // The store goes on.
    assert!(t.engine.inbox(&Actor::Worker(t.care_worker)).is_ok());
}

/// Ids that panic when told to: a panic deep inside an engine call.
struct FailingIds {
    inner: SequentialIds,
    fail: AtomicBool,
}

impl Ids for FailingIds {
    fn next_id(&self) -> Uuid {
        if self.fail.swap(false, Ordering::SeqCst) {
            panic!("the id source failed");
        }
        self.inner.next_id()
    }
}

/// A panic inside a call is rolled back, audited as an internal error — one entry, like
/// any failed call — and returned as `TehoError::Internal`; the store goes on.
fn a_panic_inside_a_call_is_rolled_back_and_audited_once(t: Town) {
    let ids = Arc::new(FailingIds {
        inner: SequentialIds::new(0x9a41c),
        fail: AtomicBool::new(true),
    });
    let engine = ClientFiles::shared(
        Arc::clone(t.engine.store()),
        Arc::new(FixedClock::new(tallinn(2026, 11, 3, 9, 0))),
        Arc::clone(&ids) as Arc<dyn Ids>,
    );
    let sw = Actor::Worker(t.social_worker);
    let new = || NewPerson {
        identity: PersonIdentity::Estonian(code("3700101016")),
        given_name: "After".into(),
        family_name: "Panic".into(),
        birth_date: None,
    };
    let before = t.audit_entries();
    let r = engine.register_person(&sw, new());
    match &r {
        Err(TehoError::Internal { message }) => {
            assert!(message.contains("register_person"), "{message}");
            assert!(message.contains("the id source failed"), "{message}");
        }
        other => panic!("expected Internal, got {other:?}"),
    }
    let store = t.engine.store();
    let page = Records::new(store.begin(Unit::QUERY).unwrap())
        .audit_page(before + 2, 10)
        .unwrap();
    assert_eq!(
        page.len(),
        1,
        "exactly one entry for the failed call: {page:?}"
    );
    assert_eq!(page[0].operation, "person.register");
    assert_eq!(page[0].outcome, "internal");
    // Nothing of it stayed: the same person registers now.
    let p = engine.register_person(&sw, new()).unwrap();
    assert_eq!(p.given_name, "After");
}

/// A store that lets its next commit fail (a full disk, say) and otherwise passes every
/// call to the store it wraps.
struct FailingCommit {
    inner: Arc<dyn crate::store::Store>,
    fail: Arc<AtomicBool>,
}

/// A unit of work of [`FailingCommit`].
struct FailingTx<'a> {
    inner: Box<dyn crate::store::StoreTx + 'a>,
    fail: Arc<AtomicBool>,
}

impl crate::store::Store for FailingCommit {
    fn begin(&self, unit: Unit) -> crate::store::StoreResult<Box<dyn crate::store::StoreTx + '_>> {
        Ok(Box::new(FailingTx {
            inner: self.inner.begin(unit)?,
            fail: Arc::clone(&self.fail),
        }))
    }
    fn open_batch(&self) -> crate::store::StoreResult<BatchId> {
        self.inner.open_batch()
    }
    fn close_batch(&self, batch: BatchId, commit: bool) -> crate::store::StoreResult<()> {
        self.inner.close_batch(batch, commit)
    }
}

impl crate::store::StoreTx for FailingTx<'_> {
    fn get(
        &mut self,
        kind: &'static crate::store::Kind,
        id: Uuid,
    ) -> crate::store::StoreResult<Option<Row>> {
        self.inner.get(kind, id)
    }
    fn find(
        &mut self,
        kind: &'static crate::store::Kind,
        filter: &crate::store::Filter,
    ) -> crate::store::StoreResult<Vec<Row>> {
        self.inner.find(kind, filter)
    }
    fn insert(
        &mut self,
        kind: &'static crate::store::Kind,
        row: &Row,
    ) -> crate::store::StoreResult<()> {
        self.inner.insert(kind, row)
    }
    fn update(
        &mut self,
        kind: &'static crate::store::Kind,
        row: &Row,
    ) -> crate::store::StoreResult<()> {
        self.inner.update(kind, row)
    }
    fn destroy(
        &mut self,
        kind: &'static crate::store::Kind,
        id: Uuid,
    ) -> crate::store::StoreResult<bool> {
        self.inner.destroy(kind, id)
    }
    fn append_audit(
        &mut self,
        entry: crate::audit::NewAuditEntry,
    ) -> crate::store::StoreResult<crate::audit::AuditEntry> {
        self.inner.append_audit(entry)
    }
    fn audit_head(&mut self) -> crate::store::StoreResult<Option<crate::audit::ChainHead>> {
        self.inner.audit_head()
    }
    fn audit_page(
        &mut self,
        from: u64,
        limit: usize,
    ) -> crate::store::StoreResult<Vec<crate::audit::AuditEntry>> {
        self.inner.audit_page(from, limit)
    }
    fn audit_of_file(
        &mut self,
        file: crate::ids::ClientFileId,
    ) -> crate::store::StoreResult<Vec<crate::audit::AuditEntry>> {
        self.inner.audit_of_file(file)
    }
    fn commit(self: Box<Self>) -> crate::store::StoreResult<()> {
        if self.fail.swap(false, Ordering::SeqCst) {
            return Err(StoreError::Backend("the disk is full".into()));
        }
        self.inner.commit()
    }
}

/// A call whose work is done but whose unit cannot commit is a failed call: nothing of
/// it stays, and it is audited once, as a storage failure.
fn a_call_that_cannot_commit_is_rolled_back_and_audited_once(t: Town) {
    let fail = Arc::new(AtomicBool::new(false));
    let engine = ClientFiles::shared(
        Arc::new(FailingCommit {
            inner: Arc::clone(t.engine.store()),
            fail: Arc::clone(&fail),
        }),
        Arc::new(FixedClock::new(tallinn(2026, 11, 3, 9, 0))),
        Arc::new(SequentialIds::new(0xfa11)),
    );
    let sw = Actor::Worker(t.social_worker);
    let before = engine.chain_length().unwrap();
    fail.store(true, Ordering::SeqCst);
    let r = engine.register_person(
        &sw,
        NewPerson {
            identity: PersonIdentity::Estonian(code("3700101016")),
            given_name: "Never".into(),
            family_name: "Stored".into(),
            birth_date: None,
        },
    );
    assert!(matches!(r, Err(TehoError::Storage { .. })), "{r:?}");
    let store = t.engine.store();
    let page = Records::new(store.begin(Unit::QUERY).unwrap())
        .audit_page(before + 1, 10)
        .unwrap();
    assert_eq!(page.len(), 1, "{page:?}");
    assert_eq!(
        (page[0].operation.as_str(), page[0].outcome.as_str()),
        ("person.register", "storage")
    );
    // The person was not stored: registering again succeeds.
    assert!(
        engine
            .register_person(
                &sw,
                NewPerson {
                    identity: PersonIdentity::Estonian(code("3700101016")),
                    given_name: "Now".into(),
                    family_name: "Stored".into(),
                    birth_date: None,
                },
            )
            .is_ok()
    );
}

crate::testing::tests![
    a_colliding_insert_is_a_conflict_and_changes_nothing,
    a_second_session_with_the_same_ids_never_overwrites_the_first,
    a_dropped_unit_of_work_leaves_nothing,
    a_visit_of_the_first_encoding_reads_back_equal,
    a_unit_of_a_batch_that_is_not_open_is_refused,
    a_panic_inside_a_call_is_rolled_back_and_audited_once,
    a_call_that_cannot_commit_is_rolled_back_and_audited_once,
];
