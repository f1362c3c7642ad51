from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import CollectorRegistry

from tthc.dossier.application import Dossiers
from tthc.dossier.entrypoints.grpc import SERVICE_NAME, build_dossier_grpc_server
from tthc.dossier.v1 import dossier_service_pb2 as pb
from tthc.dossier.v1 import dossier_service_pb2_grpc as pb_grpc
from tthc.kit.clock import VIETNAM

A = "H48.40.01-240304-0001"


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def channel(dossiers: Dossiers, registry: CollectorRegistry) -> AsyncIterator[grpc.aio.Channel]:
    server, port = build_dossier_grpc_server(dossiers, address="127.0.0.1:0", registry=registry)
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    await server.stop(grace=None)


def handled(registry: CollectorRegistry, method: str, code: str) -> float | None:
    labels = {"grpc_service": SERVICE_NAME, "grpc_method": method, "grpc_code": code}
    return registry.get_sample_value("grpc_server_handled_total", labels)


def receive_request(code: str) -> pb.ReceiveDossierRequest:
    received_at = Timestamp()
    received_at.FromDatetime(datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM))
    return pb.ReceiveDossierRequest(
        code=code,
        procedure_code="1.001193",
        unit_code="H48.40.01",
        applicant=pb.Applicant(name="Lê Văn C"),
        received_at=received_at,
    )


def test_the_service_name_is_the_proto_package_one() -> None:
    assert SERVICE_NAME == "tthc.dossier.v1.DossierService"


@pytest.mark.parametrize("service", [SERVICE_NAME, ""])
async def test_health_is_serving(channel: grpc.aio.Channel, service: str) -> None:
    stub = health_pb2_grpc.HealthStub(channel)

    response = await stub.Check(health_pb2.HealthCheckRequest(service=service))

    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_and_describes_the_dossier_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME),
    ]

    listed, described = [response async for response in stub.ServerReflectionInfo(iter(requests))]

    assert SERVICE_NAME in {service.name for service in listed.list_services_response.service}
    assert described.file_descriptor_response.file_descriptor_proto  # clients can discover the schema


async def test_calls_are_counted_with_their_status_codes(
    channel: grpc.aio.Channel, registry: CollectorRegistry
) -> None:
    stub = pb_grpc.DossierServiceStub(channel)
    await stub.ReceiveDossier(receive_request(A))
    await stub.GetDossier(pb.GetDossierRequest(code=A))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetDossier(pb.GetDossierRequest(code="H48.40.01-240304-9999"))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetDossier(pb.GetDossierRequest(code=""))

    assert handled(registry, "ReceiveDossier", "OK") == 1
    assert handled(registry, "GetDossier", "OK") == 1
    assert handled(registry, "GetDossier", "NOT_FOUND") == 1
    assert handled(registry, "GetDossier", "INVALID_ARGUMENT") == 1
    timed = {"grpc_service": SERVICE_NAME, "grpc_method": "GetDossier"}
    assert registry.get_sample_value("grpc_server_handling_seconds_count", timed) == 3


class ThreadRecordingDossiers:
    """The real application, noting which thread ran each batch and how many ran at once (slowed down)."""

    def __init__(self, app: Dossiers) -> None:
        self.app = app
        self.handled_on: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def handle(self, commands: Any) -> Any:
        with self._lock:
            self.handled_on.append(threading.current_thread().name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.01)
        try:
            return self.app.handle(commands)
        finally:
            with self._lock:
                self.running -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


async def test_commands_run_on_the_injected_single_writer(dossiers: Dossiers) -> None:
    app = ThreadRecordingDossiers(dossiers)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-writer") as writer:
        server, port = build_dossier_grpc_server(app, registry=CollectorRegistry(), writer=writer)
        await server.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
            response = await pb_grpc.DossierServiceStub(opened).ReceiveDossier(receive_request(A))
        await server.stop(grace=None)

    assert app.handled_on == ["dossier-writer_0"]
    assert dossiers.get(A).version == response.version


async def test_without_an_injected_writer_commands_still_run_one_at_a_time(dossiers: Dossiers) -> None:
    app = ThreadRecordingDossiers(dossiers)
    server, port = build_dossier_grpc_server(app, registry=CollectorRegistry())
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        stub = pb_grpc.DossierServiceStub(opened)
        codes = [f"H48.40.01-240304-{n:04d}" for n in range(8)]
        await asyncio.gather(*(stub.ReceiveDossier(receive_request(code)) for code in codes))
    await server.stop(grace=None)

    assert len(app.handled_on) == 8
    assert app.most_at_once == 1
