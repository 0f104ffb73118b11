//! Plans, calendars, visit changes, done / not done and the service log, through the one
//! door (seed `000_19cdf6fb7baf56d8.txt`, TO-BE of the care manager, care worker,
//! nursing manager and home nurse; `DOMAIN.md` rules 2 and 3).

use super::Operation;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Ctx, check_period, non_empty};
use crate::ClientFiles;
use crate::access::{Action, Actor, ActorFacts, DataCategory, Target, Visibility, VisitFacts};
use crate::calendar::{Cancellation, Regeneration, Visit, VisitStatus, regenerate};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::file::DomainDetail;
use crate::ids::{ClientFileId, LogEntryId, OrganizationId, PlanId, PlanItemId, VisitId, WorkerId};
use crate::log::{DoneReport, NewLogEntry, NotDone, NotDoneReason, ServiceLogEntry};
use crate::notify::{NotificationKind, Recipient};
use crate::org::{Domain, Role};
use crate::plan::{CarePlan, NewPlan, PlanItem, PlanItemSpec};
use crate::time::{local_date, start_of_day};

/// Longest window a calendar or log query may span, in days.
pub const MAX_QUERY_DAYS: i64 = 366;
/// Longest planned visit, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 720;

/// Two visits of the same worker that overlap: a warning, not an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Overlap {
    /// The worker.
    pub worker: WorkerId,
    /// The visit being planned or moved.
    pub visit: VisitId,
    /// The visit it overlaps.
    pub overlaps: VisitId,
}

/// A plan item after adding or changing it: its visits' diff and overlap warnings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanItemOutcome {
    /// The item as stored.
    pub item: PlanItem,
    /// What happened to its visits.
    pub regeneration: Regeneration,
    /// Overlaps of the added visits with the worker's other visits.
    pub conflicts: Vec<Overlap>,
}

/// An optional detail for one domain only, as written: none, or its text trimmed (an
/// empty one refused) for `domain` (seed 000: "nähtav ainult valdkonna rollidele").
fn domain_detail(text: Option<&str>, domain: Domain) -> TehoResult<Option<DomainDetail>> {
    text.map(|d| non_empty("detail", d).map(|text| DomainDetail { domain, text }))
        .transpose()
}

/// "This and following": the old item ends the day before the split, a new one starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SplitOutcome {
    /// The old item, now ending before the split date, and its visits' diff.
    pub ended: PlanItemOutcome,
    /// The new item from the split date.
    pub started: PlanItemOutcome,
}

/// A visit as a calendar shows it: with the worker's and the client's names (the
/// client calendar shows who comes; the worker calendar, whom to visit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CalendarVisit {
    /// The visit.
    pub visit: Visit,
    /// The assigned worker's name, if any.
    pub worker_name: Option<String>,
    /// The client's name.
    pub client_name: Option<String>,
}

/// One visit opened from a calendar, with what planned it (seed
/// `000_19cdf6fb7baf56d8.txt`, "Koduõe/ hooldustöötaja kalender": clicking the visit
/// "avaneb hooldus- või õenduskava", opens the care or nursing plan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VisitWithPlan {
    /// The visit as the calendar shows it (its domain-only parts redacted for others).
    pub visit: CalendarVisit,
    /// Its plan item and plan; none for a visit no plan generated.
    pub plan: Option<VisitPlan>,
}

/// The plan item behind a visit, and its plan: what, how often, where, by whom, from
/// when until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VisitPlan {
    /// The plan.
    pub plan: PlanId,
    /// Care, nursing or other.
    pub domain: Domain,
    /// The provider whose plan it is.
    pub provider: OrganizationId,
    /// The provider's name.
    pub provider_name: Option<String>,
    /// The plan item.
    pub item: PlanItemId,
    /// What is done.
    pub action: crate::plan::PlannedAction,
    /// How often, as an RFC 5545 RRULE (Tallinn wall-clock times).
    pub recurrence: String,
    /// How often, in words ([`crate::plan::Recurrence::in_words`]).
    pub recurrence_in_words: String,
    /// Where.
    pub place: String,
    /// Minutes a visit takes.
    pub duration_minutes: u32,
    /// The worker responsible, if assigned.
    pub worker: Option<WorkerId>,
    /// The responsible worker's name.
    pub worker_name: Option<String>,
    /// First day of the item.
    pub valid_from: NaiveDate,
    /// Last day of the item, if it ends.
    pub valid_until: Option<NaiveDate>,
}

impl std::ops::Deref for CalendarVisit {
    type Target = Visit;
    fn deref(&self) -> &Visit {
        &self.visit
    }
}

/// A visit after a change, with overlap warnings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VisitChange {
    /// The visit as stored.
    pub visit: Visit,
    /// Overlaps with the worker's other visits.
    pub conflicts: Vec<Overlap>,
}

/// A provider's monthly report of services provided (seed `002_b4b88f78f180845d.txt`
/// §15(3): due by the 10th of the following month).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MonthlyReport {
    /// The provider.
    pub provider: OrganizationId,
    /// The domain reported.
    pub domain: Domain,
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// The statutory deadline: the 10th of the following month.
    pub deadline: NaiveDate,
    /// One line per action code.
    pub lines: Vec<ReportLine>,
}

