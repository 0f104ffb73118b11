//! [`Records`]: the typed API the engine reads and writes through, built on the few
//! methods of a [`StoreTx`] — get, find, insert, update, destroy of rows — so that no
//! backend writes it again.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::kinds::{self, *};
use super::{
    BusyTime, Cond, Filter, Kind, Row, StoreError, StoreResult, StoreTx, Value, micros, row_digest,
};
use crate::audit::{AuditEntry, ChainHead, NewAuditEntry, RecordWrite};
use crate::calendar::{Visit, VisitStatus};
use crate::case::{Application, Assessment, CaseDecision, Contract, Referral};
use crate::death::{DeathRecord, ReceivedNotice};
use crate::disclosure::Disclosure;
use crate::file::{AccessRestriction, ClientCard, ClientFile, Entry};
use crate::ids::*;
use crate::log::ServiceLogEntry;
use crate::network::{Member, Membership, Substitution};
use crate::notify::{Notification, Recipient};
use crate::org::{ComplianceBreach, Organization, OrganizationKind, Worker};
use crate::person::Person;
use crate::plan::{CarePlan, PlanItem};
use crate::report::ReportSubmission;
use crate::retention::{DestructionAct, Hold, RecordRef};

/// A type stored as rows of one [`Kind`]: how it becomes a row and how each version of
/// its row is read back.
pub trait Record: Sized {
    /// Its kind.
    fn kind() -> &'static Kind;
    /// The version of the encoding [`Record::row`] writes.
    fn version() -> u16;
    /// The row: id, version, column values, encoded rest.
    fn row(&self) -> StoreResult<Row>;
    /// The record from a row of any version this build reads.
    fn from_row(row: &Row) -> StoreResult<Self>;
}

/// One unit of work with the typed API on top: what the engine's calls read and write.
pub struct Records<'t> {
    raw: Box<dyn StoreTx + 't>,
    /// Visit texts known to be stored in this unit.
    texts_stored: HashSet<Uuid>,
    /// What this unit wrote: each record's latest digest, or none when destroyed — bound
    /// into the call's audit entry ([`Records::take_writes`]).
    writes: BTreeMap<(&'static str, Uuid), Option<[u8; 32]>>,
}

impl std::fmt::Debug for Records<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

fn decode<T: Record>(rows: Vec<Row>) -> StoreResult<Vec<T>> {
    rows.iter().map(T::from_row).collect()
}

fn by_file(file: ClientFileId) -> Filter {
    Filter::eq(0, Value::Id(file.0))
}

impl<'t> Records<'t> {
    /// The typed API over a backend's unit of work.
    pub fn new(raw: Box<dyn StoreTx + 't>) -> Self {
        Self {
            raw,
            texts_stored: HashSet::new(),
            writes: BTreeMap::new(),
        }
    }

    /// The records this unit wrote, each with the digest of its row as written last (or
    /// none when destroyed), in kind and id order; forgets them. The door binds them
    /// into the call's audit entry (issue 17, item 5).
    pub fn take_writes(&mut self) -> Vec<RecordWrite> {
        std::mem::take(&mut self.writes)
            .into_iter()
            .map(|((kind, id), digest)| RecordWrite::new(kind, id, digest))
            .collect()
    }

    /// Notes that this unit wrote `row` of `kind`, for the call's audit entry.
    fn bind(&mut self, kind: &'static Kind, row: &Row) {
        self.writes
            .insert((kind.name, row.id), Some(row_digest(kind, row)));
    }

    fn raw_insert(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        self.raw.insert(kind, row)?;
        self.bind(kind, row);
        Ok(())
    }

    fn raw_update(&mut self, kind: &'static Kind, row: &Row) -> StoreResult<()> {
        self.raw.update(kind, row)?;
        self.bind(kind, row);
        Ok(())
    }

    /// The backend's unit of work.
    pub fn raw(&mut self) -> &mut dyn StoreTx {
        &mut *self.raw
    }

    /// Commits.
    pub fn commit(self) -> StoreResult<()> {
        self.raw.commit()
    }

    // ----- generic ----------------------------------------------------------------

    /// The record with `id`.
    pub fn get<T: Record>(&mut self, id: Uuid) -> StoreResult<Option<T>> {
        self.raw
            .get(T::kind(), id)?
            .map(|r| T::from_row(&r))
            .transpose()
    }

    /// The records meeting `filter`.
    pub fn find<T: Record>(&mut self, filter: &Filter) -> StoreResult<Vec<T>> {
        decode(self.raw.find(T::kind(), filter)?)
    }

