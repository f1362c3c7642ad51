"""The unit tree the index pools over: a province pools itself and every descendant (index-766 §4).

Known shortcut: the registry file is read with the dossier service's pure loader
(`tthc.dossier.domain.units.load_units`, the same YAML format); the tree itself is this service's own value,
so the loader can move to a shared place without touching the index code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tthc.indicators.domain.counting import pool_for
from tthc.indicators.domain.facts_catalogue import UnitFacts
from tthc.indicators.domain.facts_catalogue import UnitLevel as CatalogueLevel
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel

# registry level → the index's catalogue level (a 2024 district carries out local procedures)
_CATALOGUE_LEVEL = {
    "PROVINCE": CatalogueLevel.PROVINCE,
    "PROVINCIAL_DEPARTMENT": CatalogueLevel.PROVINCE,
    "DISTRICT": CatalogueLevel.COMMUNE,
    "COMMUNE": CatalogueLevel.COMMUNE,
    "MINISTRY": CatalogueLevel.MINISTRY,
}
_SCORING_LEVEL = {
    "PROVINCE": ScoringLevel.PROVINCE,
    "COMMUNE": ScoringLevel.COMMUNE,
    "MINISTRY": ScoringLevel.MINISTRY,
}


class UnknownUnitError(LookupError):
    """A unit code that is not in the registry."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown unit {code!r}")
        self.code = code


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """One unit (cơ quan, đơn vị): code, name, registry level and parent code (None for a root)."""

    code: str
    name: str
    level: str
    parent: str | None = None


class UnitTree:
    """Units with their pools (unit + descendants) and roots (the province whose catalogue they inherit)."""

    def __init__(self, units: Iterable[UnitInfo]) -> None:
        self._units = {unit.code: unit for unit in units}
        self._children: dict[str, list[str]] = {code: [] for code in self._units}
        for unit in self._units.values():
            if unit.parent is not None and unit.parent in self._children:
                self._children[unit.parent].append(unit.code)
        self._pools: dict[str, frozenset[str]] = {}

    def __iter__(self) -> Iterator[UnitInfo]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def get(self, code: str) -> UnitInfo:
        """The unit. Raises: UnknownUnitError."""
        try:
            return self._units[code]
        except KeyError:
            raise UnknownUnitError(code) from None

    def children(self, code: str) -> list[str]:
        """Codes of the direct children."""
        return self._children.get(code, [])

    def pool(self, code: str) -> frozenset[str]:
        """The unit and all its descendants. Raises: UnknownUnitError."""
        self.get(code)
        found = self._pools.get(code)
        if found is None:
            found = self._pools[code] = pool_for(code, self.children)
        return found

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Codes above the unit, nearest first (a unit outside the registry has none)."""
        found: list[str] = []
        parent = self._units[code].parent if code in self._units else None
        while parent is not None and parent in self._units and parent not in found:
            found.append(parent)
            parent = self._units[parent].parent
        return tuple(found)

    def root(self, code: str) -> str:
        """The top ancestor (the unit itself for a root)."""
        above = self.ancestors(code)
        return above[-1] if above else code

    def unit_facts(self, code: str) -> UnitFacts:
        """The unit as the catalogue metrics see it (electronic certified copies: no source yet)."""
        level = _CATALOGUE_LEVEL.get(self.get(code).level, CatalogueLevel.COMMUNE)
        return UnitFacts(code=code, level=level)

    def scoring_level(self, code: str) -> ScoringLevel | None:
        """The scoring engine's level of the unit (None for departments and districts)."""
        return _SCORING_LEVEL.get(self.get(code).level)


def load_unit_tree(path: Path | None = None) -> UnitTree:
    """Reads a units YAML file in the registry format (None = the shipped sample registry)."""
    from tthc.dossier.domain.units import load_units, sample_units

    registry = sample_units() if path is None else load_units(path)
    return UnitTree(UnitInfo(unit.code, unit.name, unit.level.value, unit.parent) for unit in registry)
