"""Procedure catalogue files: YAML → validated specs → the commands that bring the aggregates up to date.

Loading reports every problem at once, each with file, procedure code, field and reason. Diffing the specs
against the recorded procedures yields only what is new, so loading the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from tthc.dossier.domain.catalogue_commands import (
    AmendProcedure,
    CatalogueCommand,
    DecidePublication,
    MakeProcedurePublic,
    RegisterProcedure,
)
from tthc.dossier.domain.errors import DossierError, ProcedureNotFoundError
from tthc.dossier.domain.procedure import Procedure
from tthc.dossier.domain.procedure_values import (
    FieldRef,
    ImplementationLevel,
    OnlineLevel,
    ProcedureAttributes,
    ProcedureFee,
    ProcedureStatus,
    PublicationAction,
    PublicationDecision,
    PublishedComponents,
    SubjectType,
)
from tthc.kit.worktime import LegalTime

NATIONAL_CODE = r"^\d{1,2}\.\d{6}$"  # MaTTHC, e.g. "1.001193"


def _code_as_text(value: Any) -> Any:
    if isinstance(value, float | int):
        raise ValueError(f'quote the code ({value!r} was read as a number; write it as "x.xxxxxx")')
    return value


def _legal_time(value: Any) -> Any:
    """Accepts ``{amount: 3, unit: working_days}`` or the short form ``"3 working_days"``."""
    if isinstance(value, str):
        amount, _, unit = value.strip().partition(" ")
        try:
            return {"amount": Decimal(amount), "unit": unit.strip()}
        except InvalidOperation:
            raise ValueError(f"write a legal time as '<amount> <unit>', not {value!r}") from None
    return value


ProcedureCode = Annotated[str, BeforeValidator(_code_as_text), Field(pattern=NATIONAL_CODE)]
LegalTimeSpec = Annotated[LegalTime, BeforeValidator(_legal_time)]


class Spec(BaseModel):
    """Strict base of the file shapes: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PublicationSpec(Spec):
    """One publication decision as written in the file."""

    decision_number: str = Field(min_length=1, max_length=100)
    decided_on: date
    legal_basis_effective_on: date
    action: PublicationAction
    made_public_at: AwareDatetime | None = None
    missing_components: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_components(self) -> PublicationSpec:
        unknown = set(self.missing_components) - set(PublishedComponents.model_fields)
        if unknown:
            raise ValueError(
                f"unknown components {sorted(unknown)}; use {list(PublishedComponents.model_fields)}"
            )
        return self

    def to_decision(self) -> PublicationDecision:
        """The domain value of this decision."""
        components = PublishedComponents(**dict.fromkeys(self.missing_components, False))
        return PublicationDecision(
            number=self.decision_number,
            decided_on=self.decided_on,
            legal_basis_effective_on=self.legal_basis_effective_on,
            action=self.action,
            components=components,
        )


class ProcedureSpec(Spec):
    """One procedure of a catalogue file, validated."""

    code: ProcedureCode
    name: str = Field(min_length=1, max_length=1000)
    field: FieldRef
    level: ImplementationLevel
    online_level: OnlineLevel
    legal_time: LegalTimeSpec
    online_legal_time: LegalTimeSpec | None = None
    fees: tuple[ProcedureFee, ...] = ()
    requires_paper_result: bool = False
    subject_types: tuple[SubjectType, ...] = Field(min_length=1)
    status: ProcedureStatus | None = None
    publications: tuple[PublicationSpec, ...] = ()

    @model_validator(mode="after")
    def _consistent_publications(self) -> ProcedureSpec:
        numbers = [p.decision_number for p in self.publications]
        if len(set(numbers)) != len(numbers):
            raise ValueError("publications: a decision number is listed twice")
        ordered = sorted(self.publications, key=lambda p: p.decided_on)
        abolitions = [i for i, p in enumerate(ordered) if p.action is PublicationAction.ABOLISHED]
        if abolitions and abolitions[0] != len(ordered) - 1:
            raise ValueError("publications: nothing may follow the abolishing decision")
        if self.status is not None and (self.status is ProcedureStatus.ABOLISHED) != bool(abolitions):
            raise ValueError(f"status {self.status.value!r} contradicts the publication decisions")
        return self

    def attributes(self) -> ProcedureAttributes:
        """The catalogue attributes of the procedure."""
        return ProcedureAttributes.model_validate(
            self.model_dump(exclude={"code", "status", "publications"}, round_trip=True)
        )

    def decisions(self) -> list[PublicationDecision]:
        """The publication decisions in date order."""
        return [p.to_decision() for p in sorted(self.publications, key=lambda p: p.decided_on)]


class CatalogueIssue(BaseModel):
    """One problem found in a catalogue file."""

    model_config = ConfigDict(frozen=True)
    file: str
    procedure_code: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: procedure {self.procedure_code}: {self.field}: {self.reason}"


