"""The vocabulary shared by the scoring engine and whoever produces its inputs.

Metric codes are the national portal's own codes (Cổng Dịch vụ công quốc gia, DVCQG) where the portal
publishes one; `PROCESSED_ON_TIME` and the online-payment / online-service parts are named here because the
portal only publishes their raw parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tthc.indicators.domain.scoring.errors import InvalidMetricInputError


class GroupCode(StrEnum):
    """The six scored groups of index 766 (portal group codes), 100 points in total."""

    TRANSPARENCY = "CKMB"  # Công khai, minh bạch — 18
    PROGRESS = "TDGQ"  # Tiến độ, kết quả giải quyết — 20
    ONLINE_SERVICES = "CLGQ"  # Dịch vụ công trực tuyến — 12
    ONLINE_PAYMENT = "TTTT"  # Thanh toán trực tuyến — 10
    DIGITISATION = "MDSH"  # Số hóa hồ sơ — 22
    SATISFACTION = "MDHL"  # Mức độ hài lòng — 18


class MetricCode(StrEnum):
    """One index-766 metric (chỉ tiêu thành phần)."""

    # transparency (CKMB)
    PUBLISH_ON_TIME = "PUBLISH_ON_TIME"  # 1.1
    PUBLIC_UPDATE_ON_TIME = "PUBLIC_UPDATE_ON_TIME"  # 1.2
    PUBLIC_CONTENT_FULL = "PUBLIC_CONTENT_FULL"  # 1.3
    DOSSIER_SYNC = "DOSSIER_SYNC"  # 1.4
    # progress (TDGQ): portal params totalOnTime / totalReceived
    PROCESSED_ON_TIME = "PROCESSED_ON_TIME"  # 2.1
    # online services (CLGQ)
    ONLINE_SERVICE_PROVISION = "ONLINE_SERVICE_PROVISION"  # 3.1
    ONLINE_SERVICE_WITH_DOSSIERS = "ONLINE_SERVICE_WITH_DOSSIERS"  # 3.2
    ONLINE_DOSSIER_SUBMISSION = "ONLINE_DOSSIER_SUBMISSION"  # 3.3
    FULL_PROCESS_ONLINE_DOSSIERS = (
        "FULL_PROCESS_ONLINE_DOSSIERS"  # 2026 METRICS sheet alternative (12 points)
    )
    # online payment (TTTT)
    ONLINE_PAYMENT_DOSSIERS = "ONLINE_PAYMENT_DOSSIERS"  # 3.6, part A
    ONLINE_PAYMENT_FORMALITY = "ONLINE_PAYMENT_FORMALITY"  # 3.5b, part B
    FEE_INTEGRATED_FORMALITY = "FEE_INTEGRATED_FORMALITY"  # 3.5a, part C
    # digitisation (MDSH)
    ORIGINAL_RESULT_AVAILABLE = "ORIGINAL_RESULT_AVAILABLE"  # 4.1
    SO_HOA_GIAY_TO_GIAI_QUYET = "SO_HOA_GIAY_TO_GIAI_QUYET"  # 4.2
    REUSED_DIGITIZED_DATA = "REUSED_DIGITIZED_DATA"  # 4.3
    SYNCED_WITH_DVCQG_PERSONAL_STORAGE = "SYNCED_WITH_DVCQG_PERSONAL_STORAGE"  # 4.4
    CITIZEN_DATA_CONNECTED_FORMALITY = "CITIZEN_DATA_CONNECTED_FORMALITY"  # 4.5a
    CITIZEN_DATA_CONNECTED_DOSSIER = "CITIZEN_DATA_CONNECTED_DOSSIER"  # 4.5b
    ELECTRONIC_CERTIFIED_COPY = "ELECTRONIC_CERTIFIED_COPY"  # 4.6
    # satisfaction (MDHL)
    PETITION_CLASSIFICATION_TTHC = "PETITION_CLASSIFICATION_TTHC"  # 5.1, tracked only
    PETITION_CLASSIFICATION_STAFF = "PETITION_CLASSIFICATION_STAFF"  # 5.1, tracked only
    PETITION_PROCESSING_ON_TIME = "PETITION_PROCESSING_ON_TIME"  # 5.2
    PETITION_HANDLING_SATISFACTION = "PETITION_HANDLING_SATISFACTION"  # 5.3
    DOSSIER_RECEIVING_SATISFACTION = "DOSSIER_RECEIVING_SATISFACTION"  # 5.4


class DataQualityFlag(StrEnum):
    """Data-quality notes attached to a metric (the portal's `dataQualityStatus` plus the engine's own)."""

    TEMP_NATIONAL_REPORT_DENOMINATOR = "TEMP_NATIONAL_REPORT_DENOMINATOR"
    NO_NATIONAL_REPORT_DATA = "NO_NATIONAL_REPORT_DATA"
    NOT_AVAILABLE = "NOT_AVAILABLE"  # no input for the metric
    RATIO_ONLY = "RATIO_ONLY"  # scored from a given share, no counts
    COMMUNE_NOT_APPLICABLE = "COMMUNE_NOT_APPLICABLE"  # full marks by ScoringConfig.commune_not_applicable
    NO_PETITIONS_SPLIT = "NO_PETITIONS_SPLIT"  # points moved by ScoringConfig.no_petition_rule


@dataclass(frozen=True, slots=True)
class MetricInput:
    """The numerator and denominator (tử số / mẫu số) of one metric for one unit and period.

    `None` means "not available" (no data), which differs from a zero count. A metric the portal publishes
    only as a share (ELECTRONIC_CERTIFIED_COPY) is given as `share` (a fraction 0..1) with null counts: see
    `MetricInput.of_share`. `flags` carries data-quality notes (e.g. `DataQualityFlag` values).

    Raises:
        InvalidMetricInputError: a count or the share is negative.
    """

    numerator: int | None
    denominator: int | None
    share: Decimal | None = None
    flags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("numerator", "denominator"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidMetricInputError(f"{name} must not be negative, got {value}")
        if self.share is not None and self.share < 0:
            raise InvalidMetricInputError(f"share must not be negative, got {self.share}")

    @classmethod
    def of_share(cls, share: Decimal, flags: frozenset[str] = frozenset()) -> MetricInput:
        """Builds a ratio-only input (no counts), e.g. the portal's 100 % certified-copy coverage as 1."""
        return cls(numerator=None, denominator=None, share=share, flags=flags)

    @classmethod
    def unavailable(cls) -> MetricInput:
        """Builds the input of a metric with no data."""
        return cls(numerator=None, denominator=None)

    @property
    def has_counts(self) -> bool:
        """True when both the numerator and the denominator are known."""
        return self.numerator is not None and self.denominator is not None

    @property
    def is_available(self) -> bool:
        """True when the metric can be scored: counts are known or a share is given."""
        return self.has_counts or self.share is not None


MetricInputs = Mapping[MetricCode, MetricInput]
"""The inputs of one unit and period; a code missing from the mapping is "not available"."""
