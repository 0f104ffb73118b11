//! Each role's home view (seed `000_19cdf6fb7baf56d8.txt`, the "TEHO vaade" of every
//! role), the client's and relative's view, and the hospital social worker's check of
//! who serves a patient.

use super::Operation;
use chrono::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::CalendarVisit;
use crate::ClientFiles;
use crate::access::{Action, Actor, ActorFacts, DataCategory, Target, Visibility};
use crate::calendar::{Visit, VisitStatus};
use crate::case::{ClientQuery, FileSummary};
use crate::error::{TehoError, TehoResult};
use crate::file::{ClientCard, ContactPoint};
use crate::ids::{ClientFileId, OrganizationId};
use crate::log::ServiceLogEntry;
use crate::network::Member;
use crate::notify::{Notification, NotificationKind, NotificationState, Recipient};
use crate::org::{Domain, OrganizationKind, Role};
use crate::person::PersonIdentity;
use crate::time::{local_date, start_of_day};

/// A worker's or person's home page: notifications first, then their clients, today's
/// visits and — for managers — the missed-visit alert list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HomeView {
    /// The actor's role, for workers.
    pub role: Option<Role>,
    /// Notifications not yet acknowledged, newest first.
    pub notifications: Vec<Notification>,
    /// The clients the actor serves now (or, for a client or relative, whose file they
    /// may see).
    pub clients: Vec<FileSummary>,
    /// The actor's own visits today.
    pub visits_today: Vec<CalendarVisit>,
    /// Managers: planned visits of their provider and domain with no outcome an hour
    /// after their end.
    pub missed_visits: Vec<Visit>,
}

/// The client's and relatives' view (seed 000, client TO-BE): the card, the calendar,
/// the log of done activities, the not-done ones with their reasons, notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ClientHome {
    /// The file.
    pub file: ClientFileId,
    /// The card.
    pub card: Option<ClientCard>,
    /// Visits of the next fourteen days.
    pub coming: Vec<CalendarVisit>,
    /// Done activities of the last thirty days.
    pub done: Vec<ServiceLogEntry>,
    /// Visits not done in the last thirty days, with their reasons.
    pub not_done: Vec<Visit>,
    /// The reader's notifications about this client.
    pub notifications: Vec<Notification>,
}

/// Whether and who provides services to a patient: all a hospital social worker sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceCheck {
    /// The patient's file, if TEHO has one.
    pub file: Option<ClientFileId>,
    /// The providers serving the patient now, with their general contact.
    pub providers: Vec<ServingProvider>,
}

/// One provider serving a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServingProvider {
    /// The provider.
    pub provider: OrganizationId,
    /// Its name.
    pub name: String,
    /// The domain of its service.
    pub domain: Domain,
    /// Its general contact from the card, when entered.
    pub contact: Option<ContactPoint>,
}

