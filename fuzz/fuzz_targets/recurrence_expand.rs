//! A rule expanded over a window: `Recurrence::occurrences(start, from, to)` with starts
//! and windows anywhere chrono can hold dates (near its first and last day too), and
//! spans up to eleven years (the engine asks for at most 366 days at a time). The
//! occurrences must lie in the window and the rule's validity, in order, never on an
//! excluded date, and no more than `COUNT`.
#![no_main]

use chrono::{Duration, NaiveDate};
use libfuzzer_sys::fuzz_target;
use teho_core::plan::{Recurrence, RecurrenceEnd};
use teho_fuzz::{RRULES, Reader, date};

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let start = date(&mut r);
    let from = match r.u8() % 4 {
        0 => start,
        1 => start
            .checked_add_signed(Duration::days(i64::from(r.u16() as i16)))
            .unwrap_or(start),
        _ => date(&mut r),
    };
    let span = match r.u8() % 8 {
        0 => i64::from(r.u16()) % 4_000, // up to about 11 years
        1 => -i64::from(r.u8()),          // an empty window
        _ => i64::from(r.u16()) % 400,    // a query window or a planning horizon
    };
    // Past chrono's last (or before its first) date the window ends there.
    let to = from
        .checked_add_signed(Duration::days(span))
        .unwrap_or(if span < 0 { NaiveDate::MIN } else { NaiveDate::MAX });
    // A rule from the repository's tests, with or without an edit, or the rest as text.
    let pick = r.u8();
    let text = if usize::from(pick) < RRULES.len() * 2 {
        let mut t = RRULES[usize::from(pick) % RRULES.len()].to_string();
        if pick & 1 == 1 {
            t.push(';');
        }
        t.push_str(&String::from_utf8_lossy(r.rest()));
        t
    } else {
        String::from_utf8_lossy(r.rest()).into_owned()
    };
    let Ok(rule) = Recurrence::parse(&text) else {
        return;
    };
    let out = rule.occurrences(start, from, to);
    let last = match rule.end {
        RecurrenceEnd::Until(u) => u.min(to),
        _ => to,
    };
    for w in out.windows(2) {
        assert!(w[0] < w[1], "occurrences in order: {} then {}", w[0], w[1]);
    }
    for t in &out {
        let d = t.date();
        assert!(d >= from && d >= start && d <= last, "{t} outside {from}..={last} (start {start})");
        assert!(rule.excluded.binary_search(&d).is_err(), "{t} on an excluded date");
    }
    if let RecurrenceEnd::Count(n) = rule.end {
        assert!(out.len() <= n as usize, "{} occurrences, COUNT={n}", out.len());
    }
});
