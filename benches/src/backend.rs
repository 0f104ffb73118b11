//! Where a workload's store lives — a SQLite file, or a schema of its own on the
//! PostgreSQL server `TEHO_POSTGRES_URL` names — and the raw-SQL connection a peer uses
//! beside it, on the same file or the same server (issue 18, item 6).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use teho_core::store::Store;
use teho_postgres::{PostgresStore, is_postgres_url};
use uuid::Uuid;

/// The backends a store workload runs on.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A schema of its own on the server at `base`, dropped afterwards.
    Postgres {
        /// The server's URL, as `TEHO_POSTGRES_URL` gives it.
        base: String,
    },
}

impl Backend {
    /// SQLite, and PostgreSQL when `TEHO_POSTGRES_URL` names a server (`benches/run`
    /// starts a private one); said loudly when it does not.
    pub fn all() -> Vec<Backend> {
        let mut all = vec![Backend::Sqlite];
        match std::env::var("TEHO_POSTGRES_URL") {
            Ok(base) if !base.is_empty() => all.push(Backend::Postgres { base }),
            _ => {
                eprintln!("teho-bench: TEHO_POSTGRES_URL not set: the PostgreSQL lines are skipped")
            }
        }
        all
    }

    /// What a line's name carries after the workload: nothing for SQLite (the lines
    /// issue 8 named), `, pg` for PostgreSQL.
    pub fn suffix(&self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres { .. } => ", pg",
        }
    }

    /// A fresh database named `name` (a file in `dir`, or a schema of its own).
    pub fn db(&self, dir: &Path, name: &str) -> Result<Db, String> {
        Ok(match self {
            Backend::Sqlite => Db::Sqlite(dir.join(format!("{name}.db"))),
            Backend::Postgres { base } => {
                let schema = format!("bench_{name}_{}", std::process::id());
                let url = teho_postgres::url_in_schema(base, &schema).map_err(|e| e.to_string())?;
                // Left over from an interrupted run with the same process id: start empty.
                let mut c = postgres::Client::connect(base, postgres::NoTls).map_err(pg)?;
                c.batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                ))
                .map_err(pg)?;
                Db::Postgres {
                    base: base.clone(),
                    schema,
                    url,
                }
            }
        })
    }
}

