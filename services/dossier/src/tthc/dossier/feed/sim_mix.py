"""Population mix and small helpers of the feed simulator."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.feed.sim_truth import TrueDocument
from tthc.kit.worktime import LegalTime, TimeUnit

S = DossierStatus
WORKING_DAY = timedelta(hours=8)


@dataclass(frozen=True)
class Mix:
    """Shares of the simulated population (probabilities per dossier)."""

    online: float = 0.55
    postal: float = 0.03
    refused_before_reception: float = 0.03
    refused: float = 0.02
    withdrawn: float = 0.02
    stopped: float = 0.01
    supplement: float = 0.12
    second_supplement: float = 0.2
    never_supplied: float = 0.1
    obligation: float = 0.06
    paid_online: float = 0.6
    late: float = 0.08
    returned: float = 0.92
    electronic_result: float = 0.7


ENDING_NOTES = {S.REFUSED: "Từ chối giải quyết", S.WITHDRAWN: "Công dân rút hồ sơ", S.STOPPED: "Dừng xử lý"}


def budget(legal: LegalTime) -> timedelta:
    """The legal time as working time (calendar days count as 5/7 of a working day)."""
    per_unit = {TimeUnit.HOURS: timedelta(hours=1), TimeUnit.WORKING_DAYS: WORKING_DAY}
    factor = per_unit.get(legal.unit, WORKING_DAY * 5 / 7)
    return factor * float(legal.amount or Decimal(1))


def documents(rng: random.Random, online: bool) -> tuple[TrueDocument, ...]:
    names = ("Tờ khai", "Giấy tờ tùy thân", "Giấy tờ chứng minh", "Văn bản ủy quyền")
    return tuple(
        TrueDocument(
            code=f"TP{index + 1:02d}",
            name=names[index],
            digitised=rng.random() < 0.75,
            reused=rng.random() < 0.2,
            from_citizen_store=online and rng.random() < 0.15,
        )
        for index in range(rng.randint(1, 4))
    )
