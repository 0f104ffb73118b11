//! A memory store saved as an image and loaded back (issue 20, item 2: the browser demo
//! keeps what a user did): the loaded store answers as before and goes on with the same
//! chain; an image edited outside TEHO is refused, naming the part, never its content.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use teho_core::access::Actor;
use teho_core::ports::{FixedClock, SequentialIds};
use teho_core::store::{MemoryStore, Row, StoreImage, Value};
use teho_core::{ClientFiles, TehoError};
use teho_tests::{Town, day, tallinn};

/// A town with a planned week, one visit done with a detail, one not done with a reason.
fn lived_in() -> (Town, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let town = Town::build_shared(store.clone(), 1);
    town.plan_week();
    town.clock.set(tallinn(2026, 11, 4, 18, 0));
    town.record_two_visits(day(2026, 11, 2), "Ate well");
    (town, store)
}

fn reopened(store: MemoryStore) -> ClientFiles {
    ClientFiles::new(
        store,
        FixedClock::new(tallinn(2026, 11, 4, 18, 0)),
        SequentialIds::new(99),
    )
}

fn refusal(image: StoreImage) -> (String, String) {
    refused(MemoryStore::from_image(image))
}

/// The value and problem of an `invalid_input` on `image`.
fn refused(loaded: teho_core::TehoResult<MemoryStore>) -> (String, String) {
    match loaded {
        Err(TehoError::InvalidInput {
            field,
            value,
            problem,
        }) => {
            assert_eq!(field, "image");
            (value, problem)
        }
        Err(other) => panic!("not an invalid_input: {other:?}"),
        Ok(_) => panic!("an edited image was loaded"),
    }
}

#[test]
fn a_loaded_image_answers_every_query_as_the_saved_store_and_the_chain_goes_on() {
    let (town, store) = lived_in();
    let rel = Actor::Person(town.relative);
    let cm = Actor::Worker(town.care_manager);
    let look = |e: &ClientFiles| {
        (
            e.client_file(&cm, town.file).unwrap(),
            e.client_calendar(&rel, town.file, day(2026, 11, 1), day(2026, 12, 31))
                .unwrap(),
            e.service_log(&cm, town.file, day(2026, 11, 1), day(2026, 11, 30))
                .unwrap(),
            e.inbox(&cm).unwrap(),
        )
    };
    let before = look(&town.engine);
    assert_eq!(before.2.len(), 1, "the visit done is in the service log");
    let text = store.image_json().unwrap();
    let entries = store.audit_len();

    let loaded = MemoryStore::from_image_json(&text).unwrap();
    assert_eq!(loaded.image(), store.image(), "the image round-trips whole");
    let engine = reopened(loaded);
    // The queries are audited too, on both sides, so the chain grows alike.
    assert_eq!(look(&engine), before);
    let report = engine.verify_audit_deep(&Actor::System, None).unwrap();
    assert!(report.is_intact(), "{report:?}");
    // The saved chain and the four reads made on the loaded store (the verification's
    // own entry is sealed after it).
    assert_eq!(report.entries, entries as u64 + 4);
}

/// A tamper of one table's rows, and the id it should be refused by.
type Tamper = fn(&mut Vec<Row>) -> uuid::Uuid;

#[test]
fn an_edited_removed_or_foreign_record_is_refused_naming_its_kind_and_id() {
    let (_town, store) = lived_in();
    let edited: Tamper = |rows| {
        if let Some(last) = rows[0].doc.last_mut() {
            *last ^= 1;
        }
        rows[0].id
    };
    let removed: Tamper = |rows| rows.remove(3).id;
    let foreign: Tamper = |rows| {
        let mut copy = rows[0].clone();
        copy.id = uuid::Uuid::from_u128(0xfeed);
        let id = copy.id;
        rows.push(copy);
        id
    };
    for (table, tamper, problem) in [
        ("service_log", edited, "Edited"),
        ("visits", removed, "Removed"),
        ("visits", foreign, "NotWrittenByAnyCall"),
    ] {
        let mut image = store.image();
        let id = tamper(image.tables.get_mut(table).unwrap());
        let (value, said) = refusal(image);
        assert_eq!(value, format!("{table} {id}"));
        assert!(said.contains(problem), "{table} {problem}: {said}");
    }
}

#[test]
fn an_edited_or_missing_audit_entry_is_refused_naming_it() {
    let (_town, store) = lived_in();
    let mut edited = store.image();
    edited.audit[4].operation = "client_file.read".into();
    let (value, problem) = refusal(edited);
    assert_eq!(value, "audit entry 5");
    assert!(problem.contains("chain breaks"), "{problem}");

    let mut cut = store.image();
    cut.audit.remove(2);
    let (value, _) = refusal(cut);
    assert_eq!(value, "audit entry 4");

    let mut column = store.image();
    let row = &mut column.tables.get_mut("visits").unwrap()[0];
    row.columns[0] = Value::Int(7);
    let (value, _) = refusal(column);
    assert!(value.starts_with("visits "), "{value}");
}

#[test]
fn text_that_is_not_an_image_is_refused_without_repeating_it() {
    let (_town, store) = lived_in();
    let other = |text: &str| {
        let (value, problem) = refused(MemoryStore::from_image_json(text));
        format!("{value}: {problem}")
    };
    assert_eq!(other("{not json"), "line 1 column 2: it is not JSON");
    let mut image: serde_json::Value = serde_json::from_str(&store.image_json().unwrap()).unwrap();
    image["tables"]["persons"][0]["version"] = "Laine Kask".into();
    let said = other(&image.to_string());
    assert!(said.contains("not a store image"), "{said}");
    assert!(
        !said.contains("Laine"),
        "the message repeats the content: {said}"
    );

    let mut wrong = store.image();
    wrong.format = "something-else".into();
    assert_eq!(refusal(wrong).0, "something-else");
    let mut newer = store.image();
    newer.version = 2;
    assert_eq!(refusal(newer).0, "2");
    let mut unknown = store.image();
    let rows = unknown.tables.remove("visits").unwrap();
    unknown.tables.insert("vizits".into(), rows);
    assert_eq!(refusal(unknown).0, "vizits");
}
