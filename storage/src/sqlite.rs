//! [`SqliteStore`]: the engine's store in one SQLite file.

use std::any::Any;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};
use teho_core::audit::{AuditEntry, ChainHead};
use teho_core::calendar::Visit;
use teho_core::case::{Application, Assessment, CaseDecision, Contract, Referral};
use teho_core::file::{ClientCard, ClientFile, Entry};
use teho_core::ids::{ApplicationId, AssessmentId, ContractId, DecisionId, ReferralId};
use teho_core::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, WorkerId};
use teho_core::ids::{PlanId, PlanItemId, VisitId};
use teho_core::log::ServiceLogEntry;
use teho_core::network::{Member, Membership, Substitution};
use teho_core::notify::{Notification, Recipient};
use teho_core::org::{ComplianceBreach, Organization, OrganizationKind, Worker};
use teho_core::person::Person;
use teho_core::plan::{CarePlan, PlanItem};
use teho_core::store::{BusyTime, Store, StoreError, StoreResult, StoreTx};
use uuid::Uuid;

#[cfg(test)]
use crate::query_sync::DEFAULT_QUERY_SYNC_DELAY;
use crate::query_sync::QuerySync;
use crate::schema::{backend, migrate};

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Prepared statements kept per connection (the store uses about 120 distinct ones).
const STATEMENT_CACHE: usize = 256;

/// Records the read cache holds before it starts over (some tens of MiB at most).
const READ_CACHE_ENTRIES: usize = 100_000;

/// A TEHO store in one SQLite file (or in memory).
///
/// Durability: a command's commit has reached the disk when it returns
/// (`synchronous=FULL`). A query writes nothing but its audit entry; its commit reaches
/// the WAL at once — a crash of the process loses nothing — and the disk within
/// [`SqliteStore::query_sync_delay`] (200 ms by default), synced by a background
/// thread together with the other queries of that stretch, or at once by the next
/// command's commit. Only an operating-system crash or a power loss can lose the audit
/// entries of the reads made in the last such delay; the chain stays whole.
#[derive(Debug)]
pub struct SqliteStore {
    inner: Mutex<Inner>,
    /// Signalled when a batch ends, for other threads waiting to begin.
    batch_ended: Condvar,
    /// Group commit of the queries' audit entries, and the thread that syncs them
    /// (joined when the store is dropped); a file store's only.
    query_sync: Option<(Arc<QuerySync>, JoinHandle<()>)>,
}

/// The connection, and the thread whose batch holds its open transaction, if any.
#[derive(Debug)]
struct Inner {
    conn: Connection,
    batch: Option<ThreadId>,
    /// Whether the connection's `synchronous` is `FULL` now (else `NORMAL`, for a query).
    synchronous_full: bool,
    cache: ReadCache,
}

/// The decoded records every access check reads — files, people, workers, networks,
/// contracts, decisions, referrals, substitutions — kept across queries while nothing
/// can have changed them. Only a query outside a batch reads or fills it (a query
/// writes nothing but its audit entry); a commit that wrote anything else empties it,
/// and so does another connection's commit (`PRAGMA data_version`), noticed when the
/// next transaction begins.
#[derive(Debug, Default)]
struct ReadCache {
    /// `PRAGMA data_version` when it was last checked.
    data_version: i64,
    /// By kind of record and the id it is looked up by.
    entries: HashMap<(&'static str, Uuid), Box<dyn Any + Send>>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`. Several processes
    /// may open the same file. A corrupt file or one written by a newer TEHO is refused
    /// with an error and left untouched — a client file is never replaced.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(backend)?;
        let wal = conn
            .path()
            .map(|db| PathBuf::from(format!("{db}-wal")))
            .ok_or_else(|| StoreError::Backend("the database file has no path".into()))?;
        Self::init(conn, Some(wal))
    }

