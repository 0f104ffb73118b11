use super::*;
use crate::ids::{ClientFileId, PlanId, PlanItemId, VisitId};
use crate::plan::Recurrence;
use chrono::{Datelike, NaiveTime};
use proptest::prelude::*;
use uuid::Uuid;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn item(rule: &str, from: &str) -> PlanItem {
    PlanItem {
        id: PlanItemId(Uuid::from_u128(1)),
        plan: PlanId(Uuid::from_u128(2)),
        file: ClientFileId(Uuid::from_u128(3)),
        domain: Domain::Care,
        provider: crate::ids::OrganizationId(Uuid::from_u128(4)),
        action: PlannedAction {
            code: "HOOLD-01".into(),
            text: "Morning care".into(),
        },
        worker: None,
        place: "home".into(),
        duration_minutes: 30,
        recurrence: Recurrence::parse(rule).unwrap(),
        valid_from: d(from),
        valid_until: None,
    }
}

fn ids() -> impl FnMut() -> VisitId {
    let mut n = 0u128;
    move || {
        n += 1;
        VisitId(Uuid::from_u128(1000 + n))
    }
}

#[test]
fn a_daily_0330_visit_exists_exactly_once_on_both_2026_transition_days() {
    let it = item("FREQ=DAILY;BYHOUR=3;BYMINUTE=30", "2026-01-01");
    let utc = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
    let starts = |from: &str, to: &str| -> Vec<DateTime<Utc>> {
        expand(&it, d(from), d(to), ids())
            .into_iter()
            .map(|v| v.start)
            .collect()
    };
    // Spring forward, 29 March 2026: 03:30 does not exist; it moves to 04:30 EEST.
    assert_eq!(
        starts("2026-03-28", "2026-03-30"),
        [
            utc(2026, 3, 28, 1, 30),
            utc(2026, 3, 29, 1, 30),
            utc(2026, 3, 30, 0, 30)
        ]
    );
    // Fall back, 25 October 2026: 03:30 happens twice; the earlier (EEST) is taken.
    assert_eq!(
        starts("2026-10-24", "2026-10-26"),
        [
            utc(2026, 10, 24, 0, 30),
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 26, 1, 30)
        ]
    );
}

/// Days on which Tallinn's UTC offset changes, found by comparing noon offsets.
fn transition_days(from_year: i32, to_year: i32) -> Vec<NaiveDate> {
    let offset = |day: NaiveDate| {
        Tallinn
            .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
            .earliest()
            .unwrap()
            .offset()
            .fix()
            .local_minus_utc()
    };
    let mut out = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(to_year, 12, 31).unwrap();
    while day < end {
        let next = day.succ_opt().unwrap();
        if offset(day) != offset(next) {
            out.push(next);
        }
        day = next;
    }
    out
}

#[test]
fn the_whole_day_offset_table_gives_what_the_zone_rules_give() {
    // Every day of the table, and the days just outside it, at times around the night
    // transitions and through the day: the fast path must equal chrono-tz's rules.
    let mut found = 0;
    let mut day = OFFSETS_FROM - Duration::days(2);
    let end = OFFSETS_FROM + Duration::days(OFFSETS_DAYS as i64 + 2);
    while day < end {
        if whole_day_offset(day).is_none() {
            found += 1;
        }
        for (h, m) in [
            (0, 0),
            (2, 59),
            (3, 0),
            (3, 30),
            (4, 0),
            (7, 15),
            (12, 0),
            (23, 59),
        ] {
            let local = day.and_hms_opt(h, m, 0).unwrap();
            assert_eq!(tallinn_instant(local), instant_by_rules(local), "{local}");
        }
        day += Duration::days(1);
    }
    // The transition days of 1970-2099 (and the 4 days outside the table).
    let expected = transition_days(1970, 2099).len() + 4;
    assert_eq!(found, expected);
}

