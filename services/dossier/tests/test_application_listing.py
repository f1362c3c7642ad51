from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tthc.dossier.application_index import InvalidPageTokenError
from tthc.dossier.domain.commands import ReceiveDossier, RegisterOnline, ResolveDossier, StartProcessingStep
from tthc.dossier.domain.units import sample_units
from tthc.dossier.domain.values import Applicant, DossierStatus
from tthc.dossier.domain.views import DossierFilter
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)
PROCEDURE = "9.900001"
APPLICANT = Applicant(name="Lê Văn Cường", id_number="051095007777")


def receive(code: str, unit: str, at: datetime) -> ReceiveDossier:
    return ReceiveDossier(
        code=code, procedure_code=PROCEDURE, unit_code=unit, applicant=APPLICANT, received_at=at
    )


def codes(page) -> list[str]:
    return [view.code for view in page.items]


@pytest.fixture
def app(make_dossiers, store_url):
    return make_dossiers(store_url, units=sample_units())


@pytest.fixture
def populated(app):
    # given: dossiers received out of code order, two at the same instant, one only registered
    app.handle([receive("NN-3", "H48.40.01", T0 + 2 * HOUR)])
    app.handle([receive("NN-1", "H48.40.01", T0)])
    app.handle([receive("PH-2", "H48.40.02", T0 + HOUR)])
    app.handle([receive("NN-2", "H48.40.01", T0 + HOUR)])
    app.handle(
        [receive("TP-1", "H48.30.01", T0 + 3 * HOUR), StartProcessingStep(code="TP-1", at=T0 + 4 * HOUR)]
    )
    app.handle([receive("SO-1", "H48.02", T0 + 24 * HOUR), ResolveDossier(code="SO-1", at=T0 + 25 * HOUR)])
    app.handle(
        [
            RegisterOnline(
                code="NN-0",
                procedure_code=PROCEDURE,
                unit_code="H48.40.01",
                applicant=APPLICANT,
                submitted_at=T0,
            )
        ]
    )
    return app


def test_dossiers_are_listed_by_reception_time_then_code_with_unreceived_last(populated):
    page = populated.list(DossierFilter())

    assert codes(page) == ["NN-1", "NN-2", "PH-2", "NN-3", "TP-1", "SO-1", "NN-0"]
    assert page.total == 7
    assert page.next_page_token == ""


def test_paging_walks_the_whole_listing_once(populated):
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = populated.list(DossierFilter(), page_size=3, page_token=token)
        seen += codes(page)
        pages += 1
        assert page.total == 7
        token = page.next_page_token
        if not token:
            break

    assert pages == 3
    assert seen == ["NN-1", "NN-2", "PH-2", "NN-3", "TP-1", "SO-1", "NN-0"]


def test_a_page_token_keeps_its_place_when_earlier_dossiers_arrive(populated):
    first = populated.list(DossierFilter(), page_size=2)
    populated.handle([receive("AA-0", "H48.40.01", T0 - HOUR)])

    second = populated.list(DossierFilter(), page_size=2, page_token=first.next_page_token)

    assert codes(first) == ["NN-1", "NN-2"]
    assert codes(second) == ["PH-2", "NN-3"]
    assert second.total == 8


def test_filters_by_unit_status_and_reception_period(populated):
    unit = populated.list(DossierFilter(unit_code="H48.40.01"))
    processing = populated.list(DossierFilter(status=S.PROCESSING))
    period = populated.list(DossierFilter(received_from=T0 + HOUR, received_to=T0 + 3 * HOUR))
    combined = populated.list(
        DossierFilter(unit_code="H48.40.01", status=S.RECEIVED, received_from=T0 + HOUR)
    )

    assert codes(unit) == ["NN-1", "NN-2", "NN-3", "NN-0"]
    assert codes(processing) == ["TP-1"]
    assert codes(period) == ["NN-2", "PH-2", "NN-3"]  # same instant: by code
    assert codes(combined) == ["NN-2", "NN-3"]
    assert combined.total == 2


def test_a_unit_with_its_descendants_includes_every_unit_below_it(populated):
    district = populated.list(DossierFilter(unit_code="H48.40", include_descendants=True))
    province = populated.list(DossierFilter(unit_code="H48", include_descendants=True))
    district_only = populated.list(DossierFilter(unit_code="H48.40"))

    assert codes(district) == ["NN-1", "NN-2", "PH-2", "NN-3", "NN-0"]
    assert province.total == 7
    assert district_only.total == 0


def test_descendants_may_come_from_a_plain_callable(make_dossiers):
    app = make_dossiers(units=lambda code: ["X.1", "X.2"] if code == "X" else [])
    app.handle([receive("A", "X.2", T0)])
    app.handle([receive("B", "Y", T0)])

    assert codes(app.list(DossierFilter(unit_code="X", include_descendants=True))) == ["A"]


def test_the_listing_reflects_status_changes(populated):
    populated.handle([StartProcessingStep(code="NN-1", at=T0 + HOUR)])

    assert codes(populated.list(DossierFilter(status=S.PROCESSING))) == ["NN-1", "TP-1"]
    assert populated.list(DossierFilter(unit_code="H48.40.01")).items[0].status is S.PROCESSING


def test_a_forged_page_token_is_refused(populated):
    with pytest.raises(InvalidPageTokenError):
        populated.list(DossierFilter(), page_token="not-a-token")
    with pytest.raises(ValueError, match="page_size"):
        populated.list(DossierFilter(), page_size=0)
