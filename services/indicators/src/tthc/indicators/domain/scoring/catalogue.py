"""The metric and group definitions of index 766 (points, names, rules), adjusted by a `ScoringConfig`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from tthc.indicators.domain.scoring.config import NoPetitionRule, OnlineServicesProfile, ScoringConfig
from tthc.indicators.domain.scoring.metrics import GroupCode, MetricCode
from tthc.indicators.domain.scoring.rules import OnZero, Rule

G = GroupCode
M = MetricCode
LINEAR_NULL = Rule()
LINEAR_ZERO = Rule(on_zero=OnZero.ZERO)
LINEAR_FULL = Rule(on_zero=OnZero.FULL)


def _threshold(percent: int, on_zero: OnZero) -> Rule:
    return Rule(threshold=Fraction(percent, 100), on_zero=on_zero)


@dataclass(frozen=True, slots=True)
class GroupDefinition:
    """A scored group: portal code, names and maximum points."""

    code: GroupCode
    name: str
    name_vi: str
    max_score: int


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """A metric: its group, names, maximum points (0 = tracked only, score null) and scoring rule."""

    code: MetricCode
    group: GroupCode
    name: str
    name_vi: str
    max_score: int
    rule: Rule


GROUPS: tuple[GroupDefinition, ...] = (
    GroupDefinition(G.TRANSPARENCY, "Transparency", "Công khai, minh bạch", 18),
    GroupDefinition(G.PROGRESS, "Progress and results", "Tiến độ, kết quả giải quyết", 20),
    GroupDefinition(G.ONLINE_SERVICES, "Online public services", "Dịch vụ công trực tuyến", 12),
    GroupDefinition(G.ONLINE_PAYMENT, "Online payment", "Thanh toán trực tuyến", 10),
    GroupDefinition(G.DIGITISATION, "Digitisation", "Số hóa hồ sơ", 22),
    GroupDefinition(G.SATISFACTION, "Satisfaction", "Mức độ hài lòng", 18),
)

_D = MetricDefinition
METRICS: tuple[MetricDefinition, ...] = (
    _D(M.PUBLISH_ON_TIME, G.TRANSPARENCY, "Procedures published on time",
       "Tỷ lệ TTHC công bố đúng hạn", 6, LINEAR_NULL),
    _D(M.PUBLIC_UPDATE_ON_TIME, G.TRANSPARENCY, "Procedures updated and made public on time",
       "Tỷ lệ TTHC cập nhật, công khai đúng hạn", 4, LINEAR_NULL),
    _D(M.PUBLIC_CONTENT_FULL, G.TRANSPARENCY, "Procedures public with complete content",
       "Tỷ lệ TTHC công khai đầy đủ nội dung", 2, LINEAR_NULL),
    _D(M.DOSSIER_SYNC, G.TRANSPARENCY, "Dossiers synced to the national portal",
       "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG", 6, LINEAR_NULL),
    _D(M.PROCESSED_ON_TIME, G.PROGRESS, "Dossiers processed early or on time",
       "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn", 20, LINEAR_ZERO),
    _D(M.ONLINE_SERVICE_PROVISION, G.ONLINE_SERVICES, "Procedures offered as online services",
       "Tỷ lệ TTHC cung cấp DVCTT", 2, _threshold(80, OnZero.ZERO)),
    _D(M.ONLINE_SERVICE_WITH_DOSSIERS, G.ONLINE_SERVICES, "Online services that generated dossiers",
       "Tỷ lệ DVCTT có phát sinh hồ sơ", 4, LINEAR_ZERO),
    _D(M.ONLINE_DOSSIER_SUBMISSION, G.ONLINE_SERVICES, "Dossiers submitted online",
       "Tỷ lệ hồ sơ nộp trực tuyến", 6, _threshold(50, OnZero.ZERO)),
    _D(M.FULL_PROCESS_ONLINE_DOSSIERS, G.ONLINE_SERVICES, "Full-process online dossiers",
       "Tỷ lệ hồ sơ trực tuyến toàn trình", 0, LINEAR_ZERO),
    _D(M.ONLINE_PAYMENT_DOSSIERS, G.ONLINE_PAYMENT, "Dossiers paid online",
       "Tỷ lệ hồ sơ thanh toán trực tuyến", 6, LINEAR_ZERO),
    _D(M.ONLINE_PAYMENT_FORMALITY, G.ONLINE_PAYMENT, "Procedures with an online payment",
       "Tỷ lệ TTHC có giao dịch thanh toán trực tuyến", 2, _threshold(80, OnZero.ZERO)),
    _D(M.FEE_INTEGRATED_FORMALITY, G.ONLINE_PAYMENT, "Procedures with fees integrated for online payment",
       "Tỷ lệ TTHC có nghĩa vụ tài chính được tích hợp thanh toán trực tuyến", 2,
       _threshold(80, OnZero.ZERO)),
    _D(M.ORIGINAL_RESULT_AVAILABLE, G.DIGITISATION, "Dossiers issued an electronic result",
       "Tỷ lệ cấp kết quả giải quyết TTHC điện tử", 6, LINEAR_NULL),
    _D(M.SO_HOA_GIAY_TO_GIAI_QUYET, G.DIGITISATION, "Digitised dossiers",
       "Tỷ lệ hồ sơ thực hiện số hóa", 4, LINEAR_NULL),
    _D(M.REUSED_DIGITIZED_DATA, G.DIGITISATION, "Dossiers reusing digitised data",
       "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa", 2, _threshold(80, OnZero.NULL)),
    _D(M.SYNCED_WITH_DVCQG_PERSONAL_STORAGE, G.DIGITISATION, "Digitised dossiers linked for reuse",
       "Tỷ lệ hồ sơ số hóa có kết nối, chia sẻ dữ liệu", 4, LINEAR_NULL),
    _D(M.CITIZEN_DATA_CONNECTED_FORMALITY, G.DIGITISATION, "Procedures connected to population data",
       "Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư", 2, LINEAR_NULL),
    _D(M.CITIZEN_DATA_CONNECTED_DOSSIER, G.DIGITISATION, "Dossiers using population data",
       "Tỷ lệ hồ sơ có sử dụng thông tin, dữ liệu dân cư", 2, LINEAR_NULL),
    _D(M.ELECTRONIC_CERTIFIED_COPY, G.DIGITISATION, "Communes offering electronic certified copies",
       "Tỷ lệ chứng thực bản sao điện tử từ bản chính", 2, LINEAR_NULL),
    _D(M.PETITION_CLASSIFICATION_TTHC, G.SATISFACTION, "Petitions about regulations and procedures",
       "Tỷ lệ PAKN về quy định, TTHC", 0, LINEAR_ZERO),
    _D(M.PETITION_CLASSIFICATION_STAFF, G.SATISFACTION, "Petitions about staff conduct",
       "Tỷ lệ PAKN về hành vi cán bộ", 0, LINEAR_ZERO),
    _D(M.PETITION_PROCESSING_ON_TIME, G.SATISFACTION, "Petitions handled on time",
       "Tỷ lệ PAKN xử lý đúng hạn", 6, LINEAR_FULL),
    _D(M.PETITION_HANDLING_SATISFACTION, G.SATISFACTION, "Satisfaction with petition handling",
       "Mức độ hài lòng trong xử lý PAKN", 6, LINEAR_FULL),
    _D(M.DOSSIER_RECEIVING_SATISFACTION, G.SATISFACTION, "Satisfaction with dossier reception and processing",
       "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC", 6, _threshold(90, OnZero.ZERO)),
)  # fmt: skip

_SPLIT_METRICS = (M.ONLINE_SERVICE_PROVISION, M.ONLINE_SERVICE_WITH_DOSSIERS, M.ONLINE_DOSSIER_SUBMISSION)


def metrics_for(config: ScoringConfig, *, no_petitions: bool = False) -> tuple[MetricDefinition, ...]:
    """Returns the metric definitions in force under `config` (and for a unit without petitions)."""
    return tuple(_adjust(definition, config, no_petitions) for definition in METRICS)


def group_definition(code: GroupCode) -> GroupDefinition:
    """Returns the definition of a group."""
    return next(group for group in GROUPS if group.code == code)


def _adjust(definition: MetricDefinition, config: ScoringConfig, no_petitions: bool) -> MetricDefinition:
    code = definition.code
    if config.online_services_profile is OnlineServicesProfile.FULL_PROCESS_12:
        if code in _SPLIT_METRICS:
            return replace(definition, max_score=0)
        if code is M.FULL_PROCESS_ONLINE_DOSSIERS:
            return replace(definition, max_score=12)
    if code is M.SO_HOA_GIAY_TO_GIAI_QUYET and config.digitisation_threshold_4_2 is not None:
        return replace(
            definition, rule=Rule(Fraction(config.digitisation_threshold_4_2), definition.rule.on_zero)
        )
    if no_petitions and config.no_petition_rule is NoPetitionRule.SPLIT_TO_ON_TIME_AND_DOSSIER_SATISFACTION:
        return _split_petition_points(definition)
    return definition


def _split_petition_points(definition: MetricDefinition) -> MetricDefinition:
    if definition.code is M.PETITION_HANDLING_SATISFACTION:
        return replace(definition, max_score=0)
    if definition.code in (M.PETITION_PROCESSING_ON_TIME, M.DOSSIER_RECEIVING_SATISFACTION):
        return replace(definition, max_score=definition.max_score + 3)
    return definition
