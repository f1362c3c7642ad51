"""Several command lists in one unit of work: per-list outcomes, chaining, refusals, failed saves."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from prometheus_client import CollectorRegistry

from tthc.dossier.application import Dossiers
from tthc.dossier.application_batch import working_copy
from tthc.dossier.domain.commands import (
    Command,
    MarkSynced,
    ReceiveDossier,
    RequestSupplement,
    ResolveDossier,
    StartProcessingStep,
)
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.errors import DossierError, IllegalTransitionError, InconsistentDossierError
from tthc.dossier.domain.values import Applicant, DossierStatus
from tthc.dossier.metrics import DossierMetrics
from tthc.dossier.observed import ObservedDossiers, SingleWriter
from tthc.kit.clock import VIETNAM, FixedClock
from tthc.kit.pseudonym import Pseudonymizer
from tthc.kit.worktime import default_calendar

from .conftest import PATHS, PSEUDONYM_SECRET, catalogue_specs

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)
PROCEDURE = "9.900001"
UNIT = "H48.40.01"
FIRST, SECOND, THIRD = (f"H48.40.01-240304-000{n}" for n in (1, 2, 3))
APPLICANT = Applicant(name="Trần Thị Bình", id_number="051190004321")


def receive(code: str, at: datetime = T0) -> ReceiveDossier:
    return ReceiveDossier(
        code=code, procedure_code=PROCEDURE, unit_code=UNIT, applicant=APPLICANT, received_at=at
    )


def start(code: str, at: datetime) -> StartProcessingStep:
    return StartProcessingStep(code=code, at=at, handler_unit=UNIT)


def a_feed() -> list[list[Command]]:
    """Lists for three dossiers, two refused ones among them, one refused after a valid first command."""
    return [
        [receive(FIRST)],
        [receive(SECOND), MarkSynced(code=SECOND, at=T0)],
        [start(FIRST, T0 + HOUR)],
        [start(THIRD, T0)],  # refused: THIRD does not exist yet
        [RequestSupplement(code=FIRST, at=T0 + 2 * HOUR, reason="thiếu"), start(FIRST, T0 - HOUR)],  # refused
        [ResolveDossier(code=FIRST, at=T0 + 3 * HOUR)],
        [receive(THIRD, T0 + HOUR)],
        [receive(SECOND)],  # nothing new
    ]


def stored(app: Dossiers) -> list[tuple[Any, ...]]:
    """The notification log without timestamps: (originator, version, topic, state)."""
    log = []
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        state = event.model_dump(mode="json", exclude={"timestamp"})
        log.append((notification.originator_id, notification.originator_version, notification.topic, state))
    return log


def one_by_one(app: Dossiers, lists: list[list[Command]]) -> list[Any]:
    outcomes: list[Any] = []
    for commands in lists:
        try:
            outcomes.append(app.handle(commands))
        except DossierError as error:
            outcomes.append(error)
    return outcomes


def comparable(outcomes: list[Any]) -> list[Any]:
    return [(type(o).__name__, str(o)) if isinstance(o, Exception) else o for o in outcomes]


@pytest.fixture
def app(make_dossiers, store_url):
    return make_dossiers(store_url)


@pytest.fixture
def reference(make_dossiers):
    return make_dossiers()


def test_a_batch_gives_each_list_the_outcome_and_events_of_handling_it_alone(app, reference):
    outcomes = app.handle_batch(a_feed())

    expected = one_by_one(reference, a_feed())
    assert comparable(outcomes) == comparable(expected)
    assert [type(o).__name__ for o in outcomes[3:5]] == ["DossierNotFoundError", "IllegalTransitionError"]
    assert stored(app) == stored(reference)


def test_lists_of_one_dossier_chain_in_one_batch(app):
    outcomes = app.handle_batch([[receive(FIRST)], [start(FIRST, T0 + HOUR)], [start(FIRST, T0 + 2 * HOUR)]])

    assert [o.version for o in outcomes] == [2, 3, 4]
    assert [o.new_events for o in outcomes] == [("Opened", "Received"), ("StepStarted",), ("StepStarted",)]
    assert app.get(FIRST).status is S.PROCESSING
    assert [version for _, version, _, _ in stored(app)[-4:]] == [1, 2, 3, 4]


def test_a_refused_list_leaves_no_trace_and_later_lists_build_on_the_earlier_ones(app):
    half_valid = [RequestSupplement(code=FIRST, at=T0 + 2 * HOUR, reason="thiếu"), start(FIRST, T0 - HOUR)]

    outcomes = app.handle_batch([[receive(FIRST)], half_valid, [start(FIRST, T0 + 3 * HOUR)]])

    assert isinstance(outcomes[1], IllegalTransitionError)
    assert outcomes[2].version == 3
    view = app.get(FIRST)
    assert view.supplements == ()
    assert [entry.status for entry in view.timeline] == [S.RECEIVED, S.PROCESSING]


def test_a_batch_with_a_malformed_list_stores_nothing(app):
    before = app.max_notification_id()
    with pytest.raises(ValueError, match="exactly one dossier"):
        app.handle_batch([[receive(FIRST)], []])
    assert app.max_notification_id() == before


def test_a_failed_batch_save_falls_back_to_one_save_per_list(app, reference, monkeypatch):
    saves: list[int] = []
    real_save = app.save

    def save_failing_once(*objs: Any, **kwargs: Any) -> Any:
        saves.append(len(objs))
        if len(saves) == 1:
            raise IntegrityError("another writer saved one of these dossiers meanwhile")
        return real_save(*objs, **kwargs)

    monkeypatch.setattr(app, "save", save_failing_once)
    outcomes = app.handle_batch(a_feed())

    assert comparable(outcomes) == comparable(one_by_one(reference, a_feed()))
    assert stored(app) == stored(reference)
    assert saves[0] == sum(len(o.new_events) for o in outcomes if not isinstance(o, Exception))
    assert len(saves) == 1 + sum(1 for o in outcomes if not isinstance(o, Exception) and o.changed)


def test_a_unit_of_work_stores_nothing_when_another_writer_got_there_first(make_dossiers, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    mine, other = make_dossiers(url), make_dossiers(url, with_catalogue=False)
    mine.handle([receive(FIRST)])
    batch = mine.new_batch()
    batch.handle([receive(SECOND)])
    batch.handle([start(FIRST, T0 + HOUR)])
    other.handle([start(FIRST, T0 + 2 * HOUR)])  # the other writer saves FIRST's version 3 first
    position = mine.max_notification_id()

    with pytest.raises(IntegrityError):
        batch.save()

    assert mine.max_notification_id() == position
    assert mine.handle_batch([[receive(SECOND)]])[0].new_events == ("Opened", "Received")


def test_a_unit_of_work_is_saved_once(app):
    batch = app.new_batch()
    batch.handle([receive(FIRST)])
    batch.save()
    with pytest.raises(RuntimeError):
        batch.save()
    with pytest.raises(RuntimeError):
        batch.handle([start(FIRST, T0 + HOUR)])


def test_the_writer_counts_each_list_by_its_outcome_and_unsaved_work_not_at_all(tmp_path):
    registry = CollectorRegistry()
    metrics = DossierMetrics.create(registry)
    app = ObservedDossiers(
        env={**Dossiers.store_env(f"sqlite:///{tmp_path / 's.db'}"), "AGGREGATE_CACHE_MAXSIZE": "100"},
        clock=FixedClock(T0),
        calendar=default_calendar(),
        pseudonymizer=Pseudonymizer(PSEUDONYM_SECRET),
        metrics=metrics,
    )
    app.register_procedures(catalogue_specs())
    writer = SingleWriter(app, metrics)
    position = app.max_notification_id()

    writer.handle_batch([[receive(FIRST)], [start(THIRD, T0)], [receive(FIRST)]])
    with writer.batch() as unsaved:
        unsaved.handle([receive(SECOND)])

    def count(command: str, outcome: str) -> float:
        value = registry.get_sample_value(
            "tthc_dossier_commands_total", {"command": command, "outcome": outcome}
        )
        return value or 0.0

    assert (count("receive", "applied"), count("receive", "unchanged")) == (1, 1)
    assert count("start_step", "refused") == 1
    assert app.max_notification_id() == position + 2  # FIRST opened and received; SECOND never stored
    app.close()


@pytest.mark.parametrize("status", list(PATHS))
def test_a_working_copy_changes_without_touching_the_original(dossier_in, status):
    original = dossier_in(status)
    before = copy.deepcopy(vars(original))
    assert all(_immutable_or_flat(value) for value in before.values())

    changed = working_copy(original)
    changed.mark_synced(T0 + 100 * HOUR)
    for value in vars(changed).values():
        if isinstance(value, list):
            value.append("changed")
        elif isinstance(value, dict | set):
            value.clear()

    assert vars(original) == before


def _immutable_or_flat(value: Any) -> bool:
    """Hashable values are immutable here; containers may hold only such values (one level deep)."""
    if isinstance(value, dict):
        return all(isinstance(item, Hashable) for item in (*value.keys(), *value.values()))
    if isinstance(value, set | list):
        return all(isinstance(item, Hashable) for item in value)
    return isinstance(value, Hashable)


def test_the_cached_dossier_is_not_changed_by_a_refused_list_or_a_failed_save(tmp_path, monkeypatch):
    cached = Dossiers(
        env={**Dossiers.store_env(f"sqlite:///{tmp_path / 's.db'}"), "AGGREGATE_CACHE_MAXSIZE": "100"},
        clock=FixedClock(T0),
        calendar=default_calendar(),
        pseudonymizer=Pseudonymizer(PSEUDONYM_SECRET),
    )
    cached.register_procedures(catalogue_specs())
    cached.handle([receive(FIRST)])
    view = cached.get(FIRST)

    refused = cached.handle_batch([[MarkSynced(code=FIRST, at=T0), start(FIRST, T0 - HOUR)]])
    batch = cached.new_batch()
    batch.handle([start(FIRST, T0 + HOUR)])
    monkeypatch.setattr(cached, "save", _failing_save)
    with pytest.raises(IntegrityError):
        batch.save()

    assert isinstance(refused[0], InconsistentDossierError)
    assert cached.get(FIRST) == view
    in_cache = cached.repository.get(Dossier.id_for(FIRST), deepcopy_from_cache=False)
    assert (in_cache.version, in_cache.status, in_cache.synced_at) == (2, S.RECEIVED, None)
    cached.close()


def _failing_save(*objs: Any, **kwargs: Any) -> Any:
    raise IntegrityError("injected")
