//! Recurrence: how often a planned action happens — every day at given local times,
//! several times a day, on given weekdays, every N weeks, monthly on a day or an nth
//! weekday, with an end date or a count, and with excluded dates.
//!
//! The text form is a subset of the RFC 5545 `RRULE` (so that a plan can travel to
//! ordinary calendars), with excluded dates on an `EXDATE;VALUE=DATE:` line:
//!
//! ```text
//! FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=8,20;BYMINUTE=0;UNTIL=20261231
//! EXDATE;VALUE=DATE:20261224,20261225
//! ```
//!
//! Supported parts: `FREQ` (`DAILY`, `WEEKLY`, `MONTHLY`), `INTERVAL`, `BYDAY` (with an
//! ordinal such as `2TU` or `-1FR` for `MONTHLY`), `BYMONTHDAY`, `BYHOUR` (required: a
//! visit needs a time of day), `BYMINUTE` (default 0), `COUNT` or `UNTIL` (a date,
//! inclusive), `WKST=MO`. Anything else is refused with an error naming the part.
//! Times of day are the product of `BYHOUR` and `BYMINUTE`, as in RFC 5545. As in RFC
//! 5545, a month day that a month lacks (the 31st of April) gives no occurrence, and
//! excluded dates still count towards `COUNT`.
//!
//! Occurrences are local (Europe/Tallinn) date-times; turning them into instants, with
//! the daylight-saving policy, is [`crate::calendar::tallinn_instant`]'s job.

use schemars::JsonSchema;
use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// How often the rule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// Every `interval` weeks (weeks start on Monday).
    Weekly,
    /// Every `interval` months.
    Monthly,
}

/// When the rule stops, besides the plan item's own validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RecurrenceEnd {
    /// Only the plan item's validity ends it.
    Open,
    /// Last date on which occurrences fall (inclusive, Tallinn).
    Until(NaiveDate),
    /// Number of occurrences.
    Count(u32),
}

/// A parsed recurrence rule. Build it with [`Recurrence::parse`] or the constructors;
/// fields are kept canonical (sorted, without repeats). In JSON it is its RRULE text.
///
/// # The first interval
/// An interval rule counts its periods from the period that holds the rule's start (the
/// plan item's first day): for `DAILY` the start day, for `WEEKLY` the Monday-to-Sunday
/// week of the start (`WKST=MO`), for `MONTHLY` the start's month. Periods
/// `0, INTERVAL, 2 × INTERVAL, …` carry occurrences; days of the first period before
/// the start carry none. So "every 2 weeks on Tuesday", starting on Wednesday 4 November
/// 2026, first falls on Tuesday 17 November — not on the 10th (the next Tuesday, in
/// the skipped week) — and then every other Tuesday:
///
/// ```
/// use chrono::NaiveDate;
/// use teho_core::plan::Recurrence;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let r = Recurrence::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=9").unwrap();
/// let days: Vec<String> = r
///     .occurrences(d("2026-11-04"), d("2026-11-01"), d("2026-12-31"))
///     .iter()
///     .map(|t| t.date().to_string())
///     .collect();
/// assert_eq!(days, ["2026-11-17", "2026-12-01", "2026-12-15", "2026-12-29"]);
/// ```
///
/// This is RFC 5545's reading (§3.3.10: the interval counts periods of the frequency from
/// `DTSTART`, weeks beginning on `WKST`, Monday by default), and python-dateutil's
/// `rrule(WEEKLY, interval=2, byweekday=TU, dtstart=2026-11-04)` gives the same
/// dates (the expansion benchmark checks every fortnightly rule it draws against
/// python-dateutil, occurrence for occurrence). Some
/// calendar programs instead start counting at the first matching day (the 10th here);
/// a plan that means that should start on that day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Recurrence {
    /// Daily, weekly or monthly.
    pub frequency: Frequency,
    /// Every how many days, weeks or months (at least 1).
    pub interval: u32,
    /// Hours of the day (0–23), at least one.
    pub hours: Vec<u8>,
    /// Minutes of the hour (0–59), at least one.
    pub minutes: Vec<u8>,
    /// Weekdays (daily: a filter; weekly: the days; monthly: every such weekday).
    pub weekdays: Vec<Weekday>,
    /// Monthly: nth weekday of the month (`(2, Tue)` second Tuesday, `(-1, Fri)` last Friday).
    pub nth_weekdays: Vec<(i8, Weekday)>,
    /// Monthly: days of the month, 1–31 or -31..-1 counted from the end.
    pub month_days: Vec<i8>,
    /// Until a date, a count, or open.
    pub end: RecurrenceEnd,
    /// Dates without occurrences (holidays, the client away).
    pub excluded: Vec<NaiveDate>,
}

