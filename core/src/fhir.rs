//! HL7 FHIR R4 of a client file: a `Bundle` of type `collection` built from what the
//! engine's own reads show the exporting actor — the file view (client, card, network),
//! the client calendar, the service log and the plan items behind the visible visits —
//! and nothing else. Base R4 (the EE Base and Danish profiles are not reachable here);
//! the personal code is the EE Base identifier `https://fhir.ee/sid/pid/est/ni`, and
//! TEHO's own codes are the CodeSystems [`code_systems`] writes (`schemas/fhir/`).
//!
//! Choices where R4 has no element (docs/FHIR.md has the whole mapping):
//! - FHIR `Timing` has no time zone: a plan item's times are Tallinn wall-clock times,
//!   carried by the extension [`TIME_ZONE_EXTENSION`] (`valueCode` `Europe/Tallinn`) on
//!   `scheduledTiming`, with the plan's RRULE in [`RRULE_EXTENSION`].
//! - Resource ids are TEHO's ids (UUIDs), `fullUrl` `urn:uuid:` the same; a visit not
//!   done becomes an Appointment (`noshow`) and a Procedure (`not-done`) whose id is the
//!   visit's id with its last bits turned ([`companion_id`]).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::calendar::VisitStatus;
use crate::disclosure::{AccessKind, LogOutcome, LogRecord};
use crate::engine::CalendarVisit;
use crate::error::name_of;
use crate::file::{ClientFileView, ContactKind};
use crate::ids::{OrganizationId, WorkerId};
use crate::log::{NotDoneReason, ServiceLogEntry};
use crate::network::{Member, Membership};
use crate::org::{Domain, Role};
use crate::person::PersonIdentity;
use crate::plan::{CarePlan, PlanItem};

/// The EE Base identifier system of the Estonian personal code (isikukood).
pub const PERSONAL_CODE_SYSTEM: &str = "https://fhir.ee/sid/pid/est/ni";
/// Where TEHO's own FHIR definitions live.
pub const BASE: &str = "https://teho.tallinn.ee/fhir";
/// The extension on `Timing` naming the IANA time zone its times are in.
pub const TIME_ZONE_EXTENSION: &str = "https://teho.tallinn.ee/fhir/StructureDefinition/time-zone";
/// The extension on `Timing` carrying the plan item's recurrence rule (RFC 5545 RRULE).
pub const RRULE_EXTENSION: &str = "https://teho.tallinn.ee/fhir/StructureDefinition/rrule";
/// The identifier system of TEHO's own ids (organisations, workers, memberships).
pub const ID_SYSTEM: &str = "https://teho.tallinn.ee/fhir/sid/id";

/// The URL of TEHO's CodeSystem `name`.
pub fn code_system_url(name: &str) -> String {
    format!("{BASE}/CodeSystem/{name}")
}

/// What the export holds, each part as the engine's reads showed it to the actor.
pub(crate) struct FhirInput<'a> {
    /// The export's id (the Bundle's).
    pub id: Uuid,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The client file as [`crate::ClientFiles::client_file`] shows it.
    pub view: &'a ClientFileView,
    /// The visits as the client calendar shows them.
    pub visits: &'a [CalendarVisit],
    /// The service log as the actor reads it.
    pub log: &'a [ServiceLogEntry],
    /// The plans behind the visible visits, each with its items behind them.
    pub plans: &'a [(CarePlan, Vec<PlanItem>)],
    /// Organisations named in what is shown, with the name where a read shows it.
    pub organizations: &'a BTreeMap<OrganizationId, Option<String>>,
    /// Workers named in what is shown, with the name where a read shows it.
    pub workers: &'a BTreeMap<WorkerId, Option<String>>,
    /// The access log as [`crate::ClientFiles::access_log`] shows it — empty unless the
    /// actor is the data subject (or their guardian) taking their own copy.
    pub access_log: &'a [LogRecord],
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn urn(id: impl std::fmt::Display) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: impl std::fmt::Display) -> Value {
    json!({ "reference": urn(id) })
}

fn coding(system: &str, code: &str) -> Value {
    json!({ "system": code_system_url(system), "code": code })
}

/// A second resource's id derived from a TEHO id: the id with its last 16 bits turned,
/// so that it differs from the first and stays the same on every export — the Procedure
/// of a visit not done (beside its Appointment), the requester of a referral (beside
/// its ServiceRequest).
pub fn companion_id(id: Uuid) -> Uuid {
    Uuid::from_u128(id.as_u128() ^ 0xFFFF)
}

