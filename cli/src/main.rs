//! `teho`: the TEHO command line — the demo a newcomer runs first, and the operator's
//! tasks on a SQLite file.
//!
//! ```text
//! teho demo [--db PATH]
//! teho audit verify --db PATH [--checkpoint ENTRIES:HASH]
//! teho audit checkpoint --db PATH
//! ```

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;

use teho_core::access::Actor;
use teho_core::audit::Checkpoint;
use teho_core::ports::{SystemClock, UuidV7Ids};
use teho_core::{ClientFiles, TehoError};
use teho_storage::SqliteStore;

const USAGE: &str = "usage:
  teho demo [--db PATH]                 build a small Tallinn network in a fresh SQLite
                                        file and show what each role may see, and why
  teho audit verify --db PATH [--checkpoint ENTRIES:HASH]
                                        verify the audit hash chain (and against a
                                        checkpoint taken earlier)
  teho audit checkpoint --db PATH       print a checkpoint to keep outside the database";

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
        [] | ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command {:?}\n{USAGE}", args.join(" "))),
    }
}
