//! Workload 4: `authorize` on a network of realistic size.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use teho_core::access::{
    Action, ActorFacts, ClientFacts, DataCategory, Decision, Target, Visibility, authorize,
};
use teho_core::ids::{ClientFileId, MembershipId, OrganizationId, PersonId, WorkerId};
use teho_core::network::{Member, Membership};
use teho_core::org::{OrganizationKind, Role};
use uuid::Uuid;

use crate::{Options, Outcome, Rng, day, judged};

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

/// Workload 4: `authorize` calls per second on a network of realistic size; the target is
/// under 1 µs a call. Half the calls are by a member of the client's network.
pub fn authorization(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let sizes = &opts.sizes;
    let mut rng = Rng(opts.seed);
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
    Ok(vec![judged(
        "authorize",
        &ours,
        "-",
        "-",
        "< 1000 ns",
        pass,
    )])
}