class CatalogueError(DossierError, ValueError):
    """A catalogue file cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[CatalogueIssue]) -> None:
        self.issues = list(issues)
        super().__init__("invalid catalogue:\n" + "\n".join(f"  - {issue}" for issue in self.issues))


class CatalogueDiff(BaseModel):
    """What loading a catalogue would change: procedure codes by outcome, and the commands to run."""

    model_config = ConfigDict(frozen=True)
    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    commands: tuple[CatalogueCommand, ...] = ()


def parse_catalogue(text: str, source: str = "<catalogue>") -> list[ProcedureSpec]:
    """Parses catalogue YAML text. Raises: CatalogueError with every issue found."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogueError(
            [CatalogueIssue(file=source, procedure_code="-", field="-", reason=str(error))]
        ) from None
    raw_procedures = document.get("procedures") if isinstance(document, dict) else None
    if not isinstance(raw_procedures, list):
        issue = CatalogueIssue(
            file=source, procedure_code="-", field="procedures", reason="a list is required"
        )
        raise CatalogueError([issue])
    specs: list[ProcedureSpec] = []
    issues: list[CatalogueIssue] = []
    for index, raw in enumerate(raw_procedures, start=1):
        code = str(raw.get("code", f"#{index}")) if isinstance(raw, dict) else f"#{index}"
        try:
            specs.append(ProcedureSpec.model_validate(raw))
        except ValidationError as error:
            issues += [_issue(source, code, detail) for detail in error.errors()]
    issues += _duplicates(source, specs)
    if issues:
        raise CatalogueError(issues)
    return specs


def load_catalogue(source: Path | Traversable) -> list[ProcedureSpec]:
    """Reads and validates a catalogue file. Raises: CatalogueError."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(
            [CatalogueIssue(file=str(source), procedure_code="-", field="-", reason=str(error))]
        ) from None
    return parse_catalogue(text, source.name)


def sample_catalogue() -> list[ProcedureSpec]:
    """The shipped SAMPLE ward catalogue (``data/catalogue.sample.yaml``)."""
    return load_catalogue(files("tthc.dossier") / "data" / "catalogue.sample.yaml")


def to_commands(spec: ProcedureSpec, existing: Procedure | None) -> list[CatalogueCommand]:
    """The commands that make ``existing`` (or a new procedure) match ``spec``; empty when it already does."""
    commands: list[CatalogueCommand] = []
    attributes = spec.attributes()
    if existing is None:
        commands.append(RegisterProcedure(code=spec.code, attributes=attributes))
    elif existing.attributes != attributes:
        commands.append(AmendProcedure(code=spec.code, attributes=attributes))
    recorded = existing.decisions if existing else {}
    made_public = existing.made_public_at if existing else {}
    for publication in sorted(spec.publications, key=lambda p: p.decided_on):
        if recorded.get(publication.decision_number) != publication.to_decision():
            commands.append(DecidePublication(code=spec.code, decision=publication.to_decision()))
        at = publication.made_public_at
        if at is not None and made_public.get(publication.decision_number) != at:
            commands.append(
                MakeProcedurePublic(code=spec.code, decision_number=publication.decision_number, at=at)
            )
    return commands


def diff_catalogue(specs: Iterable[ProcedureSpec], existing: Mapping[str, Procedure]) -> CatalogueDiff:
    """Compares specs with the recorded procedures by code; procedures absent from the file are left alone."""
    new: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    commands: list[CatalogueCommand] = []
    for spec in specs:
        procedure = existing.get(spec.code)
        spec_commands = to_commands(spec, procedure)
        bucket = new if procedure is None else changed if spec_commands else unchanged
        bucket.append(spec.code)
        commands += spec_commands
    return CatalogueDiff(
        new=tuple(new), changed=tuple(changed), unchanged=tuple(unchanged), commands=tuple(commands)
    )


def execute(command: CatalogueCommand, procedure: Procedure | None) -> Procedure:
    """Applies one command; returns the (new or same) aggregate with its pending events.

    Raises: ProcedureNotFoundError (no aggregate for a non-register command), the procedure's own errors.
    """
    if isinstance(command, RegisterProcedure):
        return procedure or Procedure(code=command.code, attributes=command.attributes)
    if procedure is None:
        raise ProcedureNotFoundError(command.code)
    if isinstance(command, AmendProcedure):
        procedure.amend(command.attributes)
    elif isinstance(command, DecidePublication):
        procedure.decide_publication(command.decision)
    else:
        procedure.make_public(command.decision_number, command.at)
    return procedure


def _issue(source: str, code: str, detail: Any) -> CatalogueIssue:
    field = ".".join(str(part) for part in detail["loc"]) or "-"
    reason = str(detail["msg"]).removeprefix("Value error, ")
    return CatalogueIssue(file=source, procedure_code=code, field=field, reason=reason)


def _duplicates(source: str, specs: list[ProcedureSpec]) -> list[CatalogueIssue]:
    seen: set[str] = set()
    issues: list[CatalogueIssue] = []
    for spec in specs:
        if spec.code in seen:
            issues.append(
                CatalogueIssue(file=source, procedure_code=spec.code, field="code", reason="listed twice")
            )
        seen.add(spec.code)
    return issues
