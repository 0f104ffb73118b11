//! `authorize` agrees with an independent oracle over random networks, memberships,
//! substitutions, employments and instants. The oracle below restates the rules of
//! `DOMAIN.md` as plain tables and loops; it calls nothing in `teho_core::access`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use proptest::prelude::*;
use teho_core::access::{
    Action, ActorFacts, ClientFacts, DataCategory, Target, Visibility, authorize, redact,
};
use teho_core::ids::{
    ClientFileId, MembershipId, OrganizationId, PersonId, SubstitutionId, WorkerId,
};
use teho_core::network::{Member, Membership, Substitution};
use teho_core::org::{Domain, OrganizationKind, Role};
use uuid::Uuid;

// ---- the oracle: the rules as tables -------------------------------------------

/// Role → domain, from the role table of DOMAIN.md.
fn domain_of(r: Role) -> Domain {
    const TABLE: &[(Role, Domain)] = &[
        (Role::SocialWorker, Domain::Social),
        (Role::SocialWelfareHead, Domain::Social),
        (Role::CareManager, Domain::Care),
        (Role::CareWorker, Domain::Care),
        (Role::NursingManager, Domain::Nursing),
        (Role::HomeNurse, Domain::Nursing),
        (Role::FamilyDoctor, Domain::Health),
        (Role::FamilyNurse, Domain::Health),
        (Role::AlarmServiceProvider, Domain::Other),
        (Role::Physiotherapist, Domain::Other),
        (Role::ActivityInstructor, Domain::Other),
        (Role::HospitalSocialWorker, Domain::Social),
        (Role::CareHomeSocialWorker, Domain::Social),
        (Role::SpecialCareConsultant, Domain::Social),
        (Role::Supervisor, Domain::Supervision),
        (Role::Administrator, Domain::Administration),
        (Role::Client, Domain::SelfCare),
        (Role::Relative, Domain::SelfCare),
        (Role::Guardian, Domain::SelfCare),
        (Role::InformalCarer, Domain::SelfCare),
    ];
    TABLE
        .iter()
        .find(|(role, _)| *role == r)
        .map(|(_, d)| *d)
        .unwrap()
}

use DataCategory as C;
const PERSONAL: &[C] = &[C::Identity, C::ResidenceContacts];
const SHARED: &[C] = &[C::Card, C::Network, C::Calendar, C::ServiceLog, C::NotDone];
const MUNICIPAL: &[C] = &[
    C::DirectingDecision,
    C::ApplicationDecision,
    C::Assessment,
    C::CasePlan,
    C::Disability,
    C::Guardianship,
    C::Income,
    C::ProfessionalNote,
    C::ConditionAssessment,
    C::SupervisionAct,
];

/// What each role may read for records visible to the network.
fn may_read(r: Role, c: C) -> bool {
    let social = PERSONAL.contains(&c) || SHARED.contains(&c) || MUNICIPAL.contains(&c);
    match r {
        Role::SocialWorker | Role::SocialWelfareHead => social,
        Role::SpecialCareConsultant => true,
        Role::HospitalSocialWorker | Role::CareHomeSocialWorker => {
            matches!(c, C::Identity | C::ResidenceContacts | C::Network)
        }
        // Providers: seed 002 §17(3) points 1, 2, 11, 12 plus the shared working data.
        Role::CareManager
        | Role::CareWorker
        | Role::NursingManager
        | Role::HomeNurse
        | Role::AlarmServiceProvider
        | Role::Physiotherapist
        | Role::ActivityInstructor => {
            PERSONAL.contains(&c)
                || SHARED.contains(&c)
                || matches!(
                    c,
                    C::DirectingDecision | C::ProfessionalNote | C::ConditionAssessment
                )
        }
        Role::FamilyDoctor | Role::FamilyNurse => {
            PERSONAL.contains(&c)
                || SHARED.contains(&c)
                || matches!(c, C::ProfessionalNote | C::ConditionAssessment)
        }
        Role::Client | Role::Relative | Role::Guardian | Role::InformalCarer => {
            PERSONAL.contains(&c) || SHARED.contains(&c)
        }
        Role::Supervisor | Role::Administrator => false,
    }
}

