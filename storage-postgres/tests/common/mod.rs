//! What the PostgreSQL store's test files share: a schema of their own on the server at
//! `TEHO_POSTGRES_URL`, or a loud skip under `TEHO_SKIP_POSTGRES=1`.

#![allow(dead_code)] // each test file uses what it needs

use teho_core::ClientFiles;
use teho_core::access::Actor;
use teho_core::org::{NewAdministrator, NewOrganization, Organization, OrganizationKind, Worker};

/// The server's URL, or `None` (said loudly) when `TEHO_SKIP_POSTGRES=1` skips `what`.
pub fn base(what: &str) -> Option<String> {
    if std::env::var("TEHO_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! TEHO_SKIP_POSTGRES=1: PostgreSQL {what} tests SKIPPED !!!");
        return None;
    }
    Some(
        std::env::var("TEHO_POSTGRES_URL")
            .expect("TEHO_POSTGRES_URL (./scripts/test starts a private PostgreSQL)"),
    )
}

/// A URL whose connections work in the fresh schema `schema` (made when missing) and
/// carry its name as their `application_name`, so that a test finds its own
/// connections on the server; `None` when skipped.
pub fn url(what: &str, schema: &str) -> Option<String> {
    let base = base(what)?;
    let url = teho_postgres::url_in_schema(&base, schema).expect("a schema of the test's own");
    Some(format!("{url}&application_name={schema}"))
}

/// Bootstraps `engine`'s empty store: the city and its administrator.
pub fn bootstrap(engine: &ClientFiles) -> (Organization, Worker) {
    engine
        .bootstrap(
            &Actor::System,
            NewOrganization {
                name: "Linn".into(),
                kind: OrganizationKind::Municipality,
                registry_code: None,
            },
            NewAdministrator {
                personal_code: teho_core::testing::code("3800101001"),
                given_name: "A".into(),
                family_name: "B".into(),
                employed_from: teho_core::testing::day(2020, 1, 1),
            },
        )
        .expect("bootstrap")
}
