//! Reporting duties and their deadlines per provider, through the one door.

use super::Operation;
use chrono::NaiveDate;

use super::Ctx;
use crate::ClientFiles;
use crate::access::{Action, Actor, Target};
use crate::case::{ContractStatus, ServiceKind};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::ids::OrganizationId;
use crate::org::{Domain, Organization, OrganizationKind};
use crate::report::{
    ReportDue, ReportKind, ReportSubmission, care_home_deadline, monthly_deadline, months,
};
use crate::time::{local_date, start_of_day};

fn provider_domain(kind: OrganizationKind) -> TehoResult<Domain> {
    match kind {
        OrganizationKind::HomeCareProvider | OrganizationKind::CareHome => Ok(Domain::Care),
        OrganizationKind::HomeNursingProvider => Ok(Domain::Nursing),
        OrganizationKind::OtherProvider => Ok(Domain::Other),
        other => Err(TehoError::invalid(
            "provider",
            name_of(&other),
            "is not a service provider with reporting duties",
        )),
    }
}

impl Ctx<'_> {
    /// Authorizes reading `provider`'s reporting data (its domain follows from its kind);
    /// returns the provider.
    fn authorize_reporting(&mut self, provider: OrganizationId) -> TehoResult<Organization> {
        let Some(org) = self.tx.organization(provider)? else {
            // Refused as a provider of another organisation would be; NotFound only to
            // whoever may read any provider's lists.
            self.authorize(
                Action::ReadProviderData {
                    domain: Domain::Care,
                },
                &Target::Organization { id: provider },
            )?;
            return Err(TehoError::not_found("organization", provider));
        };
        let domain = match provider_domain(org.kind) {
            Ok(d) => d,
            Err(e) => {
                // Not a provider with reporting duties: refused first to whoever may not
                // read its lists at all.
                self.authorize(
                    Action::ReadProviderData {
                        domain: Domain::Care,
                    },
                    &Target::Organization { id: provider },
                )?;
                return Err(e);
            }
        };
        self.authorize(
            Action::ReadProviderData { domain },
            &Target::Organization { id: provider },
        )?;
        Ok(org)
    }
}

impl ClientFiles {
    /// The provider's reporting duties in `from ..= to` with their deadlines: a monthly
    /// report for every month with services (by the 10th of the following month, seed
    /// `002_b4b88f78f180845d.txt` §15(3)); for a care home, the start and end of each
    /// client's care within 14 calendar days (§15(4)). Unsubmitted ones past their
    /// deadline are overdue.
    pub fn reporting_deadlines(
        &self,
        actor: &Actor,
        provider: OrganizationId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<Vec<ReportDue>> {
        self.door(actor, Operation::ReportingDeadlines, |c| {
            c.object(format!("organization:{provider} {from}..{to}"));
            let org = c.authorize_reporting(provider)?;
            super::check_period("window", from, Some(to))?;
            let today = local_date(c.at);
            let mut kinds: Vec<(ReportKind, NaiveDate)> = Vec::new();
            for (y, m) in months(from, to) {
                let (Some(first), Some(deadline)) =
                    (NaiveDate::from_ymd_opt(y, m, 1), monthly_deadline(y, m))
                else {
                    continue;
                };
                let next = deadline - chrono::Duration::days(9);
                let services =
                    c.tx.log_of_provider(provider, start_of_day(first), start_of_day(next))?;
                if !services.is_empty() {
                    kinds.push((ReportKind::Monthly { year: y, month: m }, deadline));
                }
            }
            if org.kind == OrganizationKind::CareHome {
                let mut files = Vec::new();
                for w in c.tx.workers_of(provider)? {
                    files.extend(
                        c.tx.memberships_of_member(crate::network::Member::Worker(w.id))?
                            .into_iter()
                            .map(|m| m.file),
                    );
                }
                files.sort();
                files.dedup();
                for file in files {
                    for k in c.tx.contracts_by_file(file)?.into_iter().filter(|k| {
                        k.provider == provider && k.service == ServiceKind::GeneralCareOutsideHome
                    }) {
                        if let Some(start) = k.concluded_on.filter(|d| *d >= from && *d <= to) {
                            kinds.push((
                                ReportKind::CareHomeStart { contract: k.id },
                                care_home_deadline(start),
                            ));
                        }
                        if let Some(end) = k.terminated_on.filter(|d| {
                            *d >= from && *d <= to && k.status == ContractStatus::Terminated
                        }) {
                            kinds.push((
                                ReportKind::CareHomeEnd { contract: k.id },
                                care_home_deadline(end),
                            ));
                        }
                    }
                }
            }
            let mut out = Vec::new();
            for (kind, deadline) in kinds {
                let submitted_at =
                    c.tx.submission(&kind.key(provider))?
                        .map(|s| s.submitted_at);
                out.push(ReportDue {
                    overdue: submitted_at.is_none() && today > deadline,
                    kind,
                    deadline,
                    submitted_at,
                });
            }
            out.sort_by_key(|d| d.deadline);
            Ok(out)
        })
    }

    /// Records that a report was submitted; submitting the same report again is a
    /// conflict.
    pub fn submit_report(
        &self,
        actor: &Actor,
        provider: OrganizationId,
        kind: ReportKind,
    ) -> TehoResult<ReportSubmission> {
        self.door(actor, Operation::SubmitReport, |c| {
            c.object(format!("organization:{provider} {kind}"));
            c.authorize_reporting(provider)?;
            let key = kind.key(provider);
            if let Some(done) = c.tx.submission(&key)? {
                return Err(TehoError::Conflict {
                    kind: "report".into(),
                    id: key,
                    problem: format!("already submitted at {}", done.submitted_at),
                });
            }
            let (by, _, _) = c.me()?;
            let s = ReportSubmission {
                provider,
                kind,
                submitted_at: c.at,
                by,
            };
            c.tx.insert(&s)?;
            Ok(s)
        })
    }
}
