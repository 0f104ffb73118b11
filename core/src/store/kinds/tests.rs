//! The stored encodings are frozen: a record written today must read the same tomorrow.
//! `frozen_v1.json` holds one record of every kind as schema step 8 stored it (taken
//! from the frozen database in `storage/tests/fixtures/schema8_file.sql`).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;

use super::*;
use chrono::Timelike;

fn frozen() -> BTreeMap<String, String> {
    serde_json::from_str(include_str!("frozen_v1.json")).unwrap()
}

fn v1(doc: &str) -> Row {
    Row {
        id: Uuid::nil(),
        version: 1,
        columns: Vec::new(),
        doc: doc.as_bytes().to_vec(),
    }
}

/// A version-1 record reads, and is written again byte for byte: its type's serde shape
/// has not changed. When it must change, bump the kind's version and keep a reader of
/// version 1.
fn same<T: Record>(docs: &BTreeMap<String, String>, seen: &mut Vec<&'static str>) {
    let name = T::kind().name;
    let doc = docs.get(name).unwrap_or_else(|| panic!("no frozen {name}"));
    let record = T::from_row(&v1(doc)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let row = record.row().unwrap();
    assert_eq!(row.version, T::version(), "{name}");
    assert_eq!(
        String::from_utf8(row.doc).unwrap(),
        *doc,
        "the stored shape of {name} changed: bump its version and keep a reader of the old one"
    );
    assert_eq!(row.columns.len(), T::kind().columns.len(), "{name}");
    seen.push(name);
}

#[test]
fn every_kind_encodes_as_frozen() {
    let docs = frozen();
    let mut seen = Vec::new();
    same::<Organization>(&docs, &mut seen);
    same::<Worker>(&docs, &mut seen);
    same::<Person>(&docs, &mut seen);
    same::<ClientFile>(&docs, &mut seen);
    same::<ClientCard>(&docs, &mut seen);
    same::<Membership>(&docs, &mut seen);
    same::<Substitution>(&docs, &mut seen);
    same::<Entry>(&docs, &mut seen);
    same::<Notification>(&docs, &mut seen);
    same::<ComplianceBreach>(&docs, &mut seen);
    same::<CarePlan>(&docs, &mut seen);
    same::<PlanItem>(&docs, &mut seen);
    same::<ServiceLogEntry>(&docs, &mut seen);
    same::<Application>(&docs, &mut seen);
    same::<CaseDecision>(&docs, &mut seen);
    same::<Contract>(&docs, &mut seen);
    same::<Assessment>(&docs, &mut seen);
    same::<Referral>(&docs, &mut seen);
    same::<DeathRecord>(&docs, &mut seen);
    same::<ReceivedNotice>(&docs, &mut seen);
    same::<Disclosure>(&docs, &mut seen);
    same::<ReportSubmission>(&docs, &mut seen);
    same::<AccessRestriction>(&docs, &mut seen);
    same::<Hold>(&docs, &mut seen);
    same::<DestructionAct>(&docs, &mut seen);
    seen.push(VISITS.name); // below
    seen.push(VISIT_TEXTS.name); // below
    let mut all: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    all.sort();
    seen.sort();
    assert_eq!(seen, all, "a kind without a frozen record");
}

fn texts_of(v: &Visit) -> VisitTexts {
    VisitTexts {
        action: v.action.clone(),
        place: v.place.clone(),
    }
}

/// Decodes a version-2 visit row with the texts it refers to.
fn read_v2(row: &Row, texts: &VisitTexts) -> Visit {
    match visit_from_row(row).unwrap() {
        VisitFromRow::NeedsTexts(mut v, id) => {
            assert_eq!(id, texts.id());
            v.action = texts.action.clone();
            v.place = texts.place.clone();
            *v
        }
        VisitFromRow::Whole(_) => panic!("a version-2 row read as version 1"),
    }
}

#[test]
fn a_version_1_visit_upgrades_to_a_compact_row_that_reads_back_equal() {
    let docs = frozen();
    for name in ["visits", "visits_moved"] {
        let old: Visit = serde_json::from_str(&docs[name]).unwrap();
        let rows = upgrade(&VISITS, &v1(&docs[name])).unwrap();
        assert_eq!(rows.len(), 2, "{name}: the texts and the visit");
        let (tk, trow) = &rows[0];
        let (vk, vrow) = &rows[1];
        assert_eq!((tk.name, vk.name), ("visit_texts", "visits"));
        let texts = VisitTexts::from_row(trow).unwrap();
        assert_eq!(texts, texts_of(&old));
        assert_eq!(vrow.version, 2);
        assert_eq!(read_v2(vrow, &texts), old, "{name}");
        assert!(
            vrow.doc.len() < 40 || old.not_done.is_some(),
            "{name}: {} bytes of doc",
            vrow.doc.len()
        );
    }
}

/// The compact encoding is frozen too: these bytes were written by version 2.
#[test]
fn a_version_2_visit_row_is_frozen() {
    let docs = frozen();
    let old: Visit = serde_json::from_str(&docs["visits_moved"]).unwrap();
    let texts = texts_of(&old);
    let row = visit_row(&old, texts.id()).unwrap();
    let hex: String = row.doc.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, FROZEN_V2_DOC, "the version-2 visit encoding changed");
    assert_eq!(
        texts.id().to_string(),
        FROZEN_TEXTS_ID,
        "the visit texts' id changed"
    );
    assert_eq!(read_v2(&row, &texts), old);
}

