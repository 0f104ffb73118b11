//! Workload 5: audit entries appended through the engine, and `verify`, against a raw
//! hash chain.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};

use crate::backend::{Backend, Db, Raw};
use crate::{Options, Outcome, bootstrap, judged, line};

/// Workload 5 on every backend.
pub fn audit(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let mut lines = Vec::new();
    for backend in Backend::all() {
        lines.extend(audit_on(opts, &backend)?);
    }
    Ok(lines)
}

/// Workload 5 on one backend: audit entries appended through the engine (each call is
/// one transaction holding its one audit entry), and `verify`, against a raw hash chain
/// of the same shape written with the backend's own client on the same file system or
/// server (SQLite: WAL, `synchronous=FULL`), one entry per transaction and all in one
/// transaction.
fn audit_on(opts: &Options, backend: &Backend) -> Result<Vec<(String, Outcome)>, String> {
    let sizes = &opts.sizes;
    let sfx = backend.suffix();
    let name = |n: &str| format!("{n}{sfx}");
    use teho_core::ClientFiles;
    use teho_core::access::Actor;
    use teho_core::ports::{FixedClock, SequentialIds};

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let n = sizes.audit_calls;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let engine_db = backend.db(dir.path(), "audit")?;
    let engine = ClientFiles::shared(
        engine_db.create()?,
        Arc::new(FixedClock::new(at)),
        Arc::new(SequentialIds::new(0xbe)),
    );
    let (_, admin) = bootstrap(&engine)?;
    let admin = Actor::Worker(admin.id);
    let started = Instant::now();
    for _ in 0..n {
        black_box(engine.inbox(&admin).map_err(|e| e.to_string())?);
    }
    let ours_append = n as f64 / started.elapsed().as_secs_f64();
    // The same calls in batches of 1,000: each still its own audited call, committed
    // together (`ClientFiles::batch`).
    let started = Instant::now();
    for _ in 0..n.div_ceil(1_000) {
        engine
            .batch(|e| -> Result<(), String> {
                for _ in 0..1_000 {
                    black_box(e.inbox(&admin).map_err(|e| e.to_string())?);
                }
                Ok(())
            })
            .map_err(|e| e.to_string())??;
    }
    let ours_batched = (n.div_ceil(1_000) * 1_000) as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let report = engine
        .verify_audit(&Actor::System, None)
        .map_err(|e| e.to_string())?;
    let ours_verify = report.entries as f64 / started.elapsed().as_secs_f64();
    if !report.is_intact() {
        return Err(format!(
            "the engine's chain broke: {:?}",
            report.first_break
        ));
    }

    let raw_db = backend.db(dir.path(), "chain")?;
    let mut raw = RawChain::open(&raw_db)?;
    let started = Instant::now();
    raw.append(n, false)?;
    let raw_single = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    raw.append(n, true)?;
    let raw_batched = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let checked = raw.verify()?;
    let raw_verify = checked as f64 / started.elapsed().as_secs_f64();

    let ours_bytes = audit_bytes(&backend.db(dir.path(), "bytes")?, n)?;
    let raw_bytes = raw_db.bytes()? as f64 / (2 * n) as f64;

    let rate = |r: f64| format!("{:.0}/s", r);
    let single = ours_append / raw_single;
    line(
        &name("audit, 1 per tx"),
        &format!(
            "{} entries, 1 per query call (synced in groups)",
            rate(ours_append)
        ),
        &rate(raw_single),
        &format!("{:.2}", single),
        "(none)",
        "-",
    );
    let batched = ours_batched / raw_batched;
    let verdict = judged(
        &name("audit, batched"),
        &format!("{} entries, 1,000 calls a batch", rate(ours_batched)),
        &rate(raw_batched),
        &format!("{batched:.2}"),
        ">= 0.50",
        batched >= 0.5,
    );
    let verify = ours_verify / raw_verify;
    line(
        &name("audit verify"),
        &format!("{} entries", rate(ours_verify)),
        &rate(raw_verify),
        &format!("{:.2}", verify),
        "(none)",
        "-",
    );
    let bytes = judged(
        &name("audit bytes"),
        &format!("{ours_bytes:.0} B/entry ({n} entries, half about a client file)"),
        &format!("{raw_bytes:.0} B/entry"),
        &format!("{:.2}", ours_bytes / raw_bytes.max(1.0)),
        "<= 250 B",
        ours_bytes <= 250.0,
    );
    Ok(vec![verdict, bytes])
}

