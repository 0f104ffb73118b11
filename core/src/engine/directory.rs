//! Organisations and workers: registration, employment end, compliance.

use super::Operation;
use chrono::NaiveDate;

use super::{Ctx, check_period, non_empty};
use crate::ClientFiles;
use crate::access::{Action, Actor, Target};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::ids::{OrganizationId, WorkerId};
use crate::notify::{NotificationKind, Recipient};
use crate::org::{
    ComplianceBreach, EmploymentEnd, NewOrganization, NewWorker, Organization, OrganizationKind,
    Role, Worker, employment_end_deadline,
};
use crate::time::local_date;

impl ClientFiles {
    // ----- directory ------------------------------------------------------------

    /// Registers an organisation (a municipality administrator's task).
    pub fn register_organization(
        &self,
        actor: &Actor,
        new: NewOrganization,
    ) -> TehoResult<Organization> {
        self.door(actor, Operation::RegisterOrganization, |c| {
            c.object("new organization");
            c.authorize(Action::ManageOrganizations, &Target::System)?;
            new_organization(c, new)
        })
    }

    /// Registers a worker of an organisation; the role must fit the organisation's kind.
    pub fn register_worker(&self, actor: &Actor, new: NewWorker) -> TehoResult<Worker> {
        self.door(actor, Operation::RegisterWorker, |c| {
            c.object(format!("organization:{}", new.organization));
            c.authorize(
                Action::ManageWorkers,
                &Target::Organization {
                    id: new.organization,
                },
            )?;
            new_worker(c, new)
        })
    }

    /// Records the last day of a worker's employment. Access ends at the end of that
    /// day; recording it after the following working day is a compliance breach that is
    /// stored and notified to the organisation's administrators (seed
    /// `002_b4b88f78f180845d.txt` §7(2)3).
    pub fn record_employment_end(
        &self,
        actor: &Actor,
        worker: WorkerId,
        last_day: NaiveDate,
    ) -> TehoResult<EmploymentEnd> {
        self.door(actor, Operation::RecordEmploymentEnd, |c| {
            c.object(format!("worker:{worker}"));
            let mut w = c.authorized_worker(worker, Action::ManageWorkers)?;
            check_period("employment", w.employed_from, Some(last_day))?;
            if let Some(prev) = w.employed_until.filter(|_| w.end_recorded_at.is_some()) {
                return Err(TehoError::Conflict {
                    kind: "worker".into(),
                    id: worker.to_string(),
                    problem: format!("employment end already recorded as {prev}"),
                });
            }
            let recorded_on = local_date(c.at);
            let (deadline, late) = employment_end_deadline(last_day, recorded_on);
            w.employed_until = Some(last_day);
            w.end_recorded_at = Some(c.at);
            c.tx.update(&w)?;
            if late {
                let breach = ComplianceBreach {
                    worker,
                    organization: w.organization,
                    last_day,
                    deadline,
                    recorded_at: c.at,
                    days_late: (recorded_on - deadline).num_days(),
                };
                c.tx.insert(&breach)?;
                let mut admins: Vec<Worker> = c
                    .tx
                    .workers_of(w.organization)?
                    .into_iter()
                    .filter(|a| a.role == Role::Administrator && a.employed_at(c.at))
                    .collect();
                if admins.is_empty() {
                    // No administrator of its own: the municipality's administrators.
                    for o in c.tx.organizations()? {
                        if o.kind == OrganizationKind::Municipality {
                            admins.extend(
                                c.tx.workers_of(o.id)?
                                    .into_iter()
                                    .filter(|a| a.role == Role::Administrator && a.employed_at(c.at)),
                            );
                        }
                    }
                }
                for a in admins {
                    c.notify(
                        Recipient::Worker(a.id),
                        None,
                        NotificationKind::ComplianceBreach { worker },
                        format!(
                            "Access of worker {worker} ended on {last_day} but was recorded on {recorded_on}, after the deadline {deadline}"
                        ),
                    )?;
                }
            }
            // The departing worker's open tasks are handed over (seed 004 annex 7 §3):
            // future visits and plan items lose their worker, the manager is told.
            let after = crate::time::start_of_day(last_day + chrono::Duration::days(1));
            let mut unassigned = c.tx.visits_of_worker(worker, after, after + chrono::Duration::days(3660))?;
            unassigned.retain(|v| v.status == crate::calendar::VisitStatus::Planned);
            let mut files = std::collections::BTreeSet::new();
            for v in &mut unassigned {
                v.worker = None;
                v.revised();
                files.insert(v.file);
            }
            c.tx.update_visits(&unassigned)?;
            let mut items_unassigned = Vec::new();
            for file in files.iter().copied() {
                for plan in c.tx.plans_of_file(file)? {
                    for mut item in c.tx.items_of_plan(plan.id)? {
                        if item.worker == Some(worker) && item.valid_until.is_none_or(|u| u > last_day) {
                            item.worker = None;
                            c.tx.update(&item)?;
                            items_unassigned.push(item.id);
                        }
                    }
                }
            }
            if !unassigned.is_empty()
                && let Some(manager_role) = Role::manager_of(w.role.domain())
            {
                let at = c.at;
                let managers: Vec<WorkerId> = c
                    .tx
                    .workers_of(w.organization)?
                    .into_iter()
                    .filter(|m| m.role == manager_role && m.employed_at(at))
                    .map(|m| m.id)
                    .collect();
                for m in managers {
                    for file in &files {
                        c.notify(
                            Recipient::Worker(m),
                            Some(*file),
                            NotificationKind::VisitsToReassign { worker, count: unassigned.iter().filter(|v| v.file == *file).count() },
                            format!("A departing worker's visits after {last_day} need a new worker"),
                        )?;
                    }
                }
            }
            Ok(EmploymentEnd {
                worker,
                last_day,
                deadline,
                recorded_on,
                late,
                visits_unassigned: unassigned.iter().map(|v| v.id).collect(),
                plan_items_unassigned: items_unassigned,
            })
        })
    }

