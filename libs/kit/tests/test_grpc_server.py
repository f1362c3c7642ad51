from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY, CollectorRegistry

from tthc.kit.grpc_server import GrpcServer, GrpcService, build_grpc_server

ECHO = "test.v1.Echo"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def say(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    if request == b"missing":
        await context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")
    if request == b"boom":
        raise RuntimeError("unexpected")
    return b"echo:" + request


async def count(request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
    if request == b"forever":
        while True:
            yield b"tick"
            await asyncio.sleep(0.01)
    for i in range(int(request)):
        yield str(i).encode()
    if int(request) == 0:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "nothing to count")


def echo_service() -> GrpcService:
    handler = grpc.method_handlers_generic_handler(
        ECHO,
        {
            "Say": grpc.unary_unary_rpc_method_handler(say),
            "Count": grpc.unary_stream_rpc_method_handler(count),
        },
    )
    return GrpcService(ECHO, lambda server: server.add_generic_rpc_handlers((handler,)))


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def server(registry: CollectorRegistry) -> AsyncIterator[GrpcServer]:
    built = build_grpc_server([echo_service()], address="127.0.0.1:0", registry=registry)
    await built.start()
    yield built
    await built.stop(grace=None)


@pytest.fixture
async def channel(server: GrpcServer) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as opened:
        yield opened


def handled(registry: CollectorRegistry, method: str, code: str, service: str = ECHO) -> float:
    labels = {"grpc_service": service, "grpc_method": method, "grpc_code": code}
    return registry.get_sample_value("grpc_server_handled_total", labels) or 0.0


async def health_of(channel: grpc.aio.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=service))).status  # type: ignore[no-any-return]


async def test_port_zero_binds_a_free_port_and_reports_it(
    server: GrpcServer, channel: grpc.aio.Channel
) -> None:
    assert server.port > 0
    assert await channel.unary_unary(f"/{ECHO}/Say")(b"hi") == b"echo:hi"


async def test_an_address_in_use_fails_loudly(registry: CollectorRegistry) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=str(port)):
            build_grpc_server([], address=f"127.0.0.1:{port}", registry=registry)


async def test_health_is_serving_for_the_server_and_each_service(channel: grpc.aio.Channel) -> None:
    assert await health_of(channel, "") == SERVING
    assert await health_of(channel, ECHO) == SERVING


async def test_health_of_an_unknown_service_is_not_found(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await health_of(channel, "nobody.v1.Nothing")
    assert raised.value.code() is grpc.StatusCode.NOT_FOUND


async def test_one_service_can_be_marked_not_serving(server: GrpcServer, channel: grpc.aio.Channel) -> None:
    await server.set_serving(ECHO, serving=False)

    assert await health_of(channel, ECHO) == NOT_SERVING
    assert await health_of(channel, "") == SERVING


async def test_stopping_tells_watchers_not_serving_before_draining(
    server: GrpcServer, channel: grpc.aio.Channel
) -> None:
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=ECHO))
    assert (await watch.read()).status == SERVING

    stopping = asyncio.create_task(server.stop(grace=1.0))

    assert (await watch.read()).status == NOT_SERVING
    await stopping


async def test_reflection_lists_the_mounted_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")

    responses = [response async for response in stub.ServerReflectionInfo(iter([request]))]

    names = {service.name for service in responses[0].list_services_response.service}
    assert names == {ECHO, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


async def test_calls_are_counted_by_method_and_status_code(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    say_rpc = channel.unary_unary(f"/{ECHO}/Say")
    await say_rpc(b"a")
    await say_rpc(b"b")
    for failing, expected in ((b"missing", grpc.StatusCode.NOT_FOUND), (b"boom", grpc.StatusCode.UNKNOWN)):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await say_rpc(failing)
        assert raised.value.code() is expected

    assert handled(registry, "Say", "OK") == 2
    assert handled(registry, "Say", "NOT_FOUND") == 1
    assert handled(registry, "Say", "UNKNOWN") == 1
    timed = {"grpc_service": ECHO, "grpc_method": "Say"}
    assert registry.get_sample_value("grpc_server_handling_seconds_count", timed) == 4


async def test_calls_alternating_between_methods_are_each_counted_under_their_own(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    say_rpc, count_rpc = channel.unary_unary(f"/{ECHO}/Say"), channel.unary_stream(f"/{ECHO}/Count")
    for _ in range(3):  # the measured handlers are built once per method and reused
        assert await say_rpc(b"a") == b"echo:a"
        assert [item async for item in count_rpc(b"1")] == [b"0"]

    assert handled(registry, "Say", "OK") == 3
    assert handled(registry, "Count", "OK") == 3


async def test_streaming_calls_are_counted_when_they_end(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    count_rpc = channel.unary_stream(f"/{ECHO}/Count")
    assert [item async for item in count_rpc(b"3")] == [b"0", b"1", b"2"]
    with pytest.raises(grpc.aio.AioRpcError):
        _ = [item async for item in count_rpc(b"0")]

    assert handled(registry, "Count", "OK") == 1
    assert handled(registry, "Count", "INVALID_ARGUMENT") == 1


async def test_a_stream_the_client_cancels_is_counted_as_cancelled(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    call = channel.unary_stream(f"/{ECHO}/Count")(b"forever")
    assert await call.read() == b"tick"

    call.cancel()

    for _ in range(200):  # the server learns of the cancellation asynchronously
        if handled(registry, "Count", "CANCELLED"):
            break
        await asyncio.sleep(0.01)
    assert handled(registry, "Count", "CANCELLED") == 1


async def test_the_servers_own_services_are_measured_too(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    await health_of(channel, "")

    assert handled(registry, "Check", "OK", service="grpc.health.v1.Health") == 1


async def test_metrics_live_on_the_injected_registry_only(channel: grpc.aio.Channel) -> None:
    await channel.unary_unary(f"/{ECHO}/Say")(b"x")
    second = build_grpc_server([echo_service()], address="127.0.0.1:0", registry=CollectorRegistry())
    await second.start()
    await second.stop(grace=None)

    labels = {"grpc_service": ECHO, "grpc_method": "Say", "grpc_code": "OK"}
    assert REGISTRY.get_sample_value("grpc_server_handled_total", labels) is None