/// Why a recurrence text is refused. Each variant names the part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, JsonSchema)]
pub enum RecurrenceError {
    /// A part outside the supported subset.
    #[error("unsupported recurrence part {part:?}: {why}")]
    Unsupported {
        /// The part as written.
        part: String,
        /// Why it is outside the subset.
        why: String,
    },
    /// A part whose value cannot be read.
    #[error("invalid value {value:?} for {part}: {why}")]
    InvalidValue {
        /// The part name.
        part: String,
        /// The value as written.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A required part is missing.
    #[error("missing {part}: {why}")]
    Missing {
        /// The part name.
        part: String,
        /// Why it is needed.
        why: String,
    },
    /// A part given twice.
    #[error("{part} given twice")]
    Duplicate {
        /// The part name.
        part: String,
    },
    /// Two parts that exclude each other.
    #[error("{first} and {second} cannot be combined")]
    Conflict {
        /// One part.
        first: String,
        /// The other.
        second: String,
    },
}

const MAX_INTERVAL: u32 = 1000;
const MAX_COUNT: u32 = 100_000;

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn invalid(part: &str, value: &str, why: &str) -> RecurrenceError {
    RecurrenceError::InvalidValue {
        part: part.into(),
        value: value.into(),
        why: why.into(),
    }
}

fn parse_date(part: &str, s: &str) -> Result<NaiveDate, RecurrenceError> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(part, s, "expected a date YYYYMMDD"));
    }
    NaiveDate::parse_from_str(s, "%Y%m%d").map_err(|_| invalid(part, s, "not a calendar date"))
}

fn parse_list<T>(
    part: &str,
    value: &str,
    one: impl Fn(&str) -> Option<T>,
    why: &str,
) -> Result<Vec<T>, RecurrenceError> {
    if value.is_empty() {
        return Err(invalid(part, value, why));
    }
    value
        .split(',')
        .map(|v| one(v).ok_or_else(|| invalid(part, v, why)))
        .collect()
}

fn sorted<T: Ord + Clone>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

fn weekday_sort(mut v: Vec<Weekday>) -> Vec<Weekday> {
    v.sort_by_key(|w| w.num_days_from_monday());
    v.dedup();
    v
}

impl Recurrence {
    /// Every day at the given local times (all must share their minutes with the hours'
    /// product: 08:00 and 20:00, or 08:30 and 20:30).
    pub fn daily_at(times: &[NaiveTime]) -> Result<Self, RecurrenceError> {
        Self::with_times(Frequency::Daily, times)
    }

    /// Every `interval` weeks on `days` at the given local times.
    pub fn weekly_at(
        interval: u32,
        days: &[Weekday],
        times: &[NaiveTime],
    ) -> Result<Self, RecurrenceError> {
        let mut r = Self::with_times(Frequency::Weekly, times)?;
        r.interval = interval;
        r.weekdays = weekday_sort(days.to_vec());
        r.validated()
    }

    fn with_times(frequency: Frequency, times: &[NaiveTime]) -> Result<Self, RecurrenceError> {
        use chrono::Timelike;
        let hours = sorted(times.iter().map(|t| t.hour() as u8).collect());
        let minutes = sorted(times.iter().map(|t| t.minute() as u8).collect());
        let r = Self {
            frequency,
            interval: 1,
            hours,
            minutes,
            weekdays: Vec::new(),
            nth_weekdays: Vec::new(),
            month_days: Vec::new(),
            end: RecurrenceEnd::Open,
            excluded: Vec::new(),
        };
        let product = r.times().len();
        let distinct = sorted(times.iter().map(|t| (t.hour(), t.minute())).collect()).len();
        if product != distinct {
            let shown: Vec<String> = times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect();
            return Err(invalid(
                "BYHOUR/BYMINUTE",
                &shown.join(","),
                "these times are not the product of their hours and minutes; use one plan item per minute value",
            ));
        }
        r.validated()
    }

