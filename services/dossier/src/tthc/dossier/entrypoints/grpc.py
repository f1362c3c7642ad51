"""gRPC entry point of the dossier service: `tthc.dossier.v1.DossierService` over the `Dossiers` application.

Each RPC parses its request into one command or query, runs it on the application in a worker thread (the
event store is blocking) and maps the result back. Commands go through a single writer, so two calls on
the same dossier in this process never race each other into a version conflict.

Errors map to status codes (`grpc_mapping.STATUS_BY_ERROR`, first match wins):
- malformed input (pydantic validation, bad timestamp or enum, bad page token) → INVALID_ARGUMENT
  "field: reason";
- a procedure or unit code unknown to the catalogue → INVALID_ARGUMENT: the dossier itself was not what
  was missing, so NOT_FOUND would mislead clients into thinking it was; the message names the code;
- no such dossier → NOT_FOUND; a code taken by another dossier → ALREADY_EXISTS;
- a command not allowed in the current status, or contradicting recorded facts → FAILED_PRECONDITION;
- a concurrent write (eventsourcing IntegrityError) that persists after the application's one retry
  (``Dossiers.handle`` reloads and retries once) → ABORTED;
- anything else → INTERNAL with a generic message; the details are logged, never sent.
"""

# RPC method names are fixed by the proto (CamelCase).
# ruff: noqa: N802

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol, TypeAlias, TypeVar

import grpc
from google.protobuf.message import Message
from prometheus_client import CollectorRegistry

from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.views import DossierFilter, DossierPage, DossierView, PublicDossierStatus
from tthc.dossier.entrypoints import grpc_mapping as mapping
from tthc.dossier.v1 import dossier_service_pb2 as pb
from tthc.dossier.v1 import dossier_service_pb2_grpc as pb_grpc
from tthc.kit.grpc_server import GrpcServer, GrpcService, answer_or_abort, build_grpc_server

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["DossierService"].full_name
T = TypeVar("T")
ResponseT = TypeVar("ResponseT", bound=Message)
Context: TypeAlias = grpc.aio.ServicerContext


class DossierApp(Protocol):
    """What the servicer needs from `tthc.dossier.application.Dossiers`."""

    def handle(self, commands: Sequence[Command]) -> Any: ...
    def get(self, code: str) -> DossierView: ...
    def list(self, filter: DossierFilter, page_size: int = ..., page_token: str = ...) -> DossierPage: ...
    def lookup_public(self, code: str) -> PublicDossierStatus: ...


