from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import grpc
import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import CollectorRegistry

from tthc.dossier.application import Dossiers
from tthc.dossier.entrypoints.grpc import build_dossier_grpc_server
from tthc.dossier.v1 import dossier_service_pb2 as pb
from tthc.dossier.v1 import dossier_service_pb2_grpc as pb_grpc
from tthc.kit.clock import VIETNAM

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
PROCEDURE = "1.001193"
UNIT = "H48.40.01"
A = "H48.40.01-240304-0001"
APPLICANT = pb.Applicant(
    name="Nguyễn Thị Bí Mật",
    id_number="051190004321",
    phone="0905123456",
    email="bimat@example.vn",
    address="12 Nguyễn Nghiêm, Đức Phổ",
)
Stub = pb_grpc.DossierServiceStub


def at(minutes: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(T0 + timedelta(minutes=minutes))
    return stamp


def receive(
    code: str, minutes: float = 0, unit: str = UNIT, channel: int = pb.CHANNEL_UNSPECIFIED
) -> pb.ReceiveDossierRequest:
    return pb.ReceiveDossierRequest(
        code=code,
        procedure_code=PROCEDURE,
        unit_code=unit,
        channel=channel,
        applicant=APPLICANT,
        received_at=at(minutes),
    )


async def serve(app: Dossiers) -> AsyncIterator[Stub]:
    server, port = build_dossier_grpc_server(app, registry=CollectorRegistry())
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.DossierServiceStub(channel)
    await server.stop(grace=None)


@pytest.fixture
async def stub(dossiers: Dossiers) -> AsyncIterator[Stub]:
    async for served in serve(dossiers):
        yield served


async def call(stub: Stub, rpc: str, request: Message) -> Message:
    return await getattr(stub, rpc)(request)  # type: ignore[no-any-return]


async def status_of(stub: Stub, code: str) -> int:
    return (await stub.GetDossier(pb.GetDossierRequest(code=code))).dossier.status  # type: ignore[no-any-return]


S = pb.DossierStatus
STORY: list[tuple[str, Message, int]] = [
    (
        "RegisterOnline",
        pb.RegisterOnlineRequest(
            code=A, procedure_code=PROCEDURE, unit_code=UNIT, applicant=APPLICANT, submitted_at=at(-60)
        ),
        S.DOSSIER_STATUS_REGISTERED,
    ),
    (
        "MarkVneidAuthenticated",
        pb.MarkVneidAuthenticatedRequest(code=A, at=at(-59)),
        S.DOSSIER_STATUS_REGISTERED,
    ),
    (
        "MarkPopulationDatabaseUsed",
        pb.MarkPopulationDatabaseUsedRequest(code=A, at=at(-58), databases=["CSDLQGDC"]),
        S.DOSSIER_STATUS_REGISTERED,
    ),
    ("ReceiveDossier", receive(A, channel=pb.CHANNEL_ONLINE), S.DOSSIER_STATUS_RECEIVED),
    (
        "AttachDocuments",
        pb.AttachDocumentsRequest(
            code=A,
            documents=[pb.SubmittedDocument(code="TP1", name="Tờ khai", has_file=True, digitised=True)],
        ),
        S.DOSSIER_STATUS_RECEIVED,
    ),
    (
        "DeclareFees",
        pb.DeclareFeesRequest(
            code=A,
            fees=[pb.FeeLine(name="Phí", amount=20000, collected_at=pb.FEE_COLLECTION_STAGE_RECEPTION)],
        ),
        S.DOSSIER_STATUS_RECEIVED,
    ),
    (
        "StartProcessingStep",
        pb.StartProcessingStepRequest(code=A, at=at(10), handler_unit="Tư pháp - Hộ tịch"),
        S.DOSSIER_STATUS_PROCESSING,
    ),
    (
        "RequestSupplement",
        pb.RequestSupplementRequest(code=A, at=at(20), reason="thiếu bản sao"),
        S.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
    ),
    ("SupplySupplement", pb.SupplySupplementRequest(code=A, at=at(30)), S.DOSSIER_STATUS_PROCESSING),
    (
        "RequestFinancialObligation",
        pb.RequestFinancialObligationRequest(
            code=A, at=at(40), fees=[pb.FeeLine(name="Lệ phí", amount=8000)]
        ),
        S.DOSSIER_STATUS_FINANCIAL_OBLIGATION,
    ),
    (
        "PayFees",
        pb.PayFeesRequest(code=A, at=at(50), amount=8000, online_payment=pb.ONLINE_PAYMENT_NATIONAL_PORTAL),
        S.DOSSIER_STATUS_PROCESSING,
    ),
    (
        "IssueApology",
        pb.IssueApologyRequest(code=A, at=at(60), new_appointment_at=at(60 * 24), reason="chờ xác minh"),
        S.DOSSIER_STATUS_PROCESSING,
    ),
    (
        "RecordHistoryStep",
        pb.RecordHistoryStepRequest(
            code=A,
            at=at(15),
            status=S.DOSSIER_STATUS_PROCESSING,
            handler_title="Công chức",
            content="Thẩm định",
        ),
        S.DOSSIER_STATUS_PROCESSING,
    ),
    (
        "ResolveDossier",
        pb.ResolveDossierRequest(
            code=A,
            at=at(70),
            result_documents=[pb.ResultDocument(name="Giấy khai sinh", link="https://kq/1.pdf")],
        ),
        S.DOSSIER_STATUS_RESOLVED,
    ),
    (
        "ReturnResult",
        pb.ReturnResultRequest(code=A, at=at(80), method=pb.RETURN_METHOD_POST),
        S.DOSSIER_STATUS_RESULT_RETURNED,
    ),
    ("MarkSynced", pb.MarkSyncedRequest(code=A, at=at(90)), S.DOSSIER_STATUS_RESULT_RETURNED),
]


async def test_a_dossier_lives_its_whole_lifecycle_through_the_commands(stub: Stub) -> None:
    versions = []
    for rpc, request, expected_status in STORY:
        response = await call(stub, rpc, request)

        assert type(response).__name__ == f"{rpc}Response"
        assert response.code == A  # type: ignore[attr-defined]
        assert list(response.new_events), rpc  # type: ignore[attr-defined]
        assert await status_of(stub, A) == expected_status, rpc
        versions.append(response.version)  # type: ignore[attr-defined]

    assert versions == sorted(set(versions))  # every command moved the version forward
    dossier = (await stub.GetDossier(pb.GetDossierRequest(code=A))).dossier
    assert dossier.id == response.dossier_id  # type: ignore[attr-defined]
    assert dossier.version == versions[-1]
    assert dossier.channel == pb.CHANNEL_ONLINE
    assert dossier.vneid_authenticated
    assert dossier.population_db_used
    assert [d.code for d in dossier.documents] == ["TP1"]
    assert dossier.documents[0].digitised
    assert dossier.fees_paid_amount == 8000
    assert dossier.online_payment == pb.ONLINE_PAYMENT_NATIONAL_PORTAL
    assert len(dossier.supplements) == 1
    assert dossier.supplements[0].supplied_at == at(30)
    assert dossier.apology_issued_at == at(60)
    assert dossier.apology_appointment_at == at(60 * 24)
    assert list(dossier.connected_databases) == ["CSDLQGDC"]
    assert dossier.supplements[0].HasField("previous_due_at")
    assert dossier.supplements[0].HasField("new_due_at")
    assert dossier.handler_unit == "Tư pháp - Hộ tịch"
    assert [(h.at, h.content) for h in dossier.history] == [(at(15), "Thẩm định")]
    assert [r.link for r in dossier.result_documents] == ["https://kq/1.pdf"]
    assert dossier.return_method == pb.RETURN_METHOD_POST
    assert dossier.received_at == at(0)
    assert dossier.finished_at == at(70)  # processing finished at the resolution
    assert dossier.returned_at == at(80)
    assert dossier.synced_at == at(90)
    assert dossier.HasField("due_at")


@pytest.mark.parametrize(
    ("rpc", "request_type", "final_status"),
    [
        ("RefuseDossier", pb.RefuseDossierRequest, S.DOSSIER_STATUS_REFUSED),
        ("WithdrawDossier", pb.WithdrawDossierRequest, S.DOSSIER_STATUS_WITHDRAWN),
        ("StopProcessing", pb.StopProcessingRequest, S.DOSSIER_STATUS_STOPPED),
    ],
)
async def test_a_received_dossier_can_be_closed_early(
    stub: Stub, rpc: str, request_type: type[Message], final_status: int
) -> None:
    await stub.ReceiveDossier(receive(A))

    response = await call(stub, rpc, request_type(code=A, at=at(5), reason="lý do"))

    assert list(response.new_events)  # type: ignore[attr-defined]
    dossier = (await stub.GetDossier(pb.GetDossierRequest(code=A))).dossier
    assert dossier.status == final_status
    assert dossier.finished_at == at(5)


async def test_repeating_a_command_changes_nothing_and_says_so(stub: Stub) -> None:
    first = await stub.ReceiveDossier(receive(A))

    again = await stub.ReceiveDossier(receive(A))

    assert list(first.new_events)
    assert list(again.new_events) == []
    assert again.version == first.version


async def test_concurrent_commands_on_one_dossier_all_apply(stub: Stub) -> None:
    await stub.ReceiveDossier(receive(A))
    attachments = [
        pb.AttachDocumentsRequest(code=A, documents=[pb.SubmittedDocument(code=f"TP{n}")]) for n in range(10)
    ]

    responses = await asyncio.gather(*(stub.AttachDocuments(request) for request in attachments))

    assert all(list(response.new_events) for response in responses)
    dossier = (await stub.GetDossier(pb.GetDossierRequest(code=A))).dossier
    assert sorted(d.code for d in dossier.documents) == sorted(f"TP{n}" for n in range(10))


async def test_lookup_shows_the_public_status_and_timeline(stub: Stub) -> None:
    await stub.ReceiveDossier(receive(A))
    await stub.StartProcessingStep(pb.StartProcessingStepRequest(code=A, at=at(10)))

    public = await stub.LookupDossier(pb.LookupDossierRequest(code=A))

    assert public.code == A
    assert public.status == S.DOSSIER_STATUS_PROCESSING
    assert (public.procedure_code, public.unit_code) == (PROCEDURE, UNIT)
    assert public.received_at == at(0)
    assert [(step.at, step.status) for step in public.timeline] == [
        (at(0), S.DOSSIER_STATUS_RECEIVED),
        (at(10), S.DOSSIER_STATUS_PROCESSING),
    ]


async def test_lookup_carries_no_personal_data_at_all(stub: Stub) -> None:
    await stub.RegisterOnline(
        pb.RegisterOnlineRequest(
            code=A, procedure_code=PROCEDURE, unit_code=UNIT, applicant=APPLICANT, submitted_at=at(-60)
        )
    )
    await stub.ReceiveDossier(receive(A))
    pseudonym = (await stub.GetDossier(pb.GetDossierRequest(code=A))).dossier.applicant_ref

    wire = (await stub.LookupDossier(pb.LookupDossierRequest(code=A))).SerializeToString()

    for secret in (APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, APPLICANT.email, APPLICANT.address):
        assert secret.encode() not in wire
    assert pseudonym.encode() not in wire


async def test_get_returns_the_applicant_as_a_pseudonym_only(stub: Stub) -> None:
    await stub.ReceiveDossier(receive(A))

    response = await stub.GetDossier(pb.GetDossierRequest(code=A))

    assert response.dossier.applicant_ref.startswith("ps1:")
    wire = response.SerializeToString()
    for secret in (APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, APPLICANT.email, APPLICANT.address):
        assert secret.encode() not in wire


async def list_all(stub: Stub, request: pb.ListDossiersRequest) -> list[list[str]]:
    pages = []
    while True:
        page = await stub.ListDossiers(request)
        pages.append([dossier.code for dossier in page.dossiers])
        if not page.next_page_token:
            return pages
        request.page_token = page.next_page_token


async def test_listing_pages_through_a_units_dossiers_in_reception_order(stub: Stub) -> None:
    codes = [f"H48.40.01-240304-{n:04d}" for n in range(1, 6)]
    for minutes, code in reversed(list(enumerate(codes))):
        await stub.ReceiveDossier(receive(code, minutes))
    await stub.ReceiveDossier(receive("H48.30.01-240304-0001", unit="H48.30.01"))

    pages = await list_all(stub, pb.ListDossiersRequest(unit_code=UNIT, page_size=2))

    assert pages == [codes[0:2], codes[2:4], codes[4:5]]
    first = await stub.ListDossiers(pb.ListDossiersRequest(unit_code=UNIT, page_size=2))
    assert first.total == 5


async def test_listing_filters_by_status_and_reception_period(stub: Stub) -> None:
    codes = [f"H48.40.01-240304-{n:04d}" for n in range(1, 6)]
    for minutes, code in enumerate(codes):
        await stub.ReceiveDossier(receive(code, minutes))
    await stub.WithdrawDossier(pb.WithdrawDossierRequest(code=codes[1], at=at(30)))

    withdrawn = await stub.ListDossiers(pb.ListDossiersRequest(status=S.DOSSIER_STATUS_WITHDRAWN))
    period = await stub.ListDossiers(pb.ListDossiersRequest(received_from=at(1), received_to=at(3)))

    assert [d.code for d in withdrawn.dossiers] == [codes[1]]
    assert [d.code for d in period.dossiers] == codes[1:3]


async def test_listing_a_unit_with_its_descendants(make_dossiers: object) -> None:
    below = {"H48.40": ["H48.40.01", "H48.40.02"]}
    app = make_dossiers(units=lambda code: below.get(code, []))  # type: ignore[operator]
    async for stub in serve(app):
        for code, unit in (("D1", "H48.40.01"), ("D2", "H48.40.02"), ("D3", "H48.30.01")):
            await stub.ReceiveDossier(receive(code, unit=unit))

        with_children = await stub.ListDossiers(
            pb.ListDossiersRequest(unit_code="H48.40", include_descendants=True)
        )
        alone = await stub.ListDossiers(pb.ListDossiersRequest(unit_code="H48.40"))

        assert sorted(d.code for d in with_children.dossiers) == ["D1", "D2"]
        assert list(alone.dossiers) == []