/// A PostgreSQL error with the server's own message.
fn pg(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("PostgreSQL {}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    }
}

/// Opens the store a process was given: a SQLite file's path or a PostgreSQL URL.
pub(crate) fn open(db: &str) -> Result<Arc<dyn Store>, String> {
    Ok(if is_postgres_url(db) {
        Arc::new(PostgresStore::open(db).map_err(|e| e.to_string())?)
    } else {
        Arc::new(teho_storage::SqliteStore::open(db).map_err(|e| e.to_string())?)
    })
}

/// One workload's database.
pub(crate) enum Db {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A schema on a PostgreSQL server, dropped when this is.
    Postgres {
        base: String,
        schema: String,
        url: String,
    },
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { base, schema, .. } = self
            && let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

impl Db {
    /// What a process is given to open it: the file's path or the schema's URL.
    pub fn arg(&self) -> Result<String, String> {
        match self {
            Db::Sqlite(path) => path
                .to_str()
                .map(str::to_string)
                .ok_or_else(|| "a temporary path not in UTF-8".to_string()),
            Db::Postgres { url, .. } => Ok(url.clone()),
        }
    }

    /// A new TEHO store in it.
    pub fn create(&self) -> Result<Arc<dyn Store>, String> {
        Ok(match self {
            Db::Sqlite(path) => {
                Arc::new(teho_storage::SqliteStore::create(path).map_err(|e| e.to_string())?)
            }
            Db::Postgres { url, .. } => {
                Arc::new(PostgresStore::create(url).map_err(|e| e.to_string())?)
            }
        })
    }

    /// What its tables and indexes take on the disk: the SQLite file once its WAL is
    /// checkpointed into it; the relations of the schema on PostgreSQL.
    pub fn bytes(&self) -> Result<u64, String> {
        match self {
            Db::Sqlite(path) => crate::db_bytes(path),
            Db::Postgres { .. } => {
                let mut raw = self.raw()?;
                raw.schema_bytes()
            }
        }
    }

    /// Comes to rest before queries are timed: on SQLite the WAL copied into the file
    /// and everything on disk; on PostgreSQL the tables vacuumed and analysed (as the
    /// autovacuum daemon would have done in a running city) and a checkpoint.
    pub fn settle(&self) -> Result<(), String> {
        match self.raw()? {
            Raw::Sqlite(conn) => {
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .map_err(|e| e.to_string())?;
                let Db::Sqlite(path) = self else {
                    return Ok(());
                };
                std::fs::File::open(path)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| format!("syncing {}: {e}", path.display()))
            }
            // One statement a call: VACUUM may not run in the transaction block that
            // several statements in one message make.
            Raw::Postgres(mut c) => {
                c.batch_execute("VACUUM ANALYZE").map_err(pg)?;
                c.batch_execute("CHECKPOINT").map_err(pg)
            }
        }
    }

    /// A raw connection to it, outside the engine.
    pub fn raw(&self) -> Result<Raw, String> {
        Ok(match self {
            Db::Sqlite(path) => {
                Raw::Sqlite(rusqlite::Connection::open(path).map_err(|e| e.to_string())?)
            }
            Db::Postgres { url, .. } => {
                Raw::Postgres(postgres::Client::connect(url, postgres::NoTls).map_err(pg)?)
            }
        })
    }
}

/// A connection of the raw-SQL peer.
pub(crate) enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

/// A statement written once with `?N` placeholders, in the backend's own dialect.
fn dialect(raw: &Raw, sql: &str) -> String {
    match raw {
        Raw::Sqlite(_) => sql.to_string(),
        Raw::Postgres(_) => sql.replace('?', "$"),
    }
}

impl Raw {
    /// The one whole number `sql` selects.
    pub fn count(&mut self, sql: &str) -> Result<i64, String> {
        match self {
            Raw::Sqlite(c) => c
                .query_row(sql, [], |r| r.get(0))
                .map_err(|e| e.to_string()),
            Raw::Postgres(c) => c.query_one(sql, &[]).map(|r| r.get(0)).map_err(pg),
        }
    }

    /// The relations of the current schema on PostgreSQL (tables with their indexes and
    /// TOAST), in bytes.
    fn schema_bytes(&mut self) -> Result<u64, String> {
        let n = self.count(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')",
        )?;
        Ok(n as u64)
    }

    /// Runs a visits query (`?1` the worker's or file's id, `?2 ..?3` the window in Unix
    /// microseconds) and reads every column of every row; how many rows.
    pub fn visits(&mut self, sql: &str, key: Uuid, from: i64, to: i64) -> Result<usize, String> {
        let sql = dialect(self, sql);
        match self {
            Raw::Sqlite(c) => {
                let e = |x: rusqlite::Error| x.to_string();
                let mut stmt = c.prepare_cached(&sql).map_err(e)?;
                let mut rows = stmt
                    .query(rusqlite::params![key.as_bytes().as_slice(), from, to])
                    .map_err(e)?;
                let mut n = 0;
                while let Some(r) = rows.next().map_err(e)? {
                    std::hint::black_box(sqlite_visit(r).map_err(e)?);
                    n += 1;
                }
                Ok(n)
            }
            Raw::Postgres(c) => {
                let stmt = c.prepare(&sql).map_err(pg)?;
                let mut n = 0;
                for r in c.query(&stmt, &[&key, &from, &to]).map_err(pg)? {
                    std::hint::black_box(pg_visit(&r).map_err(pg)?);
                    n += 1;
                }
                Ok(n)
            }
        }
    }
}

/// A visits row as the engine stores it: id, v, file, plan item, start, end, worker,
/// provider, status, document.
pub(crate) type Visit = (
    Uuid,
    i64,
    Uuid,
    Option<Uuid>,
    i64,
    i64,
    Option<Uuid>,
    Option<Uuid>,
    i64,
    Vec<u8>,
);

/// The columns a visits row is read with, in [`Visit`]'s order.
pub(crate) const VISIT_COLUMNS: &str =
    "id, v, file, plan_item, start_us, end_us, worker, provider, status, doc";

fn sqlite_visit(r: &rusqlite::Row<'_>) -> rusqlite::Result<Visit> {
    let id = |i: usize| -> rusqlite::Result<Option<Uuid>> {
        let b: Option<Vec<u8>> = r.get(i)?;
        Ok(b.and_then(|b| Uuid::from_slice(&b).ok()))
    };
    Ok((
        id(0)?.unwrap_or_default(),
        r.get(1)?,
        id(2)?.unwrap_or_default(),
        id(3)?,
        r.get(4)?,
        r.get(5)?,
        id(6)?,
        id(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn pg_visit(r: &postgres::Row) -> Result<Visit, postgres::Error> {
    Ok((
        r.try_get(0)?,
        i64::from(r.try_get::<_, i32>(1)?),
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
        r.try_get(9)?,
    ))
}

/// The raw peer for storing: the engine's visit rows in `engine`, read back in the order
/// they were stored, inserted into a fresh `visits` table in `raw` with the same
/// columns and indexes, through one prepared statement in transactions of 10,000 rows
/// (SQLite: WAL, `synchronous=FULL`, foreign keys not checked; PostgreSQL: the server's
/// defaults, a synchronous commit). Returns rows/s, bytes per row and the row count.
pub(crate) fn raw_insert(engine: &Db, raw: &Db) -> Result<(f64, f64, usize), String> {
    let mut src = engine.raw()?;
    let order = match src {
        Raw::Sqlite(_) => "rowid",
        Raw::Postgres(_) => "pos",
    };
    let read = format!("SELECT {VISIT_COLUMNS} FROM visits ORDER BY {order}");
    let rows: Vec<Visit> = match &mut src {
        Raw::Sqlite(c) => {
            let e = |x: rusqlite::Error| x.to_string();
            let mut stmt = c.prepare(&read).map_err(e)?;
            stmt.query_map([], sqlite_visit)
                .map_err(e)?
                .collect::<Result<_, _>>()
                .map_err(e)?
        }
        Raw::Postgres(c) => c
            .query(&read, &[])
            .map_err(pg)?
            .iter()
            .map(pg_visit)
            .collect::<Result<_, _>>()
            .map_err(pg)?,
    };
    let insert = format!(
        "INSERT INTO visits ({VISIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    );
    let started;
    match (&src, raw) {
        (Raw::Sqlite(from), Db::Sqlite(path)) => {
            let e = |x: rusqlite::Error| x.to_string();
            let ddl: Vec<String> = from
                .prepare(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'visits' AND sql IS NOT NULL
                     ORDER BY type DESC",
                )
                .map_err(e)?
                .query_map([], |r| r.get(0))
                .map_err(e)?
                .collect::<Result<_, _>>()
                .map_err(e)?;
            let mut conn = rusqlite::Connection::open(path).map_err(e)?;
            conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
            conn.pragma_update(None, "synchronous", "FULL").map_err(e)?;
            // The limit: no foreign-key checks (the engine's file checks them).
            conn.pragma_update(None, "foreign_keys", "OFF").map_err(e)?;
            for sql in &ddl {
                conn.execute_batch(sql).map_err(e)?;
            }
            let blob = |u: &Uuid| u.as_bytes().to_vec();
            started = std::time::Instant::now();
            for chunk in rows.chunks(10_000) {
                let tx = conn.transaction().map_err(e)?;
                {
                    let mut stmt = tx.prepare_cached(&insert).map_err(e)?;
                    for r in chunk {
                        stmt.execute(rusqlite::params![
                            blob(&r.0),
                            r.1,
                            blob(&r.2),
                            r.3.as_ref().map(blob),
                            r.4,
                            r.5,
                            r.6.as_ref().map(blob),
                            r.7.as_ref().map(blob),
                            r.8,
                            r.9
                        ])
                        .map_err(e)?;
                    }
                }
                tx.commit().map_err(e)?;
            }
        }
        (
            Raw::Postgres(_),
            Db::Postgres {
                schema: raw_schema, ..
            },
        ) => {
            let Db::Postgres {
                schema: engine_schema,
                ..
            } = engine
            else {
                return Err("the engine and the peer on different backends".into());
            };
            let mut conn = raw.raw()?;
            let Raw::Postgres(c) = &mut conn else {
                return Err("the peer's connection is not PostgreSQL's".into());
            };
            // The same table: its columns, identity, defaults and indexes.
            c.batch_execute(&format!(
                "CREATE TABLE {raw_schema}.visits (LIKE {engine_schema}.visits INCLUDING ALL)"
            ))
            .map_err(pg)?;
            let insert = insert.replace('?', "$");
            started = std::time::Instant::now();
            for chunk in rows.chunks(10_000) {
                let mut tx = c.transaction().map_err(pg)?;
                let stmt = tx.prepare(&insert).map_err(pg)?;
                for r in chunk {
                    let v = r.1 as i32;
                    tx.execute(
                        &stmt,
                        &[&r.0, &v, &r.2, &r.3, &r.4, &r.5, &r.6, &r.7, &r.8, &r.9],
                    )
                    .map_err(pg)?;
                }
                tx.commit().map_err(pg)?;
            }
        }
        _ => return Err("the engine and the peer on different backends".into()),
    }
    let rate = rows.len() as f64 / started.elapsed().as_secs_f64();
    let bytes = raw.bytes()? as f64 / rows.len().max(1) as f64;
    Ok((rate, bytes, rows.len()))
}
