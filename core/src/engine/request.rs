//! Every engine command and query as data: a [`Request`] is `{"command": "name",
//! "args": {...}}` in JSON, dispatched by [`ClientFiles::execute`] to the engine method of
//! the same name. Bindings (Python, Kotlin, WASM) and the shared scenario files use it,
//! so every host goes through the same one door with the same arguments.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ClientFiles;
use crate::access::Actor;
use crate::audit::Checkpoint;
use crate::case::{
    ClientQuery, NewApplication, NewAssessment, NewDecision, NewReferral, ServiceKind,
};
use crate::disclosure::NewDisclosure;
use crate::error::{TehoError, TehoResult};
use crate::file::{CardProvider, ContactPoint, NewCard, NewEntry};
use crate::ids::*;
use crate::log::{DoneReport, NewLogEntry, NotDoneReason};
use crate::network::{NewMembership, NewSubstitution};
use crate::notify::{Audience, NotificationState};
use crate::org::{Domain, NewAdministrator, NewOrganization, NewWorker};
use crate::person::NewPerson;
use crate::plan::{NewPlan, PlanItemSpec};
use crate::register::NoticeBatch;
use crate::report::ReportKind;
use crate::retention::{HoldScope, NewDestructionAct};
use crate::store::Store;

/// One engine call as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", content = "args", rename_all = "snake_case")]
pub enum Request {
    /// [`ClientFiles::create_plan`].
    CreatePlan {
        /// Argument `new`.
        new: NewPlan,
    },
    /// [`ClientFiles::add_plan_item`].
    AddPlanItem {
        /// Argument `plan`.
        plan: PlanId,
        /// Argument `spec`.
        spec: PlanItemSpec,
    },
    /// [`ClientFiles::change_plan_item`].
    ChangePlanItem {
        /// Argument `item`.
        item: PlanItemId,
        /// Argument `spec`.
        spec: PlanItemSpec,
    },
    /// [`ClientFiles::split_plan_item`].
    SplitPlanItem {
        /// Argument `item`.
        item: PlanItemId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `spec`.
        spec: PlanItemSpec,
    },
    /// [`ClientFiles::client_calendar`].
    ClientCalendar {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `to`.
        to: NaiveDate,
    },
    /// [`ClientFiles::worker_calendar`].
    WorkerCalendar {
        /// Argument `worker`.
        worker: WorkerId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `to`.
        to: NaiveDate,
    },
    /// [`ClientFiles::move_visit`].
    MoveVisit {
        /// Argument `visit`.
        visit: VisitId,
        /// Argument `new_start`.
        new_start: DateTime<Utc>,
    },
    /// [`ClientFiles::cancel_visit`].
    CancelVisit {
        /// Argument `visit`.
        visit: VisitId,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::mark_done`].
    MarkDone {
        /// Argument `visit`.
        visit: VisitId,
        /// Argument `report`.
        report: DoneReport,
    },
    /// [`ClientFiles::mark_not_done`].
    MarkNotDone {
        /// Argument `visit`.
        visit: VisitId,
        /// Argument `reason`.
        reason: Option<NotDoneReason>,
        /// Argument `text`.
        text: String,
    },
    /// [`ClientFiles::add_log_entry`].
    AddLogEntry {
        /// Argument `new`.
        new: NewLogEntry,
    },
    /// [`ClientFiles::service_log`].
    ServiceLog {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `to`.
        to: NaiveDate,
    },
    /// [`ClientFiles::missed_visits`].
    MissedVisits {
        /// Argument `provider`.
        provider: OrganizationId,
        /// Argument `domain`.
        domain: Domain,
        /// Argument `threshold_minutes`.
        threshold_minutes: u32,
    },
    /// [`ClientFiles::worker_report`].
    WorkerReport {
        /// Argument `worker`.
        worker: WorkerId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `to`.
        to: NaiveDate,
    },
    /// [`ClientFiles::monthly_report`].
    MonthlyReport {
        /// Argument `provider`.
        provider: OrganizationId,
        /// Argument `domain`.
        domain: Domain,
        /// Argument `year`.
        year: i32,
        /// Argument `month`.
        month: u32,
    },
    /// [`ClientFiles::find_client`].
    FindClient {
        /// Argument `query`.
        query: ClientQuery,
    },
    /// [`ClientFiles::enter_application`].
    EnterApplication {
        /// Argument `new`.
        new: NewApplication,
    },
    /// [`ClientFiles::decide_application`].
    DecideApplication {
        /// Argument `new`.
        new: NewDecision,
    },
    /// [`ClientFiles::applications`].
    Applications {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::decisions`].
    Decisions {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::register_client`].
    RegisterClient {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::assign_worker`].
    AssignWorker {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `worker`.
        worker: WorkerId,
        /// Argument `general_contact`.
        general_contact: ContactPoint,
    },
    /// [`ClientFiles::enter_referral`].
    EnterReferral {
        /// Argument `new`.
        new: NewReferral,
    },
    /// [`ClientFiles::register_referral`].
    RegisterReferral {
        /// Argument `referral`.
        referral: ReferralId,
    },
    /// [`ClientFiles::reject_referral`].
    RejectReferral {
        /// Argument `referral`.
        referral: ReferralId,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::prepare_contract`].
    PrepareContract {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `provider`.
        provider: OrganizationId,
        /// Argument `service`.
        service: ServiceKind,
    },
    /// [`ClientFiles::conclude_contract`].
    ConcludeContract {
        /// Argument `contract`.
        contract: ContractId,
        /// Argument `on`.
        on: NaiveDate,
    },
    /// [`ClientFiles::terminate_contract`].
    TerminateContract {
        /// Argument `contract`.
        contract: ContractId,
        /// Argument `last_day`.
        last_day: NaiveDate,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::contracts`].
    Contracts {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::record_assessment`].
    RecordAssessment {
        /// Argument `new`.
        new: NewAssessment,
    },
    /// [`ClientFiles::assessments`].
    Assessments {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::record_death`].
    RecordDeath {
        /// Argument `person`.
        person: PersonId,
        /// Argument `date`.
        date: NaiveDate,
        /// Argument `source`.
        source: String,
    },
    /// [`ClientFiles::void_death`].
    VoidDeath {
        /// Argument `person`.
        person: PersonId,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::correct_death_date`].
    CorrectDeathDate {
        /// Argument `person`.
        person: PersonId,
        /// Argument `date`.
        date: NaiveDate,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::import_notices`].
    ImportNotices {
        /// Argument `batch`.
        batch: NoticeBatch,
    },
    /// [`ClientFiles::register_organization`].
    RegisterOrganization {
        /// Argument `new`.
        new: NewOrganization,
    },
    /// [`ClientFiles::register_worker`].
    RegisterWorker {
        /// Argument `new`.
        new: NewWorker,
    },
    /// [`ClientFiles::record_employment_end`].
    RecordEmploymentEnd {
        /// Argument `worker`.
        worker: WorkerId,
        /// Argument `last_day`.
        last_day: NaiveDate,
    },
    /// [`ClientFiles::compliance_breaches`].
    ComplianceBreaches {
        /// Argument `organization`.
        organization: OrganizationId,
    },
    /// [`ClientFiles::record_disclosure`].
    RecordDisclosure {
        /// Argument `new`.
        new: NewDisclosure,
    },
    /// [`ClientFiles::file_of_code`].
    FileOfCode {
        /// Argument `code`.
        code: crate::person::PersonalCode,
    },
    /// [`ClientFiles::access_log`].
    AccessLog {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::set_restriction`].
    SetRestriction {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `entry`.
        entry: Option<crate::ids::EntryId>,
        /// Argument `basis`.
        basis: String,
        /// Argument `valid_until`.
        valid_until: NaiveDate,
    },
    /// [`ClientFiles::lift_restriction`].
    LiftRestriction {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `restriction`.
        restriction: crate::ids::RestrictionId,
        /// Argument `reason`.
        reason: String,
    },
    /// [`ClientFiles::register_person`].
    RegisterPerson {
        /// Argument `new`.
        new: NewPerson,
    },
    /// [`ClientFiles::open_client_file`].
    OpenClientFile {
        /// Argument `client`.
        client: PersonId,
        /// Argument `card`.
        card: NewCard,
    },
    /// [`ClientFiles::client_file`].
    ClientFile {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::client_card`].
    ClientCard {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::update_good_to_know`].
    UpdateGoodToKnow {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `text`.
        text: String,
    },
    /// [`ClientFiles::set_card_provider`].
    SetCardProvider {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `provider`.
        provider: CardProvider,
    },
    /// [`ClientFiles::add_member`].
    AddMember {
        /// Argument `new`.
        new: NewMembership,
    },
    /// [`ClientFiles::end_membership`].
    EndMembership {
        /// Argument `membership`.
        membership: MembershipId,
        /// Argument `last_day`.
        last_day: NaiveDate,
    },
    /// [`ClientFiles::network`].
    Network {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::grant_substitution`].
    GrantSubstitution {
        /// Argument `new`.
        new: NewSubstitution,
    },
    /// [`ClientFiles::add_entry`].
    AddEntry {
        /// Argument `new`.
        new: NewEntry,
    },
    /// [`ClientFiles::entries`].
    Entries {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::inbox`].
    Inbox,
    /// [`ClientFiles::mark_notification`].
    MarkNotification {
        /// Argument `id`.
        id: NotificationId,
        /// Argument `state`.
        state: NotificationState,
    },
    /// [`ClientFiles::notify_network`].
    NotifyNetwork {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `audience`.
        audience: Audience,
        /// Argument `text`.
        text: String,
    },
    /// [`ClientFiles::bootstrap`].
    Bootstrap {
        /// Argument `municipality`.
        municipality: NewOrganization,
        /// Argument `admin`.
        admin: NewAdministrator,
    },
    /// [`ClientFiles::verify_audit`].
    VerifyAudit {
        /// Argument `checkpoint`.
        checkpoint: Option<Checkpoint>,
    },
    /// [`ClientFiles::audit_checkpoint`].
    AuditCheckpoint,
    /// [`ClientFiles::reporting_deadlines`].
    ReportingDeadlines {
        /// Argument `provider`.
        provider: OrganizationId,
        /// Argument `from`.
        from: NaiveDate,
        /// Argument `to`.
        to: NaiveDate,
    },
    /// [`ClientFiles::submit_report`].
    SubmitReport {
        /// Argument `provider`.
        provider: OrganizationId,
        /// Argument `kind`.
        kind: ReportKind,
    },
    /// [`ClientFiles::retention_due`].
    RetentionDue {
        /// Argument `on`.
        on: NaiveDate,
    },
    /// [`ClientFiles::set_hold`].
    SetHold {
        /// Argument `scope`.
        scope: HoldScope,
        /// Argument `basis`.
        basis: String,
        /// Argument `until`.
        until: Option<NaiveDate>,
    },
    /// [`ClientFiles::holds`].
    Holds,
    /// [`ClientFiles::lift_hold`].
    LiftHold {
        /// Argument `hold`.
        hold: HoldId,
    },
    /// [`ClientFiles::draft_destruction_act`].
    DraftDestructionAct {
        /// Argument `new`.
        new: NewDestructionAct,
    },
    /// [`ClientFiles::approve_destruction_act`].
    ApproveDestructionAct {
        /// Argument `act`.
        act: DestructionActId,
    },
    /// [`ClientFiles::execute_destruction_act`].
    ExecuteDestructionAct {
        /// Argument `act`.
        act: DestructionActId,
    },
    /// [`ClientFiles::home_view`].
    HomeView,
    /// [`ClientFiles::client_home`].
    ClientHome {
        /// Argument `file`.
        file: ClientFileId,
    },
    /// [`ClientFiles::check_services`].
    CheckServices {
        /// Argument `query`.
        query: ClientQuery,
    },
    /// [`ClientFiles::notify_unserved`].
    NotifyUnserved {
        /// Argument `patient`.
        patient: ClientQuery,
        /// Argument `text`.
        text: String,
    },
    /// [`ClientFiles::send_discharge`].
    SendDischarge {
        /// Argument `file`.
        file: ClientFileId,
        /// Argument `text`.
        text: String,
    },
}

fn out<T: Serialize>(r: TehoResult<T>) -> TehoResult<serde_json::Value> {
    r.and_then(|v| {
        serde_json::to_value(v).map_err(|e| TehoError::Internal {
            message: format!("encoding a result: {e}"),
        })
    })
}

impl<S: Store> ClientFiles<S> {
    /// Runs one request through the one door; the result as JSON.
    pub fn execute(&self, actor: &Actor, request: Request) -> TehoResult<serde_json::Value> {
        match request {
            Request::CreatePlan { new } => out(self.create_plan(actor, new)),
            Request::AddPlanItem { plan, spec } => out(self.add_plan_item(actor, plan, spec)),
            Request::ChangePlanItem { item, spec } => out(self.change_plan_item(actor, item, spec)),
            Request::SplitPlanItem { item, from, spec } => {
                out(self.split_plan_item(actor, item, from, spec))
            }
            Request::ClientCalendar { file, from, to } => {
                out(self.client_calendar(actor, file, from, to))
            }
            Request::WorkerCalendar { worker, from, to } => {
                out(self.worker_calendar(actor, worker, from, to))
            }
            Request::MoveVisit { visit, new_start } => {
                out(self.move_visit(actor, visit, new_start))
            }
            Request::CancelVisit { visit, reason } => out(self.cancel_visit(actor, visit, reason)),
            Request::MarkDone { visit, report } => out(self.mark_done(actor, visit, report)),
            Request::MarkNotDone {
                visit,
                reason,
                text,
            } => out(self.mark_not_done(actor, visit, reason, text)),
            Request::AddLogEntry { new } => out(self.add_log_entry(actor, new)),
            Request::ServiceLog { file, from, to } => out(self.service_log(actor, file, from, to)),
            Request::MissedVisits {
                provider,
                domain,
                threshold_minutes,
            } => out(self.missed_visits(actor, provider, domain, threshold_minutes)),
            Request::WorkerReport { worker, from, to } => {
                out(self.worker_report(actor, worker, from, to))
            }
            Request::MonthlyReport {
                provider,
                domain,
                year,
                month,
            } => out(self.monthly_report(actor, provider, domain, year, month)),
            Request::FindClient { query } => out(self.find_client(actor, query)),
            Request::EnterApplication { new } => out(self.enter_application(actor, new)),
            Request::DecideApplication { new } => out(self.decide_application(actor, new)),
            Request::Applications { file } => out(self.applications(actor, file)),
            Request::Decisions { file } => out(self.decisions(actor, file)),
            Request::RegisterClient { file } => out(self.register_client(actor, file)),
            Request::AssignWorker {
                file,
                worker,
                general_contact,
            } => out(self.assign_worker(actor, file, worker, general_contact)),
            Request::EnterReferral { new } => out(self.enter_referral(actor, new)),
            Request::RegisterReferral { referral } => out(self.register_referral(actor, referral)),
            Request::RejectReferral { referral, reason } => {
                out(self.reject_referral(actor, referral, reason))
            }
            Request::PrepareContract {
                file,
                provider,
                service,
            } => out(self.prepare_contract(actor, file, provider, service)),
            Request::ConcludeContract { contract, on } => {
                out(self.conclude_contract(actor, contract, on))
            }
            Request::TerminateContract {
                contract,
                last_day,
                reason,
            } => out(self.terminate_contract(actor, contract, last_day, reason)),
            Request::Contracts { file } => out(self.contracts(actor, file)),
            Request::RecordAssessment { new } => out(self.record_assessment(actor, new)),
            Request::Assessments { file } => out(self.assessments(actor, file)),
            Request::RecordDeath {
                person,
                date,
                source,
            } => out(self.record_death(actor, person, date, source)),
            Request::VoidDeath { person, reason } => out(self.void_death(actor, person, reason)),
            Request::CorrectDeathDate {
                person,
                date,
                reason,
            } => out(self.correct_death_date(actor, person, date, reason)),
            Request::ImportNotices { batch } => out(self.import_notices(actor, batch)),
            Request::RegisterOrganization { new } => out(self.register_organization(actor, new)),
            Request::RegisterWorker { new } => out(self.register_worker(actor, new)),
            Request::RecordEmploymentEnd { worker, last_day } => {
                out(self.record_employment_end(actor, worker, last_day))
            }
            Request::ComplianceBreaches { organization } => {
                out(self.compliance_breaches(actor, organization))
            }
            Request::RecordDisclosure { new } => out(self.record_disclosure(actor, new)),
            Request::FileOfCode { code } => out(self.file_of_code(actor, code)),
            Request::AccessLog { file } => out(self.access_log(actor, file)),
            Request::SetRestriction {
                file,
                entry,
                basis,
                valid_until,
            } => out(self.set_restriction(actor, file, entry, basis, valid_until)),
            Request::LiftRestriction {
                file,
                restriction,
                reason,
            } => out(self.lift_restriction(actor, file, restriction, reason)),
            Request::RegisterPerson { new } => out(self.register_person(actor, new)),
            Request::OpenClientFile { client, card } => {
                out(self.open_client_file(actor, client, card))
            }
            Request::ClientFile { file } => out(self.client_file(actor, file)),
            Request::ClientCard { file } => out(self.client_card(actor, file)),
            Request::UpdateGoodToKnow { file, text } => {
                out(self.update_good_to_know(actor, file, text))
            }
            Request::SetCardProvider { file, provider } => {
                out(self.set_card_provider(actor, file, provider))
            }
            Request::AddMember { new } => out(self.add_member(actor, new)),
            Request::EndMembership {
                membership,
                last_day,
            } => out(self.end_membership(actor, membership, last_day)),
            Request::Network { file } => out(self.network(actor, file)),
            Request::GrantSubstitution { new } => out(self.grant_substitution(actor, new)),
            Request::AddEntry { new } => out(self.add_entry(actor, new)),
            Request::Entries { file } => out(self.entries(actor, file)),
            Request::Inbox => out(self.inbox(actor)),
            Request::MarkNotification { id, state } => {
                out(self.mark_notification(actor, id, state))
            }
            Request::NotifyNetwork {
                file,
                audience,
                text,
            } => out(self.notify_network(actor, file, audience, text)),
            Request::Bootstrap {
                municipality,
                admin,
            } => out(self.bootstrap(actor, municipality, admin)),
            Request::VerifyAudit { checkpoint } => {
                out(self.verify_audit(actor, checkpoint.as_ref()))
            }
            Request::AuditCheckpoint => out(self.audit_checkpoint(actor)),
            Request::ReportingDeadlines { provider, from, to } => {
                out(self.reporting_deadlines(actor, provider, from, to))
            }
            Request::SubmitReport { provider, kind } => {
                out(self.submit_report(actor, provider, kind))
            }
            Request::RetentionDue { on } => out(self.retention_due(actor, on)),
            Request::SetHold {
                scope,
                basis,
                until,
            } => out(self.set_hold(actor, scope, basis, until)),
            Request::Holds => out(self.holds(actor)),
            Request::LiftHold { hold } => out(self.lift_hold(actor, hold)),
            Request::DraftDestructionAct { new } => out(self.draft_destruction_act(actor, new)),
            Request::ApproveDestructionAct { act } => out(self.approve_destruction_act(actor, act)),
            Request::ExecuteDestructionAct { act } => out(self.execute_destruction_act(actor, act)),
            Request::HomeView => out(self.home_view(actor)),
            Request::ClientHome { file } => out(self.client_home(actor, file)),
            Request::CheckServices { query } => out(self.check_services(actor, query)),
            Request::NotifyUnserved { patient, text } => {
                out(self.notify_unserved(actor, patient, text))
            }
            Request::SendDischarge { file, text } => out(self.send_discharge(actor, file, text)),
        }
    }

    /// Runs requests in order as one batch: exactly as if each were called on its own
    /// (each authorized, audited, all-or-nothing), but committed together, once. It
    /// stops at the first request that fails: the results are those of the requests
    /// before it and, last, its error; the requests before it stay done and the failure
    /// stays audited. The outer error means the batch itself could not be committed,
    /// and then none of it was.
    pub fn execute_many(
        &self,
        actor: &Actor,
        requests: Vec<Request>,
    ) -> TehoResult<Vec<TehoResult<serde_json::Value>>> {
        self.batch(|engine| {
            let mut results = Vec::with_capacity(requests.len());
            for request in requests {
                let result = engine.execute(actor, request);
                let failed = result.is_err();
                results.push(result);
                if failed {
                    break;
                }
            }
            results
        })
    }
}
