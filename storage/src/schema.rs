//! The SQLite schema, step by step (`PRAGMA user_version` counts the steps applied).
//!
//! Most tables keep a record as its serde JSON in `doc`, with the columns that are
//! looked up or joined on pulled out beside it; the audit log is fully columnar so that
//! it can be verified, queried and (later) partly destroyed field by field.
//!
//! Tables, step 1:
//! - `organizations` — `id` uuid; `kind` the `OrganizationKind`; `doc` the record.
//! - `workers` — `id` uuid of the employment; `organization` the employer (FK);
//!   `doc` the `Worker`, with personal code, role and employment dates.
//! - `persons` — `id` uuid; `identity_key` `EE:<code>` or `<country>:DOC:<number>`,
//!   unique; `doc` the `Person`.
//! - `client_files` — `id` uuid; `client` the person (FK, unique: one file per client);
//!   `doc` the `ClientFile`.
//! - `client_cards` — `file` (FK, primary key); `doc` the `ClientCard` with residence,
//!   contacts, good-to-know note and providers.
//! - `memberships` — `id` uuid; `file` (FK); `doc` the `Membership` (member, role,
//!   provider, valid from/until).
//! - `substitutions` — `id` uuid; `substitute` (FK worker); `doc` the `Substitution`.
//! - `entries` — `id` uuid; `file` (FK); `doc` the `Entry` (category, visibility,
//!   author, text, domain-only detail).
//! - `notifications` — `id` uuid; `recipient` `worker:<uuid>` or `person:<uuid>`;
//!   `doc` the `Notification`.
//! - `compliance_breaches` — `worker` (FK, primary key); `organization`; `doc` the
//!   `ComplianceBreach`.
//! - `audit_log` — `seq` position in the chain from 1; `at` RFC 3339 UTC; `actor_id`,
//!   `actor_name`, `actor_code`, `actor_role` (JSON), `actor_org`; `operation`;
//!   `object`; `file` (the client file concerned, not an FK: the log outlives files);
//!   `purpose`; `decision` (JSON `AuditDecision`); `outcome`; `content_digest`,
//!   `prev_hash`, `hash` (hex SHA-256). Triggers refuse UPDATE and DELETE.
//!
//! Tables, step 2 (plans and calendars):
//! - `plans` — `id`; `file` (FK); `doc` the `CarePlan`.
//! - `plan_items` — `id`; `plan` (FK); `doc` the `PlanItem` with its recurrence.
//! - `visits` — `id`; `file` (FK); `plan_item` (FK, null for unplanned); `start_us`,
//!   `end_us` planned start and end in microseconds since 1970 UTC (indexed ranges);
//!   `worker`; `provider`; `status` (`Planned`, `Done`, `NotDone`, `Cancelled`,
//!   `Superseded`); `doc` the `Visit`.
//! - `service_log` — `id`; `file` (FK); `worker`; `provider`; `actual_start_us`;
//!   `doc` the `ServiceLogEntry`.
//!
//! Tables, step 3 (the case): `applications`, `decisions`, `contracts`, `assessments`
//! (each `id`, `file`, `doc`) and `referrals` (`id`, `patient`, `doc`: a referral exists
//! before any file). Decisions are never deleted; nothing in TEHO deletes them.
//!
//! Step 4 adds `memberships.member` (`worker:<uuid>` or `person:<uuid>`, indexed),
//! backfilled from each record, so that a member's clients are found without a scan.
//!
//! Step 5: `deaths` (`person`, `doc` the `DeathRecord` with its effects, so that a void
//! compensates exactly them) and `register_notices` (`key` = code|kind|date|reference,
//! `doc`), which make notice imports idempotent.
//!
//! Step 6: `disclosures` (`id`, `file`, `doc` the `Disclosure`: when, what, to whom,
//! legal basis, how — seed 002 §18(4)) and `report_submissions` (`key`
//! provider|kind|period, `doc`) and `restrictions` (`id`, `file`, `doc` the
//! `AccessRestriction` mark).
//!
//! Step 7: `holds` and `destruction_acts` (`id`, `doc`). Destruction deletes the
//! records' rows with `secure_delete` on and then truncates the WAL (`compact`).
//!
//! Step 8: `audit_by_file` indexes only the entries about a client file. Most queries
//! (a worker's day, an inbox, a report) concern none; each of their entries cost an
//! index entry that no lookup by file could ever use, written at every read.
//!
//! Step 9: every table of records takes the one shape of the store port
//! (`teho_core::store`): `id` the record's id as 16 bytes (unique; the rowid keeps the
//! insertion order), `v` the version of its encoding, the columns its kind declares
//! (ids as 16 bytes, instants as microseconds since 1970 UTC, visit status as a code),
//! `doc` the rest of the record encoded by core (JSON for most kinds; a few bytes for a
//! visit, whose action and place live once in `visit_texts`). Records keyed by text
//! (register notices, report submissions) are stored under the hash of the key. No
//! foreign keys: the port does not know them, and the engine writes in order. The
//! records of step 8 are rewritten in the new shape by code (`convert_to_9`), the
//! visits compacted on the way.
//!
//! The audit log becomes compact: `seq`; `at` (seconds since 1970) and `at_nanos`;
//! `actor`, `operation`, `purpose`, `decision` (the `AuditDecision` as JSON) and
//! `outcome` as numbers of rows in `audit_texts` (each distinct text stored once;
//! `actor` is the recorded `ActorRef` as JSON, so a later rename rewrites nothing);
//! `object` split into `object_kind` (a text number), `object_id` (16 bytes) and the
//! rest in `object` when it reads `<kind>:<uuid><rest>`, else whole in `object`;
//! `file` 16 bytes; `content_digest`, `prev_hash`, `hash` 32 bytes each. A value that
//! cannot take that form (a damaged or tampered entry of an older file) is kept as the
//! text it was: nothing is lost, and reading it is an error naming the entry. Both tables
//! refuse UPDATE and DELETE.
//! The view `audit_entries` shows the log as text, for whoever opens the file with
//! `sqlite3`: a data-protection officer, an auditor.
//!
//! Step 10: a read that showed several clients' data (a worker's day, a report, a
//! search) names each of their files: `audit_log.disclosed` holds the files other than
//! `file` (16 bytes each, in id order), and `audit_disclosed` (`file`, `seq`, append-only)
//! indexes them, so that a file's access log finds every such read. The index is brought
//! up to date in bulk — before a file's access log is read, and by an append once some
//! thousands of entries wait — up to the entry `audit_disclosed_upto.upto`: one row per
//! file at every read scattered a worker's day over five index pages. The view
//! `audit_entries` counts them (`disclosed_files`).
//!
//! Step 11: the audit tables refuse `INSERT OR REPLACE` over a stored row.
//!
//! Step 12: `audit_log.writes` binds the records each call wrote: per record its kind,
//! id and the SHA-256 of its row as written (or its destruction), so that
//! `verify_audit_deep` finds a row changed outside the engine. `NULL` for entries sealed
//! before it.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use teho_core::store::{StoreError, StoreResult};

