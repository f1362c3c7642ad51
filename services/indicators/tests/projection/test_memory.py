"""The in-memory facts cache stays compact (the per-dossier cost documented in projection/facts_cache.py)."""

from __future__ import annotations

import gc
import random
import tracemalloc
from datetime import date
from zoneinfo import ZoneInfo

from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.facts_cache import FactsCache
from tthc.indicators.projection.scenarios import ScenarioSpace, expected_facts, random_scenarios

SPACE = ScenarioSpace(["U1", "U2"], ["P1", "P2"], date(2024, 3, 1), 30, ZoneInfo("Asia/Ho_Chi_Minh"))


def test_a_dossier_loaded_from_the_store_costs_less_than_two_kilobytes() -> None:
    texts = [dossier_to_json(expected_facts(s)) for s in random_scenarios(random.Random(1), 3000, SPACE)]
    gc.collect()
    tracemalloc.start()
    try:
        cache = FactsCache()
        for text in texts:
            cache.put(dossier_from_json(text))
        gc.collect()
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(cache) == len(texts)
    assert used / len(texts) < 2048
