from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from tthc.indicators.domain.scoring import PaymentRounding, ScoringConfig
from tthc.indicators.portal import Endpoint, load_response, reconcile

REPO = Path(__file__).resolve().parents[3]
SAMPLES = Path(os.environ.get("TTHC_PORTAL_SAMPLES", REPO.parent / "shared" / "data" / "portal-samples"))
FILES = {endpoint: SAMPLES / f"{endpoint.value}__2026-08__all.json" for endpoint in Endpoint}
UNITS = 164  # Phú Thọ and its 163 child units


def rows_for(endpoint: Endpoint, config: ScoringConfig | None = None):
    response = load_response(FILES[endpoint])
    return reconcile(response) if config is None else reconcile(response, config=config)


@pytest.mark.parametrize(
    ("endpoint", "metrics_per_unit"),
    [
        (Endpoint.TRANSPARENCY, 4),
        (Endpoint.DIGITISATION, 7),
        (Endpoint.SATISFACTION, 5),
        (Endpoint.PROGRESS, 1),
    ],
)
def test_every_published_figure_is_reproduced_exactly_from_the_counts(endpoint, metrics_per_unit):
    rows = rows_for(endpoint)
    assert len(rows) == UNITS * (metrics_per_unit + 1)
    assert all(row.comparable for row in rows)
    assert [row for row in rows if not row.matches] == []


def test_online_services_parent_is_reproduced_and_children_cannot_be():
    rows = rows_for(Endpoint.ONLINE_SERVICES)
    group_rows = [row for row in rows if row.metric == "CLGQ"]
    parent, children = group_rows[0], group_rows[1:]
    assert (parent.unit_code, parent.recomputed_score, parent.matches) == ("H44", Decimal("8.83"), True)
    assert len(children) == UNITS - 1
    assert all(row.recomputed_score is None for row in children)


def test_online_payment_with_the_documented_formula_is_within_a_rounding_step():
    documented = ScoringConfig(payment_rounding=PaymentRounding.GROUP_SUM)
    rows = [row for row in rows_for(Endpoint.ONLINE_PAYMENT, documented) if row.metric == "TTTT"]
    assert len(rows) == UNITS
    assert all(row.diff is not None and abs(row.diff) <= Decimal("0.015") for row in rows)


def test_online_payment_with_the_solved_portal_rounding_is_exact():
    rows = [row for row in rows_for(Endpoint.ONLINE_PAYMENT) if row.metric == "TTTT"]
    assert len(rows) == UNITS
    assert [row for row in rows if not row.matches] == []