/// One line of a monthly report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportLine {
    /// Action code.
    pub code: String,
    /// Action text.
    pub text: String,
    /// Services provided.
    pub count: u32,
    /// Minutes provided (actual).
    pub minutes: i64,
    /// Distinct clients served.
    pub clients: u32,
}

/// The instants of Tallinn days `from ..= to`, refused when reversed or over 366 days.
pub(super) fn window(from: NaiveDate, to: NaiveDate) -> TehoResult<(DateTime<Utc>, DateTime<Utc>)> {
    check_period("window", from, Some(to))?;
    if (to - from).num_days() >= MAX_QUERY_DAYS {
        return Err(TehoError::invalid(
            "window",
            format!("{from} .. {to}"),
            "at most 366 days",
        ));
    }
    Ok((start_of_day(from), start_of_day(to + Duration::days(1))))
}

fn check_spec(spec: &PlanItemSpec) -> TehoResult<()> {
    non_empty("action.code", &spec.action.code)?;
    non_empty("action.text", &spec.action.text)?;
    non_empty("place", &spec.place)?;
    if !(1..=MAX_DURATION_MINUTES).contains(&spec.duration_minutes) {
        return Err(TehoError::invalid(
            "duration_minutes",
            spec.duration_minutes,
            "expected 1-720 minutes",
        ));
    }
    check_period("plan item", spec.valid_from, spec.valid_until)
}

fn visit_facts(v: &Visit) -> VisitFacts {
    VisitFacts {
        domain: v.domain,
        provider: v.provider,
        assigned: v.worker,
    }
}

