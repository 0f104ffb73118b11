//! Access: the single authorization function of TEHO and the redaction it implies.
//!
//! [`authorize`] is pure: it takes the actor (with the facts the engine loaded about
//! them), the action, the target (with the client's network) and the instant, and
//! returns a [`Decision`] with its reason. The engine calls it on every command and
//! query, audits the decision, and returns data already passed through [`redact`].
//!
//! The rules, each enforced below and named in its test:
//! - network membership at that instant (seed `000_19cdf6fb7baf56d8.txt`,
//!   "teenusevõrgustik"; seed `002_b4b88f78f180845d.txt` §17(2));
//! - substitution only within its period and only for the substituted worker's clients
//!   (seed `004_4e44693abfa7524a.txt`, annex 7 §1);
//! - domain-only records and fields (seed 000, care worker and home nurse TO-BE);
//! - a category visible to one named role only: the psychiatric diagnosis, to the
//!   special-care consultant (seed `001_c07609eead185765.txt`, explanatory memo §2);
//! - employment end ends access (seed 002 §7(2)3);
//! - the provider scope (seed 002 §17(3): §8(1) points 1, 2, 11, 12);
//! - supervision reads with their purpose recorded (seed 002 §17(4));
//! - the client and the people at their side see the card, calendar, done log and
//!   not-done reasons, never domain-only notes (seed 000, client TO-BE).

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::name_of;

use crate::file::Entry;
use crate::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, SubstitutionId, WorkerId};
use crate::network::{Member, Membership, Substitution};
use crate::org::{Domain, OrganizationKind, Role};

/// What a record holds, after seed `002_b4b88f78f180845d.txt` §8(1) and the TEHO
/// concepts of seed `000_19cdf6fb7baf56d8.txt`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum DataCategory {
    /// Personal data (§8(1)1): name, code, birth date.
    Identity,
    /// Residence and contacts (§8(1)2).
    ResidenceContacts,
    /// The client card: good-to-know note and providers' contacts.
    Card,
    /// Who serves the client: the service network.
    Network,
    /// Planned visits: the client calendar.
    Calendar,
    /// Services provided (§8(1)12): the service log.
    ServiceLog,
    /// Visits not done, with their reasons.
    NotDone,
    /// Decisions directing the client to a service (§8(1)11).
    DirectingDecision,
    /// Applications and the decisions on them (procedure data).
    ApplicationDecision,
    /// Assessments (§8(1)8).
    Assessment,
    /// Case plan (§8(1)9).
    CasePlan,
    /// Special needs, disability, work capacity (§8(1)3).
    Disability,
    /// Guardianship (§8(1)5).
    Guardianship,
    /// Income (§8(1)13).
    Income,
    /// A professional note meant for the network.
    ProfessionalNote,
    /// A provider domain's own assessment: the home nurse's condition and wound
    /// questionnaires (seed 000, home nurse TO-BE); always domain-only.
    ConditionAssessment,
    /// A supervision act written by the social worker (seed 000, social worker TO-BE).
    SupervisionAct,
    /// Psychiatric diagnosis (seed 001 annex part 1, 3.18): special-care consultant only.
    PsychiatricDiagnosis,
}

impl DataCategory {
    /// Every category.
    pub const ALL: [DataCategory; 18] = [
        DataCategory::Identity,
        DataCategory::ResidenceContacts,
        DataCategory::Card,
        DataCategory::Network,
        DataCategory::Calendar,
        DataCategory::ServiceLog,
        DataCategory::NotDone,
        DataCategory::DirectingDecision,
        DataCategory::ApplicationDecision,
        DataCategory::Assessment,
        DataCategory::CasePlan,
        DataCategory::Disability,
        DataCategory::Guardianship,
        DataCategory::Income,
        DataCategory::ProfessionalNote,
        DataCategory::ConditionAssessment,
        DataCategory::SupervisionAct,
        DataCategory::PsychiatricDiagnosis,
    ];

    /// The one role that may see this category at all, if it is role-only.
    pub fn only_role(self) -> Option<Role> {
        match self {
            DataCategory::PsychiatricDiagnosis => Some(Role::SpecialCareConsultant),
            _ => None,
        }
    }
}

/// Who beyond the category scope may see a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Visibility {
    /// Every network member whose role's scope includes the category.
    Network,
    /// Only the roles of one domain (valdkonna roll).
    DomainOnly(Domain),
    /// Only one named role.
    RoleOnly(Role),
}

/// Who is acting. The acting user is an input of every engine call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Actor {
    /// A worker acting in their employment, for the client's care.
    Worker(WorkerId),
    /// A supervisor reading for state supervision, with the supervision case reference
    /// (seed `002_b4b88f78f180845d.txt` §17(4)); the purpose is recorded in the audit.
    Supervising {
        /// The supervisor's employment.
        worker: WorkerId,
        /// The supervision case or act reference.
        case_reference: String,
    },
    /// The client, or a relative, guardian or informal carer, acting as themselves.
    Person(PersonId),
    /// The operator of the installation (bootstrap, audit verification, imports).
    System,
}

impl Actor {
    /// The purpose recorded in the audit for this actor's calls.
    pub fn purpose(&self) -> String {
        match self {
            Actor::Worker(_) => "service provision".into(),
            Actor::Supervising { case_reference, .. } => format!("supervision {case_reference}"),
            Actor::Person(_) => "own or represented person's data".into(),
            Actor::System => "operation".into(),
        }
    }
}

