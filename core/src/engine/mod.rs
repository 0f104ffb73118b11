//! The engine: every command and query of TEHO, each through one door —
//! authorize → audit → decide → persist — in one store transaction.
//!
//! Every public method writes exactly one audit entry, whether it is allowed, denied or
//! fails. On failure nothing of the call's work stays in the store: the transaction is
//! rolled back and the audit entry is written in a transaction of its own.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{self, Action, Actor, ActorFacts, AllowBasis, ClientFacts, Decision, Target};
use crate::audit::{
    ActorRef, AuditDecision, Checkpoint, CheckpointPolicy, CheckpointSink, Checkpointing,
    NewAuditEntry, VerifyReport,
};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::file::ClientFile;
use crate::ids::{ClientFileId, OrganizationId, WorkerId};
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::org::{
    NewAdministrator, NewOrganization, NewWorker, Organization, OrganizationKind, Role, Worker,
};
use crate::ports::{Clock, Ids};
use crate::store::{BatchId, Records, Store, Unit};

mod bounds;
mod calendar;
mod case;
mod death;
mod directory;
mod disclosure;
mod export;
mod files;
mod reporting;
mod request;
mod retention;
mod views;

pub use calendar::{CalendarVisit, VisitPlan, VisitWithPlan};
pub use export::{
    CalendarExport, DataSubjectCopy, ExportRecipient, FHIR_METHOD, FhirExport, ICALENDAR_METHOD,
};
pub use request::{Operation, Request, api_description};
pub use views::{ClientHome, HomeView, ServiceCheck, ServingProvider};

pub use calendar::{
    MonthlyReport, Overlap, PlanItemOutcome, ReportLine, SplitOutcome, VisitChange,
};

pub(crate) use directory::{new_organization, new_worker};

/// Longest free text the engine accepts in one field, in characters.
pub const MAX_TEXT: usize = 20_000;

/// The TEHO engine over a store: the one door to client files.
///
/// One type whatever the backend (the store is an `Arc<dyn Store>`), cheap to clone:
/// clones share the store, the clock and the id source.
#[derive(Clone)]
pub struct ClientFiles {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    horizon_days: u32,
    /// The batch this engine's calls are made in ([`ClientFiles::batch`]).
    batch: Option<BatchId>,
    /// Where checkpoints of the chain are kept outside the database, if anywhere
    /// ([`ClientFiles::with_checkpoints`]).
    checkpoints: Option<Arc<Checkpointing>>,
}

impl std::fmt::Debug for ClientFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFiles")
            .field("horizon_days", &self.horizon_days)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// How far ahead plans are expanded into visits by default: twelve weeks.
pub const DEFAULT_HORIZON_DAYS: u32 = 84;

/// What one call has gathered for its audit entry.
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) object: String,
    pub(crate) file: Option<ClientFileId>,
    /// Other files whose data the result shows ([`Ctx::disclose`]).
    pub(crate) disclosed: std::collections::BTreeSet<ClientFileId>,
    pub(crate) decision: AuditDecision,
    /// A verification found the audit chain broken: the call appends no entry, so that
    /// nothing is sealed onto a chain found corrupt (issue 17, item 6).
    pub(crate) chain_broken: bool,
}

/// The context of one call inside the door.
pub(crate) struct Ctx<'e> {
    pub(crate) tx: Records<'e>,
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: &'e Actor,
    pub(crate) facts: ActorFacts,
    pub(crate) actor_ref: ActorRef,
    pub(crate) call: Call,
    pub(crate) ids: &'e dyn Ids,
}

