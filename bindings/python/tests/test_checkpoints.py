"""Checkpoints of the audit chain kept outside the database on their own (issue 17,
item 5), from Python: to a file, or to a sink the host writes; a failing sink fails no
call; a verification given no checkpoint checks against the latest kept; records changed
behind the engine's back are named by the deep verification."""

from __future__ import annotations

import pathlib
import sqlite3
from typing import List, Optional, Tuple

import pytest

import teho

BOOT = dict(
    municipality={"name": "Tallinn", "kind": "Municipality", "registry_code": None},
    admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur",
           "employed_from": "2020-01-01"},
)


def town(eng: teho.Engine) -> None:
    eng.call("System", "bootstrap", **BOOT)


class Kept:
    """A sink the host writes: it fails its first ``failures`` keeps."""

    def __init__(self, failures: int = 0) -> None:
        self.kept: List[Tuple[str, str]] = []
        self.failures = failures

    def keep(self, checkpoint: str, at: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the checkpoint host is unreachable")
        self.kept.append((checkpoint, at))

    def latest(self) -> Optional[str]:
        return self.kept[-1][0] if self.kept else None


def test_a_file_gets_a_checkpoint_every_n_entries_and_verify_checks_the_latest(tmp_path: pathlib.Path) -> None:
    db, cps = tmp_path / "t.db", tmp_path / "elsewhere" / "checkpoints"
    cps.parent.mkdir()
    eng = teho.create(str(db), clock="2026-11-02T07:00:00Z", checkpoints=str(cps), checkpoint_every=2)
    town(eng)  # entry 1: nothing kept yet (2 entries since 0 not reached)
    for _ in range(4):
        eng.call("System", "audit_checkpoint")  # entries 2..5
    lines = cps.read_text().splitlines()
    assert [line.split()[0].split(":")[0] for line in lines] == ["2", "4"]
    report = eng.call("System", "verify_audit", checkpoint=None)
    assert report.first_break is None
    assert report.against is not None and report.against.entries == 4


def test_a_failing_host_sink_fails_no_call_and_is_asked_again(tmp_path: pathlib.Path) -> None:
    sink = Kept(failures=1)
    eng = teho.create(str(tmp_path / "t.db"), clock="2026-11-02T07:00:00Z", checkpoints=sink, checkpoint_every=1)
    town(eng)
    assert eng.checkpoint_failure() is not None
    assert "unreachable" in (eng.checkpoint_failure() or "")
    assert sink.kept == []
    eng.call("System", "audit_checkpoint")
    assert eng.checkpoint_failure() is None
    assert [c.split(":")[0] for c, _ in sink.kept] == ["2"]
    assert sink.kept[0][1].startswith("2026-11-02T07:00:00")


def test_something_else_as_checkpoints_is_invalid_input_naming_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(teho.InvalidInput) as e:
        teho.create(str(tmp_path / "t.db"), checkpoints=42)  # type: ignore[arg-type]
    assert e.value.field == "checkpoints"
    assert not (tmp_path / "t.db").exists() or (tmp_path / "t.db").stat().st_size == 0
    with pytest.raises(teho.InvalidInput) as e:
        teho.create(str(tmp_path / "u.db"), checkpoints=str(tmp_path / "c"), checkpoint_every=0)
    assert e.value.field == "checkpoint_every"
    assert not (tmp_path / "u.db").exists()


def test_a_row_edited_with_sqlite3_is_named_by_the_deep_verification(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "t.db"
    eng = teho.create(str(db), clock="2026-11-02T07:00:00Z")
    town(eng)
    assert eng.call("System", "verify_audit_deep", checkpoint=None).records.findings_total == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE workers SET doc = doc || X'20'")
    report = eng.call("System", "verify_audit_deep", checkpoint=None)
    assert report.first_break is None
    found = report.records.findings
    assert [(f.kind, f.problem, f.last_written_by, f.operation) for f in found] == [
        ("workers", "Edited", 1, "system.bootstrap")]
