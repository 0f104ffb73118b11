//! Workload: K client processes (K = 1, 2, 4, 8) on one database at once, each asking the
//! worker-day and client-week queries and sending a stream of commands (one in five
//! calls a note added), on PostgreSQL and on one SQLite file: total calls a second, the
//! p99 of a call, the errors that reached a caller (target 0), and the chain verified
//! afterwards (issue 18, item 6).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use teho_core::ClientFiles;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::file::NewEntry;
use teho_core::ids::{ClientFileId, WorkerId};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::Store;
use teho_core::testing::{Town, day};

use crate::backend::Backend;
use crate::{Options, Outcome, judged, line};

/// The argument that makes `teho-bench` a client process of this workload.
pub const CLIENT: &str = "--concurrency-client";

/// A client process (`teho-bench --concurrency-client DB NURSE SOCIAL FILE PREFIX
/// SECONDS`): calls for SECONDS, four queries (a nurse's day, the client's week, in turn)
/// to a command (a note), and prints `calls errors` and then every call's latency in µs.
pub fn client(args: Vec<String>) -> Result<(), String> {
    let [db, nurse, social, file, prefix, seconds] = args.as_slice() else {
        return Err(format!(
            "usage: teho-bench {CLIENT} DB NURSE SOCIAL FILE PREFIX SECONDS"
        ));
    };
    let id = |s: &str| s.parse::<uuid::Uuid>().map_err(|e| format!("{s}: {e}"));
    let (nurse, social, file) = (
        WorkerId(id(nurse)?),
        WorkerId(id(social)?),
        ClientFileId(id(file)?),
    );
    let prefix: u64 = prefix.parse().map_err(|e| format!("prefix: {e}"))?;
    let seconds: f64 = seconds.parse().map_err(|e| format!("seconds: {e}"))?;
    let at: DateTime<Utc> = teho_core::testing::tallinn(2026, 11, 3, 10, 0);
    let engine = ClientFiles::shared(
        crate::backend::open(db)?,
        Arc::new(FixedClock::new(at)),
        Arc::new(SequentialIds::new(prefix)),
    );
    let (from, to) = (day(2026, 11, 2), day(2026, 11, 9));
    let started = Instant::now();
    let mut latencies: Vec<u64> = Vec::new();
    let mut errors = 0u64;
    let mut i = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        let t = Instant::now();
        let ok = match i % 5 {
            4 => engine
                .add_entry(
                    &Actor::Worker(social),
                    NewEntry {
                        file,
                        category: DataCategory::ProfessionalNote,
                        visibility: Visibility::Network,
                        text: format!("client {prefix} note {i}"),
                        domain_detail: None,
                    },
                )
                .is_ok(),
            n if n % 2 == 0 => engine
                .worker_calendar(&Actor::Worker(nurse), nurse, from, from)
                .is_ok(),
            _ => engine
                .client_calendar(&Actor::Worker(nurse), file, from, to)
                .is_ok(),
        };
        latencies.push(t.elapsed().as_micros() as u64);
        errors += u64::from(!ok);
        i += 1;
    }
    let text: Vec<String> = latencies.iter().map(u64::to_string).collect();
    println!("{} {errors}\n{}", latencies.len(), text.join(" "));
    Ok(())
}

/// One run of K clients: calls a second, p99 (ms), errors.
fn run_k(db: &str, town: &Town, k: u64, seconds: f64) -> Result<(f64, f64, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let children = (0..k)
        .map(|p| {
            Command::new(&exe)
                .args([
                    CLIENT,
                    db,
                    &town.nurse.to_string(),
                    &town.social_worker.to_string(),
                    &town.file.to_string(),
                    &(0x100 * k + p + 1).to_string(),
                    &seconds.to_string(),
                ])
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut all: Vec<u64> = Vec::new();
    let mut errors = 0;
    for child in children {
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "a client failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let head: Vec<u64> = lines
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        errors += head.get(1).copied().unwrap_or(0);
        all.extend(
            lines
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|w| w.parse::<u64>().ok()),
        );
    }
    all.sort_unstable();
    let p99 = all
        .get((all.len() * 99 / 100).min(all.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0) as f64
        / 1000.0;
    Ok((all.len() as f64 / seconds, p99, errors))
}

/// The workload on one backend: `db` names a fresh database (a file path, or a URL of an
/// empty schema).
fn backend(
    name: &str,
    db: &str,
    store: Arc<dyn Store>,
    seconds: f64,
) -> Result<Vec<(String, Outcome)>, String> {
    let town = Town::build_shared(Arc::clone(&store), 0x5000);
    town.plan_week();
    let mut out = Vec::new();
    let mut alone = None;
    for k in [1u64, 2, 4, 8] {
        let (rate, p99, errors) = run_k(db, &town, k, seconds)?;
        let base = *alone.get_or_insert(rate);
        out.push(judged(
            &format!("concurrency {name} K={k}"),
            &format!("{rate:.0} calls/s, p99 {p99:.1} ms, {errors} errors"),
            &format!("K=1: {base:.0} calls/s"),
            &format!("{:.2}", rate / base),
            "0 errors",
            errors == 0,
        ));
    }
    let report = teho_core::audit::verify_store(&*store, None, None).map_err(|e| e.to_string())?;
    if !report.is_intact() {
        return Err(format!("{name}: the chain broke: {:?}", report.first_break));
    }
    line(
        &format!("concurrency {name}"),
        &format!("chain intact after the runs: {} entries", report.entries),
        "-",
        "-",
        "-",
        "",
    );
    Ok(out)
}

/// The workload on a SQLite file and on PostgreSQL (when `TEHO_POSTGRES_URL` names a
/// server).
pub fn concurrency(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let seconds = opts.sizes.concurrency_seconds;
    let mut out = Vec::new();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for b in Backend::all() {
        let db = b.db(dir.path(), "concurrency")?;
        let name = match b {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "pg",
        };
        out.extend(backend(name, &db.arg()?, db.create()?, seconds)?);
    }
    Ok(out)
}