    /// A private in-memory database (tests, throw-away demos).
    pub fn open_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory().map_err(backend)?, None)
    }

    /// How long a query's audit entry may wait to reach the disk after its commit;
    /// `None` when every query's commit waits for the disk, as a command's does (and
    /// always for an in-memory database).
    pub fn query_sync_delay(&self) -> Option<Duration> {
        self.query_sync.as_ref().and_then(|(s, _)| s.delay())
    }

    /// Sets how long a query's audit entry may wait to reach the disk: `None` makes every
    /// query's commit wait for the disk (one `fsync` per read, as a command's). A larger
    /// delay lets more reads share one `fsync`, and widens what a power loss could lose.
    pub fn set_query_sync_delay(&self, delay: Option<Duration>) {
        if let Some((s, _)) = &self.query_sync {
            s.set_delay(delay);
        }
    }

    fn init(mut conn: Connection, wal: Option<PathBuf>) -> StoreResult<Self> {
        conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        // Refuse a newer schema before anything writes to the file (switching to WAL
        // rewrites the header).
        crate::schema::refuse_newer(&conn)?;
        if wal.is_some() {
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(backend)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Backend(format!(
                    "could not switch the journal to WAL (got {mode})"
                )));
            }
        }
        // A page cache of up to 16 MiB: a batch's transaction stays in memory instead of
        // spilling pages to the WAL half-way (the benchmarks' horizon workload). Temporary
        // storage in memory: each call of a batch is a savepoint, whose statement journal
        // otherwise goes to a temporary file.
        conn.execute_batch(
            "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;
             PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
        )
        .map_err(backend)?;
        // One engine call runs some twenty distinct statements; rusqlite's default cache
        // of 16 made every call parse most of them again.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // The query planner stability guarantee: plans never depend on bound values.
        // Without it SQLite marks statements like `WHERE file = ?1 ORDER BY rowid` to be
        // re-planned when a parameter is rebound, and rusqlite's statement cache clears
        // the bindings on every return — so every cached statement was parsed and planned
        // again on every use (a fifth of a calendar query's time). The statements here
        // name their literals in the SQL (`status = 'Planned'` for the partial index), so
        // no plan needs a bound value.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(backend)?;
        migrate(&mut conn)?;
        let query_sync = wal.and_then(QuerySync::start);
        Ok(Self {
            inner: Mutex::new(Inner {
                conn,
                batch: None,
                synchronous_full: true,
                cache: ReadCache::default(),
            }),
            batch_ended: Condvar::new(),
            query_sync,
        })
    }

    /// Begins a transaction — a savepoint inside this thread's batch. A query's, when
    /// its commit may wait for the disk, runs with `synchronous=NORMAL`; any other with
    /// `FULL` (the setting cannot change inside a transaction).
    fn begin_as(&self, query: bool) -> StoreResult<SqliteTx<'_>> {
        self.sync_failure()?;
        let (mut conn, nested) = self.connection();
        if nested {
            run(&conn, "SAVEPOINT teho_call")?;
        } else {
            set_synchronous(&mut conn, !(query && self.query_sync_delay().is_some()))?;
            // IMMEDIATE takes the write lock now, waiting up to the busy timeout; a
            // deferred transaction that reads the chain head and then writes would fail
            // at once with "database is locked" when another process got there first.
            run(&conn, "BEGIN IMMEDIATE")?;
        }
        let changes_at_begin = conn.total_changes();
        let mut tx = SqliteTx {
            conn,
            open: true,
            nested,
            query,
            changes_at_begin,
            audit_rows: 0,
            sync: match &self.query_sync {
                Some((sync, _)) if !nested => Some(sync),
                _ => None,
            },
        };
        if tx.reads_cache() {
            tx.check_cache()?; // on failure, dropping `tx` rolls back
        }
        Ok(tx)
    }

    /// Reports, once, a background sync of queries' audit entries that failed.
    fn sync_failure(&self) -> StoreResult<()> {
        match self.query_sync.as_ref().and_then(|(s, _)| s.take_failure()) {
            Some(e) => Err(StoreError::Backend(format!(
                "the audit entries of recent queries may not have reached the disk: {e}"
            ))),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection, once no other thread's batch holds it; with whether this thread's
    /// own batch does (then a transaction is a savepoint inside it).
    fn connection(&self) -> (Held<'_>, bool) {
        let me = std::thread::current().id();
        let mut guard = self.lock();
        loop {
            match guard.batch {
                Some(owner) if owner == me => return (Held(guard), true),
                Some(_) => {
                    guard = self
                        .batch_ended
                        .wait(guard)
                        .unwrap_or_else(|p| p.into_inner())
                }
                None => return (Held(guard), false),
            }
        }
    }
}

impl Drop for SqliteStore {
    /// Syncs what queries left pending and stops the syncing thread.
    fn drop(&mut self) {
        if let Some((sync, thread)) = self.query_sync.take() {
            sync.close(thread);
        }
    }
}

/// Sets the connection's `synchronous` to `FULL` or `NORMAL` unless it is so already.
fn set_synchronous(conn: &mut Held<'_>, full: bool) -> StoreResult<()> {
    if conn.0.synchronous_full != full {
        run(
            conn,
            if full {
                "PRAGMA synchronous=FULL"
            } else {
                "PRAGMA synchronous=NORMAL"
            },
        )?;
        conn.0.synchronous_full = full;
    }
    Ok(())
}

/// The locked connection.
struct Held<'a>(MutexGuard<'a, Inner>);

impl Deref for Held<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0.conn
    }
}

/// Runs a statement without parameters through the statement cache (`BEGIN`, `COMMIT`,
/// savepoints: parsed once per connection, not at every call).
fn run(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(backend)
}

/// A write transaction on a [`SqliteStore`]; rolls back when dropped uncommitted. Inside
/// a batch it is a savepoint, and rolling back undoes only its own work.
pub struct SqliteTx<'a> {
    conn: Held<'a>,
    open: bool,
    nested: bool,
    /// A query's: it may write nothing but audit entries, and outside a batch it reads
    /// through the connection's [`ReadCache`].
    query: bool,
    /// The connection's count of written rows when it began.
    changes_at_begin: u64,
    /// Audit entries it appended.
    audit_rows: u64,
    /// Told of the commit (not inside a batch, whose own commit is a command's).
    sync: Option<&'a QuerySync>,
}

impl Store for SqliteStore {
    type Tx<'a> = SqliteTx<'a>;

    fn begin(&self) -> StoreResult<SqliteTx<'_>> {
        self.begin_as(false)
    }

    /// A query's transaction: refused at commit if it wrote anything but audit entries.
    /// Outside a batch its commit does not wait for the disk while a delay is set
    /// ([`SqliteStore::set_query_sync_delay`]).
    fn begin_query(&self) -> StoreResult<SqliteTx<'_>> {
        self.begin_as(true)
    }

    /// One `BEGIN IMMEDIATE` … `COMMIT` around `work`: the transactions this thread begins
    /// meanwhile are savepoints inside it, so the calls commit together (one fsync).
    /// Other threads wait until the batch ends. If `work` panics, everything it wrote
    /// is rolled back.
    fn batch<R>(&self, work: impl FnOnce() -> R) -> StoreResult<R> {
        self.sync_failure()?;
        {
            let (mut conn, nested) = self.connection();
            if nested {
                // Already inside this thread's batch: the outer one commits.
                drop(conn);
                return Ok(work());
            }
            set_synchronous(&mut conn, true)?;
            run(&conn, "BEGIN IMMEDIATE")?;
            conn.0.batch = Some(std::thread::current().id());
        }
        /// Ends the batch however `work` ends: commits if asked, else rolls back.
        struct End<'a> {
            store: &'a SqliteStore,
            commit: bool,
        }
        impl End<'_> {
            fn finish(&mut self) -> StoreResult<()> {
                let mut guard = self.store.lock();
                guard.batch = None;
                let sql = if self.commit { "COMMIT" } else { "ROLLBACK" };
                let result = run(&guard.conn, sql);
                if result.is_err() && self.commit {
                    let _ = run(&guard.conn, "ROLLBACK");
                }
                drop(guard);
                self.store.batch_ended.notify_all();
                result
            }
        }
        impl Drop for End<'_> {
            fn drop(&mut self) {
                if !self.commit {
                    let _ = self.finish();
                }
            }
        }
        let mut end = End {
            store: self,
            commit: false,
        };
        let value = work();
        end.commit = true;
        end.finish()?;
        Ok(value)
    }

    fn in_batch(&self) -> bool {
        self.lock().batch == Some(std::thread::current().id())
    }

    fn compact(&self) -> StoreResult<()> {
        let (conn, nested) = self.connection();
        if nested {
            return Err(StoreError::Backend(
                "the WAL cannot be checkpointed inside a batch; execute a destruction act on its own"
                    .into(),
            ));
        }
        // Deleted pages were zeroed (secure_delete); now copy the WAL into the database
        // and truncate it, so no frame keeps the destroyed content.
        let (busy, _, _): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(backend)?;
        if busy != 0 {
            return Err(StoreError::Backend(
                "the WAL could not be checkpointed: another connection is reading; retry".into(),
            ));
        }
        Ok(())
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            if self.nested {
                let _ = run(&self.conn, "ROLLBACK TO teho_call");
                let _ = run(&self.conn, "RELEASE teho_call");
            } else {
                let _ = run(&self.conn, "ROLLBACK");
            }
        }
    }
}

