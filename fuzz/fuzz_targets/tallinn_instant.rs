//! Tallinn time: `calendar::tallinn_instant` (the daylight-saving policy) and the time
//! helpers `time::start_of_day`, `time::local_date`, `time::within_days`, on dates and
//! times anywhere chrono can hold them, the transition nights and the ends of the
//! calendar's offset table (1970, 2099) included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teho_core::calendar::tallinn_instant;
use teho_core::time::{local_date, start_of_day, within_days};
use teho_fuzz::{Reader, date, datetime, instant};

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let local = datetime(&mut r);
    let at = tallinn_instant(local);
    // Never dropped, never doubled: the instant is at most the gap (an hour) away from
    // the wall-clock time read with any offset Tallinn has had (+1:39 LMT to +4 MSD).
    let behind = (local - at.naive_utc()).num_seconds();
    assert!(
        (0..=5 * 3600).contains(&behind),
        "{local} (Tallinn) became {at}, {behind} s from the wall-clock time"
    );
    let _ = local_date(at);
    let day = date(&mut r);
    let first = start_of_day(day);
    assert_eq!(local_date(first), day, "the first instant of {day} is {first}");
    let other = instant(&mut r);
    let _ = local_date(other);
    let until = if r.u8() % 2 == 0 { None } else { Some(date(&mut r)) };
    let _ = within_days(other, day, until);
    let _ = within_days(at, day, until);
});
