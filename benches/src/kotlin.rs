//! The Kotlin binding's cost (issue 19): the same client-week queries from Rust (the
//! engine's typed `client_calendar`) and from Kotlin on the JVM (the typed
//! `clientCalendar` an integrator calls, through uniffi and the JSON door, decoded into
//! data classes), on the same SQLite town — p50/p99 per query and the ratio of the p99s
//! (target ≤ 1.5×). The JVM side runs after a warm-up pass of the JIT.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone};
use chrono_tz::Europe::Tallinn;
use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::ports::{FixedClock, UuidV7Ids};
use teho_storage::SqliteStore;

use crate::horizon::percentile;
use crate::{Options, Outcome, Printed, Rng, judged};

/// The Kotlin classes and the jar's native library, built by `benches/run`.
const CLASSES: &str = "bindings/kotlin/target/test-classes";
const CLASSPATH: &str = "bindings/kotlin/target/bench-classpath.txt";

/// Runs the workload: `queries` client weeks over a town of `horizon_clients` / 5.
pub fn kotlin(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    if !Path::new(CLASSES).exists() || !Path::new(CLASSPATH).exists() {
        return Err(format!(
            "{CLASSES} is missing: benches/run builds it (mvn test-compile)"
        ));
    }
    let clients = (opts.sizes.horizon_clients / 5).max(50);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = dir.path().join("town.db");
    let store = Arc::new(SqliteStore::create(&db).map_err(|e| e.to_string())?);
    let (files, first) = crate::horizon::planned_town(store.clone(), clients, opts.seed)?;
    let at = Tallinn
        .with_ymd_and_hms(2027, 1, 4, 6, 0, 0)
        .single()
        .ok_or("the town's clock")?
        .to_utc();
    let mut rng = Rng(opts.seed ^ 0x3A5);
    let queries: Vec<_> = (0..opts.sizes.queries)
        .map(|_| {
            let (file, worker) = files[rng.below(files.len() as u64) as usize];
            (file, worker, first + Days::days(7 * rng.below(12) as i64))
        })
        .collect();

    // Rust: the engine's typed query on the same file.
    let engine = ClientFiles::shared(store, Arc::new(FixedClock::new(at)), Arc::new(UuidV7Ids));
    let mut times = Vec::with_capacity(queries.len());
    let mut native_visits = 0usize;
    for (file, worker, monday) in &queries {
        let started = Instant::now();
        let week = engine
            .client_calendar(
                &Actor::Worker(*worker),
                *file,
                *monday,
                *monday + Days::days(6),
            )
            .map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        native_visits += week.len();
    }
    times.sort();
    drop(engine);
    // The JSON door natively, to tell where the time goes.
    let host = teho_core::host::Host::open(
        Arc::new(SqliteStore::open(&db).map_err(|e| e.to_string())?),
        teho_core::host::HostClock::Fixed(at),
    )
    .map_err(|e| e.message)?;
    let mut door = Vec::with_capacity(queries.len());
    for (file, worker, monday) in &queries {
        let actor = serde_json::json!({ "Worker": worker.0 }).to_string();
        let request = serde_json::json!({
            "command": "client_calendar",
            "args": { "file": file.0, "from": monday, "to": *monday + Days::days(6) },
        })
        .to_string();
        let started = Instant::now();
        host.call(&actor, &request).map_err(|e| e.message)?;
        door.push(started.elapsed());
    }
    door.sort();
    drop(host);

    // Kotlin on the JVM: the same town and queries.
    let list: Vec<[String; 3]> = queries
        .iter()
        .map(|(f, w, d)| [w.0.to_string(), f.0.to_string(), d.to_string()])
        .collect();
    std::fs::write(
        dir.path().join("queries.json"),
        serde_json::to_string(&list).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let deps = std::fs::read_to_string(CLASSPATH).map_err(|e| e.to_string())?;
    let classpath = format!("{CLASSES}:bindings/kotlin/target/classes:{}", deps.trim());
    let mut java = Command::new("java");
    java.args(["-cp", &classpath, "ee.tallinn.teho.bench.ClientWeekKt"])
        .arg(dir.path())
        .arg(at.to_rfc3339());
    let printed = Printed::run(java, "the Kotlin side")?;
    let field = |name: &str| printed.field(name);
    let (k50, k99, kotlin_visits) = (field("p50_us")?, field("p99_us")?, field("visits")?);
    let (d50, d99) = (field("door_p50_us")?, field("door_p99_us")?);
    let (parse, decode, chars) = (field("parse_us")?, field("decode_us")?, field("chars")?);
    if kotlin_visits as usize != native_visits {
        return Err(format!(
            "Kotlin saw {kotlin_visits} visits, Rust {native_visits}: not the same answers"
        ));
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (n50, n99) = (us(percentile(&times, 0.5)), us(percentile(&times, 0.99)));
    let ratio = k99 / n99;
    Ok(vec![judged(
        "client week, kotlin",
        &format!(
            "Kotlin typed p50 {:.3} p99 {:.3} ms (door alone p50 {:.3} p99 {:.3}; parse {parse:.0} + decode {decode:.0} us per {chars:.0}-char answer; {} queries, {clients} clients)",
            k50 / 1e3,
            k99 / 1e3,
            d50 / 1e3,
            d99 / 1e3,
            queries.len()
        ),
        &format!(
            "Rust typed p50 {:.3} p99 {:.3} ms (JSON door p50 {:.3} p99 {:.3})",
            n50 / 1e3,
            n99 / 1e3,
            us(percentile(&door, 0.5)) / 1e3,
            us(percentile(&door, 0.99)) / 1e3
        ),
        &format!("{ratio:.2}"),
        "<= 1.5",
        ratio <= 1.5,
    )])
}
