//! The audit log: every entry and every query through the engine, allowed or denied,
//! with who (name and personal code), what kind, which object, when (seed
//! `002_b4b88f78f180845d.txt` §9), for what purpose and with what decision.
//!
//! Entries form a hash chain. Each entry's `content_digest` is the SHA-256 of its
//! content (canonical JSON); its `hash` is the SHA-256 of the previous entry's hash, its
//! sequence number and its content digest. Keeping the digest apart from the content
//! lets a destruction act remove an entry's content and keep the chain verifiable.
//! A chain cannot show that its newest entries were cut off; a [`Checkpoint`] taken
//! earlier (entry count and head hash, kept elsewhere) can.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{ClientFileId, OrganizationId};
use crate::org::Role;
use crate::store::{Store, StoreTx, Unit};
use crate::{TehoError, TehoResult};

mod records;
mod sink;

pub use records::{
    MAX_RECORD_FINDINGS, RecordFinding, RecordProblem, RecordWrite, RecordsCheck, verify_records,
};
pub(crate) use sink::Checkpointing;
pub use sink::{CheckpointPolicy, CheckpointSink, FileCheckpoints, MemoryCheckpoints};

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted, as recorded: a snapshot, so later renames do not rewrite history.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ActorRef {
    /// `worker:<uuid>`, `person:<uuid>`, `system`, or the unknown id given.
    pub id: String,
    /// Full name (`operator` for the operator, empty for an unknown actor).
    pub name: String,
    /// Personal code or foreign document key (seed 002 §9(1)); empty when none.
    pub personal_code: String,
    /// Role, for workers.
    pub role: Option<Role>,
    /// Employer, for workers.
    pub organization: Option<OrganizationId>,
}

impl ActorRef {
    /// The operator of the installation ([`crate::access::Actor::System`]) as recorded.
    pub fn system() -> Self {
        Self {
            id: "system".into(),
            name: "operator".into(),
            personal_code: String::new(),
            role: None,
            organization: None,
        }
    }
}

/// The decision recorded for a call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AuditDecision {
    /// Allowed, with its basis in words.
    Allowed(String),
    /// Denied, with its reason in words.
    Denied(String),
    /// The call failed before a decision could be made (e.g. an unknown file id).
    NotDecided,
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorRef,
    /// Kind of entry or query (`client_file.read`, `network.add_member`, ...).
    pub operation: String,
    /// The object: an id, or a description of the query.
    pub object: String,
    /// The client file concerned, if any (for the client's access log).
    pub file: Option<ClientFileId>,
    /// The other client files whose data the result showed (a worker's day, a list, a
    /// search), in id order: the read is in each of their access logs too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<ClientFileId>,
    /// Why: service provision, supervision with its case, own data, operation.
    pub purpose: String,
    /// Allowed or denied, and why.
    pub decision: AuditDecision,
    /// `ok`, or the error kind the call ended with.
    pub outcome: String,
    /// The records the call wrote, each with the digest of what it wrote (issue 17,
    /// item 5): what `verify_audit_deep` holds the stored rows against. `None` for an
    /// entry sealed before records were bound (SQLite schema step 12); empty for a call
    /// that wrote nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Vec<RecordWrite>>,
    /// SHA-256 of the content (hex).
    pub content_digest: String,
    /// Hash of the previous entry (hex), [`GENESIS_HASH`] for the first.
    pub prev_hash: String,
    /// This entry's chain hash (hex).
    pub hash: String,
}

/// An audit entry before it is sealed into the chain: what the engine records of one
/// call. The store seals it ([`crate::store::StoreTx::append_audit`]), since only the
/// store can serialise appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: ActorRef,
    /// Kind of entry or query.
    pub operation: String,
    /// The object: an id, or a description of the query.
    pub object: String,
    /// The client file concerned, if any.
    pub file: Option<ClientFileId>,
    /// The other client files whose data the result showed, in id order.
    pub disclosed: Vec<ClientFileId>,
    /// Why.
    pub purpose: String,
    /// Allowed or denied, and why.
    pub decision: AuditDecision,
    /// `ok`, or the error kind the call ended with.
    pub outcome: String,
    /// The records the call wrote, with their digests (see [`AuditEntry::writes`]).
    pub writes: Vec<RecordWrite>,
}

