//! [`MemoryStore`]: the store in memory (tests, the browser demo). A unit of work
//! changes the data in place and keeps an undo log; rolling back replays the log
//! backwards. So a call costs what it touches, not what the store holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use uuid::Uuid;

use super::{
    Admission, BatchId, Filter, Kind, Row, Store, StoreError, StoreResult, StoreTx, Unit, admit,
};
use crate::audit::{AuditEntry, ChainHead, NewAuditEntry};
use crate::ids::ClientFileId;

/// The rows of one kind, in insertion order.
#[derive(Debug, Default)]
struct Table {
    rows: BTreeMap<u64, Row>,
    by_id: HashMap<Uuid, u64>,
    next: u64,
}

/// What undoes one change.
#[derive(Debug)]
enum Undo {
    Inserted(&'static str, Uuid),
    Updated(&'static str, Row),
    Destroyed(&'static str, u64, Row),
    Appended,
}

/// An open batch: its number, the thread that opened it (to refuse, rather than wait
/// forever for, a call made outside it on that thread) and what undoes its work.
#[derive(Debug)]
struct OpenBatch {
    id: BatchId,
    thread: ThreadId,
    undo: Vec<Undo>,
}

#[derive(Debug, Default)]
struct State {
    tables: HashMap<&'static str, Table>,
    audit: Vec<AuditEntry>,
    /// Positions in `audit` of the entries about each file.
    audit_by_file: HashMap<ClientFileId, Vec<usize>>,
    /// Whether a test rewrote the log ([`MemoryStore::tamper_audit`]).
    tampered: bool,
    batch: Option<OpenBatch>,
}

impl Table {
    /// Stores `row` after every row stored before; `false` (and nothing stored) when a
    /// row of its id is there.
    fn push(&mut self, row: Row) -> bool {
        if self.by_id.contains_key(&row.id) {
            return false;
        }
        let pos = self.next;
        self.next += 1;
        self.by_id.insert(row.id, pos);
        self.rows.insert(pos, row);
        true
    }
}

impl State {
    fn table(&mut self, kind: &'static Kind) -> &mut Table {
        self.tables.entry(kind.name).or_default()
    }

    fn undo(&mut self, u: Undo) {
        match u {
            Undo::Inserted(kind, id) => {
                if let Some(t) = self.tables.get_mut(kind)
                    && let Some(pos) = t.by_id.remove(&id)
                {
                    t.rows.remove(&pos);
                }
            }
            Undo::Updated(kind, row) => {
                if let Some(t) = self.tables.get_mut(kind)
                    && let Some(pos) = t.by_id.get(&row.id)
                {
                    t.rows.insert(*pos, row);
                }
            }
            Undo::Destroyed(kind, pos, row) => {
                let t = self.tables.entry(kind).or_default();
                t.by_id.insert(row.id, pos);
                t.rows.insert(pos, row);
            }
            Undo::Appended => {
                if let Some(e) = self.audit.pop() {
                    for f in e.file.iter().chain(&e.disclosed) {
                        if let Some(v) = self.audit_by_file.get_mut(f) {
                            v.pop();
                        }
                    }
                }
            }
        }
    }

    fn index_audit(&mut self) {
        self.audit_by_file.clear();
        for (i, e) in self.audit.iter().enumerate() {
            for f in e.file.iter().chain(&e.disclosed) {
                self.audit_by_file.entry(*f).or_default().push(i);
            }
        }
    }
}

/// An in-memory store for tests and the browser demo. Rows are encoded exactly as a
/// database backend stores them, so the same records and versions are exercised.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    batch_ended: Condvar,
    batches: AtomicU64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the audit log directly, bypassing the engine: only for tests that
    /// tamper with the log on purpose.
    pub fn tamper_audit(&self, f: impl FnOnce(&mut Vec<AuditEntry>)) {
        let mut s = self.lock();
        f(&mut s.audit);
        s.tampered = true;
        s.index_audit();
    }

    /// How many audit entries it holds.
    pub fn audit_len(&self) -> usize {
        self.lock().audit.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A [`MemoryStore`] unit of work: it holds the store for its whole life.
#[derive(Debug)]
struct MemoryTx<'a> {
    state: MutexGuard<'a, State>,
    undo: Vec<Undo>,
    in_batch: bool,
    open: bool,
}

impl Drop for MemoryTx<'_> {
    fn drop(&mut self) {
        if self.open {
            while let Some(u) = self.undo.pop() {
                self.state.undo(u);
            }
        }
    }
}

impl Store for MemoryStore {
    fn begin(&self, unit: Unit) -> StoreResult<Box<dyn StoreTx + '_>> {
        let mut state = self.lock();
        let in_batch = loop {
            match admit(state.batch.as_ref().map(|b| (b.id, b.thread)), unit.batch)? {
                Admission::Alone => break false,
                Admission::InBatch => break true,
                Admission::Wait => {
                    state = self
                        .batch_ended
                        .wait(state)
                        .unwrap_or_else(|p| p.into_inner());
                }
            }
        };
        Ok(Box::new(MemoryTx {
            state,
            undo: Vec::new(),
            in_batch,
            open: true,
        }))
    }

    fn open_batch(&self) -> StoreResult<BatchId> {
        let mut state = self.lock();
        let me = std::thread::current().id();
        loop {
            match &state.batch {
                Some(b) if b.thread == me => {
                    return Err(StoreError::Batch {
                        batch: b.id.0,
                        problem: "a second batch was opened inside it, on its thread".into(),
                    });
                }
                Some(_) => {
                    state = self
                        .batch_ended
                        .wait(state)
                        .unwrap_or_else(|p| p.into_inner());
                }
                None => break,
            }
        }
        let id = BatchId(self.batches.fetch_add(1, Ordering::Relaxed) + 1);
        state.batch = Some(OpenBatch {
            id,
            thread: me,
            undo: Vec::new(),
        });
        Ok(id)
    }

    fn close_batch(&self, batch: BatchId, commit: bool) -> StoreResult<()> {
        let mut state = self.lock();
        match state.batch.take() {
            Some(mut b) if b.id == batch => {
                if !commit {
                    while let Some(u) = b.undo.pop() {
                        state.undo(u);
                    }
                }
            }
            other => {
                state.batch = other;
                return Err(StoreError::Batch {
                    batch: batch.0,
                    problem: "is not open".into(),
                });
            }
        }
        drop(state);
        self.batch_ended.notify_all();
        Ok(())
    }
}

impl StoreTx for MemoryTx<'_> {
    fn get(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<Option<Row>> {
        let t = self.state.table(kind);
        Ok(t.by_id.get(&id).and_then(|p| t.rows.get(p)).cloned())
    }

    fn find(&mut self, kind: &'static Kind, filter: &Filter) -> StoreResult<Vec<Row>> {
        let t = self.state.table(kind);
        let mut rows: Vec<Row> = t
            .rows
            .values()
            .filter(|r| filter.matches(r))
            .cloned()
            .collect();
        filter.sort(&mut rows);
        Ok(rows)
    }

    fn insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        if !self.state.table(kind).push(row.clone()) {
            return Err(StoreError::Conflict {
                kind: kind.name,
                id: row.id,
            });
        }
        self.undo.push(Undo::Inserted(kind.name, row.id));
        Ok(())
    }

