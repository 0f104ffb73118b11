"""The typed surface: one method per engine command, results as typed Record classes,
batches through call_many, and the generated module kept current."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import keyword
import pathlib
import subprocess
import sys
from typing import Any, Dict

import pytest

import teho
from conftest import load_example

BINDING = pathlib.Path(__file__).resolve().parents[1]
API = json.loads((BINDING.parent.parent / "schemas" / "api.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def town() -> Dict[str, Any]:
    example = load_example("missed_visits")
    engine = teho.open_memory(clock="2026-11-02T07:00:00Z")
    ids = example.build_network(engine)
    return {"engine": engine, **ids}


def test_every_command_is_a_method_with_its_arguments() -> None:
    for command in API["commands"]:
        method = getattr(teho.Engine, command["name"])
        params = list(inspect.signature(method).parameters)
        wanted = ["self", "actor"] + [a["name"] + ("_" if keyword.iskeyword(a["name"]) else "") for a in command["args"]]
        assert params == wanted, command["name"]
    assert len(API["commands"]) > 70


def test_results_are_typed_records(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    manager = teho.worker(town["manager"])
    lines = eng.client_calendar(manager, town["files"][0], dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert isinstance(lines, teho.Records) and len(lines) == 7
    line = lines[0]
    assert isinstance(line, teho.CalendarVisit) and isinstance(line.visit, teho.Visit)
    # instants are aware UTC datetimes; the plan slot is a naive Tallinn wall-clock time
    assert line.visit.start == dt.datetime(2026, 11, 2, 7, 0, tzinfo=dt.timezone.utc)
    assert line.visit.slot == dt.datetime(2026, 11, 2, 9, 0) and line.visit.slot.tzinfo is None
    assert line.visit.status == "Planned" and line.visit.not_done is None
    assert line.worker_name == "Hille Tamm"
    # to_dict gives plain data with the same typed values; to_records flattens for pandas
    assert line.to_dict()["visit"]["start"] == line.visit.start
    assert lines.to_records()[0]["visit.slot"] == line.visit.slot


def test_call_by_name_gives_the_same_typed_result(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    manager = teho.worker(town["manager"])
    by_method = eng.client_card(manager, town["files"][1])
    by_name = eng.call(manager, "client_card", file=town["files"][1])
    assert type(by_name) is type(by_method) is teho.ClientCard
    assert by_name == by_method


def test_a_tuple_result_and_a_keyword_named_field() -> None:
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    city, admin = eng.bootstrap(
        "System",
        municipality={"name": "Tallinn", "kind": "Municipality", "registry_code": None},
        admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": dt.date(2020, 1, 1)},
    )
    assert isinstance(city, teho.Organization) and isinstance(admin, teho.Worker)
    assert admin.employed_from == dt.date(2020, 1, 1) and admin.employed_until is None
    # `from` is a keyword: the field reads as `from_`, and an undeclared name still fails
    sub = teho.Substitution({"from": dt.date(2026, 11, 2)})
    assert sub.from_ == dt.date(2026, 11, 2) and sub.until is None
    with pytest.raises(AttributeError):
        sub.no_such_field


def test_call_many_commits_a_batch_and_stops_at_the_first_failure(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    manager = teho.worker(town["manager"])
    files = town["files"]
    cards = eng.call_many(manager, [{"command": "client_card", "args": {"file": f}} for f in files])
    assert [type(c) for c in cards] == [teho.ClientCard] * 3
    # A file that exists nowhere is refused like one the manager may not see.
    with pytest.raises(teho.AccessDenied) as failure:
        eng.call_many(
            manager,
            [
                {"command": "update_good_to_know", "args": {"file": files[0], "text": "Dog in the yard"}},
                {"command": "client_card", "args": {"file": "00000000-0000-7000-8000-00000000dead"}},
                {"command": "update_good_to_know", "args": {"file": files[1], "text": "never written"}},
            ],
        )
    assert failure.value.reason == "NotInNetwork"
    assert [type(d) for d in failure.value.done] == [teho.ClientCard]
    # the request before the failure stays done; the one after it never ran
    assert eng.client_card(manager, files[0]).good_to_know == "Dog in the yard"
    assert eng.client_card(manager, files[1]).good_to_know != "never written"


def test_call_many_refuses_a_malformed_request_before_running_any(town: Dict[str, Any]) -> None:
    eng: teho.Engine = town["engine"]
    with pytest.raises(teho.InvalidInput) as bad:
        eng.call_many("System", [{"command": "inbox"}, {"command": "no_such_command"}])
    assert bad.value.details["field"] == "requests"


def test_the_generated_module_matches_the_api_description() -> None:
    run = subprocess.run([sys.executable, str(BINDING / "generate.py"), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_mypy_rejects_misuse_of_the_typed_results() -> None:
    # typed_wrong.py marks each line that must fail type checking; mypy must report
    # exactly those lines — so the types are real, not Any.
    source = BINDING / "tests" / "typed_wrong.py"
    marked = {i for i, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1) if "# wrong:" in line}
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-incremental", str(source)],
        capture_output=True, text=True,
    )
    reported = {int(line.split(":")[1]) for line in run.stdout.splitlines() if ": error:" in line}
    assert len(marked) >= 5
    assert reported == marked, run.stdout


def test_the_typed_example_runs_with_optional_fields_left_out(town: Dict[str, Any]) -> None:
    # typed_example.py is what mypy checks; here it runs: a plan item given without its
    # optional worker and end date is accepted and expands from its first day.
    sys.path.insert(0, str(BINDING / "tests"))
    try:
        import typed_example
    finally:
        sys.path.pop(0)
    added = typed_example.plan_mornings(town["engine"], town["manager"], town["files"][2], town["care_org"])
    assert added == 84  # twelve weeks of daily visits from 2026-11-02
