//! The PostgreSQL schema, step by step (`teho_schema.version` counts the steps applied),
//! in PostgreSQL's dialect and frozen once landed, as SQLite's are.
//!
//! Step 1: one table per kind of record (`pos`, an identity column that keeps the
//! insertion order; `id` the record's uuid; `v` the version of its encoding; the columns
//! the kind declares — ids as `uuid`, instants as microseconds in `bigint`, text with the
//! `"C"` collation, so that orderings match SQLite's byte order; `doc` the encoded rest),
//! indexed by every declared column. The audit log: `audit_head` (one row per chain: the
//! newest entry's `seq` and `hash`, locked by every unit that appends, and moved only one
//! entry forward), `audit_log` (`seq` the primary key, `prev_hash` unique — no two entries
//! ever seal after the same one — `hash`, `file`, and the whole `entry` as JSON) and
//! `audit_files` (`file`, `seq`: every file an entry is about or disclosed, for a client's
//! access log). Triggers refuse UPDATE, DELETE and TRUNCATE on the log.
//!
//! Step 2: the head row moves once per transaction, forward onto the log's last entry
//! (trigger `audit_head_forward`); the entry JSON of new rows leaves out what the row's
//! columns hold (`seq`, `prev_hash`, `hash`, `file`; no SQL needed: the store fills them
//! in from the columns on reading); the visits' single-column worker and file indexes go
//! (the (worker, start) and (file, start) ones answer their lookups); `teho_data_version`
//! counts the transactions that wrote a record — the engine's, bumped as they commit,
//! and anyone else's, by statement triggers `<table>_written` and `<table>_truncated` on
//! every record table — for the connections' read caches.

use postgres::Client;
use teho_core::store::{StoreError, StoreResult};

use crate::pg_error;

