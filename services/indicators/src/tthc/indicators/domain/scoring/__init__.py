"""The pure scoring engine of the national 766 index (Bộ chỉ số 766): inputs in, a scorecard out."""

from __future__ import annotations

from tthc.indicators.domain.scoring.catalogue import (
    GROUPS,
    METRICS,
    GroupDefinition,
    MetricDefinition,
    group_definition,
    metrics_for,
)
from tthc.indicators.domain.scoring.config import (
    DEFAULT,
    PROVINCE_ONLY_METRICS,
    CommuneNotApplicable,
    NoPetitionRule,
    OnlineServicesProfile,
    PaymentRounding,
    ScoringConfig,
)
from tthc.indicators.domain.scoring.engine import UnitLevel, score_unit
from tthc.indicators.domain.scoring.errors import (
    InvalidMetricInputError,
    InvalidScoringConfigError,
    ScoringError,
)
from tthc.indicators.domain.scoring.metrics import (
    DataQualityFlag,
    GroupCode,
    MetricCode,
    MetricInput,
    MetricInputs,
)
from tthc.indicators.domain.scoring.rules import half_up
from tthc.indicators.domain.scoring.scorecard import GroupScore, MetricScore, Scorecard

__all__ = [
    "DEFAULT",
    "GROUPS",
    "METRICS",
    "PROVINCE_ONLY_METRICS",
    "CommuneNotApplicable",
    "DataQualityFlag",
    "GroupCode",
    "GroupDefinition",
    "GroupScore",
    "InvalidMetricInputError",
    "InvalidScoringConfigError",
    "MetricCode",
    "MetricDefinition",
    "MetricInput",
    "MetricInputs",
    "MetricScore",
    "NoPetitionRule",
    "OnlineServicesProfile",
    "PaymentRounding",
    "Scorecard",
    "ScoringConfig",
    "ScoringError",
    "UnitLevel",
    "group_definition",
    "half_up",
    "metrics_for",
    "score_unit",
]
