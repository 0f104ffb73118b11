//! The Estonian working-day calendar: weekends and the public holidays of the Public
//! Holidays and Days of National Importance Act, with the movable feasts (Good Friday,
//! Easter Sunday, Pentecost) computed from the Gregorian Easter, not listed by year.
//!
//! It serves the working-day deadlines of seed `002_b4b88f78f180845d.txt`: §7(2)3
//! (access ends by the working day after employment ends), §15(2) and §16(3) (five
//! working days).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Estonian public holiday (riigipüha).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PublicHoliday {
    /// 1 January, uusaasta.
    NewYear,
    /// 24 February, iseseisvuspäev.
    IndependenceDay,
    /// Friday before Easter, suur reede.
    GoodFriday,
    /// Easter Sunday, ülestõusmispühade 1. püha.
    EasterSunday,
    /// 1 May, kevadpüha.
    SpringDay,
    /// Seventh Sunday after Easter, nelipühade 1. püha.
    Pentecost,
    /// 23 June, võidupüha.
    VictoryDay,
    /// 24 June, jaanipäev.
    Midsummer,
    /// 20 August, taasiseseisvumispäev.
    RestorationOfIndependence,
    /// 24 December, jõululaupäev (a public holiday since 2005).
    ChristmasEve,
    /// 25 December, esimene jõulupüha.
    ChristmasDay,
    /// 26 December, teine jõulupüha.
    BoxingDay,
}

/// Gregorian Easter Sunday (the anonymous algorithm of Meeus, Jones and Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
        .expect("the Easter algorithm yields a date in March or April")
}

/// The public holiday falling on `date`, if any.
pub fn public_holiday(date: NaiveDate) -> Option<PublicHoliday> {
    use PublicHoliday::*;
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some(NewYear),
        (2, 24) => Some(IndependenceDay),
        (5, 1) => Some(SpringDay),
        (6, 23) => Some(VictoryDay),
        (6, 24) => Some(Midsummer),
        (8, 20) => Some(RestorationOfIndependence),
        (12, 24) if date.year() >= 2005 => Some(ChristmasEve),
        (12, 25) => Some(ChristmasDay),
        (12, 26) => Some(BoxingDay),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let easter = easter_sunday(date.year());
    if date == easter - Duration::days(2) {
        Some(GoodFriday)
    } else if date == easter {
        Some(EasterSunday)
    } else if date == easter + Duration::days(49) {
        Some(Pentecost)
    } else {
        None
    }
}

/// A working day is neither a Saturday, a Sunday nor a public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && public_holiday(date).is_none()
}

/// The first working day strictly after `date`.
pub fn next_working_day(date: NaiveDate) -> NaiveDate {
    add_working_days(date, 1)
}

/// The `n`-th working day strictly after `date` (`n = 0` gives `date` itself), as in
/// "within five working days" (seed `002_b4b88f78f180845d.txt` §15(2), §16(3)).
pub fn add_working_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_are_not_working_days() {
        assert!(is_working_day(d("2026-11-20"))); // Friday
        assert!(!is_working_day(d("2026-11-21"))); // Saturday
        assert!(!is_working_day(d("2026-11-22"))); // Sunday
        assert!(is_working_day(d("2026-11-23"))); // Monday
    }

    #[test]
    fn each_fixed_public_holiday_is_not_a_working_day() {
        // 2027: each of these falls on a weekday, so only the holiday rule can exclude it.
        let cases = [
            ("2027-01-01", PublicHoliday::NewYear),
            ("2027-02-24", PublicHoliday::IndependenceDay),
            ("2027-06-23", PublicHoliday::VictoryDay),
            ("2027-06-24", PublicHoliday::Midsummer),
            ("2027-08-20", PublicHoliday::RestorationOfIndependence),
            ("2027-12-24", PublicHoliday::ChristmasEve),
            ("2026-05-01", PublicHoliday::SpringDay),
            ("2026-12-25", PublicHoliday::ChristmasDay),
        ];
        for (day, holiday) in cases {
            let date = d(day);
            assert!(
                !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                "{day}"
            );
            assert_eq!(public_holiday(date), Some(holiday), "{day}");
            assert!(!is_working_day(date), "{day}");
        }
        assert_eq!(
            public_holiday(d("2028-12-26")),
            Some(PublicHoliday::BoxingDay)
        );
        assert!(!is_working_day(d("2028-12-26")));
        // Christmas Eve became a public holiday in 2005.
        assert_eq!(public_holiday(d("2004-12-24")), None);
        assert!(is_working_day(d("2004-12-24")));
    }

    #[test]
    fn movable_feasts_are_computed_in_three_years() {
        // Published Western Easter dates.
        for (year, easter, good_friday, pentecost) in [
            (2024, "2024-03-31", "2024-03-29", "2024-05-19"),
            (2026, "2026-04-05", "2026-04-03", "2026-05-24"),
            (2027, "2027-03-28", "2027-03-26", "2027-05-16"),
            (2038, "2038-04-25", "2038-04-23", "2038-06-13"),
        ] {
            assert_eq!(easter_sunday(year), d(easter), "{year}");
            assert_eq!(
                public_holiday(d(good_friday)),
                Some(PublicHoliday::GoodFriday)
            );
            assert!(!is_working_day(d(good_friday)), "{good_friday}");
            assert_eq!(public_holiday(d(easter)), Some(PublicHoliday::EasterSunday));
            assert_eq!(public_holiday(d(pentecost)), Some(PublicHoliday::Pentecost));
        }
        // The Thursday before Good Friday and Easter Monday are working days in Estonia.
        assert!(is_working_day(d("2026-04-02")));
        assert!(is_working_day(d("2026-04-06")));
    }

    #[test]
    fn next_working_day_skips_weekends_and_holidays() {
        // Friday -> Monday.
        assert_eq!(next_working_day(d("2026-11-20")), d("2026-11-23"));
        // Thursday 2 April 2026 -> Good Friday, weekend, Easter -> Monday 6 April.
        assert_eq!(next_working_day(d("2026-04-02")), d("2026-04-06"));
        // 23 Dec 2026 (Wed) -> 24, 25, 26, 27 closed -> Monday 28 Dec.
        assert_eq!(next_working_day(d("2026-12-23")), d("2026-12-28"));
        // Five working days from Friday 19 June 2026: 22, 25, 26, 29, 30 June.
        assert_eq!(add_working_days(d("2026-06-19"), 5), d("2026-06-30"));
        assert_eq!(add_working_days(d("2026-06-19"), 0), d("2026-06-19"));
    }
}
