"""Reads a month of the demo database's service log into pandas and counts missed visits
per worker.

    cargo run -p teho -- demo --db teho-demo.db       # prints the line to run this with
    python bindings/python/examples/demo_month.py teho-demo.db MANAGER_ID FILE_ID

Reads as the care manager (every read goes through the engine's door and is audited).
A visit counts as missed when it was marked not done, or when its planned end is before
the moment of analysis (``--as-of``, default now) and nobody recorded an outcome.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Dict, Tuple

import pandas as pd

import teho


def month(year: int, number: int) -> Tuple[dt.date, dt.date]:
    """The first and last day of a calendar month."""
    first = dt.date(year, number, 1)
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def load(db: str, manager: str, file: str, year: int = 2026, number: int = 10) -> Dict[str, pd.DataFrame]:
    """The month's service log and calendar of one client file, as the manager sees them."""
    engine = teho.open(db)
    actor = teho.worker(manager)
    first, last = month(year, number)
    log = engine.service_log(actor, file, first, last)
    calendar = engine.client_calendar(actor, file, first, last)
    return {"log": pd.DataFrame(log.to_records()), "calendar": pd.DataFrame(calendar.to_records())}


def missed_per_worker(calendar: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """Not done, and past with no outcome, per worker."""
    not_done = calendar["visit.status"] == "NotDone"
    no_outcome = (calendar["visit.status"] == "Planned") & (calendar["visit.end"] < pd.Timestamp(as_of))
    frame = pd.DataFrame(
        {
            "worker": calendar["worker_name"],
            "not_done": not_done.astype(int),
            "no_outcome": no_outcome.astype(int),
        }
    )
    table = frame.groupby("worker").sum()
    table["missed"] = table["not_done"] + table["no_outcome"]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("db")
    parser.add_argument("manager", help="the care manager's worker id")
    parser.add_argument("file", help="the client file's id")
    parser.add_argument("--as-of", type=dt.datetime.fromisoformat, default=dt.datetime.now(dt.timezone.utc))
    args = parser.parse_args()
    as_of = args.as_of if args.as_of.tzinfo else args.as_of.replace(tzinfo=dt.timezone.utc)
    frames = load(args.db, args.manager, args.file)
    log, calendar = frames["log"], frames["calendar"]
    names = dict(zip(calendar["visit.worker"], calendar["worker_name"]))
    log["worker_name"] = log["worker"].map(names)
    log["minutes"] = (log["actual_end"] - log["actual_start"]).dt.total_seconds() / 60
    print("done visits in the service log, per worker:")
    print(log.groupby("worker_name").agg(visits=("id", "count"), minutes=("minutes", "sum")).to_string())
    print()
    print(f"missed visits per worker, as of {as_of:%Y-%m-%d %H:%M %Z}:")
    print(missed_per_worker(calendar, as_of).to_string())


if __name__ == "__main__":
    main()
