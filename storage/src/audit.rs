//! The audit log in SQLite, compact (schema step 9): texts that repeat — who, which
//! operation, the purpose, the decision, the outcome, the kind of object — are stored
//! once in `audit_texts` and referred to by number; ids, instants and hashes are stored
//! as bytes and integers. Every entry reads back exactly as it was sealed, so its
//! content digest still matches; a value that cannot take the compact form (a damaged
//! entry of an older file) is kept as the text it was: nothing is lost, and reading the
//! entry is an error that names it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, ToSql};
use teho_core::audit::{
    ActorRef, AuditDecision, AuditEntry, ChainHead, NewAuditEntry, RecordWrite,
};
use teho_core::ids::ClientFileId;
use teho_core::store::{StoreError, StoreResult};
use uuid::Uuid;

use crate::schema::backend;

/// Texts kept in memory before the caches start over.
const TEXTS_CACHED: usize = 100_000;

/// The connection's copies of `audit_texts`: committed rows only, which never change
/// (the table is append-only), plus the rows this connection's open transaction added.
#[derive(Debug, Default)]
pub(crate) struct AuditTexts {
    ids: HashMap<Arc<str>, i64>,
    texts: HashMap<i64, Arc<str>>,
    /// Added by the open transaction, not committed yet: in order, and by text.
    pending: Vec<(i64, Arc<str>)>,
    pending_ids: HashMap<Arc<str>, i64>,
    /// The JSON of actors and decisions recorded so far.
    memo: JsonMemo,
}

impl AuditTexts {
    /// How many texts the open transaction added: a unit of work nested in a batch
    /// forgets back to this mark when it rolls back.
    pub(crate) fn mark(&self) -> usize {
        self.pending.len()
    }

    /// Forgets the texts added after `mark` (their rows were rolled back).
    pub(crate) fn roll_back_to(&mut self, mark: usize) {
        for (_, t) in self.pending.drain(mark.min(self.pending.len())..) {
            self.pending_ids.remove(&t);
        }
    }

    /// The open transaction committed: its texts are stored for good.
    pub(crate) fn committed(&mut self) {
        if self.ids.len() + self.pending.len() > TEXTS_CACHED {
            self.ids.clear();
            self.texts.clear();
        }
        self.pending_ids.clear();
        for (id, t) in self.pending.drain(..) {
            self.ids.insert(Arc::clone(&t), id);
            self.texts.insert(id, t);
        }
    }

    fn keep(&mut self, id: i64, t: Arc<str>) {
        if self.ids.len() >= TEXTS_CACHED {
            self.ids.clear();
            self.texts.clear();
        }
        self.ids.insert(Arc::clone(&t), id);
        self.texts.insert(id, t);
    }

    /// The number of `text`, adding it if it is new; whether a row was added.
    pub(crate) fn intern(&mut self, conn: &Connection, text: &str) -> StoreResult<(i64, bool)> {
        if let Some(id) = self.ids.get(text).or_else(|| self.pending_ids.get(text)) {
            return Ok((*id, false));
        }
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM audit_texts WHERE text = ?1")
            .and_then(|mut s| s.query_row([text], |r| r.get(0)).optional())
            .map_err(backend)?;
        if let Some(id) = found {
            // Not one of ours still pending: committed, so it stays.
            self.keep(id, Arc::from(text));
            return Ok((id, false));
        }
        conn.prepare_cached("INSERT INTO audit_texts (text) VALUES (?1)")
            .and_then(|mut s| s.execute([text]))
            .map_err(backend)?;
        let id = conn.last_insert_rowid();
        let t: Arc<str> = Arc::from(text);
        self.pending_ids.insert(Arc::clone(&t), id);
        self.pending.push((id, t));
        Ok((id, true))
    }

