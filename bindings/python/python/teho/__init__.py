"""TEHO — the shared client file for municipal home care and home nursing (Tallinn).

Open a store, act as someone, and run any engine command or query::

    import teho
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    boot = eng.call("System", "bootstrap", municipality={...}, admin={...})

Every call goes through the engine's one door (authorized, audited). Results are
:class:`Record` objects (attribute access, ``to_dict()``) and :class:`Records` lists
(``to_records()`` for ``pandas.DataFrame``); dates are ``datetime.date`` and instants
timezone-aware ``datetime``. Errors are :class:`TehoError` subclasses.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import re as _re
from typing import Any, Dict, List, Optional, Union

from . import _teho
from .errors import (
    AccessDenied,
    AlreadyInitialized,
    Conflict,
    InternalError,
    InvalidIcf,
    InvalidInput,
    InvalidPeriod,
    InvalidPersonalCode,
    InvalidRecurrence,
    NotFound,
    ReasonRequired,
    SchemaTooNew,
    StorageError,
    TehoError,
)

__all__ = [
    "Engine", "Record", "Records", "open", "open_memory", "parse_recurrence", "personal_code", "worker", "person", "supervising",
    "TehoError", "AccessDenied", "AlreadyInitialized", "Conflict", "InternalError", "InvalidIcf",
    "InvalidInput", "InvalidPeriod", "InvalidPersonalCode", "InvalidRecurrence", "NotFound",
    "ReasonRequired", "SchemaTooNew", "StorageError",
]

Actor = Union[str, Dict[str, Any]]

_DATE = _re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = _re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        return Record({k: _convert(v) for k, v in value.items()})
    if isinstance(value, list):
        return Records(_convert(v) for v in value)
    if isinstance(value, str):
        if _DATE.match(value):
            return _dt.date.fromisoformat(value)
        if _INSTANT.match(value):
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):  # Record included
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


class Record(dict):  # type: ignore[type-arg]
    """A result object: its fields read as attributes; ``to_dict()`` gives plain data."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> Dict[str, Any]:
        """Plain Python data (dates kept as date and datetime objects)."""
        return {k: (v.to_dict() if isinstance(v, Record) else v.to_list() if isinstance(v, Records) else v) for k, v in self.items()}


class Records(list):  # type: ignore[type-arg]
    """A list result; ``to_records()`` flattens it for ``pandas.DataFrame``."""

    def to_list(self) -> List[Any]:
        """Plain Python data."""
        return [v.to_dict() if isinstance(v, Record) else v for v in self]

    def to_records(self) -> List[Dict[str, Any]]:
        """One flat dict per item, nested fields joined with dots (``visit.start``),
        ready for ``pandas.DataFrame``."""
        rows: List[Dict[str, Any]] = []
        for item in self:
            row: Dict[str, Any] = {}
            if isinstance(item, dict):
                _flatten("", item, row)
            else:
                row["value"] = item
            rows.append(row)
        return rows


def _flatten(prefix: str, value: Dict[str, Any], out: Dict[str, Any]) -> None:
    for key, v in value.items():
        if isinstance(v, dict):
            _flatten(f"{prefix}{key}.", v, out)
        else:
            out[f"{prefix}{key}"] = v


def worker(worker_id: str) -> Dict[str, Any]:
    """The actor for a worker, acting in their employment."""
    return {"Worker": str(worker_id)}


def person(person_id: str) -> Dict[str, Any]:
    """The actor for a client, relative or guardian acting as themselves."""
    return {"Person": str(person_id)}


def supervising(worker_id: str, case_reference: str) -> Dict[str, Any]:
    """The actor for a supervisor reading for supervision, with the case reference."""
    return {"Supervising": {"worker": str(worker_id), "case_reference": case_reference}}


class Engine:
    """An open TEHO store. Every method of the Rust engine is reachable through
    :meth:`call` with the command's name and arguments."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def call(self, actor: Actor, command: str, args: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        """Runs ``command`` as ``actor`` (``"System"``, :func:`worker`, :func:`person`,
        :func:`supervising`) with ``args`` (a dict, or keyword arguments)."""
        merged = dict(args or {})
        merged.update(kwargs)
        request: Dict[str, Any] = {"command": command}
        if merged:
            request["args"] = _plain(merged)
        out = self._inner.call(_json.dumps(_plain(actor)), _json.dumps(request))
        return _convert(_json.loads(out))

    def set_clock(self, instant: Union[str, _dt.datetime]) -> None:
        """Moves the fixed clock (engines opened with ``clock=``)."""
        self._inner.set_clock(_plain(instant))


def personal_code(code: str) -> Record:
    """Parses an Estonian personal code (isikukood): ``code``, ``birth_date``, ``sex``.
    Raises :class:`InvalidPersonalCode` with the ``value`` and the ``problem``."""
    c, born, sex = _teho.personal_code(code)
    return Record(code=c, birth_date=_dt.date.fromisoformat(born), sex=sex)


def parse_recurrence(text: str) -> str:
    """The canonical text of a recurrence rule (RRULE subset); raises
    :class:`InvalidRecurrence` naming the part that is outside the subset."""
    return str(_teho.parse_recurrence(text))


def open(path: str, clock: Optional[str] = None) -> Engine:  # noqa: A001 - the documented name
    """Opens (creating if needed) a SQLite store at ``path``. ``clock`` fixes the time
    (an RFC 3339 instant), for deterministic scripts and tests."""
    return Engine(_teho.open(path, clock))


def open_memory(clock: Optional[str] = None) -> Engine:
    """Opens a private in-memory store."""
    return Engine(_teho.open_memory(clock))
