//! The engine: every command and query of TEHO, each through one door —
//! authorize → audit → decide → persist — in one store transaction.
//!
//! Every public method writes exactly one audit entry, whether it is allowed, denied or
//! fails. On failure nothing of the call's work stays in the store: the transaction is
//! rolled back and the audit entry is written in a transaction of its own.

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{self, Action, Actor, ActorFacts, AllowBasis, ClientFacts, Decision, Target};
use crate::audit::{ActorRef, AuditDecision, AuditEntry, Checkpoint, Verifier, VerifyReport};
use crate::error::{TehoError, TehoResult};
use crate::file::ClientFile;
use crate::ids::{ClientFileId, OrganizationId, WorkerId};
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::org::{
    NewAdministrator, NewOrganization, NewWorker, Organization, OrganizationKind, Role, Worker,
};
use crate::ports::{Clock, Ids};
use crate::store::{Store, StoreTx};

mod calendar;
mod case;
mod death;
mod directory;
mod disclosure;
mod files;
mod reporting;
mod request;
mod retention;
mod views;

pub use calendar::CalendarVisit;
pub use request::{Request, api_description};
pub use views::{ClientHome, HomeView, ServiceCheck, ServingProvider};

pub use calendar::{
    MonthlyReport, Overlap, PlanItemOutcome, ReportLine, SplitOutcome, VisitChange,
};

pub(crate) use directory::{new_organization, new_worker};

/// Longest free text the engine accepts in one field, in characters.
pub const MAX_TEXT: usize = 20_000;
const AUDIT_PAGE: usize = 10_000;

/// The TEHO engine over a store: the one door to client files.
pub struct ClientFiles<S: Store> {
    store: S,
    clock: Box<dyn Clock>,
    ids: Box<dyn Ids>,
    horizon_days: u32,
}

/// How far ahead plans are expanded into visits by default: twelve weeks.
pub const DEFAULT_HORIZON_DAYS: u32 = 84;

/// What one call has gathered for its audit entry.
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) object: String,
    pub(crate) file: Option<ClientFileId>,
    pub(crate) decision: AuditDecision,
}

/// The context of one call inside the door.
pub(crate) struct Ctx<'e, X: StoreTx> {
    pub(crate) tx: X,
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: &'e Actor,
    pub(crate) facts: ActorFacts,
    pub(crate) actor_ref: ActorRef,
    pub(crate) call: Call,
    pub(crate) ids: &'e dyn Ids,
}

/// Whether a call may change the client files or only reads them (and writes nothing
/// but its own audit entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallKind {
    Command,
    Query,
}

impl<X: StoreTx> Ctx<'_, X> {
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

    /// Loads a file and the facts access needs about it; names it in the audit entry.
    pub(crate) fn client(&mut self, file: ClientFileId) -> TehoResult<(ClientFile, ClientFacts)> {
        self.call.file = Some(file);
        if self.call.object.is_empty() {
            self.object(format!("client_file:{file}"));
        }
        let f = self
            .tx
            .file(file)?
            .ok_or_else(|| TehoError::not_found("client file", file))?;
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
        Ok(self.tx.put_notification(&n)?)
    }
}