    fn update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        let t = self.state.table(kind);
        let Some(pos) = t.by_id.get(&row.id).copied() else {
            return Err(StoreError::Missing {
                kind: kind.name,
                id: row.id,
            });
        };
        if let Some(old) = t.rows.insert(pos, row.clone()) {
            self.undo.push(Undo::Updated(kind.name, old));
        }
        Ok(())
    }

    fn destroy(&mut self, kind: &'static Kind, id: Uuid) -> StoreResult<bool> {
        let t = self.state.table(kind);
        let Some(pos) = t.by_id.remove(&id) else {
            return Ok(false);
        };
        match t.rows.remove(&pos) {
            Some(row) => {
                self.undo.push(Undo::Destroyed(kind.name, pos, row));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn append_audit(&mut self, entry: NewAuditEntry) -> StoreResult<AuditEntry> {
        let head = self.state.audit.last().map(|e| ChainHead {
            seq: e.seq,
            hash: e.hash.clone(),
        });
        let sealed = entry.seal(head.as_ref());
        let pos = self.state.audit.len();
        for f in sealed.file.iter().chain(&sealed.disclosed) {
            self.state.audit_by_file.entry(*f).or_default().push(pos);
        }
        self.state.audit.push(sealed.clone());
        self.undo.push(Undo::Appended);
        Ok(sealed)
    }

    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        Ok(self.state.audit.last().map(|e| ChainHead {
            seq: e.seq,
            hash: e.hash.clone(),
        }))
    }

    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let audit = &self.state.audit;
        if !self.state.tampered {
            // Entry `seq` sits at position `seq - 1` unless a test tampered with the log.
            let start = usize::try_from(from.max(1) - 1).unwrap_or(usize::MAX);
            return Ok(audit.iter().skip(start).take(limit).cloned().collect());
        }
        let mut page: Vec<AuditEntry> = audit.iter().filter(|e| e.seq >= from).cloned().collect();
        page.sort_by_key(|e| e.seq);
        page.truncate(limit);
        Ok(page)
    }

    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        let s = &self.state;
        let mut v: Vec<AuditEntry> = s
            .audit_by_file
            .get(&file)
            .map(|ps| ps.iter().filter_map(|p| s.audit.get(*p)).cloned().collect())
            .unwrap_or_default();
        v.sort_by_key(|e| e.seq);
        Ok(v)
    }

    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.open = false;
        let undo = std::mem::take(&mut self.undo);
        if self.in_batch
            && let Some(b) = self.state.batch.as_mut()
        {
            b.undo.extend(undo);
        }
        Ok(())
    }
}

