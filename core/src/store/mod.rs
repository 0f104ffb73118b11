//! The storage port: the little a backend must do for the engine, and [`MemoryStore`],
//! the in-memory backend (tests, the browser demo).
//!
//! A backend stores *rows*: a record's 16-byte id, the version of its encoding, the
//! values of the columns its [`Kind`] declares (what lookups and ranges use) and the
//! encoded rest (`doc`). It does not know what a visit or a worker is. The typed API the
//! engine uses ([`Records`]: `worker(id)`, `visits_of_file(..)`, `insert(&visit)`) is
//! built here, in core, on top of these few methods, so a new backend writes only them:
//!
//! ```text
//! trait Store: Send + Sync {                              // object-safe: Arc<dyn Store>
//!     fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>>;
//!     fn open_batch(&self) -> StoreResult<BatchId>;
//!     fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()>;
//!     fn compact(&self) -> StoreResult<()> { Ok(()) }    // optional
//! }
//! trait StoreTx {                                         // one unit of work
//!     fn get(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>>;
//!     fn find(&mut self, kind: &'static Kind, filter: &Filter) -> StoreResult<Vec<Row>>;
//!     fn insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()>; // never overwrites
//!     fn update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()>; // must exist
//!     fn destroy(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<bool>;
//!     fn append_audit(&mut self, entry: NewAuditEntry) -> StoreResult<AuditEntry>; // seals
//!     fn audit_head(&mut self) -> StoreResult<Option<ChainHead>>;
//!     fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
//!     fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>>;
//!     fn commit(self: Box<Self>) -> StoreResult<()>;
//!     fn busy_times(..) / fn read_cache(..)              // optional fast paths
//! }
//! ```
//!
//! A unit of work is a command, a query or a call inside a batch ([`Unit`]); it sees a
//! consistent state and either commits whole or leaves nothing behind: dropping a
//! [`StoreTx`] without [`StoreTx::commit`] rolls it back. A batch is a value
//! ([`BatchId`]) that the engine hands to each call made through it, never a property of
//! the calling thread.
//!
//! The backend seals the audit chain ([`StoreTx::append_audit`]): it alone knows how to
//! serialise appends (SQLite by its single writer; a server database by a chain-head row
//! locked in the same transaction), and it returns the sealed entry.

mod binary;
pub(crate) mod kinds;
mod memory;
mod records;

use std::any::Any;
use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditEntry, ChainHead, NewAuditEntry};
use crate::ids::{ClientFileId, VisitId, WorkerId};

pub use kinds::{KINDS, VisitTexts, kind_by_name, status_code, text_key_id, upgrade};
pub use memory::{IMAGE_FORMAT, IMAGE_VERSION, MemoryStore, StoreImage};
pub use records::{Record, Records};

/// A storage failure. Messages name tables, ids and versions, never personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, lock timeout, a broken connection), with its message.
    #[error("{0}")]
    Backend(String),
    /// The database was written by a newer schema than this build knows.
    #[error("schema version {found} is newer than supported {supported}")]
    SchemaTooNew {
        /// Found in the database.
        found: i64,
        /// Supported by this build.
        supported: i64,
    },
    /// The file is not a TEHO database (missing, empty, not SQLite, without TEHO's
    /// schema), or already is one where a new one was to be created; left untouched.
    #[error("not a TEHO database: {problem}")]
    NotATehoDatabase {
        /// What was found.
        problem: String,
    },
    /// A new database was to be created where a file with content already is; it was
    /// left as it was.
    #[error("a new database is made only in a missing or empty file: {problem}")]
    FileNotEmpty {
        /// What is there.
        problem: String,
    },
    /// An insert named an id that is already stored: a new record never replaces one.
    #[error("{kind} {id} already exists")]
    Conflict {
        /// The kind of record (its table).
        kind: &'static str,
        /// The id given.
        id: Uuid,
    },
    /// An update named an id that is not stored.
    #[error("{kind} {id} does not exist")]
    Missing {
        /// The kind of record (its table).
        kind: &'static str,
        /// The id given.
        id: Uuid,
    },
    /// A stored row could not be read: an unknown version, a damaged encoding.
    #[error("{kind} {id}: {problem}")]
    Corrupt {
        /// The kind of record (its table).
        kind: &'static str,
        /// The row's id, or `-` when unknown.
        id: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A batch was used wrongly: closed already, or the engine was called outside the
    /// batch it is inside of.
    #[error("batch {batch}: {problem}")]
    Batch {
        /// The batch's number.
        batch: u64,
        /// What was wrong.
        problem: String,
    },
}

