"""A feed batch is one unit of work: the same results and stored events as taking each record alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from tthc.dossier.application import Dossiers
from tthc.dossier.domain.catalogue import sample_catalogue
from tthc.dossier.domain.units import UnitRegistry
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.simulator import SimulationConfig, simulate
from tthc.dossier.feed.store import open_feed_store
from tthc.kit.clock import FixedClock

from .conftest import CODE, WARD, dossier_record, history_record

OTHER = "H48.40.01-240304-00002"
THIRD = "H48.40.01-240304-00003"
RESOLVED = {"TrangThaiHoSo": "9", "NgayKetThucXuLy": "20240306100000"}


class Side:
    """An app, its feed store and an intake over them, taking batches one way or the other."""

    def __init__(self, app: Dossiers, store_url: str, units: UnitRegistry, clock: FixedClock, batched: bool):
        self.app = app
        self.counted: Counter[tuple[str, str]] = Counter()
        self.intake = FeedIntake(
            app,
            units,
            store=open_feed_store(store_url),
            clock=clock,
            on_record=lambda outcome, reason: self.counted.update([(outcome, reason)]),
            one_transaction_per_batch=batched,
        )

    def push(self, records: list[dict[str, Any]], caller: Caller, kind: str = "dossiers") -> list[Any]:
        ingest = self.intake.ingest if kind == "dossiers" else self.intake.ingest_history
        return [result.as_json() for result in ingest(records, caller)]

    def stored(self) -> list[tuple[Any, ...]]:
        """The notification log without timestamps: (originator, version, topic, state)."""
        log = []
        for notification in self.app.recorder.select_notifications(start=1, limit=1_000_000):
            state = self.app.mapper.to_domain_event(notification).model_dump(
                mode="json", exclude={"timestamp"}
            )
            log.append(
                (notification.originator_id, notification.originator_version, notification.topic, state)
            )
        return log


MakeSide = Callable[..., Side]


@pytest.fixture
def make_side(make_dossiers, units, feed_clock, tmp_path) -> MakeSide:
    made = Counter[str]()

    def make(*, batched: bool, store: str = "sqlite") -> Side:
        made[store] += 1
        url = "memory://" if store == "memory" else f"sqlite:///{tmp_path / f'{store}-{made[store]}.db'}"
        app = make_dossiers(store_url=url, clock=feed_clock, units=units)
        app.register_procedures(sample_catalogue())
        return Side(app, url, units, feed_clock, batched)

    return make


def mixed_batch() -> list[Any]:
    """Good and bad records, two dossiers with several snapshots each, a contradiction in between."""
    return [
        dossier_record(),
        dossier_record(MaHoSo=OTHER, NgayTiepNhan="2024-03-04"),  # bad date
        dossier_record(TrangThaiHoSo="4"),
        dossier_record(MaHoSo=OTHER),
        dossier_record(MaHoSo=THIRD, MaTTHC="1.999999"),  # unknown procedure
        dossier_record(NgayTiepNhan="20240304091500"),  # reception time contradicts the recorded one
        dossier_record(**RESOLVED),
        "not a record",
        dossier_record(MaHoSo=OTHER),  # the same record again: duplicate
        dossier_record(TrangThaiHoSo="4", NgayHenTra="20240312081500"),  # backwards from resolved
    ]


def test_a_mixed_batch_keeps_the_good_records_and_rejects_the_bad_as_record_by_record(make_side, ward):
    batched, single = make_side(batched=True), make_side(batched=False)

    results = batched.push(mixed_batch(), ward)

    assert results == single.push(mixed_batch(), ward)
    assert [r["result"] for r in results] == [
        "accepted", "rejected", "accepted", "accepted", "rejected",
        "rejected", "accepted", "rejected", "duplicate", "rejected",
    ]  # fmt: skip
    assert results[1]["errors"] == [{"field": "NgayTiepNhan", "reason": results[1]["errors"][0]["reason"]}]
    assert batched.stored() == single.stored()
    assert batched.counted == single.counted
    assert batched.app.get(CODE).status.name == "RESOLVED"


def test_records_of_one_dossier_in_one_batch_chain_on_each_other(make_side, ward):
    batched = make_side(batched=True)
    snapshots = [dossier_record(), dossier_record(TrangThaiHoSo="4"), dossier_record(**RESOLVED)]

    results = batched.push(snapshots, ward)

    assert [r["result"] for r in results] == ["accepted"] * 3
    view = batched.app.get(CODE)
    assert [entry.status.name for entry in view.timeline] == ["RECEIVED", "PROCESSING", "RESOLVED"]
    versions = [version for originator, version, _, _ in batched.stored() if originator == view.id]
    assert versions == list(range(1, view.version + 1))
    assert [r["result"] for r in batched.push(snapshots, ward)] == ["duplicate"] * 3


def test_a_failed_batch_save_falls_back_to_one_save_per_record(make_side, ward, monkeypatch):
    batched, single = make_side(batched=True), make_side(batched=False)
    saves: list[int] = []
    real_save = batched.app.save

    def save_failing_once(*objs: Any, **kwargs: Any) -> Any:
        saves.append(len(objs))
        if len(saves) == 1:
            raise IntegrityError("another writer saved one of these dossiers meanwhile")
        return real_save(*objs, **kwargs)

    monkeypatch.setattr(batched.app, "save", save_failing_once)
    results = batched.push(mixed_batch(), ward)

    assert results == single.push(mixed_batch(), ward)
    assert batched.stored() == single.stored()
    assert batched.counted == single.counted  # nothing counted twice
    assert len(saves) == 1 + sum(r["result"] == "accepted" for r in results)
    accepted = [record for record, r in zip(mixed_batch(), results, strict=True) if r["result"] == "accepted"]
    assert {r["result"] for r in batched.push(accepted, ward)} == {"duplicate"}


def test_history_parked_and_replayed_within_batches_as_record_by_record(make_side, ward):
    batched, single = make_side(batched=True), make_side(batched=False)
    early = [history_record(), history_record(), history_record(ThoiDiemXuLy="20240304100000", TrangThai="4")]
    for side in (batched, single):
        side.push(early, ward, kind="history")
    records = [dossier_record(), dossier_record(TrangThaiHoSo="4")]

    results = batched.push(records, ward)

    assert results == single.push(records, ward)
    assert batched.stored() == single.stored()
    assert len(batched.app.get(CODE).history) == 2
    assert batched.intake.store.parked(CODE) == []
    assert {r["result"] for r in batched.push(early, ward, kind="history")} == {"duplicate"}


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_simulated_feed_gives_the_same_results_and_events_batched_or_record_by_record(make_side, store):
    simulation = simulate(
        SimulationConfig(
            units=(WARD, "H48.40.02"), start=date(2024, 4, 22), days=10, seed=5, dossiers_per_unit_day=4
        )
    )
    batched, single = make_side(batched=True, store=store), make_side(batched=False, store=store)
    pushed: list[list[Any]] = [[], []]
    for _ in range(2):  # the second time everything is a duplicate
        for batch in simulation.batches(40):
            for side, taken in zip((batched, single), pushed, strict=True):
                taken.extend(side.push(list(batch.records), Caller.trusted(), kind=batch.kind))

    assert pushed[0] == pushed[1]
    assert Counter(r["result"] for r in pushed[0]) == {
        "accepted": len(simulation.emissions),
        "duplicate": len(simulation.emissions),
    }
    assert batched.stored() == single.stored()
    assert len(batched.stored()) > len(simulation.truths)
