use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn occ(rule: &str, start: &str, from: &str, to: &str) -> Vec<String> {
    Recurrence::parse(rule)
        .unwrap_or_else(|e| panic!("{rule}: {e}"))
        .occurrences(d(start), d(from), d(to))
        .iter()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .collect()
}

#[test]
fn every_day_at_several_local_times() {
    assert_eq!(
        occ(
            "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=30",
            "2026-11-02",
            "2026-11-02",
            "2026-11-03"
        ),
        [
            "2026-11-02 08:30",
            "2026-11-02 20:30",
            "2026-11-03 08:30",
            "2026-11-03 20:30"
        ]
    );
    // BYMINUTE defaults to 0; RRULE: prefix accepted.
    assert_eq!(
        occ(
            "RRULE:FREQ=DAILY;BYHOUR=9",
            "2026-11-02",
            "2026-11-02",
            "2026-11-02"
        ),
        ["2026-11-02 09:00"]
    );
}

#[test]
fn given_weekdays_and_every_n_weeks() {
    // Mon 2 Nov 2026 start; every 2 weeks on Mon and Thu.
    assert_eq!(
        occ(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=10",
            "2026-11-02",
            "2026-11-01",
            "2026-11-22"
        ),
        [
            "2026-11-02 10:00",
            "2026-11-05 10:00",
            "2026-11-16 10:00",
            "2026-11-19 10:00"
        ]
    );
    // Daily restricted to weekdays.
    assert_eq!(
        occ(
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9",
            "2026-11-06",
            "2026-11-06",
            "2026-11-10"
        )
        .len(),
        3
    );
}

#[test]
fn monthly_on_a_day_or_an_nth_weekday() {
    assert_eq!(
        occ(
            "FREQ=MONTHLY;BYDAY=2TU;BYHOUR=11",
            "2026-11-01",
            "2026-11-01",
            "2027-01-31"
        ),
        ["2026-11-10 11:00", "2026-12-08 11:00", "2027-01-12 11:00"]
    );
    assert_eq!(
        occ(
            "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=11",
            "2026-11-01",
            "2026-11-01",
            "2026-12-31"
        ),
        ["2026-11-27 11:00", "2026-12-25 11:00"]
    );
    // The 31st: months without one get no visit (as RFC 5545); -1 is the last day.
    assert_eq!(
        occ(
            "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9",
            "2026-10-01",
            "2026-10-01",
            "2026-12-31"
        ),
        ["2026-10-31 09:00", "2026-12-31 09:00"]
    );
    assert_eq!(
        occ(
            "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9",
            "2027-01-15",
            "2027-01-01",
            "2027-03-31"
        ),
        ["2027-01-31 09:00", "2027-02-28 09:00", "2027-03-31 09:00"]
    );
}

#[test]
fn end_date_count_and_excluded_dates() {
    assert_eq!(
        occ(
            "FREQ=DAILY;BYHOUR=9;UNTIL=20261104",
            "2026-11-02",
            "2026-11-01",
            "2026-11-30"
        )
        .len(),
        3
    );
    // COUNT counts from the start, whatever the window; excluded dates still count.
    let rule = "FREQ=DAILY;BYHOUR=9,18;COUNT=5\nEXDATE;VALUE=DATE:20261103";
    assert_eq!(
        occ(rule, "2026-11-02", "2026-11-01", "2026-11-30"),
        ["2026-11-02 09:00", "2026-11-02 18:00", "2026-11-04 09:00"]
    );
    assert_eq!(
        occ(rule, "2026-11-02", "2026-11-04", "2026-11-30"),
        ["2026-11-04 09:00"]
    );
}

#[test]
fn print_is_canonical_and_parses_back() {
    for text in [
        "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=10;BYMINUTE=15;UNTIL=20261231",
        "FREQ=MONTHLY;BYDAY=-1FR,2TU;BYHOUR=11;BYMINUTE=0;COUNT=12",
        "FREQ=MONTHLY;BYMONTHDAY=-1,1,15;BYHOUR=9;BYMINUTE=0\nEXDATE;VALUE=DATE:20261224,20261231",
    ] {
        let r = Recurrence::parse(text).unwrap();
        assert_eq!(r.to_string(), text);
        assert_eq!(Recurrence::parse(&r.to_string()).unwrap(), r);
    }
    // Non-canonical input prints canonically.
    let r = Recurrence::parse("BYHOUR=20,8;FREQ=WEEKLY;BYDAY=TH,MO;WKST=MO").unwrap();
    assert_eq!(
        r.to_string(),
        "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=8,20;BYMINUTE=0"
    );
}

