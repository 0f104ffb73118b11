"""The result containers and the conversions between engine JSON and Python values.

The generated module ``teho._api`` declares one :class:`Record` subclass per result type
of the engine, with a conversion *spec* for each field; :func:`convert` reads engine JSON
by such a spec, :func:`plain` turns Python values back into JSON-ready data.

A spec is one of:

* ``None`` — plain JSON: objects become :class:`Record`, arrays :class:`Records`;
* ``"date"`` (``datetime.date``), ``"instant"`` (timezone-aware ``datetime``, UTC),
  ``"local"`` (naive ``datetime``: a Tallinn wall-clock time);
* ``("class", name)`` — the :class:`Record` subclass ``name``; ``("object", {field:
  spec})`` — an unnamed object, as a plain :class:`Record`;
* ``("list", spec)``, ``("opt", spec)``, ``("map", spec)``,
  ``("tuple", (spec, ...))`` and ``("tagged", {variant: spec})`` — an externally tagged
  enum, ``{"Variant": value}`` or the bare variant name.
"""

from __future__ import annotations

import datetime as _dt
import re as _re
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Mapping, Type, TypeVar, Union

_T = TypeVar("_T")

_FRACTION = _re.compile(r"\.(\d+)")

DateLike = Union[_dt.date, str]
"""A date argument: a ``datetime.date`` or its ISO text (``"2026-11-02"``)."""

InstantLike = Union[_dt.datetime, str]
"""An instant argument: a timezone-aware ``datetime`` or RFC 3339 text (``"…Z"``)."""

LocalLike = Union[_dt.datetime, str]
"""A Tallinn wall-clock time argument: a naive ``datetime`` or its ISO text."""

Actor = Union[str, Mapping[str, Any]]
"""Who acts: ``"System"``, or what :func:`teho.worker`, :func:`teho.person` and
:func:`teho.supervising` return."""


class Caller:
    """What the generated command methods call: one engine request, its result converted
    to the command's result type."""

    def _run(self, actor: Actor, command: str, args: Mapping[str, Any]) -> Any:
        raise NotImplementedError


class Record(Dict[str, Any]):
    """A result object: its fields read as attributes (``visit.start``) and as items
    (``visit["start"]``); a field whose name is a Python keyword reads with a trailing
    underscore (``period.from_``). ``to_dict()`` gives plain data. A declared field the
    engine left out reads as ``None``. Type checkers know the fields of each generated
    subclass (``Visit``, ``ClientCard``, …) and reject the names it does not declare."""

    _fields: ClassVar[Dict[str, Any]] = {}

    if not TYPE_CHECKING:  # type checkers see only the declared fields

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            key = name[:-1] if name.endswith("_") and name not in self else name
            try:
                return self[key]
            except KeyError:
                if key in type(self)._fields:
                    return None
                raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def to_dict(self) -> Dict[str, Any]:
        """Plain Python data (dates kept as ``date`` and ``datetime`` objects)."""
        return {k: _unwrap(v) for k, v in self.items()}


class Records(List[_T]):
    """A list result; ``to_records()`` flattens it for ``pandas.DataFrame``."""

    def to_list(self) -> List[Any]:
        """Plain Python data."""
        return [_unwrap(v) for v in self]

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


def _unwrap(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, Records):
        return value.to_list()
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    return value


def _flatten(prefix: str, value: Mapping[str, Any], out: Dict[str, Any]) -> None:
    for key, v in value.items():
        if isinstance(v, dict):
            _flatten(f"{prefix}{key}.", v, out)
        else:
            out[f"{prefix}{key}"] = v


def _microseconds(text: str) -> str:
    """The time's fraction cut or padded to six digits, which ``fromisoformat`` reads on
    every Python from 3.9 (the engine writes up to nine)."""
    return _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)


def parse_instant(text: str) -> _dt.datetime:
    """An RFC 3339 instant as the engine writes it (``…Z``, up to nanoseconds) as a
    timezone-aware ``datetime`` in UTC (microseconds: Python's resolution)."""
    text = _microseconds(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = _dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"instant {text!r} has no UTC offset")
    return value.astimezone(_dt.timezone.utc)


def _local(text: str) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(_microseconds(text))
    if value.tzinfo is not None:
        raise ValueError(f"wall-clock time {text!r} carries a UTC offset")
    return value


def convert(spec: Any, value: Any, classes: Mapping[str, Type[Record]]) -> Any:
    """Reads engine JSON ``value`` by ``spec`` (see the module's doc)."""
    if value is None:
        return None
    if spec is None:
        if isinstance(value, dict):
            return Record({k: convert(None, v, classes) for k, v in value.items()})
        if isinstance(value, list):
            return Records(convert(None, v, classes) for v in value)
        return value
    if spec == "date":
        return _dt.date.fromisoformat(value)
    if spec == "instant":
        return parse_instant(value)
    if spec == "local":
        return _local(value)
    kind, inner = spec
    if kind == "class":
        cls = classes[inner]
        fields = cls._fields
        return cls({k: convert(fields.get(k), v, classes) for k, v in value.items()})
    if kind == "object":
        return Record({k: convert(inner.get(k), v, classes) for k, v in value.items()})
    if kind == "list":
        return Records(convert(inner, v, classes) for v in value)
    if kind == "opt":
        return convert(inner, value, classes)
    if kind == "map":
        return Record({k: convert(inner, v, classes) for k, v in value.items()})
    if kind == "tuple":
        return tuple(convert(s, v, classes) for s, v in zip(inner, value))
    if kind == "tagged":
        if isinstance(value, dict) and len(value) == 1:
            ((variant, content),) = value.items()
            return Record({variant: convert(inner.get(variant), content, classes)})
        return convert(None, value, classes)
    raise ValueError(f"unknown conversion spec {spec!r}")


def plain(value: Any) -> Any:
    """Python values as engine JSON: dates ISO, instants RFC 3339 in UTC (naive
    ``datetime`` values are Tallinn wall-clock times and keep no zone)."""
    if isinstance(value, dict):  # Record included
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value
