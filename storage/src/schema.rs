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

use rusqlite::{Connection, TransactionBehavior};
use teho_core::store::{StoreError, StoreResult};

/// The schema steps, in order; step `n` brings `user_version` from `n - 1` to `n`. Each
/// is frozen in `tests/fixtures/step_n.sql` once written.
pub const SCHEMA_STEPS: &[&str] = &[
    // step 1: the foundation
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
    // step 2: plans, visits, the service log
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
    // step 3: the case — applications, decisions, contracts, assessments, referrals
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
    // step 4: find a member's memberships (home views); backfilled from the records
    r#"
    ALTER TABLE memberships ADD COLUMN member TEXT;
    UPDATE memberships SET member = CASE
        WHEN json_extract(doc, '$.member.Worker') IS NOT NULL
            THEN 'worker:' || json_extract(doc, '$.member.Worker')
        ELSE 'person:' || json_extract(doc, '$.member.Person') END;
    CREATE INDEX memberships_by_member ON memberships(member);
    "#,
    // step 5: deaths and register notices
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
    // step 6: disclosures
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
    // step 7: retention holds and destruction acts
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
    // step 8: the audit log's index by file leaves out the entries about no file
    r#"
    DROP INDEX audit_by_file;
    CREATE INDEX audit_by_file ON audit_log(file) WHERE file IS NOT NULL;
    "#,
];

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
    for (i, step) in SCHEMA_STEPS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(step).map_err(backend)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}
