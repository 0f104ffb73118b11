"""The analyst example in examples/missed_visits.py reads back exactly what it recorded."""

from __future__ import annotations


import pytest
from conftest import load_example

pd = pytest.importorskip("pandas")


def test_the_frame_holds_every_visit_with_the_outcome_that_was_recorded() -> None:
    example = load_example("missed_visits")
    frame, recorded, alerts = example.main()
    # Oracle: the outcomes the script recorded, counted as it went.
    days, clients = example.DAYS, 3
    assert len(frame) == days * clients
    seen = {}
    for row in frame.to_dict("records"):
        outcome = row["visit.status"]
        if outcome == "NotDone":
            outcome += ":" + row["visit.not_done.reason"]
        key = (row["visit.worker"], outcome)
        seen[key] = seen.get(key, 0) + 1
    assert seen == recorded
    table = example.summary(frame)
    names = dict(zip(frame["visit.worker"], frame["worker_name"]))
    assert sorted(names.values()) == ["Anu Tamm", "Hille Tamm"]
    for worker_id, name in names.items():
        not_done = sum(n for (who, outcome), n in recorded.items() if who == worker_id and outcome.startswith("NotDone"))
        total = sum(n for (who, _), n in recorded.items() if who == worker_id)
        assert table.loc[name, "not_done_rate"] == pytest.approx(not_done / total)
    forgotten = {row["visit.id"] for row in frame.to_dict("records") if row["visit.status"] == "Planned"}
    assert forgotten and set(alerts["id"]) == forgotten
