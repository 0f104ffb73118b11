//! The case from application to service, through the one door (seed
//! `000_19cdf6fb7baf56d8.txt`, TO-BE of the social worker, care manager and nursing
//! manager).

use super::Operation;
use chrono::{Duration, NaiveDate};

use super::{Ctx, check_period, non_empty};
use crate::ClientFiles;
use crate::access::{Action, Actor, ActorFacts, DataCategory, Target, Visibility};
use crate::calendar::VisitStatus;
use crate::case::instruments::instrument;
use crate::case::{
    Application, Assessment, CaseDecision, ClientQuery, Contract, ContractStatus, DecisionOutcome,
    FileSummary, IcfCode, NewApplication, NewAssessment, NewDecision, NewReferral, Referral,
    ReferralSource, ReferralStatus, ServiceKind, TerminationEffects,
};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::file::{CardProvider, ClientCard, ClientFile, ContactPoint, FileStatus};
use crate::ids::{
    ApplicationId, AssessmentId, ClientFileId, ContractId, DecisionId, OrganizationId, ReferralId,
    WorkerId,
};
use crate::network::{Member, Membership};
use crate::notify::{NotificationKind, Recipient};
use crate::org::{Domain, OrganizationKind, Role};
use crate::person::PersonIdentity;
use crate::time::local_date;

fn provider_fits(kind: OrganizationKind, service: ServiceKind) -> bool {
    match service {
        ServiceKind::HomeCare => kind == OrganizationKind::HomeCareProvider,
        ServiceKind::HomeNursing => kind == OrganizationKind::HomeNursingProvider,
        ServiceKind::GeneralCareOutsideHome => kind == OrganizationKind::CareHome,
        ServiceKind::Other => kind == OrganizationKind::OtherProvider,
    }
}

impl Ctx<'_> {
    /// A referral still waiting to be registered or rejected, once the actor may manage
    /// the referrals of its provider.
    fn entered_referral(&mut self, referral: ReferralId) -> TehoResult<Referral> {
        self.object(format!("referral:{referral}"));
        let r = self
            .tx
            .referral(referral)?
            .ok_or_else(|| self.missing("referral", referral))?;
        self.authorize(
            Action::ManageReferrals,
            &Target::Organization { id: r.provider },
        )?;
        if r.status != ReferralStatus::Entered {
            return Err(TehoError::Conflict {
                kind: "referral".into(),
                id: referral.to_string(),
                problem: format!("is {}", name_of(&r.status)),
            });
        }
        Ok(r)
    }

    /// Adds `worker` to the file's network from `from` unless already a current member.
    fn ensure_member(
        &mut self,
        file: ClientFileId,
        worker: WorkerId,
        role: Role,
        provider: OrganizationId,
        from: NaiveDate,
    ) -> TehoResult<Option<Membership>> {
        let at = self.at;
        let current = self.tx.memberships_of_file(file)?.into_iter().any(|m| {
            m.member == Member::Worker(worker) && (m.active_at(at) || m.valid_from > local_date(at))
        });
        if current {
            return Ok(None);
        }
        let m = Membership {
            id: self.ids.next_id().into(),
            file,
            member: Member::Worker(worker),
            role,
            provider: Some(provider),
            valid_from: from,
            valid_until: None,
        };
        self.tx.insert(&m)?;
        Ok(Some(m))
    }
}

