from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tthc.indicators.domain.scoring import GroupCode, MetricCode, MetricInput, score_unit
from tthc.indicators.entrypoints.cli import index_app
from tthc.indicators.portal import (
    Endpoint,
    PortalResponseError,
    ReconcileSummary,
    load_response,
    parse_response,
    reconcile,
)

FIXTURES = Path(__file__).parent / "fixtures" / "portal"
JSON_KEYS = {"endpoint", "unit_code", "unit_name", "metric", "portal_score", "recomputed_score", "diff"}


def rows_of(name: str):
    return reconcile(load_response(FIXTURES / name))


def recomputed(rows, unit_code: str, metric: str) -> Decimal | None:
    return next(row.recomputed_score for row in rows if row.unit_code == unit_code and row.metric == metric)


# Hand-built responses, one per endpoint; expected scores computed by hand from docs/index-766.md §1.8.


@pytest.mark.parametrize(
    ("name", "endpoint"),
    [
        ("transparency.json", Endpoint.TRANSPARENCY),
        ("dvc-progress-tree.json", Endpoint.PROGRESS),
        ("provide-online-tree.json", Endpoint.ONLINE_SERVICES),
        ("formality-online-payment-tree.json", Endpoint.ONLINE_PAYMENT),
        ("dossier-digitized.json", Endpoint.DIGITISATION),
        ("handling-satisfaction.json", Endpoint.SATISFACTION),
    ],
)
def test_the_endpoint_is_recognised_from_the_shape(name, endpoint):
    assert load_response(FIXTURES / name).endpoint is endpoint


@pytest.mark.parametrize(
    ("name", "unit", "metric", "expected"),
    [
        ("transparency.json", "id-T", "CKMB", "7.96"),  # 1.96 + 6, 1.1 and 1.2 null
        ("transparency.json", "id-T.1", "PUBLIC_UPDATE_ON_TIME", "1.33"),  # 4 × 1/3
        ("transparency.json", "id-T.1", "CKMB", "7.79"),  # 4.50 + 1.33 + 1.96
        ("dvc-progress-tree.json", "H99", "TDGQ", "15.68"),  # 20 × 144 625/184 513
        ("dvc-progress-tree.json", "H99.01", "PROCESSED_ON_TIME", "0.00"),  # received 0 → 0
        ("dvc-progress-tree.json", "H99.03", "TDGQ", "0.01"),  # 20/4000 = 0.005, half-up
        ("provide-online-tree.json", "H99", "CLGQ", "8.83"),  # 2 + 0.83 + 6
        ("provide-online-tree.json", "H99.02", "ONLINE_SERVICE_PROVISION", "1.00"),  # 2 × 0.4/0.8
        ("provide-online-tree.json", "H99.02", "CLGQ", "7.10"),  # 1.00 + 2.50 + 3.60
        ("formality-online-payment-tree.json", "H99", "TTTT", "6.25"),  # 5.05 + 0.75 + 0.45
        ("formality-online-payment-tree.json", "H99.07", "TTTT", "8.00"),  # 6 + 2 + 0
        ("formality-online-payment-tree.json", "H99.10", "TTTT", "0.00"),  # zero denominators
        ("formality-online-payment-tree.json", "H99.156", "TTTT", "6.91"),  # 5.92 + 0.61 + 0.38
        ("dossier-digitized.json", "id-D", "MDSH", "7.00"),  # 1.20 + 0.80 + 1.00 + 0 + 2 + 0 + 2
        ("dossier-digitized.json", "id-D.1", "MDSH", "2.00"),  # no dossiers: certified copy only
        ("dossier-digitized.json", "id-D.2", "MDSH", "2.03"),  # 0.02 + 0.01 + 2 (Σ rounded)
        ("dossier-digitized.json", "id-D.3", "CITIZEN_DATA_CONNECTED_DOSSIER", "0.83"),  # from counts
        ("handling-satisfaction.json", "id-S", "MDHL", "12.97"),  # 5.22 + 4.42 + 3.33
        ("handling-satisfaction.json", "id-S.1", "MDHL", "14.67"),  # 2.67 + 6 + 6 (no petitions)
        ("handling-satisfaction.json", "id-S.2", "DOSSIER_RECEIVING_SATISFACTION", "0.00"),
        ("handling-satisfaction.json", "id-S.3", "MDHL", "12.00"),  # 6 (95 % ≥ 90 %) + 3 + 3
    ],
)
def test_recomputed_scores_of_hand_built_responses(name, unit, metric, expected):
    assert recomputed(rows_of(name), unit, metric) == Decimal(expected)


def test_metrics_null_on_the_portal_are_null_when_recomputed():
    rows = rows_of("transparency.json")
    row = next(r for r in rows if r.unit_code == "id-T" and r.metric == "PUBLISH_ON_TIME")
    assert (row.portal_score, row.recomputed_score, row.matches) == (None, None, True)


def test_a_published_figure_that_disagrees_shows_its_diff():
    rows = rows_of("transparency.json")
    row = next(r for r in rows if r.unit_code == "id-T.2" and r.metric == "DOSSIER_SYNC")
    assert (row.portal_score, row.recomputed_score, row.diff) == (
        Decimal("3.01"),
        Decimal("3.00"),
        Decimal("-0.01"),
    )
    assert not row.matches


