//! Every command writes exactly one audit entry per call, under the audit name the API
//! description declares for it — allowed, denied or failed (seed 002 §9: every entry and
//! every query is logged). The calls are derived from the API description itself: each
//! command's arguments are made from its JSON Schema (ids taken from the town by the
//! argument's name), and each is called by an actor without standing, by five workers
//! of different roles and by the operator (`api::actors`). A new command is covered without a line here.
//! The one exception is declared by its result: a verification that finds the chain
//! broken (or not matching a checkpoint) appends nothing to it (issue 17, item 6).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::engine::Operation;
use crate::store::{Records, Unit};
use crate::testing::Town;
use crate::testing::api::{Shape, actors, requests};

fn every_command_writes_one_audit_entry_under_its_declared_name(t: Town) {
    let requests = requests(&t, Shape::Valid);
    assert_eq!(requests.len(), Operation::ALL.len());
    let actors = actors(&t);
    let store = t.engine.store();
    for (name, audit_name, request) in requests {
        assert_eq!(request.operation().audit_name(), audit_name, "{name}");
        for actor in &actors {
            let before = t.engine.chain_length().unwrap();
            let outcome = t.engine.execute(actor, request.clone());
            let written = Records::new(store.begin(Unit::QUERY).unwrap())
                .audit_page(before + 1, 10)
                .unwrap();
            let found_broken = outcome
                .as_ref()
                .is_ok_and(|v| v.get("first_break").is_some_and(|b| !b.is_null()));
            if found_broken {
                assert_eq!(
                    written.len(),
                    0,
                    "{name} as {actor:?} appended to a broken chain"
                );
                continue;
            }
            assert_eq!(
                written.len(),
                1,
                "{name} as {actor:?} ({:?}) wrote {} entries",
                outcome.as_ref().err(),
                written.len()
            );
            assert_eq!(
                written[0].operation, audit_name,
                "{name} as {actor:?} was audited under another name"
            );
            let expected = outcome.as_ref().map_or_else(|e| e.kind(), |_| "ok");
            assert_eq!(written[0].outcome, expected, "{name} as {actor:?}");
        }
    }
}

crate::testing::tests![every_command_writes_one_audit_entry_under_its_declared_name];
