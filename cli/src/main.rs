//! `teho`: the TEHO command line — the demo a newcomer runs first, and the operator's
//! tasks on a database (a SQLite file or a `postgresql://` URL). Every command and
//! subcommand explains itself: `teho --help`, `teho audit verify --help`, …; shell
//! completions come from `teho completions bash|zsh|fish|elvish|powershell`.

mod demo;

use std::process::ExitCode;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
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

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "teho",
    version,
    about = "TEHO: the shared client file of Tallinn's home care and home nursing",
    long_about = "TEHO: the shared client file of Tallinn's home care and home nursing.\n\n\
                  Start with `teho demo`: it builds a small Tallinn network in a fresh SQLite \
                  file and shows what each role may see, and why. The other commands are an \
                  operator's tasks on a database, a SQLite file or a postgresql:// URL."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Build a small Tallinn network in a fresh SQLite file and show what each role may
    /// see, and why
    Demo {
        /// Keep the demo in this new file (else a temporary one); refused if it exists
        #[arg(long, value_name = "PATH")]
        db: Option<String>,
    },
    /// Create a new, empty TEHO database (the only command besides the demo that
    /// creates one)
    Init {
        /// The new database: a SQLite file that does not exist yet, or a postgresql://
        /// URL of an empty database or schema
        #[arg(long, value_name = "PATH")]
        db: String,
    },
    /// Print every command, its arguments and its result as JSON Schema
    /// (schemas/api.json)
    Api,
    /// The audit hash chain: verify it, or take a checkpoint to keep elsewhere
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Population-register notices (death, disability severity ending)
    #[command(subcommand)]
    Notices(NoticesCommand),
    /// Every access to and disclosure of a client's file, for a data subject's request
    AccessLog {
        #[command(flatten)]
        db: Db,
        /// The client's personal code (isikukood)
        #[arg(long, value_name = "PERSONAL_CODE")]
        client: String,
    },
    /// Records due for destruction
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Holds that keep records from destruction (litigation, an inspection, …)
    #[command(subcommand)]
    Holds(HoldsCommand),
    /// Destruction acts: drafted, approved by someone else, executed
    #[command(subcommand)]
    DestructionAct(ActCommand),
    /// Exports of client data, each recorded as a disclosure in the client's access log
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print a shell completion script for `teho` (e.g. `teho completions bash >
    /// ~/.local/share/bash-completion/completions/teho`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The database a command works on, and where checkpoints of its audit chain are kept.
#[derive(Args, Debug)]
struct Db {
    /// The database: a SQLite file, or a postgresql:// URL
    #[arg(long, value_name = "PATH")]
    db: String,
    /// Keep a checkpoint of the audit chain in FILE (outside the database, elsewhere)
    /// and verify against the latest one kept
    #[arg(long, value_name = "FILE")]
    checkpoints: Option<String>,
    /// Take a checkpoint every N entries (default 1000, or an hour)
    #[arg(long, value_name = "N", requires = "checkpoints", value_parser = clap::value_parser!(u64).range(1..))]
    checkpoint_every: Option<u64>,
}

/// `teho audit …`.
#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Verify the audit hash chain: whole (and against a checkpoint taken earlier), or
    /// only what was appended since a checkpoint
    #[command(
        long_about = "Verify the audit hash chain: whole (and against a checkpoint \
        taken earlier), or only what was appended since a checkpoint.\n\n\
        --deep also checks every stored record against the digest its last writing call \
        bound into the chain, and names each one changed outside TEHO. --read-only (also \
        chosen for a file that cannot be written) is the forensic mode for a copy kept as \
        evidence: it writes nothing to the file, not even its own audit entry.\n\n\
        Exits 0 when intact, 1 when broken or changed, 2 when it could not verify."
    )]
    Verify {
        #[command(flatten)]
        db: Db,
        /// Verify the whole chain, then that it extends this checkpoint
        #[arg(long, value_name = "ENTRIES:HASH", value_parser = checkpoint, conflicts_with = "since")]
        checkpoint: Option<Checkpoint>,
        /// Verify only the entries appended after this checkpoint
        #[arg(long, value_name = "ENTRIES:HASH", value_parser = checkpoint, conflicts_with = "deep")]
        since: Option<Checkpoint>,
        /// Also check every stored record against the chain
        #[arg(long)]
        deep: bool,
        /// Write nothing to the database (a copy kept as evidence)
        #[arg(long)]
        read_only: bool,
    },
    /// Print a checkpoint of the chain (its length and head hash) to keep outside the
    /// database
    Checkpoint {
        #[command(flatten)]
        db: Db,
    },
}

