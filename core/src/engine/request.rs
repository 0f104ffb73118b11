//! Every engine command and query as data: a [`Request`] is `{"command": "name",
//! "args": {...}}` in JSON, dispatched by [`ClientFiles::execute`] to the engine method of
//! the same name. Bindings (Python, Kotlin, WASM) and the shared scenario files use it,
//! so every host goes through the same one door with the same arguments.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::calendar::{CalendarVisit, VisitWithPlan};
use super::export::{CalendarExport, DataSubjectCopy, ExportRecipient, FhirExport};
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
use crate::store::UnitKind;

/// Declares every request once: its variant and arguments, the engine method it calls,
/// the type that method returns, whether it is a command or a query, and the name its
/// audit entries carry. From that one list come the [`Request`] enum, [`Operation`],
/// [`ClientFiles::execute`] and [`api_description`], so they cannot drift apart (a wrong
/// result type does not compile, and the door takes the kind and the audit name from
/// the [`Operation`] each method passes it).
macro_rules! requests {
    ($(
        $variant:ident $({ $($arg:ident: $ty:ty),* $(,)? })?
            => $method:ident($($call:expr),*) -> $ret:ty, $kind:ident $audit:literal;
    )*) => {
        /// Every operation of the engine, one per request and engine method.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $(
                #[doc = concat!("[`ClientFiles::", stringify!($method), "`]: ", stringify!($kind), ", audited as `", $audit, "`.")]
                $variant,
            )*
        }

        impl Operation {
            /// Every operation, in the order of the API description.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            /// Its name: the engine method's and the request's `command`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => stringify!($method),)*
                }
            }

            /// The `operation` its audit entries carry.
            pub fn audit_name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $audit,)*
                }
            }

            /// Whether it may change client files (a command) or only reads them (a
            /// query, which writes nothing but its own audit entry).
            pub fn kind(self) -> UnitKind {
                match self {
                    $(Operation::$variant => requests!(@kind $kind),)*
                }
            }
        }

        impl Request {
            /// The operation it asks for.
            pub fn operation(&self) -> Operation {
                match self {
                    $(Request::$variant { .. } => Operation::$variant,)*
                }
            }
        }

        /// One engine call as data.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "command", content = "args", rename_all = "snake_case", deny_unknown_fields)]
        pub enum Request {
            $(
                #[doc = concat!("[`ClientFiles::", stringify!($method), "`].")]
                $variant $({ $(
                    #[doc = concat!("Argument `", stringify!($arg), "`.")]
                    $arg: $ty,
                )* })?,
            )*
        }

        impl ClientFiles {
            /// Runs one request through the one door; the result as JSON. A date or
            /// instant outside [`crate::time::EARLIEST_DATE`] ..=
            /// [`crate::time::LATEST_DATE`] is refused first, as the request's shape
            /// is, naming the field.
            pub fn execute(&self, actor: &Actor, request: Request) -> TehoResult<Value> {
                self.execute_as::<AsValue>(actor, request)
            }

            /// [`ClientFiles::execute`] with the result written straight to JSON text,
            /// as the bindings' doors hand it on (no [`Value`] tree in between).
            pub fn execute_text(&self, actor: &Actor, request: Request) -> TehoResult<String> {
                self.execute_as::<AsText>(actor, request)
            }

            fn execute_as<E: Encode>(&self, actor: &Actor, request: Request) -> TehoResult<E::Out> {
                super::bounds::check(&request)?;
                match request {
                    $(
                        Request::$variant $({ $($arg),* })? => {
                            self.$method(actor, $($call),*).and_then(|v: $ret| E::encode(&v))
                        }
                    )*
                }
            }
        }

        /// The whole request API as data, for binding generators (Python, Kotlin, WASM):
        /// every command's name, whether it is a command or a query (`kind`), the name
        /// its audit entries carry (`audit_name`), its arguments' JSON Schemas and its
        /// result's, with the
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
                    "kind": stringify!($kind),
                    "audit_name": $audit,
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
    (@kind command) => { UnitKind::Command };
    (@kind query) => { UnitKind::Query };
}

