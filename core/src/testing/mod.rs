//! The conformance suite and its fixture, exported behind the `testing` feature so that
//! every backend runs the same engine-level tests: `store_conformance_tests!` in a
//! backend's test crate, as matrix-rust-sdk's `statestore_integration_tests!`.
//!
//! ```text
//! teho_core::store_conformance_tests!(sqlite_in_memory, SqliteStore::open_memory().unwrap());
//! ```
//!
//! expands to one `#[test]` per module of the suite ([`MODULES`]), each running that
//! module's tests in turn on a fresh store from the expression, and naming every test
//! that failed with its message. `TEHO_SUITE=name` runs only the tests whose name
//! contains `name`. The fixture is [`Town`], a small Tallinn service network built
//! through the engine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a fixture: a failed step is a failed test

pub mod api;
pub mod suite;

use std::sync::Arc;

use crate::ClientFiles;
use crate::access::Actor;
use crate::case::instruments::instrument;
use crate::case::{
    AnswerValue, Contract, DecisionOutcome, NewApplication, NewDecision, ServiceKind,
};
use crate::file::{ContactKind, ContactPoint, NewCard};
use crate::ids::{ClientFileId, OrganizationId, PersonId, WorkerId};
use crate::network::{Member, NewMembership, NewSubstitution};
use crate::org::{Domain, NewAdministrator, NewOrganization, NewWorker, OrganizationKind, Role};
use crate::person::{NewPerson, PersonIdentity, PersonalCode, check_digit};
use crate::plan::{NewPlan, PlanItemSpec, PlannedAction, Recurrence};
use crate::ports::{FixedClock, SequentialIds};
use crate::store::Store;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;

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

