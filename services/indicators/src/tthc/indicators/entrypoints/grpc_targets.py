"""GetTargets: the annual target rows, with a unit's assigned target and its gap to it.

The unit's current figure for a row is the ratio (percent) of the first of the row's related metrics that
has one in the unit's scorecard; rows with no related metric, or none with a figure, have no gap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.domain.targets import (
    AssignedTarget,
    TargetCatalogue,
    TargetRow,
    TargetUnitLevel,
    assign_target,
    gap,
    load_targets_2024,
)
from tthc.indicators.entrypoints.grpc_mapping import NoTargetsError, RequestError
from tthc.indicators.projection.units import UnitInfo
from tthc.indicators.v1 import indicator_service_pb2 as pb

TARGET_LISTS: dict[int, Callable[[], TargetCatalogue]] = {2024: load_targets_2024}
LATEST_YEAR = max(TARGET_LISTS)


def target_catalogue(year: int) -> TargetCatalogue:
    """The shipped list of `year` (0 = the latest). Raises: NoTargetsError."""
    load = TARGET_LISTS.get(year or LATEST_YEAR)
    if load is None:
        shipped = ", ".join(map(str, sorted(TARGET_LISTS)))
        raise NoTargetsError(f"no targets for {year} (shipped: {shipped})")
    return load()


def previous_results(catalogue: TargetCatalogue, given: Mapping[str, str]) -> dict[str, Decimal]:
    """The previous-year results by row id. Raises: RequestError (unknown row, not a number)."""
    known = {row.id for row in catalogue.rows}
    results: dict[str, Decimal] = {}
    for row_id, text in given.items():
        field = f"previous_results[{row_id}]"
        if row_id not in known:
            raise RequestError(field, f"no target row {row_id!r} in {catalogue.year}")
        try:
            results[row_id] = Decimal(text.strip().removesuffix("%"))
        except InvalidOperation:
            raise RequestError(field, f"not a percentage: {text!r}") from None
        if not results[row_id].is_finite():
            raise RequestError(field, f"not a percentage: {text!r}")
    return results


def target_rows(
    catalogue: TargetCatalogue,
    unit: UnitInfo | None,
    card: Scorecard | None,
    previous: Mapping[str, Decimal],
) -> list[pb.TargetRow]:
    """The rows as messages, with applicability, assigned target and gap where they can be given.

    Raises:
        TargetError: a previous result is outside 0–100 %.
    """
    figures = _figures(card)
    messages = []
    for row in catalogue.rows:
        message = _row_message(row, applies=_applies(row, unit))
        assigned = assign_target(row, previous[row.id]) if row.id in previous else None
        if assigned is not None:
            message.assigned.CopyFrom(_assigned_message(assigned))
        figure = next(((code, figures[code]) for code in row.related_metrics if code in figures), None)
        if figure is not None:
            message.gap.CopyFrom(_gap_message(*figure, assigned or row))
        messages.append(message)
    return messages


def _applies(row: TargetRow, unit: UnitInfo | None) -> bool:
    if unit is None:
        return True
    try:
        return row.applies_to(TargetUnitLevel(unit.level))
    except ValueError:  # a province or ministry: only the unrestricted rows concern it
        return not row.unit_levels


def _figures(card: Scorecard | None) -> dict[MetricCode, Decimal]:
    """The unit's current figure (ratio, percent) per metric that has one."""
    if card is None:
        return {}
    return {metric.code: metric.ratio for metric in card.metrics if metric.ratio is not None}


def _row_message(row: TargetRow, *, applies: bool) -> pb.TargetRow:
    return pb.TargetRow(
        id=row.id,
        text_vi=row.text_vi,
        unit=row.unit,
        value=str(row.value),
        value_text_vi=row.value_text_vi,
        comparison=row.comparison.value,
        related_metrics=[code.value for code in row.related_metrics],
        unit_levels=sorted(level.value for level in row.unit_levels),
        implementers_vi=row.implementers_vi,
        applies=applies,
    )


def _assigned_message(assigned: AssignedTarget) -> pb.AssignedTarget:
    return pb.AssignedTarget(
        value=str(assigned.value), comparison=assigned.comparison.value, basis=assigned.basis
    )


def _gap_message(metric: MetricCode, figure: Decimal, target: AssignedTarget | TargetRow) -> pb.TargetGap:
    distance = gap(figure, target)
    return pb.TargetGap(
        metric=metric.value,
        target=str(distance.target),
        actual=str(distance.actual),
        shortfall=str(distance.shortfall),
        met=distance.met,
    )
