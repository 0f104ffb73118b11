//! Organisations, workers and their roles: who works where, in which role, and for how
//! long (employment from/until). Role and domain names follow the role table of seed
//! `000_19cdf6fb7baf56d8.txt` ("E-klienditoimik TEHO sihtrühmad").

pub mod working_days;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{OrganizationId, WorkerId};
use crate::person::PersonalCode;
use crate::time::within_days;

/// What kind of organisation this is; it bounds the roles its workers may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum OrganizationKind {
    /// A municipality or its district office (KOV, LOV).
    Municipality,
    /// A home-care provider (koduteenuse osutaja), social care.
    HomeCareProvider,
    /// A home-nursing provider (koduõenduse osutaja), health care.
    HomeNursingProvider,
    /// A care home (hooldekodu), general care outside the home.
    CareHome,
    /// A hospital (haigla).
    Hospital,
    /// A family-medicine practice (perearstikeskus).
    FamilyMedicinePractice,
    /// Any other provider: alarm button, physiotherapy, activities.
    OtherProvider,
    /// The Social Insurance Board (Sotsiaalkindlustusamet, SKA).
    SocialInsuranceBoard,
    /// The Health Board (Terviseamet, TA).
    HealthBoard,
}

impl OrganizationKind {
    /// A service provider in the sense of seed `002_b4b88f78f180845d.txt` §17(2)–(3):
    /// it sees only the people it serves, within the provider scope.
    pub fn is_provider(self) -> bool {
        matches!(
            self,
            Self::HomeCareProvider
                | Self::HomeNursingProvider
                | Self::CareHome
                | Self::OtherProvider
                | Self::FamilyMedicinePractice
                | Self::Hospital
        )
    }
}

/// An organisation taking part in TEHO (asutus).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Organization {
    /// Id in TEHO.
    pub id: OrganizationId,
    /// Registered name.
    pub name: String,
    /// Kind of organisation.
    pub kind: OrganizationKind,
    /// Business-register or state code (registrikood), when known.
    pub registry_code: Option<String>,
}

/// What a caller supplies to register an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Registered name, non-empty.
    pub name: String,
    /// Kind of organisation.
    pub kind: OrganizationKind,
    /// Registry code, 8 digits, when known.
    pub registry_code: Option<String>,
}

/// A field of work; domain-only data is visible only to the roles of its domain.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Domain {
    /// Municipal social welfare (hoolekanne).
    Social,
    /// Home care (koduhooldus).
    Care,
    /// Home nursing (koduõendus).
    Nursing,
    /// Primary health care: family doctor and nurse.
    Health,
    /// Other providers, each its own field (physiotherapy, alarm button, activities).
    Other,
    /// The client and the people at their side.
    SelfCare,
    /// State supervision (SKA, Health Board).
    Supervision,
    /// System administration: organisations, workers, provider data on the card.
    Administration,
}

/// A role in TEHO, from the role table of `DOMAIN.md` (seed `000_19cdf6fb7baf56d8.txt`,
/// "sihtrühmad"), plus the special-care consultant of seed `001_c07609eead185765.txt`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Role {
    /// Municipal / district social worker (KOV/LOV sotsiaaltöötaja).
    SocialWorker,
    /// Head of the social welfare department (sotsiaalhoolekande osakonna juhataja).
    SocialWelfareHead,
    /// Care manager (hooldusjuht).
    CareManager,
    /// Care worker (hooldustöötaja).
    CareWorker,
    /// Nursing manager (õendusjuht).
    NursingManager,
    /// Home nurse (koduõde).
    HomeNurse,
    /// Family doctor (perearst).
    FamilyDoctor,
    /// Family nurse (pereõde).
    FamilyNurse,
    /// Alarm-button service provider (häirenupu teenuse osutaja).
    AlarmServiceProvider,
    /// Physiotherapist (füsioterapeut).
    Physiotherapist,
    /// Activity instructor (tegevusjuhendaja).
    ActivityInstructor,
    /// Hospital social worker (haigla sotsiaaltöötaja), limited view.
    HospitalSocialWorker,
    /// Care-home social worker (hooldekodu sotsiaaltöötaja), limited view.
    CareHomeSocialWorker,
    /// SKA special-care services consultant (erihoolekandeteenuste konsultant): the only
    /// role that sees a psychiatric diagnosis (seed `001_c07609eead185765.txt`).
    SpecialCareConsultant,
    /// Supervisor of the Social Insurance Board or Health Board (järelevalve).
    Supervisor,
    /// Administrator (administraator): organisations, workers, provider data on cards.
    Administrator,
    /// The client (klient, patsient).
    Client,
    /// A relative (lähedane).
    Relative,
    /// A guardian (eestkostja).
    Guardian,
    /// An informal carer (hooldaja).
    InformalCarer,
}

