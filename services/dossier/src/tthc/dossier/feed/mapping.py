"""Field-level mapping from feed records to the domain's value objects (pure)."""

from __future__ import annotations

from datetime import datetime

from tthc.dossier.domain.values import Applicant, FeeLine, ResultDocument, SubmittedDocument
from tthc.dossier.feed.payload import DossierRecord, SubmittedFile


def applicant(record: DossierRecord) -> Applicant:
    """The applicant (ChuHoSo, SoGiayToChuHoSo, ...): personal data, pseudonymised by the domain."""
    return Applicant(
        name=record.applicant_name,
        id_number=record.applicant_id_number,
        phone=record.phone,
        email=record.email,
        applicant_type=record.applicant_type,
    )


def fee_lines(record: DossierRecord) -> tuple[FeeLine, ...]:
    """The fee lines (DanhSachLePhi) in the record's order."""
    return tuple(
        FeeLine(name=fee.name, code=fee.code, amount=fee.amount, collected_at=fee.collected_at)
        for fee in record.fees
    )


def submitted_documents(record: DossierRecord) -> tuple[SubmittedDocument, ...]:
    """The submitted documents (TaiLieuNop) that are not deleted; the last one wins for a repeated code."""
    latest = {
        _document_code(item, index): _document(item, index)
        for index, item in enumerate(record.documents)
        if not item.deleted
    }
    return tuple(latest.values())


def result_documents(record: DossierRecord) -> tuple[ResultDocument, ...]:
    """The result documents (DanhSachGiayToKetQua); a file link makes one electronic."""
    return tuple(
        ResultDocument(
            name=item.name, code=item.result_code or item.component_code or item.document_id, link=item.link
        )
        for item in record.results
    )


def database_codes(record: DossierRecord) -> tuple[str, ...]:
    """The connected national databases (DSKetNoiCSDL.MaCSDL), without repeats."""
    return tuple(dict.fromkeys(item.code for item in record.databases))


def first_known_time(record: DossierRecord) -> datetime:
    """The earliest time the record states for the dossier (reception, else submission or refusal)."""
    for at in (record.received_at, record.submitted_at, record.refused_at):
        if at is not None:
            return at
    raise ValueError(f"record {record.code!r} states no reception, submission or refusal time")


def _document_code(item: SubmittedFile, index: int) -> str:
    return item.component_code or item.file_id or item.file_name or f"TaiLieuNop[{index}]"


def _document(item: SubmittedFile, index: int) -> SubmittedDocument:
    return SubmittedDocument(
        code=_document_code(item, index),
        name=item.file_name,
        has_file=bool(item.file_link),
        digitised=item.digitised,
        reused=item.reused in (1, 2) or bool(item.replacing_result_code),
        from_citizen_store=item.from_citizen_store,
    )
