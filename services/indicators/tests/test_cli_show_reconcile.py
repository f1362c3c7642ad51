"""`tthc index reconcile --store / --grpc`: our own figures next to the portal's, where we hold data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tthc.indicators.application import Indicators
from tthc.indicators.domain.scoring import GroupCode, MetricCode, Scorecard
from tthc.indicators.entrypoints.cli import index_app
from tthc.kit.clock import FixedClock

from .test_grpc_support import CITY, MARCH, PROVINCE, WARD, serving, world_at

NO_DOSSIERS = "H48.02"  # in our registry, but no dossier of ours
NOT_OURS = "H48.77"  # not in our registry


def unit(code: str, received: int, on_time: int, **extra: Any) -> dict[str, Any]:
    return {
        "departmentId": f"id-{code}",
        "departmentName": f"Đơn vị {code}",
        "departmentCode": code,
        "totalReceived": received,
        "totalOnTime": on_time,
        "totalOverdue": received - on_time,
        "ratio": round(100 * on_time / received, 2) if received else 0,
        **extra,
    }


@pytest.fixture
def portal_file(tmp_path: Path) -> Path:
    children = [
        unit(code, 10, 7, level="COMMUNE", score=14, maxScore=20)
        for code in (CITY, WARD, NO_DOSSIERS, NOT_OURS)
    ]
    document = {
        "code": "OK",
        "data": {"parent": unit(PROVINCE, 40, 28, totalScore=14, totalMaxScore=20), "children": children},
    }
    path = tmp_path / "dvc-progress-tree__2024-03__all.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def world(tmp_path: Path) -> tuple[Indicators, FixedClock, str]:
    return world_at(tmp_path)


@pytest.fixture
async def address(world: tuple[Indicators, FixedClock, str]) -> AsyncIterator[str]:
    model, clock, _ = world
    async with serving(model, clock) as (_, port):
        yield f"127.0.0.1:{port}"


def as_number(value: Any) -> float | None:
    return None if value is None else float(value)


def ours_by_row(output: str) -> dict[tuple[str, str], float | None]:
    return {(row["unit_code"], row["metric"]): row["ours_score"] for row in json.loads(output)}


def expected_ours(card: Scorecard) -> dict[str, float | None]:
    return {
        MetricCode.PROCESSED_ON_TIME.value: as_number(card.metric(MetricCode.PROCESSED_ON_TIME).score),
        GroupCode.PROGRESS.value: as_number(card.group(GroupCode.PROGRESS).score),
    }


async def test_reconcile_with_the_service_adds_our_figures_where_we_hold_data(
    portal_file: Path, address: str, world: tuple[Indicators, FixedClock, str]
) -> None:
    model, _, _ = world
    args = ["reconcile", "--portal", str(portal_file), "--json", "--grpc", address]

    result = await asyncio.to_thread(CliRunner().invoke, index_app, args)

    assert result.exit_code == 0, result.output
    ours = ours_by_row(result.stdout)
    for code in (PROVINCE, CITY, WARD):
        for metric, score in expected_ours(model.scorecard(code, MARCH)).items():
            assert ours[(code, metric)] == score, (code, metric)
        assert ours[(code, "PROCESSED_ON_TIME")] is not None
    for code in (NO_DOSSIERS, NOT_OURS):
        assert ours[(code, "PROCESSED_ON_TIME")] is None
        assert ours[(code, "TDGQ")] is None


def test_reconcile_with_the_store_compares_the_closed_period_and_shows_an_ours_column(
    portal_file: Path, world: tuple[Indicators, FixedClock, str]
) -> None:
    model, _, url = world
    base = ["reconcile", "--portal", str(portal_file), "--store", url]

    as_json = CliRunner().invoke(index_app, [*base, "--json"])
    table = CliRunner().invoke(index_app, base)

    assert as_json.exit_code == table.exit_code == 0, (as_json.output, table.output)
    ours = ours_by_row(as_json.stdout)
    final = model.scorecard(PROVINCE, MARCH, as_of=MARCH.end)  # the real clock is past March 2024
    for metric, score in expected_ours(final).items():
        assert ours[(PROVINCE, metric)] == score
    assert "ours" in table.stdout


def test_reconcile_without_a_source_keeps_its_public_keys(portal_file: Path) -> None:
    result = CliRunner().invoke(index_app, ["reconcile", "--portal", str(portal_file), "--json"])

    assert result.exit_code == 0, result.output
    assert all("ours_score" not in row for row in json.loads(result.stdout))


def test_reconcile_with_an_unreachable_service_fails_clearly(portal_file: Path) -> None:
    args = ["reconcile", "--portal", str(portal_file), "--grpc", "127.0.0.1:1"]

    result = CliRunner().invoke(index_app, args)

    assert result.exit_code == 1
    assert "127.0.0.1:1" in result.output