#[test]
fn every_tallinn_transition_1990_2100_expands_without_drops_or_duplicates() {
    let days = transition_days(1990, 2100);
    // Two a year, except 1999-2001 when Estonia kept standard time all year.
    assert!(
        days.len() >= 2 * (2100 - 1990 + 1 - 3) - 2,
        "only {} transitions found",
        days.len()
    );
    // chrono-tz's table for Europe/Tallinn ends with the 2099-10-25 transition; the two
    // 2100 transitions are not in the data (2100 is all standard time there).
    assert_eq!(
        days.last().map(|d| d.to_string()),
        Some("2099-10-25".into())
    );
    assert_eq!(days.len(), 216, "1990-2099 less 1999-2001");
    let every_half_hour: Vec<u8> = (0..24).collect();
    let mut rule = Recurrence::parse("FREQ=DAILY;BYHOUR=0;BYMINUTE=0,30").unwrap();
    rule.hours = every_half_hour;
    let mut it = item("FREQ=DAILY;BYHOUR=0", "1989-01-01");
    it.recurrence = rule;
    let mut checked = 0;
    for day in &days {
        let visits = expand(
            &it,
            *day - Duration::days(1),
            *day + Duration::days(1),
            ids(),
        );
        // 0 drops, 0 duplicates: one visit per slot, 48 slots a day.
        assert_eq!(visits.len(), 3 * 48, "{day}");
        let slots: HashSet<_> = visits.iter().map(|v| v.slot).collect();
        assert_eq!(slots.len(), visits.len(), "{day}: a slot appears twice");
        // (Instants need not follow slot order: in a gap 02:30 moves to 03:30, after
        // the real 03:00. What must hold is below: each at its time or later by the gap.)
        for v in &visits {
            let slot = v.slot.unwrap();
            let local = v.start.with_timezone(&Tallinn).naive_local();
            // The visit is at its wall-clock time, or (in a gap only) later by the gap.
            let shift = (local - slot).num_minutes();
            assert!(
                shift == 0
                    || (shift == 60
                        && Tallinn.from_local_datetime(&slot).single().is_none()
                        && Tallinn.from_local_datetime(&slot).earliest().is_none()),
                "{day}: slot {slot} landed at {local}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, days.len());
    // And the whole of 2100, beyond the data: one visit per slot, every day.
    let year = expand(&it, d("2100-01-01"), d("2100-12-31"), ids());
    assert_eq!(year.len(), 365 * 48);
    assert!(year.windows(2).all(|p| p[0].start < p[1].start));
}

#[test]
fn regenerating_an_unchanged_item_is_a_noop() {
    let it = item("FREQ=DAILY;BYHOUR=8,20", "2026-11-01");
    let now = tallinn_instant(d("2026-11-01").and_hms_opt(0, 0, 0).unwrap());
    let first = regenerate(&it, &[], d("2026-11-01"), d("2026-11-30"), now, ids());
    assert_eq!(first.added.len(), 60);
    let again = regenerate(
        &it,
        &first.added,
        d("2026-11-01"),
        d("2026-11-30"),
        now,
        ids(),
    );
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(again.unchanged.len(), 60);
}

// ---- the property: regeneration never touches recorded or hand-changed visits ----

#[derive(Debug, Clone)]
enum Touch {
    Done,
    NotDone,
    Cancel,
    Move(i64),
}

fn any_item() -> impl Strategy<Value = PlanItem> {
    let rule = prop_oneof![
        (proptest::collection::vec(6u8..22, 1..3)).prop_map(|h| {
            let hours: Vec<String> = h.iter().map(u8::to_string).collect();
            format!("FREQ=DAILY;BYHOUR={}", hours.join(","))
        }),
        (1u32..3, 7u8..19)
            .prop_map(|(i, h)| format!("FREQ=WEEKLY;INTERVAL={i};BYDAY=MO,WE,FR;BYHOUR={h}")),
        (1i8..29, 9u8..15).prop_map(|(day, h)| format!("FREQ=MONTHLY;BYMONTHDAY={day};BYHOUR={h}")),
    ];
    (
        rule,
        0i64..20,
        proptest::option::of(20i64..70),
        15u32..90,
        proptest::option::of(0u8..3),
        0u8..3,
    )
        .prop_map(|(rule, from, until, duration, worker, place)| {
            let mut it = item(&rule, "2026-11-01");
            it.valid_from = d("2026-11-01") + Duration::days(from);
            it.valid_until = until.map(|u| d("2026-11-01") + Duration::days(u));
            it.duration_minutes = duration;
            it.worker = worker.map(|w| crate::ids::WorkerId(Uuid::from_u128(500 + u128::from(w))));
            it.place = ["home", "day centre", "Iru"][place as usize].into();
            it
        })
}

fn touch() -> impl Strategy<Value = Option<Touch>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some(Touch::Done)),
        1 => Just(Some(Touch::NotDone)),
        1 => Just(Some(Touch::Cancel)),
        1 => (-180i64..180).prop_map(|m| Some(Touch::Move(m))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn recorded_and_hand_changed_visits_survive_regeneration(
        before in any_item(),
        after in any_item(),
        touches in proptest::collection::vec(touch(), 120),
        now_day in 0i64..40,
        now_hour in 0u32..24,
    ) {
        let (from, to) = (d("2026-11-01"), d("2027-01-31"));
        let mut stored = regenerate(&before, &[], from, to, tallinn_instant(d("2026-11-01").and_hms_opt(0, 0, 0).unwrap()), ids()).added;
        // Record, cancel or move some visits by hand.
        for (v, t) in stored.iter_mut().zip(touches.iter().cycle()) {
            match t {
                Some(Touch::Done) => v.status = VisitStatus::Done,
                Some(Touch::NotDone) => v.status = VisitStatus::NotDone,
                Some(Touch::Cancel) => v.status = VisitStatus::Cancelled,
                Some(Touch::Move(m)) => { v.start += Duration::minutes(*m); v.end += Duration::minutes(*m); v.moved_by_hand = true; }
                None => {}
            }
        }
        let fixed: Vec<Visit> = stored.iter().filter(|v| v.is_fixed()).cloned().collect();
        // The plan changes (same item id), and is regenerated at `now`.
        let mut changed = after.clone();
        changed.id = before.id;
        let now = tallinn_instant((d("2026-11-01") + Duration::days(now_day)).and_time(NaiveTime::from_hms_opt(now_hour, 0, 0).unwrap()));
        let diff = regenerate(&changed, &stored, from, to, now, ids());
        // Apply the diff as the store would.
        for v in stored.iter_mut() {
            if diff.removed.contains(&v.id) { v.status = VisitStatus::Superseded; }
        }
        stored.extend(diff.added.iter().cloned());

        // 1. Every recorded or hand-changed visit is still there, exactly as it was.
        for f in &fixed {
            let now_v = stored.iter().find(|v| v.id == f.id).unwrap();
            prop_assert_eq!(now_v, f);
            prop_assert!(!diff.removed.contains(&f.id));
        }
        // 2. Oracle: the live planned future visits are exactly the new plan's future
        //    slots that no kept visit already stands for.
        // (A day's n-th visit is one place: a kept visit holds it whatever its time.)
        let kept_places: HashSet<(NaiveDate, u16)> = stored.iter()
            .filter(|v| v.status != VisitStatus::Superseded && (v.is_fixed() || v.start < now))
            .filter_map(|v| v.slot.map(|s| (s.date(), v.slot_index))).collect();
        let mut want: Vec<NaiveDateTime> = item_slots(&changed, from, to).into_iter()
            .filter(|(s, i)| tallinn_instant(*s) >= now && !kept_places.contains(&(s.date(), *i)))
            .map(|(s, _)| s).collect();
        want.sort();
        let mut live: Vec<NaiveDateTime> = stored.iter()
            .filter(|v| v.status == VisitStatus::Planned && !v.moved_by_hand && v.start >= now)
            .filter_map(|v| v.slot).collect();
        live.sort();
        prop_assert_eq!(live, want);
        // 3. Past visits without an outcome are never removed.
        prop_assert!(stored.iter().filter(|v| v.start < now).all(|v| v.status != VisitStatus::Superseded || !diff.removed.contains(&v.id)));
        // 4. Regenerating again with no change does nothing.
        let again = regenerate(&changed, &stored, from, to, now, ids());
        prop_assert!(again.is_noop(), "{:?}", again);
    }
}

/// Issue 17, item 3: a wall-clock time at chrono's first or last day once panicked
/// (`tallinn_instant` subtracted six hours from the first instant chrono holds). Any
/// day chrono holds gives an instant, and the instants keep the order of the times.
#[test]
fn every_wall_clock_time_chrono_holds_has_an_instant() {
    let ends = [NaiveDate::MIN, NaiveDate::MAX];
    let times = [
        NaiveTime::MIN,
        NaiveTime::from_hms_opt(3, 30, 0).unwrap(),
        NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
    ];
    for day in ends {
        let mut last = None;
        for t in times {
            let at = tallinn_instant(day.and_time(t));
            assert!(last.is_none_or(|l| l <= at), "{day} {t}");
            last = Some(at);
        }
    }
}

proptest! {
    #[test]
    fn any_day_chrono_holds_gives_an_instant_without_panicking(
        days in i64::from(NaiveDate::MIN.num_days_from_ce())..=i64::from(NaiveDate::MAX.num_days_from_ce()),
        secs in 0u32..86_400,
    ) {
        let day = NaiveDate::from_num_days_from_ce_opt(days as i32).unwrap();
        let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
        let _ = tallinn_instant(day.and_time(t));
    }
}

/// Issue 17, item 4 (found by fuzzing, `fuzz/regressions/tallinn_instant/`): the
/// Tallinn date of an instant within two hours of the last one chrono holds panicked
/// (its local time lies past chrono's range); it is chrono's last date, and the dates
/// of all other instants are as before.
#[test]
fn the_local_date_of_the_last_instants_chrono_holds_is_its_last_date() {
    let last = DateTime::<Utc>::MAX_UTC;
    assert_eq!(crate::time::local_date(last), NaiveDate::MAX);
    assert_eq!(
        crate::time::local_date(last - Duration::hours(1)),
        NaiveDate::MAX
    );
    assert!(crate::time::within_days(last, NaiveDate::MAX, None));
    let summer = Utc.with_ymd_and_hms(2026, 7, 1, 21, 30, 0).unwrap();
    assert_eq!(
        crate::time::local_date(summer),
        d("2026-07-02"),
        "UTC+3 in summer"
    );
    let winter = Utc.with_ymd_and_hms(2026, 1, 1, 21, 30, 0).unwrap();
    assert_eq!(
        crate::time::local_date(winter),
        d("2026-01-01"),
        "UTC+2 in winter"
    );
}