#[test]
fn unsupported_parts_are_refused_naming_the_part() {
    let part = |text: &str| match Recurrence::parse(text) {
        Err(RecurrenceError::Unsupported { part, .. }) => part,
        other => panic!("{text}: expected Unsupported, got {other:?}"),
    };
    assert_eq!(part("FREQ=YEARLY;BYHOUR=9"), "FREQ=YEARLY");
    assert_eq!(part("FREQ=DAILY;BYHOUR=9;BYSETPOS=1"), "BYSETPOS=1");
    assert_eq!(part("FREQ=DAILY;BYHOUR=9;BYMONTH=3"), "BYMONTH=3");
    assert_eq!(
        part("FREQ=DAILY;BYHOUR=9;UNTIL=20261231T000000Z"),
        "UNTIL=20261231T000000Z"
    );
    assert_eq!(part("FREQ=DAILY;BYHOUR=9;WKST=SU"), "WKST=SU");
    assert_eq!(part("FREQ=DAILY;BYHOUR=9;X-NAME=1"), "X-NAME=1");
    assert_eq!(part("FREQ=WEEKLY;BYDAY=2MO;BYHOUR=9"), "BYDAY");
    assert!(
        matches!(Recurrence::parse("FREQ=DAILY"), Err(RecurrenceError::Missing { part, .. }) if part == "BYHOUR")
    );
    assert!(
        matches!(Recurrence::parse("BYHOUR=9"), Err(RecurrenceError::Missing { part, .. }) if part == "FREQ")
    );
    assert!(
        matches!(Recurrence::parse("FREQ=WEEKLY;BYHOUR=9"), Err(RecurrenceError::Missing { part, .. }) if part == "BYDAY")
    );
    assert!(
        matches!(Recurrence::parse("FREQ=DAILY;BYHOUR=24"), Err(RecurrenceError::InvalidValue { part, value, .. }) if part == "BYHOUR" && value == "24")
    );
    assert!(matches!(
        Recurrence::parse("FREQ=DAILY;BYHOUR=9;COUNT=2;UNTIL=20261231"),
        Err(RecurrenceError::Conflict { .. })
    ));
    assert!(
        matches!(Recurrence::parse("FREQ=DAILY;FREQ=DAILY;BYHOUR=9"), Err(RecurrenceError::Duplicate { part }) if part == "FREQ")
    );
    assert!(
        matches!(Recurrence::parse("FREQ=DAILY;BYHOUR=9\nEXDATE;VALUE=DATE:20260230"), Err(RecurrenceError::InvalidValue { part, .. }) if part == "EXDATE")
    );
    assert!(matches!(
        Recurrence::parse("FREQ=MONTHLY;BYDAY=6MO;BYHOUR=9"),
        Err(RecurrenceError::InvalidValue { .. })
    ));
    assert!(matches!(
        Recurrence::parse("FREQ=MONTHLY;BYMONTHDAY=0;BYHOUR=9"),
        Err(RecurrenceError::InvalidValue { .. })
    ));
}

#[test]
fn times_that_are_not_an_hour_minute_product_are_refused() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert!(Recurrence::daily_at(&[t(8, 0), t(20, 0)]).is_ok());
    assert!(Recurrence::daily_at(&[t(8, 0), t(8, 30), t(20, 0), t(20, 30)]).is_ok());
    assert!(matches!(
        Recurrence::daily_at(&[t(8, 15), t(20, 30)]),
        Err(RecurrenceError::InvalidValue { .. })
    ));
    assert!(matches!(
        Recurrence::daily_at(&[]),
        Err(RecurrenceError::Missing { .. })
    ));
}

// ---- properties ------------------------------------------------------------

fn weekday() -> impl Strategy<Value = Weekday> {
    (0u8..7).prop_map(|n| Weekday::try_from(n).unwrap())
}