/// An audit entry of the system's own `operation`, about no file, for store-level tests
/// that append entries without the engine.
pub fn system_audit_entry(operation: impl Into<String>) -> crate::audit::NewAuditEntry {
    use crate::audit::{ActorRef, AuditDecision, NewAuditEntry};
    NewAuditEntry {
        at: tallinn(2026, 11, 3, 10, 0),
        actor: ActorRef::system(),
        operation: operation.into(),
        object: String::new(),
        file: None,
        disclosed: Vec::new(),
        purpose: "operation".into(),
        decision: AuditDecision::Allowed("operator".into()),
        outcome: "ok".into(),
        writes: Vec::new(),
    }
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
    pub care: crate::engine::PlanItemOutcome,
    /// The nursing plan's Monday and Thursday 11:00 item for the nurse (45 minutes).
    pub nursing: crate::engine::PlanItemOutcome,
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

fn ok<T>(what: &str, r: crate::TehoResult<T>) -> T {
    r.unwrap_or_else(|e| panic!("fixture step {what}: {e}"))
}

impl Town {
    /// How many audit entries the chain holds before this call (which, being a
    /// checkpoint, is audited too and adds one).
    pub fn audit_entries(&self) -> u64 {
        ok("checkpoint", self.engine.audit_checkpoint(&Actor::System)).entries
    }

    /// The care worker records their first two visits from `from` to the clock's day:
    /// the first done with `detail` (domain-only), the second not done, client not at
    /// home.
    pub fn record_two_visits(&self, from: NaiveDate, detail: &str) {
        let cw = Actor::Worker(self.care_worker);
        let visits = ok(
            "calendar",
            self.engine
                .worker_calendar(&cw, self.care_worker, from, self.clock_day()),
        );
        let [first, second, ..] = visits.as_slice() else {
            panic!("fewer than two visits from {from} to {}", self.clock_day());
        };
        let report = crate::log::DoneReport {
            detail: Some(detail.into()),
            ..crate::log::DoneReport::default()
        };
        ok("done", self.engine.mark_done(&cw, first.id, report));
        let reason = Some(crate::log::NotDoneReason::ClientNotAtHome);
        ok(
            "not done",
            self.engine
                .mark_not_done(&cw, second.id, reason, String::new(), None),
        );
    }

    /// The social worker adds `person` to the client's network as their guardian, from 2
    /// November 2026, open-ended.
    pub fn add_guardian(&self, person: crate::ids::PersonId) {
        ok(
            "guardian",
            self.engine.add_member(
                &Actor::Worker(self.social_worker),
                NewMembership {
                    file: self.file,
                    member: Member::Person(person),
                    role: Some(Role::Guardian),
                    valid_from: day(2026, 11, 2),
                    valid_until: None,
                },
            ),
        );
    }

    /// The Tallinn day the clock stands on.
    pub fn clock_day(&self) -> NaiveDate {
        use crate::ports::Clock;
        crate::time::local_date(self.clock.now())
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

    /// Builds the town over a boxed store (the conformance suite's).
    pub fn build_boxed(store: Box<dyn Store>) -> Self {
        Self::build_shared(Arc::from(store), 0)
    }

    /// Builds the town with ids prefixed by `id_prefix` (keeps processes apart).
    pub fn build_with(store: impl Store + 'static, id_prefix: u64) -> Self {
        Self::build_shared(Arc::new(store), id_prefix)
    }

    /// Builds the town over a shared store.
    pub fn build_shared(store: Arc<dyn Store>, id_prefix: u64) -> Self {
        let clock = Arc::new(FixedClock::new(tallinn(2026, 11, 2, 9, 0)));
        let engine = ClientFiles::shared(
            store,
            clock.clone(),
            Arc::new(SequentialIds::new(id_prefix)),
        );
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

/// The events of an iCalendar text, each as its properties (name without parameters →
/// value, after unfolding; values as written, escaped), checking on the way that lines
/// end in CRLF and that no property stands twice in an event.
pub fn ics_events(ics: &str) -> Vec<std::collections::HashMap<String, String>> {
    assert!(ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    let mut lines: Vec<String> = Vec::new();
    for raw in ics.trim_end_matches("\r\n").split("\r\n") {
        assert!(!raw.contains('\n'), "a bare LF in {raw:?}");
        match raw.strip_prefix(' ') {
            Some(rest) => lines.last_mut().unwrap().push_str(rest),
            None => lines.push(raw.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut current: Option<std::collections::HashMap<String, String>> = None;
    for l in lines {
        match l.as_str() {
            "BEGIN:VEVENT" => current = Some(std::collections::HashMap::new()),
            "END:VEVENT" => out.push(current.take().unwrap()),
            _ => {
                if let Some(e) = &mut current {
                    let (head, value) = l.split_once(':').unwrap();
                    let name = head.split(';').next().unwrap();
                    assert!(
                        e.insert(name.to_string(), value.to_string()).is_none(),
                        "{name} twice in one event"
                    );
                }
            }
        }
    }
    out
}

/// An iCalendar TEXT value unescaped (RFC 5545 §3.3.11: `\\`, `\;`, `\,`, `\n`/`\N`).
pub fn ics_unescaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The reason of an `AccessDenied` result; any other result fails the test, naming it.
pub fn denied<T: std::fmt::Debug>(r: crate::TehoResult<T>) -> crate::access::DenyReason {
    match r {
        Err(crate::TehoError::AccessDenied { reason, .. }) => reason,
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

/// One test of the suite: a function of a fresh [`Town`].
pub type SuiteTest = (&'static str, fn(Town));

/// Declares a module's tests: `tests![a, b, c];` makes its `TESTS`. The functions stay
/// private, so one left out of the list is dead code, which the lints refuse.
macro_rules! tests {
    ($($test:ident),+ $(,)?) => {
        /// The module's tests, by name.
        pub const TESTS: &[$crate::testing::SuiteTest] = &[$((stringify!($test), $test)),+];
    };
}
pub(crate) use tests;

/// Every module of the suite, by name. `store_conformance_tests!` makes a `#[test]` for
/// each and checks that it covers all of them.
pub const MODULES: &[(&str, &[SuiteTest])] = &[
    ("access_log", suite::access_log::TESTS),
    ("access_log_reach", suite::access_log_reach::TESTS),
    ("audit_per_call", suite::audit_per_call::TESTS),
    ("authorize_first", suite::authorize_first::TESTS),
    ("batch", suite::batch::TESTS),
    ("calendar_rules", suite::calendar_rules::TESTS),
    ("case_rules", suite::case_rules::TESTS),
    ("checkpoints", suite::checkpoints::TESTS),
    ("death", suite::death::TESTS),
    ("departure", suite::departure::TESTS),
    ("domain_only_reach", suite::domain_only_reach::TESTS),
    ("engine_rules", suite::engine_rules::TESTS),
    ("exports", suite::exports::TESTS),
    ("input_edges", suite::input_edges::TESTS),
    ("notifications", suite::notifications::TESTS),
    ("records_bound", suite::records_bound::TESTS),
    ("reporting", suite::reporting::TESTS),
    ("restrictions", suite::restrictions::TESTS),
    ("store_columns", suite::store_columns::TESTS),
    ("store_port", suite::store_port::TESTS),
    ("views", suite::views::TESTS),
];

/// Runs the tests of one module, each on a fresh store from `make`; panics naming every
/// test that failed, with its message. `TEHO_SUITE` keeps only the tests whose name
/// contains it.
pub fn run_module(backend: &str, module: &str, make: &dyn Fn() -> Box<dyn Store>) {
    let (_, tests) = MODULES
        .iter()
        .find(|(name, _)| *name == module)
        .unwrap_or_else(|| panic!("no module {module} in the conformance suite"));
    let only = std::env::var("TEHO_SUITE").ok();
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests.iter() {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        ran += 1;
        let store = make();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            test(Town::build_boxed(store))
        }));
        if let Err(p) = outcome {
            let why = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            failed.push(format!("{module}::{name}: {why}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {ran} conformance tests failed on {backend}:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The engine-level conformance suite on a backend: `store_conformance_tests!(name,
/// expression making a fresh store)` makes a module `name` with a `#[test]` per module
/// of the suite. Adding a backend takes this one line in its test crate.
#[macro_export]
macro_rules! store_conformance_tests {
    ($backend:ident, $make:expr) => {
        $crate::store_conformance_tests!($backend, $make, unless false);
    };
    // `unless SKIP`: every test passes at once, saying so loudly, while SKIP is true (a
    // server-backed store whose server this run was told to do without).
    ($backend:ident, $make:expr, unless $skip:expr) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;

            fn make() -> ::std::boxed::Box<dyn $crate::store::Store> {
                ::std::boxed::Box::new($make)
            }

            fn run(module: &str) {
                if $skip {
                    eprintln!(
                        "!!! {} conformance module {module} SKIPPED !!!",
                        stringify!($backend)
                    );
                    return;
                }
                $crate::testing::run_module(stringify!($backend), module, &make)
            }

            $crate::store_conformance_tests!(@modules
                access_log, access_log_reach, audit_per_call, authorize_first, batch, calendar_rules, case_rules, checkpoints, death,
                departure, domain_only_reach, engine_rules, exports, input_edges, notifications, records_bound, reporting, restrictions,
                store_columns, store_port, views);
        }
    };
    (@modules $($module:ident),+) => {
        $(
            #[test]
            fn $module() {
                run(stringify!($module))
            }
        )+

        #[test]
        fn every_module_of_the_suite_is_run() {
            let listed = [$(stringify!($module)),+];
            let all: ::std::vec::Vec<&str> =
                $crate::testing::MODULES.iter().map(|(name, _)| *name).collect();
            assert_eq!(listed.as_slice(), all.as_slice(), "store_conformance_tests! lists");
        }
    };
}
