"""What an undetailed pass over part of a pool counted, as one compact immutable value.

The read model keeps one such part per unit, period and bucket and merges it into every pool that holds the
unit (`counting_parts`); a province holds tens of thousands at once. The counts are tuples, and the
procedure and service sets are sorted tuples of interned strings shared with equal ones: a frozen set of
36 codes takes ≈ 2 KB, the tuple ≈ 330 bytes (measured at 300 k dossiers, 32 parts per unit: ≈ 5 KB per
part with frozen sets). A pass's dozen dicts and sets would take ≈ 10 KB.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from tthc.indicators.domain.facts import Channel
from tthc.indicators.domain.scoring.metrics import MetricCode
from tthc.indicators.domain.sharing import shared

SHARED_KEPT: Final = 4096
"""At most this many distinct member and code tuples are shared (then new ones are kept apart)."""

_SHARED: dict[object, object] = {}


@dataclass(frozen=True, slots=True)
class PassFigures:
    """The figures of an undetailed pass over some dossiers of a pool (see the module docstring).

    `codes`, `numerators` and `denominators` are parallel: the dossier metrics counted. The sets are what
    the catalogue metrics need (procedures and online services that had dossiers); the rest are the
    unscored figures (2.2 processing time, intake by channel, overdue dossiers with an apology). Sets are
    sorted tuples without repeats (`members`).
    """

    codes: tuple[MetricCode, ...]
    numerators: tuple[int, ...]
    denominators: tuple[int, ...]
    procedures_with_fee_data: tuple[str, ...]
    procedures_paid_online: tuple[str, ...]
    procedures_with_population_data: tuple[str, ...]
    services_with_online_dossiers: tuple[str, ...]
    processing_time: timedelta
    completed: int
    received_by_channel: tuple[tuple[Channel, int], ...]
    overdue: int
    overdue_with_apology: int


def members(items: Iterable[str]) -> tuple[str, ...]:
    """The process's one sorted tuple of the distinct `items` (its strings interned): a set, compactly."""
    return shared(_SHARED, tuple(sorted(set(map(sys.intern, items)))), SHARED_KEPT)


def shared_codes(codes: Iterable[MetricCode]) -> tuple[MetricCode, ...]:
    """The process's one tuple equal to `codes`."""
    return shared(_SHARED, tuple(codes), SHARED_KEPT)


def combined(parts: Sequence[PassFigures]) -> PassFigures:
    """One value with the figures of all `parts` (passes over disjoint dossiers of the same period,
    instant and configuration): merging it into a pass equals merging each part.

    The read model sums a unit's parts once and merges the sums into its pools, so a province's count
    merges one value per unit rather than every part of every unit.
    """
    if len(parts) == 1:
        return parts[0]
    totals: dict[MetricCode, list[int]] = {}
    channels: Counter[Channel] = Counter()
    for part in parts:
        for code, numerator, denominator in zip(part.codes, part.numerators, part.denominators, strict=True):
            counted = totals.setdefault(code, [0, 0])
            counted[0] += numerator
            counted[1] += denominator
        channels.update(dict(part.received_by_channel))
    return PassFigures(
        codes=shared_codes(totals),
        numerators=tuple(numerator for numerator, _ in totals.values()),
        denominators=tuple(denominator for _, denominator in totals.values()),
        procedures_with_fee_data=_union(part.procedures_with_fee_data for part in parts),
        procedures_paid_online=_union(part.procedures_paid_online for part in parts),
        procedures_with_population_data=_union(part.procedures_with_population_data for part in parts),
        services_with_online_dossiers=_union(part.services_with_online_dossiers for part in parts),
        processing_time=sum((part.processing_time for part in parts), timedelta(0)),
        completed=sum(part.completed for part in parts),
        received_by_channel=tuple(sorted(channels.items())),
        overdue=sum(part.overdue for part in parts),
        overdue_with_apology=sum(part.overdue_with_apology for part in parts),
    )


def _union(sets: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return members(item for items in sets for item in items)
