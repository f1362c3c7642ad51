"""A `grpc.aio` server with the suite's standard equipment.

Every service gets the same server: the standard health-checking service with a status per mounted service
(and the overall status under ``""``), server reflection, and a metrics interceptor that counts handled
calls and times them on an injected Prometheus registry (never the global one, so two builds in one process
never collide).

Usage::

    server = build_grpc_server(
        [GrpcService(name="tthc.dossier.v1.DossierService",
                     register=lambda s: add_DossierServiceServicer_to_server(servicer, s))],
        address="127.0.0.1:0", registry=registry,
    )
    await server.start()        # health: SERVING for "" and every mounted service
    ...  # server.port is the bound port (useful with port 0)
    await server.stop()         # health: NOT_SERVING, then drains for `grace` seconds

Build the server inside the event loop that will run it.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry, Counter, Histogram

Handler = Callable[[Any, grpc.aio.ServicerContext], Any]


@dataclass(frozen=True)
class GrpcService:
    """A servicer to mount: its fully-qualified proto name and a function that adds it to a server.

    ``register`` is usually ``lambda server: add_XServicer_to_server(servicer, server)``.
    """

    name: str
    register: Callable[[grpc.aio.Server], None]


class ServerMetrics(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Counts and times every call: ``grpc_server_handled_total{grpc_service,grpc_method,grpc_code}``
    and ``grpc_server_handling_seconds{grpc_service,grpc_method}``.

    ``grpc_code`` is the canonical upper-case status name (``OK``, ``NOT_FOUND``, ...). Unary and streaming
    handlers written as ``async def`` (coroutines or async generators) are measured; others pass through.
    It registers its two metrics on ``registry``, so build one per registry (one per service process).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.handled = Counter(
            "grpc_server_handled",
            "gRPC calls completed on the server, by status code.",
            ["grpc_service", "grpc_method", "grpc_code"],
            registry=registry,
        )
        self.handling_seconds = Histogram(
            "grpc_server_handling_seconds",
            "Time spent handling a gRPC call on the server.",
            ["grpc_service", "grpc_method"],
            registry=registry,
        )
        # by full method name: the registered handler and its measured wrapper, built once (not per call)
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        full_method = handler_call_details.method
        known = self._wrapped.get(full_method)
        if known is not None and known[0] is handler:
            return known[1]
        service, method = _split_method(full_method)
        wrapped = _wrap_handler(handler, lambda behaviour: self._measured(behaviour, service, method))
        self._wrapped[full_method] = (handler, wrapped)
        return wrapped

    def _measured(self, behaviour: Handler, service: str, method: str) -> Handler:
        record = self._recorder(service, method)
        if inspect.isasyncgenfunction(behaviour):

            async def streaming(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                started = time.perf_counter()
                try:
                    async for response in behaviour(request, context):
                        yield response
                except BaseException as error:
                    record(context, started, error)
                    raise
                record(context, started, None)

            return streaming
        if inspect.iscoroutinefunction(behaviour):

            async def awaited(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                try:
                    response = await behaviour(request, context)
                except BaseException as error:
                    record(context, started, error)
                    raise
                record(context, started, None)
                return response

            return awaited
        return behaviour

    def _recorder(
        self, service: str, method: str
    ) -> Callable[[grpc.aio.ServicerContext, float, BaseException | None], None]:
        seconds = self.handling_seconds.labels(service, method)

        def record(context: grpc.aio.ServicerContext, started: float, error: BaseException | None) -> None:
            code = _final_code(context, error)
            self.handled.labels(service, method, code.name).inc()
            seconds.observe(time.perf_counter() - started)

        return record


class GrpcServer:
    """A built, not yet started, aio server with health and reflection; ``port`` is the bound port."""

    def __init__(
        self, server: grpc.aio.Server, health_servicer: health.aio.HealthServicer, port: int, names: list[str]
    ) -> None:
        self.server = server
        self.health = health_servicer
        self.port = port
        self.service_names = tuple(names)

    async def start(self) -> None:
        """Marks the overall status and every mounted service SERVING, then starts accepting calls."""
        for name in ("", *self.service_names):
            await self.set_serving(name, serving=True)
        await self.server.start()

    async def stop(self, grace: float | None = 5.0) -> None:
        """Marks everything NOT_SERVING, then stops; calls in flight get ``grace`` seconds to finish."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)

    async def set_serving(self, service: str, *, serving: bool) -> None:
        """Sets one service's health status (``""`` is the server as a whole)."""
        statuses = health_pb2.HealthCheckResponse
        status = statuses.SERVING if serving else statuses.NOT_SERVING
        await self.health.set(service, status)

    async def wait_for_termination(self) -> None:
        """Waits until the server has stopped."""
        await self.server.wait_for_termination()


def build_grpc_server(
    services: Sequence[GrpcService],
    *,
    address: str,
    registry: CollectorRegistry,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    options: Sequence[tuple[str, Any]] = (),
) -> GrpcServer:
    """Builds an aio server with ``services``, health, reflection and metrics, bound to ``address``.

    The port is insecure (TLS ends at the mesh/ingress). ``address`` may use port 0; the returned
    server's ``port`` is the port actually bound.
    Raises:
        RuntimeError: the address could not be bound.
    """
    server = grpc.aio.server(interceptors=[ServerMetrics(registry), *interceptors], options=list(options))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for service in services:
        service.register(server)
    names = [service.name for service in services]
    reflection.enable_server_reflection((*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(address)
    if not port:
        raise RuntimeError(f"could not bind gRPC server to {address!r}")
    return GrpcServer(server, health_servicer, port, names)


def _split_method(full_method: str) -> tuple[str, str]:
    """``"/pkg.Service/Method"`` → ``("pkg.Service", "Method")``."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


def _final_code(context: grpc.aio.ServicerContext, error: BaseException | None) -> grpc.StatusCode:
    """The status the client sees: what the handler set or aborted with, else derived from the outcome."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        return _CODES_BY_VALUE.get(code, grpc.StatusCode.UNKNOWN)
    if error is None:
        return grpc.StatusCode.OK
    if isinstance(error, grpc.aio.AbortError):
        return grpc.StatusCode.UNKNOWN
    if isinstance(error, asyncio.CancelledError | GeneratorExit):  # the client went away
        return grpc.StatusCode.CANCELLED
    return grpc.StatusCode.UNKNOWN


def _wrap_handler(
    handler: grpc.RpcMethodHandler, wrap: Callable[[Handler], Handler]
) -> grpc.RpcMethodHandler:
    """The same handler with its behaviour wrapped, whatever its cardinality."""
    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(wrap(handler.unary_unary), **codecs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(wrap(handler.unary_stream), **codecs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(wrap(handler.stream_unary), **codecs)
    return grpc.stream_stream_rpc_method_handler(wrap(handler.stream_stream), **codecs)


_CODES_BY_VALUE = {code.value[0]: code for code in grpc.StatusCode}


T = TypeVar("T")
StatusOf = Callable[[Exception], tuple[grpc.StatusCode, str]]


async def answer_or_abort(
    context: grpc.aio.ServicerContext, work: Callable[[], Awaitable[T]], status_of: StatusOf
) -> T:
    """The result of ``work``, or the call aborted with the status ``status_of`` maps its error to."""
    try:
        return await work()
    except Exception as error:
        code, message = status_of(error)
        await context.abort(code, message)
        raise  # unreachable: abort raises
