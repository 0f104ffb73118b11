//! The storage port: what the engine needs from a store, in one write transaction per
//! call, and [`MemoryStore`], the in-memory adapter (tests, the browser demo).
//!
//! A transaction sees a consistent snapshot and either commits whole or leaves nothing
//! behind: dropping a [`StoreTx`] without [`StoreTx::commit`] rolls it back.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::audit::{AuditEntry, ChainHead};
use crate::calendar::{Visit, VisitStatus};
use crate::case::{Application, Assessment, CaseDecision, Contract, Referral};
use crate::file::{ClientCard, ClientFile, Entry};
use crate::ids::{ApplicationId, AssessmentId, ContractId, DecisionId, ReferralId};
use crate::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, WorkerId};
use crate::ids::{PlanId, PlanItemId, VisitId};
use crate::log::ServiceLogEntry;
use crate::network::{Member, Membership, Substitution};
use crate::notify::{Notification, Recipient};
use crate::org::{ComplianceBreach, Organization, OrganizationKind, Worker};
use crate::person::Person;
use crate::plan::{CarePlan, PlanItem};

/// A storage failure, with the backend's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend failed.
    #[error("{0}")]
    Backend(String),
    /// The file was written by a newer schema.
    #[error("schema version {found} is newer than supported {supported}")]
    SchemaTooNew {
        /// Found in the file.
        found: i64,
        /// Supported by this build.
        supported: i64,
    },
}

impl From<StoreError> for crate::TehoError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Backend(message) => crate::TehoError::Storage { message },
            StoreError::SchemaTooNew { found, supported } => {
                crate::TehoError::SchemaTooNew { found, supported }
            }
        }
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// A store: begins write transactions.
pub trait Store: Send + Sync {
    /// The transaction type.
    type Tx<'a>: StoreTx
    where
        Self: 'a;
    /// Begins a write transaction (SQLite: `BEGIN IMMEDIATE`), waiting for other writers.
    fn begin(&self) -> StoreResult<Self::Tx<'_>>;
    /// Begins the transaction of a query, which writes nothing but the query's audit
    /// entry. A store may make such a commit durable a little later than a command's
    /// (SQLite: within a bounded delay, see `SqliteStore`), and may refuse to commit one
    /// that wrote anything else. The default is [`Store::begin`].
    fn begin_query(&self) -> StoreResult<Self::Tx<'_>> {
        self.begin()
    }
    /// Runs `work` — several engine calls on this thread — so that their transactions
    /// commit together, once (SQLite: one `COMMIT`, one fsync; each call a savepoint
    /// inside it). Each call stays all-or-nothing on its own. The default runs `work` as
    /// it is, each call committing by itself.
    fn batch<R>(&self, work: impl FnOnce() -> R) -> StoreResult<R> {
        Ok(work())
    }
    /// Whether this thread is inside a [`Store::batch`] whose calls commit together.
    fn in_batch(&self) -> bool {
        false
    }
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