impl Ctx<'_> {
    /// Asks [`access::authorize`]; records the decision for the audit entry.
    pub(crate) fn authorize(&mut self, action: Action, target: &Target) -> TehoResult<AllowBasis> {
        match access::authorize(&self.facts, &action, target, self.at) {
            Decision::Allow(basis) => {
                self.call.decision = AuditDecision::Allowed(basis.to_string());
                Ok(basis)
            }
            Decision::Deny(reason) => {
                self.call.decision = AuditDecision::Denied(reason.to_string());
                Err(TehoError::AccessDenied {
                    action: self.call.operation.into(),
                    reason,
                })
            }
        }
    }

    pub(crate) fn object(&mut self, object: impl ToString) {
        self.call.object = object.to_string();
    }

    /// Records that the result shows data of `files` (a worker's day, a list, a search):
    /// the call's audit entry names them, and each client's access log shows the read
    /// (`DOMAIN.md` rule 12, seed 002 §9).
    pub(crate) fn disclose(&mut self, files: impl IntoIterator<Item = ClientFileId>) {
        self.call.disclosed.extend(files);
    }

    /// The answer for something of a client's file that does not exist: the refusal
    /// the actor would get on a file with nobody in its network and no direction — so a
    /// stranger cannot tell a missing id from one they may not see — or `NotFound` for
    /// an actor who may see any file (the operator, a supervisor for supervision).
    pub(crate) fn missing(&mut self, kind: &str, id: impl ToString) -> TehoError {
        let nobody = Target::Client(ClientFacts {
            file: ClientFileId(uuid::Uuid::nil()),
            client: crate::ids::PersonId(uuid::Uuid::nil()),
            network: Vec::new(),
            substitutions: Vec::new(),
            directions: Vec::new(),
            deceased_on: None,
        });
        let read = Action::Read(
            crate::access::DataCategory::Card,
            crate::access::Visibility::Network,
        );
        match self.authorize(read, &nobody) {
            Err(refused) => refused,
            Ok(_) => TehoError::not_found(kind, id),
        }
    }

    /// Loads a file and the facts access needs about it; names it in the audit entry.
    pub(crate) fn client(&mut self, file: ClientFileId) -> TehoResult<(ClientFile, ClientFacts)> {
        self.call.file = Some(file);
        if self.call.object.is_empty() {
            self.object(format!("client_file:{file}"));
        }
        let Some(f) = self.tx.file(file)? else {
            return Err(self.missing("client file", file));
        };
        let facts = self.facts_of(&f)?;
        Ok((f, facts))
    }

    /// The facts access needs about a file: its network, the actor's substitutions, and
    /// the providers the client is directed to (positive decisions and registered
    /// referrals, ended by a terminated contract).
    pub(crate) fn facts_of(&mut self, f: &ClientFile) -> TehoResult<ClientFacts> {
        use crate::case::{ContractStatus, DecisionOutcome, Direction, ReferralStatus};
        let network = self.tx.memberships_of_file(f.id)?;
        let substitutions = match &self.facts {
            ActorFacts::Worker { id, .. } => self.tx.substitutions_by_substitute(*id)?,
            _ => Vec::new(),
        };
        let contracts = self.tx.contracts_by_file(f.id)?;
        let ended = |provider| {
            contracts
                .iter()
                .filter(|c| c.provider == provider && c.status == ContractStatus::Terminated)
                .filter_map(|c| c.terminated_on)
                .max()
        };
        let mut directions = Vec::new();
        for d in self.tx.decisions_by_file(f.id)? {
            if let (DecisionOutcome::Positive, Some(provider)) = (d.outcome, d.provider) {
                directions.push(Direction {
                    provider,
                    domain: d.service.domain(),
                    from: d.decided_on,
                    until: ended(provider),
                });
            }
        }
        for r in self.tx.referrals_by_patient(f.client)? {
            if matches!(r.status, ReferralStatus::Registered { file } if file == f.id) {
                let until = match (r.end, ended(r.provider)) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                directions.push(Direction {
                    provider: r.provider,
                    domain: crate::org::Domain::Nursing,
                    from: r.start,
                    until,
                });
            }
        }
        // A death ends every direction on its date.
        let deceased_on = self.tx.person(f.client)?.and_then(|p| p.deceased_on);
        if let Some(d) = deceased_on {
            for dir in &mut directions {
                dir.until = Some(dir.until.map_or(d, |u| u.min(d)));
            }
        }
        Ok(ClientFacts {
            file: f.id,
            client: f.client,
            network,
            substitutions,
            directions,
            deceased_on,
        })
    }

    /// The acting worker: their id, role and employer. Called after an action that only
    /// workers are allowed, so another actor here is the engine's own error.
    pub(crate) fn me(&self) -> TehoResult<(WorkerId, Role, OrganizationId)> {
        match &self.facts {
            ActorFacts::Worker {
                id,
                role,
                organization,
                ..
            } => Ok((*id, *role, *organization)),
            _ => Err(TehoError::Internal {
                message: format!("{} was allowed to a non-worker", self.call.operation),
            }),
        }
    }

    /// A worker that `action` is asked on, authorized: a worker who does not exist is
    /// refused as one of another organisation would be, so that a missing id reads like
    /// a refused one; `NotFound` only to an actor allowed that action on such a worker.
    pub(crate) fn authorized_worker(&mut self, id: WorkerId, action: Action) -> TehoResult<Worker> {
        match self.tx.worker(id)? {
            Some(w) => {
                self.authorize(
                    action,
                    &Target::Worker(crate::access::WorkerFacts::from(&w)),
                )?;
                Ok(w)
            }
            None => {
                let stranger = crate::access::WorkerFacts {
                    id,
                    role: Role::CareWorker,
                    organization: OrganizationId(uuid::Uuid::nil()),
                };
                self.authorize(action, &Target::Worker(stranger))?;
                Err(TehoError::not_found("worker", id))
            }
        }
    }

    pub(crate) fn worker(&mut self, id: WorkerId) -> TehoResult<Worker> {
        self.tx
            .worker(id)?
            .ok_or_else(|| TehoError::not_found("worker", id))
    }

    pub(crate) fn organization(&mut self, id: OrganizationId) -> TehoResult<Organization> {
        self.tx
            .organization(id)?
            .ok_or_else(|| TehoError::not_found("organization", id))
    }

    /// Loads the client file's facts and authorizes `action` on it; returns the target
    /// for the filtering and redaction that follow.
    pub(crate) fn authorize_on_file(
        &mut self,
        file: ClientFileId,
        action: Action,
    ) -> TehoResult<Target> {
        let (_, facts) = self.client(file)?;
        let target = Target::Client(facts);
        self.authorize(action, &target)?;
        Ok(target)
    }

    pub(crate) fn allowed(&self, action: Action, target: &Target) -> bool {
        access::authorize(&self.facts, &action, target, self.at).is_allowed()
    }

    pub(crate) fn notify(
        &mut self,
        recipient: Recipient,
        about: Option<ClientFileId>,
        kind: NotificationKind,
        text: String,
    ) -> TehoResult<()> {
        let n = Notification {
            id: self.ids.next_id().into(),
            recipient,
            about,
            kind,
            text,
            created_at: self.at,
            state: crate::notify::NotificationState::Unread,
            state_changed_at: None,
        };
        Ok(self.tx.insert(&n)?)
    }
}