/// What the engine knows about the actor at the instant of the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorFacts {
    /// A worker that exists in the store.
    Worker {
        /// Their employment.
        id: WorkerId,
        /// Their role.
        role: Role,
        /// Their employer.
        organization: OrganizationId,
        /// Kind of employer.
        organization_kind: OrganizationKind,
        /// First day of employment.
        employed_from: NaiveDate,
        /// Last day of employment.
        employed_until: Option<NaiveDate>,
        /// `Some` when acting for supervision, with the case reference.
        supervision: Option<String>,
    },
    /// A person that exists in the store.
    Person {
        /// Their id.
        id: PersonId,
    },
    /// The operator.
    System,
    /// An actor id the store does not know.
    Unknown,
}

/// What an action is done to, with the facts the rules need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A client's file, with its whole network and the substitutions in which the actor
    /// stands in for someone.
    Client(ClientFacts),
    /// An organisation (its workers, its compliance list).
    Organization {
        /// Its id.
        id: OrganizationId,
    },
    /// A substitution to be granted.
    Substitution {
        /// The substitute's facts.
        substitute: WorkerFacts,
        /// The absent worker's facts.
        substituted: WorkerFacts,
        /// Substitutions in which the actor is the substitute.
        actor_stands_in: Vec<Substitution>,
    },
    /// A worker (employment end).
    Worker(WorkerFacts),
    /// The installation as a whole (directory, audit chain).
    System,
    /// The actor's own inbox.
    OwnInbox,
    /// One notification, by its recipient.
    Notification {
        /// Whose it is.
        recipient: crate::notify::Recipient,
    },
}

/// The facts about a client file that access depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFacts {
    /// The file.
    pub file: ClientFileId,
    /// The client.
    pub client: PersonId,
    /// Every membership of the file's network, past and future too.
    pub network: Vec<Membership>,
    /// Substitutions in which the actor is the substitute.
    pub substitutions: Vec<Substitution>,
    /// Providers the client is directed to (positive decisions, registered referrals).
    pub directions: Vec<crate::case::Direction>,
    /// The client's date of death, once recorded.
    pub deceased_on: Option<NaiveDate>,
}

/// The facts about a worker that an action on them depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerFacts {
    /// Employment.
    pub id: WorkerId,
    /// Role.
    pub role: Role,
    /// Employer.
    pub organization: OrganizationId,
}

impl From<&crate::org::Worker> for WorkerFacts {
    fn from(w: &crate::org::Worker) -> Self {
        Self {
            id: w.id,
            role: w.role,
            organization: w.organization,
        }
    }
}

/// What the actor wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Action {
    /// Read records of a category with a visibility.
    Read(DataCategory, Visibility),
    /// Write records of a category with a visibility.
    Write(DataCategory, Visibility),
    /// Add or end a membership of the network for a provider (`None`: a person).
    ManageNetwork {
        /// Organisation the membership serves for.
        provider: Option<OrganizationId>,
    },
    /// Enter a provider's data on the card (seed 000, other provider TO-BE).
    EditCardProvider {
        /// The provider.
        provider: OrganizationId,
    },
    /// Compose or change a care, nursing or other provider's plan for the client.
    ManagePlan {
        /// The plan's domain.
        domain: Domain,
        /// The plan's provider.
        provider: OrganizationId,
    },
    /// Move or cancel one visit in the client calendar.
    ChangeVisit(VisitFacts),
    /// Mark a visit done or not done, or write a log entry.
    RecordVisit(VisitFacts),
    /// Read a worker's calendar (target: the worker).
    ReadWorkerCalendar,
    /// Read a provider's lists for a domain: missed visits, monthly report (target: the
    /// organisation).
    ReadProviderData {
        /// The domain.
        domain: Domain,
    },
    /// Prepare, conclude or terminate a contract with a provider.
    ManageContract {
        /// The provider.
        provider: OrganizationId,
    },
    /// Enter, register or reject referrals of a nursing provider (target: the provider).
    ManageReferrals,
    /// A hospital or care-home social worker's check whether and who provides services
    /// to a patient, notice to the district social worker, discharge information to the
    /// network (seed 000, "Haigla sotsiaaltöötaja näeb, kas ja kes ...").
    CheckServices,
    /// Retention: list what is due, set and lift holds, draft, approve and execute
    /// destruction acts (the municipality's records management).
    ManageRetention,
    /// Set or lift an access-restriction mark on the file.
    ManageRestrictions,
    /// Account for a disclosure of the client's data to a third party.
    RecordDisclosure,
    /// Read the list of every access to and disclosure of the file (the client or a
    /// guardian, `DOMAIN.md` rule 12).
    ReadAccessLog,
    /// Record, void or correct a client's death (the death cascade).
    RecordDeath,
    /// Import notices from the population register.
    ImportNotices,
    /// Register a person, search for or open a client file.
    OpenFile,
    /// Register an organisation.
    ManageOrganizations,
    /// Register workers of an organisation, record their employment end.
    ManageWorkers,
    /// List an organisation's compliance breaches.
    ReadCompliance,
    /// Grant a substitution.
    GrantSubstitution,
    /// Read one's own notifications.
    ReadInbox,
    /// Mark one's own notification read or acknowledged (target: its recipient).
    MarkNotification,
    /// Send a message to the client's network (seed 000: every role "saab saata ja
    /// saada teavitusi teenusevõrgustikule").
    NotifyNetwork,
    /// Verify the audit chain or take a checkpoint.
    VerifyAudit,
    /// Initialise an empty store.
    Bootstrap,
}

impl fmt::Display for Action {
    /// The action in words for messages and deny reasons: `read Calendar (Network)`,
    /// `ManagePlan`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Read(c, v) => write!(f, "read {} ({})", name_of(c), name_of(v)),
            Action::Write(c, v) => write!(f, "write {} ({})", name_of(c), name_of(v)),
            other => f.write_str(&name_of(other)),
        }
    }
}

/// The facts about a visit that changing or recording it depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct VisitFacts {
    /// The visit's domain.
    pub domain: Domain,
    /// The provider whose visit it is.
    pub provider: Option<OrganizationId>,
    /// The worker assigned to it.
    pub assigned: Option<WorkerId>,
}