    /// The text numbered `id`.
    pub(crate) fn text(&mut self, conn: &Connection, id: i64) -> StoreResult<Arc<str>> {
        if let Some(t) = self.texts.get(&id) {
            return Ok(Arc::clone(t));
        }
        if let Some((_, t)) = self.pending.iter().rev().find(|(i, _)| *i == id) {
            return Ok(Arc::clone(t));
        }
        let t: Option<String> = conn
            .prepare_cached("SELECT text FROM audit_texts WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(backend)?;
        let t: Arc<str> = Arc::from(t.ok_or_else(|| {
            StoreError::corrupt(
                "audit_texts",
                id,
                "referred to by an audit entry, not stored",
            )
        })?);
        // A pending row would have been found above: this one is committed.
        self.keep(id, Arc::clone(&t));
        Ok(t)
    }
}

/// The recorded actor: as the engine gives it, or (an older file's) as JSON.
pub(crate) enum ActorText<'a> {
    Ref(&'a ActorRef),
    Json(String),
}

/// The recorded decision: as the engine gives it, or (an older file's) as JSON.
pub(crate) enum DecisionText<'a> {
    Value(&'a AuditDecision),
    Json(String),
}

/// An entry's values as stored: compact where they can be, as text where not.
pub(crate) struct StoredEntry<'a> {
    pub(crate) seq: i64,
    /// The instant, or the text of one that could not be read (an older file's).
    pub(crate) at: Result<DateTime<Utc>, String>,
    pub(crate) actor: ActorText<'a>,
    pub(crate) operation: &'a str,
    pub(crate) object: &'a str,
    pub(crate) file: Option<String>,
    pub(crate) disclosed: &'a [ClientFileId],
    pub(crate) purpose: &'a str,
    pub(crate) decision: DecisionText<'a>,
    pub(crate) outcome: &'a str,
    /// The records the call wrote; `None` for an entry from before they were bound.
    pub(crate) writes: Option<&'a [RecordWrite]>,
    pub(crate) content_digest: &'a str,
    pub(crate) prev_hash: &'a str,
    pub(crate) hash: &'a str,
}

impl<'a> StoredEntry<'a> {
    /// A sealed entry's values.
    pub(crate) fn of(e: &'a AuditEntry) -> StoreResult<Self> {
        Ok(Self {
            seq: i64::try_from(e.seq)
                .map_err(|_| StoreError::corrupt("audit_log", e.seq, "sequence too large"))?,
            at: Ok(e.at),
            actor: ActorText::Ref(&e.actor),
            operation: &e.operation,
            object: &e.object,
            file: e.file.map(|f| f.to_string()),
            disclosed: &e.disclosed,
            purpose: &e.purpose,
            decision: DecisionText::Value(&e.decision),
            outcome: &e.outcome,
            writes: e.writes.as_deref(),
            content_digest: &e.content_digest,
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        })
    }
}

/// The JSON of recorded actors and decisions, memoised: every call of one worker
/// records the same actor, and decisions repeat.
#[derive(Debug, Default)]
pub(crate) struct JsonMemo {
    actors: HashMap<ActorRef, Arc<str>>,
    decisions: HashMap<AuditDecision, Arc<str>>,
}

impl JsonMemo {
    fn actor(&mut self, a: &ActorRef) -> StoreResult<Arc<str>> {
        if let Some(j) = self.actors.get(a) {
            return Ok(Arc::clone(j));
        }
        let j: Arc<str> = Arc::from(json(a)?);
        if self.actors.len() >= TEXTS_CACHED {
            self.actors.clear();
        }
        self.actors.insert(a.clone(), Arc::clone(&j));
        Ok(j)
    }

    fn decision(&mut self, d: &AuditDecision) -> StoreResult<Arc<str>> {
        if let Some(j) = self.decisions.get(d) {
            return Ok(Arc::clone(j));
        }
        let j: Arc<str> = Arc::from(json(d)?);
        if self.decisions.len() >= TEXTS_CACHED {
            self.decisions.clear();
        }
        self.decisions.insert(d.clone(), Arc::clone(&j));
        Ok(j)
    }
}

