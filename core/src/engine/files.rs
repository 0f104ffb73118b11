//! Client files and cards, the service network, file entries and the inbox.

use super::Operation;
use chrono::NaiveDate;

use super::{Ctx, MAX_TEXT, check_period, non_empty};
use crate::ClientFiles;
use crate::access::{
    self, Action, Actor, ActorFacts, DataCategory, Target, Visibility, WorkerFacts,
};
use crate::error::name_of;
use crate::error::{TehoError, TehoResult};
use crate::file::{
    CardProvider, ClientCard, ClientFile, ClientFileView, Entry, FileStatus, NewCard, NewEntry,
};
use crate::ids::{
    ClientFileId, EntryId, MembershipId, NotificationId, OrganizationId, PersonId, WorkerId,
};
use crate::network::{Member, Membership, NewMembership, NewSubstitution, Substitution};
use crate::notify::{Audience, Notification, NotificationKind, NotificationState, Recipient};
use crate::org::{Role, Worker};
use crate::person::{NewPerson, Person, PersonIdentity};
use crate::time::local_date;

impl ClientFiles {
    // ----- people and files -----------------------------------------------------

    /// Registers a person (a client or someone at their side). One person per identity.
    pub fn register_person(&self, actor: &Actor, new: NewPerson) -> TehoResult<Person> {
        self.door(actor, Operation::RegisterPerson, |c| {
            c.object("new person");
            c.authorize(Action::OpenFile, &Target::System)?;
            let given_name = non_empty("given_name", &new.given_name)?;
            let family_name = non_empty("family_name", &new.family_name)?;
            // A foreign identity read from JSON is checked as its constructor checks it
            // (seed 001 annex part 1, 1.15–1.16: the issuing country and the document).
            let identity = match new.identity {
                PersonIdentity::Foreign {
                    country,
                    document_number,
                } => PersonIdentity::foreign(&country, &document_number)?,
                estonian => estonian,
            };
            if let Some(existing) = c.tx.person_by_identity(&identity.key())? {
                return Err(TehoError::Conflict {
                    kind: "person".into(),
                    id: existing.id.to_string(),
                    problem: "a person with this identity is already registered".into(),
                });
            }
            let birth_date = match &identity {
                PersonIdentity::Estonian(code) => {
                    if let Some(given) = new.birth_date
                        && given != code.birth_date()
                    {
                        return Err(TehoError::invalid(
                            "birth_date",
                            given,
                            "differs from the birth date in the personal code",
                        ));
                    }
                    Some(code.birth_date())
                }
                PersonIdentity::Foreign { .. } => new.birth_date,
            };
            let p = Person {
                id: c.ids.next_id().into(),
                identity,
                given_name,
                family_name,
                birth_date,
                deceased_on: None,
            };
            c.object(format!("person:{}", p.id));
            c.tx.insert(&p)?;
            Ok(p)
        })
    }

    /// Opens the client file and card of a person who has none; the opener becomes a
    /// member of the client's network from today.
    pub fn open_client_file(
        &self,
        actor: &Actor,
        client: PersonId,
        card: NewCard,
    ) -> TehoResult<ClientFile> {
        self.door(actor, Operation::OpenClientFile, |c| {
            c.object(format!("person:{client}"));
            c.authorize(Action::OpenFile, &Target::System)?;
            if c.tx.person(client)?.is_none() {
                return Err(c.missing("person", client));
            }
            if let Some(existing) = c.tx.file_of_client(client)? {
                return Err(TehoError::Conflict {
                    kind: "client file".into(),
                    id: existing.id.to_string(),
                    problem: "this person already has a client file".into(),
                });
            }
            let (id, role, organization) = c.me()?;
            let today = local_date(c.at);
            let file = ClientFile {
                id: c.ids.next_id().into(),
                client,
                opened_on: today,
                opened_by: id,
                status: FileStatus::Open,
            };
            c.call.file = Some(file.id);
            let card = ClientCard {
                file: file.id,
                residence: card
                    .residence
                    .map(|r| r.trim().to_string())
                    .filter(|r| !r.is_empty()),
                contacts: card.contacts,
                good_to_know: card.good_to_know.trim().to_string(),
                providers: Vec::new(),
            };
            check_contacts(&card.contacts)?;
            c.tx.insert(&file)?;
            c.tx.insert(&card)?;
            c.tx.insert(&Membership {
                id: c.ids.next_id().into(),
                file: file.id,
                member: Member::Worker(id),
                role,
                provider: Some(organization),
                valid_from: today,
                valid_until: None,
            })?;
            Ok(file)
        })
    }