const FROZEN_V2_DOC: &str = "030100a096e2ae0d007da01391935946a9fc7c85ecbc4198d3";
const FROZEN_TEXTS_ID: &str = "7da01391-9359-46a9-fc7c-85ecbc4198d3";

/// A visit moved to an instant finer than a microsecond (the columns hold microseconds)
/// reads back to the nanosecond.
#[test]
fn a_visit_reads_back_to_the_nanosecond() {
    let docs = frozen();
    let mut v: Visit = serde_json::from_str(&docs["visits_moved"]).unwrap();
    for (s, e) in [(123_456_789u32, 999u32), (1_000, 999_999_999), (7, 0)] {
        v.start = v.start.with_nanosecond(s).unwrap();
        v.end = v.end.with_nanosecond(e).unwrap();
        let texts = texts_of(&v);
        let row = visit_row(&v, texts.id()).unwrap();
        assert_eq!(read_v2(&row, &texts), v, "{s} {e}");
    }
}

#[test]
fn a_newer_version_is_refused_with_the_version_named() {
    let docs = frozen();
    let mut row = v1(&docs["organizations"]);
    row.version = 9;
    let e = Organization::from_row(&row).unwrap_err().to_string();
    assert!(e.contains("encoding version 9 is unknown"), "{e}");
    let mut row = v1(&docs["visits"]);
    row.version = 3;
    assert!(matches!(
        visit_from_row(&row),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_damaged_visit_row_is_an_error_naming_the_field() {
    let docs = frozen();
    let old: Visit = serde_json::from_str(&docs["visits"]).unwrap();
    let row = visit_row(&old, texts_of(&old).id()).unwrap();
    for cut in 0..row.doc.len() {
        let mut short = row.clone();
        short.doc.truncate(cut);
        assert!(
            matches!(visit_from_row(&short), Err(StoreError::Corrupt { .. })),
            "cut at {cut}"
        );
    }
    let mut wrong = row.clone();
    wrong.columns[V_STATUS] = Value::Int(77);
    let e = visit_from_row(&wrong).err().unwrap().to_string();
    assert!(e.contains("status code 77"), "{e}");
}

#[test]
fn text_keys_and_column_positions_are_stable() {
    assert_eq!(
        text_key_id("a").to_string(),
        "ca978112-ca1b-bdca-fac2-31b39a23dc4d",
        "the first 16 bytes of SHA-256(\"a\")"
    );
    assert_eq!((V_FILE, V_ITEM, V_START, V_END), (0, 1, 2, 3));
    assert_eq!((V_WORKER, V_PROVIDER, V_STATUS), (4, 5, 6));
    for s in [
        VisitStatus::Planned,
        VisitStatus::Done,
        VisitStatus::NotDone,
        VisitStatus::Cancelled,
        VisitStatus::Superseded,
    ] {
        assert_eq!(status_of(status_code(s)), Some(s));
    }
}
