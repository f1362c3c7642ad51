"""Conversion between `tthc.dossier.v1` and the dossier domain: commands in, views and errors out.

Proto field names equal the domain's field names, so one descriptor-driven walk converts any request into
keyword arguments for its command, and any view into its response message. What differs is explicit:
enum code tables (`ENUMS`), timestamps (``google.protobuf.Timestamp`` ↔ aware ``datetime`` in UTC), and
presence (an unset message field or an UNSPECIFIED enum is left out, so the domain default applies).
A request that cannot be converted raises `RequestError` naming the field.

Errors go out as a status code and a readable message (`status_of`, table `STATUS_BY_ERROR`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import grpc
from eventsourcing.persistence import IntegrityError
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, TypeAdapter, ValidationError

from tthc.dossier.application_index import InvalidPageTokenError
from tthc.dossier.domain import commands as cmd
from tthc.dossier.domain import errors
from tthc.dossier.domain.values import ApplicantType, Channel, DossierStatus, OnlinePayment, ReturnMethod
from tthc.dossier.domain.views import DossierFilter
from tthc.dossier.v1 import dossier_service_pb2 as pb

log = logging.getLogger(__name__)

ResponseT = TypeVar("ResponseT", bound=Message)
# a message field's FieldDescriptor; typed loosely because the stubs split it over two implementations
Field = Any

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_UNSET = object()
_CODE = TypeAdapter(cmd.DossierCode)


class RequestError(ValueError):
    """A request field that cannot be turned into a domain value (bad timestamp, unknown enum, ...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# proto enum number → domain value, per proto enum. UNSPECIFIED (0) is never in a table: it means "unset".
ENUMS: dict[str, dict[int, Any]] = {
    "tthc.dossier.v1.DossierStatus": {status.value: status for status in DossierStatus},
    "tthc.dossier.v1.Channel": {channel.value: channel for channel in Channel},
    "tthc.dossier.v1.ApplicantType": {kind.value: kind for kind in ApplicantType},
    "tthc.dossier.v1.OnlinePayment": {
        pb.ONLINE_PAYMENT_NATIONAL_PORTAL: OnlinePayment.NATIONAL_PORTAL,
        pb.ONLINE_PAYMENT_LOCAL_GATEWAY: OnlinePayment.LOCAL_GATEWAY,
        pb.ONLINE_PAYMENT_NOT_ONLINE: OnlinePayment.NONE,
    },
    "tthc.dossier.v1.ReturnMethod": {
        pb.RETURN_METHOD_IN_PERSON: ReturnMethod.IN_PERSON,
        pb.RETURN_METHOD_POST: ReturnMethod.POST,
    },
    # the enum numbers are the national HinhThucThu codes, which the domain keeps as plain ints
    "tthc.dossier.v1.FeeCollectionStage": {stage: stage for stage in (1, 2, 4)},
}
_ENUM_NUMBERS = {name: {domain: number for number, domain in table.items()} for name, table in ENUMS.items()}

COMMANDS: dict[type[Message], type[cmd.Command]] = {
    pb.RegisterOnlineRequest: cmd.RegisterOnline,
    pb.ReceiveDossierRequest: cmd.ReceiveDossier,
    pb.RefuseDossierRequest: cmd.RefuseDossier,
    pb.StartProcessingStepRequest: cmd.StartProcessingStep,
    pb.RequestSupplementRequest: cmd.RequestSupplement,
    pb.SupplySupplementRequest: cmd.SupplySupplement,
    pb.RequestFinancialObligationRequest: cmd.RequestFinancialObligation,
    pb.PayFeesRequest: cmd.PayFees,
    pb.DeclareFeesRequest: cmd.DeclareFees,
    pb.WithdrawDossierRequest: cmd.WithdrawDossier,
    pb.StopProcessingRequest: cmd.StopProcessing,
    pb.ResolveDossierRequest: cmd.ResolveDossier,
    pb.ReturnResultRequest: cmd.ReturnResult,
    pb.IssueApologyRequest: cmd.IssueApology,
    pb.AttachDocumentsRequest: cmd.AttachDocuments,
    pb.MarkVneidAuthenticatedRequest: cmd.MarkVneidAuthenticated,
    pb.MarkPopulationDatabaseUsedRequest: cmd.MarkPopulationDatabaseUsed,
    pb.MarkSyncedRequest: cmd.MarkSynced,
    pb.RecordHistoryStepRequest: cmd.RecordHistoryStep,
}


def command_from(request: Message) -> cmd.Command:
    """The domain command a command request asks for.

    Raises:
        RequestError: a timestamp or enum value cannot be converted.
        pydantic.ValidationError: the command's own rules reject a value (location = proto field path).
    """
    return COMMANDS[type(request)].model_validate(fields_of(request))


def dossier_code(code: str) -> str:
    """A dossier code from a query request. Raises: RequestError."""
    try:
        return _CODE.validate_python(code)
    except ValidationError as error:
        raise RequestError("code", error.errors()[0]["msg"]) from None


def dossier_filter(request: pb.ListDossiersRequest) -> DossierFilter:
    """The listing filter of a ListDossiers request; empty unit and UNSPECIFIED status mean "any".

    Raises:
        RequestError: a timestamp or enum value cannot be converted.
    """
    values = fields_of(request)
    return DossierFilter(
        unit_code=request.unit_code or None,
        include_descendants=request.include_descendants,
        status=values.get("status"),
        received_from=values.get("received_from"),
        received_to=values.get("received_to"),
    )


def page_size(request: pb.ListDossiersRequest) -> int:
    """The effective page size: 0 → default, capped at the maximum. Raises: RequestError if negative."""
    if request.page_size < 0:
        raise RequestError("page_size", "must not be negative")
    return min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def fields_of(message: Message, path: str = "") -> dict[str, Any]:
    """The message's set fields as plain Python values, keyed by field name."""
    values: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        where = f"{path}{field.name}"
        raw = getattr(message, field.name)
        if field.is_repeated:
            values[field.name] = [_to_python(field, item, f"{where}.{i}") for i, item in enumerate(raw)]
        elif not field.has_presence or message.HasField(field.name):
            value = _to_python(field, raw, where)
            if value is not _UNSET:
                values[field.name] = value
    return values


def _to_python(field: Field, raw: Any, where: str) -> Any:
    if field.message_type is not None and field.message_type.full_name == "google.protobuf.Timestamp":
        return to_datetime(raw, where)
    if field.message_type is not None:
        return fields_of(raw, f"{where}.")
    if field.enum_type is not None:
        return _enum_to_domain(field.enum_type.full_name, raw, where)
    return raw


def _enum_to_domain(enum_name: str, number: int, where: str) -> Any:
    if number == 0:
        return _UNSET
    try:
        return ENUMS[enum_name][number]
    except KeyError:
        raise RequestError(where, f"unknown {enum_name.rsplit('.', 1)[-1]} value {number}") from None


def to_datetime(timestamp: Timestamp, where: str) -> datetime:
    """An aware UTC datetime from a Timestamp. Raises: RequestError when out of the Timestamp range."""
    try:
        return timestamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as error:
        raise RequestError(where, f"invalid timestamp: {error}") from None


def to_message(message_type: type[ResponseT], source: object) -> ResponseT:
    """A message of ``message_type`` filled from the same-named attributes of ``source``; None stays unset."""
    message = message_type()
    for field in message.DESCRIPTOR.fields:
        value = getattr(source, field.name)
        if field.is_repeated:
            getattr(message, field.name).extend(_to_proto(field, item) for item in value)
        elif value is not None:
            _assign(message, field, _to_proto(field, value))
    return message


def _assign(message: Message, field: Field, value: Any) -> None:
    if field.message_type is not None:
        getattr(message, field.name).CopyFrom(value)
    else:
        setattr(message, field.name, value)


def _to_proto(field: Field, value: Any) -> Any:
    if isinstance(value, datetime):
        timestamp = Timestamp()
        timestamp.FromDatetime(value)
        return timestamp
    if isinstance(value, BaseModel):
        return to_message(GetMessageClass(field.message_type), value)
    if field.enum_type is not None:
        # proto3 enums are open: a national code without a name here still travels as its number
        return _ENUM_NUMBERS[field.enum_type.full_name].get(value, int(value))
    if isinstance(value, UUID):
        return str(value)
    return value


STATUS_BY_ERROR: tuple[tuple[type[Exception], grpc.StatusCode], ...] = (
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (RequestError, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidPageTokenError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.ProcedureNotFoundError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.UnitNotFoundError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.DossierNotFoundError, grpc.StatusCode.NOT_FOUND),
    (errors.DossierAlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (errors.IllegalTransitionError, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.InconsistentDossierError, grpc.StatusCode.FAILED_PRECONDITION),
    (IntegrityError, grpc.StatusCode.ABORTED),
)
# the request field an error is about, for errors whose message does not say it
FIELD_OF_ERROR: dict[type[Exception], str] = {
    errors.ProcedureNotFoundError: "procedure_code",
    errors.UnitNotFoundError: "unit_code",
    InvalidPageTokenError: "page_token",
}


def status_of(error: Exception) -> tuple[grpc.StatusCode, str]:
    """The status code and client-facing message for an error; unexpected errors are logged."""
    for error_type, code in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return code, _describe(error)
    log.exception("unexpected error while serving a dossier RPC", exc_info=error)
    return grpc.StatusCode.INTERNAL, "internal error"


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in error.errors())
    if isinstance(error, IntegrityError):
        return "the dossier was changed concurrently; retry"
    field = FIELD_OF_ERROR.get(type(error))
    return f"{field}: {error}" if field else str(error)
