//! Every kind of stored record: its declared columns and how it is encoded, version by
//! version.
//!
//! Most kinds are few per client (organisations, workers, plans, contracts…): their
//! `doc` is the record's JSON, version 1 — the shape of the core type as of schema
//! step 8. Changing such a type's serde shape must bump its version here and keep a
//! reader of the old one; `tests::every_kind_encodes_as_frozen` fails until it does.
//!
//! Visits, the records stored in great numbers, are compact (version 2): the columns
//! carry the ids and instants, `doc` a few bytes in [`super::binary`] form, and the
//! action and place — the same for every visit of a plan item — are stored once as
//! [`VisitTexts`] under the hash of their content. Version 1, read still, is the JSON of
//! the whole [`Visit`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::binary::{Reader, Writer};
use super::{
    BusyTime, Column, ColumnType, Cond, Filter, Kind, Row, StoreError, StoreResult, Value,
    from_micros, micros,
};
use crate::calendar::{Visit, VisitStatus};
use crate::case::{Application, Assessment, CaseDecision, Contract, Referral};
use crate::death::{DeathRecord, ReceivedNotice};
use crate::disclosure::Disclosure;
use crate::file::{AccessRestriction, ClientCard, ClientFile, Entry};
use crate::ids::{VisitId, WorkerId};
use crate::log::ServiceLogEntry;
use crate::network::{Member, Membership, Substitution};
use crate::notify::{Notification, Recipient};
use crate::org::{ComplianceBreach, Domain, Organization, Worker};
use crate::person::Person;
use crate::plan::{CarePlan, PlanItem, PlannedAction};
use crate::report::ReportSubmission;
use crate::retention::{DestructionAct, Hold};

use super::records::Record;

const fn id(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Id,
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Int,
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}

/// The id under which a record keyed by text is stored: the first 16 bytes of the
/// SHA-256 of the key (register notices, report submissions).
pub fn text_key_id(key: &str) -> Uuid {
    let d = Sha256::digest(key.as_bytes());
    let mut a = [0u8; 16];
    a.copy_from_slice(&d[..16]);
    Uuid::from_bytes(a)
}

fn json<T: Serialize>(kind: &'static str, id: Uuid, v: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| StoreError::corrupt(kind, id, format!("encoding: {e}")))
}

fn from_json<T: DeserializeOwned>(kind: &'static Kind, row: &Row) -> StoreResult<T> {
    serde_json::from_slice(&row.doc).map_err(|e| {
        StoreError::corrupt(kind.name, row.id, format!("version {}: {e}", row.version))
    })
}

fn unknown_version(kind: &'static Kind, row: &Row) -> StoreError {
    StoreError::corrupt(
        kind.name,
        row.id,
        format!(
            "encoding version {} is unknown to this build (written by a newer TEHO?)",
            row.version
        ),
    )
}

