//! A damaged TEHO database file opened with `SqliteStore::open`: a small valid database
//! (the scenario files' setup and a care plan with its visits, built once per process
//! through the host door) is damaged as the bytes say — bytes set, flipped or zeroed,
//! 32-bit fields (SQLite's header and page headers are big-endian) overwritten, pages
//! copied over others, the file cut short or made empty — written to a scratch file, and
//! opened with `SqliteStore::open` (three inputs in four) or `SqliteStore::open_read_only`.
//! If it opens, the audit chain is verified (`audit::verify_store`, then through the host
//! door), a file and a calendar are read and one command is written. Any error is fine (the store may refuse a missing, empty or
//! corrupt file); a panic or a hang is a finding.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use teho_core::audit::verify_store;
use teho_core::host::{Host, HostClock};
use teho_fuzz::{Known, Reader, TOWN_CLOCK, scratch_dir, substitute, town_host};
use teho_storage::SqliteStore;

const PAGE: usize = 4096;

/// The valid database's bytes and what its setup saved.
fn base() -> &'static (Vec<u8>, Known) {
    static BASE: OnceLock<(Vec<u8>, Known)> = OnceLock::new();
    BASE.get_or_init(|| {
        let path = scratch_dir().join("base.db");
        remove_db(&path);
        let known = {
            let store = SqliteStore::create(&path).expect("a new database");
            let (host, known) = town_host(Arc::new(store));
            drop(host);
            known
        };
        // The last connection closed: the WAL is checkpointed into the file.
        let bytes = std::fs::read(&path).expect("the base database");
        remove_db(&path);
        assert!(bytes.len() >= PAGE, "a base database of {} bytes", bytes.len());
        (bytes, known)
    })
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn damage(db: &mut Vec<u8>, r: &mut Reader) {
    let edits = 1 + r.below(8);
    for _ in 0..edits {
        if db.is_empty() {
            return;
        }
        let pages = db.len().div_ceil(PAGE);
        // Mostly the header and the page headers, where a byte matters most.
        let at = match r.u8() % 4 {
            0 => r.below(100),
            1 => r.below(pages) * PAGE + r.below(16),
            _ => r.below(db.len()),
        }
        .min(db.len() - 1);
        match r.u8() % 10 {
            0..=2 => db[at] = r.u8(),
            3 => db[at] ^= 1 << (r.u8() % 8),
            4 => {
                let v = match r.u8() % 4 {
                    0 => 0,
                    1 => u32::MAX,
                    2 => pages as u32 + 1,
                    _ => r.u32(),
                };
                for (i, b) in v.to_be_bytes().into_iter().enumerate() {
                    if let Some(x) = db.get_mut(at + i) {
                        *x = b;
                    }
                }
            }
            5 => {
                let end = (at + 1 + r.below(PAGE)).min(db.len());
                db[at..end].fill(0);
            }
            6 => {
                let (from, to) = (r.below(pages) * PAGE, r.below(pages) * PAGE);
                let n = PAGE.min(db.len() - from).min(db.len() - to);
                let page = db[from..from + n].to_vec();
                db[to..to + n].copy_from_slice(&page);
            }
            7 => db.truncate(at),
            8 => {
                let n = 1 + r.below(PAGE);
                db.extend(std::iter::repeat_n(r.u8(), n));
            }
            _ => {
                let n = (1 + r.below(64)).min(db.len() - at);
                for i in 0..n {
                    db[at + i] = r.u8();
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (bytes, known) = base();
    let mut r = Reader::new(data);
    let read_only = r.u8() % 4 == 0;
    let mut db = bytes.clone();
    damage(&mut db, &mut r);
    let path = scratch_dir().join("damaged.db");
    remove_db(&path);
    std::fs::write(&path, &db).expect("the damaged database written");
    let opened = if read_only {
        SqliteStore::open_read_only(&path)
    } else {
        SqliteStore::open(&path)
    };
    if let Ok(store) = opened {
        let _ = verify_store(&store, None, None);
        let at = Host::instant("clock", TOWN_CLOCK).expect("the setup clock");
        if let Ok(host) = Host::open(Arc::new(store), HostClock::Fixed(at)) {
            let calls = [
                (json!("System"), json!({"command": "verify_audit", "args": {"checkpoint": null}})),
                (json!({"Worker": "$sw.id"}), json!({"command": "client_file", "args": {"file": "$file.id"}})),
                (
                    json!({"Worker": "$cw.id"}),
                    json!({"command": "worker_calendar", "args": {"worker": "$cw.id", "from": "2026-11-02", "to": "2026-11-30"}}),
                ),
                (json!({"Worker": "$sw.id"}), json!({"command": "find_client", "args": {"query": {"Code": "37605030299"}}})),
                (
                    json!({"Worker": "$sw.id"}),
                    json!({"command": "update_good_to_know", "args": {"file": "$file.id", "text": "Dog in the yard"}}),
                ),
                (json!("System"), json!({"command": "audit_checkpoint"})),
            ];
            for (actor, request) in calls {
                let actor = substitute(&actor, &known.saved).to_string();
                let request: Value = substitute(&request, &known.saved);
                let _ = host.call(&actor, &request.to_string());
            }
        }
    }
    remove_db(&path);
});