requests! {
    CreatePlan { new: NewPlan } => create_plan(new) -> CarePlan, command "plan.create";
    AddPlanItem { plan: PlanId, spec: PlanItemSpec } => add_plan_item(plan, spec) -> PlanItemOutcome, command "plan.add_item";
    ChangePlanItem { item: PlanItemId, spec: PlanItemSpec } => change_plan_item(item, spec) -> PlanItemOutcome, command "plan.change_item";
    SplitPlanItem { item: PlanItemId, from: NaiveDate, spec: PlanItemSpec } => split_plan_item(item, from, spec) -> SplitOutcome, command "plan.split_item";
    ClientCalendar { file: ClientFileId, from: NaiveDate, to: NaiveDate } => client_calendar(file, from, to) -> Vec<CalendarVisit>, query "calendar.client";
    WorkerCalendar { worker: WorkerId, from: NaiveDate, to: NaiveDate } => worker_calendar(worker, from, to) -> Vec<CalendarVisit>, query "calendar.worker";
    VisitWithPlan { visit: VisitId } => visit_with_plan(visit) -> VisitWithPlan, query "visit.read";
    MoveVisit { visit: VisitId, new_start: DateTime<Utc> } => move_visit(visit, new_start) -> VisitChange, command "visit.move";
    CancelVisit { visit: VisitId, reason: String } => cancel_visit(visit, reason) -> Visit, command "visit.cancel";
    MarkDone { visit: VisitId, report: DoneReport } => mark_done(visit, report) -> ServiceLogEntry, command "visit.done";
    MarkNotDone { visit: VisitId, reason: Option<NotDoneReason>, text: String, detail: Option<String> } => mark_not_done(visit, reason, text, detail) -> Visit, command "visit.not_done";
    AddLogEntry { new: NewLogEntry } => add_log_entry(new) -> ServiceLogEntry, command "log.add";
    ServiceLog { file: ClientFileId, from: NaiveDate, to: NaiveDate } => service_log(file, from, to) -> Vec<ServiceLogEntry>, query "log.read";
    MissedVisits { provider: OrganizationId, domain: Domain, threshold_minutes: u32 } => missed_visits(provider, domain, threshold_minutes) -> Vec<Visit>, query "visits.missed";
    WorkerReport { worker: WorkerId, from: NaiveDate, to: NaiveDate } => worker_report(worker, from, to) -> Vec<ServiceLogEntry>, query "report.worker";
    MonthlyReport { provider: OrganizationId, domain: Domain, year: i32, month: u32 } => monthly_report(provider, domain, year, month) -> MonthlyReport, query "report.monthly";
    FindClient { query: ClientQuery } => find_client(query) -> Vec<FileSummary>, query "client_file.search";
    EnterApplication { new: NewApplication } => enter_application(new) -> Application, command "application.enter";
    DecideApplication { new: NewDecision } => decide_application(new) -> CaseDecision, command "application.decide";
    Applications { file: ClientFileId } => applications(file) -> Vec<Application>, query "application.list";
    Decisions { file: ClientFileId } => decisions(file) -> Vec<CaseDecision>, query "decision.list";
    RegisterClient { file: ClientFileId } => register_client(file) -> Membership, command "client.register";
    AssignWorker { file: ClientFileId, worker: WorkerId, general_contact: ContactPoint } => assign_worker(file, worker, general_contact) -> ClientCard, command "client.assign_worker";
    EnterReferral { new: NewReferral } => enter_referral(new) -> Referral, command "referral.enter";
    RegisterReferral { referral: ReferralId } => register_referral(referral) -> (ClientFile, Referral), command "referral.register";
    RejectReferral { referral: ReferralId, reason: String } => reject_referral(referral, reason) -> Referral, command "referral.reject";
    PrepareContract { file: ClientFileId, provider: OrganizationId, service: ServiceKind } => prepare_contract(file, provider, service) -> Contract, command "contract.prepare";
    ConcludeContract { contract: ContractId, on: NaiveDate } => conclude_contract(contract, on) -> Contract, command "contract.conclude";
    TerminateContract { contract: ContractId, last_day: NaiveDate, reason: String } => terminate_contract(contract, last_day, reason) -> (Contract, TerminationEffects), command "contract.terminate";
    Contracts { file: ClientFileId } => contracts(file) -> Vec<Contract>, query "contract.list";
    RecordAssessment { new: NewAssessment } => record_assessment(new) -> Assessment, command "assessment.record";
    Assessments { file: ClientFileId } => assessments(file) -> Vec<Assessment>, query "assessment.list";
    RecordDeath { person: PersonId, date: NaiveDate, source: String } => record_death(person, date, source) -> DeathEffects, command "death.record";
    VoidDeath { person: PersonId, reason: String } => void_death(person, reason) -> Compensation, command "death.void";
    CorrectDeathDate { person: PersonId, date: NaiveDate, reason: String } => correct_death_date(person, date, reason) -> (Compensation, DeathEffects), command "death.correct";
    ImportNotices { batch: NoticeBatch } => import_notices(batch) -> ImportReport, command "notices.import";
    RegisterOrganization { new: NewOrganization } => register_organization(new) -> Organization, command "organization.register";
    RegisterWorker { new: NewWorker } => register_worker(new) -> Worker, command "worker.register";
    RecordEmploymentEnd { worker: WorkerId, last_day: NaiveDate } => record_employment_end(worker, last_day) -> EmploymentEnd, command "worker.end_employment";
    ComplianceBreaches { organization: OrganizationId } => compliance_breaches(organization) -> Vec<ComplianceBreach>, query "compliance.breaches";
    RecordDisclosure { new: NewDisclosure } => record_disclosure(new) -> Disclosure, command "disclosure.record";
    FileOfCode { code: crate::person::PersonalCode } => file_of_code(code) -> ClientFileId, query "client_file.lookup";
    AccessLog { file: ClientFileId } => access_log(file) -> Vec<AccessLogLine>, query "access_log.read";
    SetRestriction { file: ClientFileId, entry: Option<crate::ids::EntryId>, basis: String, valid_until: NaiveDate } => set_restriction(file, entry, basis, valid_until) -> crate::file::AccessRestriction, command "restriction.set";
    LiftRestriction { file: ClientFileId, restriction: crate::ids::RestrictionId, reason: String } => lift_restriction(file, restriction, reason) -> crate::file::AccessRestriction, command "restriction.lift";
    RegisterPerson { new: NewPerson } => register_person(new) -> Person, command "person.register";
    OpenClientFile { client: PersonId, card: NewCard } => open_client_file(client, card) -> ClientFile, command "client_file.open";
    ClientFile { file: ClientFileId } => client_file(file) -> ClientFileView, query "client_file.read";
    ClientCard { file: ClientFileId } => client_card(file) -> ClientCard, query "client_card.read";
    UpdateGoodToKnow { file: ClientFileId, text: String } => update_good_to_know(file, text) -> ClientCard, command "client_card.update_good_to_know";
    SetCardProvider { file: ClientFileId, provider: CardProvider } => set_card_provider(file, provider) -> ClientCard, command "client_card.set_provider";
    AddMember { new: NewMembership } => add_member(new) -> Membership, command "network.add_member";
    EndMembership { membership: MembershipId, last_day: NaiveDate } => end_membership(membership, last_day) -> Membership, command "network.end_member";
    Network { file: ClientFileId } => network(file) -> Vec<Membership>, query "network.read";
    GrantSubstitution { new: NewSubstitution } => grant_substitution(new) -> Substitution, command "substitution.grant";
    AddEntry { new: NewEntry } => add_entry(new) -> Entry, command "entry.add";
    Entries { file: ClientFileId } => entries(file) -> Vec<Entry>, query "entry.list";
    Inbox => inbox() -> Vec<Notification>, query "inbox.read";
    MarkNotification { id: NotificationId, state: NotificationState } => mark_notification(id, state) -> Notification, command "inbox.mark";
    NotifyNetwork { file: ClientFileId, audience: Audience, text: String } => notify_network(file, audience, text) -> Vec<Notification>, command "inbox.send";
    Bootstrap { municipality: NewOrganization, admin: NewAdministrator } => bootstrap(municipality, admin) -> (Organization, Worker), command "system.bootstrap";
    VerifyAudit { checkpoint: Option<Checkpoint> } => verify_audit(checkpoint.as_ref()) -> VerifyReport, query "audit.verify";
    VerifyAuditSince { checkpoint: Checkpoint } => verify_audit_since(&checkpoint) -> VerifyReport, query "audit.verify_since";
    VerifyAuditDeep { checkpoint: Option<Checkpoint> } => verify_audit_deep(checkpoint.as_ref()) -> VerifyReport, query "audit.verify_deep";
    AuditCheckpoint => audit_checkpoint() -> Checkpoint, command "audit.checkpoint";
    ReportingDeadlines { provider: OrganizationId, from: NaiveDate, to: NaiveDate } => reporting_deadlines(provider, from, to) -> Vec<ReportDue>, query "report.deadlines";
    SubmitReport { provider: OrganizationId, kind: ReportKind } => submit_report(provider, kind) -> ReportSubmission, command "report.submit";
    RetentionDue { on: NaiveDate } => retention_due(on) -> Vec<DueRecord>, query "retention.due";
    SetHold { scope: HoldScope, basis: String, until: Option<NaiveDate> } => set_hold(scope, basis, until) -> Hold, command "retention.hold";
    Holds => holds() -> Vec<Hold>, query "retention.holds";
    LiftHold { hold: HoldId } => lift_hold(hold) -> Hold, command "retention.lift_hold";
    DraftDestructionAct { new: NewDestructionAct } => draft_destruction_act(new) -> DestructionAct, command "destruction.draft";
    ApproveDestructionAct { act: DestructionActId } => approve_destruction_act(act) -> DestructionAct, command "destruction.approve";
    ExecuteDestructionAct { act: DestructionActId } => execute_destruction_act(act) -> DestructionAct, command "destruction.execute";
    HomeView => home_view() -> HomeView, query "home.view";
    ClientHome { file: ClientFileId } => client_home(file) -> ClientHome, query "home.client";
    CheckServices { query: ClientQuery } => check_services(query) -> ServiceCheck, query "services.check";
    NotifyUnserved { patient: ClientQuery, text: String } => notify_unserved(patient, text) -> usize, command "services.notify_unserved";
    SendDischarge { file: ClientFileId, text: String } => send_discharge(file, text) -> usize, command "services.discharge";
    ExportClientCalendar { file: ClientFileId, from: NaiveDate, to: NaiveDate, recipient: ExportRecipient } => export_client_calendar(file, from, to, recipient) -> CalendarExport, command "calendar.export_client";
    ExportWorkerCalendar { worker: WorkerId, from: NaiveDate, to: NaiveDate, recipient: ExportRecipient } => export_worker_calendar(worker, from, to, recipient) -> CalendarExport, command "calendar.export_worker";
    ImportFhirReferral { fhir: String } => import_fhir_referral(fhir) -> Referral, command "referral.import_fhir";
    ExportFhir { file: ClientFileId, from: NaiveDate, to: NaiveDate, recipient: ExportRecipient } => export_fhir(file, from, to, recipient) -> FhirExport, command "client_file.export_fhir";
    CopyForDataSubject { file: ClientFileId, from: NaiveDate, to: NaiveDate } => copy_for_data_subject(file, from, to) -> DataSubjectCopy, query "client_file.copy_fhir";
}

