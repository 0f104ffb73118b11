//! Exports out of TEHO, through the one door: each is a read redacted for its reader
//! exactly as the engine's own reads are, and a disclosure recorded in every client
//! file it holds data of — when, what, to whom, on what legal basis, how (seed
//! `002_b4b88f78f180845d.txt` §18(4)).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CalendarVisit, Ctx, Operation};
use crate::ClientFiles;
use crate::access::{Action, Actor};
use crate::disclosure::Disclosure;
use crate::error::TehoResult;
use crate::ids::{ClientFileId, DisclosureId, WorkerId};

/// To whom an export goes and on what legal basis: what its disclosure records (seed
/// `002_b4b88f78f180845d.txt` §18(4)); the time, the data and the method are the
/// export's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRecipient {
    /// To whom (andmesaaja): a system, an organisation, a worker's phone calendar.
    pub recipient: String,
    /// On what legal basis (õiguslik alus).
    pub legal_basis: String,
}

/// A calendar exported as iCalendar, and the disclosures it was recorded as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CalendarExport {
    /// The iCalendar text (RFC 5545), lines ended by CRLF.
    pub ics: String,
    /// How many visits it holds (one `VEVENT` each).
    pub visits: u32,
    /// One disclosure per client file whose visits it holds.
    pub disclosures: Vec<Disclosure>,
}

/// How iCalendar exports are handed over (the disclosure's method).
pub const ICALENDAR_METHOD: &str = "iCalendar file (RFC 5545)";

impl Ctx<'_> {
    /// Records the disclosure of `what` in each of `files` to `to` — after checking that
    /// the actor may disclose data of every one of them (a single refusal refuses the
    /// whole export, and nothing is recorded).
    fn disclosed(
        &mut self,
        files: &[ClientFileId],
        what: &str,
        method: &str,
        to: &ExportRecipient,
    ) -> TehoResult<Vec<Disclosure>> {
        for file in files {
            self.authorize_on_file(*file, Action::RecordDisclosure)?;
        }
        let recipient = super::non_empty("recipient.recipient", &to.recipient)?;
        let legal_basis = super::non_empty("recipient.legal_basis", &to.legal_basis)?;
        let mut out = Vec::with_capacity(files.len());
        for file in files {
            let (by, _, _) = self.me()?;
            let d = Disclosure {
                id: DisclosureId(self.ids.next_id()),
                file: *file,
                at: self.at,
                what: what.to_string(),
                recipient: recipient.clone(),
                legal_basis: legal_basis.clone(),
                method: method.to_string(),
                by,
            };
            self.tx.insert(&d)?;
            out.push(d);
        }
        Ok(out)
    }

    /// The iCalendar export of `visits`, recorded as disclosed in each of their files;
    /// `file`, for a client's calendar, must be one the actor may disclose even when no
    /// visit falls in the window.
    fn calendar_export(
        &mut self,
        name: &str,
        visits: Vec<CalendarVisit>,
        (from, to): (NaiveDate, NaiveDate),
        recipient: &ExportRecipient,
        file: Option<ClientFileId>,
    ) -> TehoResult<CalendarExport> {
        let mut files: Vec<ClientFileId> = visits.iter().map(|v| v.visit.file).collect();
        files.sort();
        files.dedup();
        if let Some(f) = file
            && files.is_empty()
        {
            self.authorize_on_file(f, Action::RecordDisclosure)?;
        }
        let what = format!("{name}, {from} to {to}: the visits as iCalendar events");
        let disclosures = self.disclosed(&files, &what, ICALENDAR_METHOD, recipient)?;
        self.object(format!(
            "{name} {from}..{to} as iCalendar to {}",
            recipient.recipient
        ));
        Ok(CalendarExport {
            ics: crate::ics::calendar(&format!("TEHO: {name}"), &visits, self.at, from, to),
            visits: u32::try_from(visits.len()).unwrap_or(u32::MAX),
            disclosures,
        })
    }
}

impl ClientFiles {
    /// A client's calendar over Tallinn days `from ..= to` as iCalendar (RFC 5545), for
    /// whoever may read it and disclose it: redacted as [`ClientFiles::client_calendar`]
    /// is for the actor, with the visits a plan change superseded as cancelled events,
    /// and recorded as a disclosure to `recipient` in the client's file.
    pub fn export_client_calendar(
        &self,
        actor: &Actor,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
        recipient: ExportRecipient,
    ) -> TehoResult<CalendarExport> {
        self.door(actor, Operation::ExportClientCalendar, |c| {
            let visits = c.client_calendar(file, from, to, true)?;
            c.calendar_export(
                "client calendar",
                visits,
                (from, to),
                &recipient,
                Some(file),
            )
        })
    }