fn any_rule() -> impl Strategy<Value = Recurrence> {
    let times = (
        proptest::collection::vec(0u8..24, 1..4),
        proptest::collection::vec(0u8..60, 1..3),
    );
    let end = prop_oneof![
        Just(RecurrenceEnd::Open),
        (0i64..120).prop_map(|n| RecurrenceEnd::Until(d("2026-01-01") + Duration::days(n))),
        (1u32..60).prop_map(RecurrenceEnd::Count),
    ];
    let excluded = proptest::collection::vec(
        (0i64..120).prop_map(|n| d("2026-01-01") + Duration::days(n)),
        0..4,
    );
    let shape = prop_oneof![
        (1u32..4, proptest::collection::vec(weekday(), 0..3)).prop_map(|(i, w)| (
            Frequency::Daily,
            i,
            w,
            vec![],
            vec![]
        )),
        (1u32..4, proptest::collection::vec(weekday(), 1..4)).prop_map(|(i, w)| (
            Frequency::Weekly,
            i,
            w,
            vec![],
            vec![]
        )),
        (
            1u32..3,
            proptest::collection::vec(prop_oneof![1i8..29, -3i8..0], 1..3)
        )
            .prop_map(|(i, m)| (Frequency::Monthly, i, vec![], vec![], m)),
        (
            1u32..3,
            proptest::collection::vec((prop_oneof![1i8..6, -5i8..0], weekday()), 1..3)
        )
            .prop_map(|(i, n)| (Frequency::Monthly, i, vec![], n, vec![])),
    ];
    (shape, times, end, excluded).prop_map(
        |(
            (frequency, interval, weekdays, nth_weekdays, month_days),
            (hours, minutes),
            end,
            excluded,
        )| {
            Recurrence {
                frequency,
                interval,
                hours,
                minutes,
                weekdays,
                nth_weekdays,
                month_days,
                end,
                excluded,
            }
            .validated()
            .expect("generated rules are valid")
        },
    )
}

/// The oracle: occurrences built constructively, period by period, rather than by
/// testing each date.
fn oracle(r: &Recurrence, start: NaiveDate, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDateTime> {
    let mut dates: Vec<NaiveDate> = Vec::new();
    let end = to + Duration::days(400);
    match r.frequency {
        Frequency::Daily => {
            let mut day = start;
            while day <= end {
                if r.weekdays.is_empty() || r.weekdays.contains(&day.weekday()) {
                    dates.push(day);
                }
                day += Duration::days(i64::from(r.interval));
            }
        }
        Frequency::Weekly => {
            let mut monday =
                start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
            while monday <= end {
                for offset in 0..7 {
                    let day = monday + Duration::days(offset);
                    if day >= start && r.weekdays.contains(&day.weekday()) {
                        dates.push(day);
                    }
                }
                monday += Duration::weeks(i64::from(r.interval));
            }
        }
        Frequency::Monthly => {
            let mut first = start.with_day(1).unwrap();
            while first <= end {
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(first.year() + 1, 1, 1).unwrap()
                } else {
                    NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1).unwrap()
                };
                let last = next.pred_opt().unwrap();
                let mut in_month: Vec<NaiveDate> = Vec::new();
                for md in &r.month_days {
                    let day = if *md > 0 {
                        first.with_day(*md as u32)
                    } else {
                        last.checked_sub_signed(Duration::days(i64::from(-*md - 1)))
                            .filter(|x| x.month() == first.month())
                    };
                    in_month.extend(day);
                }
                for (n, w) in &r.nth_weekdays {
                    if *n > 0 {
                        let first_w = first
                            + Duration::days(i64::from(
                                (7 + w.num_days_from_monday() as i64
                                    - first.weekday().num_days_from_monday() as i64)
                                    as u32
                                    % 7,
                            ));
                        in_month.extend(
                            Some(first_w + Duration::weeks(i64::from(*n - 1)))
                                .filter(|x| x.month() == first.month()),
                        );
                    } else {
                        let last_w = last
                            - Duration::days(i64::from(
                                (7 + last.weekday().num_days_from_monday() as i64
                                    - w.num_days_from_monday() as i64)
                                    as u32
                                    % 7,
                            ));
                        in_month.extend(
                            Some(last_w - Duration::weeks(i64::from(-*n - 1)))
                                .filter(|x| x.month() == first.month()),
                        );
                    }
                }
                in_month.sort();
                in_month.dedup();
                dates.extend(in_month.into_iter().filter(|x| *x >= start));
                for _ in 0..r.interval {
                    first = if first.month() == 12 {
                        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1).unwrap()
                    } else {
                        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1).unwrap()
                    };
                }
            }
        }
    }
    let mut all: Vec<NaiveDateTime> = Vec::new();
    for day in dates {
        for h in &r.hours {
            for m in &r.minutes {
                all.push(day.and_hms_opt(u32::from(*h), u32::from(*m), 0).unwrap());
            }
        }
    }
    if let RecurrenceEnd::Count(n) = r.end {
        all.truncate(n as usize);
    }
    if let RecurrenceEnd::Until(u) = r.end {
        all.retain(|t| t.date() <= u);
    }
    all.retain(|t| t.date() >= from && t.date() <= to && !r.excluded.contains(&t.date()));
    all
}

