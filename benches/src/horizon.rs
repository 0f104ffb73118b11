//! Workloads 2, 3 and 6 on one town, on SQLite and on PostgreSQL: storing a 12-week
//! horizon through the engine (against raw inserts of the same rows with the backend's
//! own client, on the same file system or the same server), queries on a store of
//! millions of visits (against the same SQL on that client), and regenerating a tenth of
//! the plan items (against the full expansion).
//!
//! The town is set up through the engine too (people, files, networks, plans), but only
//! the calls named below are timed.

use std::sync::Arc;
use std::time::{Duration as Elapsed, Instant};

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::calendar::{VisitStatus, expand};
use teho_core::file::NewCard;
use teho_core::ids::{ClientFileId, OrganizationId, PlanId, VisitId, WorkerId};
use teho_core::network::{Member, NewMembership};
use teho_core::org::{Domain, NewOrganization, NewWorker, OrganizationKind, Role};
use teho_core::person::{NewPerson, PersonIdentity};
use teho_core::plan::{NewPlan, PlanItem, PlanItemSpec, PlannedAction, Recurrence};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::{Records, Store, Unit};
use uuid::Uuid;

use crate::backend::{Backend, Raw, VISIT_COLUMNS, raw_insert};
use crate::{Options, Outcome, Rng, bootstrap, code, day, judged, line};

/// The horizon: 12 weeks from Monday 4 January 2027.
const HORIZON_DAYS: u32 = 84;
fn first_day() -> NaiveDate {
    day(2027, 1, 4)
}

/// Calls in one batch when storing and regenerating (an integrator's import).
const BATCH: usize = 300;

/// Care clients per care worker, and nursing clients per nurse.
const CLIENTS_PER_CARE_WORKER: u32 = 5;
const CLIENTS_PER_NURSE: u32 = 20;
/// Providers in the town.
const CARE_PROVIDERS: u32 = 20;
const NURSING_PROVIDERS: u32 = 10;

type Engine = ClientFiles;

/// One client of the town and what the benchmark needs of them.
struct Client {
    file: ClientFileId,
    care_worker: WorkerId,
    /// The plan items to add, by whom, to which plan.
    items: Vec<(Actor, PlanId, PlanItemSpec)>,
}

/// The town: an engine over a fresh store and its clients.
struct Town {
    engine: Engine,
    clients: Vec<Client>,
    care_workers: Vec<WorkerId>,
}

