//! The MemoryStore's cost per call as its history grows: the same calls on a store
//! holding 1,000 audit entries and on one holding 100,000 (the browser demo's store, which
//! only grows in a session). A call should cost what it touches, not what the store holds.

use std::hint::black_box;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use teho_core::ClientFiles;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::MemoryStore;

use crate::{Options, Outcome, SocialCase, judged};

/// Calls in one timed round of the mix, per history size.
fn rounds(opts: &Options) -> u64 {
    if opts.sizes.audit_calls > 10_000 {
        20_000
    } else {
        5_000
    }
}

/// Fills the audit log to `entries` with inbox reads.
fn fill(engine: &ClientFiles, case: &SocialCase, entries: u64) -> Result<(), String> {
    let now = engine.chain_length().map_err(|e| e.to_string())?;
    for _ in now..entries {
        engine.inbox(&case.worker).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Calls per second of a mix: a client file read, a card read, an inbox and, one call in
/// four, the card's note rewritten (a write that does not grow what the reads read).
fn mix(engine: &ClientFiles, case: &SocialCase, n: u64) -> Result<f64, String> {
    let started = Instant::now();
    for i in 0..n {
        let r = match i % 4 {
            0 => engine.client_file(&case.worker, case.file).map(|_| ()),
            1 => engine.client_card(&case.worker, case.file).map(|_| ()),
            2 => engine.inbox(&case.worker).map(|_| ()),
            _ => engine
                .update_good_to_know(&case.worker, case.file, format!("Spare key, flat {i}"))
                .map(|_| ()),
        };
        black_box(r.map_err(|e| e.to_string())?);
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The workload: the mix at 1,000 and at 100,000 audit entries, each on a store of its
/// own built the same way; the ratio of the rates.
pub fn memory(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let n = rounds(opts);
    let rate = |history: u64| -> Result<f64, String> {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .single()
            .unwrap_or_default();
        let engine = ClientFiles::new(
            MemoryStore::new(),
            FixedClock::new(at),
            SequentialIds::new(0x3e),
        );
        let case = crate::social_case(&engine)?;
        fill(&engine, &case, history)?;
        mix(&engine, &case, n)
    };
    let small = rate(1_000)?;
    let large = rate(100_000)?;
    let ratio = large / small;
    Ok(vec![judged(
        "memory, history",
        &format!("{large:.0} calls/s at 100,000 audit entries ({n} calls)"),
        &format!("{small:.0} calls/s at 1,000"),
        &format!("{ratio:.2}"),
        ">= 0.8",
        ratio >= 0.8,
    )])
}
