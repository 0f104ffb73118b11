//! The death cascade and its compensation, and the import of population-register
//! notices, through the one door.

use super::Operation;
use chrono::{Duration, NaiveDate};

use super::Ctx;
use crate::ClientFiles;
use crate::access::{Action, Actor, Target};
use crate::calendar::VisitStatus;
use crate::case::ContractStatus;
use crate::death::{Compensation, DeathEffects, DeathRecord, ImportReport, ReceivedNotice};
use crate::error::{TehoError, TehoResult};
use crate::file::FileStatus;
use crate::ids::PersonId;
use crate::network::Member;
use crate::notify::{NotificationKind, Recipient};
use crate::org::Role;
use crate::person::PersonIdentity;
use crate::register::{LineProblem, NoticeBatch, NoticeKind, RegisterNotice};
use crate::time::start_of_day;

fn recipient(m: Member) -> Recipient {
    match m {
        Member::Worker(w) => Recipient::Worker(w),
        Member::Person(p) => Recipient::Person(p),
    }
}

impl Ctx<'_> {
    /// The death cascade (see [`crate::death`]). Fails with a conflict when the person is
    /// already recorded deceased on another date.
    fn apply_death(
        &mut self,
        person: PersonId,
        date: NaiveDate,
        source: &str,
    ) -> TehoResult<Option<DeathEffects>> {
        let mut p = self
            .tx
            .person(person)?
            .ok_or_else(|| self.missing("person", person))?;
        match p.deceased_on {
            Some(d) if d == date => return Ok(None),
            Some(d) => {
                return Err(TehoError::Conflict {
                    kind: "person".into(),
                    id: person.to_string(),
                    problem: format!("already recorded deceased on {d}; correct the date instead"),
                });
            }
            None => {}
        }
        if date > crate::time::local_date(self.at) {
            return Err(TehoError::invalid(
                "date",
                date,
                "a date of death cannot lie in the future",
            ));
        }
        if p.birth_date.is_some_and(|b| date < b) {
            return Err(TehoError::invalid(
                "date",
                date,
                "is before the person's birth",
            ));
        }
        p.deceased_on = Some(date);
        self.tx.update(&p)?;
        let mut effects = DeathEffects::default();
        if let Some(mut f) = self.tx.file_of_client(person)? {
            effects.file = Some(f.id);
            effects.file_status_before = Some(f.status);
            f.status = FileStatus::ClientDeceased;
            self.tx.update(&f)?;
            let after = start_of_day(date + Duration::days(1));
            // Memberships end on the date; everyone who was a member is told.
            for mut m in self.tx.memberships_of_file(f.id)? {
                let was_member = m.valid_from <= date && m.valid_until.is_none_or(|u| u >= date);
                if was_member || m.valid_from > date {
                    effects.notified.push(recipient(m.member));
                }
                if m.valid_until.is_none_or(|u| u > date) {
                    effects.memberships_ended.push((m.id, m.valid_until));
                    m.valid_until = Some(date.max(m.valid_from));
                    self.tx.update(&m)?;
                }
            }
            // Persons first, then workers, each by id (the order the records keep).
            effects.notified.sort_by_key(|r| match r {
                Recipient::Person(p) => (0, p.0),
                Recipient::Worker(w) => (1, w.0),
            });
            effects.notified.dedup();
            // Plans end on the date; planned visits after it are cancelled.
            for plan in self.tx.plans_of_file(f.id)? {
                for mut item in self.tx.items_of_plan(plan.id)? {
                    if item.valid_until.is_none_or(|u| u > date) {
                        effects.plan_items_ended.push((item.id, item.valid_until));
                        item.valid_until = Some(date.max(item.valid_from));
                        self.tx.update(&item)?;
                    }
                }
            }
            let mut cancelled: Vec<_> = self
                .tx
                .visits_of_file(f.id, after, after + Duration::days(3660))?
                .into_iter()
                .filter(|v| v.status == VisitStatus::Planned)
                .collect();
            for v in &mut cancelled {
                v.status = VisitStatus::Cancelled;
                v.revised();
                effects.visits_cancelled.push(v.id);
            }
            self.tx.update_visits(&cancelled)?;
            for mut k in self.tx.contracts_by_file(f.id)? {
                if k.status == ContractStatus::Concluded {
                    k.status = ContractStatus::Terminated;
                    k.terminated_on = Some(date.max(k.concluded_on.unwrap_or(date)));
                    k.termination_reason = Some("client deceased".into());
                    self.tx.update(&k)?;
                    effects.contracts_terminated.push(k.id);
                }
            }
            for r in effects.notified.clone() {
                self.notify(
                    r,
                    Some(f.id),
                    NotificationKind::ClientDeceased { date },
                    format!("The client has died ({date}); visits after that day are cancelled"),
                )?;
            }
        }
        let record = DeathRecord {
            person,
            date,
            source_reference: source.into(),
            effects: effects.clone(),
            recorded_at: self.at,
            voided: None,
        };
        // A person has one death record: one voided earlier is replaced.
        if self.tx.death(person)?.is_some() {
            self.tx.update(&record)?;
        } else {
            self.tx.insert(&record)?;
        }
        Ok(Some(effects))
    }

    /// Undoes what a death did that is still in the future.
    fn compensate_death(&mut self, person: PersonId, reason: &str) -> TehoResult<Compensation> {
        let mut record = self
            .tx
            .death(person)?
            .filter(|d| d.voided.is_none())
            .ok_or_else(|| TehoError::not_found("death record", person))?;
        let mut p = self
            .tx
            .person(person)?
            .ok_or_else(|| self.missing("person", person))?;
        p.deceased_on = None;
        self.tx.update(&p)?;
        let mut out = Compensation::default();
        let e = record.effects.clone();
        if let (Some(file), Some(status)) = (e.file, e.file_status_before) {
            if let Some(mut f) = self.tx.file(file)? {
                f.status = status;
                self.tx.update(&f)?;
            }
            for (id, previous) in &e.memberships_ended {
                if let Some(mut m) = self.tx.membership(*id)? {
                    m.valid_until = *previous;
                    self.tx.update(&m)?;
                    out.memberships_restored.push(*id);
                }
            }
            for (id, previous) in &e.plan_items_ended {
                if let Some(mut item) = self.tx.plan_item(*id)? {
                    item.valid_until = *previous;
                    self.tx.update(&item)?;
                    out.plan_items_restored.push(*id);
                }
            }
            for id in &e.visits_cancelled {
                if let Some(mut v) = self.tx.visit(*id)? {
                    if v.status == VisitStatus::Cancelled && v.start > self.at {
                        v.status = VisitStatus::Planned;
                        v.revised();
                        self.tx.update_visits(std::slice::from_ref(&v))?;
                        out.visits_restored.push(*id);
                    } else {
                        out.visits_left_cancelled.push(*id);
                    }
                }
            }
            for id in &e.contracts_terminated {
                if let Some(mut k) = self.tx.contract(*id)? {
                    k.status = ContractStatus::Concluded;
                    k.terminated_on = None;
                    k.termination_reason = None;
                    self.tx.update(&k)?;
                    out.contracts_restored.push(*id);
                }
            }
            for r in &e.notified {
                self.notify(
                    *r,
                    Some(file),
                    NotificationKind::DeathCorrected,
                    format!("The death notice was corrected: {reason}"),
                )?;
            }
            out.notified = e.notified.clone();
        }
        record.voided = Some((self.at, reason.into()));
        self.tx.update(&record)?;
        Ok(out)
    }
}

