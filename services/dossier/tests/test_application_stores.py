from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tthc.dossier.domain.commands import ReceiveDossier, RequestSupplement, StartProcessingStep
from tthc.dossier.domain.values import Applicant, DossierStatus
from tthc.dossier.domain.views import DossierFilter
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)
CODE = "H48.40.01-240304-0001"
APPLICANT = Applicant(name="Võ Văn Em", id_number="051099001111")


def receive(code: str = CODE, at: datetime = T0) -> ReceiveDossier:
    return ReceiveDossier(
        code=code, procedure_code="9.900001", unit_code="H48.40.01", applicant=APPLICANT, received_at=at
    )


@pytest.fixture(params=["sqlite", "postgres"])
def durable_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dossiers.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def test_a_new_application_over_the_same_store_sees_the_same_state_and_index(
    make_dossiers, durable_store_url
):
    first = make_dossiers(durable_store_url)
    first.handle([receive(), StartProcessingStep(code=CODE, at=T0 + HOUR)])
    first.handle([receive("H48.40.01-240304-0002", T0 + HOUR)])
    view = first.get(CODE)
    listing = first.list(DossierFilter(), page_size=1)
    position = first.max_notification_id()
    first.close()

    second = make_dossiers(durable_store_url)

    assert second.get(CODE) == view
    assert second.list(DossierFilter(), page_size=1) == listing
    assert second.list(DossierFilter(), page_token=listing.next_page_token).items[0].code.endswith("0002")
    assert second.max_notification_id() == position  # the catalogue was not registered twice


def test_writes_by_another_process_reach_the_listing_on_demand(make_dossiers, durable_store_url):
    writer = make_dossiers(durable_store_url)
    reader = make_dossiers(durable_store_url)
    assert reader.list(DossierFilter()).total == 0

    writer.handle([receive()])
    writer.handle([StartProcessingStep(code=CODE, at=T0 + HOUR)])

    page = reader.list(DossierFilter())
    assert [view.code for view in page.items] == [CODE]
    assert page.items[0].status is S.PROCESSING
    assert reader.get(CODE).version == writer.get(CODE).version


def test_a_version_conflict_is_retried_once_on_a_fresh_load(make_dossiers, store_url, monkeypatch):
    app = make_dossiers(store_url)
    app.handle([receive()])
    stale = app._find(CODE)  # loaded before another writer moves the dossier on
    app.handle([StartProcessingStep(code=CODE, at=T0 + HOUR)])
    loads = []
    real_find = app._find

    def find_stale_first(code):
        loads.append(code)
        return stale if len(loads) == 1 else real_find(code)

    monkeypatch.setattr(app, "_find", find_stale_first)

    outcome = app.handle([RequestSupplement(code=CODE, at=T0 + 2 * HOUR)])

    assert len(loads) == 2
    assert outcome.new_events == ("SupplementRequested",)
    assert outcome.version == 4
    assert [e.status for e in app.get(CODE).timeline] == [S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED]
