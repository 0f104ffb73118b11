"""Every engine error kind reaches Python as its own exception class, with the values
that were wrong; a panic becomes InternalError."""

from __future__ import annotations

import datetime as dt
import pathlib
import threading

import pytest

import teho

ADMIN = {"personal_code": "38001010015", "given_name": "Mari", "family_name": "Haldur", "employed_from": "2020-01-01"}
CITY = {"name": "Tallinn", "kind": "Municipality", "registry_code": None}


@pytest.fixture
def town() -> "tuple[teho.Engine, dict, str]":
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    boot = eng.call("System", "bootstrap", municipality=CITY, admin=ADMIN)
    admin = teho.worker(boot[1].id)
    sw = eng.call(admin, "register_worker", new={"personal_code": "48505050029", "given_name": "Sirje", "family_name": "Saar", "organization": boot[0].id, "role": "SocialWorker", "employed_from": "2020-01-01", "employed_until": None})
    client = eng.call(teho.worker(sw.id), "register_person", new={"identity": {"Estonian": "43803030124"}, "given_name": "Laine", "family_name": "Kask", "birth_date": None})
    f = eng.call(teho.worker(sw.id), "open_client_file", client=client.id, card={"residence": None, "contacts": [], "good_to_know": ""})
    return eng, teho.worker(sw.id), f.id


def test_invalid_personal_code_names_the_value_and_the_check_digit() -> None:
    with pytest.raises(teho.InvalidPersonalCode) as e:
        teho.personal_code("37605030298")
    assert e.value.value == "37605030298" and "expected 9" in e.value.problem
    assert teho.personal_code("37605030299").birth_date == dt.date(1976, 5, 3)


