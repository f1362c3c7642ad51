from __future__ import annotations

from decimal import Decimal

import pytest

from tthc.indicators.domain.scoring import MetricCode
from tthc.indicators.domain.targets import (
    Comparison,
    TargetError,
    TargetPolicy,
    TargetUnitLevel,
    Uplift,
    assign_target,
    gap,
    load_targets_2024,
    targets_from_mapping,
)

RELATIVE = TargetPolicy(uplift=Uplift.RELATIVE)


@pytest.fixture(scope="module")
def catalogue():
    return load_targets_2024()


def test_the_2024_list_has_the_appendix_rows(catalogue):
    assert catalogue.year == 2024
    assert [row.id for row in catalogue.rows] == [*(str(n) for n in range(1, 12)), "12.1", "12.2", "12.3"]


@pytest.mark.parametrize(
    ("row_id", "value", "comparison", "text_start"),
    [
        ("1", "80", Comparison.AT_LEAST, "Tỷ lệ cung cấp dịch vụ công trực tuyến toàn trình"),
        ("2", "45", Comparison.AT_LEAST, "Tỷ lệ thanh toán trực tuyến"),
        ("5", "100", Comparison.EQUAL, "Tỷ lệ cấp kết quả giải quyết TTHC điện tử"),
        ("7", "50", Comparison.AT_LEAST, "Tỷ lệ khai thác, sử dụng lại"),
        ("11", "90", Comparison.AT_LEAST, "Mức độ hài lòng"),
        ("12.2", "95", Comparison.AT_LEAST, "Tỷ lệ xử lý văn bản"),
        ("12.3", "80", Comparison.AT_LEAST, "Tỷ lệ xử lý văn bản"),
    ],
)
def test_rows_carry_value_comparison_and_text(catalogue, row_id, value, comparison, text_start):
    row = catalogue.row(row_id)
    assert (row.value, row.comparison, row.unit) == (Decimal(value), comparison, "%")
    assert row.text_vi.startswith(text_start)


def test_rows_map_to_related_index_metrics(catalogue):
    assert [row.id for row in catalogue.for_metric(MetricCode.REUSED_DIGITIZED_DATA)] == ["7"]
    assert [row.id for row in catalogue.for_metric(MetricCode.DOSSIER_RECEIVING_SATISFACTION)] == ["11"]
    assert catalogue.row("12.1").related_metrics == ()


def test_row_12_is_split_by_unit_level(catalogue):
    commune_rows = {row.id for row in catalogue.for_level(TargetUnitLevel.COMMUNE)}
    assert {"12.3", "1", "11"} <= commune_rows
    assert not {"12.1", "12.2"} & commune_rows


def test_unknown_row_is_a_named_error(catalogue):
    with pytest.raises(TargetError):
        catalogue.row("13")


# Assignment rule (appendix §1)


@pytest.mark.parametrize(
    ("previous", "policy", "expected", "basis"),
    [
        (None, TargetPolicy(), "45", "central"),  # no previous result
        (Decimal("30"), TargetPolicy(), "45", "central"),  # below the central target
        (Decimal("45"), TargetPolicy(), "55", "uplifted"),  # at it: +10 points
        (Decimal("62"), TargetPolicy(), "72", "uplifted"),
        (Decimal("62"), RELATIVE, "68.20", "uplifted"),  # ×1.10
        (Decimal("93"), TargetPolicy(), "100", "capped"),  # 103 → capped
        (Decimal("95"), RELATIVE, "100", "capped"),  # 104.5 → capped
    ],
)
def test_assign_target(catalogue, previous, policy, expected, basis):
    assigned = assign_target(catalogue.row("2"), previous, policy)
    assert assigned.value == Decimal(expected)
    assert assigned.basis == basis


def test_assigned_target_of_a_100_percent_row_stays_100(catalogue):
    assert assign_target(catalogue.row("5"), Decimal("100")).value == Decimal("100")
    assert assign_target(catalogue.row("5"), Decimal("70")).value == Decimal("100")


@pytest.mark.parametrize("previous", [Decimal("-1"), Decimal("100.5")])
def test_previous_result_must_be_a_percentage(catalogue, previous):
    with pytest.raises(TargetError):
        assign_target(catalogue.row("2"), previous)


# Gap


def test_gap_of_an_at_least_target(catalogue):
    below = gap(Decimal("40"), catalogue.row("2"))
    above = gap(Decimal("60"), catalogue.row("2"))
    assert (below.shortfall, below.met) == (Decimal("5"), False)
    assert (above.shortfall, above.met) == (Decimal("0"), True)


def test_gap_of_an_equal_100_target(catalogue):
    assert gap(Decimal("99.5"), catalogue.row("5")).met is False
    assert gap(Decimal("100"), catalogue.row("5")).met is True


def test_gap_against_an_assigned_target(catalogue):
    assigned = assign_target(catalogue.row("3"), Decimal("70"))  # 80
    assert gap(Decimal("75"), assigned).shortfall == Decimal("5")


def test_malformed_target_data_is_a_named_error():
    with pytest.raises(TargetError):
        targets_from_mapping({"year": 2024, "targets": [{"id": "1", "value": "x"}]})