/// The format name an image of a [`MemoryStore`] carries, so a file of something else
/// is refused by name rather than half read.
pub const IMAGE_FORMAT: &str = "teho-memory-store";

/// The version of the image format this build writes and reads.
pub const IMAGE_VERSION: u32 = 1;

/// A whole [`MemoryStore`] as JSON: every stored row of every kind, in insertion
/// order, and the audit chain. The browser demo saves it so a user keeps what they did
/// (issue 20, item 2); [`MemoryStore::from_image`] reads it back only when the chain and
/// every row's binding into it verify.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreImage {
    /// Always [`IMAGE_FORMAT`].
    pub format: String,
    /// The format's version ([`IMAGE_VERSION`]).
    pub version: u32,
    /// The rows of each kind (by the kind's name), in the order they were stored.
    pub tables: BTreeMap<String, Vec<Row>>,
    /// The audit chain, entry 1 first.
    pub audit: Vec<AuditEntry>,
}

/// Why an image was refused: an `invalid_input` on the field `image`, naming the part.
fn refused(value: impl ToString, problem: &str) -> crate::error::TehoError {
    crate::error::TehoError::invalid("image", value, problem)
}

impl MemoryStore {
    /// The whole store as an image: what [`MemoryStore::from_image`] reads back. An
    /// open batch's work is in it as it stands; take the image between calls.
    pub fn image(&self) -> StoreImage {
        let s = self.lock();
        let tables = s
            .tables
            .iter()
            .filter(|(_, t)| !t.rows.is_empty())
            .map(|(name, t)| (name.to_string(), t.rows.values().cloned().collect()))
            .collect();
        StoreImage {
            format: IMAGE_FORMAT.into(),
            version: IMAGE_VERSION,
            tables,
            audit: s.audit.clone(),
        }
    }

    /// [`MemoryStore::image`] as JSON text.
    pub fn image_json(&self) -> crate::error::TehoResult<String> {
        serde_json::to_string(&self.image()).map_err(|e| crate::error::TehoError::Internal {
            message: format!("a store image did not encode as JSON: {e}"),
        })
    }

    /// [`MemoryStore::from_image`] from JSON text. Text that is not an image is refused
    /// naming the line and column and what kind of problem is there, never the text
    /// itself (it may hold a name).
    pub fn from_image_json(text: &str) -> crate::error::TehoResult<Self> {
        let image: StoreImage = serde_json::from_str(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Io => "it could not be read",
                serde_json::error::Category::Syntax => "it is not JSON",
                serde_json::error::Category::Data => "it is JSON but not a store image",
                serde_json::error::Category::Eof => "it ends before the image does",
            };
            refused(format!("line {} column {}", e.line(), e.column()), what)
        })?;
        Self::from_image(image)
    }

    /// A store holding what `image` holds, once its audit chain verifies and every row
    /// matches what the chain bound for it ([`crate::audit::verify_store_deep`]): a file
    /// edited outside TEHO is refused, not loaded. Refusals are `invalid_input` on the
    /// field `image`, naming the format, the kind and id, or the chain entry — never
    /// the records' content.
    pub fn from_image(image: StoreImage) -> crate::error::TehoResult<Self> {
        if image.format != IMAGE_FORMAT {
            return Err(refused(
                &image.format,
                "not an image of a TEHO memory store (format \"teho-memory-store\")",
            ));
        }
        if image.version != IMAGE_VERSION {
            return Err(refused(
                image.version,
                "an image format version this build does not read (it reads 1)",
            ));
        }
        let mut state = State::default();
        for (name, rows) in image.tables {
            let Some(kind) = super::kind_by_name(&name) else {
                return Err(refused(&name, "no such kind of record"));
            };
            let t = state.table(kind);
            for row in rows {
                let at = format!("{name} {}", row.id);
                if row.columns.len() != kind.columns.len() {
                    return Err(refused(at, "its number of columns is not its kind's"));
                }
                if !t.push(row) {
                    return Err(refused(at, "stored twice"));
                }
            }
        }
        for (i, e) in image.audit.iter().enumerate() {
            if e.seq != i as u64 + 1 {
                return Err(refused(
                    format!("audit entry {}", e.seq),
                    "the chain's entries are not numbered 1, 2, 3, … in order",
                ));
            }
        }
        state.audit = image.audit;
        state.index_audit();
        let store = Self {
            state: Mutex::new(state),
            ..Self::default()
        };
        let report = crate::audit::verify_store_deep(&store, None)?;
        if let Some(b) = report.first_break {
            return Err(refused(
                format!("audit entry {}", b.seq),
                &format!("the audit chain breaks there ({:?})", b.kind),
            ));
        }
        if let Some(f) = report.records.as_ref().and_then(|r| r.findings.first()) {
            return Err(refused(
                format!("{} {}", f.kind, f.id),
                &format!(
                    "the record does not match what the audit chain bound for it ({:?})",
                    f.problem
                ),
            ));
        }
        Ok(store)
    }
}