impl ClientFiles {
    /// Looks for a client file by personal code, foreign document or name (seed 000:
    /// "otsida, kas kliendil on juba klienditoimik olemas"). Roles that open files may
    /// search; a search that finds nothing is audited too.
    pub fn find_client(&self, actor: &Actor, query: ClientQuery) -> TehoResult<Vec<FileSummary>> {
        self.door(actor, Operation::FindClient, |c| {
            c.object(match &query {
                ClientQuery::Code(code) => format!("search by personal code {code}"),
                ClientQuery::Foreign { country, .. } => {
                    format!("search by foreign document ({country})")
                }
                ClientQuery::Name(_) => "search by name".into(),
            });
            c.authorize(Action::OpenFile, &Target::System)?;
            let persons = match &query {
                ClientQuery::Code(code) => {
                    c.tx.person_by_identity(&PersonIdentity::Estonian(*code).key())?
                        .into_iter()
                        .collect()
                }
                ClientQuery::Foreign {
                    country,
                    document_number,
                } => {
                    let key = PersonIdentity::foreign(country, document_number)?.key();
                    c.tx.person_by_identity(&key)?.into_iter().collect()
                }
                ClientQuery::Name(text) => {
                    let words: Vec<String> =
                        text.split_whitespace().map(str::to_lowercase).collect();
                    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 3 {
                        return Err(TehoError::invalid(
                            "query",
                            "(name)",
                            "give at least three letters of the name",
                        ));
                    }
                    let mut found: Vec<_> = c.tx.persons()?;
                    found.retain(|p| {
                        let name = p.full_name().to_lowercase();
                        words.iter().all(|w| name.contains(w.as_str()))
                    });
                    found
                }
            };
            let mut out = Vec::new();
            for p in persons {
                if let Some(f) = c.tx.file_of_client(p.id)? {
                    out.push(FileSummary {
                        file: f.id,
                        client: p.id,
                        name: p.full_name(),
                        birth_date: p.birth_date,
                    });
                }
            }
            if let [one] = out.as_slice() {
                c.call.file = Some(one.file);
            }
            c.disclose(out.iter().map(|s| s.file));
            Ok(out)
        })
    }

    /// Enters an application; every application is entered, whatever its outcome.
    pub fn enter_application(&self, actor: &Actor, new: NewApplication) -> TehoResult<Application> {
        self.door(actor, Operation::EnterApplication, |c| {
            let (_, facts) = c.client(new.file)?;
            let client = facts.client;
            c.authorize(
                Action::Write(DataCategory::ApplicationDecision, Visibility::Network),
                &Target::Client(facts),
            )?;
            let applicant = new.applicant.unwrap_or(client);
            if c.tx.person(applicant)?.is_none() {
                return Err(c.missing("person", applicant));
            }
            if new.submitted_on > local_date(c.at) {
                return Err(TehoError::invalid(
                    "submitted_on",
                    new.submitted_on,
                    "lies in the future",
                ));
            }
            let (me, _, _) = c.me()?;
            let a = Application {
                id: ApplicationId(c.ids.next_id()),
                file: new.file,
                applicant,
                service: new.service,
                submitted_on: new.submitted_on,
                entered_by: me,
                entered_at: c.at,
            };
            c.object(format!("application:{}", a.id));
            c.tx.insert(&a)?;
            Ok(a)
        })
    }

