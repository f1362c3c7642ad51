"""Dossier, procedure, unit and petition facts: validation, derived facts and the pure evolution helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FactsError,
    FeeLine,
    NaiveInstantError,
    OnlinePayment,
    ResultDocument,
    StatusChange,
    SubmittedDocument,
    SupplementRound,
)
from tthc.indicators.domain.facts_catalogue import (
    ChangeKind,
    OnlineLevel,
    ProcedureFacts,
    PublicationDecision,
    UnitFacts,
    UnitLevel,
)
from tthc.indicators.domain.facts_petition import PetitionFacts

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(day: int, hour: int = 9) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=VN)


def dossier(**changes: object) -> DossierFacts:
    return DossierFacts("d1", "H44.100-240301-0001", "H44.100", "P1", **changes)  # type: ignore[arg-type]


class TestValidation:
    def test_naive_instants_are_rejected(self) -> None:
        with pytest.raises(NaiveInstantError):
            dossier(received_at=datetime(2024, 3, 1, 9))
        with pytest.raises(NaiveInstantError):
            SupplementRound(datetime(2024, 3, 1, 9))

    def test_timeline_must_be_in_time_order(self) -> None:
        with pytest.raises(FactsError):
            dossier().with_status(DossierStatus.PROCESSING, vn(5)).with_status(DossierStatus.RESOLVED, vn(4))

    def test_supplement_cannot_be_supplied_before_it_was_requested(self) -> None:
        with pytest.raises(FactsError):
            SupplementRound(vn(5), vn(4))

    def test_closing_a_supplement_needs_an_open_round(self) -> None:
        with pytest.raises(FactsError):
            dossier().with_supplement_supplied(vn(4))


class TestDerivedFacts:
    def test_missing_channel_is_direct(self) -> None:
        assert dossier().effective_channel is Channel.DIRECT
        assert not dossier().is_online
        assert dossier(channel=Channel.ONLINE).is_online

    def test_intake_falls_back_to_submission(self) -> None:
        assert dossier(submitted_at=vn(1)).intake_at == vn(1)
        assert dossier(submitted_at=vn(1), received_at=vn(2)).intake_at == vn(2)

    def test_fees(self) -> None:
        assert not dossier().has_fee
        assert not dossier().all_fees_zero
        free = dossier(fees=(FeeLine("L1", 0), FeeLine("L2", 0)))
        assert free.all_fees_zero
        assert not free.has_fee
        paying = free.with_fee(FeeLine("L3", 50_000))
        assert paying.has_fee
        assert not paying.all_fees_zero

    def test_online_payment_counts_only_portal_and_gateway(self) -> None:
        assert not dossier().is_paid_online
        assert dossier().with_payment(OnlinePayment.NATIONAL_PORTAL).is_paid_online
        assert dossier().with_payment(OnlinePayment.LOCAL_GATEWAY).is_paid_online

    def test_electronic_results(self) -> None:
        link_only = dossier().with_result(ResultDocument(file_link="https://kq/1.pdf"))
        assert link_only.has_e_result
        assert not link_only.has_coded_e_result
        coded = dossier().with_result(ResultDocument("KQ-1", "https://kq/1.pdf"))
        assert coded.has_e_result
        assert coded.has_coded_e_result
        assert not dossier().with_result(ResultDocument("KQ-1", None)).has_e_result

    def test_documents(self) -> None:
        plain = dossier().with_document(SubmittedDocument("TP1", digitised=True))
        assert plain.has_digitised_document
        assert not plain.reuses_digitised_data
        assert not plain.uses_citizen_store
        assert not plain.uses_population_data
        reused = plain.with_document(SubmittedDocument("TP2", reused=True))
        assert reused.reuses_digitised_data
        assert not reused.uses_citizen_store
        from_store = plain.with_document(SubmittedDocument("TP3", from_citizen_store=True))
        assert from_store.reuses_digitised_data
        assert from_store.uses_citizen_store
        assert from_store.uses_population_data

    def test_population_data_flags(self) -> None:
        assert dossier(vneid_authenticated=True).uses_population_data
        assert dossier(population_data_used=True).uses_population_data
        assert dossier(results_in_citizen_store=True).uses_citizen_store


class TestEvolution:
    def test_reception_sets_both_due_dates_and_status_2(self) -> None:
        received = dossier().with_reception(vn(1), vn(10, 17))
        assert (received.received_at, received.original_due, received.current_due) == (
            vn(1),
            vn(10, 17),
            vn(10, 17),
        )
        assert received.statuses[-1].status is DossierStatus.RECEIVED

    def test_supplement_round_trip_extends_only_the_current_due(self) -> None:
        facts = dossier().with_reception(vn(1), vn(10, 17)).with_supplement_requested(vn(3))
        assert facts.statuses[-1].status is DossierStatus.SUPPLEMENT_REQUESTED
        facts = facts.with_supplement_supplied(vn(5), new_due=vn(12, 17))
        assert facts.supplements == (SupplementRound(vn(3), vn(5)),)
        assert (facts.original_due, facts.current_due) == (vn(10, 17), vn(12, 17))
        assert facts.statuses[-1].status is DossierStatus.PROCESSING

    def test_sync_keeps_the_first_instant(self) -> None:
        assert dossier().with_synced(vn(2)).with_synced(vn(5)).synced_at == vn(2)

    def test_apology_and_petition(self) -> None:
        facts = dossier().with_reception(vn(1), vn(10, 17)).with_apology(vn(11)).with_petition_or_dislike()
        assert facts.apology_issued_at == vn(11)
        assert facts.has_petition_or_dislike
        assert facts.current_due == vn(10, 17)

    def test_pause_until_clips_to_the_end(self) -> None:
        assert SupplementRound(vn(3), vn(5)).pause_until(vn(4)) == timedelta(days=1)
        assert SupplementRound(vn(3)).pause_until(vn(6)) == timedelta(days=3)
        assert SupplementRound(vn(7)).pause_until(vn(6)) == timedelta(0)


class TestEvolve:
    def test_a_copy_changes_only_the_named_fields(self) -> None:
        original = dossier(
            channel=Channel.ONLINE, submitted_at=vn(1), fees=(FeeLine("L1", 5),)
        ).with_reception(vn(2), vn(9))
        changed = original.evolve(current_due=vn(12), vneid_authenticated=True)
        assert changed == DossierFacts(
            "d1",
            "H44.100-240301-0001",
            "H44.100",
            "P1",
            channel=Channel.ONLINE,
            submitted_at=vn(1),
            received_at=vn(2),
            original_due=vn(9),
            current_due=vn(12),
            **DossierFacts.timeline([StatusChange(DossierStatus.RECEIVED, vn(2))]),
            fees=(FeeLine("L1", 5),),
            vneid_authenticated=True,
        )
        assert original.current_due == vn(9)
        assert not original.vneid_authenticated
        assert original.evolve() == original

    def test_unknown_fields_and_broken_rules_are_refused(self) -> None:
        with pytest.raises(TypeError):
            dossier().evolve(colour="red")
        with pytest.raises(NaiveInstantError):
            dossier().evolve(synced_at=datetime(2024, 3, 1, 9))
        late_first = (
            StatusChange(DossierStatus.PROCESSING, vn(5)),
            StatusChange(DossierStatus.RESOLVED, vn(4)),
        )
        with pytest.raises(FactsError):
            dossier().evolve(**DossierFacts.timeline(late_first))
        with pytest.raises(FactsError):  # a code without its instant
            dossier().evolve(status_codes=bytes([DossierStatus.RECEIVED]))
        with pytest.raises(FactsError, match="not status codes"):
            dossier().evolve(status_codes=bytes([42]), status_times=(vn(2),))
        with pytest.raises(NaiveInstantError):
            dossier().evolve(
                status_codes=bytes([DossierStatus.RECEIVED]), status_times=(datetime(2024, 3, 2),)
            )

    def test_a_status_change_checks_only_what_it_appends_and_equals_the_whole_timeline(self) -> None:
        received = dossier().with_status(DossierStatus.RECEIVED, vn(2))
        processing = received.with_status(DossierStatus.PROCESSING, vn(3), current_due=vn(9))
        changes = (StatusChange(DossierStatus.RECEIVED, vn(2)), StatusChange(DossierStatus.PROCESSING, vn(3)))
        assert processing == dossier(current_due=vn(9), **DossierFacts.timeline(changes))
        assert received.statuses == changes[:1]  # the original is untouched
        with pytest.raises(FactsError, match="time order"):
            processing.with_status(DossierStatus.RESOLVED, vn(2, hour=8))
        with pytest.raises(NaiveInstantError):
            processing.with_status(DossierStatus.RESOLVED, datetime(2024, 3, 4, 9))
        with pytest.raises(NaiveInstantError):
            processing.with_status(DossierStatus.RESOLVED, vn(4), synced_at=datetime(2024, 3, 4, 9))

    def test_the_timeline_reads_back_as_status_changes_and_shares_its_codes(self) -> None:
        one = (
            dossier().with_status(DossierStatus.RECEIVED, vn(2)).with_status(DossierStatus.PROCESSING, vn(3))
        )
        other = (
            dossier().with_status(DossierStatus.RECEIVED, vn(5)).with_status(DossierStatus.PROCESSING, vn(6))
        )
        assert one.statuses == (
            StatusChange(DossierStatus.RECEIVED, vn(2)),
            StatusChange(DossierStatus.PROCESSING, vn(3)),
        )
        assert one.last_status == (DossierStatus.PROCESSING, vn(3))
        assert dossier().last_status is None
        assert one.status_codes is other.status_codes  # one object per distinct path of statuses
        assert one == dossier().evolve(**DossierFacts.timeline(one.statuses))


class TestCatalogueFacts:
    def test_offered_online_needs_a_level_and_a_public_service(self) -> None:
        assert ProcedureFacts("P", online_level=OnlineLevel.FULL).offered_online
        assert ProcedureFacts("P", online_level=OnlineLevel.PARTIAL).offered_online
        assert not ProcedureFacts("P").offered_online
        assert not ProcedureFacts("P", online_level=OnlineLevel.FULL, online_public=False).offered_online

    def test_unit_catalogue_by_level_or_explicit(self) -> None:
        procedures = {
            "A": ProcedureFacts("A", unit_levels=frozenset({UnitLevel.COMMUNE})),
            "B": ProcedureFacts("B", unit_levels=frozenset({UnitLevel.PROVINCE})),
            "C": ProcedureFacts("C"),
        }
        assert UnitFacts("W1", UnitLevel.COMMUNE).catalogue(procedures) == {"A", "C"}
        assert UnitFacts("S1", UnitLevel.PROVINCE, frozenset({"B"})).catalogue(procedures) == {"B"}
        with pytest.raises(FactsError):
            UnitFacts("S1", UnitLevel.PROVINCE, frozenset({"Z"})).catalogue(procedures)

    def test_made_public_on_time(self) -> None:
        decision = PublicationDecision(date(2024, 3, 1), ChangeKind.NEW, True, public_due=date(2024, 3, 8))
        assert not decision.made_public_on_time
        assert PublicationDecision(
            date(2024, 3, 1), ChangeKind.NEW, True, date(2024, 3, 8), date(2024, 3, 8)
        ).made_public_on_time
        assert not PublicationDecision(
            date(2024, 3, 1), ChangeKind.NEW, True, date(2024, 3, 8), date(2024, 3, 9)
        ).made_public_on_time


class TestPetitionFacts:
    def test_handled_on_time_as_of(self) -> None:
        petition = PetitionFacts("p1", "U", received_at=vn(1), due_at=vn(20), handled_at=vn(25))
        assert petition.handled_on_time(vn(10))  # still within its deadline on 10 March
        assert not petition.handled_on_time(vn(22))  # past the deadline, not handled yet
        assert not petition.handled_on_time(vn(30))  # handled late
        assert PetitionFacts("p2", "U", received_at=vn(1), due_at=vn(20), handled_at=vn(19)).handled_on_time(
            vn(30)
        )

    def test_dissatisfaction_is_more_dislikes_than_likes(self) -> None:
        assert PetitionFacts("p", "U", vn(1), likes=1, dislikes=2).not_satisfied
        assert not PetitionFacts("p", "U", vn(1), likes=2, dislikes=2).not_satisfied
