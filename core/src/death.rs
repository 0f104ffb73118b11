//! Death (`DOMAIN.md` rule 4; seed `000_19cdf6fb7baf56d8.txt`, "Kliendi surma fakti
//! andmete saamine rahvastikuregistrist. Teenusevõrgustiku teavitamine"): the client is
//! marked deceased with the date, the whole network is notified, visits after the death
//! are cancelled (recorded ones stay as they are), contracts, memberships and plans end
//! on that date, nothing is deleted, and the clocks of retention periods that count from
//! death start. Every effect is recorded with the state it replaced, so that a void or a
//! correction of the notice compensates exactly the effects still in the future.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::file::FileStatus;
use crate::ids::{ClientFileId, ContractId, MembershipId, PersonId, PlanItemId, VisitId};
use crate::notify::Recipient;
use crate::register::{LineProblem, RegisterNotice};

/// Everything a death changed, with the state each change replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeathEffects {
    /// The client file, if the person had one.
    pub file: Option<ClientFileId>,
    /// The file's status before.
    pub file_status_before: Option<FileStatus>,
    /// Who was notified.
    pub notified: Vec<Recipient>,
    /// Planned visits after the death, now cancelled.
    pub visits_cancelled: Vec<VisitId>,
    /// Memberships ended on the date, with their previous last day.
    pub memberships_ended: Vec<(MembershipId, Option<NaiveDate>)>,
    /// Plan items ended on the date, with their previous last day.
    pub plan_items_ended: Vec<(PlanItemId, Option<NaiveDate>)>,
    /// Concluded contracts terminated on the date.
    pub contracts_terminated: Vec<ContractId>,
}

/// A recorded death and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeathRecord {
    /// The person.
    pub person: PersonId,
    /// Date of death.
    pub date: NaiveDate,
    /// The register's reference (or who reported it).
    pub source_reference: String,
    /// What the cascade did.
    pub effects: DeathEffects,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When and why it was voided, if it was.
    pub voided: Option<(DateTime<Utc>, String)>,
}

/// What voiding a death undid: only what was still in the future.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Compensation {
    /// Cancelled visits that are still ahead, planned again.
    pub visits_restored: Vec<VisitId>,
    /// Cancelled visits already in the past, left cancelled.
    pub visits_left_cancelled: Vec<VisitId>,
    /// Memberships given back their previous last day.
    pub memberships_restored: Vec<MembershipId>,
    /// Plan items given back their previous last day.
    pub plan_items_restored: Vec<PlanItemId>,
    /// Contracts concluded again.
    pub contracts_restored: Vec<ContractId>,
    /// Who was told of the correction.
    pub notified: Vec<Recipient>,
}

/// What importing register notices did, line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ImportReport {
    /// Deaths applied, by line.
    pub deaths: Vec<(usize, DeathEffects)>,
    /// Disability-severity endings notified, by line, with how many were told.
    pub disability_endings: Vec<(usize, usize)>,
    /// Lines whose notice was already imported: nothing changed.
    pub duplicates: Vec<usize>,
    /// Lines naming a person TEHO does not know, or contradicting what it knows.
    pub refused: Vec<LineProblem>,
    /// Lines that could not be read.
    pub malformed: Vec<LineProblem>,
}

impl ImportReport {
    /// Adds what a later chunk of the same input did (a file imported in chunks).
    pub fn extend(&mut self, more: ImportReport) {
        self.deaths.extend(more.deaths);
        self.disability_endings.extend(more.disability_endings);
        self.duplicates.extend(more.duplicates);
        self.refused.extend(more.refused);
        self.malformed.extend(more.malformed);
    }
}

/// A notice as received, for idempotent imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReceivedNotice {
    /// The notice.
    pub notice: RegisterNotice,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}
