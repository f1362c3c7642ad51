"""HTTP entry point of the provincial feed (Starlette).

- ``POST /v1/feed/dossiers``: body = a JSON array of HoSoDongBoDVC records (a single object is a batch of
  one); ``Authorization: Bearer <token>``. 200 → ``{"results": [...], "accepted": n, "duplicate": n,
  "rejected": n}``; 400 unreadable JSON (with line/column); 401 missing/unknown token; 413 body too large.
- ``POST /v1/feed/history``: the same for QuaTrinhXuLy history items.
- ``GET /healthz``.

The blocking application runs in a worker thread behind a single-writer limiter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.results import RecordResult, summary

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024

Ingest = Callable[[FeedIntake, list[Any], Caller], list[RecordResult]]


class BodyTooLargeError(Exception):
    """The request body exceeds the configured limit."""


def build_http_app(
    intake: FeedIntake,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """The feed's Starlette app; ``extra_routes`` (e.g. ``/metrics``) are mounted beside the feed routes."""
    writer = anyio.CapacityLimiter(1)

    def endpoint(ingest: Ingest) -> Callable[[Request], Any]:
        async def post(request: Request) -> JSONResponse:
            caller = intake.authenticate(_bearer(request))
            if caller is None:
                return _error(
                    401, "missing or unknown bearer token", {"WWW-Authenticate": 'Bearer realm="feed"'}
                )
            try:
                batch = _as_batch(json.loads(await _read_body(request, max_body_bytes)))
            except BodyTooLargeError:
                return _error(413, f"request body larger than {max_body_bytes} bytes")
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                return _parse_error(error)
            results = await anyio.to_thread.run_sync(ingest, intake, batch, caller, limiter=writer)
            return JSONResponse(summary(results))

        return post

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    routes: list[BaseRoute] = [
        Route("/v1/feed/dossiers", endpoint(FeedIntake.ingest), methods=["POST"]),
        Route("/v1/feed/history", endpoint(FeedIntake.ingest_history), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        *extra_routes,
    ]
    return Starlette(routes=routes)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLargeError
    return bytes(body)


def _as_batch(document: Any) -> list[Any]:
    return document if isinstance(document, list) else [document]


def _parse_error(error: json.JSONDecodeError | UnicodeDecodeError) -> JSONResponse:
    if isinstance(error, UnicodeDecodeError):
        return _error(400, f"body is not UTF-8: {error.reason} at byte {error.start}")
    detail = {"line": error.lineno, "column": error.colno, "position": error.pos}
    return _error(400, f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}", extra=detail)


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message, **(extra or {})}, status_code=status, headers=headers)
