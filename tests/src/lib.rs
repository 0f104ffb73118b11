//! # teho-tests
//!
//! Cross-crate tests of TEHO. The library part is the fixture they share: [`Town`], a
//! small Tallinn service network built through the engine over any store, so the same
//! tests run on [`teho_core::store::MemoryStore`] and [`teho_storage::SqliteStore`].

pub mod scenario;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::case::instruments::instrument;
use teho_core::case::{
    AnswerValue, Contract, DecisionOutcome, NewApplication, NewDecision, ServiceKind,
};
use teho_core::file::{ContactKind, ContactPoint, NewCard};
use teho_core::ids::{ClientFileId, OrganizationId, PersonId, WorkerId};
use teho_core::network::{Member, NewMembership, NewSubstitution};
use teho_core::org::{
    Domain, NewAdministrator, NewOrganization, NewWorker, OrganizationKind, Role,
};
use teho_core::person::{NewPerson, PersonIdentity, PersonalCode, check_digit};
use teho_core::plan::{NewPlan, PlanItemSpec, PlannedAction, Recurrence};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::Store;

/// Answers to the seven life-domain items of the national needs-assessment instrument
/// (`NEEDS` v1), in its order, all at `level`; its free-text summary is left out.
pub fn needs_answers(level: u8) -> Vec<(String, AnswerValue)> {
    instrument("NEEDS", 1)
        .expect("the NEEDS instrument, version 1")
        .items
        .iter()
        .filter(|item| item.life_domain.is_some())
        .map(|item| (item.code.to_string(), AnswerValue::Level(level)))
        .collect()
}

/// A valid personal code from its first ten digits.
pub fn code(first_ten: &str) -> PersonalCode {
    let digits: Vec<u8> = first_ten.bytes().map(|b| b - b'0').collect();
    PersonalCode::parse(&format!("{first_ten}{}", check_digit(&digits)))
        .unwrap_or_else(|e| panic!("fixture code {first_ten}: {e}"))
}

/// A Tallinn wall-clock instant.
pub fn tallinn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Tallinn
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .expect("fixture instants avoid DST gaps")
        .with_timezone(&Utc)
}

/// A calendar date.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("fixture dates are real")
}

/// A small Tallinn network: a district social worker, a home-care provider with a care
/// manager and two care workers, a home-nursing provider with a nursing manager and two
/// nurses (the second substitutes the first 9–13 November 2026), supervisors, a
/// special-care consultant, a client with a relative, and an outsider of each kind.
pub struct Town {
    /// The engine.
    pub engine: ClientFiles,
    /// Its clock: 2 November 2026, 09:00 Tallinn, when built.
    pub clock: Arc<FixedClock>,
    /// The city's administrator.
    pub admin: WorkerId,
    /// Tallinn (municipality).
    pub city: OrganizationId,
    /// Home-care provider.
    pub care_org: OrganizationId,
    /// Home-nursing provider.
    pub nursing_org: OrganizationId,
    /// Social Insurance Board.
    pub ska: OrganizationId,
    /// Health Board.
    pub health_board: OrganizationId,
    /// District social worker (opened the file).
    pub social_worker: WorkerId,
    /// Care manager.
    pub care_manager: WorkerId,
    /// Care worker in the network.
    pub care_worker: WorkerId,
    /// Care worker of the same provider, not in the network.
    pub other_care_worker: WorkerId,
    /// Nursing manager.
    pub nursing_manager: WorkerId,
    /// Home nurse in the network.
    pub nurse: WorkerId,
    /// Home nurse substituting `nurse` 9–13 November 2026.
    pub substitute_nurse: WorkerId,
    /// SKA supervisor.
    pub ska_supervisor: WorkerId,
    /// Health Board supervisor.
    pub tb_supervisor: WorkerId,
    /// SKA special-care consultant, in the network.
    pub consultant: WorkerId,
    /// The client.
    pub client: PersonId,
    /// The client's relative, in the network.
    pub relative: PersonId,
    /// A person outside the network.
    pub stranger: PersonId,
    /// The client's file.
    pub file: ClientFileId,
}

/// The two plans [`Town::plan_week`] makes.
pub struct Plans {
    /// The care plan's daily 09:00 item for the care worker (30 minutes).
    pub care: teho_core::engine::PlanItemOutcome,
    /// The nursing plan's Monday and Thursday 11:00 item for the nurse (45 minutes).
    pub nursing: teho_core::engine::PlanItemOutcome,
}

/// A plan item spec for tests: `rule` from 2 November 2026, open-ended.
pub fn spec(
    code: &str,
    text: &str,
    worker: Option<WorkerId>,
    minutes: u32,
    rule: &str,
) -> PlanItemSpec {
    PlanItemSpec {
        action: PlannedAction {
            code: code.into(),
            text: text.into(),
        },
        worker,
        place: "home".into(),
        duration_minutes: minutes,
        recurrence: Recurrence::parse(rule).unwrap_or_else(|e| panic!("fixture rule {rule}: {e}")),
        valid_from: day(2026, 11, 2),
        valid_until: None,
    }
}

