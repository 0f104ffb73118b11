"""TEHO's exceptions: one class per error kind, each with the offending values.

Every exception carries ``kind`` (the engine's error code) and ``details`` (a dict with
the fields of that kind: e.g. ``reason`` for :class:`AccessDenied`, ``value`` and
``problem`` for :class:`InvalidPersonalCode`).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Type


class TehoError(Exception):
    """Base of every TEHO error."""

    kind: str
    details: Dict[str, Any]
    done: List[Any]
    """In :meth:`teho.Engine.call_many`: the results of the requests before the one that
    failed (they stay done); empty otherwise."""

    def __init__(self, message: str, kind: str = "internal", details: str = "{}") -> None:
        super().__init__(message)
        self.kind = kind
        self.details = json.loads(details) if details else {}
        self.done = []

    def __getattr__(self, name: str) -> Any:
        # The detail fields read as attributes: err.reason, err.value, err.field, …
        details = self.__dict__.get("details", {})
        if name in details:
            return details[name]
        raise AttributeError(name)


class InvalidPersonalCode(TehoError):
    """A personal code (isikukood) failed to parse; ``value`` and ``problem`` say why."""


class InvalidInput(TehoError):
    """A field had a value the rules do not admit: ``field``, ``value``, ``problem``."""


class InvalidPeriod(TehoError):
    """A period ends before it starts: ``what``, ``from``, ``until``."""


class InvalidRecurrence(TehoError):
    """A recurrence rule outside the supported RRULE subset."""


class InvalidIcf(TehoError):
    """An ICF code that is malformed or a body-structure (s) code."""


class ReasonRequired(TehoError):
    """A reason is required (a visit not done, a cancellation): ``problem``."""


class AccessDenied(TehoError):
    """The one door refused the call: ``action``, ``reason`` (its name), ``explanation``."""


class NotFound(TehoError):
    """An object the call names does not exist: ``kind`` of object and ``id``."""


class Conflict(TehoError):
    """The call contradicts what is recorded: ``id`` and ``problem``."""


class AlreadyInitialized(TehoError):
    """The store is already initialised."""


class SchemaTooNew(TehoError):
    """The database was written by a newer TEHO: ``found``, ``supported``."""


class NotATehoDatabase(TehoError):
    """The file is not a TEHO database (missing, empty, not SQLite, or without TEHO's
    schema) and was left untouched; :func:`teho.create` makes a new one: ``problem``."""


class StorageError(TehoError):
    """The storage failed: ``message``."""


class InternalError(TehoError):
    """A bug, or a panic in the engine turned into an exception: ``message``."""


_BY_KIND: Dict[str, Type[TehoError]] = {
    "invalid_personal_code": InvalidPersonalCode,
    "invalid_input": InvalidInput,
    "invalid_period": InvalidPeriod,
    "invalid_recurrence": InvalidRecurrence,
    "invalid_icf": InvalidIcf,
    "reason_required": ReasonRequired,
    "access_denied": AccessDenied,
    "not_found": NotFound,
    "conflict": Conflict,
    "already_initialized": AlreadyInitialized,
    "schema_too_new": SchemaTooNew,
    "not_a_teho_database": NotATehoDatabase,
    "storage": StorageError,
    "internal": InternalError,
}


def error_class(kind: str) -> Type[TehoError]:
    """The exception class of an engine error kind."""
    return _BY_KIND.get(kind, TehoError)


def error_from(kind: str, message: str, details: Dict[str, Any], done: List[Any]) -> TehoError:
    """The exception of an error reported as data (a failed request of a batch)."""
    error = error_class(kind)(message, kind, json.dumps(details))
    error.done = done
    return error
