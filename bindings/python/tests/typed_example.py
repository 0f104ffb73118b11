"""A small typed use of the package; `mypy --strict` checks it against the package's types."""

from __future__ import annotations

import datetime as dt
from typing import Dict, List, Optional

import teho


def open_file_count(path: str) -> int:
    engine: teho.Engine = teho.open(path, clock="2026-11-02T07:00:00Z")
    actor = teho.worker("00000000-0000-0000-0000-000000000001")
    try:
        inbox: teho.Records[teho.Notification] = engine.inbox(actor)
    except teho.AccessDenied as denied:
        print(denied.kind, denied.details)
        return 0
    return len(inbox)


def minutes_per_client(engine: teho.Engine, worker: teho.WorkerId, day: dt.date) -> Dict[str, int]:
    """A worker's planned minutes per client on one day, from typed calendar lines."""
    out: Dict[str, int] = {}
    for line in engine.worker_calendar(teho.worker(worker), worker, day, day):
        visit: teho.Visit = line.visit
        start: dt.datetime = visit.start
        length = int((visit.end - start).total_seconds() // 60)
        name: str = line.client_name or "(hidden)"
        out[name] = out.get(name, 0) + length
    return out


def reasons(engine: teho.Engine, manager: teho.WorkerId, provider: teho.OrganizationId) -> List[Optional[teho.NotDoneReason]]:
    missed = engine.missed_visits(teho.worker(manager), provider, "Care", 60)
    return [v.not_done.reason if v.not_done is not None else None for v in missed]


def plan_mornings(engine: teho.Engine, manager: teho.WorkerId, file: teho.ClientFileId, provider: teho.OrganizationId) -> int:
    """Input objects are TypedDicts: dates as date objects or ISO text, optional fields left out."""
    me = teho.worker(manager)
    plan = engine.create_plan(me, {"file": file, "domain": "Care", "provider": provider})
    spec: teho.PlanItemSpec = {
        "action": {"code": "HOOLD-01", "text": "Morning care"},
        "place": "home",
        "duration_minutes": 45,
        "recurrence": "FREQ=DAILY;BYHOUR=9",
        "valid_from": dt.date(2026, 11, 2),
    }
    outcome = engine.add_plan_item(me, plan.id, spec)
    return len(outcome.regeneration.added)


def born(code: str) -> dt.date:
    record: teho.PersonalCodeInfo = teho.personal_code(code)
    return record.birth_date


def canonical(rule: str) -> str:
    return teho.parse_recurrence(rule)