    /// The local times of day, in order.
    pub fn times(&self) -> Vec<NaiveTime> {
        let mut out = Vec::with_capacity(self.hours.len() * self.minutes.len());
        for h in &self.hours {
            for m in &self.minutes {
                if let Some(t) = NaiveTime::from_hms_opt(u32::from(*h), u32::from(*m), 0) {
                    out.push(t);
                }
            }
        }
        out
    }

    /// Parses the text form (an `RRULE`, optionally prefixed `RRULE:`, and optionally an
    /// `EXDATE;VALUE=DATE:` line).
    pub fn parse(text: &str) -> Result<Self, RecurrenceError> {
        let mut rule_line: Option<&str> = None;
        let mut excluded = Vec::new();
        let mut saw_exdate = false;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(dates) = line.strip_prefix("EXDATE;VALUE=DATE:") {
                if saw_exdate {
                    return Err(RecurrenceError::Duplicate {
                        part: "EXDATE".into(),
                    });
                }
                saw_exdate = true;
                for d in dates.split(',') {
                    excluded.push(parse_date("EXDATE", d)?);
                }
            } else if line.starts_with("EXDATE") {
                return Err(RecurrenceError::Unsupported {
                    part: line.split(':').next().unwrap_or(line).into(),
                    why: "excluded dates are whole days: EXDATE;VALUE=DATE:YYYYMMDD,...".into(),
                });
            } else {
                if rule_line.is_some() {
                    return Err(RecurrenceError::Duplicate {
                        part: "RRULE".into(),
                    });
                }
                rule_line = Some(line.strip_prefix("RRULE:").unwrap_or(line));
            }
        }
        let rule = rule_line.ok_or_else(|| RecurrenceError::Missing {
            part: "RRULE".into(),
            why: "no rule given".into(),
        })?;
        let mut seen: Vec<&str> = Vec::new();
        let mut frequency = None;
        let mut interval = 1u32;
        let mut hours = None;
        let mut minutes = None;
        let mut weekdays = Vec::new();
        let mut nth_weekdays = Vec::new();
        let mut month_days = Vec::new();
        let mut count = None;
        let mut until = None;
        for part in rule.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| invalid(part, "", "expected NAME=VALUE"))?;
            if seen.contains(&name) {
                return Err(RecurrenceError::Duplicate { part: name.into() });
            }
            seen.push(name);
            match name {
                "FREQ" => {
                    frequency = Some(match value {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" | "HOURLY" | "MINUTELY" | "SECONDLY" => {
                            return Err(RecurrenceError::Unsupported {
                                part: part.into(),
                                why: "plans repeat daily, weekly or monthly".into(),
                            });
                        }
                        _ => {
                            return Err(invalid(
                                "FREQ",
                                value,
                                "expected DAILY, WEEKLY or MONTHLY",
                            ));
                        }
                    })
                }
                "INTERVAL" => {
                    interval = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_INTERVAL).contains(n))
                        .ok_or_else(|| {
                            invalid("INTERVAL", value, "expected a whole number 1-1000")
                        })?
                }
                "BYHOUR" => {
                    hours = Some(parse_list(
                        "BYHOUR",
                        value,
                        |v| v.parse::<u8>().ok().filter(|h| *h < 24),
                        "expected hours 0-23",
                    )?)
                }
                "BYMINUTE" => {
                    minutes = Some(parse_list(
                        "BYMINUTE",
                        value,
                        |v| v.parse::<u8>().ok().filter(|m| *m < 60),
                        "expected minutes 0-59",
                    )?)
                }
                "BYDAY" => {
                    for v in parse_list(
                        "BYDAY",
                        value,
                        |v| Some(v.to_string()),
                        "expected weekdays MO..SU",
                    )? {
                        // The weekday is the last two characters (not bytes: a
                        // multi-byte character there is a typed error, not a panic).
                        let split = v.char_indices().rev().nth(1).map_or(0, |(i, _)| i);
                        let (ordinal, day) = v.split_at(split);
                        let day = parse_weekday(day).ok_or_else(|| {
                            invalid(
                                "BYDAY",
                                &v,
                                "expected a weekday MO..SU, optionally after an ordinal",
                            )
                        })?;
                        if ordinal.is_empty() {
                            weekdays.push(day);
                        } else {
                            let n: i8 = ordinal
                                .trim_start_matches('+')
                                .parse()
                                .ok()
                                .filter(|n: &i8| (1..=5).contains(&n.unsigned_abs()))
                                .ok_or_else(|| {
                                    invalid("BYDAY", &v, "the ordinal must be 1..5 or -1..-5")
                                })?;
                            nth_weekdays.push((n, day));
                        }
                    }
                }
                "BYMONTHDAY" => {
                    month_days = parse_list(
                        "BYMONTHDAY",
                        value,
                        |v| {
                            v.trim_start_matches('+')
                                .parse::<i8>()
                                .ok()
                                .filter(|d| *d != 0 && (-31..=31).contains(d))
                        },
                        "expected days 1..31 or -31..-1",
                    )?
                }
                "COUNT" => {
                    count = Some(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|n| (1..=MAX_COUNT).contains(n))
                            .ok_or_else(|| {
                                invalid("COUNT", value, "expected a whole number 1-100000")
                            })?,
                    )
                }
                "UNTIL" => {
                    if value.contains('T') {
                        return Err(RecurrenceError::Unsupported {
                            part: part.into(),
                            why: "UNTIL is a date (YYYYMMDD), the last day with visits".into(),
                        });
                    }
                    until = Some(parse_date("UNTIL", value)?)
                }
                "WKST" => {
                    if value != "MO" {
                        return Err(RecurrenceError::Unsupported {
                            part: part.into(),
                            why: "weeks start on Monday".into(),
                        });
                    }
                }
                "BYSECOND" | "BYWEEKNO" | "BYYEARDAY" | "BYMONTH" | "BYSETPOS" | "RSCALE"
                | "SKIP" => {
                    return Err(RecurrenceError::Unsupported {
                        part: part.into(),
                        why: "outside the TEHO subset".into(),
                    });
                }
                _ => {
                    return Err(RecurrenceError::Unsupported {
                        part: part.into(),
                        why: "not an RRULE part TEHO knows".into(),
                    });
                }
            }
        }
        let frequency = frequency.ok_or_else(|| RecurrenceError::Missing {
            part: "FREQ".into(),
            why: "every rule needs a frequency".into(),
        })?;
        let hours = hours.ok_or_else(|| RecurrenceError::Missing {
            part: "BYHOUR".into(),
            why: "a visit needs a time of day".into(),
        })?;
        let end = match (count, until) {
            (Some(_), Some(_)) => {
                return Err(RecurrenceError::Conflict {
                    first: "COUNT".into(),
                    second: "UNTIL".into(),
                });
            }
            (Some(n), None) => RecurrenceEnd::Count(n),
            (None, Some(d)) => RecurrenceEnd::Until(d),
            (None, None) => RecurrenceEnd::Open,
        };
        Self {
            frequency,
            interval,
            hours: sorted(hours),
            minutes: sorted(minutes.unwrap_or_else(|| vec![0])),
            weekdays: weekday_sort(weekdays),
            nth_weekdays: sorted_nth(nth_weekdays),
            month_days: sorted(month_days),
            end,
            excluded: sorted(excluded),
        }
        .validated()
    }

    /// Checks the combination of parts; returns the rule in canonical order.
    fn validated(mut self) -> Result<Self, RecurrenceError> {
        self.hours = sorted(std::mem::take(&mut self.hours));
        self.minutes = sorted(std::mem::take(&mut self.minutes));
        self.weekdays = weekday_sort(std::mem::take(&mut self.weekdays));
        self.nth_weekdays = sorted_nth(std::mem::take(&mut self.nth_weekdays));
        self.month_days = sorted(std::mem::take(&mut self.month_days));
        self.excluded = sorted(std::mem::take(&mut self.excluded));
        if self.hours.is_empty() || self.hours.iter().any(|h| *h > 23) {
            return Err(RecurrenceError::Missing {
                part: "BYHOUR".into(),
                why: "a visit needs a time of day".into(),
            });
        }
        if self.minutes.is_empty() || self.minutes.iter().any(|m| *m > 59) {
            return Err(invalid("BYMINUTE", "", "expected minutes 0-59"));
        }
        if !(1..=MAX_INTERVAL).contains(&self.interval) {
            return Err(invalid(
                "INTERVAL",
                &self.interval.to_string(),
                "expected a whole number 1-1000",
            ));
        }
        match self.frequency {
            Frequency::Daily | Frequency::Weekly => {
                if !self.nth_weekdays.is_empty() {
                    return Err(RecurrenceError::Unsupported {
                        part: "BYDAY".into(),
                        why: "an ordinal weekday (2TU) needs FREQ=MONTHLY".into(),
                    });
                }
                if !self.month_days.is_empty() {
                    return Err(RecurrenceError::Unsupported {
                        part: "BYMONTHDAY".into(),
                        why: "needs FREQ=MONTHLY".into(),
                    });
                }
                if self.frequency == Frequency::Weekly && self.weekdays.is_empty() {
                    return Err(RecurrenceError::Missing {
                        part: "BYDAY".into(),
                        why: "a weekly rule names its weekdays".into(),
                    });
                }
            }
            Frequency::Monthly => {
                if self.month_days.is_empty()
                    && self.nth_weekdays.is_empty()
                    && self.weekdays.is_empty()
                {
                    return Err(RecurrenceError::Missing {
                        part: "BYMONTHDAY or BYDAY".into(),
                        why: "a monthly rule names its days".into(),
                    });
                }
                let by_day = !self.nth_weekdays.is_empty() || !self.weekdays.is_empty();
                if !self.month_days.is_empty() && by_day {
                    return Err(RecurrenceError::Conflict {
                        first: "BYMONTHDAY".into(),
                        second: "BYDAY".into(),
                    });
                }
            }
        }
        if let RecurrenceEnd::Count(n) = self.end
            && !(1..=MAX_COUNT).contains(&n)
        {
            return Err(invalid(
                "COUNT",
                &n.to_string(),
                "expected a whole number 1-100000",
            ));
        }
        Ok(self)
    }

    /// Whether a date carries occurrences, before `COUNT`, `UNTIL` and exclusions.
    fn matches(&self, days: &DayTest, date: NaiveDate) -> bool {
        if date < days.start {
            return false;
        }
        let weekday = 1u8 << date.weekday().num_days_from_monday();
        match self.frequency {
            Frequency::Daily => {
                (date - days.start).num_days() % days.interval == 0
                    && (days.weekdays == 0 || days.weekdays & weekday != 0)
            }
            Frequency::Weekly => {
                days.weekdays & weekday != 0
                    && ((date - days.start_monday).num_days() / 7) % days.interval == 0
            }
            Frequency::Monthly => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                if (months(date) - months(days.start)) % days.interval != 0 {
                    return false;
                }
                let len = days_in_month(date);
                let day = date.day() as i8;
                if !self.month_days.is_empty() {
                    return self.month_days.iter().any(|d| {
                        if *d > 0 {
                            *d == day
                        } else {
                            len as i8 + 1 + *d == day
                        }
                    });
                }
                let wd = date.weekday();
                let nth_from_start = (date.day() as i8 - 1) / 7 + 1;
                let nth_from_end = -((len as i8 - date.day() as i8) / 7 + 1);
                days.weekdays & weekday != 0
                    || self
                        .nth_weekdays
                        .iter()
                        .any(|(n, w)| *w == wd && (*n == nth_from_start || *n == nth_from_end))
            }
        }
    }

    /// The local occurrences (date and wall-clock time) that fall within `from ..= to`,
    /// for a rule that starts on `start` (the plan item's first day). `COUNT` counts from
    /// `start`, whatever the window.
    pub fn occurrences(
        &self,
        start: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<NaiveDateTime> {
        let times = self.times();
        let last = match self.end {
            RecurrenceEnd::Until(u) => u.min(to),
            _ => to,
        };
        let mut out = Vec::new();
        let mut counted = 0u32;
        // The Monday of the start's week; the start itself in the first week chrono can
        // hold (no Monday before it).
        let start_monday = start
            .checked_sub_signed(Duration::days(i64::from(
                start.weekday().num_days_from_monday(),
            )))
            .unwrap_or(start);
        // A rule counted from its start is walked from there; any other begins near
        // `from`, so that a start far back costs nothing (issue 17: a start 262,000 years
        // back walked day by day under the write lock).
        let mut date = match self.end {
            RecurrenceEnd::Count(_) => start,
            _ => self.resume(start, start_monday, from),
        };
        let days = DayTest {
            start,
            start_monday,
            interval: i64::from(self.interval),
            weekdays: self
                .weekdays
                .iter()
                .fold(0, |m, w| m | 1 << w.num_days_from_monday()),
        };
        // Weekdays, month lengths and leap days repeat every 400 Gregorian years (146,097
        // days, 20,871 weeks, 4,800 months), and the rule's interval after `interval` of
        // those: a rule counted from its start that has not matched by then never will
        // (issue 17, item 4: one walked from chrono's first day for seconds).
        let never_after = match self.end {
            RecurrenceEnd::Count(_) => {
                start.checked_add_signed(Duration::days(146_097 * i64::from(self.interval.max(1))))
            }
            _ => None,
        };
        while date <= last {
            if counted == 0 && never_after.is_some_and(|n| date > n) {
                break;
            }
            if self.matches(&days, date) {
                for t in &times {
                    if let RecurrenceEnd::Count(n) = self.end {
                        if counted >= n {
                            return out;
                        }
                        counted += 1;
                    }
                    if date >= from && self.excluded.binary_search(&date).is_err() {
                        out.push(date.and_time(*t));
                    }
                }
            }
            date = match self.next_candidate(start, date) {
                Some(d) => d,
                None => break,
            };
        }
        out
    }

    /// The first date to test for occurrences from `from` on: `from` itself, moved back
    /// to the beginning of its period where the stepping ([`Self::next_candidate`])
    /// needs one — the Monday of a week the rule is active in, a day the interval
    /// falls on — and never before `start`.
    fn resume(&self, start: NaiveDate, start_monday: NaiveDate, from: NaiveDate) -> NaiveDate {
        if from <= start {
            return start;
        }
        let interval = i64::from(self.interval.max(1));
        let resumed = match self.frequency {
            Frequency::Weekly => {
                let periods = (from - start_monday).num_days() / (7 * interval);
                start_monday.checked_add_signed(Duration::days(periods * 7 * interval))
            }
            Frequency::Daily if self.weekdays.is_empty() => {
                let days = (from - start).num_days();
                start.checked_add_signed(Duration::days(days - days % interval))
            }
            _ => Some(from),
        };
        resumed.unwrap_or(start).max(start)
    }

    /// The next date worth testing after `date` (skips whole periods between intervals).
    fn next_candidate(&self, start: NaiveDate, date: NaiveDate) -> Option<NaiveDate> {
        match self.frequency {
            Frequency::Daily if self.weekdays.is_empty() => {
                let since = (date - start).num_days();
                let step = i64::from(self.interval) - since % i64::from(self.interval);
                date.checked_add_signed(Duration::days(step))
            }
            Frequency::Weekly if self.interval > 1 && date.weekday() == Weekday::Sun => {
                date.checked_add_signed(Duration::days(1 + 7 * (i64::from(self.interval) - 1)))
            }
            _ => date.succ_opt(),
        }
    }
}