/// What each role may write.
fn may_write(r: Role, c: C) -> bool {
    match r {
        Role::SocialWorker | Role::SocialWelfareHead => !matches!(
            c,
            C::Network | C::PsychiatricDiagnosis | C::ConditionAssessment
        ),
        Role::SpecialCareConsultant => matches!(
            c,
            C::Assessment | C::PsychiatricDiagnosis | C::ProfessionalNote
        ),
        Role::CareManager | Role::NursingManager => matches!(
            c,
            C::ResidenceContacts
                | C::Card
                | C::Calendar
                | C::ServiceLog
                | C::NotDone
                | C::ConditionAssessment
                | C::ProfessionalNote
        ),
        Role::CareWorker
        | Role::HomeNurse
        | Role::AlarmServiceProvider
        | Role::Physiotherapist
        | Role::ActivityInstructor => {
            matches!(
                c,
                C::Card
                    | C::Calendar
                    | C::ServiceLog
                    | C::NotDone
                    | C::ConditionAssessment
                    | C::ProfessionalNote
            )
        }
        Role::FamilyDoctor | Role::FamilyNurse => c == C::ProfessionalNote,
        _ => false,
    }
}

fn supervised(kind: OrganizationKind) -> &'static [Domain] {
    match kind {
        OrganizationKind::SocialInsuranceBoard => &[Domain::Social, Domain::Care, Domain::Other],
        OrganizationKind::HealthBoard => &[Domain::Nursing, Domain::Health],
        _ => &[],
    }
}

fn tallinn_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Tallinn).date_naive()
}

fn in_days(day: NaiveDate, from: NaiveDate, until: Option<NaiveDate>) -> bool {
    from <= day && until.is_none_or(|u| day <= u)
}

/// The oracle's answer: allowed or not.
fn oracle(actor: &ActorFacts, action: &Action, c: &ClientFacts, at: DateTime<Utc>) -> bool {
    let day = tallinn_day(at);
    // 1. Who is the actor towards this client, in which role(s)? A person may stand in
    //    several self-side roles at once (a guardian who is also a relative): each is a
    //    standing of its own, and the actor may do what any of them may.
    let standings: Vec<(Role, Option<OrganizationKind>, Option<OrganizationId>)> = match actor {
        ActorFacts::Unknown | ActorFacts::System => return false,
        ActorFacts::Person { id } => {
            if *id == c.client {
                vec![(Role::Client, None, None)]
            } else {
                let mut found = Vec::new();
                for m in &c.network {
                    let self_side = matches!(
                        m.role,
                        Role::Relative | Role::Guardian | Role::InformalCarer | Role::Client
                    );
                    if m.member == Member::Person(*id)
                        && self_side
                        && in_days(day, m.valid_from, m.valid_until)
                    {
                        found.push((m.role, None, None));
                    }
                }
                if found.is_empty() {
                    return false;
                }
                found
            }
        }
        ActorFacts::Worker {
            id,
            role,
            organization,
            organization_kind,
            employed_from,
            employed_until,
            supervision,
        } => {
            if !in_days(day, *employed_from, *employed_until) {
                return false;
            }
            if supervision.is_some() && *role != Role::Supervisor {
                return false;
            }
            if *role == Role::Supervisor {
                if supervision.is_none() {
                    return false;
                }
                vec![(
                    Role::Supervisor,
                    Some(*organization_kind),
                    Some(*organization),
                )]
            } else if *role == Role::Administrator {
                return false;
            } else {
                let mut found = None;
                for m in &c.network {
                    if m.member == Member::Worker(*id)
                        && m.role == *role
                        && in_days(day, m.valid_from, m.valid_until)
                    {
                        found = Some(*role);
                    }
                }
                // A client directed to the actor's provider: the care or nursing
                // manager of that domain, while the direction runs.
                if found.is_none() && matches!(role, Role::CareManager | Role::NursingManager) {
                    for d in &c.directions {
                        if d.provider == *organization
                            && d.domain == domain_of(*role)
                            && in_days(day, d.from, d.until)
                        {
                            found = Some(*role);
                        }
                    }
                }
                if found.is_none() {
                    for s in &c.substitutions {
                        if s.substitute != *id || !in_days(day, s.from, Some(s.until)) {
                            continue;
                        }
                        for m in &c.network {
                            if m.member == Member::Worker(s.substituted)
                                && in_days(day, m.valid_from, m.valid_until)
                            {
                                found = Some(*role);
                            }
                        }
                    }
                }
                match found {
                    Some(r) => vec![(r, None, Some(*organization))],
                    None => return false,
                }
            }
        }
    };
    standings
        .into_iter()
        .any(|(role, supervising_kind, org)| may(action, role, supervising_kind, org))
}

