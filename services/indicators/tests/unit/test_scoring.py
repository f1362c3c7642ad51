from __future__ import annotations

from decimal import Decimal

import pytest

from tthc.indicators.domain.scoring import (
    DataQualityFlag,
    GroupCode,
    InvalidMetricInputError,
    MetricCode,
    MetricInput,
    half_up,
    score_unit,
)

M = MetricCode
G = GroupCode


def counts(numerator: int, denominator: int) -> MetricInput:
    return MetricInput(numerator, denominator)


def score_of(code: MetricCode, given: MetricInput) -> Decimal | None:
    return score_unit({code: given}).metric(code).score


# Worked examples of docs/index-766.md, computed by hand from the published formulas.


def test_progress_is_linear_on_on_time_over_received():
    # 20 × 144 625 / 184 513 = 15.676…
    card = score_unit({M.PROCESSED_ON_TIME: counts(144_625, 184_513)})
    assert card.group(G.PROGRESS).score == Decimal("15.68")
    assert card.metric(M.PROCESSED_ON_TIME).ratio == Decimal("78.38")


def test_online_services_split_2_4_6_reproduces_the_province():
    # 3.1: 52/56 = 92.9 % ≥ 80 % → 2; 3.2: 4 × 406/1968 = 0.825 → 0.83; 3.3: 98.9 % ≥ 50 % → 6
    card = score_unit(
        {
            M.ONLINE_SERVICE_PROVISION: counts(31 + 21, 56),
            M.ONLINE_SERVICE_WITH_DOSSIERS: counts(406, 1968),
            M.ONLINE_DOSSIER_SUBMISSION: counts(150_956, 152_595),
        }
    )
    assert card.group(G.ONLINE_SERVICES).score == Decimal("8.83")


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        # 6 × 0.8421 = 5.05; 2.5 × 93/310 = 0.75; 2.5 × 56/310 = 0.45
        ((82_913, 98_459), (93, 310), (56, 310), Decimal("6.25")),
        # Sở Công Thương: 6 + min(2, 2.1875) + 0
        ((44, 44), (7, 8), (0, 8), Decimal("8.00")),
        # every denominator 0 → every part 0
        ((0, 0), (0, 0), (0, 0), Decimal("0.00")),
    ],
)
def test_online_payment_combines_the_three_parts(a, b, c, expected):
    card = score_unit(
        {
            M.ONLINE_PAYMENT_DOSSIERS: counts(*a),
            M.ONLINE_PAYMENT_FORMALITY: counts(*b),
            M.FEE_INTEGRATED_FORMALITY: counts(*c),
        }
    )
    assert card.group(G.ONLINE_PAYMENT).score == expected


def test_satisfaction_reproduces_the_province():
    # 5.4: 6 × 0.78354/0.9 = 5.22; 5.2: 6 × 182/247 = 4.42; 5.3: 6 × 137/247 = 3.33
    card = score_unit(
        {
            M.DOSSIER_RECEIVING_SATISFACTION: counts(144_574, 184_513),
            M.PETITION_PROCESSING_ON_TIME: counts(182, 247),
            M.PETITION_HANDLING_SATISFACTION: counts(137, 247),
            M.PETITION_CLASSIFICATION_TTHC: counts(179, 247),
            M.PETITION_CLASSIFICATION_STAFF: counts(62, 247),
        }
    )
    assert card.group(G.SATISFACTION).score == Decimal("12.97")


def test_classification_metrics_are_tracked_with_a_null_score():
    metric = score_unit({M.PETITION_CLASSIFICATION_TTHC: counts(179, 247)}).metric(
        M.PETITION_CLASSIFICATION_TTHC
    )
    assert (metric.max_score, metric.score, metric.ratio) == (0, None, Decimal("72.47"))


# Zero denominators


def test_transparency_null_metrics_count_zero_in_the_group():
    # 1.96 + 6 with 1.1 and 1.2 null
    card = score_unit(
        {
            M.PUBLISH_ON_TIME: counts(0, 0),
            M.PUBLIC_UPDATE_ON_TIME: counts(0, 0),
            M.PUBLIC_CONTENT_FULL: counts(87, 89),
            M.DOSSIER_SYNC: counts(138_744, 138_744),
        }
    )
    assert card.metric(M.PUBLISH_ON_TIME).score is None
    assert card.metric(M.PUBLISH_ON_TIME).ratio is None
    assert card.group(G.TRANSPARENCY).score == Decimal("7.96")


@pytest.mark.parametrize(
    ("code", "expected_score", "expected_ratio"),
    [
        (M.PROCESSED_ON_TIME, Decimal("0.00"), Decimal("0.00")),
        (M.PETITION_PROCESSING_ON_TIME, Decimal("6.00"), Decimal("0.00")),
        (M.PETITION_HANDLING_SATISFACTION, Decimal("6.00"), Decimal("0.00")),
        (M.DOSSIER_RECEIVING_SATISFACTION, Decimal("0.00"), Decimal("0.00")),
        (M.ONLINE_PAYMENT_DOSSIERS, Decimal("0.00"), Decimal("0.00")),
        (M.ORIGINAL_RESULT_AVAILABLE, None, None),
        (M.REUSED_DIGITIZED_DATA, None, None),
        (M.DOSSIER_SYNC, None, None),
    ],
)
def test_zero_denominator_follows_the_metric_rule(code, expected_score, expected_ratio):
    metric = score_unit({code: counts(0, 0)}).metric(code)
    assert (metric.score, metric.ratio) == (expected_score, expected_ratio)


