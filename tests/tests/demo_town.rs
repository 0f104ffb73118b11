//! The demo town, defined once as data (`demo/town.json`, issue 20): it plays through
//! the host door on every run of `teho demo` and of the browser demo; here it is played
//! on a memory store and its shape checked, so an edit that breaks it fails a test
//! before it breaks either demo.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use serde_json::Value;
use teho_core::host::{Host, HostClock};
use teho_core::store::MemoryStore;
use teho_tests::tallinn;

const TOWN: &str = include_str!("../../demo/town.json");

fn call(host: &Host, actor: &Value, command: &str, args: Value) -> Value {
    let request = serde_json::json!({"command": command, "args": args});
    serde_json::from_str(&host.call(&actor.to_string(), &request.to_string()).unwrap()).unwrap()
}

#[test]
fn the_demo_town_plays_and_holds_what_both_demos_show() {
    let host = Host::open(
        Arc::new(MemoryStore::new()),
        HostClock::Fixed(tallinn(2026, 10, 5, 9, 0)),
    )
    .unwrap();
    let saved = host.play(TOWN).unwrap();
    let id = |name: &str| saved[name]["id"].clone();
    let worker = |name: &str| serde_json::json!({"Worker": id(name)});
    // Every actor the page lists exists with the role it is listed under.
    for (name, role) in [
        ("sw", "SocialWorker"),
        ("cm", "CareManager"),
        ("cw", "CareWorker"),
        ("departed_cw", "CareWorker"),
        ("other_cw", "CareWorker"),
        ("nm", "NursingManager"),
        ("nurse", "HomeNurse"),
        ("substitute", "HomeNurse"),
        ("hospital_sw", "HospitalSocialWorker"),
        ("head", "SocialWelfareHead"),
        ("supervisor", "Supervisor"),
    ] {
        assert_eq!(saved[name]["role"], role, "{name}");
    }
    // Laine's network: the relative, both providers' managers and workers, Anu.
    let network = call(
        &host,
        &worker("sw"),
        "network",
        serde_json::json!({"file": id("file")}),
    );
    assert_eq!(network.as_array().unwrap().len(), 7, "{network}");
    // The week of 5–11 October as recorded: Mon–Sat care (Wednesday not done), Monday
    // and Thursday nursing done, Sunday open.
    let week = call(
        &host,
        &worker("cm"),
        "client_calendar",
        serde_json::json!({"file": id("file"), "from": "2026-10-05", "to": "2026-10-11"}),
    );
    let statuses: Vec<&str> = week
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["visit"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "Done", "Done", "Done", "NotDone", "Done", "Done", "Done", "Done", "Planned"
        ],
        "{week}"
    );
    // The substitution the page's clock crosses: Piret stands in for Teisi 9–13
    // November, and is refused after it.
    let card = serde_json::json!({"command": "client_card", "args": {"file": id("file")}});
    let piret = worker("substitute").to_string();
    host.set_clock("2026-10-13T11:00:00Z").unwrap();
    assert!(host.call(&piret, &card.to_string()).is_ok());
    host.set_clock("2026-10-19T11:00:00Z").unwrap();
    let refused = host.call(&piret, &card.to_string()).unwrap_err();
    assert_eq!(refused.kind, "access_denied", "{}", refused.message);
    let head = host.engine().chain_length().unwrap();
    let verified = call(
        &host,
        &Value::from("System"),
        "verify_audit",
        serde_json::json!({"checkpoint": null}),
    );
    assert_eq!(verified["first_break"], Value::Null);
    assert_eq!(verified["entries"], head);
}
