"""The unit registry: agencies (cơ quan, đơn vị) in a tree, province → district → commune.

Since the July 2025 two-tier reform there is no district level; older data (and the 2024 sample) still has it,
so the tree allows both shapes. Codes are portal-style agency codes ("H48", "H48.40.01").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tthc.dossier.domain.errors import DossierError, UnitNotFoundError


class UnitLevel(StrEnum):
    """Administrative level of a unit (cấp)."""

    PROVINCE = "PROVINCE"  # UBND tỉnh
    PROVINCIAL_DEPARTMENT = "PROVINCIAL_DEPARTMENT"  # sở, ban, ngành
    DISTRICT = "DISTRICT"  # UBND huyện / thị xã / thành phố thuộc tỉnh (until 07/2025)
    COMMUNE = "COMMUNE"  # UBND xã / phường / thị trấn


ALLOWED_PARENTS: dict[UnitLevel, frozenset[UnitLevel]] = {
    UnitLevel.PROVINCE: frozenset(),
    UnitLevel.PROVINCIAL_DEPARTMENT: frozenset({UnitLevel.PROVINCE}),
    UnitLevel.DISTRICT: frozenset({UnitLevel.PROVINCE}),
    UnitLevel.COMMUNE: frozenset({UnitLevel.PROVINCE, UnitLevel.DISTRICT}),
}


class Unit(BaseModel):
    """One agency: code, name, level and parent code (``None`` for a province)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9.\-]+$")
    name: str = Field(min_length=1)
    level: UnitLevel
    parent: str | None = None
    sample: bool = True  # the code is made up for demos, not a real identifier


class UnitRegistryError(DossierError):
    """The unit data is inconsistent (duplicate code, missing parent, wrong level nesting, bad file)."""


class UnitRegistry:
    """An immutable tree of units with lookups up and down the hierarchy."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {}
        for unit in units:
            if unit.code in self._units:
                raise UnitRegistryError(f"unit code {unit.code!r} is listed twice")
            self._units[unit.code] = unit
        self._children: dict[str, list[Unit]] = {code: [] for code in self._units}
        for unit in self._units.values():
            self._attach(unit)

    def _attach(self, unit: Unit) -> None:
        allowed = ALLOWED_PARENTS[unit.level]
        if unit.parent is None:
            if allowed:
                raise UnitRegistryError(f"unit {unit.code!r} ({unit.level}) needs a parent")
            return
        parent = self._units.get(unit.parent)
        if parent is None:
            raise UnitRegistryError(f"unit {unit.code!r}: parent {unit.parent!r} is not in the registry")
        if parent.level not in allowed:
            raise UnitRegistryError(f"unit {unit.code!r} ({unit.level}) cannot sit under a {parent.level}")
        self._children[parent.code].append(unit)

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def get(self, code: str) -> Unit:
        """The unit with ``code``. Raises: UnitNotFoundError."""
        try:
            return self._units[code]
        except KeyError:
            raise UnitNotFoundError(code) from None

    def roots(self) -> list[Unit]:
        """Units without a parent (provinces)."""
        return [unit for unit in self._units.values() if unit.parent is None]

    def children(self, code: str) -> list[Unit]:
        """Direct children of ``code``, in registry order."""
        self.get(code)
        return list(self._children[code])

    def descendants(self, code: str) -> list[Unit]:
        """All units below ``code`` (depth first, registry order), excluding ``code`` itself."""
        found: list[Unit] = []
        for child in self.children(code):
            found.append(child)
            found.extend(self.descendants(child.code))
        return found

    def ancestors(self, code: str) -> list[Unit]:
        """Units above ``code``, nearest first, excluding ``code`` itself."""
        found: list[Unit] = []
        parent = self.get(code).parent
        while parent is not None:
            unit = self._units[parent]
            found.append(unit)
            parent = unit.parent
        return found

    def is_within(self, code: str, ancestor: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies below it (a province pools all its descendants)."""
        self.get(ancestor)
        return code == ancestor or any(unit.code == ancestor for unit in self.ancestors(code))

    def at_level(self, level: UnitLevel) -> list[Unit]:
        """Units of one level, in registry order."""
        return [unit for unit in self._units.values() if unit.level is level]


class UnitFile(BaseModel):
    """Shape of a units YAML file."""

    model_config = ConfigDict(extra="forbid")
    units: list[Unit]


def load_units(source: Path | Traversable) -> UnitRegistry:
    """Reads a units YAML file. Raises: UnitRegistryError naming the file and the problem."""
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
        return UnitRegistry(UnitFile.model_validate(document).units)
    except (OSError, yaml.YAMLError, ValidationError, UnitRegistryError) as error:
        raise UnitRegistryError(f"{source.name}: {error}") from error


def sample_units() -> UnitRegistry:
    """The shipped SAMPLE registry (Quảng Ngãi, thị xã Đức Phổ, phường Nguyễn Nghiêm, ...)."""
    return load_units(files("tthc.dossier") / "data" / "units.yaml")


def synthetic_province(code: str, n_units: int) -> UnitRegistry:
    """A made-up province of ``n_units`` units for benchmarks: departments, districts and communes.

    About a tenth are departments, a tenth districts; the rest are communes spread over the districts.
    """
    if n_units < 3:
        raise ValueError("a synthetic province needs at least 3 units (province, district, commune)")
    departments = (n_units - 1) // 10
    districts = max(1, (n_units - 1) // 10)
    communes = n_units - 1 - departments - districts
    units = [Unit(code=code, name=f"Tỉnh mẫu {code}", level=UnitLevel.PROVINCE)]
    units += [
        Unit(code=f"{code}.{i:02d}", name=f"Sở mẫu {i}", level=UnitLevel.PROVINCIAL_DEPARTMENT, parent=code)
        for i in range(1, departments + 1)
    ]
    district_codes = [f"{code}.{departments + i:02d}" for i in range(1, districts + 1)]
    units += [
        Unit(code=d, name=f"Huyện mẫu {i}", level=UnitLevel.DISTRICT, parent=code)
        for i, d in enumerate(district_codes, start=1)
    ]
    units += [
        Unit(
            code=f"{district_codes[i % districts]}.{i // districts + 1:02d}",
            name=f"Xã mẫu {i + 1}",
            level=UnitLevel.COMMUNE,
            parent=district_codes[i % districts],
        )
        for i in range(communes)
    ]
    return UnitRegistry(units)
