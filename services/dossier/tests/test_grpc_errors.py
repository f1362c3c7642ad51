from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import grpc
import pytest
from eventsourcing.persistence import IntegrityError
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import CollectorRegistry

from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.errors import (
    DossierAlreadyExistsError,
    IllegalTransitionError,
    InconsistentDossierError,
    ProcedureNotFoundError,
    UnitNotFoundError,
)
from tthc.dossier.entrypoints.grpc import DossierApp, build_dossier_grpc_server
from tthc.dossier.v1 import dossier_service_pb2 as pb
from tthc.dossier.v1 import dossier_service_pb2_grpc as pb_grpc
from tthc.kit.clock import VIETNAM

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
PROCEDURE = "1.001193"
UNIT = "H48.40.01"
A = "H48.40.01-240304-0001"
APPLICANT = pb.Applicant(name="Trần Văn Khách")
Stub = pb_grpc.DossierServiceStub
Code = grpc.StatusCode


def at(minutes: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(T0 + timedelta(minutes=minutes))
    return stamp


def receive(code: str = A, minutes: float = 0, **overrides: Any) -> pb.ReceiveDossierRequest:
    fields = {"code": code, "procedure_code": PROCEDURE, "unit_code": UNIT, "applicant": APPLICANT}
    return pb.ReceiveDossierRequest(**{**fields, "received_at": at(minutes), **overrides})


async def serve(app: DossierApp) -> AsyncIterator[Stub]:
    server, port = build_dossier_grpc_server(app, registry=CollectorRegistry())
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.DossierServiceStub(channel)
    await server.stop(grace=None)


@pytest.fixture
async def stub(dossiers: DossierApp) -> AsyncIterator[Stub]:
    async for served in serve(dossiers):
        yield served


async def failure(stub: Stub, rpc: str, request: Message) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await getattr(stub, rpc)(request)
    return raised.value


@pytest.mark.parametrize(
    ("rpc", "request_message", "names"),
    [
        ("RefuseDossier", pb.RefuseDossierRequest(code="", at=at(1)), "code"),
        ("RefuseDossier", pb.RefuseDossierRequest(code="has spaces", at=at(1)), "code"),
        ("RefuseDossier", pb.RefuseDossierRequest(code=A), "at: Field required"),
        (
            "RefuseDossier",
            pb.RefuseDossierRequest(code=A, at=Timestamp(seconds=10**12)),
            "at: invalid timestamp",
        ),
        ("ReceiveDossier", receive(channel=99), "channel: unknown Channel value 99"),
        ("ReceiveDossier", receive(applicant=None), "applicant: Field required"),
        ("ReceiveDossier", receive(procedure_code="9.999999"), "procedure_code: procedure '9.999999'"),
        (
            "DeclareFees",
            pb.DeclareFeesRequest(code=A, fees=[pb.FeeLine(name="x", amount=-1)]),
            "fees.0.amount",
        ),
        (
            "RecordHistoryStep",
            pb.RecordHistoryStepRequest(code=A, at=at(1)),  # the status is required here
            "status: Field required",
        ),
        ("GetDossier", pb.GetDossierRequest(code="bad code!"), "code"),
        ("ListDossiers", pb.ListDossiersRequest(page_size=-1), "page_size"),
        ("ListDossiers", pb.ListDossiersRequest(page_token="not-a-token"), "page_token: invalid page token"),
    ],
)
async def test_malformed_requests_are_invalid_arguments_naming_the_field(
    stub: Stub, rpc: str, request_message: Message, names: str
) -> None:
    error = await failure(stub, rpc, request_message)

    assert error.code() is Code.INVALID_ARGUMENT
    assert names in error.details()


@pytest.mark.parametrize(
    ("rpc", "request_message"),
    [
        ("GetDossier", pb.GetDossierRequest(code=A)),
        ("LookupDossier", pb.LookupDossierRequest(code=A)),
        ("RefuseDossier", pb.RefuseDossierRequest(code=A, at=at(1))),
    ],
)
async def test_an_unknown_dossier_is_not_found(stub: Stub, rpc: str, request_message: Message) -> None:
    error = await failure(stub, rpc, request_message)

    assert error.code() is Code.NOT_FOUND
    assert A in error.details()


async def test_a_command_not_allowed_in_the_status_fails_its_precondition(stub: Stub) -> None:
    await stub.ReceiveDossier(receive())
    await stub.WithdrawDossier(pb.WithdrawDossierRequest(code=A, at=at(5)))

    error = await failure(stub, "StartProcessingStep", pb.StartProcessingStepRequest(code=A, at=at(10)))

    assert error.code() is Code.FAILED_PRECONDITION
    assert "WITHDRAWN" in error.details()
    assert "closed" in error.details()


async def test_a_command_contradicting_recorded_facts_fails_its_precondition(stub: Stub) -> None:
    await stub.ReceiveDossier(receive(minutes=0))

    error = await failure(stub, "ReceiveDossier", receive(minutes=60))

    assert error.code() is Code.FAILED_PRECONDITION
    assert "received_at" in error.details()


class FailingDossiers:
    """A dossier application whose every call raises the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def handle(self, commands: Sequence[Command]) -> Any:
        raise self.error

    def get(self, code: str) -> Any:
        raise self.error

    def list(self, filter: Any, page_size: int = 50, page_token: str = "") -> Any:
        raise self.error

    def lookup_public(self, code: str) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ProcedureNotFoundError("9.999999"), Code.INVALID_ARGUMENT),
        (UnitNotFoundError("H99"), Code.INVALID_ARGUMENT),
        (DossierAlreadyExistsError(A), Code.ALREADY_EXISTS),
        (
            IllegalTransitionError(A, "refuse", "RESOLVED", "only returning the result may follow"),
            Code.FAILED_PRECONDITION,
        ),
        (InconsistentDossierError(A, "received_at", "differs"), Code.FAILED_PRECONDITION),
        (IntegrityError("version conflict"), Code.ABORTED),
    ],
)
async def test_domain_and_store_errors_map_to_their_status_codes(error: Exception, code: Code) -> None:
    async for stub in serve(FailingDossiers(error)):
        failed = await failure(stub, "RefuseDossier", pb.RefuseDossierRequest(code=A, at=at(1)))

        assert failed.code() is code


async def test_unexpected_errors_are_internal_logged_and_not_leaked(caplog: pytest.LogCaptureFixture) -> None:
    async for stub in serve(FailingDossiers(RuntimeError("db password is hunter2"))):
        with caplog.at_level(logging.ERROR):
            failed = await failure(stub, "GetDossier", pb.GetDossierRequest(code=A))

        assert failed.code() is Code.INTERNAL
        assert "hunter2" not in failed.details()
        assert "hunter2" in caplog.text
