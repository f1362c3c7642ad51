"""Drafts: facts their one owner evolves in place. They must end equal to the facts the pure evolution
gives, never change when a change is refused, and be plain immutable facts again once sealed."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc.indicators.domain.facts import (
    DossierFacts,
    DossierStatus,
    FactsError,
    FeeLine,
    NaiveInstantError,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
    SupplementRound,
)
from tthc.indicators.domain.facts_draft import DossierDraft, draft, seal

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2024, 3, 4, 8, tzinfo=VN)
Step = Callable[[DossierFacts, datetime], DossierFacts]

STEPS: list[Step] = [
    lambda f, at: f.with_status(DossierStatus.PROCESSING, at),
    lambda f, at: f.with_supplement_requested(at),
    lambda f, at: f.with_supplement_supplied(at, at + timedelta(days=3)),
    lambda f, at: f.with_due_extended(at + timedelta(days=5)),
    lambda f, at: f.with_apology(at),
    lambda f, at: f.with_synced(at),
    lambda f, at: f.with_fee(FeeLine("L1", 20_000)),
    lambda f, at: f.with_payment(OnlinePayment.NATIONAL_PORTAL, at),
    lambda f, at: f.with_document(SubmittedDocument("C1", digitised=True)),
    lambda f, at: f.with_vneid(at),
    lambda f, at: f.with_population_data(at),
    lambda f, at: f.with_result(ResultDocument("coded", "electronic")),
    lambda f, at: f.with_status(DossierStatus.RESOLVED, at, requires_paper_result=True),
]


def received() -> DossierFacts:
    return DossierFacts("d1", "H44-0001", "H44.100", "P1").with_reception(T0, T0 + timedelta(days=4))


def evolve_all(facts: DossierFacts, steps: list[int]) -> DossierFacts:
    """Applies the steps an hour apart; a refused step leaves the facts as they are (as the projection
    does)."""
    for hour, index in enumerate(steps, start=1):
        with contextlib.suppress(FactsError):
            facts = STEPS[index](facts, T0 + timedelta(hours=hour))
    return facts


@given(st.lists(st.integers(0, len(STEPS) - 1), max_size=12))
def test_a_draft_ends_equal_to_the_pure_evolution_and_changes_in_place(steps: list[int]) -> None:
    expected = evolve_all(received(), steps)
    mine = draft(received())

    result = evolve_all(mine, steps)

    assert result is mine
    assert seal(result) == expected
    assert type(result) is DossierFacts


def test_the_facts_a_draft_was_made_from_are_the_draft() -> None:
    facts = received()
    mine = draft(facts)
    assert mine is facts
    assert type(mine) is DossierDraft


REFUSED: list[tuple[Callable[[DossierFacts], DossierFacts], type[Exception]]] = [
    (lambda f: f.with_status(DossierStatus.PROCESSING, T0 - timedelta(hours=1)), FactsError),
    (lambda f: f.with_status(DossierStatus.PROCESSING, datetime(2024, 3, 5)), NaiveInstantError),
    (
        lambda f: f.with_status(
            DossierStatus.PROCESSING, T0 + timedelta(hours=1), synced_at=datetime(2024, 3, 5)
        ),
        NaiveInstantError,
    ),
    (lambda f: f.evolve(received_at=datetime(2024, 3, 5)), NaiveInstantError),
    (lambda f: f.evolve(status_codes=bytes([2, 4]), status_times=(T0,)), FactsError),
    (lambda f: f.evolve(status_codes=bytes([42]), status_times=(T0,)), FactsError),
    (
        lambda f: f.evolve(supplements=(SupplementRound(T0 + timedelta(days=2)), SupplementRound(T0))),
        FactsError,
    ),
    (lambda f: f.with_supplement_supplied(T0 + timedelta(hours=2)), FactsError),
    (lambda f: f.evolve(colour="red", current_due=T0), TypeError),
]


@pytest.mark.parametrize(("change", "error"), REFUSED)
def test_a_refused_change_leaves_a_draft_as_it_was(
    change: Callable[[DossierFacts], DossierFacts], error: type[Exception]
) -> None:
    mine = draft(received().with_fee(FeeLine("L1", 5)))
    before = dataclasses.astuple(mine)

    with pytest.raises(error):
        change(mine)

    assert dataclasses.astuple(mine) == before


def test_sealed_facts_are_immutable_again_and_evolve_into_copies() -> None:
    mine = draft(received())
    mine.with_apology(T0 + timedelta(hours=1))

    sealed = seal(mine)
    later = sealed.with_synced(T0 + timedelta(hours=2))

    assert sealed is mine
    assert type(sealed) is DossierFacts
    assert later is not sealed
    assert sealed.synced_at is None
    assert sealed.apology_issued_at == T0 + timedelta(hours=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sealed.code = "changed"  # type: ignore[misc]
    assert seal(later) is later  # plain facts are returned as they are
    hash(sealed)


def test_a_draft_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(draft(received()))
