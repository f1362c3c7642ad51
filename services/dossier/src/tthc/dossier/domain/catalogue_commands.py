"""Commands on the procedure catalogue, as produced by diffing a catalogue file (see ``catalogue``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tthc.dossier.domain.procedure_values import ProcedureAttributes, PublicationDecision


class CatalogueCommandBase(BaseModel):
    """A command addressed to one procedure by national code."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(min_length=1, max_length=50)


class RegisterProcedure(CatalogueCommandBase):
    """Adds a procedure to the catalogue."""

    kind: Literal["register"] = "register"
    attributes: ProcedureAttributes


class AmendProcedure(CatalogueCommandBase):
    """Replaces a procedure's attributes."""

    kind: Literal["amend"] = "amend"
    attributes: ProcedureAttributes


class DecidePublication(CatalogueCommandBase):
    """Records a publication decision (QĐCB) for a procedure."""

    kind: Literal["decide_publication"] = "decide_publication"
    decision: PublicationDecision


class MakeProcedurePublic(CatalogueCommandBase):
    """Records the "public" click on CSDLQG for one of the procedure's decisions."""

    kind: Literal["make_public"] = "make_public"
    decision_number: str = Field(min_length=1, max_length=100)
    at: AwareDatetime


CatalogueCommand = RegisterProcedure | AmendProcedure | DecidePublication | MakeProcedurePublic
