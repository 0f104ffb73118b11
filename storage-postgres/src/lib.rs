//! [`PostgresStore`]: the engine's store on a PostgreSQL server, for a city whose many
//! systems — district offices, home-care and home-nursing providers, a care home,
//! hospital social workers — work on one shared client file at once (issue 18).
//!
//! The concurrency model, in short (ARCHITECTURE.md has it whole):
//! - A **command** runs in one `READ COMMITTED` transaction that first locks the chain's
//!   head row (`SELECT … FROM audit_head … FOR UPDATE`). Every writer takes that one lock
//!   first, so commands are serialised across every process and connection, as SQLite's
//!   single writer serialises them, and no two units ever seal after the same head.
//! - A **query** reads in a `REPEATABLE READ` snapshot, holding no lock; then, having
//!   written nothing, it ends the snapshot and appends its audit entry in a
//!   `READ COMMITTED` transaction that takes the head lock (one round trip: `COMMIT;
//!   BEGIN …; SELECT … FOR UPDATE`), after whatever others appended while it read.
//!   Serialization failures and deadlocks (SQLSTATE 40001, 40P01) met by that append —
//!   a deadlock with an operator's transaction, say — are retried inside the store a
//!   bounded number of times ([`PostgresStore::with_max_attempts`]), then reported as a
//!   typed storage error.
//! - The chain's `seq` comes from the head row, never from a sequence or a clock; a
//!   unique `prev_hash` and the head row's trigger (forward only, onto the log's last
//!   entry) guard against a fork.
//!   No advisory locks, no LISTEN/NOTIFY: the schema stays within what PostgreSQL-
//!   compatible distributed engines offer.