    /// The client file as the actor may see it: card, network and entries only as far
    /// as the actor's role justifies, domain-only fields redacted.
    pub fn client_file(&self, actor: &Actor, file: ClientFileId) -> TehoResult<ClientFileView> {
        self.door(actor, Operation::ClientFile, |c| c.client_file_view(file))
    }

    /// The client card.
    pub fn client_card(&self, actor: &Actor, file: ClientFileId) -> TehoResult<ClientCard> {
        self.door(actor, Operation::ClientCard, |c| {
            c.authorize_on_file(file, Action::Read(DataCategory::Card, Visibility::Network))?;
            c.tx.card(file)?
                .ok_or_else(|| c.missing("client card", file))
        })
    }

    /// Replaces the card's "good to know" note (a care worker "may add important info to
    /// the card", seed 000, care worker TO-BE).
    pub fn update_good_to_know(
        &self,
        actor: &Actor,
        file: ClientFileId,
        text: String,
    ) -> TehoResult<ClientCard> {
        self.door(actor, Operation::UpdateGoodToKnow, |c| {
            c.authorize_on_file(file, Action::Write(DataCategory::Card, Visibility::Network))?;
            let t = text.trim();
            if t.chars().count() > MAX_TEXT {
                return Err(TehoError::invalid(
                    "good_to_know",
                    format!("{} characters", t.chars().count()),
                    "too long",
                ));
            }
            let mut card =
                c.tx.card(file)?
                    .ok_or_else(|| c.missing("client card", file))?;
            card.good_to_know = t.to_string();
            c.tx.update(&card)?;
            Ok(card)
        })
    }

    /// Sets a provider's two contacts on the card: the assigned worker and the general
    /// contact (seed `000_19cdf6fb7baf56d8.txt`, care manager TO-BE).
    pub fn set_card_provider(
        &self,
        actor: &Actor,
        file: ClientFileId,
        provider: CardProvider,
    ) -> TehoResult<ClientCard> {
        self.door(actor, Operation::SetCardProvider, |c| {
            c.authorize_on_file(
                file,
                Action::EditCardProvider {
                    provider: provider.organization,
                },
            )?;
            let org = c.organization(provider.organization)?;
            if !org.kind.is_provider() {
                return Err(TehoError::invalid(
                    "organization",
                    name_of(&org.kind),
                    "is not a service provider",
                ));
            }
            let w = c.worker(provider.assigned_worker)?;
            if w.organization != org.id {
                return Err(TehoError::invalid(
                    "assigned_worker",
                    w.id,
                    "does not work for this provider",
                ));
            }
            if !w.employed_at(c.at) {
                return Err(TehoError::invalid(
                    "assigned_worker",
                    w.id,
                    "is not employed today",
                ));
            }
            check_contacts(std::slice::from_ref(&provider.general_contact))?;
            let mut card =
                c.tx.card(file)?
                    .ok_or_else(|| c.missing("client card", file))?;
            match card
                .providers
                .iter_mut()
                .find(|p| p.organization == provider.organization)
            {
                Some(slot) => *slot = provider,
                None => card.providers.push(provider),
            }
            c.tx.update(&card)?;
            Ok(card)
        })
    }

    // ----- network ----------------------------------------------------------------

    /// Adds a member to a client's network (a worker in their employment role, or a
    /// relative, guardian or informal carer).
    pub fn add_member(&self, actor: &Actor, new: NewMembership) -> TehoResult<Membership> {
        self.door(actor, Operation::AddMember, |c| {
            let (_, facts) = c.client(new.file)?;
            check_period("membership", new.valid_from, new.valid_until)?;
            let (role, provider) = match new.member {
                Member::Worker(wid) => {
                    let w = c.worker(wid)?;
                    if let Some(r) = new.role.filter(|r| *r != w.role) {
                        return Err(TehoError::invalid(
                            "role",
                            name_of(&r),
                            "differs from the worker's employment role",
                        ));
                    }
                    if w.role.is_self_side()
                        || matches!(w.role, Role::Administrator | Role::Supervisor)
                    {
                        return Err(TehoError::invalid(
                            "role",
                            name_of(&w.role),
                            "cannot be a network member",
                        ));
                    }
                    if w.employed_until.is_some_and(|u| u < new.valid_from) {
                        return Err(TehoError::invalid(
                            "valid_from",
                            new.valid_from,
                            "is after the worker's last day of employment",
                        ));
                    }
                    (w.role, Some(w.organization))
                }
                Member::Person(pid) => {
                    if c.tx.person(pid)?.is_none() {
                        return Err(c.missing("person", pid));
                    }
                    if pid == facts.client {
                        return Err(TehoError::invalid(
                            "member",
                            pid,
                            "the client is not a member of their own network",
                        ));
                    }
                    let role = new.role.ok_or_else(|| {
                        TehoError::invalid(
                            "role",
                            "none",
                            "give Relative, Guardian or InformalCarer",
                        )
                    })?;
                    if !matches!(role, Role::Relative | Role::Guardian | Role::InformalCarer) {
                        return Err(TehoError::invalid(
                            "role",
                            name_of(&role),
                            "a person joins as Relative, Guardian or InformalCarer",
                        ));
                    }
                    (role, None)
                }
            };
            c.authorize(Action::ManageNetwork { provider }, &Target::Client(facts))?;
            let m = Membership {
                id: c.ids.next_id().into(),
                file: new.file,
                member: new.member,
                role,
                provider,
                valid_from: new.valid_from,
                valid_until: new.valid_until,
            };
            c.object(format!("membership:{}", m.id));
            c.tx.insert(&m)?;
            let recipient = match m.member {
                Member::Worker(w) => Recipient::Worker(w),
                Member::Person(p) => Recipient::Person(p),
            };
            c.notify(
                recipient,
                Some(new.file),
                NotificationKind::AddedToNetwork,
                format!("You were added to a client's network from {}", m.valid_from),
            )?;
            Ok(m)
        })
    }

