//! Disclosures and the data subject's access log, through the one door.

use super::Operation;
use std::collections::HashMap;

use crate::ClientFiles;
use crate::access::{Action, Actor, Target};
use crate::audit::AuditDecision;
use crate::disclosure::{
    AccessKind, AccessLogLine, Disclosure, LogOutcome, LogRecord, NewDisclosure,
};
use crate::error::{TehoError, TehoResult};
use crate::ids::{ClientFileId, DisclosureId, OrganizationId};

impl ClientFiles {
    /// Accounts for a disclosure of the client's data: when, what, to whom, on what legal
    /// basis and how — every field required (seed `002_b4b88f78f180845d.txt` §18(4)).
    pub fn record_disclosure(&self, actor: &Actor, new: NewDisclosure) -> TehoResult<Disclosure> {
        self.door(actor, Operation::RecordDisclosure, |c| {
            c.authorize_on_file(new.file, Action::RecordDisclosure)?;
            let (by, _, _) = c.me()?;
            let d = Disclosure {
                id: DisclosureId(c.ids.next_id()),
                file: new.file,
                at: c.at,
                what: super::non_empty("what", &new.what)?,
                recipient: super::non_empty("recipient", &new.recipient)?,
                legal_basis: super::non_empty("legal_basis", &new.legal_basis)?,
                method: super::non_empty("method", &new.method)?,
                by,
            };
            c.object(format!("disclosure:{} to {}", d.id, d.recipient));
            c.tx.insert(&d)?;
            Ok(d)
        })
    }

    /// Finds the client file of a person by personal code, for the operator answering a
    /// data subject's request: the file id only, audited.
    pub fn file_of_code(
        &self,
        actor: &Actor,
        code: crate::person::PersonalCode,
    ) -> TehoResult<ClientFileId> {
        self.door(actor, Operation::FileOfCode, |c| {
            c.object(format!("lookup by personal code {code}"));
            c.authorize(Action::ReadAccessLog, &Target::System)?;
            let p =
                c.tx.person_by_identity(&crate::person::PersonIdentity::Estonian(code).key())?
                    .ok_or_else(|| TehoError::NotFound {
                        kind: "client file".into(),
                        id: "of the personal code given".into(),
                        value: Some(code.to_string()),
                    })?;
            let f =
                c.tx.file_of_client(p.id)?
                    .ok_or_else(|| c.missing("client file of person", p.id))?;
            c.call.file = Some(f.id);
            Ok(f.id)
        })
    }

    /// The client's (or guardian's) access log: every access to the file through TEHO —
    /// allowed or refused — and every disclosure, oldest first: when, who (name and
    /// organisation), what and why. Reading it is itself audited.
    pub fn access_log(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<AccessLogLine>> {
        self.door(actor, Operation::AccessLog, |c| {
            c.authorize_on_file(file, Action::ReadAccessLog)?;
            Ok(c.access_log_records(file)?
                .into_iter()
                .map(|r| r.line)
                .collect())
        })
    }
}

impl super::Ctx<'_> {
    /// The access log's lines, oldest first, each with its outcome and a stable id — for
    /// an actor already allowed to read them. Lines of one instant keep the chain's
    /// order, each disclosure right after the call that recorded it (the record its audit
    /// entry bound); a disclosure no entry binds (recorded before records were bound)
    /// follows its instant's accesses.
    pub(crate) fn access_log_records(&mut self, file: ClientFileId) -> TehoResult<Vec<LogRecord>> {
        let mut orgs: HashMap<OrganizationId, Option<String>> = HashMap::new();
        // (the line, its place in the chain: the entry's seq, and 1 after it for what
        // that entry disclosed)
        let mut records: Vec<(LogRecord, (u64, u8))> = Vec::new();
        let mut disclosed_by: HashMap<uuid::Uuid, u64> = HashMap::new();
        for e in self.tx.audit_of_file(file)? {
            for w in e.writes.iter().flatten() {
                if w.kind == crate::store::kinds::DISCLOSURES.name && w.digest.is_some() {
                    disclosed_by.insert(w.id, e.seq);
                }
            }
            let organisation = match e.actor.organization {
                None => None,
                Some(o) => self.organisation_name(o, &mut orgs)?,
            };
            let (outcome, said) = match &e.decision {
                AuditDecision::Allowed(_) if e.outcome == "ok" => {
                    (LogOutcome::Allowed, "allowed".to_string())
                }
                AuditDecision::Denied(reason) => {
                    (LogOutcome::Refused, format!("refused: {reason}"))
                }
                _ => (LogOutcome::Failed, format!("failed: {}", e.outcome)),
            };
            let place = (e.seq, 0);
            records.push((
                LogRecord {
                    id: id_of_entry(&e),
                    outcome,
                    line: AccessLogLine {
                        at: e.at,
                        kind: AccessKind::Access,
                        who: e.actor.name,
                        organisation,
                        what: e.operation,
                        why: e.purpose,
                        outcome: said,
                    },
                },
                place,
            ));
        }
        for d in self.tx.disclosures_of_file(file)? {
            let who = self.tx.worker(d.by)?;
            let organisation = match &who {
                Some(w) => self.organisation_name(w.organization, &mut orgs)?,
                None => None,
            };
            let place = (disclosed_by.get(&d.id.0).copied().unwrap_or(u64::MAX), 1);
            records.push((
                LogRecord {
                    id: d.id.0,
                    outcome: LogOutcome::Disclosed,
                    line: AccessLogLine {
                        at: d.at,
                        kind: AccessKind::Disclosure,
                        who: who.map(|w| w.full_name()).unwrap_or_default(),
                        organisation,
                        what: d.what,
                        why: d.legal_basis,
                        outcome: format!("disclosed to {} by {}", d.recipient, d.method),
                    },
                },
                place,
            ));
        }
        records.sort_by_key(|(r, place)| (r.line.at, *place));
        Ok(records.into_iter().map(|(r, _)| r).collect())
    }

