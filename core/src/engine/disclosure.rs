//! Disclosures and the data subject's access log, through the one door.

use std::collections::HashMap;

use crate::ClientFiles;
use crate::access::{Action, Actor, Target};
use crate::audit::AuditDecision;
use crate::disclosure::{AccessKind, AccessLogLine, Disclosure, NewDisclosure};
use crate::error::{TehoError, TehoResult};
use crate::ids::{ClientFileId, DisclosureId, OrganizationId};
use crate::store::{Store, StoreTx};

impl<S: Store> ClientFiles<S> {
    /// Accounts for a disclosure of the client's data: when, what, to whom, on what legal
    /// basis and how — every field required (seed `002_b4b88f78f180845d.txt` §18(4)).
    pub fn record_disclosure(&self, actor: &Actor, new: NewDisclosure) -> TehoResult<Disclosure> {
        self.door(actor, "disclosure.record", |c| {
            let (_, facts) = c.client(new.file)?;
            c.authorize(Action::RecordDisclosure, &Target::Client(facts))?;
            let by = match &c.facts {
                crate::access::ActorFacts::Worker { id, .. } => *id,
                _ => {
                    return Err(TehoError::Internal {
                        message: "RecordDisclosure allowed a non-worker".into(),
                    });
                }
            };
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
            c.tx.put_disclosure(&d)?;
            Ok(d)
        })
    }

    /// The client's (or guardian's) access log: every access to the file through TEHO —
    /// allowed or refused — and every disclosure, oldest first: when, who (name and
    /// organisation), what and why. Reading it is itself audited.
    pub fn access_log(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<AccessLogLine>> {
        self.door(actor, "access_log.read", |c| {
            let (_, facts) = c.client(file)?;
            c.authorize(Action::ReadAccessLog, &Target::Client(facts))?;
            let mut orgs: HashMap<OrganizationId, Option<String>> = HashMap::new();
            let mut lines = Vec::new();
            for e in c.tx.audit_of_file(file)? {
                let organisation = match e.actor.organization {
                    None => None,
                    Some(o) => match orgs.get(&o) {
                        Some(n) => n.clone(),
                        None => {
                            let n = c.tx.organization(o)?.map(|x| x.name);
                            orgs.insert(o, n.clone());
                            n
                        }
                    },
                };
                let outcome = match &e.decision {
                    AuditDecision::Allowed(_) if e.outcome == "ok" => "allowed".to_string(),
                    AuditDecision::Denied(reason) => format!("refused: {reason}"),
                    _ => format!("failed: {}", e.outcome),
                };
                lines.push(AccessLogLine {
                    at: e.at,
                    kind: AccessKind::Access,
                    who: e.actor.name,
                    organisation,
                    what: e.operation,
                    why: e.purpose,
                    outcome,
                });
            }
            for d in c.tx.disclosures_of_file(file)? {
                let who = c.tx.worker(d.by)?;
                let organisation = match &who {
                    Some(w) => c.tx.organization(w.organization)?.map(|o| o.name),
                    None => None,
                };
                lines.push(AccessLogLine {
                    at: d.at,
                    kind: AccessKind::Disclosure,
                    who: who.map(|w| w.full_name()).unwrap_or_default(),
                    organisation,
                    what: d.what,
                    why: d.legal_basis,
                    outcome: format!("disclosed to {} by {}", d.recipient, d.method),
                });
            }
            lines.sort_by_key(|l| l.at);
            Ok(lines)
        })
    }
}
