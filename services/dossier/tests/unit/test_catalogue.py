from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tthc.dossier.domain.catalogue import (
    CatalogueError,
    ProcedureSpec,
    diff_catalogue,
    execute,
    load_catalogue,
    parse_catalogue,
    sample_catalogue,
    to_commands,
)
from tthc.dossier.domain.catalogue_commands import (
    AmendProcedure,
    DecidePublication,
)
from tthc.dossier.domain.errors import ProcedureNotFoundError
from tthc.dossier.domain.procedure import (
    OnlineLevel,
    Procedure,
    ProcedureStatus,
    PublicationDecisionConflictError,
)
from tthc.kit.eventstore import PydanticApplication, store_env
from tthc.kit.worktime import LegalTime, TimeUnit

ONE_PROCEDURE = """
procedures:
  - code: "1.001193"
    name: "Đăng ký khai sinh"
    field: {code: "S-HT", name: "Hộ tịch"}
    level: commune
    online_level: full_process
    legal_time: "8 hours"
    fees: [{name: "Lệ phí (miễn)", amount_vnd: 0, kind: charge}]
    requires_paper_result: true
    subject_types: [citizen]
    publications:
      - {decision_number: "1/QĐ-UBND", decided_on: 2024-03-01, legal_basis_effective_on: 2024-03-18,
         action: new, made_public_at: "2024-03-04T09:00:00+07:00"}
"""


def extra_decision(number: str, decided_on: str, effective_on: str, action: str) -> str:
    return (
        f'      - {{decision_number: "{number}", decided_on: {decided_on},\n'
        f"         legal_basis_effective_on: {effective_on}, action: {action}}}\n"
    )


def apply_all(specs: list[ProcedureSpec], procedures: dict[str, Procedure]) -> dict[str, Procedure]:
    for command in diff_catalogue(specs, procedures).commands:
        procedures[command.code] = execute(command, procedures.get(command.code))
    return procedures


def issues_of(text: str) -> list[tuple[str, str, str]]:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "bad.yaml")
    assert all(issue.file == "bad.yaml" for issue in caught.value.issues)
    return [(i.procedure_code, i.field, i.reason) for i in caught.value.issues]


def test_sample_catalogue_is_a_realistic_ward_catalogue() -> None:
    specs = sample_catalogue()
    assert 25 <= len(specs) <= 40
    by_code = {spec.code: spec for spec in specs}
    assert len(by_code) == len(specs)
    birth = by_code["1.001193"]
    assert "khai sinh" in birth.name
    assert not birth.attributes().has_fees
    copies = next(spec for spec in specs if "bản sao từ bản chính" in spec.name)
    assert (copies.fees[0].amount_vnd, copies.fees[0].per) == (2000, "trang")
    assert {spec.legal_time.unit for spec in specs} == set(TimeUnit)
    assert {spec.online_level for spec in specs} == set(OnlineLevel)
    assert any(spec.status is ProcedureStatus.ABOLISHED for spec in specs)
    assert all(spec.publications for spec in specs)


def test_sample_catalogue_file_says_it_is_sample_data() -> None:
    from importlib.resources import files

    header = (files("tthc.dossier") / "data" / "catalogue.sample.yaml").read_text(encoding="utf-8")[:200]
    assert "SAMPLE DATA" in header


def test_short_and_long_legal_time_forms_are_equivalent() -> None:
    long_form = ONE_PROCEDURE.replace('legal_time: "8 hours"', "legal_time: {amount: 8, unit: hours}")
    assert parse_catalogue(long_form)[0].legal_time == parse_catalogue(ONE_PROCEDURE)[0].legal_time
    assert parse_catalogue(ONE_PROCEDURE)[0].legal_time == LegalTime.hours(8)


def test_an_unquoted_code_is_reported_with_a_hint() -> None:
    issues = issues_of(ONE_PROCEDURE.replace('"1.001193"', "2.000810"))
    assert len(issues) == 1
    _, field, reason = issues[0]
    assert field == "code"
    assert "quote" in reason


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ('legal_time: "8 hours"', 'legal_time: "8 weeks"', "legal_time.unit", "hours"),
        ('legal_time: "8 hours"', 'legal_time: "1.5 calendar_days"', "legal_time", "whole number"),
        ('legal_time: "8 hours"', 'legal_time: "eight hours"', "legal_time", "<amount> <unit>"),
        ("level: commune", "level: hamlet", "level", "commune"),
        ('"2024-03-04T09:00:00+07:00"', '"2024-03-04T09:00:00"', "publications.0.made_public_at", "timezone"),
        ("action: new", "action: new, missing_components: [colour]", "publications.0", "colour"),
        ("amount_vnd: 0", "amount_vnd: -5", "fees.0.amount_vnd", "greater than or equal to 0"),
        ("subject_types: [citizen]", "subject_types: []", "subject_types", "at least 1"),
        ("requires_paper_result: true", "requires_paper: true", "requires_paper", "Extra inputs"),
    ],
)
def test_field_errors_name_the_procedure_and_the_field(old: str, new: str, field: str, reason: str) -> None:
    issues = issues_of(ONE_PROCEDURE.replace(old, new))
    assert any(code == "1.001193" and f == field and reason in r for code, f, r in issues), issues


def test_status_must_agree_with_the_decisions() -> None:
    text = ONE_PROCEDURE.replace(
        "subject_types: [citizen]", "subject_types: [citizen]\n    status: abolished"
    )
    assert any(field == "-" and "contradicts" in reason for _, field, reason in issues_of(text))


