//! `teho`: the TEHO command line — the demo a newcomer runs first, and the operator's
//! tasks on a SQLite file.
//!
//! ```text
//! teho demo [--db PATH]
//! teho init --db PATH
//! teho api
//! teho audit verify --db PATH [--checkpoint ENTRIES:HASH | --since ENTRIES:HASH] [--deep] [--read-only]
//! teho audit checkpoint --db PATH
//! teho notices import --db PATH FILE [--format jsonl|csv]
//! teho access-log --db PATH --client PERSONAL_CODE
//! teho retention due --db PATH --at DATE --as WORKER_ID
//! teho holds list|set|lift --db PATH --as WORKER_ID [--file FILE_ID --basis TEXT | --hold HOLD_ID]
//! teho destruction-act create|approve|execute --db PATH --as WORKER_ID [...]
//! ```

mod demo;

use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use teho_core::access::Actor;
use teho_core::audit::{Checkpoint, CheckpointPolicy, CheckpointSink, FileCheckpoints};
use teho_core::death::ImportReport;
use teho_core::ids::{ClientFileId, DestructionActId, HoldId, WorkerId};
use teho_core::person::PersonalCode;
use teho_core::ports::{SystemClock, UuidV7Ids};
use teho_core::register::{NoticeFormat, NoticeReader};
use teho_core::retention::{HoldScope, NewDestructionAct};
use teho_core::store::{Store, StoreError};
use teho_core::{ClientFiles, TehoError};
use teho_postgres::{PostgresStore, is_postgres_url};
use teho_storage::SqliteStore;

const USAGE: &str = "usage:
  teho demo [--db PATH]                 build a small Tallinn network in a fresh SQLite
                                        file and show what each role may see, and why
  teho init --db PATH                   create a new, empty TEHO database (the only
                                        command besides the demo that creates one)
  teho api                              print every command, its arguments and its
                                        result as JSON Schema (schemas/api.json)
  teho audit verify --db PATH [--checkpoint ENTRIES:HASH | --since ENTRIES:HASH] [--deep] [--read-only]
                                        verify the audit hash chain: whole (and against
                                        a checkpoint taken earlier), or only what was
                                        appended since a checkpoint; --deep also checks
                                        every stored record against the digest its last
                                        writing call bound into the chain, and names
                                        each one changed outside TEHO; --read-only (also
                                        chosen for a file that cannot be written) is the
                                        forensic mode for a copy kept as evidence: it
                                        writes nothing to the file, not even its own
                                        audit entry
  teho audit checkpoint --db PATH       print a checkpoint to keep outside the database
  Every command that takes --db also takes --checkpoints FILE [--checkpoint-every N]:
                                        keep a checkpoint of the audit chain in FILE
                                        (outside the database, elsewhere) every N
                                        entries (default 1000), and verify against the
                                        latest one kept
  teho notices import --db PATH FILE [--format jsonl|csv]
                                        import population-register notices (death,
                                        disability severity ending); idempotent
  teho access-log --db PATH --client PERSONAL_CODE
                                        every access to and disclosure of a client's
                                        file, for a data subject's request
  teho retention due --db PATH --at DATE --as WORKER_ID
                                        records due for destruction on DATE
  teho holds list --db PATH --as WORKER_ID
  teho holds set --db PATH --as WORKER_ID --file FILE_ID --basis TEXT
  teho holds lift --db PATH --as WORKER_ID --hold HOLD_ID
  teho destruction-act create --db PATH --as WORKER_ID --series CODE --from DATE
        --to DATE --planned DATE --appraisal REF --method TEXT --place TEXT
  teho destruction-act approve|execute --db PATH --as WORKER_ID --act ACT_ID
                                        (the author may not approve their own act)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("teho: {message}");
            ExitCode::from(2)
        }
    }
}

/// Flags of the form `--name value`.
fn flag(args: &[String], name: &str) -> Result<Option<String>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .filter(|v| !v.starts_with("--"))
            .cloned()
            .map(Some)
            .ok_or_else(|| format!("{name} needs a value")),
    }
}

/// How a database is named in messages: a file by its path, a PostgreSQL database
/// without its URL (which may carry a password).
fn shown(db: &str) -> String {
    if is_postgres_url(db) {
        "the PostgreSQL database".into()
    } else {
        db.into()
    }
}

