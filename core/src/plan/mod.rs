//! Plans: the care manager's care plan (hoolduskava) and the nursing manager's nursing
//! plan (õenduskava), each a list of planned actions — what, by whom, where, how long and
//! how often (seed `000_19cdf6fb7baf56d8.txt`, "põhimõisted"). A plan item's visits
//! appear in the client calendar and in the worker's calendar (see [`crate::calendar`]).

pub mod recurrence;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientFileId, OrganizationId, PlanId, PlanItemId, WorkerId};
use crate::org::Domain;
pub use recurrence::{Frequency, Recurrence, RecurrenceEnd, RecurrenceError};

/// A planned action: a code from the provider's service catalogue and its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedAction {
    /// Code (e.g. `HOOLD-01`, `ÕE-HAAV`).
    pub code: String,
    /// What is done ("help with washing", "wound dressing").
    pub text: String,
}

/// A care or nursing plan of one provider for one client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CarePlan {
    /// Id in TEHO.
    pub id: PlanId,
    /// The client file.
    pub file: ClientFileId,
    /// Care, Nursing or Other.
    pub domain: Domain,
    /// The provider that owns it.
    pub provider: OrganizationId,
    /// Who composed it.
    pub created_by: WorkerId,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One line of a plan: an action, its worker, place, duration and recurrence, valid for
/// a period bounded by the contract or referral end when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanItem {
    /// Id in TEHO.
    pub id: PlanItemId,
    /// The plan.
    pub plan: PlanId,
    /// The client file (the plan's).
    pub file: ClientFileId,
    /// The plan's domain.
    pub domain: Domain,
    /// The plan's provider.
    pub provider: OrganizationId,
    /// What is done.
    pub action: PlannedAction,
    /// Who does it (may be unassigned).
    pub worker: Option<WorkerId>,
    /// Where ("home", "Iru care home, room 12").
    pub place: String,
    /// How long one visit takes, in minutes.
    pub duration_minutes: u32,
    /// How often.
    pub recurrence: Recurrence,
    /// First day.
    pub valid_from: NaiveDate,
    /// Last day, when known.
    pub valid_until: Option<NaiveDate>,
}

/// What a caller supplies to create a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// The client file.
    pub file: ClientFileId,
    /// Care, Nursing or Other.
    pub domain: Domain,
    /// The provider composing it (the actor's own organisation).
    pub provider: OrganizationId,
}

/// What a caller supplies to add a plan item (or to change one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemSpec {
    /// What is done.
    pub action: PlannedAction,
    /// Who does it; a worker of the plan's provider.
    pub worker: Option<WorkerId>,
    /// Where.
    pub place: String,
    /// Minutes per visit, 1–720.
    pub duration_minutes: u32,
    /// How often.
    pub recurrence: Recurrence,
    /// First day.
    pub valid_from: NaiveDate,
    /// Last day, when known.
    pub valid_until: Option<NaiveDate>,
}