impl ClientFiles {
    /// Records a client's death by hand (the social worker) — the same cascade as a
    /// register notice. Returns its effects.
    pub fn record_death(
        &self,
        actor: &Actor,
        person: PersonId,
        date: NaiveDate,
        source: String,
    ) -> TehoResult<DeathEffects> {
        self.door(actor, Operation::RecordDeath, |c| {
            c.object(format!("person:{person}"));
            let file =
                c.tx.file_of_client(person)?
                    .ok_or_else(|| c.missing("client file of person", person))?;
            c.authorize_on_file(file.id, Action::RecordDeath)?;
            let source = super::non_empty("source", &source)?;
            c.apply_death(person, date, &source)?
                .ok_or_else(|| TehoError::Conflict {
                    kind: "person".into(),
                    id: person.to_string(),
                    problem: format!("already recorded deceased on {date}"),
                })
        })
    }

    /// Voids a recorded death (a wrong person): compensates exactly the effects still
    /// in the future and tells the network.
    pub fn void_death(
        &self,
        actor: &Actor,
        person: PersonId,
        reason: String,
    ) -> TehoResult<Compensation> {
        self.door(actor, Operation::VoidDeath, |c| {
            c.object(format!("person:{person}"));
            let file =
                c.tx.file_of_client(person)?
                    .ok_or_else(|| c.missing("client file of person", person))?;
            c.authorize_on_file(file.id, Action::RecordDeath)?;
            let reason =
                super::non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                    problem: "voiding a death needs a reason".into(),
                })?;
            c.compensate_death(person, &reason)
        })
    }

    /// Corrects the date of a recorded death: the old effects still in the future are
    /// compensated and the cascade runs again from the right date.
    pub fn correct_death_date(
        &self,
        actor: &Actor,
        person: PersonId,
        date: NaiveDate,
        reason: String,
    ) -> TehoResult<(Compensation, DeathEffects)> {
        self.door(actor, Operation::CorrectDeathDate, |c| {
            c.object(format!("person:{person}"));
            let file =
                c.tx.file_of_client(person)?
                    .ok_or_else(|| c.missing("client file of person", person))?;
            let (_, facts) = c.client(file.id)?;
            c.object(format!("person:{person} date {date}"));
            c.authorize(Action::RecordDeath, &Target::Client(facts))?;
            let reason =
                super::non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                    problem: "correcting a death needs a reason".into(),
                })?;
            let source =
                c.tx.death(person)?
                    .map(|d| d.source_reference)
                    .unwrap_or_default();
            let undone = c.compensate_death(person, &reason)?;
            let redone = c.apply_death(person, date, &source)?.unwrap_or_default();
            Ok((undone, redone))
        })
    }

    /// Imports population-register notices: a death runs the cascade; a disability
    /// severity ending notifies the client's care workers. The same notice twice changes
    /// nothing and is reported as a duplicate; an unknown person or a contradiction is
    /// reported with its line number and does not stop the rest.
    pub fn import_notices(&self, actor: &Actor, batch: NoticeBatch) -> TehoResult<ImportReport> {
        self.door(actor, Operation::ImportNotices, |c| {
            c.object(format!("{} notices", batch.notices.len() + batch.malformed.len()));
            c.authorize(Action::ImportNotices, &Target::System)?;
            let mut report = ImportReport { malformed: batch.malformed.clone(), ..ImportReport::default() };
            for (line, notice) in &batch.notices {
                let problem = |p: String| LineProblem { line: *line, problem: p };
                // A batch sent as JSON was not read by `parse_notices`: its references
                // are checked here as there.
                if let Err(p) = crate::register::check_source_reference(&notice.source_reference) {
                    report.refused.push(problem(p));
                    continue;
                }
                if c.tx.notice(&notice.key())?.is_some() {
                    report.duplicates.push(*line);
                    continue;
                }
                let Some(person) = c.tx.person_by_identity(&PersonIdentity::Estonian(notice.personal_code).key())? else {
                    report.refused.push(problem("no person with this personal code in TEHO".into()));
                    continue;
                };
                match apply(c, notice, person.id) {
                    Ok(Outcome::Death(e)) => report.deaths.push((*line, e)),
                    Ok(Outcome::Ending(n)) => report.disability_endings.push((*line, n)),
                    Ok(Outcome::AlreadyKnown) => report.duplicates.push(*line),
                    Err(e) => {
                        report.refused.push(problem(e.to_string()));
                        continue;
                    }
                }
                c.tx.insert(&ReceivedNotice { notice: notice.clone(), received_at: c.at })?;
            }
            c.object(format!(
                "notices import: {} deaths, {} disability endings, {} duplicates, {} refused, {} malformed",
                report.deaths.len(),
                report.disability_endings.len(),
                report.duplicates.len(),
                report.refused.len(),
                report.malformed.len()
            ));
            Ok(report)
        })
    }
}

enum Outcome {
    Death(DeathEffects),
    Ending(usize),
    AlreadyKnown,
}

fn apply(c: &mut Ctx<'_>, notice: &RegisterNotice, person: PersonId) -> TehoResult<Outcome> {
    match notice.kind {
        NoticeKind::Death => Ok(
            match c.apply_death(person, notice.date, &notice.source_reference)? {
                Some(e) => Outcome::Death(e),
                None => Outcome::AlreadyKnown,
            },
        ),
        NoticeKind::DisabilitySeverityEnding => {
            let Some(f) = c.tx.file_of_client(person)? else {
                return Ok(Outcome::Ending(0));
            };
            let at = c.at;
            let care_workers: Vec<Recipient> =
                c.tx.memberships_of_file(f.id)?
                    .into_iter()
                    .filter(|m| m.active_at(at) && m.role == Role::CareWorker)
                    .map(|m| recipient(m.member))
                    .collect();
            for r in &care_workers {
                c.notify(
                    *r,
                    Some(f.id),
                    NotificationKind::DisabilitySeverityEnding { date: notice.date },
                    format!("The client's disability severity ends on {}", notice.date),
                )?;
            }
            Ok(Outcome::Ending(care_workers.len()))
        }
    }
}
