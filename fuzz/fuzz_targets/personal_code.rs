//! An Estonian personal code parsed from arbitrary text: `PersonalCode::parse`, its
//! serde form, the host door's `Host::personal_code`, and what a parsed code tells
//! (birth date, sex, age on an arbitrary date).
#![no_main]

use libfuzzer_sys::fuzz_target;
use teho_core::host::Host;
use teho_core::person::{PersonIdentity, PersonalCode};
use teho_fuzz::{Reader, date};

fuzz_target!(|data: &[u8]| {
    // The first bytes choose the date to take the age on; the rest is the text.
    let mut r = Reader::new(data);
    let on = date(&mut r);
    let text = String::from_utf8_lossy(r.rest());
    let parsed = PersonalCode::parse(&text);
    if let Ok(code) = &parsed {
        // Only 11 ASCII digits parse, so the code prints as it was written.
        assert_eq!(code.to_string(), text, "a parsed code prints as written");
        let _ = code.birth_date();
        let _ = code.sex();
        let _ = code.age_on(on);
    }
    let via_serde = serde_json::from_value::<PersonalCode>(serde_json::Value::String(text.to_string()));
    assert_eq!(via_serde.is_ok(), parsed.is_ok(), "serde and parse agree");
    let host = Host::personal_code(&text);
    assert_eq!(host.is_ok(), parsed.is_ok(), "the host door and parse agree");
    if let Some((country, doc)) = text.split_at_checked(2.min(text.len())) {
        let _ = PersonIdentity::foreign(country, doc);
    }
});