impl ClientFiles {
    /// The actor's home view.
    pub fn home_view(&self, actor: &Actor) -> TehoResult<HomeView> {
        self.door(actor, Operation::HomeView, |c| {
            c.object("own home view");
            c.authorize(Action::ReadInbox, &Target::OwnInbox)?;
            let (me, role, org) = match (&c.facts, c.actor) {
                (
                    ActorFacts::Worker {
                        id,
                        role,
                        organization,
                        ..
                    },
                    _,
                ) => (Member::Worker(*id), Some(*role), Some(*organization)),
                (_, Actor::Person(p)) => (Member::Person(*p), None, None),
                _ => {
                    return Err(TehoError::Internal {
                        message: "ReadInbox allowed the operator".into(),
                    });
                }
            };
            let recipient = match me {
                Member::Worker(w) => Recipient::Worker(w),
                Member::Person(p) => Recipient::Person(p),
            };
            let mut notifications: Vec<Notification> =
                c.tx.notifications_for(recipient)?
                    .into_iter()
                    .filter(|n| n.state != NotificationState::Acknowledged)
                    .collect();
            notifications.reverse();
            c.disclose(notifications.iter().filter_map(|n| n.about));
            // Files: own memberships, the files of workers one stands in for, one's own.
            let mut files: Vec<ClientFileId> =
                c.tx.memberships_of_member(me)?
                    .into_iter()
                    .map(|m| m.file)
                    .collect();
            if let Member::Worker(w) = me {
                for s in c.tx.substitutions_by_substitute(w)? {
                    files.extend(
                        c.tx.memberships_of_member(Member::Worker(s.substituted))?
                            .into_iter()
                            .map(|m| m.file),
                    );
                }
            }
            if let Member::Person(p) = me
                && let Some(f) = c.tx.file_of_client(p)?
            {
                files.push(f.id);
            }
            files.sort();
            files.dedup();
            let mut clients = Vec::new();
            for file in files {
                if !c.may_read(file, DataCategory::Identity)? {
                    continue;
                }
                if let Some(f) = c.tx.file(file)?
                    && let Some(p) = c.tx.person(f.client)?
                {
                    clients.push(FileSummary {
                        file,
                        client: p.id,
                        name: p.full_name(),
                        birth_date: p.birth_date,
                    });
                }
            }
            c.disclose(clients.iter().map(|s| s.file));
            let today = local_date(c.at);
            let (mut visits_today, mut missed_visits) = (Vec::new(), Vec::new());
            if let Member::Worker(w) = me {
                let mine = c.tx.visits_of_worker(
                    w,
                    start_of_day(today),
                    start_of_day(today + Duration::days(1)),
                )?;
                let visible = c.keep_visible(mine, |v| v.file, DataCategory::Calendar)?;
                visits_today = c.with_names(visible)?;
            }
            if let (Some(role), Some(org)) = (role, org)
                && role.is_manager()
            {
                let overdue: Vec<Visit> =
                    c.tx.overdue_visits(org, c.at - Duration::hours(1))?
                        .into_iter()
                        .filter(|v| v.domain == role.domain())
                        .collect();
                missed_visits = c.visible_visits(overdue)?;
            }
            Ok(HomeView {
                role,
                notifications,
                clients,
                visits_today,
                missed_visits,
            })
        })
    }

    /// The client's or relative's view of a file.
    pub fn client_home(&self, actor: &Actor, file: ClientFileId) -> TehoResult<ClientHome> {
        self.door(actor, Operation::ClientHome, |c| {
            let target = c.authorize_on_file(
                file,
                Action::Read(DataCategory::Calendar, Visibility::Network),
            )?;
            let card = if c.allowed(
                Action::Read(DataCategory::Card, Visibility::Network),
                &target,
            ) {
                c.tx.card(file)?
            } else {
                None
            };
            let today = local_date(c.at);
            let coming =
                c.tx.visits_of_file(file, c.at, start_of_day(today + Duration::days(14)))?;
            let coming = c.with_names(coming)?;
            let month_ago = start_of_day(today - Duration::days(30));
            let done = if c.allowed(
                Action::Read(DataCategory::ServiceLog, Visibility::Network),
                &target,
            ) {
                let entries = c.tx.log_of_file(file, month_ago, c.at)?;
                c.redact_log(entries, &target)
            } else {
                Vec::new()
            };
            let not_done = if c.allowed(
                Action::Read(DataCategory::NotDone, Visibility::Network),
                &target,
            ) {
                let not_done =
                    c.tx.visits_of_file(file, month_ago, c.at)?
                        .into_iter()
                        .filter(|v| v.status == VisitStatus::NotDone)
                        .collect();
                c.redact_visits(not_done)?
            } else {
                Vec::new()
            };
            let recipient = match c.actor {
                Actor::Person(p) => Some(Recipient::Person(*p)),
                Actor::Worker(w) => Some(Recipient::Worker(*w)),
                _ => None,
            };
            let notifications = match recipient {
                Some(r) => {
                    c.tx.notifications_for(r)?
                        .into_iter()
                        .filter(|n| n.about == Some(file))
                        .collect()
                }
                None => Vec::new(),
            };
            Ok(ClientHome {
                file,
                card,
                coming,
                done,
                not_done,
                notifications,
            })
        })
    }

