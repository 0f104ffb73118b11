//! The engine: every command and query of TEHO, each through one door —
//! authorize → audit → decide → persist — in one store transaction.
//!
//! Every public method writes exactly one audit entry, whether it is allowed, denied or
//! fails. On failure nothing of the call's work stays in the store: the transaction is
//! rolled back and the audit entry is written in a transaction of its own.

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{
    self, Action, Actor, ActorFacts, AllowBasis, ClientFacts, DataCategory, Decision, Target,
    Visibility, WorkerFacts,
};
use crate::audit::{ActorRef, AuditDecision, AuditEntry, Checkpoint, Verifier, VerifyReport};
use crate::error::{TehoError, TehoResult};
use crate::file::{
    CardProvider, ClientCard, ClientFile, ClientFileView, Entry, FileStatus, NewCard, NewEntry,
};
use crate::ids::{ClientFileId, EntryId, MembershipId, OrganizationId, PersonId, WorkerId};
use crate::network::{Member, Membership, NewMembership, NewSubstitution, Substitution};
use crate::notify::{Notification, NotificationKind, Recipient};
use crate::org::{
    ComplianceBreach, EmploymentEnd, NewAdministrator, NewOrganization, NewWorker, Organization,
    OrganizationKind, Role, Worker, employment_end_deadline,
};
use crate::person::{NewPerson, Person, PersonIdentity};
use crate::ports::{Clock, Ids};
use crate::store::{Store, StoreTx};
use crate::time::local_date;

/// Longest free text the engine accepts in one field, in characters.
pub const MAX_TEXT: usize = 20_000;
const AUDIT_PAGE: usize = 10_000;

/// The TEHO engine over a store: the one door to client files.
pub struct ClientFiles<S: Store> {
    store: S,
    clock: Box<dyn Clock>,
    ids: Box<dyn Ids>,
}

/// What one call has gathered for its audit entry.
struct Call {
    operation: &'static str,
    object: String,
    file: Option<ClientFileId>,
    decision: AuditDecision,
}

/// The context of one call inside the door.
struct Ctx<'e, X: StoreTx> {
    tx: X,
    at: DateTime<Utc>,
    actor: &'e Actor,
    facts: ActorFacts,
    actor_ref: ActorRef,
    call: Call,
    ids: &'e dyn Ids,
}

