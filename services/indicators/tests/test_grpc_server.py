"""The indicators gRPC server's standard equipment: health, reflection, call metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import CollectorRegistry

from tthc.indicators.entrypoints.grpc import SERVICE_NAME
from tthc.indicators.v1 import indicator_service_pb2 as pb

from .test_grpc_support import serving, stub_of, world_at


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def channel(tmp_path: Path, registry: CollectorRegistry) -> AsyncIterator[grpc.aio.Channel]:
    model, clock, _ = world_at(tmp_path)
    async with serving(model, clock, registry=registry) as (opened, _):
        yield opened


def test_the_service_name_is_the_proto_package_one() -> None:
    assert SERVICE_NAME == "tthc.indicators.v1.IndicatorService"


@pytest.mark.parametrize("service", [SERVICE_NAME, ""])
async def test_health_is_serving(channel: grpc.aio.Channel, service: str) -> None:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service))

    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_and_describes_the_indicator_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME),
    ]

    listed, described = [response async for response in stub.ServerReflectionInfo(iter(requests))]

    assert SERVICE_NAME in {service.name for service in listed.list_services_response.service}
    assert any(
        b"WatchScorecard" in proto for proto in described.file_descriptor_response.file_descriptor_proto
    )


async def test_calls_are_counted_with_their_status_codes(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    stub = stub_of(channel)
    await stub.ListUnits(pb.ListUnitsRequest())
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetScorecard(pb.GetScorecardRequest(unit_code="H99", period="2024-03"))

    def handled(method: str, code: str) -> float | None:
        labels = {"grpc_service": SERVICE_NAME, "grpc_method": method, "grpc_code": code}
        return registry.get_sample_value("grpc_server_handled_total", labels)

    assert handled("ListUnits", "OK") == 1
    assert handled("GetScorecard", "NOT_FOUND") == 1
