"""What an undetailed pass over part of a pool counted, as one compact immutable value.

The read model keeps one such part per unit, period and bucket and merges it into every pool that holds the
unit (`counting_parts`); a province holds thousands at once. The counts are tuples and the procedure sets
frozen and shared with equal ones, so a part costs a few hundred bytes rather than a pass's dozen dicts
and sets (≈ 10 KB).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from tthc.indicators.domain.facts import Channel
from tthc.indicators.domain.scoring.metrics import MetricCode
from tthc.indicators.domain.sharing import shared

SHARED_KEPT: Final = 4096
"""At most this many distinct sets and code tuples are shared (then new ones are kept apart)."""

_SHARED: dict[object, object] = {}


@dataclass(frozen=True, slots=True)
class PassFigures:
    """The figures of an undetailed pass over some dossiers of a pool (see the module docstring).

    `codes`, `numerators` and `denominators` are parallel: the dossier metrics counted. The sets are what
    the catalogue metrics need (procedures and online services that had dossiers); the rest are the
    unscored figures (2.2 processing time, intake by channel, overdue dossiers with an apology).
    """

    codes: tuple[MetricCode, ...]
    numerators: tuple[int, ...]
    denominators: tuple[int, ...]
    procedures_with_fee_data: frozenset[str]
    procedures_paid_online: frozenset[str]
    procedures_with_population_data: frozenset[str]
    services_with_online_dossiers: frozenset[str]
    processing_time: timedelta
    completed: int
    received_by_channel: tuple[tuple[Channel, int], ...]
    overdue: int
    overdue_with_apology: int


def shared_set(items: AbstractSet[str]) -> frozenset[str]:
    """The process's one frozen set equal to `items` (its strings interned)."""
    return shared(_SHARED, frozenset(map(sys.intern, items)), SHARED_KEPT)


def shared_codes(codes: Iterable[MetricCode]) -> tuple[MetricCode, ...]:
    """The process's one tuple equal to `codes`."""
    return shared(_SHARED, tuple(codes), SHARED_KEPT)