impl<X: StoreTx> Ctx<'_, X> {
    /// Asks [`access::authorize`]; records the decision for the audit entry.
    fn authorize(&mut self, action: Action, target: &Target) -> TehoResult<AllowBasis> {
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

    fn object(&mut self, object: impl ToString) {
        self.call.object = object.to_string();
    }

    /// Loads a file and the facts access needs about it; names it in the audit entry.
    fn client(&mut self, file: ClientFileId) -> TehoResult<(ClientFile, ClientFacts)> {
        self.call.file = Some(file);
        if self.call.object.is_empty() {
            self.object(format!("client_file:{file}"));
        }
        let f = self
            .tx
            .file(file)?
            .ok_or_else(|| TehoError::not_found("client file", file))?;
        let network = self.tx.memberships_of_file(file)?;
        let substitutions = match &self.facts {
            ActorFacts::Worker { id, .. } => self.tx.substitutions_by_substitute(*id)?,
            _ => Vec::new(),
        };
        let facts = ClientFacts {
            file,
            client: f.client,
            network,
            substitutions,
        };
        Ok((f, facts))
    }

    fn worker(&mut self, id: WorkerId) -> TehoResult<Worker> {
        self.tx
            .worker(id)?
            .ok_or_else(|| TehoError::not_found("worker", id))
    }

    fn organization(&mut self, id: OrganizationId) -> TehoResult<Organization> {
        self.tx
            .organization(id)?
            .ok_or_else(|| TehoError::not_found("organization", id))
    }

    fn allowed(&self, action: Action, target: &Target) -> bool {
        access::authorize(&self.facts, &action, target, self.at).is_allowed()
    }

    fn notify(
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

fn non_empty(field: &str, value: &str) -> TehoResult<String> {
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

fn check_period(what: &str, from: NaiveDate, until: Option<NaiveDate>) -> TehoResult<()> {
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
                let kind = tx
                    .organization(w.organization)?
                    .map(|o| o.kind)
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
        }
    }

    /// The one door: loads the actor, runs `body` (which must authorize), writes exactly
    /// one audit entry, commits — or rolls back the work and audits the failure.
    fn door<T>(
        &self,
        actor: &Actor,
        operation: &'static str,
        body: impl FnOnce(&mut Ctx<'_, S::Tx<'_>>) -> TehoResult<T>,
    ) -> TehoResult<T> {
        let at = self.clock.now();
        let mut tx = self.store.begin()?;
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
                let mut tx = self.store.begin()?;
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
        self.door(actor, "audit.verify", |c| {
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

    // ----- directory ------------------------------------------------------------

    /// Registers an organisation (a municipality administrator's task).
    pub fn register_organization(
        &self,
        actor: &Actor,
        new: NewOrganization,
    ) -> TehoResult<Organization> {
        self.door(actor, "organization.register", |c| {
            c.object("new organization");
            c.authorize(Action::ManageOrganizations, &Target::System)?;
            new_organization(c, new)
        })
    }

    /// Registers a worker of an organisation; the role must fit the organisation's kind.
    pub fn register_worker(&self, actor: &Actor, new: NewWorker) -> TehoResult<Worker> {
        self.door(actor, "worker.register", |c| {
            c.object(format!("organization:{}", new.organization));
            c.authorize(
                Action::ManageWorkers,
                &Target::Organization {
                    id: new.organization,
                },
            )?;
            new_worker(c, new)
        })
    }

    /// Records the last day of a worker's employment. Access ends at the end of that
    /// day; recording it after the following working day is a compliance breach that is
    /// stored and notified to the organisation's administrators (seed
    /// `002_b4b88f78f180845d.txt` §7(2)3).
    pub fn record_employment_end(
        &self,
        actor: &Actor,
        worker: WorkerId,
        last_day: NaiveDate,
    ) -> TehoResult<EmploymentEnd> {
        self.door(actor, "worker.end_employment", |c| {
            c.object(format!("worker:{worker}"));
            let mut w = c.worker(worker)?;
            c.authorize(
                Action::ManageWorkers,
                &Target::Worker(WorkerFacts {
                    id: w.id,
                    role: w.role,
                    organization: w.organization,
                }),
            )?;
            check_period("employment", w.employed_from, Some(last_day))?;
            if let Some(prev) = w.employed_until.filter(|_| w.end_recorded_at.is_some()) {
                return Err(TehoError::Conflict {
                    kind: "worker".into(),
                    id: worker.to_string(),
                    problem: format!("employment end already recorded as {prev}"),
                });
            }
            let recorded_on = local_date(c.at);
            let (deadline, late) = employment_end_deadline(last_day, recorded_on);
            w.employed_until = Some(last_day);
            w.end_recorded_at = Some(c.at);
            c.tx.put_worker(&w)?;
            if late {
                let breach = ComplianceBreach {
                    worker,
                    organization: w.organization,
                    last_day,
                    deadline,
                    recorded_at: c.at,
                    days_late: (recorded_on - deadline).num_days(),
                };
                c.tx.put_breach(&breach)?;
                let mut admins: Vec<Worker> = c
                    .tx
                    .workers_of(w.organization)?
                    .into_iter()
                    .filter(|a| a.role == Role::Administrator && a.employed_at(c.at))
                    .collect();
                if admins.is_empty() {
                    // No administrator of its own: the municipality's administrators.
                    for o in c.tx.organizations()? {
                        if o.kind == OrganizationKind::Municipality {
                            admins.extend(
                                c.tx.workers_of(o.id)?
                                    .into_iter()
                                    .filter(|a| a.role == Role::Administrator && a.employed_at(c.at)),
                            );
                        }
                    }
                }
                for a in admins {
                    c.notify(
                        Recipient::Worker(a.id),
                        None,
                        NotificationKind::ComplianceBreach { worker },
                        format!(
                            "Access of worker {worker} ended on {last_day} but was recorded on {recorded_on}, after the deadline {deadline}"
                        ),
                    )?;
                }
            }
            Ok(EmploymentEnd {
                worker,
                last_day,
                deadline,
                recorded_on,
                late,
            })
        })
    }

    /// Departures recorded after the statutory deadline, for an organisation (seed
    /// `002_b4b88f78f180845d.txt` §7(2)3).
    pub fn compliance_breaches(
        &self,
        actor: &Actor,
        organization: OrganizationId,
    ) -> TehoResult<Vec<ComplianceBreach>> {
        self.door(actor, "compliance.breaches", |c| {
            c.object(format!("organization:{organization}"));
            c.authorize(
                Action::ReadCompliance,
                &Target::Organization { id: organization },
            )?;
            Ok(c.tx.breaches(Some(organization))?)
        })
    }

    // ----- people and files -----------------------------------------------------

    /// Registers a person (a client or someone at their side). One person per identity.
    pub fn register_person(&self, actor: &Actor, new: NewPerson) -> TehoResult<Person> {
        self.door(actor, "person.register", |c| {
            c.object("new person");
            c.authorize(Action::OpenFile, &Target::System)?;
            let given_name = non_empty("given_name", &new.given_name)?;
            let family_name = non_empty("family_name", &new.family_name)?;
            if let Some(existing) = c.tx.person_by_identity(&new.identity.key())? {
                return Err(TehoError::Conflict {
                    kind: "person".into(),
                    id: existing.id.to_string(),
                    problem: "a person with this identity is already registered".into(),
                });
            }
            let birth_date = match &new.identity {
                PersonIdentity::Estonian(code) => {
                    if let Some(given) = new.birth_date
                        && given != code.birth_date()
                    {
                        return Err(TehoError::invalid(
                            "birth_date",
                            given,
                            "differs from the birth date in the personal code",
                        ));
                    }
                    Some(code.birth_date())
                }
                PersonIdentity::Foreign { .. } => new.birth_date,
            };
            let p = Person {
                id: c.ids.next_id().into(),
                identity: new.identity,
                given_name,
                family_name,
                birth_date,
                deceased_on: None,
            };
            c.object(format!("person:{}", p.id));
            c.tx.put_person(&p)?;
            Ok(p)
        })
    }

    /// Opens the client file and card of a person who has none; the opener becomes a
    /// member of the client's network from today.
    pub fn open_client_file(
        &self,
        actor: &Actor,
        client: PersonId,
        card: NewCard,
    ) -> TehoResult<ClientFile> {
        self.door(actor, "client_file.open", |c| {
            c.object(format!("person:{client}"));
            c.authorize(Action::OpenFile, &Target::System)?;
            if c.tx.person(client)?.is_none() {
                return Err(TehoError::not_found("person", client));
            }
            if let Some(existing) = c.tx.file_of_client(client)? {
                return Err(TehoError::Conflict {
                    kind: "client file".into(),
                    id: existing.id.to_string(),
                    problem: "this person already has a client file".into(),
                });
            }
            let ActorFacts::Worker {
                id,
                role,
                organization,
                ..
            } = c.facts.clone()
            else {
                return Err(TehoError::Internal {
                    message: "OpenFile allowed a non-worker".into(),
                });
            };
            let today = local_date(c.at);
            let file = ClientFile {
                id: c.ids.next_id().into(),
                client,
                opened_on: today,
                opened_by: id,
                status: FileStatus::Open,
            };
            c.call.file = Some(file.id);
            let card = ClientCard {
                file: file.id,
                residence: card
                    .residence
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty()),
                contacts: card.contacts,
                good_to_know: card.good_to_know.trim().to_string(),
                providers: Vec::new(),
            };
            check_contacts(&card.contacts)?;
            c.tx.put_file(&file)?;
            c.tx.put_card(&card)?;
            c.tx.put_membership(&Membership {
                id: c.ids.next_id().into(),
                file: file.id,
                member: Member::Worker(id),
                role,
                provider: Some(organization),
                valid_from: today,
                valid_until: None,
            })?;
            Ok(file)
        })
    }

    /// The client file as the actor may see it: card, network and entries only as far
    /// as the actor's role justifies, domain-only fields redacted.
    pub fn client_file(&self, actor: &Actor, file: ClientFileId) -> TehoResult<ClientFileView> {
        self.door(actor, "client_file.read", |c| {
            let (f, facts) = c.client(file)?;
            let members = facts.network.clone();
            let target = Target::Client(facts);
            c.authorize(
                Action::Read(DataCategory::Identity, Visibility::Network),
                &target,
            )?;
            let readable =
                |c: &Ctx<'_, _>, cat| c.allowed(Action::Read(cat, Visibility::Network), &target);
            let card = if readable(c, DataCategory::Card) {
                c.tx.card(file)?
            } else {
                None
            };
            let network = readable(c, DataCategory::Network).then_some(members);
            let client = c.tx.person(f.client)?;
            let entries = access::redact(&c.facts, &target, c.tx.entries_of_file(file)?, c.at);
            Ok(ClientFileView {
                file: f,
                client,
                card,
                network,
                entries,
            })
        })
    }

    /// The client card.
    pub fn client_card(&self, actor: &Actor, file: ClientFileId) -> TehoResult<ClientCard> {
        self.door(actor, "client_card.read", |c| {
            let (_, facts) = c.client(file)?;
            c.authorize(
                Action::Read(DataCategory::Card, Visibility::Network),
                &Target::Client(facts),
            )?;
            c.tx.card(file)?
                .ok_or_else(|| TehoError::not_found("client card", file))
        })
    }

    /// Replaces the card's "good to know" note (a care worker "may add important info to
    /// the card", seed 000, care worker TO-BE).
    pub fn update_good_to_know(
        &self,
        actor: &Actor,
        file: ClientFileId,
        text: String,
    ) -> TehoResult<ClientCard> {
        self.door(actor, "client_card.update_good_to_know", |c| {
            let (_, facts) = c.client(file)?;
            c.authorize(
                Action::Write(DataCategory::Card, Visibility::Network),
                &Target::Client(facts),
            )?;
            let t = text.trim();
            if t.chars().count() > MAX_TEXT {
                return Err(TehoError::invalid(
                    "good_to_know",
                    format!("{} characters", t.chars().count()),
                    "too long",
                ));
            }
            let mut card =
                c.tx.card(file)?
                    .ok_or_else(|| TehoError::not_found("client card", file))?;
            card.good_to_know = t.to_string();
            c.tx.put_card(&card)?;
            Ok(card)
        })
    }

    /// Sets a provider's two contacts on the card: the assigned worker and the general
    /// contact (seed `000_19cdf6fb7baf56d8.txt`, care manager TO-BE).
    pub fn set_card_provider(
        &self,
        actor: &Actor,
        file: ClientFileId,
        provider: CardProvider,
    ) -> TehoResult<ClientCard> {
        self.door(actor, "client_card.set_provider", |c| {
            let (_, facts) = c.client(file)?;
            c.authorize(
                Action::EditCardProvider {
                    provider: provider.organization,
                },
                &Target::Client(facts),
            )?;
            let org = c.organization(provider.organization)?;
            if !org.kind.is_provider() {
                return Err(TehoError::invalid(
                    "organization",
                    format!("{:?}", org.kind),
                    "is not a service provider",
                ));
            }
            let w = c.worker(provider.assigned_worker)?;
            if w.organization != org.id {
                return Err(TehoError::invalid(
                    "assigned_worker",
                    w.id,
                    "does not work for this provider",
                ));
            }
            if !w.employed_at(c.at) {
                return Err(TehoError::invalid(
                    "assigned_worker",
                    w.id,
                    "is not employed today",
                ));
            }
            check_contacts(std::slice::from_ref(&provider.general_contact))?;
            let mut card =
                c.tx.card(file)?
                    .ok_or_else(|| TehoError::not_found("client card", file))?;
            match card
                .providers
                .iter_mut()
                .find(|p| p.organization == provider.organization)
            {
                Some(slot) => *slot = provider,
                None => card.providers.push(provider),
            }
            c.tx.put_card(&card)?;
            Ok(card)
        })
    }

    // ----- network ----------------------------------------------------------------

    /// Adds a member to a client's network (a worker in their employment role, or a
    /// relative, guardian or informal carer).
    pub fn add_member(&self, actor: &Actor, new: NewMembership) -> TehoResult<Membership> {
        self.door(actor, "network.add_member", |c| {
            let (_, facts) = c.client(new.file)?;
            check_period("membership", new.valid_from, new.valid_until)?;
            let (role, provider) = match new.member {
                Member::Worker(wid) => {
                    let w = c.worker(wid)?;
                    if let Some(r) = new.role.filter(|r| *r != w.role) {
                        return Err(TehoError::invalid(
                            "role",
                            format!("{r:?}"),
                            "differs from the worker's employment role",
                        ));
                    }
                    if w.role.is_self_side()
                        || matches!(w.role, Role::Administrator | Role::Supervisor)
                    {
                        return Err(TehoError::invalid(
                            "role",
                            format!("{:?}", w.role),
                            "cannot be a network member",
                        ));
                    }
                    if w.employed_until.is_some_and(|u| u < new.valid_from) {
                        return Err(TehoError::invalid(
                            "valid_from",
                            new.valid_from,
                            "is after the worker's last day of employment",
                        ));
                    }
                    (w.role, Some(w.organization))
                }
                Member::Person(pid) => {
                    if c.tx.person(pid)?.is_none() {
                        return Err(TehoError::not_found("person", pid));
                    }
                    if pid == facts.client {
                        return Err(TehoError::invalid(
                            "member",
                            pid,
                            "the client is not a member of their own network",
                        ));
                    }
                    let role = new.role.ok_or_else(|| {
                        TehoError::invalid(
                            "role",
                            "none",
                            "give Relative, Guardian or InformalCarer",
                        )
                    })?;
                    if !matches!(role, Role::Relative | Role::Guardian | Role::InformalCarer) {
                        return Err(TehoError::invalid(
                            "role",
                            format!("{role:?}"),
                            "a person joins as Relative, Guardian or InformalCarer",
                        ));
                    }
                    (role, None)
                }
            };
            c.authorize(Action::ManageNetwork { provider }, &Target::Client(facts))?;
            let m = Membership {
                id: c.ids.next_id().into(),
                file: new.file,
                member: new.member,
                role,
                provider,
                valid_from: new.valid_from,
                valid_until: new.valid_until,
            };
            c.object(format!("membership:{}", m.id));
            c.tx.put_membership(&m)?;
            let recipient = match m.member {
                Member::Worker(w) => Recipient::Worker(w),
                Member::Person(p) => Recipient::Person(p),
            };
            c.notify(
                recipient,
                Some(new.file),
                NotificationKind::AddedToNetwork,
                format!("You were added to a client's network from {}", m.valid_from),
            )?;
            Ok(m)
        })
    }

    /// Ends a membership on `last_day` (nothing is deleted; the membership is dated).
    pub fn end_membership(
        &self,
        actor: &Actor,
        membership: MembershipId,
        last_day: NaiveDate,
    ) -> TehoResult<Membership> {
        self.door(actor, "network.end_member", |c| {
            c.object(format!("membership:{membership}"));
            let mut m =
                c.tx.membership(membership)?
                    .ok_or_else(|| TehoError::not_found("membership", membership))?;
            let (_, facts) = c.client(m.file)?;
            c.authorize(
                Action::ManageNetwork {
                    provider: m.provider,
                },
                &Target::Client(facts),
            )?;
            check_period("membership", m.valid_from, Some(last_day))?;
            if let Some(u) = m.valid_until.filter(|u| *u < last_day) {
                return Err(TehoError::Conflict {
                    kind: "membership".into(),
                    id: membership.to_string(),
                    problem: format!("already ended on {u}; ending later would extend it"),
                });
            }
            m.valid_until = Some(last_day);
            c.tx.put_membership(&m)?;
            Ok(m)
        })
    }

    /// The client's service network: who serves the client, in which role, when.
    pub fn network(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Membership>> {
        self.door(actor, "network.read", |c| {
            let (_, facts) = c.client(file)?;
            let network = facts.network.clone();
            c.authorize(
                Action::Read(DataCategory::Network, Visibility::Network),
                &Target::Client(facts),
            )?;
            Ok(network)
        })
    }

    /// Grants a substitution: `substitute` receives the absent worker's clients for the
    /// period (seed `004_4e44693abfa7524a.txt`, annex 7 §1). Only a manager of the same
    /// organisation and domain grants; a substitute cannot re-delegate or extend.
    pub fn grant_substitution(
        &self,
        actor: &Actor,
        new: NewSubstitution,
    ) -> TehoResult<Substitution> {
        self.door(actor, "substitution.grant", |c| {
            c.object(format!("worker:{}", new.substituted));
            let substitute = c.worker(new.substitute)?;
            let substituted = c.worker(new.substituted)?;
            let facts = |w: &Worker| WorkerFacts {
                id: w.id,
                role: w.role,
                organization: w.organization,
            };
            let actor_stands_in = match &c.facts {
                ActorFacts::Worker { id, .. } => c.tx.substitutions_by_substitute(*id)?,
                _ => Vec::new(),
            };
            c.authorize(
                Action::GrantSubstitution,
                &Target::Substitution {
                    substitute: facts(&substitute),
                    substituted: facts(&substituted),
                    actor_stands_in,
                },
            )?;
            if substitute.id == substituted.id {
                return Err(TehoError::invalid(
                    "substitute",
                    substitute.id,
                    "a worker cannot substitute themselves",
                ));
            }
            if substitute.role.domain() != substituted.role.domain() {
                return Err(TehoError::invalid(
                    "substitute",
                    format!("{:?}", substitute.role),
                    "must work in the absent worker's domain",
                ));
            }
            check_period("substitution", new.from, Some(new.until))?;
            let ActorFacts::Worker { id: granted_by, .. } = c.facts else {
                return Err(TehoError::Internal {
                    message: "GrantSubstitution allowed a non-worker".into(),
                });
            };
            let s = Substitution {
                id: c.ids.next_id().into(),
                substitute: new.substitute,
                substituted: new.substituted,
                from: new.from,
                until: new.until,
                granted_by,
                granted_at: c.at,
            };
            c.tx.put_substitution(&s)?;
            c.notify(
                Recipient::Worker(s.substitute),
                None,
                NotificationKind::SubstitutionGranted {
                    substituted: s.substituted,
                },
                format!(
                    "You stand in for worker {} from {} to {}",
                    s.substituted, s.from, s.until
                ),
            )?;
            Ok(s)
        })
    }

    // ----- entries ----------------------------------------------------------------

    /// Adds an entry to a client file. Who may write it follows its category and
    /// visibility; a domain-only field must be of the author's own domain.
    pub fn add_entry(&self, actor: &Actor, new: NewEntry) -> TehoResult<Entry> {
        self.door(actor, "entry.add", |c| {
            let (_, facts) = c.client(new.file)?;
            let target = Target::Client(facts);
            c.authorize(Action::Write(new.category, new.visibility), &target)?;
            if let Some(d) = &new.domain_detail {
                c.authorize(
                    Action::Write(new.category, Visibility::DomainOnly(d.domain)),
                    &target,
                )?;
                non_empty("domain_detail", &d.text)?;
            }
            if let Some(r) = new.category.only_role()
                && new.visibility != Visibility::RoleOnly(r)
            {
                return Err(TehoError::invalid(
                    "visibility",
                    format!("{:?}", new.visibility),
                    "this category is visible to one role only; use RoleOnly of that role",
                ));
            }
            let text = non_empty("text", &new.text)?;
            let e = Entry {
                id: EntryId(c.ids.next_id()),
                file: new.file,
                category: new.category,
                visibility: new.visibility,
                author: c.actor_ref.clone(),
                written_at: c.at,
                text,
                domain_detail: new.domain_detail,
            };
            c.object(format!("entry:{}", e.id));
            c.tx.put_entry(&e)?;
            Ok(e)
        })
    }

    /// The entries of a client file the actor may read, domain-only fields redacted.
    pub fn entries(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Entry>> {
        self.door(actor, "entry.list", |c| {
            let (_, facts) = c.client(file)?;
            let target = Target::Client(facts);
            c.authorize(
                Action::Read(DataCategory::Identity, Visibility::Network),
                &target,
            )?;
            let all = c.tx.entries_of_file(file)?;
            Ok(access::redact(&c.facts, &target, all, c.at))
        })
    }

    // ----- notifications ----------------------------------------------------------

    /// The actor's own notifications, oldest first.
    pub fn inbox(&self, actor: &Actor) -> TehoResult<Vec<Notification>> {
        self.door(actor, "inbox.read", |c| {
            c.object("own inbox");
            c.authorize(Action::ReadInbox, &Target::OwnInbox)?;
            let recipient = match c.actor {
                Actor::Worker(w) | Actor::Supervising { worker: w, .. } => Recipient::Worker(*w),
                Actor::Person(p) => Recipient::Person(*p),
                Actor::System => {
                    return Err(TehoError::Internal {
                        message: "ReadInbox allowed the operator".into(),
                    });
                }
            };
            Ok(c.tx.notifications_for(recipient)?)
        })
    }
}

fn check_contacts(contacts: &[crate::file::ContactPoint]) -> TehoResult<()> {
    for (i, cp) in contacts.iter().enumerate() {
        if cp.value.trim().is_empty() {
            return Err(TehoError::invalid(
                "contact.value",
                format!("contact #{}", i + 1),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

fn new_organization<X: StoreTx>(
    c: &mut Ctx<'_, X>,
    new: NewOrganization,
) -> TehoResult<Organization> {
    let name = non_empty("name", &new.name)?;
    if let Some(code) = &new.registry_code
        && (code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(TehoError::invalid(
            "registry_code",
            code,
            "expected 8 digits",
        ));
    }
    let o = Organization {
        id: c.ids.next_id().into(),
        name,
        kind: new.kind,
        registry_code: new.registry_code,
    };
    c.object(format!("organization:{}", o.id));
    c.tx.put_organization(&o)?;
    Ok(o)
}

fn new_worker<X: StoreTx>(c: &mut Ctx<'_, X>, new: NewWorker) -> TehoResult<Worker> {
    let org = c.organization(new.organization)?;
    if !new.role.allowed_in(org.kind) {
        return Err(TehoError::invalid(
            "role",
            format!("{:?}", new.role),
            &format!("is not a role of a {:?}", org.kind),
        ));
    }
    check_period("employment", new.employed_from, new.employed_until)?;
    let w = Worker {
        id: c.ids.next_id().into(),
        personal_code: new.personal_code,
        given_name: non_empty("given_name", &new.given_name)?,
        family_name: non_empty("family_name", &new.family_name)?,
        organization: org.id,
        role: new.role,
        employed_from: new.employed_from,
        employed_until: new.employed_until,
        end_recorded_at: new.employed_until.map(|_| c.at),
    };
    c.object(format!("worker:{}", w.id));
    c.tx.put_worker(&w)?;
    Ok(w)
}
