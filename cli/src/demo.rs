//! `teho demo`: a small Tallinn service network built through the engine in a fresh
//! SQLite file, then, actor by actor, what each may see and what is refused and why,
//! and finally the audit chain verified.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::case::ClientQuery;
use teho_core::file::NewEntry;
use teho_core::host::{Host, HostClock};
use teho_core::ids::{ClientFileId, OrganizationId, WorkerId};
use teho_core::log::{DoneReport, NotDoneReason};
use teho_core::network::{Member, NewMembership, NewSubstitution};
use teho_core::notify::NotificationKind;
use teho_core::org::Domain;
use teho_core::person::PersonalCode;
use teho_core::ports::FixedClock;
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
    let host = Host::open(store, HostClock::Fixed(at(2026, 10, 5, 9, 0)))
        .map_err(|e| TehoError::Internal { message: e.message })?;
    let clock = host.fixed_clock().ok_or_else(|| TehoError::Internal {
        message: "the demo's host has a fixed clock".into(),
    })?;
    let engine = host.engine();
    println!("TEHO demo — shared client file for home care and home nursing, Tallinn");
    println!("database: {shown}\n");
    let town = build(&host, &clock)?;
    show(engine, &clock, &town)?;
    let rest = neighbour_outcomes(
        engine,
        &town.neighbour,
        date(2026, 10, 12),
        date(2026, 10, 22),
    )?;
    println!("\n== Helju's visits, 5-22 October (for the analysts) ==");
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
            "ids for the operator commands: administrator {}, head of department {}, client file {}, care manager {}, Helju's file {}",
            town.admin, town.head, town.file, town.care_manager, town.neighbour.file
        );
        println!(
            "Helju's October as iCalendar for the home-care roster (a disclosure in her access log): \
             teho export ics --db {again} --as {} --file {} --from 2026-10-01 --until 2026-10-31 \
             --to \"Lasnamäe Sotsiaalkeskus roster\" --basis \"SHS § 17: providing home care\" --out helju.ics",
            town.care_manager, town.neighbour.file
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

/// The demo town, defined once as data: the CLI and the browser demo both play it.
pub const TOWN: &str = include_str!("../../demo/town.json");

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
    /// Helju's visits recorded in the week of 5–11 October.
    first_week: Marks,
}

/// The part of a saved result at `path` (`"cw.id"`), typed.
fn saved<T: serde::de::DeserializeOwned>(
    saved: &HashMap<String, serde_json::Value>,
    path: &str,
) -> TehoResult<T> {
    let value =
        teho_core::host::script::lookup(saved, path).map_err(|message| TehoError::Internal {
            message: format!("demo/town.json: {message}"),
        })?;
    serde_json::from_value(value).map_err(|e| TehoError::Internal {
        message: format!("demo/town.json: ${path}: {e}"),
    })
}