fn audit_entry(
    call: &Call,
    at: DateTime<Utc>,
    actor: &Actor,
    actor_ref: &ActorRef,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at,
        actor: actor_ref.clone(),
        operation: call.operation.into(),
        object: call.object.clone(),
        file: call.file,
        purpose: actor.purpose(),
        decision: call.decision.clone(),
        outcome: outcome.into(),
        content_digest: String::new(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn append<X: StoreTx>(tx: &mut X, mut e: AuditEntry) -> TehoResult<()> {
    let head = tx.audit_head()?;
    e.seal(head.as_ref());
    Ok(tx.append_audit(&e)?)
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

fn load_actor<X: StoreTx>(tx: &mut X, actor: &Actor) -> TehoResult<(ActorFacts, ActorRef)> {
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
        Actor::System => (
            ActorFacts::System,
            ActorRef {
                id: "system".into(),
                name: "operator".into(),
                personal_code: String::new(),
                role: None,
                organization: None,
            },
        ),
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

impl<S: Store> ClientFiles<S> {
    /// An engine over `store`, with the clock and id source it must use.
    pub fn new(store: S, clock: impl Clock + 'static, ids: impl Ids + 'static) -> Self {
        Self {
            store,
            clock: Box::new(clock),
            ids: Box::new(ids),
            horizon_days: DEFAULT_HORIZON_DAYS,
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

    /// Runs `work` — calls of this engine on this thread — as one batch: every call is
    /// still authorized, audited and all-or-nothing on its own, but their transactions
    /// commit together, once (on SQLite one fsync instead of one per call), which is
    /// what a bulk import or a nightly job wants. A call that fails inside the batch is
    /// rolled back and its failure audited as usual; the calls before it stay. If the
    /// batch cannot be committed, none of it is. Other threads wait while a batch runs.
    /// Executing a destruction act inside a batch is refused (it compacts the file
    /// right after, which the batch's open transaction would prevent).
    pub fn batch<R>(&self, work: impl FnOnce(&Self) -> R) -> TehoResult<R> {
        Ok(self.store.batch(|| work(self))?)
    }

    /// The one door for a command: loads the actor, runs `body` (which must authorize),
    /// writes exactly one audit entry, commits — or rolls back the work and audits the
    /// failure.
    pub(crate) fn door<T>(
        &self,
        actor: &Actor,
        operation: &'static str,
        body: impl FnOnce(&mut Ctx<'_, S::Tx<'_>>) -> TehoResult<T>,
    ) -> TehoResult<T> {
        self.door_of(CallKind::Command, actor, operation, body)
    }

    /// The door for a query: as [`Self::door`], in a transaction that writes nothing but
    /// the audit entry ([`Store::begin_query`]).
    pub(crate) fn query<T>(
        &self,
        actor: &Actor,
        operation: &'static str,
        body: impl FnOnce(&mut Ctx<'_, S::Tx<'_>>) -> TehoResult<T>,
    ) -> TehoResult<T> {
        self.door_of(CallKind::Query, actor, operation, body)
    }

    fn door_of<T>(
        &self,
        kind: CallKind,
        actor: &Actor,
        operation: &'static str,
        body: impl FnOnce(&mut Ctx<'_, S::Tx<'_>>) -> TehoResult<T>,
    ) -> TehoResult<T> {
        let at = self.clock.now();
        let begin = || match kind {
            CallKind::Command => self.store.begin(),
            CallKind::Query => self.store.begin_query(),
        };
        let mut tx = begin()?;
        let (facts, actor_ref) = load_actor(&mut tx, actor)?;
        let mut ctx = Ctx {
            tx,
            at,
            actor,
            facts,
            actor_ref,
            call: Call {
                operation,
                object: String::new(),
                file: None,
                decision: AuditDecision::NotDecided,
            },
            ids: &*self.ids,
        };
        match body(&mut ctx) {
            Ok(value) => {
                let entry = audit_entry(&ctx.call, at, actor, &ctx.actor_ref, "ok");
                append(&mut ctx.tx, entry)?;
                ctx.tx.commit()?;
                Ok(value)
            }
            Err(error) => {
                let Ctx {
                    tx,
                    call,
                    actor_ref,
                    ..
                } = ctx;
                drop(tx); // rolls back everything the call wrote
                let entry = audit_entry(&call, at, actor, &actor_ref, error.kind());
                let mut tx = begin()?;
                append(&mut tx, entry)?;
                tx.commit()?;
                Err(error)
            }
        }
    }

    // ----- operator -------------------------------------------------------------

    /// Initialises an empty store with the municipality and its first administrator.
    pub fn bootstrap(
        &self,
        actor: &Actor,
        municipality: NewOrganization,
        admin: NewAdministrator,
    ) -> TehoResult<(Organization, Worker)> {
        self.door(actor, "system.bootstrap", |c| {
            c.object("installation");
            c.authorize(Action::Bootstrap, &Target::System)?;
            if !c.tx.organizations()?.is_empty() {
                return Err(TehoError::AlreadyInitialized);
            }
            if municipality.kind != OrganizationKind::Municipality {
                return Err(TehoError::invalid(
                    "kind",
                    format!("{:?}", municipality.kind),
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
        self.query(actor, "audit.verify", |c| {
            c.object(checkpoint.map_or_else(
                || "audit chain".into(),
                |cp| format!("audit chain against {}", cp.to_text()),
            ));
            c.authorize(Action::VerifyAudit, &Target::System)?;
            let remember: Vec<u64> = checkpoint.map(|cp| vec![cp.entries]).unwrap_or_default();
            let mut v = Verifier::new(&remember);
            let mut from = 1;
            'pages: loop {
                let page = c.tx.audit_page(from, AUDIT_PAGE)?;
                let Some(last) = page.last() else { break };
                from = last.seq + 1;
                for e in &page {
                    if !v.feed(e) {
                        break 'pages;
                    }
                }
                if page.len() < AUDIT_PAGE {
                    break;
                }
            }
            Ok(v.finish(checkpoint))
        })
    }

    /// A checkpoint of the audit chain as it stands before this call's own entry.
    pub fn audit_checkpoint(&self, actor: &Actor) -> TehoResult<Checkpoint> {
        self.door(actor, "audit.checkpoint", |c| {
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
