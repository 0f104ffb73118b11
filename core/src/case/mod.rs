//! The case from application to service (seed `000_19cdf6fb7baf56d8.txt`, TO-BE of the
//! social worker, care manager and nursing manager): applications and decisions (every
//! application is entered, negative decisions too, and never deleted), directions to a
//! provider, referrals for home nursing, contracts, assessments and supervision acts.

pub mod icf;
pub mod instruments;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{
    ApplicationId, AssessmentId, ClientFileId, ContractId, DecisionId, OrganizationId, PersonId,
    ReferralId, WorkerId,
};
use crate::org::Domain;
pub use icf::{IcfCode, IcfError};
pub use instruments::{AnswerValue, Instrument, ItemKind, LifeDomain};

/// A service a person applies for or is directed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ServiceKind {
    /// Home care (koduteenus), a municipal social service.
    HomeCare,
    /// Home nursing (koduõendus), health care on a referral.
    HomeNursing,
    /// General care outside the home (väljaspool kodu osutatav üldhooldusteenus).
    GeneralCareOutsideHome,
    /// Any other service (alarm button, physiotherapy, activities).
    Other,
}

impl ServiceKind {
    /// The domain whose workers provide it.
    pub fn domain(self) -> Domain {
        match self {
            ServiceKind::HomeCare | ServiceKind::GeneralCareOutsideHome => Domain::Care,
            ServiceKind::HomeNursing => Domain::Nursing,
            ServiceKind::Other => Domain::Other,
        }
    }
}

/// An application (taotlus), entered whatever its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Application {
    /// Id in TEHO.
    pub id: ApplicationId,
    /// The client file.
    pub file: ClientFileId,
    /// Who applied (the client, or a relative or guardian for them).
    pub applicant: PersonId,
    /// The service asked for.
    pub service: ServiceKind,
    /// When it was submitted.
    pub submitted_on: NaiveDate,
    /// Who entered it.
    pub entered_by: WorkerId,
    /// When.
    pub entered_at: DateTime<Utc>,
}

/// What a social worker supplies to enter an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// The client file.
    pub file: ClientFileId,
    /// The applicant; the client when `None`.
    pub applicant: Option<PersonId>,
    /// The service asked for.
    pub service: ServiceKind,
    /// When it was submitted.
    pub submitted_on: NaiveDate,
}

/// Positive or negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum DecisionOutcome {
    /// The service is granted.
    Positive,
    /// The service is refused.
    Negative,
}

/// A decision on an application (otsus); never deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaseDecision {
    /// Id in TEHO.
    pub id: DecisionId,
    /// The application decided.
    pub application: ApplicationId,
    /// The client file.
    pub file: ClientFileId,
    /// The service.
    pub service: ServiceKind,
    /// Positive or negative.
    pub outcome: DecisionOutcome,
    /// The reasons.
    pub reasons: String,
    /// The legal basis (e.g. "SHS § 20").
    pub legal_basis: String,
    /// The provider the client is directed to (positive decisions).
    pub provider: Option<OrganizationId>,
    /// Who decided.
    pub decided_by: WorkerId,
    /// When.
    pub decided_on: NaiveDate,
}

/// What a social worker supplies to decide an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// The application.
    pub application: ApplicationId,
    /// Positive or negative.
    pub outcome: DecisionOutcome,
    /// The reasons, non-empty.
    pub reasons: String,
    /// The legal basis, non-empty.
    pub legal_basis: String,
    /// For a positive decision: the chosen provider (required).
    pub provider: Option<OrganizationId>,
    /// Decision date.
    pub decided_on: NaiveDate,
}

/// A client directed to a provider, by a positive decision or a registered referral: the
/// provider's managers of that domain may view the file, edit the card and register the
/// client (seed 000, care manager TO-BE: "Teavituselt uue kliendi kohta ...").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Direction {
    /// The provider.
    pub provider: OrganizationId,
    /// The domain of the service.
    pub domain: Domain,
    /// From.
    pub from: NaiveDate,
    /// Until (the contract's termination), when ended.
    pub until: Option<NaiveDate>,
}

/// Where a referral stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReferralStatus {
    /// Entered, not yet acted on.
    Entered,
    /// The patient is registered for home nursing in this file.
    Registered {
        /// The file home nursing runs in.
        file: ClientFileId,
    },
    /// Rejected, with the reason.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// Where a referral came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReferralSource {
    /// From the health information system (TIS), with its document id.
    HealthInformationSystem {
        /// The TIS document id.
        document_id: String,
    },
    /// Typed in from paper.
    Paper,
}

