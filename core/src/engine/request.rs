//! Every engine command and query as data: a [`Request`] is `{"command": "name",
//! "args": {...}}` in JSON, dispatched by [`ClientFiles::execute`] to the engine method of
//! the same name. Bindings (Python, Kotlin, WASM) and the shared scenario files use it,
//! so every host goes through the same one door with the same arguments.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::calendar::CalendarVisit;
use super::{
    ClientHome, HomeView, MonthlyReport, PlanItemOutcome, ServiceCheck, SplitOutcome, VisitChange,
};
use crate::ClientFiles;
use crate::access::Actor;
use crate::audit::{Checkpoint, VerifyReport};
use crate::calendar::Visit;
use crate::case::{
    Application, Assessment, CaseDecision, ClientQuery, Contract, FileSummary, NewApplication,
    NewAssessment, NewDecision, NewReferral, Referral, ServiceKind, TerminationEffects,
};
use crate::death::{Compensation, DeathEffects, ImportReport};
use crate::disclosure::{AccessLogLine, Disclosure, NewDisclosure};
use crate::error::{TehoError, TehoResult};
use crate::file::{
    CardProvider, ClientCard, ClientFile, ClientFileView, ContactPoint, Entry, NewCard, NewEntry,
};
use crate::ids::*;
use crate::log::{DoneReport, NewLogEntry, NotDoneReason, ServiceLogEntry};
use crate::network::{Membership, NewMembership, NewSubstitution, Substitution};
use crate::notify::{Audience, Notification, NotificationState};
use crate::org::{
    ComplianceBreach, Domain, EmploymentEnd, NewAdministrator, NewOrganization, NewWorker,
    Organization, Worker,
};
use crate::person::{NewPerson, Person};
use crate::plan::{CarePlan, NewPlan, PlanItemSpec};
use crate::register::NoticeBatch;
use crate::report::{ReportDue, ReportKind, ReportSubmission};
use crate::retention::{DestructionAct, DueRecord, Hold, HoldScope, NewDestructionAct};
use crate::store::Store;

/// Declares every request once: its variant and arguments, the engine method it calls
/// and the type that method returns. From that one list come the [`Request`] enum,
/// [`ClientFiles::execute`] and [`api_description`], so the three cannot drift apart
/// (a wrong result type does not compile).
macro_rules! requests {
    ($(
        $variant:ident $({ $($arg:ident: $ty:ty),* $(,)? })?
            => $method:ident($($call:expr),*) -> $ret:ty;
    )*) => {
        /// One engine call as data.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "command", content = "args", rename_all = "snake_case")]
        pub enum Request {
            $(
                #[doc = concat!("[`ClientFiles::", stringify!($method), "`].")]
                $variant $({ $(
                    #[doc = concat!("Argument `", stringify!($arg), "`.")]
                    $arg: $ty,
                )* })?,
            )*
        }

        impl<S: Store> ClientFiles<S> {
            /// Runs one request through the one door; the result as JSON.
            pub fn execute(&self, actor: &Actor, request: Request) -> TehoResult<Value> {
                match request {
                    $(
                        Request::$variant $({ $($arg),* })? => {
                            out::<$ret>(self.$method(actor, $($call),*))
                        }
                    )*
                }
            }
        }

        /// The whole request API as data, for binding generators (Python, Kotlin, WASM):
        /// every command's name, its arguments' JSON Schemas and its result's, with the
        /// named types under `input_types` (as requests are read) and `output_types` (as
        /// results are written). Each schema is a JSON Schema (2020-12) fragment whose
        /// `$ref`s point into those two maps.
        pub fn api_description() -> Value {
            let mut inputs = schemars::generate::SchemaSettings::draft2020_12()
                .for_deserialize()
                .into_generator();
            let mut outputs = schemars::generate::SchemaSettings::draft2020_12()
                .for_serialize()
                .into_generator();
            let commands = vec![$(
                json!({
                    "name": stringify!($method),
                    "args": [$($(
                        json!({"name": stringify!($arg), "schema": inputs.subschema_for::<$ty>()}),
                    )*)?],
                    "result": outputs.subschema_for::<$ret>(),
                }),
            )*];
            json!({
                "commands": commands,
                "input_types": inputs.take_definitions(true),
                "output_types": outputs.take_definitions(true),
            })
        }
    };
}