    /// Stores a new record; a [`StoreError::Conflict`] if its id is stored already.
    pub fn insert<T: Record>(&mut self, r: &T) -> StoreResult<()> {
        let row = r.row()?;
        self.raw_insert(T::kind(), &row)
    }

    /// Replaces a stored record; a [`StoreError::Missing`] if it is not stored.
    pub fn update<T: Record>(&mut self, r: &T) -> StoreResult<()> {
        let row = r.row()?;
        self.raw_update(T::kind(), &row)
    }

    /// `load` through the backend's read cache, when it keeps one for this unit.
    fn cached<T: Clone + Send + 'static>(
        &mut self,
        label: &'static str,
        id: Uuid,
        load: impl FnOnce(&mut Self) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if let Some(v) = self.raw.read_cache().and_then(|c| c.get::<T>(label, id)) {
            return Ok(v);
        }
        let v = load(self)?;
        if let Some(c) = self.raw.read_cache() {
            c.put(label, id, v.clone());
        }
        Ok(v)
    }

    // ----- directory --------------------------------------------------------------

    /// An organisation by id.
    pub fn organization(&mut self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        self.get(id.0)
    }

    /// Only the kind of an organisation (what every call needs of its actor's employer),
    /// from its column.
    pub fn organization_kind(
        &mut self,
        id: OrganizationId,
    ) -> StoreResult<Option<OrganizationKind>> {
        self.cached("organization_kind", id.0, |s| {
            let Some(row) = s.raw.get(&ORGANIZATIONS, id.0)? else {
                return Ok(None);
            };
            let text = row.columns.first().and_then(Value::as_text).unwrap_or("");
            serde_json::from_value(serde_json::Value::String(text.into()))
                .map(Some)
                .map_err(|e| {
                    StoreError::corrupt(ORGANIZATIONS.name, id, format!("kind {text:?}: {e}"))
                })
        })
    }

    /// Every organisation, oldest first.
    pub fn organizations(&mut self) -> StoreResult<Vec<Organization>> {
        self.find(&Filter::all())
    }

    /// A worker by id.
    pub fn worker(&mut self, id: WorkerId) -> StoreResult<Option<Worker>> {
        self.cached("worker", id.0, |s| s.get(id.0))
    }

    /// The workers of an organisation, oldest first.
    pub fn workers_of(&mut self, org: OrganizationId) -> StoreResult<Vec<Worker>> {
        self.find(&Filter::eq(0, Value::Id(org.0)))
    }

    /// A person by id.
    pub fn person(&mut self, id: PersonId) -> StoreResult<Option<Person>> {
        self.cached("person", id.0, |s| s.get(id.0))
    }

    /// A person by identity key ([`crate::person::PersonIdentity::key`]).
    pub fn person_by_identity(&mut self, key: &str) -> StoreResult<Option<Person>> {
        Ok(self
            .find::<Person>(&Filter::eq(0, Value::Text(key.into())))?
            .into_iter()
            .next())
    }

    /// Every person (for searches by name), oldest first.
    pub fn persons(&mut self) -> StoreResult<Vec<Person>> {
        self.find(&Filter::all())
    }

    /// Compliance breaches of one organisation, or of all when `None`.
    pub fn breaches(&mut self, org: Option<OrganizationId>) -> StoreResult<Vec<ComplianceBreach>> {
        match org {
            Some(o) => self.find(&Filter::eq(0, Value::Id(o.0))),
            None => self.find(&Filter::all()),
        }
    }

    // ----- files and networks -------------------------------------------------------

    /// A client file by id.
    pub fn file(&mut self, id: ClientFileId) -> StoreResult<Option<ClientFile>> {
        self.cached("file", id.0, |s| s.get(id.0))
    }

    /// The client file of a person.
    pub fn file_of_client(&mut self, client: PersonId) -> StoreResult<Option<ClientFile>> {
        Ok(self
            .find::<ClientFile>(&Filter::eq(0, Value::Id(client.0)))?
            .into_iter()
            .next())
    }

    /// Every client file, oldest first.
    pub fn files(&mut self) -> StoreResult<Vec<ClientFile>> {
        self.find(&Filter::all())
    }

    /// The card of a file.
    pub fn card(&mut self, file: ClientFileId) -> StoreResult<Option<ClientCard>> {
        self.get(file.0)
    }

    /// A membership by id.
    pub fn membership(&mut self, id: MembershipId) -> StoreResult<Option<Membership>> {
        self.get(id.0)
    }

    /// Every membership of a member, in any file.
    pub fn memberships_of_member(&mut self, member: Member) -> StoreResult<Vec<Membership>> {
        let col = MEMBERSHIPS.col("member");
        let mut v: Vec<Membership> =
            self.find(&Filter::eq(col, kinds::membership_member(member)))?;
        v.retain(|m| m.member == member);
        Ok(v)
    }

    /// Every membership of a file's network.
    pub fn memberships_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Membership>> {
        self.cached("memberships", file.0, |s| s.find(&by_file(file)))
    }

    /// Substitutions in which `worker` is the substitute.
    pub fn substitutions_by_substitute(
        &mut self,
        worker: WorkerId,
    ) -> StoreResult<Vec<Substitution>> {
        self.cached("substitutions", worker.0, |s| {
            s.find(&Filter::eq(0, Value::Id(worker.0)))
        })
    }

    /// The entries of a file, in writing order.
    pub fn entries_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Entry>> {
        self.find(&by_file(file))
    }

    /// A notification by id.
    pub fn notification(&mut self, id: NotificationId) -> StoreResult<Option<Notification>> {
        self.get(id.0)
    }

    /// A recipient's notifications, oldest first.
    pub fn notifications_for(&mut self, r: Recipient) -> StoreResult<Vec<Notification>> {
        let mut v: Vec<Notification> =
            self.find(&Filter::eq(0, kinds::notification_recipient(r)))?;
        v.retain(|n| n.recipient == r);
        Ok(v)
    }

    /// The disclosures of a file, oldest first.
    pub fn disclosures_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Disclosure>> {
        self.find(&by_file(file))
    }

    /// The restriction marks of a file, lifted and lapsed ones too.
    pub fn restrictions_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<AccessRestriction>> {
        self.find(&by_file(file))
    }

    // ----- plans, visits and the service log -------------------------------------------

    /// A plan by id.
    pub fn plan(&mut self, id: PlanId) -> StoreResult<Option<CarePlan>> {
        self.get(id.0)
    }

    /// The plans of a file.
    pub fn plans_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<CarePlan>> {
        self.find(&by_file(file))
    }

    /// A plan item by id.
    pub fn plan_item(&mut self, id: PlanItemId) -> StoreResult<Option<PlanItem>> {
        self.get(id.0)
    }

    /// The items of a plan.
    pub fn items_of_plan(&mut self, plan: PlanId) -> StoreResult<Vec<PlanItem>> {
        self.find(&Filter::eq(0, Value::Id(plan.0)))
    }

    /// The texts a visit row refers to: from the process's cache, else from the store.
    fn texts(&mut self, id: Uuid) -> StoreResult<Arc<VisitTexts>> {
        if let Some(t) = kinds::cached_texts(id) {
            return Ok(t);
        }
        let t: VisitTexts = self.get(id)?.ok_or_else(|| {
            StoreError::corrupt(VISIT_TEXTS.name, id, "referred to by a visit, not stored")
        })?;
        let t = Arc::new(t);
        kinds::cache_texts(id, Arc::clone(&t));
        Ok(t)
    }

    fn visit_of_row(&mut self, row: &Row) -> StoreResult<Visit> {
        match kinds::visit_from_row(row)? {
            kinds::VisitFromRow::Whole(v) => Ok(*v),
            kinds::VisitFromRow::NeedsTexts(mut v, texts) => {
                let t = self.texts(texts)?;
                v.action = t.action.clone();
                v.place = t.place.clone();
                Ok(*v)
            }
        }
    }

    fn visits(&mut self, filter: &Filter) -> StoreResult<Vec<Visit>> {
        let rows = self.raw.find(&VISITS, filter)?;
        rows.iter().map(|r| self.visit_of_row(r)).collect()
    }

    /// The row of a visit, its texts stored first if this unit has not seen them yet.
    fn visit_row(&mut self, v: &Visit, last: &mut Option<(VisitTexts, Uuid)>) -> StoreResult<Row> {
        let id = match last {
            Some((t, id)) if t.action == v.action && t.place == v.place => *id,
            _ => {
                let t = VisitTexts {
                    action: v.action.clone(),
                    place: v.place.clone(),
                };
                let id = t.id();
                if !self.texts_stored.contains(&id) {
                    if self.raw.get(&VISIT_TEXTS, id)?.is_none() {
                        self.insert(&t)?;
                    }
                    self.texts_stored.insert(id);
                }
                *last = Some((t, id));
                id
            }
        };
        kinds::visit_row(v, id)
    }

    /// Stores new visits; a [`StoreError::Conflict`] if one of them is stored already.
    pub fn insert_visits(&mut self, visits: &[Visit]) -> StoreResult<()> {
        let mut last = None;
        for v in visits {
            let row = self.visit_row(v, &mut last)?;
            self.raw_insert(&VISITS, &row)?;
        }
        Ok(())
    }

    /// Replaces stored visits; a [`StoreError::Missing`] if one of them is not stored.
    pub fn update_visits(&mut self, visits: &[Visit]) -> StoreResult<()> {
        let mut last = None;
        for v in visits {
            let row = self.visit_row(v, &mut last)?;
            self.raw_update(&VISITS, &row)?;
        }
        Ok(())
    }

    /// A visit by id.
    pub fn visit(&mut self, id: VisitId) -> StoreResult<Option<Visit>> {
        match self.raw.get(&VISITS, id.0)? {
            Some(row) => Ok(Some(self.visit_of_row(&row)?)),
            None => Ok(None),
        }
    }

    /// Every visit of a plan item, superseded ones too, by start.
    pub fn visits_of_item(&mut self, item: PlanItemId) -> StoreResult<Vec<Visit>> {
        self.visits(&Filter::eq(V_ITEM, Value::Id(item.0)).by(V_START))
    }

    /// A file's visits starting in `from .. to`, superseded ones left out, by start.
    pub fn visits_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        self.visits(
            &Filter::eq(V_FILE, Value::Id(file.0))
                .and(Cond::Range(V_START, micros(from), micros(to)))
                .and(Cond::Ne(
                    V_STATUS,
                    Value::Int(status_code(VisitStatus::Superseded)),
                ))
                .by(V_START),
        )
    }

    /// A worker's visits starting in `from .. to`, superseded ones left out, by start.
    pub fn visits_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        self.visits(&kinds::visits_of_worker_filter(worker, from, to))
    }

    /// A file's visits starting in `from .. to`, superseded ones too, by start (for
    /// exports, which tell a calendar app what was replaced).
    pub fn visits_of_file_in(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        superseded_too: bool,
    ) -> StoreResult<Vec<Visit>> {
        if !superseded_too {
            return self.visits_of_file(file, from, to);
        }
        self.visits(
            &Filter::eq(V_FILE, Value::Id(file.0))
                .and(Cond::Range(V_START, micros(from), micros(to)))
                .by(V_START),
        )
    }

    /// A worker's visits starting in `from .. to`, superseded ones too when asked, by
    /// start.
    pub fn visits_of_worker_in(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        superseded_too: bool,
    ) -> StoreResult<Vec<Visit>> {
        if !superseded_too {
            return self.visits_of_worker(worker, from, to);
        }
        self.visits(&kinds::all_visits_of_worker_filter(worker, from, to))
    }

    /// Every visit of a file, superseded ones too, by start.
    pub fn all_visits_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Visit>> {
        self.visits(&Filter::eq(V_FILE, Value::Id(file.0)).by(V_START))
    }

    /// When a worker is taken ([`StoreTx::busy_times`]).
    pub fn busy_times(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BusyTime>> {
        self.raw.busy_times(worker, from, to)
    }

    /// Planned visits of a provider that ended before `before`, by start.
    pub fn overdue_visits(
        &mut self,
        provider: OrganizationId,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        self.visits(
            &Filter::eq(V_PROVIDER, Value::Id(provider.0))
                .and(Cond::Eq(
                    V_STATUS,
                    Value::Int(status_code(VisitStatus::Planned)),
                ))
                .and(Cond::Range(V_END, i64::MIN, micros(before)))
                .by(V_START),
        )
    }

    fn log_between(
        &mut self,
        col: usize,
        key: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        let start = SERVICE_LOG.col("actual_start_us");
        self.find(
            &Filter::eq(col, Value::Id(key))
                .and(Cond::Range(start, micros(from), micros(to)))
                .by(start),
        )
    }

    /// A file's log entries with actual start in `from .. to`, by actual start.
    pub fn log_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.log_between(SERVICE_LOG.col("file"), file.0, from, to)
    }

    /// A worker's log entries with actual start in `from .. to`, by actual start.
    pub fn log_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.log_between(SERVICE_LOG.col("worker"), worker.0, from, to)
    }

    /// A provider's log entries with actual start in `from .. to`, by actual start.
    pub fn log_of_provider(
        &mut self,
        provider: OrganizationId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        self.log_between(SERVICE_LOG.col("provider"), provider.0, from, to)
    }

    // ----- the case -------------------------------------------------------------------

    /// An application by id.
    pub fn application(&mut self, id: ApplicationId) -> StoreResult<Option<Application>> {
        self.get(id.0)
    }

    /// The applications of a file, oldest first.
    pub fn applications_by_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Application>> {
        self.find(&by_file(file))
    }

    /// A decision by id.
    pub fn decision(&mut self, id: DecisionId) -> StoreResult<Option<CaseDecision>> {
        self.get(id.0)
    }

    /// The decisions of a file, oldest first (every access check of the file reads them:
    /// through the read cache).
    pub fn decisions_by_file(&mut self, file: ClientFileId) -> StoreResult<Vec<CaseDecision>> {
        self.cached("decisions", file.0, |s| s.find(&by_file(file)))
    }

    /// A contract by id.
    pub fn contract(&mut self, id: ContractId) -> StoreResult<Option<Contract>> {
        self.get(id.0)
    }

    /// The contracts of a file, oldest first (every access check of the file reads them:
    /// through the read cache).
    pub fn contracts_by_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Contract>> {
        self.cached("contracts", file.0, |s| s.find(&by_file(file)))
    }

    /// An assessment by id.
    pub fn assessment(&mut self, id: AssessmentId) -> StoreResult<Option<Assessment>> {
        self.get(id.0)
    }

    /// The assessments of a file, oldest first.
    pub fn assessments_by_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Assessment>> {
        self.find(&by_file(file))
    }

    /// A referral by id.
    pub fn referral(&mut self, id: ReferralId) -> StoreResult<Option<Referral>> {
        self.get(id.0)
    }

    /// The referrals of a patient, oldest first (every access check of the patient's
    /// file reads them: through the read cache).
    pub fn referrals_by_patient(&mut self, patient: PersonId) -> StoreResult<Vec<Referral>> {
        self.cached("referrals", patient.0, |s| {
            s.find(&Filter::eq(0, Value::Id(patient.0)))
        })
    }

    // ----- deaths, notices, reports, retention --------------------------------------

    /// The death record of a person.
    pub fn death(&mut self, person: PersonId) -> StoreResult<Option<DeathRecord>> {
        self.get(person.0)
    }

    /// A received notice by key ([`crate::register::RegisterNotice::key`]).
    pub fn notice(&mut self, key: &str) -> StoreResult<Option<ReceivedNotice>> {
        Ok(self
            .get::<ReceivedNotice>(text_key_id(key))?
            .filter(|n| n.notice.key() == key))
    }

    /// The received notices about one personal code.
    pub fn notices_for_code(&mut self, code: &str) -> StoreResult<Vec<ReceivedNotice>> {
        self.find(&Filter::eq(0, Value::Text(code.into())))
    }

    /// A report submission by key ([`crate::report::ReportKind::key`]).
    pub fn submission(&mut self, key: &str) -> StoreResult<Option<ReportSubmission>> {
        Ok(self
            .get::<ReportSubmission>(text_key_id(key))?
            .filter(|s| s.kind.key(s.provider) == key))
    }

    /// Every hold, oldest first.
    pub fn holds(&mut self) -> StoreResult<Vec<Hold>> {
        self.find(&Filter::all())
    }

    /// A destruction act by id.
    pub fn act(&mut self, id: DestructionActId) -> StoreResult<Option<DestructionAct>> {
        self.get(id.0)
    }

    /// Destroys a record's content for good; whether it was there.
    pub fn destroy(&mut self, r: RecordRef) -> StoreResult<bool> {
        let (kind, id): (&'static Kind, Uuid) = match r {
            RecordRef::Entry(id) => (&ENTRIES, id.0),
            RecordRef::Visit(id) => (&VISITS, id.0),
            RecordRef::LogEntry(id) => (&SERVICE_LOG, id.0),
            RecordRef::Assessment(id) => (&ASSESSMENTS, id.0),
        };
        let was = self.raw.destroy(kind, id)?;
        if was {
            self.writes.insert((kind.name, id), None);
        }
        Ok(was)
    }

    // ----- audit ------------------------------------------------------------------------

    /// Seals and appends an audit entry ([`StoreTx::append_audit`]).
    pub fn append_audit(&mut self, e: NewAuditEntry) -> StoreResult<AuditEntry> {
        self.raw.append_audit(e)
    }

    /// The newest audit entry's sequence number and hash.
    pub fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        self.raw.audit_head()
    }

    /// Up to `limit` audit entries with `seq >= from`, in sequence order.
    pub fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.raw.audit_page(from, limit)
    }

    /// The audit entries about a file, in sequence order.
    pub fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        self.raw.audit_of_file(file)
    }
}
