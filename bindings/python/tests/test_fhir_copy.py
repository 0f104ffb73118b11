"""The data subject's own copy (issue 21): the client asks for their file as FHIR R4 and
gets their access log in it as IHE BALP-shaped AuditEvents — one per line of the log, the
workers' reads and a FHIR export's disclosure among them; a relative may not take it."""

from __future__ import annotations

import json

import pytest

import teho


def test_the_client_gets_their_access_log_as_audit_events() -> None:
    engine = teho.open_memory(clock="2026-11-02T07:00:00Z")
    city, admin_w = engine.bootstrap(
        "System",
        municipality={"name": "Tallinna Sotsiaal- ja Tervishoiuamet", "kind": "Municipality", "registry_code": None},
        admin={"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": "2020-01-01"},
    )
    admin = teho.worker(admin_w.id)
    sirje = teho.worker(
        engine.register_worker(
            admin,
            {"personal_code": "48505050029", "given_name": "Sirje", "family_name": "Saar", "organization": city.id,
             "role": "SocialWorker", "employed_from": "2020-01-01", "employed_until": None},
        ).id
    )

    def register(code: str, given: str) -> str:
        return engine.register_person(
            sirje, {"identity": {"Estonian": code}, "given_name": given, "family_name": "Kask", "birth_date": None}
        ).id

    laine, jaan = register("43803030124", "Laine"), register("36506060134", "Jaan")
    file = engine.open_client_file(sirje, laine, {"residence": "Punane 16-4", "contacts": [], "good_to_know": ""}).id
    engine.add_member(
        sirje, {"file": file, "member": {"Person": jaan}, "role": "Relative", "valid_from": "2026-11-02", "valid_until": None}
    )
    engine.client_file(sirje, file)
    export = engine.export_fhir(
        sirje, file, "2026-11-01", "2026-11-30", {"recipient": "Perearst dr Tamm", "legal_basis": "SHS § 15"}
    )
    assert export.disclosure.recipient == "Perearst dr Tamm"

    client = teho.person(laine)
    copy = engine.copy_for_data_subject(client, file, "2026-11-01", "2026-11-30")
    bundle = json.loads(copy.bundle)
    events = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AuditEvent"]
    log = engine.access_log(client, file)
    # The copy is itself the log's newest access (the clock stands still here, so by
    # its operation rather than by place).
    assert [line.what for line in log].count("client_file.copy_fhir") == 1
    assert copy.audit_events == len(events) == len(log) - 1
    kinds = {(e["type"]["code"], e.get("subtype", [{}])[0].get("code")) for e in events}
    assert ("110110", "client_file.read") in kinds
    assert ("110110", "client_file.export_fhir") in kinds
    assert ("110106", None) in kinds, "the export's disclosure"
    assert all(e["agent"][0]["who"]["display"] == "Sirje Saar" for e in events if e["type"]["code"] == "110106")
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"][0] == {"system": "https://fhir.ee/sid/pid/est/ni", "value": "43803030124"}

    with pytest.raises(teho.AccessDenied):
        engine.copy_for_data_subject(teho.person(jaan), file, "2026-11-01", "2026-11-30")
