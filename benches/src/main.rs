//! `teho-bench`: TEHO's benchmark workloads, run by `benches/run` in release mode. Each
//! workload prints one line: our figure, the peer's where there is one, the ratio, and
//! pass/fail against the target of issue 8. Workloads are generated from `--seed`.
//!
//! Workloads: expansion (1), storing a horizon (2), queries (3) and regeneration (6) on
//! one town, authorization (4), audit (5). A missed target prints FAIL on its line and
//! is listed at the end; the exit code is non-zero only when a workload could not be
//! compared (the expanders disagree, a peer fails).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::org::{NewAdministrator, NewOrganization, Organization, OrganizationKind, Worker};
use teho_core::person::{PersonalCode, check_digit};

mod audit;
mod authorization;
mod backend;
mod concurrency;
mod expansion;
mod horizon;
mod kotlin;
mod memory;
mod wasm;

/// Workload sizes: `--full` or the quick default.
pub(crate) struct Sizes {
    /// Clients in the authorization network.
    pub clients: u32,
    /// Workers in the authorization network.
    pub workers: u32,
    /// `authorize` calls.
    pub calls: u64,
    /// Audited engine calls.
    pub audit_calls: u64,
    /// Entries of the chain verified while four writer processes work.
    pub verify_entries: u64,
    /// Plan items expanded over a year.
    pub plan_items: u32,
    /// Clients whose 12-week horizon is stored.
    pub horizon_clients: u32,
    /// Visits in the store the queries run on (at least).
    pub query_visits: u64,
    /// Queries of each kind.
    pub queries: u32,
    /// Seconds each K of the concurrency workload runs.
    pub concurrency_seconds: f64,
}

/// A small deterministic generator (SplitMix64), so a seed gives the same workload.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// SplitMix64's finaliser: also the checksum's mixing function (the Python peer has the
/// same one).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a run is asked to do.
pub(crate) struct Options {
    pub seed: u64,
    pub sizes: Sizes,
    /// The Python interpreter with python-dateutil, for the expansion peer.
    pub python: Option<PathBuf>,
    /// Run only the workloads whose name starts with this.
    pub only: Option<String>,
}

/// How a workload stood against its target. (A workload that cannot be compared — the
/// peers disagree, a peer fails — returns an error instead, and the run fails.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pass,
    Miss,
}