fn err(what: &str) -> impl Fn(teho_core::TehoError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn spec(
    code: &str,
    text: &str,
    worker: WorkerId,
    minutes: u32,
    rule: &str,
) -> Result<PlanItemSpec, String> {
    Ok(PlanItemSpec {
        action: PlannedAction {
            code: code.into(),
            text: text.into(),
        },
        worker: Some(worker),
        place: "home".into(),
        duration_minutes: minutes,
        recurrence: Recurrence::parse(rule).map_err(|e| format!("{rule}: {e}"))?,
        valid_from: first_day(),
        valid_until: None,
    })
}

impl Town {
    /// Builds the town through the engine: a city department with social workers, care
    /// and nursing providers with their managers, a care worker for every 5 clients and a
    /// nurse for every 20; each client registered, with a file, a network of four and two
    /// plans. Each client gets three plan items (not yet added): personal care every day
    /// at 2–3 times, housework once a week, and nursing every week or second week —
    /// spread over the worker's day so that a worker's clients do not overlap.
    fn build(store: Arc<dyn Store>, clients: u32, seed: u64) -> Result<Self, String> {
        let mut rng = Rng(seed ^ 0x7A11);
        let at = Tallinn
            .with_ymd_and_hms(2027, 1, 4, 6, 0, 0)
            .single()
            .ok_or("no 06:00")?
            .with_timezone(&Utc);
        let engine = ClientFiles::shared(
            store,
            Arc::new(FixedClock::new(at)),
            Arc::new(SequentialIds::new(0x7e40)),
        )
        .with_horizon_days(HORIZON_DAYS)
        .map_err(err("horizon"))?;
        let since = day(2020, 1, 1);
        let (city, admin) = bootstrap(&engine)?;
        let admin = Actor::Worker(admin.id);
        let mut serial = 10u32;
        let mut worker = |org: OrganizationId, role: Role| -> Result<WorkerId, String> {
            serial += 1;
            let born = day(1970, 1, 1) + Duration::days(i64::from(serial / 900));
            Ok(engine
                .register_worker(
                    &admin,
                    NewWorker {
                        personal_code: code(4, born, serial % 900)?,
                        given_name: format!("Töötaja{serial}"),
                        family_name: "Tallinn".into(),
                        organization: org,
                        role,
                        employed_from: since,
                        employed_until: None,
                    },
                )
                .map_err(err("worker"))?
                .id)
        };
        let social_worker = worker(city.id, Role::SocialWorker)?;
        // `n` providers of one kind, named `name 0`, `name 1`, ….
        let providers = |n: u32, name: &str, kind| -> Result<Vec<OrganizationId>, String> {
            (0..n)
                .map(|i| {
                    Ok(engine
                        .register_organization(
                            &admin,
                            NewOrganization {
                                name: format!("{name} {i}"),
                                kind,
                                registry_code: None,
                            },
                        )
                        .map_err(err("provider"))?
                        .id)
                })
                .collect()
        };
        let care_orgs = providers(
            CARE_PROVIDERS,
            "Hoolduskeskus",
            OrganizationKind::HomeCareProvider,
        )?;
        let nursing_orgs = providers(
            NURSING_PROVIDERS,
            "Koduõendus",
            OrganizationKind::HomeNursingProvider,
        )?;
        let care_managers: Vec<WorkerId> = care_orgs
            .iter()
            .map(|o| worker(*o, Role::CareManager))
            .collect::<Result<_, _>>()?;
        let nursing_managers: Vec<WorkerId> = nursing_orgs
            .iter()
            .map(|o| worker(*o, Role::NursingManager))
            .collect::<Result<_, _>>()?;
        let care_workers: Vec<WorkerId> = (0..clients.div_ceil(CLIENTS_PER_CARE_WORKER))
            .map(|i| worker(care_orgs[(i % CARE_PROVIDERS) as usize], Role::CareWorker))
            .collect::<Result<_, _>>()?;
        let nurses: Vec<WorkerId> = (0..clients.div_ceil(CLIENTS_PER_NURSE))
            .map(|i| {
                worker(
                    nursing_orgs[(i % NURSING_PROVIDERS) as usize],
                    Role::HomeNurse,
                )
            })
            .collect::<Result<_, _>>()?;

        let sw = Actor::Worker(social_worker);
        let mut out = Vec::with_capacity(clients as usize);
        for i in 0..clients {
            let born = day(1930, 1, 1) + Duration::days(i64::from(i / 500));
            let person = engine
                .register_person(
                    &sw,
                    NewPerson {
                        identity: PersonIdentity::Estonian(code(4, born, i % 500)?),
                        given_name: format!("Klient{i}"),
                        family_name: "Tallinn".into(),
                        birth_date: None,
                    },
                )
                .map_err(err("person"))?;
            let file = engine
                .open_client_file(
                    &sw,
                    person.id,
                    NewCard {
                        residence: Some(format!("Tänav {i}, Tallinn")),
                        contacts: Vec::new(),
                        good_to_know: String::new(),
                    },
                )
                .map_err(err("file"))?
                .id;
            let cw_index = i / CLIENTS_PER_CARE_WORKER;
            let care_worker = care_workers[cw_index as usize];
            let care_org = (cw_index % CARE_PROVIDERS) as usize;
            let nurse_index = i / CLIENTS_PER_NURSE;
            let nurse = nurses[nurse_index as usize];
            let nursing_org = (nurse_index % NURSING_PROVIDERS) as usize;
            let (cm, nm) = (care_managers[care_org], nursing_managers[nursing_org]);
            for member in [cm, care_worker, nm, nurse] {
                engine
                    .add_member(
                        &sw,
                        NewMembership {
                            file,
                            member: Member::Worker(member),
                            role: None,
                            valid_from: first_day(),
                            valid_until: None,
                        },
                    )
                    .map_err(err("member"))?;
            }
            let plan = |by: WorkerId, domain, provider| {
                engine
                    .create_plan(
                        &Actor::Worker(by),
                        NewPlan {
                            file,
                            domain,
                            provider,
                        },
                    )
                    .map_err(err("plan"))
            };
            let care_plan = plan(cm, Domain::Care, care_orgs[care_org])?.id;
            let nursing_plan = plan(nm, Domain::Nursing, nursing_orgs[nursing_org])?.id;
            // The j-th client of a care worker is visited at 7+j and 13+j (and 19+j/2
            // for some), has housework on weekday j, and the k-th of a nurse on weekday
            // k % 5 at 9, 11, 13 or 15.
            let j = i % CLIENTS_PER_CARE_WORKER;
            let k = i % CLIENTS_PER_NURSE;
            let evening = if rng.below(3) == 0 {
                format!(",{}", 19 + j / 3)
            } else {
                String::new()
            };
            let care_rule = format!("FREQ=DAILY;BYHOUR={},{}{evening}", 7 + j, 13 + j);
            let house_rule = format!(
                "FREQ=WEEKLY;BYDAY={};BYHOUR=17;BYMINUTE=30",
                ["MO", "TU", "WE", "TH", "FR"][j as usize]
            );
            let nursing_rule = format!(
                "FREQ=WEEKLY;INTERVAL={};BYDAY={};BYHOUR={}",
                1 + rng.below(2),
                ["MO", "TU", "WE", "TH", "FR"][(k % 5) as usize],
                9 + 2 * (k / 5)
            );
            out.push(Client {
                file,
                care_worker,
                items: vec![
                    (
                        Actor::Worker(cm),
                        care_plan,
                        spec("HOOLD-01", "Personal care", care_worker, 30, &care_rule)?,
                    ),
                    (
                        Actor::Worker(cm),
                        care_plan,
                        spec("HOOLD-05", "Housework", care_worker, 60, &house_rule)?,
                    ),
                    (
                        Actor::Worker(nm),
                        nursing_plan,
                        spec("ÕE-01", "Nursing visit", nurse, 45, &nursing_rule)?,
                    ),
                ],
            });
        }
        Ok(Self {
            engine,
            clients: out,
            care_workers,
        })
    }
}

/// The `p` quantile (0–1) of sorted durations; zero when there are none.
pub(crate) fn percentile(sorted: &[Elapsed], p: f64) -> Elapsed {
    if sorted.is_empty() {
        return Elapsed::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Elapsed) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Unix microseconds of a Tallinn midnight.
fn micros_at(d: NaiveDate) -> i64 {
    teho_core::calendar::tallinn_instant(d.and_time(chrono::NaiveTime::MIN)).timestamp_micros()
}

/// Runs workloads 2, 3 and 6 on every backend and prints their lines.
pub fn horizon(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let mut lines = Vec::new();
    for backend in Backend::all() {
        lines.extend(on(opts, &backend)?);
    }
    Ok(lines)
}

/// Workloads 2, 3 and 6 on one backend; every line's name carries the backend's suffix.
fn on(opts: &Options, backend: &Backend) -> Result<Vec<(String, Outcome)>, String> {
    let sizes = &opts.sizes;
    let sfx = backend.suffix();
    let name = |n: &str| format!("{n}{sfx}");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let engine_db = backend.db(dir.path(), "engine")?;
    let set_up = Instant::now();
    let store = engine_db.create()?;
    let town = Town::build(Arc::clone(&store), sizes.horizon_clients, opts.seed)?;
    let bytes_before = engine_db.bytes()?;
    println!(
        "    town{sfx}: {} clients, {} care workers, set up through the engine in {:.1} s",
        town.clients.len(),
        town.care_workers.len(),
        set_up.elapsed().as_secs_f64()
    );
    let mut lines = Vec::new();

    // Workload 2: every plan item added through the engine, which expands it over the
    // 12-week horizon and stores the visits (authorized, audited, one entry per call).
    // The first clients' items one call per transaction, as a care manager's screen
    // would; all the rest in batches of BATCH calls, as an integrator's import would.
    let one_by_one = (town.clients.len() / 10).max(1);
    let mut items: Vec<(Actor, PlanItem)> = Vec::new();
    let add =
        |e: &Engine, c: &Client, items: &mut Vec<(Actor, PlanItem)>| -> Result<usize, String> {
            let mut n = 0;
            for (actor, plan, spec) in &c.items {
                let o = e
                    .add_plan_item(actor, *plan, spec.clone())
                    .map_err(err("add plan item"))?;
                n += o.regeneration.added.len();
                items.push((actor.clone(), o.item));
            }
            Ok(n)
        };
    let started = Instant::now();
    let mut single = 0usize;
    for c in &town.clients[..one_by_one] {
        single += add(&town.engine, c, &mut items)?;
    }
    let t_single = started.elapsed().as_secs_f64();
    let single_calls = items.len();
    let started = Instant::now();
    let mut batched = 0usize;
    for chunk in town.clients[one_by_one..].chunks(BATCH / 3) {
        batched += town
            .engine
            .batch(|e| -> Result<usize, String> {
                let mut n = 0;
                for c in chunk {
                    n += add(e, c, &mut items)?;
                }
                Ok(n)
            })
            .map_err(err("batch"))??;
    }
    let t_store = started.elapsed().as_secs_f64();
    let stored = single + batched;
    let ours_rate = batched as f64 / t_store;
    let ours_bytes = (engine_db.bytes()? - bytes_before) as f64 / stored.max(1) as f64;
    let (raw_rate, raw_bytes, raw_rows) = raw_insert(&engine_db, &backend.db(dir.path(), "raw")?)?;
    if raw_rows != stored {
        return Err(format!(
            "the engine reported {stored} visits stored but the file holds {raw_rows}"
        ));
    }
    let ratio = ours_rate / raw_rate;
    lines.push(judged(
        &name("store horizon"),
        &format!(
            "{:.0} rows/s, {:.0} B/visit ({batched} visits, {} calls in batches of {BATCH})",
            ours_rate,
            ours_bytes,
            items.len() - single_calls
        ),
        &format!("{raw_rate:.0} rows/s, {raw_bytes:.0} B"),
        &format!("{ratio:.2}"),
        ">= 0.50",
        ratio >= 0.5,
    ));
    let single_rate = single as f64 / t_single;
    line(
        &name("store, 1 per call"),
        &format!("{single_rate:.0} rows/s ({single} visits, {single_calls} calls)"),
        &format!("{raw_rate:.0} rows/s"),
        &format!("{:.2}", single_rate / raw_rate),
        "(none)",
        "-",
    );

    // Workload 6: a tenth of the plan items changed (a visit time moves by half an hour)
    // and regenerated through the engine, against the full expansion above.
    let started = Instant::now();
    let (mut changed, mut added, mut removed) = (0usize, 0usize, 0usize);
    let tenth: Vec<&(Actor, PlanItem)> = items.iter().step_by(10).collect();
    for chunk in tenth.chunks(BATCH) {
        town.engine
            .batch(|e| -> Result<(), String> {
                for (actor, item) in chunk {
                    let mut recurrence = item.recurrence.clone();
                    recurrence.minutes = vec![if recurrence.minutes == [30] { 0 } else { 30 }];
                    let o = e
                        .change_plan_item(
                            actor,
                            item.id,
                            PlanItemSpec {
                                action: item.action.clone(),
                                worker: item.worker,
                                place: item.place.clone(),
                                duration_minutes: item.duration_minutes,
                                recurrence,
                                valid_from: item.valid_from,
                                valid_until: item.valid_until,
                            },
                        )
                        .map_err(err("change plan item"))?;
                    changed += 1;
                    added += o.regeneration.added.len();
                    removed += o.regeneration.removed.len();
                }
                Ok(())
            })
            .map_err(err("batch"))??;
    }
    let t_regen = started.elapsed().as_secs_f64();
    // The full expansion of every item, at the batched rate measured above.
    let full = t_store * items.len() as f64 / (items.len() - single_calls).max(1) as f64;
    line(
        &name("regenerate 10 %"),
        &format!("{t_regen:.2} s ({changed} items, +{added} -{removed})"),
        &format!("{full:.2} s all items"),
        &format!("{:.2}", t_regen / full),
        "(none)",
        "-",
    );

    // Workload 3: queries on a store of at least `query_visits` visits: the months before
    // the horizon are filled with done visits of the same plan items (straight into the
    // store, untimed), then worker days and client weeks are asked through the engine
    // and with the same SQL on the backend's own client.
    let per_week = stored as f64 / (HORIZON_DAYS as f64 / 7.0);
    let history_weeks = ((sizes.query_visits as f64 - (stored + added) as f64) / per_week)
        .ceil()
        .max(0.0) as i64;
    let history_from = first_day() - Duration::days(7 * history_weeks);
    let filled = fill_history(&*store, &items, history_from)?;
    let mut raw = engine_db.raw()?;
    let total = raw.count("SELECT count(*) FROM visits")?;
    engine_db.settle()?;
    println!(
        "    store for queries{sfx}: {total} visits ({filled} done visits from {history_from} \
         filled in, {} in the horizon); {} queries of each kind",
        total - filled as i64,
        sizes.queries
    );
    let span = (first_day() + Duration::days(i64::from(HORIZON_DAYS)) - history_from).num_days();
    let mut rng = Rng(opts.seed ^ 0x9E7);
    if let Raw::Sqlite(c) = &raw {
        // The page cache the engine's store has (16 MiB), so that the SQL is not the
        // poorer. (The server's shared buffers serve both sides on PostgreSQL.)
        c.execute_batch("PRAGMA cache_size=-16384")
            .map_err(|e| e.to_string())?;
    }
    // Worker days: a care worker asks for their own day.
    lines.push(compare_queries(
        &name("worker day"),
        &format!(
            "SELECT {VISIT_COLUMNS} FROM visits WHERE worker = ?1 AND start_us >= ?2
               AND start_us < ?3 AND status <> 4 ORDER BY start_us, id"
        ),
        &mut raw,
        sizes.queries,
        || {
            let w = town.care_workers[rng.below(town.care_workers.len() as u64) as usize];
            let d = history_from + Duration::days(rng.below(span as u64) as i64);
            (w, w.0, d, d)
        },
        |&w, d, _| {
            town.engine
                .worker_calendar(&Actor::Worker(w), w, d, d)
                .map(|got| got.len())
                .map_err(err("worker day"))
        },
    )?);
    // What a worker's day adds to its clients' access logs (issue 16): each read names
    // every file whose visits it showed (indexed by file in bulk, not at each read).
    // (The same entries on every backend: shown once, from SQLite's columns.)
    if let Raw::Sqlite(c) = &raw {
        let (reads, named): (i64, i64) = c
            .query_row(
                "SELECT count(*), coalesce(sum(length(a.disclosed) / 16), 0) FROM audit_log a
               JOIN audit_texts t ON t.id = a.operation WHERE t.text = 'calendar.worker'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| e.to_string())?;
        line(
            "worker day, logged",
            &format!(
                "{:.1} client files named per read ({named} names in {reads} reads)",
                named as f64 / reads.max(1) as f64
            ),
            "-",
            "-",
            "(none)",
            "-",
        );
    }
    // Client weeks: the client's care worker asks for a Monday-to-Sunday week.
    let mut rng = Rng(opts.seed ^ 0x3EE);
    lines.push(compare_queries(
        &name("client week"),
        &format!(
            "SELECT {VISIT_COLUMNS} FROM visits WHERE file = ?1 AND start_us >= ?2
               AND start_us < ?3 AND status <> 4 ORDER BY start_us, id"
        ),
        &mut raw,
        sizes.queries,
        || {
            let c = &town.clients[rng.below(town.clients.len() as u64) as usize];
            let monday = history_from + Duration::days(7 * rng.below((span / 7) as u64) as i64);
            (c, c.file.0, monday, monday + Duration::days(6))
        },
        |c, monday, sunday| {
            town.engine
                .client_calendar(&Actor::Worker(c.care_worker), c.file, monday, sunday)
                .map(|got| got.len())
                .map_err(err("client week"))
        },
    )?);
    Ok(lines)
}

/// Times `queries` queries drawn by `draw` (what the engine needs, the key — worker or
/// file — and the Tallinn days `from ..= to`), each asked through the engine by `ask`
/// and with the same `sql` (key, window) straight on the backend's client; fails if the two give
/// different numbers of visits.
///
/// The side that asks first reads from the disk what the other then finds in the
/// operating system's cache, so the two take turns: the engine first on even queries,
/// the SQL first on odd ones. Each query is then asked once more on both sides, and
/// those times make a second line: the same query again, with nothing left to read from
/// the disk, which is the engine's own cost over the SQL.
///
/// Prints two lines, p50 and p99 of both and the ratio of the p99s: the first judged
/// against the target, then the second asking.
fn compare_queries<T>(
    name: &str,
    sql: &str,
    raw: &mut Raw,
    queries: u32,
    mut draw: impl FnMut() -> (T, Uuid, NaiveDate, NaiveDate),
    mut ask: impl FnMut(&T, NaiveDate, NaiveDate) -> Result<usize, String>,
) -> Result<(String, Outcome), String> {
    let n = queries as usize;
    let (mut ours, mut peer) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut ours_again, mut peer_again) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut rows = 0usize;
    for i in 0..queries {
        let (what, key, from, to) = draw();
        let (from_us, to_us) = (micros_at(from), micros_at(to + Duration::days(1)));
        let mut engine = || -> Result<(Elapsed, usize), String> {
            let started = Instant::now();
            let got = ask(&what, from, to)?;
            Ok((started.elapsed(), got))
        };
        let mut sql = || -> Result<(Elapsed, usize), String> {
            let started = Instant::now();
            let got = raw.visits(sql, key, from_us, to_us)?;
            Ok((started.elapsed(), got))
        };
        let ((t_ours, got), (t_peer, want)) = if i % 2 == 0 {
            let e = engine()?;
            (e, sql()?)
        } else {
            let s = sql()?;
            (engine()?, s)
        };
        if got != want {
            return Err(format!(
                "{name} of {} {from}..{to}: the engine gave {got} visits, the SQL {want}",
                key
            ));
        }
        ours.push(t_ours);
        peer.push(t_peer);
        rows += got;
        ours_again.push(engine()?.0);
        peer_again.push(sql()?.0);
    }
    let (o, p, ratio) = query_figures(&mut ours_again, &mut peer_again, rows, queries);
    let again = (format!("{name}, again"), o, p, format!("{ratio:.2}"));
    let (o, p, ratio) = query_figures(&mut ours, &mut peer, rows, queries);
    let verdict = judged(
        name,
        &o,
        &p,
        &format!("{ratio:.2}"),
        "p99 <= 2x",
        ratio <= 2.0,
    );
    line(&again.0, &again.1, &again.2, &again.3, "(none)", "-");
    Ok(verdict)
}

/// The figures of one query line: ours, the peer's (p50 and p99 of each) and the ratio of
/// the p99s.
fn query_figures(
    ours: &mut [Elapsed],
    peer: &mut [Elapsed],
    rows: usize,
    queries: u32,
) -> (String, String, f64) {
    ours.sort_unstable();
    peer.sort_unstable();
    let (p50, p99) = (percentile(ours, 0.5), percentile(ours, 0.99));
    let (q50, q99) = (percentile(peer, 0.5), percentile(peer, 0.99));
    (
        format!(
            "p50 {} p99 {} ms ({:.1} visits/query)",
            ms(p50),
            ms(p99),
            rows as f64 / f64::from(queries.max(1))
        ),
        format!("p50 {} p99 {} ms", ms(q50), ms(q99)),
        p99.as_secs_f64() / q99.as_secs_f64().max(1e-9),
    )
}

/// Fills the weeks from `from` to the horizon with done visits of the plan items, straight
/// into the store in large transactions (fixture data for the queries, not timed).
fn fill_history(
    store: &dyn Store,
    items: &[(Actor, PlanItem)],
    from: NaiveDate,
) -> Result<usize, String> {
    if from >= first_day() {
        return Ok(0);
    }
    let ids = SequentialIds::new(0x4157);
    let to = first_day() - Duration::days(1);
    let mut n = 0;
    for chunk in items.chunks(2_000) {
        let mut tx = Records::new(store.begin(Unit::COMMAND).map_err(|e| e.to_string())?);
        for (_, item) in chunk {
            let mut past = item.clone();
            past.valid_from = from;
            let mut visits = expand(&past, from, to, || {
                VisitId(teho_core::ports::Ids::next_id(&ids))
            });
            for v in &mut visits {
                v.status = VisitStatus::Done;
            }
            n += visits.len();
            tx.insert_visits(&visits).map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(n)
}

/// A town of `clients` on `store` with every plan item added (the horizon stored): each
/// client's file, their care worker, and the first day of the horizon. What the WASM
/// workload reads.
pub(crate) fn planned_town(
    store: Arc<dyn Store>,
    clients: u32,
    seed: u64,
) -> Result<(Vec<(ClientFileId, WorkerId)>, NaiveDate), String> {
    let town = Town::build(store, clients, seed)?;
    for c in &town.clients {
        for (actor, plan, spec) in &c.items {
            town.engine
                .add_plan_item(actor, *plan, spec.clone())
                .map_err(err("add plan item"))?;
        }
    }
    let files = town
        .clients
        .iter()
        .map(|c| (c.file, c.care_worker))
        .collect();
    Ok((files, first_day()))
}
