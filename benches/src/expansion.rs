//! Workload 1: expanding a year of plan items of mixed shapes in Europe/Tallinn, against
//! the Rust `rrule` crate, python-dateutil's `rrule` with `zoneinfo`, and a hand-written
//! chrono-tz loop (the practical limit). Every expander must give the same number of
//! instants and the same checksum of them, or the run fails.

use std::collections::HashSet;
use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Europe::Tallinn;
use teho_core::calendar::tallinn_instant;
use teho_core::plan::Recurrence;

use crate::{Options, Outcome, Rng, judged, line, mix};

/// The expanded year: 2027, Tallinn days.
const FIRST: (i32, u32, u32) = (2027, 1, 1);
const LAST: (i32, u32, u32) = (2027, 12, 31);
/// `UNTIL` for the peers: the end of 31 December 2027 in Tallinn (EET, UTC+2), in UTC.
const UNTIL_UTC: &str = "20271231T215959Z";

/// The shape of a plan item, as the hand-written loop sees it.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Every day.
    Daily,
    /// On the weekdays of the mask (bit 0 = Monday), every week.
    Weekly(u8),
    /// On the weekdays of the mask, every second week counted from the start's week.
    Fortnightly(u8),
    /// The nth (1–4, or -1 for the last) weekday of every month.
    MonthlyNth(i8, Weekday),
}

/// One generated plan item, in every expander's terms.
pub(crate) struct Case {
    start: NaiveDate,
    shape: Shape,
    times: Vec<NaiveTime>,
    excluded: Vec<NaiveDate>,
    count: Option<u32>,
    /// TEHO's rule (its text form, parsed).
    ours: Recurrence,
    /// The RFC 5545 `RRULE` value the peers get (with `UNTIL` or `COUNT`).
    rrule: String,
}

const CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn mask_codes(mask: u8) -> String {
    (0..7)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d| CODES[d])
        .collect::<Vec<_>>()
        .join(",")
}

/// Generates `n` plan items: 40 % daily at 1–3 times, 30 % on weekdays at 1–2 times,
/// 15 % every second week on 1–2 days, 15 % on the nth weekday of the month; a fifth with
/// 1–6 excluded dates, a tenth of the daily and weekday ones ending after a count. Visits
/// fall between 07:00 and 21:45, the hours home care works.
pub(crate) fn cases(n: u32, seed: u64) -> Result<Vec<Case>, String> {
    let mut rng = Rng(seed ^ 0xE3A9);
    let first = crate::day(FIRST.0, FIRST.1, FIRST.2);
    (0..n)
        .map(|_| {
            let start = first + Duration::days(rng.below(90) as i64);
            let pick = rng.below(100);
            let minute = [0u32, 15, 30, 45][rng.below(4) as usize];
            let hour_count = match pick {
                0..40 => 1 + rng.below(3),
                40..70 => 1 + rng.below(2),
                _ => 1,
            };
            let mut hours: Vec<u32> = Vec::new();
            while hours.len() < hour_count as usize {
                let h = 7 + rng.below(15) as u32;
                if !hours.contains(&h) {
                    hours.push(h);
                }
            }
            hours.sort_unstable();
            let (shape, by_day) = match pick {
                0..40 => (Shape::Daily, String::new()),
                40..70 => (
                    Shape::Weekly(0b1_1111),
                    format!(";BYDAY={}", mask_codes(0b1_1111)),
                ),
                70..85 => {
                    let a = rng.below(7) as u8;
                    let b = rng.below(7) as u8;
                    let mask = (1 << a) | (1 << b);
                    (
                        Shape::Fortnightly(mask),
                        format!(";INTERVAL=2;BYDAY={}", mask_codes(mask)),
                    )
                }
                _ => {
                    let nth = [1i8, 2, 3, 4, -1][rng.below(5) as usize];
                    let wd = rng.below(7) as usize;
                    (
                        Shape::MonthlyNth(nth, Weekday::try_from(wd as u8).unwrap_or(Weekday::Mon)),
                        format!(";BYDAY={nth}{}", CODES[wd]),
                    )
                }
            };
            let freq = match shape {
                Shape::Daily => "DAILY",
                Shape::Weekly(_) | Shape::Fortnightly(_) => "WEEKLY",
                Shape::MonthlyNth(..) => "MONTHLY",
            };
            let count = (pick < 70 && rng.below(10) == 0).then(|| 10 + rng.below(51) as u32);
            let mut excluded: Vec<NaiveDate> = Vec::new();
            if rng.below(5) == 0 {
                for _ in 0..1 + rng.below(6) {
                    excluded.push(first + Duration::days(rng.below(365) as i64));
                }
                excluded.sort_unstable();
                excluded.dedup();
            }
            let hours_text = hours
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let end = match count {
                Some(c) => format!(";COUNT={c}"),
                None => String::new(),
            };
            let body = format!("FREQ={freq}{by_day};BYHOUR={hours_text};BYMINUTE={minute}");
            let mut ours_text = format!("{body}{end};WKST=MO");
            if !excluded.is_empty() {
                let dates: Vec<String> = excluded
                    .iter()
                    .map(|d| d.format("%Y%m%d").to_string())
                    .collect();
                ours_text.push_str(&format!("\nEXDATE;VALUE=DATE:{}", dates.join(",")));
            }
            let ours = Recurrence::parse(&ours_text)
                .map_err(|e| format!("generated rule {ours_text:?} refused: {e}"))?;
            let rrule = match count {
                Some(_) => format!("{body}{end};BYSECOND=0;WKST=MO"),
                None => format!("{body};BYSECOND=0;UNTIL={UNTIL_UTC};WKST=MO"),
            };
            let times = hours
                .iter()
                .filter_map(|h| NaiveTime::from_hms_opt(*h, minute, 0))
                .collect();
            Ok(Case {
                start,
                shape,
                times,
                excluded,
                count,
                ours,
                rrule,
            })
        })
        .collect()
}