/// 2. What may an actor standing in `role` do?
fn may(
    action: &Action,
    role: Role,
    supervising_kind: Option<OrganizationKind>,
    org: Option<OrganizationId>,
) -> bool {
    match action {
        Action::ManageNetwork { provider } => match role {
            Role::SocialWorker | Role::SocialWelfareHead => supervising_kind.is_none(),
            Role::CareManager | Role::NursingManager => provider.is_some() && *provider == org,
            _ => false,
        },
        Action::Read(cat, vis) | Action::Write(cat, vis) => {
            let write = matches!(action, Action::Write(..));
            if *cat == C::PsychiatricDiagnosis && role != Role::SpecialCareConsultant {
                return false;
            }
            if let Visibility::RoleOnly(r) = vis
                && role != *r
            {
                return false;
            }
            if let Some(kind) = supervising_kind {
                if write {
                    return false;
                }
                return match vis {
                    Visibility::DomainOnly(d) => {
                        supervised(kind).contains(d) || *d == Domain::Supervision
                    }
                    _ => true,
                };
            }
            if let Visibility::DomainOnly(d) = vis
                && domain_of(role) != *d
            {
                return false;
            }
            if write {
                may_write(role, *cat)
            } else {
                may_read(role, *cat)
            }
        }
        _ => unreachable!("only client actions are generated"),
    }
}

// ---- generators ----------------------------------------------------------------

const BASE: (i32, u32, u32) = (2026, 3, 20); // spans the spring DST change
const SPAN_DAYS: i64 = 20;

fn base_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(BASE.0, BASE.1, BASE.2).unwrap()
}

fn wid(n: u8) -> WorkerId {
    WorkerId(Uuid::from_u128(0x1000 + n as u128))
}
fn pid(n: u8) -> PersonId {
    PersonId(Uuid::from_u128(0x2000 + n as u128))
}
fn oid(n: u8) -> OrganizationId {
    OrganizationId(Uuid::from_u128(0x3000 + n as u128))
}

fn any_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}
fn any_category() -> impl Strategy<Value = DataCategory> {
    proptest::sample::select(DataCategory::ALL.to_vec())
}
fn any_domain() -> impl Strategy<Value = Domain> {
    proptest::sample::select(vec![
        Domain::Social,
        Domain::Care,
        Domain::Nursing,
        Domain::Health,
        Domain::Other,
        Domain::SelfCare,
        Domain::Supervision,
        Domain::Administration,
    ])
}
fn any_kind() -> impl Strategy<Value = OrganizationKind> {
    proptest::sample::select(vec![
        OrganizationKind::Municipality,
        OrganizationKind::HomeCareProvider,
        OrganizationKind::HomeNursingProvider,
        OrganizationKind::CareHome,
        OrganizationKind::Hospital,
        OrganizationKind::FamilyMedicinePractice,
        OrganizationKind::OtherProvider,
        OrganizationKind::SocialInsuranceBoard,
        OrganizationKind::HealthBoard,
    ])
}
fn any_visibility() -> impl Strategy<Value = Visibility> {
    prop_oneof![
        6 => Just(Visibility::Network),
        2 => any_domain().prop_map(Visibility::DomainOnly),
        1 => any_role().prop_map(Visibility::RoleOnly),
    ]
}
/// A period within the window: from, and an optional until on or after it; often one
/// that covers the whole window, so that standings are common.
fn any_period() -> impl Strategy<Value = (NaiveDate, Option<NaiveDate>)> {
    let random = (0..SPAN_DAYS, proptest::option::of(0..SPAN_DAYS)).prop_map(|(a, len)| {
        let from = base_day() + Duration::days(a - 2);
        (from, len.map(|l| from + Duration::days(l / 2)))
    });
    prop_oneof![
        2 => Just((base_day() - Duration::days(30), None)),
        3 => random,
    ]
}
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..SPAN_DAYS, 0..24u32, 0..60u32).prop_map(|(d, h, m)| {
        let date = base_day() + Duration::days(d);
        Tallinn
            .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
            .earliest()
            .unwrap_or_else(|| {
                Tallinn
                    .from_local_datetime(&date.and_hms_opt(h + 1, m, 0).unwrap())
                    .earliest()
                    .unwrap()
            })
            .with_timezone(&Utc)
    })
}

