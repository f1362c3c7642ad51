"""``/metrics`` for a service's own Prometheus registry, as a Starlette route (no global registry)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def metrics_route(registry: CollectorRegistry, path: str = "/metrics") -> Route:
    """A GET route exposing ``registry`` in the Prometheus text format."""

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Route(path, metrics, methods=["GET"])