impl StoreError {
    /// A [`StoreError::Corrupt`] about the row `id` of `kind`.
    pub fn corrupt(kind: &'static str, id: impl ToString, problem: impl ToString) -> Self {
        Self::Corrupt {
            kind,
            id: id.to_string(),
            problem: problem.to_string(),
        }
    }
}

impl From<StoreError> for crate::TehoError {
    fn from(e: StoreError) -> Self {
        use crate::TehoError;
        match e {
            StoreError::Backend(message) => TehoError::Storage { message },
            StoreError::SchemaTooNew { found, supported } => {
                TehoError::SchemaTooNew { found, supported }
            }
            StoreError::NotATehoDatabase { problem } => TehoError::NotATehoDatabase { problem },
            StoreError::FileNotEmpty { problem } => TehoError::Conflict {
                kind: "database".into(),
                id: "-".into(),
                problem: format!(
                    "{problem}: a new database is made only in a missing or empty file"
                ),
            },
            StoreError::Conflict { kind, id } => TehoError::Conflict {
                kind: kind.into(),
                id: id.to_string(),
                problem: "already exists; a new record never replaces a stored one".into(),
            },
            StoreError::Missing { kind, id } => TehoError::NotFound {
                kind: kind.into(),
                id: id.to_string(),
                value: None,
            },
            e @ StoreError::Corrupt { .. } => TehoError::Storage {
                message: e.to_string(),
            },
            StoreError::Batch { batch, problem } => TehoError::Conflict {
                kind: "batch".into(),
                id: batch.to_string(),
                problem,
            },
        }
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The type of a declared column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// A 16-byte id (SQLite `BLOB`).
    Id,
    /// A 64-bit integer: an instant in microseconds since 1970 UTC, a status code.
    Int,
    /// Text.
    Text,
}

/// A column a kind of record declares: what lookups, ranges and orderings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name (the SQL column's).
    pub name: &'static str,
    /// Its type. Every declared column may be empty ([`Value::Null`]).
    pub ty: ColumnType,
}

/// A kind of stored record: its name (the table's) and its declared columns.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// The name; a SQL backend's table.
    pub name: &'static str,
    /// The columns, in the order of [`Row::columns`].
    pub columns: &'static [Column],
}

impl Kind {
    /// The position of the column `name`; a name the kind does not declare stops the
    /// build where it is used in a `const`.
    pub const fn col(&self, name: &str) -> usize {
        let mut i = 0;
        while i < self.columns.len() {
            let a = self.columns[i].name.as_bytes();
            let b = name.as_bytes();
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return i;
                }
            }
            i += 1;
        }
        panic!("no such column")
    }
}

/// A column's value. In JSON (a [`StoreImage`]): `"Null"`, `{"Id": …}`, `{"Int": …}`,
/// `{"Text": …}`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Value {
    /// Empty (SQL `NULL`): equal to nothing, inside no range.
    Null,
    /// An id.
    Id(Uuid),
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl Value {
    /// An optional id.
    pub fn opt_id(id: Option<Uuid>) -> Self {
        id.map_or(Self::Null, Self::Id)
    }

    /// The id, if it is one.
    pub fn as_id(&self) -> Option<Uuid> {
        match self {
            Self::Id(u) => Some(*u),
            _ => None,
        }
    }

    /// The integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, if it is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// One stored record as a backend sees it (in JSON, a [`StoreImage`]'s rows: `doc` as
/// lowercase hex).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// The record's id.
    pub id: Uuid,
    /// The version of the encoding of `doc` (and of the columns' meaning).
    pub version: u16,
    /// The values of the kind's declared columns, in order.
    pub columns: Vec<Value>,
    /// The rest of the record, encoded by core.
    #[serde(with = "hex_bytes")]
    pub doc: Vec<u8>,
}

/// Bytes as lowercase hex in JSON.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::audit::hex(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        crate::audit::unhex(&text)
            .ok_or_else(|| D::Error::custom("a record encoding that is not hex"))
    }
}

/// The SHA-256 of a row of `kind` as stored: what a call binds into its audit entry for
/// each record it writes (issue 17, item 5), so that a deep verification finds a row
/// edited outside the engine. Every part is framed (tag and length), so no two rows
/// share an encoding; the same on every backend, since it is computed from the port's
/// [`Row`].
pub fn row_digest(kind: &Kind, row: &Row) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let framed = |h: &mut Sha256, bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    h.update(b"teho-row-1");
    framed(&mut h, kind.name.as_bytes());
    h.update(row.id.as_bytes());
    h.update(row.version.to_be_bytes());
    h.update((row.columns.len() as u64).to_be_bytes());
    for v in &row.columns {
        match v {
            Value::Null => h.update([0]),
            Value::Id(u) => {
                h.update([1]);
                h.update(u.as_bytes());
            }
            Value::Int(i) => {
                h.update([2]);
                h.update(i.to_be_bytes());
            }
            Value::Text(t) => {
                h.update([3]);
                framed(&mut h, t.as_bytes());
            }
        }
    }
    framed(&mut h, &row.doc);
    h.finalize().into()
}