#[derive(Debug, Clone)]
struct World {
    actor: ActorFacts,
    action: Action,
    client: ClientFacts,
    at: DateTime<Utc>,
}

/// Pool: workers 0..4 (0 is the actor when the actor is a worker), persons 0..3 (0 is
/// the client), organisations 0..2.
fn any_direction() -> impl Strategy<Value = teho_core::case::Direction> {
    (
        0..3u8,
        proptest::sample::select(vec![Domain::Care, Domain::Nursing, Domain::Other]),
        any_period(),
    )
        .prop_map(|(o, domain, (from, until))| teho_core::case::Direction {
            provider: oid(o),
            domain,
            from,
            until,
        })
}

fn world() -> impl Strategy<Value = World> {
    (
        world_without_directions(),
        proptest::collection::vec(any_direction(), 0..3),
    )
        .prop_map(|(mut w, d)| {
            w.client.directions = d;
            w
        })
}

fn world_without_directions() -> impl Strategy<Value = World> {
    let network_role = proptest::sample::select(vec![
        Role::SocialWorker,
        Role::CareManager,
        Role::CareWorker,
        Role::NursingManager,
        Role::HomeNurse,
        Role::Physiotherapist,
        Role::FamilyDoctor,
        Role::SpecialCareConsultant,
        Role::HospitalSocialWorker,
    ]);
    let worker_roles =
        proptest::collection::vec(prop_oneof![3 => network_role, 1 => any_role()], 4);
    let person_role = prop_oneof![
        3 => proptest::sample::select(vec![Role::Relative, Role::Guardian, Role::InformalCarer]),
        1 => any_role(),
    ];
    let member = prop_oneof![3 => Just(0u8), 2 => Just(4u8), 3 => 0..7u8];
    let memberships = proptest::collection::vec((member, any_period(), 0..3u8, person_role), 0..6);
    let substitutions = proptest::collection::vec(
        (
            prop_oneof![3 => Just(0u8), 1 => 0..4u8],
            0..4u8,
            any_period(),
        ),
        0..3,
    );
    let actor_kind = prop_oneof![6 => Just(0u8), 1 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8)];
    let employment =
        prop_oneof![3 => Just((base_day() - Duration::days(400), None)), 1 => any_period()];
    let action = prop_oneof![
        4 => (any_category(), any_visibility()).prop_map(|(c, v)| Action::Read(c, v)),
        3 => (any_category(), any_visibility()).prop_map(|(c, v)| Action::Write(c, v)),
        1 => proptest::option::of(0..3u8).prop_map(|p| Action::ManageNetwork { provider: p.map(oid) }),
    ];
    (
        worker_roles,
        memberships,
        substitutions,
        actor_kind,
        employment,
        any_kind(),
        0..3u8,
        0..3u8,
        any_instant(),
        action,
    )
        .prop_map(
            |(
                roles,
                ms,
                subs,
                kind,
                (from, until),
                org_kind,
                actor_org,
                actor_person,
                at,
                action,
            )| {
                let file = ClientFileId(Uuid::from_u128(0x4000));
                let client = pid(0);
                let network = ms
                    .into_iter()
                    .enumerate()
                    .map(|(i, (member, (f, u), org, person_role))| {
                        // members 0..3 are workers (with their role), 4..6 persons 0..2
                        let (member, role, provider) = if member < 4 {
                            (
                                Member::Worker(wid(member)),
                                roles[member as usize],
                                Some(oid(org)),
                            )
                        } else {
                            (Member::Person(pid(member - 4)), person_role, None)
                        };
                        Membership {
                            id: MembershipId(Uuid::from_u128(0x5000 + i as u128)),
                            file,
                            member,
                            role,
                            provider,
                            valid_from: f,
                            valid_until: u,
                        }
                    })
                    .collect();
                let substitutions = subs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (substitute, substituted, (f, u)))| Substitution {
                        id: SubstitutionId(Uuid::from_u128(0x6000 + i as u128)),
                        substitute: wid(substitute),
                        substituted: wid(substituted),
                        from: f,
                        until: u.unwrap_or(f + Duration::days(3)),
                        granted_by: wid(3),
                        granted_at: at,
                    })
                    .filter(|s| s.substitute == wid(0))
                    .collect();
                let actor = match kind {
                    0 | 1 => ActorFacts::Worker {
                        id: wid(0),
                        role: roles[0],
                        organization: oid(actor_org),
                        organization_kind: org_kind,
                        employed_from: from,
                        employed_until: until,
                        supervision: (kind == 1).then(|| "JV-1".to_string()),
                    },
                    2 => ActorFacts::Person {
                        id: pid(actor_person),
                    },
                    _ => ActorFacts::System,
                };
                World {
                    actor,
                    action,
                    client: ClientFacts {
                        file,
                        client,
                        network,
                        substitutions,
                        directions: Vec::new(),
                        deceased_on: None,
                    },
                    at,
                }
            },
        )
}