class DossierServicer(pb_grpc.DossierServiceServicer):  # type: ignore[misc]
    """Serves `tthc.dossier.v1.DossierService` from a `Dossiers` application.

    ``writer``: the executor that runs commands; share a single-thread executor with the other entry points
    (feed, Kafka) to have one writer per process. Without it, commands run one at a time in worker threads.
    """

    def __init__(self, app: DossierApp, *, writer: Executor | None = None) -> None:
        self._app = app
        self._writer = writer
        self._write_lock = asyncio.Lock()

    async def RegisterOnline(
        self, request: pb.RegisterOnlineRequest, context: Context
    ) -> pb.RegisterOnlineResponse:
        """Registers a dossier submitted online (status 1)."""
        return await self._command(request, context, pb.RegisterOnlineResponse)

    async def ReceiveDossier(
        self, request: pb.ReceiveDossierRequest, context: Context
    ) -> pb.ReceiveDossierResponse:
        """Receives a dossier (status 2), opening it when it was never registered."""
        return await self._command(request, context, pb.ReceiveDossierResponse)

    async def RefuseDossier(
        self, request: pb.RefuseDossierRequest, context: Context
    ) -> pb.RefuseDossierResponse:
        """Refuses the dossier (status 3)."""
        return await self._command(request, context, pb.RefuseDossierResponse)

    async def StartProcessingStep(
        self, request: pb.StartProcessingStepRequest, context: Context
    ) -> pb.StartProcessingStepResponse:
        """Starts a processing step at a handling unit (status 4)."""
        return await self._command(request, context, pb.StartProcessingStepResponse)

    async def RequestSupplement(
        self, request: pb.RequestSupplementRequest, context: Context
    ) -> pb.RequestSupplementResponse:
        """Asks the applicant for more documents (status 5)."""
        return await self._command(request, context, pb.RequestSupplementResponse)

    async def SupplySupplement(
        self, request: pb.SupplySupplementRequest, context: Context
    ) -> pb.SupplySupplementResponse:
        """Records the supplied documents (back to status 4)."""
        return await self._command(request, context, pb.SupplySupplementResponse)

    async def RequestFinancialObligation(
        self, request: pb.RequestFinancialObligationRequest, context: Context
    ) -> pb.RequestFinancialObligationResponse:
        """Asks the applicant to pay fees or taxes (status 6)."""
        return await self._command(request, context, pb.RequestFinancialObligationResponse)

    async def PayFees(self, request: pb.PayFeesRequest, context: Context) -> pb.PayFeesResponse:
        """Records fees paid, online or not."""
        return await self._command(request, context, pb.PayFeesResponse)

    async def DeclareFees(self, request: pb.DeclareFeesRequest, context: Context) -> pb.DeclareFeesResponse:
        """Declares the dossier's fee lines without a status change."""
        return await self._command(request, context, pb.DeclareFeesResponse)

    async def WithdrawDossier(
        self, request: pb.WithdrawDossierRequest, context: Context
    ) -> pb.WithdrawDossierResponse:
        """Withdraws the dossier at the applicant's request (status 7)."""
        return await self._command(request, context, pb.WithdrawDossierResponse)

    async def StopProcessing(
        self, request: pb.StopProcessingRequest, context: Context
    ) -> pb.StopProcessingResponse:
        """Stops processing (status 8)."""
        return await self._command(request, context, pb.StopProcessingResponse)

    async def ResolveDossier(
        self, request: pb.ResolveDossierRequest, context: Context
    ) -> pb.ResolveDossierResponse:
        """Resolves the dossier with its result documents (status 9)."""
        return await self._command(request, context, pb.ResolveDossierResponse)

    async def ReturnResult(
        self, request: pb.ReturnResultRequest, context: Context
    ) -> pb.ReturnResultResponse:
        """Returns the result to the applicant (status 10)."""
        return await self._command(request, context, pb.ReturnResultResponse)

    async def IssueApology(
        self, request: pb.IssueApologyRequest, context: Context
    ) -> pb.IssueApologyResponse:
        """Issues an apology letter with a new appointment; the due date stays."""
        return await self._command(request, context, pb.IssueApologyResponse)

    async def AttachDocuments(
        self, request: pb.AttachDocumentsRequest, context: Context
    ) -> pb.AttachDocumentsResponse:
        """Attaches submitted documents with their digitisation flags."""
        return await self._command(request, context, pb.AttachDocumentsResponse)

    async def MarkVneidAuthenticated(
        self, request: pb.MarkVneidAuthenticatedRequest, context: Context
    ) -> pb.MarkVneidAuthenticatedResponse:
        """Marks the applicant's account as authenticated with VNeID."""
        return await self._command(request, context, pb.MarkVneidAuthenticatedResponse)

    async def MarkPopulationDatabaseUsed(
        self, request: pb.MarkPopulationDatabaseUsedRequest, context: Context
    ) -> pb.MarkPopulationDatabaseUsedResponse:
        """Marks that the national population database was used."""
        return await self._command(request, context, pb.MarkPopulationDatabaseUsedResponse)

    async def MarkSynced(self, request: pb.MarkSyncedRequest, context: Context) -> pb.MarkSyncedResponse:
        """Marks the dossier as synchronised to the national portal."""
        return await self._command(request, context, pb.MarkSyncedResponse)

    async def RecordHistoryStep(
        self, request: pb.RecordHistoryStepRequest, context: Context
    ) -> pb.RecordHistoryStepResponse:
        """Records one processing-history item."""
        return await self._command(request, context, pb.RecordHistoryStepResponse)

    async def GetDossier(self, request: pb.GetDossierRequest, context: Context) -> pb.GetDossierResponse:
        """Returns the dossier with this code, the applicant as a pseudonym only."""

        async def get() -> pb.GetDossierResponse:
            view = await asyncio.to_thread(self._app.get, mapping.dossier_code(request.code))
            return pb.GetDossierResponse(dossier=mapping.to_message(pb.Dossier, view))

        return await _answer(context, get)

    async def ListDossiers(
        self, request: pb.ListDossiersRequest, context: Context
    ) -> pb.ListDossiersResponse:
        """Returns one page of the dossiers matching the filter."""

        async def list_page() -> pb.ListDossiersResponse:
            query = (mapping.dossier_filter(request), mapping.page_size(request), request.page_token)
            page = await asyncio.to_thread(self._app.list, *query)
            dossiers = [mapping.to_message(pb.Dossier, view) for view in page.items]
            return pb.ListDossiersResponse(
                dossiers=dossiers, next_page_token=page.next_page_token, total=page.total
            )

        return await _answer(context, list_page)

    async def LookupDossier(
        self, request: pb.LookupDossierRequest, context: Context
    ) -> pb.LookupDossierResponse:
        """Returns the public status and timeline of a dossier; no personal data."""

        async def lookup() -> pb.LookupDossierResponse:
            status = await asyncio.to_thread(self._app.lookup_public, mapping.dossier_code(request.code))
            return mapping.to_message(pb.LookupDossierResponse, status)

        return await _answer(context, lookup)

    async def _command(self, request: Message, context: Context, response_type: type[ResponseT]) -> ResponseT:
        async def run() -> ResponseT:
            outcome = await self._write(mapping.command_from(request))
            return mapping.to_message(response_type, outcome)

        return await _answer(context, run)

    async def _write(self, command: Command) -> Any:
        if self._writer is not None:
            return await asyncio.get_running_loop().run_in_executor(self._writer, self._app.handle, [command])
        async with self._write_lock:
            return await asyncio.to_thread(self._app.handle, [command])


async def _answer(context: Context, work: Callable[[], Awaitable[T]]) -> T:
    return await answer_or_abort(context, work, mapping.status_of)


def build_dossier_grpc_server(
    app: DossierApp,
    *,
    address: str = "127.0.0.1:0",
    registry: CollectorRegistry,
    writer: Executor | None = None,
) -> tuple[GrpcServer, int]:
    """A not yet started gRPC server for ``app`` on ``address``, and the port it bound.

    Build it inside the event loop that will run it; ``await server.start()`` / ``await server.stop()``.
    """
    servicer = DossierServicer(app, writer=writer)

    def register(server: grpc.aio.Server) -> None:
        pb_grpc.add_DossierServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]

    server = build_grpc_server([GrpcService(SERVICE_NAME, register)], address=address, registry=registry)
    return server, server.port
