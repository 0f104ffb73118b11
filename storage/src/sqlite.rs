//! [`SqliteStore`]: the engine's store in one SQLite file.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, params};
use teho_core::audit::{AuditEntry, ChainHead, NewAuditEntry};
use teho_core::ids::{ClientFileId, VisitId, WorkerId};
use teho_core::store::{
    Admission, BatchId, BusyTime, Filter, Kind, ReadCache, Row, Store, StoreError, StoreResult,
    StoreTx, Unit, UnitKind, admit, from_micros, micros,
};
use uuid::Uuid;

use crate::audit::{self, AuditTexts};
use crate::query_sync::QuerySync;
use crate::rows;
use crate::schema::{backend, migrate};

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Prepared statements kept per connection (the store uses about 120 distinct ones).
const STATEMENT_CACHE: usize = 256;

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
    /// Signalled when a batch ends, for other callers waiting to begin.
    batch_ended: Condvar,
    /// Group commit of the queries' audit entries, and the thread that syncs them
    /// (joined when the store is dropped); a file store's only.
    query_sync: Option<(Arc<QuerySync>, JoinHandle<()>)>,
}

/// The connection and what lives with it.
#[derive(Debug)]
struct Inner {
    conn: Connection,
    /// The open batch, and the thread that opened it (a call made outside the batch on
    /// that thread is refused, not left waiting for itself).
    batch: Option<(BatchId, ThreadId)>,
    /// Batches handed out so far.
    batches: u64,
    /// Whether the connection's `synchronous` is `FULL` now (else `NORMAL`, for a query).
    synchronous_full: bool,
    /// The decoded records every access check reads — files, people, workers, networks,
    /// substitutions — kept across queries while nothing can have changed them. Only a
    /// query reads or fills it (a query writes nothing but its audit entry); a commit
    /// that wrote anything else empties it (a unit's commit into its batch too), and so
    /// does another connection's commit (`PRAGMA data_version`), noticed when the next
    /// unit outside a batch begins.
    cache: ReadCache,
    /// `PRAGMA data_version` when the cache was last checked.
    data_version: i64,
    /// The audit log's texts.
    texts: AuditTexts,
    /// Entries with disclosed files this connection appended since it last brought
    /// their index up to date (`audit::index_disclosed`).
    unindexed: u32,
}