/// The Bundle.
pub(crate) fn bundle(input: &FhirInput<'_>) -> Value {
    let mut entries: Vec<Value> = Vec::new();
    let mut add = |id: String, resource: Value| entries.push(entry(id, resource));
    let patient_id = input.view.file.client.0;
    add(patient_id.to_string(), patient(input));
    for (id, name) in input.organizations {
        let mut o = json!({
            "resourceType": "Organization",
            "id": id.0.to_string(),
            "identifier": [{ "system": ID_SYSTEM, "value": id.0.to_string() }],
            "active": true,
        });
        if let Some(n) = name {
            o["name"] = json!(n);
        }
        add(id.0.to_string(), o);
    }
    for (id, name) in input.workers {
        let mut p = json!({
            "resourceType": "Practitioner",
            "id": id.0.to_string(),
            "identifier": [{ "system": ID_SYSTEM, "value": id.0.to_string() }],
        });
        if let Some(n) = name {
            p["name"] = json!([{ "text": n }]);
        }
        add(id.0.to_string(), p);
    }
    let network = input.view.network.as_deref().unwrap_or_default();
    for m in network {
        add(m.id.0.to_string(), member(m, patient_id));
    }
    if input.view.network.is_some() {
        add(
            input.view.file.id.0.to_string(),
            care_team(input, network, patient_id),
        );
    }
    for (plan, items) in input.plans {
        add(plan.id.0.to_string(), care_plan(plan, items, patient_id));
    }
    for v in input.visits {
        add(v.visit.id.0.to_string(), appointment(v, patient_id));
        if v.visit.status == VisitStatus::NotDone {
            let id = companion_id(v.visit.id.0);
            add(id.to_string(), not_done(v, id, patient_id));
        }
    }
    for e in input.log {
        add(e.id.0.to_string(), done(e, patient_id));
    }
    for record in input.access_log {
        add(record.id.to_string(), audit_event(record, patient_id));
    }
    json!({
        "resourceType": "Bundle",
        "id": input.id.to_string(),
        "meta": { "lastUpdated": instant(input.at) },
        "type": "collection",
        "timestamp": instant(input.at),
        "entry": entries,
    })
}

/// A Bundle entry: `resource` under `urn:uuid:{id}`, with its narrative.
fn entry(id: impl std::fmt::Display, mut resource: Value) -> Value {
    resource["text"] = narrative(&resource);
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// A resource's narrative (`text`, R4 `dom-6`): its type, then each free text it holds —
/// names, addresses, actions, reasons, notes, the access log's words — one paragraph
/// each, once, in the order of the resource's keys. Built from the resource alone, so it
/// shows nothing the resource does not; a code's display is left out (it is the code
/// system's, not the file's).
fn narrative(resource: &Value) -> Value {
    fn texts<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s)
                if ["text", "description", "display", "outcomeDesc", "name"].contains(&key)
                    && !out.contains(&s.as_str()) =>
            {
                out.push(s);
            }
            Value::Array(items) => items.iter().for_each(|x| texts(x, key, out)),
            Value::Object(map) => {
                let coding = map.contains_key("system") && map.contains_key("code");
                for (k, x) in map {
                    if !(coding && k == "display") {
                        texts(x, k, out);
                    }
                }
            }
            _ => {}
        }
    }
    fn escaped(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    let mut found = Vec::new();
    texts(resource, "", &mut found);
    let mut div = format!(
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>{}</b></p>",
        escaped(resource["resourceType"].as_str().unwrap_or("Resource"))
    );
    for t in found {
        div.push_str("<p>");
        div.push_str(&escaped(t));
        div.push_str("</p>");
    }
    div.push_str("</div>");
    json!({ "status": "generated", "div": div })
}

