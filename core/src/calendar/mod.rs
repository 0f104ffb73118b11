//! Calendars: the visits that plans generate (kliendi kalender, töötaja kalender), the
//! daylight-saving policy that turns a plan's local times into instants, and
//! regeneration when a plan item changes (seed `000_19cdf6fb7baf56d8.txt`,
//! "põhimõisted"; `DOMAIN.md` rule 2).

use schemars::JsonSchema;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Europe::Tallinn;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientFileId, OrganizationId, PlanItemId, VisitId, WorkerId};
use crate::org::Domain;
use crate::plan::{PlanItem, PlannedAction};

/// The instant of a Tallinn wall-clock time, by TEHO's daylight-saving policy: a visit
/// is never dropped or doubled.
///
/// - A time that does not exist (spring forward, e.g. 03:30 on 29 March 2026) moves
///   forward by the gap: it is read with the offset in force before the gap, so 03:30
///   becomes 04:30 EEST (01:30 UTC).
/// - A time that exists twice (fall back, e.g. 03:30 on 25 October 2026) takes the
///   earlier instant (03:30 EEST, 00:30 UTC).
///
/// RFC 5545 would drop the nonexistent time; TEHO deliberately does not, because a visit
/// to a frail person must not vanish.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use teho_core::calendar::tallinn_instant;
/// let gap = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap().and_hms_opt(3, 30, 0).unwrap();
/// assert_eq!(tallinn_instant(gap), Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
/// let fold = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap().and_hms_opt(3, 30, 0).unwrap();
/// assert_eq!(tallinn_instant(fold), Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
/// ```
pub fn tallinn_instant(local: NaiveDateTime) -> DateTime<Utc> {
    if let Some(offset) = whole_day_offset(local.date()) {
        return Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(offset))));
    }
    instant_by_rules(local)
}

/// The first day of [`whole_day_offsets`].
const OFFSETS_FROM: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// How many days [`whole_day_offsets`] covers: 1970 to 2099, the span of chrono-tz's
/// Europe/Tallinn transitions that matters for plans.
const OFFSETS_DAYS: usize = 47_482;
/// Marks a day on which the offset changes.
const TRANSITION_DAY: i32 = i32::MIN;

/// Tallinn's UTC offset in seconds for each day from 1970 on which it is the same all day
/// long, and [`TRANSITION_DAY`] on the days a transition falls: built once from
/// chrono-tz, so that expanding a plan looks up one number per occurrence instead of
/// searching the zone's transitions (the benchmarks' expansion workload).
fn whole_day_offsets() -> &'static [i32] {
    static TABLE: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let single = |t: NaiveDateTime| match Tallinn.from_local_datetime(&t) {
            LocalResult::Single(x) => Some(x.offset().fix().local_minus_utc()),
            _ => None,
        };
        (0..OFFSETS_DAYS)
            .map(|i| {
                let day = OFFSETS_FROM + Duration::days(i as i64);
                let at = |h, m, s| day.and_hms_opt(h, m, s).and_then(single);
                match (at(0, 0, 0), at(12, 0, 0), at(23, 59, 59)) {
                    (Some(a), Some(b), Some(c)) if a == b && b == c => a,
                    _ => TRANSITION_DAY,
                }
            })
            .collect()
    })
}

/// The offset in force all day on `day`, if no transition falls on it (and it is in the
/// table).
fn whole_day_offset(day: NaiveDate) -> Option<i32> {
    let i = usize::try_from((day - OFFSETS_FROM).num_days()).ok()?;
    whole_day_offsets()
        .get(i)
        .copied()
        .filter(|o| *o != TRANSITION_DAY)
}

/// [`tallinn_instant`] by chrono-tz's rules, for transition days and days outside the
/// table.
fn instant_by_rules(local: NaiveDateTime) -> DateTime<Utc> {
    match Tallinn.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // The offset in force before the gap: Tallinn's transitions are at night,
            // so six hours earlier always lies before it.
            // At chrono's first day there is no "earlier": UTC+2, and at its ends the
            // instant stops at the first or last one chrono holds (issue 17, item 3: the
            // minimum date panicked here).
            let before = local
                .checked_sub_signed(Duration::hours(6))
                .and_then(|earlier| Tallinn.from_local_datetime(&earlier).earliest())
                .map_or(2 * 3600, |t| t.offset().fix().local_minus_utc());
            match local.checked_sub_signed(Duration::seconds(i64::from(before))) {
                Some(utc) => Utc.from_utc_datetime(&utc),
                None if before > 0 => DateTime::<Utc>::MIN_UTC,
                None => DateTime::<Utc>::MAX_UTC,
            }
        }
    }
}

