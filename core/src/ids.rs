//! Identifiers: one newtype per kind of object, so a worker's id can never be passed
//! where a client file's id is expected. Ids come from the [`Ids`](crate::ports::Ids)
//! port (UUID v7 in production, so they sort by creation time; fixed in tests).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    )*};
}

id_type!(
    /// A person known to TEHO: a client, a relative, a guardian (isik).
    PersonId,
    /// An organisation: municipality, provider, hospital, supervisory authority (asutus).
    OrganizationId,
    /// One employment of a person in an organisation, in one role (töötaja).
    WorkerId,
    /// A client file (klienditoimik); for home nursing it is the nursing history.
    ClientFileId,
    /// A membership of a client's service network (teenusevõrgustik).
    MembershipId,
    /// A substitution: one worker standing in for another for a period (asendamine).
    SubstitutionId,
    /// A record in a client file (an entry with a data category and a visibility).
    EntryId,
    /// A notification to a person or worker (teavitus).
    NotificationId,
    /// A care or nursing plan (hoolduskava, õenduskava).
    PlanId,
    /// One item of a plan.
    PlanItemId,
    /// One visit in the client's and the worker's calendars.
    VisitId,
    /// One entry of the service log (teenuste logi).
    LogEntryId,
    /// An application (taotlus).
    ApplicationId,
    /// A decision on an application (otsus).
    DecisionId,
    /// A referral letter for home nursing (suunamiskiri).
    ReferralId,
    /// A service contract (leping).
    ContractId,
    /// An assessment (hindamine).
    AssessmentId,
    /// A disclosure of data to a third party (andmete väljastamine).
    DisclosureId,
    /// An access-restriction mark (juurdepääsupiirang).
    RestrictionId,
    /// A retention hold.
    HoldId,
    /// A destruction act (hävitamisakt).
    DestructionActId,
);