impl NewAuditEntry {
    /// The entry sealed after `head` (the chain's newest entry, `None` for the first):
    /// its sequence number, the previous hash, its content digest and its hash.
    pub fn seal(self, head: Option<&ChainHead>) -> AuditEntry {
        let mut e = AuditEntry {
            seq: 0,
            at: self.at,
            actor: self.actor,
            operation: self.operation,
            object: self.object,
            file: self.file,
            disclosed: self.disclosed,
            purpose: self.purpose,
            decision: self.decision,
            outcome: self.outcome,
            writes: Some(self.writes),
            content_digest: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        e.seal(head);
        e
    }
}

#[derive(Serialize, JsonSchema)]
struct Content<'a> {
    seq: u64,
    at: &'a DateTime<Utc>,
    actor: &'a ActorRef,
    operation: &'a str,
    object: &'a str,
    file: &'a Option<ClientFileId>,
    /// Left out when empty, so that every entry sealed before it existed keeps its digest.
    #[serde(skip_serializing_if = "<[ClientFileId]>::is_empty")]
    disclosed: &'a [ClientFileId],
    purpose: &'a str,
    decision: &'a AuditDecision,
    outcome: &'a str,
    /// Left out for an entry sealed before records were bound, so that it keeps its
    /// digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    writes: &'a Option<Vec<RecordWrite>>,
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    // By table: formatting each byte through `fmt` was a tenth of appending an entry.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Lowercase or uppercase hex as bytes; `None` when it is not hex.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16);
    let b = text.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}

impl AuditEntry {
    /// SHA-256 of this entry's content, as it stands now.
    pub fn compute_content_digest(&self) -> String {
        let content = Content {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            operation: &self.operation,
            object: &self.object,
            file: &self.file,
            disclosed: &self.disclosed,
            purpose: &self.purpose,
            decision: &self.decision,
            outcome: &self.outcome,
            writes: &self.writes,
        };
        let json =
            serde_json::to_vec(&content).expect("audit content serialises: plain fields only");
        hex(&Sha256::digest(&json))
    }

    /// The chain hash of an entry with this sequence number and content digest after
    /// `prev_hash`.
    pub fn chain_hash(prev_hash: &str, seq: u64, content_digest: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b":");
        h.update(seq.to_string().as_bytes());
        h.update(b":");
        h.update(content_digest.as_bytes());
        hex(&h.finalize())
    }

    /// Fills in `seq`, `prev_hash`, `content_digest` and `hash` to append after `head`.
    pub fn seal(&mut self, head: Option<&ChainHead>) {
        self.seq = head.map_or(1, |h| h.seq + 1);
        self.prev_hash = head.map_or_else(|| GENESIS_HASH.to_string(), |h| h.hash.clone());
        self.content_digest = self.compute_content_digest();
        self.hash = Self::chain_hash(&self.prev_hash, self.seq, &self.content_digest);
    }
}

/// The newest entry's sequence number and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainHead {
    /// Sequence number of the newest entry.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

/// A checkpoint: the number of entries and the head hash at some moment, to be kept
/// outside the database (printed, signed, sent elsewhere) and verified against later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Number of entries when taken.
    pub entries: u64,
    /// Hash of the newest entry then.
    pub head_hash: String,
}

impl Checkpoint {
    /// `ENTRIES:HASH`, the form the CLI prints and reads.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.entries, self.head_hash)
    }

    /// Parses `ENTRIES:HASH`.
    pub fn parse(s: &str) -> Result<Self, crate::TehoError> {
        let bad = || {
            crate::TehoError::invalid("checkpoint", s, "expected ENTRIES:HASH, HASH 64 hex digits")
        };
        let (n, h) = s.trim().split_once(':').ok_or_else(bad)?;
        let entries = n.parse().map_err(|_| bad())?;
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self {
            entries,
            head_hash: h.to_ascii_lowercase(),
        })
    }
}

