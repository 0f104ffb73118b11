//! Time policy: instants are UTC, local dates are Europe/Tallinn. Every rule that
//! speaks of "a day" (a membership valid until, an employment's last day, a working-day
//! deadline) means the Tallinn calendar day.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use serde::Deserializer;
use serde::de::Visitor;

/// The earliest date a request may carry: 1 January 1800, the first birth date an
/// Estonian personal code can encode (its century digit 1 or 2).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1800, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The latest date a request may carry: 31 December 2200, far past the end of any plan,
/// contract or retention period of a record made in this century.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// The Tallinn calendar date of an instant. Within Tallinn's offset of the last instant
/// chrono holds, where the local time itself is past chrono's range, the last date
/// chrono holds (issue 17, item 4: fuzzing found the panic there).
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    use chrono::Offset;
    let offset = Tallinn.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc()
        .checked_add_offset(offset)
        .map_or(NaiveDate::MAX, |local| local.date())
}

/// The first instant of a Tallinn day. Tallinn's transitions happen at 03:00/04:00,
/// never at midnight, but should a midnight not exist the earliest later instant is used.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    let mut t = date.and_time(NaiveTime::MIN);
    loop {
        if let Some(dt) = Tallinn.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(1);
    }
}

/// Whether `at` falls on a Tallinn day within `from ..= until` (`until` open when `None`).
pub fn within_days(at: DateTime<Utc>, from: NaiveDate, until: Option<NaiveDate>) -> bool {
    let d = local_date(at);
    d >= from && until.is_none_or(|u| d <= u)
}

/// Reads an instant as chrono writes it (`2026-11-23T06:30:00Z`, the shape every stored
/// record has) without chrono's general parser, a quarter of a visit's decoding; any
/// other RFC 3339 text goes through that parser, with its errors.
pub(crate) fn de_utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(Text(utc))
}

/// [`de_utc`] for a local date and time (`2026-11-23T08:30:00`), absent when `null`.
pub(crate) fn de_naive_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<NaiveDateTime>, D::Error> {
    d.deserialize_option(Optional(Text(naive)))
}

fn utc(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match s.strip_suffix('Z').and_then(naive_fast) {
        Some(t) => Ok(t.and_utc()),
        None => s.parse(),
    }
}

fn naive(s: &str) -> Result<NaiveDateTime, chrono::ParseError> {
    naive_fast(s).map_or_else(|| s.parse(), Ok)
}

/// A visitor of text parsed by the function it holds, borrowed or not as the format
/// gives it.
struct Text<T>(fn(&str) -> Result<T, chrono::ParseError>);

impl<T> Visitor<'_> for Text<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        (self.0)(s).map_err(E::custom)
    }
}

/// [`Text`] or `null`.
struct Optional<T>(Text<T>);

impl<'de, T> Visitor<'de> for Optional<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 date and time, or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_str(self.0).map(Some)
    }
}

/// `YYYY-MM-DDTHH:MM:SS` with up to nine digits of fraction, the shape chrono writes for
/// years 0–9999; `None` for anything else (a leap second, a sign, a lowercase `t`), which
/// the caller leaves to chrono.
fn naive_fast(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 19 || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', f @ ..] if (1..=9).contains(&f.len()) => digits(f)? * 10u32.pow(9 - f.len() as u32),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(
        digits(&b[..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?
    .and_hms_nano_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        nanos,
    )
}

/// The number written in ASCII digits `b` (at most nine); `None` if any is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_utc(json: &str) -> Result<DateTime<Utc>, serde_json::Error> {
        de_utc(&mut serde_json::Deserializer::from_str(json))
    }

    fn read_naive(json: &str) -> Result<Option<NaiveDateTime>, serde_json::Error> {
        de_naive_opt(&mut serde_json::Deserializer::from_str(json))
    }

    proptest! {
        #[test]
        fn instants_read_back_as_chrono_wrote_them(
            secs in -80_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|ms| ms * 1_000_000),
                (0u32..1_000_000).prop_map(|us| us * 1000),
                0u32..1_000_000_000,
            ],
        ) {
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            prop_assert_eq!(read_utc(&serde_json::to_string(&t).unwrap()).unwrap(), t);
            let n = t.naive_utc();
            prop_assert_eq!(read_naive(&serde_json::to_string(&n).unwrap()).unwrap(), Some(n));
        }

        #[test]
        fn the_fast_path_agrees_with_chrono_or_leaves_it_to_chrono(
            (y, mo, d) in (0u32..10_000, 0u32..14, 0u32..33),
            (h, mi, sec) in (0u32..25, 0u32..61, 0u32..62),
            sep in prop::sample::select(vec!["T", "t", " "]),
            fraction in "(\\.[0-9]{0,11})?",
            zone in prop::sample::select(vec!["Z", "z", ""]),
        ) {
            let s = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}{fraction}{zone}");
            if let Some(t) = s.strip_suffix('Z').and_then(naive_fast) {
                prop_assert_eq!(Ok(t.and_utc()), s.parse::<DateTime<Utc>>());
            }
            if let Some(t) = naive_fast(&s) {
                prop_assert_eq!(Ok(t), s.parse::<NaiveDateTime>());
            }
            // Through the deserializers, the answer is chrono's either way.
            let json = serde_json::to_string(&s).unwrap();
            prop_assert_eq!(read_utc(&json).ok(), s.parse::<DateTime<Utc>>().ok());
            prop_assert_eq!(read_naive(&json).ok().flatten(), s.parse::<NaiveDateTime>().ok());
        }
    }

    #[test]
    fn what_the_fast_path_declines_chrono_still_reads() {
        // A leap second, an offset, a lowercase separator: chrono's parser, same result.
        for s in [
            "2016-12-31T23:59:60Z",
            "2026-11-23T08:30:00+02:00",
            "2026-11-23t06:30:00z",
        ] {
            assert_eq!(
                read_utc(&format!("\"{s}\"")).unwrap(),
                s.parse::<DateTime<Utc>>().unwrap()
            );
        }
        // Text that cannot be borrowed (an escape, a parsed JSON value) reads the same.
        let t: DateTime<Utc> = "2026-11-23T06:30:00Z".parse().unwrap();
        assert_eq!(read_utc("\"2026-11-23T06:30:00\\u005a\"").unwrap(), t);
        let v = serde_json::json!({"at": "2026-11-23T06:30:00Z"});
        assert_eq!(de_utc(&v["at"]).unwrap(), t);
        assert_eq!(read_naive("null").unwrap(), None);
        // A bad date is an error, not a default.
        assert!(read_utc("\"2026-02-30T06:30:00Z\"").is_err());
        assert!(read_naive("\"2026-11-23T24:00:00\"").is_err());
        assert!(read_utc("17").is_err());
    }

    #[test]
    fn local_date_follows_tallinn_not_utc() {
        // 22:30 UTC on 31 Dec is already 1 Jan in Tallinn (UTC+2 in winter).
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 22, 30, 0).unwrap();
        assert_eq!(local_date(at).to_string(), "2027-01-01");
        // 21:30 UTC on 30 Jun is 00:30 on 1 Jul in summer time (UTC+3).
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 21, 30, 0).unwrap();
        assert_eq!(local_date(at).to_string(), "2026-07-01");
        let start = start_of_day(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 6, 30, 21, 0, 0).unwrap());
    }
}