fn patient(input: &FhirInput<'_>) -> Value {
    let view = input.view;
    let mut p = json!({
        "resourceType": "Patient",
        "id": view.file.client.0.to_string(),
    });
    if let Some(person) = &view.client {
        p["identifier"] = match &person.identity {
            PersonIdentity::Estonian(code) => {
                json!([{ "system": PERSONAL_CODE_SYSTEM, "value": code.to_string() }])
            }
            PersonIdentity::Foreign {
                country,
                document_number,
            } => json!([{
                "system": format!("{BASE}/sid/foreign-document/{}", country.to_lowercase()),
                "value": document_number,
            }]),
        };
        p["name"] = json!([{
            "use": "official",
            "text": person.full_name(),
            "family": person.family_name,
            "given": [person.given_name],
        }]);
        if let Some(b) = person.birth_date {
            p["birthDate"] = json!(b.to_string());
        }
        if let Some(d) = person.deceased_on {
            p["deceasedDateTime"] = json!(d.to_string());
        }
    }
    if let Some(card) = &view.card {
        if let Some(r) = &card.residence {
            p["address"] = json!([{ "use": "home", "text": r }]);
        }
        let telecom: Vec<Value> = card
            .contacts
            .iter()
            .map(|c| {
                let system = match c.kind {
                    ContactKind::Phone => "phone",
                    ContactKind::Email => "email",
                    _ => "other",
                };
                json!({ "system": system, "value": c.value })
            })
            .collect();
        if !telecom.is_empty() {
            p["telecom"] = json!(telecom);
        }
    }
    p
}

fn period(m: &Membership) -> Value {
    let mut p = json!({ "start": m.valid_from.to_string() });
    if let Some(u) = m.valid_until {
        p["end"] = json!(u.to_string());
    }
    p
}

fn role(r: Role) -> Value {
    json!({ "coding": [coding("role", &name_of(&r))], "text": name_of(&r) })
}

/// A network member: a worker's PractitionerRole, a person's RelatedPerson.
fn member(m: &Membership, patient: Uuid) -> Value {
    match &m.member {
        Member::Worker(w) => {
            let mut r = json!({
                "resourceType": "PractitionerRole",
                "id": m.id.0.to_string(),
                "active": true,
                "period": period(m),
                "practitioner": reference(w.0),
                "code": [role(m.role)],
            });
            if let Some(o) = m.provider {
                r["organization"] = reference(o.0);
            }
            r
        }
        Member::Person(_) => json!({
            "resourceType": "RelatedPerson",
            "id": m.id.0.to_string(),
            "active": true,
            "patient": reference(patient),
            "relationship": [role(m.role)],
            "period": period(m),
        }),
    }
}

fn care_team(input: &FhirInput<'_>, network: &[Membership], patient: Uuid) -> Value {
    let participants: Vec<Value> = network
        .iter()
        .map(|m| {
            // The member is the PractitionerRole or RelatedPerson of the membership; the
            // provider is on the PractitionerRole (R4's ctm-1 allows `onBehalfOf` only
            // beside a Practitioner).
            json!({
                "role": [role(m.role)],
                "member": reference(m.id.0),
                "period": period(m),
            })
        })
        .collect();
    json!({
        "resourceType": "CareTeam",
        "id": input.view.file.id.0.to_string(),
        "status": "active",
        "name": "Service network (teenusevõrgustik)",
        "subject": reference(patient),
        "participant": participants,
    })
}

fn domain(d: Domain) -> Value {
    json!({ "coding": [coding("domain", &name_of(&d))], "text": name_of(&d) })
}

fn care_plan(plan: &CarePlan, items: &[PlanItem], patient: Uuid) -> Value {
    let activities: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut bounds = json!({ "start": i.valid_from.to_string() });
            if let Some(u) = i.valid_until {
                bounds["end"] = json!(u.to_string());
            }
            let mut detail = json!({
                "kind": "Appointment",
                "code": {
                    "coding": [coding("action", &i.action.code)],
                    "text": i.action.text,
                },
                "status": "scheduled",
                "scheduledTiming": {
                    "extension": [
                        { "url": TIME_ZONE_EXTENSION, "valueCode": crate::ics::TZID },
                        { "url": RRULE_EXTENSION, "valueString": i.recurrence.to_string() },
                    ],
                    "repeat": {
                        "boundsPeriod": bounds,
                        "duration": i.duration_minutes,
                        "durationUnit": "min",
                        "timeOfDay": i.recurrence.times().iter()
                            .map(|t| t.format("%H:%M:%S").to_string())
                            .collect::<Vec<_>>(),
                    },
                    "code": { "text": i.recurrence.in_words() },
                },
                "description": format!("{} ({})", i.action.text, i.place),
            });
            if let Some(w) = i.worker {
                detail["performer"] = json!([reference(w.0)]);
            }
            json!({ "detail": detail })
        })
        .collect();
    json!({
        "resourceType": "CarePlan",
        "id": plan.id.0.to_string(),
        "status": "active",
        "intent": "plan",
        "category": [domain(plan.domain)],
        "subject": reference(patient),
        "created": instant(plan.created_at),
        "author": reference(plan.provider.0),
        "activity": activities,
    })
}

