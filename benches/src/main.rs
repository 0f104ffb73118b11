//! `teho-bench`: TEHO's benchmark workloads, run by `benches/run` in release mode. Each
//! workload prints one line: our figure, the peer's where there is one, the ratio, and
//! pass/fail against the target of issue 8. Workloads are generated from `--seed`.
//!
//! Implemented so far: authorization (workload 4) and audit (workload 5). Expansion,
//! storing a horizon, queries and regeneration are still to come.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use teho_core::access::{Action, ClientFacts};
use teho_core::access::{ActorFacts, DataCategory, Decision, Target, Visibility, authorize};
use teho_core::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, WorkerId};
use teho_core::network::{Member, Membership};
use teho_core::org::{OrganizationKind, Role};
use uuid::Uuid;

/// Workload sizes: `--full` or the quick default.
struct Sizes {
    clients: u32,
    workers: u32,
    calls: u64,
    audit_calls: u64,
}

/// A small deterministic generator (SplitMix64), so a seed gives the same workload.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> ExitCode {
    let mut full = false;
    let mut seed = 7u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--full" => full = true,
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => {
                    eprintln!("teho-bench: --seed needs a whole number");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("teho-bench: unknown argument {other:?} (expected --full, --seed N)");
                return ExitCode::from(2);
            }
        }
    }
    let sizes = if full {
        Sizes {
            clients: 10_000,
            workers: 1_000,
            calls: 20_000_000,
            audit_calls: 20_000,
        }
    } else {
        Sizes {
            clients: 2_000,
            workers: 200,
            calls: 2_000_000,
            audit_calls: 2_000,
        }
    };
    line("workload", "ours", "peer", "ratio", "target", "result");
    let ok = authorization(&sizes, seed);
    if let Err(problem) = audit(&sizes) {
        eprintln!("teho-bench: audit workload failed: {problem}");
        return ExitCode::FAILURE;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The workers of the town: a tenth of them managers, the rest field workers, spread over
/// a city department, 20 home-care and 10 home-nursing providers.
fn workers(n: u32) -> Vec<ActorFacts> {
    (0..n)
        .map(|i| {
            let (role, org, kind) = match i % 10 {
                0 => (Role::SocialWorker, 0, OrganizationKind::Municipality),
                1 => (
                    Role::CareManager,
                    1 + i % 20,
                    OrganizationKind::HomeCareProvider,
                ),
                2 => (
                    Role::NursingManager,
                    21 + i % 10,
                    OrganizationKind::HomeNursingProvider,
                ),
                3 | 4 => (
                    Role::HomeNurse,
                    21 + i % 10,
                    OrganizationKind::HomeNursingProvider,
                ),
                _ => (
                    Role::CareWorker,
                    1 + i % 20,
                    OrganizationKind::HomeCareProvider,
                ),
            };
            ActorFacts::Worker {
                id: WorkerId(Uuid::from_u128(0x1_0000 + u128::from(i))),
                role,
                organization: OrganizationId(Uuid::from_u128(0x2_0000 + u128::from(org))),
                organization_kind: kind,
                employed_from: day(2020, 1, 1),
                employed_until: None,
                supervision: None,
            }
        })
        .collect()
}

/// Each client's network: 6–9 workers of the town (some memberships already ended) and a
/// relative, as a Tallinn client of home care and home nursing has.
fn clients(n: u32, staff: &[ActorFacts], rng: &mut Rng) -> Vec<ClientFacts> {
    let mut next_membership = 0u128;
    (0..n)
        .map(|i| {
            let file = ClientFileId(Uuid::from_u128(0x3_0000 + u128::from(i)));
            let members = 6 + rng.below(4);
            let mut network = Vec::new();
            for _ in 0..members {
                let ActorFacts::Worker {
                    id,
                    role,
                    organization,
                    ..
                } = staff[rng.below(staff.len() as u64) as usize]
                else {
                    continue;
                };
                next_membership += 1;
                let ended = rng.below(5) == 0;
                network.push(Membership {
                    id: MembershipId(Uuid::from_u128(0x4_0000 + next_membership)),
                    file,
                    member: Member::Worker(id),
                    role,
                    provider: Some(organization),
                    valid_from: day(2026, 1, 1),
                    valid_until: ended.then(|| day(2026, 6, 30)),
                });
            }
            network.push(Membership {
                id: MembershipId(Uuid::from_u128(0x4_0000 + next_membership + 1)),
                file,
                member: Member::Person(PersonId(Uuid::from_u128(0x5_0000 + u128::from(i)))),
                role: Role::Relative,
                provider: None,
                valid_from: day(2026, 1, 1),
                valid_until: None,
            });
            next_membership += 1;
            ClientFacts {
                file,
                client: PersonId(Uuid::from_u128(0x6_0000 + u128::from(i))),
                network,
                substitutions: Vec::new(),
                directions: Vec::new(),
                deceased_on: None,
            }
        })
        .collect()
}

/// One line of the table.
fn line(workload: &str, ours: &str, peer: &str, ratio: &str, target: &str, result: &str) {
    println!("{workload:<16}| {ours:<34}| {peer:<10}| {ratio:<6}| {target:<13}| {result}");
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Workload 4: `authorize` calls per second on a network of realistic size; the target is
/// under 1 µs a call. Half the calls are by a member of the client's network.
fn authorization(sizes: &Sizes, seed: u64) -> bool {
    let mut rng = Rng(seed);
    let staff = workers(sizes.workers);
    let files: Vec<Target> = clients(sizes.clients, &staff, &mut rng)
        .into_iter()
        .map(Target::Client)
        .collect();
    let at: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    // The queries are drawn before timing, so the loop measures authorize alone.
    let queries: Vec<(usize, usize, Action)> = (0..sizes.calls.min(1 << 20))
        .map(|_| {
            let f = rng.below(files.len() as u64) as usize;
            let actor = match (&files[f], rng.below(2)) {
                (Target::Client(c), 0) => {
                    match c.network[rng.below(c.network.len() as u64) as usize].member {
                        // Worker ids are 0x1_0000 + their index in `staff`.
                        Member::Worker(w) => (w.0.as_u128() - 0x1_0000) as usize,
                        Member::Person(_) => 0,
                    }
                }
                _ => rng.below(staff.len() as u64) as usize,
            };
            let category = DataCategory::ALL[rng.below(DataCategory::ALL.len() as u64) as usize];
            (actor, f, Action::Read(category, Visibility::Network))
        })
        .collect();
    let mut allowed = 0u64;
    let started = Instant::now();
    for i in 0..sizes.calls {
        let (actor, file, action) = &queries[(i as usize) % queries.len()];
        if let Decision::Allow(_) = black_box(authorize(&staff[*actor], action, &files[*file], at))
        {
            allowed += 1;
        }
    }
    let elapsed = started.elapsed();
    let ns = elapsed.as_nanos() as f64 / sizes.calls as f64;
    let pass = ns < 1000.0;
    let ours = format!(
        "{ns:.1} ns/call ({:.1} % allowed)",
        100.0 * allowed as f64 / sizes.calls as f64
    );
    line(
        "authorize",
        &ours,
        "-",
        "-",
        "< 1000 ns",
        if pass { "PASS" } else { "FAIL" },
    );
    pass
}

/// Workload 5: audit entries appended through the engine on SQLite (each call is one
/// transaction holding its one audit entry), and `verify`, against a raw hash chain of the
/// same shape on rusqlite with the same pragmas (WAL, `synchronous=FULL`), one entry per
/// transaction and all in one transaction.
fn audit(sizes: &Sizes) -> Result<(), String> {
    use teho_core::ClientFiles;
    use teho_core::access::Actor;
    use teho_core::org::{NewAdministrator, NewOrganization};
    use teho_core::person::PersonalCode;
    use teho_core::ports::{FixedClock, SequentialIds};

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let n = sizes.audit_calls;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let store =
        teho_storage::SqliteStore::open(dir.path().join("engine.db")).map_err(|e| e.to_string())?;
    let engine = ClientFiles::new(store, FixedClock::new(at), SequentialIds::new(0xbe));
    let (_, admin) = engine
        .bootstrap(
            &Actor::System,
            NewOrganization {
                name: "Tallinna Sotsiaal- ja Tervishoiuamet".into(),
                kind: OrganizationKind::Municipality,
                registry_code: None,
            },
            NewAdministrator {
                personal_code: PersonalCode::parse("38001010015").map_err(|e| e.to_string())?,
                given_name: "Mari".into(),
                family_name: "Haldur".into(),
                employed_from: day(2020, 1, 1),
            },
        )
        .map_err(|e| e.to_string())?;
    let admin = Actor::Worker(admin.id);
    let started = Instant::now();
    for _ in 0..n {
        black_box(engine.inbox(&admin).map_err(|e| e.to_string())?);
    }
    let ours_append = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let report = engine
        .verify_audit(&Actor::System, None)
        .map_err(|e| e.to_string())?;
    let ours_verify = report.entries as f64 / started.elapsed().as_secs_f64();
    if !report.is_intact() {
        return Err(format!(
            "the engine's chain broke: {:?}",
            report.first_break
        ));
    }

    let raw = RawChain::open(&dir.path().join("raw.db")).map_err(|e| e.to_string())?;
    let started = Instant::now();
    raw.append(n, false).map_err(|e| e.to_string())?;
    let raw_single = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    raw.append(n, true).map_err(|e| e.to_string())?;
    let raw_batched = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let checked = raw.verify().map_err(|e| e.to_string())?;
    let raw_verify = checked as f64 / started.elapsed().as_secs_f64();

    let rate = |r: f64| format!("{:.0}/s", r);
    let single = ours_append / raw_single;
    line(
        "audit, 1 per tx",
        &format!("{} entries, 1 per call", rate(ours_append)),
        &rate(raw_single),
        &format!("{:.2}", single),
        ">= 0.50",
        if single >= 0.5 { "PASS" } else { "FAIL" },
    );
    line(
        "audit, batched",
        "n/a: the engine writes 1 per call",
        &rate(raw_batched),
        "-",
        ">= 0.50",
        "NOT MEASURED",
    );
    let verify = ours_verify / raw_verify;
    line(
        "audit verify",
        &format!("{} entries", rate(ours_verify)),
        &rate(raw_verify),
        &format!("{:.2}", verify),
        "(none)",
        "-",
    );
    Ok(())
}

/// The peer for the audit workload: a hash chain `hash = sha256(prev ":" seq ":"
/// sha256(content))` in one SQLite table, as a user would write it by hand.
struct RawChain {
    conn: rusqlite::Connection,
}

impl RawChain {
    fn open(path: &std::path::Path) -> rusqlite::Result<Self> {
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE chain (seq INTEGER PRIMARY KEY, content TEXT NOT NULL,
             digest TEXT NOT NULL, hash TEXT NOT NULL)",
        )?;
        Ok(Self { conn })
    }

    fn append(&self, n: u64, batched: bool) -> rusqlite::Result<()> {
        let (mut seq, mut prev): (u64, String) = self
            .conn
            .query_row(
                "SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .unwrap_or((0, String::new()));
        if batched {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        for _ in 0..n {
            seq += 1;
            let content = format!(
                r#"{{"seq":{seq},"at":"2026-11-23T10:00:00Z","actor":{{"Worker":"00000000-0000-00be-0000-000000000002"}},"actor_name":"Mari Haldur","actor_code":"38001010015","action":"notification.inbox","object":"inbox","outcome":"Allowed","basis":"OwnInbox"}}"#
            );
            let digest = hex(&sha(content.as_bytes()));
            let hash = hex(&sha(format!("{prev}:{seq}:{digest}").as_bytes()));
            if !batched {
                self.conn.execute_batch("BEGIN IMMEDIATE")?;
            }
            self.conn.execute(
                "INSERT INTO chain (seq, content, digest, hash) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![seq as i64, content, digest, hash],
            )?;
            if !batched {
                self.conn.execute_batch("COMMIT")?;
            }
            prev = hash;
        }
        if batched {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Recomputes every link; returns how many entries were checked.
    fn verify(&self) -> Result<u64, String> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, content, digest, hash FROM chain ORDER BY seq")
            .map_err(|e| e.to_string())?;
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let (mut prev, mut count) = (String::new(), 0u64);
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let seq: i64 = row.get(0).map_err(|e| e.to_string())?;
            let content: String = row.get(1).map_err(|e| e.to_string())?;
            let digest: String = row.get(2).map_err(|e| e.to_string())?;
            let hash: String = row.get(3).map_err(|e| e.to_string())?;
            if hex(&sha(content.as_bytes())) != digest
                || hex(&sha(format!("{prev}:{seq}:{digest}").as_bytes())) != hash
            {
                return Err(format!("raw chain broken at {seq}"));
            }
            prev = hash;
            count += 1;
        }
        Ok(count)
    }
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
