"""A small HTTP client of the feed endpoint, used by ``tthc feed push`` and ``tthc feed simulate --push``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import httpx

Kind = Literal["dossiers", "history"]
PATHS: dict[Kind, str] = {"dossiers": "/v1/feed/dossiers", "history": "/v1/feed/history"}


class FeedServerError(Exception):
    """The server did not answer 200; carries the status and the server's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class FeedClient:
    """Posts batches of records to a feed server (``base_url`` like ``http://127.0.0.1:8080``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        for path in PATHS.values():
            self._base = self._base.removesuffix(path)
        headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(base_url=self._base, headers=headers, timeout=timeout, transport=transport)

    def push(self, kind: Kind, records: Sequence[Any]) -> dict[str, Any]:
        """Posts one batch; returns the server's answer (``results`` and counts).

        Raises:
            FeedServerError: any answer other than 200.
            httpx.HTTPError: the server could not be reached.
        """
        return self.push_raw(kind, json.dumps(list(records), ensure_ascii=False).encode())

    def push_raw(self, kind: Kind, body: bytes) -> dict[str, Any]:
        """Posts a body as it is (a file's bytes); returns the server's answer."""
        response = self._http.post(PATHS[kind], content=body, headers={"Content-Type": "application/json"})
        if response.status_code != 200:
            raise FeedServerError(response.status_code, _message(response))
        answer: dict[str, Any] = response.json()
        return answer

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def __enter__(self) -> FeedClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)
