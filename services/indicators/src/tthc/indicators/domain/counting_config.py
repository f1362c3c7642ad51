"""Options of the counting pass and the optional national-report figures for 1.4."""

from __future__ import annotations

from dataclasses import dataclass, field

from tthc.indicators.domain.ontime_config import OnTimeConfig


@dataclass(frozen=True, slots=True)
class CountingConfig:
    """How dossiers are counted.

    - `ontime`: the on-time options (2.1, 5.4 and the digitisation denominators depend on them).
    - `portal_view`: count only dossiers synced to the national portal (what the portal itself can see) in
      every metric except DOSSIER_SYNC, which needs the unsynced ones; default False = the local truth.
    """

    ontime: OnTimeConfig = field(default_factory=OnTimeConfig)
    portal_view: bool = False


@dataclass(frozen=True, slots=True)
class NationalReport:
    """Figures of the national reporting system (BCQG) for the unit and period, used by 1.4.

    `received`: dossiers received in the period per the national report (None = no data);
    `previous_year_received`: last year's total, the fallback when both counts are zero.
    """

    received: int | None = None
    previous_year_received: int | None = None
