//! [`PostgresStore`]: the engine's store on a PostgreSQL server, for a city whose many
//! systems — district offices, home-care and home-nursing providers, a care home,
//! hospital social workers — work on one shared client file at once (issue 18).
//!
//! The concurrency model, in short (ARCHITECTURE.md has it whole):
//! - A **command** runs in one `READ COMMITTED` transaction that first locks the chain's
//!   head row (`SELECT … FROM audit_head … FOR UPDATE`). Every writer takes that one lock
//!   first, so commands are serialised across every process and connection, as SQLite's
//!   single writer serialises them, and no two units ever seal after the same head.
//! - A **query** reads in a `REPEATABLE READ` snapshot and writes only its audit entry:
//!   in place when the head has not moved since its snapshot began, else — PostgreSQL
//!   then reports a serialization failure — in a short `READ COMMITTED` transaction of
//!   its own. Serialization failures and deadlocks (SQLSTATE 40001, 40P01) are retried
//!   inside the store a bounded number of times ([`PostgresStore::with_max_attempts`]),
//!   then reported as a typed storage error.
//! - The chain's `seq` comes from the head row, never from a sequence or a clock; a
//!   unique `prev_hash` and the head's one-step-forward trigger guard against a fork.
//!   No advisory locks, no LISTEN/NOTIFY: the schema stays within what PostgreSQL-
//!   compatible distributed engines offer.

mod rows;
mod schema;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};
use teho_core::audit::{AuditEntry, ChainHead, NewAuditEntry};
use teho_core::ids::ClientFileId;
use teho_core::store::{
    Admission, BatchId, Filter, Kind, Row, Store, StoreError, StoreResult, StoreTx, Unit, UnitKind,
    admit,
};
use uuid::Uuid;

pub use schema::{SCHEMA_STEPS, SCHEMA_VERSION};

type Pooled = r2d2::PooledConnection<Manager>;

/// Opens connections for the pool: each a client with its own cache of prepared
/// statements (a statement is parsed once per connection, not at every call — half the
/// round trips of a statement).
#[derive(Debug)]
struct Manager {
    config: postgres::Config,
}

/// A pooled connection: the client and its prepared statements by SQL text.
pub(crate) struct Conn {
    client: Client,
    statements: std::collections::HashMap<String, Statement>,
}

impl Conn {
    /// The statement of `sql`, prepared on this connection once.
    pub(crate) fn cached(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(NoTls)?,
            statements: std::collections::HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// Attempts of a unit's audit append that meets serialization failures or deadlocks,
/// by default, before the error reaches the caller.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Connections a store keeps open to the server at most.
const POOL_SIZE: u32 = 8;

/// How long a unit waits for a connection from the pool (or the server) before failing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A PostgreSQL error as a store error: its SQLSTATE and message (the server's messages
/// name tables and constraints, not values).
pub(crate) fn pg_error(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(d) => StoreError::Backend(format!("PostgreSQL {}: {}", d.code().code(), d.message())),
        None => StoreError::Backend(format!("PostgreSQL: {e}")),
    }
}

/// A serialization failure or a deadlock: the transaction may succeed when run again.
fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// The open batch: its id, the thread that opened it, and the connection its
/// transaction runs on.
#[derive(Default)]
struct BatchState {
    open: Option<(BatchId, ThreadId)>,
    conn: Option<Pooled>,
    made: u64,
    /// A destruction inside the open batch asked for compaction: done once it commits.
    compact_after: bool,
}

/// A TEHO store on a PostgreSQL server: one schema (the connection's `search_path`,
/// `public` unless the URL says otherwise) holds one TEHO installation. Many processes
/// may open it at once; each keeps a small pool of connections.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    batch: Mutex<BatchState>,
    batch_ended: Condvar,
    retries: AtomicU64,
    max_attempts: u32,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("retries", &self.retries.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Whether `text` names a PostgreSQL database (`postgresql://…` or `postgres://…`)
/// rather than a file.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

/// `base` (a `postgresql://` URL) with its connections' `search_path` set to `schema`,
/// which is made when missing: an installation of its own on a shared server (a test, a
/// district). The name is a plain identifier (ASCII letters, digits, `_`, not starting
/// with a digit), or [`StoreError::NotATehoDatabase`] naming it, with nothing made.
pub fn url_in_schema(base: &str, schema: &str) -> StoreResult<String> {
    let plain = schema
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && schema.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && schema.len() <= 63;
    if !plain {
        return Err(StoreError::NotATehoDatabase {
            problem: format!("schema name {schema:?} is not a plain identifier"),
        });
    }
    let config: postgres::Config = base.parse().map_err(|e| StoreError::NotATehoDatabase {
        problem: format!("not a PostgreSQL URL: {e}"),
    })?;
    let mut client = config.connect(NoTls).map_err(pg_error)?;
    client
        .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .map_err(pg_error)?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}options=-csearch_path%3D{schema}"))
}

impl PostgresStore {
    /// Opens the TEHO installation in the database at `url` (a `postgresql://` URL;
    /// `?options=-csearch_path%3Dteho` picks a schema other than `public`) and brings
    /// its schema up to date. A database schema without TEHO's tables is
    /// [`StoreError::NotATehoDatabase`]: only [`PostgresStore::create`] makes them.
    pub fn open(url: &str) -> StoreResult<Self> {
        let store = Self::connect(url)?;
        let mut client = store.client()?;
        match schema::version(&mut client)? {
            None => {
                return Err(StoreError::NotATehoDatabase {
                    problem: "the database schema holds no TEHO tables".into(),
                });
            }
            Some(_) => schema::migrate(&mut client)?,
        }
        drop(client);
        Ok(store)
    }

