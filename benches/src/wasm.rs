//! The WASM package's cost (issue 20): the same client-week queries through the host
//! door natively and through the WebAssembly module in Node, on the same store — built
//! here, saved as an image, and loaded on both sides — as p50/p99 per query and the
//! ratio of the p99s (target ≤ 3×). Both sides pay the JSON door: the request and the
//! result cross as JSON text, as they do for a JavaScript caller.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone};
use chrono_tz::Europe::Tallinn;
use teho_core::host::{Host, HostClock};
use teho_core::store::MemoryStore;

use crate::horizon::percentile;
use crate::{Options, Outcome, Printed, Rng, judged};

/// The Node side: loads the image, replays the queries, prints its figures as JSON.
const NODE_SCRIPT: &str = "benches/wasm/client_week.mjs";
/// The package's Node glue, built by scripts/build-wasm.
const NODE_GLUE: &str = "bindings/wasm/pkg/node/teho_wasm_bg.wasm";

/// Runs the workload: `queries` client weeks over a town of `horizon_clients` / 5.
pub fn wasm(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    if !Path::new(NODE_GLUE).exists() {
        return Err(format!(
            "{NODE_GLUE} is missing: run scripts/build-wasm first"
        ));
    }
    let clients = (opts.sizes.horizon_clients / 5).max(50);
    let store = Arc::new(MemoryStore::new());
    let (files, first) = crate::horizon::planned_town(store.clone(), clients, opts.seed)?;
    let at = Tallinn
        .with_ymd_and_hms(2027, 1, 4, 6, 0, 0)
        .single()
        .ok_or("the town's clock")?
        .to_utc();
    let image = store.image_json().map_err(|e| e.to_string())?;
    let mut rng = Rng(opts.seed ^ 0x3A5);
    let queries: Vec<(String, String)> = (0..opts.sizes.queries)
        .map(|_| {
            let (file, worker) = files[rng.below(files.len() as u64) as usize];
            let monday = first + Days::days(7 * rng.below(12) as i64);
            let actor = serde_json::json!({ "Worker": worker.0 });
            let request = serde_json::json!({
                "command": "client_calendar",
                "args": { "file": file.0, "from": monday, "to": monday + Days::days(6) },
            });
            (actor.to_string(), request.to_string())
        })
        .collect();

    // Native: the host door over the loaded image, as the module holds it.
    let loaded = MemoryStore::from_image_json(&image).map_err(|e| e.to_string())?;
    let host = Host::open(Arc::new(loaded), HostClock::Fixed(at)).map_err(|e| e.message)?;
    let mut times = Vec::with_capacity(queries.len());
    let mut native_bytes = 0usize;
    for (actor, request) in &queries {
        let started = Instant::now();
        let out = host.call(actor, request).map_err(|e| e.message)?;
        times.push(started.elapsed());
        native_bytes += out.len();
    }
    times.sort();

    // WASM in Node: the same image and queries.
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| -> Result<(), String> {
        let mut f = std::fs::File::create(dir.path().join(name)).map_err(|e| e.to_string())?;
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())
    };
    write("image.json", &image)?;
    let list: Vec<[&str; 2]> = queries
        .iter()
        .map(|(a, r)| [a.as_str(), r.as_str()])
        .collect();
    write(
        "queries.json",
        &serde_json::to_string(&list).map_err(|e| e.to_string())?,
    )?;
    let mut node = Command::new("node");
    node.arg(NODE_SCRIPT).arg(dir.path()).arg(at.to_rfc3339());
    let printed = Printed::run(node, NODE_SCRIPT)?;
    let field = |name: &str| printed.field(name);
    let (w50, w99, wasm_bytes, load_ms) = (
        field("p50_us")?,
        field("p99_us")?,
        field("bytes")?,
        field("load_ms")?,
    );
    if wasm_bytes as usize != native_bytes {
        return Err(format!(
            "the module answered {wasm_bytes} bytes of JSON, the native door {native_bytes}: not the same answers"
        ));
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (n50, n99) = (us(percentile(&times, 0.5)), us(percentile(&times, 0.99)));
    let ratio = w99 / n99;
    Ok(vec![judged(
        "client week, wasm",
        &format!(
            "Node p50 {:.3} p99 {:.3} ms ({} queries, {clients} clients, image {} KB loaded in {load_ms:.0} ms)",
            w50 / 1e3,
            w99 / 1e3,
            queries.len(),
            image.len() / 1024
        ),
        &format!("native p50 {:.3} p99 {:.3} ms", n50 / 1e3, n99 / 1e3),
        &format!("{ratio:.2}"),
        "<= 3.0",
        ratio <= 3.0,
    )])
}
