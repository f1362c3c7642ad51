from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from tthc.dossier.domain.values import Channel, DossierStatus
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.files import write_batches
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.simulator import Simulation, SimulationConfig, simulate
from tthc.kit.clock import local
from tthc.kit.worktime import default_calendar

S = DossierStatus
UNITS = ("H48.40.01", "H48.40.02", "H48.30.01")


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return simulate(
        SimulationConfig(units=UNITS, start=date(2024, 4, 22), days=21, seed=11, dossiers_per_unit_day=4)
    )


def push_all(intake: FeedIntake, simulation: Simulation) -> Counter[tuple[str, str]]:
    seen: Counter[tuple[str, str]] = Counter()
    for batch in simulation.batches(25):
        ingest = intake.ingest if batch.kind == "dossiers" else intake.ingest_history
        for result in ingest(list(batch.records), Caller.trusted()):
            seen[(batch.kind, result.outcome.value)] += 1
            assert result.errors == (), (result.code, result.errors)
    return seen


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    config = SimulationConfig(units=UNITS[:1], start=date(2024, 3, 4), days=5, seed=3)
    first = write_batches(tmp_path / "a", simulate(config).batches(30))
    second = write_batches(tmp_path / "b", simulate(config).batches(30))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = write_batches(
        tmp_path / "c",
        simulate(SimulationConfig(units=UNITS[:1], start=date(2024, 3, 4), days=5, seed=4)).batches(30),
    )
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in first]


def test_every_generated_record_is_accepted_and_a_second_push_is_all_duplicates(intake, app, simulation):
    first = push_all(intake, simulation)
    assert set(first) == {("dossiers", "accepted"), ("history", "accepted")}
    version = app.max_notification_id()
    second = push_all(intake, simulation)
    assert set(second) == {("dossiers", "duplicate"), ("history", "duplicate")}
    assert sum(second.values()) == sum(first.values())
    assert app.max_notification_id() == version


def test_the_service_agrees_with_the_ground_truth(intake, app, simulation):
    push_all(intake, simulation)
    end = simulation.config.end
    for truth in simulation.truths:
        last_sent = max(e.at for e in simulation.emissions if e.code == truth.code and e.kind == "dossiers")
        view = app.get(truth.code)
        assert view.status is truth.status_as_of(last_sent)
        assert view.received_at == (
            truth.received_at if truth.received_at and truth.received_at < end else None
        )
        if truth.finished_at is not None and view.status in (
            S.RESOLVED,
            S.RESULT_RETURNED,
            S.WITHDRAWN,
            S.STOPPED,
        ):
            assert view.finished_at == truth.finished_at
        sent_history = [e for e in simulation.emissions if e.code == truth.code and e.kind == "history"]
        assert len(view.history) == len(sent_history)


def test_dossiers_are_received_in_working_hours_on_working_days(simulation):
    calendar = default_calendar()
    for truth in simulation.truths:
        if truth.received_at is None:
            continue
        at = local(truth.received_at)
        assert calendar.is_working_day(at.date())
        assert any(start <= at < end for start, end in calendar.hours.windows_on(at.date()))
        assert truth.due_at is not None
        assert truth.due_at > truth.received_at


def test_the_population_has_the_realistic_mix(simulation):
    truths = simulation.truths
    assert len(truths) > 150
    online = sum(t.channel is Channel.ONLINE for t in truths) / len(truths)
    assert 0.35 < online < 0.75
    finals = Counter(t.final_status for t in truths)
    assert finals[S.RESULT_RETURNED] > len(truths) / 2
    assert {S.WITHDRAWN, S.REFUSED} <= set(finals)
    assert any(t.supplements for t in truths)
    assert any(r.new_due_at and r.new_due_at > r.previous_due_at for t in truths for r in t.supplements)
    assert any(t.is_late for t in truths)
    assert any(t.obligation_at for t in truths)
    assert any(t.online_payment for t in truths)
    assert any(t.population_db_used for t in truths)
    assert any(d.digitised for t in truths for d in t.documents)


def test_applicants_are_clearly_fake(simulation):
    for truth in simulation.truths:
        assert truth.applicant.id_number.startswith("000")
        assert truth.applicant.phone.startswith("0000")
        assert truth.applicant.email.endswith("@example.invalid")


def test_history_sometimes_arrives_before_its_dossier(intake, simulation):
    first_snapshot: dict[str, int] = {}
    early = 0
    for position, batch in enumerate(simulation.batches(25)):
        for record in batch.records:
            code = record["MaHoSo"]
            if batch.kind == "dossiers":
                first_snapshot.setdefault(code, position)
            elif code not in first_snapshot:
                early += 1
    assert early > 0


def test_snapshots_of_a_dossier_are_sent_in_order(simulation):
    for truth in simulation.truths[:50]:
        statuses = [
            int(e.payload["TrangThaiHoSo"])
            for e in simulation.emissions
            if e.code == truth.code and e.kind == "dossiers"
        ]
        times = [e.at for e in simulation.emissions if e.code == truth.code and e.kind == "dossiers"]
        assert times == sorted(times)
        assert statuses[-1] == int(truth.status_as_of(times[-1]))
