//! Retention, holds and destruction acts, through the one door (seed
//! `002_b4b88f78f180845d.txt` §19; seed `004_4e44693abfa7524a.txt` annex 6 §4).

use super::Operation;
use std::collections::HashMap;

use chrono::NaiveDate;

use super::Ctx;
use crate::ClientFiles;
use crate::access::{Action, Actor, DataCategory, Target};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::ids::{ClientFileId, DestructionActId, HoldId};
use crate::retention::{
    ActStatus, DestructionAct, DueRecord, Hold, HoldScope, NewDestructionAct, RecordRef, Trigger,
    due_on, series,
};
use crate::time::local_date;

impl Ctx<'_> {
    /// The holds in force on `on`.
    fn holds_on(&mut self, on: NaiveDate) -> TehoResult<Vec<Hold>> {
        Ok(self
            .tx
            .holds()?
            .into_iter()
            .filter(|h| h.in_force(on))
            .collect())
    }

    /// Every record of the given files (all files when `None`) with its series and the
    /// day its retention period ends; `held` as of `on`.
    fn retention_records(
        &mut self,
        only: Option<&[ClientFileId]>,
        on: NaiveDate,
    ) -> TehoResult<Vec<DueRecord>> {
        let holds = self.holds_on(on)?;
        let files = match only {
            Some(f) => f.to_vec(),
            None => self.tx.files()?.into_iter().map(|f| f.id).collect(),
        };
        let mut out = Vec::new();
        for file in files {
            let Some(f) = self.tx.file(file)? else {
                continue;
            };
            let person = self.tx.person(f.client)?;
            let death = person.as_ref().and_then(|p| p.deceased_on);
            let birth = person.as_ref().and_then(|p| p.birth_date);
            let status_end = match person.as_ref().and_then(|p| p.identity.personal_code()) {
                Some(code) => self
                    .tx
                    .notices_for_code(&code.to_string())?
                    .into_iter()
                    .filter(|n| {
                        n.notice.kind == crate::register::NoticeKind::DisabilitySeverityEnding
                    })
                    .map(|n| n.notice.date)
                    .max(),
                None => None,
            };
            let mut push = |record: RecordRef, code: &str, created: NaiveDate| {
                let Some(s) = series(code) else { return };
                let trigger_on = match s.trigger {
                    Trigger::Creation => Some(created),
                    Trigger::EndOfCase | Trigger::Death => death,
                    Trigger::Age(n) => birth.map(|b| due_on(b, u32::from(n))),
                    Trigger::EndOfStatus => status_end,
                };
                if let Some(trigger_on) = trigger_on {
                    let held = holds.iter().any(|h| h.covers(file, s.code));
                    out.push(DueRecord {
                        record,
                        file,
                        series: s.code.into(),
                        trigger_on,
                        due_on: due_on(trigger_on, s.years),
                        held,
                    });
                }
            };
            for e in self.tx.entries_of_file(file)? {
                let code = match e.category {
                    DataCategory::SupervisionAct => "TEHO-1.4",
                    DataCategory::Disability => "TEHO-1.5",
                    _ => "TEHO-1.1",
                };
                push(RecordRef::Entry(e.id), code, local_date(e.written_at));
            }
            for v in self.tx.all_visits_of_file(file)? {
                push(RecordRef::Visit(v.id), "TEHO-1.2", local_date(v.start));
            }
            let all = chrono::DateTime::<chrono::Utc>::MIN_UTC;
            for l in self
                .tx
                .log_of_file(file, all, chrono::DateTime::<chrono::Utc>::MAX_UTC)?
            {
                push(
                    RecordRef::LogEntry(l.id),
                    "TEHO-1.2",
                    local_date(l.actual_start),
                );
            }
            for a in self.tx.assessments_by_file(file)? {
                push(
                    RecordRef::Assessment(a.id),
                    "TEHO-1.3",
                    local_date(a.assessed_at),
                );
            }
        }
        Ok(out)
    }
}