/// `teho notices …`.
#[derive(Subcommand, Debug)]
enum NoticesCommand {
    /// Import population-register notices from a file; idempotent (a notice seen
    /// before changes nothing). Exits 1 when a line was not imported
    Import {
        #[command(flatten)]
        db: Db,
        /// The notices: JSON lines or CSV
        #[arg(value_name = "FILE")]
        file: String,
        /// The file's format (default: csv for a .csv file, else jsonl)
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

/// The formats of a notices file.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Format {
    /// One JSON object per line
    #[value(alias = "json")]
    Jsonl,
    /// Comma-separated values with a header line
    Csv,
}

/// The acting worker, `--as WORKER_ID`.
#[derive(Args, Debug, Clone, Copy)]
struct Acting {
    /// The acting worker's id
    #[arg(long = "as", value_name = "WORKER_ID")]
    id: uuid::Uuid,
}

impl Acting {
    /// The engine's actor.
    fn worker(self) -> Actor {
        Actor::Worker(WorkerId(self.id))
    }
}

/// `teho export …`.
#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// A client's or a worker's calendar as iCalendar (RFC 5545): one event per visit in
    /// Tallinn time, redacted for the acting worker as their own calendar is
    #[command(
        long_about = "A client's or a worker's calendar as iCalendar (RFC 5545): one \
        event per visit in Tallinn time under a VTIMEZONE for Europe/Tallinn, redacted for \
        the acting worker exactly as their own calendar is. Each visit keeps its UID and \
        raises its SEQUENCE when it changes, so importing a later export updates the \
        events; cancelled visits and those a plan change replaced are STATUS:CANCELLED.\n\n\
        The export is recorded as a disclosure (when, what, to whom, on what legal basis, \
        how) in the access log of every client whose visits it holds."
    )]
    Ics {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The client file whose calendar to export
        #[arg(
            long,
            value_name = "FILE_ID",
            required_unless_present = "worker",
            conflicts_with = "worker"
        )]
        file: Option<uuid::Uuid>,
        /// The worker whose calendar to export
        #[arg(long, value_name = "WORKER_ID")]
        worker: Option<uuid::Uuid>,
        /// The first day (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = date)]
        from: NaiveDate,
        /// The last day (YYYY-MM-DD); at most 366 days after the first
        #[arg(long, value_name = "DATE", value_parser = date)]
        until: NaiveDate,
        #[command(flatten)]
        handover: Handover,
    },
    /// A client file as an HL7 FHIR R4 Bundle (JSON), redacted for the acting worker as
    /// their own reads are
    #[command(
        long_about = "A client file as an HL7 FHIR R4 Bundle of type collection: \
        Patient, the network (CareTeam, PractitionerRole, RelatedPerson, Practitioner, \
        Organization), the plans behind the visits (CarePlan), the visits of the days asked \
        (Appointment) and what was done and not done (Procedure) — each only as far as the \
        acting worker's own reads show it. The export is recorded as a disclosure (when, \
        what, to whom, on what legal basis, how) in the client's access log. \
        docs/FHIR.md maps every TEHO concept to its FHIR element."
    )]
    Fhir {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The client file
        #[arg(long, value_name = "FILE_ID")]
        file: uuid::Uuid,
        /// The first day of visits and services (YYYY-MM-DD; default 182 days ago)
        #[arg(long, value_name = "DATE", value_parser = date)]
        from: Option<NaiveDate>,
        /// The last day (YYYY-MM-DD; default 183 days ahead); at most 366 days after the
        /// first
        #[arg(long, value_name = "DATE", value_parser = date)]
        until: Option<NaiveDate>,
        #[command(flatten)]
        handover: Handover,
    },
}

