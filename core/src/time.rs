//! Time policy: instants are UTC, local dates are Europe/Tallinn. Every rule that
//! speaks of "a day" (a membership valid until, an employment's last day, a working-day
//! deadline) means the Tallinn calendar day.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;

/// The Tallinn calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Tallinn).date_naive()
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

#[cfg(test)]
mod tests {
    use super::*;

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