/// Plays the town (`demo/town.json`) through the host door and tells what it made.
fn build(host: &Host, clock: &FixedClock) -> Result<DemoTown, TehoError> {
    println!("== Building the network (5 October 2026) ==");
    let s = host.play(TOWN).map_err(|e| TehoError::Internal {
        message: format!("demo/town.json: {}", e.message),
    })?;
    let e = host.engine();
    let orgs: Vec<(OrganizationId, String)> =
        ["boot.0", "care_org", "nursing_org", "hospital", "ska"]
            .into_iter()
            .map(|o| {
                Ok((
                    saved(&s, &format!("{o}.id"))?,
                    saved(&s, &format!("{o}.name"))?,
                ))
            })
            .collect::<TehoResult<_>>()?;
    let org_name = |id: OrganizationId| {
        orgs.iter()
            .find(|(o, _)| *o == id)
            .map_or("?", |(_, n)| n.as_str())
    };
    for w in [
        "hospital_sw",
        "head",
        "sw",
        "cm",
        "cw",
        "departed_cw",
        "nm",
        "nurse",
        "substitute",
        "other_cw",
        "supervisor",
    ] {
        let worker: teho_core::org::Worker = saved(&s, w)?;
        println!(
            "  {:<22} {:<20} {}",
            worker.full_name(),
            format!("{:?}", worker.role),
            org_name(worker.organization)
        );
    }
    let client: teho_core::person::Person = saved(&s, "client")?;
    let relative: teho_core::person::Person = saved(&s, "relative")?;
    println!(
        "  client {} (born {}), relative {}",
        client.full_name(),
        client.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        relative.full_name()
    );
    println!("\n== The case: from application to service ==");
    println!(
        "  two applications entered: care home refused (kept, starts nothing), home care granted -> Lasnamäe Sotsiaalkeskus"
    );
    println!(
        "  Kadri (care manager) registered the client and assigned Hille on the card; the home-care contract is concluded"
    );
    println!(
        "  Andra (nursing manager) registered a referral into the same file, assigned Teisi; Piret stands in for Teisi 12-16 Oct"
    );
    println!(
        "  needs assessment over the 7 life domains, with ICF codes d510.23 d450.22 b280.2 e310+3; 2 entries: income, a nursing-only note"
    );
    let care: teho_core::engine::PlanItemOutcome = saved(&s, "care")?;
    let nursing: teho_core::engine::PlanItemOutcome = saved(&s, "nursing")?;
    println!(
        "  care plan: {} ({}) -> {} visits over 12 weeks; nursing plan: {} ({}) -> {} visits",
        care.item.action.text,
        care.item.recurrence,
        care.regeneration.added.len(),
        nursing.item.action.text,
        nursing.item.recurrence,
        nursing.regeneration.added.len()
    );
    println!(
        "  a second client of the same provider, Helju Tamm: morning care daily by Hille, errands Mon/Wed/Fri by Maie Mets"
    );
    println!("\n== The week of 5-11 October ==");
    println!(
        "  Hille marked Mon-Sat (Wednesday not done: client not at home); Teisi marked Mon and Thu done; Sunday's care visit is still open"
    );
    println!("  Teisi recorded a wound assessment; Sirje wrote a supervision act");
    let neighbour = Neighbour {
        file: saved(&s, "neighbour_file.id")?,
        workers: [saved(&s, "cw.id")?, saved(&s, "other_cw.id")?],
    };
    clock.set(at(2026, 10, 11, 20, 0));
    let first_week = neighbour_outcomes(e, &neighbour, date(2026, 10, 5), date(2026, 10, 11))?;

    // Anu leaves on Friday 9 Oct; her end is recorded only on Tuesday 13 Oct (late).
    clock.set(at(2026, 10, 13, 10, 0));
    let departed: WorkerId = saved(&s, "departed_cw.id")?;
    let cm: WorkerId = saved(&s, "cm.id")?;
    let end = e.record_employment_end(&Actor::Worker(cm), departed, date(2026, 10, 9))?;
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
        head: saved(&s, "head.id")?,
        hospital_sw: saved(&s, "hospital_sw.id")?,
        admin: saved(&s, "boot.1.id")?,
        care_org: saved(&s, "care_org.id")?,
        social_worker: saved(&s, "sw.id")?,
        care_manager: cm,
        care_worker: saved(&s, "cw.id")?,
        departed_care_worker: departed,
        nursing_manager: saved(&s, "nm.id")?,
        nurse: saved(&s, "nurse.id")?,
        substitute_nurse: saved(&s, "substitute.id")?,
        client: client.id,
        relative: relative.id,
        file: saved(&s, "file.id")?,
        neighbour,
        first_week,
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

/// Hille and Maie record Helju's visits of `from ..= to` (of 5–22 October): most done,
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
        let visits = e.worker_calendar(&me, worker, date(2026, 10, 5), date(2026, 10, 22))?;
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

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Tallinn)
        .format("%Y-%m-%d %a %H:%M")
        .to_string()
}

fn show(e: &Engine, clock: &FixedClock, t: &DemoTown) -> TehoResult<()> {
    clock.set(at(2026, 10, 13, 14, 0));
    println!("\n== Who sees what, Tuesday 13 October 2026 14:00 ==");
    let cast: [(&str, Actor); 9] = [
        (
            "Sirje, district social worker",
            Actor::Worker(t.social_worker),
        ),
        ("Kadri, care manager", Actor::Worker(t.care_manager)),
        ("Hille, care worker", Actor::Worker(t.care_worker)),
        (
            "Anu, care worker who left on 9 Oct",
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
                let log = e.service_log(actor, t.file, date(2026, 10, 1), date(2026, 10, 31))?;
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
    println!("\n== The client calendar 5-11 October, as Jaan (relative) sees it ==");
    for v in e.client_calendar(
        &Actor::Person(t.relative),
        t.file,
        date(2026, 10, 5),
        date(2026, 10, 11),
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
    println!("\n== Home views, Tuesday 13 October 14:00 ==");
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
        "Discharged on 13 Oct after a fall; can walk with a frame".into(),
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
                    valid_from: date(2026, 10, 13),
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
                    from: date(2026, 10, 12),
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
    clock.set(at(2026, 10, 19, 9, 0));
    match e.client_file(&Actor::Worker(t.substitute_nurse), t.file) {
        Err(err) => println!(
            "  Piret on 19 Oct, after the substitution: REFUSED — {}",
            reason(&err)
        ),
        Ok(_) => println!("  Piret on 19 Oct: allowed (unexpected!)"),
    }
    println!("\n== A death notice from the population register (23 October) ==");
    clock.set(at(2026, 10, 23, 8, 0));
    let notice =
        "personal_code,kind,date,source_reference\n43803030124,death,2026-10-22,RR-2026-81212\n";
    let report = e.import_notices(
        &Actor::System,
        teho_core::register::parse_notices(notice, teho_core::register::NoticeFormat::Csv),
    )?;
    for (line, fx) in &report.deaths {
        println!(
            "  line {line}: Laine Kask died on 22 Oct: {} later visits cancelled, {} memberships and {} plan items ended on that day, {} contract(s) terminated, {} people notified",
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
            "  Hille opens the file on 23 Oct: REFUSED — {}",
            reason(&err)
        ),
        Ok(_) => println!("  Hille opens the file on 23 Oct: allowed (unexpected!)"),
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
