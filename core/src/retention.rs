//! Retention and destruction (`DOMAIN.md` rule 5; seed `002_b4b88f78f180845d.txt` §19;
//! seed `004_4e44693abfa7524a.txt`, annex 6 §4). Every record belongs to a series with a
//! retention period counted from a trigger. Nothing is destroyed before the period
//! ends, under a hold, of a series with archival value, or other than by an approved
//! destruction act that lists the records.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{
    AssessmentId, ClientFileId, DestructionActId, EntryId, HoldId, LogEntryId, VisitId, WorkerId,
};

/// What starts a retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub enum Trigger {
    /// The record's creation.
    Creation,
    /// The end of the client's case: for now, the client's death (a closed case without
    /// a death does not start it).
    EndOfCase,
    /// The client's death.
    Death,
    /// The client reaching an age.
    Age(u8),
    /// The end of the client's disability severity, as the population register reported
    /// it (seed 002 §19(2¹): kept "until the end of the disability severity").
    EndOfStatus,
}

/// A record series of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RecordSeries {
    /// Series code in the classification scheme.
    pub code: &'static str,
    /// Title.
    pub title: &'static str,
    /// Retention period in years.
    pub years: u32,
    /// What starts the period.
    pub trigger: Trigger,
    /// Legal basis of the period.
    pub legal_basis: &'static str,
    /// Archival value: never destroyed, handed to the public archive.
    pub archival: bool,
}

/// The default catalogue, from seed 002 §19 (proceeding logs 5 years after the
/// proceeding ends; base data 10 years) and seed 004 (series with archival value).
pub const CATALOGUE: &[RecordSeries] = &[
    RecordSeries {
        code: "TEHO-1.1",
        title: "Client file notes and card entries",
        years: 10,
        trigger: Trigger::EndOfCase,
        legal_basis: "STAR põhimäärus § 19 lg 4",
        archival: false,
    },
    RecordSeries {
        code: "TEHO-1.2",
        title: "Visits and the service log",
        years: 10,
        trigger: Trigger::Creation,
        legal_basis: "STAR põhimäärus § 19 lg 4",
        archival: false,
    },
    RecordSeries {
        code: "TEHO-1.3",
        title: "Assessments",
        years: 5,
        trigger: Trigger::EndOfCase,
        legal_basis: "STAR põhimäärus § 19 lg 1",
        archival: false,
    },
    RecordSeries {
        code: "TEHO-1.4",
        title: "Supervision acts",
        years: 0,
        trigger: Trigger::Creation,
        legal_basis: "Terviseameti teabehalduse kord, lisa 6",
        archival: true,
    },
    RecordSeries {
        code: "TEHO-1.5",
        title: "Disability-related records",
        years: 0,
        trigger: Trigger::EndOfStatus,
        legal_basis: "STAR põhimäärus § 19 lg 2^1",
        archival: false,
    },
];

/// A series by code.
pub fn series(code: &str) -> Option<&'static RecordSeries> {
    CATALOGUE.iter().find(|s| s.code == code)
}

/// A record that can be destroyed, by kind and id.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum RecordRef {
    /// A file entry.
    Entry(EntryId),
    /// A visit.
    Visit(VisitId),
    /// A service-log entry.
    LogEntry(LogEntryId),
    /// An assessment.
    Assessment(AssessmentId),
}

impl std::fmt::Display for RecordRef {
    /// `entry:<id>`, `visit:<id>`, `log_entry:<id>`, `assessment:<id>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordRef::Entry(id) => write!(f, "entry:{id}"),
            RecordRef::Visit(id) => write!(f, "visit:{id}"),
            RecordRef::LogEntry(id) => write!(f, "log_entry:{id}"),
            RecordRef::Assessment(id) => write!(f, "assessment:{id}"),
        }
    }
}