def test_children_without_raw_counts_have_only_a_null_recomputed_total():
    rows = [row for row in rows_of("provide-online-tree.json") if row.unit_code == "H99.01"]
    assert [(row.metric, row.portal_score, row.recomputed_score) for row in rows] == [
        ("CLGQ", Decimal("7.17"), None)
    ]
    assert not rows[0].comparable


def test_payment_parts_are_listed_but_not_compared():
    rows = [row for row in rows_of("formality-online-payment-tree.json") if row.unit_code == "H99"]
    parts = {row.metric: row for row in rows if row.metric != "TTTT"}
    assert set(parts) == {"ONLINE_PAYMENT_DOSSIERS", "ONLINE_PAYMENT_FORMALITY", "FEE_INTEGRATED_FORMALITY"}
    assert parts["ONLINE_PAYMENT_DOSSIERS"].recomputed_score == Decimal("5.05")
    assert all(row.portal_score is None and not row.comparable for row in parts.values())


def test_the_ratio_only_certified_copy_uses_its_given_ratio():
    unit = next(u for u in load_response(FIXTURES / "dossier-digitized.json").units if u.unit_code == "id-D")
    assert unit.inputs()[MetricCode.ELECTRONIC_CERTIFIED_COPY] == MetricInput.of_share(Decimal(1))


def test_units_are_coded_by_department_code_else_by_department_id():
    progress = load_response(FIXTURES / "dvc-progress-tree.json")
    satisfaction = load_response(FIXTURES / "handling-satisfaction.json")
    assert progress.units[0].unit_code == "H99"
    assert satisfaction.units[0].unit_code == "id-S"


def test_ours_hook_is_asked_per_unit_and_period():
    asked = []

    def ours(unit_code: str, period: str | None):
        asked.append((unit_code, period))
        return score_unit({MetricCode.PROCESSED_ON_TIME: MetricInput(1, 2)}) if unit_code == "H99" else None

    rows = reconcile(load_response(FIXTURES / "dvc-progress-tree.json"), ours, period="2026-08")
    assert ("H99", "2026-08") in asked
    assert next(r for r in rows if r.unit_code == "H99" and r.metric == "TDGQ").ours_score == Decimal("10.00")


@pytest.mark.parametrize(
    "document",
    [
        {"code": "OK", "data": {"something": []}},
        {"code": "ERROR", "message": "boom", "data": None},
        {"code": "OK", "data": {"overview": {"departmentId": "x", "metrics": [{"code": "UNKNOWN"}]}}},
        {"code": "OK", "data": {"parent": {"departmentCode": "H1", "foo": 1}}},
        [1, 2, 3],
    ],
)
def test_unknown_documents_are_rejected_with_a_named_error(document):
    with pytest.raises(PortalResponseError):
        parse_response(document)


# CLI


def invoke(*args: str):
    return CliRunner().invoke(index_app, ["reconcile", *args])


def test_cli_json_rows_have_exactly_the_public_keys():
    result = invoke("--portal", str(FIXTURES / "transparency.json"), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(set(row) == JSON_KEYS for row in rows)
    # 3 units × (4 metrics + 1 group row)
    assert len(rows) == 15
    mismatch = next(row for row in rows if row["unit_code"] == "id-T.2" and row["metric"] == "CKMB")
    assert (mismatch["portal_score"], mismatch["recomputed_score"], mismatch["diff"]) == (4.97, 4.96, -0.01)


def test_cli_table_ends_with_a_summary_and_exits_0_despite_diffs():
    result = invoke("--portal", str(FIXTURES / "transparency.json"))
    assert result.exit_code == 0
    assert "rows 15 · comparable 15 · exact matches 13 · max |diff| 0.01" in result.stdout


@pytest.mark.parametrize("content", ["not json", '{"code": "OK", "data": {"nothing": 1}}'])
def test_cli_rejects_unreadable_or_unknown_files(tmp_path, content):
    path = tmp_path / "response.json"
    path.write_text(content, encoding="utf-8")
    result = invoke("--portal", str(path))
    assert result.exit_code != 0
    assert "error:" in result.output


def test_cli_rejects_a_missing_file(tmp_path):
    result = invoke("--portal", str(tmp_path / "absent.json"))
    assert result.exit_code != 0
    assert "cannot read" in result.output


def test_summary_counts_only_comparable_rows():
    summary = ReconcileSummary.of(rows_of("formality-online-payment-tree.json"))
    # 5 units × (3 parts + 1 total); only the 5 totals are published
    assert (summary.rows, summary.comparable, summary.exact) == (20, 5, 5)


def test_group_rows_use_the_group_code():
    rows = rows_of("dossier-digitized.json")
    assert {row.metric for row in rows if row.metric in {g.value for g in GroupCode}} == {"MDSH"}


def test_cli_json_of_a_parameter_shaped_response_lists_only_what_it_lists_the_table_shows_the_parts():
    path = str(FIXTURES / "formality-online-payment-tree.json")
    rows = json.loads(invoke("--portal", path, "--json").stdout)
    units = {row["unit_code"] for row in rows}
    assert [row["metric"] for row in rows] == ["TTTT"] * len(units)
    table = invoke("--portal", path).stdout
    assert "ONLINE_PAYMENT_DOSSIERS" in table