/// Why an action was allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AllowBasis {
    /// A network membership active at that instant.
    Member {
        /// The membership.
        membership: MembershipId,
        /// The role it gives.
        role: Role,
    },
    /// Standing in for an absent member within the substitution period.
    Substitute {
        /// The substitution.
        substitution: SubstitutionId,
        /// The absent worker.
        for_worker: WorkerId,
    },
    /// The client's own file.
    OwnFile,
    /// The client is directed to the actor's provider, whose manager of that domain may
    /// view the file, edit the card and register the client (seed 000, care manager TO-BE).
    Directed {
        /// The provider.
        provider: OrganizationId,
    },
    /// State supervision, with the case reference.
    Supervision {
        /// Case reference.
        case_reference: String,
    },
    /// The actor's role permits this action on this organisation or installation.
    Role {
        /// The role.
        role: Role,
    },
    /// The operator.
    Operator,
}

impl fmt::Display for AllowBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowBasis::Member { role, .. } => write!(f, "network member as {}", name_of(role)),
            AllowBasis::Substitute { for_worker, .. } => {
                write!(f, "substitute for worker {for_worker}")
            }
            AllowBasis::OwnFile => write!(f, "own file"),
            AllowBasis::Directed { provider } => {
                write!(f, "client directed to provider {provider}")
            }
            AllowBasis::Supervision { case_reference } => write!(f, "supervision {case_reference}"),
            AllowBasis::Role { role } => write!(f, "role {}", name_of(role)),
            AllowBasis::Operator => write!(f, "operator"),
        }
    }
}

/// Why an action was refused; shown to the actor and recorded in the audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, JsonSchema)]
pub enum DenyReason {
    /// The actor id is not known to the store.
    #[error("unknown actor")]
    UnknownActor,
    /// The worker is not employed on that day (before start or after the last day).
    #[error("not employed on {on}")]
    NotEmployed {
        /// The Tallinn day of the call.
        on: NaiveDate,
    },
    /// No membership of this client's network at that instant, and no substitution.
    #[error("not a member of the client's network at this time")]
    NotInNetwork,
    /// A membership exists but is not active at that instant.
    #[error("membership valid {from} .. {}, not at this time", .until.map_or("open-ended".to_string(), |u| u.to_string()))]
    MembershipNotActive {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: Option<NaiveDate>,
    },
    /// A substitution exists but is not active at that instant.
    #[error("substitution valid {from} .. {until}, not at this time")]
    SubstitutionNotActive {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// The record is visible only to one domain's roles.
    #[error("visible only to the {} domain", name_of(.domain))]
    DomainOnly {
        /// That domain.
        domain: Domain,
    },
    /// The record or category is visible only to one role.
    #[error("visible only to the role {}", name_of(.role))]
    RoleOnly {
        /// That role.
        role: Role,
    },
    /// The category is outside what this role may see or write (seed 002 §17(3)).
    #[error("{} is outside the scope of the role {}", name_of(.category), name_of(.role))]
    OutsideScope {
        /// The actor's role.
        role: Role,
        /// The category asked for.
        category: DataCategory,
    },
    /// A supervisor must act for supervision, naming the case.
    #[error("a supervisor reads client data only for supervision, with a case reference")]
    SupervisionPurposeRequired,
    /// Only supervisors may act for supervision.
    #[error("only a supervisor may act for supervision")]
    NotASupervisor,
    /// This role only reads.
    #[error("the role {} may only read", name_of(.role))]
    ReadOnly {
        /// The role.
        role: Role,
    },
    /// This role may not perform this kind of action at all.
    #[error("{} may not {action}", .role.map_or_else(|| "this actor".to_string(), |r| format!("the role {}", name_of(&r))))]
    RoleNotPermitted {
        /// The role (None for persons and the operator).
        role: Option<Role>,
        /// The action, in words.
        action: String,
    },
    /// The action concerns another organisation than the actor's.
    #[error("the action concerns another organisation")]
    OtherOrganization,
    /// The action concerns another domain than the actor's.
    #[error("the action concerns the {} domain", name_of(.domain))]
    OtherDomain {
        /// The domain concerned.
        domain: Domain,
    },
    /// A substitute cannot re-delegate or extend the substitution.
    #[error("a substitute cannot re-delegate or extend a substitution")]
    SubstituteCannotDelegate,
}

/// The outcome of [`authorize`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Decision {
    /// Allowed, with the basis.
    Allow(AllowBasis),
    /// Refused, with the reason.
    Deny(DenyReason),
}

impl Decision {
    /// Whether the action is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

/// The standing of an actor towards one client at one instant: in which role, on which
/// basis, and (for supervisors) which domains they supervise.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Standing {
    role: Role,
    basis: AllowBasis,
    supervised: &'static [Domain],
    organization: Option<OrganizationId>,
}

/// Domains each supervisory body oversees: the Social Insurance Board social welfare and
/// social services (seed 002 §17(4)); the Health Board health care.
fn supervised_domains(kind: OrganizationKind) -> &'static [Domain] {
    match kind {
        OrganizationKind::SocialInsuranceBoard => &[Domain::Social, Domain::Care, Domain::Other],
        OrganizationKind::HealthBoard => &[Domain::Nursing, Domain::Health],
        _ => &[],
    }
}