    /// Decides an application. A decision, positive or negative, is kept for good; a
    /// positive one directs the client to the chosen provider and notifies its managers
    /// of that domain (seed 000: "Positiivse otsuse korral suunatakse klient
    /// koduhoolduse teenusele, saadetakse hooldusjuhile teavitus").
    pub fn decide_application(&self, actor: &Actor, new: NewDecision) -> TehoResult<CaseDecision> {
        self.door(actor, Operation::DecideApplication, |c| {
            c.object(format!("application:{}", new.application));
            let app =
                c.tx.application(new.application)?
                    .ok_or_else(|| c.missing("application", new.application))?;
            let (_, facts) = c.client(app.file)?;
            c.object(format!("application:{}", new.application));
            c.authorize(
                Action::Write(DataCategory::ApplicationDecision, Visibility::Network),
                &Target::Client(facts),
            )?;
            if c.tx
                .decisions_by_file(app.file)?
                .iter()
                .any(|d| d.application == app.id)
            {
                return Err(TehoError::Conflict {
                    kind: "application".into(),
                    id: app.id.to_string(),
                    problem: "already decided".into(),
                });
            }
            let reasons = non_empty("reasons", &new.reasons)?;
            let legal_basis = non_empty("legal_basis", &new.legal_basis)?;
            if new.decided_on < app.submitted_on {
                return Err(TehoError::InvalidPeriod {
                    what: "decision".into(),
                    from: app.submitted_on.to_string(),
                    until: new.decided_on.to_string(),
                });
            }
            match (new.outcome, new.provider) {
                (DecisionOutcome::Positive, None) => {
                    return Err(TehoError::invalid(
                        "provider",
                        "none",
                        "a positive decision names the provider the client is directed to",
                    ));
                }
                (DecisionOutcome::Negative, Some(p)) => {
                    return Err(TehoError::invalid(
                        "provider",
                        p,
                        "a negative decision directs nowhere",
                    ));
                }
                (DecisionOutcome::Positive, Some(p)) => {
                    let org = c.organization(p)?;
                    if !provider_fits(org.kind, app.service) {
                        return Err(TehoError::invalid(
                            "provider",
                            name_of(&org.kind),
                            "does not provide the service applied for",
                        ));
                    }
                }
                (DecisionOutcome::Negative, None) => {}
            }
            let (me, _, _) = c.me()?;
            let d = CaseDecision {
                id: DecisionId(c.ids.next_id()),
                application: app.id,
                file: app.file,
                service: app.service,
                outcome: new.outcome,
                reasons,
                legal_basis,
                provider: new.provider,
                decided_by: me,
                decided_on: new.decided_on,
            };
            c.tx.insert(&d)?;
            if let Some(provider) = d.provider {
                let domain = d.service.domain();
                let wanted = Role::manager_of(domain).unwrap_or(Role::Administrator);
                let at = c.at;
                for m in
                    c.tx.workers_of(provider)?
                        .into_iter()
                        .filter(|w| w.role == wanted && w.employed_at(at))
                {
                    c.notify(
                        Recipient::Worker(m.id),
                        Some(d.file),
                        NotificationKind::ClientDirected { service: d.service },
                        format!(
                            "A client was directed to your {} service from {}",
                            name_of(&d.service),
                            d.decided_on
                        ),
                    )?;
                }
            }
            Ok(d)
        })
    }