fn json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::corrupt("audit_log", "-", format!("encoding: {e}")))
}

/// 32 bytes from 64 lowercase hex digits; anything else stays text.
fn hash_value(h: &str) -> rusqlite::types::Value {
    let b = h.as_bytes();
    if b.len() == 64 && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        let mut out = Vec::with_capacity(32);
        for pair in b.chunks(2) {
            let hi = (pair[0] as char).to_digit(16).unwrap_or(0);
            let lo = (pair[1] as char).to_digit(16).unwrap_or(0);
            out.push((hi * 16 + lo) as u8);
        }
        rusqlite::types::Value::Blob(out)
    } else {
        rusqlite::types::Value::Text(h.to_string())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// 16 bytes from a canonical (lowercase, hyphenated) id; anything else stays text.
fn id_value(s: &str) -> rusqlite::types::Value {
    match Uuid::parse_str(s) {
        Ok(u) if u.hyphenated().to_string() == s => {
            rusqlite::types::Value::Blob(u.as_bytes().to_vec())
        }
        _ => rusqlite::types::Value::Text(s.to_string()),
    }
}

/// `<kind>:<uuid><rest>` split into its three parts, when the object reads so exactly.
fn split_object(object: &str) -> Option<(&str, Uuid, &str)> {
    let (kind, after) = object.split_once(':')?;
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return None;
    }
    let id = after.get(..36)?;
    let u = Uuid::parse_str(id).ok()?;
    if u.hyphenated().to_string() != id {
        return None;
    }
    Some((kind, u, &after[36..]))
}

/// Writes one entry's row.
pub(crate) fn insert(
    conn: &Connection,
    texts: &mut AuditTexts,
    e: &StoredEntry,
) -> StoreResult<u64> {
    let actor_json: Arc<str> = match &e.actor {
        ActorText::Ref(a) => texts.memo.actor(a)?,
        ActorText::Json(j) => Arc::from(j.as_str()),
    };
    let decision_json: Arc<str> = match &e.decision {
        DecisionText::Value(d) => texts.memo.decision(d)?,
        DecisionText::Json(j) => Arc::from(j.as_str()),
    };
    let mut added = 0;
    let mut intern = |t: &str| -> StoreResult<i64> {
        let (id, new) = texts.intern(conn, t)?;
        added += u64::from(new);
        Ok(id)
    };
    let (at, at_nanos): (rusqlite::types::Value, i64) = match &e.at {
        Ok(t) => (
            rusqlite::types::Value::Integer(t.timestamp()),
            i64::from(t.timestamp_subsec_nanos()),
        ),
        Err(text) => (rusqlite::types::Value::Text(text.clone()), 0),
    };
    let (object_kind, object_id, object) = match split_object(e.object) {
        Some((kind, id, rest)) => (
            Some(intern(kind)?),
            Some(id.into_bytes()),
            (!rest.is_empty()).then_some(rest),
        ),
        None => (None, None, Some(e.object)),
    };
    let actor = intern(&actor_json)?;
    let operation = intern(e.operation)?;
    let purpose = intern(e.purpose)?;
    let decision = intern(&decision_json)?;
    let outcome = intern(e.outcome)?;
    let file = e.file.as_deref().map(id_value);
    // An entry that disclosed no other file leaves the column out, and one from before
    // records were bound leaves `writes` out: the conversion of step 9 writes entries
    // before steps 10 and 12 add them.
    let disclosed: Vec<u8> = e.disclosed.iter().flat_map(|f| *f.0.as_bytes()).collect();
    let writes = e.writes.map(|w| encode_writes(e.seq, w)).transpose()?;
    let mut stmt = conn
        .prepare_cached(match (disclosed.is_empty(), writes.is_some()) {
            (true, false) => {
                "INSERT INTO audit_log (seq, at, at_nanos, actor, operation, object_kind,
                    object_id, object, file, purpose, decision, outcome, content_digest,
                    prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            }
            (false, false) => {
                "INSERT INTO audit_log (seq, at, at_nanos, actor, operation, object_kind,
                    object_id, object, file, purpose, decision, outcome, content_digest,
                    prev_hash, hash, disclosed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            }
            (true, true) => {
                "INSERT INTO audit_log (seq, at, at_nanos, actor, operation, object_kind,
                    object_id, object, file, purpose, decision, outcome, content_digest,
                    prev_hash, hash, writes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17)"
            }
            (false, true) => {
                "INSERT INTO audit_log (seq, at, at_nanos, actor, operation, object_kind,
                    object_id, object, file, purpose, decision, outcome, content_digest,
                    prev_hash, hash, disclosed, writes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17)"
            }
        })
        .map_err(backend)?;
    let values: [&dyn ToSql; 17] = [
        &e.seq,
        &at,
        &at_nanos,
        &actor,
        &operation,
        &object_kind,
        &object_id,
        &object,
        &file,
        &purpose,
        &decision,
        &outcome,
        &hash_value(e.content_digest),
        &hash_value(e.prev_hash),
        &hash_value(e.hash),
        &disclosed,
        &writes,
    ];
    // SQLite numbers parameters by their `?N`: a statement that leaves one out still
    // takes the ones after it, and the count bound must be the highest number used.
    let used = match (disclosed.is_empty(), writes.is_some()) {
        (true, false) => 15,
        (false, false) => 16,
        (_, true) => 17,
    };
    let values = &values[..used];
    stmt.execute(values).map_err(backend)?;
    Ok(added)
}

