"""Synthetic dossier histories for tests, demos and load runs, independent of the dossier service.

A `DossierScenario` is a plain description (reception, due date, steps). `scenario_events` renders it as the
public CloudEvents the dossier service would publish (versions as the aggregate numbers them: an online
dossier is registered at version 1; a dossier opened at the counter publishes nothing for version 1, so its
reception is version 2). `expected_facts` builds the facts the description means with the domain's own
helpers, without the event mapping, so it can check the projection.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from tthc.contracts import catalog_v1
from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import CloudEvent, EventData, envelope
from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
)
from tthc.indicators.projection.mapping import CODED_RESULT, ELECTRONIC_RESULT

_STATUS_OF = {
    "start": DossierStatus.PROCESSING,
    "refuse": DossierStatus.REFUSED,
    "withdraw": DossierStatus.WITHDRAWN,
    "stop": DossierStatus.STOPPED,
    "return": DossierStatus.RESULT_RETURNED,
}
_PLAIN_EVENTS: dict[str, type[pub.DossierEvent]] = {
    "start": pub.DossierStepStarted,
    "refuse": pub.DossierRefused,
    "withdraw": pub.DossierWithdrawn,
    "stop": pub.DossierStopped,
    "return": pub.DossierResultReturned,
    "supplement": pub.DossierSupplementRequested,
    "synced": pub.DossierSynced,
    "apology": pub.DossierApologyIssued,
    "vneid": pub.DossierVneidAuthenticated,
}


@dataclass(frozen=True, slots=True)
class Step:
    """One step after the reception: `kind` (see `STEP_KINDS`), its instant, a new due date, a number."""

    kind: str
    at: datetime
    due: datetime | None = None
    number: int = 0


STEP_KINDS = frozenset(
    {*_PLAIN_EVENTS, "supplied", "resolve", "paid", "fees", "documents", "history", "population"}
)


@dataclass(frozen=True, slots=True)
class DossierScenario:
    """A dossier's life: where, when, and the steps after its reception."""

    dossier_id: uuid.UUID
    code: str
    unit_code: str
    procedure_code: str
    received_at: datetime
    due_at: datetime | None
    channel: int = 1
    registered_at: datetime | None = None  # online registration before the reception
    steps: tuple[Step, ...] = field(default=())


def scenario_events(scenario: DossierScenario) -> list[CloudEvent[Any]]:
    """The public events of the scenario, in version order."""
    base = {"dossier_id": scenario.dossier_id, "code": scenario.code}
    header = {
        "procedure_code": scenario.procedure_code,
        "unit_code": scenario.unit_code,
        "channel": scenario.channel,
        "applicant_ref": f"ref-{scenario.code}",
        "applicant_type": 1,
    }
    payloads: list[tuple[EventData, datetime]] = []
    if scenario.registered_at is not None:
        registered = pub.DossierRegistered(**base, **header, submitted_at=scenario.registered_at)
        payloads.append((registered, scenario.registered_at))
    received = pub.DossierReceived(
        **base,
        **header,
        submitted_at=scenario.registered_at,
        received_at=scenario.received_at,
        due_at=scenario.due_at,
    )
    payloads.append((received, scenario.received_at))
    payloads += [(_step_event(step, base), step.at) for step in scenario.steps]
    return [
        envelope(
            data,
            aggregate_id=scenario.dossier_id,
            version=version,
            source=pub.SOURCE,
            subject=scenario.code,
            time=at,
            unit=scenario.unit_code,
        )
        for version, (data, at) in enumerate(payloads, start=1 if scenario.registered_at else 2)
    ]


def _step_event(step: Step, base: dict[str, Any]) -> EventData:
    plain = _PLAIN_EVENTS.get(step.kind)
    if plain is not None:
        return plain(**base, at=step.at)
    if step.kind == "supplied":
        return pub.DossierSupplementSupplied(**base, at=step.at, due_at=step.due)
    if step.kind == "resolve":
        result = pub.ResultFile(name="Kết quả", code=f"KQ-{base['code']}", electronic=bool(step.number))
        return pub.DossierResolved(**base, at=step.at, results=(result,), requires_paper_result=False)
    if step.kind == "paid":
        return pub.DossierFeesPaid(**base, at=step.at, amount=10_000, online_payment=step.number)
    if step.kind == "fees":
        return pub.DossierFeesDeclared(**base, fees=(pub.Fee(name="Lệ phí", code="LP", amount=step.number),))
    if step.kind == "documents":
        flags = pub.DocumentFlags(code="TP1", has_file=True, digitised=True, reused=bool(step.number))
        return pub.DossierDocumentsAttached(**base, documents=(flags,))
    if step.kind == "population":
        return pub.DossierPopulationDatabaseUsed(**base, at=step.at, databases=("CSDLQG-DC",))
    if step.kind == "history":
        return pub.DossierHistoryRecorded(**base, at=step.at, status=4)
    raise ValueError(f"unknown step kind {step.kind!r}")


def expected_facts(scenario: DossierScenario) -> DossierFacts:
    """The facts the scenario describes, built with the domain helpers (no event mapping involved)."""
    facts = DossierFacts(
        dossier_id=str(scenario.dossier_id),
        code=scenario.code,
        unit_code=scenario.unit_code,
        procedure_code=scenario.procedure_code,
        channel=Channel(scenario.channel),
        submitted_at=scenario.registered_at,
    )
    if scenario.registered_at is not None:
        facts = facts.with_status(DossierStatus.REGISTERED, scenario.registered_at)
    facts = facts.with_reception(scenario.received_at, scenario.due_at)
    for step in scenario.steps:
        facts = _EXPECT[step.kind](facts, step) if step.kind in _EXPECT else facts
    return facts