    /// A worker's calendar over Tallinn days `from ..= to` as iCalendar (RFC 5545), for
    /// whoever may read it and disclose what it holds: redacted as
    /// [`ClientFiles::worker_calendar`] is for the actor, with superseded visits as
    /// cancelled events, and recorded as a disclosure to `recipient` in every client
    /// file it holds visits of.
    pub fn export_worker_calendar(
        &self,
        actor: &Actor,
        worker: WorkerId,
        from: NaiveDate,
        to: NaiveDate,
        recipient: ExportRecipient,
    ) -> TehoResult<CalendarExport> {
        self.door(actor, Operation::ExportWorkerCalendar, |c| {
            let visits = c.worker_calendar(worker, from, to, true)?;
            c.calendar_export("worker calendar", visits, (from, to), &recipient, None)
        })
    }
}

/// A client file exported as a FHIR R4 Bundle, and the disclosure it was recorded as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FhirExport {
    /// The Bundle (type `collection`) as FHIR JSON.
    pub bundle: String,
    /// How many resources it holds.
    pub resources: u32,
    /// The disclosure recorded in the client's file.
    pub disclosure: Disclosure,
}

/// How FHIR exports are handed over (the disclosure's method).
pub const FHIR_METHOD: &str = "HL7 FHIR R4 Bundle (JSON)";

impl ClientFiles {
    /// A client file as a FHIR R4 Bundle for whoever may read it and disclose it: the
    /// client (Patient), the network (CareTeam, PractitionerRole, RelatedPerson,
    /// Practitioner, Organization), the plans behind the visits (CarePlan), the visits
    /// of Tallinn days `from ..= to` (Appointment) and what was done and not done
    /// (Procedure) — each part only as far as the actor's own reads show it, the rest
    /// left out — recorded as a disclosure to `recipient` in the file (seed
    /// `002_b4b88f78f180845d.txt` §18(4)).
    pub fn export_fhir(
        &self,
        actor: &Actor,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
        recipient: ExportRecipient,
    ) -> TehoResult<FhirExport> {
        self.door(actor, Operation::ExportFhir, |c| {
            c.fhir(file, (from, to), &recipient)
        })
    }
}

/// A data subject's own copy of their client file as a FHIR R4 Bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataSubjectCopy {
    /// The Bundle (type `collection`) as FHIR JSON.
    pub bundle: String,
    /// How many resources it holds.
    pub resources: u32,
    /// How many of them are `AuditEvent`s: one per line of the access log.
    pub audit_events: u32,
}

impl ClientFiles {
    /// The client's (or guardian's) own copy of the file as a FHIR R4 Bundle: what
    /// [`ClientFiles::export_fhir`] holds, as far as the data subject's own reads show
    /// it, and the access log — every access to and disclosure of the file — as
    /// `AuditEvent`s shaped after IHE BALP. This is the data subject's access to their
    /// data through an authenticated electronic channel (seed `002_b4b88f78f180845d.txt`
    /// §17(5); `DOMAIN.md` rule 12), not a disclosure to a third party, so it is
    /// accounted for as an access in that same log rather than as a disclosure.
    pub fn copy_for_data_subject(
        &self,
        actor: &Actor,
        file: ClientFileId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> TehoResult<DataSubjectCopy> {
        self.door(actor, Operation::CopyForDataSubject, |c| {
            c.object(format!(
                "client_file:{file} {from}..{to} as FHIR for the data subject"
            ));
            c.authorize_on_file(file, Action::ReadAccessLog)?;
            let log = c.access_log_records(file)?;
            let (bundle, resources) = c.fhir_bundle(file, (from, to), &log)?;
            Ok(DataSubjectCopy {
                bundle: pretty(&bundle)?,
                resources,
                audit_events: u32::try_from(log.len()).unwrap_or(u32::MAX),
            })
        })
    }
}

fn pretty(bundle: &serde_json::Value) -> TehoResult<String> {
    serde_json::to_string_pretty(bundle).map_err(|e| crate::TehoError::Internal {
        message: format!("writing the bundle: {e}"),
    })
}

impl Ctx<'_> {
    fn fhir(
        &mut self,
        file: ClientFileId,
        (from, to): (NaiveDate, NaiveDate),
        recipient: &ExportRecipient,
    ) -> TehoResult<FhirExport> {
        let (bundle, resources) = self.fhir_bundle(file, (from, to), &[])?;
        let what = format!(
            "client file as FHIR R4 ({resources} resources: the client, the network, the plans, \
             the visits and services of {from} to {to})"
        );
        let mut disclosures = self.disclosed(&[file], &what, FHIR_METHOD, recipient)?;
        self.object(format!(
            "client_file:{file} {from}..{to} as FHIR to {}",
            recipient.recipient
        ));
        let disclosure = disclosures
            .pop()
            .ok_or_else(|| crate::TehoError::Internal {
                message: "a FHIR export recorded no disclosure".into(),
            })?;
        Ok(FhirExport {
            bundle: pretty(&bundle)?,
            resources,
            disclosure,
        })
    }