    /// Makes TEHO's tables in the database at `url`, whose schema must hold no table
    /// yet ([`StoreError::FileNotEmpty`] otherwise, and nothing is changed), and opens it.
    pub fn create(url: &str) -> StoreResult<Self> {
        let store = Self::connect(url)?;
        let mut client = store.client()?;
        schema::create(&mut client)?;
        drop(client);
        Ok(store)
    }

    fn connect(url: &str) -> StoreResult<Self> {
        let config: postgres::Config = url.parse().map_err(|e| StoreError::NotATehoDatabase {
            problem: format!("not a PostgreSQL URL: {e}"),
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_TIMEOUT)
            .build(Manager { config })
            .map_err(|e| StoreError::Backend(format!("PostgreSQL: {e}")))?;
        Ok(Self {
            pool,
            batch: Mutex::new(BatchState::default()),
            batch_ended: Condvar::new(),
            retries: AtomicU64::new(0),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        })
    }

    /// Retries a unit's audit append at most `attempts` times (at least 1) when it meets
    /// a serialization failure or a deadlock.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How many times a transaction was run again after a serialization failure or a
    /// deadlock, since the store was opened.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    fn client(&self) -> StoreResult<Pooled> {
        self.pool
            .get()
            .map_err(|e| StoreError::Backend(format!("PostgreSQL: no connection: {e}")))
    }