/// One step of the schema.
#[derive(Clone, Copy)]
pub enum Step {
    /// SQL alone.
    Sql(&'static str),
    /// SQL, then a conversion of the data in code, then more SQL.
    Convert {
        /// Runs first.
        before: &'static str,
        /// Moves the data.
        convert: fn(&Transaction<'_>) -> StoreResult<()>,
        /// Runs last.
        after: &'static str,
    },
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.frozen())
    }
}

impl Step {
    /// The SQL of the step, as frozen in `tests/fixtures/step_n.sql` (of a conversion,
    /// what runs before and after it: on an empty database, the whole step).
    pub fn frozen(&self) -> String {
        match self {
            Step::Sql(sql) => sql.trim().to_string(),
            Step::Convert { before, after, .. } => {
                format!("{}\n{}", before.trim(), after.trim())
            }
        }
    }

    fn run(&self, tx: &Transaction<'_>) -> StoreResult<()> {
        match self {
            Step::Sql(sql) => tx.execute_batch(sql).map_err(backend),
            Step::Convert {
                before,
                convert,
                after,
            } => {
                tx.execute_batch(before).map_err(backend)?;
                convert(tx)?;
                tx.execute_batch(after).map_err(backend)
            }
        }
    }
}

/// The schema steps, in order; step `n` brings `user_version` from `n - 1` to `n`. Each
/// is frozen in `tests/fixtures/step_n.sql` once written.
pub const SCHEMA_STEPS: &[Step] = &[
    // step 1: the foundation
    Step::Sql(
        r#"
    CREATE TABLE organizations (
        id TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE workers (
        id TEXT PRIMARY KEY NOT NULL,
        organization TEXT NOT NULL REFERENCES organizations(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX workers_by_organization ON workers(organization);
    CREATE TABLE persons (
        id TEXT PRIMARY KEY NOT NULL,
        identity_key TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
    );
    CREATE TABLE client_files (
        id TEXT PRIMARY KEY NOT NULL,
        client TEXT NOT NULL UNIQUE REFERENCES persons(id),
        doc TEXT NOT NULL
    );
    CREATE TABLE client_cards (
        file TEXT PRIMARY KEY NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE TABLE memberships (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX memberships_by_file ON memberships(file);
    CREATE TABLE substitutions (
        id TEXT PRIMARY KEY NOT NULL,
        substitute TEXT NOT NULL REFERENCES workers(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX substitutions_by_substitute ON substitutions(substitute);
    CREATE TABLE entries (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX entries_by_file ON entries(file);
    CREATE TABLE notifications (
        id TEXT PRIMARY KEY NOT NULL,
        recipient TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX notifications_by_recipient ON notifications(recipient);
    CREATE TABLE compliance_breaches (
        worker TEXT PRIMARY KEY NOT NULL REFERENCES workers(id),
        organization TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY NOT NULL,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        actor_code TEXT NOT NULL,
        actor_role TEXT,
        actor_org TEXT,
        operation TEXT NOT NULL,
        object TEXT NOT NULL,
        file TEXT,
        purpose TEXT NOT NULL,
        decision TEXT NOT NULL,
        outcome TEXT NOT NULL,
        content_digest TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_by_file ON audit_log(file);
    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    "#,
    ),
    // step 2: plans, visits, the service log
    Step::Sql(
        r#"
    CREATE TABLE plans (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX plans_by_file ON plans(file);
    CREATE TABLE plan_items (
        id TEXT PRIMARY KEY NOT NULL,
        plan TEXT NOT NULL REFERENCES plans(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX plan_items_by_plan ON plan_items(plan);
    CREATE TABLE visits (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        plan_item TEXT REFERENCES plan_items(id),
        start_us INTEGER NOT NULL,
        end_us INTEGER NOT NULL,
        worker TEXT,
        provider TEXT,
        status TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX visits_by_file ON visits(file, start_us);
    CREATE INDEX visits_by_worker ON visits(worker, start_us);
    CREATE INDEX visits_by_item ON visits(plan_item);
    CREATE INDEX visits_planned_by_provider ON visits(provider, end_us) WHERE status = 'Planned';
    CREATE TABLE service_log (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        worker TEXT NOT NULL,
        provider TEXT,
        actual_start_us INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX service_log_by_file ON service_log(file, actual_start_us);
    CREATE INDEX service_log_by_worker ON service_log(worker, actual_start_us);
    CREATE INDEX service_log_by_provider ON service_log(provider, actual_start_us);
    "#,
    ),
    // step 3: the case — applications, decisions, contracts, assessments, referrals
    Step::Sql(
        r#"
    CREATE TABLE applications (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX applications_by_file ON applications(file);
    CREATE TABLE decisions (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX decisions_by_file ON decisions(file);
    CREATE TABLE contracts (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX contracts_by_file ON contracts(file);
    CREATE TABLE assessments (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX assessments_by_file ON assessments(file);
    CREATE TABLE referrals (
        id TEXT PRIMARY KEY NOT NULL,
        patient TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX referrals_by_patient ON referrals(patient);
    "#,
    ),
    // step 4: find a member's memberships (home views); backfilled from the records
    Step::Sql(
        r#"
    ALTER TABLE memberships ADD COLUMN member TEXT;
    UPDATE memberships SET member = CASE
        WHEN json_extract(doc, '$.member.Worker') IS NOT NULL
            THEN 'worker:' || json_extract(doc, '$.member.Worker')
        ELSE 'person:' || json_extract(doc, '$.member.Person') END;
    CREATE INDEX memberships_by_member ON memberships(member);
    "#,
    ),
    // step 5: deaths and register notices
    Step::Sql(
        r#"
    CREATE TABLE deaths (
        person TEXT PRIMARY KEY NOT NULL REFERENCES persons(id),
        doc TEXT NOT NULL
    );
    CREATE TABLE register_notices (
        key TEXT PRIMARY KEY NOT NULL,
        doc TEXT NOT NULL
    );
    "#,
    ),
    // step 6: disclosures
    Step::Sql(
        r#"
    CREATE TABLE disclosures (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX disclosures_by_file ON disclosures(file);
    CREATE TABLE report_submissions (
        key TEXT PRIMARY KEY NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE restrictions (
        id TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL REFERENCES client_files(id),
        doc TEXT NOT NULL
    );
    CREATE INDEX restrictions_by_file ON restrictions(file);
    "#,
    ),
    // step 7: retention holds and destruction acts
    Step::Sql(
        r#"
    CREATE TABLE holds (
        id TEXT PRIMARY KEY NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE destruction_acts (
        id TEXT PRIMARY KEY NOT NULL,
        doc TEXT NOT NULL
    );
    "#,
    ),
    // step 8: the audit log's index by file leaves out the entries about no file
    Step::Sql(
        r#"
    DROP INDEX audit_by_file;
    CREATE INDEX audit_by_file ON audit_log(file) WHERE file IS NOT NULL;
    "#,
    ),
    // step 9: the store port's shape, compact visits and audit entries
    Step::Convert {
        before: STEP_9_BEFORE,
        convert: crate::convert::convert_to_9,
        after: STEP_9_AFTER,
    },
    // step 10: a read names every client file whose data it showed
    Step::Sql(STEP_10),
    // step 11: no replace into the audit tables
    Step::Sql(STEP_11),
    // step 12: each entry binds the records its call wrote
    Step::Sql(STEP_12),
];

/// Step 12 (issue 17, item 5): `audit_log.writes` binds the records each call wrote,
/// with the SHA-256 of each row as written ([`teho_core::audit::RecordWrite`]), so
/// that a deep verification finds a row edited, added or removed outside the engine.
/// `NULL` for the entries sealed before this step: their records cannot be checked.
const STEP_12: &str = r#"
    ALTER TABLE audit_log ADD COLUMN writes BLOB;
"#;

/// Step 11 (issue 17, item 5): `INSERT OR REPLACE` rewrote an audit entry past the
/// append-only triggers (its conflict resolution deletes the old row without a delete
/// trigger firing); an insert over a stored entry, text or index row is refused before
/// any conflict is resolved, and the disclosed-files watermark only moves forward.
const STEP_11: &str = r#"
    CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_texts_no_replace BEFORE INSERT ON audit_texts
        WHEN EXISTS (SELECT 1 FROM audit_texts WHERE text = NEW.text OR id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'audit_texts is append-only'); END;
    CREATE TRIGGER audit_disclosed_no_replace BEFORE INSERT ON audit_disclosed
        WHEN EXISTS (SELECT 1 FROM audit_disclosed WHERE file = NEW.file AND seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'audit_disclosed is append-only'); END;
    CREATE TRIGGER audit_disclosed_upto_forward BEFORE UPDATE ON audit_disclosed_upto
        WHEN NEW.upto < OLD.upto
        BEGIN SELECT RAISE(ABORT, 'audit_disclosed_upto only moves forward'); END;
    CREATE TRIGGER audit_disclosed_upto_kept BEFORE DELETE ON audit_disclosed_upto
        BEGIN SELECT RAISE(ABORT, 'audit_disclosed_upto is kept'); END;
"#;

/// Step 9, before its conversion: the old tables step aside (renamed `*_v8`, their
/// indexes and triggers dropped) and the new ones are made.
const STEP_9_BEFORE: &str = r#"
    DROP INDEX workers_by_organization;
    DROP INDEX memberships_by_file;
    DROP INDEX substitutions_by_substitute;
    DROP INDEX entries_by_file;
    DROP INDEX notifications_by_recipient;
    DROP INDEX audit_by_file;
    DROP INDEX plans_by_file;
    DROP INDEX plan_items_by_plan;
    DROP INDEX visits_by_file;
    DROP INDEX visits_by_worker;
    DROP INDEX visits_by_item;
    DROP INDEX visits_planned_by_provider;
    DROP INDEX service_log_by_file;
    DROP INDEX service_log_by_worker;
    DROP INDEX service_log_by_provider;
    DROP INDEX applications_by_file;
    DROP INDEX decisions_by_file;
    DROP INDEX contracts_by_file;
    DROP INDEX assessments_by_file;
    DROP INDEX referrals_by_patient;
    DROP INDEX memberships_by_member;
    DROP INDEX disclosures_by_file;
    DROP INDEX restrictions_by_file;
    DROP TRIGGER audit_log_append_only_update;
    DROP TRIGGER audit_log_append_only_delete;
    ALTER TABLE organizations RENAME TO organizations_v8;
    ALTER TABLE workers RENAME TO workers_v8;
    ALTER TABLE persons RENAME TO persons_v8;
    ALTER TABLE client_files RENAME TO client_files_v8;
    ALTER TABLE client_cards RENAME TO client_cards_v8;
    ALTER TABLE memberships RENAME TO memberships_v8;
    ALTER TABLE substitutions RENAME TO substitutions_v8;
    ALTER TABLE entries RENAME TO entries_v8;
    ALTER TABLE notifications RENAME TO notifications_v8;
    ALTER TABLE compliance_breaches RENAME TO compliance_breaches_v8;
    ALTER TABLE plans RENAME TO plans_v8;
    ALTER TABLE plan_items RENAME TO plan_items_v8;
    ALTER TABLE visits RENAME TO visits_v8;
    ALTER TABLE service_log RENAME TO service_log_v8;
    ALTER TABLE applications RENAME TO applications_v8;
    ALTER TABLE decisions RENAME TO decisions_v8;
    ALTER TABLE contracts RENAME TO contracts_v8;
    ALTER TABLE assessments RENAME TO assessments_v8;
    ALTER TABLE referrals RENAME TO referrals_v8;
    ALTER TABLE deaths RENAME TO deaths_v8;
    ALTER TABLE register_notices RENAME TO register_notices_v8;
    ALTER TABLE disclosures RENAME TO disclosures_v8;
    ALTER TABLE report_submissions RENAME TO report_submissions_v8;
    ALTER TABLE restrictions RENAME TO restrictions_v8;
    ALTER TABLE holds RENAME TO holds_v8;
    ALTER TABLE destruction_acts RENAME TO destruction_acts_v8;
    ALTER TABLE audit_log RENAME TO audit_log_v8;
    CREATE TABLE organizations (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        kind TEXT,
        doc BLOB NOT NULL
    );
    CREATE TABLE workers (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        organization BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX workers_by_organization ON workers(organization);
    CREATE TABLE persons (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        identity_key TEXT,
        doc BLOB NOT NULL
    );
    CREATE UNIQUE INDEX persons_by_identity ON persons(identity_key);
    CREATE TABLE client_files (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        client BLOB,
        doc BLOB NOT NULL
    );
    CREATE UNIQUE INDEX client_files_by_client ON client_files(client);
    CREATE TABLE client_cards (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE memberships (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        member BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX memberships_by_file ON memberships(file);
    CREATE INDEX memberships_by_member ON memberships(member);
    CREATE TABLE substitutions (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        substitute BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX substitutions_by_substitute ON substitutions(substitute);
    CREATE TABLE entries (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX entries_by_file ON entries(file);
    CREATE TABLE notifications (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        recipient BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX notifications_by_recipient ON notifications(recipient);
    CREATE TABLE compliance_breaches (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        organization BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX compliance_breaches_by_organization ON compliance_breaches(organization);
    CREATE TABLE plans (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX plans_by_file ON plans(file);
    CREATE TABLE plan_items (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        plan BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX plan_items_by_plan ON plan_items(plan);
    CREATE TABLE visits (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        plan_item BLOB,
        start_us INTEGER,
        end_us INTEGER,
        worker BLOB,
        provider BLOB,
        status INTEGER,
        doc BLOB NOT NULL
    );
    CREATE INDEX visits_by_file ON visits(file, start_us);
    CREATE INDEX visits_by_worker ON visits(worker, start_us);
    CREATE INDEX visits_by_item ON visits(plan_item);
    CREATE INDEX visits_planned_by_provider ON visits(provider, end_us) WHERE status = 0;
    CREATE TABLE service_log (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        worker BLOB,
        provider BLOB,
        actual_start_us INTEGER,
        doc BLOB NOT NULL
    );
    CREATE INDEX service_log_by_file ON service_log(file, actual_start_us);
    CREATE INDEX service_log_by_worker ON service_log(worker, actual_start_us);
    CREATE INDEX service_log_by_provider ON service_log(provider, actual_start_us);
    CREATE TABLE applications (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX applications_by_file ON applications(file);
    CREATE TABLE decisions (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX decisions_by_file ON decisions(file);
    CREATE TABLE contracts (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX contracts_by_file ON contracts(file);
    CREATE TABLE assessments (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX assessments_by_file ON assessments(file);
    CREATE TABLE referrals (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        patient BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX referrals_by_patient ON referrals(patient);
    CREATE TABLE deaths (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE register_notices (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        code TEXT,
        doc BLOB NOT NULL
    );
    CREATE INDEX register_notices_by_code ON register_notices(code);
    CREATE TABLE disclosures (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX disclosures_by_file ON disclosures(file);
    CREATE TABLE report_submissions (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE restrictions (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        file BLOB,
        doc BLOB NOT NULL
    );
    CREATE INDEX restrictions_by_file ON restrictions(file);
    CREATE TABLE holds (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE destruction_acts (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE visit_texts (
        id BLOB NOT NULL UNIQUE,
        v INTEGER NOT NULL,
        doc BLOB NOT NULL
    );
    CREATE TABLE audit_texts (
        id INTEGER PRIMARY KEY NOT NULL,
        text TEXT NOT NULL UNIQUE
    );
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY NOT NULL,
        at INTEGER NOT NULL,
        at_nanos INTEGER NOT NULL,
        actor INTEGER NOT NULL,
        operation INTEGER NOT NULL,
        object_kind INTEGER,
        object_id BLOB,
        object TEXT,
        file BLOB,
        purpose INTEGER NOT NULL,
        decision INTEGER NOT NULL,
        outcome INTEGER NOT NULL,
        content_digest BLOB NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX audit_by_file ON audit_log(file) WHERE file IS NOT NULL;
    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_texts_append_only_update BEFORE UPDATE ON audit_texts
        BEGIN SELECT RAISE(ABORT, 'audit_texts is append-only'); END;
    CREATE TRIGGER audit_texts_append_only_delete BEFORE DELETE ON audit_texts
        BEGIN SELECT RAISE(ABORT, 'audit_texts is append-only'); END;
    CREATE VIEW audit_entries AS SELECT
        a.seq AS seq,
        CASE typeof(a.at) WHEN 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', a.at, 'unixepoch')
            ELSE a.at END AS at,
        a.at_nanos AS at_nanos,
        json_extract(actor.text, '$.id') AS actor_id,
        json_extract(actor.text, '$.name') AS actor_name,
        json_extract(actor.text, '$.personal_code') AS actor_code,
        json_extract(actor.text, '$.role') AS actor_role,
        json_extract(actor.text, '$.organization') AS actor_org,
        operation.text AS operation,
        CASE WHEN a.object_kind IS NULL THEN a.object
            ELSE object_kind.text || ':' || lower(substr(hex(a.object_id), 1, 8) || '-'
                || substr(hex(a.object_id), 9, 4) || '-' || substr(hex(a.object_id), 13, 4)
                || '-' || substr(hex(a.object_id), 17, 4) || '-' || substr(hex(a.object_id), 21))
                || coalesce(a.object, '') END AS object,
        CASE typeof(a.file) WHEN 'blob' THEN lower(substr(hex(a.file), 1, 8) || '-'
                || substr(hex(a.file), 9, 4) || '-' || substr(hex(a.file), 13, 4) || '-'
                || substr(hex(a.file), 17, 4) || '-' || substr(hex(a.file), 21))
            ELSE a.file END AS file,
        purpose.text AS purpose,
        decision.text AS decision,
        outcome.text AS outcome,
        CASE typeof(a.hash) WHEN 'blob' THEN lower(hex(a.hash)) ELSE a.hash END AS hash
    FROM audit_log a
        JOIN audit_texts actor ON actor.id = a.actor
        JOIN audit_texts operation ON operation.id = a.operation
        LEFT JOIN audit_texts object_kind ON object_kind.id = a.object_kind
        JOIN audit_texts purpose ON purpose.id = a.purpose
        JOIN audit_texts decision ON decision.id = a.decision
        JOIN audit_texts outcome ON outcome.id = a.outcome;
"#;

/// Step 9, after its conversion: the old tables go, children before parents (their
/// foreign keys still hold).
const STEP_9_AFTER: &str = r#"
    DROP TABLE visits_v8;
    DROP TABLE service_log_v8;
    DROP TABLE plan_items_v8;
    DROP TABLE plans_v8;
    DROP TABLE client_cards_v8;
    DROP TABLE memberships_v8;
    DROP TABLE entries_v8;
    DROP TABLE disclosures_v8;
    DROP TABLE restrictions_v8;
    DROP TABLE deaths_v8;
    DROP TABLE client_files_v8;
    DROP TABLE substitutions_v8;
    DROP TABLE compliance_breaches_v8;
    DROP TABLE notifications_v8;
    DROP TABLE workers_v8;
    DROP TABLE persons_v8;
    DROP TABLE organizations_v8;
    DROP TABLE applications_v8;
    DROP TABLE decisions_v8;
    DROP TABLE contracts_v8;
    DROP TABLE assessments_v8;
    DROP TABLE referrals_v8;
    DROP TABLE register_notices_v8;
    DROP TABLE report_submissions_v8;
    DROP TABLE holds_v8;
    DROP TABLE destruction_acts_v8;
    DROP TABLE audit_log_v8;
"#;

/// Step 10: an audit entry names the other files a read disclosed, and each file finds
/// them through `audit_disclosed`.
const STEP_10: &str = r#"
    ALTER TABLE audit_log ADD COLUMN disclosed BLOB;
    CREATE TABLE audit_disclosed (
        file BLOB NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (file, seq)
    ) WITHOUT ROWID;
    CREATE TRIGGER audit_disclosed_append_only_update BEFORE UPDATE ON audit_disclosed
        BEGIN SELECT RAISE(ABORT, 'audit_disclosed is append-only'); END;
    CREATE TRIGGER audit_disclosed_append_only_delete BEFORE DELETE ON audit_disclosed
        BEGIN SELECT RAISE(ABORT, 'audit_disclosed is append-only'); END;
    CREATE TABLE audit_disclosed_upto (upto INTEGER NOT NULL);
    INSERT INTO audit_disclosed_upto (upto) SELECT coalesce(max(seq), 0) FROM audit_log;
    DROP VIEW audit_entries;
    CREATE VIEW audit_entries AS SELECT
        a.seq AS seq,
        CASE typeof(a.at) WHEN 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', a.at, 'unixepoch')
            ELSE a.at END AS at,
        a.at_nanos AS at_nanos,
        json_extract(actor.text, '$.id') AS actor_id,
        json_extract(actor.text, '$.name') AS actor_name,
        json_extract(actor.text, '$.personal_code') AS actor_code,
        json_extract(actor.text, '$.role') AS actor_role,
        json_extract(actor.text, '$.organization') AS actor_org,
        operation.text AS operation,
        CASE WHEN a.object_kind IS NULL THEN a.object
            ELSE object_kind.text || ':' || lower(substr(hex(a.object_id), 1, 8) || '-'
                || substr(hex(a.object_id), 9, 4) || '-' || substr(hex(a.object_id), 13, 4)
                || '-' || substr(hex(a.object_id), 17, 4) || '-' || substr(hex(a.object_id), 21))
                || coalesce(a.object, '') END AS object,
        CASE typeof(a.file) WHEN 'blob' THEN lower(substr(hex(a.file), 1, 8) || '-'
                || substr(hex(a.file), 9, 4) || '-' || substr(hex(a.file), 13, 4) || '-'
                || substr(hex(a.file), 17, 4) || '-' || substr(hex(a.file), 21))
            ELSE a.file END AS file,
        length(a.disclosed) / 16 AS disclosed_files,
        purpose.text AS purpose,
        decision.text AS decision,
        outcome.text AS outcome,
        CASE typeof(a.hash) WHEN 'blob' THEN lower(hex(a.hash)) ELSE a.hash END AS hash
    FROM audit_log a
        JOIN audit_texts actor ON actor.id = a.actor
        JOIN audit_texts operation ON operation.id = a.operation
        LEFT JOIN audit_texts object_kind ON object_kind.id = a.object_kind
        JOIN audit_texts purpose ON purpose.id = a.purpose
        JOIN audit_texts decision ON decision.id = a.decision
        JOIN audit_texts outcome ON outcome.id = a.outcome;
"#;

/// The schema version this build writes: the number of steps.
pub const SCHEMA_VERSION: i64 = SCHEMA_STEPS.len() as i64;

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Refuses a database whose schema is newer than this build, without writing to it.
pub(crate) fn refuse_newer(conn: &Connection) -> StoreResult<()> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the schema of `conn` up to [`SCHEMA_VERSION`] step by step, in one immediate
/// transaction. A database newer than this build is refused and left as it was.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the schema of `conn` up to version `target` (tests of one step); as
/// [`migrate`] otherwise.
pub fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, step) in SCHEMA_STEPS
        .iter()
        .enumerate()
        .take(target.max(0) as usize)
        .skip(found.max(0) as usize)
    {
        step.run(&tx)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}