    /// Departures recorded after the statutory deadline, for an organisation (seed
    /// `002_b4b88f78f180845d.txt` §7(2)3).
    pub fn compliance_breaches(
        &self,
        actor: &Actor,
        organization: OrganizationId,
    ) -> TehoResult<Vec<ComplianceBreach>> {
        self.door(actor, Operation::ComplianceBreaches, |c| {
            c.object(format!("organization:{organization}"));
            c.authorize(
                Action::ReadCompliance,
                &Target::Organization { id: organization },
            )?;
            Ok(c.tx.breaches(Some(organization))?)
        })
    }
}

pub(crate) fn new_organization(c: &mut Ctx<'_>, new: NewOrganization) -> TehoResult<Organization> {
    let name = non_empty("name", &new.name)?;
    if let Some(code) = &new.registry_code
        && (code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(TehoError::invalid(
            "registry_code",
            code,
            "expected 8 digits",
        ));
    }
    let o = Organization {
        id: c.ids.next_id().into(),
        name,
        kind: new.kind,
        registry_code: new.registry_code,
    };
    c.object(format!("organization:{}", o.id));
    c.tx.insert(&o)?;
    Ok(o)
}

pub(crate) fn new_worker(c: &mut Ctx<'_>, new: NewWorker) -> TehoResult<Worker> {
    let org = c.organization(new.organization)?;
    if !new.role.allowed_in(org.kind) {
        return Err(TehoError::invalid(
            "role",
            name_of(&new.role),
            &format!("is not a role of a {}", name_of(&org.kind)),
        ));
    }
    check_period("employment", new.employed_from, new.employed_until)?;
    let w = Worker {
        id: c.ids.next_id().into(),
        personal_code: new.personal_code,
        given_name: non_empty("given_name", &new.given_name)?,
        family_name: non_empty("family_name", &new.family_name)?,
        organization: org.id,
        role: new.role,
        employed_from: new.employed_from,
        employed_until: new.employed_until,
        end_recorded_at: new.employed_until.map(|_| c.at),
    };
    c.object(format!("worker:{}", w.id));
    c.tx.insert(&w)?;
    Ok(w)
}
