"""The in-memory facts cache stays compact (the per-dossier cost documented in projection/facts_cache.py),
whether the facts were loaded from the store or evolved live from decoded events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from tthc.contracts import dossier_v1 as pub
from tthc.indicators.bench.memory_facts import (
    footprint,
    live_cache,
    loaded_cache,
    stored_texts,
    traced_bytes,
    wire_events,
)
from tthc.indicators.domain.facts import (
    DossierFacts,
    DossierStatus,
    FeeLine,
    ResultDocument,
    SubmittedDocument,
)
from tthc.indicators.projection import codec, inbound
from tthc.indicators.projection.mapping import CODED_RESULT, ELECTRONIC_RESULT, evolve_dossier
from tthc.indicators.projection.scenarios import ScenarioSpace
from tthc.kit.clock import VIETNAM

SPACE = ScenarioSpace(["U1", "U2"], ["P1", "P2"], date(2024, 3, 1), 30, ZoneInfo("Asia/Ho_Chi_Minh"))
DOSSIERS = 3000
BUDGET = 960
"""Bytes per dossier: ~913 allocated and ~796 reachable for this small mix, where the table of whole-minute
instants does not pay off yet (742 allocated at 20,000 dossiers; 1,430 before instants and values were
shared, 1,120 before the status timeline became shared code bytes and a tuple of instants, 930 before
whole-minute instants and result markers were shared)."""


def test_a_dossier_loaded_from_the_store_stays_within_budget() -> None:
    texts = stored_texts(DOSSIERS, seed=1, space=SPACE)
    cache, used = traced_bytes(lambda: loaded_cache(texts))
    assert len(cache) == DOSSIERS
    assert used / DOSSIERS < BUDGET
    assert footprint(cache).total / DOSSIERS < BUDGET


def test_a_dossier_evolved_live_is_as_compact_as_one_loaded_from_the_store() -> None:
    # pydantic keeps a fixed cache of parsed strings (~1 MB), so the live path is measured by what the cache
    # references; a tzinfo per instant or a string per code would show up there
    live = footprint(live_cache(wire_events(DOSSIERS, seed=2, space=SPACE))).total / DOSSIERS
    loaded = footprint(loaded_cache(stored_texts(DOSSIERS, seed=2, space=SPACE))).total / DOSSIERS
    assert live < BUDGET
    assert live <= loaded * 1.02


def test_facts_loaded_from_the_store_share_instants_zones_and_common_values() -> None:
    texts = stored_texts(200, seed=3, space=SPACE)
    facts = [codec.dossier_from_json(text) for text in texts]
    received = [f for f in facts if f.received_at is not None and f.current_due == f.original_due]
    assert received
    for one in received:
        assert any(at is one.received_at for at in one.status_times)
        assert one.current_due is one.original_due
    zones = {at.tzinfo for f in facts for at in (f.received_at, f.submitted_at) if at is not None}
    assert zones == {VIETNAM}
    documents = [f.documents for f in facts if f.documents]
    assert len({id(d) for d in documents}) <= len(set(documents)) < len(documents)
    paths = [f.status_codes for f in facts if f.status_codes]
    assert len({id(codes) for codes in paths}) == len(set(paths)) < len(paths)  # one object per path
    links = [r.file_link for f in facts for r in f.results if r.file_link is not None]
    assert len(links) > 1
    assert len({id(link) for link in links}) == 1


def test_shared_instants_share_zones_minutes_and_the_instants_of_a_dossier_and_keep_each_offset() -> None:
    civil, minute, utc = (
        datetime.fromisoformat(text)
        for text in (
            "2024-03-04T09:30:00.250000+07:00",
            "2024-03-05T17:00:00+07:00",
            "2024-03-06T02:00:00+00:00",
        )
    )
    facts = DossierFacts(
        "d", "B-1", "U1", "P1", submitted_at=civil, received_at=datetime.fromisoformat(civil.isoformat()),
        original_due=minute, current_due=datetime.fromisoformat(minute.isoformat()),
        **DossierFacts.first_status(DossierStatus.RECEIVED, datetime.fromisoformat(civil.isoformat())),
    ).with_supplement_requested(utc)  # fmt: skip
    shared = codec.shared_instants(facts)
    assert shared == facts
    assert shared.received_at is shared.submitted_at is shared.status_times[0]
    assert shared.current_due is shared.original_due
    assert codec.shared_instants(facts).original_due is shared.original_due  # one object per whole minute
    assert shared.submitted_at is not None
    assert shared.submitted_at.tzinfo is VIETNAM
    assert shared.supplements[0].requested_at is shared.status_times[-1]
    assert shared.status_times[-1].utcoffset() == timedelta(0)  # an instant given in UTC stays in UTC


@pytest.mark.parametrize(
    ("text", "civil"),
    [
        ("2024-03-04T09:30:00.250000+07:00", True),
        ("1970-01-01T08:00:00+07:00", False),  # Saigon was at +08:00 then: the fixed offset stays
        ("2024-03-04T02:30:00+00:00", False),
    ],
)
def test_a_shared_zone_keeps_the_instant_and_its_offset(text: str, civil: bool) -> None:
    parsed = datetime.fromisoformat(text)
    shared = codec.shared_zone(parsed)
    assert shared == parsed
    assert shared.isoformat() == text
    assert codec.shared_zone(datetime.fromisoformat(text)).tzinfo is shared.tzinfo
    assert (shared.tzinfo is VIETNAM) is civil


def test_shared_values_stop_growing_at_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "SHARED_VALUES_KEPT", len(codec._VALUES) + 1)
    first = codec.shared_value(FeeLine("TEST-KEPT", 1))
    assert codec.shared_value(FeeLine("TEST-KEPT", 1)) is first
    late = FeeLine("TEST-NOT-KEPT", 2)
    assert codec.shared_value(late) is late
    assert codec.shared_value(FeeLine("TEST-NOT-KEPT", 2)) is not late


def test_results_share_one_object_per_kind_with_the_code_kept_as_a_marker() -> None:
    resolved = pub.DossierResolved(
        dossier_id=UUID(int=7),
        code="B-7",
        at=datetime(2024, 3, 4, 9, 30, tzinfo=VIETNAM),
        results=(pub.ResultFile(name="Kết quả", code="KQ-7", electronic=True),),
        requires_paper_result=False,
    )
    base = DossierFacts("d", "B-7", "U1", "P1")
    first = evolve_dossier(base, resolved.EVENT_TYPE, inbound.read(resolved)).results
    again = resolved.model_copy(update={"code": "B-8"})
    assert evolve_dossier(base, again.EVENT_TYPE, inbound.read(again)).results is first
    assert first == (ResultDocument(CODED_RESULT, ELECTRONIC_RESULT),)
    assert first[0].is_coded_electronic
    assert codec.shared_values((SubmittedDocument("TP1", True),)) == (SubmittedDocument("TP1", True),)


@pytest.mark.parametrize("text", ["2024-03-04T09:30:00+07:00", "2024-03-04T02:45:00+00:00"])
def test_a_whole_minute_instant_is_one_object_in_the_process(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codec, "_MINUTES", {})
    shared = codec.shared_zone(datetime.fromisoformat(text))
    assert codec.shared_zone(datetime.fromisoformat(text)) is shared
    assert shared.isoformat() == text


def test_equal_instants_with_other_offsets_or_seconds_are_not_merged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "_MINUTES", {})
    civil = codec.shared_zone(datetime.fromisoformat("2024-05-06T09:31:00+07:00"))
    utc = codec.shared_zone(datetime.fromisoformat("2024-05-06T02:31:00+00:00"))
    assert civil == utc
    assert utc.isoformat() == "2024-05-06T02:31:00+00:00"  # the offset it was written with is kept
    seconds = "2024-05-06T09:31:07+07:00"
    assert codec.shared_zone(datetime.fromisoformat(seconds)) is not codec.shared_zone(
        datetime.fromisoformat(seconds)
    )


def test_shared_minutes_stop_growing_at_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "_MINUTES", {})
    monkeypatch.setattr(codec, "SHARED_MINUTES_KEPT", 0)
    text = "2031-01-02T03:04:00+07:00"
    assert codec.shared_zone(datetime.fromisoformat(text)) is not codec.shared_zone(
        datetime.fromisoformat(text)
    )
