"""The iCalendar export read by an independent parser (issue 21): Python's ``icalendar``
(7.x) parses it and ``recurring-ical-events`` (3.x) expands it over a range that spans
both changes of Tallinn's clocks in 2026 (29 March, 25 October). Every instant must be
the engine's own calendar's, exactly; cancelled visits must be marked cancelled; a
moved visit keeps its UID with a higher SEQUENCE; and the export is a disclosure in the
client's access log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Tuple

import icalendar
import pytest
import recurring_ical_events

import teho

UTC = dt.timezone.utc
FROM, TO = dt.date(2026, 3, 16), dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def town() -> Dict[str, Any]:
    """A care provider, a care manager, a care worker and one client with two plan items:
    morning care from 16 March (planned then, so its visits cross 29 March) and evening
    care from 1 September (planned on 31 August, crossing 25 October)."""
    engine = teho.open_memory(clock="2026-03-16T05:00:00Z")
    city, admin_w = engine.bootstrap(
        "System",
        municipality={"name": "Tallinna Sotsiaal- ja Tervishoiuamet", "kind": "Municipality", "registry_code": None},
        admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": "2020-01-01"},
    )
    admin = teho.worker(admin_w.id)
    care_org = engine.register_organization(
        admin, {"name": "Lasnamäe Sotsiaalkeskus", "kind": "HomeCareProvider", "registry_code": None}
    ).id

    def hire(code: str, name: str, org: str, role: teho.Role) -> str:
        return engine.register_worker(
            admin,
            {"personal_code": code, "given_name": name, "family_name": "Tamm", "organization": org,
             "role": role, "employed_from": "2020-01-01", "employed_until": None},
        ).id

    social_worker = teho.worker(hire("48505050029", "Sirje", city.id, "SocialWorker"))
    manager = hire("47503030036", "Kadri", care_org, "CareManager")
    hille = hire("49002020046", "Hille", care_org, "CareWorker")
    client = engine.register_person(
        social_worker, {"identity": {"Estonian": "43803030124"}, "given_name": "Laine", "family_name": "Kask", "birth_date": None}
    ).id
    file = engine.open_client_file(social_worker, client, {"residence": "Tallinn", "contacts": [], "good_to_know": ""}).id
    for member in (manager, hille):
        engine.add_member(
            social_worker,
            {"file": file, "member": {"Worker": member}, "role": None, "valid_from": FROM, "valid_until": None},
        )
    plan = engine.create_plan(teho.worker(manager), {"file": file, "domain": "Care", "provider": care_org}).id

    def item(text: str, rule: str, start: dt.date) -> None:
        engine.add_plan_item(
            teho.worker(manager),
            plan,
            {"action": {"code": "HOOLD-01", "text": text}, "worker": hille, "place": "home, Pae 1",
             "duration_minutes": 45, "recurrence": rule, "valid_from": start, "valid_until": None},
        )

    item("Morning care", "FREQ=DAILY;BYHOUR=9", FROM)
    engine.set_clock("2026-08-31T10:00:00Z")
    item("Evening care", "FREQ=DAILY;BYHOUR=18;BYMINUTE=30", dt.date(2026, 9, 1))
    return {"engine": engine, "manager": teho.worker(manager), "hille": teho.worker(hille), "file": file,
            "client": client}


def expanded(ics: str) -> List[Any]:
    """The events an independent reader finds in ``ics`` over the exported days."""
    calendar = icalendar.Calendar.from_ical(ics)
    return list(
        recurring_ical_events.of(calendar).between(dt.datetime(2026, 3, 15, tzinfo=UTC), dt.datetime(2026, 11, 24, tzinfo=UTC))
    )


def instants(event: Any) -> Tuple[dt.datetime, dt.datetime]:
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert start.tzinfo is not None and end.tzinfo is not None, "a floating time"
    return start.astimezone(UTC), end.astimezone(UTC)


def test_every_instant_is_the_engines_across_both_changes_of_the_clocks(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    manager, file = town["manager"], town["file"]
    # One visit moved by an hour and one cancelled, the days after the clocks went back.
    week = eng.client_calendar(manager, file, dt.date(2026, 10, 26), dt.date(2026, 10, 27))
    moved, cancelled = week[0].visit, week[1].visit
    eng.set_clock("2026-09-01T06:00:00Z")
    eng.move_visit(town["hille"], moved.id, moved.start + dt.timedelta(hours=1))
    eng.cancel_visit(manager, cancelled.id, "the daughter visits")

    export = eng.export_client_calendar(
        manager, file, FROM, TO, {"recipient": "the home-care roster", "legal_basis": "SHS § 17"}
    )
    engine_view = eng.client_calendar(manager, file, FROM, TO)
    want = {str(line.visit.id): (line.visit.start, line.visit.end) for line in engine_view}
    events = expanded(export.ics)
    got = {str(e["UID"]): instants(e) for e in events}
    assert len(events) == len(got) == export.visits == len(want)
    assert got == want

    # The visits lie on both sides of both changes, at 09:00 (March to June) and 18:30
    # (September to November) Tallinn time: UTC+2 in winter, UTC+3 in summer.
    starts = sorted(s for s, _ in want.values())
    for day, hour_utc in [(dt.date(2026, 3, 28), 7), (dt.date(2026, 3, 30), 6), (dt.date(2026, 10, 24), 15),
                          (dt.date(2026, 10, 28), 16)]:
        assert any(s.date() == day and s.hour == hour_utc for s in starts), (day, hour_utc)

    # The VTIMEZONE itself, read as a zone built from its own components (not looked up
    # by its TZID), puts every local start at the engine's instant.
    calendar = icalendar.Calendar.from_ical(export.ics)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    for e in calendar.walk("VEVENT"):
        local = e["DTSTART"].dt.replace(tzinfo=None)
        assert own_zone.localize(local).astimezone(UTC) == want[str(e["UID"])][0] if hasattr(own_zone, "localize") \
            else local.replace(tzinfo=own_zone).astimezone(UTC) == want[str(e["UID"])][0]

    by_uid = {str(e["UID"]): e for e in events}
    assert str(by_uid[str(cancelled.id)]["STATUS"]) == "CANCELLED"
    assert int(by_uid[str(cancelled.id)]["SEQUENCE"]) == 1
    assert int(by_uid[str(moved.id)]["SEQUENCE"]) == 1
    assert instants(by_uid[str(moved.id)])[0] == moved.start + dt.timedelta(hours=1)
    others = [e for uid, e in by_uid.items() if uid not in (str(moved.id), str(cancelled.id))]
    assert {str(e["STATUS"]) for e in others} == {"CONFIRMED"}
    assert {int(e["SEQUENCE"]) for e in others} == {0}

    # The export is a disclosure in the client's access log.
    assert len(export.disclosures) == 1
    disclosure = export.disclosures[0]
    assert (disclosure.recipient, disclosure.legal_basis) == ("the home-care roster", "SHS § 17")
    assert disclosure.method == "iCalendar file (RFC 5545)"
    log = eng.access_log(teho.person(town["client"]), file)
    lines = [line for line in log if line.kind == "Disclosure"]
    assert len(lines) == 1 and lines[0].why == "SHS § 17" and "the home-care roster" in lines[0].outcome


def test_an_actor_the_calendar_refuses_gets_no_export(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    with pytest.raises(teho.AccessDenied):
        eng.export_client_calendar(
            teho.person(town["client"]), town["file"], FROM, TO, {"recipient": "me", "legal_basis": "GDPR art. 15"}
        )
    with pytest.raises(teho.InvalidInput) as e:
        eng.export_client_calendar(town["manager"], town["file"], FROM, TO, {"recipient": "", "legal_basis": "x"})
    assert e.value.field == "recipient.recipient"
