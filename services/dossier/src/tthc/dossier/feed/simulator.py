"""A realistic provincial feed, deterministic from a seed: snapshots and history items in sending order.

``simulate(config)`` builds every dossier's true timeline (``DossierTruth``, exposed for tests and the
indicators service) and the feed a provincial system would send about it: a fresh snapshot of the dossier
(HoSoDongBoDVC) after each status change, and a history item (QuaTrinhXuLy) per step, each sent a few
minutes after the fact. History items travel separately and may arrive before their dossier's first
snapshot; snapshots of one dossier are always sent in order. A snapshot identical to one already sent is
not sent again: the format cannot tell it from a re-send (e.g. processing resumed after a financial
obligation paid in cash changes nothing in the record), and the intake would answer "duplicate". Only what
is sent before the end of the simulated period is in the feed; the truths run to each dossier's end.

The sample catalogue is a ward catalogue; the simulator uses it for every unit it is given.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any, Literal

from tthc.dossier.domain.catalogue import ProcedureSpec, sample_catalogue
from tthc.dossier.domain.procedure_values import ProcedureStatus
from tthc.dossier.feed.sim_mix import Mix
from tthc.dossier.feed.sim_people import fake_applicant
from tthc.dossier.feed.sim_snapshot import history_item, snapshot
from tthc.dossier.feed.sim_timeline import TimelineBuilder
from tthc.dossier.feed.sim_truth import DossierTruth
from tthc.kit.clock import VIETNAM
from tthc.kit.worktime import WorkingCalendar, default_calendar

Kind = Literal["dossiers", "history"]


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate: units, period (working days only receive dossiers), volume and seed."""

    units: tuple[str, ...]
    start: date
    days: int
    seed: int = 0
    dossiers_per_unit_day: float = 3.0
    mix: Mix = field(default_factory=Mix)

    @property
    def end(self) -> datetime:
        """The end of the simulated period (exclusive), civil time."""
        return datetime.combine(self.start + timedelta(days=self.days), time(0), tzinfo=VIETNAM)


@dataclass(frozen=True)
class Emission:
    """One payload sent at ``at``: a dossier snapshot or a history item."""

    at: datetime
    kind: Kind
    code: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Batch:
    """Consecutive emissions of one kind, sent together (one file or one request)."""

    kind: Kind
    day: date
    records: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Simulation:
    """The true timelines and the feed sent about them, in sending order."""

    config: SimulationConfig
    truths: tuple[DossierTruth, ...]
    emissions: tuple[Emission, ...]

    def truth(self, code: str) -> DossierTruth:
        """The true timeline of dossier ``code``."""
        return next(truth for truth in self.truths if truth.code == code)

    def batches(self, size: int = 100, window: timedelta = timedelta(hours=1)) -> list[Batch]:
        """The emissions as a provincial system sends them: per ``window`` of time, the history items, then
        the dossier snapshots, in batches of at most ``size`` records (sending order is kept within a kind).
        """
        if size < 1:
            raise ValueError("batch size must be at least 1")
        batches: list[Batch] = []
        for _, group in groupby(self.emissions, key=lambda e: _window_start(e.at, window)):
            sent = list(group)
            for kind in ("history", "dossiers"):
                payloads = [e.payload for e in sent if e.kind == kind]
                day = sent[0].at.date()
                batches += [
                    Batch(kind, day, tuple(payloads[i : i + size])) for i in range(0, len(payloads), size)
                ]
        return batches


def simulate(
    config: SimulationConfig,
    procedures: Sequence[ProcedureSpec] | None = None,
    calendar: WorkingCalendar | None = None,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Simulates ``config``; ``progress`` is called with the number of dossiers made after each day."""
    usable = [p for p in (procedures or sample_catalogue()) if p.status is not ProcedureStatus.ABOLISHED]
    calendar = calendar or default_calendar()
    builder = TimelineBuilder(calendar, config.mix)
    truths: list[DossierTruth] = []
    for day in _days(config):
        if calendar.is_working_day(day):
            truths.extend(_dossiers_of_day(config, builder, usable, day))
        if progress is not None:
            progress(len(truths))
    emissions = sorted(
        (e for truth in truths for e in _emissions(config, truth) if e.at < config.end),
        key=lambda e: (e.at, e.code, e.kind),
    )
    return Simulation(config, tuple(truths), tuple(emissions))


def _window_start(at: datetime, window: timedelta) -> datetime:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + window * ((at - midnight) // window)


def _days(config: SimulationConfig) -> Iterator[date]:
    for offset in range(config.days):
        yield config.start + timedelta(days=offset)


def _dossiers_of_day(
    config: SimulationConfig, builder: TimelineBuilder, procedures: Sequence[ProcedureSpec], day: date
) -> list[DossierTruth]:
    truths = []
    for unit in config.units:
        rng = random.Random(f"{config.seed}:{unit}:{day.isoformat()}")
        count = sum(rng.random() < 0.5 for _ in range(round(config.dossiers_per_unit_day * 2)))
        for number in range(1, count + 1):
            code = f"{unit}-{day:%y%m%d}-{number:05d}"
            truths.append(
                builder.build(random.Random(f"{config.seed}:{code}"), code, unit, rng.choice(procedures), day)
            )
    return truths


def _emissions(config: SimulationConfig, truth: DossierTruth) -> list[Emission]:
    rng = random.Random(f"{config.seed}:{truth.code}:feed")
    officer = fake_applicant(rng, business_share=0).name
    emissions, last_sent, sent_snapshots = [], truth.steps[0].at, []
    for step in truth.steps:
        last_sent = max(last_sent + timedelta(seconds=1), step.at + timedelta(minutes=rng.randint(1, 30)))
        record = snapshot(truth, step.at)
        if record not in sent_snapshots:
            emissions.append(Emission(last_sent, "dossiers", truth.code, record))
            sent_snapshots.append(record)
        sent = step.at + timedelta(minutes=rng.randint(0, 40))
        emissions.append(Emission(sent, "history", truth.code, history_item(truth, step, officer)))
    return emissions