mod rows;
mod schema;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls, SimpleQueryMessage, Statement};
use teho_core::audit::{AuditEntry, ChainHead, NewAuditEntry};
use teho_core::ids::ClientFileId;
use teho_core::store::{
    Admission, BatchId, Filter, Kind, ReadCache, Row, Store, StoreError, StoreResult, StoreTx,
    Unit, UnitKind, admit,
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

/// A pooled connection: the client, its prepared statements by SQL text, and the
/// records its queries decoded, kept while the data version they were read at holds.
pub(crate) struct Conn {
    client: Client,
    statements: std::collections::HashMap<String, Statement>,
    /// Records decoded by queries on this connection ([`StoreTx::read_cache`]).
    cache: ReadCache,
    /// The `teho_data_version` the cache was filled at.
    cache_version: Option<i64>,
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
            cache: ReadCache::default(),
            cache_version: None,
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
    /// The open batch's chain head: locked at its start, moved by its units' entries,
    /// written to the head row once, when it commits.
    head: Option<ChainHead>,
    /// Whether an entry was appended in the open batch (the head row is then written).
    moved: bool,
    /// The last unit committed into the open batch left its savepoint to be released
    /// with the next unit's begin (or the batch's commit): one round trip less a call.
    pending_release: bool,
    /// A unit committed into the open batch wrote a record (the data version is bumped
    /// as the batch commits).
    wrote: bool,
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
            .test_on_check_out(false)
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

    /// A pooled connection with a transaction begun by `sql` (simple-query text:
    /// `BEGIN …`, and a statement after it whose rows the caller wants), and those rows.
    /// The pool does not test a connection as it hands it out (a round trip at every
    /// call): this first statement is the test. A connection the server closed meanwhile
    /// (a restart, an idle timeout) is dropped and the work begun once more on a fresh one.
    fn begin_with(&self, sql: &str) -> StoreResult<(Pooled, Vec<SimpleQueryMessage>)> {
        let mut conn = self.client()?;
        match conn.simple_query(sql) {
            Ok(rows) => Ok((conn, rows)),
            Err(e) if conn.is_closed() || e.is_closed() => {
                // A closed connection is discarded as it goes back (`has_broken`).
                drop(conn);
                let mut conn = self.client()?;
                let rows = conn.simple_query(sql).map_err(pg_error)?;
                Ok((conn, rows))
            }
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(pg_error(e))
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, BatchState> {
        self.batch.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A transaction that begins by locking the chain's head row and reads the data version
/// (nobody else's command can commit while the lock is held): one round trip.
const BEGIN_LOCKED: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; \
     SET LOCAL teho.engine = 'on'; \
     SELECT seq, hash FROM audit_head WHERE chain = 1 FOR UPDATE; \
     SELECT n FROM teho_data_version";

/// Empties the connection's read cache when it was filled at another data version.
fn check_cache(conn: &mut Conn, version: i64) {
    if conn.cache_version != Some(version) {
        conn.cache.clear();
        conn.cache_version = Some(version);
    }
}

/// Forgets the connection's read cache (a batch's own writes, or its end).
fn drop_cache(conn: &mut Conn) {
    conn.cache.clear();
    conn.cache_version = None;
}

/// A query's snapshot, begun with the data version it sees: one round trip.
const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ; \
     SELECT n FROM teho_data_version";

/// The first row a simple query returned.
fn first_row<'r>(
    rows: &'r [SimpleQueryMessage],
    table: &'static str,
) -> StoreResult<&'r postgres::SimpleQueryRow> {
    rows.iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .ok_or_else(|| StoreError::corrupt(table, 1, "no row"))
}

/// The data version [`BEGIN_SNAPSHOT`] or [`BEGIN_LOCKED`] returned: the row of the last
/// statement.
fn version_of(rows: &[SimpleQueryMessage]) -> StoreResult<i64> {
    let last = rows
        .iter()
        .rposition(|m| matches!(m, SimpleQueryMessage::Row(_)))
        .unwrap_or(0);
    first_row(&rows[last..], "teho_data_version")?
        .get(0)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| StoreError::corrupt("teho_data_version", 1, "not a count"))
}

/// The head row [`BEGIN_LOCKED`] returned (`None` before the first entry).
fn head_of(rows: &[SimpleQueryMessage]) -> StoreResult<Option<ChainHead>> {
    let bad = |what: &str| StoreError::corrupt("audit_head", 1, what.to_string());
    let row = first_row(rows, "audit_head")?;
    let seq: u64 = row
        .get(0)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad("seq is not a count"))?;
    let hash = row.get(1).ok_or_else(|| bad("no hash"))?.to_string();
    Ok((seq > 0).then_some(ChainHead { seq, hash }))
}

/// The text that commits, in one round trip: the data version bumped when the
/// transaction wrote a record (`wrote`), the head row written onto `head` when it
/// appended, then `COMMIT`. The hash goes into the text only as the 64 hex digits it
/// must be.
fn commit_sql(head: Option<&ChainHead>, wrote: bool) -> StoreResult<String> {
    let mut sql = String::new();
    if wrote {
        sql.push_str(BUMP_VERSION);
    }
    if let Some(head) = head {
        let hex = head.hash.len() == 64 && head.hash.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || i64::try_from(head.seq).is_err() {
            return Err(StoreError::corrupt(
                "audit_head",
                head.seq,
                "a head that is not a sequence number and a hex SHA-256",
            ));
        }
        sql.push_str(&format!(
            "UPDATE audit_head SET seq = {}, hash = '{}' WHERE chain = 1; ",
            head.seq, head.hash
        ));
    }
    sql.push_str("COMMIT");
    Ok(sql)
}

/// What the `<table>_written` triggers do for writers other than the engine, which
/// marks its own transactions (`teho.engine`, set in [`BEGIN_LOCKED`]) and bumps the
/// version once as it commits: a trigger call at every statement made a horizon of
/// 100,000 visits a quarter slower.
const BUMP_VERSION: &str = "UPDATE teho_data_version SET n = n + 1, xact = pg_current_xact_id() \
     WHERE xact <> pg_current_xact_id(); ";

/// Seals `entry` after `head`, locked in this transaction, and appends it: the log row
/// and a row per file it is about. `head` then holds the new entry; the head row is
/// written when the transaction commits.
fn append_locked(
    client: &mut Conn,
    head: &mut Option<Option<ChainHead>>,
    entry: NewAuditEntry,
) -> Result<AuditEntry, AppendError> {
    let locked = match head {
        Some(h) => h.clone(),
        None => {
            return Err(AppendError::Store(StoreError::Backend(
                "an audit entry appended without the chain's head lock".into(),
            )));
        }
    };
    let sealed = entry.seal(locked.as_ref());
    let seq = i64::try_from(sealed.seq).map_err(|_| {
        AppendError::Store(StoreError::corrupt("audit_log", sealed.seq, "too long"))
    })?;
    let mut json = serde_json::to_value(&sealed).map_err(|e| {
        AppendError::Store(StoreError::corrupt(
            "audit_log",
            sealed.seq,
            format!("encoding: {e}"),
        ))
    })?;
    // What the row's columns hold is not written twice (some 200 bytes an entry).
    if let Some(fields) = json.as_object_mut() {
        for column in IN_COLUMNS {
            fields.remove(column);
        }
    }
    let mut files: Vec<Uuid> = sealed
        .file
        .iter()
        .chain(&sealed.disclosed)
        .map(|f| f.0)
        .collect();
    files.sort();
    files.dedup();
    // The log row and the access-log index rows in one statement: one round trip.
    let insert = client.cached(
        "WITH entry AS (
             INSERT INTO audit_log (seq, prev_hash, hash, file, entry)
             VALUES ($1, $2, $3, $4, $5)
         )
         INSERT INTO audit_files (file, seq) SELECT f, $1 FROM unnest($6::uuid[]) AS f",
    )?;
    client.execute(
        &insert,
        &[
            &seq,
            &sealed.prev_hash,
            &sealed.hash,
            &sealed.file.map(|f| f.0),
            &json,
            &files,
        ],
    )?;
    *head = Some(Some(ChainHead {
        seq: sealed.seq,
        hash: sealed.hash.clone(),
    }));
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
                    let release = std::mem::take(&mut guard.pending_release);
                    let client = guard.conn.as_deref_mut().ok_or_else(|| StoreError::Batch {
                        batch: unit.batch.map_or(0, |b| b.0),
                        problem: "has no connection".into(),
                    })?;
                    let sql = format!(
                        "{}SAVEPOINT teho_call; SELECT n FROM teho_data_version",
                        if release {
                            "RELEASE SAVEPOINT teho_call; "
                        } else {
                            ""
                        }
                    );
                    let rows = client.simple_query(&sql).map_err(pg_error)?;
                    check_cache(client, version_of(&rows)?);
                    let head = Some(guard.head.clone());
                    return Ok(Box::new(PgTx {
                        store: self,
                        held: Held::Batch(guard),
                        query: unit.kind == UnitKind::Query,
                        nested: true,
                        rows_written: 0,
                        open: true,
                        head,
                        moved: false,
                        cache_checked: true,
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
        let query = unit.kind == UnitKind::Query;
        let (mut conn, rows) =
            self.begin_with(if query { BEGIN_SNAPSHOT } else { BEGIN_LOCKED })?;
        let begun = if query {
            version_of(&rows).map(|v| (v, None))
        } else {
            head_of(&rows).and_then(|h| Ok((version_of(&rows)?, Some(h))))
        };
        let head = match begun {
            Ok((version, head)) => {
                check_cache(&mut conn, version);
                head
            }
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                return Err(e);
            }
        };
        Ok(Box::new(PgTx {
            store: self,
            held: Held::Own(Box::new(conn)),
            query,
            nested: false,
            rows_written: 0,
            open: true,
            head,
            moved: false,
            cache_checked: true,
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
        let (mut conn, rows) = self.begin_with(BEGIN_LOCKED)?;
        match head_of(&rows) {
            Ok(h) => guard.head = h,
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                return Err(e);
            }
        }
        guard.moved = false;
        guard.pending_release = false;
        guard.wrote = false;
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
        let head = guard.head.take();
        let moved = std::mem::take(&mut guard.moved);
        let release = std::mem::take(&mut guard.pending_release);
        let wrote = std::mem::take(&mut guard.wrote);
        let result = match guard.conn.take() {
            Some(mut conn) => {
                // The cache may hold what the batch read of its own writes, at a data
                // version those writes did not move (the engine bumps it as the batch
                // commits): kept, it would outlive a rollback. The first unit of the next
                // batch, or query, on this connection checks the version afresh anyway.
                drop_cache(&mut conn);
                let r = if commit {
                    commit_sql(head.as_ref().filter(|_| moved), wrote).map(|sql| {
                        if release {
                            format!("RELEASE SAVEPOINT teho_call; {sql}")
                        } else {
                            sql
                        }
                    })
                } else {
                    Ok("ROLLBACK".into())
                }
                .and_then(|sql| conn.batch_execute(&sql).map_err(pg_error));
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
    /// The chain head once locked in this unit (`Some(None)`: an empty chain), with the
    /// unit's own entries; `None` until a query's first append locks it.
    head: Option<Option<ChainHead>>,
    /// Whether this unit appended an entry.
    moved: bool,
    /// Whether the connection's read cache was checked against the data version this
    /// unit's transaction sees (at its begin; a query's append ends that).
    cache_checked: bool,
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

impl PgTx<'_> {
    /// A query may write nothing but its audit entry: checked before its snapshot ends
    /// and before it commits.
    fn wrote_nothing_else(&self) -> StoreResult<()> {
        if self.query && self.rows_written > 0 {
            return Err(StoreError::Backend(format!(
                "a query wrote {} row(s) besides its audit entry; rolled back",
                self.rows_written
            )));
        }
        Ok(())
    }

    /// Makes sure this unit holds the chain's head lock before it appends. A command and
    /// a batch took it as they began. A query outside a batch has done its reads: its
    /// snapshot ends (it wrote nothing) and a `READ COMMITTED` transaction takes the lock
    /// — in one round trip — so that a head moved by others while it read is simply the
    /// head it seals after, never a serialization failure. After a failed attempt (rolled
    /// back) it begins afresh.
    fn lock_for_append(&mut self, after_rollback: bool) -> Result<(), AppendError> {
        if self.head.is_some() {
            return Ok(());
        }
        self.wrote_nothing_else()?;
        // The entry's commit does not wait for the disk: the server's WAL writer flushes
        // it within 3 × `wal_writer_delay` (600 ms at the default), as SQLite's store
        // syncs a query's entry within 200 ms. A crash of the server may lose the newest
        // queries' entries, never a command's, and the chain stays whole (the WAL is
        // flushed in order; a command's commit flushes every entry before it).
        let sql = format!(
            "{}BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off; \
             SELECT seq, hash FROM audit_head WHERE chain = 1 FOR UPDATE",
            if after_rollback { "" } else { "COMMIT; " }
        );
        // Reads from here on are not the snapshot the cache was checked at.
        self.cache_checked = false;
        let rows = self.client()?.simple_query(&sql)?;
        self.head = Some(head_of(&rows)?);
        Ok(())
    }
}

impl From<StoreError> for AppendError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
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
            let r = self.lock_for_append(attempt > 1).and_then(|()| {
                let mut head = self.head.take();
                let client = self.client()?;
                let r = append_locked(client, &mut head, entry.clone());
                self.head = head;
                r
            });
            match r {
                Ok(sealed) => {
                    self.moved = true;
                    return Ok(sealed);
                }
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
                    let _ = self.client()?.batch_execute("ROLLBACK");
                    self.head = None;
                    self.store.retries.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                Err(AppendError::Pg(e)) => return Err(pg_error(e)),
            }
        }
    }

    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        if let Some(head) = &self.head {
            return Ok(head.clone());
        }
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
            .cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
            ))
            .map_err(pg_error)?;
        let rows = client.query(&stmt, &[&from, &limit]).map_err(pg_error)?;
        rows.iter().map(entry_of).collect()
    }

    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        let client = self.client()?;
        let stmt = client
            .cached(
                "SELECT l.seq, l.entry, l.prev_hash, l.hash, l.file
                 FROM audit_files f JOIN audit_log l ON l.seq = f.seq
                 WHERE f.file = $1 ORDER BY f.seq",
            )
            .map_err(pg_error)?;
        let rows = client.query(&stmt, &[&file.0]).map_err(pg_error)?;
        rows.iter().map(entry_of).collect()
    }

    /// A unit reads through its connection's cache — emptied at its begin if any record
    /// was written since it was filled (`teho_data_version`) — until it writes a record
    /// (a query's append also ends it). A batch's cache is emptied after each unit that
    /// wrote, and when the batch ends.
    fn read_cache(&mut self) -> Option<&mut ReadCache> {
        // After its first write a unit reads what it wrote, which no cache may keep.
        if !self.cache_checked || self.rows_written > 0 {
            return None;
        }
        self.client().ok().map(|c| &mut c.cache)
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.wrote_nothing_else()?;
        let head = self.head.clone().flatten();
        if self.nested {
            let (moved, wrote) = (self.moved, self.rows_written > 0);
            let Held::Batch(g) = &mut self.held else {
                return Err(StoreError::Batch {
                    batch: 0,
                    problem: "a unit inside a batch without the batch's connection".into(),
                });
            };
            // Released with the next unit's begin or the batch's commit.
            g.pending_release = true;
            // The batch goes on from this unit's head; its row is written at its commit.
            if moved {
                g.head = head;
                g.moved = true;
            }
            // What the batch reads next may be what this unit wrote.
            if wrote {
                g.wrote = true;
                if let Some(c) = g.conn.as_deref_mut() {
                    drop_cache(c);
                }
            }
            self.open = false;
            return Ok(());
        }
        let sql = commit_sql(head.as_ref().filter(|_| self.moved), self.rows_written > 0)?;
        self.client()?.batch_execute(&sql).map_err(pg_error)?;
        self.open = false;
        Ok(())
    }
}