/// How [`ClientFiles::execute_as`] writes a result: as a [`Value`] or as JSON text.
trait Encode {
    /// The written result.
    type Out;
    /// Writes `v`; failing is an internal error (a result type that cannot be JSON).
    fn encode<T: Serialize>(v: &T) -> TehoResult<Self::Out>;
}

/// Results as [`Value`]s ([`ClientFiles::execute`]).
struct AsValue;

/// Results as JSON text ([`ClientFiles::execute_text`]).
struct AsText;

fn encoding_failed(e: serde_json::Error) -> TehoError {
    TehoError::Internal {
        message: format!("encoding a result: {e}"),
    }
}

impl Encode for AsValue {
    type Out = Value;
    fn encode<T: Serialize>(v: &T) -> TehoResult<Value> {
        serde_json::to_value(v).map_err(encoding_failed)
    }
}

impl Encode for AsText {
    type Out = String;
    fn encode<T: Serialize>(v: &T) -> TehoResult<String> {
        serde_json::to_string(v).map_err(encoding_failed)
    }
}

impl ClientFiles {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::store::MemoryStore;
    use crate::testing::Town;
    use crate::testing::api::{Shape, requests};

    /// The two doors give the same answer to every command of the API description (made
    /// from its schemas, so a new command is covered): `execute_text`, which the bindings
    /// call, writes the very JSON `execute`'s value holds. Two towns built alike take
    /// the same calls, as people of three roles and the system.
    #[test]
    fn the_text_door_writes_what_the_value_door_returns_for_every_command() {
        let (text_town, value_town) = (
            Town::build(MemoryStore::new()),
            Town::build(MemoryStore::new()),
        );
        let actors = [
            Actor::Worker(text_town.social_worker),
            Actor::Worker(text_town.care_manager),
            Actor::Worker(text_town.admin),
            Actor::System,
        ];
        let mut answered = std::collections::BTreeSet::new();
        for (name, _, request) in requests(&text_town, Shape::Valid) {
            for actor in &actors {
                let text = text_town.engine.execute_text(actor, request.clone());
                let value = value_town.engine.execute(actor, request.clone());
                match (text, value) {
                    (Ok(text), Ok(value)) => {
                        assert_eq!(
                            serde_json::from_str::<Value>(&text).unwrap(),
                            value,
                            "{name} as {actor:?}"
                        );
                        answered.insert(name.clone());
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string(), "{name} as {actor:?}")
                    }
                    (a, b) => panic!("{name} as {actor:?}: {a:?} against {b:?}"),
                }
            }
        }
        // Most commands answer someone (the rest refuse all four: they need a client or a
        // relative, or arguments the smallest instance does not make valid).
        assert!(
            answered.len() * 2 > Operation::ALL.len(),
            "only {} commands answered: {answered:?}",
            answered.len()
        );
    }
}
