//! `teho demo`: a small Tallinn service network built through the engine in a fresh
//! SQLite file, then, actor by actor, what each may see and what is refused and why,
//! and finally the audit chain verified.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::case::{
    AnswerValue, ClientQuery, DecisionOutcome, NewApplication, NewAssessment, NewDecision,
    NewReferral, ReferralSource, ServiceKind,
};
use teho_core::file::{ContactKind, ContactPoint, NewCard, NewEntry};
use teho_core::ids::{ClientFileId, OrganizationId, WorkerId};
use teho_core::log::{DoneReport, NotDoneReason};
use teho_core::network::{Member, NewMembership, NewSubstitution};
use teho_core::notify::NotificationKind;
use teho_core::org::{
    Domain, NewAdministrator, NewOrganization, NewWorker, OrganizationKind, Role,
};
use teho_core::person::{NewPerson, PersonIdentity, PersonalCode};
use teho_core::plan::{NewPlan, PlanItemSpec, PlannedAction, Recurrence};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::Store;
use teho_core::{ClientFiles, TehoError, TehoResult};
use teho_storage::SqliteStore;

type Engine = ClientFiles;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Tallinn
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| {
            Utc.with_ymd_and_hms(y, m, d, h, min, 0)
                .single()
                .unwrap_or_default()
        })
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn code(s: &str) -> TehoResult<PersonalCode> {
    Ok(PersonalCode::parse(s)?)
}

/// Runs the demo; `db`, a file, must not exist yet (a temporary file is used when
/// `None`), or a `postgresql://` URL whose schema holds no tables yet.
pub fn run(db: Option<&str>) -> Result<(), TehoError> {
    let _tmp;
    let keep = db.is_some();
    let clock = Arc::new(FixedClock::new(at(2026, 11, 2, 9, 0)));
    let (store, shown): (Arc<dyn Store>, String) = match db {
        Some(url) if teho_postgres::is_postgres_url(url) => (
            Arc::new(teho_postgres::PostgresStore::create(url)?),
            "the PostgreSQL database".into(),
        ),
        Some(p) => {
            let p = PathBuf::from(p);
            if p.exists() {
                return Err(TehoError::invalid_path(&p));
            }
            (Arc::new(SqliteStore::create(&p)?), p.display().to_string())
        }
        None => {
            let dir = tempfile::tempdir().map_err(|e| TehoError::Storage {
                message: e.to_string(),
            })?;
            let p = dir.path().join("teho-demo.db");
            _tmp = dir;
            (Arc::new(SqliteStore::create(&p)?), p.display().to_string())
        }
    };
    let engine = ClientFiles::shared(store, clock.clone(), Arc::new(SequentialIds::new(0x7e40)));
    println!("TEHO demo — shared client file for home care and home nursing, Tallinn");
    println!("database: {shown}\n");
    let town = build(&engine, &clock)?;
    show(&engine, &clock, &town)?;
    let rest = neighbour_outcomes(
        &engine,
        &town.neighbour,
        date(2026, 11, 9),
        date(2026, 11, 19),
    )?;
    println!("\n== Helju's visits, 2-19 November (for the analysts) ==");
    println!(
        "  {} visits done, {} not done with a reason, {} left with no outcome",
        town.first_week.done + rest.done,
        town.first_week.not_done + rest.not_done,
        town.first_week.open + rest.open
    );
    println!("\n== Audit ==");
    let cp = engine.audit_checkpoint(&Actor::System)?;
    let report = engine.verify_audit(&Actor::System, Some(&cp))?;
    println!(
        "every call above was audited: {} entries in the hash chain, {}",
        report.entries,
        if report.is_intact() {
            "chain intact"
        } else {
            "CHAIN BROKEN"
        }
    );
    println!("checkpoint to keep elsewhere: {}", cp.to_text());
    if keep {
        // A URL may carry a password: it is not printed back.
        let again = match db {
            Some(u) if teho_postgres::is_postgres_url(u) => "postgresql://…",
            other => other.unwrap_or_default(),
        };
        println!(
            "verify again later with: teho audit verify --db {again} --checkpoint {}",
            cp.to_text()
        );
        println!(
            "ids for the operator commands: administrator {}, head of department {}, client file {}",
            town.admin, town.head, town.file
        );
        println!(
            "analyse Helju's month in Python: python bindings/python/examples/demo_month.py {again} {} {}",
            town.care_manager, town.neighbour.file
        );
    } else {
        println!(
            "(the database was temporary; run `teho demo --db teho-demo.db` to keep it and verify it later)"
        );
    }
    if !report.is_intact() {
        return Err(TehoError::Internal {
            message: format!("audit chain broken: {:?}", report.first_break),
        });
    }
    Ok(())
}