    fn lock(&self) -> MutexGuard<'_, BatchState> {
        self.batch.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Locks the chain's head row and returns it (`None` before the first entry).
fn lock_head(client: &mut Conn) -> Result<Option<ChainHead>, postgres::Error> {
    let stmt = client.cached("SELECT seq, hash FROM audit_head WHERE chain = 1 FOR UPDATE")?;
    let row = client.query_one(&stmt, &[])?;
    let seq: i64 = row.get(0);
    Ok((seq > 0).then(|| ChainHead {
        seq: seq as u64,
        hash: row.get(1),
    }))
}

/// Seals `entry` after the locked head and appends it: the log row, a row per file it is
/// about, the head moved one forward.
fn append_locked(client: &mut Conn, entry: NewAuditEntry) -> Result<AuditEntry, AppendError> {
    let head = lock_head(client)?;
    let sealed = entry.seal(head.as_ref());
    let seq = i64::try_from(sealed.seq).map_err(|_| {
        AppendError::Store(StoreError::corrupt("audit_log", sealed.seq, "too long"))
    })?;
    let json = serde_json::to_value(&sealed).map_err(|e| {
        AppendError::Store(StoreError::corrupt(
            "audit_log",
            sealed.seq,
            format!("encoding: {e}"),
        ))
    })?;
    let insert = client.cached(
        "INSERT INTO audit_log (seq, prev_hash, hash, file, entry) VALUES ($1, $2, $3, $4, $5)",
    )?;
    client.execute(
        &insert,
        &[
            &seq,
            &sealed.prev_hash,
            &sealed.hash,
            &sealed.file.map(|f| f.0),
            &json,
        ],
    )?;
    let mut files: Vec<Uuid> = sealed
        .file
        .iter()
        .chain(&sealed.disclosed)
        .map(|f| f.0)
        .collect();
    files.sort();
    files.dedup();
    if !files.is_empty() {
        let stmt = client.cached(
            "INSERT INTO audit_files (file, seq) SELECT f, $2 FROM unnest($1::uuid[]) AS f",
        )?;
        client.execute(&stmt, &[&files, &seq])?;
    }
    let stmt = client.cached("UPDATE audit_head SET seq = $1, hash = $2 WHERE chain = 1")?;
    client.execute(&stmt, &[&seq, &sealed.hash])?;
    Ok(sealed)
}

enum AppendError {
    Pg(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for AppendError {
    fn from(e: postgres::Error) -> Self {
        Self::Pg(e)
    }
}

impl Store for PostgresStore {
    fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>> {
        let mut guard = self.lock();
        loop {
            match admit(guard.open, unit.batch)? {
                Admission::Alone => break,
                Admission::InBatch => {
                    let client = guard.conn.as_mut().ok_or_else(|| StoreError::Batch {
                        batch: unit.batch.map_or(0, |b| b.0),
                        problem: "has no connection".into(),
                    })?;
                    client
                        .batch_execute("SAVEPOINT teho_call")
                        .map_err(pg_error)?;
                    return Ok(Box::new(PgTx {
                        store: self,
                        held: Held::Batch(guard),
                        query: unit.kind == UnitKind::Query,
                        nested: true,
                        rows_written: 0,
                        open: true,
                    }));
                }
                Admission::Wait => {
                    guard = self
                        .batch_ended
                        .wait(guard)
                        .unwrap_or_else(|p| p.into_inner());
                }
            }
        }
        drop(guard);
        let mut conn = self.client()?;
        let query = unit.kind == UnitKind::Query;
        if query {
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                .map_err(pg_error)?;
        } else {
            conn.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                .map_err(pg_error)?;
            if let Err(e) = lock_head(&mut conn) {
                let _ = conn.batch_execute("ROLLBACK");
                return Err(pg_error(e));
            }
        }
        Ok(Box::new(PgTx {
            store: self,
            held: Held::Own(Box::new(conn)),
            query,
            nested: false,
            rows_written: 0,
            open: true,
        }))
    }

    /// One `READ COMMITTED` transaction holding the chain's head lock around the
    /// batch's units, each a savepoint inside it. Other callers of this store wait until
    /// it closes; other processes' writers wait at the head lock.
    fn open_batch(&self) -> StoreResult<BatchId> {
        let mut guard = self.lock();
        while guard.open.is_some() {
            if guard
                .open
                .is_some_and(|(_, t)| t == std::thread::current().id())
            {
                return Err(StoreError::Batch {
                    batch: guard.open.map_or(0, |(b, _)| b.0),
                    problem: "a batch was opened inside it, on its thread".into(),
                });
            }
            guard = self
                .batch_ended
                .wait(guard)
                .unwrap_or_else(|p| p.into_inner());
        }
        let mut conn = self.client()?;
        conn.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            .map_err(pg_error)?;
        if let Err(e) = lock_head(&mut conn) {
            let _ = conn.batch_execute("ROLLBACK");
            return Err(pg_error(e));
        }
        guard.made += 1;
        let id = BatchId(guard.made);
        guard.open = Some((id, std::thread::current().id()));
        guard.conn = Some(conn);
        Ok(id)
    }

    fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()> {
        let mut guard = self.lock();
        if guard.open.map(|(b, _)| b) != Some(batch) {
            return Err(StoreError::Batch {
                batch: batch.0,
                problem: "is not open".into(),
            });
        }
        guard.open = None;
        let result = match guard.conn.take() {
            Some(mut conn) => {
                let r = conn
                    .batch_execute(if commit { "COMMIT" } else { "ROLLBACK" })
                    .map_err(pg_error);
                if r.is_err() {
                    let _ = conn.batch_execute("ROLLBACK");
                }
                r
            }
            None => Err(StoreError::Batch {
                batch: batch.0,
                problem: "has no connection".into(),
            }),
        };
        let compact = std::mem::take(&mut guard.compact_after) && commit && result.is_ok();
        drop(guard);
        self.batch_ended.notify_all();
        result?;
        if compact {
            self.compact()?;
        }
        Ok(())
    }

    /// After a destruction: rewrites the tables records are destroyed from (`VACUUM
    /// (FULL)`: a fresh copy of the live rows; the old files are removed) and forces a
    /// checkpoint, so that the destroyed content is gone from the table files. The
    /// write-ahead log — and any archive of it — keeps the old pages until they are
    /// recycled: ARCHITECTURE.md says what an operator must do about that. The rewrite
    /// locks those tables for its length. Inside a batch it waits until the batch has
    /// committed (the batch holds locks the rewrite needs).
    fn compact(&self) -> StoreResult<()> {
        {
            let mut guard = self.lock();
            if guard.open.is_some() {
                guard.compact_after = true;
                return Ok(());
            }
        }
        let mut client = self.client()?;
        // One statement a call: several in one message run as one transaction block,
        // where VACUUM may not.
        for sql in [
            "SET lock_timeout = '60s'",
            "VACUUM (FULL) entries, visits, service_log, assessments",
            "RESET lock_timeout",
        ] {
            client.batch_execute(sql).map_err(pg_error)?;
        }
        client.batch_execute("CHECKPOINT").map_err(|e| {
            StoreError::Backend(format!(
                "{}: the destroyed records are gone from the tables, but the server was not \
                 checkpointed; grant the pg_checkpoint role to TEHO's database user",
                pg_error(e)
            ))
        })
    }
}

/// The connection a unit works on: its own from the pool, or the open batch's.
enum Held<'s> {
    Own(Box<Pooled>),
    Batch(MutexGuard<'s, BatchState>),
}

/// One unit of work on PostgreSQL. Dropped without commit, it rolls back.
struct PgTx<'s> {
    store: &'s PostgresStore,
    held: Held<'s>,
    query: bool,
    /// A savepoint inside the open batch.
    nested: bool,
    rows_written: u64,
    open: bool,
}

impl PgTx<'_> {
    fn client(&mut self) -> StoreResult<&mut Conn> {
        match &mut self.held {
            Held::Own(c) => Ok(&mut ***c),
            Held::Batch(g) => {
                let batch = g.open.map_or(0, |(b, _)| b.0);
                g.conn.as_deref_mut().ok_or(StoreError::Batch {
                    batch,
                    problem: "closed while a call inside it was running".into(),
                })
            }
        }
    }

