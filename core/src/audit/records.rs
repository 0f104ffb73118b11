//! Records bound into the chain (issue 17, item 5): every call's audit entry names the
//! records it wrote with the SHA-256 of each row as written ([`RecordWrite`]), so that a
//! deep verification ([`verify_records`]) finds any row changed, added or removed
//! outside the engine — by `sqlite3` on the file, say — and names the record and the
//! call that last wrote it. The chain protects the bindings; the bindings protect the
//! rows.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AuditEntry, VERIFY_PAGE, hex};
use crate::TehoResult;
use crate::store::{Filter, KINDS, StoreTx, row_digest};

/// One record a call wrote, as its audit entry binds it: the kind (its table), its id,
/// and the SHA-256 of its row as the call left it — none when the call destroyed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordWrite {
    /// The kind of record: its table.
    pub kind: String,
    /// The record's id.
    pub id: Uuid,
    /// SHA-256 (hex) of the row as written; `None` when the call destroyed the record.
    pub digest: Option<String>,
}

impl RecordWrite {
    /// The binding of a record of `kind` with `id` to the digest of its row, or to its
    /// destruction.
    pub fn new(kind: &str, id: Uuid, digest: Option<[u8; 32]>) -> Self {
        Self {
            kind: kind.into(),
            id,
            digest: digest.map(|d| hex(&d)),
        }
    }
}

/// What is wrong with a stored record, as a deep verification finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RecordProblem {
    /// The row differs from what the call that last wrote it wrote: edited outside the
    /// engine.
    Edited,
    /// A call wrote the record and none destroyed it, but its row is gone: deleted
    /// outside the engine.
    Removed,
    /// A row no call of the chain wrote: inserted outside the engine.
    NotWrittenByAnyCall,
    /// The record's row is there although the call that last wrote it destroyed it:
    /// put back outside the engine.
    PresentAfterDestruction,
}

/// One record found not as its calls left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordFinding {
    /// The kind of record: its table.
    pub kind: String,
    /// The record's id.
    pub id: Uuid,
    /// What is wrong.
    pub problem: RecordProblem,
    /// The sequence number of the audit entry of the call that last wrote it, if any.
    pub last_written_by: Option<u64>,
    /// That call's operation (`visit.mark_done`, ...), if any.
    pub operation: Option<String>,
}

/// Findings a deep verification lists at most; [`RecordsCheck::findings_total`] counts
/// them all.
pub const MAX_RECORD_FINDINGS: usize = 1_000;

/// The result of checking the stored records against their bindings in the chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordsCheck {
    /// Rows read, of every kind.
    pub records: u64,
    /// Audit entries sealed before records were bound (SQLite schema step 12): the
    /// records they wrote cannot be checked, so a row no call is bound to is counted in
    /// [`RecordsCheck::unbound_before_binding`] instead of found.
    pub entries_before_binding: u64,
    /// Rows no call is bound to while entries from before binding exist: probably
    /// written by those, not checkable.
    pub unbound_before_binding: u64,
    /// The records found not as their calls left them, in kind and id order, at most
    /// [`MAX_RECORD_FINDINGS`].
    pub findings: Vec<RecordFinding>,
    /// How many there are in all.
    pub findings_total: u64,
}

impl RecordsCheck {
    /// Whether every record is as the call that last wrote it left it.
    pub fn is_intact(&self) -> bool {
        self.findings_total == 0
    }
}

/// The latest binding of one record: which entry, and the digest (none: destroyed).
struct Bound {
    seq: u64,
    digest: Option<[u8; 32]>,
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    super::unhex(s)?.try_into().ok()
}

/// Checks every stored record of every kind against the latest binding of it in the
/// chain as `tx` sees it: read page by page, then each kind's rows. Run it on a chain
/// verified intact; a broken chain's bindings prove nothing. Holds one binding per
/// record written (some tens of bytes each) and one kind's rows at a time in memory.
pub fn verify_records(tx: &mut dyn StoreTx) -> TehoResult<RecordsCheck> {
    let kind_index: HashMap<&str, usize> =
        KINDS.iter().enumerate().map(|(i, k)| (k.name, i)).collect();
    let mut bound: HashMap<(usize, Uuid), Bound> = HashMap::new();
    let mut check = RecordsCheck::default();
    let mut from = 1;
    loop {
        let page = tx.audit_page(from, VERIFY_PAGE)?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for e in &page {
            let Some(writes) = &e.writes else {
                check.entries_before_binding += 1;
                continue;
            };
            for w in writes {
                // A kind this build does not store cannot be checked here.
                let Some(&k) = kind_index.get(w.kind.as_str()) else {
                    continue;
                };
                // A digest that is not one (it came through an intact chain, so core
                // wrote it) matches no row: the row is reported edited.
                let digest = w.digest.as_deref().map(|d| unhex(d).unwrap_or([0; 32]));
                bound.insert((k, w.id), Bound { seq: e.seq, digest });
            }
        }
        if page.len() < VERIFY_PAGE {
            break;
        }
    }
    let mut findings: Vec<(usize, Uuid, RecordProblem, Option<u64>)> = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        let rows = tx.find(kind, &Filter::all())?;
        check.records += rows.len() as u64;
        for row in &rows {
            // A binding met by its row is taken out: what is left was written, not
            // destroyed, and is gone.
            match bound.remove(&(k, row.id)) {
                Some(b) => match b.digest {
                    Some(d) if d == row_digest(kind, row) => {}
                    Some(_) => findings.push((k, row.id, RecordProblem::Edited, Some(b.seq))),
                    None => findings.push((
                        k,
                        row.id,
                        RecordProblem::PresentAfterDestruction,
                        Some(b.seq),
                    )),
                },
                None if check.entries_before_binding > 0 => check.unbound_before_binding += 1,
                None => findings.push((k, row.id, RecordProblem::NotWrittenByAnyCall, None)),
            }
        }
    }
    for ((k, id), b) in bound {
        if b.digest.is_some() {
            findings.push((k, id, RecordProblem::Removed, Some(b.seq)));
        }
    }
    findings.sort_by_key(|(k, id, ..)| (KINDS[*k].name, *id));
    check.findings_total = findings.len() as u64;
    let mut operations: HashMap<u64, String> = HashMap::new();
    for (k, id, problem, seq) in findings.into_iter().take(MAX_RECORD_FINDINGS) {
        let operation = match seq {
            Some(s) => match operations.get(&s) {
                Some(op) => Some(op.clone()),
                None => {
                    let op = tx
                        .audit_page(s, 1)?
                        .into_iter()
                        .next()
                        .filter(|e| e.seq == s)
                        .map(|e: AuditEntry| e.operation);
                    if let Some(op) = &op {
                        operations.insert(s, op.clone());
                    }
                    op
                }
            },
            None => None,
        };
        check.findings.push(RecordFinding {
            kind: KINDS[k].name.into(),
            id,
            problem,
            last_written_by: seq,
            operation,
        });
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_read_back() {
        let d: [u8; 32] = std::array::from_fn(|i| (i * 37 % 256) as u8);
        assert_eq!(unhex(&hex(&d)), Some(d));
        assert_eq!(unhex(&hex(&d).to_uppercase()), Some(d));
        assert_eq!(unhex("00"), None);
        assert_eq!(unhex(&"zz".repeat(32)), None);
    }
}
