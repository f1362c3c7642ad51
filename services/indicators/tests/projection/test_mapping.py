"""Pure mapping of public events onto DossierFacts and ProcedureFacts."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tthc.contracts import catalog_v1
from tthc.contracts import dossier_v1 as pub
from tthc.indicators.domain.facts import DossierFacts, DossierStatus, FactsError, OnlinePayment
from tthc.indicators.domain.facts_catalogue import OnlineLevel, UnitLevel
from tthc.indicators.projection import inbound, mapping
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.mapping import MissingFactsError
from tthc.indicators.projection.mapping_catalogue import SEVEN_COMPONENTS, procedure_facts
from tthc.indicators.projection.scenarios import (
    ScenarioSpace,
    expected_facts,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.kit.worktime import default_calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
BASE = {"dossier_id": ID, "code": "HS-1"}
HEADER = {
    "procedure_code": "1.001193",
    "unit_code": "H48.40.01",
    "channel": 2,
    "applicant_ref": "r",
    "applicant_type": 1,
}


def evolve_dossier(facts: DossierFacts | None, event: pub.DossierEvent) -> DossierFacts:
    """`mapping.evolve_dossier` of a contract event, read as the service reads it off the topic."""
    return mapping.evolve_dossier(facts, event.EVENT_TYPE, inbound.read(event))


def is_self_contained(event: pub.DossierEvent, facts: DossierFacts | None) -> bool:
    return mapping.is_self_contained(event.EVENT_TYPE, facts)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=VN)


def received(**extra: object) -> pub.DossierReceived:
    return pub.DossierReceived(**BASE, **HEADER, received_at=at(4), due_at=at(7), **extra)  # type: ignore[arg-type]


def test_a_reception_alone_creates_the_facts() -> None:
    facts = evolve_dossier(None, received())
    assert (facts.dossier_id, facts.unit_code, facts.procedure_code) == (str(ID), "H48.40.01", "1.001193")
    assert facts.received_at == at(4)
    assert facts.original_due == facts.current_due == at(7)
    assert [change.status for change in facts.statuses] == [DossierStatus.RECEIVED]
    assert facts.is_online


def test_a_registration_then_a_reception_keep_the_submission_and_both_statuses() -> None:
    registered = pub.DossierRegistered(**BASE, **HEADER, submitted_at=at(3))
    facts = evolve_dossier(evolve_dossier(None, registered), received())
    assert facts.submitted_at == at(3)
    assert [c.status for c in facts.statuses] == [DossierStatus.REGISTERED, DossierStatus.RECEIVED]


def test_only_a_reception_of_a_dossier_not_yet_received_is_self_contained() -> None:
    registered = evolve_dossier(None, pub.DossierRegistered(**BASE, **HEADER, submitted_at=at(3)))
    assert is_self_contained(received(), None)
    assert is_self_contained(received(), registered)
    assert not is_self_contained(received(), evolve_dossier(registered, received()))
    assert not is_self_contained(pub.DossierStepStarted(**BASE, at=at(5)), None)


def test_a_supplement_extends_the_current_due_date_and_keeps_the_original() -> None:
    facts = evolve_dossier(None, received())
    facts = evolve_dossier(facts, pub.DossierSupplementRequested(**BASE, at=at(5)))
    facts = evolve_dossier(facts, pub.DossierSupplementSupplied(**BASE, at=at(8), due_at=at(11)))
    assert (facts.original_due, facts.current_due) == (at(7), at(11))
    assert facts.supplements[0].supplied_at == at(8)
    assert facts.statuses[-1].status is DossierStatus.PROCESSING


def test_a_refining_event_without_facts_is_refused() -> None:
    with pytest.raises(MissingFactsError):
        evolve_dossier(None, pub.DossierStepStarted(**BASE, at=at(5)))


def test_a_supplement_supplied_without_a_request_is_refused() -> None:
    with pytest.raises(FactsError):
        evolve_dossier(evolve_dossier(None, received()), pub.DossierSupplementSupplied(**BASE, at=at(5)))


def test_a_later_offline_payment_does_not_undo_an_online_one() -> None:
    facts = evolve_dossier(None, received())
    facts = evolve_dossier(facts, pub.DossierFeesPaid(**BASE, at=at(5), amount=1, online_payment=2))
    facts = evolve_dossier(facts, pub.DossierFeesPaid(**BASE, at=at(6), amount=1, online_payment=0))
    assert facts.paid_online is OnlinePayment.LOCAL_GATEWAY


def test_a_financial_obligation_enters_status_6_and_takes_its_fee_lines_if_it_lists_any() -> None:
    declared = evolve_dossier(
        evolve_dossier(None, received()),
        pub.DossierFeesDeclared(**BASE, fees=(pub.Fee(name="Lệ phí", code="LP", amount=50_000),)),
    )
    tax = pub.Fee(name="Thuế", code="T1", amount=120_000)
    listed = evolve_dossier(declared, pub.DossierFinancialObligationRequested(**BASE, at=at(5), fees=(tax,)))
    unlisted = evolve_dossier(declared, pub.DossierFinancialObligationRequested(**BASE, at=at(5)))
    for facts in (listed, unlisted):
        assert facts.last_status == (DossierStatus.FINANCIAL_OBLIGATION, at(5))
    assert [(line.code, line.amount) for line in listed.fees] == [("T1", 120_000)]
    assert unlisted.fees == declared.fees
    with pytest.raises(FactsError):  # earlier than the reception: the timeline stays in time order
        evolve_dossier(declared, pub.DossierFinancialObligationRequested(**BASE, at=at(3), fees=(tax,)))


def test_a_resolution_enters_status_9_with_its_results_and_paper_flag() -> None:
    facts = evolve_dossier(None, received())
    result = pub.ResultFile(name="Giấy phép", code="KQ-1", electronic=True)
    resolved = evolve_dossier(
        facts, pub.DossierResolved(**BASE, at=at(6), results=(result,), requires_paper_result=True)
    )
    assert resolved.last_status == (DossierStatus.RESOLVED, at(6))
    assert resolved.has_coded_e_result
    assert resolved.requires_paper_result is True
    with pytest.raises(FactsError):
        evolve_dossier(resolved, pub.DossierResolved(**BASE, at=at(5), results=(result,)))


def test_a_history_item_leaves_the_facts_unchanged() -> None:
    facts = evolve_dossier(None, received())
    assert evolve_dossier(facts, pub.DossierHistoryRecorded(**BASE, at=at(5), status=4)) == facts


SPACE = ScenarioSpace(["U1", "U2"], ["P1", "P2"], date(2024, 3, 1), 30, VN)


def test_every_scenario_projects_to_the_facts_it_describes() -> None:
    scenarios = random_scenarios(random.Random(7), 300, SPACE)
    kinds = {step.kind for scenario in scenarios for step in scenario.steps}
    assert {"supplement", "supplied", "resolve", "return", "refuse", "withdraw", "paid", "history"} <= kinds
    for scenario in scenarios:
        facts = None
        for event in scenario_events(scenario):
            facts = evolve_dossier(facts, event.data)
        assert facts == expected_facts(scenario), scenario.code


def test_the_json_codec_round_trips_every_scenario() -> None:
    for scenario in random_scenarios(random.Random(8), 200, SPACE):
        facts = expected_facts(scenario)
        assert dossier_from_json(dossier_to_json(facts)) == facts


def _decision(**extra: object) -> catalog_v1.PublicationDecision:
    values: dict[str, object] = {"decision_date": date(2024, 3, 4), "action": "amended"} | extra
    return catalog_v1.PublicationDecision.model_validate(values)


def test_a_procedure_snapshot_maps_levels_fees_and_publication_facts() -> None:
    everything = tuple(SEVEN_COMPONENTS)
    public = _decision(made_public_at=at(6), made_public_on_time=True, components_present=everything)
    event = procedure_changed(
        "P1", 3, online_level="partial", has_fee=True, unit_level="district", publications=(public,)
    )
    facts = procedure_facts(event.data)
    assert facts.online_level is OnlineLevel.PARTIAL
    assert facts.has_fee_info
    assert facts.offered_online
    assert facts.unit_levels == frozenset({UnitLevel.COMMUNE})
    assert facts.legal_time == timedelta(days=3)
    assert facts.currently_public
    assert facts.content_complete
    assert facts.publications[0].made_public_on == date(2024, 3, 6)
    assert facts.publications[0].made_public_on_time


def test_the_upstream_verdict_on_making_public_late_is_kept() -> None:
    late = _decision(made_public_at=at(20), made_public_on_time=False, components_present=("name",))
    facts = procedure_facts(procedure_changed("P1", 1, publications=(late,)).data)
    assert not facts.publications[0].made_public_on_time
    assert not facts.content_complete


def test_a_decision_not_yet_public_gets_its_deadline_from_the_working_calendar() -> None:
    pending = _decision(published_on_time=None)
    facts = procedure_facts(procedure_changed("P1", 1, publications=(pending,)).data, default_calendar())
    decision = facts.publications[0]
    assert decision.made_public_on is None
    assert decision.public_due == date(2024, 3, 11)  # Monday 4 March + 5 working days
    assert decision.decided_on_time  # unknown upstream counts as on time
    assert not facts.currently_public


def test_an_abolished_procedure_is_not_offered_online() -> None:
    facts = procedure_facts(procedure_changed("P1", 2, status="abolished").data)
    assert not facts.offered_online