    fn wrote(&mut self) {
        self.rows_written += 1;
    }
}

impl StoreTx for PgTx<'_> {
    fn get(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>> {
        rows::get(self.client()?, kind, id)
    }

    fn find(&mut self, kind: &'static Kind, filter: &Filter) -> StoreResult<Vec<Row>> {
        rows::find(self.client()?, kind, filter)
    }

    fn insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        rows::insert(self.client()?, kind, row)?;
        self.wrote();
        Ok(())
    }

    fn update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        rows::update(self.client()?, kind, row)?;
        self.wrote();
        Ok(())
    }

    fn destroy(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<bool> {
        let was = rows::destroy(self.client()?, kind, id)?;
        self.wrote();
        Ok(was)
    }

    /// Sealed under the head row's lock: a command and a batch hold it from their
    /// beginning; a query takes it in its snapshot when the head has not moved since,
    /// else in a fresh transaction, retried on serialization failures and deadlocks.
    fn append_audit(&mut self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let max = self.store.max_attempts;
        let mut attempt = 1;
        loop {
            let client = self.client()?;
            match append_locked(client, entry.clone()) {
                Ok(sealed) => return Ok(sealed),
                Err(AppendError::Store(e)) => return Err(e),
                // Only a query's append is run again: it wrote nothing else that a
                // rollback could lose. A command holds the head lock from its start.
                Err(AppendError::Pg(e)) if retryable(&e) && self.query && !self.nested => {
                    if attempt >= max {
                        return Err(StoreError::Backend(format!(
                            "the audit chain stayed contended: {} after {attempt} attempt(s)",
                            pg_error(e)
                        )));
                    }
                    // Run again in a fresh transaction that sees every commit.
                    let client = self.client()?;
                    let _ = client.batch_execute("ROLLBACK");
                    client
                        .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                        .map_err(pg_error)?;
                    self.store.retries.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                Err(AppendError::Pg(e)) => return Err(pg_error(e)),
            }
        }
    }

    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        let client = self.client()?;
        let stmt = client
            .cached("SELECT seq, hash FROM audit_head WHERE chain = 1")
            .map_err(pg_error)?;
        let row = client.query_one(&stmt, &[]).map_err(pg_error)?;
        let seq: i64 = row.get(0);
        let hash: String = row.get(1);
        Ok((seq > 0).then_some(ChainHead {
            seq: seq as u64,
            hash,
        }))
    }

    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client()?;
        let stmt = client
            .cached("SELECT seq, entry FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .map_err(pg_error)?;
        let rows = client.query(&stmt, &[&from, &limit]).map_err(pg_error)?;
        rows.iter().map(entry_of).collect()
    }

    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        let client = self.client()?;
        let stmt = client
            .cached(
                "SELECT l.seq, l.entry FROM audit_files f JOIN audit_log l ON l.seq = f.seq
                 WHERE f.file = $1 ORDER BY f.seq",
            )
            .map_err(pg_error)?;
        let rows = client.query(&stmt, &[&file.0]).map_err(pg_error)?;
        rows.iter().map(entry_of).collect()
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.query && self.rows_written > 0 {
            return Err(StoreError::Backend(format!(
                "a query wrote {} row(s) besides its audit entry; rolled back",
                self.rows_written
            )));
        }
        let sql = if self.nested {
            "RELEASE SAVEPOINT teho_call"
        } else {
            "COMMIT"
        };
        let r = self.client()?.batch_execute(sql).map_err(pg_error);
        if r.is_ok() {
            self.open = false;
        }
        r
    }
}