/// Where a visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum VisitStatus {
    /// Planned, no outcome yet.
    Planned,
    /// Marked done (recorded).
    Done,
    /// Marked not done, with a reason (recorded).
    NotDone,
    /// This one occurrence was cancelled by hand.
    Cancelled,
    /// Replaced by regeneration after a plan change (kept, dated, not shown).
    Superseded,
}

impl VisitStatus {
    /// Done or not done: a recorded visit is never changed by regeneration.
    pub fn is_recorded(self) -> bool {
        matches!(self, VisitStatus::Done | VisitStatus::NotDone)
    }
}

/// One visit in the client's and the worker's calendars.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Visit {
    /// Id in TEHO.
    pub id: VisitId,
    /// The client file.
    pub file: ClientFileId,
    /// The plan item that generated it (none for an unplanned visit).
    pub plan_item: Option<PlanItemId>,
    /// The plan occurrence (local date and time) it stands for.
    #[serde(default, deserialize_with = "crate::time::de_naive_opt")]
    pub slot: Option<NaiveDateTime>,
    /// Which occurrence of its day it is (0 for the first). With the slot's date this is
    /// the regeneration key: a new time for the same day's n-th visit replaces it rather
    /// than adding a second visit.
    pub slot_index: u16,
    /// Planned start.
    #[serde(deserialize_with = "crate::time::de_utc")]
    pub start: DateTime<Utc>,
    /// Planned end.
    #[serde(deserialize_with = "crate::time::de_utc")]
    pub end: DateTime<Utc>,
    /// Who visits.
    pub worker: Option<WorkerId>,
    /// Domain of the visit (care, nursing, other).
    pub domain: Domain,
    /// The provider whose plan it belongs to.
    pub provider: Option<OrganizationId>,
    /// What is done.
    pub action: PlannedAction,
    /// Where.
    pub place: String,
    /// Where it stands.
    pub status: VisitStatus,
    /// Moved by hand: never touched by regeneration.
    pub moved_by_hand: bool,
    /// Why it was not done, once marked so.
    pub not_done: Option<crate::log::NotDone>,
    /// Who cancelled it by hand, when and why; none for a visit cancelled by a death.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
    /// How many times its time, its status or its worker has changed since it was
    /// planned (moved, cancelled, restored, marked, superseded, handed over): iCalendar's
    /// `SEQUENCE` (RFC 5545 §3.8.7.4), so that a calendar app takes a re-export as an
    /// update.
    #[serde(default)]
    pub sequence: u32,
}

impl Visit {
    /// Records a change of its time, status or worker ([`Visit::sequence`]).
    pub fn revised(&mut self) {
        self.sequence = self.sequence.saturating_add(1);
    }
}

/// A visit cancelled by hand: who, when and why. The reason stays with the visit, not in
/// the manager's notification, so that destroying the visit destroys it (seed
/// `004_4e44693abfa7524a.txt` annex 6 §4); it is for the visit's domain only, like a
/// done visit's detail (seed `000_19cdf6fb7baf56d8.txt`, care worker TO-BE: "nähtav
/// ainult valdkonna rollidele").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cancellation {
    /// Who cancelled it.
    pub by: WorkerId,
    /// When.
    #[serde(deserialize_with = "crate::time::de_utc")]
    pub at: DateTime<Utc>,
    /// Why; none for a reader outside the visit's domain.
    pub reason: Option<crate::file::DomainDetail>,
}

impl Visit {
    /// Recorded, moved or cancelled by hand: regeneration keeps it exactly as it is.
    pub fn is_fixed(&self) -> bool {
        self.status.is_recorded() || self.moved_by_hand || self.status == VisitStatus::Cancelled
    }
}

/// The visit a plan item gives for one occurrence.
fn planned_visit(item: &PlanItem, (slot, slot_index): (NaiveDateTime, u16), id: VisitId) -> Visit {
    let start = tallinn_instant(slot);
    Visit {
        id,
        file: item.file,
        plan_item: Some(item.id),
        slot: Some(slot),
        slot_index,
        start,
        end: start + Duration::minutes(i64::from(item.duration_minutes)),
        worker: item.worker,
        domain: item.domain,
        provider: Some(item.provider),
        action: item.action.clone(),
        place: item.place.clone(),
        status: VisitStatus::Planned,
        moved_by_hand: false,
        not_done: None,
        cancellation: None,
        sequence: 0,
    }
}