impl Ctx<'_> {
    fn plan(&mut self, id: PlanId) -> TehoResult<CarePlan> {
        match self.tx.plan(id)? {
            Some(p) => Ok(p),
            None => Err(self.missing("plan", id)),
        }
    }

    fn plan_item(&mut self, id: PlanItemId) -> TehoResult<PlanItem> {
        match self.tx.plan_item(id)? {
            Some(i) => Ok(i),
            None => Err(self.missing("plan item", id)),
        }
    }

    fn visit(&mut self, id: VisitId) -> TehoResult<Visit> {
        match self.tx.visit(id)? {
            Some(v) => Ok(v),
            None => Err(self.missing("visit", id)),
        }
    }

    /// The assigned worker must work for the plan's provider in the plan's domain.
    fn check_assignee(&mut self, plan: &CarePlan, worker: Option<WorkerId>) -> TehoResult<()> {
        if let Some(w) = worker {
            let w = self.worker(w)?;
            if w.organization != plan.provider {
                return Err(TehoError::invalid(
                    "worker",
                    w.id,
                    "does not work for the plan's provider",
                ));
            }
            if w.role.domain() != plan.domain {
                return Err(TehoError::invalid(
                    "worker",
                    name_of(&w.role),
                    "is not a role of the plan's domain",
                ));
            }
        }
        Ok(())
    }

    fn horizon(&self, days: u32) -> (NaiveDate, NaiveDate) {
        let today = local_date(self.at);
        (today, today + Duration::days(i64::from(days) - 1))
    }

    /// Regenerates an item's visits over the horizon and writes the diff.
    fn regenerate_item(
        &mut self,
        item: &PlanItem,
        days: u32,
    ) -> TehoResult<(Regeneration, Vec<Overlap>)> {
        let (from, to) = self.horizon(days);
        let existing = self.tx.visits_of_item(item.id)?;
        let ids = self.ids;
        let diff = regenerate(item, &existing, from, to, self.at, || {
            VisitId(ids.next_id())
        });
        let mut superseded: Vec<Visit> = existing
            .into_iter()
            .filter(|v| diff.removed.contains(&v.id))
            .collect();
        for v in &mut superseded {
            v.status = VisitStatus::Superseded;
            v.revised();
        }
        self.tx.update_visits(&superseded)?;
        self.tx.insert_visits(&diff.added)?;
        let conflicts = self.conflicts(&diff.added)?;
        Ok((diff, conflicts))
    }

    /// Overlaps of `visits` with other live visits of the same worker.
    fn conflicts(&mut self, visits: &[Visit]) -> TehoResult<Vec<Overlap>> {
        let mut by_worker: HashMap<WorkerId, Vec<&Visit>> = HashMap::new();
        for v in visits.iter().filter(|v| v.status == VisitStatus::Planned) {
            if let Some(w) = v.worker {
                by_worker.entry(w).or_default().push(v);
            }
        }
        let mut out = Vec::new();
        for (worker, mine) in by_worker {
            let (Some(lo), Some(hi)) = (
                mine.iter().map(|v| v.start).min(),
                mine.iter().map(|v| v.end).max(),
            ) else {
                continue;
            };
            let others = self.tx.busy_times(worker, lo - Duration::hours(12), hi)?;
            for v in &mine {
                for o in others
                    .iter()
                    .filter(|o| o.visit != v.id && o.start < v.end && v.start < o.end)
                {
                    out.push(Overlap {
                        worker,
                        visit: v.id,
                        overlaps: o.visit,
                    });
                }
            }
        }
        out.sort_by_key(|c| (c.visit, c.overlaps));
        Ok(out)
    }

    /// Notifies the managers of a domain at a provider (for Other: its administrators).
    fn notify_managers(
        &mut self,
        provider: Option<OrganizationId>,
        domain: Domain,
        file: ClientFileId,
        kind: NotificationKind,
        text: String,
    ) -> TehoResult<usize> {
        let Some(provider) = provider else {
            return Ok(0);
        };
        let wanted = Role::manager_of(domain).unwrap_or(Role::Administrator);
        let at = self.at;
        let managers: Vec<WorkerId> = self
            .tx
            .workers_of(provider)?
            .into_iter()
            .filter(|w| w.role == wanted && w.employed_at(at))
            .map(|w| w.id)
            .collect();
        for m in &managers {
            self.notify(
                Recipient::Worker(*m),
                Some(file),
                kind.clone(),
                text.clone(),
            )?;
        }
        Ok(managers.len())
    }

    /// Blanks what of each visit is for its domain only — the comment on a visit not
    /// done, the reason of a cancellation (seed `000_19cdf6fb7baf56d8.txt`, home nurse
    /// TO-BE: "Neid näeb ainult koduõenduse valdkond") — unless the actor may read that
    /// domain's records of the client. Every path that hands out visits goes through it.
    pub(crate) fn redact_visits(&mut self, mut visits: Vec<Visit>) -> TehoResult<Vec<Visit>> {
        let mut allowed: HashMap<(ClientFileId, Domain), bool> = HashMap::new();
        for v in &mut visits {
            let domain_only = v.not_done.as_ref().is_some_and(|n| n.detail.is_some())
                || v.cancellation.as_ref().is_some_and(|c| c.reason.is_some());
            if !domain_only {
                continue;
            }
            let key = (v.file, v.domain);
            let ok = match allowed.get(&key) {
                Some(ok) => *ok,
                None => {
                    let ok = match self.tx.file(v.file)? {
                        Some(f) => {
                            let target = Target::Client(self.facts_of(&f)?);
                            self.allowed(
                                Action::Read(
                                    DataCategory::Calendar,
                                    Visibility::DomainOnly(v.domain),
                                ),
                                &target,
                            )
                        }
                        None => false,
                    };
                    allowed.insert(key, ok);
                    ok
                }
            };
            if !ok {
                if let Some(n) = &mut v.not_done {
                    n.detail = None;
                }
                if let Some(c) = &mut v.cancellation {
                    c.reason = None;
                }
            }
        }
        Ok(visits)
    }

    /// Adds the worker's and the client's names to visits, for a calendar (their
    /// domain-only parts redacted). Visits of several clients come through
    /// [`Self::keep_visible`], which names their files in the audit entry.
    pub(crate) fn with_names(&mut self, visits: Vec<Visit>) -> TehoResult<Vec<CalendarVisit>> {
        let visits = self.redact_visits(visits)?;
        let mut workers: HashMap<WorkerId, Option<String>> = HashMap::new();
        let mut clients: HashMap<ClientFileId, Option<String>> = HashMap::new();
        let mut out = Vec::with_capacity(visits.len());
        for v in visits {
            let worker_name = match v.worker {
                None => None,
                Some(w) => match workers.get(&w) {
                    Some(n) => n.clone(),
                    None => {
                        let n = self.tx.worker(w)?.map(|w| w.full_name());
                        workers.insert(w, n.clone());
                        n
                    }
                },
            };
            let client_name = match clients.get(&v.file) {
                Some(n) => n.clone(),
                None => {
                    let n = match self.tx.file(v.file)? {
                        Some(f) => self.tx.person(f.client)?.map(|p| p.full_name()),
                        None => None,
                    };
                    clients.insert(v.file, n.clone());
                    n
                }
            };
            out.push(CalendarVisit {
                visit: v,
                worker_name,
                client_name,
            });
        }
        Ok(out)
    }

    /// The client's calendar over Tallinn days `from ..= to` as the actor may see it
    /// ([`ClientFiles::client_calendar`]); with the visits superseded by a plan change
    /// when `superseded_too` (for exports).
    pub(crate) fn client_calendar(
        &mut self,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
        superseded_too: bool,
    ) -> TehoResult<Vec<CalendarVisit>> {
        self.object(format!("client_file:{file} {from}..{to}"));
        self.authorize_on_file(
            file,
            Action::Read(DataCategory::Calendar, Visibility::Network),
        )?;
        let (a, b) = window(from, to)?;
        let visits = self.tx.visits_of_file_in(file, a, b, superseded_too)?;
        self.with_names(visits)
    }

    /// A worker's calendar over Tallinn days `from ..= to` as the actor may see it
    /// ([`ClientFiles::worker_calendar`]); with the visits superseded by a plan change
    /// when `superseded_too` (for exports).
    pub(crate) fn worker_calendar(
        &mut self,
        worker: WorkerId,
        from: NaiveDate,
        to: NaiveDate,
        superseded_too: bool,
    ) -> TehoResult<Vec<CalendarVisit>> {
        self.object(format!("worker:{worker} {from}..{to}"));
        self.authorized_worker(worker, Action::ReadWorkerCalendar)?;
        let (a, b) = window(from, to)?;
        let mut visits = self.tx.visits_of_worker_in(worker, a, b, superseded_too)?;
        // A substitute receives the absent worker's visits for the period (seed
        // 004 annex 7 §1: "pooleliolevad ning uued tööülesanded").
        for s in self.tx.substitutions_by_substitute(worker)? {
            let (sa, sb) = (
                a.max(start_of_day(s.from)),
                b.min(start_of_day(s.until + Duration::days(1))),
            );
            if sa < sb {
                visits.extend(self.tx.visits_of_worker_in(
                    s.substituted,
                    sa,
                    sb,
                    superseded_too,
                )?);
            }
        }
        visits.sort_by_key(|v| (v.start, v.id));
        visits.dedup_by_key(|v| v.id);
        let visible = self.keep_visible(visits, |v| v.file, DataCategory::Calendar)?;
        self.with_names(visible)
    }

    /// The service log of Tallinn days `from ..= to` as the actor may see it
    /// ([`ClientFiles::service_log`]).
    pub(crate) fn service_log(
        &mut self,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<ServiceLogEntry>> {
        self.object(format!("client_file:{file} {from}..{to}"));
        let target = self.authorize_on_file(
            file,
            Action::Read(DataCategory::ServiceLog, Visibility::Network),
        )?;
        let (a, b) = window(from, to)?;
        let entries = self.tx.log_of_file(file, a, b)?;
        Ok(self.redact_log(entries, &target))
    }

    /// Keeps only the visits whose client the actor may see the calendar of now, their
    /// domain-only parts redacted.
    pub(crate) fn visible_visits(&mut self, visits: Vec<Visit>) -> TehoResult<Vec<Visit>> {
        let kept = self.keep_visible(visits, |v| v.file, DataCategory::Calendar)?;
        self.redact_visits(kept)
    }

    /// Keeps only the items about clients whose `category` the actor may read now (one
    /// access check per file).
    pub(crate) fn keep_visible<T>(
        &mut self,
        items: Vec<T>,
        file_of: impl Fn(&T) -> ClientFileId,
        category: DataCategory,
    ) -> TehoResult<Vec<T>> {
        let mut allowed: HashMap<ClientFileId, bool> = HashMap::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let file = file_of(&item);
            let ok = match allowed.get(&file) {
                Some(ok) => *ok,
                None => {
                    let ok = self.may_read(file, category)?;
                    allowed.insert(file, ok);
                    ok
                }
            };
            if ok {
                out.push(item);
            }
        }
        // What is kept is what the result shows: each file's access log gets the read.
        self.disclose(out.iter().map(&file_of));
        Ok(out)
    }

    pub(crate) fn may_read(
        &mut self,
        file: ClientFileId,
        category: DataCategory,
    ) -> TehoResult<bool> {
        let Some(f) = self.tx.file(file)? else {
            return Ok(false);
        };
        let target = Target::Client(self.facts_of(&f)?);
        Ok(self.allowed(Action::Read(category, Visibility::Network), &target))
    }

    /// Redacts the domain-only detail of log entries for actors of another domain.
    pub(crate) fn redact_log(
        &self,
        entries: Vec<ServiceLogEntry>,
        target: &Target,
    ) -> Vec<ServiceLogEntry> {
        entries
            .into_iter()
            .map(|mut e| {
                if let Some(d) = &e.detail
                    && !self.allowed(
                        Action::Read(DataCategory::ServiceLog, Visibility::DomainOnly(d.domain)),
                        target,
                    )
                {
                    e.detail = None;
                }
                e
            })
            .collect()
    }
}