/// The categories a role may read of a client it serves, for records visible to the
/// whole network. Providers get the scope of seed `002_b4b88f78f180845d.txt` §17(3)
/// (§8(1) points 1, 2, 11, 12) plus the shared TEHO working data (card, network,
/// calendar, not-done reasons); the client's side gets what seed 000 lists for them.
pub fn read_scope(role: Role) -> &'static [DataCategory] {
    use DataCategory::*;
    match role.domain() {
        Domain::Social => match role {
            Role::HospitalSocialWorker | Role::CareHomeSocialWorker => {
                &[Identity, ResidenceContacts, Network]
            }
            Role::SpecialCareConsultant => &DataCategory::ALL,
            _ => &[
                Identity,
                ResidenceContacts,
                Card,
                Network,
                Calendar,
                ServiceLog,
                NotDone,
                DirectingDecision,
                ApplicationDecision,
                Assessment,
                CasePlan,
                Disability,
                Guardianship,
                Income,
                ProfessionalNote,
                ConditionAssessment,
                SupervisionAct,
            ],
        },
        Domain::Care | Domain::Nursing | Domain::Other => &[
            Identity,
            ResidenceContacts,
            Card,
            Network,
            Calendar,
            ServiceLog,
            NotDone,
            DirectingDecision,
            ProfessionalNote,
            ConditionAssessment,
        ],
        Domain::Health => &[
            Identity,
            ResidenceContacts,
            Card,
            Network,
            Calendar,
            ServiceLog,
            NotDone,
            ProfessionalNote,
            ConditionAssessment,
        ],
        Domain::SelfCare => &[
            Identity,
            ResidenceContacts,
            Card,
            Network,
            Calendar,
            ServiceLog,
            NotDone,
        ],
        Domain::Supervision | Domain::Administration => &[],
    }
}

/// The categories a role may write about a client it serves.
pub fn write_scope(role: Role) -> &'static [DataCategory] {
    use DataCategory::*;
    match role {
        Role::SocialWorker | Role::SocialWelfareHead => &[
            Identity,
            ResidenceContacts,
            Card,
            Calendar,
            ServiceLog,
            NotDone,
            DirectingDecision,
            ApplicationDecision,
            Assessment,
            CasePlan,
            Disability,
            Guardianship,
            Income,
            ProfessionalNote,
            SupervisionAct,
        ],
        Role::SpecialCareConsultant => &[Assessment, PsychiatricDiagnosis, ProfessionalNote],
        Role::CareManager | Role::NursingManager => &[
            ResidenceContacts,
            Card,
            Calendar,
            ServiceLog,
            NotDone,
            ConditionAssessment,
            ProfessionalNote,
        ],
        Role::CareWorker
        | Role::HomeNurse
        | Role::AlarmServiceProvider
        | Role::Physiotherapist
        | Role::ActivityInstructor => &[
            Card,
            Calendar,
            ServiceLog,
            NotDone,
            ConditionAssessment,
            ProfessionalNote,
        ],
        Role::FamilyDoctor | Role::FamilyNurse => &[ProfessionalNote],
        _ => &[],
    }
}

/// Decides whether `actor` may do `action` to `target` at instant `at`, and why.
/// Pure: everything it needs is in its arguments.
pub fn authorize(
    actor: &ActorFacts,
    action: &Action,
    target: &Target,
    at: DateTime<Utc>,
) -> Decision {
    match decide(actor, action, target, at) {
        Ok(basis) => Decision::Allow(basis),
        Err(reason) => Decision::Deny(reason),
    }
}

