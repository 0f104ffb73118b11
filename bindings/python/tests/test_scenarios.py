"""Replays every scenario file in tests/scenarios/ through the Python binding, with the
same rules as the Rust runner (teho-tests/src/scenario.rs)."""

from __future__ import annotations

import json
import keyword
import pathlib
import typing
from typing import Any, Dict, List, Tuple

import pytest

import teho
from teho import _api, _base, _teho

SCENARIOS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "scenarios"


def steps_of(path: pathlib.Path) -> Tuple[str, List[Dict[str, Any]]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    steps: List[Dict[str, Any]] = []
    for name in doc.get("include", []):
        steps.extend(steps_of(path.with_name(name))[1])
    steps.extend(doc.get("steps", []))
    return doc.get("clock", "2026-11-02T07:00:00Z"), steps


def lookup(saved: Dict[str, Any], reference: str) -> Any:
    name, *path = reference.split(".")
    value = saved[name]
    for part in path:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def substitute(value: Any, saved: Dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        return lookup(saved, value[1:])
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(matches(e, a) for e, a in zip(expected, actual))
    return bool(expected == actual)


def declared(cls: type) -> Tuple[set, set]:
    """A result class's fields: all, and those its annotations say are always there."""
    hints = typing.get_type_hints(cls)
    fields = {k.rstrip("_") if keyword.iskeyword(k.rstrip("_")) else k: v for k, v in hints.items() if k != "_fields"}
    always = {k for k, v in fields.items() if type(None) not in typing.get_args(v)}
    return set(fields), always


def check_typed(value: Any, where: str) -> int:
    """Every Record class instance has exactly its declared fields; returns how many
    typed objects were checked."""
    checked = 0
    if isinstance(value, teho.Record) and type(value) is not teho.Record:
        fields, always = declared(type(value))
        assert set(value) <= fields, f"{where}: {type(value).__name__} has undeclared {set(value) - fields}"
        assert always <= set(value), f"{where}: {type(value).__name__} lacks {always - set(value)}"
        checked += 1
    if isinstance(value, dict):
        checked += sum(check_typed(v, where) for v in value.values())
    elif isinstance(value, (list, tuple)):
        checked += sum(check_typed(v, where) for v in value)
    return checked


def typed_round_trip(command: str, raw: Any, where: str) -> int:
    """The result read as the command's typed classes: the classes fit the data, and it
    writes back to exactly the JSON the engine gave."""
    typed = _base.convert(_api.RESULTS[command], raw, _api.CLASSES)
    assert _base.plain(typed) == raw, f"{where}: {command} does not round-trip"
    return check_typed(typed, where)


TYPED_OBJECTS: Dict[str, int] = {}


def run(path: pathlib.Path) -> int:
    clock, steps = steps_of(path)
    engine = _teho.open_memory(clock)
    saved: Dict[str, Any] = {}
    for i, step in enumerate(steps, 1):
        where = f"{path.name} step {i}"
        if "clock" in step:
            engine.set_clock(step["clock"])
        if "do" not in step:
            continue
        actor = substitute(step.get("as", "System"), saved)
        request = substitute(step["do"], saved)
        expect = substitute(step.get("expect", {"ok": True}), saved)
        try:
            result = json.loads(engine.call(json.dumps(actor), json.dumps(request)))
        except teho.TehoError as err:
            assert "error" in expect, f"{where}: expected success, got {err.kind} ({err})"
            assert err.kind == expect["error"], f"{where}: expected {expect['error']}, got {err.kind} ({err})"
            if "reason" in expect:
                assert err.details.get("reason") == expect["reason"], f"{where}: reason {err.details}"
            continue
        assert "error" not in expect, f"{where}: expected {expect['error']}, got {result}"
        TYPED_OBJECTS[path.stem] = TYPED_OBJECTS.get(path.stem, 0) + typed_round_trip(request["command"], result, where)
        if "len" in expect:
            assert len(result) == expect["len"], f"{where}: {len(result)} results: {result}"
        if expect.get("ok", True) is not True:
            assert matches(expect["ok"], result), f"{where}: expected {expect['ok']}, got {result}"
        if "save" in step:
            saved[step["save"]] = result
    return len(steps)


FILES = sorted(p for p in SCENARIOS.glob("*.json") if p.name != "town.json")


def test_there_are_scenarios_to_replay() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_replays(path: pathlib.Path) -> None:
    assert run(path) > 20
    # every successful result was also read as its typed classes (see typed_round_trip)
    assert TYPED_OBJECTS[path.stem] > 10
