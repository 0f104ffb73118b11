"""Acknowledged commands and the analyst's own ``sqlite3`` on the same file in the same
process (issue 17, item 1) — a known data-loss bug, kept here as a strict expected
failure until it is fixed, so that the fix flips it.

Two copies of SQLite in one process each keep their own table of POSIX locks, and the
kernel keeps one set of locks per process: closing the ``sqlite3`` connection drops the
locks TEHO's bundled SQLite holds, and that close, finding no other connection it knows
of, checkpoints and deletes the WAL TEHO is still writing to; commands acknowledged after
it live in an unlinked file and are gone after a crash (sqlite.org, "How To Corrupt An
SQLite Database File", §2.2.1). Linking the interpreter's SQLite instead, the usual cure,
is out of reach today: rusqlite 0.43 needs SQLite 3.44 or newer (``sqlite3_set_clientdata``),
and Debian 12's Python links 3.40.1."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys

import pytest

import teho

CHILD = r"""
import os, signal, sqlite3, sys
import teho

db = sys.argv[1]
eng = teho.open(db, clock="2026-11-02T07:00:00Z")
boot = eng.call("System", "bootstrap",
    municipality={"name": "Tallinn", "kind": "Municipality", "registry_code": None},
    admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": "2020-01-01"})
admin = teho.worker(boot[1].id)
sw = eng.call(admin, "register_worker", new={"personal_code": "48505050029", "given_name": "Sirje",
    "family_name": "Saar", "organization": boot[0].id, "role": "SocialWorker",
    "employed_from": "2020-01-01", "employed_until": None})
sw_id = sw.id
sw = teho.worker(sw_id)
client = eng.call(sw, "register_person", new={"identity": {"Estonian": "43803030124"},
    "given_name": "Laine", "family_name": "Kask", "birth_date": None})
f = eng.call(sw, "open_client_file", client=client.id,
    card={"residence": None, "contacts": [], "good_to_know": ""})

def add(n):
    eng.call(sw, "add_entry", new={"file": f.id, "category": "ProfessionalNote",
        "visibility": "Network", "text": f"acknowledged {n}", "domain_detail": None})

for n in range(3):
    add(n)
# The analyst's habit: a look with the standard library, then closed.
con = sqlite3.connect(db)
con.execute("SELECT count(*) FROM sqlite_master").fetchone()
con.close()
for n in range(3, 6):
    add(n)
print(sw_id, f.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.xfail(strict=True, reason="issue 17, item 1: two copies of SQLite in one process")
def test_acknowledged_entries_survive_python_sqlite3_on_the_same_file(tmp_path: pathlib.Path) -> None:
    for attempt in range(3):
        db = tmp_path / f"shared-{attempt}.db"
        run = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True)
        assert run.returncode == -signal.SIGKILL, run.stderr
        sw_id, file_id = run.stdout.split()
        eng = teho.open(str(db), clock="2026-11-03T07:00:00Z")
        report = eng.verify_audit("System")
        assert report.first_break is None, f"attempt {attempt}: chain broken: {report}"
        texts = sorted(e.text for e in eng.entries(teho.worker(sw_id), file_id))
        assert texts == [f"acknowledged {n}" for n in range(6)], f"attempt {attempt}: {texts}"
        # Every acknowledged call's audit entry is there too: bootstrap, three calls to
        # set up, six entries, and this verify's and this read's own.
        assert report.entries >= 10, f"attempt {attempt}: {report}"