fn ok<T>(what: &str, r: teho_core::TehoResult<T>) -> T {
    r.unwrap_or_else(|e| panic!("fixture step {what}: {e}"))
}

impl Town {
    /// How many audit entries the chain holds before this call (which, being a
    /// checkpoint, is audited too and adds one).
    pub fn audit_entries(&self) -> u64 {
        ok("checkpoint", self.engine.audit_checkpoint(&Actor::System)).entries
    }

    /// The Tallinn day the clock stands on.
    pub fn clock_day(&self) -> NaiveDate {
        use teho_core::ports::Clock;
        teho_core::time::local_date(self.clock.now())
    }

    /// The social worker directs the client to home care by the care provider: an
    /// application (submitted 30 October 2026), a positive decision (2 November) and a
    /// prepared contract, which is returned.
    pub fn direct_to_home_care(&self) -> Contract {
        let sw = Actor::Worker(self.social_worker);
        let app = ok(
            "application",
            self.engine.enter_application(
                &sw,
                NewApplication {
                    file: self.file,
                    applicant: None,
                    service: ServiceKind::HomeCare,
                    submitted_on: day(2026, 10, 30),
                },
            ),
        );
        ok(
            "decision",
            self.engine.decide_application(
                &sw,
                NewDecision {
                    application: app.id,
                    outcome: DecisionOutcome::Positive,
                    reasons: "Needs help".into(),
                    legal_basis: "SHS § 20".into(),
                    provider: Some(self.care_org),
                    decided_on: day(2026, 11, 2),
                },
            ),
        );
        ok(
            "contract",
            self.engine
                .prepare_contract(&sw, self.file, self.care_org, ServiceKind::HomeCare),
        )
    }

    /// The care manager plans daily morning care by the care worker; the nursing manager
    /// plans wound care by the nurse on Mondays and Thursdays.
    pub fn plan_week(&self) -> Plans {
        self.plan_week_with(&self.engine)
    }

    /// [`Town::plan_week`] through `engine` (the one a batch hands out, say).
    pub fn plan_week_with(&self, engine: &ClientFiles) -> Plans {
        let cm = Actor::Worker(self.care_manager);
        let care_plan = ok(
            "care plan",
            engine.create_plan(
                &cm,
                NewPlan {
                    file: self.file,
                    domain: Domain::Care,
                    provider: self.care_org,
                },
            ),
        );
        let care = ok(
            "care item",
            engine.add_plan_item(
                &cm,
                care_plan.id,
                spec(
                    "HOOLD-01",
                    "Morning care",
                    Some(self.care_worker),
                    30,
                    "FREQ=DAILY;BYHOUR=9",
                ),
            ),
        );
        let nm = Actor::Worker(self.nursing_manager);
        let nursing_plan = ok(
            "nursing plan",
            engine.create_plan(
                &nm,
                NewPlan {
                    file: self.file,
                    domain: Domain::Nursing,
                    provider: self.nursing_org,
                },
            ),
        );
        let nursing = ok(
            "nursing item",
            engine.add_plan_item(
                &nm,
                nursing_plan.id,
                spec(
                    "ÕE-HAAV",
                    "Wound care",
                    Some(self.nurse),
                    45,
                    "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11",
                ),
            ),
        );
        Plans { care, nursing }
    }

    /// Builds the town through the engine over `store`.
    pub fn build(store: impl Store + 'static) -> Self {
        Self::build_with(store, 0)
    }