/// Where an export goes and why (`--to`, `--basis`), and where it is written (`--out`).
#[derive(Args, Debug)]
struct Handover {
    /// To whom it goes (the disclosure's recipient)
    #[arg(long = "to", value_name = "RECIPIENT")]
    recipient: String,
    /// On what legal basis
    #[arg(long, value_name = "TEXT")]
    basis: String,
    /// Write it to this file (else to standard output); a file already there is replaced
    /// only by a whole export
    #[arg(long, value_name = "PATH")]
    out: Option<std::path::PathBuf>,
}

/// `teho retention …`.
#[derive(Subcommand, Debug)]
enum RetentionCommand {
    /// The records due for destruction on a day
    Due {
        #[command(flatten)]
        db: Db,
        /// The day (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = date)]
        at: NaiveDate,
        #[command(flatten)]
        actor: Acting,
    },
}

/// `teho holds …`.
#[derive(Subcommand, Debug)]
enum HoldsCommand {
    /// List the holds
    List {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
    },
    /// Hold a client file's records from destruction
    Set {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The client file
        #[arg(long, value_name = "FILE_ID")]
        file: uuid::Uuid,
        /// Why (the case, the inspection)
        #[arg(long, value_name = "TEXT")]
        basis: String,
    },
    /// Lift a hold
    Lift {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The hold
        #[arg(long, value_name = "HOLD_ID")]
        hold: uuid::Uuid,
    },
}

/// `teho destruction-act …`.
#[derive(Subcommand, Debug)]
enum ActCommand {
    /// Draft an act for a series' records of a period
    Create {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The series (its code in the classification scheme)
        #[arg(long, value_name = "CODE")]
        series: String,
        /// The first day of the records' period (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = date)]
        from: NaiveDate,
        /// The last day of the records' period (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = date)]
        to: NaiveDate,
        /// The day the destruction is planned for (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = date)]
        planned: NaiveDate,
        /// The archival appraisal's reference
        #[arg(long, value_name = "REF")]
        appraisal: String,
        /// How the records are destroyed
        #[arg(long, value_name = "TEXT")]
        method: String,
        /// Where
        #[arg(long, value_name = "TEXT")]
        place: String,
    },
    /// Approve an act (the author may not approve their own)
    Approve {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The act
        #[arg(long, value_name = "ACT_ID")]
        act: uuid::Uuid,
    },
    /// Execute an approved act on or after its planned day
    Execute {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        actor: Acting,
        /// The act
        #[arg(long, value_name = "ACT_ID")]
        act: uuid::Uuid,
    },
}

/// Reads a day, `YYYY-MM-DD`.
fn date(text: &str) -> Result<NaiveDate, String> {
    text.parse()
        .map_err(|_| "not a date YYYY-MM-DD".to_string())
}

/// Reads a checkpoint, `ENTRIES:HASH`.
fn checkpoint(text: &str) -> Result<Checkpoint, String> {
    Checkpoint::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("teho: {message}");
            ExitCode::from(2)
        }
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

/// The engine on `db`, on the system clock, keeping checkpoints where `db` says.
fn open(db: &Db) -> Result<ClientFiles, String> {
    let engine = ClientFiles::shared(
        open_store(&db.db)?,
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
    );
    match checkpoint_sink(db) {
        None => Ok(engine),
        Some((sink, policy)) => engine
            .with_checkpoints(Arc::new(sink), policy)
            .map_err(|e| e.to_string()),
    }
}

/// `--checkpoints FILE [--checkpoint-every N]`: where checkpoints of the audit chain are
/// kept outside the database, and every how many entries (default 1,000, or an hour).
fn checkpoint_sink(db: &Db) -> Option<(FileCheckpoints, CheckpointPolicy)> {
    let file = db.checkpoints.as_ref()?;
    let mut policy = CheckpointPolicy::default();
    if let Some(n) = db.checkpoint_every {
        policy.every_entries = n;
    }
    Some((FileCheckpoints::new(file), policy))
}

/// Whether the file at `db` cannot be written by this process (read-only media, a copy
/// kept as evidence with its write permissions taken away).
fn unwritable(db: &str) -> bool {
    !is_postgres_url(db)
        && std::fs::OpenOptions::new().append(true).open(db).is_err()
        && std::path::Path::new(db).exists()
}