/// How many instants and their checksum (a wrapping sum of mixed Unix seconds, so the
/// order of expansion does not matter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tally {
    count: u64,
    checksum: u64,
}

fn tally(instants: &[i64]) -> Tally {
    Tally {
        count: instants.len() as u64,
        checksum: instants
            .iter()
            .fold(0u64, |s, t| s.wrapping_add(mix(*t as u64))),
    }
}

/// TEHO's expansion: the plan item's slots (`calendar::item_slots`, as the engine uses
/// it) turned into instants with the DST policy.
fn ours(cases: &[Case], out: &mut Vec<i64>) {
    let last = crate::day(LAST.0, LAST.1, LAST.2);
    for c in cases {
        for slot in c.ours.occurrences(c.start, c.start, last) {
            out.push(tallinn_instant(slot).timestamp());
        }
    }
}

/// The hand-written loop: every day of the year, the shape tested directly, chrono-tz for
/// the instant.
fn hand_loop(cases: &[Case], out: &mut Vec<i64>) {
    let last = crate::day(LAST.0, LAST.1, LAST.2);
    for c in cases {
        let start_monday =
            c.start - Duration::days(c.start.weekday().num_days_from_monday() as i64);
        let mut left = c.count.unwrap_or(u32::MAX);
        let mut d = c.start;
        while d <= last && left > 0 {
            let wd = d.weekday().num_days_from_monday();
            let on = match c.shape {
                Shape::Daily => true,
                Shape::Weekly(mask) => mask & (1 << wd) != 0,
                Shape::Fortnightly(mask) => {
                    mask & (1 << wd) != 0 && ((d - start_monday).num_days() / 7) % 2 == 0
                }
                Shape::MonthlyNth(nth, w) => {
                    d.weekday() == w
                        && if nth > 0 {
                            (d.day() as i8 - 1) / 7 + 1 == nth
                        } else {
                            d.month() != (d + Duration::days(7)).month()
                        }
                }
            };
            if on {
                let skip = c.excluded.contains(&d);
                for t in &c.times {
                    if left == 0 {
                        break;
                    }
                    left -= 1;
                    if !skip {
                        let local = d.and_time(*t);
                        if let Some(i) = Tallinn.from_local_datetime(&local).earliest() {
                            out.push(i.timestamp());
                        }
                    }
                }
            }
            d += Duration::days(1);
        }
    }
}

/// The `rrule` crate's sets, built before timing.
fn rrule_sets(cases: &[Case]) -> Result<Vec<rrule::RRuleSet>, String> {
    let tz = rrule::Tz::Tz(Tallinn);
    cases
        .iter()
        .map(|c| {
            let start = tz
                .from_local_datetime(&c.start.and_time(NaiveTime::MIN))
                .single()
                .ok_or_else(|| format!("no single local midnight on {}", c.start))?;
            let rule: rrule::RRule<rrule::Unvalidated> = c
                .rrule
                .parse()
                .map_err(|e| format!("rrule crate refused {:?}: {e}", c.rrule))?;
            let rule = rule
                .validate(start)
                .map_err(|e| format!("rrule crate refused {:?}: {e}", c.rrule))?;
            let mut set = rrule::RRuleSet::new(start).rrule(rule);
            for ex in exdates(c) {
                let at = tz
                    .from_local_datetime(&ex)
                    .earliest()
                    .ok_or_else(|| format!("no local time {ex}"))?;
                set = set.exdate(at);
            }
            Ok(set)
        })
        .collect()
}

/// The excluded dates as the local date-times a peer excludes (RFC 5545 `EXDATE` removes
/// instants, not days).
fn exdates(c: &Case) -> Vec<NaiveDateTime> {
    c.excluded
        .iter()
        .flat_map(|d| c.times.iter().map(|t| d.and_time(*t)))
        .collect()
}

fn rrule_crate(sets: &[rrule::RRuleSet], out: &mut Vec<i64>) {
    for s in sets {
        for at in s {
            out.push(at.timestamp());
        }
    }
}

/// Times one expander over all cases (best of `rounds`), returning the instants of the
/// last round and the seconds.
fn timed(rounds: u32, mut f: impl FnMut(&mut Vec<i64>)) -> (Vec<i64>, f64) {
    let mut best = f64::MAX;
    let mut out = Vec::new();
    for _ in 0..rounds {
        out = Vec::with_capacity(out.capacity());
        let started = Instant::now();
        f(&mut out);
        black_box(&out);
        best = best.min(started.elapsed().as_secs_f64());
    }
    (out, best)
}

