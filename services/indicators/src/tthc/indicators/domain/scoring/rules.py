"""Scoring rules and exact rounding (docs/index-766.md §1.8).

Arithmetic is exact (`Fraction`) from the unrounded counts; rounding happens once, half-up to 2 decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

HUNDRED = Fraction(100)


class OnZero(StrEnum):
    """What a metric scores when its denominator is 0."""

    NULL = "null"  # ratio and score null; 0 in the group total
    ZERO = "zero"  # ratio 0, score 0
    FULL = "full"  # ratio 0, full marks


@dataclass(frozen=True, slots=True)
class Rule:
    """Linear (`max × share`) or threshold T (`min(max, max × share / T)`) scoring, plus the zero rule."""

    threshold: Fraction | None = None
    on_zero: OnZero = OnZero.NULL

    def points(self, max_score: int, share: Fraction) -> Fraction:
        """Returns the unrounded score of `share` (0..1), never above `max_score`."""
        reached = share / self.threshold if self.threshold is not None else share
        return min(Fraction(max_score), max_score * reached)

    def describe(self) -> str:
        """Returns a short human description, e.g. "threshold 80 %; d=0 → null"."""
        kind = "linear" if self.threshold is None else f"threshold {_percent_text(self.threshold)} %"
        return f"{kind}; d=0 → {self.on_zero.value}"


def half_up(value: Fraction, places: int = 2) -> Decimal:
    """Rounds an exact value half-up (away from zero on ties) to `places` decimals."""
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    sign = -1 if value < 0 else 1
    return Decimal(sign * magnitude).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def percent(share: Fraction) -> Decimal:
    """Returns the share as a percentage rounded half-up to 2 decimals, the portal's `ratio`."""
    return half_up(share * HUNDRED)


def _percent_text(threshold: Fraction) -> str:
    return format(half_up(threshold * HUNDRED).normalize(), "f")
