//! Test helper: opens a TEHO SQLite file (or a `postgresql://` URL) and writes and reads
//! through the engine as fast as it can, for the tests of several processes on one
//! database. Exits non-zero with the error on any failure.
//!
//! Usage: teho-writer DB ID_PREFIX COUNT WORKER_UUID FILE_UUID [--abort]
//!
//! With `--abort` the process ends by aborting right after its last read — no
//! destructor runs, nothing is synced or closed — as a crash would end it.

use std::process::ExitCode;
use std::sync::Arc;

use teho_core::ClientFiles;
use teho_core::access::{Actor, DataCategory, Visibility};
use teho_core::file::NewEntry;
use teho_core::ids::{ClientFileId, WorkerId};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::Store;
use teho_postgres::{PostgresStore, is_postgres_url};
use teho_storage::SqliteStore;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("teho-writer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (abort, args) = match args.split_last() {
        Some((last, rest)) if last == "--abort" => (true, rest),
        _ => (false, args.as_slice()),
    };
    let [db, prefix, count, worker, file] = args else {
        return Err("usage: teho-writer DB ID_PREFIX COUNT WORKER_UUID FILE_UUID [--abort]".into());
    };
    let prefix: u64 = prefix.parse().map_err(|e| format!("prefix: {e}"))?;
    let count: usize = count.parse().map_err(|e| format!("count: {e}"))?;
    let worker = WorkerId(worker.parse().map_err(|e| format!("worker: {e}"))?);
    let file = ClientFileId(file.parse().map_err(|e| format!("file: {e}"))?);
    let store: Arc<dyn Store> = if is_postgres_url(db) {
        Arc::new(PostgresStore::open(db).map_err(|e| e.to_string())?)
    } else {
        Arc::new(SqliteStore::open(db).map_err(|e| e.to_string())?)
    };
    let engine = ClientFiles::shared(
        store,
        Arc::new(FixedClock::new(teho_tests::tallinn(2026, 11, 3, 10, 0))),
        Arc::new(SequentialIds::new(prefix)),
    );
    let actor = Actor::Worker(worker);
    for i in 0..count {
        engine
            .add_entry(
                &actor,
                NewEntry {
                    file,
                    category: DataCategory::ProfessionalNote,
                    visibility: Visibility::Network,
                    text: format!("process {prefix} note {i}"),
                    domain_detail: None,
                },
            )
            .map_err(|e| format!("write {i}: {e}"))?;
        engine
            .network(&actor, file)
            .map_err(|e| format!("read {i}: {e}"))?;
    }
    if abort {
        std::process::abort();
    }
    Ok(())
}
