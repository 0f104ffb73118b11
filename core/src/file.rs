//! The client file (klienditoimik; for home nursing the nursing history,
//! koduõenduslugu) and the client card (kliendikaart), seed `000_19cdf6fb7baf56d8.txt`,
//! "põhimõisted": the file holds every document about the client and is shared by the
//! whole network; the card gathers the client, residence, contacts, the providers'
//! contacts and a free "good to know" note (spare key at the neighbour's, angry dog).

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{DataCategory, Visibility};
use crate::audit::ActorRef;
use crate::ids::{ClientFileId, EntryId, OrganizationId, PersonId, WorkerId};
use crate::org::Domain;

/// Lifecycle of a client file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FileStatus {
    /// Services are being planned or provided.
    Open,
    /// No service any more; kept for its retention period.
    Closed,
    /// The client has died; kept for its retention period.
    ClientDeceased,
}

/// A client file: one per client, shared by the client's service network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientFile {
    /// Id in TEHO.
    pub id: ClientFileId,
    /// The client.
    pub client: PersonId,
    /// Day the file was opened (Tallinn).
    pub opened_on: NaiveDate,
    /// Who opened it.
    pub opened_by: WorkerId,
    /// Lifecycle status.
    pub status: FileStatus,
}

/// A way to reach someone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    /// Phone, e-mail, ...
    pub kind: ContactKind,
    /// The number or address.
    pub value: String,
    /// Whose it is or what it is for ("neighbour, flat 12").
    pub label: Option<String>,
}

/// Kind of contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ContactKind {
    /// Telephone.
    Phone,
    /// E-mail.
    Email,
    /// Anything else (door code, messenger).
    Other,
}

/// A provider on the card, always with exactly two contacts: the assigned worker and the
/// provider's general contact (seed `000_19cdf6fb7baf56d8.txt`, care manager TO-BE:
/// "Alati on teenuse osutaja kohta 2 kontakti").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardProvider {
    /// The provider.
    pub organization: OrganizationId,
    /// The worker assigned to this client.
    pub assigned_worker: WorkerId,
    /// The provider's general contact.
    pub general_contact: ContactPoint,
}

/// The client card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientCard {
    /// The file this card heads.
    pub file: ClientFileId,
    /// Where the client lives (or stays).
    pub residence: Option<String>,
    /// The client's own contacts.
    pub contacts: Vec<ContactPoint>,
    /// Free "good to know" note: spare key at the neighbour's, angry dog.
    pub good_to_know: String,
    /// The providers serving the client, each with its two contacts.
    pub providers: Vec<CardProvider>,
}

/// What the opener of a file supplies for the card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// Residence.
    pub residence: Option<String>,
    /// Client's contacts.
    pub contacts: Vec<ContactPoint>,
    /// Good-to-know note.
    pub good_to_know: String,
}

/// A record in a client file: one document or note, with a data category that says what
/// it holds and a visibility that says who beyond the category scope may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    /// Id in TEHO.
    pub id: EntryId,
    /// The file.
    pub file: ClientFileId,
    /// What it holds.
    pub category: DataCategory,
    /// Who may see it.
    pub visibility: Visibility,
    /// Who wrote it.
    pub author: ActorRef,
    /// When.
    pub written_at: DateTime<Utc>,
    /// The text visible to everyone the visibility admits.
    pub text: String,
    /// A field visible only to one domain, e.g. the home nurse's comment before logging
    /// (seed `000_19cdf6fb7baf56d8.txt`, home nurse view: "Neid näeb ainult koduõenduse
    /// valdkond"). Redacted (`None`) for everyone else.
    pub domain_detail: Option<DomainDetail>,
}

/// A domain-only field of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainDetail {
    /// The only domain that may read or write it.
    pub domain: Domain,
    /// The text.
    pub text: String,
}

/// What a caller supplies to add an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// The file.
    pub file: ClientFileId,
    /// What it holds.
    pub category: DataCategory,
    /// Who may see it.
    pub visibility: Visibility,
    /// Text, non-empty.
    pub text: String,
    /// Optional domain-only field; its domain must be the author's.
    pub domain_detail: Option<DomainDetail>,
}

/// A client file as one actor may see it: only what that actor's role justifies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientFileView {
    /// The file.
    pub file: ClientFile,
    /// The client's name and birth date when the actor may see identity data.
    pub client: Option<crate::person::Person>,
    /// The card when the actor may see it.
    pub card: Option<ClientCard>,
    /// The network when the actor may see it.
    pub network: Option<Vec<crate::network::Membership>>,
    /// The entries the actor may see, domain-only fields redacted.
    pub entries: Vec<Entry>,
    /// Access-restriction marks in force on the file or its visible entries.
    pub restrictions: Vec<AccessRestriction>,
}

/// An access-restriction mark (juurdepääsupiirang, seed `004_4e44693abfa7524a.txt`): the
/// file, or one entry of it, is for internal use on a legal basis (e.g. "AvTS § 35 lg 1
/// p 12") from the day it is set until it lapses by itself, or is lifted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccessRestriction {
    /// Id in TEHO.
    pub id: crate::ids::RestrictionId,
    /// The file.
    pub file: ClientFileId,
    /// One entry, or the whole file when `None`.
    pub entry: Option<EntryId>,
    /// The legal basis.
    pub basis: String,
    /// Set on (Tallinn day).
    pub set_on: NaiveDate,
    /// Last day in force; the mark lapses by itself after it.
    pub valid_until: NaiveDate,
    /// Who set it.
    pub set_by: WorkerId,
    /// When, by whom and why it was lifted early, if it was.
    pub lifted: Option<(DateTime<Utc>, WorkerId, String)>,
}

impl AccessRestriction {
    /// In force on `day`: set, not lapsed, not lifted.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.lifted.is_none() && self.set_on <= day && day <= self.valid_until
    }
}