/// A call's written records as stored (schema step 12): per record the length of its
/// kind's name (one byte), the name, the 16-byte id, then 1 and the 32-byte digest of
/// the row as written, or 0 when the call destroyed it. No records: zero bytes (not
/// `NULL`, which marks an entry from before records were bound).
fn encode_writes(seq: i64, writes: &[RecordWrite]) -> StoreResult<Vec<u8>> {
    let bad = |p: &str| StoreError::corrupt("audit_log", seq, p);
    let mut out = Vec::with_capacity(writes.len() * 58);
    for w in writes {
        let name = w.kind.as_bytes();
        out.push(u8::try_from(name.len()).map_err(|_| bad("a written record's kind too long"))?);
        out.extend_from_slice(name);
        out.extend_from_slice(w.id.as_bytes());
        match &w.digest {
            None => out.push(0),
            Some(d) => match hash_value(d) {
                rusqlite::types::Value::Blob(b) => {
                    out.push(1);
                    out.extend_from_slice(&b);
                }
                _ => return Err(bad("a written record's digest is not 64 hex digits")),
            },
        }
    }
    Ok(out)
}

/// The written records of [`encode_writes`].
fn decode_writes(mut b: &[u8]) -> Option<Vec<RecordWrite>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = b.split_first() {
        let len = usize::from(len);
        let name = std::str::from_utf8(rest.get(..len)?).ok()?;
        let id = Uuid::from_slice(rest.get(len..len + 16)?).ok()?;
        let rest = &rest[len + 16..];
        let (&flag, rest) = rest.split_first()?;
        let (digest, rest) = match flag {
            0 => (None, rest),
            1 => (Some(hex(rest.get(..32)?)), &rest[32..]),
            _ => return None,
        };
        out.push(RecordWrite {
            kind: name.into(),
            id,
            digest,
        });
        b = rest;
    }
    Some(out)
}

/// The newest entry's sequence number and hash.
pub(crate) fn head(conn: &Connection) -> StoreResult<Option<ChainHead>> {
    conn.prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| {
            s.query_row([], |r| Ok((r.get::<_, i64>(0)?, hash_text(r.get_ref(1)?))))
                .optional()
        })
        .map_err(backend)
        .map(|o| {
            o.map(|(seq, hash)| ChainHead {
                seq: seq as u64,
                hash,
            })
        })
}