    /// The Bundle of `file` as the actor's own reads show it, with `access_log` (read by
    /// a caller that checked the actor may) as `AuditEvent`s, and how many resources it
    /// holds.
    fn fhir_bundle(
        &mut self,
        file: ClientFileId,
        (from, to): (NaiveDate, NaiveDate),
        access_log: &[crate::disclosure::LogRecord],
    ) -> TehoResult<(serde_json::Value, u32)> {
        use crate::access::DataCategory;
        use std::collections::BTreeMap;

        let view = self.client_file_view(file)?;
        super::calendar::window(from, to)?;
        let visits = if self.may_read(file, DataCategory::Calendar)? {
            self.client_calendar(file, from, to, false)?
        } else {
            Vec::new()
        };
        let log = if self.may_read(file, DataCategory::ServiceLog)? {
            self.service_log(file, from, to)?
        } else {
            Vec::new()
        };
        // The plans behind the visible visits, as opening a visit shows them.
        let mut plans: Vec<(crate::plan::CarePlan, Vec<crate::plan::PlanItem>)> = Vec::new();
        let mut workers: BTreeMap<WorkerId, Option<String>> = BTreeMap::new();
        let mut organizations: BTreeMap<crate::ids::OrganizationId, Option<String>> =
            BTreeMap::new();
        let mut items: Vec<crate::ids::PlanItemId> =
            visits.iter().filter_map(|v| v.visit.plan_item).collect();
        items.sort();
        items.dedup();
        for id in items {
            let Some(item) = self.tx.plan_item(id)? else {
                continue;
            };
            let name = self.tx.organization(item.provider)?.map(|o| o.name);
            organizations.insert(item.provider, name);
            if let Some(w) = item.worker {
                let name = self.tx.worker(w)?.map(|w| w.full_name());
                workers.insert(w, name);
            }
            match plans.iter_mut().find(|(p, _)| p.id == item.plan) {
                Some((_, list)) => list.push(item),
                None => {
                    if let Some(plan) = self.tx.plan(item.plan)? {
                        plans.push((plan, vec![item]));
                    }
                }
            }
        }
        for v in &visits {
            if let Some(w) = v.visit.worker {
                let shown = workers.get(&w).cloned().flatten();
                workers.insert(w, shown.or_else(|| v.worker_name.clone()));
            }
            if let Some(nd) = &v.visit.not_done {
                workers.entry(nd.by).or_insert(None);
            }
        }
        for e in &log {
            workers.entry(e.worker).or_insert(None);
            if let Some(o) = e.provider {
                organizations.entry(o).or_insert(None);
            }
        }
        for m in view.network.iter().flatten() {
            if let crate::network::Member::Worker(w) = m.member {
                workers.entry(w).or_insert(None);
            }
            if let Some(o) = m.provider {
                organizations.entry(o).or_insert(None);
            }
        }
        for (plan, _) in &plans {
            organizations.entry(plan.provider).or_insert(None);
        }
        let id = self.ids.next_id();
        let bundle = crate::fhir::bundle(&crate::fhir::FhirInput {
            id,
            at: self.at,
            view: &view,
            visits: &visits,
            log: &log,
            plans: &plans,
            organizations: &organizations,
            workers: &workers,
            access_log,
        });
        let resources = bundle["entry"].as_array().map_or(0, Vec::len);
        Ok((bundle, u32::try_from(resources).unwrap_or(u32::MAX)))
    }
}
