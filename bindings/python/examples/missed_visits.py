"""An analyst's script: which care worker's visits go undone, and why.

Builds a small home-care network in memory (one provider, two care workers, three
clients with a daily morning visit), records two weeks of outcomes the way workers
would, then reads the client calendars back through the engine — as the care manager,
so every read is authorized and audited — and summarises them with pandas.

Run it with `python bindings/python/examples/missed_visits.py` after installing the
wheel (see the README).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Dict, List, Tuple

import pandas as pd

import teho

START = dt.date(2026, 11, 2)
DAYS = 14
REASONS: List[teho.NotDoneReason] = ["ClientNotAtHome", "ClientRefused", "ClientInHospital", "WorkerIll"]


def build_network(engine: teho.Engine) -> Dict[str, Any]:
    """Registers the organisations, workers and clients; returns their ids."""
    city_org, administrator = engine.bootstrap(
        "System",
        municipality={"name": "Tallinna Sotsiaal- ja Tervishoiuamet", "kind": "Municipality", "registry_code": None},
        admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": "2020-01-01"},
    )
    city, admin = city_org.id, teho.worker(administrator.id)
    care_org = engine.register_organization(
        admin, {"name": "Lasnamäe Sotsiaalkeskus", "kind": "HomeCareProvider", "registry_code": None}
    ).id

    def hire(code: str, name: str, org: str, role: teho.Role) -> str:
        new: teho.NewWorker = {
            "personal_code": code,
            "given_name": name,
            "family_name": "Tamm",
            "organization": org,
            "role": role,
            "employed_from": "2020-01-01",
            "employed_until": None,
        }
        return engine.register_worker(admin, new).id

    social_worker = teho.worker(hire("48505050029", "Sirje", city, "SocialWorker"))
    manager = hire("47503030036", "Kadri", care_org, "CareManager")
    workers = {"Hille": hire("49002020046", "Hille", care_org, "CareWorker"), "Anu": hire("49102020051", "Anu", care_org, "CareWorker")}

    files = []
    clients = [("43803030124", "Laine", "Hille"), ("36506060134", "Jaan", "Anu"), ("44001010013", "Helju", "Hille")]
    for code, name, assigned in clients:
        client = engine.register_person(
            social_worker, {"identity": {"Estonian": code}, "given_name": name, "family_name": "Kask", "birth_date": None}
        ).id
        file = engine.open_client_file(social_worker, client, {"residence": "Tallinn", "contacts": [], "good_to_know": ""}).id
        for member in (manager, workers[assigned]):
            engine.add_member(
                social_worker,
                {"file": file, "member": {"Worker": member}, "role": None, "valid_from": START, "valid_until": None},
            )
        plan = engine.create_plan(teho.worker(manager), {"file": file, "domain": "Care", "provider": care_org}).id
        spec: teho.PlanItemSpec = {
            "action": {"code": "HOOLD-01", "text": "Morning care"},
            "worker": workers[assigned],
            "place": "home",
            "duration_minutes": 45,
            "recurrence": "FREQ=DAILY;BYHOUR=9",
            "valid_from": START,
            "valid_until": None,
        }
        engine.add_plan_item(teho.worker(manager), plan, spec)
        files.append(file)
    return {"care_org": care_org, "manager": manager, "workers": workers, "files": files}


def record_outcomes(engine: teho.Engine, ids: Dict[str, Any], seed: int = 7) -> Dict[Tuple[str, str], int]:
    """Each worker marks their visits day by day; returns what was recorded, per (worker id, outcome)."""
    rng = random.Random(seed)
    recorded: Dict[Tuple[str, str], int] = {}
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        engine.set_clock(dt.datetime(day.year, day.month, day.day, 16, 0, tzinfo=dt.timezone.utc))
        for worker_id in ids["workers"].values():
            me = teho.worker(worker_id)
            for line in engine.worker_calendar(me, worker_id, day, day):
                visit = line.visit
                roll = rng.random()
                if roll < 0.7:
                    engine.mark_done(me, visit.id, {"actual_start": None, "actual_end": None, "detail": None})
                    outcome = "Done"
                elif roll < 0.9:
                    reason = rng.choice(REASONS)
                    engine.mark_not_done(me, visit.id, reason=reason, text="")
                    outcome = f"NotDone:{reason}"
                else:
                    outcome = "Planned"  # forgotten: no outcome recorded
                recorded[(worker_id, outcome)] = recorded.get((worker_id, outcome), 0) + 1
    return recorded


def visits_frame(engine: teho.Engine, ids: Dict[str, Any]) -> pd.DataFrame:
    """Every visit of the two weeks, one row each (with the client's and the worker's
    name), as the care manager sees them."""
    manager = teho.worker(ids["manager"])
    rows: List[Dict[str, Any]] = []
    last = START + dt.timedelta(days=DAYS - 1)
    for file in ids["files"]:
        rows.extend(engine.client_calendar(manager, file, START, last).to_records())
    return pd.DataFrame(rows)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Visits per worker and status, with the not-done rate."""
    table = frame.pivot_table(index="worker_name", columns="visit.status", values="visit.id", aggfunc="count", fill_value=0)
    table["not_done_rate"] = table.get("NotDone", 0) / table.sum(axis=1)
    return table


def alerts(engine: teho.Engine, ids: Dict[str, Any]) -> pd.DataFrame:
    """The manager's alert list: planned visits whose end passed an hour ago with no outcome."""
    missed = engine.missed_visits(teho.worker(ids["manager"]), ids["care_org"], "Care", 60)
    return pd.DataFrame(missed.to_records())


def main() -> Tuple[pd.DataFrame, Dict[Tuple[str, str], int], pd.DataFrame]:
    engine = teho.open_memory(clock="2026-11-02T07:00:00Z")
    ids = build_network(engine)
    recorded = record_outcomes(engine, ids)
    return visits_frame(engine, ids), recorded, alerts(engine, ids)


if __name__ == "__main__":
    visits, _, _ = main()
    print(summary(visits).to_string())
    not_done = visits[visits["visit.status"] == "NotDone"]
    print()
    print(not_done.groupby(["worker_name", "visit.not_done.reason"]).size().rename("visits").to_string())
    forgotten = visits[visits["visit.status"] == "Planned"]
    print()
    print(f"{len(forgotten)} visit(s) with no outcome recorded:")
    print(forgotten[["client_name", "worker_name", "visit.start"]].to_string(index=False))