/// Seals `entry` after the head and appends it; with the number of texts it added.
pub(crate) fn append(
    conn: &Connection,
    texts: &mut AuditTexts,
    entry: NewAuditEntry,
) -> StoreResult<(AuditEntry, u64)> {
    let sealed = entry.seal(head(conn)?.as_ref());
    let added = insert(conn, texts, &StoredEntry::of(&sealed)?)?;
    Ok((sealed, added))
}

fn hash_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Blob(b) => hex(b),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
    }
}

/// The entries a `WHERE …` clause selects, in its order.
pub(crate) fn read(
    conn: &Connection,
    texts: &mut AuditTexts,
    clause: &str,
    values: &[&dyn ToSql],
) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT seq, at, at_nanos, actor, operation, object_kind, object_id, object, file,
                purpose, decision, outcome, content_digest, prev_hash, hash, disclosed, writes
             FROM audit_log WHERE {clause}"
        ))
        .map_err(backend)?;
    let mut rows = stmt.query(values).map_err(backend)?;
    // Decoded once per call: an actor or a decision repeats through a page.
    let mut actors: HashMap<i64, ActorRef> = HashMap::new();
    let mut decisions: HashMap<i64, AuditDecision> = HashMap::new();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let seq: i64 = r.get(0).map_err(backend)?;
        let bad = |p: String| StoreError::corrupt("audit_log", seq, p);
        let at = match r.get_ref(1).map_err(backend)? {
            ValueRef::Integer(secs) => {
                let nanos: i64 = r.get(2).map_err(backend)?;
                u32::try_from(nanos)
                    .ok()
                    .and_then(|n| DateTime::from_timestamp(secs, n))
                    .ok_or_else(|| bad(format!("instant {secs}.{nanos}")))?
            }
            ValueRef::Text(t) => {
                let t = String::from_utf8_lossy(t);
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| bad(format!("instant {t:?}: {e}")))?
                    .with_timezone(&Utc)
            }
            other => return Err(bad(format!("instant of type {:?}", other.data_type()))),
        };
        let number = |i: usize| -> StoreResult<i64> { r.get(i).map_err(backend) };
        let actor_id = number(3)?;
        let actor = match actors.get(&actor_id) {
            Some(a) => a.clone(),
            None => {
                let t = texts.text(conn, actor_id)?;
                let a: ActorRef =
                    serde_json::from_str(&t).map_err(|e| bad(format!("actor: {e}")))?;
                actors.insert(actor_id, a.clone());
                a
            }
        };
        let operation = texts.text(conn, number(4)?)?.to_string();
        let object_kind: Option<i64> = r.get(5).map_err(backend)?;
        let object_rest: Option<String> = r.get(7).map_err(backend)?;
        let object = match object_kind {
            Some(k) => {
                let id: Vec<u8> = r.get(6).map_err(backend)?;
                let id = Uuid::from_slice(&id).map_err(|_| bad("object id".into()))?;
                format!(
                    "{}:{}{}",
                    texts.text(conn, k)?,
                    id.hyphenated(),
                    object_rest.as_deref().unwrap_or("")
                )
            }
            None => object_rest.unwrap_or_default(),
        };
        let file = match r.get_ref(8).map_err(backend)? {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(ClientFileId(
                Uuid::from_slice(b).map_err(|_| bad("file id".into()))?,
            )),
            ValueRef::Text(t) => Some(ClientFileId(
                Uuid::parse_str(&String::from_utf8_lossy(t))
                    .map_err(|e| bad(format!("file id: {e}")))?,
            )),
            other => return Err(bad(format!("file of type {:?}", other.data_type()))),
        };
        let purpose = texts.text(conn, number(9)?)?.to_string();
        let decision_id = number(10)?;
        let decision = match decisions.get(&decision_id) {
            Some(d) => d.clone(),
            None => {
                let t = texts.text(conn, decision_id)?;
                let d: AuditDecision =
                    serde_json::from_str(&t).map_err(|e| bad(format!("decision: {e}")))?;
                decisions.insert(decision_id, d.clone());
                d
            }
        };
        let outcome = texts.text(conn, number(11)?)?.to_string();
        let disclosed = match r.get_ref(15).map_err(backend)? {
            ValueRef::Null => Vec::new(),
            ValueRef::Blob(b) if b.len() % 16 == 0 => b
                .chunks(16)
                .map(|c| Uuid::from_slice(c).map(ClientFileId))
                .collect::<Result<_, _>>()
                .map_err(|_| bad("disclosed files".into()))?,
            _ => return Err(bad("disclosed files".into())),
        };
        let writes = match r.get_ref(16).map_err(backend)? {
            ValueRef::Null => None,
            ValueRef::Blob(b) => {
                Some(decode_writes(b).ok_or_else(|| bad("written records".into()))?)
            }
            _ => return Err(bad("written records".into())),
        };
        out.push(AuditEntry {
            seq: seq as u64,
            at,
            actor,
            operation,
            object,
            file,
            disclosed,
            purpose,
            decision,
            outcome,
            writes,
            content_digest: hash_text(r.get_ref(12).map_err(backend)?),
            prev_hash: hash_text(r.get_ref(13).map_err(backend)?),
            hash: hash_text(r.get_ref(14).map_err(backend)?),
        });
    }
    Ok(out)
}