/// What [`Recurrence::matches`] needs of the rule's start, worked out once per expansion.
struct DayTest {
    start: NaiveDate,
    /// The Monday of the start's week (weeks start on Monday).
    start_monday: NaiveDate,
    interval: i64,
    /// The weekdays as bits, Monday the lowest.
    weekdays: u8,
}

fn sorted_nth(mut v: Vec<(i8, Weekday)>) -> Vec<(i8, Weekday)> {
    v.sort_by_key(|(n, w)| (*n, w.num_days_from_monday()));
    v.dedup();
    v
}

fn days_in_month(d: NaiveDate) -> u32 {
    let (y, m) = (d.year(), d.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.map_or(31, |n| n.pred_opt().map_or(31, |l| l.day()))
}

impl Serialize for Recurrence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Recurrence {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Recurrence".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A recurrence rule in the RRULE subset TEHO accepts (FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY, BYSETPOS, COUNT, UNTIL), e.g. \"FREQ=WEEKLY;BYDAY=MO,TH\"."
        })
    }
}

impl<'de> Deserialize<'de> for Recurrence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Recurrence::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Recurrence {
    /// The rule in plain English for a worker opening a visit (seed
    /// `000_19cdf6fb7baf56d8.txt`: the care or nursing plan says "kui tihti tuleb neid
    /// teha", how often): how often, on which days, at what times (Tallinn), until when,
    /// and the dates left out.
    ///
    /// ```
    /// use teho_core::plan::Recurrence;
    /// let r = Recurrence::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;BYHOUR=9;BYMINUTE=30").unwrap();
    /// assert_eq!(r.in_words(), "every 2 weeks on Tuesday and Thursday at 09:30");
    /// let r = Recurrence::parse("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=8,16;COUNT=6").unwrap();
    /// assert_eq!(r.in_words(), "every month on the last Friday at 08:00 and 16:00, 6 times");
    /// ```
    pub fn in_words(&self) -> String {
        let unit = match self.frequency {
            Frequency::Daily => "day",
            Frequency::Weekly => "week",
            Frequency::Monthly => "month",
        };
        let mut out = match self.interval {
            1 => format!("every {unit}"),
            2 if self.frequency == Frequency::Daily => "every other day".to_string(),
            n => format!("every {n} {unit}s"),
        };
        // Days from the start of the month first, then those counted from its end.
        let mut nth = self.nth_weekdays.clone();
        nth.sort_by_key(|(n, w)| (*n < 0, *n, w.num_days_from_monday()));
        let mut on: Vec<String> = nth
            .iter()
            .map(|(n, w)| format!("the {} {}", ordinal(*n), weekday_name(*w)))
            .collect();
        let mut days = self.month_days.clone();
        days.sort_by_key(|d| (*d < 0, *d));
        on.extend(days.iter().map(|d| match *d {
            -1 => "the last day".to_string(),
            d if d < 0 => format!("the {} day", ordinal(d)),
            d => format!("day {d}"),
        }));
        let weekdays: Vec<String> = self
            .weekdays
            .iter()
            .map(|w| weekday_name(*w).to_string())
            .collect();
        use Weekday::{Fri, Mon, Thu, Tue, Wed};
        if self.frequency == Frequency::Monthly {
            on.extend(weekdays.iter().map(|w| format!("every {w}")));
        } else if self.weekdays == [Mon, Tue, Wed, Thu, Fri] {
            on.push("weekdays".to_string());
        } else if !weekdays.is_empty() {
            on.push(list(&weekdays));
        }
        if !on.is_empty() {
            out.push_str(" on ");
            out.push_str(&list(&on));
        }
        let times: Vec<String> = self
            .times()
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        out.push_str(" at ");
        out.push_str(&list(&times));
        match self.end {
            RecurrenceEnd::Open => {}
            RecurrenceEnd::Until(d) => out.push_str(&format!(", until {d}")),
            RecurrenceEnd::Count(1) => out.push_str(", once"),
            RecurrenceEnd::Count(n) => out.push_str(&format!(", {n} times")),
        }
        if !self.excluded.is_empty() {
            let d: Vec<String> = self.excluded.iter().map(NaiveDate::to_string).collect();
            out.push_str(&format!(", except {}", list(&d)));
        }
        out
    }
}

