"""Fixtures for the dossier service's tests.

- ``make_dossiers(store_url="memory://", clock=None, units=None, with_catalogue=True)``: a ``Dossiers``
  application on that store, with the shipped working calendar, a test pseudonymizer and the procedure
  catalogue registered (the shipped sample catalogue when present, plus ``TEST_PROCEDURES``); closed at
  teardown;
- ``dossiers``: one in memory;
- ``procedure_specs``: the catalogue specs ``make_dossiers`` registers;
- ``clock``: a ``FixedClock`` at ``T0`` (Monday 2024-03-04 08:00, Asia/Ho_Chi_Minh);
- ``dossier_in(status)``: a ``Dossier`` aggregate (no store) driven to ``status`` through the usual steps
  (``PATHS``, one hour apart from ``T0``; received at ``T0`` with due ``DUE``), its events already collected;
  ``new_dossier(code, registered=True)`` and ``take_step(dossier, step, at)`` are the building blocks;
- ``store_url``: parametrised over ``memory://``, a temporary SQLite file and a fresh database on the real
  PostgreSQL server (``postgres_database`` from ``tthc.kit.testing.fixtures``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from tthc.dossier.application import Dossiers
from tthc.dossier.domain.catalogue import ProcedureSpec, parse_catalogue, sample_catalogue
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.values import (
    Applicant,
    Channel,
    DossierStatus,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
)
from tthc.kit.clock import VIETNAM, Clock, FixedClock
from tthc.kit.pseudonym import Pseudonymizer
from tthc.kit.worktime import default_calendar

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)  # a Monday, office hours
DUE = datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)  # T0 + 3 working days
HOUR = timedelta(hours=1)
UNIT = "H48.40.01"
APPLICANT = Applicant(
    name="Nguyễn Văn An", id_number="051090001234", phone="0905123456", email="an@example.vn"
)
PSEUDONYM_SECRET = b"dossier-tests-secret-0123456789"

# Procedures with simple, known terms for tests (codes outside the national range used by the sample).
THREE_WORKING_DAYS = "9.900001"  # 3 working days; online 2 working days; paper result required
TWO_CALENDAR_DAYS = "9.900002"  # 2 calendar days; electronic result only
TEST_PROCEDURES_YAML = f"""
procedures:
  - code: "{THREE_WORKING_DAYS}"
    name: "Thủ tục thử nghiệm ba ngày làm việc"
    field: {{code: "T01", name: "Lĩnh vực thử nghiệm"}}
    level: commune
    online_level: full_process
    legal_time: "3 working_days"
    online_legal_time: "2 working_days"
    requires_paper_result: true
    subject_types: [citizen]
  - code: "{TWO_CALENDAR_DAYS}"
    name: "Thủ tục thử nghiệm hai ngày"
    field: {{code: "T01", name: "Lĩnh vực thử nghiệm"}}
    level: commune
    online_level: partial
    legal_time: "2 calendar_days"
    subject_types: [citizen, business]