/// Up to `limit` entries from `from` on, in sequence order.
pub(crate) fn page(
    conn: &Connection,
    texts: &mut AuditTexts,
    from: u64,
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    // Past the largest BIGINT there is nothing to read: clamp rather than wrap.
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    read(
        conn,
        texts,
        "seq >= ?1 ORDER BY seq LIMIT ?2",
        &[&from, &limit],
    )
}

/// Entries whose disclosed files the index may lag behind by before an append brings it
/// up to date ([`index_disclosed`]).
pub(crate) const UNINDEXED_AT_MOST: u32 = 4_096;

/// Brings `audit_disclosed` up to the newest entry: the (file, seq) rows of every entry
/// appended since it was last brought up to date, inserted in file order — a few pages
/// per catch-up instead of one page per file at every read, which made a worker's day
/// write five scattered index pages. Returns the rows it wrote (the query unit's guard
/// counts them as the audit's). A file's access log always catches up first.
pub(crate) fn index_disclosed(conn: &Connection) -> StoreResult<u64> {
    let upto: i64 = conn
        .prepare_cached("SELECT upto FROM audit_disclosed_upto")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    let mut rows: Vec<([u8; 16], i64)> = Vec::new();
    let mut newest = upto;
    {
        let mut stmt = conn
            .prepare_cached("SELECT seq, disclosed FROM audit_log WHERE seq > ?1 ORDER BY seq")
            .map_err(backend)?;
        let mut q = stmt.query([upto]).map_err(backend)?;
        while let Some(r) = q.next().map_err(backend)? {
            let seq: i64 = r.get(0).map_err(backend)?;
            newest = seq;
            if let ValueRef::Blob(b) = r.get_ref(1).map_err(backend)? {
                for c in b.chunks_exact(16) {
                    let mut id = [0u8; 16];
                    id.copy_from_slice(c);
                    rows.push((id, seq));
                }
            }
        }
    }
    if newest == upto {
        return Ok(0);
    }
    rows.sort_unstable();
    let mut insert = conn
        .prepare_cached("INSERT INTO audit_disclosed (file, seq) VALUES (?1, ?2)")
        .map_err(backend)?;
    for (file, seq) in &rows {
        insert
            .execute(rusqlite::params![file.as_slice(), seq])
            .map_err(backend)?;
    }
    conn.prepare_cached("UPDATE audit_disclosed_upto SET upto = ?1")
        .and_then(|mut s| s.execute([newest]))
        .map_err(backend)?;
    Ok(rows.len() as u64 + 1)
}