/// The store at `db`: a SQLite file, or a `postgresql://` URL.
fn open_store(db: &str) -> Result<Arc<dyn Store>, String> {
    let opened: Result<Arc<dyn Store>, StoreError> = if is_postgres_url(db) {
        PostgresStore::open(db).map(|s| Arc::new(s) as Arc<dyn Store>)
    } else {
        SqliteStore::open(db).map(|s| Arc::new(s) as Arc<dyn Store>)
    };
    opened.map_err(|e| format!("{}: {}", shown(db), TehoError::from(e)))
}

fn open(args: &[String]) -> Result<ClientFiles, String> {
    let db = flag(args, "--db")?.ok_or_else(|| format!("--db PATH is required\n{USAGE}"))?;
    let engine = ClientFiles::shared(open_store(&db)?, Arc::new(SystemClock), Arc::new(UuidV7Ids));
    match checkpoint_sink(args)? {
        None => Ok(engine),
        Some((sink, policy)) => engine
            .with_checkpoints(Arc::new(sink), policy)
            .map_err(|e| e.to_string()),
    }
}

/// `--checkpoints FILE [--checkpoint-every N]`: where checkpoints of the audit chain are
/// kept outside the database, and every how many entries (default 1,000, or an hour).
fn checkpoint_sink(args: &[String]) -> Result<Option<(FileCheckpoints, CheckpointPolicy)>, String> {
    let every = flag(args, "--checkpoint-every")?
        .map(|n| {
            n.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("--checkpoint-every {n:?} is not a number of entries (1 or more)")
            })
        })
        .transpose()?;
    let Some(file) = flag(args, "--checkpoints")? else {
        if every.is_some() {
            return Err("--checkpoint-every needs --checkpoints FILE".into());
        }
        return Ok(None);
    };
    let mut policy = CheckpointPolicy::default();
    if let Some(n) = every {
        policy.every_entries = n;
    }
    Ok(Some((FileCheckpoints::new(file), policy)))
}

/// Whether the file at `db` cannot be written by this process (read-only media, a copy
/// kept as evidence with its write permissions taken away).
fn unwritable(db: &str) -> bool {
    !is_postgres_url(db)
        && std::fs::OpenOptions::new().append(true).open(db).is_err()
        && std::path::Path::new(db).exists()
}

fn uuid_flag(args: &[String], name: &str) -> Result<uuid::Uuid, String> {
    let v = flag(args, name)?.ok_or_else(|| format!("{name} ID is required"))?;
    v.parse()
        .map_err(|_| format!("{name} {v:?} is not an id (a UUID)"))
}

fn date_flag(args: &[String], name: &str) -> Result<NaiveDate, String> {
    let v = flag(args, name)?.ok_or_else(|| format!("{name} DATE is required"))?;
    v.parse()
        .map_err(|_| format!("{name} {v:?} is not a date YYYY-MM-DD"))
}

/// The acting worker: `--as WORKER_ID`.
fn worker(args: &[String]) -> Result<Actor, String> {
    Ok(Actor::Worker(WorkerId(uuid_flag(args, "--as")?)))
}