requests! {
    CreatePlan { new: NewPlan } => create_plan(new) -> CarePlan;
    AddPlanItem { plan: PlanId, spec: PlanItemSpec } => add_plan_item(plan, spec) -> PlanItemOutcome;
    ChangePlanItem { item: PlanItemId, spec: PlanItemSpec } => change_plan_item(item, spec) -> PlanItemOutcome;
    SplitPlanItem { item: PlanItemId, from: NaiveDate, spec: PlanItemSpec } => split_plan_item(item, from, spec) -> SplitOutcome;
    ClientCalendar { file: ClientFileId, from: NaiveDate, to: NaiveDate } => client_calendar(file, from, to) -> Vec<CalendarVisit>;
    WorkerCalendar { worker: WorkerId, from: NaiveDate, to: NaiveDate } => worker_calendar(worker, from, to) -> Vec<CalendarVisit>;
    MoveVisit { visit: VisitId, new_start: DateTime<Utc> } => move_visit(visit, new_start) -> VisitChange;
    CancelVisit { visit: VisitId, reason: String } => cancel_visit(visit, reason) -> Visit;
    MarkDone { visit: VisitId, report: DoneReport } => mark_done(visit, report) -> ServiceLogEntry;
    MarkNotDone { visit: VisitId, reason: Option<NotDoneReason>, text: String } => mark_not_done(visit, reason, text) -> Visit;
    AddLogEntry { new: NewLogEntry } => add_log_entry(new) -> ServiceLogEntry;
    ServiceLog { file: ClientFileId, from: NaiveDate, to: NaiveDate } => service_log(file, from, to) -> Vec<ServiceLogEntry>;
    MissedVisits { provider: OrganizationId, domain: Domain, threshold_minutes: u32 } => missed_visits(provider, domain, threshold_minutes) -> Vec<Visit>;
    WorkerReport { worker: WorkerId, from: NaiveDate, to: NaiveDate } => worker_report(worker, from, to) -> Vec<ServiceLogEntry>;
    MonthlyReport { provider: OrganizationId, domain: Domain, year: i32, month: u32 } => monthly_report(provider, domain, year, month) -> MonthlyReport;
    FindClient { query: ClientQuery } => find_client(query) -> Vec<FileSummary>;
    EnterApplication { new: NewApplication } => enter_application(new) -> Application;
    DecideApplication { new: NewDecision } => decide_application(new) -> CaseDecision;
    Applications { file: ClientFileId } => applications(file) -> Vec<Application>;
    Decisions { file: ClientFileId } => decisions(file) -> Vec<CaseDecision>;
    RegisterClient { file: ClientFileId } => register_client(file) -> Membership;
    AssignWorker { file: ClientFileId, worker: WorkerId, general_contact: ContactPoint } => assign_worker(file, worker, general_contact) -> ClientCard;
    EnterReferral { new: NewReferral } => enter_referral(new) -> Referral;
    RegisterReferral { referral: ReferralId } => register_referral(referral) -> (ClientFile, Referral);
    RejectReferral { referral: ReferralId, reason: String } => reject_referral(referral, reason) -> Referral;
    PrepareContract { file: ClientFileId, provider: OrganizationId, service: ServiceKind } => prepare_contract(file, provider, service) -> Contract;
    ConcludeContract { contract: ContractId, on: NaiveDate } => conclude_contract(contract, on) -> Contract;
    TerminateContract { contract: ContractId, last_day: NaiveDate, reason: String } => terminate_contract(contract, last_day, reason) -> (Contract, TerminationEffects);
    Contracts { file: ClientFileId } => contracts(file) -> Vec<Contract>;
    RecordAssessment { new: NewAssessment } => record_assessment(new) -> Assessment;
    Assessments { file: ClientFileId } => assessments(file) -> Vec<Assessment>;
    RecordDeath { person: PersonId, date: NaiveDate, source: String } => record_death(person, date, source) -> DeathEffects;
    VoidDeath { person: PersonId, reason: String } => void_death(person, reason) -> Compensation;
    CorrectDeathDate { person: PersonId, date: NaiveDate, reason: String } => correct_death_date(person, date, reason) -> (Compensation, DeathEffects);
    ImportNotices { batch: NoticeBatch } => import_notices(batch) -> ImportReport;
    RegisterOrganization { new: NewOrganization } => register_organization(new) -> Organization;
    RegisterWorker { new: NewWorker } => register_worker(new) -> Worker;
    RecordEmploymentEnd { worker: WorkerId, last_day: NaiveDate } => record_employment_end(worker, last_day) -> EmploymentEnd;
    ComplianceBreaches { organization: OrganizationId } => compliance_breaches(organization) -> Vec<ComplianceBreach>;
    RecordDisclosure { new: NewDisclosure } => record_disclosure(new) -> Disclosure;
    FileOfCode { code: crate::person::PersonalCode } => file_of_code(code) -> ClientFileId;
    AccessLog { file: ClientFileId } => access_log(file) -> Vec<AccessLogLine>;
    SetRestriction { file: ClientFileId, entry: Option<crate::ids::EntryId>, basis: String, valid_until: NaiveDate } => set_restriction(file, entry, basis, valid_until) -> crate::file::AccessRestriction;
    LiftRestriction { file: ClientFileId, restriction: crate::ids::RestrictionId, reason: String } => lift_restriction(file, restriction, reason) -> crate::file::AccessRestriction;
    RegisterPerson { new: NewPerson } => register_person(new) -> Person;
    OpenClientFile { client: PersonId, card: NewCard } => open_client_file(client, card) -> ClientFile;
    ClientFile { file: ClientFileId } => client_file(file) -> ClientFileView;
    ClientCard { file: ClientFileId } => client_card(file) -> ClientCard;
    UpdateGoodToKnow { file: ClientFileId, text: String } => update_good_to_know(file, text) -> ClientCard;
    SetCardProvider { file: ClientFileId, provider: CardProvider } => set_card_provider(file, provider) -> ClientCard;
    AddMember { new: NewMembership } => add_member(new) -> Membership;
    EndMembership { membership: MembershipId, last_day: NaiveDate } => end_membership(membership, last_day) -> Membership;
    Network { file: ClientFileId } => network(file) -> Vec<Membership>;
    GrantSubstitution { new: NewSubstitution } => grant_substitution(new) -> Substitution;
    AddEntry { new: NewEntry } => add_entry(new) -> Entry;
    Entries { file: ClientFileId } => entries(file) -> Vec<Entry>;
    Inbox => inbox() -> Vec<Notification>;
    MarkNotification { id: NotificationId, state: NotificationState } => mark_notification(id, state) -> Notification;
    NotifyNetwork { file: ClientFileId, audience: Audience, text: String } => notify_network(file, audience, text) -> Vec<Notification>;
    Bootstrap { municipality: NewOrganization, admin: NewAdministrator } => bootstrap(municipality, admin) -> (Organization, Worker);
    VerifyAudit { checkpoint: Option<Checkpoint> } => verify_audit(checkpoint.as_ref()) -> VerifyReport;
    AuditCheckpoint => audit_checkpoint() -> Checkpoint;
    ReportingDeadlines { provider: OrganizationId, from: NaiveDate, to: NaiveDate } => reporting_deadlines(provider, from, to) -> Vec<ReportDue>;
    SubmitReport { provider: OrganizationId, kind: ReportKind } => submit_report(provider, kind) -> ReportSubmission;
    RetentionDue { on: NaiveDate } => retention_due(on) -> Vec<DueRecord>;
    SetHold { scope: HoldScope, basis: String, until: Option<NaiveDate> } => set_hold(scope, basis, until) -> Hold;
    Holds => holds() -> Vec<Hold>;
    LiftHold { hold: HoldId } => lift_hold(hold) -> Hold;
    DraftDestructionAct { new: NewDestructionAct } => draft_destruction_act(new) -> DestructionAct;
    ApproveDestructionAct { act: DestructionActId } => approve_destruction_act(act) -> DestructionAct;
    ExecuteDestructionAct { act: DestructionActId } => execute_destruction_act(act) -> DestructionAct;
    HomeView => home_view() -> HomeView;
    ClientHome { file: ClientFileId } => client_home(file) -> ClientHome;
    CheckServices { query: ClientQuery } => check_services(query) -> ServiceCheck;
    NotifyUnserved { patient: ClientQuery, text: String } => notify_unserved(patient, text) -> usize;
    SendDischarge { file: ClientFileId, text: String } => send_discharge(file, text) -> usize;
}

fn out<T: Serialize>(r: TehoResult<T>) -> TehoResult<Value> {
    r.and_then(|v| {
        serde_json::to_value(v).map_err(|e| TehoError::Internal {
            message: format!("encoding a result: {e}"),
        })
    })
}

impl<S: Store> ClientFiles<S> {
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
    ) -> TehoResult<Vec<TehoResult<Value>>> {
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