    /// The applications of a client file (social workers).
    pub fn applications(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Application>> {
        self.door(actor, Operation::Applications, |c| {
            c.authorize_on_file(
                file,
                Action::Read(DataCategory::ApplicationDecision, Visibility::Network),
            )?;
            Ok(c.tx.applications_by_file(file)?)
        })
    }

    /// The decisions of a client file: every decision for the social side; for providers
    /// only the decisions directing the client to a service (seed 002 §17(3), §8(1)11).
    pub fn decisions(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<CaseDecision>> {
        self.door(actor, Operation::Decisions, |c| {
            let target = c.authorize_on_file(
                file,
                Action::Read(DataCategory::DirectingDecision, Visibility::Network),
            )?;
            let all = c.tx.decisions_by_file(file)?;
            if c.allowed(
                Action::Read(DataCategory::ApplicationDecision, Visibility::Network),
                &target,
            ) {
                Ok(all)
            } else {
                Ok(all
                    .into_iter()
                    .filter(|d| d.outcome == DecisionOutcome::Positive)
                    .collect())
            }
        })
    }

    /// Registers the client as a client of the actor's provider: the provider (through
    /// its manager) becomes a member of the network (seed 000, care manager TO-BE).
    pub fn register_client(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Membership> {
        self.door(actor, Operation::RegisterClient, |c| {
            let (_, facts) = c.client(file)?;
            let org = match &c.facts {
                ActorFacts::Worker { organization, .. } => Some(*organization),
                _ => None,
            };
            c.authorize(
                Action::ManageNetwork { provider: org },
                &Target::Client(facts),
            )?;
            let (me, role, org) = c.me()?;
            let today = local_date(c.at);
            let m = c
                .ensure_member(file, me, role, org, today)?
                .ok_or_else(|| TehoError::Conflict {
                    kind: "client file".into(),
                    id: file.to_string(),
                    problem: "already registered with this provider".into(),
                })?;
            c.object(format!("membership:{}", m.id));
            Ok(m)
        })
    }

    /// Assigns the provider's worker to the client on the card, with the provider's
    /// general contact (always two contacts, seed 000); the worker joins the network.
    /// Changing the assigned worker notifies both workers.
    pub fn assign_worker(
        &self,
        actor: &Actor,
        file: ClientFileId,
        worker: WorkerId,
        general_contact: ContactPoint,
    ) -> TehoResult<ClientCard> {
        self.door(actor, Operation::AssignWorker, |c| {
            let (_, facts) = c.client(file)?;
            let w = c.worker(worker)?;
            c.authorize(
                Action::ManageNetwork {
                    provider: Some(w.organization),
                },
                &Target::Client(facts),
            )?;
            let (_, my_role, my_org) = c.me()?;
            if w.organization != my_org
                || w.role.domain() != my_role.domain()
                || w.role.is_manager()
            {
                return Err(TehoError::invalid(
                    "worker",
                    w.id,
                    "is not a worker of the actor's provider and domain",
                ));
            }
            if !w.employed_at(c.at) {
                return Err(TehoError::invalid("worker", w.id, "is not employed today"));
            }
            if general_contact.value.trim().is_empty() {
                return Err(TehoError::invalid(
                    "general_contact",
                    "(empty)",
                    "the provider's general contact is required",
                ));
            }
            let today = local_date(c.at);
            c.ensure_member(file, worker, w.role, w.organization, today)?;
            let mut card =
                c.tx.card(file)?
                    .ok_or_else(|| c.missing("client card", file))?;
            let previous = card
                .providers
                .iter()
                .find(|p| p.organization == w.organization)
                .map(|p| p.assigned_worker);
            let entry = CardProvider {
                organization: w.organization,
                assigned_worker: worker,
                general_contact,
            };
            match card
                .providers
                .iter_mut()
                .find(|p| p.organization == w.organization)
            {
                Some(slot) => *slot = entry,
                None => card.providers.push(entry),
            }
            c.tx.update(&card)?;
            if previous != Some(worker) {
                c.notify(
                    Recipient::Worker(worker),
                    Some(file),
                    NotificationKind::AssignedToClient,
                    format!("You were assigned to a client from {today}"),
                )?;
                if let Some(old) = previous {
                    c.notify(
                        Recipient::Worker(old),
                        Some(file),
                        NotificationKind::UnassignedFromClient,
                        format!("Another worker was assigned to your client from {today}"),
                    )?;
                }
            }
            Ok(card)
        })
    }

    /// Enters a referral letter for home nursing, from the health information system or
    /// typed in from paper (seed 000, nursing manager TO-BE).
    pub fn enter_referral(&self, actor: &Actor, new: NewReferral) -> TehoResult<Referral> {
        self.door(actor, Operation::EnterReferral, |c| c.enter_referral(new))
    }

    /// Takes in a home-nursing referral sent as FHIR JSON — a `ServiceRequest` with its
    /// Patient and requester (contained, or beside it in a `Bundle`) — as
    /// [`ClientFiles::enter_referral`] does: the patient found by personal code
    /// (`Patient.identifier`, EE Base system), the TIS document from
    /// `ServiceRequest.identifier`, the period from `occurrencePeriod`, the doctor from
    /// the requester. A resource that does not fit is an `invalid_input` naming the FHIR
    /// path of the problem, and nothing is written (`docs/FHIR.md`).
    pub fn import_fhir_referral(&self, actor: &Actor, fhir: String) -> TehoResult<Referral> {
        self.door(actor, Operation::ImportFhirReferral, |c| {
            c.referral_desk()?;
            let r = crate::fhir::read_service_request(&fhir)?;
            let key = crate::person::PersonIdentity::Estonian(r.patient).key();
            let person =
                c.tx.person_by_identity(&key)?
                    .ok_or_else(|| TehoError::NotFound {
                        kind: "person".into(),
                        id: "of Patient.identifier (register the patient first)".into(),
                        value: Some(r.patient.to_string()),
                    })?;
            c.enter_referral(NewReferral {
                patient: person.id,
                source: r.source,
                start: r.start,
                end: r.end,
                doctor_name: r.doctor_name,
                doctor: r.doctor,
            })
        })
    }
}

impl Ctx<'_> {
    /// [`ClientFiles::enter_referral`] inside a call.
    /// The actor's organisation, authorized to take in referrals (refused first to
    /// whoever may not, before any input is read).
    fn referral_desk(&mut self) -> TehoResult<OrganizationId> {
        let org = match &self.facts {
            ActorFacts::Worker { organization, .. } => *organization,
            _ => OrganizationId(uuid::Uuid::nil()),
        };
        self.object(format!("organization:{org}"));
        self.authorize(Action::ManageReferrals, &Target::Organization { id: org })?;
        Ok(org)
    }

    fn enter_referral(&mut self, new: NewReferral) -> TehoResult<Referral> {
        let org = self.referral_desk()?;
        if self.tx.person(new.patient)?.is_none() {
            return Err(self.missing("person", new.patient));
        }
        check_period("referral", new.start, new.end)?;
        let doctor_name = non_empty("doctor_name", &new.doctor_name)?;
        if let ReferralSource::HealthInformationSystem { document_id } = &new.source {
            non_empty("document_id", document_id)?;
        }
        if let Some(d) = new.doctor {
            self.worker(d)?;
        }
        let (me, _, _) = self.me()?;
        let r = Referral {
            id: ReferralId(self.ids.next_id()),
            patient: new.patient,
            provider: org,
            source: new.source,
            start: new.start,
            end: new.end,
            doctor_name,
            doctor: new.doctor,
            status: ReferralStatus::Entered,
            entered_by: me,
            entered_at: self.at,
        };
        self.object(format!("referral:{}", r.id));
        self.tx.insert(&r)?;
        Ok(r)
    }
}

impl ClientFiles {
    /// Registers the patient of a referral: home nursing starts in the existing client
    /// file (the nursing history is the client file), or a new file and card are
    /// opened; the nursing manager joins the network; the referring doctor is notified.
    pub fn register_referral(
        &self,
        actor: &Actor,
        referral: ReferralId,
    ) -> TehoResult<(ClientFile, Referral)> {
        self.door(actor, Operation::RegisterReferral, |c| {
            let mut r = c.entered_referral(referral)?;
            let (me, role, org) = c.me()?;
            let file = match c.tx.file_of_client(r.patient)? {
                Some(f) => f,
                None => {
                    let f = ClientFile {
                        id: ClientFileId(c.ids.next_id()),
                        client: r.patient,
                        opened_on: local_date(c.at),
                        opened_by: me,
                        status: FileStatus::Open,
                    };
                    c.tx.insert(&f)?;
                    c.tx.insert(&ClientCard {
                        file: f.id,
                        residence: None,
                        contacts: Vec::new(),
                        good_to_know: String::new(),
                        providers: Vec::new(),
                    })?;
                    f
                }
            };
            c.call.file = Some(file.id);
            c.ensure_member(file.id, me, role, org, r.start.min(local_date(c.at)))?;
            r.status = ReferralStatus::Registered { file: file.id };
            c.tx.update(&r)?;
            if let Some(doctor) = r.doctor {
                c.notify(
                    Recipient::Worker(doctor),
                    Some(file.id),
                    NotificationKind::ReferralRegistered,
                    format!(
                        "Your referral was registered for home nursing from {}",
                        r.start
                    ),
                )?;
            }
            Ok((file, r))
        })
    }

    /// Rejects a referral, with a reason.
    pub fn reject_referral(
        &self,
        actor: &Actor,
        referral: ReferralId,
        reason: String,
    ) -> TehoResult<Referral> {
        self.door(actor, Operation::RejectReferral, |c| {
            let mut r = c.entered_referral(referral)?;
            let reason = non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                problem: "rejecting a referral needs a reason".into(),
            })?;
            r.status = ReferralStatus::Rejected { reason };
            c.tx.update(&r)?;
            if let Some(doctor) = r.doctor {
                c.notify(
                    Recipient::Worker(doctor),
                    None,
                    NotificationKind::ReferralRejected,
                    "Your referral for home nursing was rejected".into(),
                )?;
            }
            Ok(r)
        })
    }