fn appointment(v: &CalendarVisit, patient: Uuid) -> Value {
    let visit = &v.visit;
    let status = match visit.status {
        VisitStatus::Planned => "booked",
        VisitStatus::Done => "fulfilled",
        VisitStatus::NotDone => "noshow",
        VisitStatus::Cancelled | VisitStatus::Superseded => "cancelled",
    };
    let mut participants = vec![json!({
        "actor": reference(patient),
        "required": "required",
        "status": "accepted",
    })];
    if let Some(w) = visit.worker {
        participants.push(json!({
            "actor": reference(w.0),
            "required": "required",
            "status": "accepted",
        }));
    }
    let mut a = json!({
        "resourceType": "Appointment",
        "id": visit.id.0.to_string(),
        "status": status,
        "serviceCategory": [domain(visit.domain)],
        "serviceType": [{
            "coding": [coding("action", &visit.action.code)],
            "text": visit.action.text,
        }],
        "description": visit.action.text,
        "start": instant(visit.start),
        "end": instant(visit.end),
        "participant": participants,
    });
    if status == "cancelled" {
        let why = match (
            visit.status,
            visit.cancellation.as_ref().and_then(|c| c.reason.as_ref()),
        ) {
            (VisitStatus::Superseded, _) => "replaced after a change of the plan".to_string(),
            (_, Some(reason)) => reason.text.clone(),
            (_, None) => "cancelled".to_string(),
        };
        a["cancelationReason"] = json!({ "text": why });
    }
    if let Some(item) = visit.plan_item {
        a["comment"] = json!(format!("plan item {}", item.0));
    }
    a
}

fn not_done(v: &CalendarVisit, id: Uuid, patient: Uuid) -> Value {
    let visit = &v.visit;
    let mut p = json!({
        "resourceType": "Procedure",
        "id": id.to_string(),
        "status": "not-done",
        "code": {
            "coding": [coding("action", &visit.action.code)],
            "text": visit.action.text,
        },
        "subject": reference(patient),
    });
    if let Some(nd) = &visit.not_done {
        p["statusReason"] = json!({
            "coding": [coding("not-done-reason", &name_of(&nd.reason))],
            "text": if nd.text.is_empty() { name_of(&nd.reason) } else { nd.text.clone() },
        });
        p["recorder"] = reference(nd.by.0);
        if let Some(d) = &nd.detail {
            p["note"] = json!([{ "text": format!("{} only: {}", name_of(&d.domain), d.text) }]);
        }
    }
    if let Some(w) = visit.worker {
        p["performer"] = json!([{ "actor": reference(w.0) }]);
    }
    p
}

fn done(e: &ServiceLogEntry, patient: Uuid) -> Value {
    let mut p = json!({
        "resourceType": "Procedure",
        "id": e.id.0.to_string(),
        "status": "completed",
        "category": domain(e.domain),
        "code": {
            "coding": [coding("action", &e.action.code)],
            "text": e.action.text,
        },
        "subject": reference(patient),
        "performedPeriod": { "start": instant(e.actual_start), "end": instant(e.actual_end) },
        "performer": [{ "actor": reference(e.worker.0) }],
    });
    if let Some(o) = e.provider {
        p["performer"][0]["onBehalfOf"] = reference(o.0);
    }
    if let Some(d) = &e.detail {
        p["note"] = json!([{ "text": format!("{} only: {}", name_of(&d.domain), d.text) }]);
    }
    p
}

/// The DICOM code system, whose audit event ids (DICOM PS3.16) FHIR R4's `AuditEvent.type`
/// binding includes.
const DICOM_SYSTEM: &str = "http://dicom.nema.org/resources/ontology/DCM";