/// A multi-byte character where a weekday's two letters are read: once a panic (the
/// split fell inside the character), now a typed error naming the value.
#[test]
fn a_multi_byte_character_in_a_weekday_is_a_typed_error() {
    for (text, value) in [
        ("FREQ=WEEKLY;BYDAY=éR", "éR"),
        ("FREQ=WEEKLY;BYDAY=1é", "1é"),
        ("FREQ=MONTHLY;BYDAY=€", "€"),
        ("FREQ=WEEKLY;BYDAY=MO,õ", "õ"),
    ] {
        match Recurrence::parse(text) {
            Err(RecurrenceError::InvalidValue { part, value: v, .. }) => {
                assert_eq!((part.as_str(), v.as_str()), ("BYDAY", value), "{text}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// An ordinal of -128 (the smallest `i8`) before a weekday: once a panic (its absolute
/// value overflowed; found by `scripts/fuzz`, target rrule_parse), now a typed error.
#[test]
fn the_smallest_ordinal_a_byte_holds_is_a_typed_error() {
    for text in [
        "FREQ=MONTHLY;BYDAY=-128WE",
        "FREQ=MONTHLY;BYDAY=MO,-000000128WE",
        "FREQ=MONTHLY;BYDAY=127MO",
    ] {
        match Recurrence::parse(text) {
            Err(RecurrenceError::InvalidValue { part, .. }) => assert_eq!(part, "BYDAY", "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn parsing_any_text_never_panics(s in "\\PC{0,80}") {
        let _ = Recurrence::parse(&s);
    }

    #[test]
    fn parsing_rule_like_text_never_panics(parts in proptest::collection::vec(
        ("(FREQ|INTERVAL|BYDAY|BYHOUR|BYMINUTE|BYMONTHDAY|COUNT|UNTIL|WKST|BYSETPOS)", "[-+0-9A-Z,Téõ€]{0,12}"), 0..7)) {
        let text: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = Recurrence::parse(&text.join(";"));
    }

    #[test]
    fn printed_rules_parse_back_to_themselves(r in any_rule()) {
        let text = r.to_string();
        prop_assert_eq!(Recurrence::parse(&text), Ok(r), "{}", text);
    }

    #[test]
    fn expansion_agrees_with_a_constructive_oracle(r in any_rule(), start in 0i64..60, from in 0i64..90, len in 0i64..120) {
        let start = d("2026-01-01") + Duration::days(start);
        let from = d("2026-01-01") + Duration::days(from);
        let to = from + Duration::days(len);
        prop_assert_eq!(r.occurrences(start, from, to), oracle(&r, start, from, to), "{}", r);
    }
}

/// The plan a visit opens says how often in words (seed 000: "kui tihti tuleb neid
/// teha"): frequency, days, times, end and exceptions, each as the rule has them.
#[test]
fn a_rule_in_words_says_how_often_on_which_days_at_what_times_until_when() {
    for (rule, words) in [
        ("FREQ=DAILY;BYHOUR=9", "every day at 09:00"),
        (
            "FREQ=DAILY;INTERVAL=2;BYHOUR=8,20;BYMINUTE=15",
            "every other day at 08:15 and 20:15",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=12",
            "every week on weekdays at 12:00",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=SA,SU;BYHOUR=10;UNTIL=20270131",
            "every 3 weeks on Saturday and Sunday at 10:00, until 2027-01-31",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=1,-1;BYHOUR=7;COUNT=1",
            "every month on day 1 and the last day at 07:00, once",
        ),
        (
            "FREQ=MONTHLY;BYDAY=2TU,-2FR;BYHOUR=11",
            "every month on the second Tuesday and the second to last Friday at 11:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO;BYHOUR=11",
            "every month on every Monday at 11:00",
        ),
        (
            "FREQ=DAILY;BYHOUR=9\nEXDATE;VALUE=DATE:20261224,20261225",
            "every day at 09:00, except 2026-12-24 and 2026-12-25",
        ),
    ] {
        let r = Recurrence::parse(rule).unwrap();
        assert_eq!(r.in_words(), words, "{rule}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever the rule, its words name each of its times and each of its weekdays.
    #[test]
    fn a_rule_in_words_names_every_time_and_weekday(r in any_rule()) {
        let words = r.in_words();
        for t in r.times() {
            let t = t.format("%H:%M").to_string();
            prop_assert!(words.contains(&t), "{} lacks {}: {}", r, t, words);
        }
        let full = ["MO", "TU", "WE", "TH", "FR"].iter().all(|c| r.to_string().contains(c))
            && r.weekdays.len() == 5;
        for w in &r.weekdays {
            let name = format!("{w:?}");
            prop_assert!(full || words.contains(&name[..3]), "{} lacks {}: {}", r, name, words);
        }
    }
}

/// Expanding a rule whose start lies far back gives what the same rule gives from a
/// recent start on the same beat, and begins near the window instead of walking from the
/// start (issue 17: a start 262,000 years back walked day by day under the write lock);
/// the earliest date chrono holds is a start like any other, never a panic.
#[test]
fn a_start_far_back_expands_like_a_recent_one_on_the_same_beat_and_never_panics() {
    let recent = d("2026-11-02");
    let (from, to) = (d("2026-11-02"), d("2027-02-28"));
    for (rule, far) in [
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA;BYHOUR=9",
            recent - Duration::weeks(2 * 100_000),
        ),
        (
            "FREQ=DAILY;INTERVAL=3;BYHOUR=8,20",
            recent - Duration::days(3 * 300_000),
        ),
        (
            "FREQ=DAILY;INTERVAL=2;BYDAY=MO,WE,FR;BYHOUR=7",
            recent - Duration::days(2 * 300_000),
        ),
        (
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=2,-1;BYHOUR=10",
            recent
                .checked_sub_months(chrono::Months::new(2 * 12_000))
                .unwrap(),
        ),
    ] {
        let r = Recurrence::parse(rule).unwrap();
        let near = r.occurrences(recent, from, to);
        assert!(!near.is_empty(), "{rule}");
        assert_eq!(r.occurrences(far, from, to), near, "{rule} from {far}");
        let earliest = r.occurrences(NaiveDate::MIN, from, to);
        assert!(
            earliest.iter().all(|t| t.date() >= from && t.date() <= to),
            "{rule}"
        );
    }
}

/// A rule counted from its start that can never match (the 31st of every twelfth month
/// from a February) gives nothing, wherever it starts: after `interval` cycles of 400
/// Gregorian years without a match the walk stops (issue 17, item 4: fuzzing found it
/// walking from chrono's first day for over ten seconds; the input is kept in
/// fuzz/regressions/recurrence_expand/). One that matches rarely — 29 February, every
/// twelfth month from a February — still counts from its start.
#[test]
fn a_counted_rule_that_never_matches_gives_nothing_and_a_rare_one_still_counts() {
    let never =
        Recurrence::parse("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31;COUNT=3;BYHOUR=9").unwrap();
    let (from, to) = (d("2026-01-01"), d("2030-12-31"));
    for start in [d("2026-02-01"), d("1800-02-01"), NaiveDate::MIN] {
        assert_eq!(
            never.occurrences(start, from, to),
            Vec::new(),
            "from {start}"
        );
    }
    let rare =
        Recurrence::parse("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=29;COUNT=2;BYHOUR=9").unwrap();
    let got: Vec<String> = rare
        .occurrences(d("2023-02-01"), d("2023-01-01"), d("2040-12-31"))
        .iter()
        .map(|t| t.date().to_string())
        .collect();
    assert_eq!(got, ["2024-02-29", "2028-02-29"]);
}
