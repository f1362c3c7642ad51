"""CPU cost of the paths the compact facts touch: evolving facts from decoded events, reading them from the
store's JSON, and counting a pool (best of several runs, per event or per dossier).

Run: ``python -m tthc.indicators.bench.memory_timing [dossiers]``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tthc.indicators.bench.memory_facts import SPACE
from tthc.indicators.domain.counting import count_unit
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.decoding import InboundEvent, decode
from tthc.indicators.projection.mapping import evolve_dossier
from tthc.indicators.projection.scenarios import expected_facts, random_scenarios, scenario_events

_NOW = datetime(2024, 4, 20, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def evolve_all(events: list[list[Any]]) -> list[DossierFacts]:
    """The facts of each dossier after its events (decoded: (type, payload) pairs)."""
    found = []
    for payloads in events:
        facts: DossierFacts | None = None
        for event_type, payload in payloads:
            facts = evolve_dossier(facts, event_type, payload)
        if facts is not None:
            found.append(facts)
    return found


def _payload(event: InboundEvent) -> tuple[str, Any]:
    return event.type, event.data


def best_seconds(run: Callable[[], object], repeat: int = 7) -> float:
    """The fastest of `repeat` runs."""
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str]) -> None:
    """Prints µs per event (evolve) and per dossier (read from JSON, count March 2024), `argv[0]` dossiers."""
    count = int(argv[0]) if argv else 20_000
    scenarios = random_scenarios(random.Random(1), count, SPACE)
    events = [[_payload(decode(e.model_dump_json())) for e in scenario_events(s)] for s in scenarios]
    texts = [dossier_to_json(expected_facts(s)) for s in scenarios]
    facts = evolve_all(events)
    period = Period.month(2024, 3)
    applied = sum(len(payloads) for payloads in events)
    evolve = best_seconds(lambda: evolve_all(events)) / applied
    load = best_seconds(lambda: [dossier_from_json(text) for text in texts]) / count
    counting = best_seconds(lambda: count_unit(facts, {}, period, _NOW)) / count
    print(f"evolve {evolve * 1e6:.2f} µs/event ({applied / count:.1f} events per dossier)")
    print(f"read from JSON {load * 1e6:.2f} µs/dossier")
    print(f"count {counting * 1e6:.2f} µs/dossier")


if __name__ == "__main__":
    main(sys.argv[1:])
