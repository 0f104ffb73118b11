"""The binding on PostgreSQL (issue 18): ``teho.open`` and ``teho.create`` take a
``postgresql://`` URL wherever they take a file. ``scripts/test`` (or
``scripts/test-python`` alone) starts a private server and sets ``TEHO_POSTGRES_URL``."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

import teho

BASE = os.environ.get("TEHO_POSTGRES_URL")
SKIP = os.environ.get("TEHO_SKIP_POSTGRES") == "1"

pytestmark = pytest.mark.skipif(SKIP, reason="!!! TEHO_SKIP_POSTGRES=1: PostgreSQL tests SKIPPED !!!")


def schema_url() -> str:
    """A fresh, empty schema on the server, as a URL."""
    assert BASE, "TEHO_POSTGRES_URL is not set: run scripts/test-python (it starts a server)"
    psql = os.path.join(os.environ.get("TEHO_PG_BIN", ""), "psql")
    if not os.path.exists(psql):
        psql = shutil.which("psql") or "psql"
    name = f"py_{uuid.uuid4().hex[:12]}"
    subprocess.run([psql, "-q", BASE, "-c", f"CREATE SCHEMA {name}"], check=True)
    sep = "&" if "?" in BASE else "?"
    return f"{BASE}{sep}options=-csearch_path%3D{name}"


def test_a_postgresql_url_opens_creates_and_keeps_the_chain() -> None:
    url = schema_url()
    with pytest.raises(teho.NotATehoDatabase):
        teho.open(url)
    eng = teho.create(url, clock="2026-11-02T07:00:00Z")
    org, admin = eng.call("System", "bootstrap",
        municipality={"name": "Tallinn", "kind": "Municipality", "registry_code": None},
        admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur",
               "employed_from": "2020-01-01"})
    again = teho.open(url, clock="2026-11-02T08:00:00Z")
    # The administrator stored by the first engine acts through the second.
    sw = again.call(teho.worker(admin.id), "register_worker",
        new={"personal_code": "48505050029", "given_name": "Sirje", "family_name": "Saar",
             "organization": org.id, "role": "SocialWorker", "employed_from": "2020-01-01",
             "employed_until": None})
    assert sw.organization == org.id
    report = again.call("System", "verify_audit_deep", checkpoint=None)
    assert report.first_break is None and report.records.findings_total == 0
    assert report.entries == 2 and report.records.records >= 3
    assert org.kind == "Municipality"
    with pytest.raises(teho.Conflict):
        teho.create(url)