trait InvalidPath {
    fn invalid_path(p: &std::path::Path) -> TehoError;
}
impl InvalidPath for TehoError {
    fn invalid_path(p: &std::path::Path) -> TehoError {
        TehoError::InvalidInput {
            field: "--db".into(),
            value: p.display().to_string(),
            problem: "already exists; the demo builds a fresh database, give a new path".into(),
        }
    }
}

struct DemoTown {
    head: WorkerId,
    hospital_sw: WorkerId,
    admin: WorkerId,
    care_org: OrganizationId,
    social_worker: WorkerId,
    care_manager: WorkerId,
    care_worker: WorkerId,
    departed_care_worker: WorkerId,
    nursing_manager: WorkerId,
    nurse: WorkerId,
    substitute_nurse: WorkerId,
    client: teho_core::ids::PersonId,
    relative: teho_core::ids::PersonId,
    file: ClientFileId,
    neighbour: Neighbour,
    /// Helju's visits recorded in the week of 2–8 November.
    first_week: Marks,
}

fn build(e: &Engine, clock: &FixedClock) -> TehoResult<DemoTown> {
    println!("== Building the network (2 November 2026) ==");
    let since = date(2020, 1, 1);
    let (city, admin) = e.bootstrap(
        &Actor::System,
        NewOrganization {
            name: "Lasnamäe linnaosa valitsus".into(),
            kind: OrganizationKind::Municipality,
            registry_code: None,
        },
        NewAdministrator {
            personal_code: code("38001010015")?,
            given_name: "Mari".into(),
            family_name: "Haldur".into(),
            employed_from: since,
        },
    )?;
    let a = Actor::Worker(admin.id);
    let care_org = e.register_organization(
        &a,
        NewOrganization {
            name: "Lasnamäe Sotsiaalkeskus".into(),
            kind: OrganizationKind::HomeCareProvider,
            registry_code: None,
        },
    )?;
    let nursing_org = e.register_organization(
        &a,
        NewOrganization {
            name: "Koduõde OÜ".into(),
            kind: OrganizationKind::HomeNursingProvider,
            registry_code: None,
        },
    )?;
    let worker = |c: &str,
                  given: &str,
                  family: &str,
                  org: OrganizationId,
                  role: Role|
     -> TehoResult<WorkerId> {
        let w = e.register_worker(
            &a,
            NewWorker {
                personal_code: code(c)?,
                given_name: given.into(),
                family_name: family.into(),
                organization: org,
                role,
                employed_from: since,
                employed_until: None,
            },
        )?;
        println!(
            "  {:<22} {:<16} {}",
            w.full_name(),
            format!("{:?}", role),
            org_name(org, city.id, care_org.id, nursing_org.id)
        );
        Ok(w.id)
    };
    let hospital = e.register_organization(
        &a,
        NewOrganization {
            name: "Ida-Tallinna Keskhaigla".into(),
            kind: OrganizationKind::Hospital,
            registry_code: None,
        },
    )?;
    let hospital_sw = e
        .register_worker(
            &a,
            NewWorker {
                personal_code: code("47201010406")?,
                given_name: "Heli".into(),
                family_name: "Haigla".into(),
                organization: hospital.id,
                role: Role::HospitalSocialWorker,
                employed_from: since,
                employed_until: None,
            },
        )?
        .id;
    let head = e
        .register_worker(
            &a,
            NewWorker {
                personal_code: code("46501010707")?,
                given_name: "Helle".into(),
                family_name: "Juhataja".into(),
                organization: city.id,
                role: Role::SocialWelfareHead,
                employed_from: since,
                employed_until: None,
            },
        )?
        .id;
    let social_worker = worker("48505050029", "Sirje", "Saar", city.id, Role::SocialWorker)?;
    let care_manager = worker(
        "47503030036",
        "Kadri",
        "Kuusk",
        care_org.id,
        Role::CareManager,
    )?;
    let care_worker = worker(
        "49002020046",
        "Hille",
        "Haab",
        care_org.id,
        Role::CareWorker,
    )?;
    let departed_care_worker =
        worker("49102020051", "Anu", "Alder", care_org.id, Role::CareWorker)?;
    let nursing_manager = worker(
        "47007070069",
        "Andra",
        "Õismaa",
        nursing_org.id,
        Role::NursingManager,
    )?;
    let nurse = worker(
        "48808080074",
        "Teisi",
        "Remmel",
        nursing_org.id,
        Role::HomeNurse,
    )?;
    let substitute_nurse = worker(
        "48909090089",
        "Piret",
        "Pärn",
        nursing_org.id,
        Role::HomeNurse,
    )?;

    let sw = Actor::Worker(social_worker);
    let client = e.register_person(
        &sw,
        NewPerson {
            identity: PersonIdentity::Estonian(code("43803030124")?),
            given_name: "Laine".into(),
            family_name: "Kask".into(),
            birth_date: None,
        },
    )?;
    let relative = e.register_person(
        &sw,
        NewPerson {
            identity: PersonIdentity::Estonian(code("36506060134")?),
            given_name: "Jaan".into(),
            family_name: "Kask".into(),
            birth_date: None,
        },
    )?;
    println!(
        "  client {} (born {}), relative {}",
        client.full_name(),
        client.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        relative.full_name()
    );
    println!("\n== The case: from application to service ==");
    let found = e.find_client(&sw, ClientQuery::Code(code("43803030124")?))?;
    println!(
        "  Sirje searches by personal code: {} file(s) found; she opens the file and card",
        found.len()
    );
    let file = e.open_client_file(
        &sw,
        client.id,
        NewCard {
            residence: Some("Punane 16-4, Tallinn".into()),
            contacts: vec![ContactPoint {
                kind: ContactKind::Phone,
                value: "+372 5555 0101".into(),
                label: None,
            }],
            good_to_know: "Spare key at the neighbour's, flat 5. Angry dog.".into(),
        },
    )?;
    let today = date(2026, 11, 2);
    e.add_member(
        &sw,
        NewMembership {
            file: file.id,
            member: Member::Person(relative.id),
            role: Some(Role::Relative),
            valid_from: today,
            valid_until: None,
        },
    )?;
    // Every application is entered, negative decisions too.
    let care_home = e.enter_application(
        &sw,
        NewApplication {
            file: file.id,
            applicant: Some(relative.id),
            service: ServiceKind::GeneralCareOutsideHome,
            submitted_on: date(2026, 10, 20),
        },
    )?;
    e.decide_application(
        &sw,
        NewDecision {
            application: care_home.id,
            outcome: DecisionOutcome::Negative,
            reasons: "Can live at home with home care".into(),
            legal_basis: "SHS § 21".into(),
            provider: None,
            decided_on: date(2026, 10, 30),
        },
    )?;
    let home = e.enter_application(
        &sw,
        NewApplication {
            file: file.id,
            applicant: None,
            service: ServiceKind::HomeCare,
            submitted_on: date(2026, 10, 20),
        },
    )?;
    e.decide_application(
        &sw,
        NewDecision {
            application: home.id,
            outcome: DecisionOutcome::Positive,
            reasons: "Needs daily help with washing and meals".into(),
            legal_basis: "SHS § 20".into(),
            provider: Some(care_org.id),
            decided_on: today,
        },
    )?;
    println!(
        "  two applications entered: care home refused (kept, starts nothing), home care granted -> Lasnamäe Sotsiaalkeskus"
    );
    let cm = Actor::Worker(care_manager);
    let directed = e
        .inbox(&cm)?
        .into_iter()
        .filter(|n| matches!(n.kind, NotificationKind::ClientDirected { .. }))
        .count();
    e.register_client(&cm, file.id)?;
    let office = ContactPoint {
        kind: ContactKind::Phone,
        value: "+372 600 1234".into(),
        label: Some("Lasnamäe Sotsiaalkeskus".into()),
    };
    e.assign_worker(&cm, file.id, care_worker, office.clone())?;
    e.add_member(
        &cm,
        NewMembership {
            file: file.id,
            member: Member::Worker(departed_care_worker),
            role: None,
            valid_from: today,
            valid_until: None,
        },
    )?;
    println!(
        "  Kadri (care manager) got {directed} notice(s), registered the client and assigned Hille on the card"
    );
    let contract = e.prepare_contract(&sw, file.id, care_org.id, ServiceKind::HomeCare)?;
    e.conclude_contract(&sw, contract.id, today)?;
    println!("  the home-care contract is prepared and concluded");
    // Home nursing starts in the same file from a referral letter.
    let nm = Actor::Worker(nursing_manager);
    let referral = e.enter_referral(
        &nm,
        NewReferral {
            patient: client.id,
            source: ReferralSource::HealthInformationSystem {
                document_id: "TIS-2026-118822".into(),
            },
            start: today,
            end: Some(date(2027, 1, 31)),
            doctor_name: "Dr Mart Tamm".into(),
            doctor: None,
        },
    )?;
    let (same, _) = e.register_referral(&nm, referral.id)?;
    e.assign_worker(
        &nm,
        file.id,
        nurse,
        ContactPoint {
            kind: ContactKind::Phone,
            value: "+372 600 5678".into(),
            label: Some("Koduõde OÜ".into()),
        },
    )?;
    println!(
        "  Andra (nursing manager) registered a referral into the same file ({}), assigned Teisi",
        if same.id == file.id {
            "no second file"
        } else {
            "NEW FILE?"
        }
    );
    e.grant_substitution(
        &nm,
        NewSubstitution {
            substitute: substitute_nurse,
            substituted: nurse,
            from: date(2026, 11, 9),
            until: date(2026, 11, 13),
        },
    )?;
    println!("  Piret stands in for Teisi 9-13 Nov");
    // One level per life domain of the national needs instrument, in its order.
    let needs = teho_core::case::instruments::instrument("NEEDS", 1).ok_or_else(|| {
        TehoError::Internal {
            message: "the NEEDS instrument, version 1, is missing".into(),
        }
    })?;
    let levels = needs
        .items
        .iter()
        .filter(|item| item.life_domain.is_some())
        .zip([1u8, 1, 3, 2, 0, 1, 3])
        .map(|(item, l)| (item.code.to_string(), AnswerValue::Level(l)))
        .collect();
    e.record_assessment(
        &sw,
        NewAssessment {
            file: file.id,
            instrument: "NEEDS".into(),
            version: 1,
            answers: levels,
            icf: vec![
                "d510.23".into(),
                "d450.22".into(),
                "b280.2".into(),
                "e310+3".into(),
            ],
        },
    )?;
    println!(
        "  needs assessment over the 7 life domains, with ICF codes d510.23 d450.22 b280.2 e310+3"
    );
    e.add_entry(
        &sw,
        NewEntry {
            file: file.id,
            category: DataCategory::Income,
            visibility: Visibility::Network,
            text: "Old-age pension 712 EUR/month".into(),
            domain_detail: None,
        },
    )?;
    e.add_entry(
        &Actor::Worker(nurse),
        NewEntry {
            file: file.id,
            category: DataCategory::ProfessionalNote,
            visibility: Visibility::DomainOnly(Domain::Nursing),
            text: "Nursing-only: review insulin dose with the family doctor".into(),
            domain_detail: None,
        },
    )?;
    println!("  2 entries written: income (municipal only), a nursing-only note");

    let care_plan = e.create_plan(
        &cm,
        NewPlan {
            file: file.id,
            domain: Domain::Care,
            provider: care_org.id,
        },
    )?;
    let care = e.add_plan_item(
        &cm,
        care_plan.id,
        item(
            "HOOLD-01",
            "Morning care: washing, breakfast",
            care_worker,
            45,
            "FREQ=DAILY;BYHOUR=9",
        )?,
    )?;
    let nursing_plan = e.create_plan(
        &nm,
        NewPlan {
            file: file.id,
            domain: Domain::Nursing,
            provider: nursing_org.id,
        },
    )?;
    let nursing = e.add_plan_item(
        &nm,
        nursing_plan.id,
        item(
            "ÕE-HAAV",
            "Wound care",
            nurse,
            30,
            "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11",
        )?,
    )?;
    println!(
        "  care plan: {} ({}) -> {} visits over 12 weeks; nursing plan: {} ({}) -> {} visits",
        care.item.action.text,
        care.item.recurrence,
        care.regeneration.added.len(),
        nursing.item.action.text,
        nursing.item.recurrence,
        nursing.regeneration.added.len()
    );
    let neighbour = neighbour(e, &a, &sw, &cm, &office, care_org.id, care_worker)?;
    week(e, clock, care_worker, nurse, file.id)?;
    let first_week = neighbour_outcomes(e, &neighbour, date(2026, 11, 2), date(2026, 11, 8))?;
    e.record_assessment(
        &Actor::Worker(nurse),
        NewAssessment {
            file: file.id,
            instrument: "WOUND".into(),
            version: 1,
            answers: vec![
                ("LOCATION".into(), AnswerValue::Text("left shin".into())),
                ("LENGTH_MM".into(), AnswerValue::Number(30)),
                ("WIDTH_MM".into(), AnswerValue::Number(12)),
                ("EXUDATE".into(), AnswerValue::Choice("low".into())),
                ("TISSUE".into(), AnswerValue::Choice("granulation".into())),
            ],
            icf: vec![],
        },
    )?;
    e.add_entry(
        &sw,
        NewEntry {
            file: file.id,
            category: DataCategory::SupervisionAct,
            visibility: Visibility::Network,
            text: "Supervision act 8 Nov 2026: home care provided as decided".into(),
            domain_detail: None,
        },
    )?;
    println!("  Teisi recorded a wound assessment; Sirje wrote a supervision act");

    // Anu leaves on Friday 6 Nov; her end is recorded only on Tuesday 10 Nov (late).
    clock.set(at(2026, 11, 10, 10, 0));
    let end = e.record_employment_end(&cm, departed_care_worker, date(2026, 11, 6))?;
    println!(
        "  Anu's last day was {}; recorded on {} (deadline {}): {}",
        end.last_day,
        end.recorded_on,
        end.deadline,
        if end.late {
            "LATE — a compliance breach"
        } else {
            "on time"
        }
    );
    Ok(DemoTown {
        head,
        hospital_sw,
        admin: admin.id,
        care_org: care_org.id,
        social_worker,
        care_manager,
        care_worker,
        departed_care_worker,
        nursing_manager,
        nurse,
        substitute_nurse,
        client: client.id,
        relative: relative.id,
        file: file.id,
        neighbour,
        first_week,
    })
}

