//! Disclosures and the data subject's access log. Every hand-over of data to a third
//! party is accounted for — when, what, to whom, on what legal basis, how (seed
//! `002_b4b88f78f180845d.txt` §18(4)) — and the client or guardian can list every access
//! to and disclosure of their file, in the shape of Estonia's Data Tracker (Andmejälgija;
//! `DOMAIN.md` rule 12).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{ClientFileId, DisclosureId, WorkerId};

/// A disclosure of data from a client file to a third party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Disclosure {
    /// Id in TEHO.
    pub id: DisclosureId,
    /// The client file.
    pub file: ClientFileId,
    /// When (väljastamise aeg).
    pub at: DateTime<Utc>,
    /// What data (väljastatud andmete koosseis).
    pub what: String,
    /// To whom (andmesaaja).
    pub recipient: String,
    /// On what legal basis (õiguslik alus).
    pub legal_basis: String,
    /// How (väljastamise viis): e-mail, paper, X-tee, …
    pub method: String,
    /// Who disclosed it.
    pub by: WorkerId,
}

/// What a worker supplies to account for a disclosure; each field is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDisclosure {
    /// The client file.
    pub file: ClientFileId,
    /// What data.
    pub what: String,
    /// To whom.
    pub recipient: String,
    /// Legal basis.
    pub legal_basis: String,
    /// How.
    pub method: String,
}

/// Whether an access-log line is an access through TEHO or a disclosure out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AccessKind {
    /// A read or a write through the engine (allowed or refused).
    Access,
    /// Data handed over to a third party.
    Disclosure,
}

/// One line of the client's access log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessLogLine {
    /// When.
    pub at: DateTime<Utc>,
    /// Access or disclosure.
    pub kind: AccessKind,
    /// Who: the person's name.
    pub who: String,
    /// Their organisation's name, for workers.
    pub organisation: Option<String>,
    /// What was done ("client_file.read", or the data disclosed).
    pub what: String,
    /// Why: the purpose, or the legal basis of a disclosure.
    pub why: String,
    /// For accesses: whether it was allowed; for disclosures: to whom and how.
    pub outcome: String,
}

/// How an access-log line ended, as the engine knows it (the line says it in words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogOutcome {
    /// An access that was allowed and succeeded.
    Allowed,
    /// An access that was refused.
    Refused,
    /// An access that was allowed and then failed.
    Failed,
    /// A disclosure.
    Disclosed,
}

/// A line of the access log with what a FHIR copy of it needs beyond the words: a stable
/// id (the disclosure's, or one drawn from the audit entry's hash, so a second copy
/// names the same events alike) and the outcome.
#[derive(Clone, Debug)]
pub(crate) struct LogRecord {
    /// The line as the data subject reads it.
    pub line: AccessLogLine,
    /// The id of its `AuditEvent`.
    pub id: uuid::Uuid,
    /// How it ended.
    pub outcome: LogOutcome,
}