fn audit_entry(
    call: &Call,
    at: DateTime<Utc>,
    actor: &Actor,
    actor_ref: &ActorRef,
    outcome: &str,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: actor_ref.clone(),
        operation: call.operation.into(),
        object: call.object.clone(),
        file: call.file,
        disclosed: call
            .disclosed
            .iter()
            .copied()
            .filter(|f| Some(*f) != call.file)
            .collect(),
        purpose: actor.purpose(),
        decision: call.decision.clone(),
        outcome: outcome.into(),
        writes: Vec::new(),
    }
}

/// The recorded actor of a call whose actor could not be loaded: the id given, nothing
/// else.
fn unloaded(actor: &Actor) -> ActorRef {
    let id = match actor {
        Actor::System => "system".to_string(),
        Actor::Worker(id) | Actor::Supervising { worker: id, .. } => format!("worker:{id}"),
        Actor::Person(id) => format!("person:{id}"),
    };
    ActorRef {
        id,
        name: String::new(),
        personal_code: String::new(),
        role: None,
        organization: None,
    }
}

/// The text of a caught panic.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

pub(crate) fn non_empty(field: &str, value: &str) -> TehoResult<String> {
    let t = value.trim();
    if t.is_empty() {
        return Err(TehoError::invalid(field, value, "must not be empty"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(TehoError::invalid(
            field,
            format!("{} characters", t.chars().count()),
            "too long",
        ));
    }
    Ok(t.to_string())
}

pub(crate) fn check_period(
    what: &str,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> TehoResult<()> {
    match until {
        Some(u) if u < from => Err(TehoError::InvalidPeriod {
            what: what.into(),
            from: from.to_string(),
            until: u.to_string(),
        }),
        _ => Ok(()),
    }
}

fn load_actor(tx: &mut Records<'_>, actor: &Actor) -> TehoResult<(ActorFacts, ActorRef)> {
    let unknown = |id: String| {
        (
            ActorFacts::Unknown,
            ActorRef {
                id,
                name: String::new(),
                personal_code: String::new(),
                role: None,
                organization: None,
            },
        )
    };
    Ok(match actor {
        Actor::System => (ActorFacts::System, ActorRef::system()),
        Actor::Worker(id) | Actor::Supervising { worker: id, .. } => match tx.worker(*id)? {
            None => unknown(format!("worker:{id}")),
            Some(w) => {
                let kind =
                    tx.organization_kind(w.organization)?
                        .ok_or_else(|| TehoError::Internal {
                            message: format!("worker {id} belongs to a missing organisation"),
                        })?;
                let supervision = match actor {
                    Actor::Supervising { case_reference, .. } => Some(case_reference.clone()),
                    _ => None,
                };
                (
                    ActorFacts::Worker {
                        id: w.id,
                        role: w.role,
                        organization: w.organization,
                        organization_kind: kind,
                        employed_from: w.employed_from,
                        employed_until: w.employed_until,
                        supervision,
                    },
                    ActorRef {
                        id: format!("worker:{id}"),
                        name: w.full_name(),
                        personal_code: w.personal_code.to_string(),
                        role: Some(w.role),
                        organization: Some(w.organization),
                    },
                )
            }
        },
        Actor::Person(id) => match tx.person(*id)? {
            None => unknown(format!("person:{id}")),
            Some(p) => (
                ActorFacts::Person { id: p.id },
                ActorRef {
                    id: format!("person:{id}"),
                    name: p.full_name(),
                    personal_code: p
                        .identity
                        .personal_code()
                        .map_or_else(|| p.identity.key(), |c| c.to_string()),
                    role: None,
                    organization: None,
                },
            ),
        },
    })
}

impl ClientFiles {
    /// An engine over `store`, with the clock and id source it must use.
    pub fn new(
        store: impl Store + 'static,
        clock: impl Clock + 'static,
        ids: impl Ids + 'static,
    ) -> Self {
        Self::shared(Arc::new(store), Arc::new(clock), Arc::new(ids))
    }

    /// An engine over a store, a clock and an id source that others may share too.
    pub fn shared(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self {
            store,
            clock,
            ids,
            horizon_days: DEFAULT_HORIZON_DAYS,
            batch: None,
            checkpoints: None,
        }
    }

    /// Hands `sink` a checkpoint of the audit chain whenever `policy` says one is due —
    /// checked after each call outside a batch — and verifies against the latest one it
    /// keeps whenever a verification is given no checkpoint of its own (issue 17,
    /// item 5). A sink that fails does not fail the call, which has committed: it is
    /// asked again at every later call, and [`ClientFiles::checkpoint_failure`] says
    /// what went wrong meanwhile.
    pub fn with_checkpoints(
        mut self,
        sink: Arc<dyn CheckpointSink>,
        policy: CheckpointPolicy,
    ) -> TehoResult<Self> {
        if policy.every_entries == 0 {
            return Err(TehoError::invalid(
                "every_entries",
                policy.every_entries,
                "expected at least 1",
            ));
        }
        if let Some(every) = policy.every.filter(|d| *d <= chrono::Duration::zero()) {
            return Err(TehoError::invalid(
                "every",
                format!("{} s", every.num_seconds()),
                "expected a positive duration",
            ));
        }
        self.checkpoints = Some(Arc::new(Checkpointing::new(sink, policy)));
        Ok(self)
    }

    /// Why the checkpoint sink last failed to keep a checkpoint, while it keeps failing.
    pub fn checkpoint_failure(&self) -> Option<String> {
        self.checkpoints.as_ref().and_then(|c| c.failure())
    }

    /// The checkpoint a verification given none checks against: the latest the sink
    /// keeps, when there is a sink.
    fn latest_checkpoint(&self, given: Option<&Checkpoint>) -> TehoResult<Option<Checkpoint>> {
        match (given, &self.checkpoints) {
            (Some(cp), _) => Ok(Some(cp.clone())),
            (None, None) => Ok(None),
            (None, Some(c)) => c.sink.latest().map_err(|e| TehoError::Storage {
                message: format!("the checkpoint sink: {e}"),
            }),
        }
    }

    /// After an entry committed outside a batch: a checkpoint to the sink if one is due.
    fn committed(&self, sealed: &crate::audit::AuditEntry, at: DateTime<Utc>) {
        if let (Some(c), None) = (&self.checkpoints, self.batch) {
            c.after(
                &Checkpoint {
                    entries: sealed.seq,
                    head_hash: sealed.hash.clone(),
                },
                at,
            );
        }
    }

    /// Expands plans this many days ahead (1–731) instead of the default twelve weeks.
    pub fn with_horizon_days(mut self, days: u32) -> TehoResult<Self> {
        if !(1..=731).contains(&days) {
            return Err(TehoError::invalid("horizon_days", days, "expected 1-731"));
        }
        self.horizon_days = days;
        Ok(self)
    }

    /// The store the engine works on.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// How many entries the audit chain holds: what a host needs to begin a fresh range
    /// of sequential ids. Not an audited call: it reads nothing about anyone.
    pub fn chain_length(&self) -> TehoResult<u64> {
        let mut tx = Records::new(self.store.begin(Unit {
            kind: crate::store::UnitKind::Query,
            batch: self.batch,
        })?);
        Ok(tx.audit_head()?.map_or(0, |h| h.seq))
    }

    /// The batch this engine's calls are made in, when it is one handed out by
    /// [`ClientFiles::batch`].
    pub fn in_batch(&self) -> Option<BatchId> {
        self.batch
    }

    /// Runs `work` — calls of the engine it is given — as one batch: every call is
    /// still authorized, audited and all-or-nothing on its own, but their transactions
    /// commit together, once (on SQLite one fsync instead of one per call), which is
    /// what a bulk import or a nightly job wants. A call that fails inside the batch is
    /// rolled back and its failure audited as usual; the calls before it stay. If the
    /// batch cannot be committed, or `work` panics, none of it is. Other callers wait
    /// while a batch runs; calling the outer engine from inside `work` is refused with
    /// an error rather than waiting forever. Executing a destruction act inside a batch
    /// is refused (the store is compacted right after, which the batch's open work
    /// would prevent).
    pub fn batch<R>(&self, work: impl FnOnce(&ClientFiles) -> R) -> TehoResult<R> {
        if self.batch.is_some() {
            return Ok(work(self));
        }
        let id = self.store.open_batch()?;
        /// Closes the batch however `work` ends: rolled back unless committed.
        struct Close<'a> {
            store: &'a dyn Store,
            id: BatchId,
            open: bool,
        }
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                if self.open {
                    let _ = self.store.close_batch(self.id, false);
                }
            }
        }
        let mut close = Close {
            store: &*self.store,
            id,
            open: true,
        };
        let inner = Self {
            batch: Some(id),
            ..self.clone()
        };
        let value = work(&inner);
        close.open = false;
        self.store.close_batch(id, true)?;
        Ok(value)
    }

    /// The one door: begins the unit of work `op` calls for (a command's or a query's),
    /// loads the actor, runs `body` (which must authorize), writes exactly one audit
    /// entry and commits — or rolls the work back and audits the failure alone. A panic
    /// inside is caught, rolled back and audited like any failure, and returned as
    /// [`TehoError::Internal`].
    pub(crate) fn door<T>(
        &self,
        actor: &Actor,
        op: Operation,
        body: impl FnOnce(&mut Ctx<'_>) -> TehoResult<T>,
    ) -> TehoResult<T> {
        let at = self.clock.now();
        let unit = Unit {
            kind: op.kind(),
            batch: self.batch,
        };
        let mut ctx = Ctx {
            tx: Records::new(self.store.begin(unit)?),
            at,
            actor,
            facts: ActorFacts::Unknown,
            actor_ref: unloaded(actor),
            call: Call {
                operation: op.audit_name(),
                object: String::new(),
                file: None,
                disclosed: std::collections::BTreeSet::new(),
                decision: AuditDecision::NotDecided,
                chain_broken: false,
            },
            ids: &*self.ids,
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (facts, actor_ref) = load_actor(&mut ctx.tx, actor)?;
            ctx.facts = facts;
            ctx.actor_ref = actor_ref;
            // An actor with no standing anywhere — unknown, no longer (or not yet)
            // employed, claiming a supervision they cannot make — is refused before
            // anything else answers, whatever the rest of the input.
            if let Err(reason) = access::standing_anywhere(&ctx.facts, at) {
                ctx.call.decision = AuditDecision::Denied(reason.to_string());
                return Err(TehoError::AccessDenied {
                    action: ctx.call.operation.into(),
                    reason,
                });
            }
            body(&mut ctx)
        }));
        let Ctx {
            mut tx,
            call,
            actor_ref,
            ..
        } = ctx;
        let error = match outcome {
            Ok(Ok(value)) if call.chain_broken => {
                // Rolled back: a verification writes nothing but its entry.
                drop(tx);
                return Ok(value);
            }
            Ok(Ok(value)) => {
                let mut entry = audit_entry(&call, at, actor, &actor_ref, "ok");
                // Every record the call wrote, bound into its entry (issue 17, item 5).
                entry.writes = tx.take_writes();
                // A unit that cannot take its entry or commit (a query that wrote, a
                // full disk) is a failed call: rolled back and audited as such.
                match tx
                    .append_audit(entry)
                    .and_then(|sealed| tx.commit().map(|()| sealed))
                {
                    Ok(sealed) => {
                        self.committed(&sealed, at);
                        return Ok(value);
                    }
                    Err(e) => {
                        let error = TehoError::from(e);
                        self.audit_alone(
                            unit,
                            audit_entry(&call, at, actor, &actor_ref, error.kind()),
                        )?;
                        return Err(error);
                    }
                }
            }
            Ok(Err(error)) => error,
            Err(panic) => TehoError::Internal {
                message: format!("a panic inside {}: {}", op.name(), panic_text(&*panic)),
            },
        };
        drop(tx); // rolls back everything the call wrote
        self.audit_alone(
            unit,
            audit_entry(&call, at, actor, &actor_ref, error.kind()),
        )?;
        Err(error)
    }

    /// Writes the audit entry of a failed call in a unit of its own.
    fn audit_alone(&self, unit: Unit, entry: NewAuditEntry) -> TehoResult<()> {
        let at = entry.at;
        let mut tx = Records::new(self.store.begin(unit)?);
        let sealed = tx.append_audit(entry)?;
        tx.commit()?;
        self.committed(&sealed, at);
        Ok(())
    }

    // ----- operator -------------------------------------------------------------

    /// Initialises an empty store with the municipality and its first administrator.
    pub fn bootstrap(
        &self,
        actor: &Actor,
        municipality: NewOrganization,
        admin: NewAdministrator,
    ) -> TehoResult<(Organization, Worker)> {
        self.door(actor, Operation::Bootstrap, |c| {
            c.object("installation");
            c.authorize(Action::Bootstrap, &Target::System)?;
            if !c.tx.organizations()?.is_empty() {
                return Err(TehoError::AlreadyInitialized);
            }
            if municipality.kind != OrganizationKind::Municipality {
                return Err(TehoError::invalid(
                    "kind",
                    name_of(&municipality.kind),
                    "the first organisation must be a Municipality",
                ));
            }
            let org = new_organization(c, municipality)?;
            let worker = new_worker(
                c,
                NewWorker {
                    personal_code: admin.personal_code,
                    given_name: admin.given_name,
                    family_name: admin.family_name,
                    organization: org.id,
                    role: Role::Administrator,
                    employed_from: admin.employed_from,
                    employed_until: None,
                },
            )?;
            Ok((org, worker))
        })
    }

    /// Verifies the audit chain, and against `checkpoint` when given; reports the first
    /// entry that fails.
    pub fn verify_audit(
        &self,
        actor: &Actor,
        checkpoint: Option<&Checkpoint>,
    ) -> TehoResult<VerifyReport> {
        self.door(actor, Operation::VerifyAudit, |c| {
            c.object(checkpoint.map_or_else(
                || "audit chain".into(),
                |cp| format!("audit chain against {}", cp.to_text()),
            ));
            c.authorize(Action::VerifyAudit, &Target::System)?;
            let kept = self.latest_checkpoint(checkpoint)?;
            let checkpoint = kept.as_ref();
            let report = crate::audit::verify_chain(c.tx.raw(), None, checkpoint)?;
            c.call.chain_broken = !report.is_intact();
            Ok(report)
        })
    }

    /// Verifies the entries appended since `checkpoint` (taken earlier by
    /// [`ClientFiles::audit_checkpoint`] and kept outside the database): the next entry
    /// must point at its hash, and its own entry must still be there. Costs what was
    /// appended since; [`ClientFiles::verify_audit`] reads the whole chain.
    pub fn verify_audit_since(
        &self,
        actor: &Actor,
        checkpoint: &Checkpoint,
    ) -> TehoResult<VerifyReport> {
        self.door(actor, Operation::VerifyAuditSince, |c| {
            c.object(format!("audit chain since {}", checkpoint.to_text()));
            c.authorize(Action::VerifyAudit, &Target::System)?;
            let report = crate::audit::verify_chain(c.tx.raw(), Some(checkpoint), None)?;
            c.call.chain_broken = !report.is_intact();
            Ok(report)
        })
    }

    /// Verifies the audit chain as [`ClientFiles::verify_audit`] does and then every
    /// stored record against the digest that the call which last wrote it bound into the
    /// chain (issue 17, item 5): the report names each record edited, added or removed
    /// outside the engine, with that call. Reads the whole chain and every record; a
    /// file found corrupt gets no entry of this call.
    pub fn verify_audit_deep(
        &self,
        actor: &Actor,
        checkpoint: Option<&Checkpoint>,
    ) -> TehoResult<VerifyReport> {
        self.door(actor, Operation::VerifyAuditDeep, |c| {
            c.object(checkpoint.map_or_else(
                || "audit chain and records".into(),
                |cp| format!("audit chain and records against {}", cp.to_text()),
            ));
            c.authorize(Action::VerifyAudit, &Target::System)?;
            let kept = self.latest_checkpoint(checkpoint)?;
            let checkpoint = kept.as_ref();
            let report = crate::audit::verify_deep(c.tx.raw(), checkpoint)?;
            c.call.chain_broken = !report.is_intact();
            Ok(report)
        })
    }

    /// A checkpoint of the audit chain as it stands before this call's own entry.
    pub fn audit_checkpoint(&self, actor: &Actor) -> TehoResult<Checkpoint> {
        self.door(actor, Operation::AuditCheckpoint, |c| {
            c.object("audit chain");
            c.authorize(Action::VerifyAudit, &Target::System)?;
            Ok(match c.tx.audit_head()? {
                Some(h) => Checkpoint {
                    entries: h.seq,
                    head_hash: h.hash,
                },
                None => Checkpoint {
                    entries: 0,
                    head_hash: crate::audit::GENESIS_HASH.into(),
                },
            })
        })
    }
}
