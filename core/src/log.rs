//! The service log (teenuste logi): everything the network did for the client, written
//! automatically when a visit is marked done, and by hand when needed — including for
//! an unplanned visit (seed `000_19cdf6fb7baf56d8.txt`, "põhimõisted"; care worker and
//! home nurse TO-BE). Visits not done carry a mandatory reason that reaches the domain's
//! manager and that the client and relatives see.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::file::DomainDetail;
use crate::ids::{ClientFileId, LogEntryId, OrganizationId, VisitId, WorkerId};
use crate::org::Domain;
use crate::plan::PlannedAction;

/// One entry of the service log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceLogEntry {
    /// Id in TEHO.
    pub id: LogEntryId,
    /// The client file.
    pub file: ClientFileId,
    /// The visit it records, if planned.
    pub visit: Option<VisitId>,
    /// Who did it.
    pub worker: WorkerId,
    /// For which provider.
    pub provider: Option<OrganizationId>,
    /// Domain.
    pub domain: Domain,
    /// What was done.
    pub action: PlannedAction,
    /// Planned start, for a planned visit.
    pub planned_start: Option<DateTime<Utc>>,
    /// Planned end, for a planned visit.
    pub planned_end: Option<DateTime<Utc>>,
    /// Actual start.
    pub actual_start: DateTime<Utc>,
    /// Actual end.
    pub actual_end: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// Optional detail visible only to the domain (seed 000: "nähtav ainult valdkonna
    /// rollidele"); redacted for everyone else.
    pub detail: Option<DomainDetail>,
    /// Written by hand rather than by marking a visit done.
    pub manual: bool,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
}

/// Why a visit was not done: a code, and free text (required for `Other`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum NotDoneReason {
    /// The client was not at home.
    ClientNotAtHome,
    /// The client is in hospital.
    ClientInHospital,
    /// The client refused.
    ClientRefused,
    /// The worker was ill.
    WorkerIll,
    /// No access to the home.
    NoAccessToHome,
    /// The client has died.
    ClientDeceased,
    /// Anything else; the text is required.
    Other,
}

/// The record of a visit not done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotDone {
    /// The coded reason.
    pub reason: NotDoneReason,
    /// Free text (may be empty unless the reason is `Other`).
    pub text: String,
    /// Who recorded it.
    pub by: WorkerId,
    /// When.
    pub at: DateTime<Utc>,
    /// The worker's comment for their own domain only (seed `000_19cdf6fb7baf56d8.txt`,
    /// home nurse TO-BE: comments before logging are seen by the nursing domain alone);
    /// none for the client, relatives and other domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<DomainDetail>,
}

/// Actual times and an optional domain-only detail when marking a visit done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneReport {
    /// Actual start; the planned start when not given.
    pub actual_start: Option<DateTime<Utc>>,
    /// Actual end; the planned end (or start plus planned length) when not given.
    pub actual_end: Option<DateTime<Utc>>,
    /// Detail visible only to the worker's domain.
    pub detail: Option<String>,
}

/// A service-log entry written by hand, e.g. for an unplanned visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLogEntry {
    /// The client file.
    pub file: ClientFileId,
    /// What was done.
    pub action: PlannedAction,
    /// Actual start.
    pub actual_start: DateTime<Utc>,
    /// Actual end.
    pub actual_end: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// Detail visible only to the author's domain.
    pub detail: Option<String>,
}
