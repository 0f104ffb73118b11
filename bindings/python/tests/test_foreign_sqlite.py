"""Acknowledged commands and the analyst's own ``sqlite3`` on the same file in the same
process (issue 17, item 1).

Two copies of SQLite in one process each keep their own table of POSIX locks, and the
kernel keeps one set of locks per process: closing a ``sqlite3`` connection would drop the
locks TEHO's SQLite holds, and that close, finding no other connection it knows of, would
checkpoint and delete the WAL TEHO is still writing to; commands acknowledged after it
would live in an unlinked file, gone after a crash (sqlite.org, "How To Corrupt An SQLite
Database File", §2.2.1). The binding therefore links the system's SQLite, the library the
interpreter's ``sqlite3`` module loads: one SQLite in the process, which knows both
connections."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys


import teho

CHILD = r"""
import os, signal, sqlite3, sys
import teho

db = sys.argv[1]
eng = teho.create(db, clock="2026-11-02T07:00:00Z")
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



def test_teho_and_the_interpreters_sqlite3_are_one_library() -> None:
    import sqlite3

    assert teho.sqlite_version() == sqlite3.sqlite_version
    maps = pathlib.Path("/proc/self/maps")
    if maps.exists():
        libraries = {line.split()[-1] for line in maps.read_text().splitlines() if "libsqlite3" in line}
        assert len(libraries) == 1, libraries
