//! The data of schema step 9: every record of a step-8 database rewritten in the store
//! port's shape by core's own readers and writers (`teho_core::store::upgrade`), visits
//! compacted on the way, and the audit log moved entry by entry into its compact
//! table — each entry reading back exactly as before, so the chain verifies as it did.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use teho_core::audit::ActorRef;
use teho_core::org::Role;
use teho_core::store::{KINDS, Row, StoreError, StoreResult, kind_by_name, upgrade};
use uuid::Uuid;

use crate::audit::{self, ActorText, AuditTexts, DecisionText, StoredEntry};
use crate::schema::backend;

/// Moves the records and the audit log of the `*_v8` tables into step 9's tables.
pub(crate) fn convert_to_9(tx: &Transaction<'_>) -> StoreResult<()> {
    for kind in KINDS.iter().copied().filter(|k| k.name != "visit_texts") {
        let mut stmt = tx
            .prepare(&format!("SELECT doc FROM {}_v8 ORDER BY rowid", kind.name))
            .map_err(backend)?;
        let docs = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(backend)?;
        for doc in docs {
            let old = Row {
                id: Uuid::nil(),
                version: 1,
                columns: Vec::new(),
                doc: doc.map_err(backend)?.into_bytes(),
            };
            for (k, row) in upgrade(kind, &old)? {
                match crate::rows::insert(tx, k, &row) {
                    // Visits of one item share their texts: stored once.
                    Err(StoreError::Conflict { .. }) if k.name == "visit_texts" => {}
                    other => other?,
                }
            }
        }
    }
    debug_assert!(kind_by_name("visit_texts").is_some());
    convert_audit(tx)
}

fn convert_audit(tx: &Transaction<'_>) -> StoreResult<()> {
    let mut texts = AuditTexts::default();
    let mut stmt = tx
        .prepare(
            "SELECT seq, at, actor_id, actor_name, actor_code, actor_role, actor_org,
                operation, object, file, purpose, decision, outcome, content_digest,
                prev_hash, hash
             FROM audit_log_v8 ORDER BY seq",
        )
        .map_err(backend)?;
    let mut rows = stmt.query([]).map_err(backend)?;
    while let Some(r) = rows.next().map_err(backend)? {
        let text = |i: usize| -> StoreResult<String> { r.get(i).map_err(backend) };
        let opt = |i: usize| -> StoreResult<Option<String>> { r.get(i).map_err(backend) };
        let seq: i64 = r.get(0).map_err(backend)?;
        let at = text(1)?;
        let role = opt(5)?;
        let org = opt(6)?;
        // The actor as recorded; a role or an employer that no longer reads (a damaged
        // entry) is left out, which changes the content: verify names the entry.
        let actor = ActorRef {
            id: text(2)?,
            name: text(3)?,
            personal_code: text(4)?,
            role: role
                .as_deref()
                .and_then(|r| serde_json::from_str::<Role>(r).ok()),
            organization: org
                .as_deref()
                .and_then(|o| Uuid::parse_str(o).ok())
                .map(Into::into),
        };
        let (operation, object, purpose, outcome) = (text(7)?, text(8)?, text(10)?, text(12)?);
        let (digest, prev, hash) = (text(13)?, text(14)?, text(15)?);
        let entry = StoredEntry {
            seq,
            at: DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| at.clone()),
            actor: ActorText::Json(
                serde_json::to_string(&actor)
                    .map_err(|e| StoreError::corrupt("audit_log", seq, e))?,
            ),
            operation: &operation,
            object: &object,
            file: opt(9)?,
            disclosed: &[],
            writes: None,
            purpose: &purpose,
            decision: DecisionText::Json(text(11)?),
            outcome: &outcome,
            content_digest: &digest,
            prev_hash: &prev,
            hash: &hash,
        };
        audit::insert(tx, &mut texts, &entry)?;
    }
    Ok(())
}
