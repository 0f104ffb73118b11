//! A recurrence rule parsed from arbitrary text (`Recurrence::parse`, the host door's
//! `Host::parse_recurrence`); a parsed rule's canonical text must parse back to the same
//! rule (plans store the rule as that text), and its words must be writable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teho_core::host::Host;
use teho_core::plan::Recurrence;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = Recurrence::parse(&text);
    let host = Host::parse_recurrence(&text);
    assert_eq!(host.is_ok(), parsed.is_ok(), "the host door and parse agree");
    if let Ok(rule) = parsed {
        let canonical = rule.to_string();
        let again = Recurrence::parse(&canonical)
            .unwrap_or_else(|e| panic!("canonical text {canonical:?} does not parse: {e}"));
        assert_eq!(again, rule, "canonical text {canonical:?} reads as another rule");
        assert_eq!(again.to_string(), canonical, "canonical text is stable");
        let _ = rule.in_words();
        let _ = rule.times();
        let json = serde_json::to_string(&rule).expect("a rule serializes");
        let back: Recurrence = serde_json::from_str(&json).expect("a rule's JSON reads back");
        assert_eq!(back, rule);
    }
});
