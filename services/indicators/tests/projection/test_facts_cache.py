"""FactsCache bookkeeping: one dossier per id, listed under its current unit only, whatever the moves."""

from __future__ import annotations

import random
from datetime import datetime

from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.projection.facts_cache import PART_BUCKETS, CountCache, FactsCache, bucket_of
from tthc.kit.clock import VIETNAM


def facts(dossier_id: str, unit: str, code: str = "HS") -> DossierFacts:
    return DossierFacts(dossier_id, code, unit, "P1")


def ids(found: object) -> list[str]:
    return sorted(f.dossier_id for f in found)  # type: ignore[attr-defined]


def test_a_dossier_moving_unit_is_listed_under_its_new_unit_only() -> None:
    cache = FactsCache()
    assert cache.put(facts("d1", "U1")) == {"U1"}
    cache.put(facts("d2", "U1"))
    assert cache.put(facts("d1", "U2", code="moved")) == {"U1", "U2"}
    assert len(cache) == 2
    assert cache.get("d1") == facts("d1", "U2", code="moved")
    assert ids(cache.in_units(["U1"])) == ["d2"]
    assert ids(cache.in_units(["U2"])) == ["d1"]
    assert ids(cache.in_units(["U1", "U2"])) == ["d1", "d2"]
    everything = cache.in_buckets("U2", range(PART_BUCKETS))
    assert [f.dossier_id for part in everything.values() for f in part] == ["d1"]
    assert everything[bucket_of("d1")] == [facts("d1", "U2", code="moved")]


def test_a_dossier_moving_back_is_listed_once() -> None:
    cache = FactsCache()
    cache.put(facts("d2", "U1"))
    cache.put(facts("d3", "U1"))
    for unit, other in (("U1", "U2"), ("U2", "U1"), ("U1", "U2"), ("U2", "U1"), ("U1", "U2")):
        cache.put(facts("d1", unit))
        assert "d1" in ids(cache.in_units([unit]))
        assert ids(cache.in_units(["U1", "U2"])) == ["d1", "d2", "d3"]
        assert "d1" not in ids(cache.in_units([other]))
    assert ids(cache.in_units(["U1"])) == ["d1", "d2", "d3"]
    assert list(cache.in_units(["U2"])) == []
    assert cache.in_buckets("U2", range(PART_BUCKETS)) == {bucket: [] for bucket in range(PART_BUCKETS)}
    assert cache.get("unknown") is None
    assert list(cache.in_units(["U9"])) == []


def test_random_puts_agree_with_a_plain_model() -> None:
    rng = random.Random(11)
    cache, model = FactsCache(), dict[str, DossierFacts]()
    units = ["U1", "U2", "U3"]
    for step in range(3000):
        dossier_id = f"d{rng.randrange(60)}"
        before = model.get(dossier_id)
        put = facts(dossier_id, rng.choice(units), code=f"v{step}")
        touched = cache.put(put)
        model[dossier_id] = put
        assert touched == {put.unit_code} | ({before.unit_code} if before is not None else set())
        if step % 97 == 0:
            _agree(cache, model, units)
    _agree(cache, model, units)


def _agree(cache: FactsCache, model: dict[str, DossierFacts], units: list[str]) -> None:
    assert len(cache) == len(model)
    assert all(cache.get(key) is value for key, value in model.items())
    for unit in units:
        expected = {key for key, value in model.items() if value.unit_code == unit}
        listed = [f.dossier_id for f in cache.in_units([unit])]
        assert sorted(listed) == sorted(expected)
        assert all(cache.get(f.dossier_id) is f for f in cache.in_units([unit]))
        wanted = [1, 4, 6]
        parts = cache.in_buckets(unit, wanted)
        assert set(parts) == set(wanted)
        for bucket, found in parts.items():
            in_bucket = sorted(key for key in expected if bucket_of(key) == bucket)
            assert sorted(f.dossier_id for f in found) == in_bucket


def test_a_count_read_before_its_unit_changed_is_not_cached() -> None:
    march, at = Period.month(2024, 3), datetime(2024, 3, 20, tzinfo=VIETNAM)
    cache = CountCache()
    stamp = cache.stamp()
    cache.invalidate(["other"])
    assert cache.put("H.01", march, at, "kept", None, counted_at=stamp)  # another unit changed: still current
    assert cache.get("H.01", march, at) == "kept"
    stamp = cache.stamp()
    cache.invalidate(["H.01"])
    assert not cache.put("H.01", march, at, "stale", None, counted_at=stamp)
    assert cache.get("H.01", march, at) is None
    stamp = cache.stamp()
    cache.clear()
    assert not cache.put("H.02", march, at, "stale", None, counted_at=stamp)
    assert cache.put("H.02", march, at, "fresh", None, counted_at=cache.stamp())
    assert cache.get("H.02", march, at) == "fresh"