/// At most this many entries wait unindexed, whoever appended them: a process that
/// appends a few disclosing entries and exits never reaches [`UNINDEXED_AT_MOST`] of its
/// own, and the next append past this tail indexes it.
pub(crate) const TAIL_AT_MOST: u64 = 16_384;

/// How many entries up to `head` the index of disclosed files has not reached.
pub(crate) fn unindexed_entries(conn: &Connection, head: u64) -> StoreResult<u64> {
    let upto: i64 = conn
        .prepare_cached("SELECT upto FROM audit_disclosed_upto")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    Ok(head.saturating_sub(upto.max(0) as u64))
}

/// Which entries are a file's: about it, a read that disclosed it (indexed), or a read
/// past the index whose disclosed files hold it (`?2`, a list of such entries' numbers).
pub(crate) const OF_FILE: &str =
    "file = ?1 OR seq IN (SELECT seq FROM audit_disclosed WHERE file = ?1)
     OR seq IN (SELECT value FROM json_each(?2)) ORDER BY seq";

/// The entries about a file or disclosing it, in sequence order. It writes nothing, so
/// that a query reads from its snapshot alone: the entries the index of disclosed files
/// has not reached ([`index_disclosed`], at most about [`TAIL_AT_MOST`]) are read from
/// the log.
pub(crate) fn of_file(
    conn: &Connection,
    texts: &mut AuditTexts,
    file: ClientFileId,
) -> StoreResult<Vec<AuditEntry>> {
    let file: &[u8] = file.0.as_bytes();
    let mut past_index: Vec<i64> = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, disclosed FROM audit_log
                 WHERE seq > (SELECT upto FROM audit_disclosed_upto) AND disclosed IS NOT NULL",
            )
            .map_err(backend)?;
        let mut q = stmt.query([]).map_err(backend)?;
        while let Some(r) = q.next().map_err(backend)? {
            if let ValueRef::Blob(b) = r.get_ref(1).map_err(backend)?
                && b.chunks_exact(16).any(|c| c == file)
            {
                past_index.push(r.get(0).map_err(backend)?);
            }
        }
    }
    let past_index = serde_json::to_string(&past_index)
        .map_err(|e| StoreError::Backend(format!("encoding entry numbers: {e}")))?;
    read(conn, texts, OF_FILE, &[&file, &past_index])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn an_object_splits_only_when_it_reads_back_the_same() {
        let u = "01890a5d-ac96-774b-bcce-b302099a8057";
        assert_eq!(
            split_object(&format!("visit:{u}")),
            Some(("visit", Uuid::parse_str(u).unwrap(), ""))
        );
        assert_eq!(
            split_object(&format!("client_file:{u} 2026-11-02..2026-11-08")),
            Some((
                "client_file",
                Uuid::parse_str(u).unwrap(),
                " 2026-11-02..2026-11-08"
            ))
        );
        for whole in [
            "installation",
            "own inbox",
            &format!("visit:{}", u.to_uppercase()),
            &format!("Visit:{u}"),
            &format!("visit:{}", u.replace('-', "")),
            &format!(":{u}"),
            "lookup by personal code 38001010014",
        ] {
            assert_eq!(split_object(whole), None, "{whole}");
        }
    }

    #[test]
    fn hashes_are_bytes_when_they_are_hex_and_text_when_not() {
        let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        match hash_value(h) {
            rusqlite::types::Value::Blob(b) => assert_eq!(hex(&b), h),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            hash_value("forged"),
            rusqlite::types::Value::Text("forged".into())
        );
        assert_eq!(
            hash_value(&h.to_uppercase()),
            rusqlite::types::Value::Text(h.to_uppercase())
        );
    }
}
