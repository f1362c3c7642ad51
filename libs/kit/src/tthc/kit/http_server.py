"""Runs an ASGI app with uvicorn inside the caller's event loop, for a service's composition root."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def start_http(app: Any, host: str, port: int, stack: contextlib.AsyncExitStack) -> str:
    """Serves ``app`` on ``host:port`` (0 = any free port) until ``stack`` closes; returns the base URL.

    Raises:
        OSError: the address could not be bound.
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name=f"http-{host}:{port}")
    while not server.started:
        if task.done():
            task.result()  # re-raises the bind error
            raise OSError(f"HTTP server on {host}:{port} stopped before it started")
        await asyncio.sleep(0.02)

    async def shutdown() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(shutdown)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return f"http://{host}:{bound}"