/// An audit entry read back from its row.
///
/// The row is `seq, entry, prev_hash, hash, file` ([`ENTRY_COLUMNS`]); the entry's
/// fields that are columns come from the columns ([`IN_COLUMNS`]; entries written before
/// they were left out of the JSON hold the same values in it).
fn entry_of(row: &postgres::Row) -> StoreResult<AuditEntry> {
    let seq: i64 = row.get(0);
    let bad =
        |e: &dyn std::fmt::Display| StoreError::corrupt("audit_log", seq, format!("entry: {e}"));
    let mut json: serde_json::Value = row.try_get(1).map_err(|e| bad(&e))?;
    let prev_hash: String = row.try_get(2).map_err(|e| bad(&e))?;
    let hash: String = row.try_get(3).map_err(|e| bad(&e))?;
    let file: Option<Uuid> = row.try_get(4).map_err(|e| bad(&e))?;
    let fields = json
        .as_object_mut()
        .ok_or_else(|| bad(&"not a JSON object"))?;
    fields.insert("seq".into(), seq.into());
    fields.insert("prev_hash".into(), prev_hash.into());
    fields.insert("hash".into(), hash.into());
    fields.insert(
        "file".into(),
        file.map_or(serde_json::Value::Null, |f| f.to_string().into()),
    );
    serde_json::from_value(json).map_err(|e| bad(&e))
}

/// An audit entry's fields kept in columns of `audit_log`, not in its `entry` JSON.
const IN_COLUMNS: [&str; 4] = ["seq", "prev_hash", "hash", "file"];

/// The columns [`entry_of`] reads, in its order.
const ENTRY_COLUMNS: &str = "seq, entry, prev_hash, hash, file";

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