/// Checks that `args` are `--name value` pairs of `allowed` flags; a command that takes
/// `--db` also takes `--checkpoints FILE` and `--checkpoint-every N` ([`open`]).
fn check_flags(args: &[String], allowed: &[&str]) -> Result<(), String> {
    let mut i = 0;
    while i < args.len() {
        let with_db = allowed.contains(&"--db")
            && matches!(args[i].as_str(), "--checkpoints" | "--checkpoint-every");
        if !allowed.contains(&args[i].as_str()) && !with_db {
            return Err(format!("unexpected argument {:?}\n{USAGE}", args[i]));
        }
        i += 2;
    }
    Ok(())
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let sub: Vec<&str> = args.iter().take(2).map(String::as_str).collect();
    match sub.as_slice() {
        ["demo", ..] => {
            check_flags(&args[1..], &["--db"])?;
            if flag(args, "--checkpoints")?.is_some() || flag(args, "--checkpoint-every")?.is_some()
            {
                return Err(format!(
                    "{} makes a new database: it takes no --checkpoints",
                    args[0]
                ));
            }
            let db = flag(args, "--db")?;
            demo::run(db.as_deref()).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        ["init", ..] => {
            check_flags(&args[1..], &["--db"])?;
            if flag(args, "--checkpoints")?.is_some() || flag(args, "--checkpoint-every")?.is_some()
            {
                return Err(format!(
                    "{} makes a new database: it takes no --checkpoints",
                    args[0]
                ));
            }
            let db =
                flag(args, "--db")?.ok_or_else(|| format!("--db PATH is required\n{USAGE}"))?;
            let step = if is_postgres_url(&db) {
                PostgresStore::create(&db).map(|_| teho_postgres::SCHEMA_VERSION)
            } else {
                SqliteStore::create(&db).map(|_| teho_storage::SCHEMA_VERSION)
            }
            .map_err(|e| format!("{}: {}", shown(&db), TehoError::from(e)))?;
            println!(
                "{}: a new TEHO database (schema step {step}); bootstrap it with the \
                 municipality and its first administrator",
                shown(&db)
            );
            Ok(ExitCode::SUCCESS)
        }
        ["api", ..] => {
            check_flags(&args[1..], &[])?;
            let text = serde_json::to_string_pretty(&teho_core::engine::api_description())
                .map_err(|e| format!("encoding the API description: {e}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        ["audit", "checkpoint"] => {
            check_flags(&args[2..], &["--db"])?;
            let cp = open(args)?
                .audit_checkpoint(&Actor::System)
                .map_err(|e| e.to_string())?;
            println!("{}", cp.to_text());
            Ok(ExitCode::SUCCESS)
        }
        ["audit", "verify"] => {
            let flags: Vec<String> = args[2..]
                .iter()
                .filter(|a| *a != "--read-only" && *a != "--deep")
                .cloned()
                .collect();
            let deep = args.iter().any(|a| a == "--deep");
            check_flags(&flags, &["--db", "--checkpoint", "--since"])?;
            let db =
                flag(args, "--db")?.ok_or_else(|| format!("--db PATH is required\n{USAGE}"))?;
            let parse = |name: &str| -> Result<Option<Checkpoint>, String> {
                flag(args, name)?
                    .map(|c| Checkpoint::parse(&c))
                    .transpose()
                    .map_err(|e| e.to_string())
            };
            let (checkpoint, since) = (parse("--checkpoint")?, parse("--since")?);
            if checkpoint.is_some() && since.is_some() {
                return Err(
                    "give --checkpoint (verify all, then against it) or --since \
                            (verify what came after it), not both"
                        .into(),
                );
            }
            if deep && since.is_some() {
                return Err("--deep reads the whole chain: give --checkpoint, not --since".into());
            }
            let forensic = args.iter().any(|a| a == "--read-only") || unwritable(&db);
            let report = if forensic {
                let store: Arc<dyn Store> = if is_postgres_url(&db) {
                    open_store(&db)?
                } else {
                    Arc::new(
                        SqliteStore::open_read_only(&db)
                            .map_err(|e| format!("{db}: {}", TehoError::from(e)))?,
                    )
                };
                println!(
                    "forensic verification of a read-only file: nothing is written to it, \
                     and this verification is not recorded in its audit log"
                );
                // Against the latest checkpoint kept, when none is given.
                let checkpoint = match (checkpoint.clone(), checkpoint_sink(args)?) {
                    (Some(cp), _) => Some(cp),
                    (None, Some((sink, _))) if since.is_none() => {
                        sink.latest().map_err(|e| format!("the checkpoints: {e}"))?
                    }
                    (None, _) => None,
                };
                if deep {
                    teho_core::audit::verify_store_deep(&*store, checkpoint.as_ref())
                } else {
                    teho_core::audit::verify_store(&*store, since.as_ref(), checkpoint.as_ref())
                }
            } else {
                let engine = open(args)?;
                match &since {
                    Some(s) => engine.verify_audit_since(&Actor::System, s),
                    None if deep => engine.verify_audit_deep(&Actor::System, checkpoint.as_ref()),
                    None => engine.verify_audit(&Actor::System, checkpoint.as_ref()),
                }
            }
            .map_err(|e| e.to_string())?;
            let verified = match &since {
                Some(s) => format!("{} entries after entry {}", report.entries, s.entries),
                None => format!("{} entries", report.entries),
            };
            match &report.first_break {
                None => {
                    let head = match (&report.head_hash, &since) {
                        (Some(h), _) => h.clone(),
                        (None, Some(s)) => s.head_hash.clone(),
                        (None, None) => "(empty)".into(),
                    };
                    println!("audit chain intact: {verified}, head {head}");
                    if let Some(cp) = &report.against {
                        println!("matches the checkpoint at entry {}", cp.entries);
                    }
                    let Some(records) = &report.records else {
                        return Ok(ExitCode::SUCCESS);
                    };
                    if records.entries_before_binding > 0 {
                        println!(
                            "{} entries were sealed before records were bound (an older \
                             file): {} records no call is bound to were not checked",
                            records.entries_before_binding, records.unbound_before_binding
                        );
                    }
                    if records.is_intact() {
                        println!(
                            "records intact: {} records, each as the call that last \
                             wrote it left it",
                            records.records
                        );
                        return Ok(ExitCode::SUCCESS);
                    }
                    println!(
                        "records CHANGED outside TEHO: {} of {} records; nothing was \
                         appended to the chain",
                        records.findings_total, records.records
                    );
                    for f in &records.findings {
                        let by = match (f.last_written_by, &f.operation) {
                            (Some(seq), Some(op)) => format!("last written by entry {seq} ({op})"),
                            (Some(seq), None) => format!("last written by entry {seq}"),
                            (None, _) => "written by no call".into(),
                        };
                        println!("  {} {}: {:?}, {by}", f.kind, f.id, f.problem);
                    }
                    if records.findings_total > records.findings.len() as u64 {
                        println!(
                            "  ... and {} more",
                            records.findings_total - records.findings.len() as u64
                        );
                    }
                    Ok(ExitCode::from(1))
                }
                Some(b) => {
                    println!(
                        "audit chain BROKEN at entry {}: {:?} ({verified} verified before it); \
                         nothing was appended to it",
                        b.seq, b.kind
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        ["notices", "import"] => {
            let rest: Vec<String> = args[2..].to_vec();
            let file = rest
                .iter()
                .enumerate()
                .find(|(i, a)| !a.starts_with("--") && (*i == 0 || !rest[i - 1].starts_with("--")))
                .map(|(_, a)| a.clone());
            let file = file.ok_or_else(|| format!("the notices FILE is required\n{USAGE}"))?;
            let flags: Vec<String> = rest.iter().filter(|a| **a != file).cloned().collect();
            check_flags(&flags, &["--db", "--format"])?;
            let format = match flag(args, "--format")?.as_deref() {
                Some("csv") => NoticeFormat::Csv,
                Some("jsonl") | Some("json") => NoticeFormat::JsonLines,
                Some(other) => return Err(format!("unknown format {other:?}: use jsonl or csv")),
                None if file.ends_with(".csv") => NoticeFormat::Csv,
                None => NoticeFormat::JsonLines,
            };
            let input = std::fs::File::open(&file).map_err(|e| format!("{file}: {e}"))?;
            let engine = open(args)?;
            // A thousand lines a call: a file of any size streams through, each chunk
            // imported (idempotently) as one batch, with progress in between.
            let mut reader = NoticeReader::new(std::io::BufReader::new(input), format);
            let mut report = ImportReport::default();
            let mut chunks = 0;
            while let Some(chunk) = reader.next_chunk(1_000) {
                report.extend(
                    engine
                        .import_notices(&Actor::System, chunk)
                        .map_err(|e| e.to_string())?,
                );
                chunks += 1;
                if chunks % 10 == 0 {
                    eprintln!("… {} lines read", reader.lines_read());
                }
            }
            for (line, e) in &report.deaths {
                println!(
                    "line {line}: death recorded; {} visits cancelled, {} members notified",
                    e.visits_cancelled.len(),
                    e.notified.len()
                );
            }
            for (line, n) in &report.disability_endings {
                println!("line {line}: disability severity ending; {n} care worker(s) notified");
            }
            for line in &report.duplicates {
                println!("line {line}: already imported, nothing changed");
            }
            for p in report.refused.iter().chain(&report.malformed) {
                println!("line {}: NOT IMPORTED: {}", p.line, p.problem);
            }
            let bad = report.refused.len() + report.malformed.len();
            println!(
                "{} imported, {} duplicates, {} not imported",
                report.deaths.len() + report.disability_endings.len(),
                report.duplicates.len(),
                bad
            );
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        ["access-log", ..] => {
            check_flags(&args[1..], &["--db", "--client"])?;
            let engine = open(args)?;
            let code = flag(args, "--client")?
                .ok_or_else(|| format!("--client PERSONAL_CODE is required\n{USAGE}"))?;
            let code = PersonalCode::parse(&code).map_err(|e| e.to_string())?;
            let file = engine
                .file_of_code(&Actor::System, code)
                .map_err(|e| e.to_string())?;
            for l in engine
                .access_log(&Actor::System, file)
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}  {:<10} {:<28} {:<30} {:<28} {}",
                    l.at.with_timezone(&chrono_tz::Europe::Tallinn)
                        .format("%Y-%m-%d %H:%M"),
                    format!("{:?}", l.kind),
                    l.who,
                    l.organisation.unwrap_or_default(),
                    l.what,
                    l.why
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ["retention", "due"] => {
            check_flags(&args[2..], &["--db", "--at", "--as"])?;
            let engine = open(args)?;
            let at = date_flag(args, "--at")?;
            let due = engine
                .retention_due(&worker(args)?, at)
                .map_err(|e| e.to_string())?;
            for d in &due {
                println!(
                    "{:?}  series {}  file {}  due {}{}",
                    d.record,
                    d.series,
                    d.file,
                    d.due_on,
                    if d.held { "  HELD" } else { "" }
                );
            }
            println!("{} record(s) due on {at}", due.len());
            Ok(ExitCode::SUCCESS)
        }
        ["holds", "list"] => {
            check_flags(&args[2..], &["--db", "--as"])?;
            let engine = open(args)?;
            for h in engine.holds(&worker(args)?).map_err(|e| e.to_string())? {
                println!(
                    "{}  {:?}  {}  from {}{}",
                    h.id,
                    h.scope,
                    h.basis,
                    h.from,
                    if h.lifted.is_some() { "  (lifted)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ["holds", "set"] => {
            check_flags(&args[2..], &["--db", "--as", "--file", "--basis"])?;
            let engine = open(args)?;
            let file = ClientFileId(uuid_flag(args, "--file")?);
            let basis = flag(args, "--basis")?.ok_or("--basis TEXT is required")?;
            let h = engine
                .set_hold(&worker(args)?, HoldScope::File(file), basis, None)
                .map_err(|e| e.to_string())?;
            println!("hold {} set", h.id);
            Ok(ExitCode::SUCCESS)
        }
        ["holds", "lift"] => {
            check_flags(&args[2..], &["--db", "--as", "--hold"])?;
            let engine = open(args)?;
            let h = engine
                .lift_hold(&worker(args)?, HoldId(uuid_flag(args, "--hold")?))
                .map_err(|e| e.to_string())?;
            println!("hold {} lifted", h.id);
            Ok(ExitCode::SUCCESS)
        }
        ["destruction-act", "create"] => {
            check_flags(
                &args[2..],
                &[
                    "--db",
                    "--as",
                    "--series",
                    "--from",
                    "--to",
                    "--planned",
                    "--appraisal",
                    "--method",
                    "--place",
                ],
            )?;
            let engine = open(args)?;
            let text = |name: &str| {
                flag(args, name).and_then(|v| v.ok_or_else(|| format!("{name} is required")))
            };
            let act = engine
                .draft_destruction_act(
                    &worker(args)?,
                    NewDestructionAct {
                        appraisal_reference: text("--appraisal")?,
                        series: text("--series")?,
                        date_from: date_flag(args, "--from")?,
                        date_to: date_flag(args, "--to")?,
                        method: text("--method")?,
                        planned_on: date_flag(args, "--planned")?,
                        place: text("--place")?,
                    },
                )
                .map_err(|e| e.to_string())?;
            println!(
                "destruction act {} drafted: {} unit(s) of {} ({}), {}",
                act.id, act.units, act.series, act.title, act.retention_period
            );
            Ok(ExitCode::SUCCESS)
        }
        ["destruction-act", "approve"] | ["destruction-act", "execute"] => {
            check_flags(&args[2..], &["--db", "--as", "--act"])?;
            let engine = open(args)?;
            let id = DestructionActId(uuid_flag(args, "--act")?);
            let act = if sub[1] == "approve" {
                engine.approve_destruction_act(&worker(args)?, id)
            } else {
                engine.execute_destruction_act(&worker(args)?, id)
            }
            .map_err(|e| e.to_string())?;
            println!("destruction act {}: {:?}", act.id, act.status);
            Ok(ExitCode::SUCCESS)
        }
        [] | ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command {:?}\n{USAGE}", args.join(" "))),
    }
}
