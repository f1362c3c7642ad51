from __future__ import annotations

from pathlib import Path

import pytest

from tthc.dossier.domain.errors import UnitNotFoundError
from tthc.dossier.domain.units import (
    Unit,
    UnitLevel,
    UnitRegistry,
    UnitRegistryError,
    load_units,
    sample_units,
    synthetic_province,
)

WARD = "H48.40.01"  # phường Nguyễn Nghiêm
TOWN = "H48.40"  # thị xã Đức Phổ
PROVINCE = "H48"


def unit(code: str, level: UnitLevel, parent: str | None = None) -> Unit:
    return Unit(code=code, name=f"Đơn vị {code}", level=level, parent=parent)


def test_sample_registry_contains_the_seed_plan_ward_under_duc_pho() -> None:
    registry = sample_units()
    ward = registry.get(WARD)
    assert "Nguyễn Nghiêm" in ward.name
    assert ward.level is UnitLevel.COMMUNE
    assert "Đức Phổ" in registry.get(TOWN).name
    assert [u.code for u in registry.ancestors(WARD)] == [TOWN, PROVINCE]


def test_sample_registry_marks_which_codes_are_samples() -> None:
    registry = sample_units()
    assert not registry.get(PROVINCE).sample
    assert all(u.sample for u in registry if u.code != PROVINCE)
    assert 10 <= len(registry) <= 30


def test_children_are_direct_only() -> None:
    registry = sample_units()
    children = registry.children(PROVINCE)
    assert TOWN in {u.code for u in children}
    assert WARD not in {u.code for u in children}
    assert {u.level for u in children} <= {UnitLevel.PROVINCIAL_DEPARTMENT, UnitLevel.DISTRICT}


def test_descendants_of_the_province_are_everything_else() -> None:
    registry = sample_units()
    descendants = {u.code for u in registry.descendants(PROVINCE)}
    assert descendants == {u.code for u in registry} - {PROVINCE}
    assert registry.descendants(WARD) == []


def test_is_within_follows_the_tree() -> None:
    registry = sample_units()
    assert registry.is_within(WARD, PROVINCE)
    assert registry.is_within(WARD, TOWN)
    assert registry.is_within(WARD, WARD)
    assert not registry.is_within(TOWN, WARD)
    assert not registry.is_within(WARD, "H48.30")


def test_unknown_codes_raise_the_domain_error() -> None:
    registry = sample_units()
    with pytest.raises(UnitNotFoundError, match=r"H48\.99"):
        registry.get("H48.99")
    with pytest.raises(UnitNotFoundError):
        registry.children("H48.99")
    with pytest.raises(UnitNotFoundError):
        registry.is_within(WARD, "H48.99")


def test_communes_may_hang_directly_under_a_province_after_the_2025_reform() -> None:
    registry = UnitRegistry([unit("H1", UnitLevel.PROVINCE), unit("H1.01", UnitLevel.COMMUNE, "H1")])
    assert registry.ancestors("H1.01")[0].code == "H1"


@pytest.mark.parametrize(
    ("units", "reason"),
    [
        ([unit("H1", UnitLevel.PROVINCE), unit("H1", UnitLevel.PROVINCE)], "listed twice"),
        ([unit("H1.01", UnitLevel.COMMUNE, "H9")], "parent 'H9' is not in the registry"),
        ([unit("H1.01", UnitLevel.COMMUNE)], "needs a parent"),
        (
            [
                unit("H1", UnitLevel.PROVINCE),
                unit("H1.01", UnitLevel.COMMUNE, "H1"),
                unit("H1.01.1", UnitLevel.COMMUNE, "H1.01"),
            ],
            "cannot sit under a COMMUNE",
        ),
    ],
)
def test_inconsistent_trees_are_rejected(units: list[Unit], reason: str) -> None:
    with pytest.raises(UnitRegistryError, match=reason):
        UnitRegistry(units)


def test_load_units_names_the_file_and_the_field(tmp_path: Path) -> None:
    source = tmp_path / "units.yaml"
    source.write_text("units:\n  - {code: H1, name: Tỉnh, level: STATE}\n", encoding="utf-8")
    with pytest.raises(UnitRegistryError, match=r"(?s)units\.yaml.*level"):
        load_units(source)


def test_load_units_reads_a_file(tmp_path: Path) -> None:
    source = tmp_path / "units.yaml"
    source.write_text(
        "units:\n  - {code: H1, name: Tỉnh, level: PROVINCE, sample: false}\n"
        "  - {code: H1.1, name: Xã, level: COMMUNE, parent: H1}\n",
        encoding="utf-8",
    )
    registry = load_units(source)
    assert [u.code for u in registry.children("H1")] == ["H1.1"]


@pytest.mark.parametrize("size", [3, 100, 1000])
def test_synthetic_province_has_the_requested_size_and_a_valid_tree(size: int) -> None:
    registry = synthetic_province("H99", size)
    assert len(registry) == size
    assert [u.code for u in registry.roots()] == ["H99"]
    assert len(registry.descendants("H99")) == size - 1
    communes = registry.at_level(UnitLevel.COMMUNE)
    assert communes
    assert all(registry.ancestors(c.code)[-1].code == "H99" for c in communes)


def test_synthetic_province_needs_room_for_every_level() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        synthetic_province("H99", 2)