/// What the Python peer reported.
struct PythonRun {
    tally: Tally,
    seconds: f64,
    version: String,
}

/// Writes the cases as JSON lines and runs `benches/peers/dateutil_expand.py` on them.
fn python_peer(python: &Path, cases: &[Case]) -> Result<PythonRun, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("rules.jsonl");
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| e.to_string())?);
    for c in cases {
        let ex: Vec<String> = exdates(c)
            .iter()
            .map(|d| format!("\"{}\"", d.format("%Y-%m-%dT%H:%M:%S")))
            .collect();
        writeln!(
            file,
            r#"{{"start":"{}","rrule":"{}","exdates":[{}]}}"#,
            c.start,
            c.rrule,
            ex.join(",")
        )
        .map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())?;
    drop(file);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/dateutil_expand.py");
    let run = Command::new(python)
        .arg(&script)
        .arg(&path)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    if !run.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            python.display(),
            script.display(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&run.stdout);
    let field = |name: &str| -> Result<String, String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
            .ok_or_else(|| format!("the Python peer printed no {name}: {text}"))
    };
    let num = |name: &str| -> Result<f64, String> {
        field(name)?
            .parse::<f64>()
            .map_err(|e| format!("{name}: {e}"))
    };
    Ok(PythonRun {
        tally: Tally {
            count: field("count")?.parse().map_err(|e| format!("count: {e}"))?,
            checksum: field("checksum")?
                .parse()
                .map_err(|e| format!("checksum: {e}"))?,
        },
        seconds: num("seconds")?,
        version: field("dateutil")?,
    })
}

/// Where two expanders part: the first instant one gives and the other does not.
fn first_difference(a: &[i64], b: &[i64]) -> String {
    let bs: HashSet<i64> = b.iter().copied().collect();
    let as_: HashSet<i64> = a.iter().copied().collect();
    let show = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0)
            .map(|u| u.with_timezone(&Tallinn).to_rfc3339())
            .unwrap_or_else(|| t.to_string())
    };
    match (
        a.iter().find(|t| !bs.contains(t)),
        b.iter().find(|t| !as_.contains(t)),
    ) {
        (Some(t), _) => format!("first only in ours: {}", show(*t)),
        (_, Some(t)) => format!("first only in the peer: {}", show(*t)),
        _ => "the same instants, repeated differently".into(),
    }
}

/// Runs the workload and prints its lines.
pub fn expansion(opts: &Options) -> Result<Vec<(String, Outcome)>, String> {
    let cases = cases(opts.sizes.plan_items, opts.seed)?;
    let sets = rrule_sets(&cases)?;
    let rounds = 3;
    let (mine, t_ours) = timed(rounds, |out| ours(&cases, out));
    let (looped, t_loop) = timed(rounds, |out| hand_loop(&cases, out));
    let (crate_out, t_crate) = timed(rounds, |out| rrule_crate(&sets, out));
    let expected = tally(&mine);
    for (name, got) in [("hand-written loop", &looped), ("rrule crate", &crate_out)] {
        if tally(got) != expected {
            return Err(format!(
                "{name} disagrees: {:?} against ours {:?}; {}",
                tally(got),
                expected,
                first_difference(&mine, got)
            ));
        }
    }
    let per_s = |secs: f64| expected.count as f64 / secs / 1e6;
    let items = cases.len();
    let ours_text = format!(
        "{:.1} M/s ({} instants, {items} items)",
        per_s(t_ours),
        expected.count
    );
    let mut lines = Vec::new();
    let vs_crate = t_crate / t_ours;
    lines.push(judged(
        "expansion vs rrule",
        &ours_text,
        &format!("{:.2} M/s", per_s(t_crate)),
        &format!("{vs_crate:.1}x"),
        ">= 3x",
        vs_crate >= 3.0,
    ));
    match &opts.python {
        Some(python) => {
            let py = python_peer(python, &cases)?;
            if py.tally != expected {
                return Err(format!(
                    "python-dateutil {} disagrees: {:?} against ours {:?}",
                    py.version, py.tally, expected
                ));
            }
            let vs_py = py.seconds / t_ours;
            lines.push(judged(
                "expansion vs dateutil",
                &ours_text,
                &format!("{:.2} M/s", per_s(py.seconds)),
                &format!("{vs_py:.0}x"),
                ">= 50x",
                vs_py >= 50.0,
            ));
        }
        None => line(
            "expansion vs dateutil",
            &ours_text,
            "no --python",
            "-",
            ">= 50x",
            "NOT MEASURED",
        ),
    }
    line(
        "expansion vs loop",
        &ours_text,
        &format!("{:.1} M/s", per_s(t_loop)),
        &format!("{:.2}x", t_loop / t_ours),
        "(the limit)",
        "-",
    );
    println!(
        "    counts and checksums agree: {} instants, checksum {:016x}",
        expected.count, expected.checksum
    );
    Ok(lines)
}