/// A second client of the same care provider, Helju, who lives on: her visits give the
/// analysts a month of service log to read (see `bindings/python/examples/demo_month.py`).
fn neighbour(
    e: &Engine,
    admin: &Actor,
    sw: &Actor,
    cm: &Actor,
    office: &ContactPoint,
    care_org: OrganizationId,
    care_worker: WorkerId,
) -> TehoResult<Neighbour> {
    let maie = e.register_worker(
        admin,
        NewWorker {
            personal_code: code("48507071006")?,
            given_name: "Maie".into(),
            family_name: "Mets".into(),
            organization: care_org,
            role: Role::CareWorker,
            employed_from: date(2020, 1, 1),
            employed_until: None,
        },
    )?;
    let helju = e.register_person(
        sw,
        NewPerson {
            identity: PersonIdentity::Estonian(code("44001010013")?),
            given_name: "Helju".into(),
            family_name: "Tamm".into(),
            birth_date: None,
        },
    )?;
    let file = e.open_client_file(
        sw,
        helju.id,
        NewCard {
            residence: Some("Punane 18-2, Tallinn".into()),
            contacts: vec![],
            good_to_know: "Hard of hearing: knock loudly".into(),
        },
    )?;
    let Actor::Worker(manager) = *cm else {
        return Err(TehoError::Internal {
            message: "the care manager acts as a worker".into(),
        });
    };
    e.add_member(
        sw,
        NewMembership {
            file: file.id,
            member: Member::Worker(manager),
            role: None,
            valid_from: date(2026, 11, 2),
            valid_until: None,
        },
    )?;
    e.assign_worker(cm, file.id, care_worker, office.clone())?;
    e.add_member(
        cm,
        NewMembership {
            file: file.id,
            member: Member::Worker(maie.id),
            role: None,
            valid_from: date(2026, 11, 2),
            valid_until: None,
        },
    )?;
    let plan = e.create_plan(
        cm,
        NewPlan {
            file: file.id,
            domain: Domain::Care,
            provider: care_org,
        },
    )?;
    let morning = item(
        "HOOLD-01",
        "Morning care: washing, breakfast",
        care_worker,
        30,
        "FREQ=DAILY;BYHOUR=8",
    )?;
    let errands = item(
        "HOOLD-03",
        "Shopping and cleaning",
        maie.id,
        60,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15",
    )?;
    for spec in [morning, errands] {
        e.add_plan_item(
            cm,
            plan.id,
            PlanItemSpec {
                place: "home, Punane 18-2".into(),
                ..spec
            },
        )?;
    }
    println!(
        "  a second client of the same provider, Helju Tamm: morning care daily by Hille, errands Mon/Wed/Fri by Maie Mets"
    );
    Ok(Neighbour {
        file: file.id,
        workers: [care_worker, maie.id],
    })
}

