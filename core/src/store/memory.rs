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
        let t = self.state.table(kind);
        if t.by_id.contains_key(&row.id) {
            return Err(StoreError::Conflict {
                kind: kind.name,
                id: row.id,
            });
        }
        let pos = t.next;
        t.next += 1;
        t.by_id.insert(row.id, pos);
        t.rows.insert(pos, row.clone());
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
