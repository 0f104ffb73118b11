"""A small typed use of the package; `mypy --strict` checks it against the stubs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict

import teho


def open_file_count(path: str) -> int:
    engine: teho.Engine = teho.open(path, clock="2026-11-02T07:00:00Z")
    actor: Dict[str, Any] = teho.worker("00000000-0000-0000-0000-000000000001")
    try:
        inbox: Any = engine.call(actor, "inbox")
    except teho.AccessDenied as denied:
        print(denied.kind, denied.details)
        return 0
    return len(inbox)


def born(code: str) -> dt.date:
    record: teho.Record = teho.personal_code(code)
    value: dt.date = record.birth_date
    return value


def canonical(rule: str) -> str:
    return teho.parse_recurrence(rule)