/// Helju's second client file and the two care workers who visit her.
struct Neighbour {
    file: ClientFileId,
    workers: [WorkerId; 2],
}

/// What Hille and Maie recorded for Helju.
#[derive(Clone, Copy, Debug, Default)]
struct Marks {
    done: u32,
    not_done: u32,
    open: u32,
}

/// Hille and Maie record Helju's visits of `from ..= to` (of 2–19 November): most done,
/// every ninth not done with a reason, each worker's eighth left with no outcome (what a
/// manager's missed-visit count should find). Returns what was recorded.
fn neighbour_outcomes(
    e: &Engine,
    neighbour: &Neighbour,
    from: NaiveDate,
    to: NaiveDate,
) -> TehoResult<Marks> {
    let reasons = [
        NotDoneReason::ClientNotAtHome,
        NotDoneReason::ClientRefused,
        NotDoneReason::WorkerIll,
    ];
    let mut marks = Marks::default();
    for (w, worker) in neighbour.workers.into_iter().enumerate() {
        let me = Actor::Worker(worker);
        let visits = e.worker_calendar(&me, worker, date(2026, 11, 2), date(2026, 11, 19))?;
        let hers = visits.into_iter().filter(|v| v.file == neighbour.file);
        for (i, v) in hers.enumerate() {
            let day = v.start.with_timezone(&Tallinn).date_naive();
            if day < from || day > to {
                continue;
            }
            if i % 9 == 4 {
                let reason = reasons[(i / 9 + w) % reasons.len()];
                e.mark_not_done(&me, v.id, Some(reason), String::new(), None)?;
                marks.not_done += 1;
            } else if i == 7 {
                marks.open += 1;
            } else {
                e.mark_done(&me, v.id, DoneReport::default())?;
                marks.done += 1;
            }
        }
    }
    Ok(marks)
}

