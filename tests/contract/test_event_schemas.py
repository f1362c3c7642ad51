import json
from pathlib import Path

import pytest

from tests.contract.schema_diff import breaking_changes
from tthc.contracts.schemas import event_schemas

SNAPSHOTS = Path(__file__).parent / "schemas"
CURRENT = event_schemas()


def _snapshot(event_type: str) -> dict:
    return json.loads((SNAPSHOTS / f"{event_type}.json").read_text())


@pytest.mark.parametrize("event_type", sorted(CURRENT))
def test_every_public_event_has_a_committed_schema_snapshot(event_type):
    assert (SNAPSHOTS / f"{event_type}.json").exists(), (
        f"new event type {event_type}: run `tthc contracts export-schemas tests/contract/schemas`"
    )


@pytest.mark.parametrize("snapshot", sorted(p.stem for p in SNAPSHOTS.glob("*.json")))
def test_public_event_schemas_change_only_additively(snapshot):
    assert snapshot in CURRENT, f"event type {snapshot} was removed"
    assert breaking_changes(_snapshot(snapshot), CURRENT[snapshot]) == []


def test_the_schema_diff_detects_breaking_changes():
    old = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    removed = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    retyped = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    required = {**old, "required": ["a", "b"]}
    added = {**old, "properties": {**old["properties"], "c": {"type": "string"}}}
    assert breaking_changes(old, removed) == ["$.b: removed"]
    assert breaking_changes(old, retyped) == ["$.a: type changed from ['string'] to ['integer']"]
    assert breaking_changes(old, required) == ["$.b: newly required"]
    assert breaking_changes(old, added) == []