fn decide(
    actor: &ActorFacts,
    action: &Action,
    target: &Target,
    at: DateTime<Utc>,
) -> Result<AllowBasis, DenyReason> {
    if let ActorFacts::System = actor {
        // The operator also prints a client's access log when answering the data
        // subject's request (`DOMAIN.md` rule 12); it is audited as an operation.
        return match action {
            Action::Bootstrap
            | Action::VerifyAudit
            | Action::ImportNotices
            | Action::RecordDeath
            | Action::ReadAccessLog => Ok(AllowBasis::Operator),
            other => Err(DenyReason::RoleNotPermitted {
                role: None,
                action: format!("{other} as the operator"),
            }),
        };
    }
    check_actor(actor, at)?;
    match (action, target) {
        (Action::MarkNotification, Target::Notification { recipient }) => {
            let mine = match (actor, recipient) {
                (ActorFacts::Worker { id, .. }, crate::notify::Recipient::Worker(w)) => id == w,
                (ActorFacts::Person { id }, crate::notify::Recipient::Person(p)) => id == p,
                _ => false,
            };
            if mine {
                Ok(match actor {
                    ActorFacts::Worker { role, .. } => AllowBasis::Role { role: *role },
                    _ => AllowBasis::OwnFile,
                })
            } else {
                Err(DenyReason::RoleNotPermitted {
                    role: actor_role(actor),
                    action: "change someone else's notification".into(),
                })
            }
        }
        (Action::NotifyNetwork, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            if matches!(s.basis, AllowBasis::Supervision { .. }) {
                return Err(DenyReason::ReadOnly { role: s.role });
            }
            Ok(s.basis)
        }
        (Action::ReadInbox, Target::OwnInbox) => Ok(match actor {
            ActorFacts::Worker { role, .. } => AllowBasis::Role { role: *role },
            _ => AllowBasis::OwnFile,
        }),
        (Action::Read(category, visibility), Target::Client(c)) => {
            any_standing(actor, c, at, |s| {
                record_rules(s, *category, *visibility, false)
            })
        }
        (Action::Write(category, visibility), Target::Client(c)) => {
            any_standing(actor, c, at, |s| {
                record_rules(s, *category, *visibility, true)
            })
        }
        (Action::ManagePlan { domain, provider }, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            // The care manager composes the care plan, the nursing manager the nursing
            // plan, another provider its own activities (seed 000, TO-BE) — each for
            // their own organisation.
            let composes = match domain {
                Domain::Care => s.role == Role::CareManager,
                Domain::Nursing => s.role == Role::NursingManager,
                Domain::Other => s.role.domain() == Domain::Other,
                _ => false,
            };
            if s.role.domain() != *domain {
                return Err(DenyReason::OtherDomain { domain: *domain });
            }
            if !composes {
                return Err(DenyReason::RoleNotPermitted {
                    role: Some(s.role),
                    action: "compose a plan".into(),
                });
            }
            if s.organization != Some(*provider) {
                return Err(DenyReason::OtherOrganization);
            }
            Ok(s.basis)
        }
        (Action::ChangeVisit(v) | Action::RecordVisit(v), Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            visit_rules(actor, &s, v, matches!(action, Action::RecordVisit(_)))
        }
        (Action::ManageRestrictions, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            match s.role {
                Role::SocialWorker
                | Role::SocialWelfareHead
                | Role::CareManager
                | Role::NursingManager
                    if !matches!(s.basis, AllowBasis::Supervision { .. }) =>
                {
                    Ok(s.basis)
                }
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "set or lift access restrictions".into(),
                }),
            }
        }
        (Action::RecordDisclosure, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            if matches!(s.basis, AllowBasis::Supervision { .. }) || s.role.is_self_side() {
                return Err(DenyReason::RoleNotPermitted {
                    role: Some(s.role),
                    action: "disclose data to a third party".into(),
                });
            }
            Ok(s.basis)
        }
        (Action::ReadAccessLog, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            match s.role {
                Role::Client | Role::Guardian => Ok(s.basis),
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "read the data subject's access log".into(),
                }),
            }
        }
        (Action::RecordDeath, Target::Client(c)) => {
            // The social worker receives death notices and informs the network (seed
            // 000, social worker TO-BE); the operator's import does the same. A death
            // ends every membership, so voiding or correcting it falls to the social
            // worker who served the client on the day of death.
            let s = match (standing(actor, c, at), c.deceased_on) {
                (Ok(s), _) => s,
                (Err(reason), Some(d)) => standing(
                    actor,
                    c,
                    crate::time::start_of_day(d) + chrono::Duration::hours(12),
                )
                .map_err(|_| reason)?,
                (Err(reason), None) => return Err(reason),
            };
            match s.role {
                Role::SocialWorker | Role::SocialWelfareHead => Ok(s.basis),
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "record a death".into(),
                }),
            }
        }
        (Action::ImportNotices, Target::System) => {
            city_role_in(actor, &[Role::Administrator], "import register notices")
        }
        (Action::ManageContract { provider }, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            // The social worker prepares, concludes and terminates contracts; a care or
            // nursing manager their own provider's (seed 000, TO-BE).
            match s.role {
                Role::SocialWorker | Role::SocialWelfareHead => Ok(s.basis),
                Role::CareManager | Role::NursingManager if s.organization == Some(*provider) => {
                    Ok(s.basis)
                }
                Role::CareManager | Role::NursingManager => Err(DenyReason::OtherOrganization),
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "manage contracts".into(),
                }),
            }
        }
        (Action::ManageNetwork { provider }, Target::Client(c)) => {
            let s = standing(actor, c, at)?;
            // Social workers compose any client's network; a manager adds or ends the
            // memberships of their own organisation's workers (seed 000, care manager
            // and nursing manager TO-BE).
            match s.role {
                Role::SocialWorker | Role::SocialWelfareHead => Ok(s.basis),
                Role::CareManager | Role::NursingManager => {
                    if provider.is_some() && *provider == s.organization {
                        Ok(s.basis)
                    } else {
                        Err(DenyReason::OtherOrganization)
                    }
                }
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "change the service network".into(),
                }),
            }
        }
        (Action::EditCardProvider { provider }, Target::Client(c)) => {
            if let ActorFacts::Worker {
                role: Role::Administrator,
                ..
            } = actor
            {
                return Ok(AllowBasis::Role {
                    role: Role::Administrator,
                });
            }
            let s = standing(actor, c, at)?;
            let own = s.organization == Some(*provider);
            match s.role {
                Role::SocialWorker | Role::SocialWelfareHead => Ok(s.basis),
                Role::CareManager
                | Role::NursingManager
                | Role::AlarmServiceProvider
                | Role::Physiotherapist
                | Role::ActivityInstructor
                    if own =>
                {
                    Ok(s.basis)
                }
                Role::CareManager
                | Role::NursingManager
                | Role::AlarmServiceProvider
                | Role::Physiotherapist
                | Role::ActivityInstructor => Err(DenyReason::OtherOrganization),
                role => Err(DenyReason::RoleNotPermitted {
                    role: Some(role),
                    action: "enter provider data on the card".into(),
                }),
            }
        }
        (Action::OpenFile, Target::System) => worker_role_in(
            actor,
            &[
                Role::SocialWorker,
                Role::SocialWelfareHead,
                Role::CareManager,
                Role::NursingManager,
            ],
            "register clients or open client files",
        ),
        (Action::ManageRetention, Target::System) => city_role_in(
            actor,
            &[Role::Administrator, Role::SocialWelfareHead],
            "manage retention and destruction",
        ),
        (Action::CheckServices, Target::System) => worker_role_in(
            actor,
            &[Role::HospitalSocialWorker, Role::CareHomeSocialWorker],
            "check who serves a patient",
        ),
        (Action::ManageOrganizations, Target::System) => {
            city_role_in(actor, &[Role::Administrator], "register organisations")
        }
        (Action::ManageWorkers | Action::ReadCompliance, Target::Organization { id }) => {
            match actor {
                ActorFacts::Worker {
                    role: Role::Administrator,
                    organization,
                    organization_kind,
                    ..
                } => {
                    if organization == id || *organization_kind == OrganizationKind::Municipality {
                        Ok(AllowBasis::Role {
                            role: Role::Administrator,
                        })
                    } else {
                        Err(DenyReason::OtherOrganization)
                    }
                }
                _ => worker_role_in(actor, &[], "manage an organisation's workers"),
            }
        }
        (Action::ManageWorkers, Target::Worker(w)) => match actor {
            ActorFacts::Worker {
                id,
                role,
                organization,
                organization_kind,
                ..
            } => {
                if *role == Role::Administrator {
                    if *organization == w.organization
                        || *organization_kind == OrganizationKind::Municipality
                    {
                        return Ok(AllowBasis::Role { role: *role });
                    }
                    return Err(DenyReason::OtherOrganization);
                }
                // The head of the unit hands over a departing worker's tasks (seed 004
                // annex 7 §3): the manager of the same domain in the same organisation.
                if role.is_manager() && *id != w.id {
                    if *organization != w.organization {
                        return Err(DenyReason::OtherOrganization);
                    }
                    if role.domain() != w.role.domain() {
                        return Err(DenyReason::OtherDomain {
                            domain: w.role.domain(),
                        });
                    }
                    return Ok(AllowBasis::Role { role: *role });
                }
                Err(DenyReason::RoleNotPermitted {
                    role: Some(*role),
                    action: "record another worker's employment end".into(),
                })
            }
            _ => worker_role_in(actor, &[], "manage workers"),
        },
        (
            Action::GrantSubstitution,
            Target::Substitution {
                substitute,
                substituted,
                actor_stands_in,
            },
        ) => match actor {
            ActorFacts::Worker {
                id,
                role,
                organization,
                ..
            } => {
                // Neither the substitute nor the absent worker may grant: a substitute
                // cannot re-delegate or extend (seed 004 annex 7 §1–2: the unit head
                // assigns).
                if *id == substitute.id
                    || *id == substituted.id
                    || actor_stands_in
                        .iter()
                        .any(|s| s.substituted == substituted.id)
                {
                    return Err(DenyReason::SubstituteCannotDelegate);
                }
                if !role.is_manager() {
                    return Err(DenyReason::RoleNotPermitted {
                        role: Some(*role),
                        action: "grant a substitution".into(),
                    });
                }
                if *organization != substituted.organization
                    || *organization != substitute.organization
                {
                    return Err(DenyReason::OtherOrganization);
                }
                if role.domain() != substituted.role.domain() {
                    return Err(DenyReason::OtherDomain {
                        domain: substituted.role.domain(),
                    });
                }
                Ok(AllowBasis::Role { role: *role })
            }
            _ => worker_role_in(actor, &[], "grant a substitution"),
        },
        (Action::ManageReferrals, Target::Organization { id }) => match actor {
            ActorFacts::Worker {
                role: Role::NursingManager,
                organization,
                ..
            } if organization == id => Ok(AllowBasis::Role {
                role: Role::NursingManager,
            }),
            ActorFacts::Worker {
                role: Role::NursingManager,
                ..
            } => Err(DenyReason::OtherOrganization),
            _ => worker_role_in(actor, &[], "handle referrals for home nursing"),
        },
        (Action::ReadWorkerCalendar, Target::Worker(w)) => match actor {
            ActorFacts::Worker {
                id,
                role,
                organization,
                ..
            } => {
                if *id == w.id {
                    Ok(AllowBasis::Role { role: *role })
                } else if role.is_manager()
                    && *organization == w.organization
                    && role.domain() == w.role.domain()
                {
                    // A manager sees and changes their own workers' calendars.
                    Ok(AllowBasis::Role { role: *role })
                } else {
                    Err(DenyReason::RoleNotPermitted {
                        role: Some(*role),
                        action: "read another worker's calendar".into(),
                    })
                }
            }
            _ => worker_role_in(actor, &[], "read a worker's calendar"),
        },
        (Action::ReadProviderData { domain }, Target::Organization { id }) => match actor {
            ActorFacts::Worker {
                role, organization, ..
            } if organization == id
                && (*role == Role::Administrator
                    || (role.is_manager() && role.domain() == *domain)) =>
            {
                Ok(AllowBasis::Role { role: *role })
            }
            ActorFacts::Worker { organization, .. } if organization != id => {
                Err(DenyReason::OtherOrganization)
            }
            _ => worker_role_in(actor, &[], "read a provider's lists"),
        },
        (Action::VerifyAudit, Target::System) => match actor {
            ActorFacts::Worker {
                role: Role::Supervisor,
                supervision: Some(case_reference),
                ..
            } => Ok(AllowBasis::Supervision {
                case_reference: case_reference.clone(),
            }),
            _ => city_role_in(actor, &[Role::Administrator], "verify the audit chain"),
        },
        (action, _) => Err(DenyReason::RoleNotPermitted {
            role: actor_role(actor),
            action: format!("{action} on this target"),
        }),
    }
}