fn options() -> Result<Options, String> {
    let (mut full, mut seed, mut python, mut only) = (false, 7u64, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--full" => full = true,
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seed needs a whole number")?
            }
            "--python" => python = Some(PathBuf::from(args.next().ok_or("--python needs a path")?)),
            "--only" => only = Some(args.next().ok_or("--only needs a workload name")?),
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected --full, --seed N, --python PATH, --only NAME)"
                ));
            }
        }
    }
    let sizes = if full {
        Sizes {
            clients: 10_000,
            workers: 1_000,
            calls: 20_000_000,
            audit_calls: 20_000,
            verify_entries: 1_000_000,
            plan_items: 12_500,
            horizon_clients: 10_000,
            query_visits: 5_000_000,
            queries: 10_000,
            concurrency_seconds: 10.0,
        }
    } else {
        Sizes {
            clients: 2_000,
            workers: 200,
            calls: 2_000_000,
            // Ten batches: with two, the batched figure was mostly the two commits.
            audit_calls: 10_000,
            verify_entries: 100_000,
            plan_items: 1_250,
            horizon_clients: 500,
            query_visits: 250_000,
            queries: 2_000,
            concurrency_seconds: 2.0,
        }
    };
    Ok(Options {
        seed,
        sizes,
        python,
        only,
    })
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(concurrency::CLIENT) {
        return match concurrency::client(std::env::args().skip(2).collect()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("teho-bench client: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if std::env::args().nth(1).as_deref() == Some(audit::WRITER) {
        return match audit::writer(std::env::args().skip(2).collect()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("teho-bench writer: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("teho-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let wants = |name: &str| opts.only.as_deref().is_none_or(|o| name.starts_with(o));
    line("workload", "ours", "peer", "ratio", "target", "result");
    let mut missed = Vec::new();
    let mut failed = Vec::new();
    let mut run = |name: &str, r: Result<Vec<(String, Outcome)>, String>| match r {
        Ok(lines) => missed.extend(
            lines
                .into_iter()
                .filter(|(_, o)| *o == Outcome::Miss)
                .map(|(n, _)| n),
        ),
        Err(e) => {
            eprintln!("teho-bench: {name}: {e}");
            failed.push(name.to_string());
        }
    };
    if wants("expansion") {
        run("expansion", expansion::expansion(&opts));
    }
    if wants("horizon") || wants("queries") || wants("regeneration") {
        run("horizon", horizon::horizon(&opts));
    }
    if wants("authorize") {
        run("authorize", authorization::authorization(&opts));
    }
    if wants("audit") {
        run("audit", audit::audit(&opts));
        run("audit verify", audit::verify_under_writers(&opts));
    }
    if wants("memory") {
        run("memory", memory::memory(&opts));
    }
    if wants("concurrency") {
        run("concurrency", concurrency::concurrency(&opts));
    }
    if wants("wasm") {
        run("wasm", wasm::wasm(&opts));
    }
    if wants("kotlin") {
        run("kotlin", kotlin::kotlin(&opts));
    }
    if !missed.is_empty() {
        println!("targets missed: {}", missed.join(", "));
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("teho-bench: FAILED (not comparable): {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// One line of the table.
pub(crate) fn line(
    workload: &str,
    ours: &str,
    peer: &str,
    ratio: &str,
    target: &str,
    result: &str,
) {
    println!("{workload:<22}| {ours:<62}| {peer:<26}| {ratio:<6}| {target:<11}| {result}");
}

/// The figures another side of a workload printed (Node, the JVM): one JSON object.
pub(crate) struct Printed {
    who: String,
    text: String,
    values: serde_json::Value,
}

impl Printed {
    /// Runs `command` (`who` in messages) and reads what it printed.
    pub(crate) fn run(mut command: std::process::Command, who: &str) -> Result<Self, String> {
        let out = command.output().map_err(|e| format!("{who}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{who}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let values =
            serde_json::from_str(&text).map_err(|e| format!("{who} printed {text:?}: {e}"))?;
        Ok(Self {
            who: who.into(),
            text,
            values,
        })
    }

    /// A number it printed.
    pub(crate) fn field(&self, name: &str) -> Result<f64, String> {
        self.values[name]
            .as_f64()
            .ok_or_else(|| format!("{} printed no {name}: {}", self.who, self.text))
    }
}

/// Prints a line judged against its target (PASS or FAIL) and returns the verdict.
pub(crate) fn judged(
    workload: &str,
    ours: &str,
    peer: &str,
    ratio: &str,
    target: &str,
    ok: bool,
) -> (String, Outcome) {
    line(
        workload,
        ours,
        peer,
        ratio,
        target,
        if ok { "PASS" } else { "FAIL" },
    );
    let outcome = if ok { Outcome::Pass } else { Outcome::Miss };
    (workload.to_string(), outcome)
}

/// A valid personal code: `lead` (sex and century), a birth date, a serial.
pub(crate) fn code(lead: u32, born: NaiveDate, serial: u32) -> Result<PersonalCode, String> {
    let ten = format!("{lead}{}{:03}", born.format("%y%m%d"), serial % 1000);
    let digits: Vec<u8> = ten.bytes().map(|b| b - b'0').collect();
    PersonalCode::parse(&format!("{ten}{}", check_digit(&digits))).map_err(|e| e.to_string())
}

/// Initialises an engine's empty store with the city department and its administrator.
pub(crate) fn bootstrap(engine: &ClientFiles) -> Result<(Organization, Worker), String> {
    engine
        .bootstrap(
            &Actor::System,
            NewOrganization {
                name: "Tallinna Sotsiaal- ja Tervishoiuamet".into(),
                kind: OrganizationKind::Municipality,
                registry_code: None,
            },
            NewAdministrator {
                personal_code: code(3, day(1980, 1, 1), 1)?,
                given_name: "Mari".into(),
                family_name: "Haldur".into(),
                employed_from: day(2020, 1, 1),
            },
        )
        .map_err(|e| format!("bootstrap: {e}"))
}

/// The bytes a database file takes once its WAL is checkpointed into it.
pub(crate) fn db_bytes(path: &Path) -> Result<u64, String> {
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| e.to_string())?;
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    Ok((pages * size) as u64)
}

/// A district social worker and the client file they opened (so they are in its
/// network): what the audit and memory workloads read through the engine.
pub(crate) struct SocialCase {
    /// The social worker.
    pub worker: Actor,
    /// The client's file.
    pub file: teho_core::ids::ClientFileId,
}

/// Bootstraps `engine` and opens one client's file by a social worker of the city.
pub(crate) fn social_case(engine: &ClientFiles) -> Result<SocialCase, String> {
    let (city, admin) = bootstrap(engine)?;
    let e = |what: &'static str| move |err: teho_core::TehoError| format!("{what}: {err}");
    let sw = engine
        .register_worker(
            &Actor::Worker(admin.id),
            teho_core::org::NewWorker {
                personal_code: code(4, day(1985, 5, 5), 2)?,
                given_name: "Sirje".into(),
                family_name: "Saar".into(),
                organization: city.id,
                role: teho_core::org::Role::SocialWorker,
                employed_from: day(2020, 1, 1),
                employed_until: None,
            },
        )
        .map_err(e("social worker"))?;
    let worker = Actor::Worker(sw.id);
    let person = engine
        .register_person(
            &worker,
            teho_core::person::NewPerson {
                identity: teho_core::person::PersonIdentity::Estonian(code(4, day(1938, 3, 3), 3)?),
                given_name: "Laine".into(),
                family_name: "Kask".into(),
                birth_date: None,
            },
        )
        .map_err(e("client"))?;
    let file = engine
        .open_client_file(
            &worker,
            person.id,
            teho_core::file::NewCard {
                residence: Some("Punane 16-4, Tallinn".into()),
                contacts: Vec::new(),
                good_to_know: "Spare key at the neighbour's.".into(),
            },
        )
        .map_err(e("file"))?;
    Ok(SocialCase {
        worker,
        file: file.id,
    })
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}