def test_every_problem_is_reported_at_once() -> None:
    broken = ONE_PROCEDURE.replace("level: commune", "level: hamlet").replace('"8 hours"', '"8 weeks"')
    second = (
        ONE_PROCEDURE.split("procedures:\n", 1)[1]
        .replace('"1.001193"', '"1.000656"')
        .replace("name: ", "nam: ")
    )
    issues = issues_of(broken + second)
    assert {(code, field) for code, field, _ in issues} >= {
        ("1.001193", "level"),
        ("1.001193", "legal_time.unit"),
        ("1.000656", "name"),
        ("1.000656", "nam"),
    }


def test_duplicate_codes_and_decision_numbers_are_rejected() -> None:
    entry = ONE_PROCEDURE.split("procedures:\n", 1)[1]
    assert ("1.001193", "code", "listed twice") in issues_of(ONE_PROCEDURE + entry)
    doubled = ONE_PROCEDURE + extra_decision("1/QĐ-UBND", "2024-04-01", "2024-04-18", "amended")
    assert any("listed twice" in reason for _, _, reason in issues_of(doubled))


def test_nothing_may_follow_an_abolition() -> None:
    text = ONE_PROCEDURE.replace("action: new", "action: abolished") + extra_decision(
        "2/QĐ-UBND", "2024-05-01", "2024-05-20", "amended"
    )
    assert any("follow the abolishing" in reason for _, _, reason in issues_of(text))


@pytest.mark.parametrize("text", ["procedures: 3\n", "- just a list\n", "procedures: [\n"])
def test_malformed_documents_are_rejected(text: str) -> None:
    assert issues_of(text)


def test_load_catalogue_reports_the_file_name(tmp_path: Path) -> None:
    source = tmp_path / "xa-pho-an.yaml"
    source.write_text(ONE_PROCEDURE.replace("level: commune", "level: hamlet"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"xa-pho-an\.yaml: procedure 1\.001193: level"):
        load_catalogue(source)
    with pytest.raises(CatalogueError, match="missing"):
        load_catalogue(tmp_path / "missing.yaml")


def test_first_load_registers_decides_and_makes_public_in_order() -> None:
    diff = diff_catalogue(parse_catalogue(ONE_PROCEDURE), {})
    assert diff.new == ("1.001193",)
    assert [c.kind for c in diff.commands] == ["register", "decide_publication", "make_public"]


def test_reloading_the_same_file_changes_nothing() -> None:
    specs = sample_catalogue()
    procedures = apply_all(specs, {})
    again = diff_catalogue(specs, procedures)
    assert again.commands == ()
    assert again.new == again.changed == ()
    assert set(again.unchanged) == {spec.code for spec in specs}


def test_reloading_against_procedures_rebuilt_from_the_store_changes_nothing() -> None:
    specs = sample_catalogue()
    app = PydanticApplication(env=dict(store_env("memory://", "catalogue")))
    for procedure in apply_all(specs, {}).values():
        app.save(procedure)
    stored: dict[str, Procedure] = {
        spec.code: app.repository.get(Procedure.id_for(spec.code)) for spec in specs
    }
    assert diff_catalogue(specs, stored).commands == ()


def test_an_edited_file_yields_only_the_changes() -> None:
    procedures = apply_all(parse_catalogue(ONE_PROCEDURE), {})
    for procedure in procedures.values():
        procedure.collect_events()
    edited = ONE_PROCEDURE.replace('"8 hours"', '"2 working_days"') + extra_decision(
        "2/QĐ-UBND", "2024-05-02", "2024-05-20", "amended"
    )
    diff = diff_catalogue(parse_catalogue(edited), procedures)
    assert diff.changed == ("1.001193",)
    assert [c.kind for c in diff.commands] == ["amend", "decide_publication"]
    apply_all(parse_catalogue(edited), procedures)
    events = [type(e).__name__ for e in procedures["1.001193"].collect_events()]
    assert events == ["Amended", "PublicationDecided"]
    assert procedures["1.001193"].attributes.legal_time == LegalTime.working_days(2)


def test_procedures_missing_from_the_file_are_left_alone() -> None:
    procedures = apply_all(sample_catalogue()[:3], {})
    diff = diff_catalogue(parse_catalogue(ONE_PROCEDURE), procedures)
    assert "1.001193" in diff.unchanged + diff.changed
    assert len(procedures) == 3


def test_a_rewritten_decision_is_a_conflict_not_a_silent_change() -> None:
    procedures = apply_all(parse_catalogue(ONE_PROCEDURE), {})
    rewritten = parse_catalogue(ONE_PROCEDURE.replace("decided_on: 2024-03-01", "decided_on: 2024-03-02"))
    commands = to_commands(rewritten[0], procedures["1.001193"])
    assert len(commands) == 1
    assert isinstance(commands[0], DecidePublication)
    assert commands[0].decision.decided_on == date(2024, 3, 2)
    with pytest.raises(PublicationDecisionConflictError):
        execute(commands[0], procedures["1.001193"])


def test_commands_other_than_register_need_an_existing_procedure() -> None:
    spec = parse_catalogue(ONE_PROCEDURE)[0]
    command = AmendProcedure(code=spec.code, attributes=spec.attributes())
    with pytest.raises(ProcedureNotFoundError):
        execute(command, None)