/// Declares a kind whose `doc` is the record's JSON (version 1): the kind constant, and
/// the record's id and column values.
macro_rules! json_kinds {
    ($(
        $(#[$doc:meta])*
        $konst:ident = $name:literal: $ty:ty, |$v:ident| $idx:expr, [$($cname:literal: $cty:ident = $cval:expr),* $(,)?];
    )*) => {
        $(
            $(#[$doc])*
            pub(crate) static $konst: Kind = Kind {
                name: $name,
                columns: &[$($cty($cname)),*],
            };

            impl Record for $ty {
                fn kind() -> &'static Kind {
                    &$konst
                }
                fn version() -> u16 {
                    1
                }
                #[allow(unused_variables)]
                fn row(&self) -> StoreResult<Row> {
                    let $v = self;
                    let id: Uuid = $idx;
                    Ok(Row {
                        id,
                        version: 1,
                        columns: vec![$($cval),*],
                        doc: json($name, id, self)?,
                    })
                }
                fn from_row(row: &Row) -> StoreResult<Self> {
                    match row.version {
                        1 => from_json(&$konst, row),
                        _ => Err(unknown_version(&$konst, row)),
                    }
                }
            }
        )*

        /// A row of a JSON kind read and written again in the current encoding.
        fn upgrade_json(kind: &'static Kind, row: &Row) -> Option<StoreResult<Row>> {
            $(
                if std::ptr::eq(kind, &$konst) {
                    return Some(<$ty>::from_row(row).and_then(|r| r.row()));
                }
            )*
            None
        }
    };
}

/// A stored row of `kind`, in whatever version this build reads, rewritten in the
/// current encoding — with the rows it now refers to (a visit's texts), each with its
/// kind. How a backend upgrades the records of an older schema.
pub fn upgrade(kind: &'static Kind, row: &Row) -> StoreResult<Vec<(&'static Kind, Row)>> {
    if let Some(r) = upgrade_json(kind, row) {
        return Ok(vec![(kind, r?)]);
    }
    if !std::ptr::eq(kind, &VISITS) {
        return Err(StoreError::corrupt(
            kind.name,
            row.id,
            "not a kind of this build",
        ));
    }
    match visit_from_row(row)? {
        VisitFromRow::Whole(v) => {
            let texts = VisitTexts {
                action: v.action.clone(),
                place: v.place.clone(),
            };
            let id = texts.id();
            Ok(vec![
                (&VISIT_TEXTS, texts.row()?),
                (&VISITS, visit_row(&v, id)?),
            ])
        }
        VisitFromRow::NeedsTexts(..) => Ok(vec![(&VISITS, row.clone())]),
    }
}

fn member_id(m: Member) -> Uuid {
    match m {
        Member::Worker(w) => w.0,
        Member::Person(p) => p.0,
    }
}

fn recipient_id(r: Recipient) -> Uuid {
    match r {
        Recipient::Worker(w) => w.0,
        Recipient::Person(p) => p.0,
    }
}

pub(crate) fn membership_member(m: Member) -> Value {
    Value::Id(member_id(m))
}

pub(crate) fn notification_recipient(r: Recipient) -> Value {
    Value::Id(recipient_id(r))
}

json_kinds! {
    /// Organisations, with their kind (what every call reads of its actor's employer).
    ORGANIZATIONS = "organizations": Organization, |o| o.id.0, ["kind": text = Value::Text(crate::error::name_of(&o.kind))];
    /// Workers (one employment each), by employer.
    WORKERS = "workers": Worker, |w| w.id.0, ["organization": id = Value::Id(w.organization.0)];
    /// Persons, by their identity key (`EE:<code>`, `<country>:DOC:<number>`).
    PERSONS = "persons": Person, |p| p.id.0, ["identity_key": text = Value::Text(p.identity.key())];
    /// Client files, by client (one file per person).
    CLIENT_FILES = "client_files": ClientFile, |f| f.id.0, ["client": id = Value::Id(f.client.0)];
    /// Client cards, stored under their file's id.
    CLIENT_CARDS = "client_cards": ClientCard, |c| c.file.0, [];
    /// Network memberships, by file and by member (a worker's or a person's id).
    MEMBERSHIPS = "memberships": Membership, |m| m.id.0, ["file": id = Value::Id(m.file.0), "member": id = membership_member(m.member)];
    /// Substitutions, by substitute.
    SUBSTITUTIONS = "substitutions": Substitution, |s| s.id.0, ["substitute": id = Value::Id(s.substitute.0)];
    /// Entries of client files.
    ENTRIES = "entries": Entry, |e| e.id.0, ["file": id = Value::Id(e.file.0)];
    /// Notifications, by recipient (a worker's or a person's id).
    NOTIFICATIONS = "notifications": Notification, |n| n.id.0, ["recipient": id = notification_recipient(n.recipient)];
    /// Compliance breaches, stored under the departed worker's id, by organisation.
    COMPLIANCE_BREACHES = "compliance_breaches": ComplianceBreach, |b| b.worker.0, ["organization": id = Value::Id(b.organization.0)];
    /// Care and nursing plans, by file.
    PLANS = "plans": CarePlan, |p| p.id.0, ["file": id = Value::Id(p.file.0)];
    /// Plan items, by plan.
    PLAN_ITEMS = "plan_items": PlanItem, |i| i.id.0, ["plan": id = Value::Id(i.plan.0)];
    /// The service log, by file, worker and provider, and by actual start.
    SERVICE_LOG = "service_log": ServiceLogEntry, |e| e.id.0, [
        "file": id = Value::Id(e.file.0),
        "worker": id = Value::Id(e.worker.0),
        "provider": id = Value::opt_id(e.provider.map(|p| p.0)),
        "actual_start_us": int = Value::Int(micros(e.actual_start)),
    ];
    /// Applications, by file.
    APPLICATIONS = "applications": Application, |a| a.id.0, ["file": id = Value::Id(a.file.0)];
    /// Decisions, by file.
    DECISIONS = "decisions": CaseDecision, |d| d.id.0, ["file": id = Value::Id(d.file.0)];
    /// Contracts, by file.
    CONTRACTS = "contracts": Contract, |c| c.id.0, ["file": id = Value::Id(c.file.0)];
    /// Assessments, by file.
    ASSESSMENTS = "assessments": Assessment, |a| a.id.0, ["file": id = Value::Id(a.file.0)];
    /// Referral letters, by patient (a referral exists before any file).
    REFERRALS = "referrals": Referral, |r| r.id.0, ["patient": id = Value::Id(r.patient.0)];
    /// Death records, stored under the person's id.
    DEATHS = "deaths": DeathRecord, |d| d.person.0, [];
    /// Register notices received, under [`text_key_id`] of their key, by personal code.
    REGISTER_NOTICES = "register_notices": ReceivedNotice, |n| text_key_id(&n.notice.key()), ["code": text = Value::Text(n.notice.personal_code.to_string())];
    /// Disclosures, by file.
    DISCLOSURES = "disclosures": Disclosure, |d| d.id.0, ["file": id = Value::Id(d.file.0)];
    /// Report submissions, under [`text_key_id`] of their key (provider, kind, period).
    REPORT_SUBMISSIONS = "report_submissions": ReportSubmission, |s| text_key_id(&s.kind.key(s.provider)), [];
    /// Access-restriction marks, by file.
    RESTRICTIONS = "restrictions": AccessRestriction, |r| r.id.0, ["file": id = Value::Id(r.file.0)];
    /// Retention holds.
    HOLDS = "holds": Hold, |h| h.id.0, [];
    /// Destruction acts.
    DESTRUCTION_ACTS = "destruction_acts": DestructionAct, |a| a.id.0, [];
    /// The action and place shared by visits, under the hash of their content.
    VISIT_TEXTS = "visit_texts": VisitTexts, |t| t.id(), [];
}

/// Visits, by file, plan item, worker and provider, with their planned start and end
/// (microseconds since 1970 UTC) and status ([`status_code`]).
pub(crate) static VISITS: Kind = Kind {
    name: "visits",
    columns: &[
        id("file"),
        id("plan_item"),
        int("start_us"),
        int("end_us"),
        id("worker"),
        id("provider"),
        int("status"),
    ],
};

/// Every kind, for backends that build their schema or tables from the declarations.
pub static KINDS: &[&Kind] = &[
    &ORGANIZATIONS,
    &WORKERS,
    &PERSONS,
    &CLIENT_FILES,
    &CLIENT_CARDS,
    &MEMBERSHIPS,
    &SUBSTITUTIONS,
    &ENTRIES,
    &NOTIFICATIONS,
    &COMPLIANCE_BREACHES,
    &PLANS,
    &PLAN_ITEMS,
    &VISITS,
    &SERVICE_LOG,
    &APPLICATIONS,
    &DECISIONS,
    &CONTRACTS,
    &ASSESSMENTS,
    &REFERRALS,
    &DEATHS,
    &REGISTER_NOTICES,
    &DISCLOSURES,
    &REPORT_SUBMISSIONS,
    &RESTRICTIONS,
    &HOLDS,
    &DESTRUCTION_ACTS,
    &VISIT_TEXTS,
];

/// The kind named `name`, if there is one.
pub fn kind_by_name(name: &str) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| k.name == name)
}