impl ClientFiles {
    /// Creates a care, nursing or other provider's plan for a client (seed 000: the care
    /// manager composes the care plan, the nursing manager the nursing plan).
    pub fn create_plan(&self, actor: &Actor, new: NewPlan) -> TehoResult<CarePlan> {
        self.door(actor, Operation::CreatePlan, |c| {
            let (_, facts) = c.client(new.file)?;
            if !matches!(new.domain, Domain::Care | Domain::Nursing | Domain::Other) {
                // Refused first to whoever has no standing on the file: the wrong
                // domain answers only to those who may see it.
                c.authorize(
                    Action::Read(DataCategory::Card, Visibility::Network),
                    &Target::Client(facts),
                )?;
                return Err(TehoError::invalid(
                    "domain",
                    name_of(&new.domain),
                    "a plan is Care, Nursing or Other",
                ));
            }
            c.authorize(
                Action::ManagePlan {
                    domain: new.domain,
                    provider: new.provider,
                },
                &Target::Client(facts),
            )?;
            let (worker, _, _) = c.me()?;
            let plan = CarePlan {
                id: PlanId(c.ids.next_id()),
                file: new.file,
                domain: new.domain,
                provider: new.provider,
                created_by: worker,
                created_at: c.at,
            };
            c.object(format!("plan:{}", plan.id));
            c.tx.insert(&plan)?;
            Ok(plan)
        })
    }

    /// Adds an item to a plan and puts its visits into the client's and the worker's
    /// calendars over the planning horizon. Overlaps with the worker's other visits are
    /// returned as warnings.
    pub fn add_plan_item(
        &self,
        actor: &Actor,
        plan: PlanId,
        spec: PlanItemSpec,
    ) -> TehoResult<PlanItemOutcome> {
        let days = self.horizon_days;
        self.door(actor, Operation::AddPlanItem, |c| {
            c.object(format!("plan:{plan}"));
            let p = c.plan(plan)?;
            c.authorize_on_file(p.file, managing(&p))?;
            check_spec(&spec)?;
            c.check_assignee(&p, spec.worker)?;
            let item = PlanItem {
                id: PlanItemId(c.ids.next_id()),
                plan,
                file: p.file,
                domain: p.domain,
                provider: p.provider,
                action: spec.action,
                worker: spec.worker,
                place: spec.place.trim().to_string(),
                duration_minutes: spec.duration_minutes,
                recurrence: spec.recurrence,
                valid_from: spec.valid_from,
                valid_until: spec.valid_until,
            };
            c.tx.insert(&item)?;
            let (regeneration, conflicts) = c.regenerate_item(&item, days)?;
            c.object(format!(
                "plan_item:{} added={}",
                item.id,
                regeneration.added.len()
            ));
            Ok(PlanItemOutcome {
                item,
                regeneration,
                conflicts,
            })
        })
    }