    /// The name of organisation `id`, read once per log however many lines name it.
    fn organisation_name(
        &mut self,
        id: OrganizationId,
        known: &mut HashMap<OrganizationId, Option<String>>,
    ) -> TehoResult<Option<String>> {
        if let Some(name) = known.get(&id) {
            return Ok(name.clone());
        }
        let name = self.tx.organization(id)?.map(|o| o.name);
        known.insert(id, name.clone());
        Ok(name)
    }
}

/// A stable id for an audit entry: the first 128 bits of its chain hash, which no other
/// entry shares (its sequence number should the stored hash not be hex, which the chain's
/// verification reports).
fn id_of_entry(e: &crate::audit::AuditEntry) -> uuid::Uuid {
    let head = e.hash.get(..32).unwrap_or_default();
    uuid::Uuid::from_u128(u128::from_str_radix(head, 16).unwrap_or(u128::from(e.seq)))
}

impl ClientFiles {
    /// Sets an access-restriction mark on the file or one entry, with its legal basis
    /// and last day (seed `004_4e44693abfa7524a.txt`, e.g. "AvTS § 35 lg 1 p 12", valid
    /// 75 years). It lapses by itself after that day.
    pub fn set_restriction(
        &self,
        actor: &Actor,
        file: ClientFileId,
        entry: Option<crate::ids::EntryId>,
        basis: String,
        valid_until: chrono::NaiveDate,
    ) -> TehoResult<crate::file::AccessRestriction> {
        self.door(actor, Operation::SetRestriction, |c| {
            c.authorize_on_file(file, Action::ManageRestrictions)?;
            let basis = super::non_empty("basis", &basis)?;
            let today = crate::time::local_date(c.at);
            super::check_period("restriction", today, Some(valid_until))?;
            if let Some(e) = entry
                && !c.tx.entries_of_file(file)?.iter().any(|x| x.id == e)
            {
                return Err(TehoError::not_found("entry of this file", e));
            }
            let (set_by, _, _) = c.me()?;
            let r = crate::file::AccessRestriction {
                id: crate::ids::RestrictionId(c.ids.next_id()),
                file,
                entry,
                basis,
                set_on: today,
                valid_until,
                set_by,
                lifted: None,
            };
            c.object(format!("restriction:{}", r.id));
            c.tx.insert(&r)?;
            Ok(r)
        })
    }

    /// Lifts a restriction mark before it lapses, with a reason.
    pub fn lift_restriction(
        &self,
        actor: &Actor,
        file: ClientFileId,
        restriction: crate::ids::RestrictionId,
        reason: String,
    ) -> TehoResult<crate::file::AccessRestriction> {
        self.door(actor, Operation::LiftRestriction, |c| {
            let (_, facts) = c.client(file)?;
            c.object(format!("restriction:{restriction}"));
            c.authorize(Action::ManageRestrictions, &Target::Client(facts))?;
            let mut r =
                c.tx.restrictions_of_file(file)?
                    .into_iter()
                    .find(|r| r.id == restriction)
                    .ok_or_else(|| TehoError::not_found("restriction", restriction))?;
            let today = crate::time::local_date(c.at);
            if !r.in_force(today) {
                return Err(TehoError::Conflict {
                    kind: "restriction".into(),
                    id: restriction.to_string(),
                    problem: "is not in force (lapsed or lifted)".into(),
                });
            }
            let reason =
                super::non_empty("reason", &reason).map_err(|_| TehoError::ReasonRequired {
                    problem: "lifting a restriction needs a reason".into(),
                })?;
            let (by, _, _) = c.me()?;
            r.lifted = Some((c.at, by, reason));
            c.tx.update(&r)?;
            Ok(r)
        })
    }
}