/// A temporary file beside `out`, made before an export: a directory that cannot be
/// written fails before anything is recorded as disclosed.
fn partial_file(out: Option<&std::path::Path>) -> Result<Option<tempfile::NamedTempFile>, String> {
    let Some(path) = out else {
        return Ok(None);
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    tempfile::NamedTempFile::new_in(dir)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes an export to `out` (replacing what was there only once it is whole) or to
/// standard output.
fn hand_over(
    partial: Option<tempfile::NamedTempFile>,
    out: Option<&std::path::Path>,
    text: &str,
) -> Result<(), String> {
    use std::io::Write;
    match (partial, out) {
        (Some(mut file), Some(path)) => {
            file.write_all(text.as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.persist(path)
                .map_err(|e| format!("{}: {}", path.display(), e.error))?;
        }
        _ => print!("{text}"),
    }
    Ok(())
}

/// Runs a command; `None` prints the help.
fn run(command: Option<Command>) -> Result<ExitCode, String> {
    let Some(command) = command else {
        Cli::command()
            .print_help()
            .map_err(|e| format!("writing the help: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        Command::Demo { db } => {
            demo::run(db.as_deref()).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { db } => {
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
        Command::Api => {
            let text = serde_json::to_string_pretty(&teho_core::engine::api_description())
                .map_err(|e| format!("encoding the API description: {e}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Ics {
            db,
            actor,
            file,
            worker: whose,
            from,
            until,
            handover,
        }) => {
            let Handover {
                recipient,
                basis,
                out,
            } = handover;
            // The file is made first, beside its place: a directory that cannot be written
            // fails before anything is recorded as disclosed, and a file already there is
            // replaced only by a whole calendar.
            let partial = partial_file(out.as_deref())?;
            let engine = open(&db)?;
            let to = teho_core::engine::ExportRecipient {
                recipient,
                legal_basis: basis,
            };
            let export = match (file, whose) {
                (Some(file), _) => engine.export_client_calendar(
                    &actor.worker(),
                    ClientFileId(file),
                    from,
                    until,
                    to,
                ),
                (None, Some(w)) => {
                    engine.export_worker_calendar(&actor.worker(), WorkerId(w), from, until, to)
                }
                (None, None) => return Err("give --file FILE_ID or --worker WORKER_ID".into()),
            };
            let export = export.map_err(|e| e.to_string())?;
            hand_over(partial, out.as_deref(), &export.ics)?;
            eprintln!(
                "{} visit(s) exported; recorded as disclosed to {:?} in {} client file(s)",
                export.visits,
                export
                    .disclosures
                    .first()
                    .map_or("", |d| d.recipient.as_str()),
                export.disclosures.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Fhir {
            db,
            actor,
            file,
            from,
            until,
            handover,
        }) => {
            let partial = partial_file(handover.out.as_deref())?;
            let today = teho_core::time::local_date(chrono::Utc::now());
            let from = from.unwrap_or(today - chrono::Duration::days(182));
            let until = until.unwrap_or(today + chrono::Duration::days(183));
            let export = open(&db)?
                .export_fhir(
                    &actor.worker(),
                    ClientFileId(file),
                    from,
                    until,
                    teho_core::engine::ExportRecipient {
                        recipient: handover.recipient,
                        legal_basis: handover.basis,
                    },
                )
                .map_err(|e| e.to_string())?;
            hand_over(
                partial,
                handover.out.as_deref(),
                &format!("{}\n", export.bundle),
            )?;
            eprintln!(
                "{} resources exported ({from} to {until}); recorded as disclosed to {:?}",
                export.resources, export.disclosure.recipient
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "teho", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Checkpoint { db }) => {
            let cp = open(&db)?
                .audit_checkpoint(&Actor::System)
                .map_err(|e| e.to_string())?;
            println!("{}", cp.to_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify {
            db,
            checkpoint,
            since,
            deep,
            read_only,
        }) => {
            let forensic = read_only || unwritable(&db.db);
            let report = if forensic {
                let store: Arc<dyn Store> = if is_postgres_url(&db.db) {
                    open_store(&db.db)?
                } else {
                    Arc::new(
                        SqliteStore::open_read_only(&db.db)
                            .map_err(|e| format!("{}: {}", db.db, TehoError::from(e)))?,
                    )
                };
                println!(
                    "forensic verification of a read-only file: nothing is written to it, \
                     and this verification is not recorded in its audit log"
                );
                // Against the latest checkpoint kept, when none is given.
                let checkpoint = match (checkpoint.clone(), checkpoint_sink(&db)) {
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
                let engine = open(&db)?;
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
        Command::Notices(NoticesCommand::Import { db, file, format }) => {
            let format = match format {
                Some(Format::Csv) => NoticeFormat::Csv,
                Some(Format::Jsonl) => NoticeFormat::JsonLines,
                None if file.ends_with(".csv") => NoticeFormat::Csv,
                None => NoticeFormat::JsonLines,
            };
            let input = std::fs::File::open(&file).map_err(|e| format!("{file}: {e}"))?;
            let engine = open(&db)?;
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
        Command::AccessLog { db, client } => {
            let engine = open(&db)?;
            let code = PersonalCode::parse(&client).map_err(|e| e.to_string())?;
            let file = engine
                .file_of_code(&Actor::System, code)
                .map_err(|e| e.to_string())?;
            for l in engine
                .access_log(&Actor::System, file)
                .map_err(|e| e.to_string())?
            {
                // For a disclosure, to whom and how (seed 002 §18(4)); for an access,
                // whether it was allowed.
                println!(
                    "{}  {:<10} {:<28} {:<30} {:<28} {}  [{}]",
                    l.at.with_timezone(&chrono_tz::Europe::Tallinn)
                        .format("%Y-%m-%d %H:%M"),
                    format!("{:?}", l.kind),
                    l.who,
                    l.organisation.unwrap_or_default(),
                    l.what,
                    l.why,
                    l.outcome
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Retention(RetentionCommand::Due { db, at, actor }) => {
            let engine = open(&db)?;
            let due = engine
                .retention_due(&actor.worker(), at)
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
        Command::Holds(HoldsCommand::List { db, actor }) => {
            let engine = open(&db)?;
            for h in engine.holds(&actor.worker()).map_err(|e| e.to_string())? {
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
        Command::Holds(HoldsCommand::Set {
            db,
            actor,
            file,
            basis,
        }) => {
            let engine = open(&db)?;
            let h = engine
                .set_hold(
                    &actor.worker(),
                    HoldScope::File(ClientFileId(file)),
                    basis,
                    None,
                )
                .map_err(|e| e.to_string())?;
            println!("hold {} set", h.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Holds(HoldsCommand::Lift { db, actor, hold }) => {
            let engine = open(&db)?;
            let h = engine
                .lift_hold(&actor.worker(), HoldId(hold))
                .map_err(|e| e.to_string())?;
            println!("hold {} lifted", h.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::DestructionAct(ActCommand::Create {
            db,
            actor,
            series,
            from,
            to,
            planned,
            appraisal,
            method,
            place,
        }) => {
            let engine = open(&db)?;
            let act = engine
                .draft_destruction_act(
                    &actor.worker(),
                    NewDestructionAct {
                        appraisal_reference: appraisal,
                        series,
                        date_from: from,
                        date_to: to,
                        method,
                        planned_on: planned,
                        place,
                    },
                )
                .map_err(|e| e.to_string())?;
            println!(
                "destruction act {} drafted: {} unit(s) of {} ({}), {}",
                act.id, act.units, act.series, act.title, act.retention_period
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::DestructionAct(ActCommand::Approve { db, actor, act }) => {
            let act = open(&db)?
                .approve_destruction_act(&actor.worker(), DestructionActId(act))
                .map_err(|e| e.to_string())?;
            println!("destruction act {}: {:?}", act.id, act.status);
            Ok(ExitCode::SUCCESS)
        }
        Command::DestructionAct(ActCommand::Execute { db, actor, act }) => {
            let act = open(&db)?
                .execute_destruction_act(&actor.worker(), DestructionActId(act))
                .map_err(|e| e.to_string())?;
            println!("destruction act {}: {:?}", act.id, act.status);
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own check of the definitions: no two arguments under one name, every
    /// `requires` and `conflicts_with` naming an argument that exists.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