    /// Prepares a contract between the client and a provider.
    pub fn prepare_contract(
        &self,
        actor: &Actor,
        file: ClientFileId,
        provider: OrganizationId,
        service: ServiceKind,
    ) -> TehoResult<Contract> {
        self.door(actor, Operation::PrepareContract, |c| {
            c.authorize_on_file(file, Action::ManageContract { provider })?;
            let org = c.organization(provider)?;
            if !provider_fits(org.kind, service) {
                return Err(TehoError::invalid(
                    "provider",
                    name_of(&org.kind),
                    "does not provide this service",
                ));
            }
            let (me, _, _) = c.me()?;
            let k = Contract {
                id: ContractId(c.ids.next_id()),
                file,
                provider,
                service,
                status: ContractStatus::Prepared,
                prepared_on: local_date(c.at),
                concluded_on: None,
                terminated_on: None,
                termination_reason: None,
                prepared_by: me,
            };
            c.object(format!("contract:{}", k.id));
            c.tx.insert(&k)?;
            Ok(k)
        })
    }

    /// Concludes a prepared contract on `on`.
    pub fn conclude_contract(
        &self,
        actor: &Actor,
        contract: ContractId,
        on: NaiveDate,
    ) -> TehoResult<Contract> {
        self.door(actor, Operation::ConcludeContract, |c| {
            c.object(format!("contract:{contract}"));
            let mut k = c.contract_to_manage(contract)?;
            if k.status != ContractStatus::Prepared {
                return Err(TehoError::Conflict {
                    kind: "contract".into(),
                    id: contract.to_string(),
                    problem: format!("is {}", name_of(&k.status)),
                });
            }
            if on < k.prepared_on {
                return Err(TehoError::InvalidPeriod {
                    what: "contract".into(),
                    from: k.prepared_on.to_string(),
                    until: on.to_string(),
                });
            }
            k.status = ContractStatus::Concluded;
            k.concluded_on = Some(on);
            c.tx.update(&k)?;
            Ok(k)
        })
    }