/// One line of the client's access log as an `AuditEvent` shaped after IHE BALP (Basic
/// Audit Log Patterns): an access is DICOM `110110` Patient Record with the operation as
/// `subtype` (TEHO's `operation` CodeSystem), `action` `R` for a query and `E` for a
/// command; a disclosure is DICOM `110106` Export. The requestor is the agent (by name,
/// as the log shows it), the patient the entity, the purpose or legal basis
/// `purposeOfEvent`, and the log's outcome text `outcomeDesc`. TEHO is the observer.
fn audit_event(record: &LogRecord, patient: Uuid) -> Value {
    let line = &record.line;
    let operation = crate::engine::Operation::ALL
        .iter()
        .find(|o| o.audit_name() == line.what);
    let (event, action) = match line.kind {
        AccessKind::Access => (
            json!({ "system": DICOM_SYSTEM, "code": "110110", "display": "Patient Record" }),
            match operation.map(|o| o.kind()) {
                Some(crate::store::UnitKind::Query) => "R",
                _ => "E",
            },
        ),
        AccessKind::Disclosure => (
            json!({ "system": DICOM_SYSTEM, "code": "110106", "display": "Export" }),
            "R",
        ),
    };
    let outcome = match record.outcome {
        LogOutcome::Allowed | LogOutcome::Disclosed => "0",
        LogOutcome::Refused => "4",
        LogOutcome::Failed => "8",
    };
    let mut agents = vec![json!({ "who": { "display": line.who }, "requestor": true })];
    if let Some(o) = &line.organisation {
        agents.push(json!({
            "role": [{ "text": "organisation of the requestor" }],
            "who": { "display": o },
            "requestor": false,
        }));
    }
    let mut entity = json!({
        "what": reference(patient),
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
            "code": "1",
            "display": "Person",
        },
        "role": {
            "system": "http://terminology.hl7.org/CodeSystem/object-role",
            "code": "1",
            "display": "Patient",
        },
    });
    if line.kind == AccessKind::Disclosure {
        entity["description"] = json!(line.what);
    }
    let mut e = json!({
        "resourceType": "AuditEvent",
        "id": record.id.to_string(),
        "type": event,
        "action": action,
        "recorded": instant(line.at),
        "outcome": outcome,
        "outcomeDesc": line.outcome,
        "agent": agents,
        "source": { "observer": { "display": "TEHO" } },
        "entity": [entity],
    });
    if let Some(o) = operation {
        let mut code = coding("operation", o.audit_name());
        code["display"] = json!(o.name());
        e["subtype"] = json!([code]);
    }
    if !line.why.is_empty() {
        e["purposeOfEvent"] = json!([{ "text": line.why }]);
    }
    e
}

/// TEHO's CodeSystems: the enums' variants with the first sentence of their rustdoc,
/// and the plans' action codes (defined by each provider: `content` `not-present`).
pub fn code_systems() -> Vec<Value> {
    /// A CodeSystem that lists every code: `teho-{name}` at its URL.
    fn complete(name: &str, machine_name: &str, title: &str, concepts: Vec<Value>) -> Value {
        json!({
            "resourceType": "CodeSystem",
            "id": format!("teho-{name}"),
            "url": code_system_url(name),
            "name": machine_name,
            "title": title,
            "status": "active",
            "caseSensitive": true,
            "content": "complete",
            "count": concepts.len(),
            "concept": concepts,
        })
    }
    fn enumerated<T: JsonSchema>(name: &str, title: &str) -> Value {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
        let concepts: Vec<Value> = schema["oneOf"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|alt| {
                let code = alt["const"].as_str().or_else(|| alt["enum"][0].as_str())?;
                let description = alt["description"].as_str().unwrap_or(code);
                let display = description
                    .split(". ")
                    .next()
                    .unwrap_or(description)
                    .trim_end_matches('.');
                Some(json!({ "code": code, "display": display }))
            })
            .collect();
        complete(name, &title.replace(' ', ""), title, concepts)
    }
    let operations = crate::engine::Operation::ALL
        .iter()
        .map(|o| json!({ "code": o.audit_name(), "display": o.name() }))
        .collect();
    vec![
        enumerated::<Role>("role", "TEHO roles"),
        enumerated::<Domain>("domain", "TEHO domains"),
        enumerated::<NotDoneReason>("not-done-reason", "TEHO reasons a visit was not done"),
        enumerated::<VisitStatus>("visit-status", "TEHO visit statuses"),
        complete(
            "operation",
            "TEHOOperations",
            "TEHO operations, as audit entries name them",
            operations,
        ),
        json!({
            "resourceType": "CodeSystem",
            "id": "teho-action",
            "url": code_system_url("action"),
            "name": "TEHOActions",
            "title": "TEHO planned actions (each provider's own codes)",
            "status": "active",
            "caseSensitive": true,
            "content": "not-present",
        }),
    ]
}

