//! Soak runs of a TEHO SQLite file (issue 17, item 7), driven by `scripts/soak`:
//!
//! ```text
//! teho-soak kill LOOPS DIR      a writer process killed (SIGKILL) at a random moment,
//!                               LOOPS times; after each, every command and every
//!                               query it acknowledged is in the file, the chain intact
//! teho-soak writers N SECONDS DIR   N writer processes at once on one file
//! teho-soak full DIR            write until the disk (DIR, a small file system) is
//!                               full: typed errors, nothing acknowledged lost
//! teho-soak child DB PREFIX WORKER FILE [LIMIT]
//!                               (internal) writes and reads, printing each
//!                               acknowledgement (`w N`, `r N`) as soon as it returns
//! ```
//!
//! Each mode prints one summary line — loops, acknowledged, lost — and exits non-zero
//! when anything acknowledged was lost, the chain broke or a call panicked.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use teho_core::ClientFiles;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::file::NewEntry;
use teho_core::ids::{ClientFileId, WorkerId};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_storage::SqliteStore;
use teho_tests::Town;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["child", db, prefix, worker, file, rest @ ..] => child(db, prefix, worker, file, rest),
        ["kill", loops, dir] => kill_loop(loops, Path::new(dir)),
        ["writers", n, secs, dir] => writers(n, secs, Path::new(dir)),
        ["full", dir] => disk_full(Path::new(dir)),
        _ => Err("usage: teho-soak kill LOOPS DIR | writers N SECONDS DIR | full DIR".into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("teho-soak: {e}");
            ExitCode::FAILURE
        }
    }
}

fn engine(db: &Path, prefix: u64) -> Result<ClientFiles, String> {
    Ok(ClientFiles::new(
        SqliteStore::open(db).map_err(|e| e.to_string())?,
        FixedClock::new(teho_tests::tallinn(2026, 11, 3, 10, 0)),
        SequentialIds::new(prefix),
    ))
}