/// What is wrong at the first break of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BreakKind {
    /// The entry's content no longer matches its digest: it was changed.
    ContentAltered,
    /// The entry's hash does not follow from its predecessor, sequence and digest.
    HashMismatch,
    /// The entry does not point at its predecessor's hash.
    PrevHashMismatch,
    /// The entry with this sequence number is missing (deleted or moved).
    Missing,
    /// The chain is shorter than, or differs from, a checkpoint taken earlier.
    CheckpointMismatch,
}

/// The first entry at which the chain fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainBreak {
    /// Sequence number of the failing entry.
    pub seq: u64,
    /// What is wrong there.
    pub kind: BreakKind,
}

/// The result of verifying the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// The newest entry's hash, if any.
    pub head_hash: Option<String>,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
    /// A deep verification's check of the stored records against the digests their
    /// calls bound into the chain; `None` when not asked for, or when the chain itself
    /// is broken (its bindings then prove nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<RecordsCheck>,
    /// The checkpoint the chain was checked against, when one was: given, or the latest
    /// the engine's checkpoint sink keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<Checkpoint>,
}

impl VerifyReport {
    /// Whether the chain verified, and the records too when they were checked.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none() && self.records.as_ref().is_none_or(RecordsCheck::is_intact)
    }
}

/// Verifies a chain read page by page, in sequence order; stops at the first break.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: u64,
    prev_hash: String,
    report: VerifyReport,
    hashes_at: Vec<(u64, String)>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new(&[])
    }
}

impl Verifier {
    /// A verifier that also remembers the hash at each of the given sequence numbers
    /// (for checkpoints).
    pub fn new(remember: &[u64]) -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.into(),
            report: VerifyReport {
                entries: 0,
                head_hash: None,
                first_break: None,
                records: None,
                against: None,
            },
            hashes_at: remember.iter().map(|s| (*s, String::new())).collect(),
        }
    }

    /// A verifier that goes on from `checkpoint`: the entries up to it were verified when
    /// it was taken, and the next one must point at its hash. Routine verification then
    /// costs what was appended since (issue 17, item 2); a chain altered and re-hashed
    /// after it breaks at the first entry past it.
    pub fn resume(checkpoint: &Checkpoint) -> Self {
        Self {
            expected_seq: checkpoint.entries.saturating_add(1),
            prev_hash: if checkpoint.entries == 0 {
                GENESIS_HASH.into()
            } else {
                checkpoint.head_hash.clone()
            },
            report: VerifyReport {
                entries: 0,
                head_hash: None,
                first_break: None,
                records: None,
                against: None,
            },
            hashes_at: Vec::new(),
        }
    }

    /// Feeds the next entry; returns false once a break was found.
    pub fn feed(&mut self, e: &AuditEntry) -> bool {
        if self.report.first_break.is_some() {
            return false;
        }
        let kind = if e.seq != self.expected_seq {
            Some((self.expected_seq, BreakKind::Missing))
        } else if e.compute_content_digest() != e.content_digest {
            Some((e.seq, BreakKind::ContentAltered))
        } else if e.prev_hash != self.prev_hash {
            Some((e.seq, BreakKind::PrevHashMismatch))
        } else if AuditEntry::chain_hash(&e.prev_hash, e.seq, &e.content_digest) != e.hash {
            Some((e.seq, BreakKind::HashMismatch))
        } else {
            None
        };
        if let Some((seq, kind)) = kind {
            self.report.first_break = Some(ChainBreak { seq, kind });
            return false;
        }
        for (s, h) in &mut self.hashes_at {
            if *s == e.seq {
                *h = e.hash.clone();
            }
        }
        self.report.entries += 1;
        self.report.head_hash = Some(e.hash.clone());
        self.prev_hash = e.hash.clone();
        self.expected_seq += 1;
        true
    }

    /// The report, checked against `checkpoint` if given.
    pub fn finish(mut self, checkpoint: Option<&Checkpoint>) -> VerifyReport {
        self.report.against = checkpoint.cloned();
        if let (None, Some(cp)) = (&self.report.first_break, checkpoint) {
            let seen = self
                .hashes_at
                .iter()
                .find(|(s, _)| *s == cp.entries)
                .map(|(_, h)| h.as_str());
            let matches = if cp.entries == 0 {
                true
            } else {
                cp.entries < self.expected_seq && seen == Some(cp.head_hash.as_str())
            };
            if !matches {
                self.report.first_break = Some(ChainBreak {
                    seq: cp.entries.min(self.expected_seq).max(1),
                    kind: BreakKind::CheckpointMismatch,
                });
            }
        }
        self.report
    }
}

