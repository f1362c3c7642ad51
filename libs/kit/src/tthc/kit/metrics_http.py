"""``/metrics`` for a service's own Prometheus registry, as a Starlette route (no global registry)."""

from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def metrics_route(registry: CollectorRegistry, path: str = "/metrics") -> Route:
    """A GET route exposing ``registry`` in the Prometheus text format."""

    async def metrics(_: Request) -> Response:
        # Custom collectors may compute at scrape time: keep that off the event loop.
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Route(path, metrics, methods=["GET"])