fn to_doc<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encoding a record: {e}")))
}

fn from_doc<T: DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("decoding a record: {e}")))
}

fn member_key(m: Member) -> String {
    match m {
        Member::Worker(w) => format!("worker:{w}"),
        Member::Person(p) => format!("person:{p}"),
    }
}

fn recipient_key(r: Recipient) -> String {
    match r {
        Recipient::Worker(w) => format!("worker:{w}"),
        Recipient::Person(p) => format!("person:{p}"),
    }
}

fn instant(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn from_micros(us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Backend(format!("{us} µs is not an instant")))
}

fn micros(at: &DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

impl SqliteTx<'_> {
    fn audit_where(
        &mut self,
        clause: &str,
        values: impl rusqlite::Params,
    ) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT seq, at, actor_id, actor_name, actor_code, actor_role, actor_org,
                    operation, object, file, purpose, decision, outcome, content_digest,
                    prev_hash, hash
                 FROM audit_log WHERE {clause}"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(values, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    (
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ),
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    (
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, Option<String>>(9)?,
                    ),
                    (
                        r.get::<_, String>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, String>(12)?,
                    ),
                    (
                        r.get::<_, String>(13)?,
                        r.get::<_, String>(14)?,
                        r.get::<_, String>(15)?,
                    ),
                ))
            })
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (
                seq,
                at,
                (id, name, code),
                role,
                org,
                (operation, object, file),
                (purpose, decision, outcome),
                (digest, prev, hash),
            ) = row.map_err(backend)?;
            let parse_uuid = |s: &str| {
                s.parse::<uuid::Uuid>().map_err(|e| {
                    StoreError::Backend(format!("audit entry {seq}: bad uuid {s:?}: {e}"))
                })
            };
            out.push(AuditEntry {
                seq: seq as u64,
                at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| {
                        StoreError::Backend(format!("audit entry {seq}: bad instant {at:?}: {e}"))
                    })?
                    .with_timezone(&Utc),
                actor: teho_core::audit::ActorRef {
                    id,
                    name,
                    personal_code: code,
                    role: role.as_deref().map(from_doc).transpose()?,
                    organization: org
                        .as_deref()
                        .map(parse_uuid)
                        .transpose()?
                        .map(OrganizationId),
                },
                operation,
                object,
                file: file
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?
                    .map(ClientFileId),
                purpose,
                decision: from_doc(&decision)?,
                outcome,
                content_digest: digest,
                prev_hash: prev,
                hash,
            });
        }
        Ok(out)
    }

    fn many_in_range<T: DeserializeOwned>(
        &mut self,
        sql: &str,
        key: &str,
        from: &DateTime<Utc>,
        to: &DateTime<Utc>,
    ) -> StoreResult<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let docs: Vec<String> = stmt
            .query_map(params![key, micros(from), micros(to)], |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }

    fn put(
        &mut self,
        sql: &str,
        key: &str,
        extra: &[&dyn rusqlite::ToSql],
        doc: String,
    ) -> StoreResult<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(extra.len() + 2);
        values.push(&key);
        values.extend_from_slice(extra);
        values.push(&doc);
        stmt.execute(values.as_slice()).map_err(backend)?;
        Ok(())
    }

    /// Whether it reads through the connection's [`ReadCache`]: a query's, outside a
    /// batch.
    fn reads_cache(&self) -> bool {
        self.query && !self.nested
    }

    /// Empties the read cache if another connection committed since it was filled.
    /// Under this transaction's write lock nobody else commits until it ends.
    fn check_cache(&mut self) -> StoreResult<()> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(backend)?;
        let cache = &mut self.conn.0.cache;
        if cache.data_version != version {
            cache.entries.clear();
            cache.data_version = version;
        }
        Ok(())
    }

    /// `load` — a read of the records of `kind` under `id`, given as text — through the
    /// read cache when this transaction [reads through it](Self::reads_cache).
    fn cached<T: Clone + Send + 'static>(
        &mut self,
        kind: &'static str,
        id: Uuid,
        load: impl FnOnce(&mut Self, &str) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if !self.reads_cache() {
            return load(self, &id.to_string());
        }
        if let Some(v) = self
            .conn
            .0
            .cache
            .entries
            .get(&(kind, id))
            .and_then(|v| v.downcast_ref::<T>())
        {
            return Ok(v.clone());
        }
        let v = load(self, &id.to_string())?;
        let entries = &mut self.conn.0.cache.entries;
        if entries.len() >= READ_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert((kind, id), Box::new(v.clone()));
        Ok(v)
    }

    fn one<T: DeserializeOwned>(&mut self, sql: &str, key: &str) -> StoreResult<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let doc: Option<String> = stmt
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        doc.as_deref().map(from_doc).transpose()
    }

    fn many<T: DeserializeOwned>(&mut self, sql: &str, key: Option<&str>) -> StoreResult<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(backend)?;
        let params: Vec<&dyn rusqlite::ToSql> = match &key {
            Some(k) => vec![k],
            None => vec![],
        };
        let docs: Vec<String> = stmt
            .query_map(params.as_slice(), |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }
}