/// How many cases the oracle is asked: `TEHO_ORACLE_CASES`, else 100,000.
fn oracle_cases() -> u32 {
    std::env::var("TEHO_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

proptest! {
    // 10^5 cases in every test run; `scripts/soak` runs 10^7 (TEHO_ORACLE_CASES).
    #![proptest_config(ProptestConfig { cases: oracle_cases(), ..ProptestConfig::default() })]

    #[test]
    fn authorize_agrees_with_the_oracle(w in world()) {
        let decision = authorize(&w.actor, &w.action, &Target::Client(w.client.clone()), w.at);
        let expected = oracle(&w.actor, &w.action, &w.client, w.at);
        prop_assert_eq!(
            decision.is_allowed(), expected,
            "actor {:?}\naction {:?}\nat {} (Tallinn {})\nnetwork {:#?}\nsubstitutions {:#?}\ndecision {:?}",
            w.actor, w.action, w.at, tallinn_day(w.at), w.client.network, w.client.substitutions, decision
        );
    }

    /// A list of entries shows exactly those a read of each would be allowed: redaction
    /// neither leaks one `authorize` refuses nor hides one it allows (a guardian who is
    /// also a relative sees the relatives-only entries in the list too).
    #[test]
    fn a_list_shows_exactly_the_entries_a_read_of_each_is_allowed(w in world()) {
        if let Action::Read(category, visibility) | Action::Write(category, visibility) = w.action {
            let target = Target::Client(w.client.clone());
            let entry = teho_core::file::Entry {
                id: teho_core::ids::EntryId(Uuid::from_u128(0xe)),
                file: w.client.file,
                category,
                visibility,
                author: teho_core::audit::ActorRef::system(),
                written_at: w.at,
                text: String::new(),
                domain_detail: None,
            };
            let shown = redact(&w.actor, &target, vec![entry], w.at).len() == 1;
            let allowed = authorize(&w.actor, &Action::Read(category, visibility), &target, w.at)
                .is_allowed();
            prop_assert_eq!(shown, allowed, "actor {:?}\nread {:?} {:?}", w.actor, category, visibility);
        }
    }

    #[test]
    fn nobody_outside_the_network_at_that_instant_is_allowed_anything(w in world()) {
        // Strip every standing the actor could have: no membership of theirs active at
        // that instant, no substitution, no direction to their provider; not the client;
        // not supervising.
        let mut c = w.client.clone();
        let day = tallinn_day(w.at);
        c.network.retain(|m| match (&w.actor, m.member) {
            (ActorFacts::Worker { id, .. }, Member::Worker(x)) => x != *id || !in_days(day, m.valid_from, m.valid_until),
            (ActorFacts::Person { id }, Member::Person(x)) => x != *id || !in_days(day, m.valid_from, m.valid_until),
            _ => true,
        });
        c.substitutions.clear();
        c.directions.clear();
        let actor = match w.actor.clone() {
            ActorFacts::Worker { supervision: Some(_), role, id, organization, organization_kind, employed_from, employed_until } =>
                ActorFacts::Worker { supervision: None, role, id, organization, organization_kind, employed_from, employed_until },
            ActorFacts::Person { id } if id == c.client => ActorFacts::Person { id: pid(9) },
            other => other,
        };
        let decision = authorize(&actor, &w.action, &Target::Client(c), w.at);
        prop_assert!(!decision.is_allowed(), "actor {:?} got {:?} for {:?} at {}", actor, decision, w.action, w.at);
    }
}
