"""Named errors of the scoring engine and the targets."""

from __future__ import annotations


class ScoringError(Exception):
    """Base of every scoring-engine error."""


class InvalidMetricInputError(ScoringError, ValueError):
    """A metric input is impossible (a negative count or share)."""


class InvalidScoringConfigError(ScoringError, ValueError):
    """A scoring configuration value is outside its allowed range."""