/// One condition of a [`Filter`] on a column (by position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// The column equals the value.
    Eq(usize, Value),
    /// The column is not empty and differs from the value.
    Ne(usize, Value),
    /// The integer column lies in `from .. to` (from inclusive, to exclusive).
    Range(usize, i64, i64),
}

/// The order of a [`StoreTx::find`]'s rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The order in which the rows were inserted (an update keeps a row's place).
    Inserted,
    /// By the column (by position), then by id.
    By(usize),
}

/// Which rows of a kind a [`StoreTx::find`] returns: those meeting every condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The conditions, all of which must hold.
    pub conds: Vec<Cond>,
    /// The order of the result.
    pub order: Order,
}

impl Filter {
    /// Every row, in insertion order.
    pub fn all() -> Self {
        Self {
            conds: Vec::new(),
            order: Order::Inserted,
        }
    }

    /// The rows whose column `col` equals `value`, in insertion order.
    pub fn eq(col: usize, value: Value) -> Self {
        Self {
            conds: vec![Cond::Eq(col, value)],
            order: Order::Inserted,
        }
    }

    /// Adds a condition.
    pub fn and(mut self, cond: Cond) -> Self {
        self.conds.push(cond);
        self
    }

    /// Orders by the column `col`, then by id.
    pub fn by(mut self, col: usize) -> Self {
        self.order = Order::By(col);
        self
    }

    /// Whether a row meets every condition, with SQL's meaning of an empty value.
    pub fn matches(&self, row: &Row) -> bool {
        self.conds.iter().all(|c| match c {
            Cond::Eq(i, v) => *v != Value::Null && row.columns.get(*i) == Some(v),
            Cond::Ne(i, v) => matches!(row.columns.get(*i), Some(x) if *x != Value::Null && x != v),
            Cond::Range(i, from, to) => {
                matches!(row.columns.get(*i), Some(Value::Int(x)) if x >= from && x < to)
            }
        })
    }

    /// Sorts rows already in insertion order into the filter's order.
    pub fn sort(&self, rows: &mut [Row]) {
        if let Order::By(i) = self.order {
            rows.sort_by(|a, b| (a.columns.get(i), a.id).cmp(&(b.columns.get(i), b.id)));
        }
    }
}

/// Whether a unit of work may change the client files or only reads them (and writes
/// nothing but its own audit entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// A command.
    Command,
    /// A query: a backend may make its commit durable a little later than a command's
    /// and may refuse one that wrote anything but audit entries.
    Query,
}

/// A batch: calls that commit together, once. Handed out by [`Store::open_batch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BatchId(pub u64);

/// What a unit of work is: its kind and the batch it belongs to, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Command or query.
    pub kind: UnitKind,
    /// The batch the call is made in; its work then commits with the batch.
    pub batch: Option<BatchId>,
}

/// What a store that runs one batch at a time does with a unit of work that asks to
/// begin ([`admit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// No batch is open: the unit begins on its own.
    Alone,
    /// The unit belongs to the open batch: it begins inside it.
    InBatch,
    /// Another caller's batch is open: wait until it closes, then ask again.
    Wait,
}

/// Admits a unit of `batch` (or of none) while `open` — the open batch and the thread
/// that opened it — holds the store: alone, inside the batch, or after waiting. A unit
/// naming a batch that is not open is refused, and so is a unit outside the batch asked
/// for on the batch's own thread: it would wait for itself forever.
pub fn admit(
    open: Option<(BatchId, std::thread::ThreadId)>,
    batch: Option<BatchId>,
) -> StoreResult<Admission> {
    match (open, batch) {
        (Some((o, _)), Some(b)) if o == b => Ok(Admission::InBatch),
        (Some((o, thread)), None) if thread == std::thread::current().id() => {
            Err(StoreError::Batch {
                batch: o.0,
                problem: "a call outside the batch was made inside it, on its thread; \
                          call through the engine the batch hands out"
                    .into(),
            })
        }
        (Some(_), None) => Ok(Admission::Wait),
        (_, Some(b)) => Err(StoreError::Batch {
            batch: b.0,
            problem: "is not open".into(),
        }),
        (None, None) => Ok(Admission::Alone),
    }
}