/// The identifier system of a health-information-system (TIS) document, TEHO's own: the
/// national one is not published where these machines can read it.
pub const TIS_DOCUMENT_SYSTEM: &str = "https://teho.tallinn.ee/fhir/sid/tis-document";

/// A home-nursing referral as read from a FHIR `ServiceRequest`: everything
/// [`crate::case::NewReferral`] needs but the patient, who is named by personal code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FhirReferral {
    /// The patient's personal code (`Patient.identifier`, EE Base system).
    pub patient: crate::person::PersonalCode,
    /// The TIS document (`ServiceRequest.identifier`), or paper when none.
    pub source: crate::case::ReferralSource,
    /// `occurrencePeriod.start` (or `occurrenceDateTime`), as a Tallinn day.
    pub start: chrono::NaiveDate,
    /// `occurrencePeriod.end`, as a Tallinn day.
    pub end: Option<chrono::NaiveDate>,
    /// The requester's name (`Practitioner.name`).
    pub doctor_name: String,
    /// The requester as a TEHO worker (`Practitioner.identifier` in [`ID_SYSTEM`]).
    pub doctor: Option<WorkerId>,
}

/// A ServiceRequest that does not fit: an `invalid_input` naming the FHIR path.
fn misfit(path: &str, value: impl ToString, problem: &str) -> crate::TehoError {
    crate::TehoError::invalid(path, value, problem)
}

/// What kind of JSON `v` is, for messages (never its text, which may be personal data).
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The string at `path` of `v`, required.
fn text_at<'a>(v: &'a Value, path: &str) -> crate::TehoResult<&'a str> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        Value::String(_) => Err(misfit(path, "", "empty")),
        Value::Null => Err(misfit(path, "", "missing (required)")),
        other => Err(misfit(path, kind_of(other), "expected a string")),
    }
}

/// A FHIR `date` or `dateTime` at `path`, as its Tallinn day.
fn day_at(v: &Value, path: &str) -> crate::TehoResult<chrono::NaiveDate> {
    let text = match v {
        Value::String(s) => s.as_str(),
        Value::Null => return Err(misfit(path, "", "missing (required)")),
        other => {
            return Err(misfit(
                path,
                kind_of(other),
                "expected a FHIR date or dateTime (a string such as 2026-10-13)",
            ));
        }
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| crate::time::local_date(t.to_utc()))
        .map_err(|_| {
            misfit(
                path,
                text,
                "expected a FHIR date (YYYY-MM-DD) or dateTime with a time zone",
            )
        })
}

/// The resource a reference at `path` points to: a `contained` one (`#id`) or a Bundle
/// entry (by `fullUrl`, or `Type/id`).
fn resolve<'a>(
    reference: &'a Value,
    path: &str,
    contained: &'a [Value],
    entries: &'a [Value],
    want: &str,
) -> crate::TehoResult<&'a Value> {
    let r = text_at(&reference["reference"], &format!("{path}.reference"))?;
    let found = if let Some(local) = r.strip_prefix('#') {
        contained.iter().find(|c| c["id"] == local)
    } else {
        entries
            .iter()
            .find(|e| {
                e["fullUrl"] == r
                    || format!(
                        "{}/{}",
                        e["resource"]["resourceType"].as_str().unwrap_or_default(),
                        e["resource"]["id"].as_str().unwrap_or_default()
                    ) == r
            })
            .map(|e| &e["resource"])
    };
    let resource = found.ok_or_else(|| {
        misfit(
            &format!("{path}.reference"),
            r,
            "does not resolve to a resource in the ServiceRequest or its Bundle",
        )
    })?;
    if resource["resourceType"] != want {
        return Err(misfit(
            &format!("{path}.reference"),
            r,
            &format!("expected a {want}"),
        ));
    }
    Ok(resource)
}