def test_digitisation_without_dossiers_scores_only_the_certified_copy():
    inputs = {
        code: counts(0, 0)
        for code in (
            M.ORIGINAL_RESULT_AVAILABLE,
            M.SO_HOA_GIAY_TO_GIAI_QUYET,
            M.REUSED_DIGITIZED_DATA,
            M.SYNCED_WITH_DVCQG_PERSONAL_STORAGE,
            M.CITIZEN_DATA_CONNECTED_DOSSIER,
        )
    }
    inputs[M.ELECTRONIC_CERTIFIED_COPY] = MetricInput.of_share(Decimal(1))
    assert score_unit(inputs).group(G.DIGITISATION).score == Decimal("2.00")


# Thresholds


@pytest.mark.parametrize(
    ("code", "given", "expected"),
    [
        (M.ONLINE_SERVICE_PROVISION, counts(40, 100), Decimal("1.00")),  # 2 × 0.40/0.80
        (M.ONLINE_SERVICE_PROVISION, counts(80, 100), Decimal("2.00")),
        (M.ONLINE_DOSSIER_SUBMISSION, counts(30, 100), Decimal("3.60")),  # 6 × 0.30/0.50
        (M.ONLINE_DOSSIER_SUBMISSION, counts(51, 100), Decimal("6.00")),
        (M.REUSED_DIGITIZED_DATA, counts(2, 5), Decimal("1.00")),  # 2 × 0.40/0.80
        (M.DOSSIER_RECEIVING_SATISFACTION, counts(2, 5), Decimal("2.67")),  # 6 × 0.40/0.90
        (M.DOSSIER_RECEIVING_SATISFACTION, counts(95, 100), Decimal("6.00")),
        (M.ONLINE_PAYMENT_FORMALITY, counts(7, 8), Decimal("2.00")),  # min(2, 2.5 × 0.875)
        (M.SO_HOA_GIAY_TO_GIAI_QUYET, counts(2_148, 2_683), Decimal("3.20")),  # linear: 4 × 0.8006
        (M.ORIGINAL_RESULT_AVAILABLE, counts(6, 5), Decimal("6.00")),  # capped at max
    ],
)
def test_threshold_and_linear_rules(code, given, expected):
    assert score_of(code, given) == expected


# Rounding


def test_scores_round_half_up_from_the_exact_value():
    # 20 × 1/4000 = 0.005 exactly: half-up gives 0.01 (half-even would give 0.00)
    assert score_of(M.PROCESSED_ON_TIME, counts(1, 4000)) == Decimal("0.01")


def test_scores_use_unrounded_counts_not_the_rounded_ratio():
    # 2 × 0.41749 = 0.83498 → 0.83; the rounded ratio 41.75 % would give 0.835 → 0.84
    assert score_of(M.CITIZEN_DATA_CONNECTED_DOSSIER, counts(41_749, 100_000)) == Decimal("0.83")


def test_group_total_is_the_sum_of_rounded_metric_scores():
    # 6/400 = 0.015 → 0.02 and 2/400 = 0.005 → 0.01: group 0.03, although the exact sum 0.02 rounds to 0.02
    card = score_unit(
        {M.ORIGINAL_RESULT_AVAILABLE: counts(1, 400), M.CITIZEN_DATA_CONNECTED_DOSSIER: counts(1, 400)}
    )
    assert card.group(G.DIGITISATION).score == Decimal("0.03")


def test_half_up_rounds_ties_away_from_zero():
    from fractions import Fraction

    assert half_up(Fraction(5, 1000)) == Decimal("0.01")
    assert half_up(Fraction(-5, 1000)) == Decimal("-0.01")
    assert half_up(Fraction(4999, 1_000_000)) == Decimal("0.00")


# Availability, ratio-only inputs, flags and totals


def test_missing_inputs_give_null_scores_and_a_null_group():
    card = score_unit({})
    assert card.metric(M.PROCESSED_ON_TIME).score is None
    assert DataQualityFlag.NOT_AVAILABLE in card.metric(M.PROCESSED_ON_TIME).flags
    assert card.group(G.PROGRESS).score is None
    assert card.total == Decimal("0.00")


def test_a_ratio_only_input_is_scored_from_its_share():
    metric = score_unit({M.ELECTRONIC_CERTIFIED_COPY: MetricInput.of_share(Decimal("0.5"))}).metric(
        M.ELECTRONIC_CERTIFIED_COPY
    )
    assert (metric.score, metric.ratio, metric.numerator) == (Decimal("1.00"), Decimal("50.00"), None)
    assert DataQualityFlag.RATIO_ONLY in metric.flags


def test_input_flags_are_carried_to_the_metric():
    given = MetricInput(6, 6, flags=frozenset({DataQualityFlag.TEMP_NATIONAL_REPORT_DENOMINATOR}))
    flags = score_unit({M.DOSSIER_SYNC: given}).metric(M.DOSSIER_SYNC).flags
    assert DataQualityFlag.TEMP_NATIONAL_REPORT_DENOMINATOR in flags


def test_total_is_the_sum_of_group_scores_out_of_100():
    card = score_unit(
        {
            M.PROCESSED_ON_TIME: counts(144_625, 184_513),
            M.PUBLIC_CONTENT_FULL: counts(87, 89),
            M.PETITION_PROCESSING_ON_TIME: counts(0, 0),
        }
    )
    # 15.68 + 1.96 + 6
    assert card.total == Decimal("23.64")
    assert card.max_total == 100
    assert [group.max_score for group in card.groups] == [18, 20, 12, 10, 22, 18]


def test_group_ratio_is_score_over_max():
    card = score_unit({M.PROCESSED_ON_TIME: counts(2, 5)})
    assert card.group(G.PROGRESS).ratio == Decimal("40.00")


@pytest.mark.parametrize("given", [(-1, 5), (1, -5)])
def test_negative_counts_are_rejected(given):
    with pytest.raises(InvalidMetricInputError):
        MetricInput(*given)