impl StoreTx for SqliteTx<'_> {
    fn put_organization(&mut self, o: &Organization) -> StoreResult<()> {
        let kind = format!("{:?}", o.kind);
        self.put(
            "INSERT INTO organizations (id, kind, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, doc = excluded.doc",
            &o.id.to_string(),
            &[&kind],
            to_doc(o)?,
        )
    }
    fn organization_kind(&mut self, id: OrganizationId) -> StoreResult<Option<OrganizationKind>> {
        self.cached("organization_kind", id.uuid(), |tx, key| {
            let kind: Option<String> = tx
                .conn
                .prepare_cached("SELECT kind FROM organizations WHERE id = ?1")
                .map_err(backend)?
                .query_row([key], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            // The column holds the variant's name, as `put_organization` writes it.
            kind.map(|k| {
                OrganizationKind::deserialize(k.as_str().into_deserializer()).map_err(
                    |e: serde::de::value::Error| {
                        StoreError::Backend(format!("organisation {key}: kind {k:?}: {e}"))
                    },
                )
            })
            .transpose()
        })
    }
    fn organization(&mut self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        self.one(
            "SELECT doc FROM organizations WHERE id = ?1",
            &id.to_string(),
        )
    }
    fn organizations(&mut self) -> StoreResult<Vec<Organization>> {
        self.many("SELECT doc FROM organizations ORDER BY rowid", None)
    }
    fn put_worker(&mut self, w: &Worker) -> StoreResult<()> {
        self.put(
            "INSERT INTO workers (id, organization, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET organization = excluded.organization, doc = excluded.doc",
            &w.id.to_string(),
            &[&w.organization.to_string()],
            to_doc(w)?,
        )
    }
    fn worker(&mut self, id: WorkerId) -> StoreResult<Option<Worker>> {
        self.cached("worker", id.uuid(), |tx, id| {
            tx.one("SELECT doc FROM workers WHERE id = ?1", id)
        })
    }
    fn workers_of(&mut self, org: OrganizationId) -> StoreResult<Vec<Worker>> {
        self.many(
            "SELECT doc FROM workers WHERE organization = ?1 ORDER BY rowid",
            Some(&org.to_string()),
        )
    }
    fn put_person(&mut self, p: &Person) -> StoreResult<()> {
        self.put(
            "INSERT INTO persons (id, identity_key, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET identity_key = excluded.identity_key, doc = excluded.doc",
            &p.id.to_string(),
            &[&p.identity.key()],
            to_doc(p)?,
        )
    }
    fn person(&mut self, id: PersonId) -> StoreResult<Option<Person>> {
        self.cached("person", id.uuid(), |tx, id| {
            tx.one("SELECT doc FROM persons WHERE id = ?1", id)
        })
    }
    fn person_by_identity(&mut self, key: &str) -> StoreResult<Option<Person>> {
        self.one("SELECT doc FROM persons WHERE identity_key = ?1", key)
    }
    fn put_file(&mut self, f: &ClientFile) -> StoreResult<()> {
        self.put(
            "INSERT INTO client_files (id, client, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET client = excluded.client, doc = excluded.doc",
            &f.id.to_string(),
            &[&f.client.to_string()],
            to_doc(f)?,
        )
    }
    fn file(&mut self, id: ClientFileId) -> StoreResult<Option<ClientFile>> {
        self.cached("file", id.uuid(), |tx, id| {
            tx.one("SELECT doc FROM client_files WHERE id = ?1", id)
        })
    }
    fn file_of_client(&mut self, client: PersonId) -> StoreResult<Option<ClientFile>> {
        self.one(
            "SELECT doc FROM client_files WHERE client = ?1",
            &client.to_string(),
        )
    }
    fn put_card(&mut self, c: &ClientCard) -> StoreResult<()> {
        self.put(
            "INSERT INTO client_cards (file, doc) VALUES (?1, ?2)
             ON CONFLICT(file) DO UPDATE SET doc = excluded.doc",
            &c.file.to_string(),
            &[],
            to_doc(c)?,
        )
    }
    fn card(&mut self, file: ClientFileId) -> StoreResult<Option<ClientCard>> {
        self.one(
            "SELECT doc FROM client_cards WHERE file = ?1",
            &file.to_string(),
        )
    }
    fn put_membership(&mut self, m: &Membership) -> StoreResult<()> {
        self.put(
            "INSERT INTO memberships (id, file, member, doc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, member = excluded.member, doc = excluded.doc",
            &m.id.to_string(),
            &[&m.file.to_string(), &member_key(m.member)],
            to_doc(m)?,
        )
    }
    fn memberships_of_member(&mut self, member: Member) -> StoreResult<Vec<Membership>> {
        self.many(
            "SELECT doc FROM memberships WHERE member = ?1 ORDER BY rowid",
            Some(&member_key(member)),
        )
    }
    fn membership(&mut self, id: MembershipId) -> StoreResult<Option<Membership>> {
        self.one("SELECT doc FROM memberships WHERE id = ?1", &id.to_string())
    }
    fn memberships_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Membership>> {
        self.cached("memberships", file.uuid(), |tx, key| {
            tx.many(
                "SELECT doc FROM memberships WHERE file = ?1 ORDER BY rowid",
                Some(key),
            )
        })
    }
    fn put_substitution(&mut self, s: &Substitution) -> StoreResult<()> {
        self.put(
            "INSERT INTO substitutions (id, substitute, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET substitute = excluded.substitute, doc = excluded.doc",
            &s.id.to_string(),
            &[&s.substitute.to_string()],
            to_doc(s)?,
        )
    }
    fn substitutions_by_substitute(&mut self, worker: WorkerId) -> StoreResult<Vec<Substitution>> {
        self.cached("substitutions", worker.uuid(), |tx, key| {
            tx.many(
                "SELECT doc FROM substitutions WHERE substitute = ?1 ORDER BY rowid",
                Some(key),
            )
        })
    }
    fn put_entry(&mut self, e: &Entry) -> StoreResult<()> {
        self.put(
            "INSERT INTO entries (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &e.id.to_string(),
            &[&e.file.to_string()],
            to_doc(e)?,
        )
    }
    fn entries_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Entry>> {
        self.many(
            "SELECT doc FROM entries WHERE file = ?1 ORDER BY rowid",
            Some(&file.to_string()),
        )
    }
    fn put_notification(&mut self, n: &Notification) -> StoreResult<()> {
        self.put(
            "INSERT INTO notifications (id, recipient, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET recipient = excluded.recipient, doc = excluded.doc",
            &n.id.to_string(),
            &[&recipient_key(n.recipient)],
            to_doc(n)?,
        )
    }
    fn notification(
        &mut self,
        id: teho_core::ids::NotificationId,
    ) -> StoreResult<Option<Notification>> {
        self.one(
            "SELECT doc FROM notifications WHERE id = ?1",
            &id.to_string(),
        )
    }
    fn notifications_for(&mut self, r: Recipient) -> StoreResult<Vec<Notification>> {
        self.many(
            "SELECT doc FROM notifications WHERE recipient = ?1 ORDER BY rowid",
            Some(&recipient_key(r)),
        )
    }
    fn put_breach(&mut self, b: &ComplianceBreach) -> StoreResult<()> {
        self.put(
            "INSERT INTO compliance_breaches (worker, organization, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(worker) DO UPDATE SET organization = excluded.organization, doc = excluded.doc",
            &b.worker.to_string(),
            &[&b.organization.to_string()],
            to_doc(b)?,
        )
    }
    fn breaches(&mut self, org: Option<OrganizationId>) -> StoreResult<Vec<ComplianceBreach>> {
        match org {
            Some(o) => self.many(
                "SELECT doc FROM compliance_breaches WHERE organization = ?1 ORDER BY rowid",
                Some(&o.to_string()),
            ),
            None => self.many("SELECT doc FROM compliance_breaches ORDER BY rowid", None),
        }
    }
    fn put_plan(&mut self, p: &CarePlan) -> StoreResult<()> {
        self.put(
            "INSERT INTO plans (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &p.id.to_string(),
            &[&p.file.to_string()],
            to_doc(p)?,
        )
    }
    fn plan(&mut self, id: PlanId) -> StoreResult<Option<CarePlan>> {
        self.one("SELECT doc FROM plans WHERE id = ?1", &id.to_string())
    }
    fn plans_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<CarePlan>> {
        self.many(
            "SELECT doc FROM plans WHERE file = ?1 ORDER BY rowid",
            Some(&file.to_string()),
        )
    }
    fn put_plan_item(&mut self, i: &PlanItem) -> StoreResult<()> {
        self.put(
            "INSERT INTO plan_items (id, plan, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET plan = excluded.plan, doc = excluded.doc",
            &i.id.to_string(),
            &[&i.plan.to_string()],
            to_doc(i)?,
        )
    }
    fn plan_item(&mut self, id: PlanItemId) -> StoreResult<Option<PlanItem>> {
        self.one("SELECT doc FROM plan_items WHERE id = ?1", &id.to_string())
    }
    fn items_of_plan(&mut self, plan: PlanId) -> StoreResult<Vec<PlanItem>> {
        self.many(
            "SELECT doc FROM plan_items WHERE plan = ?1 ORDER BY rowid",
            Some(&plan.to_string()),
        )
    }
    fn put_visits(&mut self, visits: &[Visit]) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO visits (id, file, plan_item, start_us, end_us, worker, provider, status, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET start_us = excluded.start_us, end_us = excluded.end_us,
                    worker = excluded.worker, provider = excluded.provider, status = excluded.status,
                    doc = excluded.doc",
            )
            .map_err(backend)?;
        for v in visits {
            stmt.execute(params![
                v.id.to_string(),
                v.file.to_string(),
                v.plan_item.map(|i| i.to_string()),
                micros(&v.start),
                micros(&v.end),
                v.worker.map(|w| w.to_string()),
                v.provider.map(|p| p.to_string()),
                format!("{:?}", v.status),
                to_doc(v)?,
            ])
            .map_err(backend)?;
        }
        Ok(())
    }
    fn visit(&mut self, id: VisitId) -> StoreResult<Option<Visit>> {
        self.one("SELECT doc FROM visits WHERE id = ?1", &id.to_string())
    }
    fn visits_of_item(&mut self, item: PlanItemId) -> StoreResult<Vec<Visit>> {
        self.many(
            "SELECT doc FROM visits WHERE plan_item = ?1 ORDER BY start_us, id",
            Some(&item.to_string()),
        )
    }
    fn visits_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        self.many_in_range(
            "SELECT doc FROM visits WHERE file = ?1 AND start_us >= ?2 AND start_us < ?3
               AND status <> 'Superseded' ORDER BY start_us, id",
            &file.to_string(),
            &from,
            &to,
        )
    }
    fn visits_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        self.many_in_range(
            "SELECT doc FROM visits WHERE worker = ?1 AND start_us >= ?2 AND start_us < ?3
               AND status <> 'Superseded' ORDER BY start_us, id",
            &worker.to_string(),
            &from,
            &to,
        )
    }
    fn busy_times(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BusyTime>> {
        // Columns only: the overlap check of every plan change reads the worker's whole
        // horizon, and decoding each visit's document was two fifths of storing one.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, start_us, end_us FROM visits
                 WHERE worker = ?1 AND start_us >= ?2 AND start_us < ?3
                   AND status IN ('Planned', 'Done')",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(
                params![worker.to_string(), micros(&from), micros(&to)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, start, end) = row.map_err(backend)?;
            out.push(BusyTime {
                visit: VisitId(
                    Uuid::parse_str(&id)
                        .map_err(|e| StoreError::Backend(format!("visit id {id:?}: {e}")))?,
                ),
                start: from_micros(start)?,
                end: from_micros(end)?,
            });
        }
        Ok(out)
    }
    fn overdue_visits(
        &mut self,
        provider: OrganizationId,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT doc FROM visits WHERE provider = ?1 AND status = 'Planned' AND end_us < ?2
                 ORDER BY start_us, id",
            )
            .map_err(backend)?;
        let docs: Vec<String> = stmt
            .query_map(params![provider.to_string(), micros(&before)], |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }
    fn put_log_entry(&mut self, e: &ServiceLogEntry) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO service_log (id, file, worker, provider, actual_start_us, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, actual_start_us = excluded.actual_start_us",
            )
            .map_err(backend)?;
        stmt.execute(params![
            e.id.to_string(),
            e.file.to_string(),
            e.worker.to_string(),
            e.provider.map(|p| p.to_string()),
            micros(&e.actual_start),
            to_doc(e)?,
        ])
        .map_err(backend)?;
        Ok(())
    }
    fn log_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.many_in_range(
            "SELECT doc FROM service_log WHERE file = ?1 AND actual_start_us >= ?2 AND actual_start_us < ?3
             ORDER BY actual_start_us, id",
            &file.to_string(),
            &from,
            &to,
        )
    }
    fn log_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.many_in_range(
            "SELECT doc FROM service_log WHERE worker = ?1 AND actual_start_us >= ?2 AND actual_start_us < ?3
             ORDER BY actual_start_us, id",
            &worker.to_string(),
            &from,
            &to,
        )
    }
    fn log_of_provider(
        &mut self,
        provider: OrganizationId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.many_in_range(
            "SELECT doc FROM service_log WHERE provider = ?1 AND actual_start_us >= ?2 AND actual_start_us < ?3
             ORDER BY actual_start_us, id",
            &provider.to_string(),
            &from,
            &to,
        )
    }
    fn put_application(&mut self, r: &Application) -> StoreResult<()> {
        self.put(
            "INSERT INTO applications (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.file.to_string()],
            to_doc(r)?,
        )
    }
    fn application(&mut self, id: ApplicationId) -> StoreResult<Option<Application>> {
        self.one(
            "SELECT doc FROM applications WHERE id = ?1",
            &id.to_string(),
        )
    }
    fn applications_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Application>> {
        self.many(
            "SELECT doc FROM applications WHERE file = ?1 ORDER BY rowid",
            Some(&key.to_string()),
        )
    }
    fn put_decision(&mut self, r: &CaseDecision) -> StoreResult<()> {
        self.put(
            "INSERT INTO decisions (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.file.to_string()],
            to_doc(r)?,
        )
    }
    fn decision(&mut self, id: DecisionId) -> StoreResult<Option<CaseDecision>> {
        self.one("SELECT doc FROM decisions WHERE id = ?1", &id.to_string())
    }
    fn decisions_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<CaseDecision>> {
        self.cached("decisions", key.uuid(), |tx, key| {
            tx.many(
                "SELECT doc FROM decisions WHERE file = ?1 ORDER BY rowid",
                Some(key),
            )
        })
    }
    fn put_contract(&mut self, r: &Contract) -> StoreResult<()> {
        self.put(
            "INSERT INTO contracts (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.file.to_string()],
            to_doc(r)?,
        )
    }
    fn contract(&mut self, id: ContractId) -> StoreResult<Option<Contract>> {
        self.one("SELECT doc FROM contracts WHERE id = ?1", &id.to_string())
    }
    fn contracts_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Contract>> {
        self.cached("contracts", key.uuid(), |tx, key| {
            tx.many(
                "SELECT doc FROM contracts WHERE file = ?1 ORDER BY rowid",
                Some(key),
            )
        })
    }
    fn put_assessment(&mut self, r: &Assessment) -> StoreResult<()> {
        self.put(
            "INSERT INTO assessments (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.file.to_string()],
            to_doc(r)?,
        )
    }
    fn assessment(&mut self, id: AssessmentId) -> StoreResult<Option<Assessment>> {
        self.one("SELECT doc FROM assessments WHERE id = ?1", &id.to_string())
    }
    fn assessments_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Assessment>> {
        self.many(
            "SELECT doc FROM assessments WHERE file = ?1 ORDER BY rowid",
            Some(&key.to_string()),
        )
    }
    fn put_referral(&mut self, r: &Referral) -> StoreResult<()> {
        self.put(
            "INSERT INTO referrals (id, patient, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET patient = excluded.patient, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.patient.to_string()],
            to_doc(r)?,
        )
    }
    fn referral(&mut self, id: ReferralId) -> StoreResult<Option<Referral>> {
        self.one("SELECT doc FROM referrals WHERE id = ?1", &id.to_string())
    }
    fn referrals_by_patient(&mut self, key: PersonId) -> StoreResult<Vec<Referral>> {
        self.cached("referrals", key.uuid(), |tx, key| {
            tx.many(
                "SELECT doc FROM referrals WHERE patient = ?1 ORDER BY rowid",
                Some(key),
            )
        })
    }
    fn persons(&mut self) -> StoreResult<Vec<Person>> {
        self.many("SELECT doc FROM persons ORDER BY rowid", None)
    }
    fn put_death(&mut self, d: &teho_core::death::DeathRecord) -> StoreResult<()> {
        self.put(
            "INSERT INTO deaths (person, doc) VALUES (?1, ?2)
             ON CONFLICT(person) DO UPDATE SET doc = excluded.doc",
            &d.person.to_string(),
            &[],
            to_doc(d)?,
        )
    }
    fn death(&mut self, person: PersonId) -> StoreResult<Option<teho_core::death::DeathRecord>> {
        self.one(
            "SELECT doc FROM deaths WHERE person = ?1",
            &person.to_string(),
        )
    }
    fn put_notice(&mut self, n: &teho_core::death::ReceivedNotice) -> StoreResult<()> {
        self.put(
            "INSERT INTO register_notices (key, doc) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET doc = excluded.doc",
            &n.notice.key(),
            &[],
            to_doc(n)?,
        )
    }
    fn notices_for_code(
        &mut self,
        code: &str,
    ) -> StoreResult<Vec<teho_core::death::ReceivedNotice>> {
        // The key starts with the personal code and a bar.
        self.many("SELECT doc FROM register_notices WHERE key >= ?1 || '|' AND key < ?1 || '}' ORDER BY key", Some(code))
    }
    fn notice(&mut self, key: &str) -> StoreResult<Option<teho_core::death::ReceivedNotice>> {
        self.one("SELECT doc FROM register_notices WHERE key = ?1", key)
    }
    fn put_disclosure(&mut self, d: &teho_core::disclosure::Disclosure) -> StoreResult<()> {
        self.put(
            "INSERT INTO disclosures (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &d.id.to_string(),
            &[&d.file.to_string()],
            to_doc(d)?,
        )
    }
    fn disclosures_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<teho_core::disclosure::Disclosure>> {
        self.many(
            "SELECT doc FROM disclosures WHERE file = ?1 ORDER BY rowid",
            Some(&file.to_string()),
        )
    }
    fn put_submission(
        &mut self,
        key: &str,
        sub: &teho_core::report::ReportSubmission,
    ) -> StoreResult<()> {
        self.put(
            "INSERT INTO report_submissions (key, doc) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET doc = excluded.doc",
            key,
            &[],
            to_doc(sub)?,
        )
    }
    fn submission(
        &mut self,
        key: &str,
    ) -> StoreResult<Option<teho_core::report::ReportSubmission>> {
        self.one("SELECT doc FROM report_submissions WHERE key = ?1", key)
    }
    fn put_restriction(&mut self, r: &teho_core::file::AccessRestriction) -> StoreResult<()> {
        self.put(
            "INSERT INTO restrictions (id, file, doc) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET file = excluded.file, doc = excluded.doc",
            &r.id.to_string(),
            &[&r.file.to_string()],
            to_doc(r)?,
        )
    }
    fn restrictions_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<teho_core::file::AccessRestriction>> {
        self.many(
            "SELECT doc FROM restrictions WHERE file = ?1 ORDER BY rowid",
            Some(&file.to_string()),
        )
    }
    fn files(&mut self) -> StoreResult<Vec<ClientFile>> {
        self.many("SELECT doc FROM client_files ORDER BY rowid", None)
    }
    fn all_visits_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Visit>> {
        self.many(
            "SELECT doc FROM visits WHERE file = ?1 ORDER BY start_us, id",
            Some(&file.to_string()),
        )
    }
    fn put_hold(&mut self, h: &teho_core::retention::Hold) -> StoreResult<()> {
        self.put(
            "INSERT INTO holds (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            &h.id.to_string(),
            &[],
            to_doc(h)?,
        )
    }
    fn holds(&mut self) -> StoreResult<Vec<teho_core::retention::Hold>> {
        self.many("SELECT doc FROM holds ORDER BY rowid", None)
    }
    fn put_act(&mut self, a: &teho_core::retention::DestructionAct) -> StoreResult<()> {
        self.put(
            "INSERT INTO destruction_acts (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            &a.id.to_string(),
            &[],
            to_doc(a)?,
        )
    }
    fn act(
        &mut self,
        id: teho_core::ids::DestructionActId,
    ) -> StoreResult<Option<teho_core::retention::DestructionAct>> {
        self.one(
            "SELECT doc FROM destruction_acts WHERE id = ?1",
            &id.to_string(),
        )
    }
    fn destroy(&mut self, r: teho_core::retention::RecordRef) -> StoreResult<bool> {
        use teho_core::retention::RecordRef;
        let (table, id) = match r {
            RecordRef::Entry(id) => ("entries", id.to_string()),
            RecordRef::Visit(id) => ("visits", id.to_string()),
            RecordRef::LogEntry(id) => ("service_log", id.to_string()),
            RecordRef::Assessment(id) => ("assessments", id.to_string()),
        };
        let n = self
            .conn
            .execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])
            .map_err(backend)?;
        Ok(n > 0)
    }
    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .map_err(backend)?;
        stmt.query_row([], |r| {
            Ok(ChainHead {
                seq: r.get::<_, i64>(0)? as u64,
                hash: r.get(1)?,
            })
        })
        .optional()
        .map_err(backend)
    }
    fn append_audit(&mut self, e: &AuditEntry) -> StoreResult<()> {
        let role = e.actor.role.map(|r| to_doc(&r)).transpose()?;
        let decision = to_doc(&e.decision)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO audit_log (seq, at, actor_id, actor_name, actor_code, actor_role,
                    actor_org, operation, object, file, purpose, decision, outcome,
                    content_digest, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .map_err(backend)?;
        stmt.execute(params![
            e.seq as i64,
            instant(&e.at),
            e.actor.id,
            e.actor.name,
            e.actor.personal_code,
            role,
            e.actor.organization.map(|o| o.to_string()),
            e.operation,
            e.object,
            e.file.map(|f| f.to_string()),
            e.purpose,
            decision,
            e.outcome,
            e.content_digest,
            e.prev_hash,
            e.hash,
        ])
        .map_err(backend)?;
        self.audit_rows += 1;
        Ok(())
    }
    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.audit_where(
            "seq >= ?1 ORDER BY seq LIMIT ?2",
            params![from as i64, limit as i64],
        )
    }
    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        self.audit_where("file = ?1 ORDER BY seq", params![file.to_string()])
    }
    fn commit(mut self) -> StoreResult<()> {
        let written = self.conn.total_changes() - self.changes_at_begin;
        if self.query && written != self.audit_rows {
            // The engine's own error: dropping `self` rolls the transaction back.
            return Err(StoreError::Backend(format!(
                "a query wrote {} row(s) besides its {} audit entry(ies); rolled back",
                written.saturating_sub(self.audit_rows),
                self.audit_rows
            )));
        }
        run(
            &self.conn,
            if self.nested {
                "RELEASE teho_call"
            } else {
                "COMMIT"
            },
        )?;
        self.open = false;
        if written > self.audit_rows {
            self.conn.0.cache.entries.clear();
        }
        if let Some(sync) = self.sync.filter(|_| written > 0) {
            if self.conn.0.synchronous_full {
                sync.committed_synced();
            } else {
                sync.committed_unsynced();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use rusqlite::StatementStatus;

    #[test]
    fn a_cached_statement_is_not_planned_again_when_reused() {
        // The shape of most of the store's lookups. Without the planner stability
        // guarantee SQLite re-prepares it on every reuse from rusqlite's cache.
        let store = SqliteStore::open_memory().unwrap();
        let (conn, _) = store.connection();
        let sql = "SELECT doc FROM contracts WHERE file = ?1 ORDER BY rowid";
        for file in ["a", "b", "c", "d"] {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let docs: Vec<String> = stmt
                .query_map([file], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(docs.is_empty());
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{file}");
        }
    }

    /// The audit entry a query appends (the chain's contents do not matter here).
    fn entry(seq: u64) -> AuditEntry {
        AuditEntry {
            seq,
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            actor: teho_core::audit::ActorRef {
                id: "system".into(),
                name: "operator".into(),
                personal_code: String::new(),
                role: None,
                organization: None,
            },
            operation: "calendar.worker".into(),
            object: String::new(),
            file: None,
            purpose: String::new(),
            decision: teho_core::audit::AuditDecision::NotDecided,
            outcome: "ok".into(),
            content_digest: String::new(),
            prev_hash: String::new(),
            hash: format!("h{seq}"),
        }
    }

    fn synchronous(tx: &SqliteTx<'_>) -> i64 {
        tx.conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    const ORG: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

    fn put_org(tx: &SqliteTx<'_>, kind: &str) {
        tx.conn
            .execute(
                "INSERT INTO organizations (id, kind, doc) VALUES (?1, ?2, '{}')
                 ON CONFLICT(id) DO UPDATE SET kind = excluded.kind",
                params![ORG, kind],
            )
            .unwrap();
    }

    fn org_id() -> OrganizationId {
        OrganizationId(ORG.parse().unwrap())
    }

    #[test]
    fn a_query_that_writes_more_than_its_audit_entry_is_refused_and_rolled_back() {
        let store = SqliteStore::open_memory().unwrap();
        let mut tx = store.begin_query().unwrap();
        tx.append_audit(&entry(1)).unwrap();
        put_org(&tx, "Municipality");
        let e = tx.commit().unwrap_err().to_string();
        assert!(
            e.contains("a query wrote 1 row(s) besides its 1 audit entry"),
            "{e}"
        );
        let mut tx = store.begin().unwrap();
        assert_eq!(tx.organization_kind(org_id()).unwrap(), None);
        assert_eq!(tx.audit_head().unwrap(), None, "the audit entry went too");
        drop(tx);
        // A query that appends only its entry commits.
        let mut tx = store.begin_query().unwrap();
        tx.append_audit(&entry(1)).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn the_read_cache_sees_another_connections_commit_and_the_stores_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path).unwrap();
        let tx = store.begin().unwrap();
        put_org(&tx, "Municipality");
        tx.commit().unwrap();
        let kind = |store: &SqliteStore| {
            let mut tx = store.begin_query().unwrap();
            let k = tx.organization_kind(org_id()).unwrap();
            tx.commit().unwrap();
            k
        };
        assert_eq!(kind(&store), Some(OrganizationKind::Municipality));
        // Cached now: the same read again does not reach the table.
        assert_eq!(kind(&store), Some(OrganizationKind::Municipality));
        // Another connection (another process, say) changes it.
        let other = Connection::open(&path).unwrap();
        other
            .execute(
                "UPDATE organizations SET kind = 'CareHome' WHERE id = ?1",
                [ORG],
            )
            .unwrap();
        assert_eq!(kind(&store), Some(OrganizationKind::CareHome));
        // The store's own command changes it.
        let tx = store.begin().unwrap();
        put_org(&tx, "HomeCareProvider");
        tx.commit().unwrap();
        assert_eq!(kind(&store), Some(OrganizationKind::HomeCareProvider));
        // A command does not read through the cache, even before it writes.
        other
            .execute(
                "UPDATE organizations SET kind = 'Municipality' WHERE id = ?1",
                [ORG],
            )
            .unwrap();
        let mut tx = store.begin().unwrap();
        assert_eq!(
            tx.organization_kind(org_id()).unwrap(),
            Some(OrganizationKind::Municipality)
        );
    }

    #[test]
    fn a_querys_commit_reaches_the_disk_within_the_delay_and_a_commands_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        assert_eq!(store.query_sync_delay(), Some(DEFAULT_QUERY_SYNC_DELAY));
        let sync = Arc::clone(&store.query_sync.as_ref().unwrap().0);
        store.set_query_sync_delay(Some(Duration::from_secs(3600)));
        let mut tx = store.begin_query().unwrap();
        assert_eq!(synchronous(&tx), 1, "NORMAL: the commit does not wait");
        tx.append_audit(&entry(1)).unwrap();
        tx.commit().unwrap();
        assert_eq!(sync.observe(), (true, 0), "pending, not synced yet");
        // A command waits for the disk, which syncs the query's commit with it.
        let mut tx = store.begin().unwrap();
        assert_eq!(synchronous(&tx), 2, "FULL");
        tx.append_audit(&entry(2)).unwrap();
        tx.commit().unwrap();
        assert_eq!(sync.observe(), (false, 0));
        // Within the delay the thread syncs it.
        store.set_query_sync_delay(Some(Duration::from_millis(20)));
        let mut tx = store.begin_query().unwrap();
        tx.append_audit(&entry(3)).unwrap();
        tx.commit().unwrap();
        assert!(sync.wait_synced(Duration::from_secs(30)), "never synced");
        assert_eq!(sync.observe(), (false, 1));
        // No delay: a query's commit waits for the disk as a command's does.
        store.set_query_sync_delay(None);
        let mut tx = store.begin_query().unwrap();
        assert_eq!(synchronous(&tx), 2);
        tx.append_audit(&entry(4)).unwrap();
        tx.commit().unwrap();
        assert_eq!(sync.observe(), (false, 1));
        // Dropping the store syncs what is pending.
        store.set_query_sync_delay(Some(Duration::from_secs(3600)));
        let mut tx = store.begin_query().unwrap();
        tx.append_audit(&entry(5)).unwrap();
        tx.commit().unwrap();
        assert_eq!(sync.observe(), (true, 1));
        drop(store);
        assert_eq!(sync.observe(), (false, 2));
    }

    #[test]
    fn a_files_access_log_is_read_through_the_partial_index() {
        let store = SqliteStore::open_memory().unwrap();
        let tx = store.begin().unwrap();
        let plan: Vec<String> = tx
            .conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT seq, hash FROM audit_log WHERE file = ?1 ORDER BY seq",
            )
            .unwrap()
            .query_map(["f"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("INDEX audit_by_file (file=?)")),
            "{plan:?}"
        );
    }

    #[test]
    fn an_in_memory_store_has_nothing_to_sync() {
        let store = SqliteStore::open_memory().unwrap();
        store.set_query_sync_delay(Some(Duration::from_millis(5)));
        assert_eq!(store.query_sync_delay(), None);
        let tx = store.begin_query().unwrap();
        assert_eq!(synchronous(&tx), 2);
    }
}