    /// Changes a plan item and regenerates its future visits. Visits done or not done,
    /// or moved or cancelled by hand, are never changed or removed; the diff is returned
    /// and recorded in the audit entry. Changing nothing changes no visit.
    pub fn change_plan_item(
        &self,
        actor: &Actor,
        item: PlanItemId,
        spec: PlanItemSpec,
    ) -> TehoResult<PlanItemOutcome> {
        let days = self.horizon_days;
        self.door(actor, Operation::ChangePlanItem, |c| {
            c.object(format!("plan_item:{item}"));
            let old = c.plan_item(item)?;
            let p = c.plan(old.plan)?;
            c.authorize_on_file(p.file, managing(&p))?;
            check_spec(&spec)?;
            c.check_assignee(&p, spec.worker)?;
            let new = PlanItem {
                action: spec.action,
                worker: spec.worker,
                place: spec.place.trim().to_string(),
                duration_minutes: spec.duration_minutes,
                recurrence: spec.recurrence,
                valid_from: spec.valid_from,
                valid_until: spec.valid_until,
                ..old
            };
            c.tx.update(&new)?;
            let (regeneration, conflicts) = c.regenerate_item(&new, days)?;
            c.object(summary(&new.id, &regeneration));
            Ok(PlanItemOutcome {
                item: new,
                regeneration,
                conflicts,
            })
        })
    }

    /// Changes "this and following": the item ends the day before `from`, and a new item
    /// with `spec` starts on `from`.
    pub fn split_plan_item(
        &self,
        actor: &Actor,
        item: PlanItemId,
        from: NaiveDate,
        spec: PlanItemSpec,
    ) -> TehoResult<SplitOutcome> {
        let days = self.horizon_days;
        self.door(actor, Operation::SplitPlanItem, |c| {
            c.object(format!("plan_item:{item} from {from}"));
            let old = c.plan_item(item)?;
            let p = c.plan(old.plan)?;
            c.authorize_on_file(p.file, managing(&p))?;
            if from <= old.valid_from || old.valid_until.is_some_and(|u| from > u) {
                return Err(TehoError::invalid(
                    "from",
                    from,
                    "must fall after the item's first day and within its validity",
                ));
            }
            if spec.valid_from != from {
                return Err(TehoError::invalid(
                    "valid_from",
                    spec.valid_from,
                    "the new item starts on the split date",
                ));
            }
            check_spec(&spec)?;
            c.check_assignee(&p, spec.worker)?;
            let ended_item = PlanItem {
                valid_until: Some(from - Duration::days(1)),
                ..old.clone()
            };
            c.tx.update(&ended_item)?;
            let (regeneration, conflicts) = c.regenerate_item(&ended_item, days)?;
            let ended = PlanItemOutcome {
                item: ended_item,
                regeneration,
                conflicts,
            };
            let started_item = PlanItem {
                id: PlanItemId(c.ids.next_id()),
                action: spec.action,
                worker: spec.worker,
                place: spec.place.trim().to_string(),
                duration_minutes: spec.duration_minutes,
                recurrence: spec.recurrence,
                valid_from: from,
                valid_until: spec.valid_until,
                ..old
            };
            c.tx.insert(&started_item)?;
            let (regeneration, conflicts) = c.regenerate_item(&started_item, days)?;
            c.object(format!(
                "{} | {}",
                summary(&ended.item.id, &ended.regeneration),
                summary(&started_item.id, &regeneration)
            ));
            Ok(SplitOutcome {
                ended,
                started: PlanItemOutcome {
                    item: started_item,
                    regeneration,
                    conflicts,
                },
            })
        })
    }