fn item(
    code: &str,
    text: &str,
    worker: WorkerId,
    minutes: u32,
    rule: &str,
) -> TehoResult<PlanItemSpec> {
    Ok(PlanItemSpec {
        action: PlannedAction {
            code: code.into(),
            text: text.into(),
        },
        worker: Some(worker),
        place: "home, Punane 16-4".into(),
        duration_minutes: minutes,
        recurrence: Recurrence::parse(rule).map_err(|e| TehoError::InvalidInput {
            field: "recurrence".into(),
            value: rule.into(),
            problem: e.to_string(),
        })?,
        valid_from: date(2026, 11, 2),
        valid_until: None,
    })
}

/// The week of 2–8 November: visits done, one not done with a reason, one left open.
fn week(
    e: &Engine,
    clock: &FixedClock,
    care_worker: WorkerId,
    nurse: WorkerId,
    file: ClientFileId,
) -> TehoResult<()> {
    println!("\n== The week of 2-8 November ==");
    clock.set(at(2026, 11, 8, 20, 0));
    let hille = Actor::Worker(care_worker);
    let visits = e.worker_calendar(&hille, care_worker, date(2026, 11, 2), date(2026, 11, 7))?;
    for v in visits.into_iter().filter(|v| v.file == file) {
        if local(v.start).starts_with("2026-11-04") {
            e.mark_not_done(
                &hille,
                v.id,
                Some(NotDoneReason::ClientNotAtHome),
                "No answer at the door; neighbour says she went to her son's".into(),
                None,
            )?;
        } else {
            e.mark_done(&hille, v.id, DoneReport::default())?;
        }
    }
    let teisi = Actor::Worker(nurse);
    for v in e.worker_calendar(&teisi, nurse, date(2026, 11, 2), date(2026, 11, 8))? {
        e.mark_done(
            &teisi,
            v.id,
            DoneReport {
                actual_start: None,
                actual_end: None,
                detail: Some("Wound 3 cm, clean, dressing changed".into()),
            },
        )?;
    }
    println!(
        "  Hille marked Mon-Sat (Wednesday not done: client not at home); Teisi marked Mon and Thu done; Sunday's care visit is still open"
    );
    Ok(())
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Tallinn)
        .format("%Y-%m-%d %a %H:%M")
        .to_string()
}

