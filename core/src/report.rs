//! Reporting duties of providers (seed `002_b4b88f78f180845d.txt` §15): a social service
//! provider reports the services provided by the 10th of the following month (§15(3)); a
//! provider of general care outside the home reports the start and the end of a service
//! within 14 calendar days (§15(4)).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ContractId, OrganizationId, WorkerId};

/// Which report is due.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ReportKind {
    /// Services provided in a month (§15(3)).
    Monthly {
        /// Year.
        year: i32,
        /// Month, 1–12.
        month: u32,
    },
    /// The start of general care outside the home under a contract (§15(4)).
    CareHomeStart {
        /// The contract.
        contract: ContractId,
    },
    /// The end of general care outside the home under a contract (§15(4)).
    CareHomeEnd {
        /// The contract.
        contract: ContractId,
    },
}

impl ReportKind {
    /// The key a submission is stored under.
    pub fn key(&self, provider: OrganizationId) -> String {
        match self {
            ReportKind::Monthly { year, month } => format!("{provider}|monthly|{year}-{month:02}"),
            ReportKind::CareHomeStart { contract } => format!("{provider}|start|{contract}"),
            ReportKind::CareHomeEnd { contract } => format!("{provider}|end|{contract}"),
        }
    }
}

impl std::fmt::Display for ReportKind {
    /// `monthly 2026-10`, `care home start contract:<id>`, `care home end contract:<id>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportKind::Monthly { year, month } => write!(f, "monthly {year}-{month:02}"),
            ReportKind::CareHomeStart { contract } => {
                write!(f, "care home start contract:{contract}")
            }
            ReportKind::CareHomeEnd { contract } => write!(f, "care home end contract:{contract}"),
        }
    }
}

/// A report that was submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportSubmission {
    /// The provider.
    pub provider: OrganizationId,
    /// Which report.
    pub kind: ReportKind,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// By whom.
    pub by: WorkerId,
}

/// One reporting duty with its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportDue {
    /// Which report.
    pub kind: ReportKind,
    /// The last day to report.
    pub deadline: NaiveDate,
    /// When it was submitted, if it was.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Past its deadline and not submitted.
    pub overdue: bool,
}

/// The deadline of a monthly report: the 10th of the following month (§15(3)).
pub fn monthly_deadline(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 10)
}

/// The deadline of a care-home start or end report: 14 calendar days after (§15(4)).
pub fn care_home_deadline(event: NaiveDate) -> NaiveDate {
    event + Duration::days(14)
}

/// The months (year, month) from `from` to `to`, inclusive.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push((y, m));
        if m == 12 {
            y += 1;
            m = 1;
        } else {
            m += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_the_10th_of_the_next_month_and_14_days() {
        assert_eq!(
            monthly_deadline(2026, 11),
            NaiveDate::from_ymd_opt(2026, 12, 10)
        );
        assert_eq!(
            monthly_deadline(2026, 12),
            NaiveDate::from_ymd_opt(2027, 1, 10)
        );
        assert_eq!(
            care_home_deadline(NaiveDate::from_ymd_opt(2026, 12, 20).unwrap()).to_string(),
            "2027-01-03"
        );
        assert_eq!(
            months(
                NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
                NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()
            ),
            [(2026, 11), (2026, 12), (2027, 1)]
        );
    }
}