    /// A hospital or care-home social worker checks whether and who provides services to
    /// a patient — only that, nothing else of the file.
    pub fn check_services(&self, actor: &Actor, query: ClientQuery) -> TehoResult<ServiceCheck> {
        self.door(actor, Operation::CheckServices, |c| {
            c.object("service check");
            c.authorize(Action::CheckServices, &Target::System)?;
            let key = match &query {
                ClientQuery::Code(code) => PersonIdentity::Estonian(*code).key(),
                ClientQuery::Foreign {
                    country,
                    document_number,
                } => PersonIdentity::foreign(country, document_number)?.key(),
                ClientQuery::Name(_) => {
                    return Err(TehoError::invalid(
                        "query",
                        "(name)",
                        "check a patient by personal code or document",
                    ));
                }
            };
            let Some(person) = c.tx.person_by_identity(&key)? else {
                return Ok(ServiceCheck {
                    file: None,
                    providers: Vec::new(),
                });
            };
            let Some(f) = c.tx.file_of_client(person.id)? else {
                return Ok(ServiceCheck {
                    file: None,
                    providers: Vec::new(),
                });
            };
            c.call.file = Some(f.id);
            c.object(format!("service check of client_file:{}", f.id));
            let card = c.tx.card(f.id)?;
            let at = c.at;
            let mut providers: Vec<ServingProvider> = Vec::new();
            for m in
                c.tx.memberships_of_file(f.id)?
                    .into_iter()
                    .filter(|m| m.active_at(at))
            {
                let (Some(p), domain) = (m.provider, m.role.domain()) else {
                    continue;
                };
                if !matches!(domain, Domain::Care | Domain::Nursing | Domain::Other)
                    || providers.iter().any(|x| x.provider == p)
                {
                    continue;
                }
                let name = c.organization(p)?.name;
                let contact = card
                    .as_ref()
                    .and_then(|k| k.providers.iter().find(|x| x.organization == p))
                    .map(|x| x.general_contact.clone());
                providers.push(ServingProvider {
                    provider: p,
                    name,
                    domain,
                    contact,
                });
            }
            Ok(ServiceCheck {
                file: Some(f.id),
                providers,
            })
        })
    }

    /// When nobody serves a patient about to leave hospital, the district social workers
    /// are notified (seed 000: "Kui teenuseid ei osutata, saab saata info LOV
    /// sotsiaaltöötajale"). Returns how many were notified.
    pub fn notify_unserved(
        &self,
        actor: &Actor,
        patient: ClientQuery,
        text: String,
    ) -> TehoResult<usize> {
        self.door(actor, Operation::NotifyUnserved, |c| {
            c.object("patient without services");
            c.authorize(Action::CheckServices, &Target::System)?;
            let text = super::non_empty("text", &text)?;
            let key = match &patient {
                ClientQuery::Code(code) => PersonIdentity::Estonian(*code).key(),
                ClientQuery::Foreign {
                    country,
                    document_number,
                } => PersonIdentity::foreign(country, document_number)?.key(),
                ClientQuery::Name(_) => {
                    return Err(TehoError::invalid(
                        "patient",
                        "(name)",
                        "name the patient by personal code or document",
                    ));
                }
            };
            let file = match c.tx.person_by_identity(&key)? {
                Some(p) => c.tx.file_of_client(p.id)?.map(|f| f.id),
                None => None,
            };
            let at = c.at;
            let mut sent = 0;
            for o in
                c.tx.organizations()?
                    .into_iter()
                    .filter(|o| o.kind == OrganizationKind::Municipality)
            {
                for w in
                    c.tx.workers_of(o.id)?
                        .into_iter()
                        .filter(|w| w.role == Role::SocialWorker && w.employed_at(at))
                {
                    c.notify(
                        Recipient::Worker(w.id),
                        file,
                        NotificationKind::PatientWithoutServices,
                        text.clone(),
                    )?;
                    sent += 1;
                }
            }
            Ok(sent)
        })
    }

    /// Sends discharge information from a hospital or care home to the client's current
    /// network and the client (seed 000: "Infot patsiendi/kliendi haiglast koju saatmise
    /// kohta on võimalik operatiivselt teenusevõrgustiku liikmetele saata").
    pub fn send_discharge(
        &self,
        actor: &Actor,
        file: ClientFileId,
        text: String,
    ) -> TehoResult<usize> {
        self.door(actor, Operation::SendDischarge, |c| {
            c.authorize(Action::CheckServices, &Target::System)?;
            let (_, facts) = c.client(file)?;
            let text = super::non_empty("text", &text)?;
            let at = c.at;
            let mut to: Vec<Recipient> = facts
                .network
                .iter()
                .filter(|m| m.active_at(at))
                .map(|m| match m.member {
                    Member::Worker(w) => Recipient::Worker(w),
                    Member::Person(p) => Recipient::Person(p),
                })
                .collect();
            to.push(Recipient::Person(facts.client));
            to.sort_by_key(|r| match r {
                Recipient::Person(p) => (0, p.0),
                Recipient::Worker(w) => (1, w.0),
            });
            to.dedup();
            for r in &to {
                c.notify(*r, Some(file), NotificationKind::Discharge, text.clone())?;
            }
            Ok(to.len())
        })
    }
}
