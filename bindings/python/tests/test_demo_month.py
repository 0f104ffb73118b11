"""The README's analyst example on the demo database: the month read back through the
binding matches what the demo says it recorded for Helju's visits."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import subprocess

import pytest
from conftest import load_example

pytest.importorskip("pandas")

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_a_month_of_the_demo_matches_what_the_demo_recorded(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "teho-demo.db"
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--profile", "test", "-p", "teho", "--", "demo", "--db", str(db)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    # Oracle: the demo's own count of what its workers recorded.
    counts = re.search(r"(\d+) visits done, (\d+) not done with a reason, (\d+) left with no outcome", out)
    command = re.search(r"demo_month\.py (\S+) (\S+) (\S+)", out)
    assert counts and command, out
    done, not_done, no_outcome = map(int, counts.groups())
    _, manager, file = command.groups()

    example = load_example("demo_month")
    frames = example.load(str(db), manager, file)
    assert len(frames["log"]) == done
    assert set(frames["log"]["worker"]) <= set(frames["calendar"]["visit.worker"])
    # 22 Oct 22:00 UTC is past midnight in Tallinn: every visit up to the 22nd has ended.
    table = example.missed_per_worker(frames["calendar"], dt.datetime(2026, 10, 22, 22, 0, tzinfo=dt.timezone.utc))
    assert table["not_done"].sum() == not_done
    assert table["no_outcome"].sum() == no_outcome
    assert sorted(table.index) == ["Hille Haab", "Maie Mets"]
    assert (table["missed"] == table["not_done"] + table["no_outcome"]).all()