/// "first", "second", … "last", "second to last", … for an nth weekday or month day.
fn ordinal(n: i8) -> String {
    const NAMES: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];
    let name = |k: i8| {
        NAMES
            .get(usize::from(k.unsigned_abs()).saturating_sub(1))
            .map_or_else(|| format!("{}th", k.unsigned_abs()), |s| (*s).to_string())
    };
    match n {
        -1 => "last".to_string(),
        n if n < 0 => format!("{} to last", name(n)),
        n => name(n),
    }
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// "a", "a and b", "a, b and c".
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl fmt::Display for Recurrence {
    /// The canonical text form: parts in a fixed order, lists sorted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let freq = match self.frequency {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
        };
        write!(f, "FREQ={freq}")?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        let mut days: Vec<String> = self
            .weekdays
            .iter()
            .map(|w| weekday_code(*w).to_string())
            .collect();
        days.extend(
            self.nth_weekdays
                .iter()
                .map(|(n, w)| format!("{n}{}", weekday_code(*w))),
        );
        if !days.is_empty() {
            write!(f, ";BYDAY={}", days.join(","))?;
        }
        if !self.month_days.is_empty() {
            let d: Vec<String> = self.month_days.iter().map(i8::to_string).collect();
            write!(f, ";BYMONTHDAY={}", d.join(","))?;
        }
        let h: Vec<String> = self.hours.iter().map(u8::to_string).collect();
        let m: Vec<String> = self.minutes.iter().map(u8::to_string).collect();
        write!(f, ";BYHOUR={};BYMINUTE={}", h.join(","), m.join(","))?;
        match self.end {
            RecurrenceEnd::Open => {}
            RecurrenceEnd::Until(d) => write!(f, ";UNTIL={}", d.format("%Y%m%d"))?,
            RecurrenceEnd::Count(n) => write!(f, ";COUNT={n}")?,
        }
        if !self.excluded.is_empty() {
            let d: Vec<String> = self
                .excluded
                .iter()
                .map(|d| d.format("%Y%m%d").to_string())
                .collect();
            write!(f, "\nEXDATE;VALUE=DATE:{}", d.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "recurrence_tests.rs"]
mod tests;