/// Reads a home-nursing referral from FHIR JSON: a `ServiceRequest` (its Patient and
/// requester `contained`), or a `Bundle` holding one ServiceRequest with them as entries.
/// What does not fit is an `invalid_input` whose field is the FHIR path of the problem
/// (`ServiceRequest.subject`, `Patient.identifier[0].system`, …); nothing is guessed.
pub fn read_service_request(text: &str) -> crate::TehoResult<FhirReferral> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        misfit(
            "ServiceRequest",
            format!("line {} column {}", e.line(), e.column()),
            "not JSON",
        )
    })?;
    let empty = Vec::new();
    let (request, entries) = match doc["resourceType"].as_str() {
        Some("ServiceRequest") => (&doc, &empty),
        Some("Bundle") => {
            let entries = doc["entry"].as_array().unwrap_or(&empty);
            let mut requests = entries
                .iter()
                .filter(|e| e["resource"]["resourceType"] == "ServiceRequest");
            let first = requests
                .next()
                .ok_or_else(|| misfit("Bundle.entry", "", "holds no ServiceRequest"))?;
            if requests.next().is_some() {
                return Err(misfit(
                    "Bundle.entry",
                    "",
                    "holds more than one ServiceRequest",
                ));
            }
            (&first["resource"], entries)
        }
        Some(other) => {
            return Err(misfit(
                "resourceType",
                other,
                "expected a ServiceRequest or a Bundle holding one",
            ));
        }
        None => return Err(misfit("resourceType", "", "missing")),
    };
    let contained = request["contained"].as_array().unwrap_or(&empty);
    match text_at(&request["status"], "ServiceRequest.status")? {
        "active" | "draft" => {}
        other => {
            return Err(misfit(
                "ServiceRequest.status",
                other,
                "a referral to take in is active (or draft)",
            ));
        }
    }
    if request["subject"].is_null() {
        return Err(misfit(
            "ServiceRequest.subject",
            "",
            "missing: the patient is required",
        ));
    }
    let patient = resolve(
        &request["subject"],
        "ServiceRequest.subject",
        contained,
        entries,
        "Patient",
    )?;
    let identifiers = patient["identifier"].as_array().unwrap_or(&empty);
    if identifiers.is_empty() {
        return Err(misfit(
            "Patient.identifier",
            "",
            "missing: the personal code is required",
        ));
    }
    let (i, id) = identifiers
        .iter()
        .enumerate()
        .find(|(_, id)| id["system"] == PERSONAL_CODE_SYSTEM)
        .ok_or_else(|| {
            misfit(
                "Patient.identifier[0].system",
                identifiers[0]["system"].as_str().unwrap_or_default(),
                "expected https://fhir.ee/sid/pid/est/ni (the personal code, EE Base)",
            )
        })?;
    let path = format!("Patient.identifier[{i}].value");
    let raw = text_at(&id["value"], &path)?;
    let code =
        crate::person::PersonalCode::parse(raw).map_err(|e| misfit(&path, raw, &e.to_string()))?;
    let (start, end) = match (&request["occurrencePeriod"], &request["occurrenceDateTime"]) {
        (Value::Object(p), _) => (
            day_at(
                p.get("start").unwrap_or(&Value::Null),
                "ServiceRequest.occurrencePeriod.start",
            )?,
            match p.get("end") {
                None | Some(Value::Null) => None,
                Some(v) => Some(day_at(v, "ServiceRequest.occurrencePeriod.end")?),
            },
        ),
        (Value::Null, Value::Null) => {
            return Err(misfit(
                "ServiceRequest.occurrence[x]",
                "",
                "missing: the referral's start is required",
            ));
        }
        (Value::Null, at) => (day_at(at, "ServiceRequest.occurrenceDateTime")?, None),
        (other, _) => {
            return Err(misfit(
                "ServiceRequest.occurrencePeriod",
                kind_of(other),
                "expected a Period",
            ));
        }
    };
    if request["requester"].is_null() {
        return Err(misfit(
            "ServiceRequest.requester",
            "",
            "missing: the referring doctor is required",
        ));
    }
    let doctor = resolve(
        &request["requester"],
        "ServiceRequest.requester",
        contained,
        entries,
        "Practitioner",
    )?;
    let name = &doctor["name"][0];
    let doctor_name = match (&name["text"], &name["family"]) {
        (Value::String(t), _) if !t.trim().is_empty() => t.trim().to_string(),
        (_, Value::String(f)) if !f.trim().is_empty() => {
            let given: Vec<&str> = name["given"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(Value::as_str)
                .collect();
            format!("{} {}", given.join(" "), f.trim())
                .trim()
                .to_string()
        }
        _ => {
            return Err(misfit(
                "Practitioner.name[0]",
                "",
                "missing: the doctor's name is required",
            ));
        }
    };
    let doctor_id = match doctor["identifier"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .find(|i| i["system"] == ID_SYSTEM)
    {
        None => None,
        Some(i) => {
            let t = text_at(&i["value"], "Practitioner.identifier.value")?;
            Some(WorkerId(t.parse().map_err(|_| {
                misfit(
                    "Practitioner.identifier.value",
                    t,
                    "not a TEHO worker id (a UUID)",
                )
            })?))
        }
    };
    let source = match request["identifier"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .find(|i| i["system"] == TIS_DOCUMENT_SYSTEM)
    {
        Some(i) => crate::case::ReferralSource::HealthInformationSystem {
            document_id: text_at(&i["value"], "ServiceRequest.identifier.value")?.to_string(),
        },
        None => crate::case::ReferralSource::Paper,
    };
    Ok(FhirReferral {
        patient: code,
        source,
        start,
        end,
        doctor_name,
        doctor: doctor_id,
    })
}

/// A referral as a FHIR `ServiceRequest` Bundle (the form the health information system
/// sends, and [`read_service_request`] reads): the request, its Patient (by personal
/// code) and its requester.
pub fn service_request(referral: &crate::case::Referral, patient: &crate::person::Person) -> Value {
    let request_id = referral.id.0;
    let patient_id = patient.id.0;
    let doctor_id = companion_id(request_id);
    let mut period = json!({ "start": referral.start.to_string() });
    if let Some(e) = referral.end {
        period["end"] = json!(e.to_string());
    }
    let mut request = json!({
        "resourceType": "ServiceRequest",
        "id": request_id.to_string(),
        "status": "active",
        "intent": "order",
        "code": { "text": "home nursing (koduõendus)" },
        "subject": reference(patient_id),
        "occurrencePeriod": period,
        "authoredOn": instant(referral.entered_at),
        "requester": reference(doctor_id),
        "performer": [reference(referral.provider.0)],
    });
    if let crate::case::ReferralSource::HealthInformationSystem { document_id } = &referral.source {
        request["identifier"] = json!([{ "system": TIS_DOCUMENT_SYSTEM, "value": document_id }]);
    }
    let mut doctor = json!({
        "resourceType": "Practitioner",
        "id": doctor_id.to_string(),
        "name": [{ "text": referral.doctor_name }],
    });
    if let Some(w) = referral.doctor {
        doctor["identifier"] = json!([{ "system": ID_SYSTEM, "value": w.0.to_string() }]);
    }
    let mut pat = json!({ "resourceType": "Patient", "id": patient_id.to_string() });
    if let PersonIdentity::Estonian(code) = &patient.identity {
        pat["identifier"] = json!([{ "system": PERSONAL_CODE_SYSTEM, "value": code.to_string() }]);
    }
    pat["name"] = json!([{ "family": patient.family_name, "given": [patient.given_name] }]);
    let organization = json!({
        "resourceType": "Organization",
        "id": referral.provider.0.to_string(),
        "identifier": [{ "system": ID_SYSTEM, "value": referral.provider.0.to_string() }],
    });
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            entry(request_id, request),
            entry(patient_id, pat),
            entry(doctor_id, doctor),
            entry(referral.provider.0, organization),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A narrative holds the resource's own free texts, markup in them escaped (a note
    /// typed as `<img …>` stays text), and no code system's display.
    #[test]
    fn a_narrative_restates_the_resources_texts_with_markup_escaped() {
        let resource = json!({
            "resourceType": "Procedure",
            "statusReason": {
                "coding": [{ "system": "https://x", "code": "Other", "display": "Other reason" }],
                "text": "Door locked <img src=x onerror=alert(1)> & dog",
            },
            "note": [{ "text": "Door locked <img src=x onerror=alert(1)> & dog" }, { "text": "Second" }],
        });
        let text = narrative(&resource);
        assert_eq!(text["status"], "generated");
        assert_eq!(
            text["div"],
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>Procedure</b></p>\
             <p>Door locked &lt;img src=x onerror=alert(1)&gt; &amp; dog</p><p>Second</p></div>"
        );
    }
}