def _expect_resolve(facts: DossierFacts, step: Step) -> DossierFacts:
    result = ResultDocument(CODED_RESULT, ELECTRONIC_RESULT if step.number else None)
    return replace(facts, results=(result,), requires_paper_result=False).with_status(
        DossierStatus.RESOLVED, step.at
    )


def _enter(status: DossierStatus) -> Callable[[DossierFacts, Step], DossierFacts]:
    def enter(facts: DossierFacts, step: Step) -> DossierFacts:
        return facts.with_status(status, step.at)

    return enter


_EXPECT: dict[str, Callable[[DossierFacts, Step], DossierFacts]] = {
    **{kind: _enter(status) for kind, status in _STATUS_OF.items()},
    "supplement": lambda f, s: f.with_supplement_requested(s.at),
    "supplied": lambda f, s: f.with_supplement_supplied(s.at, s.due),
    "resolve": _expect_resolve,
    "synced": lambda f, s: f.with_synced(s.at),
    "apology": lambda f, s: f.with_apology(s.at),
    "vneid": lambda f, s: f.with_vneid(s.at),
    "population": lambda f, s: f.with_population_data(s.at),
    "paid": lambda f, s: f.with_payment(OnlinePayment(s.number), s.at) if s.number else f,
    "fees": lambda f, s: replace(f, fees=(FeeLine("LP", s.number),)),
    "documents": lambda f, s: f.with_document(SubmittedDocument("TP1", True, bool(s.number), False)),
}


@dataclass(frozen=True, slots=True)
class ScenarioSpace:
    """Where and when random scenarios happen: units, procedures, `days` days from `first_day` in `zone`."""

    units: Sequence[str]
    procedures: Sequence[str]
    first_day: date
    days: int
    zone: Any


def random_scenarios(rng: random.Random, count: int, space: ScenarioSpace) -> list[DossierScenario]:
    """`count` varied dossiers: refused, resolved early or late, withdrawn, pending, with supplements."""
    return [_random_scenario(rng, n, space) for n in range(count)]


def _random_scenario(rng: random.Random, n: int, space: ScenarioSpace) -> DossierScenario:
    day = space.first_day + timedelta(days=rng.randrange(space.days))
    zone = space.zone
    received = datetime(day.year, day.month, day.day, rng.randrange(7, 17), rng.randrange(60), tzinfo=zone)
    online = rng.random() < 0.5
    due = received + timedelta(days=rng.choice((1, 3, 5, 10))) if rng.random() < 0.95 else None
    clock = received
    steps: list[Step] = []

    def step(kind: str, hours: float, **extra: Any) -> None:
        nonlocal clock
        clock += timedelta(hours=hours)
        steps.append(Step(kind, clock, **extra))

    if rng.random() < 0.6:
        step("documents", 0.1, number=rng.randrange(2))
    if rng.random() < 0.4:
        step("fees", 0.1, number=rng.choice((0, 20_000)))
    fate = rng.random()
    if fate < 0.05:
        step("refuse", 2)
    else:
        step("start", 1)
        if rng.random() < 0.2:
            step("supplement", rng.uniform(2, 48))
            if rng.random() < 0.7:
                shift = timedelta(hours=rng.uniform(24, 96))
                step("supplied", shift.total_seconds() / 3600, due=None if due is None else due + shift)
        if fate < 0.85 and (not steps or steps[-1].kind != "supplement"):
            if rng.random() < 0.3:
                step("paid", 1, number=rng.choice((0, 1, 2)))
            step("resolve", rng.uniform(4, 24 * 12), number=rng.randrange(2))
            if rng.random() < 0.7:
                step("return", rng.uniform(1, 72))
        elif fate < 0.9:
            step("withdraw", rng.uniform(1, 48))
    if rng.random() < 0.8:
        step("synced", 0.5)
    if rng.random() < 0.1:
        step("history", 0.1)
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, f"tthc-scenario/{n}/{rng.random()}"),
        code=f"SC-{n:06d}",
        unit_code=rng.choice(space.units),
        procedure_code=rng.choice(space.procedures),
        received_at=received,
        due_at=due,
        channel=2 if online else 1,
        registered_at=received - timedelta(hours=rng.uniform(1, 30)) if online else None,
        steps=tuple(steps),
    )


def procedure_changed(
    code: str,
    version: int,
    *,
    online_level: str = "full_process",
    has_fee: bool = False,
    unit_level: str = "commune",
    legal_time_days: float | None = 3,
    status: str = "in_force",
    publications: tuple[catalog_v1.PublicationDecision, ...] = (),
    change: str = "registered",
) -> CloudEvent[Any]:
    """A `ProcedureChanged` CloudEvent for procedure `code` at `version`."""
    procedure_id = uuid.uuid5(uuid.NAMESPACE_URL, f"tthc-procedure/{code}")
    snapshot = catalog_v1.ProcedureSnapshot(
        procedure_id=procedure_id,
        code=code,
        name=f"Thủ tục {code}",
        unit_level=unit_level,
        online_level=online_level,
        legal_time_amount=legal_time_days,
        legal_time_unit=None if legal_time_days is None else "working_days",
        has_fee=has_fee,
        status=status,
        publications=publications,
    )
    return envelope(
        catalog_v1.ProcedureChanged(change=change, procedure=snapshot),
        aggregate_id=procedure_id,
        version=version,
        source=catalog_v1.SOURCE,
        subject=code,
        time=datetime.fromisoformat("2024-01-01T00:00:00+07:00"),
        unit="",
    )
