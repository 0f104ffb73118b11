//! Notifications (teavitused) between network members and from the system: each to one
//! recipient, optionally about a client file so the recipient can go straight to it
//! (if still authorized).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientFileId, NotificationId, PersonId, WorkerId};

/// Who receives a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Recipient {
    /// A worker, by employment.
    Worker(WorkerId),
    /// A client or a person at their side.
    Person(PersonId),
}

impl std::fmt::Display for Recipient {
    /// `worker:<id>` or `person:<id>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Worker(w) => write!(f, "worker:{w}"),
            Recipient::Person(p) => write!(f, "person:{p}"),
        }
    }
}

/// What a notification is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum NotificationKind {
    /// A departed worker's access was terminated after the statutory deadline (seed
    /// `002_b4b88f78f180845d.txt` §7(2)3); sent to the organisation's administrators.
    ComplianceBreach {
        /// The departed worker.
        worker: WorkerId,
    },
    /// A worker was added to a client's network.
    AddedToNetwork,
    /// A worker moved a visit in their calendar (seed 000: "Muutmise info läheb
    /// hooldusjuhile teavitusena"), with before and after.
    VisitMoved {
        /// The visit.
        visit: crate::ids::VisitId,
        /// Planned start before.
        before: chrono::DateTime<Utc>,
        /// Planned start after.
        after: chrono::DateTime<Utc>,
    },
    /// A worker cancelled one visit.
    VisitCancelled {
        /// The visit.
        visit: crate::ids::VisitId,
    },
    /// A visit was marked not done, with its reason.
    VisitNotDone {
        /// The visit.
        visit: crate::ids::VisitId,
        /// The coded reason.
        reason: crate::log::NotDoneReason,
    },
    /// A message from a member of the client's network (or the client).
    Message {
        /// Who sent it: name and role, as shown to the recipient.
        from: String,
    },
    /// A client was directed to the recipient's service by a positive decision.
    ClientDirected {
        /// The service.
        service: crate::case::ServiceKind,
    },
    /// The recipient was assigned to a client on the card.
    AssignedToClient,
    /// Another worker was assigned to the recipient's client.
    UnassignedFromClient,
    /// The recipient's referral was registered for home nursing.
    ReferralRegistered,
    /// The recipient's referral was rejected.
    ReferralRejected,
    /// A hospital or care-home social worker found that nobody serves a patient.
    PatientWithoutServices,
    /// Discharge information from a hospital or care home.
    Discharge,
    /// The client has died (from the population register or recorded by hand).
    ClientDeceased {
        /// Date of death.
        date: chrono::NaiveDate,
    },
    /// A death notice was voided or its date corrected.
    DeathCorrected,
    /// The client's disability severity ends on the date (seed 000, care worker TO-BE).
    DisabilitySeverityEnding {
        /// The date.
        date: chrono::NaiveDate,
    },
    /// A departing worker's future visits are unassigned and need a new worker (seed
    /// 004 annex 7 §3).
    VisitsToReassign {
        /// The departing worker.
        worker: WorkerId,
        /// How many visits of this client.
        count: usize,
    },
    /// A substitution was granted to the recipient.
    SubstitutionGranted {
        /// The absent worker.
        substituted: WorkerId,
    },
}

/// A notification in someone's inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    /// Id in TEHO.
    pub id: NotificationId,
    /// Who receives it.
    pub recipient: Recipient,
    /// The client file it is about, if any.
    pub about: Option<ClientFileId>,
    /// What it is about.
    pub kind: NotificationKind,
    /// Human-readable text (no personal codes).
    pub text: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Unread, read or acknowledged.
    pub state: NotificationState,
    /// When the state last changed.
    pub state_changed_at: Option<DateTime<Utc>>,
}

/// Where a notification stands for its recipient; it only moves forward.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum NotificationState {
    /// Not opened yet.
    Unread,
    /// Opened.
    Read,
    /// Acknowledged: the recipient has taken it in hand.
    Acknowledged,
}

/// Whom a message goes to within a client's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Audience {
    /// One member of the network, or the client.
    Member(Recipient),
    /// Every current member in a role (e.g. all care workers of the client).
    Role(crate::org::Role),
    /// The whole network and the client.
    Network,
}
