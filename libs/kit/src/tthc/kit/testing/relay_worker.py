"""A relay in its own process, for crash tests.

Usage: ``python -m tthc.kit.testing.relay_worker STORE BOOTSTRAP TOPIC [--batch-size N] [--pause-s S]``.

Relays the sample ``TallyApp`` store until caught up, then exits 0. ``--pause-s`` sleeps between batches
so a test can SIGKILL it part-way through a large backlog.
"""

from __future__ import annotations

import argparse
import asyncio

from tthc.kit.eventstore import store_env
from tthc.kit.relay import OutboxRelay, notification_records
from tthc.kit.testing.sample import TallyApp


async def relay(store: str, bootstrap: str, topic: str, batch_size: int, pause_s: float) -> int:
    """Relay everything after the tracked position; returns the number of notifications relayed."""
    app = TallyApp(env=dict(store_env(store, TallyApp.name)))
    total = 0
    async with OutboxRelay(app, notification_records(topic), bootstrap, batch_size=batch_size) as outbox:
        while moved := await outbox.relay_batch():
            total += moved
            await asyncio.sleep(pause_s)
    app.close()
    return total


def main() -> None:
    """Parse the arguments and relay."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store", help="store URL (sqlite:///FILE or postgresql://...)")
    parser.add_argument("bootstrap", help="Kafka bootstrap servers")
    parser.add_argument("topic", help="topic to publish to")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--pause-s", type=float, default=0.0)
    args = parser.parse_args()
    total = asyncio.run(relay(args.store, args.bootstrap, args.topic, args.batch_size, args.pause_s))
    print(f"relayed {total}", flush=True)


if __name__ == "__main__":
    main()