pub(crate) const V_FILE: usize = VISITS.col("file");
pub(crate) const V_ITEM: usize = VISITS.col("plan_item");
pub(crate) const V_START: usize = VISITS.col("start_us");
pub(crate) const V_END: usize = VISITS.col("end_us");
pub(crate) const V_WORKER: usize = VISITS.col("worker");
pub(crate) const V_PROVIDER: usize = VISITS.col("provider");
pub(crate) const V_STATUS: usize = VISITS.col("status");

/// The code a visit's status is stored as (the `status` column): fixed for good.
pub fn status_code(s: VisitStatus) -> i64 {
    match s {
        VisitStatus::Planned => 0,
        VisitStatus::Done => 1,
        VisitStatus::NotDone => 2,
        VisitStatus::Cancelled => 3,
        VisitStatus::Superseded => 4,
    }
}

fn status_of(code: i64) -> Option<VisitStatus> {
    Some(match code {
        0 => VisitStatus::Planned,
        1 => VisitStatus::Done,
        2 => VisitStatus::NotDone,
        3 => VisitStatus::Cancelled,
        4 => VisitStatus::Superseded,
        _ => return None,
    })
}

fn domain_code(d: Domain) -> u8 {
    match d {
        Domain::Social => 0,
        Domain::Care => 1,
        Domain::Nursing => 2,
        Domain::Health => 3,
        Domain::Other => 4,
        Domain::SelfCare => 5,
        Domain::Supervision => 6,
        Domain::Administration => 7,
    }
}