/// One write transaction. `put_*` inserts or replaces by id.
pub trait StoreTx {
    /// Saves an organisation.
    fn put_organization(&mut self, o: &Organization) -> StoreResult<()>;
    /// An organisation by id.
    fn organization(&mut self, id: OrganizationId) -> StoreResult<Option<Organization>>;
    /// Only the kind of an organisation (what every call needs of its actor's employer).
    /// The default reads the whole organisation; a store may answer from a column.
    fn organization_kind(&mut self, id: OrganizationId) -> StoreResult<Option<OrganizationKind>> {
        Ok(self.organization(id)?.map(|o| o.kind))
    }
    /// Every organisation.
    fn organizations(&mut self) -> StoreResult<Vec<Organization>>;
    /// Saves a worker.
    fn put_worker(&mut self, w: &Worker) -> StoreResult<()>;
    /// A worker by id.
    fn worker(&mut self, id: WorkerId) -> StoreResult<Option<Worker>>;
    /// The workers of an organisation.
    fn workers_of(&mut self, org: OrganizationId) -> StoreResult<Vec<Worker>>;
    /// Saves a person.
    fn put_person(&mut self, p: &Person) -> StoreResult<()>;
    /// A person by id.
    fn person(&mut self, id: PersonId) -> StoreResult<Option<Person>>;
    /// A person by identity key ([`crate::person::PersonIdentity::key`]).
    fn person_by_identity(&mut self, key: &str) -> StoreResult<Option<Person>>;
    /// Saves a client file.
    fn put_file(&mut self, f: &ClientFile) -> StoreResult<()>;
    /// A client file by id.
    fn file(&mut self, id: ClientFileId) -> StoreResult<Option<ClientFile>>;
    /// The client file of a person.
    fn file_of_client(&mut self, client: PersonId) -> StoreResult<Option<ClientFile>>;
    /// Saves a card.
    fn put_card(&mut self, c: &ClientCard) -> StoreResult<()>;
    /// The card of a file.
    fn card(&mut self, file: ClientFileId) -> StoreResult<Option<ClientCard>>;
    /// Saves a membership.
    fn put_membership(&mut self, m: &Membership) -> StoreResult<()>;
    /// A membership by id.
    fn membership(&mut self, id: MembershipId) -> StoreResult<Option<Membership>>;
    /// Every membership of a member, in any file.
    fn memberships_of_member(&mut self, member: Member) -> StoreResult<Vec<Membership>>;
    /// Every membership of a file's network.
    fn memberships_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Membership>>;
    /// Saves a substitution.
    fn put_substitution(&mut self, s: &Substitution) -> StoreResult<()>;
    /// Substitutions in which `worker` is the substitute.
    fn substitutions_by_substitute(&mut self, worker: WorkerId) -> StoreResult<Vec<Substitution>>;
    /// Saves an entry.
    fn put_entry(&mut self, e: &Entry) -> StoreResult<()>;
    /// The entries of a file, in writing order.
    fn entries_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Entry>>;
    /// Saves a notification.
    fn put_notification(&mut self, n: &Notification) -> StoreResult<()>;
    /// A notification by id.
    fn notification(&mut self, id: crate::ids::NotificationId)
    -> StoreResult<Option<Notification>>;
    /// A recipient's notifications, oldest first.
    fn notifications_for(&mut self, r: Recipient) -> StoreResult<Vec<Notification>>;
    /// Saves a compliance breach.
    fn put_breach(&mut self, b: &ComplianceBreach) -> StoreResult<()>;
    /// Breaches of one organisation, or of all when `None`.
    fn breaches(&mut self, org: Option<OrganizationId>) -> StoreResult<Vec<ComplianceBreach>>;
    /// Saves a plan.
    fn put_plan(&mut self, p: &CarePlan) -> StoreResult<()>;
    /// A plan by id.
    fn plan(&mut self, id: PlanId) -> StoreResult<Option<CarePlan>>;
    /// The plans of a file.
    fn plans_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<CarePlan>>;
    /// Saves a plan item.
    fn put_plan_item(&mut self, i: &PlanItem) -> StoreResult<()>;
    /// A plan item by id.
    fn plan_item(&mut self, id: PlanItemId) -> StoreResult<Option<PlanItem>>;
    /// The items of a plan.
    fn items_of_plan(&mut self, plan: PlanId) -> StoreResult<Vec<PlanItem>>;
    /// Saves visits (insert or replace by id).
    fn put_visits(&mut self, v: &[Visit]) -> StoreResult<()>;
    /// A visit by id.
    fn visit(&mut self, id: VisitId) -> StoreResult<Option<Visit>>;
    /// Every visit of a plan item, superseded ones too.
    fn visits_of_item(&mut self, item: PlanItemId) -> StoreResult<Vec<Visit>>;
    /// A file's visits starting in `from .. to`, superseded ones left out, by start.
    fn visits_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>>;
    /// A worker's visits starting in `from .. to`, superseded ones left out, by start.
    fn visits_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>>;
    /// When a worker is taken: the id, start and end of each of their planned or done
    /// visits starting in `from .. to`, in no particular order — what the overlap
    /// warning needs, without reading whole visits. The default reads them whole; a
    /// store may answer from its columns.
    fn busy_times(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BusyTime>> {
        Ok(self
            .visits_of_worker(worker, from, to)?
            .into_iter()
            .filter(|v| matches!(v.status, VisitStatus::Planned | VisitStatus::Done))
            .map(|v| BusyTime {
                visit: v.id,
                start: v.start,
                end: v.end,
            })
            .collect())
    }
    /// Planned visits of a provider that ended before `before`, by start.
    fn overdue_visits(
        &mut self,
        provider: OrganizationId,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>>;
    /// Saves a service-log entry.
    fn put_log_entry(&mut self, e: &ServiceLogEntry) -> StoreResult<()>;
    /// A file's log entries with actual start in `from .. to`, by actual start.
    fn log_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>>;
    /// A worker's log entries with actual start in `from .. to`, by actual start.
    fn log_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>>;
    /// A provider's log entries with actual start in `from .. to`, by actual start.
    fn log_of_provider(
        &mut self,
        provider: OrganizationId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>>;
    /// Saves a application record.
    fn put_application(&mut self, r: &Application) -> StoreResult<()>;
    /// A application record by id.
    fn application(&mut self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// The applications by file, oldest first.
    fn applications_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Application>>;
    /// Saves a decision record.
    fn put_decision(&mut self, r: &CaseDecision) -> StoreResult<()>;
    /// A decision record by id.
    fn decision(&mut self, id: DecisionId) -> StoreResult<Option<CaseDecision>>;
    /// The decisions by file, oldest first.
    fn decisions_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<CaseDecision>>;
    /// Saves a contract record.
    fn put_contract(&mut self, r: &Contract) -> StoreResult<()>;
    /// A contract record by id.
    fn contract(&mut self, id: ContractId) -> StoreResult<Option<Contract>>;
    /// The contracts by file, oldest first.
    fn contracts_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Contract>>;
    /// Saves a assessment record.
    fn put_assessment(&mut self, r: &Assessment) -> StoreResult<()>;
    /// A assessment record by id.
    fn assessment(&mut self, id: AssessmentId) -> StoreResult<Option<Assessment>>;
    /// The assessments by file, oldest first.
    fn assessments_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Assessment>>;
    /// Saves a referral record.
    fn put_referral(&mut self, r: &Referral) -> StoreResult<()>;
    /// A referral record by id.
    fn referral(&mut self, id: ReferralId) -> StoreResult<Option<Referral>>;
    /// The referrals by patient, oldest first.
    fn referrals_by_patient(&mut self, key: PersonId) -> StoreResult<Vec<Referral>>;
    /// Every person (for searches by name).
    fn persons(&mut self) -> StoreResult<Vec<Person>>;
    /// Saves a death record (one per person).
    fn put_death(&mut self, d: &crate::death::DeathRecord) -> StoreResult<()>;
    /// The death record of a person.
    fn death(&mut self, person: PersonId) -> StoreResult<Option<crate::death::DeathRecord>>;
    /// Saves a received register notice under its key.
    fn put_notice(&mut self, n: &crate::death::ReceivedNotice) -> StoreResult<()>;
    /// The received notices about one personal code.
    fn notices_for_code(&mut self, code: &str) -> StoreResult<Vec<crate::death::ReceivedNotice>>;
    /// A received notice by key ([`crate::register::RegisterNotice::key`]).
    fn notice(&mut self, key: &str) -> StoreResult<Option<crate::death::ReceivedNotice>>;
    /// Saves a disclosure.
    fn put_disclosure(&mut self, d: &crate::disclosure::Disclosure) -> StoreResult<()>;
    /// The disclosures of a file, oldest first.
    fn disclosures_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<crate::disclosure::Disclosure>>;
    /// The audit entries about a file, in sequence order.
    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>>;
    /// Saves a report submission under its key.
    fn put_submission(&mut self, key: &str, s: &crate::report::ReportSubmission)
    -> StoreResult<()>;
    /// A report submission by key.
    fn submission(&mut self, key: &str) -> StoreResult<Option<crate::report::ReportSubmission>>;
    /// Saves an access-restriction mark.
    fn put_restriction(&mut self, r: &crate::file::AccessRestriction) -> StoreResult<()>;
    /// The restriction marks of a file, lifted and lapsed ones too.
    fn restrictions_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<crate::file::AccessRestriction>>;
    /// Every client file.
    fn files(&mut self) -> StoreResult<Vec<ClientFile>>;
    /// Every visit of a file, superseded ones too.
    fn all_visits_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Visit>>;
    /// Saves a hold.
    fn put_hold(&mut self, h: &crate::retention::Hold) -> StoreResult<()>;
    /// Every hold.
    fn holds(&mut self) -> StoreResult<Vec<crate::retention::Hold>>;
    /// Saves a destruction act.
    fn put_act(&mut self, a: &crate::retention::DestructionAct) -> StoreResult<()>;
    /// A destruction act by id.
    fn act(
        &mut self,
        id: crate::ids::DestructionActId,
    ) -> StoreResult<Option<crate::retention::DestructionAct>>;
    /// Destroys a record's content for good; whether it was there.
    fn destroy(&mut self, r: crate::retention::RecordRef) -> StoreResult<bool>;
    /// The newest audit entry's sequence number and hash.
    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>>;
    /// Appends a sealed audit entry.
    fn append_audit(&mut self, e: &AuditEntry) -> StoreResult<()>;
    /// Up to `limit` audit entries with `seq >= from`, in sequence order.
    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// Commits.
    fn commit(self) -> StoreResult<()>;
}

/// Everything a [`MemoryStore`] holds.
#[derive(Clone, Debug, Default)]
pub struct MemoryData {
    organizations: Vec<Organization>,
    workers: Vec<Worker>,
    persons: Vec<Person>,
    files: Vec<ClientFile>,
    cards: Vec<ClientCard>,
    memberships: Vec<Membership>,
    substitutions: Vec<Substitution>,
    entries: Vec<Entry>,
    notifications: Vec<Notification>,
    breaches: Vec<ComplianceBreach>,
    plans: Vec<CarePlan>,
    items: Vec<PlanItem>,
    visits: Vec<Visit>,
    log: Vec<ServiceLogEntry>,
    deaths: Vec<crate::death::DeathRecord>,
    notices: Vec<crate::death::ReceivedNotice>,
    disclosures: Vec<crate::disclosure::Disclosure>,
    submissions: Vec<(String, crate::report::ReportSubmission)>,
    restrictions: Vec<crate::file::AccessRestriction>,
    holds: Vec<crate::retention::Hold>,
    acts: Vec<crate::retention::DestructionAct>,
    applications: Vec<Application>,
    decisions: Vec<CaseDecision>,
    contracts: Vec<Contract>,
    assessments: Vec<Assessment>,
    referrals: Vec<Referral>,
    audit: Vec<AuditEntry>,
}

/// An in-memory store for tests and the browser demo. A transaction works on a copy
/// and swaps it in on commit, so a failed call leaves nothing behind.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Mutex<MemoryData>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the audit log directly, bypassing the engine: only for tests that
    /// tamper with the log on purpose.
    pub fn tamper_audit(&self, f: impl FnOnce(&mut Vec<AuditEntry>)) {
        f(&mut self.lock().audit)
    }

    fn lock(&self) -> MutexGuard<'_, MemoryData> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A [`MemoryStore`] transaction.
#[derive(Debug)]
pub struct MemoryTx<'a> {
    guard: MutexGuard<'a, MemoryData>,
    work: MemoryData,
}

impl Store for MemoryStore {
    type Tx<'a> = MemoryTx<'a>;
    fn begin(&self) -> StoreResult<MemoryTx<'_>> {
        let guard = self.lock();
        let work = guard.clone();
        Ok(MemoryTx { guard, work })
    }
}

fn upsert<T: Clone>(v: &mut Vec<T>, item: &T, same: impl Fn(&T) -> bool) {
    match v.iter_mut().find(|x| same(x)) {
        Some(slot) => *slot = item.clone(),
        None => v.push(item.clone()),
    }
}

fn live_between(
    all: &[Visit],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keep: impl Fn(&Visit) -> bool,
) -> Vec<Visit> {
    let mut v: Vec<Visit> = all
        .iter()
        .filter(|v| {
            v.status != VisitStatus::Superseded && v.start >= from && v.start < to && keep(v)
        })
        .cloned()
        .collect();
    v.sort_by_key(|v| (v.start, v.id));
    v
}

fn log_between(
    all: &[ServiceLogEntry],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keep: impl Fn(&ServiceLogEntry) -> bool,
) -> Vec<ServiceLogEntry> {
    let mut v: Vec<ServiceLogEntry> = all
        .iter()
        .filter(|e| e.actual_start >= from && e.actual_start < to && keep(e))
        .cloned()
        .collect();
    v.sort_by_key(|e| (e.actual_start, e.id));
    v
}

impl StoreTx for MemoryTx<'_> {
    fn put_organization(&mut self, o: &Organization) -> StoreResult<()> {
        upsert(&mut self.work.organizations, o, |x| x.id == o.id);
        Ok(())
    }
    fn organization(&mut self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        Ok(self.work.organizations.iter().find(|x| x.id == id).cloned())
    }
    fn organizations(&mut self) -> StoreResult<Vec<Organization>> {
        Ok(self.work.organizations.clone())
    }
    fn put_worker(&mut self, w: &Worker) -> StoreResult<()> {
        upsert(&mut self.work.workers, w, |x| x.id == w.id);
        Ok(())
    }
    fn worker(&mut self, id: WorkerId) -> StoreResult<Option<Worker>> {
        Ok(self.work.workers.iter().find(|x| x.id == id).cloned())
    }
    fn workers_of(&mut self, org: OrganizationId) -> StoreResult<Vec<Worker>> {
        Ok(self
            .work
            .workers
            .iter()
            .filter(|x| x.organization == org)
            .cloned()
            .collect())
    }
    fn put_person(&mut self, p: &Person) -> StoreResult<()> {
        upsert(&mut self.work.persons, p, |x| x.id == p.id);
        Ok(())
    }
    fn person(&mut self, id: PersonId) -> StoreResult<Option<Person>> {
        Ok(self.work.persons.iter().find(|x| x.id == id).cloned())
    }
    fn person_by_identity(&mut self, key: &str) -> StoreResult<Option<Person>> {
        Ok(self
            .work
            .persons
            .iter()
            .find(|x| x.identity.key() == key)
            .cloned())
    }
    fn put_file(&mut self, f: &ClientFile) -> StoreResult<()> {
        upsert(&mut self.work.files, f, |x| x.id == f.id);
        Ok(())
    }
    fn file(&mut self, id: ClientFileId) -> StoreResult<Option<ClientFile>> {
        Ok(self.work.files.iter().find(|x| x.id == id).cloned())
    }
    fn file_of_client(&mut self, client: PersonId) -> StoreResult<Option<ClientFile>> {
        Ok(self.work.files.iter().find(|x| x.client == client).cloned())
    }
    fn put_card(&mut self, c: &ClientCard) -> StoreResult<()> {
        upsert(&mut self.work.cards, c, |x| x.file == c.file);
        Ok(())
    }
    fn card(&mut self, file: ClientFileId) -> StoreResult<Option<ClientCard>> {
        Ok(self.work.cards.iter().find(|x| x.file == file).cloned())
    }
    fn put_membership(&mut self, m: &Membership) -> StoreResult<()> {
        upsert(&mut self.work.memberships, m, |x| x.id == m.id);
        Ok(())
    }
    fn membership(&mut self, id: MembershipId) -> StoreResult<Option<Membership>> {
        Ok(self.work.memberships.iter().find(|x| x.id == id).cloned())
    }
    fn memberships_of_member(&mut self, member: Member) -> StoreResult<Vec<Membership>> {
        Ok(self
            .work
            .memberships
            .iter()
            .filter(|x| x.member == member)
            .cloned()
            .collect())
    }
    fn memberships_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Membership>> {
        Ok(self
            .work
            .memberships
            .iter()
            .filter(|x| x.file == file)
            .cloned()
            .collect())
    }
    fn put_substitution(&mut self, s: &Substitution) -> StoreResult<()> {
        upsert(&mut self.work.substitutions, s, |x| x.id == s.id);
        Ok(())
    }
    fn substitutions_by_substitute(&mut self, worker: WorkerId) -> StoreResult<Vec<Substitution>> {
        Ok(self
            .work
            .substitutions
            .iter()
            .filter(|x| x.substitute == worker)
            .cloned()
            .collect())
    }
    fn put_entry(&mut self, e: &Entry) -> StoreResult<()> {
        upsert(&mut self.work.entries, e, |x| x.id == e.id);
        Ok(())
    }
    fn entries_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Entry>> {
        Ok(self
            .work
            .entries
            .iter()
            .filter(|x| x.file == file)
            .cloned()
            .collect())
    }
    fn put_notification(&mut self, n: &Notification) -> StoreResult<()> {
        upsert(&mut self.work.notifications, n, |x| x.id == n.id);
        Ok(())
    }
    fn notification(
        &mut self,
        id: crate::ids::NotificationId,
    ) -> StoreResult<Option<Notification>> {
        Ok(self.work.notifications.iter().find(|x| x.id == id).cloned())
    }
    fn notifications_for(&mut self, r: Recipient) -> StoreResult<Vec<Notification>> {
        Ok(self
            .work
            .notifications
            .iter()
            .filter(|x| x.recipient == r)
            .cloned()
            .collect())
    }
    fn put_breach(&mut self, b: &ComplianceBreach) -> StoreResult<()> {
        upsert(&mut self.work.breaches, b, |x| x.worker == b.worker);
        Ok(())
    }
    fn breaches(&mut self, org: Option<OrganizationId>) -> StoreResult<Vec<ComplianceBreach>> {
        Ok(self
            .work
            .breaches
            .iter()
            .filter(|x| org.is_none_or(|o| x.organization == o))
            .cloned()
            .collect())
    }
    fn put_plan(&mut self, p: &CarePlan) -> StoreResult<()> {
        upsert(&mut self.work.plans, p, |x| x.id == p.id);
        Ok(())
    }
    fn plan(&mut self, id: PlanId) -> StoreResult<Option<CarePlan>> {
        Ok(self.work.plans.iter().find(|x| x.id == id).cloned())
    }
    fn plans_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<CarePlan>> {
        Ok(self
            .work
            .plans
            .iter()
            .filter(|x| x.file == file)
            .cloned()
            .collect())
    }
    fn put_plan_item(&mut self, i: &PlanItem) -> StoreResult<()> {
        upsert(&mut self.work.items, i, |x| x.id == i.id);
        Ok(())
    }
    fn plan_item(&mut self, id: PlanItemId) -> StoreResult<Option<PlanItem>> {
        Ok(self.work.items.iter().find(|x| x.id == id).cloned())
    }
    fn items_of_plan(&mut self, plan: PlanId) -> StoreResult<Vec<PlanItem>> {
        Ok(self
            .work
            .items
            .iter()
            .filter(|x| x.plan == plan)
            .cloned()
            .collect())
    }
    fn put_visits(&mut self, v: &[Visit]) -> StoreResult<()> {
        for visit in v {
            upsert(&mut self.work.visits, visit, |x| x.id == visit.id);
        }
        Ok(())
    }
    fn visit(&mut self, id: VisitId) -> StoreResult<Option<Visit>> {
        Ok(self.work.visits.iter().find(|x| x.id == id).cloned())
    }
    fn visits_of_item(&mut self, item: PlanItemId) -> StoreResult<Vec<Visit>> {
        Ok(self
            .work
            .visits
            .iter()
            .filter(|x| x.plan_item == Some(item))
            .cloned()
            .collect())
    }
    fn visits_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        Ok(live_between(&self.work.visits, from, to, |v| {
            v.file == file
        }))
    }
    fn visits_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        Ok(live_between(&self.work.visits, from, to, |v| {
            v.worker == Some(worker)
        }))
    }
    fn overdue_visits(
        &mut self,
        provider: OrganizationId,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<Visit>> {
        let mut v: Vec<Visit> = self
            .work
            .visits
            .iter()
            .filter(|v| {
                v.provider == Some(provider) && v.status == VisitStatus::Planned && v.end < before
            })
            .cloned()
            .collect();
        v.sort_by_key(|v| (v.start, v.id));
        Ok(v)
    }
    fn put_log_entry(&mut self, e: &ServiceLogEntry) -> StoreResult<()> {
        upsert(&mut self.work.log, e, |x| x.id == e.id);
        Ok(())
    }
    fn log_of_file(
        &mut self,
        file: ClientFileId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        Ok(log_between(&self.work.log, from, to, |e| e.file == file))
    }
    fn log_of_worker(
        &mut self,
        worker: WorkerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        Ok(log_between(&self.work.log, from, to, |e| {
            e.worker == worker
        }))
    }
    fn log_of_provider(
        &mut self,
        provider: OrganizationId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ServiceLogEntry>> {
        Ok(log_between(&self.work.log, from, to, |e| {
            e.provider == Some(provider)
        }))
    }
    fn put_application(&mut self, r: &Application) -> StoreResult<()> {
        upsert(&mut self.work.applications, r, |x| x.id == r.id);
        Ok(())
    }
    fn application(&mut self, id: ApplicationId) -> StoreResult<Option<Application>> {
        Ok(self.work.applications.iter().find(|x| x.id == id).cloned())
    }
    fn applications_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Application>> {
        Ok(self
            .work
            .applications
            .iter()
            .filter(|x| x.file == key)
            .cloned()
            .collect())
    }
    fn put_decision(&mut self, r: &CaseDecision) -> StoreResult<()> {
        upsert(&mut self.work.decisions, r, |x| x.id == r.id);
        Ok(())
    }
    fn decision(&mut self, id: DecisionId) -> StoreResult<Option<CaseDecision>> {
        Ok(self.work.decisions.iter().find(|x| x.id == id).cloned())
    }
    fn decisions_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<CaseDecision>> {
        Ok(self
            .work
            .decisions
            .iter()
            .filter(|x| x.file == key)
            .cloned()
            .collect())
    }
    fn put_contract(&mut self, r: &Contract) -> StoreResult<()> {
        upsert(&mut self.work.contracts, r, |x| x.id == r.id);
        Ok(())
    }
    fn contract(&mut self, id: ContractId) -> StoreResult<Option<Contract>> {
        Ok(self.work.contracts.iter().find(|x| x.id == id).cloned())
    }
    fn contracts_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Contract>> {
        Ok(self
            .work
            .contracts
            .iter()
            .filter(|x| x.file == key)
            .cloned()
            .collect())
    }
    fn put_assessment(&mut self, r: &Assessment) -> StoreResult<()> {
        upsert(&mut self.work.assessments, r, |x| x.id == r.id);
        Ok(())
    }
    fn assessment(&mut self, id: AssessmentId) -> StoreResult<Option<Assessment>> {
        Ok(self.work.assessments.iter().find(|x| x.id == id).cloned())
    }
    fn assessments_by_file(&mut self, key: ClientFileId) -> StoreResult<Vec<Assessment>> {
        Ok(self
            .work
            .assessments
            .iter()
            .filter(|x| x.file == key)
            .cloned()
            .collect())
    }
    fn put_referral(&mut self, r: &Referral) -> StoreResult<()> {
        upsert(&mut self.work.referrals, r, |x| x.id == r.id);
        Ok(())
    }
    fn referral(&mut self, id: ReferralId) -> StoreResult<Option<Referral>> {
        Ok(self.work.referrals.iter().find(|x| x.id == id).cloned())
    }
    fn referrals_by_patient(&mut self, key: PersonId) -> StoreResult<Vec<Referral>> {
        Ok(self
            .work
            .referrals
            .iter()
            .filter(|x| x.patient == key)
            .cloned()
            .collect())
    }
    fn persons(&mut self) -> StoreResult<Vec<Person>> {
        Ok(self.work.persons.clone())
    }
    fn put_death(&mut self, d: &crate::death::DeathRecord) -> StoreResult<()> {
        upsert(&mut self.work.deaths, d, |x| x.person == d.person);
        Ok(())
    }
    fn death(&mut self, person: PersonId) -> StoreResult<Option<crate::death::DeathRecord>> {
        Ok(self
            .work
            .deaths
            .iter()
            .find(|x| x.person == person)
            .cloned())
    }
    fn put_notice(&mut self, n: &crate::death::ReceivedNotice) -> StoreResult<()> {
        let key = n.notice.key();
        upsert(&mut self.work.notices, n, |x| x.notice.key() == key);
        Ok(())
    }
    fn notices_for_code(&mut self, code: &str) -> StoreResult<Vec<crate::death::ReceivedNotice>> {
        Ok(self
            .work
            .notices
            .iter()
            .filter(|x| x.notice.personal_code.to_string() == code)
            .cloned()
            .collect())
    }
    fn notice(&mut self, key: &str) -> StoreResult<Option<crate::death::ReceivedNotice>> {
        Ok(self
            .work
            .notices
            .iter()
            .find(|x| x.notice.key() == key)
            .cloned())
    }
    fn put_disclosure(&mut self, d: &crate::disclosure::Disclosure) -> StoreResult<()> {
        upsert(&mut self.work.disclosures, d, |x| x.id == d.id);
        Ok(())
    }
    fn disclosures_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<crate::disclosure::Disclosure>> {
        Ok(self
            .work
            .disclosures
            .iter()
            .filter(|d| d.file == file)
            .cloned()
            .collect())
    }
    fn audit_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<AuditEntry>> {
        let mut v: Vec<AuditEntry> = self
            .work
            .audit
            .iter()
            .filter(|e| e.file == Some(file))
            .cloned()
            .collect();
        v.sort_by_key(|e| e.seq);
        Ok(v)
    }
    fn put_submission(
        &mut self,
        key: &str,
        s: &crate::report::ReportSubmission,
    ) -> StoreResult<()> {
        let item = (key.to_string(), s.clone());
        upsert(&mut self.work.submissions, &item, |x| x.0 == key);
        Ok(())
    }
    fn submission(&mut self, key: &str) -> StoreResult<Option<crate::report::ReportSubmission>> {
        Ok(self
            .work
            .submissions
            .iter()
            .find(|x| x.0 == key)
            .map(|x| x.1.clone()))
    }
    fn put_restriction(&mut self, r: &crate::file::AccessRestriction) -> StoreResult<()> {
        upsert(&mut self.work.restrictions, r, |x| x.id == r.id);
        Ok(())
    }
    fn restrictions_of_file(
        &mut self,
        file: ClientFileId,
    ) -> StoreResult<Vec<crate::file::AccessRestriction>> {
        Ok(self
            .work
            .restrictions
            .iter()
            .filter(|x| x.file == file)
            .cloned()
            .collect())
    }
    fn files(&mut self) -> StoreResult<Vec<ClientFile>> {
        Ok(self.work.files.clone())
    }
    fn all_visits_of_file(&mut self, file: ClientFileId) -> StoreResult<Vec<Visit>> {
        Ok(self
            .work
            .visits
            .iter()
            .filter(|v| v.file == file)
            .cloned()
            .collect())
    }
    fn put_hold(&mut self, h: &crate::retention::Hold) -> StoreResult<()> {
        upsert(&mut self.work.holds, h, |x| x.id == h.id);
        Ok(())
    }
    fn holds(&mut self) -> StoreResult<Vec<crate::retention::Hold>> {
        Ok(self.work.holds.clone())
    }
    fn put_act(&mut self, a: &crate::retention::DestructionAct) -> StoreResult<()> {
        upsert(&mut self.work.acts, a, |x| x.id == a.id);
        Ok(())
    }
    fn act(
        &mut self,
        id: crate::ids::DestructionActId,
    ) -> StoreResult<Option<crate::retention::DestructionAct>> {
        Ok(self.work.acts.iter().find(|x| x.id == id).cloned())
    }
    fn destroy(&mut self, r: crate::retention::RecordRef) -> StoreResult<bool> {
        use crate::retention::RecordRef;
        let w = &mut self.work;
        let before = w.entries.len() + w.visits.len() + w.log.len() + w.assessments.len();
        match r {
            RecordRef::Entry(id) => w.entries.retain(|x| x.id != id),
            RecordRef::Visit(id) => w.visits.retain(|x| x.id != id),
            RecordRef::LogEntry(id) => w.log.retain(|x| x.id != id),
            RecordRef::Assessment(id) => w.assessments.retain(|x| x.id != id),
        }
        Ok(w.entries.len() + w.visits.len() + w.log.len() + w.assessments.len() < before)
    }
    fn audit_head(&mut self) -> StoreResult<Option<ChainHead>> {
        Ok(self.work.audit.last().map(|e| ChainHead {
            seq: e.seq,
            hash: e.hash.clone(),
        }))
    }
    fn append_audit(&mut self, e: &AuditEntry) -> StoreResult<()> {
        self.work.audit.push(e.clone());
        Ok(())
    }
    fn audit_page(&mut self, from: u64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let mut page: Vec<AuditEntry> = self
            .work
            .audit
            .iter()
            .filter(|e| e.seq >= from)
            .cloned()
            .collect();
        page.sort_by_key(|e| e.seq);
        page.truncate(limit);
        Ok(page)
    }
    fn commit(mut self) -> StoreResult<()> {
        *self.guard = std::mem::take(&mut self.work);
        Ok(())
    }
}