impl Role {
    /// Every role, in table order.
    pub const ALL: [Role; 20] = [
        Role::SocialWorker,
        Role::SocialWelfareHead,
        Role::CareManager,
        Role::CareWorker,
        Role::NursingManager,
        Role::HomeNurse,
        Role::FamilyDoctor,
        Role::FamilyNurse,
        Role::AlarmServiceProvider,
        Role::Physiotherapist,
        Role::ActivityInstructor,
        Role::HospitalSocialWorker,
        Role::CareHomeSocialWorker,
        Role::SpecialCareConsultant,
        Role::Supervisor,
        Role::Administrator,
        Role::Client,
        Role::Relative,
        Role::Guardian,
        Role::InformalCarer,
    ];

    /// The role's domain, as in the role table of `DOMAIN.md`.
    pub fn domain(self) -> Domain {
        use Role::*;
        match self {
            SocialWorker
            | SocialWelfareHead
            | HospitalSocialWorker
            | CareHomeSocialWorker
            | SpecialCareConsultant => Domain::Social,
            CareManager | CareWorker => Domain::Care,
            NursingManager | HomeNurse => Domain::Nursing,
            FamilyDoctor | FamilyNurse => Domain::Health,
            AlarmServiceProvider | Physiotherapist | ActivityInstructor => Domain::Other,
            Supervisor => Domain::Supervision,
            Administrator => Domain::Administration,
            Client | Relative | Guardian | InformalCarer => Domain::SelfCare,
        }
    }

    /// The client and the people at their side: they act as persons, not as workers.
    pub fn is_self_side(self) -> bool {
        self.domain() == Domain::SelfCare
    }

    /// A manager of a domain: receives its notifications, changes its workers' calendars.
    pub fn is_manager(self) -> bool {
        matches!(
            self,
            Role::CareManager | Role::NursingManager | Role::SocialWelfareHead
        )
    }

    /// The manager role of a domain, where the domain has one.
    pub fn manager_of(domain: Domain) -> Option<Role> {
        match domain {
            Domain::Care => Some(Role::CareManager),
            Domain::Nursing => Some(Role::NursingManager),
            Domain::Social => Some(Role::SocialWelfareHead),
            _ => None,
        }
    }

    /// Whether a worker of an organisation of `kind` may hold this role.
    pub fn allowed_in(self, kind: OrganizationKind) -> bool {
        use OrganizationKind as K;
        use Role::*;
        match self {
            SocialWorker | SocialWelfareHead => kind == K::Municipality,
            CareManager | CareWorker => matches!(kind, K::HomeCareProvider | K::CareHome),
            NursingManager | HomeNurse => {
                matches!(kind, K::HomeNursingProvider | K::CareHome)
            }
            FamilyDoctor | FamilyNurse => kind == K::FamilyMedicinePractice,
            AlarmServiceProvider | Physiotherapist | ActivityInstructor => {
                matches!(kind, K::OtherProvider | K::CareHome)
            }
            HospitalSocialWorker => kind == K::Hospital,
            CareHomeSocialWorker => kind == K::CareHome,
            SpecialCareConsultant => kind == K::SocialInsuranceBoard,
            Supervisor => matches!(kind, K::SocialInsuranceBoard | K::HealthBoard),
            Administrator => true,
            Client | Relative | Guardian | InformalCarer => false,
        }
    }
}

/// One employment of a person in an organisation, in one role (töötaja).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Worker {
    /// Id in TEHO.
    pub id: WorkerId,
    /// The worker's personal code (recorded in every audit entry, seed 002 §9(1)).
    pub personal_code: PersonalCode,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Employer.
    pub organization: OrganizationId,
    /// Role in that organisation.
    pub role: Role,
    /// First day of employment (Tallinn).
    pub employed_from: NaiveDate,
    /// Last day of employment (Tallinn), once known.
    pub employed_until: Option<NaiveDate>,
    /// When the end of employment was recorded in TEHO.
    pub end_recorded_at: Option<DateTime<Utc>>,
}

impl Worker {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// A departed worker's access ends at the end of the last day of employment, Tallinn
    /// time (seed `002_b4b88f78f180845d.txt` §7(2)3).
    pub fn employed_at(&self, at: DateTime<Utc>) -> bool {
        within_days(at, self.employed_from, self.employed_until)
    }
}