fn org_name(
    org: OrganizationId,
    city: OrganizationId,
    care: OrganizationId,
    nursing: OrganizationId,
) -> &'static str {
    if org == city {
        "Lasnamäe linnaosa valitsus"
    } else if org == care {
        "Lasnamäe Sotsiaalkeskus"
    } else if org == nursing {
        "Koduõde OÜ"
    } else {
        "?"
    }
}

fn show(e: &Engine, clock: &FixedClock, t: &DemoTown) -> TehoResult<()> {
    clock.set(at(2026, 11, 10, 14, 0));
    println!("\n== Who sees what, Tuesday 10 November 2026 14:00 ==");
    let cast: [(&str, Actor); 9] = [
        (
            "Sirje, district social worker",
            Actor::Worker(t.social_worker),
        ),
        ("Kadri, care manager", Actor::Worker(t.care_manager)),
        ("Hille, care worker", Actor::Worker(t.care_worker)),
        (
            "Anu, care worker who left on 6 Nov",
            Actor::Worker(t.departed_care_worker),
        ),
        ("Andra, nursing manager", Actor::Worker(t.nursing_manager)),
        (
            "Teisi, home nurse (on leave, still a member)",
            Actor::Worker(t.nurse),
        ),
        (
            "Piret, substituting nurse",
            Actor::Worker(t.substitute_nurse),
        ),
        ("Laine, the client", Actor::Person(t.client)),
        ("Jaan, relative", Actor::Person(t.relative)),
    ];
    for (who, actor) in &cast {
        println!("\n{who}");
        match e.client_file(actor, t.file) {
            Err(err) => println!("  file: REFUSED — {}", reason(&err)),
            Ok(view) => {
                let card = view
                    .card
                    .as_ref()
                    .map_or("hidden".to_string(), |c| format!("\"{}\"", c.good_to_know));
                println!("  card: {card}");
                println!(
                    "  network: {}",
                    view.network
                        .as_ref()
                        .map_or("hidden".to_string(), |n| format!("{} members", n.len()))
                );
                let log = e.service_log(actor, t.file, date(2026, 11, 1), date(2026, 11, 30))?;
                let details = log.iter().filter(|l| l.detail.is_some()).count();
                let nursing = log.iter().filter(|l| l.domain == Domain::Nursing).count();
                println!(
                    "  service log: {} entries; nursing details shown: {details} of {nursing}{}",
                    log.len(),
                    log.iter()
                        .find_map(|l| l.detail.as_ref())
                        .map_or(String::new(), |d| format!(" (\"{}\")", d.text))
                );
                for entry in &view.entries {
                    let detail = match &entry.domain_detail {
                        Some(d) => format!(" [{:?} detail: {}]", d.domain, d.text),
                        None => String::new(),
                    };
                    println!("  sees {:?}: {}{}", entry.category, entry.text, detail);
                }
            }
        }
    }
    println!("\n== The client calendar 2-8 November, as Jaan (relative) sees it ==");
    for v in e.client_calendar(
        &Actor::Person(t.relative),
        t.file,
        date(2026, 11, 2),
        date(2026, 11, 8),
    )? {
        let outcome = match (&v.status, &v.not_done) {
            (_, Some(nd)) => format!("NOT DONE ({:?}: {})", nd.reason, nd.text),
            (status, None) => format!("{status:?}"),
        };
        println!(
            "  {}  {:<8?} {:<34} {}",
            local(v.start),
            v.domain,
            v.action.text,
            outcome
        );
    }
    println!("\n== Kadri's (care manager) inbox and alert list ==");
    for n in e.inbox(&Actor::Worker(t.care_manager))? {
        println!("  inbox: {}", n.text);
    }
    for v in e.missed_visits(&Actor::Worker(t.care_manager), t.care_org, Domain::Care, 60)? {
        println!(
            "  missed (no outcome 1 h after its end): {} {}",
            local(v.start),
            v.action.text
        );
    }
    println!("\n== Home views, Tuesday 10 November 14:00 ==");
    for (who, actor) in &cast {
        match e.home_view(actor) {
            Ok(h) => println!(
                "  {who}: {} notification(s), clients: [{}], visits today: {}, missed-visit alerts: {}",
                h.notifications.len(),
                h.clients
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                h.visits_today.len(),
                h.missed_visits.len()
            ),
            Err(err) => println!("  {who}: REFUSED — {}", reason(&err)),
        }
    }
    println!("\n== The hospital social worker ==");
    let heli = Actor::Worker(t.hospital_sw);
    let check = e.check_services(&heli, ClientQuery::Code(code("43803030124")?))?;
    for p in &check.providers {
        println!(
            "  Laine Kask is served by {} ({:?}), contact {}",
            p.name,
            p.domain,
            p.contact
                .as_ref()
                .map_or("-".to_string(), |c| c.value.clone())
        );
    }
    let sent = e.send_discharge(
        &heli,
        t.file,
        "Discharged on 10 Nov after a fall; can walk with a frame".into(),
    )?;
    println!(
        "  discharge information sent to {sent} recipients: the current network and the client"
    );
    match e.client_file(&heli, t.file) {
        Err(err) => println!("  the rest of the file: REFUSED — {}", reason(&err)),
        Ok(_) => println!("  the rest of the file: allowed (unexpected!)"),
    }
    println!("\n== Refused, and why ==");
    let attempts: Vec<(&str, TehoResult<()>)> = vec![
        (
            "Hille (care worker) writes an income record",
            e.add_entry(
                &Actor::Worker(t.care_worker),
                NewEntry {
                    file: t.file,
                    category: DataCategory::Income,
                    visibility: Visibility::Network,
                    text: "x".into(),
                    domain_detail: None,
                },
            )
            .map(|_| ()),
        ),
        (
            "Hille (care worker) writes into a nursing-only record",
            e.add_entry(
                &Actor::Worker(t.care_worker),
                NewEntry {
                    file: t.file,
                    category: DataCategory::ProfessionalNote,
                    visibility: Visibility::DomainOnly(Domain::Nursing),
                    text: "x".into(),
                    domain_detail: None,
                },
            )
            .map(|_| ()),
        ),
        (
            "Kadri (care manager) adds a nurse to the network",
            e.add_member(
                &Actor::Worker(t.care_manager),
                NewMembership {
                    file: t.file,
                    member: Member::Worker(t.substitute_nurse),
                    role: None,
                    valid_from: date(2026, 11, 10),
                    valid_until: None,
                },
            )
            .map(|_| ()),
        ),
        (
            "Piret (substitute) extends her own substitution",
            e.grant_substitution(
                &Actor::Worker(t.substitute_nurse),
                NewSubstitution {
                    substitute: t.substitute_nurse,
                    substituted: t.nurse,
                    from: date(2026, 11, 9),
                    until: date(2026, 12, 31),
                },
            )
            .map(|_| ()),
        ),
        (
            "Jaan (relative) writes a service-log entry",
            e.add_entry(
                &Actor::Person(t.relative),
                NewEntry {
                    file: t.file,
                    category: DataCategory::ServiceLog,
                    visibility: Visibility::Network,
                    text: "x".into(),
                    domain_detail: None,
                },
            )
            .map(|_| ()),
        ),
    ];
    for (what, r) in attempts {
        match r {
            Err(err) => println!("  {what}: REFUSED — {}", reason(&err)),
            Ok(()) => println!("  {what}: allowed (unexpected!)"),
        }
    }
    clock.set(at(2026, 11, 16, 9, 0));
    match e.client_file(&Actor::Worker(t.substitute_nurse), t.file) {
        Err(err) => println!(
            "  Piret on 16 Nov, after the substitution: REFUSED — {}",
            reason(&err)
        ),
        Ok(_) => println!("  Piret on 16 Nov: allowed (unexpected!)"),
    }
    println!("\n== A death notice from the population register (20 November) ==");
    clock.set(at(2026, 11, 20, 8, 0));
    let notice =
        "personal_code,kind,date,source_reference\n43803030124,death,2026-11-19,RR-2026-81212\n";
    let report = e.import_notices(
        &Actor::System,
        teho_core::register::parse_notices(notice, teho_core::register::NoticeFormat::Csv),
    )?;
    for (line, fx) in &report.deaths {
        println!(
            "  line {line}: Laine Kask died on 19 Nov: {} later visits cancelled, {} memberships and {} plan items ended on that day, {} contract(s) terminated, {} people notified",
            fx.visits_cancelled.len(),
            fx.memberships_ended.len(),
            fx.plan_items_ended.len(),
            fx.contracts_terminated.len(),
            fx.notified.len()
        );
    }
    let again = e.import_notices(
        &Actor::System,
        teho_core::register::parse_notices(notice, teho_core::register::NoticeFormat::Csv),
    )?;
    println!(
        "  the same notice again: {} duplicate(s), nothing changed",
        again.duplicates.len()
    );
    if let Some(n) = e
        .inbox(&Actor::Person(t.relative))?
        .into_iter()
        .find(|n| matches!(n.kind, NotificationKind::ClientDeceased { .. }))
    {
        println!("  Jaan's inbox: {}", n.text);
    }
    match e.client_file(&Actor::Worker(t.care_worker), t.file) {
        Err(err) => println!(
            "  Hille opens the file on 20 Nov: REFUSED — {}",
            reason(&err)
        ),
        Ok(_) => println!("  Hille opens the file on 20 Nov: allowed (unexpected!)"),
    }
    let log = e
        .access_log(&Actor::Person(t.client), t.file)
        .map(|l| l.len())
        .unwrap_or(0);
    println!(
        "  (the file's access log now holds {log} lines: every read and write since it was opened)"
    );

    println!("\n== Compliance ==");
    let admin = Actor::Worker(t.admin);
    for b in e.compliance_breaches(&admin, t.care_org)? {
        let who = if b.worker == t.departed_care_worker {
            "Anu Alder"
        } else {
            "another worker"
        };
        println!(
            "  departure recorded late: {who} left {}, access had to end by {}, recorded {} ({} day(s) late)",
            b.last_day,
            b.deadline,
            b.recorded_at
                .with_timezone(&Tallinn)
                .format("%Y-%m-%d %H:%M"),
            b.days_late
        );
    }
    for n in e.inbox(&admin)? {
        println!("  administrator's inbox: {}", n.text);
    }
    Ok(())
}

fn reason(e: &TehoError) -> String {
    match e {
        TehoError::AccessDenied { reason, .. } => reason.to_string(),
        other => other.to_string(),
    }
}
