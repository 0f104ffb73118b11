//! Tampering with the stored audit log by raw SQL — change, delete, reorder, cut the
//! tail — is caught by `verify`, which names the exact entry. Every verification here
//! is made twice: forensically on the file opened read-only (nothing written to it or
//! beside it), and by the engine, which appends its own entry only to a chain it found
//! intact (issue 17, item 6).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::audit::{
    BreakKind, ChainBreak, Checkpoint, RecordFinding, RecordProblem, VerifyReport, verify_store,
};
use teho_core::ports::{FixedClock, SequentialIds};
use teho_storage::SqliteStore;
use teho_tests::{Town, tallinn};

struct Base {
    _dir: tempfile::TempDir,
    path: PathBuf,
    checkpoint: Checkpoint,
}

/// A town on a file, with a checkpoint of its audit chain, closed.
fn base() -> Base {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("base.db");
    let town = Town::build(SqliteStore::create(&path).expect("open"));
    for _ in 0..3 {
        town.engine
            .client_file(&Actor::Worker(town.nurse), town.file)
            .expect("read");
    }
    let checkpoint = town
        .engine
        .audit_checkpoint(&Actor::System)
        .expect("checkpoint");
    drop(town);
    Base {
        _dir: dir,
        path,
        checkpoint,
    }
}