/// Entries read per page while verifying: the chain streams through, whatever its length.
pub const VERIFY_PAGE: usize = 10_000;

/// The longest chain a store holds: sequence numbers are SQL `BIGINT`s in both
/// databases, so a checkpoint counting more entries than this cannot be one of ours.
pub const MAX_ENTRIES: u64 = i64::MAX as u64;

/// Verifies the chain as `tx` sees it, page by page: whole, or from `since` on (see
/// [`Verifier::resume`]); then against `checkpoint`, when given, which must lie after
/// `since`. A checkpoint out of order, or counting more than [`MAX_ENTRIES`], is
/// [`TehoError::InvalidInput`] naming it.
pub fn verify_chain(
    tx: &mut dyn StoreTx,
    since: Option<&Checkpoint>,
    checkpoint: Option<&Checkpoint>,
) -> TehoResult<VerifyReport> {
    if let Some(cp) = since
        .into_iter()
        .chain(checkpoint)
        .find(|cp| cp.entries > MAX_ENTRIES)
    {
        return Err(TehoError::invalid(
            "checkpoint",
            cp.to_text(),
            "more entries than a chain can hold (at most 2^63 - 1)",
        ));
    }
    if let (Some(s), Some(cp)) = (since, checkpoint)
        && cp.entries <= s.entries
    {
        return Err(TehoError::invalid(
            "checkpoint",
            cp.to_text(),
            "a checkpoint to verify against must lie after the one verification starts from",
        ));
    }
    let remember: Vec<u64> = checkpoint.map(|cp| vec![cp.entries]).unwrap_or_default();
    let mut v = match since {
        Some(s) => Verifier {
            hashes_at: remember.iter().map(|s| (*s, String::new())).collect(),
            ..Verifier::resume(s)
        },
        None => Verifier::new(&remember),
    };
    let start = since.map_or(1, |s| s.entries + 1);
    let mut from = start;
    'pages: loop {
        let page = tx.audit_page(from, VERIFY_PAGE)?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        for e in &page {
            if !v.feed(e) {
                break 'pages;
            }
        }
        if page.len() < VERIFY_PAGE {
            break;
        }
    }
    if let Some(s) = since.filter(|s| s.entries > 0) {
        // The checkpoint's own entry must still be there, whole: a chain cut back to
        // before it shows no entry past it, which alone would read as "nothing new".
        let at = tx.audit_page(s.entries, 1)?;
        let kept = at.first().is_some_and(|e| {
            e.seq == s.entries
                && e.hash == s.head_hash
                && e.compute_content_digest() == e.content_digest
                && AuditEntry::chain_hash(&e.prev_hash, e.seq, &e.content_digest) == e.hash
        });
        if !kept && v.report.first_break.is_none() {
            v.report.first_break = Some(ChainBreak {
                seq: s.entries,
                kind: BreakKind::CheckpointMismatch,
            });
        }
    }
    Ok(v.finish(checkpoint))
}

/// Verifies the chain of `store` without writing anything to it: for a copy kept as
/// evidence or a file on read-only media (`SqliteStore::open_read_only`), where the
/// engine's own [`crate::engine::ClientFiles::verify_audit`], which records its call
/// in the chain, cannot run. A forensic tool: it is not an engine call, so it is not
/// authorized and leaves no trace; whoever runs it needs the file itself.
pub fn verify_store(
    store: &dyn Store,
    since: Option<&Checkpoint>,
    checkpoint: Option<&Checkpoint>,
) -> TehoResult<VerifyReport> {
    let mut tx = store.begin(Unit::QUERY)?;
    verify_chain(&mut *tx, since, checkpoint)
    // dropped, not committed: the read ends and nothing is written
}

