//! `teho`: the TEHO command line — the demo a newcomer runs first, and the operator's
//! tasks on a SQLite file.
//!
//! ```text
//! teho demo [--db PATH]
//! teho audit verify --db PATH [--checkpoint ENTRIES:HASH]
//! teho audit checkpoint --db PATH
//! teho notices import --db PATH FILE [--format jsonl|csv]
//! ```

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;

use teho_core::access::Actor;
use teho_core::audit::Checkpoint;
use teho_core::ports::{SystemClock, UuidV7Ids};
use teho_core::register::{NoticeFormat, parse_notices};
use teho_core::{ClientFiles, TehoError};
use teho_storage::SqliteStore;

const USAGE: &str = "usage:
  teho demo [--db PATH]                 build a small Tallinn network in a fresh SQLite
                                        file and show what each role may see, and why
  teho audit verify --db PATH [--checkpoint ENTRIES:HASH]
                                        verify the audit hash chain (and against a
                                        checkpoint taken earlier)
  teho audit checkpoint --db PATH       print a checkpoint to keep outside the database
  teho notices import --db PATH FILE [--format jsonl|csv]
                                        import population-register notices (death,
                                        disability severity ending); idempotent";

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

fn check_flags(args: &[String], allowed: &[&str]) -> Result<(), String> {
    let mut i = 0;
    while i < args.len() {
        if !allowed.contains(&args[i].as_str()) {
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
            let db = flag(args, "--db")?.map(PathBuf::from);
            demo::run(db).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        ["audit", "verify"] | ["audit", "checkpoint"] => {
            check_flags(&args[2..], &["--db", "--checkpoint"])?;
            let db =
                flag(args, "--db")?.ok_or_else(|| format!("--db PATH is required\n{USAGE}"))?;
            if !std::path::Path::new(&db).exists() {
                return Err(format!("{db}: no such database"));
            }
            let store =
                SqliteStore::open(&db).map_err(|e| format!("{db}: {}", TehoError::from(e)))?;
            let engine = ClientFiles::new(store, SystemClock, UuidV7Ids);
            if sub[1] == "checkpoint" {
                let cp = engine
                    .audit_checkpoint(&Actor::System)
                    .map_err(|e| e.to_string())?;
                println!("{}", cp.to_text());
                return Ok(ExitCode::SUCCESS);
            }
            let checkpoint = flag(args, "--checkpoint")?
                .map(|c| Checkpoint::parse(&c))
                .transpose()
                .map_err(|e| e.to_string())?;
            let report = engine
                .verify_audit(&Actor::System, checkpoint.as_ref())
                .map_err(|e| e.to_string())?;
            match &report.first_break {
                None => {
                    println!(
                        "audit chain intact: {} entries, head {}",
                        report.entries,
                        report.head_hash.as_deref().unwrap_or("(empty)")
                    );
                    if let Some(cp) = &checkpoint {
                        println!("matches the checkpoint at entry {}", cp.entries);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "audit chain BROKEN at entry {}: {:?} ({} entries verified before it)",
                        b.seq, b.kind, report.entries
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
            let db =
                flag(args, "--db")?.ok_or_else(|| format!("--db PATH is required\n{USAGE}"))?;
            let format = match flag(args, "--format")?.as_deref() {
                Some("csv") => NoticeFormat::Csv,
                Some("jsonl") | Some("json") => NoticeFormat::JsonLines,
                Some(other) => return Err(format!("unknown format {other:?}: use jsonl or csv")),
                None if file.ends_with(".csv") => NoticeFormat::Csv,
                None => NoticeFormat::JsonLines,
            };
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
            if !std::path::Path::new(&db).exists() {
                return Err(format!("{db}: no such database"));
            }
            let store =
                SqliteStore::open(&db).map_err(|e| format!("{db}: {}", TehoError::from(e)))?;
            let engine = ClientFiles::new(store, SystemClock, UuidV7Ids);
            let report = engine
                .import_notices(&Actor::System, parse_notices(&text, format))
                .map_err(|e| e.to_string())?;
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
        [] | ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command {:?}\n{USAGE}", args.join(" "))),
    }
}
