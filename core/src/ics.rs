//! iCalendar (RFC 5545) text of a calendar: one `VEVENT` per visit, explicit instances
//! (no recurrence rules), in Tallinn local time under a `VTIMEZONE` for Europe/Tallinn
//! built from the time-zone database over the exported days, so that every instant is
//! right whatever the year's rules were. A visit's id is its `UID` and its
//! [`Visit::sequence`] its `SEQUENCE`: a calendar app takes a re-export as an update of
//! the same events. Cancelled and superseded visits are `STATUS:CANCELLED`.
//!
//! The writer is given visits already chosen and redacted for their reader (the
//! engine's calendar queries); it adds nothing they do not hold.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use chrono_tz::{OffsetComponents, OffsetName};

use crate::calendar::{Visit, VisitStatus};
use crate::engine::CalendarVisit;
use crate::error::name_of;

/// The `TZID` every time in the text refers to.
pub const TZID: &str = "Europe/Tallinn";

/// The `PRODID` of TEHO's calendars.
pub const PRODID: &str = "-//Tallinn//TEHO shared client file//EN";

/// Writes a calendar named `name` holding `visits`, stamped `at`, whose time zone
/// covers the Tallinn days `from ..= to`.
pub fn calendar(
    name: &str,
    visits: &[CalendarVisit],
    at: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> String {
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!("PRODID:{PRODID}"));
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.property("X-WR-CALNAME", &text(name));
    out.line(&format!("X-WR-TIMEZONE:{TZID}"));
    timezone(&mut out, from, to);
    for v in visits {
        event(&mut out, v, at);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// The `VEVENT` of one visit.
fn event(out: &mut Lines, shown: &CalendarVisit, at: DateTime<Utc>) {
    let v = &shown.visit;
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{}", v.id));
    out.line(&format!("DTSTAMP:{}", utc(at)));
    out.line(&format!("DTSTART;TZID={TZID}:{}", local(v.start)));
    out.line(&format!("DTEND;TZID={TZID}:{}", local(v.end)));
    out.line(&format!("SEQUENCE:{}", v.sequence));
    let summary = match &shown.client_name {
        Some(client) => format!("{} — {client}", v.action.text),
        None => v.action.text.clone(),
    };
    out.property("SUMMARY", &text(&summary));
    out.property("LOCATION", &text(&v.place));
    out.property("DESCRIPTION", &text(&description(shown)));
    out.line(&format!(
        "STATUS:{}",
        match v.status {
            VisitStatus::Cancelled | VisitStatus::Superseded => "CANCELLED",
            VisitStatus::Planned | VisitStatus::Done | VisitStatus::NotDone => "CONFIRMED",
        }
    ));
    out.property("CATEGORIES", &text(&name_of(&v.domain)));
    out.line(&format!("X-TEHO-STATUS:{}", name_of(&v.status)));
    out.line(&format!("X-TEHO-FILE:{}", v.file));
    out.line("END:VEVENT");
}

/// What the visit's calendar card says beyond its summary: the action's code, who
/// visits, and its outcome as far as the reader may see it.
fn description(shown: &CalendarVisit) -> String {
    let v: &Visit = &shown.visit;
    let mut lines = vec![format!("{} ({})", v.action.text, v.action.code)];
    if let Some(worker) = &shown.worker_name {
        lines.push(format!("Worker: {worker}"));
    }
    lines.push(format!("Status: {}", name_of(&v.status)));
    if let Some(nd) = &v.not_done {
        let mut why = format!("Not done: {}", name_of(&nd.reason));
        if !nd.text.is_empty() {
            let _ = write!(why, " — {}", nd.text);
        }
        lines.push(why);
        if let Some(d) = &nd.detail {
            lines.push(format!("{} only: {}", name_of(&d.domain), d.text));
        }
    }
    if let Some(reason) = v.cancellation.as_ref().and_then(|c| c.reason.as_ref()) {
        lines.push(format!(
            "Cancelled ({} only): {}",
            name_of(&reason.domain),
            reason.text
        ));
    }
    if v.status == VisitStatus::Superseded {
        lines.push("Replaced after a change of the plan".into());
    }
    lines.join("\n")
}

/// The `VTIMEZONE` of Europe/Tallinn over `from ..= to`: the offset in force the day
/// before, then every change of offset up to the day after, each at its onset.
fn timezone(out: &mut Lines, from: NaiveDate, to: NaiveDate) {
    let start = crate::time::start_of_day(from) - Duration::days(1);
    let end = crate::time::start_of_day(to) + Duration::days(2);
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{TZID}"));
    let first = Tallinn.offset_from_utc_datetime(&start.naive_utc());
    let mut offset = first.fix().local_minus_utc();
    observance(out, &first, offset, offset, local(start));
    // Tallinn's offset has only ever changed on the hour; an hour's steps find each change.
    let mut at = start;
    while at < end {
        let next = at + Duration::hours(1);
        let o = Tallinn.offset_from_utc_datetime(&next.naive_utc());
        let now = o.fix().local_minus_utc();
        if now != offset {
            // The onset in the local time before it (RFC 5545 §3.6.5).
            let onset = next.naive_utc() + Duration::seconds(i64::from(offset));
            observance(out, &o, offset, now, stamp(onset));
            offset = now;
        }
        at = next;
    }
    out.line("END:VTIMEZONE");
}

/// One `STANDARD` or `DAYLIGHT` sub-component.
fn observance(out: &mut Lines, o: &chrono_tz::TzOffset, from: i32, to: i32, onset: String) {
    let kind = if o.dst_offset().is_zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    out.line(&format!("BEGIN:{kind}"));
    out.line(&format!("DTSTART:{onset}"));
    out.line(&format!("TZOFFSETFROM:{}", utc_offset(from)));
    out.line(&format!("TZOFFSETTO:{}", utc_offset(to)));
    if let Some(name) = o.abbreviation() {
        out.property("TZNAME", &text(name));
    }
    out.line(&format!("END:{kind}"));
}

/// `+0300`.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    if s.is_multiple_of(60) {
        format!("{sign}{:02}{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// An instant in UTC, `20261013T110000Z`.
fn utc(at: DateTime<Utc>) -> String {
    format!("{}Z", stamp(at.naive_utc()))
}

/// An instant as a Tallinn local time, `20261026T090000`.
fn local(at: DateTime<Utc>) -> String {
    stamp(at.with_timezone(&Tallinn).naive_local())
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks
/// escaped; other control characters, which TEXT may not hold, dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines, each ended by CRLF and folded at 75 octets (RFC 5545 §3.1), never
/// inside a character.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(c);
            width += c.len_utf8();
        }
        self.0.push_str("\r\n");
    }

    fn property(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unfolds the text (RFC 5545 §3.1) into its content lines.
    fn unfolded(ics: &str) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for raw in ics.split("\r\n") {
            match raw.strip_prefix(' ') {
                Some(rest) => lines.last_mut().expect("a first line").push_str(rest),
                None => lines.push(raw.to_string()),
            }
        }
        lines
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters_and_unfold_to_themselves() {
        let mut out = Lines::default();
        let long = format!("SUMMARY:{}", "Õhtune hooldus, Laine Tamm; ".repeat(9));
        out.line(&long);
        for physical in out.0.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        assert_eq!(unfolded(&out.0)[0], long);
    }

    #[test]
    fn text_escapes_what_rfc_5545_reserves() {
        assert_eq!(text("a;b,c\\d\r\ne\nf\u{7}"), "a\\;b\\,c\\\\d\\ne\\nf");
    }

    #[test]
    fn the_time_zone_names_each_change_of_offset_at_its_local_onset() {
        let lines = unfolded(&calendar(
            "x",
            &[],
            Utc::now(),
            NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date"),
            NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
        ));
        let joined = lines.join("\n");
        assert!(joined.contains(
            "BEGIN:DAYLIGHT\nDTSTART:20260329T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0300\nTZNAME:EEST"
        ));
        assert!(joined.contains(
            "BEGIN:STANDARD\nDTSTART:20261025T040000\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0200\nTZNAME:EET"
        ));
        // Estonia kept no summer time in 2000–2002: none is invented for 2001.
        let lines = calendar(
            "x",
            &[],
            Utc::now(),
            NaiveDate::from_ymd_opt(2001, 1, 1).expect("a date"),
            NaiveDate::from_ymd_opt(2001, 12, 31).expect("a date"),
        );
        assert!(!lines.contains("DAYLIGHT"), "{lines}");
    }
}