/// The occurrences of a plan item within `from ..= to` (Tallinn days), within the item's
/// validity, each with its index among that day's occurrences.
pub fn item_slots(item: &PlanItem, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDateTime, u16)> {
    let to = item.valid_until.map_or(to, |u| u.min(to));
    let from = from.max(item.valid_from);
    if from > to {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut day: Option<(NaiveDate, u16)> = None;
    for slot in item.recurrence.occurrences(item.valid_from, from, to) {
        let index = match day {
            Some((d, i)) if d == slot.date() => i + 1,
            _ => 0,
        };
        day = Some((slot.date(), index));
        out.push((slot, index));
    }
    out
}

/// The regeneration key of a visit: its day and its index among that day's occurrences.
fn key(v: &Visit) -> Option<(NaiveDate, u16)> {
    v.slot.map(|s| (s.date(), v.slot_index))
}

/// Expands a plan item into new visits over `from ..= to`.
pub fn expand(
    item: &PlanItem,
    from: NaiveDate,
    to: NaiveDate,
    mut new_id: impl FnMut() -> VisitId,
) -> Vec<Visit> {
    item_slots(item, from, to)
        .into_iter()
        .map(|slot| planned_visit(item, slot, new_id()))
        .collect()
}

/// What regenerating a plan item changed (`DOMAIN.md` rule 2): recorded visits and
/// visits changed by hand are never changed or removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Regeneration {
    /// New visits to store.
    pub added: Vec<Visit>,
    /// Planned future visits no longer in the plan: they become `Superseded`.
    pub removed: Vec<VisitId>,
    /// Planned future visits that the plan still gives exactly.
    pub unchanged: Vec<VisitId>,
    /// Done or not-done visits, kept as they are.
    pub kept_recorded: Vec<VisitId>,
    /// Visits moved or cancelled by hand, kept as they are.
    pub kept_by_hand: Vec<VisitId>,
}

impl Regeneration {
    /// Whether nothing is to be written.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Regenerates the future visits of `item` over the Tallinn days `from ..= to`, given the
/// item's `existing` visits. Only visits starting at or after `now` are replaced;
/// recorded visits and visits moved or cancelled by hand are kept and keep their place —
/// the n-th visit of their day — so a new time for that day does not add a second visit.
/// Regenerating an unchanged item is a no-op.
pub fn regenerate(
    item: &PlanItem,
    existing: &[Visit],
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    mut new_id: impl FnMut() -> VisitId,
) -> Regeneration {
    let wanted: Vec<(NaiveDateTime, u16)> = item_slots(item, from, to)
        .into_iter()
        .filter(|(slot, _)| tallinn_instant(*slot) >= now)
        .collect();
    let wanted_keys: HashMap<(NaiveDate, u16), NaiveDateTime> =
        wanted.iter().map(|(s, i)| ((s.date(), *i), *s)).collect();
    let mut out = Regeneration::default();
    let mut occupied: HashSet<(NaiveDate, u16)> = HashSet::new();
    let in_window = |v: &Visit| v.slot.is_some_and(|s| s.date() >= from && s.date() <= to);
    for v in existing.iter().filter(|v| {
        v.plan_item == Some(item.id) && v.status != VisitStatus::Superseded && in_window(v)
    }) {
        let Some(k) = key(v) else { continue };
        if v.status.is_recorded() {
            out.kept_recorded.push(v.id);
            occupied.insert(k);
        } else if v.is_fixed() {
            out.kept_by_hand.push(v.id);
            occupied.insert(k);
        } else if v.start < now {
            // A past planned visit without an outcome stays (the missed-visit list).
            occupied.insert(k);
        } else if let Some(slot) = wanted_keys.get(&k).filter(|_| !occupied.contains(&k))
            && *v == planned_visit(item, (*slot, k.1), v.id)
        {
            out.unchanged.push(v.id);
            occupied.insert(k);
        } else {
            out.removed.push(v.id);
        }
    }
    out.added = wanted
        .into_iter()
        .filter(|(slot, i)| !occupied.contains(&(slot.date(), *i)))
        .map(|slot| planned_visit(item, slot, new_id()))
        .collect();
    out
}

#[cfg(test)]
mod tests;