    /// The client calendar: every visit of every domain and provider in `from ..= to`
    /// (Tallinn days), with who and what (seed 000, "kliendi kalender").
    pub fn client_calendar(
        &self,
        actor: &Actor,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<CalendarVisit>> {
        self.door(actor, Operation::ClientCalendar, |c| {
            c.client_calendar(file, from, to, false)
        })
    }

    /// A worker's calendar: whom to visit when, what and where (seed 000, "töötaja
    /// kalender") — the worker's own, or a manager's view of their own workers' — with
    /// the visits of any worker they stand in for during the substitution. Only clients
    /// the reader may still see are included.
    pub fn worker_calendar(
        &self,
        actor: &Actor,
        worker: WorkerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<CalendarVisit>> {
        self.door(actor, Operation::WorkerCalendar, |c| {
            c.worker_calendar(worker, from, to, false)
        })
    }

    /// One visit with its plan item and plan, for whoever may see it in a calendar: the
    /// client's calendar's readers (seed 000: opening a visit opens the care or nursing
    /// plan). Redacted as the calendar is; a visit id that exists nowhere is refused as
    /// one the actor may not see.
    pub fn visit_with_plan(&self, actor: &Actor, visit: VisitId) -> TehoResult<VisitWithPlan> {
        self.door(actor, Operation::VisitWithPlan, |c| {
            c.object(format!("visit:{visit}"));
            let v = c.visit(visit)?;
            c.authorize_on_file(
                v.file,
                Action::Read(DataCategory::Calendar, Visibility::Network),
            )?;
            let shown = c.with_names(vec![v])?.remove(0);
            let plan = match shown.visit.plan_item {
                None => None,
                Some(id) => {
                    let item =
                        c.tx.plan_item(id)?
                            .ok_or_else(|| TehoError::not_found("plan item", id))?;
                    let provider_name = c.tx.organization(item.provider)?.map(|o| o.name);
                    let worker_name = match item.worker {
                        Some(w) => c.tx.worker(w)?.map(|w| w.full_name()),
                        None => None,
                    };
                    Some(VisitPlan {
                        plan: item.plan,
                        domain: item.domain,
                        provider: item.provider,
                        provider_name,
                        item: item.id,
                        recurrence: item.recurrence.to_string(),
                        recurrence_in_words: item.recurrence.in_words(),
                        action: item.action,
                        place: item.place,
                        duration_minutes: item.duration_minutes,
                        worker: item.worker,
                        worker_name,
                        valid_from: item.valid_from,
                        valid_until: item.valid_until,
                    })
                }
            };
            Ok(VisitWithPlan { visit: shown, plan })
        })
    }

    /// Moves one visit to a new start; it is then "moved by hand" and regeneration
    /// leaves it alone. A worker's own change notifies the domain's manager with before
    /// and after (seed 000: "Muutmise info läheb hooldusjuhile teavitusena").
    pub fn move_visit(
        &self,
        actor: &Actor,
        visit: VisitId,
        new_start: DateTime<Utc>,
    ) -> TehoResult<VisitChange> {
        self.door(actor, Operation::MoveVisit, |c| {
            c.object(format!("visit:{visit}"));
            let mut v = c.visit(visit)?;
            c.authorize_on_file(v.file, Action::ChangeVisit(visit_facts(&v)))?;
            open_visit(&v)?;
            if (new_start - v.start).num_days().abs() > MAX_QUERY_DAYS {
                return Err(TehoError::invalid(
                    "new_start",
                    new_start,
                    "moves a visit by more than a year",
                ));
            }
            let before = v.start;
            let length = v.end - v.start;
            v.start = new_start;
            v.end = new_start + length;
            v.moved_by_hand = true;
            v.revised();
            c.tx.update_visits(std::slice::from_ref(&v))?;
            if c.me().is_ok_and(|(_, r, _)| !r.is_manager()) {
                let text = format!(
                    "A visit was moved from {} to {}",
                    local(before),
                    local(new_start)
                );
                c.notify_managers(
                    v.provider,
                    v.domain,
                    v.file,
                    NotificationKind::VisitMoved {
                        visit,
                        before,
                        after: new_start,
                    },
                    text,
                )?;
            }
            let conflicts = c.conflicts(std::slice::from_ref(&v))?;
            let v = c.redact_visits(vec![v])?.remove(0);
            Ok(VisitChange {
                visit: v,
                conflicts,
            })
        })
    }

    /// Cancels one occurrence, with a reason; regeneration will not plan it again.
    pub fn cancel_visit(&self, actor: &Actor, visit: VisitId, reason: String) -> TehoResult<Visit> {
        self.door(actor, Operation::CancelVisit, |c| {
            c.object(format!("visit:{visit}"));
            let mut v = c.visit(visit)?;
            c.authorize_on_file(v.file, Action::ChangeVisit(visit_facts(&v)))?;
            open_visit(&v)?;
            let reason = non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                problem: "cancelling a visit needs a reason".into(),
            })?;
            let (me, role, _) = c.me()?;
            v.status = VisitStatus::Cancelled;
            v.revised();
            v.cancellation = Some(Cancellation {
                by: me,
                at: c.at,
                reason: Some(DomainDetail {
                    domain: v.domain,
                    text: reason,
                }),
            });
            c.tx.update_visits(std::slice::from_ref(&v))?;
            if !role.is_manager() {
                // The visit, not its reason: the reason stays on the visit, so that
                // destroying the visit destroys it (seed 004 annex 6 §4).
                let text = format!(
                    "The visit of {} was cancelled; the visit says why",
                    local(v.start)
                );
                c.notify_managers(
                    v.provider,
                    v.domain,
                    v.file,
                    NotificationKind::VisitCancelled { visit },
                    text,
                )?;
            }
            Ok(c.redact_visits(vec![v])?.remove(0))
        })
    }

