"""Read views of a Dossier aggregate: the full view (pseudonymised) and the public status."""

from __future__ import annotations

from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.views import DossierView, PublicDossierStatus


def dossier_view(dossier: Dossier) -> DossierView:
    """Everything recorded about ``dossier``; the applicant appears only as a pseudonym."""
    return DossierView(
        id=dossier.id,
        code=dossier.code,
        version=dossier.version,
        procedure_code=dossier.procedure_code,
        unit_code=dossier.unit_code,
        channel=dossier.channel,
        status=dossier.status,
        applicant_ref=dossier.applicant_ref,
        applicant_type=dossier.applicant_type,
        summary=dossier.summary,
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        original_due_at=dossier.original_due_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
        supplements=dossier.supplements,
        fees=dossier.fees,
        fees_paid_amount=dossier.fees_paid_amount,
        online_payment=dossier.online_payment,
        documents=dossier.documents,
        result_documents=dossier.result_documents,
        requires_paper_result=dossier.requires_paper_result,
        return_method=dossier.return_method,
        apology_issued_at=dossier.apology_issued_at,
        vneid_authenticated=dossier.vneid_authenticated,
        population_db_used=dossier.population_db_used,
        synced_at=dossier.synced_at,
        timeline=dossier.timeline,
        history=dossier.history,
        returned_at=dossier.returned_at,
        apology_appointment_at=dossier.apology_appointment_at,
        connected_databases=dossier.connected_databases,
        handler_unit=dossier.handler_unit,
    )


def public_status(dossier: Dossier) -> PublicDossierStatus:
    """What the public may see of ``dossier``: status, dates and timeline, no personal data."""
    return PublicDossierStatus(
        code=dossier.code,
        status=dossier.status,
        procedure_code=dossier.procedure_code,
        unit_code=dossier.unit_code,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
        timeline=dossier.timeline,
    )