fn domain_of(code: u8) -> Option<Domain> {
    Some(match code {
        0 => Domain::Social,
        1 => Domain::Care,
        2 => Domain::Nursing,
        3 => Domain::Health,
        4 => Domain::Other,
        5 => Domain::SelfCare,
        6 => Domain::Supervision,
        7 => Domain::Administration,
        _ => return None,
    })
}

/// What visits of one plan item share: the action and the place, stored once under the
/// hash of their content (so the id says what it holds and a cached copy never goes
/// stale).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitTexts {
    /// What is done.
    pub action: PlannedAction,
    /// Where.
    pub place: String,
}

impl VisitTexts {
    /// The id: the first 16 bytes of the SHA-256 of the JSON of the content.
    pub fn id(&self) -> Uuid {
        #[allow(clippy::expect_used)]
        let json = serde_json::to_vec(self)
            .expect("visit texts serialise: strings in a struct, no map keys to fail on");
        let d = Sha256::digest(&json);
        let mut a = [0u8; 16];
        a.copy_from_slice(&d[..16]);
        Uuid::from_bytes(a)
    }
}

/// The process's copies of visit texts read so far. Safe to share between stores and
/// never stale: an id is the hash of its content.
fn texts_cache() -> &'static Mutex<HashMap<Uuid, Arc<VisitTexts>>> {
    static CACHE: OnceLock<Mutex<HashMap<Uuid, Arc<VisitTexts>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Texts cached for at most this many ids (a city has a few thousand distinct ones).
const TEXTS_CACHED: usize = 50_000;

pub(crate) fn cached_texts(id: Uuid) -> Option<Arc<VisitTexts>> {
    texts_cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
}

pub(crate) fn cache_texts(id: Uuid, t: Arc<VisitTexts>) {
    let mut c = texts_cache().lock().unwrap_or_else(|p| p.into_inner());
    if c.len() >= TEXTS_CACHED {
        c.clear();
    }
    c.insert(id, t);
}

const FLAG_SLOT: u8 = 1;
const FLAG_MOVED: u8 = 2;
const FLAG_NOT_DONE: u8 = 4;
/// The start or end has nanoseconds below the microsecond (the columns hold
/// microseconds): both remainders follow.
const FLAG_NANOS: u8 = 8;
/// Cancelled by hand: the cancellation (JSON) follows.
const FLAG_CANCELLED: u8 = 16;
/// Revised since it was planned: its sequence (a varint) follows, last.
const FLAG_SEQUENCE: u8 = 32;

/// The nanoseconds of an instant below its microsecond.
fn below_micros(at: DateTime<Utc>) -> u64 {
    u64::from(at.timestamp_subsec_nanos() % 1_000)
}

