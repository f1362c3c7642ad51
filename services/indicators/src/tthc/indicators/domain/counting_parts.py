"""Counting a pool in parts: one undetailed pass per unit, merged into the pools that contain the unit.

A province's pool holds every dossier of its descendants, so counting each pool from scratch counts a
commune's dossiers once for the commune, once for its district and once for the province. Counting each
unit's own dossiers once (`count_part`) and merging the parts (`count_unit(..., parts=...)`) gives the same
inputs as `count_unit` over the union (the tallies add up, the catalogue sets unite), and a change in one
unit only recounts that unit's part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.counting_dossiers import DossierPass
from tthc.indicators.domain.counting_figures import PassFigures
from tthc.indicators.domain.counting_tally import Tally
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts
from tthc.indicators.domain.periods import Period

_DEFAULT = CountingConfig()


def count_part(
    dossiers: Iterable[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
    period: Period,
    now: datetime,
    config: CountingConfig = _DEFAULT,
) -> PassFigures:
    """The figures of an undetailed pass over some of a pool's dossiers (e.g. one unit's own), to merge
    later."""
    counted = DossierPass(Tally(detailed=False), procedures, period, now, config=config)
    for dossier in dossiers:
        counted.add(dossier)
    return counted.figures()