impl Unit {
    /// A command outside any batch.
    pub const COMMAND: Unit = Unit {
        kind: UnitKind::Command,
        batch: None,
    };
    /// A query outside any batch.
    pub const QUERY: Unit = Unit {
        kind: UnitKind::Query,
        batch: None,
    };
}

/// A store: hands out units of work. Object-safe, so the engine holds an
/// `Arc<dyn Store>` whatever the backend.
pub trait Store: Send + Sync {
    /// Begins a unit of work, waiting for another writer (or another batch) to finish.
    /// Inside a batch it is nested in the batch's work: dropping it undoes only its own.
    fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>>;
    /// Opens a batch: the units begun with it commit together when it closes. Other
    /// units wait until it is closed.
    fn open_batch(&self) -> StoreResult<BatchId>;
    /// Closes a batch, committing all its units' work or (`commit` false) none of it.
    fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()>;
    /// After a destruction: makes destroyed content unrecoverable from the storage files
    /// (SQLite: checkpoint and truncate the WAL; deleted pages are already zeroed).
    fn compact(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// One stretch of time a worker is taken by a visit ([`StoreTx::busy_times`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusyTime {
    /// The visit.
    pub visit: VisitId,
    /// Its planned start.
    pub start: DateTime<Utc>,
    /// Its planned end.
    pub end: DateTime<Utc>,
}

/// Microseconds since 1970 UTC: how instants are kept in integer columns.
pub fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The instant of a column's microseconds.
pub fn from_micros(kind: &'static str, id: Uuid, us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::corrupt(kind, id, format!("{us} µs is not an instant")))
}

/// One unit of work on a store. Dropped without [`StoreTx::commit`], it rolls back.
pub trait StoreTx {
    /// The row of `kind` with `id`.
    fn get(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>>;
    /// The rows of `kind` that meet `filter`, in its order.
    fn find(&mut self, kind: &'static Kind, filter: &Filter) -> StoreResult<Vec<Row>>;
    /// Stores a new row; [`StoreError::Conflict`] if its id is stored already.
    fn insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()>;
    /// Replaces a stored row, keeping its place in insertion order;
    /// [`StoreError::Missing`] if its id is not stored.
    fn update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()>;
    /// Destroys a row's content for good; whether it was there.
    fn destroy(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<bool>;
    /// Seals `entry` after the chain's newest entry ([`NewAuditEntry::seal`]) and
    /// appends it; returns it sealed. Appends must be serialised so that the chain never
    /// forks: two units never seal after the same head.
    fn append_audit(&mut self, entry: NewAuditEntry) -> StoreResult<AuditEntry>;
    /// The newest audit entry's sequence number and hash.
    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>>;
    /// Up to `limit` audit entries with `seq >= from`, in sequence order.
    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// The audit entries about a client file, in sequence order.
    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>>;
    /// Commits the unit's work (inside a batch: into the batch's).
    fn commit(self: Box<Self>) -> StoreResult<()>;

    /// When a worker is taken: the id, start and end of each of their planned or done
    /// visits starting in `from .. to`, in no particular order — what the overlap warning
    /// needs. The default reads the visits' rows; a backend may read fewer columns.
    fn busy_times(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BusyTime>> {
        kinds::busy_times_from_rows(self.find(
            &kinds::VISITS,
            &kinds::visits_of_worker_filter(worker, from, to),
        )?)
    }

    /// A cache of decoded records that this unit may read through, when the backend
    /// can tell when it goes stale (SQLite: a query's, emptied by any commit that wrote
    /// something). The default keeps none.
    fn read_cache(&mut self) -> Option<&mut ReadCache> {
        None
    }
}

/// Decoded records kept across units of work by a backend that knows when they go stale
/// ([`StoreTx::read_cache`]); keyed by a label and an id.
#[derive(Default)]
pub struct ReadCache {
    entries: HashMap<(&'static str, Uuid), Box<dyn Any + Send>>,
}

impl fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadCache")
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Entries a read cache holds before it starts over (some tens of MiB at most).
const READ_CACHE_ENTRIES: usize = 100_000;

impl ReadCache {
    /// The value kept under `label` and `id`, if any.
    pub fn get<T: Clone + 'static>(&self, label: &'static str, id: Uuid) -> Option<T> {
        self.entries
            .get(&(label, id))
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Keeps `value` under `label` and `id`.
    pub fn put<T: Send + 'static>(&mut self, label: &'static str, id: Uuid, value: T) {
        if self.entries.len() >= READ_CACHE_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert((label, id), Box::new(value));
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// How many values it keeps.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it keeps nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