/// What an audit entry takes in the database: `n` reads through the engine, half of a
/// client file (the entry names the file, and the file's access log indexes it), half
/// of an inbox (about no file), in batches; the database's growth per entry (a SQLite
/// file's with its WAL checkpointed into it).
fn audit_bytes(db: &Db, n: u64) -> Result<f64, String> {
    use teho_core::ClientFiles;
    use teho_core::ports::{FixedClock, SequentialIds};

    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let engine = ClientFiles::shared(
        db.create()?,
        Arc::new(FixedClock::new(at)),
        Arc::new(SequentialIds::new(0xb7)),
    );
    let case = crate::social_case(&engine)?;
    let before = db.bytes()?;
    for batch in 0..n.div_ceil(1_000) {
        engine
            .batch(|e| -> Result<(), String> {
                for i in 0..1_000u64.min(n - batch * 1_000) {
                    if i % 2 == 0 {
                        black_box(
                            e.client_file(&case.worker, case.file)
                                .map_err(|e| e.to_string())?,
                        );
                    } else {
                        black_box(e.inbox(&case.worker).map_err(|e| e.to_string())?);
                    }
                }
                Ok(())
            })
            .map_err(|e| e.to_string())??;
    }
    let after = db.bytes()?;
    Ok((after - before) as f64 / n as f64)
}

/// The peer for the audit workload: a hash chain `hash = sha256(prev ":" seq ":"
/// sha256(content))` in one table, as a user would write it by hand with the backend's
/// own client.
struct RawChain {
    raw: Raw,
}

/// One entry's content in the raw chain: what the engine's inbox entry says.
fn content(seq: u64) -> String {
    format!(
        r#"{{"seq":{seq},"at":"2026-11-23T10:00:00Z","actor":{{"Worker":"00000000-0000-00be-0000-000000000002"}},"actor_name":"Mari Haldur","actor_code":"38001010015","action":"notification.inbox","object":"inbox","outcome":"Allowed","basis":"OwnInbox"}}"#
    )
}