fn actor_role(actor: &ActorFacts) -> Option<Role> {
    match actor {
        ActorFacts::Worker { role, .. } => Some(*role),
        _ => None,
    }
}

/// Allowed to a worker of a municipality (the city) in one of `roles`.
fn city_role_in(actor: &ActorFacts, roles: &[Role], what: &str) -> Result<AllowBasis, DenyReason> {
    match actor {
        ActorFacts::Worker {
            role,
            organization_kind: OrganizationKind::Municipality,
            ..
        } if roles.contains(role) => Ok(AllowBasis::Role { role: *role }),
        _ => worker_role_in(actor, &[], what),
    }
}

fn worker_role_in(
    actor: &ActorFacts,
    roles: &[Role],
    what: &str,
) -> Result<AllowBasis, DenyReason> {
    match actor {
        ActorFacts::Worker { role, .. } if roles.contains(role) => {
            Ok(AllowBasis::Role { role: *role })
        }
        _ => Err(DenyReason::RoleNotPermitted {
            role: actor_role(actor),
            action: what.into(),
        }),
    }
}

/// Who may move, cancel or record a visit: only the visit's own domain (a care worker
/// may not move nursing visits; seed 000, home nurse TO-BE: "koduõe osas muutmine");
/// within it the provider's manager, the assigned worker or their substitute, any worker
/// of the provider for an unassigned visit, and — for changes — a home nurse for the
/// nursing part of the client calendar.
fn visit_rules(
    actor: &ActorFacts,
    s: &Standing,
    v: &VisitFacts,
    record: bool,
) -> Result<AllowBasis, DenyReason> {
    if matches!(s.basis, AllowBasis::Supervision { .. }) || s.role.is_self_side() {
        return Err(DenyReason::ReadOnly { role: s.role });
    }
    if s.role.domain() != v.domain {
        return Err(DenyReason::OtherDomain { domain: v.domain });
    }
    let own_provider = v.provider.is_some() && v.provider == s.organization;
    if !own_provider {
        return Err(DenyReason::OtherOrganization);
    }
    let actor_id = match actor {
        ActorFacts::Worker { id, .. } => Some(*id),
        _ => None,
    };
    let stands_for = match &s.basis {
        AllowBasis::Substitute { for_worker, .. } => Some(*for_worker),
        _ => None,
    };
    let own = v.assigned.is_none()
        || v.assigned == actor_id
        || (v.assigned.is_some() && v.assigned == stands_for);
    let nurse_changing = !record && s.role == Role::HomeNurse;
    if s.role.is_manager() || own || nurse_changing {
        Ok(s.basis.clone())
    } else {
        Err(DenyReason::RoleNotPermitted {
            role: Some(s.role),
            action: if record {
                "record another worker's visit"
            } else {
                "change another worker's visit"
            }
            .into(),
        })
    }
}