"""

MakeDossiers = Callable[..., Dossiers]
DossierIn = Callable[[DossierStatus], Dossier]

# The steps that lead to each status from a dossier received at T0 (one hour apart).
PATHS: dict[DossierStatus, tuple[str, ...]] = {
    DossierStatus.REGISTERED: (),
    DossierStatus.RECEIVED: ("receive",),
    DossierStatus.PROCESSING: ("receive", "start_step"),
    DossierStatus.SUPPLEMENT_REQUESTED: ("receive", "start_step", "request_supplement"),
    DossierStatus.FINANCIAL_OBLIGATION: ("receive", "start_step", "request_financial_obligation"),
    DossierStatus.RESOLVED: ("receive", "start_step", "resolve"),
    DossierStatus.RESULT_RETURNED: ("receive", "start_step", "resolve", "return_result"),
    DossierStatus.REFUSED: ("refuse",),
    DossierStatus.WITHDRAWN: ("receive", "withdraw"),
    DossierStatus.STOPPED: ("receive", "start_step", "stop"),
}


def new_dossier(code: str = "H48.40.01-240304-0001", *, registered: bool = True) -> Dossier:
    """A freshly opened dossier aggregate (status 1), submitted one hour before ``T0``."""
    return Dossier(
        code=code,
        procedure_code=THREE_WORKING_DAYS,
        unit_code=UNIT,
        channel=Channel.ONLINE if registered else Channel.DIRECT,
        applicant=APPLICANT,
        applicant_ref="ps1:test",
        applicant_type=APPLICANT.applicant_type,
        submitted_at=T0 - HOUR,
        summary="",
        registered=registered,
    )


def take_step(dossier: Dossier, step: str, at: datetime) -> None:
    """Applies one named lifecycle step at ``at`` with plain arguments."""
    match step:
        case "receive":
            dossier.receive(at, DUE, dossier.channel, dossier.procedure_code, dossier.unit_code)
        case "refuse" | "withdraw" | "stop" | "request_supplement":
            getattr(dossier, step)(at, f"{step} reason")
        case "start_step":
            dossier.start_step(at, "Bộ phận một cửa", None, "")
        case "supply_supplement":
            dossier.supply_supplement(at, None)
        case "request_financial_obligation":
            dossier.request_financial_obligation(at, ())
        case "pay_fees":
            dossier.pay_fees(at, 50_000, OnlinePayment.NONE)
        case "resolve":
            dossier.resolve(at, (ResultDocument(name="Giấy chứng nhận", link="https://kq.example/1"),), False)
        case "return_result":
            dossier.return_result(at, ReturnMethod.IN_PERSON)
        case "issue_apology":
            dossier.issue_apology(at, None, "late")
        case _:
            raise ValueError(step)


def drive_to(status: DossierStatus) -> Dossier:
    """A dossier driven to ``status`` (steps at T0, T0+1h, ...), with its events collected."""
    dossier = new_dossier()
    for hours, step in enumerate(PATHS[status]):
        take_step(dossier, step, T0 + hours * HOUR)
    dossier.collect_events()
    return dossier


@pytest.fixture
def dossier_in() -> DossierIn:
    return drive_to


@pytest.fixture(name="new_dossier")
def new_dossier_fixture() -> Callable[..., Dossier]:
    return new_dossier


@pytest.fixture(name="take_step")
def take_step_fixture() -> Callable[[Dossier, str, datetime], None]:
    return take_step


def procedures_for_tests() -> list[ProcedureSpec]:
    """The procedures with known terms used by the dossier tests."""
    return parse_catalogue(TEST_PROCEDURES_YAML, "test-procedures")


def catalogue_specs() -> list[ProcedureSpec]:
    """The shipped sample catalogue (when the data file exists) plus the test procedures."""
    shipped = files("tthc.dossier") / "data" / "catalogue.sample.yaml"
    return [*(sample_catalogue() if shipped.is_file() else []), *procedures_for_tests()]


def build_dossiers(
    store_url: str,
    clock: Clock,
    *,
    units: Callable[[str], Iterable[Any]] | Any | None = None,
    with_catalogue: bool = True,
) -> Dossiers:
    """A ``Dossiers`` application for tests, with the catalogue registered when asked."""
    app = Dossiers(
        env=Dossiers.store_env(store_url),
        clock=clock,
        calendar=default_calendar(),
        pseudonymizer=Pseudonymizer(PSEUDONYM_SECRET),
        units=units,
    )
    if with_catalogue:
        app.register_procedures(catalogue_specs())
    return app


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def make_dossiers(clock: FixedClock) -> Iterator[MakeDossiers]:
    opened: list[Dossiers] = []

    def make(
        store_url: str = "memory://",
        clock: Clock | None = None,
        units: Callable[[str], Iterable[Any]] | Any | None = None,
        with_catalogue: bool = True,
    ) -> Dossiers:
        app = build_dossiers(store_url, clock or default_clock, units=units, with_catalogue=with_catalogue)
        opened.append(app)
        return app

    default_clock = clock
    yield make
    for app in opened:
        app.close()


@pytest.fixture
def procedure_specs() -> list[ProcedureSpec]:
    return catalogue_specs()


@pytest.fixture
def dossiers(make_dossiers: MakeDossiers) -> Dossiers:
    return make_dossiers()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dossiers.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url