/// Writes an entry and reads the network, again and again (up to `limit` times), printing
/// `w N` once the write returned and `r N` once the read did.
fn child(db: &str, prefix: &str, worker: &str, file: &str, rest: &[&str]) -> Result<(), String> {
    let prefix: u64 = prefix.parse().map_err(|e| format!("prefix: {e}"))?;
    let worker = Actor::Worker(WorkerId(
        worker.parse().map_err(|e| format!("worker: {e}"))?,
    ));
    let file = ClientFileId(file.parse().map_err(|e| format!("file: {e}"))?);
    let limit: u64 = match rest.first() {
        Some(l) => l.parse().map_err(|e| format!("limit: {e}"))?,
        None => u64::MAX,
    };
    let engine = engine(Path::new(db), prefix)?;
    let mut out = std::io::stdout().lock();
    let mut failing = 0;
    for n in 0..limit {
        if failing >= 20 {
            break; // the disk stays full: twenty failures in a row tell enough
        }
        let wrote = engine.add_entry(
            &worker,
            NewEntry {
                file,
                category: DataCategory::ProfessionalNote,
                visibility: Visibility::Network,
                text: format!("soak {prefix} {n}"),
                domain_detail: None,
            },
        );
        let read = wrote.is_ok().then(|| engine.network(&worker, file));
        failing = if matches!(read, Some(Ok(_))) {
            0
        } else {
            failing + 1
        };
        match wrote {
            Ok(_) => writeln!(out, "w {n}").and_then(|()| out.flush()),
            Err(e) => writeln!(out, "e {}", e.kind()).and_then(|()| out.flush()),
        }
        .map_err(|e| e.to_string())?;
        match read {
            Some(Ok(_)) => writeln!(out, "r {n}").and_then(|()| out.flush()),
            Some(Err(e)) => writeln!(out, "e {}", e.kind()).and_then(|()| out.flush()),
            None => Ok(()),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A town on a new file in `dir`: the file, its writer and client file.
fn town(dir: &Path) -> Result<(PathBuf, WorkerId, ClientFileId), String> {
    let db = dir.join(format!("soak-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let town = Town::build(SqliteStore::create(&db).map_err(|e| e.to_string())?);
    Ok((db, town.social_worker, town.file))
}

fn spawn(
    db: &Path,
    prefix: u64,
    worker: WorkerId,
    file: ClientFileId,
    limit: Option<u64>,
) -> Result<std::process::Child, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut c = Command::new(me);
    c.arg("child")
        .arg(db)
        .arg(prefix.to_string())
        .arg(worker.to_string())
        .arg(file.to_string());
    if let Some(l) = limit {
        c.arg(l.to_string());
    }
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())
}

/// What the children acknowledged: writes (by prefix and number), reads, errors.
#[derive(Default)]
struct Acks {
    writes: BTreeSet<String>,
    reads: u64,
    errors: Vec<String>,
}

impl Acks {
    fn read(&mut self, prefix: u64, stdout: impl std::io::Read) {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line.split_once(' ') {
                Some(("w", n)) => {
                    self.writes.insert(format!("soak {prefix} {n}"));
                }
                Some(("r", _)) => self.reads += 1,
                Some(("e", kind)) => self.errors.push(kind.to_string()),
                _ => {} // a line cut by the kill
            }
        }
    }
}

/// What the checks have verified so far: the chain up to a checkpoint, and the audit
/// entries of reads counted up to it, so that each loop verifies only what came after
/// (`verify_audit_since`) instead of the whole chain again.
#[derive(Default)]
struct Checked {
    since: Option<teho_core::audit::Checkpoint>,
    reads: u64,
}

/// Checks the file: the chain intact (from the last check on), every acknowledged write
/// there, and at least as many audit entries of reads as reads acknowledged. Returns the
/// writes lost.
fn check(
    db: &Path,
    worker: WorkerId,
    file: ClientFileId,
    acks: &Acks,
    checked: &mut Checked,
) -> Result<usize, String> {
    let engine = engine(db, 0xC0DE)?;
    let report = match &checked.since {
        Some(cp) => engine.verify_audit_since(&Actor::System, cp),
        None => engine.verify_audit(&Actor::System, None),
    }
    .map_err(|e| e.to_string())?;
    if !report.is_intact() {
        return Err(format!("the chain broke: {:?}", report.first_break));
    }
    let from = checked.since.as_ref().map_or(0, |c| c.entries) + 1;
    let head = from - 1 + report.entries;
    if let Some(hash) = report.head_hash.clone() {
        checked.since = Some(teho_core::audit::Checkpoint {
            entries: head,
            head_hash: hash,
        });
    }
    let texts: BTreeSet<String> = engine
        .entries(&Actor::Worker(worker), file)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| e.text)
        .collect();
    let lost = acks.writes.difference(&texts).count();
    let store = engine.store();
    let mut tx = teho_core::store::Records::new(
        store
            .begin(teho_core::store::Unit::QUERY)
            .map_err(|e| e.to_string())?,
    );
    let mut at = from;
    while at <= head {
        let page = tx.audit_page(at, 10_000).map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        at = last.seq + 1;
        checked.reads += page
            .iter()
            .filter(|e| e.seq <= head && e.operation == "network.read")
            .count() as u64;
    }
    if checked.reads < acks.reads {
        return Err(format!(
            "{} acknowledged reads, {} audited",
            acks.reads, checked.reads
        ));
    }
    Ok(lost)
}

fn kill_loop(loops: &str, dir: &Path) -> Result<(), String> {
    let loops: u64 = loops.parse().map_err(|e| format!("loops: {e}"))?;
    let (db, worker, file) = town(dir)?;
    let mut acks = Acks::default();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    let mut lost = 0;
    let mut checked = Checked::default();
    let started = Instant::now();
    for l in 0..loops {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let prefix = 0x1000 + l;
        let mut child = spawn(&db, prefix, worker, file, None)?;
        std::thread::sleep(Duration::from_millis(30 + rng % 120));
        child.kill().map_err(|e| e.to_string())?; // SIGKILL
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if String::from_utf8_lossy(&out.stderr).contains("panicked") {
            return Err(format!("loop {l}: the child panicked"));
        }
        acks.read(prefix, out.stdout.as_slice());
        lost = check(&db, worker, file, &acks, &mut checked)?;
        if lost > 0 {
            break;
        }
    }
    println!(
        "kill -9 loop: {loops} loops, {} writes and {} reads acknowledged, {lost} lost, {} errors, chain intact after every loop ({:.0} s)",
        acks.writes.len(),
        acks.reads,
        acks.errors.len(),
        started.elapsed().as_secs_f64()
    );
    verdict(&db, lost, &acks)
}

fn writers(n: &str, secs: &str, dir: &Path) -> Result<(), String> {
    let n: u64 = n.parse().map_err(|e| format!("writers: {e}"))?;
    let secs: u64 = secs.parse().map_err(|e| format!("seconds: {e}"))?;
    let (db, worker, file) = town(dir)?;
    let children: Vec<_> = (0..n)
        .map(|w| Ok((0x2000 + w, spawn(&db, 0x2000 + w, worker, file, None)?)))
        .collect::<Result<_, String>>()?;
    std::thread::sleep(Duration::from_secs(secs));
    let mut acks = Acks::default();
    for (prefix, mut child) in children {
        child.kill().map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        acks.read(prefix, out.stdout.as_slice());
    }
    let lost = check(&db, worker, file, &acks, &mut Checked::default())?;
    println!(
        "{n} writers for {secs} s: {} writes and {} reads acknowledged, {lost} lost, {} errors",
        acks.writes.len(),
        acks.reads,
        acks.errors.len()
    );
    verdict(&db, lost, &acks)
}

/// Removes the run's file; an error if anything acknowledged was lost or any call failed.
fn verdict(db: &Path, lost: usize, acks: &Acks) -> Result<(), String> {
    let _ = std::fs::remove_file(db);
    if lost > 0 || !acks.errors.is_empty() {
        return Err(format!(
            "{lost} acknowledged writes lost; errors {:?}",
            acks.errors
        ));
    }
    Ok(())
}

/// Writes until the file system under `dir` is full: every failure is a typed storage
/// error (no panic), and after it every acknowledged write is there, the chain intact.
fn disk_full(dir: &Path) -> Result<(), String> {
    let (db, worker, file) = town(dir)?;
    let child = spawn(&db, 0x3000, worker, file, Some(1_000_000))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&out.stderr).contains("panicked") {
        return Err("the writer panicked on a full disk".into());
    }
    let mut acks = Acks::default();
    acks.read(0x3000, out.stdout.as_slice());
    let storage = acks.errors.iter().filter(|k| *k == "storage").count();
    if storage == 0 || storage != acks.errors.len() {
        return Err(format!(
            "expected the full disk as storage errors, got {:?} after {} writes",
            acks.errors.iter().take(5).collect::<Vec<_>>(),
            acks.writes.len()
        ));
    }
    // Room again, as an operator would make it (the file system grown), then the file
    // is checked.
    let grown = Command::new("mount")
        .args(["-o", "remount,size=256m"])
        .arg(dir)
        .status()
        .map_err(|e| e.to_string())?;
    if !grown.success() {
        return Err(format!("could not grow {}", dir.display()));
    }
    let lost = check(&db, worker, file, &acks, &mut Checked::default())?;
    println!(
        "disk full: {} writes acknowledged before it, {storage} storage errors, {lost} lost, chain intact",
        acks.writes.len()
    );
    if lost > 0 {
        return Err(format!("{lost} acknowledged writes lost"));
    }
    Ok(())
}