/// Finds the actor's standing towards the client at `at`: own file, a membership, a
/// substitution, or supervision.
fn standing(
    actor: &ActorFacts,
    c: &ClientFacts,
    at: DateTime<Utc>,
) -> Result<Standing, DenyReason> {
    match actor {
        ActorFacts::Person { id } => {
            if *id == c.client {
                return Ok(Standing {
                    role: Role::Client,
                    basis: AllowBasis::OwnFile,
                    supervised: &[],
                    organization: None,
                });
            }
            // A person stands only in a self-side role (relative, guardian, carer),
            // whatever a membership record may claim.
            membership_standing(
                &c.network,
                Member::Person(*id),
                at,
                None,
                Role::is_self_side,
            )
        }
        ActorFacts::Worker {
            id,
            role,
            organization,
            organization_kind,
            supervision,
            ..
        } => {
            if *role == Role::Supervisor {
                return match supervision {
                    Some(case_reference) => Ok(Standing {
                        role: Role::Supervisor,
                        basis: AllowBasis::Supervision {
                            case_reference: case_reference.clone(),
                        },
                        supervised: supervised_domains(*organization_kind),
                        organization: Some(*organization),
                    }),
                    None => Err(DenyReason::SupervisionPurposeRequired),
                };
            }
            if *role == Role::Administrator {
                return Err(DenyReason::RoleNotPermitted {
                    role: Some(Role::Administrator),
                    action: "read or write client data".into(),
                });
            }
            // A worker stands only in their employment role.
            let own_role = *role;
            let direct = membership_standing(
                &c.network,
                Member::Worker(*id),
                at,
                Some(*organization),
                move |r| r == own_role,
            );
            if direct.is_ok() {
                return direct;
            }
            // A client directed to the actor's provider: its manager of that domain.
            if role.is_manager()
                && let Some(d) = c.directions.iter().find(|d| {
                    d.provider == *organization
                        && d.domain == role.domain()
                        && crate::time::within_days(at, d.from, d.until)
                })
            {
                return Ok(Standing {
                    role: *role,
                    basis: AllowBasis::Directed {
                        provider: d.provider,
                    },
                    supervised: &[],
                    organization: Some(*organization),
                });
            }
            // A substitute: only within the period, only the substituted worker's own
            // clients (their direct memberships — never their substitutions, so a
            // substitute cannot pass clients on).
            let mut reason = direct.err().unwrap_or(DenyReason::NotInNetwork);
            for s in c.substitutions.iter().filter(|s| s.substitute == *id) {
                let covers = c
                    .network
                    .iter()
                    .any(|m| m.member == Member::Worker(s.substituted) && m.active_at(at));
                if !covers {
                    continue;
                }
                if s.active_at(at) {
                    return Ok(Standing {
                        role: *role,
                        basis: AllowBasis::Substitute {
                            substitution: s.id,
                            for_worker: s.substituted,
                        },
                        supervised: &[],
                        organization: Some(*organization),
                    });
                }
                if reason == DenyReason::NotInNetwork {
                    reason = DenyReason::SubstitutionNotActive {
                        from: s.from,
                        until: s.until,
                    };
                }
            }
            Err(reason)
        }
        ActorFacts::System | ActorFacts::Unknown => Err(DenyReason::NotInNetwork),
    }
}

fn membership_standing(
    network: &[Membership],
    member: Member,
    at: DateTime<Utc>,
    organization: Option<OrganizationId>,
    role_fits: impl Fn(Role) -> bool,
) -> Result<Standing, DenyReason> {
    let mut inactive = None;
    for m in network
        .iter()
        .filter(|m| m.member == member && role_fits(m.role))
    {
        if m.active_at(at) {
            return Ok(Standing {
                role: m.role,
                basis: AllowBasis::Member {
                    membership: m.id,
                    role: m.role,
                },
                supervised: &[],
                organization,
            });
        }
        inactive.get_or_insert(DenyReason::MembershipNotActive {
            from: m.valid_from,
            until: m.valid_until,
        });
    }
    Err(inactive.unwrap_or(DenyReason::NotInNetwork))
}

