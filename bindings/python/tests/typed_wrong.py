"""Misuses of the typed API that `mypy --strict` must reject, one per line marked
wrong in a comment (test_typed.py checks that exactly those lines fail)."""

from __future__ import annotations

import datetime as dt

import teho


def misuse(engine: teho.Engine, worker: str) -> None:
    me = teho.worker(worker)
    lines = engine.worker_calendar(me, worker, dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    start: dt.date = lines[0].visit.start  # a datetime is a date: allowed
    minutes: int = lines[0].visit.start  # wrong: an instant is not an int
    name: int = lines[0].worker_name  # wrong: an optional str
    lines[0].visit.no_such_field  # wrong: not a field of Visit
    engine.mark_not_done(me, lines[0].visit.id, reason="Sleeping", text="")  # wrong: not a NotDoneReason
    engine.client_card(me)  # wrong: the file argument is missing
    card: teho.Visit = engine.client_card(me, "f")  # wrong: a ClientCard is not a Visit
    engine.create_plan(me, {"file": "f", "domain": "Care"})  # wrong: the provider is missing
    engine.create_plan(me, {"file": "f", "domain": "Cooking", "provider": "p"})  # wrong: not a Domain
    engine.add_member(me, {"file": "f", "member": {"Worker": worker}, "valid_from": 20261102})  # wrong: not a date
    print(start, minutes, name, card)
