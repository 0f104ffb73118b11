"""TEHO — the shared client file for municipal home care and home nursing (Tallinn).

Open a store, act as someone, and run any engine command or query::

    import teho
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    boot = eng.call("System", "bootstrap", municipality={...}, admin={...})

Every command of the engine is a typed method of :class:`Engine` (``eng.client_card(actor,
file)``), and :meth:`Engine.call` runs one by name. Every call goes through the engine's
one door (authorized, audited). Results are typed :class:`Record` classes (``Visit``,
``ClientCard``, …: attributes, ``to_dict()``) and :class:`Records` lists (``to_records()``
for ``pandas.DataFrame``); dates are ``datetime.date``, instants timezone-aware
``datetime`` in UTC. Errors are :class:`TehoError` subclasses.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import sys as _sys
import warnings as _warnings
from typing import Any, Dict, List, Literal, Mapping, Optional, Protocol, Sequence, Union

from . import _api, _teho
from ._api import *  # noqa: F401,F403 - the result classes and type aliases
from ._api import CLASSES as _CLASSES
from ._api import RESULTS as _RESULTS
from ._base import Actor, Record, Records, convert, plain
from .errors import (
    error_from,
    AccessDenied,
    AlreadyInitialized,
    Conflict,
    InternalError,
    InvalidIcf,
    InvalidInput,
    InvalidPeriod,
    InvalidPersonalCode,
    InvalidRecurrence,
    NotATehoDatabase,
    NotFound,
    ReasonRequired,
    SchemaTooNew,
    StorageError,
    TehoError,
)

__all__ = [
    "Actor", "CheckpointSink", "Engine", "PersonalCode", "PersonalCodeInfo", "Record", "Records", "create", "open", "open_memory", "parse_recurrence", "personal_code", "sqlite_version", "worker", "person", "supervising",
    "TehoError", "AccessDenied", "AlreadyInitialized", "Conflict", "InternalError", "InvalidIcf",
    "InvalidInput", "InvalidPeriod", "InvalidPersonalCode", "InvalidRecurrence", "NotFound",
    "NotATehoDatabase", "ReasonRequired", "SchemaTooNew", "StorageError",
]
__all__ += _api.__all__


def worker(worker_id: str) -> Dict[str, Any]:
    """The actor for a worker, acting in their employment."""
    return {"Worker": str(worker_id)}


def person(person_id: str) -> Dict[str, Any]:
    """The actor for a client, relative or guardian acting as themselves."""
    return {"Person": str(person_id)}


def supervising(worker_id: str, case_reference: str) -> Dict[str, Any]:
    """The actor for a supervisor reading for supervision, with the case reference."""
    return {"Supervising": {"worker": str(worker_id), "case_reference": case_reference}}


class Engine(_api.Commands):
    """An open TEHO store. Every engine command is a typed method
    (``engine.worker_calendar(actor, worker, from_, to)``) returning typed records;
    :meth:`call` runs one by name, and :meth:`call_many` runs several as one batch."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def checkpoint_failure(self) -> Optional[str]:
        """Why the checkpoint sink last failed to keep a checkpoint, while it keeps
        failing; ``None`` when it keeps them (or there is none)."""
        failure = self._inner.checkpoint_failure()
        return None if failure is None else str(failure)

    def call(self, actor: Actor, command: str, args: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Any:
        """Runs ``command`` as ``actor`` (``"System"``, :func:`worker`, :func:`person`,
        :func:`supervising`) with ``args`` (a dict, or keyword arguments); the result
        is typed as the command's method would type it."""
        merged = dict(args or {})
        merged.update(kwargs)
        return self._run(actor, command, merged)

    def call_many(self, actor: Actor, requests: Sequence[Mapping[str, Any]]) -> List[Any]:
        """Runs requests (``{"command": name, "args": {...}}``) in order as one batch:
        each authorized, audited and all-or-nothing as if called alone, but committed
        together, once. Stops at the first request that fails and raises its error
        (as :class:`TehoError`) with the results of the requests before it, which stay
        done, in the exception's ``done`` attribute; otherwise returns every result."""
        prepared = []
        for i, r in enumerate(requests):
            if not isinstance(r, Mapping) or not isinstance(r.get("command"), str):
                problem = 'expected a request {"command": name, "args": {...}}'
                details = {"field": f"requests[{i}]", "value": type(r).__name__, "problem": problem}
                raise error_from("invalid_input", f"invalid requests[{i}]: {problem}", details, [])
            prepared.append(_request(r["command"], r.get("args") or {}))
        raw = _json.loads(self._inner.call_many(_json.dumps(plain(actor)), _json.dumps(prepared)))
        done = [_result(req["command"], value) for req, value in zip(prepared, raw["results"])]
        failure = raw.get("error")
        if failure is not None:
            raise error_from(failure["kind"], failure["message"], failure["details"], done)
        return done

    def _run(self, actor: Actor, command: str, args: Mapping[str, Any]) -> Any:
        out = self._inner.call(_json.dumps(plain(actor)), _json.dumps(_request(command, args)))
        return _result(command, _json.loads(out))

    def set_clock(self, instant: Union[str, _dt.datetime]) -> None:
        """Moves the fixed clock (engines opened with ``clock=``)."""
        self._inner.set_clock(plain(instant))


def _request(command: str, args: Mapping[str, Any]) -> Dict[str, Any]:
    request: Dict[str, Any] = {"command": command}
    if args:
        request["args"] = plain(dict(args))
    return request


def _result(command: str, value: Any) -> Any:
    try:
        return convert(_RESULTS.get(command), value, _CLASSES)
    except (ValueError, OverflowError) as e:
        # A date Python cannot hold (past 9999, before 1): the call itself went through.
        # Requests carry dates from 1800 to 2200 only, so this is a bug, said as one.
        message = (
            f"{command}: the call completed, but its result holds a value Python cannot "
            f"represent: {e}"
        )
        raise InternalError(message, "internal", _json.dumps({"message": message})) from e


class PersonalCodeInfo(Record):
    """What a personal code says."""

    code: str
    """The code, as given."""
    birth_date: _dt.date
    """The date of birth it encodes."""
    sex: Literal["Male", "Female"]
    """The sex it encodes."""

    _fields = {"code": None, "birth_date": "date", "sex": None}


def personal_code(code: str) -> PersonalCodeInfo:
    """Parses an Estonian personal code (isikukood): ``code``, ``birth_date``, ``sex``.
    Raises :class:`InvalidPersonalCode` with the ``value`` and the ``problem``."""
    c, born, sex = _teho.personal_code(code)
    return PersonalCodeInfo(code=c, birth_date=_dt.date.fromisoformat(born), sex=sex)


class PersonalCode(str):
    """An Estonian personal code (isikukood), checked when made:
    ``teho.PersonalCode("38001010014")`` is the code (a ``str``, usable wherever one is
    expected); a wrong one raises :class:`InvalidPersonalCode` with the ``value``, the
    ``problem`` and, for a wrong check digit, the ``expected`` and ``found`` digits.
    (The engine's arguments of this type also take a plain ``str``, checked there.)"""

    def __new__(cls, code: str) -> "PersonalCode":
        checked, _, _ = _teho.personal_code(code)
        return super().__new__(cls, checked)

    @property
    def birth_date(self) -> _dt.date:
        """The date of birth it encodes."""
        return personal_code(self).birth_date

    @property
    def sex(self) -> Literal["Male", "Female"]:
        """The sex it encodes."""
        return personal_code(self).sex


def parse_recurrence(text: str) -> str:
    """The canonical text of a recurrence rule (RRULE subset); raises
    :class:`InvalidRecurrence` naming the part that is outside the subset."""
    return str(_teho.parse_recurrence(text))


def sqlite_version() -> str:
    """The version of the SQLite library TEHO runs on. It is the system's shared library,
    the one the interpreter's own :mod:`sqlite3` module loads, so that reading the TEHO
    file with :mod:`sqlite3` or pandas beside :func:`open` loses nothing: two copies of
    SQLite in one process do not see each other's locks, and the second one's close
    deletes the journal the first is writing to."""
    return str(_teho.sqlite_version())


class CheckpointSink(Protocol):
    """Where checkpoints of the audit chain are kept outside the database, written by the
    host: ``keep`` receives each (``"ENTRIES:HASH"``, the instant in RFC 3339) and
    ``latest`` returns the latest kept, or ``None``. An exception is the sink's failure:
    it fails no call, is retried at the next one, and :meth:`Engine.checkpoint_failure`
    says what it was meanwhile."""

    def keep(self, checkpoint: str, at: str) -> None: ...

    def latest(self) -> Optional[str]: ...


def open(  # noqa: A001 - the documented name
    path: str,
    clock: Optional[str] = None,
    checkpoints: Optional[Union[str, CheckpointSink]] = None,
    checkpoint_every: int = 1000,
) -> Engine:
    """Opens the TEHO database at ``path``. It never creates one: a missing or empty
    file, or one that is not a TEHO database, raises :class:`NotATehoDatabase` and is
    left untouched (:func:`create` makes a new one). ``clock`` fixes the time (an RFC
    3339 instant), for deterministic scripts and tests. ``checkpoints`` keeps a
    checkpoint of the audit chain outside the database every ``checkpoint_every``
    entries (or hour): a file path (one ``ENTRIES:HASH AT`` line each), or an object with
    ``keep(checkpoint, at)`` and ``latest()`` (:class:`CheckpointSink`); a verification
    without a checkpoint then checks against the latest one kept."""
    sqlite3 = _sys.modules.get("sqlite3")
    if sqlite3 is not None and getattr(sqlite3, "sqlite_version", None) != sqlite_version():
        _warnings.warn(
            f"this interpreter's sqlite3 runs SQLite {sqlite3.sqlite_version}, TEHO runs "
            f"{sqlite_version()}: two copies of SQLite in one process, and closing a sqlite3 "
            "connection to the TEHO file can lose TEHO's later commits; read it from another "
            "process", RuntimeWarning, stacklevel=2)
    return Engine(_teho.open(path, clock, checkpoints, checkpoint_every))


def create(
    path: str,
    clock: Optional[str] = None,
    checkpoints: Optional[Union[str, CheckpointSink]] = None,
    checkpoint_every: int = 1000,
) -> Engine:
    """Creates a new TEHO database at ``path`` — a missing or empty file; a file with
    anything in it raises :class:`Conflict` and is left as it was — and opens it, with
    ``checkpoints`` as in :func:`open`."""
    return Engine(_teho.create(path, clock, checkpoints, checkpoint_every))


def open_memory(clock: Optional[str] = None) -> Engine:
    """Opens a private in-memory store."""
    return Engine(_teho.open_memory(clock))