/// Why a record may not be destroyed on `on`, if it may not; a hold is named by its id
/// and basis (`holds`: those in force on `on`).
fn refusal(r: &DueRecord, on: NaiveDate, holds: &[Hold]) -> Option<String> {
    match series(&r.series) {
        None => Some(format!("series {} is not in the catalogue", r.series)),
        Some(s) if s.archival => Some(format!("series {} has archival value", s.code)),
        Some(_) if r.due_on > on => Some(format!("not due before {}", r.due_on)),
        Some(_) if r.held => Some(
            holds
                .iter()
                .filter(|h| h.covers(r.file, &r.series))
                .map(|h| format!("under hold {} ({})", h.id, h.basis))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Some(_) => None,
    }
}

/// The records refused and why, one per line, at most `shown` of them and a count of
/// the rest.
fn refused_list(refused: &[(RecordRef, String)], shown: usize) -> String {
    let mut lines: Vec<String> = refused
        .iter()
        .take(shown)
        .map(|(r, why)| format!("{r}: {why}"))
        .collect();
    if refused.len() > shown {
        lines.push(format!("and {} more", refused.len() - shown));
    }
    lines.join("; ")
}

impl ClientFiles {
    /// The records due for destruction on `on`: their retention period has ended; held
    /// ones are listed with `held` set.
    pub fn retention_due(&self, actor: &Actor, on: NaiveDate) -> TehoResult<Vec<DueRecord>> {
        self.door(actor, Operation::RetentionDue, |c| {
            c.object(format!("due on {on}"));
            c.authorize(Action::ManageRetention, &Target::System)?;
            let all = c.retention_records(None, on)?;
            let due: Vec<DueRecord> = all
                .into_iter()
                .filter(|r| r.due_on <= on && series(&r.series).is_some_and(|s| !s.archival))
                .collect();
            c.disclose(due.iter().map(|r| r.file));
            Ok(due)
        })
    }

    /// Sets a hold (a court case, a complaint) that blocks destruction of what it covers.
    pub fn set_hold(
        &self,
        actor: &Actor,
        scope: HoldScope,
        basis: String,
        until: Option<NaiveDate>,
    ) -> TehoResult<Hold> {
        self.door(actor, Operation::SetHold, |c| {
            c.object(format!("hold on {scope}"));
            c.authorize(Action::ManageRetention, &Target::System)?;
            let basis = super::non_empty("basis", &basis)?;
            let from = local_date(c.at);
            super::check_period("hold", from, until)?;
            if let HoldScope::Series(code) = &scope
                && series(code).is_none()
            {
                return Err(TehoError::not_found("record series", code));
            }
            let h = Hold {
                id: HoldId(c.ids.next_id()),
                scope,
                basis,
                by: c.me()?.0,
                from,
                until,
                lifted: None,
            };
            c.tx.insert(&h)?;
            Ok(h)
        })
    }

    /// Every hold, in force or not.
    pub fn holds(&self, actor: &Actor) -> TehoResult<Vec<Hold>> {
        self.door(actor, Operation::Holds, |c| {
            c.object("holds");
            c.authorize(Action::ManageRetention, &Target::System)?;
            let holds = c.tx.holds()?;
            c.disclose(holds.iter().filter_map(|h| match h.scope {
                HoldScope::File(f) => Some(f),
                HoldScope::Series(_) => None,
            }));
            Ok(holds)
        })
    }

    /// Lifts a hold.
    pub fn lift_hold(&self, actor: &Actor, hold: HoldId) -> TehoResult<Hold> {
        self.door(actor, Operation::LiftHold, |c| {
            c.object(format!("hold:{hold}"));
            c.authorize(Action::ManageRetention, &Target::System)?;
            let mut h =
                c.tx.holds()?
                    .into_iter()
                    .find(|h| h.id == hold)
                    .ok_or_else(|| TehoError::not_found("hold", hold))?;
            if h.lifted.is_some() {
                return Err(TehoError::Conflict {
                    kind: "hold".into(),
                    id: hold.to_string(),
                    problem: "already lifted".into(),
                });
            }
            h.lifted = Some((c.at, c.me()?.0));
            c.tx.update(&h)?;
            Ok(h)
        })
    }

    /// Drafts a destruction act for the records of one series whose trigger day lies in
    /// the range and that are due on the planned day and not held; every field of seed
    /// 004 annex 6 §4.4 is filled.
    pub fn draft_destruction_act(
        &self,
        actor: &Actor,
        new: NewDestructionAct,
    ) -> TehoResult<DestructionAct> {
        self.door(actor, Operation::DraftDestructionAct, |c| {
            c.object(format!("destruction act for {}", new.series));
            c.authorize(Action::ManageRetention, &Target::System)?;
            let s = series(&new.series)
                .ok_or_else(|| TehoError::not_found("record series", &new.series))?;
            if s.archival {
                return Err(TehoError::invalid(
                    "series",
                    s.code,
                    "has archival value: it goes to the public archive, never destroyed",
                ));
            }
            super::check_period("date range", new.date_from, Some(new.date_to))?;
            let appraisal_reference =
                super::non_empty("appraisal_reference", &new.appraisal_reference)?;
            let method = super::non_empty("method", &new.method)?;
            let place = super::non_empty("place", &new.place)?;
            if new.planned_on < local_date(c.at) {
                return Err(TehoError::invalid(
                    "planned_on",
                    new.planned_on,
                    "lies in the past",
                ));
            }
            let holds = c.holds_on(new.planned_on)?;
            let mut records: Vec<(RecordRef, ClientFileId)> = Vec::new();
            let mut held: Vec<(RecordRef, String)> = Vec::new();
            for r in c.retention_records(None, new.planned_on)? {
                if r.series != s.code || r.trigger_on < new.date_from || r.trigger_on > new.date_to
                {
                    continue;
                }
                match refusal(&r, new.planned_on, &holds) {
                    None => records.push((r.record, r.file)),
                    Some(why) if r.held && r.due_on <= new.planned_on => held.push((r.record, why)),
                    Some(_) => {}
                }
            }
            if records.is_empty() {
                let problem = if held.is_empty() {
                    "no records of the range are due on the planned day".to_string()
                } else {
                    format!(
                        "the records of the range that are due are held: {}",
                        refused_list(&held, 10)
                    )
                };
                return Err(TehoError::InvalidInput {
                    field: "series".into(),
                    value: s.code.into(),
                    problem,
                });
            }
            let act = DestructionAct {
                id: DestructionActId(c.ids.next_id()),
                appraisal_reference,
                series: s.code.into(),
                title: s.title.into(),
                date_from: new.date_from,
                date_to: new.date_to,
                units: records.len(),
                retention_period: format!("{} years from {}", s.years, name_of(&s.trigger)),
                legal_basis: s.legal_basis.into(),
                method,
                planned_on: new.planned_on,
                place,
                records,
                drafted_by: c.me()?.0,
                status: ActStatus::Draft,
            };
            c.object(format!("destruction_act:{} units={}", act.id, act.units));
            c.tx.insert(&act)?;
            Ok(act)
        })
    }

    /// Approves a drafted act; its author may not approve it (four eyes).
    pub fn approve_destruction_act(
        &self,
        actor: &Actor,
        act: DestructionActId,
    ) -> TehoResult<DestructionAct> {
        self.door(actor, Operation::ApproveDestructionAct, |c| {
            c.object(format!("destruction_act:{act}"));
            c.authorize(Action::ManageRetention, &Target::System)?;
            let mut a =
                c.tx.act(act)?
                    .ok_or_else(|| TehoError::not_found("destruction act", act))?;
            if a.status != ActStatus::Draft {
                return Err(TehoError::Conflict {
                    kind: "destruction act".into(),
                    id: act.to_string(),
                    problem: format!("is {}", name_of(&a.status)),
                });
            }
            let me = c.me()?.0;
            if me == a.drafted_by {
                return Err(TehoError::Conflict {
                    kind: "destruction act".into(),
                    id: act.to_string(),
                    problem: "its author cannot approve it".into(),
                });
            }
            a.status = ActStatus::Approved { by: me, at: c.at };
            c.tx.update(&a)?;
            Ok(a)
        })
    }

    /// Executes an approved act: every listed record must still be due, free of holds and
    /// of a series without archival value, or nothing is destroyed and the error names
    /// the record and the reason. The content is removed irreversibly (SQLite: deleted
    /// pages zeroed, WAL checkpointed and truncated); the act and the audit stay.
    pub fn execute_destruction_act(
        &self,
        actor: &Actor,
        act: DestructionActId,
    ) -> TehoResult<DestructionAct> {
        let batched = self.batch.is_some();
        let done = self.door(actor, Operation::ExecuteDestructionAct, |c| {
            c.object(format!("destruction_act:{act}"));
            c.authorize(Action::ManageRetention, &Target::System)?;
            if batched {
                // The file is compacted right after, which a batch's open transaction
                // would prevent: the destroyed content would linger in the WAL.
                return Err(TehoError::Conflict {
                    kind: "destruction act".into(),
                    id: act.to_string(),
                    problem: "cannot be executed inside a batch; execute it on its own".into(),
                });
            }
            let mut a =
                c.tx.act(act)?
                    .ok_or_else(|| TehoError::not_found("destruction act", act))?;
            if !matches!(a.status, ActStatus::Approved { .. }) {
                return Err(TehoError::Conflict {
                    kind: "destruction act".into(),
                    id: act.to_string(),
                    problem: format!("is {}; only an approved act destroys", name_of(&a.status)),
                });
            }
            let today = local_date(c.at);
            let mut files: Vec<ClientFileId> = a.records.iter().map(|(_, f)| *f).collect();
            files.sort();
            files.dedup();
            let known: HashMap<RecordRef, DueRecord> = c
                .retention_records(Some(&files), today)?
                .into_iter()
                .map(|r| (r.record, r))
                .collect();
            let holds = c.holds_on(today)?;
            let refused: Vec<(RecordRef, String)> = a
                .records
                .iter()
                .filter_map(|(record, _)| {
                    let why = match known.get(record) {
                        None => Some("no longer exists".to_string()),
                        Some(r) => refusal(r, today, &holds),
                    };
                    why.map(|w| (*record, w))
                })
                .collect();
            if let Some((first, _)) = refused.first() {
                return Err(TehoError::Conflict {
                    kind: "record".into(),
                    id: first.to_string(),
                    problem: format!(
                        "cannot be destroyed, nor anything of the act: {}",
                        refused_list(&refused, 10)
                    ),
                });
            }
            for (record, _) in &a.records {
                c.tx.destroy(*record)?;
            }
            a.status = ActStatus::Executed { at: c.at };
            c.tx.update(&a)?;
            c.object(format!(
                "destruction_act:{act} destroyed={}",
                a.records.len()
            ));
            Ok(a)
        })?;
        self.store.compact()?;
        Ok(done)
    }
}