/// Verifies the chain as `tx` sees it (against `checkpoint` when given) and, when it is
/// intact, every stored record against its binding in the chain ([`verify_records`]).
pub fn verify_deep(
    tx: &mut dyn StoreTx,
    checkpoint: Option<&Checkpoint>,
) -> TehoResult<VerifyReport> {
    let mut report = verify_chain(tx, None, checkpoint)?;
    if report.first_break.is_none() {
        report.records = Some(verify_records(tx)?);
    }
    Ok(report)
}

/// [`verify_deep`] on `store` without writing anything to it: the forensic form of
/// [`crate::engine::ClientFiles::verify_audit_deep`] (see [`verify_store`]).
pub fn verify_store_deep(
    store: &dyn Store,
    checkpoint: Option<&Checkpoint>,
) -> TehoResult<VerifyReport> {
    let mut tx = store.begin(Unit::QUERY)?;
    verify_deep(&mut *tx, checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn digests_are_lowercase_hex_of_sha256() {
        // FIPS 180-2's example: SHA-256("abc").
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }

    fn entry(n: u64) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, n as u32).unwrap(),
            actor: ActorRef::system(),
            operation: "test".into(),
            object: format!("object {n}"),
            file: None,
            disclosed: Vec::new(),
            purpose: "operation".into(),
            decision: AuditDecision::Allowed("operator".into()),
            outcome: "ok".into(),
            writes: None,
            content_digest: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let mut e = entry(i);
            let head = out.last().map(|l| ChainHead {
                seq: l.seq,
                hash: l.hash.clone(),
            });
            e.seal(head.as_ref());
            out.push(e);
        }
        out
    }

    fn verify(entries: &[AuditEntry], cp: Option<&Checkpoint>) -> VerifyReport {
        let mut v = Verifier::new(&cp.map(|c| vec![c.entries]).unwrap_or_default());
        for e in entries {
            if !v.feed(e) {
                break;
            }
        }
        v.finish(cp)
    }

    #[test]
    fn an_entry_sealed_before_records_were_bound_keeps_its_digest() {
        // The content as entries were sealed before `writes` existed, written out plainly.
        let e = &chain(1)[0];
        let text = r#"{"seq":1,"at":"2026-11-23T10:00:00Z","actor":{"id":"system","name":"operator","personal_code":"","role":null,"organization":null},"operation":"test","object":"object 0","file":null,"purpose":"operation","decision":{"Allowed":"operator"},"outcome":"ok"}"#;
        assert_eq!(e.content_digest, hex(&Sha256::digest(text.as_bytes())));
        let mut bound = e.clone();
        bound.writes = Some(Vec::new());
        assert_ne!(bound.compute_content_digest(), e.content_digest);
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let r = verify(&c, None);
        assert!(r.is_intact());
        assert_eq!(r.entries, 5);
        assert_eq!(r.head_hash.as_deref(), Some(c[4].hash.as_str()));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut c = chain(5);
        c[2].object = "something else".into();
        assert_eq!(
            verify(&c, None).first_break,
            Some(ChainBreak {
                seq: 3,
                kind: BreakKind::ContentAltered
            })
        );
    }

    #[test]
    fn a_cut_tail_fails_against_an_earlier_checkpoint() {
        let c = chain(6);
        let cp = Checkpoint {
            entries: 6,
            head_hash: c[5].hash.clone(),
        };
        assert!(verify(&c, Some(&cp)).is_intact());
        let r = verify(&c[..4], Some(&cp));
        assert_eq!(
            r.first_break.map(|b| b.kind),
            Some(BreakKind::CheckpointMismatch)
        );
        let cp_text = Checkpoint::parse(&cp.to_text()).unwrap();
        assert_eq!(cp_text, cp);
        assert!(Checkpoint::parse("12:zz").is_err());
    }
}