/// Copies the base database, tampers with it by raw SQL (triggers dropped first, as
/// anyone with the file could), then verifies through the engine.
fn tampered(base: &Base, name: &str, sql: &str, checkpoint: Option<&Checkpoint>) -> VerifyReport {
    let copy = base.path.with_file_name(format!("{name}.db"));
    std::fs::copy(&base.path, &copy).expect("copy");
    {
        let conn = rusqlite::Connection::open(&copy).expect("raw open");
        conn.execute_batch(
            "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;
             DROP TRIGGER audit_texts_append_only_update; DROP TRIGGER audit_texts_append_only_delete;",
        )
        .expect("drop triggers");
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    verify(&copy, checkpoint)
}

fn verify(path: &Path, checkpoint: Option<&Checkpoint>) -> VerifyReport {
    let bytes = std::fs::read(path).expect("read");
    let beside = |p: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(p.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let files = beside(path);
    let forensic = verify_store(
        &SqliteStore::open_read_only(path).expect("read-only open"),
        None,
        checkpoint,
    )
    .expect("forensic verify runs");
    assert!(
        std::fs::read(path).expect("read") == bytes,
        "a read-only verification wrote"
    );
    assert_eq!(
        beside(path),
        files,
        "a read-only verification made files beside it"
    );

    let length = || -> i64 {
        let conn = rusqlite::Connection::open(path).expect("raw open");
        conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .expect("count")
    };
    let before = length();
    let engine = ClientFiles::new(
        SqliteStore::open(path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
        SequentialIds::new(99),
    );
    let report = engine
        .verify_audit(&Actor::System, checkpoint)
        .expect("verify runs");
    drop(engine);
    let appended = length() - before;
    assert_eq!(
        appended,
        i64::from(report.is_intact()),
        "an intact chain takes the verification's entry, a broken one nothing: {report:?}"
    );
    assert_eq!(
        forensic, report,
        "the forensic and the engine's verification differ"
    );
    report
}

/// Verifies the chain of the file at `path` from `since` on, through the engine.
fn verify_since(path: &Path, since: &Checkpoint) -> VerifyReport {
    let engine = ClientFiles::new(
        SqliteStore::open(path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
        SequentialIds::new(99),
    );
    engine
        .verify_audit_since(&Actor::System, since)
        .expect("verify runs")
}

fn brk(seq: u64, kind: BreakKind) -> Option<ChainBreak> {
    Some(ChainBreak { seq, kind })
}

#[test]
fn untouched_chain_verifies_with_and_without_checkpoint() {
    let b = base();
    assert!(b.checkpoint.entries > 20, "{}", b.checkpoint.entries);
    let r = verify(&b.path, Some(&b.checkpoint));
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(
        r.entries,
        b.checkpoint.entries + 1,
        "the checkpoint call's own entry follows"
    );
}

#[test]
fn a_changed_field_is_named_at_its_entry() {
    let b = base();
    let last = b.checkpoint.entries;
    // Texts that repeat are stored once in `audit_texts`: a forger points an entry at
    // another text (adding it first), or rewrites the text itself.
    let forged_actor =
        "INSERT INTO audit_texts (text) SELECT json_set(text, '$.personal_code', 'forged')
            FROM audit_texts WHERE id = (SELECT actor FROM audit_log WHERE seq = 7);
         UPDATE audit_log SET actor = last_insert_rowid() WHERE seq = 7";
    let forged_decision = "INSERT OR IGNORE INTO audit_texts (text) VALUES ('\"NotDecided\"');
         UPDATE audit_log SET decision = (SELECT id FROM audit_texts WHERE text = '\"NotDecided\"')
            WHERE seq = 12";
    for (seq, what, sql) in [
        (
            1,
            "object",
            "UPDATE audit_log SET object = 'forged' WHERE seq = 1".to_string(),
        ),
        (7, "actor's code", forged_actor.to_string()),
        (12, "decision", forged_decision.to_string()),
        (
            last,
            "instant",
            format!("UPDATE audit_log SET at = 1577836800 WHERE seq = {last}"),
        ),
    ] {
        let r = tampered(&b, &format!("change{seq}"), &sql, None);
        assert_eq!(
            r.first_break,
            brk(seq, BreakKind::ContentAltered),
            "{what} of entry {seq}"
        );
    }
    // A shared text rewritten alters every entry that uses it: the first is named.
    let r = tampered(
        &b,
        "text",
        "UPDATE audit_texts SET text = 'forged.operation'
            WHERE id = (SELECT operation FROM audit_log WHERE seq = 3)",
        None,
    );
    let first_user = {
        let conn = rusqlite::Connection::open(&b.path).expect("raw open");
        conn.query_row(
            "SELECT min(seq) FROM audit_log WHERE operation = (SELECT operation FROM audit_log WHERE seq = 3)",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("first user")
    };
    assert_eq!(
        r.first_break,
        brk(first_user as u64, BreakKind::ContentAltered)
    );
}

#[test]
fn a_replaced_hash_or_link_is_named_at_its_entry() {
    let b = base();
    let zero = "0".repeat(64);
    let r = tampered(
        &b,
        "hash",
        &format!("UPDATE audit_log SET hash = '{zero}' WHERE seq = 5"),
        None,
    );
    assert_eq!(r.first_break, brk(5, BreakKind::HashMismatch));
    let r = tampered(
        &b,
        "prev",
        &format!("UPDATE audit_log SET prev_hash = '{zero}' WHERE seq = 9"),
        None,
    );
    assert_eq!(r.first_break, brk(9, BreakKind::PrevHashMismatch));
}

#[test]
fn a_deleted_entry_is_named() {
    let b = base();
    for seq in [1, 10, b.checkpoint.entries - 1] {
        let r = tampered(
            &b,
            &format!("delete{seq}"),
            &format!("DELETE FROM audit_log WHERE seq = {seq}"),
            None,
        );
        assert_eq!(r.first_break, brk(seq, BreakKind::Missing), "delete {seq}");
    }
}

#[test]
fn reordered_entries_are_named() {
    let b = base();
    let r = tampered(
        &b,
        "swap",
        "UPDATE audit_log SET seq = -1 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = 7;
         UPDATE audit_log SET seq = 7 WHERE seq = -1;",
        None,
    );
    assert_eq!(r.first_break, brk(6, BreakKind::ContentAltered));
}

#[test]
fn dropping_the_newest_entries_fails_against_an_earlier_checkpoint() {
    let b = base();
    let cut = b.checkpoint.entries - 2;
    let sql = format!("DELETE FROM audit_log WHERE seq > {cut}");
    // Alone, the shortened chain looks whole: that is what checkpoints are for.
    assert!(tampered(&b, "cut", &sql, None).is_intact());
    let r = tampered(&b, "cut2", &sql, Some(&b.checkpoint));
    assert_eq!(
        r.first_break.map(|x| x.kind),
        Some(BreakKind::CheckpointMismatch)
    );
}

#[test]
fn the_stored_log_refuses_update_and_delete() {
    let b = base();
    let conn = rusqlite::Connection::open(&b.path).expect("raw open");
    for sql in [
        "DELETE FROM audit_log WHERE seq = 1",
        "UPDATE audit_log SET object = 'x' WHERE seq = 1",
        "DELETE FROM audit_texts WHERE id = 1",
        "UPDATE audit_texts SET text = 'x' WHERE id = 1",
        // Issue 17, item 5: a replace deletes the old row without firing a delete trigger.
        "INSERT OR REPLACE INTO audit_log (seq, at, at_nanos, actor, operation, object_kind,
            object_id, object, file, purpose, decision, outcome, content_digest, prev_hash,
            hash, disclosed)
         SELECT seq, at, at_nanos, actor, operation, object_kind, object_id, 'forged', file,
            purpose, decision, outcome, content_digest, prev_hash, hash, disclosed
         FROM audit_log WHERE seq = 1",
        "REPLACE INTO audit_texts (id, text) VALUES (1, 'forged')",
        "INSERT OR REPLACE INTO audit_texts (text) SELECT text FROM audit_texts WHERE id = 1",
        "UPDATE audit_disclosed_upto SET upto = upto - 1",
        "DELETE FROM audit_disclosed_upto",
    ] {
        let e = conn.execute(sql, []).expect_err(sql).to_string();
        assert!(
            ["append-only", "only moves forward", "is kept"]
                .iter()
                .any(|rule| e.contains(rule)),
            "{sql}: refused for another reason: {e}"
        );
    }
}

/// Routine verification from the last checkpoint reads only what came after it, and
/// still catches a change after it, a cut back to before it, and a change of the
/// checkpoint's own entry (issue 17, item 2).
#[test]
fn verification_resumes_from_a_checkpoint_and_reads_only_what_came_after() {
    let b = base();
    let cp = &b.checkpoint;
    let r = verify_since(&b.path, cp);
    assert!(r.is_intact(), "{r:?}");
    assert_eq!(
        r.entries, 1,
        "only the checkpoint call's own entry came after it"
    );
    // A later routine run starts from a checkpoint taken now.
    let later = ClientFiles::new(
        SqliteStore::open(&b.path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
        SequentialIds::new(98),
    )
    .audit_checkpoint(&Actor::System)
    .expect("checkpoint");
    let r = verify_since(&b.path, &later);
    assert_eq!((r.entries, r.first_break.clone()), (1, None), "{r:?}");

    let after = cp.entries + 1;
    let copy = |name: &str, sql: &str| -> PathBuf {
        let copy = b.path.with_file_name(format!("{name}.db"));
        std::fs::copy(&b.path, &copy).expect("copy");
        let conn = rusqlite::Connection::open(&copy).expect("raw open");
        conn.execute_batch(
            "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;",
        )
        .expect("drop triggers");
        conn.execute_batch(sql).expect(name);
        copy
    };
    let changed = copy(
        "after",
        &format!("UPDATE audit_log SET object = 'forged' WHERE seq = {after}"),
    );
    assert_eq!(
        verify_since(&changed, cp).first_break,
        brk(after, BreakKind::ContentAltered)
    );
    let cut = copy(
        "cut",
        &format!("DELETE FROM audit_log WHERE seq >= {}", cp.entries - 3),
    );
    assert_eq!(
        verify_since(&cut, cp).first_break,
        brk(cp.entries, BreakKind::CheckpointMismatch)
    );
    let own = copy(
        "own",
        &format!(
            "UPDATE audit_log SET object = 'forged' WHERE seq = {}",
            cp.entries
        ),
    );
    assert_eq!(
        verify_since(&own, cp).first_break,
        brk(cp.entries, BreakKind::CheckpointMismatch)
    );
    for broken in [&changed, &cut, &own] {
        let r = verify_store(
            &SqliteStore::open_read_only(broken).expect("read-only"),
            Some(cp),
            None,
        )
        .expect("forensic since");
        assert_eq!(r, verify_since(broken, cp), "{}", broken.display());
    }
}

/// Deep verification of the file at `path`, forensically and through the engine: the
/// same report, and the engine's entry appended only when everything verified.
fn verify_deep(path: &Path) -> VerifyReport {
    let forensic = teho_core::audit::verify_store_deep(
        &SqliteStore::open_read_only(path).expect("read-only open"),
        None,
    )
    .expect("forensic deep verify runs");
    let length = || -> i64 {
        let conn = rusqlite::Connection::open(path).expect("raw open");
        conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .expect("count")
    };
    let before = length();
    let engine = ClientFiles::new(
        SqliteStore::open(path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
        SequentialIds::new(99),
    );
    let report = engine
        .verify_audit_deep(&Actor::System, None)
        .expect("deep verify runs");
    drop(engine);
    assert_eq!(
        length() - before,
        i64::from(report.is_intact()),
        "{report:?}"
    );
    assert_eq!(forensic, report);
    report
}

/// The entry of the last call that wrote the record `id` of `kind`, by a plain scan of
/// the chain (the oracle).
fn last_writer(path: &Path, kind: &str, id: uuid::Uuid) -> Option<(u64, String)> {
    let store = SqliteStore::open_read_only(path).expect("read-only open");
    let mut tx =
        teho_core::store::Store::begin(&store, teho_core::store::Unit::QUERY).expect("begin");
    let mut last = None;
    for e in tx.audit_page(1, 1_000_000).expect("chain") {
        if e.writes
            .iter()
            .flatten()
            .any(|w| w.kind == kind && w.id == id)
        {
            last = Some((e.seq, e.operation.clone()));
        }
    }
    last
}

fn id_of(path: &Path, sql: &str) -> uuid::Uuid {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    let bytes: Vec<u8> = conn.query_row(sql, [], |r| r.get(0)).expect(sql);
    uuid::Uuid::from_slice(&bytes).expect("16 bytes")
}

/// Issue 17, item 5: rows of records — not only of the audit log — edited, deleted or
/// added with `sqlite3` are found by `verify --deep`, each named with the call that last
/// wrote it; the bindings themselves are under the chain.
#[test]
fn a_record_changed_in_the_file_is_named_by_the_deep_verification_with_its_last_writer() {
    let b = base();
    let intact = verify_deep(&b.path);
    let records = intact.records.clone().expect("records checked");
    assert!(intact.is_intact() && records.records > 20, "{intact:?}");

    let copy = b.path.with_file_name("records.db");
    std::fs::copy(&b.path, &copy).expect("copy");
    let person = id_of(&copy, "SELECT id FROM persons ORDER BY rowid LIMIT 1");
    let membership = id_of(&copy, "SELECT id FROM memberships ORDER BY rowid LIMIT 1");
    let expected_person = last_writer(&copy, "persons", person).expect("bound");
    let expected_membership = last_writer(&copy, "memberships", membership).expect("bound");
    {
        let conn = rusqlite::Connection::open(&copy).expect("raw open");
        conn.execute_batch(
            "UPDATE persons SET doc = doc || X'20' WHERE rowid = (SELECT min(rowid) FROM persons);
             DELETE FROM memberships WHERE rowid = (SELECT min(rowid) FROM memberships);
             INSERT INTO client_cards (id, v, doc)
                SELECT X'0000000000000000000000000000b0b0', v, doc FROM client_cards
                WHERE id = (SELECT id FROM client_cards ORDER BY rowid LIMIT 1);",
        )
        .expect("tamper");
    }
    let r = verify_deep(&copy);
    assert!(
        r.first_break.is_none(),
        "the chain itself is untouched: {r:?}"
    );
    let found = r.records.expect("records checked");
    let finding = |kind: &str, id, problem, by: Option<(u64, String)>| RecordFinding {
        kind: kind.into(),
        id,
        problem,
        last_written_by: by.as_ref().map(|(seq, _)| *seq),
        operation: by.map(|(_, op)| op),
    };
    assert_eq!(
        found.findings,
        vec![
            finding(
                "client_cards",
                uuid::Uuid::from_u128(0xb0b0),
                RecordProblem::NotWrittenByAnyCall,
                None
            ),
            finding(
                "memberships",
                membership,
                RecordProblem::Removed,
                Some(expected_membership)
            ),
            finding(
                "persons",
                person,
                RecordProblem::Edited,
                Some(expected_person)
            ),
        ]
    );
    assert_eq!(found.findings_total, 3);

    // A forger who rewrites a call's binding to match an edited row breaks the chain.
    let r = tampered(
        &b,
        "binding",
        "UPDATE audit_log SET writes = X'' WHERE seq = (SELECT min(seq) FROM audit_log
            WHERE length(writes) > 0)",
        None,
    );
    assert_eq!(
        r.first_break.map(|b| b.kind),
        Some(BreakKind::ContentAltered)
    );
}

fn bytes_of_hex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Issue 17, item 5: a forger edits an entry and re-hashes every entry after it — the
/// chain is whole again and verifies on its own — but not against the latest checkpoint
/// the engine kept outside the database on its own, which names the break.
#[test]
fn a_chain_rehashed_after_an_edit_fails_against_the_checkpoint_kept_outside() {
    let b = base();
    let dir = b.path.parent().expect("dir").to_path_buf();
    let kept = dir.join("elsewhere.checkpoints");
    let sink = std::sync::Arc::new(teho_core::audit::FileCheckpoints::new(&kept));
    // An engine that keeps a checkpoint every 5 entries makes a few calls.
    {
        let engine = ClientFiles::new(
            SqliteStore::open(&b.path).expect("reopen"),
            FixedClock::new(tallinn(2026, 11, 30, 12, 0)),
            SequentialIds::new(98),
        )
        .with_checkpoints(
            sink.clone(),
            teho_core::audit::CheckpointPolicy {
                every_entries: 5,
                every: None,
            },
        )
        .expect("policy");
        for _ in 0..12 {
            engine.audit_checkpoint(&Actor::System).expect("call");
        }
    }
    let latest = teho_core::audit::CheckpointSink::latest(&*sink)
        .expect("read")
        .expect("one kept");

    // The forger: change entry 3's object, then seal every entry from 3 on again.
    let conn = rusqlite::Connection::open(&b.path).expect("raw open");
    conn.execute_batch(
        "DROP TRIGGER audit_log_append_only_update;
         UPDATE audit_log SET object = 'forged' WHERE seq = 3;",
    )
    .expect("edit");
    let entries = {
        let store = SqliteStore::open_read_only(&b.path).expect("read-only open");
        let mut tx =
            teho_core::store::Store::begin(&store, teho_core::store::Unit::QUERY).expect("begin");
        tx.audit_page(1, 1_000_000).expect("chain")
    };
    let mut head = teho_core::audit::ChainHead {
        seq: entries[1].seq,
        hash: entries[1].hash.clone(),
    };
    for mut e in entries.into_iter().skip(2) {
        e.seal(Some(&head));
        conn.execute(
            "UPDATE audit_log SET content_digest = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![
                bytes_of_hex(&e.content_digest),
                bytes_of_hex(&e.prev_hash),
                bytes_of_hex(&e.hash),
                e.seq as i64
            ],
        )
        .expect("re-hash");
        head = teho_core::audit::ChainHead {
            seq: e.seq,
            hash: e.hash,
        };
    }
    drop(conn);
    // On its own the forged chain verifies: that is the attack.
    let alone = verify_store(
        &SqliteStore::open_read_only(&b.path).expect("read-only open"),
        None,
        None,
    )
    .expect("verify");
    assert!(alone.is_intact(), "{alone:?}");
    // Against the checkpoint kept elsewhere it does not, through the engine with the same
    // sink (which verifies against the latest kept when given none) and forensically.
    let engine = ClientFiles::new(
        SqliteStore::open(&b.path).expect("reopen"),
        FixedClock::new(tallinn(2026, 11, 30, 13, 0)),
        SequentialIds::new(97),
    )
    .with_checkpoints(sink, teho_core::audit::CheckpointPolicy::default())
    .expect("policy");
    let report = engine.verify_audit(&Actor::System, None).expect("verify");
    assert_eq!(report.against.as_ref(), Some(&latest));
    assert_eq!(
        report.first_break.map(|b| b.kind),
        Some(BreakKind::CheckpointMismatch)
    );
}