    /// Marks a visit done: the service log gets an entry automatically (who, client,
    /// action, planned and actual time, place), with an optional detail visible only to
    /// the domain (seed 000, care worker TO-BE).
    pub fn mark_done(
        &self,
        actor: &Actor,
        visit: VisitId,
        report: DoneReport,
    ) -> TehoResult<ServiceLogEntry> {
        self.door(actor, Operation::MarkDone, |c| {
            c.object(format!("visit:{visit}"));
            let mut v = c.visit(visit)?;
            c.authorize_on_file(v.file, Action::RecordVisit(visit_facts(&v)))?;
            open_visit(&v)?;
            if v.start > c.at + Duration::hours(12) {
                return Err(TehoError::invalid(
                    "visit",
                    format!("starts {}", local(v.start)),
                    "has not taken place yet",
                ));
            }
            let actual_start = report.actual_start.unwrap_or(v.start);
            let actual_end = report
                .actual_end
                .unwrap_or(actual_start + (v.end - v.start));
            if actual_end < actual_start || actual_end - actual_start > Duration::hours(24) {
                return Err(TehoError::invalid(
                    "actual_end",
                    actual_end,
                    "must be after the actual start, within a day",
                ));
            }
            let (me, _, _) = c.me()?;
            let detail = domain_detail(report.detail.as_deref(), v.domain)?;
            v.status = VisitStatus::Done;
            v.revised();
            c.tx.update_visits(std::slice::from_ref(&v))?;
            let entry = ServiceLogEntry {
                id: LogEntryId(c.ids.next_id()),
                file: v.file,
                visit: Some(v.id),
                worker: v.worker.unwrap_or(me),
                provider: v.provider,
                domain: v.domain,
                action: v.action.clone(),
                planned_start: Some(v.start),
                planned_end: Some(v.end),
                actual_start,
                actual_end,
                place: v.place.clone(),
                detail,
                manual: false,
                recorded_at: c.at,
            };
            c.tx.insert(&entry)?;
            Ok(entry)
        })
    }

    /// Marks a visit not done. A coded reason is required, and free text when the
    /// reason is `Other`; the domain's manager is notified, and the client and relatives
    /// see it with its reason (seed 000, care worker TO-BE: "Kohustuslik on selgitus").
    /// `detail`, a comment for the worker's own domain, is seen by that domain alone
    /// (seed 000, home nurse TO-BE: "Neid näeb ainult koduõenduse valdkond").
    pub fn mark_not_done(
        &self,
        actor: &Actor,
        visit: VisitId,
        reason: Option<NotDoneReason>,
        text: String,
        detail: Option<String>,
    ) -> TehoResult<Visit> {
        self.door(actor, Operation::MarkNotDone, |c| {
            c.object(format!("visit:{visit}"));
            let mut v = c.visit(visit)?;
            c.authorize_on_file(v.file, Action::RecordVisit(visit_facts(&v)))?;
            open_visit(&v)?;
            let reason = reason.ok_or_else(|| TehoError::ReasonRequired {
                problem: "choose a coded reason".into(),
            })?;
            let text = text.trim().to_string();
            if reason == NotDoneReason::Other && text.is_empty() {
                return Err(TehoError::ReasonRequired {
                    problem: "the reason Other needs a text".into(),
                });
            }
            let detail = domain_detail(detail.as_deref(), v.domain)?;
            let (me, _, _) = c.me()?;
            v.status = VisitStatus::NotDone;
            v.revised();
            v.not_done = Some(NotDone {
                reason,
                text: text.clone(),
                by: me,
                at: c.at,
                detail,
            });
            c.tx.update_visits(std::slice::from_ref(&v))?;
            // The reason's code and the visit, not its free text: the text stays on the
            // visit, so that destroying the visit destroys it (seed 004 annex 6 §4).
            c.notify_managers(
                v.provider,
                v.domain,
                v.file,
                NotificationKind::VisitNotDone { visit, reason },
                format!(
                    "The visit of {} was not done ({}); the visit says why",
                    local(v.start),
                    name_of(&reason)
                ),
            )?;
            Ok(c.redact_visits(vec![v])?.remove(0))
        })
    }

    /// Writes a service-log entry by hand, e.g. for an unplanned visit.
    pub fn add_log_entry(&self, actor: &Actor, new: NewLogEntry) -> TehoResult<ServiceLogEntry> {
        self.door(actor, Operation::AddLogEntry, |c| {
            let (_, facts) = c.client(new.file)?;
            // A hand-written entry is of the author's own domain and provider.
            let facts_v = match &c.facts {
                ActorFacts::Worker {
                    role, organization, ..
                } => VisitFacts {
                    domain: role.domain(),
                    provider: Some(*organization),
                    assigned: None,
                },
                _ => VisitFacts {
                    domain: Domain::SelfCare,
                    provider: None,
                    assigned: None,
                },
            };
            c.authorize(Action::RecordVisit(facts_v), &Target::Client(facts))?;
            let (me, role, _) = c.me()?;
            let org = facts_v.provider;
            non_empty("action.code", &new.action.code)?;
            non_empty("action.text", &new.action.text)?;
            if new.actual_end < new.actual_start
                || new.actual_end - new.actual_start > Duration::hours(24)
            {
                return Err(TehoError::invalid(
                    "actual_end",
                    new.actual_end,
                    "must be after the actual start, within a day",
                ));
            }
            if new.actual_start > c.at + Duration::hours(1) {
                return Err(TehoError::invalid(
                    "actual_start",
                    new.actual_start,
                    "lies in the future",
                ));
            }
            let detail = domain_detail(new.detail.as_deref(), role.domain())?;
            let entry = ServiceLogEntry {
                id: LogEntryId(c.ids.next_id()),
                file: new.file,
                visit: None,
                worker: me,
                provider: org,
                domain: role.domain(),
                action: new.action,
                planned_start: None,
                planned_end: None,
                actual_start: new.actual_start,
                actual_end: new.actual_end,
                place: non_empty("place", &new.place)?,
                detail,
                manual: true,
                recorded_at: c.at,
            };
            c.object(format!("log_entry:{}", entry.id));
            c.tx.insert(&entry)?;
            Ok(entry)
        })
    }

