//! `teho-bench`: TEHO's benchmark workloads, run by `benches/run` in release mode. Each
//! workload prints one line: our figure, the peer's where there is one, the ratio, and
//! pass/fail against the target of issue 8. Workloads are generated from `--seed`.
//!
//! Implemented so far: authorization (workload 4). Expansion, storing a horizon, queries,
//! audit and regeneration are still to come.

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
        }
    } else {
        Sizes {
            clients: 2_000,
            workers: 200,
            calls: 2_000_000,
        }
    };
    println!(
        "{:<16}| {:<34}| {:<5}| {:<6}| {:<13}| result",
        "workload", "ours", "peer", "ratio", "target"
    );
    let ok = authorization(&sizes, seed);
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
    println!(
        "{:<16}| {ours:<34}| {:<5}| {:<6}| {:<13}| {}",
        "authorize",
        "-",
        "-",
        "< 1000 ns",
        if pass { "PASS" } else { "FAIL" }
    );
    pass
}