/// Step 1: records, the audit chain and its head.
const STEP_1: &str = r#"
    CREATE TABLE organizations (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        kind text COLLATE "C",
        doc bytea NOT NULL
    );
    CREATE INDEX organizations_by_pos ON organizations (pos);
    CREATE INDEX organizations_by_kind ON organizations (kind);
    CREATE TABLE workers (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        organization uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX workers_by_pos ON workers (pos);
    CREATE INDEX workers_by_organization ON workers (organization);
    CREATE TABLE persons (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        identity_key text COLLATE "C",
        doc bytea NOT NULL
    );
    CREATE INDEX persons_by_pos ON persons (pos);
    CREATE INDEX persons_by_identity_key ON persons (identity_key);
    CREATE TABLE client_files (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        client uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX client_files_by_pos ON client_files (pos);
    CREATE INDEX client_files_by_client ON client_files (client);
    CREATE TABLE client_cards (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX client_cards_by_pos ON client_cards (pos);
    CREATE TABLE memberships (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        member uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX memberships_by_pos ON memberships (pos);
    CREATE INDEX memberships_by_file ON memberships (file);
    CREATE INDEX memberships_by_member ON memberships (member);
    CREATE TABLE substitutions (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        substitute uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX substitutions_by_pos ON substitutions (pos);
    CREATE INDEX substitutions_by_substitute ON substitutions (substitute);
    CREATE TABLE entries (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX entries_by_pos ON entries (pos);
    CREATE INDEX entries_by_file ON entries (file);
    CREATE TABLE notifications (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        recipient uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX notifications_by_pos ON notifications (pos);
    CREATE INDEX notifications_by_recipient ON notifications (recipient);
    CREATE TABLE compliance_breaches (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        organization uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX compliance_breaches_by_pos ON compliance_breaches (pos);
    CREATE INDEX compliance_breaches_by_organization ON compliance_breaches (organization);
    CREATE TABLE plans (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX plans_by_pos ON plans (pos);
    CREATE INDEX plans_by_file ON plans (file);
    CREATE TABLE plan_items (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        plan uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX plan_items_by_pos ON plan_items (pos);
    CREATE INDEX plan_items_by_plan ON plan_items (plan);
    CREATE TABLE visits (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        plan_item uuid,
        start_us bigint,
        end_us bigint,
        worker uuid,
        provider uuid,
        status bigint,
        doc bytea NOT NULL
    );
    CREATE INDEX visits_by_pos ON visits (pos);
    CREATE INDEX visits_by_file ON visits (file);
    CREATE INDEX visits_by_plan_item ON visits (plan_item);
    CREATE INDEX visits_by_worker ON visits (worker);
    CREATE INDEX visits_by_provider ON visits (provider);
    CREATE TABLE service_log (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        worker uuid,
        provider uuid,
        actual_start_us bigint,
        doc bytea NOT NULL
    );
    CREATE INDEX service_log_by_pos ON service_log (pos);
    CREATE INDEX service_log_by_file ON service_log (file);
    CREATE INDEX service_log_by_worker ON service_log (worker);
    CREATE INDEX service_log_by_provider ON service_log (provider);
    CREATE INDEX service_log_by_actual_start_us ON service_log (actual_start_us);
    CREATE TABLE applications (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX applications_by_pos ON applications (pos);
    CREATE INDEX applications_by_file ON applications (file);
    CREATE TABLE decisions (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX decisions_by_pos ON decisions (pos);
    CREATE INDEX decisions_by_file ON decisions (file);
    CREATE TABLE contracts (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX contracts_by_pos ON contracts (pos);
    CREATE INDEX contracts_by_file ON contracts (file);
    CREATE TABLE assessments (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX assessments_by_pos ON assessments (pos);
    CREATE INDEX assessments_by_file ON assessments (file);
    CREATE TABLE referrals (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        patient uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX referrals_by_pos ON referrals (pos);
    CREATE INDEX referrals_by_patient ON referrals (patient);
    CREATE TABLE deaths (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX deaths_by_pos ON deaths (pos);
    CREATE TABLE register_notices (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        code text COLLATE "C",
        doc bytea NOT NULL
    );
    CREATE INDEX register_notices_by_pos ON register_notices (pos);
    CREATE INDEX register_notices_by_code ON register_notices (code);
    CREATE TABLE disclosures (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX disclosures_by_pos ON disclosures (pos);
    CREATE INDEX disclosures_by_file ON disclosures (file);
    CREATE TABLE report_submissions (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX report_submissions_by_pos ON report_submissions (pos);
    CREATE TABLE restrictions (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        file uuid,
        doc bytea NOT NULL
    );
    CREATE INDEX restrictions_by_pos ON restrictions (pos);
    CREATE INDEX restrictions_by_file ON restrictions (file);
    CREATE TABLE holds (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX holds_by_pos ON holds (pos);
    CREATE TABLE destruction_acts (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX destruction_acts_by_pos ON destruction_acts (pos);
    CREATE TABLE visit_texts (
        pos bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        v integer NOT NULL,
        doc bytea NOT NULL
    );
    CREATE INDEX visit_texts_by_pos ON visit_texts (pos);
    CREATE INDEX visits_by_worker_start ON visits (worker, start_us);
    CREATE INDEX visits_by_file_start ON visits (file, start_us);
    CREATE INDEX visits_by_provider_status ON visits (provider, status);
    CREATE TABLE audit_head (
        chain smallint PRIMARY KEY,
        seq bigint NOT NULL,
        hash text NOT NULL
    );
    INSERT INTO audit_head (chain, seq, hash)
        VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
    CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        prev_hash text NOT NULL UNIQUE,
        hash text NOT NULL,
        file uuid,
        entry json NOT NULL
    );
    CREATE TABLE audit_files (
        file uuid NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (file, seq)
    );
    CREATE FUNCTION teho_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END
    $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION teho_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION teho_append_only();
    CREATE TRIGGER audit_files_append_only BEFORE UPDATE OR DELETE ON audit_files
        FOR EACH ROW EXECUTE FUNCTION teho_append_only();
    CREATE TRIGGER audit_files_no_truncate BEFORE TRUNCATE ON audit_files
        FOR EACH STATEMENT EXECUTE FUNCTION teho_append_only();
    CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION teho_append_only();
    CREATE TRIGGER audit_head_one_forward BEFORE UPDATE ON audit_head
        FOR EACH ROW WHEN (NEW.seq <> OLD.seq + 1 OR NEW.chain <> OLD.chain)
        EXECUTE FUNCTION teho_append_only();
"#;

/// Step 2: the chain's head row moves once per transaction — to the last entry the
/// transaction appended — instead of once per entry (a batch of 10,000 calls left 10,000
/// versions of the one row, each lookup walking them). The trigger now lets it move
/// forward by any number of entries, but only onto the last entry of the log, with its
/// hash, when every entry in between is there. The visits' single-column indexes on the
/// worker and the file go: the (worker, start) and (file, start) ones of step 1 answer
/// every lookup they did, and each visit written updated both. `teho_data_version.n`
/// counts the transactions that wrote any record — the engine bumps it as its own
/// commit, and statement triggers on every record table bump it for any other writer
/// (an operator's SQL), once per transaction: a query's snapshot reads it, and a
/// connection's read cache is kept while it holds, as SQLite's `data_version` keeps its.
const STEP_2: &str = r#"
    DROP TRIGGER audit_head_one_forward ON audit_head;
    CREATE FUNCTION teho_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Each lookup through the primary key (max() reads its last entry): the
            -- trigger runs under the head lock, at every commit.
            IF NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq
               OR NEW.seq IS DISTINCT FROM (SELECT max(seq) FROM audit_log)
               OR NEW.hash IS DISTINCT FROM (SELECT hash FROM audit_log WHERE seq = NEW.seq)
               OR (SELECT count(*) FROM audit_log WHERE seq > OLD.seq AND seq <= NEW.seq)
                  <> NEW.seq - OLD.seq
            THEN
                RAISE EXCEPTION 'audit_head moves only forward, onto the last entry (% to %)',
                    OLD.seq, NEW.seq;
            END IF;
            RETURN NEW;
        END
    $$;
    CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION teho_head_forward();
    DROP INDEX visits_by_worker;
    DROP INDEX visits_by_file;
    CREATE TABLE teho_data_version (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        n bigint NOT NULL,
        xact xid8 NOT NULL
    );
    INSERT INTO teho_data_version (n, xact) VALUES (0, '0');
    CREATE FUNCTION teho_data_written() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE teho_data_version SET n = n + 1, xact = pg_current_xact_id()
                WHERE xact <> pg_current_xact_id();
            RETURN NULL;
        END
    $$;
    DO $$
        DECLARE t text;
        BEGIN
            FOR t IN SELECT c.table_name FROM information_schema.columns c
                      WHERE c.table_schema = current_schema() AND c.column_name = 'doc'
            LOOP
                -- The engine marks its own transactions and bumps the version once, as
                -- it commits; every other writer's statement bumps it here.
                EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE '
                    'ON %I FOR EACH STATEMENT '
                    'WHEN (current_setting(''teho.engine'', true) IS DISTINCT FROM ''on'') '
                    'EXECUTE FUNCTION teho_data_written()',
                    t || '_written', t);
                EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                    'FOR EACH STATEMENT EXECUTE FUNCTION teho_data_written()',
                    t || '_truncated', t);
            END LOOP;
        END
    $$;
"#;

/// Every step, in order; a step, once landed, is never edited.
pub const SCHEMA_STEPS: &[&str] = &[STEP_1, STEP_2];

/// The schema version this build writes: the number of steps.
pub const SCHEMA_VERSION: i64 = SCHEMA_STEPS.len() as i64;

/// The version of TEHO's schema in the connection's schema (`search_path`), or `None`
/// when it holds none.
pub(crate) fn version(client: &mut Client) -> StoreResult<Option<i64>> {
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_name = 'teho_schema')",
            &[],
        )
        .map_err(pg_error)?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let v: i32 = client
        .query_one("SELECT version FROM teho_schema", &[])
        .map_err(pg_error)?
        .get(0);
    Ok(Some(i64::from(v)))
}

/// Makes TEHO's schema in a schema that holds none, in one transaction.
pub(crate) fn create(client: &mut Client) -> StoreResult<()> {
    let mut tx = client.transaction().map_err(pg_error)?;
    let tables: i64 = tx
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(pg_error)?
        .get(0);
    if tables > 0 {
        return Err(StoreError::FileNotEmpty {
            problem: format!("the schema holds {tables} table(s) already"),
        });
    }
    tx.batch_execute(
        "CREATE TABLE teho_schema (version integer NOT NULL); INSERT INTO teho_schema VALUES (0);",
    )
    .map_err(pg_error)?;
    tx.commit().map_err(pg_error)?;
    migrate(client)
}

/// Brings the schema up to [`SCHEMA_VERSION`], step by step, in one transaction that
/// first locks `teho_schema` (two processes never migrate at once); a schema newer than
/// this build is refused and left as it was.
pub(crate) fn migrate(client: &mut Client) -> StoreResult<()> {
    let mut tx = client.transaction().map_err(pg_error)?;
    tx.batch_execute("LOCK TABLE teho_schema IN ACCESS EXCLUSIVE MODE")
        .map_err(pg_error)?;
    let found: i32 = tx
        .query_one("SELECT version FROM teho_schema", &[])
        .map_err(pg_error)?
        .get(0);
    let found = i64::from(found);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, step) in SCHEMA_STEPS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(step).map_err(pg_error)?;
        let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tx.execute("UPDATE teho_schema SET version = $1", &[&v])
            .map_err(pg_error)?;
    }
    tx.commit().map_err(pg_error)
}