    /// The client's service log for `from ..= to`; domain-only details are shown only to
    /// that domain.
    pub fn service_log(
        &self,
        actor: &Actor,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<ServiceLogEntry>> {
        self.door(actor, Operation::ServiceLog, |c| {
            c.service_log(file, from, to)
        })
    }

    /// The manager's alert list: planned visits of the provider in `domain` whose
    /// planned end passed more than `threshold_minutes` ago with no outcome. Only
    /// clients the reader may see are included.
    pub fn missed_visits(
        &self,
        actor: &Actor,
        provider: OrganizationId,
        domain: Domain,
        threshold_minutes: u32,
    ) -> TehoResult<Vec<Visit>> {
        self.door(actor, Operation::MissedVisits, |c| {
            c.object(format!("organization:{provider} {}", name_of(&domain)));
            c.authorize(
                Action::ReadProviderData { domain },
                &Target::Organization { id: provider },
            )?;
            if threshold_minutes > 7 * 24 * 60 {
                return Err(TehoError::invalid(
                    "threshold_minutes",
                    threshold_minutes,
                    "at most a week",
                ));
            }
            let before = c.at - Duration::minutes(i64::from(threshold_minutes));
            let overdue: Vec<Visit> =
                c.tx.overdue_visits(provider, before)?
                    .into_iter()
                    .filter(|v| v.domain == domain)
                    .collect();
            c.visible_visits(overdue)
        })
    }

    /// A worker's own report from the service log for `from ..= to` (the worker, or
    /// their manager). Only clients the reader may still see are included.
    pub fn worker_report(
        &self,
        actor: &Actor,
        worker: WorkerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<ServiceLogEntry>> {
        self.door(actor, Operation::WorkerReport, |c| {
            c.object(format!("worker:{worker} {from}..{to}"));
            c.authorized_worker(worker, Action::ReadWorkerCalendar)?;
            let (a, b) = window(from, to)?;
            let entries = c.tx.log_of_worker(worker, a, b)?;
            c.keep_visible(entries, |e| e.file, DataCategory::ServiceLog)
        })
    }

    /// A provider's monthly report of services provided in a domain, with its deadline:
    /// the 10th of the following month (seed `002_b4b88f78f180845d.txt` §15(3)).
    pub fn monthly_report(
        &self,
        actor: &Actor,
        provider: OrganizationId,
        domain: Domain,
        year: i32,
        month: u32,
    ) -> TehoResult<MonthlyReport> {
        self.door(actor, Operation::MonthlyReport, |c| {
            c.object(format!(
                "organization:{provider} {} {year}-{month:02}",
                name_of(&domain)
            ));
            c.authorize(
                Action::ReadProviderData { domain },
                &Target::Organization { id: provider },
            )?;
            let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
                TehoError::invalid("month", format!("{year}-{month}"), "not a calendar month")
            })?;
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            }
            .ok_or_else(|| {
                TehoError::invalid("month", format!("{year}-{month}"), "not a calendar month")
            })?;
            let entries =
                c.tx.log_of_provider(provider, start_of_day(first), start_of_day(next))?;
            let mut lines: BTreeMap<
                String,
                (String, u32, i64, std::collections::HashSet<ClientFileId>),
            > = BTreeMap::new();
            let entries: Vec<ServiceLogEntry> =
                entries.into_iter().filter(|e| e.domain == domain).collect();
            // Counted from these clients' log entries: each one's access log gets the read.
            c.disclose(entries.iter().map(|e| e.file));
            for e in entries {
                let line = lines
                    .entry(e.action.code.clone())
                    .or_insert_with(|| (e.action.text.clone(), 0, 0, Default::default()));
                line.1 += 1;
                line.2 += (e.actual_end - e.actual_start).num_minutes();
                line.3.insert(e.file);
            }
            let deadline = NaiveDate::from_ymd_opt(next.year(), next.month(), 10).unwrap_or(next);
            Ok(MonthlyReport {
                provider,
                domain,
                year,
                month,
                deadline,
                lines: lines
                    .into_iter()
                    .map(|(code, (text, count, minutes, clients))| ReportLine {
                        code,
                        text,
                        count,
                        minutes,
                        clients: clients.len() as u32,
                    })
                    .collect(),
            })
        })
    }
}

/// A visit can be moved, cancelled or recorded only while planned and not yet recorded.
fn open_visit(v: &Visit) -> TehoResult<()> {
    let problem = match v.status {
        VisitStatus::Planned => return Ok(()),
        VisitStatus::Done => "already marked done",
        VisitStatus::NotDone => "already marked not done",
        VisitStatus::Cancelled => "cancelled",
        VisitStatus::Superseded => "replaced by a plan change",
    };
    Err(TehoError::Conflict {
        kind: "visit".into(),
        id: v.id.to_string(),
        problem: problem.into(),
    })
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Tallinn)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn summary(item: &PlanItemId, r: &Regeneration) -> String {
    format!(
        "plan_item:{item} added={} removed={} unchanged={} kept_recorded={} kept_by_hand={}",
        r.added.len(),
        r.removed.len(),
        r.unchanged.len(),
        r.kept_recorded.len(),
        r.kept_by_hand.len()
    )
}

/// The action of changing plan `p`: managing plans of its domain for its provider.
fn managing(p: &CarePlan) -> Action {
    Action::ManagePlan {
        domain: p.domain,
        provider: p.provider,
    }
}