    /// Terminates a contract on its last day: that provider's memberships, plan items
    /// and planned visits after the day end — by date, nothing deleted; recorded visits
    /// and other providers' visits are untouched. Returns what was ended.
    pub fn terminate_contract(
        &self,
        actor: &Actor,
        contract: ContractId,
        last_day: NaiveDate,
        reason: String,
    ) -> TehoResult<(Contract, TerminationEffects)> {
        self.door(actor, Operation::TerminateContract, |c| {
            c.object(format!("contract:{contract}"));
            let mut k = c.contract_to_manage(contract)?;
            if k.status != ContractStatus::Concluded {
                return Err(TehoError::Conflict {
                    kind: "contract".into(),
                    id: contract.to_string(),
                    problem: format!(
                        "is {}; only a concluded contract is terminated",
                        name_of(&k.status)
                    ),
                });
            }
            let concluded = k.concluded_on.unwrap_or(k.prepared_on);
            if last_day < concluded {
                return Err(TehoError::InvalidPeriod {
                    what: "contract".into(),
                    from: concluded.to_string(),
                    until: last_day.to_string(),
                });
            }
            let reason = non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                problem: "terminating a contract needs a reason".into(),
            })?;
            k.status = ContractStatus::Terminated;
            k.terminated_on = Some(last_day);
            k.termination_reason = Some(reason);
            c.tx.update(&k)?;
            let mut effects = TerminationEffects::default();
            for mut m in c.tx.memberships_of_file(k.file)? {
                if m.provider == Some(k.provider) && m.valid_until.is_none_or(|u| u > last_day) {
                    m.valid_until = Some(last_day.max(m.valid_from));
                    c.tx.update(&m)?;
                    effects.memberships_ended.push(m.id);
                }
            }
            let after = crate::time::start_of_day(last_day + Duration::days(1));
            for plan in
                c.tx.plans_of_file(k.file)?
                    .into_iter()
                    .filter(|p| p.provider == k.provider)
            {
                for mut item in c.tx.items_of_plan(plan.id)? {
                    if item.valid_until.is_none_or(|u| u > last_day) {
                        item.valid_until = Some(last_day.max(item.valid_from));
                        c.tx.update(&item)?;
                        effects.plan_items_ended.push(item.id);
                    }
                    let mut ended: Vec<_> = c
                        .tx
                        .visits_of_item(item.id)?
                        .into_iter()
                        .filter(|v| {
                            v.status == VisitStatus::Planned && !v.moved_by_hand && v.start >= after
                        })
                        .collect();
                    for v in &mut ended {
                        v.status = VisitStatus::Superseded;
                        v.revised();
                        effects.visits_ended.push(v.id);
                    }
                    c.tx.update_visits(&ended)?;
                }
            }
            c.object(format!(
                "contract:{contract} memberships_ended={} plan_items_ended={} visits_ended={}",
                effects.memberships_ended.len(),
                effects.plan_items_ended.len(),
                effects.visits_ended.len()
            ));
            Ok((k, effects))
        })
    }

    /// The contracts of a client file.
    pub fn contracts(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Contract>> {
        self.door(actor, Operation::Contracts, |c| {
            c.authorize_on_file(
                file,
                Action::Read(DataCategory::DirectingDecision, Visibility::Network),
            )?;
            Ok(c.tx.contracts_by_file(file)?)
        })
    }

    /// Records an assessment with a versioned instrument; the answers are checked
    /// against the instrument, ICF codes must be b, d or e codes with qualifiers (seed
    /// `001_c07609eead185765.txt`). It is visible to the instrument's domain only.
    pub fn record_assessment(&self, actor: &Actor, new: NewAssessment) -> TehoResult<Assessment> {
        self.door(actor, Operation::RecordAssessment, |c| {
            let (_, facts) = c.client(new.file)?;
            let inst = instrument(&new.instrument, new.version).ok_or_else(|| {
                TehoError::not_found("instrument", format!("{} v{}", new.instrument, new.version))
            })?;
            c.authorize(
                Action::Write(
                    category_of(inst.domain),
                    Visibility::DomainOnly(inst.domain),
                ),
                &Target::Client(facts),
            )?;
            inst.check(&new.answers)?;
            if !inst.uses_icf && !new.icf.is_empty() {
                return Err(TehoError::invalid(
                    "icf",
                    new.icf.join(","),
                    "this instrument records no ICF codes",
                ));
            }
            let icf: Vec<IcfCode> = new
                .icf
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?;
            let (me, _, _) = c.me()?;
            let a = Assessment {
                id: AssessmentId(c.ids.next_id()),
                file: new.file,
                instrument: inst.code.into(),
                version: inst.version,
                domain: inst.domain,
                answers: new.answers,
                icf,
                author: me,
                assessed_at: c.at,
            };
            c.object(format!("assessment:{}", a.id));
            c.tx.insert(&a)?;
            Ok(a)
        })
    }

    /// The assessments of a client file the actor may see: each follows its domain.
    pub fn assessments(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Assessment>> {
        self.door(actor, Operation::Assessments, |c| {
            let target = c.authorize_on_file(
                file,
                Action::Read(DataCategory::Identity, Visibility::Network),
            )?;
            let all = c.tx.assessments_by_file(file)?;
            Ok(all
                .into_iter()
                .filter(|a| {
                    c.allowed(
                        Action::Read(category_of(a.domain), Visibility::DomainOnly(a.domain)),
                        &target,
                    )
                })
                .collect())
        })
    }
}

/// The category an assessment of a domain belongs to: the municipality's assessment
/// (seed 002 §8(1)8) for the social domain, a condition assessment for the others.
fn category_of(domain: Domain) -> DataCategory {
    if domain == Domain::Social {
        DataCategory::Assessment
    } else {
        DataCategory::ConditionAssessment
    }
}

impl Ctx<'_> {
    /// Loads a contract and authorizes managing it (its provider's contracts).
    fn contract_to_manage(&mut self, contract: ContractId) -> TehoResult<Contract> {
        let k = self
            .tx
            .contract(contract)?
            .ok_or_else(|| self.missing("contract", contract))?;
        self.authorize_on_file(
            k.file,
            Action::ManageContract {
                provider: k.provider,
            },
        )?;
        Ok(k)
    }
}