/// A referral letter for home nursing (suunamiskiri).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Referral {
    /// Id in TEHO.
    pub id: ReferralId,
    /// The patient.
    pub patient: PersonId,
    /// The nursing provider it was sent to.
    pub provider: OrganizationId,
    /// Source.
    pub source: ReferralSource,
    /// Start date.
    pub start: NaiveDate,
    /// End date, when known.
    pub end: Option<NaiveDate>,
    /// The referring doctor's name.
    pub doctor_name: String,
    /// The referring doctor as a TEHO worker, when they are one (to notify).
    pub doctor: Option<WorkerId>,
    /// Status.
    pub status: ReferralStatus,
    /// Who entered it.
    pub entered_by: WorkerId,
    /// When.
    pub entered_at: DateTime<Utc>,
}

/// What a nursing manager supplies to enter a referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferral {
    /// The patient (registered as a person first).
    pub patient: PersonId,
    /// Source.
    pub source: ReferralSource,
    /// Start date.
    pub start: NaiveDate,
    /// End date, when known.
    pub end: Option<NaiveDate>,
    /// Referring doctor's name.
    pub doctor_name: String,
    /// Referring doctor as a TEHO worker, if they are one.
    pub doctor: Option<WorkerId>,
}

/// Where a contract stands: prepared → concluded → terminated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ContractStatus {
    /// Drafted.
    Prepared,
    /// Signed, in force from `concluded_on`.
    Concluded,
    /// Ended on `terminated_on`, with a reason.
    Terminated,
}

/// A service contract (leping) between the client and a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Contract {
    /// Id in TEHO.
    pub id: ContractId,
    /// The client file.
    pub file: ClientFileId,
    /// The provider.
    pub provider: OrganizationId,
    /// The service.
    pub service: ServiceKind,
    /// Status.
    pub status: ContractStatus,
    /// Prepared on.
    pub prepared_on: NaiveDate,
    /// Concluded on.
    pub concluded_on: Option<NaiveDate>,
    /// Last day, when terminated.
    pub terminated_on: Option<NaiveDate>,
    /// Why it was terminated.
    pub termination_reason: Option<String>,
    /// Who prepared it.
    pub prepared_by: WorkerId,
}

/// What terminating a contract ended (nothing is deleted; everything is dated).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TerminationEffects {
    /// Memberships of the provider's workers that now end on the last day.
    pub memberships_ended: Vec<crate::ids::MembershipId>,
    /// Plan items of the provider that now end on the last day.
    pub plan_items_ended: Vec<crate::ids::PlanItemId>,
    /// The provider's planned visits after the last day, now superseded.
    pub visits_ended: Vec<crate::ids::VisitId>,
}

/// An assessment made with a versioned instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    /// Id in TEHO.
    pub id: AssessmentId,
    /// The client file.
    pub file: ClientFileId,
    /// Instrument code.
    pub instrument: String,
    /// Instrument version.
    pub version: u32,
    /// The instrument's domain: who may see the assessment.
    pub domain: Domain,
    /// The answers, by item code.
    pub answers: Vec<(String, AnswerValue)>,
    /// ICF codes with qualifiers (b, d, e).
    pub icf: Vec<IcfCode>,
    /// Who assessed.
    pub author: WorkerId,
    /// When.
    pub assessed_at: DateTime<Utc>,
}

/// What an assessor supplies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// The client file.
    pub file: ClientFileId,
    /// Instrument code.
    pub instrument: String,
    /// Instrument version.
    pub version: u32,
    /// Answers by item code.
    pub answers: Vec<(String, AnswerValue)>,
    /// ICF codes as written (`d450.23`); `s` codes are refused.
    pub icf: Vec<String>,
}

/// A client file found by a search: only what is needed to tell people apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileSummary {
    /// The file.
    pub file: ClientFileId,
    /// The client.
    pub client: PersonId,
    /// The client's name.
    pub name: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
}

/// How to look for a client file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ClientQuery {
    /// By Estonian personal code.
    Code(crate::person::PersonalCode),
    /// By foreign identity document.
    Foreign {
        /// ISO country code.
        country: String,
        /// Document number.
        document_number: String,
    },
    /// By name: every word of the query must appear in the name (case-insensitive);
    /// at least three letters.
    Name(String),
}