impl SqliteStore {
    /// Opens and migrates the TEHO database at `path`; several processes may open the
    /// same file. A missing or empty file, one that is not SQLite or holds no TEHO
    /// schema is [`StoreError::NotATehoDatabase`], and a file written by a newer TEHO
    /// [`StoreError::SchemaTooNew`]: either is left untouched — nothing is created or
    /// initialised but by [`SqliteStore::create`] (issue 17, item 6).
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| opening(path, e))?;
        refuse_not_teho(&conn, path)?;
        let db = path_of(&conn)?;
        Self::init(conn, Some(db))
    }

    /// Creates a new TEHO database at `path`: a missing file, or an empty one. A file
    /// with anything in it is refused ([`StoreError::FileNotEmpty`]) and left as it
    /// was — a client file is never replaced.
    pub fn create(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 || m.is_dir() => {
                return Err(StoreError::FileNotEmpty {
                    problem: if m.is_dir() {
                        "a directory".into()
                    } else {
                        format!("{} bytes already there", m.len())
                    },
                });
            }
            _ => {}
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(backend)?;
        let db = path_of(&conn)?;
        Self::init(conn, Some(db))
    }

    /// Opens a TEHO database without writing to it: a copy kept as evidence, a file on
    /// read-only media. Only reads that write nothing succeed on it —
    /// [`teho_core::audit::verify_store`], for one; every engine call, which appends its
    /// audit entry, fails. The schema must be this build's ([`SCHEMA_VERSION`]): an
    /// older one cannot be migrated here.
    ///
    /// A file with no write-ahead log beside it (or an empty one: a closed or
    /// checkpointed database) is read as immutable — nothing is created beside it, not
    /// even SQLite's lock and index files. With a log, SQLite reads it through its index
    /// file (`-shm`), which it creates beside the file if it may; where it may not, the
    /// open fails rather than read the main file without the commits in the log.
    ///
    /// [`SCHEMA_VERSION`]: crate::SCHEMA_VERSION
    pub fn open_read_only(path: impl AsRef<Path>) -> StoreResult<Self> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(StoreError::NotATehoDatabase {
                problem: "no such file".into(),
            });
        }
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            Connection::open_with_flags(path, flags).map_err(backend)?
        } else {
            // SQLite's URI form: `?`, `#` and `%` in a path are escaped.
            let escaped = path
                .display()
                .to_string()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            let uri = format!("file:{escaped}?immutable=1");
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(backend)?
        };
        refuse_not_teho(&conn, path)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(backend)?;
        if found < crate::SCHEMA_VERSION {
            return Err(StoreError::Backend(format!(
                "schema step {found} is older than this build's {}: a read-only copy \
                 cannot be migrated; open a writable copy of it",
                crate::SCHEMA_VERSION
            )));
        }
        Self::init(conn, None)
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

    fn init(mut conn: Connection, db: Option<PathBuf>) -> StoreResult<Self> {
        let read_only = conn.is_readonly(rusqlite::MAIN_DB).map_err(backend)?;
        // Through the pragma, not rusqlite's `busy_timeout`, which also records client data
        // (`sqlite3_set_clientdata`, SQLite 3.44): the store must run on the system's SQLite
        // too, the one a Python interpreter shares with it (issue 17, item 1).
        conn.query_row(
            &format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis()),
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(backend)?;
        // Refuse a newer schema before anything writes to the file (switching to WAL
        // rewrites the header).
        crate::schema::refuse_newer(&conn)?;
        if db.is_some() && !read_only {
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
        // again on every use. Integer conditions are written as literals
        // (`status = 0` for the partial index), so no plan needs a bound value.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(backend)?;
        if !read_only {
            migrate(&mut conn)?;
        }
        let query_sync = db.filter(|_| !read_only).and_then(|db| {
            let wal = PathBuf::from(format!("{}-wal", db.display()));
            QuerySync::start(db, wal)
        });
        if query_sync.is_some() {
            // The syncing thread checkpoints; the connection's own automatic checkpoint
            // stays, larger, in case the thread falls behind (`query_sync`).
            conn.pragma_update(
                None,
                "wal_autocheckpoint",
                crate::query_sync::AUTOCHECKPOINT_PAGES,
            )
            .map_err(backend)?;
        }
        Ok(Self {
            inner: Mutex::new(Inner {
                conn,
                batch: None,
                batches: 0,
                synchronous_full: true,
                cache: ReadCache::default(),
                data_version: 0,
                texts: AuditTexts::default(),
                unindexed: 0,
            }),
            batch_ended: Condvar::new(),
            query_sync,
        })
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

    /// The connection for a unit of `batch` (or of none), once no other batch holds it;
    /// with whether the unit is nested in the open batch.
    fn connection(&self, batch: Option<BatchId>) -> StoreResult<(Held<'_>, bool)> {
        let mut guard = self.lock();
        loop {
            match admit(guard.batch, batch)? {
                Admission::Alone => return Ok((Held(guard), false)),
                Admission::InBatch => return Ok((Held(guard), true)),
                Admission::Wait => {
                    guard = self
                        .batch_ended
                        .wait(guard)
                        .unwrap_or_else(|p| p.into_inner())
                }
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

/// Empties the read cache if another connection committed since it was filled. Under a
/// write lock (a unit's or a batch's) nobody else commits until it ends.
fn check_cache(conn: &mut Held<'_>) -> StoreResult<()> {
    let version: i64 = conn
        .prepare_cached("PRAGMA data_version")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    let inner = &mut conn.0;
    if inner.data_version != version {
        inner.cache.clear();
        inner.data_version = version;
    }
    Ok(())
}

/// The error of a unit inside a batch whose transaction SQLite has rolled back by
/// itself (a full disk, an I/O error): the batch is gone, and nothing may go on as if
/// it were still open.
fn batch_lost(batch: Option<(BatchId, ThreadId)>) -> StoreError {
    StoreError::Batch {
        batch: batch.map_or(0, |(b, _)| b.0),
        problem: "its transaction was rolled back by the database (a full disk, an I/O \
                  error); nothing of it was committed"
            .into(),
    }
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

/// The path SQLite opened.
fn path_of(conn: &Connection) -> StoreResult<PathBuf> {
    conn.path()
        .map(PathBuf::from)
        .ok_or_else(|| StoreError::Backend("the database file has no path".into()))
}

/// The error of opening `path`: a file that is not there is not a TEHO database.
fn opening(path: &Path, e: rusqlite::Error) -> StoreError {
    if !path.exists() {
        StoreError::NotATehoDatabase {
            problem: "no such file".into(),
        }
    } else {
        backend(e)
    }
}

/// Refuses, without writing to it, a file that holds no TEHO database: empty, not
/// SQLite, or SQLite without TEHO's schema (its `user_version` is 0: every TEHO schema
/// step sets it in the transaction that builds it). A zero-length file is what a
/// mistyped path or a failed copy leaves; opening one once initialised it silently, and
/// `teho audit verify` reported an intact chain of 0 entries (issue 17, item 6).
fn refuse_not_teho(conn: &Connection, path: &Path) -> StoreResult<()> {
    let not = |problem: &str| {
        Err(StoreError::NotATehoDatabase {
            problem: problem.into(),
        })
    };
    match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(0) if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) => not("an empty file"),
        Ok(0) => not("an SQLite database without TEHO's schema"),
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            not("not an SQLite database, or its header is damaged")
        }
        Err(e) => Err(backend(e)),
    }
}

/// A unit of work on a [`SqliteStore`]; rolls back when dropped uncommitted. Inside a
/// batch it is a savepoint, and rolling back undoes only its own work.
pub struct SqliteTx<'a> {
    conn: Held<'a>,
    open: bool,
    nested: bool,
    /// A query's: it may write nothing but audit entries, and it reads through the
    /// connection's [`ReadCache`].
    query: bool,
    /// A query outside a batch still reading: from a snapshot (a deferred transaction),
    /// holding no lock a writer waits for. Its audit entry ends the snapshot and takes
    /// the write lock for a short write of its own ([`StoreTx::append_audit`]).
    reading: bool,
    /// The connection's count of written rows when it began.
    changes_at_begin: u64,
    /// Audit rows it wrote (entries and new texts).
    audit_rows: u64,
    /// The audit texts pending when it began (a nested unit rolls back to it).
    texts_mark: usize,
    /// Told of the commit (not inside a batch, whose own commit is a command's).
    sync: Option<&'a QuerySync>,
}

impl SqliteStore {
    /// Begins a unit of work — a savepoint inside the open batch it belongs to. A query's,
    /// when its commit may wait for the disk, runs with `synchronous=NORMAL`; any other
    /// with `FULL` (the setting cannot change inside a transaction). A query outside a
    /// batch reads from a snapshot and takes no write lock until its audit entry: a long
    /// read — a verification of millions of entries — never locks a writer out (issue
    /// 17, item 2).
    fn begin_unit(&self, unit: Unit) -> StoreResult<SqliteTx<'_>> {
        self.sync_failure()?;
        let query = unit.kind == UnitKind::Query;
        let (mut conn, nested) = self.connection(unit.batch)?;
        if nested {
            if conn.is_autocommit() {
                conn.0.texts.roll_back_to(0);
                conn.0.cache.clear();
                return Err(batch_lost(conn.0.batch));
            }
            run(&conn, "SAVEPOINT teho_call")?;
        } else {
            set_synchronous(&mut conn, !(query && self.query_sync_delay().is_some()))?;
            if query {
                // The snapshot begins at the first read; the cache check must see it.
                run(&conn, "BEGIN DEFERRED")?;
                if let Err(e) = conn
                    .prepare_cached("SELECT upto FROM audit_disclosed_upto")
                    .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                {
                    let _ = run(&conn, "ROLLBACK");
                    return Err(backend(e));
                }
            } else {
                // IMMEDIATE takes the write lock now, waiting up to the busy timeout; a
                // deferred transaction that reads the chain head and then writes would
                // fail at once with "database is locked" when another process got there
                // first.
                run(&conn, "BEGIN IMMEDIATE")?;
            }
        }
        let changes_at_begin = conn.total_changes();
        let texts_mark = conn.0.texts.mark();
        let mut tx = SqliteTx {
            conn,
            open: true,
            nested,
            query,
            reading: query && !nested,
            changes_at_begin,
            audit_rows: 0,
            texts_mark,
            sync: match &self.query_sync {
                Some((sync, _)) if !nested => Some(sync),
                _ => None,
            },
        };
        if tx.reads_cache() && !nested {
            tx.check_cache()?; // on failure, dropping `tx` rolls back
        }
        Ok(tx)
    }
}

impl Store for SqliteStore {
    /// A unit of work. A query's is refused at commit if it wrote anything but audit
    /// entries; outside a batch its commit does not wait for the disk while a delay is
    /// set ([`SqliteStore::set_query_sync_delay`]).
    fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>> {
        Ok(Box::new(self.begin_unit(unit)?))
    }

    /// One `BEGIN IMMEDIATE` … `COMMIT` around the batch's units, each a savepoint inside
    /// it, so they commit together (one fsync). Other callers wait until it closes.
    fn open_batch(&self) -> StoreResult<BatchId> {
        self.sync_failure()?;
        let (mut conn, _) = self.connection(None)?;
        set_synchronous(&mut conn, true)?;
        run(&conn, "BEGIN IMMEDIATE")?;
        // The batch's queries read through the cache: drop what another connection's
        // commit made stale before the batch took the lock.
        if let Err(e) = check_cache(&mut conn) {
            let _ = run(&conn, "ROLLBACK");
            return Err(e);
        }
        conn.0.batches += 1;
        let id = BatchId(conn.0.batches);
        conn.0.batch = Some((id, std::thread::current().id()));
        Ok(id)
    }

    fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()> {
        let mut guard = self.lock();
        match guard.batch {
            Some((open, _)) if open == batch => {}
            _ => {
                return Err(StoreError::Batch {
                    batch: batch.0,
                    problem: "is not open".into(),
                });
            }
        }
        guard.batch = None;
        let result = if commit {
            let r = run(&guard.conn, "COMMIT");
            if r.is_err() {
                let _ = run(&guard.conn, "ROLLBACK");
            }
            r
        } else {
            run(&guard.conn, "ROLLBACK")
        };
        if commit && result.is_ok() {
            guard.texts.committed();
        } else {
            guard.texts.roll_back_to(0);
        }
        guard.cache.clear();
        drop(guard);
        self.batch_ended.notify_all();
        if commit
            && result.is_ok()
            && let Some((sync, _)) = &self.query_sync
        {
            sync.committed_synced();
        }
        result
    }

    fn compact(&self) -> StoreResult<()> {
        let (conn, _) = self.connection(None)?;
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
                let mark = self.texts_mark;
                self.conn.0.texts.roll_back_to(mark);
            } else {
                let _ = run(&self.conn, "ROLLBACK");
                self.conn.0.texts.roll_back_to(0);
            }
        }
    }
}