/// Checks that hold for every actor before any rule: known, employed that day (a
/// departed worker's access ends at the end of the last day, seed 002 §7(2)3), and only
/// supervisors acting for supervision.
/// Whether the actor has standing anywhere at `at`: refused when unknown, not employed
/// that day, or claiming a supervision without being a supervisor. The operator has the
/// standing of its own actions, decided per action by [`authorize`]. The engine asks
/// this before anything else, so such an actor learns nothing from any input.
pub fn standing_anywhere(actor: &ActorFacts, at: DateTime<Utc>) -> Result<(), DenyReason> {
    match actor {
        ActorFacts::System => Ok(()),
        other => check_actor(other, at),
    }
}

fn check_actor(actor: &ActorFacts, at: DateTime<Utc>) -> Result<(), DenyReason> {
    match actor {
        ActorFacts::Unknown => Err(DenyReason::UnknownActor),
        ActorFacts::System => Err(DenyReason::RoleNotPermitted {
            role: None,
            action: "act on client data as the operator".into(),
        }),
        ActorFacts::Person { .. } => Ok(()),
        ActorFacts::Worker {
            role,
            employed_from,
            employed_until,
            supervision,
            ..
        } => {
            if !crate::time::within_days(at, *employed_from, *employed_until) {
                return Err(DenyReason::NotEmployed {
                    on: crate::time::local_date(at),
                });
            }
            if supervision.is_some() && *role != Role::Supervisor {
                return Err(DenyReason::NotASupervisor);
            }
            Ok(())
        }
    }
}

/// Every standing the actor has in the file: the first ([`standing`]) and, for a person
/// who holds several self-side memberships at once (a guardian who is also a relative),
/// one for each of the others active at `at`. (Found by the access oracle at 10^7 cases,
/// `scripts/soak`.)
fn standings(
    actor: &ActorFacts,
    c: &ClientFacts,
    at: DateTime<Utc>,
) -> Result<Vec<Standing>, DenyReason> {
    let mut all = vec![standing(actor, c, at)?];
    if let ActorFacts::Person { id } = actor
        && *id != c.client
    {
        all.extend(
            c.network
                .iter()
                .filter(|m| {
                    m.member == Member::Person(*id) && m.role.is_self_side() && m.active_at(at)
                })
                .map(|m| Standing {
                    role: m.role,
                    basis: AllowBasis::Member {
                        membership: m.id,
                        role: m.role,
                    },
                    supervised: &[],
                    organization: None,
                }),
        );
    }
    Ok(all)
}

/// `rule` under any of the actor's standings in the file ([`standings`]) that allows
/// it: a record only relatives may see is theirs to see when they are also the guardian.
/// Else the first standing's refusal.
fn any_standing(
    actor: &ActorFacts,
    c: &ClientFacts,
    at: DateTime<Utc>,
    rule: impl Fn(&Standing) -> Result<AllowBasis, DenyReason>,
) -> Result<AllowBasis, DenyReason> {
    let all = standings(actor, c, at)?;
    let first = rule(&all[0]);
    if first.is_ok() {
        return first;
    }
    all[1..].iter().find_map(|s| rule(s).ok()).map_or(first, Ok)
}

/// Applies the record-level rules once the actor's standing is known: role-only
/// categories, domain-only records, the role's read or write scope, read-only roles.
fn record_rules(
    s: &Standing,
    category: DataCategory,
    visibility: Visibility,
    write: bool,
) -> Result<AllowBasis, DenyReason> {
    let supervising = matches!(s.basis, AllowBasis::Supervision { .. });
    if write && supervising {
        return Err(DenyReason::ReadOnly { role: s.role });
    }
    // One named role only (seed 001: psychiatric diagnosis -> special-care consultant);
    // a category's own restriction and the record's visibility must both hold.
    for r in [
        category.only_role(),
        match visibility {
            Visibility::RoleOnly(r) => Some(r),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    {
        if s.role != r {
            return Err(DenyReason::RoleOnly { role: r });
        }
    }
    // Domain-only records: that domain's roles, and supervisors of that domain reading.
    if let Visibility::DomainOnly(d) = visibility
        && s.role.domain() != d
        && !(supervising && s.supervised.contains(&d))
    {
        return Err(DenyReason::DomainOnly { domain: d });
    }
    let scope: &[DataCategory] = if supervising {
        // Supervision reads every category; role-only ones were refused above.
        &DataCategory::ALL
    } else if write {
        write_scope(s.role)
    } else {
        read_scope(s.role)
    };
    if !scope.contains(&category) {
        return Err(if write && scope.is_empty() {
            DenyReason::ReadOnly { role: s.role }
        } else {
            DenyReason::OutsideScope {
                role: s.role,
                category,
            }
        });
    }
    Ok(s.basis.clone())
}

/// Redaction: of `entries`, keeps those the actor may read, and blanks the domain-only
/// field of each kept entry unless the actor belongs to that domain (seed 000, care
/// worker TO-BE: the detail field is "nähtav ainult valdkonna rollidele"). An actor
/// without standing towards the client, or a target that is not a client, gets nothing.
pub fn redact(
    actor: &ActorFacts,
    target: &Target,
    entries: Vec<Entry>,
    at: DateTime<Utc>,
) -> Vec<Entry> {
    let Target::Client(c) = target else {
        return Vec::new();
    };
    let Ok(all) = check_actor(actor, at).and_then(|()| standings(actor, c, at)) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter_map(|mut e| {
            // Kept under any standing that may read it, as `authorize` allows the read.
            let s = all
                .iter()
                .find(|s| record_rules(s, e.category, e.visibility, false).is_ok())?;
            let supervising = matches!(s.basis, AllowBasis::Supervision { .. });
            if let Some(detail) = &e.domain_detail {
                let d = detail.domain;
                if s.role.domain() != d && !(supervising && s.supervised.contains(&d)) {
                    e.domain_detail = None;
                }
            }
            Some(e)
        })
        .collect()
}