/// The row of a visit (version 2) whose action and place are stored as `texts`.
pub(crate) fn visit_row(v: &Visit, texts: Uuid) -> StoreResult<Row> {
    let mut w = Writer::new();
    let nanos = (below_micros(v.start), below_micros(v.end));
    let mut flags = 0;
    for (on, flag) in [
        (v.slot.is_some(), FLAG_SLOT),
        (v.moved_by_hand, FLAG_MOVED),
        (v.not_done.is_some(), FLAG_NOT_DONE),
        (nanos != (0, 0), FLAG_NANOS),
        (v.cancellation.is_some(), FLAG_CANCELLED),
        (v.sequence > 0, FLAG_SEQUENCE),
    ] {
        if on {
            flags |= flag;
        }
    }
    w.u8(flags)
        .u8(domain_code(v.domain))
        .varint(u64::from(v.slot_index));
    if let Some(slot) = v.slot {
        let utc = slot.and_utc();
        w.signed(utc.timestamp())
            .varint(u64::from(utc.timestamp_subsec_nanos()));
    }
    w.uuid(texts);
    if let Some(nd) = &v.not_done {
        w.bytes(&json("visits", v.id.0, nd)?);
    }
    if nanos != (0, 0) {
        w.varint(nanos.0).varint(nanos.1);
    }
    if let Some(c) = &v.cancellation {
        w.bytes(&json("visits", v.id.0, c)?);
    }
    if v.sequence > 0 {
        w.varint(u64::from(v.sequence));
    }
    Ok(Row {
        id: v.id.0,
        version: 2,
        columns: vec![
            Value::Id(v.file.0),
            Value::opt_id(v.plan_item.map(|i| i.0)),
            Value::Int(micros(v.start)),
            Value::Int(micros(v.end)),
            Value::opt_id(v.worker.map(|w| w.0)),
            Value::opt_id(v.provider.map(|p| p.0)),
            Value::Int(status_code(v.status)),
        ],
        doc: w.finish(),
    })
}

/// A visit read from its row: whole (version 1), or waiting for its texts (version 2).
pub(crate) enum VisitFromRow {
    Whole(Box<Visit>),
    NeedsTexts(Box<Visit>, Uuid),
}

