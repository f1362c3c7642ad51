"""The national portal's rounding inside the online-payment group (TTTT), solved against published figures.

The documented formula `6·A + min(2, 2.5·B) + min(2, 2.5·C)` matches the portal only within ±0.015. The portal
reproduces exactly (164 of 164 units of Phú Thọ, 2026-08) when each part is computed as:

1. percent = 100 × numerator / denominator, rounded half-up to 2 decimals (the part's published `ratio`);
2. part = (max / threshold) × percent / 100 in IEEE-754 double precision (so 6 × 98.75 / 100 is
   5.92499999999999982…), capped at max;
3. the part rounded half-up to 2 decimals on that exact double; the group is the sum of the rounded parts.

See SCORING.md for the candidate rules and their match counts.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tthc.indicators.domain.scoring.rules import half_up, percent


def portal_part_score(max_score: int, threshold: Fraction | None, share: Fraction) -> Decimal:
    """Returns one payment part's score rounded the portal's way (see the module docstring)."""
    coefficient = float(Fraction(max_score) / threshold) if threshold is not None else float(max_score)
    part = min(float(max_score), coefficient * float(percent(share)) / 100)
    return half_up(Fraction(part))
