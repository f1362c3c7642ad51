from __future__ import annotations

from decimal import Decimal

import pytest

from tthc.indicators.domain.scoring import (
    CommuneNotApplicable,
    DataQualityFlag,
    GroupCode,
    InvalidScoringConfigError,
    MetricCode,
    MetricInput,
    NoPetitionRule,
    OnlineServicesProfile,
    PaymentRounding,
    ScoringConfig,
    UnitLevel,
    score_unit,
)

M = MetricCode
G = GroupCode


def counts(numerator: int, denominator: int) -> MetricInput:
    return MetricInput(numerator, denominator)


def payment(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> dict[MetricCode, MetricInput]:
    return {
        M.ONLINE_PAYMENT_DOSSIERS: counts(*a),
        M.ONLINE_PAYMENT_FORMALITY: counts(*b),
        M.FEE_INTEGRATED_FORMALITY: counts(*c),
    }


# Online-payment rounding, on published units of Phú Thọ 2026-08 whose totals are ties


@pytest.mark.parametrize(
    ("inputs", "portal", "per_part", "group_sum"),
    [
        # 78.25 % → 6 × 78.25/100 = 4.695 (double just above) → 4.70; 35.14 % → 0.8785 → 0.88; 16.22 % → 0.41
        # exact parts: 4.69496 → 4.69, 0.87838 → 0.88, 0.40541 → 0.41; formula: 5.97875 → 5.98
        (payment((295, 377), (13, 37), (6, 37)), "5.99", "5.98", "5.98"),
        # 98.75 % → 6 × 98.75/100 = 5.925 (double just below) → 5.92; 24.24 % → 0.61; 15.15 % → 0.38
        # exact parts: 5.92487 → 5.92, 0.60606 → 0.61, 0.37879 → 0.38; formula: 6.9097 → 6.91
        (payment((552, 559), (8, 33), (5, 33)), "6.91", "6.91", "6.91"),
        # 65.75 % → 3.945 (double just below) → 3.94; 28.13 % → 0.70; 21.88 % → 0.547 → 0.55
        # exact parts: 3.94528 → 3.95, 0.70313 → 0.70, 0.54688 → 0.55; formula: 5.19528 → 5.20
        (payment((745, 1133), (9, 32), (7, 32)), "5.19", "5.20", "5.20"),
    ],
)
def test_payment_rounding_modes(inputs, portal, per_part, group_sum):
    def total(mode: PaymentRounding) -> Decimal | None:
        return score_unit(inputs, ScoringConfig(payment_rounding=mode)).group(G.ONLINE_PAYMENT).score

    assert total(PaymentRounding.PORTAL) == Decimal(portal)
    assert total(PaymentRounding.PER_PART) == Decimal(per_part)
    assert total(PaymentRounding.GROUP_SUM) == Decimal(group_sum)


def test_portal_payment_rounding_is_the_default():
    assert score_unit(payment((295, 377), (13, 37), (6, 37))).group(G.ONLINE_PAYMENT).score == Decimal("5.99")


# Online services profile


def test_full_process_profile_gives_all_12_points_to_full_process_dossiers():
    inputs = {M.FULL_PROCESS_ONLINE_DOSSIERS: counts(3, 4), M.ONLINE_SERVICE_PROVISION: counts(52, 56)}
    card = score_unit(inputs, ScoringConfig(online_services_profile=OnlineServicesProfile.FULL_PROCESS_12))
    assert card.group(G.ONLINE_SERVICES).score == Decimal("9.00")  # 12 × 0.75
    assert card.metric(M.ONLINE_SERVICE_PROVISION).score is None
    assert card.metric(M.ONLINE_SERVICE_PROVISION).max_score == 0
    assert card.group(G.ONLINE_SERVICES).max_score == 12


def test_split_profile_tracks_full_process_dossiers_without_points():
    card = score_unit({M.FULL_PROCESS_ONLINE_DOSSIERS: counts(3, 4)})
    assert card.metric(M.FULL_PROCESS_ONLINE_DOSSIERS).score is None
    assert card.metric(M.FULL_PROCESS_ONLINE_DOSSIERS).ratio == Decimal("75.00")


# No petitions


def no_petitions(dossiers: tuple[int, int]) -> dict[MetricCode, MetricInput]:
    return {
        M.PETITION_PROCESSING_ON_TIME: counts(0, 0),
        M.PETITION_HANDLING_SATISFACTION: counts(0, 0),
        M.DOSSIER_RECEIVING_SATISFACTION: counts(*dossiers),
    }


def test_no_petitions_gives_full_marks_by_default():
    # 6 + 6 + 6 × 0.4/0.9
    assert score_unit(no_petitions((2, 5))).group(G.SATISFACTION).score == Decimal("14.67")


def test_no_petitions_split_rule_moves_petition_satisfaction_points():
    config = ScoringConfig(no_petition_rule=NoPetitionRule.SPLIT_TO_ON_TIME_AND_DOSSIER_SATISFACTION)
    card = score_unit(no_petitions((2, 5)), config)
    # 5.2: 9 (no petitions, full); 5.3: tracked; 5.4: 9 × 0.4/0.9 = 4.00
    assert card.metric(M.PETITION_PROCESSING_ON_TIME).score == Decimal("9.00")
    assert card.metric(M.PETITION_HANDLING_SATISFACTION).score is None
    assert card.metric(M.DOSSIER_RECEIVING_SATISFACTION).score == Decimal("4.00")
    assert card.group(G.SATISFACTION).score == Decimal("13.00")
    assert card.group(G.SATISFACTION).max_score == 18


def test_split_rule_leaves_units_with_petitions_alone():
    config = ScoringConfig(no_petition_rule=NoPetitionRule.SPLIT_TO_ON_TIME_AND_DOSSIER_SATISFACTION)
    inputs = {**no_petitions((2, 5)), M.PETITION_PROCESSING_ON_TIME: counts(1, 2)}
    assert score_unit(inputs, config).metric(M.PETITION_PROCESSING_ON_TIME).max_score == 6


# Digitisation 4.2 threshold


def test_digitisation_4_2_is_linear_by_default_and_thresholded_on_request():
    inputs = {M.SO_HOA_GIAY_TO_GIAI_QUYET: counts(40, 100)}
    assert score_unit(inputs).metric(M.SO_HOA_GIAY_TO_GIAI_QUYET).score == Decimal("1.60")  # 4 × 0.4
    config = ScoringConfig(digitisation_threshold_4_2=Decimal("0.8"))
    assert score_unit(inputs, config).metric(M.SO_HOA_GIAY_TO_GIAI_QUYET).score == Decimal(
        "2.00"
    )  # 4 × 0.4/0.8


@pytest.mark.parametrize("threshold", [Decimal(0), Decimal("1.5")])
def test_digitisation_threshold_must_be_a_share(threshold):
    with pytest.raises(InvalidScoringConfigError):
        ScoringConfig(digitisation_threshold_4_2=threshold)


# Communes


def test_commune_full_marks_award_the_maximum_for_not_applicable_metrics():
    inputs = {M.PUBLISH_ON_TIME: counts(0, 0), M.PUBLIC_CONTENT_FULL: counts(1, 2)}
    config = ScoringConfig(commune_not_applicable=CommuneNotApplicable.FULL_MARKS)
    card = score_unit(inputs, config, level=UnitLevel.COMMUNE)
    assert card.metric(M.PUBLISH_ON_TIME).score == Decimal("6.00")
    assert DataQualityFlag.COMMUNE_NOT_APPLICABLE in card.metric(M.PUBLISH_ON_TIME).flags
    # 6 + 4 + 2 (1.1–1.3 not applicable) + 1.4 not available
    assert card.group(G.TRANSPARENCY).score == Decimal("12.00")


def test_commune_full_marks_do_not_apply_to_provinces_or_by_default():
    inputs = {M.PUBLISH_ON_TIME: counts(0, 0)}
    full = ScoringConfig(commune_not_applicable=CommuneNotApplicable.FULL_MARKS)
    assert score_unit(inputs, full, level=UnitLevel.PROVINCE).metric(M.PUBLISH_ON_TIME).score is None
    assert score_unit(inputs, level=UnitLevel.COMMUNE).metric(M.PUBLISH_ON_TIME).score is None
