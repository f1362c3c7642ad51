"""The exactly-once rule on its own: duplicates, gaps, drains, self-contained receptions, rejections."""

from __future__ import annotations

from tthc.indicators.domain.facts import DossierStatus
from tthc.indicators.domain.facts_draft import DossierDraft, seal
from tthc.indicators.projection.decoding import InboundEvent, from_envelope
from tthc.indicators.projection.scenarios import expected_facts, procedure_changed
from tthc.indicators.projection.sequencing import BatchProjection, DossierState

from .conftest import inbound, lifecycle


def run(*batches: list[InboundEvent]) -> tuple[BatchProjection, list]:
    dossiers: dict[str, DossierState] = {}
    results = []
    projection = BatchProjection(dossiers, {})
    for batch in batches:
        projection = BatchProjection(dossiers, {})
        for event in batch:
            projection.add(event)
        results.append(projection.result())
    return projection, results


def test_in_order_events_are_applied_once_and_repeats_are_duplicates() -> None:
    events = inbound(lifecycle())
    projection, results = run(events, events[1:3])
    assert [(r.applied, r.duplicates, r.parked) for r in results] == [(5, 0, 0), (0, 2, 0)]
    state = projection.dossiers[events[0].aggregate_id]
    assert state.version == events[-1].sequence
    assert state.facts == expected_facts(lifecycle())


def test_events_ahead_of_a_gap_wait_and_are_drained_in_order_when_it_fills() -> None:
    events = inbound(lifecycle())  # versions 2 (received) .. 6
    received, started, resolved, returned, synced = events
    projection, results = run([received, resolved, synced, returned], [started])
    assert [(r.applied, r.parked) for r in results] == [(1, 3), (4, 0)]
    state = projection.dossiers[received.aggregate_id]
    assert state.pending == {}
    assert state.facts == expected_facts(lifecycle())


def test_a_parked_event_delivered_again_is_a_duplicate() -> None:
    received, _, resolved, *_ = inbound(lifecycle())
    _, results = run([received, resolved], [resolved])
    assert (results[1].duplicates, results[1].parked) == (1, 0)


def test_a_reception_needs_no_earlier_event_and_a_late_registration_is_a_duplicate() -> None:
    registered, received, *rest = inbound(lifecycle(registered=True))
    assert (registered.sequence, received.sequence) == (1, 2)
    projection, results = run([received, *rest], [registered])
    assert results[1].duplicates == 1
    facts = projection.dossiers[received.aggregate_id].facts
    assert facts is not None
    assert [c.status for c in facts.statuses][:1] == [DossierStatus.RECEIVED]  # registration came too late


def test_an_event_the_facts_cannot_absorb_is_rejected_but_takes_its_version() -> None:
    received, started, *_ = inbound(lifecycle())
    earlier = received.data["received_at"].replace(year=2020)  # type: ignore[index]
    odd = started._replace(envelope={**started.envelope, "data": {**started.envelope["data"], "at": earlier}})
    projection, results = run([received, odd])
    assert results[0].applied == 2
    assert [r.event.sequence for r in results[0].rejected] == [odd.sequence]
    assert projection.dossiers[received.aggregate_id].version == odd.sequence


def test_with_drafts_the_facts_change_in_place_and_a_refused_event_leaves_them_as_they_were() -> None:
    received, started, resolved, *rest = inbound(lifecycle())
    earlier = received.data["received_at"].replace(year=2020)  # type: ignore[index]
    odd = resolved._replace(
        envelope={**resolved.envelope, "data": {**resolved.envelope["data"], "at": earlier}}
    )
    events = [received, started, odd, *rest]
    copying, _ = run(events)
    dossiers: dict[str, DossierState] = {}
    drafting = BatchProjection(dossiers, {}, drafts=True)

    drafting.add_all(events)

    facts = dossiers[received.aggregate_id].facts
    assert type(facts) is DossierDraft
    assert [r.event.sequence for r in drafting.result().rejected] == [odd.sequence]
    assert seal(facts) == copying.dossiers[received.aggregate_id].facts


def test_the_latest_procedure_snapshot_wins_whatever_the_gaps() -> None:
    v2 = from_envelope(procedure_changed("P1", 2, online_level="partial"))
    v5 = from_envelope(procedure_changed("P1", 5, online_level="none"))
    projection = BatchProjection({}, {})
    for event in (v2, v5, v2, v5._replace()):
        projection.add(event)
    result = projection.result()
    assert (result.applied, result.duplicates) == (2, 2)
    snapshot = projection.procedures["P1"].snapshot
    assert snapshot is not None
    assert snapshot.procedure.online_level == "none"
