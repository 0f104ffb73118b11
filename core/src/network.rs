//! The service network (teenusevõrgustik): everyone serving one client — home nurse,
//! nursing manager, care worker, care manager, social worker, and as needed a
//! physiotherapist or relatives (seed `000_19cdf6fb7baf56d8.txt`, "põhimõisted").
//! Membership is dated: a member sees the client only while a member (assignment until
//! contract end). A substitute stands in for an absent worker for a period (seed
//! `004_4e44693abfa7524a.txt`, annex 7 §1).

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, SubstitutionId, WorkerId};
use crate::org::{Domain, Role};
use crate::time::within_days;

/// Who a network member is: a worker (in one employment) or a person at the client's
/// side (relative, guardian, informal carer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Member {
    /// A worker, by employment.
    Worker(WorkerId),
    /// A relative, guardian or informal carer.
    Person(PersonId),
}

/// One membership of a client's service network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Membership {
    /// Id in TEHO.
    pub id: MembershipId,
    /// The client file whose network this is.
    pub file: ClientFileId,
    /// The member.
    pub member: Member,
    /// The member's role in this network (a worker's is their employment role).
    pub role: Role,
    /// The provider the member serves for, for workers.
    pub provider: Option<OrganizationId>,
    /// First day of membership (Tallinn).
    pub valid_from: NaiveDate,
    /// Last day of membership (Tallinn), open while `None`.
    pub valid_until: Option<NaiveDate>,
}

impl Membership {
    /// The member's domain, from the role.
    pub fn domain(&self) -> Domain {
        self.role.domain()
    }

    /// A member sees the client only while a member at that instant (seed
    /// `000_19cdf6fb7baf56d8.txt`, "teenusevõrgustik"; `DOMAIN.md` rule 1).
    pub fn active_at(&self, at: DateTime<Utc>) -> bool {
        within_days(at, self.valid_from, self.valid_until)
    }
}

/// What a caller supplies to add a member to a client's network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMembership {
    /// The client file.
    pub file: ClientFileId,
    /// The new member.
    pub member: Member,
    /// For a person: Relative, Guardian or InformalCarer. For a worker it must equal
    /// the worker's role (or be omitted).
    pub role: Option<Role>,
    /// First day.
    pub valid_from: NaiveDate,
    /// Last day, when known (contract or referral end).
    pub valid_until: Option<NaiveDate>,
}

/// A substitution (asendamine): `substitute` receives the absent `substituted` worker's
/// clients for `from ..= until` (seed `004_4e44693abfa7524a.txt`, annex 7 §1). It
/// carries no right to pass the clients on: a substitute cannot re-delegate or extend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Substitution {
    /// Id in TEHO.
    pub id: SubstitutionId,
    /// The worker standing in.
    pub substitute: WorkerId,
    /// The absent worker.
    pub substituted: WorkerId,
    /// First day (Tallinn).
    pub from: NaiveDate,
    /// Last day (Tallinn).
    pub until: NaiveDate,
    /// The manager who granted it.
    pub granted_by: WorkerId,
    /// When it was granted.
    pub granted_at: DateTime<Utc>,
}

impl Substitution {
    /// A substitute acts only within the substitution period.
    pub fn active_at(&self, at: DateTime<Utc>) -> bool {
        within_days(at, self.from, Some(self.until))
    }
}

/// What a caller supplies to grant a substitution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubstitution {
    /// The worker standing in.
    pub substitute: WorkerId,
    /// The absent worker.
    pub substituted: WorkerId,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub until: NaiveDate,
}
