"""Named alternatives where the sources of index 766 disagree (docs/index-766.md §8, SCORING.md).

Every default is the reading that reproduces the national portal's published scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tthc.indicators.domain.scoring.errors import InvalidScoringConfigError
from tthc.indicators.domain.scoring.metrics import MetricCode


class OnlineServicesProfile(StrEnum):
    """How the 12 online-service points (CLGQ) are split."""

    SPLIT_2_4_6 = "split_2_4_6"
    """3.1 provision 2 (threshold 80 %) + 3.2 services with dossiers 4 + 3.3 online submission 6
    (threshold 50 %). Reproduces the portal; default."""
    FULL_PROCESS_12 = "full_process_12"
    """2026 METRICS sheet: all 12 points, linear, to FULL_PROCESS_ONLINE_DOSSIERS; 3.1–3.3 tracked only."""


class NoPetitionRule(StrEnum):
    """What a unit with no petitions (PAKN) gets for the petition metrics."""

    FULL_MARKS = "full_marks"
    """Portal behaviour: 5.2 and 5.3 with denominator 0 score 6 each. Default."""
    SPLIT_TO_ON_TIME_AND_DOSSIER_SATISFACTION = "split_to_on_time_and_dossier_satisfaction"
    """METRICS/decision text, our reading: with no petitions, 5.3's 6 points go 3 to 5.2 (max 9, full at d=0)
    and 3 to 5.4 (max 9)."""


class CommuneNotApplicable(StrEnum):
    """How metrics that do not apply to communes are scored for a commune."""

    AS_PORTAL = "as_portal"
    """Score the commune's inputs like any unit (children inherit catalogue values in the portal). Default."""
    FULL_MARKS = "full_marks"
    """Award the metric's maximum (METRICS-sheet note, low confidence)."""


class PaymentRounding(StrEnum):
    """Where the online-payment group (TTTT) rounds; see SCORING.md for the match counts."""

    PORTAL = "portal"
    """Each part: share → percent rounded half-up to 2 decimals; part = max/threshold × percent / 100
    computed in IEEE-754 double precision, then rounded half-up (on the exact double) to 2 decimals;
    group = Σ parts. Matches 164 of 164 published unit totals. Default."""
    PER_PART = "per_part"
    """Each part from the unrounded share, rounded half-up; group = Σ rounded parts (162 of 164)."""
    GROUP_SUM = "group_sum"
    """The documented formula 6·A + min(2, 2.5·B) + min(2, 2.5·C) rounded once at the end (111 of 164)."""


PROVINCE_ONLY_METRICS: frozenset[MetricCode] = frozenset(
    {MetricCode.PUBLISH_ON_TIME, MetricCode.PUBLIC_UPDATE_ON_TIME, MetricCode.PUBLIC_CONTENT_FULL}
)
"""Metrics the formula document computes for a province or ministry as a whole only (1.1–1.3)."""


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """The scoring alternatives in force; the defaults reproduce the national portal.

    - `online_services_profile`: 2/4/6 split (default) or one 12-point full-process indicator.
    - `no_petition_rule`: full marks for both petition metrics (default) or the METRICS split rule.
    - `digitisation_threshold_4_2`: None = linear as the portal scores 4.2 (default); e.g. Decimal("0.8")
      for the formula document's 80 % threshold.
    - `commune_not_applicable`: score communes as the portal does (default) or give full marks for
      `commune_not_applicable_metrics` when the unit is a commune.
    - `payment_rounding`: the portal's observed rounding (default), per-part exact, or the documented formula.

    Raises:
        InvalidScoringConfigError: the 4.2 threshold is not in (0, 1].
    """

    online_services_profile: OnlineServicesProfile = OnlineServicesProfile.SPLIT_2_4_6
    no_petition_rule: NoPetitionRule = NoPetitionRule.FULL_MARKS
    digitisation_threshold_4_2: Decimal | None = None
    commune_not_applicable: CommuneNotApplicable = CommuneNotApplicable.AS_PORTAL
    commune_not_applicable_metrics: frozenset[MetricCode] = field(default=PROVINCE_ONLY_METRICS)
    payment_rounding: PaymentRounding = PaymentRounding.PORTAL

    def __post_init__(self) -> None:
        threshold = self.digitisation_threshold_4_2
        if threshold is not None and not Decimal(0) < threshold <= Decimal(1):
            raise InvalidScoringConfigError(f"digitisation_threshold_4_2 must be in (0, 1], got {threshold}")


DEFAULT = ScoringConfig()
"""The portal-reproducing configuration."""