impl SqliteTx<'_> {
    /// Whether it reads through the connection's [`ReadCache`]: a query's. Inside a
    /// batch too: the batch holds the write lock, so only its own units change anything,
    /// and a unit that wrote empties the cache when it commits into the batch.
    fn reads_cache(&self) -> bool {
        self.query
    }

    /// Empties the read cache if another connection committed since it was filled.
    /// Under this unit's write lock nobody else commits until it ends.
    fn check_cache(&mut self) -> StoreResult<()> {
        check_cache(&mut self.conn)
    }
}

impl StoreTx for SqliteTx<'_> {
    fn get(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>> {
        rows::get(&self.conn, kind, id)
    }

    fn find(&mut self, kind: &'static Kind, filter: &Filter) -> StoreResult<Vec<Row>> {
        rows::find(&self.conn, kind, filter)
    }

    fn insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        rows::insert(&self.conn, kind, row)
    }

    fn update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        rows::update(&self.conn, kind, row)
    }

    fn destroy(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<bool> {
        rows::destroy(&self.conn, kind, id)
    }

    /// Sealed after the head read under the write lock: a command's unit holds it from
    /// its `BEGIN IMMEDIATE`; a query's snapshot becomes the write here when it is still
    /// the newest, or ends, and its entry is written in a short write transaction of
    /// its own — either way no other writer can append in between.
    fn append_audit(&mut self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let disclosing = !entry.disclosed.is_empty();
        let (sealed, texts) = if self.reading {
            self.reading = false;
            // Most often nothing was committed since the snapshot began: the read becomes
            // the write in place (SQLite grants that to a current snapshot only). Else it
            // ends, and the entry is sealed in a write transaction of its own.
            let inner = &mut *self.conn.0;
            match audit::append(&inner.conn, &mut inner.texts, entry.clone()) {
                Ok(appended) => appended,
                Err(_) => {
                    let _ = run(&self.conn, "ROLLBACK");
                    self.conn.0.texts.roll_back_to(self.texts_mark);
                    self.changes_at_begin = self.conn.total_changes();
                    if let Err(e) = run(&self.conn, "BEGIN IMMEDIATE") {
                        self.open = false;
                        return Err(e);
                    }
                    let inner = &mut *self.conn.0;
                    audit::append(&inner.conn, &mut inner.texts, entry)?
                }
            }
        } else {
            let inner = &mut *self.conn.0;
            audit::append(&inner.conn, &mut inner.texts, entry)?
        };
        let inner = &mut *self.conn.0;
        self.audit_rows += 1 + texts;
        if disclosing {
            inner.unindexed += 1;
            if inner.unindexed >= audit::UNINDEXED_AT_MOST
                || audit::unindexed_entries(&inner.conn, sealed.seq)? >= audit::TAIL_AT_MOST
            {
                self.audit_rows += audit::index_disclosed(&inner.conn)?;
                inner.unindexed = 0;
            }
        }
        Ok(sealed)
    }

    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        audit::head(&self.conn)
    }

    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let inner = &mut *self.conn.0;
        audit::page(&inner.conn, &mut inner.texts, from, limit)
    }

    /// Writes nothing: the entries not yet indexed are read from the log itself.
    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        let inner = &mut *self.conn.0;
        audit::of_file(&inner.conn, &mut inner.texts, file)
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        let written = self.conn.total_changes() - self.changes_at_begin;
        if self.query && written != self.audit_rows {
            // The engine's own error: dropping `self` rolls the unit back.
            return Err(StoreError::Backend(format!(
                "a query wrote {} row(s) besides its {} audit row(s); rolled back",
                written.saturating_sub(self.audit_rows),
                self.audit_rows
            )));
        }
        if self.nested && self.conn.is_autocommit() {
            // The batch's transaction is gone: releasing would commit this unit alone.
            self.open = false;
            self.conn.0.texts.roll_back_to(0);
            self.conn.0.cache.clear();
            return Err(batch_lost(self.conn.0.batch));
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
        if !self.nested {
            self.conn.0.texts.committed();
        }
        if written > self.audit_rows {
            self.conn.0.cache.clear();
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

    /// Columns only: the overlap check of every plan change reads the worker's whole
    /// horizon.
    fn busy_times(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BusyTime>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, start_us, end_us FROM visits
                 WHERE worker = ?1 AND start_us >= ?2 AND start_us < ?3 AND status IN (0, 1)",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(
                params![worker.0.as_bytes().as_slice(), micros(from), micros(to)],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, start, end) = row.map_err(backend)?;
            let id = Uuid::from_slice(&id)
                .map_err(|_| StoreError::corrupt("visits", "-", "an id not of 16 bytes"))?;
            out.push(BusyTime {
                visit: VisitId(id),
                start: from_micros("visits", id, start)?,
                end: from_micros("visits", id, end)?,
            });
        }
        Ok(out)
    }

    fn read_cache(&mut self) -> Option<&mut ReadCache> {
        if self.reads_cache() {
            Some(&mut self.conn.0.cache)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::query_sync::DEFAULT_QUERY_SYNC_DELAY;
    use rusqlite::StatementStatus;
    use teho_core::audit::{ActorRef, AuditDecision};
    use teho_core::ids::OrganizationId;
    use teho_core::org::OrganizationKind;
    use teho_core::store::Records;

    #[test]
    fn a_cached_statement_is_not_planned_again_when_reused() {
        // The shape of most of the store's lookups. Without the planner stability
        // guarantee SQLite re-prepares it on every reuse from rusqlite's cache.
        let store = SqliteStore::open_memory().unwrap();
        let (conn, _) = store.connection(None).unwrap();
        let sql = "SELECT id, v, file, doc FROM contracts WHERE file = ?1 ORDER BY rowid";
        for file in [[1u8; 16], [2; 16], [3; 16], [4; 16]] {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let n = stmt.query_map([&file[..]], |_| Ok(())).unwrap().count();
            assert_eq!(n, 0);
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{file:?}");
        }
    }

    /// The audit entry a query appends (the chain's contents do not matter here).
    fn entry(n: u32) -> NewAuditEntry {
        NewAuditEntry {
            at: DateTime::from_timestamp(1_800_000_000 + i64::from(n), n).unwrap(),
            actor: ActorRef::system(),
            operation: "calendar.worker".into(),
            object: format!("query {n}"),
            file: None,
            disclosed: Vec::new(),
            purpose: String::new(),
            decision: AuditDecision::NotDecided,
            outcome: "ok".into(),
            writes: Vec::new(),
        }
    }

    fn synchronous(tx: &SqliteTx<'_>) -> i64 {
        tx.conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    }

    const ORG: [u8; 16] = [0x42; 16];

    fn org_id() -> OrganizationId {
        OrganizationId(Uuid::from_bytes(ORG))
    }

    fn put_org(conn: &Connection, kind: &str) {
        conn.execute(
            "INSERT INTO organizations (id, v, kind, doc) VALUES (?1, 1, ?2, '{}')
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind",
            params![&ORG[..], kind],
        )
        .unwrap();
    }

    #[test]
    fn a_query_that_writes_more_than_its_audit_entry_is_refused_and_rolled_back() {
        let store = SqliteStore::open_memory().unwrap();
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        tx.append_audit(entry(1)).unwrap();
        put_org(&tx.conn, "Municipality");
        let e = Box::new(tx).commit().unwrap_err().to_string();
        assert!(
            e.contains("a query wrote 1 row(s) besides its 6 audit row(s)"),
            "{e}"
        );
        let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
        assert_eq!(tx.organization_kind(org_id()).unwrap(), None);
        assert_eq!(tx.audit_head().unwrap(), None, "the audit entry went too");
        drop(tx);
        // A query that appends only its entry commits, new texts and all.
        let mut tx = store.begin(Unit::QUERY).unwrap();
        tx.append_audit(entry(1)).unwrap();
        tx.commit().unwrap();
        let mut tx = store.begin(Unit::QUERY).unwrap();
        let page = tx.audit_page(1, 10).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].object, "query 1");
    }

    #[test]
    fn texts_added_by_a_rolled_back_unit_are_forgotten() {
        let store = SqliteStore::open_memory().unwrap();
        let batch = store.open_batch().unwrap();
        let unit = Unit {
            kind: UnitKind::Command,
            batch: Some(batch),
        };
        // A call inside the batch adds texts, then rolls back: its rows are gone.
        let mut tx = store.begin(unit).unwrap();
        let mut e = entry(1);
        e.operation = "rolled.back".into();
        tx.append_audit(e).unwrap();
        drop(tx);
        // The next call adds the same text again and commits; so does the batch.
        let mut tx = store.begin(unit).unwrap();
        let mut e = entry(2);
        e.operation = "rolled.back".into();
        tx.append_audit(e).unwrap();
        tx.commit().unwrap();
        store.close_batch(batch, true).unwrap();
        let mut tx = store.begin(Unit::QUERY).unwrap();
        let page = tx.audit_page(1, 10).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].operation, "rolled.back");
        assert_eq!(page[0].object, "query 2");
    }

    #[test]
    fn the_read_cache_sees_another_connections_commit_and_the_stores_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::create(&path).unwrap();
        let tx = store.begin_unit(Unit::COMMAND).unwrap();
        put_org(&tx.conn, "Municipality");
        Box::new(tx).commit().unwrap();
        let kind = |store: &SqliteStore| {
            let mut tx = Records::new(store.begin(Unit::QUERY).unwrap());
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
                [&ORG[..]],
            )
            .unwrap();
        assert_eq!(kind(&store), Some(OrganizationKind::CareHome));
        // The store's own command changes it.
        let tx = store.begin_unit(Unit::COMMAND).unwrap();
        put_org(&tx.conn, "HomeCareProvider");
        Box::new(tx).commit().unwrap();
        assert_eq!(kind(&store), Some(OrganizationKind::HomeCareProvider));
        // A command does not read through the cache, even before it writes.
        other
            .execute(
                "UPDATE organizations SET kind = 'Municipality' WHERE id = ?1",
                [&ORG[..]],
            )
            .unwrap();
        let mut tx = Records::new(store.begin(Unit::COMMAND).unwrap());
        assert_eq!(
            tx.organization_kind(org_id()).unwrap(),
            Some(OrganizationKind::Municipality)
        );
    }

    /// A query reads from a snapshot and holds no lock a writer waits for: another
    /// process commits while it reads, the query still sees what it began with, and its
    /// audit entry is sealed after the other's — the chain never forks (issue 17, item 2).
    #[test]
    fn a_long_read_locks_no_writer_out_and_seals_its_entry_after_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::create(&path).unwrap();
        let other = SqliteStore::open(&path).unwrap();
        let mut read = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(read.audit_head().unwrap(), None);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut tx = other.begin_unit(Unit::COMMAND).unwrap();
                put_org(&tx.conn, "Municipality");
                tx.append_audit(entry(1)).unwrap();
                Box::new(tx).commit().unwrap();
                done.send(()).unwrap();
            });
            // Under a write lock held by the read, the writer would wait out the busy
            // timeout (30 s) and fail.
            finished
                .recv_timeout(Duration::from_secs(10))
                .expect("the writer committed while the read was open");
        });
        assert_eq!(read.audit_head().unwrap(), None, "the read's snapshot");
        let mut cached = Records::new(Box::new(read));
        assert_eq!(cached.organization_kind(org_id()).unwrap(), None);
        let sealed = cached.append_audit(entry(2)).unwrap();
        assert_eq!(sealed.seq, 2, "sealed after the writer's entry");
        cached.commit().unwrap();
        let mut tx = store.begin(Unit::QUERY).unwrap();
        let chain = tx.audit_page(1, 10).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1].prev_hash, chain[0].hash);
        drop(tx);
        // The next read sees the writer's commit (the cache let go of the old answer).
        let mut tx = Records::new(store.begin(Unit::QUERY).unwrap());
        assert_eq!(
            tx.organization_kind(org_id()).unwrap(),
            Some(OrganizationKind::Municipality)
        );
    }

    #[test]
    fn a_querys_commit_reaches_the_disk_within_the_delay_and_a_commands_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::create(dir.path().join("t.db")).unwrap();
        assert_eq!(store.query_sync_delay(), Some(DEFAULT_QUERY_SYNC_DELAY));
        let sync = Arc::clone(&store.query_sync.as_ref().unwrap().0);
        store.set_query_sync_delay(Some(Duration::from_secs(3600)));
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(synchronous(&tx), 1, "NORMAL: the commit does not wait");
        tx.append_audit(entry(1)).unwrap();
        Box::new(tx).commit().unwrap();
        assert_eq!(sync.observe(), (true, 0), "pending, not synced yet");
        // A command waits for the disk, which syncs the query's commit with it.
        let mut tx = store.begin_unit(Unit::COMMAND).unwrap();
        assert_eq!(synchronous(&tx), 2, "FULL");
        tx.append_audit(entry(2)).unwrap();
        Box::new(tx).commit().unwrap();
        assert_eq!(sync.observe(), (false, 0));
        // Within the delay the thread syncs it.
        store.set_query_sync_delay(Some(Duration::from_millis(20)));
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        tx.append_audit(entry(3)).unwrap();
        Box::new(tx).commit().unwrap();
        assert!(sync.wait_synced(Duration::from_secs(30)), "never synced");
        assert_eq!(sync.observe(), (false, 1));
        // No delay: a query's commit waits for the disk as a command's does.
        store.set_query_sync_delay(None);
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(synchronous(&tx), 2);
        tx.append_audit(entry(4)).unwrap();
        Box::new(tx).commit().unwrap();
        assert_eq!(sync.observe(), (false, 1));
        // Dropping the store syncs what is pending.
        store.set_query_sync_delay(Some(Duration::from_secs(3600)));
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        tx.append_audit(entry(5)).unwrap();
        Box::new(tx).commit().unwrap();
        assert_eq!(sync.observe(), (true, 1));
        drop(store);
        assert_eq!(sync.observe(), (false, 2));
    }

    /// The index of disclosed files is written in bulk: not at each read, but once some
    /// thousands of reads wait (by the read that tips it, within a query's own unit) or
    /// before a file's access log is read — which then finds every read that showed it.
    #[test]
    fn the_files_a_read_disclosed_are_indexed_in_bulk_and_every_access_log_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::create(dir.path().join("t.db")).unwrap();
        let (a, b) = (
            ClientFileId(Uuid::from_u128(0xa)),
            ClientFileId(Uuid::from_u128(0xb)),
        );
        let indexed = |store: &SqliteStore| -> i64 {
            let tx = store.begin_unit(Unit::QUERY).unwrap();
            tx.conn
                .query_row("SELECT count(*) FROM audit_disclosed", [], |r| r.get(0))
                .unwrap()
        };
        let at_most = audit::UNINDEXED_AT_MOST;
        for n in 1..=at_most + 5 {
            let mut tx = store.begin_unit(Unit::QUERY).unwrap();
            let mut e = entry(n);
            e.disclosed = if n % 2 == 0 { vec![a, b] } else { vec![b] };
            tx.append_audit(e).unwrap();
            Box::new(tx).commit().unwrap();
            if n == at_most - 1 {
                assert_eq!(indexed(&store), 0, "nothing indexed at each read");
            }
        }
        let tipped = i64::from(at_most / 2 * 2 + at_most / 2);
        assert_eq!(
            indexed(&store),
            tipped,
            "the read that tipped it indexed the rest"
        );
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        let of_a = tx.audit_of_file(a).unwrap();
        let of_b = tx.audit_of_file(b).unwrap();
        let changes = tx.conn.total_changes() - tx.changes_at_begin;
        Box::new(tx).commit().unwrap();
        assert_eq!(of_a.len(), (at_most as usize + 5) / 2);
        assert_eq!(of_b.len(), at_most as usize + 5);
        assert!(
            of_a.iter()
                .all(|e| e.seq % 2 == 0 && e.disclosed == vec![a, b])
        );
        // The five entries past the index were read from the log: the read wrote
        // nothing (it reads from its snapshot and holds no write lock).
        assert_eq!(changes, 0);
        assert_eq!(indexed(&store), tipped);

        // A tail that no one connection tipped — short sessions each appending a few —
        // is indexed by the append that finds it too long, whoever makes it.
        let tail = audit::TAIL_AT_MOST;
        let mut n = at_most + 5;
        while n < at_most + tail as u32 + 10 {
            let fresh = SqliteStore::open(dir.path().join("t.db")).unwrap();
            for _ in 0..100 {
                n += 1;
                let mut tx = fresh.begin_unit(Unit::QUERY).unwrap();
                let mut e = entry(n);
                e.disclosed = vec![b];
                tx.append_audit(e).unwrap();
                Box::new(tx).commit().unwrap();
            }
        }
        assert!(
            indexed(&store) > tipped,
            "the tail past {tail} entries was indexed"
        );
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(tx.audit_of_file(b).unwrap().len(), n as usize);
    }

    /// The WAL is copied back into the database by the syncing thread once it has grown
    /// past its threshold, not inside whichever call's commit crossed SQLite's own (that
    /// one stays, four times larger, as a safety net); nothing is lost on the way.
    #[test]
    fn the_syncing_thread_checkpoints_a_grown_wal_so_that_no_call_pays_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::create(dir.path().join("t.db")).unwrap();
        let sync = Arc::clone(&store.query_sync.as_ref().unwrap().0);
        {
            let tx = store.begin_unit(Unit::QUERY).unwrap();
            let pages: u32 = tx
                .conn
                .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
                .unwrap();
            assert_eq!(pages, crate::query_sync::AUTOCHECKPOINT_PAGES);
        }
        // Some 6 MiB of audit entries, a command and a query in turn.
        let calls = 300u32;
        for n in 1..=calls {
            let unit = if n % 2 == 0 {
                Unit::COMMAND
            } else {
                Unit::QUERY
            };
            let mut tx = store.begin_unit(unit).unwrap();
            let mut e = entry(n);
            e.object = format!("{n:05}{}", "x".repeat(20_000));
            tx.append_audit(e).unwrap();
            Box::new(tx).commit().unwrap();
        }
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while sync.checkpoints() == 0 && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(sync.checkpoints() > 0, "the thread never checkpointed");
        let mut tx = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(
            tx.audit_head().unwrap().map(|h| h.seq),
            Some(u64::from(calls))
        );
        assert_eq!(tx.audit_page(1, 1_000).unwrap().len(), calls as usize);
    }

    #[test]
    fn a_batch_reads_no_facts_another_connection_changed_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::create(&path).unwrap();
        let tx = store.begin_unit(Unit::COMMAND).unwrap();
        put_org(&tx.conn, "Municipality");
        Box::new(tx).commit().unwrap();
        let mut tx = Records::new(store.begin(Unit::QUERY).unwrap());
        assert_eq!(
            tx.organization_kind(org_id()).unwrap(),
            Some(OrganizationKind::Municipality)
        );
        tx.commit().unwrap(); // cached now
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE organizations SET kind = 'CareHome' WHERE id = ?1",
                [&ORG[..]],
            )
            .unwrap();
        let batch = store.open_batch().unwrap();
        let mut tx = Records::new(
            store
                .begin(Unit {
                    kind: UnitKind::Query,
                    batch: Some(batch),
                })
                .unwrap(),
        );
        assert_eq!(
            tx.organization_kind(org_id()).unwrap(),
            Some(OrganizationKind::CareHome)
        );
        tx.commit().unwrap();
        store.close_batch(batch, true).unwrap();
    }

    /// SQLite rolls a transaction back by itself on a full disk or an I/O error. A
    /// batch whose transaction is gone refuses its next units and its commit, instead
    /// of committing them one by one.
    #[test]
    fn a_batch_the_database_rolled_back_commits_nothing_piecemeal() {
        let store = SqliteStore::open_memory().unwrap();
        let batch = store.open_batch().unwrap();
        let unit = Unit {
            kind: UnitKind::Command,
            batch: Some(batch),
        };
        let mut tx = store.begin(unit).unwrap();
        tx.append_audit(entry(1)).unwrap();
        tx.commit().unwrap();
        let tx = store.begin_unit(unit).unwrap();
        run(&tx.conn, "ROLLBACK").unwrap(); // what SQLite does on SQLITE_FULL
        let e = Box::new(tx).commit().unwrap_err().to_string();
        assert!(e.contains("rolled back by the database"), "{e}");
        let e = store.begin(unit).err().unwrap().to_string();
        assert!(e.contains("rolled back by the database"), "{e}");
        assert!(store.close_batch(batch, true).is_err());
        let mut tx = store.begin(Unit::QUERY).unwrap();
        assert_eq!(
            tx.audit_head().unwrap(),
            None,
            "nothing of the batch stayed"
        );
    }

    /// The plan of `sql`, its `?1` an id and its `?2`, if any, a JSON list.
    fn plan_of(tx: &SqliteTx<'_>, sql: &str) -> Vec<String> {
        let mut stmt = tx
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let id: &dyn rusqlite::ToSql = &&[0u8; 16][..];
        let list: &dyn rusqlite::ToSql = &"[]";
        let values = [id, list];
        let n = stmt.parameter_count();
        stmt.query_map(&values[..n], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn lookups_are_read_through_their_indexes() {
        let store = SqliteStore::open_memory().unwrap();
        let tx = store.begin_unit(Unit::COMMAND).unwrap();
        for (sql, index) in [
            (
                &*format!(
                    "SELECT seq, hash FROM audit_log WHERE {}",
                    crate::audit::OF_FILE
                ),
                "INDEX audit_by_file (file=?)",
            ),
            (
                &*format!(
                    "SELECT seq, hash FROM audit_log WHERE {}",
                    crate::audit::OF_FILE
                ),
                "audit_disclosed USING PRIMARY KEY (file=?)",
            ),
            (
                "SELECT id FROM visits WHERE provider = ?1 AND status = 0 AND end_us >= 0 AND end_us < 5 ORDER BY start_us, id",
                "INDEX visits_planned_by_provider (provider=? AND end_us>? AND end_us<?)",
            ),
            (
                "SELECT id FROM visits WHERE worker = ?1 AND start_us >= 0 AND start_us < 5 AND status <> 4 ORDER BY start_us, id",
                "INDEX visits_by_worker (worker=? AND start_us>? AND start_us<?)",
            ),
        ] {
            let plan = plan_of(&tx, sql);
            assert!(plan.iter().any(|p| p.contains(index)), "{sql}: {plan:?}");
        }
    }

    #[test]
    fn an_in_memory_store_has_nothing_to_sync() {
        let store = SqliteStore::open_memory().unwrap();
        store.set_query_sync_delay(Some(Duration::from_millis(5)));
        assert_eq!(store.query_sync_delay(), None);
        let tx = store.begin_unit(Unit::QUERY).unwrap();
        assert_eq!(synchronous(&tx), 2);
    }
}
