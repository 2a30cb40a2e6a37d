"""Patient search: every kind of query, ranking, false positives, paging, archived/merged, no table scans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, insert

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term
from hmis_desktop.services import patient_search as S
from hmis_desktop.services.merge import merge_patients
from hmis_desktop.services.patient_fields import Phone
from hmis_desktop.services.patients import PatientPublic, archive_patient
from hmis_desktop.store.models import SearchToken
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor
from tests.patients_helpers import actor_of, audit_actions, reg


@pytest.fixture
def admin_s(sqlite_store: Store) -> Actor:
    return admin_actor(sqlite_store)


@pytest.fixture
def people(sqlite_store: Store, admin_s: Actor) -> dict[str, PatientPublic]:
    """A small clinic: similar names, shared birth dates, phones, ids, and non-Latin scripts."""
    a, st = admin_s, sqlite_store
    return {
        "john": reg(st, a, national_id="12345678"),
        "johnson": reg(
            st,
            a,
            given_name="Mary",
            family_name="Johnson",
            sex="female",
            birth_date=date(1975, 1, 2),
            phones=[],
        ),
        "jon": reg(
            st,
            a,
            given_name="Jon",
            family_name="Smyth",
            other_names="Kamau",
            birth_date=date(1990, 3, 4),
            phones=[Phone("0722 000 111")],
        ),
        "smithers": reg(
            st, a, given_name="Joan", family_name="Smithers", birth_date=date(1980, 2, 2), phones=[]
        ),
        "zoe": reg(
            st,
            a,
            given_name="Zoë",
            family_name="Núñez-Ångström",
            sex="female",
            birth_date=date(2001, 7, 8),
            phones=[],
        ),
        "arabic": reg(
            st, a, given_name="محمد", family_name="عبد الله", birth_date=date(1985, 6, 1), phones=[]
        ),
        "chinese": reg(st, a, given_name="小龍", family_name="李", birth_date=date(1940, 11, 27), phones=[]),
        "cjk_one": reg(st, a, given_name="", family_name="李小龍", birth_date=date(1941, 11, 27), phones=[]),
    }


def find(store: Store, actor: Actor, query: str, **kw: Any) -> list[str]:
    with store.read_session() as s:
        page = S.search_patients(s, actor=actor, query=query, **kw)
    return [r.display_name for r in page.rows]


def test_name_prefix_of_any_part(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    assert find(sqlite_store, admin_s, "jo smi") == ["John Smith", "Joan Smithers"]
    # Whole-word match, then prefix, then the sound-alike.
    assert find(sqlite_store, admin_s, "Smith") == ["John Smith", "Joan Smithers", "Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "kam") == ["Jon Kamau Smyth"]  # other names
    assert find(sqlite_store, admin_s, "johns") == ["Mary Johnson"]
    assert find(sqlite_store, admin_s, "SMITH, John") == ["John Smith", "Jon Kamau Smyth"]


def test_exact_name_ranks_above_prefix(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    with sqlite_store.read_session() as s:
        rows = S.search_patients(s, actor=admin_s, query="john").rows
    assert [r.display_name for r in rows[:2]] == ["John Smith", "Mary Johnson"]
    assert rows[0].score > rows[1].score and rows[0].match == "name"
    # Then the names that sound the same ("Jon", "Joan"), below every prefix match.
    assert {(r.display_name, r.match) for r in rows[2:]} == {
        ("Jon Kamau Smyth", "phonetic"),
        ("Joan Smithers", "phonetic"),
    }
    assert rows[1].score > max(r.score for r in rows[2:])


def test_phonetic_finds_sound_alikes_below_prefix_matches(
    sqlite_store: Store, admin_s: Actor, people: dict
) -> None:
    with sqlite_store.read_session() as s:
        rows = S.search_patients(s, actor=admin_s, query="Jon Smyth").rows
    assert [(r.display_name, r.match) for r in rows] == [
        ("Jon Kamau Smyth", "name"),
        ("John Smith", "phonetic"),
    ]
    assert find(sqlite_store, admin_s, "Jonn Smithe") == ["John Smith", "Jon Kamau Smyth"]


def test_non_ascii_names_found_by_prefix(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    assert find(sqlite_store, admin_s, "zoe") == ["Zoë Núñez-Ångström"]
    assert find(sqlite_store, admin_s, "Núñez") == ["Zoë Núñez-Ångström"]
    assert find(sqlite_store, admin_s, "angst") == ["Zoë Núñez-Ångström"]
    assert find(sqlite_store, admin_s, "محم") == ["محمد عبد الله"]
    assert find(sqlite_store, admin_s, "الله") == ["محمد عبد الله"]
    assert find(sqlite_store, admin_s, "李小") == ["李小龍"]
    assert find(sqlite_store, admin_s, "李") == ["小龍 李", "李小龍"]


def test_birth_date_in_iso_and_locale_formats(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    assert find(sqlite_store, admin_s, "1990-03-04") == ["Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "03/04/1990") == ["Jon Kamau Smyth"]  # en_US: month first
    assert find(sqlite_store, admin_s, "3.4.90") == ["Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "04/03/1990") == []
    with sqlite_store.session() as s:
        settings.update(s, actor=admin_s, values={"clinic.locale": "en_GB"})
    assert find(sqlite_store, admin_s, "04/03/1990") == ["Jon Kamau Smyth"]  # en_GB: day first
    assert find(sqlite_store, admin_s, "03/04/1990") == []
    assert find(sqlite_store, admin_s, "13/05/1990") == []  # valid only day-first; nobody born then


def test_phone_by_trailing_digits_and_full_number(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    assert find(sqlite_store, admin_s, "5678") == ["John Smith"]
    assert find(sqlite_store, admin_s, "345678") == ["John Smith"]
    assert find(sqlite_store, admin_s, "0712 345 678") == ["John Smith"]
    assert find(sqlite_store, admin_s, "+254-712-345678") == ["John Smith"]
    assert find(sqlite_store, admin_s, "0111") == ["Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "0712 345 679") == []


def test_record_number_and_national_id(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    with sqlite_store.read_session() as s:
        by_mrn = S.search_patients(s, actor=admin_s, query="MRN000003").rows
        by_nid = S.search_patients(s, actor=admin_s, query="12345678").rows
    assert [(r.display_name, r.match, r.mrn) for r in by_mrn] == [("Jon Kamau Smyth", "mrn", "MRN000003")]
    assert find(sqlite_store, admin_s, "mrn 3") == ["Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "000003") == ["Jon Kamau Smyth"]
    # The national id (exact) ranks above the phone that merely ends in the same digits.
    assert [(r.display_name, r.match) for r in by_nid] == [("John Smith", "national_id")]
    other = reg(sqlite_store, admin_s, given_name="Ida", national_id="KE-99A", phones=[])
    assert find(sqlite_store, admin_s, "ke99a") == [other.display_name]


def test_mixed_queries_narrow_by_both(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    assert find(sqlite_store, admin_s, "smith 1980") == ["John Smith", "Joan Smithers"]
    assert find(sqlite_store, admin_s, "smith 1990") == ["Jon Kamau Smyth"]  # sounds like, born 1990
    assert find(sqlite_store, admin_s, "smith 1991") == []
    assert find(sqlite_store, admin_s, "jo 1990-03-04") == ["Jon Kamau Smyth"]
    assert find(sqlite_store, admin_s, "smith 5678") == ["John Smith"]
    assert find(sqlite_store, admin_s, "mary 5678") == []


def test_false_positive_tokens_are_filtered(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    keys = sqlite_store.require_keys()
    with sqlite_store.session() as s:  # a colliding token: "zz" now points at John Smith too
        tok = keys.indexer.token(Term.NAME_PREFIX, "zz")
        s.execute(
            insert(SearchToken.__table__),
            [{"kind": int(Term.NAME_PREFIX), "token": tok, "row_id": people["john"].id}],
        )
        tok = keys.indexer.token(Term.BIRTH_DATE, "2001-07-08")
        s.execute(
            insert(SearchToken.__table__),
            [{"kind": int(Term.BIRTH_DATE), "token": tok, "row_id": people["john"].id}],
        )
    assert find(sqlite_store, admin_s, "zz") == []
    assert find(sqlite_store, admin_s, "2001-07-08") == ["Zoë Núñez-Ångström"]


def test_paging_is_stable_and_complete(sqlite_store: Store, admin_s: Actor) -> None:
    for i in range(23):
        reg(sqlite_store, admin_s, given_name=f"Pat{chr(97 + i)}", family_name="Pager", phones=[])
    seen: list[str] = []
    with sqlite_store.read_session() as s:
        for offset in (0, 10, 20):
            page = S.search_patients(s, actor=admin_s, query="pager", limit=10, offset=offset)
            assert page.total == 23 and not page.truncated
            seen += [r.display_name for r in page.rows]
    assert seen == [f"Pat{chr(97 + i)} Pager" for i in range(23)]


def test_candidate_cap_is_reported(
    sqlite_store: Store, admin_s: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        reg(sqlite_store, admin_s, given_name=f"Cap{i}", family_name="Capper", phones=[])
    monkeypatch.setattr(S, "CANDIDATE_CAP", 4)
    with sqlite_store.read_session() as s:
        page = S.search_patients(s, actor=admin_s, query="capper")
    assert page.truncated and len(page.rows) == 4 and "Type more" in page.hint


def test_short_or_empty_queries(sqlite_store: Store, admin_s: Actor, people: dict) -> None:
    with sqlite_store.read_session() as s:
        one = S.search_patients(s, actor=admin_s, query="j")
        empty = S.search_patients(s, actor=admin_s, query="  ")
    assert one.rows == () and "at least two letters" in one.hint
    assert empty.rows == () and empty.hint == ""
    assert find(sqlite_store, admin_s, "m johnson") == ["Mary Johnson"]  # a one-letter word still narrows
    assert find(sqlite_store, admin_s, "x johnson") == []


def test_archived_hidden_unless_asked_and_merged_shown_only_when_asked(
    sqlite_store: Store, admin_s: Actor, people: dict
) -> None:
    john, jon = people["john"], people["jon"]
    with sqlite_store.session() as s:
        archive_patient(s, actor=admin_s, patient_id=people["smithers"].id)
        merge_patients(s, actor=admin_s, keep_id=john.id, merge_id=jon.id, reason="same person")
    assert find(sqlite_store, admin_s, "smi") == ["John Smith"]
    assert find(sqlite_store, admin_s, "smi", include_archived=True) == ["John Smith", "Joan Smithers"]
    assert find(sqlite_store, admin_s, "kamau") == []
    with sqlite_store.read_session() as s:
        rows = S.search_patients(s, actor=admin_s, query="kamau", include_merged=True).rows
    assert [(r.status, r.merged_into_id) for r in rows] == [("merged", john.id)]


def test_search_is_not_audited_and_front_desk_may_search(
    sqlite_store: Store, admin_s: Actor, people: dict
) -> None:
    desk = actor_of(sqlite_store, admin_s, "front_desk")
    before = len(audit_actions(sqlite_store))
    assert find(sqlite_store, desk, "john smith")[0] == "John Smith"
    assert len(audit_actions(sqlite_store)) == before


@pytest.fixture
def statements(sqlite_store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(sqlite_store.engine, "before_cursor_execute", grab)
    yield seen
    event.remove(sqlite_store.engine, "before_cursor_execute", grab)


@pytest.mark.parametrize(
    "query", ["jo smi", "Jon Smyth", "1990-03-04", "5678", "MRN000003", "12345678", "smith 1980"]
)
def test_search_never_scans_patients_or_tokens(
    sqlite_store: Store, admin_s: Actor, people: dict, statements: list, query: str
) -> None:
    find(sqlite_store, admin_s, query)
    plans = []
    raw = sqlite_store.engine.raw_connection()
    try:
        for sql, params in statements:
            if "patients" in sql or "search_tokens" in sql:
                plans += [
                    row[3] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                ]
    finally:
        raw.close()
    assert plans
    # A full walk of the status index is a scan too: the token sets must drive every lookup.
    walks = [p for p in plans if p.startswith("SCAN") or "ix_patients_status" in p]
    assert not [p for p in walks if "patients" in p or "search_tokens" in p], plans


def test_registration_lookups_never_scan(
    sqlite_store: Store, admin_s: Actor, people: dict, statements: list
) -> None:
    """The national-id check, duplicate candidates and MRN check go through the token index too."""
    statements.clear()
    reg(sqlite_store, admin_s, national_id="99887766", given_name="Ann")
    raw = sqlite_store.engine.raw_connection()
    try:
        plans = [
            row[3]
            for sql, params in statements
            if sql.lstrip().upper().startswith("SELECT") and ("patients" in sql or "search_tokens" in sql)
            for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        ]
    finally:
        raw.close()
    assert plans
    assert not [p for p in plans if p.startswith("SCAN") or "ix_patients_status" in p], plans


def test_ascii_fast_path_folds_like_the_core() -> None:
    from hmis_desktop.crypto.blind import name_parts

    batch = S._Batch.__new__(S._Batch)
    batch._parts = {}
    for name in ["John O'Brien-Smith", "ANN_marie  x", "a.b,c", "Zoë Núñez", "李小龍", "محمد عبد الله", " "]:
        assert batch.parts(name) == tuple(name_parts(name)), name


def test_list_recent_walks_the_id_index(
    sqlite_store: Store, admin_s: Actor, people: dict, statements: list
) -> None:
    from hmis_desktop.services.patients import list_recent

    with sqlite_store.read_session() as s:
        list_recent(s, actor=admin_s, limit=3)
    sql, params = next((q, p) for q, p in statements if "FROM patients" in q)
    raw = sqlite_store.engine.raw_connection()
    try:
        plan = [row[3] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    finally:
        raw.close()
    assert plan == ["SCAN patients USING INDEX sqlite_autoindex_patients_1"], (
        plan
    )  # newest first, stops early


def test_search_on_both_backends(store: Store, admin: Actor) -> None:
    john = reg(store, admin, national_id="A1")
    reg(store, admin, given_name="Zoë", family_name="Núñez", birth_date=date(2001, 7, 8), phones=[])
    for query, expected in [
        ("jo smi", ["John Smith"]),
        ("Jon Smyth", ["John Smith"]),
        ("17/05/1980", ["John Smith"]),
        ("5678", ["John Smith"]),
        ("MRN000001", ["John Smith"]),
        ("a1", ["John Smith"]),
        ("nun", ["Zoë Núñez"]),
    ]:
        assert find(store, admin, query) == expected, query
    with store.read_session() as s:
        assert S.summaries(s, store.require_keys(), [john.id], date(2026, 1, 15))[0].age == 45