/// A record due for destruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DueRecord {
    /// The record.
    pub record: RecordRef,
    /// Its file.
    pub file: ClientFileId,
    /// Its series.
    pub series: String,
    /// The day its trigger happened.
    pub trigger_on: NaiveDate,
    /// The first day it may be destroyed.
    pub due_on: NaiveDate,
    /// Whether a hold covers it now.
    pub held: bool,
}

/// The first day a record may be destroyed: the trigger day plus the retention years.
pub fn due_on(trigger_on: NaiveDate, years: u32) -> NaiveDate {
    let y = trigger_on.year() + years as i32;
    NaiveDate::from_ymd_opt(y, trigger_on.month(), trigger_on.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, trigger_on.month(), 28))
        .unwrap_or(trigger_on)
}

/// What a hold covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum HoldScope {
    /// Every record of one client file.
    File(ClientFileId),
    /// Every record of one series.
    Series(String),
}

impl std::fmt::Display for HoldScope {
    /// `client_file:<id>` or `series <code>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HoldScope::File(id) => write!(f, "client_file:{id}"),
            HoldScope::Series(code) => write!(f, "series {code}"),
        }
    }
}

/// A hold (e.g. a court case, a complaint): blocks destruction of what it covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Hold {
    /// Id in TEHO.
    pub id: HoldId,
    /// What it covers.
    pub scope: HoldScope,
    /// Its basis.
    pub basis: String,
    /// Who set it.
    pub by: WorkerId,
    /// First day.
    pub from: NaiveDate,
    /// Last day, when set.
    pub until: Option<NaiveDate>,
    /// When and by whom it was lifted early.
    pub lifted: Option<(DateTime<Utc>, WorkerId)>,
}

impl Hold {
    /// In force on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.lifted.is_none() && self.from <= day && self.until.is_none_or(|u| day <= u)
    }

    /// Whether it covers a record of `file` in `series`.
    pub fn covers(&self, file: ClientFileId, series: &str) -> bool {
        match &self.scope {
            HoldScope::File(f) => *f == file,
            HoldScope::Series(s) => s == series,
        }
    }
}

/// Where a destruction act stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ActStatus {
    /// Drafted, listing its records.
    Draft,
    /// Approved by someone other than its author.
    Approved {
        /// Who approved.
        by: WorkerId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Executed: the records are destroyed.
    Executed {
        /// When.
        at: DateTime<Utc>,
    },
}

/// A destruction act (hävitamisakt) with every field of seed 004 annex 6 §4.4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DestructionAct {
    /// Id in TEHO.
    pub id: DestructionActId,
    /// Reference to the public archive's appraisal decision (§4.5.1).
    pub appraisal_reference: String,
    /// Series code in the classification scheme (§4.5.2).
    pub series: String,
    /// Series or file title (§4.5.3).
    pub title: String,
    /// Date range of the records (§4.5.4).
    pub date_from: NaiveDate,
    /// Date range of the records (§4.5.4).
    pub date_to: NaiveDate,
    /// Number of units (§4.5.5).
    pub units: usize,
    /// Retention period (§4.5.6).
    pub retention_period: String,
    /// Legal basis of the retention (§4.5.7).
    pub legal_basis: String,
    /// Method of destruction (§4.5.8).
    pub method: String,
    /// Planned time of destruction (§4.5.8).
    pub planned_on: NaiveDate,
    /// Place of destruction (§4.5.8).
    pub place: String,
    /// The records it destroys.
    pub records: Vec<(RecordRef, ClientFileId)>,
    /// Who drafted it.
    pub drafted_by: WorkerId,
    /// Status.
    pub status: ActStatus,
}

/// What a records manager supplies to draft a destruction act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDestructionAct {
    /// Reference to the public archive's appraisal decision.
    pub appraisal_reference: String,
    /// Series code.
    pub series: String,
    /// Records whose trigger day lies in this range.
    pub date_from: NaiveDate,
    /// Records whose trigger day lies in this range.
    pub date_to: NaiveDate,
    /// Method of destruction.
    pub method: String,
    /// Planned day of destruction.
    pub planned_on: NaiveDate,
    /// Place of destruction.
    pub place: String,
}