/// Decodes a visit's row; a version-2 visit comes back with an empty action and place
/// and the id of its [`VisitTexts`].
pub(crate) fn visit_from_row(row: &Row) -> StoreResult<VisitFromRow> {
    let kind = VISITS.name;
    match row.version {
        1 => Ok(VisitFromRow::Whole(Box::new(from_json(&VISITS, row)?))),
        2 => {
            let bad = |p: String| StoreError::corrupt(kind, row.id, p);
            let col = |i: usize| row.columns.get(i).cloned().unwrap_or(Value::Null);
            let need_id = |i: usize, what: &str| {
                col(i)
                    .as_id()
                    .ok_or_else(|| bad(format!("no {what} in its column")))
            };
            let need_int = |i: usize, what: &str| {
                col(i)
                    .as_int()
                    .ok_or_else(|| bad(format!("no {what} in its column")))
            };
            let mut r = Reader::new(&row.doc);
            let flags = r.u8("flags").map_err(bad)?;
            let domain = r.u8("domain").map_err(bad)?;
            let domain = domain_of(domain).ok_or_else(|| bad(format!("domain code {domain}")))?;
            let slot_index = r.varint("slot index").map_err(bad)?;
            let slot_index =
                u16::try_from(slot_index).map_err(|_| bad(format!("slot index {slot_index}")))?;
            let slot = if flags & FLAG_SLOT != 0 {
                let secs = r.signed("slot").map_err(bad)?;
                let nanos = r.varint("slot").map_err(bad)?;
                let at = u32::try_from(nanos)
                    .ok()
                    .and_then(|n| DateTime::from_timestamp(secs, n))
                    .ok_or_else(|| bad(format!("slot {secs}.{nanos}")))?;
                Some(at.naive_utc())
            } else {
                None
            };
            let texts = r.uuid("texts").map_err(bad)?;
            let not_done = if flags & FLAG_NOT_DONE != 0 {
                let b = r.bytes("not-done reason").map_err(bad)?;
                Some(serde_json::from_slice(b).map_err(|e| bad(format!("not-done reason: {e}")))?)
            } else {
                None
            };
            let (start_ns, end_ns) = if flags & FLAG_NANOS != 0 {
                let below = |r: &mut Reader<'_>, what: &str| {
                    r.varint(what).map_err(bad).and_then(|n| {
                        i64::try_from(n)
                            .ok()
                            .filter(|n| *n < 1_000)
                            .ok_or_else(|| bad(format!("{what}: {n} ns")))
                    })
                };
                (
                    below(&mut r, "start nanoseconds")?,
                    below(&mut r, "end nanoseconds")?,
                )
            } else {
                (0, 0)
            };
            let cancellation = if flags & FLAG_CANCELLED != 0 {
                let b = r.bytes("cancellation").map_err(bad)?;
                Some(serde_json::from_slice(b).map_err(|e| bad(format!("cancellation: {e}")))?)
            } else {
                None
            };
            let sequence = if flags & FLAG_SEQUENCE != 0 {
                let n = r.varint("sequence").map_err(bad)?;
                u32::try_from(n).map_err(|_| bad(format!("sequence {n}")))?
            } else {
                0
            };
            r.end().map_err(bad)?;
            let status = need_int(V_STATUS, "status")?;
            let visit = Visit {
                id: VisitId(row.id),
                file: need_id(V_FILE, "file")?.into(),
                plan_item: col(V_ITEM).as_id().map(Into::into),
                slot: slot.map(|s: NaiveDateTime| s),
                slot_index,
                start: from_micros(kind, row.id, need_int(V_START, "start")?)?
                    + chrono::Duration::nanoseconds(start_ns),
                end: from_micros(kind, row.id, need_int(V_END, "end")?)?
                    + chrono::Duration::nanoseconds(end_ns),
                worker: col(V_WORKER).as_id().map(Into::into),
                domain,
                provider: col(V_PROVIDER).as_id().map(Into::into),
                action: PlannedAction {
                    code: String::new(),
                    text: String::new(),
                },
                place: String::new(),
                status: status_of(status).ok_or_else(|| bad(format!("status code {status}")))?,
                moved_by_hand: flags & FLAG_MOVED != 0,
                not_done,
                cancellation,
                sequence,
            };
            Ok(VisitFromRow::NeedsTexts(Box::new(visit), texts))
        }
        _ => Err(unknown_version(&VISITS, row)),
    }
}

/// A worker's live visits starting in `from .. to`, by start.
pub(crate) fn visits_of_worker_filter(
    worker: WorkerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Filter {
    Filter::eq(V_WORKER, Value::Id(worker.0))
        .and(Cond::Range(V_START, micros(from), micros(to)))
        .and(Cond::Ne(
            V_STATUS,
            Value::Int(status_code(VisitStatus::Superseded)),
        ))
        .by(V_START)
}

/// A worker's visits starting in `from .. to`, superseded ones too, by start.
pub(crate) fn all_visits_of_worker_filter(
    worker: WorkerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Filter {
    Filter::eq(V_WORKER, Value::Id(worker.0))
        .and(Cond::Range(V_START, micros(from), micros(to)))
        .by(V_START)
}

/// The busy times among visits' rows: those planned or done, from their columns.
pub(crate) fn busy_times_from_rows(rows: Vec<Row>) -> StoreResult<Vec<BusyTime>> {
    let busy = [
        status_code(VisitStatus::Planned),
        status_code(VisitStatus::Done),
    ];
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let int = |i: usize| r.columns.get(i).and_then(Value::as_int);
        if !int(V_STATUS).is_some_and(|s| busy.contains(&s)) {
            continue;
        }
        let (Some(start), Some(end)) = (int(V_START), int(V_END)) else {
            return Err(StoreError::corrupt(VISITS.name, r.id, "no start or end"));
        };
        out.push(BusyTime {
            visit: VisitId(r.id),
            start: from_micros(VISITS.name, r.id, start)?,
            end: from_micros(VISITS.name, r.id, end)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