def test_invalid_input_names_the_field_and_value(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    with pytest.raises(teho.InvalidInput) as e:
        eng.call(sw, "add_entry", new={"file": file, "category": "ProfessionalNote", "visibility": "Network", "text": "  ", "domain_detail": None})
    assert e.value.field == "text"


def test_invalid_period(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    with pytest.raises(teho.InvalidPeriod) as e:
        eng.call(sw, "set_restriction", file=file, entry=None, basis="AvTS § 35", valid_until="2026-01-01")
    assert e.value.until == "2026-01-01"


def test_a_personal_code_is_checked_when_made_and_names_the_expected_digit() -> None:
    # `teho.PersonalCode("…")` looks like a constructor: it checks, like the engine does.
    with pytest.raises(teho.InvalidPersonalCode) as e:
        teho.PersonalCode("37605030298")
    assert (e.value.value, e.value.expected, e.value.found) == ("37605030298", 9, 8)
    assert "37605030298" not in str(e.value), "the message repeats no personal data"
    code = teho.PersonalCode("37605030299")
    assert isinstance(code, str) and code == "37605030299"
    assert code.birth_date == dt.date(1976, 5, 3) and code.sex == "Male"
    with pytest.raises(teho.InvalidPersonalCode):
        teho.PersonalCode("not a code")


def test_invalid_recurrence_names_the_part() -> None:
    with pytest.raises(teho.InvalidRecurrence) as e:
        teho.parse_recurrence("FREQ=YEARLY;BYHOUR=9")
    assert e.value.details["Unsupported"]["part"] == "FREQ=YEARLY"
    assert teho.parse_recurrence("BYHOUR=9;FREQ=DAILY") == "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"


def test_a_multi_byte_character_in_a_weekday_is_a_typed_error_not_a_panic() -> None:
    # Once a panic (the weekday's two letters were cut inside the character).
    with pytest.raises(teho.InvalidRecurrence) as e:
        teho.parse_recurrence("FREQ=WEEKLY;BYDAY=éR")
    assert (e.value.part, e.value.value, e.value.variant) == ("BYDAY", "éR", "InvalidValue")


def test_invalid_icf_refuses_s_codes(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    answers = [[c, {"Level": 1}] for c in ["L1-COMM", "L2-MENTAL", "L3-PHYS", "L4-ENV", "L5-OCC", "L6-LEISURE", "L7-ADL"]]
    with pytest.raises(teho.InvalidIcf) as e:
        eng.call(sw, "record_assessment", new={"file": file, "instrument": "NEEDS", "version": 1, "answers": answers, "icf": ["s750.2"]})
    assert e.value.details["StructureCode"]["value"] == "s750.2"


def test_access_denied_carries_the_reason(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, _, file = town
    with pytest.raises(teho.AccessDenied) as e:
        eng.call(teho.person("00000000-0000-0000-0000-000000000001"), "client_file", file=file)
    assert e.value.reason == "UnknownActor" and e.value.action == "client_file.read"


def test_not_found_conflict_and_already_initialized(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, _ = town
    # The operator looks for the file of a personal code TEHO does not know: NotFound,
    # the code in `value`, never in the message.
    with pytest.raises(teho.NotFound) as nf:
        eng.call("System", "file_of_code", code="39912310098")
    assert nf.value.value == "39912310098" and "39912310098" not in str(nf.value)
    with pytest.raises(teho.Conflict):
        eng.call(sw, "register_person", new={"identity": {"Estonian": "43803030124"}, "given_name": "L", "family_name": "K", "birth_date": None})
    with pytest.raises(teho.AlreadyInitialized):
        eng.call("System", "bootstrap", municipality=CITY, admin=ADMIN)


def test_a_file_that_exists_nowhere_is_refused_like_one_the_actor_may_not_see(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, _ = town
    with pytest.raises(teho.AccessDenied) as missing:
        eng.call(sw, "client_file", file="00000000-0000-0000-0000-0000000000ff")
    assert missing.value.reason == "NotInNetwork"


def test_reason_required(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    with pytest.raises(teho.ReasonRequired):
        eng.call(sw, "record_death", person="00000000-0000-0000-0000-000000000001", date="2026-11-01", source="x") if False else eng.call(sw, "void_death", person=eng.call(sw, "client_file", file=file).file.client, reason=" ")


def test_schema_too_new_and_storage_errors(tmp_path: pathlib.Path) -> None:
    import sqlite3

    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as c:
        c.execute("PRAGMA user_version = 99")
    with pytest.raises(teho.SchemaTooNew) as e:
        teho.open(str(newer))
    assert e.value.found == 99
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database" * 100)
    with pytest.raises(teho.NotATehoDatabase) as n:
        teho.open(str(corrupt))
    assert n.value.problem == "not an SQLite database, or its header is damaged"


def test_only_create_makes_a_database_and_open_leaves_what_is_not_one_untouched(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(teho.NotATehoDatabase) as e:
        teho.open(str(missing))
    assert e.value.problem == "no such file"
    assert list(tmp_path.iterdir()) == [], "nothing was created"
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(teho.NotATehoDatabase) as e:
        teho.open(str(empty))
    assert e.value.problem == "an empty file"
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    made = teho.create(str(empty), clock="2026-11-02T07:00:00Z")   # an empty file may be made one
    made.call("System", "bootstrap", municipality=CITY, admin=ADMIN)
    del made
    with pytest.raises(teho.Conflict):
        teho.create(str(empty))                   # never over a database
    again = teho.open(str(empty), clock="2026-11-03T07:00:00Z")
    assert again.verify_audit("System").first_break is None


def test_a_panic_inside_a_call_is_rolled_back_audited_once_and_raised_as_internal_error() -> None:
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    before = eng.call("System", "audit_checkpoint").entries
    # The next id the engine asks for panics: inside bootstrap, which makes the city.
    eng._inner._fail_next_id_for_tests()
    with pytest.raises(teho.InternalError) as e:
        eng.call("System", "bootstrap", municipality=CITY, admin=ADMIN)
    assert isinstance(e.value, Exception), "`except Exception` catches it"
    assert "a panic inside bootstrap" in e.value.message
    after = eng.call("System", "audit_checkpoint").entries
    # `before` counted up to its own checkpoint entry; then exactly one for the panic.
    assert after == before + 1 + 1
    # Nothing of the failed call stayed: bootstrap runs as on an empty store.
    city, _ = eng.call("System", "bootstrap", municipality=CITY, admin=ADMIN)
    assert city.name == "Tallinn"


def test_two_fixed_clock_sessions_on_one_file_never_overwrite_each_other(tmp_path: pathlib.Path) -> None:
    # An analyst's habit: open the same file again with clock= and carry on. The second
    # session's sequential ids must not be the first's (once, its second person replaced
    # the first, and the first client's file came back under the second one's name).
    db = str(tmp_path / "sessions.db")
    first = teho.create(db, clock="2026-11-02T07:00:00Z")
    boot = first.call("System", "bootstrap", municipality=CITY, admin=ADMIN)
    admin = teho.worker(boot[1].id)
    sw = first.call(admin, "register_worker", new={"personal_code": "48505050029", "given_name": "Sirje", "family_name": "Saar", "organization": boot[0].id, "role": "SocialWorker", "employed_from": "2020-01-01", "employed_until": None})
    social = teho.worker(sw.id)
    laine = first.call(social, "register_person", new={"identity": {"Estonian": "43803030124"}, "given_name": "Laine", "family_name": "Kask", "birth_date": None})
    laine_file = first.call(social, "open_client_file", client=laine.id, card={"residence": None, "contacts": [], "good_to_know": "Laine's note"})
    del first
    second = teho.open(db, clock="2026-11-02T07:00:00Z")
    jaan = second.call(social, "register_person", new={"identity": {"Estonian": "36506060134"}, "given_name": "Jaan", "family_name": "Tamm", "birth_date": None})
    jaan_file = second.call(social, "open_client_file", client=jaan.id, card={"residence": None, "contacts": [], "good_to_know": "Jaan's note"})
    assert jaan.id != laine.id and jaan_file.id != laine_file.id
    assert second.call("System", "file_of_code", code="43803030124") == laine_file.id
    assert second.call("System", "file_of_code", code="36506060134") == jaan_file.id
    assert second.call(social, "client_card", file=laine_file.id).good_to_know == "Laine's note"
    assert second.call(social, "client_card", file=jaan_file.id).good_to_know == "Jaan's note"
    report = second.call("System", "verify_audit", checkpoint=None)
    assert report.first_break is None


def test_every_error_class_is_a_teho_error() -> None:
    for cls in [teho.InvalidPersonalCode, teho.InvalidInput, teho.InvalidPeriod, teho.InvalidRecurrence, teho.InvalidIcf, teho.ReasonRequired, teho.AccessDenied, teho.NotFound, teho.Conflict, teho.AlreadyInitialized, teho.SchemaTooNew, teho.StorageError, teho.InternalError]:
        assert issubclass(cls, teho.TehoError)


def test_calls_release_the_interpreter_for_other_threads(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    errors: "list[BaseException]" = []

    def reader() -> None:
        try:
            for _ in range(200):
                eng.call(sw, "client_card", file=file)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_results_are_records_with_dates_and_pandas_ready_lists(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    net = eng.call(sw, "network", file=file)
    assert isinstance(net, teho.Records) and isinstance(net[0], teho.Record)
    assert net[0].valid_from == dt.date(2026, 11, 2)
    rows = net.to_records()
    assert rows[0]["valid_from"] == dt.date(2026, 11, 2) and "member.Worker" in rows[0]
    assert net[0].to_dict()["role"] == "SocialWorker"


def test_dates_and_instants_are_accepted_as_arguments(town: "tuple[teho.Engine, dict, str]") -> None:
    eng, sw, file = town
    as_text = eng.call(sw, "client_calendar", file=file, **{"from": "2026-11-02", "to": "2026-11-08"})
    as_dates = eng.call(sw, "client_calendar", file=file, **{"from": dt.date(2026, 11, 2), "to": dt.date(2026, 11, 8)})
    assert as_text == as_dates
    with pytest.raises(teho.InvalidPeriod) as e:
        eng.call(sw, "set_restriction", file=file, entry=None, basis="AvTS § 35", valid_until=dt.date(2026, 1, 1))
    assert e.value.until == "2026-01-01"
    # 20:30 in New York on 2 Nov is 01:30 UTC, 03:30 in Tallinn, on 3 Nov.
    eng.set_clock(dt.datetime(2026, 11, 2, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    opened = eng.call(sw, "open_client_file", client=eng.call(sw, "register_person", new={"identity": {"Estonian": "36506060134"}, "given_name": "Jaan", "family_name": "Kask", "birth_date": None}).id, card={"residence": None, "contacts": [], "good_to_know": ""})
    assert opened.opened_on == dt.date(2026, 11, 3)


def test_a_batch_of_something_else_than_requests_is_invalid_input_naming_the_position() -> None:
    """``call_many`` with a list of anything but requests is a TEHO error naming which
    one, before anything runs (issue 17: ``call_many(['x'])`` raised AttributeError)."""
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    for bad, position in ((["x"], 0), ([{"command": "inbox"}, 7], 1), ([{"args": {}}], 0)):
        with pytest.raises(teho.InvalidInput) as refused:
            eng.call_many("System", bad)  # type: ignore[list-item]
        assert refused.value.field == f"requests[{position}]"
        assert refused.value.done == []
    # Nothing ran: the audit chain is as empty as it was.
    assert eng.verify_audit("System").entries <= 1


def test_a_result_python_cannot_represent_is_a_teho_error_not_value_error() -> None:
    # Requests carry dates from 1800 to 2200 only; should a result still hold a year
    # past 9999, the call went through and the script gets a TEHO error saying so.
    from teho import _result

    with pytest.raises(teho.InternalError) as e:
        _result("retention_due", [{"due_on": "+10000-01-01"}])
    assert "the call completed" in str(e.value)


def test_a_date_outside_1800_to_2200_is_refused_naming_its_field() -> None:
    eng = teho.open_memory(clock="2026-11-02T07:00:00Z")
    for day in ["0001-01-01", "2201-01-01"]:
        with pytest.raises(teho.InvalidInput) as e:
            eng.call("System", "retention_due", on=day)
        assert e.value.field == "on" and e.value.value == day