impl RawChain {
    fn open(db: &Db) -> Result<Self, String> {
        let mut raw = db.raw()?;
        match &mut raw {
            Raw::Sqlite(conn) => {
                let e = |x: rusqlite::Error| x.to_string();
                conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
                conn.pragma_update(None, "synchronous", "FULL").map_err(e)?;
                conn.execute_batch(
                    "CREATE TABLE chain (seq INTEGER PRIMARY KEY, content TEXT NOT NULL,
                     digest TEXT NOT NULL, hash TEXT NOT NULL)",
                )
                .map_err(e)?;
            }
            Raw::Postgres(c) => c
                .batch_execute(
                    "CREATE TABLE chain (seq bigint PRIMARY KEY, content text NOT NULL,
                     digest text NOT NULL, hash text NOT NULL)",
                )
                .map_err(|e| e.to_string())?,
        }
        Ok(Self { raw })
    }

    /// Appends `n` entries, each in a transaction of its own or all in one.
    fn append(&mut self, n: u64, batched: bool) -> Result<(), String> {
        let last = "SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1";
        let insert = "INSERT INTO chain (seq, content, digest, hash) VALUES ($1, $2, $3, $4)";
        let link = |prev: &str, seq: u64| {
            let content = content(seq);
            let digest = hex(&sha(content.as_bytes()));
            let hash = hex(&sha(format!("{prev}:{seq}:{digest}").as_bytes()));
            (content, digest, hash)
        };
        match &mut self.raw {
            Raw::Sqlite(conn) => {
                let e = |x: rusqlite::Error| x.to_string();
                let (mut seq, mut prev): (u64, String) = conn
                    .query_row(last, [], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
                    .unwrap_or((0, String::new()));
                let begin = |c: &rusqlite::Connection| c.execute_batch("BEGIN IMMEDIATE");
                let commit = |c: &rusqlite::Connection| c.execute_batch("COMMIT");
                if batched {
                    begin(conn).map_err(e)?;
                }
                for _ in 0..n {
                    seq += 1;
                    let (content, digest, hash) = link(&prev, seq);
                    if !batched {
                        begin(conn).map_err(e)?;
                    }
                    conn.prepare_cached(insert)
                        .and_then(|mut s| {
                            s.execute(rusqlite::params![seq as i64, content, digest, hash])
                        })
                        .map_err(e)?;
                    if !batched {
                        commit(conn).map_err(e)?;
                    }
                    prev = hash;
                }
                if batched {
                    commit(conn).map_err(e)?;
                }
            }
            Raw::Postgres(c) => {
                let e = |x: postgres::Error| x.to_string();
                let (mut seq, mut prev) = match c.query_opt(last, &[]).map_err(e)? {
                    Some(r) => (r.get::<_, i64>(0) as u64, r.get::<_, String>(1)),
                    None => (0, String::new()),
                };
                let stmt = c.prepare(insert).map_err(e)?;
                if batched {
                    c.batch_execute("BEGIN").map_err(e)?;
                }
                for _ in 0..n {
                    seq += 1;
                    let (content, digest, hash) = link(&prev, seq);
                    // Outside the batch each statement commits on its own.
                    c.execute(&stmt, &[&(seq as i64), &content, &digest, &hash])
                        .map_err(e)?;
                    prev = hash;
                }
                if batched {
                    c.batch_execute("COMMIT").map_err(e)?;
                }
            }
        }
        Ok(())
    }

    /// Recomputes every link; returns how many entries were checked.
    fn verify(&mut self) -> Result<u64, String> {
        let select = "SELECT seq, content, digest, hash FROM chain ORDER BY seq";
        let (mut prev, mut count) = (String::new(), 0u64);
        let mut check = |seq: i64, content: &str, digest: &str, hash: String| {
            if hex(&sha(content.as_bytes())) != digest
                || hex(&sha(format!("{prev}:{seq}:{digest}").as_bytes())) != hash
            {
                return Err(format!("raw chain broken at {seq}"));
            }
            prev = hash;
            count += 1;
            Ok(())
        };
        match &mut self.raw {
            Raw::Sqlite(conn) => {
                let e = |x: rusqlite::Error| x.to_string();
                let mut stmt = conn.prepare(select).map_err(e)?;
                let mut rows = stmt.query([]).map_err(e)?;
                while let Some(row) = rows.next().map_err(e)? {
                    let content: String = row.get(1).map_err(e)?;
                    let digest: String = row.get(2).map_err(e)?;
                    check(
                        row.get(0).map_err(e)?,
                        &content,
                        &digest,
                        row.get(3).map_err(e)?,
                    )?;
                }
            }
            Raw::Postgres(c) => {
                let e = |x: postgres::Error| x.to_string();
                for row in c.query(select, &[]).map_err(e)? {
                    let content: String = row.try_get(1).map_err(e)?;
                    let digest: String = row.try_get(2).map_err(e)?;
                    check(
                        row.try_get(0).map_err(e)?,
                        &content,
                        &digest,
                        row.try_get(3).map_err(e)?,
                    )?;
                }
            }
        }
        Ok(count)
    }
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The hidden first argument that makes the benchmark binary a writer process.
pub const WRITER: &str = "--audit-writer";

/// A writer process (`teho-bench --audit-writer DB ADMIN PREFIX STOP`): registers
/// organisations as the administrator, one command (one transaction, one audit entry)
/// each, until the file `STOP` exists; prints `commands errors seconds`. Every error is
/// counted, never retried: "database is locked" is what a long read once caused.
pub fn writer(args: Vec<String>) -> Result<(), String> {
    use teho_core::ClientFiles;
    use teho_core::access::Actor;
    use teho_core::org::{NewOrganization, OrganizationKind};
    use teho_core::ports::{FixedClock, SequentialIds};

    let [db, admin, prefix, stop] = args.as_slice() else {
        return Err(format!("usage: teho-bench {WRITER} DB ADMIN PREFIX STOP"));
    };
    let admin = Actor::Worker(teho_core::ids::WorkerId(
        admin.parse().map_err(|e| format!("admin: {e}"))?,
    ));
    let prefix: u64 = prefix.parse().map_err(|e| format!("prefix: {e}"))?;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let engine = ClientFiles::shared(
        crate::backend::open(db)?,
        Arc::new(FixedClock::new(at)),
        Arc::new(SequentialIds::new(prefix)),
    );
    let stop = std::path::Path::new(stop);
    let started = Instant::now();
    let (mut done, mut errors) = (0u64, 0u64);
    while !stop.exists() {
        let r = engine.register_organization(
            &admin,
            NewOrganization {
                name: format!("Writer {prefix} provider {done}"),
                kind: OrganizationKind::HomeCareProvider,
                registry_code: None,
            },
        );
        match r {
            Ok(_) => done += 1,
            Err(e) => {
                errors += 1;
                eprintln!("teho-bench writer {prefix}: {e}");
            }
        }
    }
    println!("{done} {errors} {}", started.elapsed().as_secs_f64());
    Ok(())
}

/// Issue 17, item 2, on every backend.
pub fn verify_under_writers(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let mut lines = Vec::new();
    for backend in Backend::all() {
        lines.extend(verify_under_writers_on(opts, &backend)?);
    }
    Ok(lines)
}

/// Issue 17, item 2: verification of a long chain (1 M entries at `--full`) while four
/// writer processes work on the same database. The writers' throughput alone and during
/// the verification, and their errors: the target is none.
fn verify_under_writers_on(
    opts: &Options,
    backend: &Backend,
) -> Result<Vec<(String, Outcome)>, String> {
    use std::process::{Child, Command};
    use teho_core::ClientFiles;
    use teho_core::access::Actor;
    use teho_core::ports::{FixedClock, SequentialIds};

    let n = opts.sizes.verify_entries;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = backend.db(dir.path(), "long")?;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let engine = ClientFiles::shared(
        db.create()?,
        Arc::new(FixedClock::new(at)),
        Arc::new(SequentialIds::new(0x1f)),
    );
    let (_, admin) = bootstrap(&engine)?;
    let reader = Actor::Worker(admin.id);
    for _ in 0..n.div_ceil(10_000) {
        engine
            .batch(|e| -> Result<(), String> {
                for _ in 0..10_000 {
                    e.inbox(&reader).map_err(|e| e.to_string())?;
                }
                Ok(())
            })
            .map_err(|e| e.to_string())??;
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let db_arg = db.arg()?;
    // Four writers until `stop` appears; their commands, errors and seconds.
    let phase =
        |name: &str, during: &dyn Fn() -> Result<(), String>| -> Result<(u64, u64, f64), String> {
            let stop = dir.path().join(format!("stop-{name}"));
            let children: Vec<Child> = (0..4)
                .map(|w| {
                    Command::new(&me)
                        .args([
                            WRITER,
                            &db_arg,
                            &admin.id.to_string(),
                            // Ids of their own in each phase: a second phase with the
                            // first one's would collide with what it wrote.
                            &format!("{}", 0x100 + w + if name == "alone" { 0 } else { 0x10 }),
                            stop.to_str().unwrap_or_default(),
                        ])
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::piped())
                        .spawn()
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?;
            let outcome = during();
            std::fs::write(&stop, b"").map_err(|e| e.to_string())?;
            let (mut done, mut errors, mut secs) = (0, 0, 0.0f64);
            for child in children {
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!(
                        "a writer failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let f: Vec<&str> = text.split_whitespace().collect();
                let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
                done += num(0).ok_or_else(|| format!("writer said {text:?}"))? as u64;
                errors += num(1).ok_or_else(|| format!("writer said {text:?}"))? as u64;
                secs = secs.max(num(2).unwrap_or_default());
            }
            outcome?;
            Ok((done, errors, secs))
        };
    let (alone, alone_errors, alone_secs) = phase("alone", &|| {
        std::thread::sleep(std::time::Duration::from_secs(3));
        Ok(())
    })?;
    let verified = std::cell::Cell::new((0u64, 0.0f64));
    let (during, errors, secs) = phase("during", &|| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let started = Instant::now();
        let report = engine
            .verify_audit(&Actor::System, None)
            .map_err(|e| e.to_string())?;
        if !report.is_intact() {
            return Err(format!("the chain broke: {:?}", report.first_break));
        }
        verified.set((report.entries, started.elapsed().as_secs_f64()));
        Ok(())
    })?;
    let (entries, verify_secs) = verified.get();
    let rate_alone = alone as f64 / alone_secs.max(1e-9);
    let rate_during = during as f64 / secs.max(1e-9);
    Ok(vec![judged(
        &format!("verify, 4 writers{}", backend.suffix()),
        &format!(
            "{entries} entries in {verify_secs:.1} s; writers {rate_during:.0} cmd/s, {errors} errors"
        ),
        &format!("writers alone {rate_alone:.0} cmd/s, {alone_errors} err"),
        &format!("{:.2}", rate_during / rate_alone.max(1e-9)),
        "0 errors",
        errors == 0 && alone_errors == 0,
    )])
}