    /// Ends a membership on `last_day` (nothing is deleted; the membership is dated).
    pub fn end_membership(
        &self,
        actor: &Actor,
        membership: MembershipId,
        last_day: NaiveDate,
    ) -> TehoResult<Membership> {
        self.door(actor, Operation::EndMembership, |c| {
            c.object(format!("membership:{membership}"));
            let mut m =
                c.tx.membership(membership)?
                    .ok_or_else(|| c.missing("membership", membership))?;
            c.authorize_on_file(
                m.file,
                Action::ManageNetwork {
                    provider: m.provider,
                },
            )?;
            check_period("membership", m.valid_from, Some(last_day))?;
            if let Some(u) = m.valid_until.filter(|u| *u < last_day) {
                return Err(TehoError::Conflict {
                    kind: "membership".into(),
                    id: membership.to_string(),
                    problem: format!("already ended on {u}; ending later would extend it"),
                });
            }
            m.valid_until = Some(last_day);
            c.tx.update(&m)?;
            Ok(m)
        })
    }

    /// The client's service network: who serves the client, in which role, when.
    pub fn network(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Membership>> {
        self.door(actor, Operation::Network, |c| {
            let (_, facts) = c.client(file)?;
            let network = facts.network.clone();
            c.authorize(
                Action::Read(DataCategory::Network, Visibility::Network),
                &Target::Client(facts),
            )?;
            Ok(network)
        })
    }

    /// Grants a substitution: `substitute` receives the absent worker's clients for the
    /// period (seed `004_4e44693abfa7524a.txt`, annex 7 §1). Only a manager of the same
    /// organisation and domain grants; a substitute cannot re-delegate or extend.
    pub fn grant_substitution(
        &self,
        actor: &Actor,
        new: NewSubstitution,
    ) -> TehoResult<Substitution> {
        self.door(actor, Operation::GrantSubstitution, |c| {
            c.object(format!("worker:{}", new.substituted));
            let substitute = c.tx.worker(new.substitute)?;
            let substituted = c.tx.worker(new.substituted)?;
            // A worker who does not exist stands as one of another organisation: the
            // refusal comes first, NotFound only to whoever may grant for them.
            let facts = |w: &Option<Worker>, id: WorkerId| match w {
                Some(w) => WorkerFacts::from(w),
                None => WorkerFacts {
                    id,
                    role: Role::HomeNurse,
                    organization: OrganizationId(uuid::Uuid::nil()),
                },
            };
            let actor_stands_in = match &c.facts {
                ActorFacts::Worker { id, .. } => c.tx.substitutions_by_substitute(*id)?,
                _ => Vec::new(),
            };
            c.authorize(
                Action::GrantSubstitution,
                &Target::Substitution {
                    substitute: facts(&substitute, new.substitute),
                    substituted: facts(&substituted, new.substituted),
                    actor_stands_in,
                },
            )?;
            let substitute =
                substitute.ok_or_else(|| TehoError::not_found("worker", new.substitute))?;
            let substituted =
                substituted.ok_or_else(|| TehoError::not_found("worker", new.substituted))?;
            if substitute.id == substituted.id {
                return Err(TehoError::invalid(
                    "substitute",
                    substitute.id,
                    "a worker cannot substitute themselves",
                ));
            }
            if substitute.role.domain() != substituted.role.domain() {
                return Err(TehoError::invalid(
                    "substitute",
                    name_of(&substitute.role),
                    "must work in the absent worker's domain",
                ));
            }
            check_period("substitution", new.from, Some(new.until))?;
            let (granted_by, _, _) = c.me()?;
            let s = Substitution {
                id: c.ids.next_id().into(),
                substitute: new.substitute,
                substituted: new.substituted,
                from: new.from,
                until: new.until,
                granted_by,
                granted_at: c.at,
            };
            c.tx.insert(&s)?;
            c.notify(
                Recipient::Worker(s.substitute),
                None,
                NotificationKind::SubstitutionGranted {
                    substituted: s.substituted,
                },
                format!(
                    "You stand in for worker {} from {} to {}",
                    s.substituted, s.from, s.until
                ),
            )?;
            Ok(s)
        })
    }

    // ----- entries ----------------------------------------------------------------

    /// Adds an entry to a client file. Who may write it follows its category and
    /// visibility; a domain-only field must be of the author's own domain.
    pub fn add_entry(&self, actor: &Actor, new: NewEntry) -> TehoResult<Entry> {
        self.door(actor, Operation::AddEntry, |c| {
            let target =
                c.authorize_on_file(new.file, Action::Write(new.category, new.visibility))?;
            if let Some(d) = &new.domain_detail {
                c.authorize(
                    Action::Write(new.category, Visibility::DomainOnly(d.domain)),
                    &target,
                )?;
                non_empty("domain_detail", &d.text)?;
            }
            if let Some(r) = new.category.only_role()
                && new.visibility != Visibility::RoleOnly(r)
            {
                return Err(TehoError::invalid(
                    "visibility",
                    name_of(&new.visibility),
                    "this category is visible to one role only; use RoleOnly of that role",
                ));
            }
            let text = non_empty("text", &new.text)?;
            let e = Entry {
                id: EntryId(c.ids.next_id()),
                file: new.file,
                category: new.category,
                visibility: new.visibility,
                author: c.actor_ref.clone(),
                written_at: c.at,
                text,
                domain_detail: new.domain_detail,
            };
            c.object(format!("entry:{}", e.id));
            c.tx.insert(&e)?;
            Ok(e)
        })
    }

    /// The entries of a client file the actor may read, domain-only fields redacted.
    pub fn entries(&self, actor: &Actor, file: ClientFileId) -> TehoResult<Vec<Entry>> {
        self.door(actor, Operation::Entries, |c| {
            let target = c.authorize_on_file(
                file,
                Action::Read(DataCategory::Identity, Visibility::Network),
            )?;
            let all = c.tx.entries_of_file(file)?;
            Ok(access::redact(&c.facts, &target, all, c.at))
        })
    }

    // ----- notifications ----------------------------------------------------------

    /// The actor's own notifications, oldest first.
    pub fn inbox(&self, actor: &Actor) -> TehoResult<Vec<Notification>> {
        self.door(actor, Operation::Inbox, |c| {
            c.object("own inbox");
            c.authorize(Action::ReadInbox, &Target::OwnInbox)?;
            let recipient = match c.actor {
                Actor::Worker(w) | Actor::Supervising { worker: w, .. } => Recipient::Worker(*w),
                Actor::Person(p) => Recipient::Person(*p),
                Actor::System => {
                    return Err(TehoError::Internal {
                        message: "ReadInbox allowed the operator".into(),
                    });
                }
            };
            let notes = c.tx.notifications_for(recipient)?;
            c.disclose(notes.iter().filter_map(|n| n.about));
            Ok(notes)
        })
    }

    /// Marks one of the actor's own notifications read or acknowledged. States only move
    /// forward (unread → read → acknowledged).
    pub fn mark_notification(
        &self,
        actor: &Actor,
        id: NotificationId,
        state: NotificationState,
    ) -> TehoResult<Notification> {
        self.door(actor, Operation::MarkNotification, |c| {
            c.object(format!("notification:{id}"));
            let mut n =
                c.tx.notification(id)?
                    .ok_or_else(|| c.missing("notification", id))?;
            c.authorize(
                Action::MarkNotification,
                &Target::Notification {
                    recipient: n.recipient,
                },
            )?;
            if state < n.state || state == NotificationState::Unread {
                return Err(TehoError::Conflict {
                    kind: "notification".into(),
                    id: id.to_string(),
                    problem: format!(
                        "is {}; it cannot go back to {}",
                        name_of(&n.state),
                        name_of(&state)
                    ),
                });
            }
            if state != n.state {
                n.state = state;
                n.state_changed_at = Some(c.at);
                c.tx.update(&n)?;
            }
            Ok(n)
        })
    }

    /// Sends a message about the client to one member, to every current member in a
    /// role, or to the whole network and the client. Returns the notifications written.
    pub fn notify_network(
        &self,
        actor: &Actor,
        file: ClientFileId,
        audience: Audience,
        text: String,
    ) -> TehoResult<Vec<Notification>> {
        self.door(actor, Operation::NotifyNetwork, |c| {
            let (_, facts) = c.client(file)?;
            let client = facts.client;
            let at = c.at;
            let members: Vec<Membership> = facts
                .network
                .iter()
                .filter(|m| m.active_at(at))
                .cloned()
                .collect();
            c.authorize(Action::NotifyNetwork, &Target::Client(facts))?;
            let text = non_empty("text", &text)?;
            let sender = match c.actor {
                Actor::Worker(w) => Some(Recipient::Worker(*w)),
                Actor::Person(p) => Some(Recipient::Person(*p)),
                _ => None,
            };
            let as_recipient = |m: &Membership| match m.member {
                Member::Worker(w) => Recipient::Worker(w),
                Member::Person(p) => Recipient::Person(p),
            };
            let mut to: Vec<Recipient> = match audience {
                Audience::Member(r) => {
                    let known = r == Recipient::Person(client)
                        || members.iter().any(|m| as_recipient(m) == r);
                    if !known {
                        return Err(TehoError::invalid(
                            "audience",
                            r,
                            "is not a current member of the client's network",
                        ));
                    }
                    vec![r]
                }
                Audience::Role(role) => {
                    let v: Vec<Recipient> = members
                        .iter()
                        .filter(|m| m.role == role)
                        .map(as_recipient)
                        .collect();
                    if v.is_empty() {
                        return Err(TehoError::invalid(
                            "audience",
                            name_of(&role),
                            "no current member of the network has this role",
                        ));
                    }
                    v
                }
                Audience::Network => {
                    let mut v: Vec<Recipient> = members.iter().map(as_recipient).collect();
                    v.push(Recipient::Person(client));
                    v
                }
            };
            to.retain(|r| Some(*r) != sender);
            to.dedup();
            let from = match &c.actor_ref.role {
                Some(role) => format!("{} ({})", c.actor_ref.name, name_of(role)),
                None => c.actor_ref.name.clone(),
            };
            let mut sent = Vec::with_capacity(to.len());
            for r in to {
                let n = Notification {
                    id: NotificationId(c.ids.next_id()),
                    recipient: r,
                    about: Some(file),
                    kind: NotificationKind::Message { from: from.clone() },
                    text: text.clone(),
                    created_at: c.at,
                    state: NotificationState::Unread,
                    state_changed_at: None,
                };
                c.tx.insert(&n)?;
                sent.push(n);
            }
            c.object(format!("client_file:{file} to {} recipients", sent.len()));
            Ok(sent)
        })
    }
}

fn check_contacts(contacts: &[crate::file::ContactPoint]) -> TehoResult<()> {
    for (i, cp) in contacts.iter().enumerate() {
        if cp.value.trim().is_empty() {
            return Err(TehoError::invalid(
                "contact.value",
                format!("contact #{}", i + 1),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

impl Ctx<'_> {
    /// The client file as the actor may see it ([`ClientFiles::client_file`]).
    pub(crate) fn client_file_view(&mut self, file: ClientFileId) -> TehoResult<ClientFileView> {
        let c = self;
        let (f, facts) = c.client(file)?;
        let members = facts.network.clone();
        let target = Target::Client(facts);
        c.authorize(
            Action::Read(DataCategory::Identity, Visibility::Network),
            &target,
        )?;
        let readable =
            |c: &Ctx<'_>, cat| c.allowed(Action::Read(cat, Visibility::Network), &target);
        let card = if readable(c, DataCategory::Card) {
            c.tx.card(file)?
        } else {
            None
        };
        let network = readable(c, DataCategory::Network).then_some(members);
        let client = c.tx.person(f.client)?;
        let entries = access::redact(&c.facts, &target, c.tx.entries_of_file(file)?, c.at);
        let today = local_date(c.at);
        let restrictions =
            c.tx.restrictions_of_file(file)?
                .into_iter()
                .filter(|r| {
                    r.in_force(today) && r.entry.is_none_or(|e| entries.iter().any(|x| x.id == e))
                })
                .collect();
        Ok(ClientFileView {
            file: f,
            client,
            card,
            network,
            entries,
            restrictions,
        })
    }
}