    /// Builds the town with ids prefixed by `id_prefix` (keeps processes apart).
    pub fn build_with(store: impl Store + 'static, id_prefix: u64) -> Self {
        let clock = Arc::new(FixedClock::new(tallinn(2026, 11, 2, 9, 0)));
        let engine = ClientFiles::new(store, clock.clone(), SequentialIds::new(id_prefix));
        let since = day(2020, 1, 1);
        let (city, admin) = ok(
            "bootstrap",
            engine.bootstrap(
                &Actor::System,
                NewOrganization {
                    name: "Tallinna Sotsiaal- ja Tervishoiuamet".into(),
                    kind: OrganizationKind::Municipality,
                    registry_code: Some("75014920".into()),
                },
                NewAdministrator {
                    personal_code: code("3800101001"),
                    given_name: "Mari".into(),
                    family_name: "Haldur".into(),
                    employed_from: since,
                },
            ),
        );
        let a = Actor::Worker(admin.id);
        let org = |name: &str, kind| {
            ok(
                name,
                engine.register_organization(
                    &a,
                    NewOrganization {
                        name: name.into(),
                        kind,
                        registry_code: None,
                    },
                ),
            )
            .id
        };
        let care_org = org(
            "Lasnamäe Sotsiaalkeskus",
            OrganizationKind::HomeCareProvider,
        );
        let nursing_org = org("Koduõde OÜ", OrganizationKind::HomeNursingProvider);
        let ska = org(
            "Sotsiaalkindlustusamet",
            OrganizationKind::SocialInsuranceBoard,
        );
        let health_board = org("Terviseamet", OrganizationKind::HealthBoard);
        let worker = |first_ten: &str, name: &str, organization, role| {
            ok(
                name,
                engine.register_worker(
                    &a,
                    NewWorker {
                        personal_code: code(first_ten),
                        given_name: name.into(),
                        family_name: "Tallinn".into(),
                        organization,
                        role,
                        employed_from: since,
                        employed_until: None,
                    },
                ),
            )
            .id
        };
        let social_worker = worker("4850505002", "Sirje", city.id, Role::SocialWorker);
        let care_manager = worker("4750303003", "Kadri", care_org, Role::CareManager);
        let care_worker = worker("4900202004", "Hille", care_org, Role::CareWorker);
        let other_care_worker = worker("4910202005", "Anu", care_org, Role::CareWorker);
        let nursing_manager = worker("4700707006", "Andra", nursing_org, Role::NursingManager);
        let nurse = worker("4880808007", "Teisi", nursing_org, Role::HomeNurse);
        let substitute_nurse = worker("4890909008", "Piret", nursing_org, Role::HomeNurse);
        let ska_supervisor = worker("3750101009", "Peeter", ska, Role::Supervisor);
        let tb_supervisor = worker("3760101010", "Toomas", health_board, Role::Supervisor);
        let consultant = worker("4780101011", "Kai", ska, Role::SpecialCareConsultant);

        let sw = Actor::Worker(social_worker);
        let person = |first_ten: &str, given: &str| {
            ok(
                given,
                engine.register_person(
                    &sw,
                    NewPerson {
                        identity: PersonIdentity::Estonian(code(first_ten)),
                        given_name: given.into(),
                        family_name: "Kask".into(),
                        birth_date: None,
                    },
                ),
            )
            .id
        };
        let client = person("4380303012", "Laine");
        let relative = person("3650606013", "Jaan");
        let stranger = person("3700707014", "Võõras");
        let file = ok(
            "open file",
            engine.open_client_file(
                &sw,
                client,
                NewCard {
                    residence: Some("Punane 16-4, Tallinn".into()),
                    contacts: vec![ContactPoint {
                        kind: ContactKind::Phone,
                        value: "+372 5555 0101".into(),
                        label: None,
                    }],
                    good_to_know: "Spare key at the neighbour's, flat 5. Angry dog.".into(),
                },
            ),
        )
        .id;
        let today = day(2026, 11, 2);
        for (member, role) in [
            (Member::Worker(care_manager), None),
            (Member::Worker(care_worker), None),
            (Member::Worker(nursing_manager), None),
            (Member::Worker(nurse), None),
            (Member::Worker(consultant), None),
            (Member::Person(relative), Some(Role::Relative)),
        ] {
            ok(
                "add member",
                engine.add_member(
                    &sw,
                    NewMembership {
                        file,
                        member,
                        role,
                        valid_from: today,
                        valid_until: None,
                    },
                ),
            );
        }
        ok(
            "substitution",
            engine.grant_substitution(
                &Actor::Worker(nursing_manager),
                NewSubstitution {
                    substitute: substitute_nurse,
                    substituted: nurse,
                    from: day(2026, 11, 9),
                    until: day(2026, 11, 13),
                },
            ),
        );
        Self {
            engine,
            clock,
            admin: admin.id,
            city: city.id,
            care_org,
            nursing_org,
            ska,
            health_board,
            social_worker,
            care_manager,
            care_worker,
            other_care_worker,
            nursing_manager,
            nurse,
            substitute_nurse,
            ska_supervisor,
            tb_supervisor,
            consultant,
            client,
            relative,
            stranger,
            file,
        }
    }
}

/// The reason of an `AccessDenied` result; any other result fails the test, naming it.
pub fn denied<T: std::fmt::Debug>(r: teho_core::TehoResult<T>) -> teho_core::access::DenyReason {
    match r {
        Err(teho_core::TehoError::AccessDenied { reason, .. }) => reason,
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

/// Runs each named test function — `fn name(town: Town)` in the calling
/// file — once on [`teho_core::store::MemoryStore`] and once on an in-memory
/// [`teho_storage::SqliteStore`], as `memory_store::name` and `sqlite_store::name`: the
/// rules must not depend on the store.
#[macro_export]
macro_rules! on_both_stores {
    ($($test:ident),+ $(,)?) => {
        mod memory_store {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::Town::build(::teho_core::store::MemoryStore::new()))
                }
            )+
        }
        mod sqlite_store {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::Town::build(
                        ::teho_storage::SqliteStore::open_memory().expect("in-memory SQLite"),
                    ))
                }
            )+
        }
    };
}