/// An audit entry read back from its row.
fn entry_of(row: &postgres::Row) -> StoreResult<AuditEntry> {
    let seq: i64 = row.get(0);
    let json: serde_json::Value = row
        .try_get(1)
        .map_err(|e| StoreError::corrupt("audit_log", seq, format!("entry: {e}")))?;
    serde_json::from_value(json)
        .map_err(|e| StoreError::corrupt("audit_log", seq, format!("entry: {e}")))
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let nested = self.nested;
        if let Ok(client) = self.client() {
            let _ = client.batch_execute(if nested {
                "ROLLBACK TO SAVEPOINT teho_call; RELEASE SAVEPOINT teho_call"
            } else {
                "ROLLBACK"
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_name_that_is_not_a_plain_identifier_is_refused_naming_it() {
        for bad in ["", "1st", "a;DROP TABLE x", "ä", "a-b", &"x".repeat(64)] {
            match url_in_schema("postgresql://nobody@127.0.0.1:1/none", bad) {
                Err(StoreError::NotATehoDatabase { problem }) => {
                    assert!(problem.contains(&format!("{bad:?}")), "{problem}");
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn only_postgresql_urls_name_a_server() {
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(!is_postgres_url("teho.db"));
        assert!(!is_postgres_url("/var/lib/postgresql/teho.db"));
    }
}