/// What a caller supplies to register a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorker {
    /// The worker's personal code.
    pub personal_code: PersonalCode,
    /// Given name(s), non-empty.
    pub given_name: String,
    /// Family name, non-empty.
    pub family_name: String,
    /// Employer.
    pub organization: OrganizationId,
    /// Role, which the employer's kind must admit.
    pub role: Role,
    /// First day of employment.
    pub employed_from: NaiveDate,
    /// Last day, when already known.
    pub employed_until: Option<NaiveDate>,
}

/// The first administrator, given at bootstrap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdministrator {
    /// Personal code.
    pub personal_code: PersonalCode,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// First day of employment.
    pub employed_from: NaiveDate,
}

/// The outcome of recording the end of an employment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmploymentEnd {
    /// The worker.
    pub worker: WorkerId,
    /// Last day of employment.
    pub last_day: NaiveDate,
    /// The statutory deadline: the working day after the last day (seed 002 §7(2)3).
    pub deadline: NaiveDate,
    /// The Tallinn day on which the end was recorded.
    pub recorded_on: NaiveDate,
    /// Whether it was recorded after the deadline: a compliance breach.
    pub late: bool,
    /// The worker's planned visits after the last day, now unassigned for the manager
    /// to reassign (seed `004_4e44693abfa7524a.txt`, annex 7 §3).
    pub visits_unassigned: Vec<crate::ids::VisitId>,
    /// The worker's plan items running past the last day, now without a worker.
    pub plan_items_unassigned: Vec<crate::ids::PlanItemId>,
}

/// A compliance breach: access of a departed worker was terminated (recorded) after the
/// statutory deadline of seed `002_b4b88f78f180845d.txt` §7(2)3.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ComplianceBreach {
    /// The departed worker.
    pub worker: WorkerId,
    /// The worker's organisation.
    pub organization: OrganizationId,
    /// Last day of employment.
    pub last_day: NaiveDate,
    /// Latest day by which access had to end.
    pub deadline: NaiveDate,
    /// When the end was actually recorded.
    pub recorded_at: DateTime<Utc>,
    /// Days late, counted in calendar days after the deadline.
    pub days_late: i64,
}

/// The deadline for terminating a departed worker's access, and whether recording the
/// end on `recorded_on` misses it: the working day following the last day of employment
/// (seed `002_b4b88f78f180845d.txt` §7(2)3).
pub fn employment_end_deadline(last_day: NaiveDate, recorded_on: NaiveDate) -> (NaiveDate, bool) {
    let deadline = working_days::next_working_day(last_day);
    (deadline, recorded_on > deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_role_has_the_domain_of_the_role_table() {
        assert_eq!(Role::CareWorker.domain(), Domain::Care);
        assert_eq!(Role::HomeNurse.domain(), Domain::Nursing);
        assert_eq!(Role::FamilyDoctor.domain(), Domain::Health);
        assert_eq!(Role::Physiotherapist.domain(), Domain::Other);
        assert_eq!(Role::HospitalSocialWorker.domain(), Domain::Social);
        assert_eq!(Role::Guardian.domain(), Domain::SelfCare);
        assert_eq!(Role::Supervisor.domain(), Domain::Supervision);
        // No self-side role can be an employee anywhere.
        for r in Role::ALL.iter().filter(|r| r.is_self_side()) {
            assert!(!r.allowed_in(OrganizationKind::Municipality), "{r:?}");
        }
    }

    #[test]
    fn departure_recorded_on_the_next_working_day_is_on_time() {
        // Last day Friday 20 Nov 2026: deadline Monday 23 Nov.
        let (deadline, late) = employment_end_deadline(d("2026-11-20"), d("2026-11-23"));
        assert_eq!(deadline, d("2026-11-23"));
        assert!(!late);
        // Recorded in advance: on time too.
        assert!(!employment_end_deadline(d("2026-11-20"), d("2026-11-01")).1);
    }

    #[test]
    fn departure_recorded_after_the_next_working_day_is_late() {
        let (deadline, late) = employment_end_deadline(d("2026-11-20"), d("2026-11-24"));
        assert_eq!(deadline, d("2026-11-23"));
        assert!(late);
        // Over Christmas: last day 23 Dec 2026, deadline Monday 28 Dec.
        let (deadline, late) = employment_end_deadline(d("2026-12-23"), d("2026-12-28"));
        assert_eq!(deadline, d("2026-12-28"));
        assert!(!late);
        assert!(employment_end_deadline(d("2026-12-23"), d("2026-12-29")).1);
    }
}
