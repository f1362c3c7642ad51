"""`tthc index show` and `tthc index explain`, against an in-process service and against a facts store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.entrypoints.cli import index_app
from tthc.kit.clock import FixedClock

from .test_grpc_support import CITY, MARCH, NOW, SCENARIOS, WARD, serving, world_at

SCORECARD_KEYS = {
    "unit_code", "unit_name", "period", "as_of", "period_state", "total", "max_total", "groups", "metrics",
}  # fmt: skip
GROUP_KEYS = {"code", "name", "name_vi", "score", "max_score", "ratio"}
METRIC_KEYS = {
    "code", "group", "name", "name_vi", "numerator", "denominator", "ratio", "score", "max_score", "rule",
    "flags",
}  # fmt: skip
EXPLAIN_KEYS = {
    "unit_code", "period", "metric", "subject", "as_of", "numerator_count", "denominator_count", "items",
    "next_page_token",
}  # fmt: skip
FEBRUARY = Period.month(2024, 2)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Indicators, FixedClock, str]:
    return world_at(tmp_path)


@pytest.fixture
async def address(world: tuple[Indicators, FixedClock, str]) -> AsyncIterator[str]:
    model, clock, _ = world
    async with serving(model, clock) as (_, port):
        yield f"127.0.0.1:{port}"


async def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Runs `tthc index …` in a worker thread (the in-process server needs this event loop free)."""
    return await asyncio.to_thread(CliRunner().invoke, index_app, list(args), env=env)


def number(value: Any) -> Any:
    return None if value is None else float(value)


def assert_json_is_the_scorecard(document: dict[str, Any], card: Scorecard) -> None:
    assert set(document) == SCORECARD_KEYS
    assert all(set(group) == GROUP_KEYS for group in document["groups"])
    assert all(set(metric) == METRIC_KEYS for metric in document["metrics"])
    assert float(document["total"]) == float(card.total)
    assert [(g["code"], number(g["score"]), g["max_score"]) for g in document["groups"]] == [
        (g.code.value, number(g.score), g.max_score) for g in card.groups
    ]
    assert [
        (m["code"], m["numerator"], m["denominator"], number(m["ratio"]), number(m["score"]))
        for m in document["metrics"]
    ] == [(m.code.value, m.numerator, m.denominator, number(m.ratio), number(m.score)) for m in card.metrics]


async def test_show_json_is_the_services_scorecard(
    address: str, world: tuple[Indicators, FixedClock, str]
) -> None:
    model, _, _ = world

    result = await run("show", "--unit", CITY, "--period", "2024-03", "--json", "--grpc", address)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_json_is_the_scorecard(document, model.scorecard(CITY, MARCH))
    assert (document["unit_code"], document["period"], document["period_state"]) == (CITY, "2024-03", "open")
    assert document["as_of"] == NOW.isoformat()
    certified = next(m for m in document["metrics"] if m["code"] == MetricCode.ELECTRONIC_CERTIFIED_COPY)
    assert (certified["numerator"], certified["score"]) == (None, None)  # null, not 0


async def test_show_reads_the_address_from_the_environment_by_default(address: str) -> None:
    result = await run(
        "show", "--unit", WARD, "--period", "2024-03", "--json", env={"TTHC_INDICATORS_GRPC": address}
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unit_code"] == WARD


async def test_show_as_of_counts_at_that_instant(
    address: str, world: tuple[Indicators, FixedClock, str]
) -> None:
    model, _, _ = world
    as_of = "2024-03-12T08:00"  # no offset: Vietnam time
    at = NOW.replace(day=12, hour=8)

    result = await run(
        "show", "--unit", CITY, "--period", "2024-03", "--as-of", as_of, "--json", "--grpc", address
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["as_of"] == at.isoformat()
    assert_json_is_the_scorecard(document, model.scorecard(CITY, MARCH, as_of=at))


async def test_show_table_has_a_row_per_group_and_the_total(address: str) -> None:
    result = await run("show", "--unit", CITY, "--period", "2024-03", "--grpc", address)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for code, name_vi in [("CKMB", "Công khai, minh bạch"), ("TDGQ", "Tiến độ, kết quả giải quyết"),
                          ("CLGQ", "Dịch vụ công trực tuyến"), ("TTTT", "Thanh toán trực tuyến"),
                          ("MDSH", "Số hóa hồ sơ"), ("MDHL", "Mức độ hài lòng")]:  # fmt: skip
        assert any(code in line and name_vi in line for line in lines), code
    assert any("PROCESSED_ON_TIME" in line for line in lines)
    assert any("TOTAL" in line for line in lines)


def test_show_from_the_store_gives_the_closed_periods_final_figures(
    world: tuple[Indicators, FixedClock, str],
) -> None:
    model, _, url = world
    args = ["show", "--unit", CITY, "--period", "2024-03", "--json", "--store", url]

    result = CliRunner().invoke(index_app, args)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["period_state"] == "closed"  # the real clock is long past March 2024
    assert document["as_of"] == MARCH.end.isoformat()
    assert_json_is_the_scorecard(document, model.scorecard(CITY, MARCH, as_of=MARCH.end))


async def test_the_service_and_the_store_print_the_same_closed_period(
    address: str, world: tuple[Indicators, FixedClock, str]
) -> None:
    _, _, url = world
    args = ["show", "--unit", CITY, "--period", "2024-02", "--json"]

    served = await run(*args, "--grpc", address)
    stored = await run(*args, "--store", url)

    assert served.exit_code == stored.exit_code == 0, (served.output, stored.output)
    assert json.loads(served.stdout) == json.loads(stored.stdout)
    assert json.loads(stored.stdout)["as_of"] == FEBRUARY.end.isoformat()


async def test_explain_json_lists_the_dossier_codes_behind_the_metric(
    address: str, world: tuple[Indicators, FixedClock, str]
) -> None:
    model, _, _ = world
    expected = model.explain(CITY, MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)
    code_of = {str(s.dossier_id): s.code for s in SCENARIOS}
    args = ["explain", "--unit", CITY, "--period", "2024-03", "--metric", "PROCESSED_ON_TIME", "--json"]

    first = await run(*args, "--page-size", "5", "--grpc", address)
    everything = await run(*args, "--page-size", "7", "--all", "--grpc", address)

    assert first.exit_code == everything.exit_code == 0, (first.output, everything.output)
    page = json.loads(first.stdout)
    assert set(page) == EXPLAIN_KEYS
    assert (page["subject"], page["numerator_count"], page["denominator_count"]) == (
        "dossier", expected.numerator_count, expected.denominator_count,
    )  # fmt: skip
    assert [item["id"] for item in page["items"]] == list(expected.denominator_ids[:5])
    assert page["next_page_token"]
    listed = json.loads(everything.stdout)["items"]
    assert [item["id"] for item in listed] == list(expected.denominator_ids)
    assert [item["id"] for item in listed if item["in_numerator"]] == list(expected.numerator_ids)
    assert all(item["code"] == code_of[item["id"]] for item in listed)
    assert json.loads(everything.stdout)["next_page_token"] == ""


def test_explain_table_from_the_store_shows_codes_and_the_counts(
    world: tuple[Indicators, FixedClock, str],
) -> None:
    model, clock, url = world
    args = ["explain", "--unit", WARD, "--period", "2024-03", "--metric", "PROCESSED_ON_TIME", "--store", url]

    result = CliRunner().invoke(index_app, [*args, "--all"])

    assert result.exit_code == 0, result.output
    clock.set(MARCH.end + timedelta(days=1))  # the store is read with the real clock: March is over
    final = model.explain(WARD, MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)
    assert f"numerator {final.numerator_count} / denominator {final.denominator_count}" in result.stdout
    code_of = {str(s.dossier_id): s.code for s in SCENARIOS}
    assert all(code_of[dossier_id] in result.stdout for dossier_id in final.denominator_ids)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "--unit", "H99", "--period", "2024-03"], "unknown unit 'H99'"),
        (["show", "--unit", CITY, "--period", "2024-13"], "period"),
        (["show", "--unit", CITY, "--period", "2024-03", "--as-of", "soon"], "--as-of"),
        (["explain", "--unit", CITY, "--period", "2024-03", "--metric", "SPEED"], "unknown metric"),
        (
            [
                "explain",
                "--unit",
                CITY,
                "--period",
                "2024-03",
                "--metric",
                "PROCESSED_ON_TIME",
                "--page-token",
                "garbage!",
            ],
            "page_token",
        ),
    ],
)
async def test_rejected_queries_exit_with_code_2_and_say_why(
    address: str, world: tuple[Indicators, FixedClock, str], args: list[str], message: str
) -> None:
    _, _, url = world
    for source in (["--grpc", address], ["--store", url]):
        result = await run(*args, *source)

        assert result.exit_code == 2, (source, result.output)
        assert "error:" in result.output
        assert message in result.output


async def test_source_mistakes_are_reported(tmp_path: Path, address: str) -> None:
    both = await run(
        "show", "--unit", CITY, "--period", "2024-03", "--grpc", address, "--store", "sqlite:///x"
    )
    missing = await run(
        "show", "--unit", CITY, "--period", "2024-03", "--store", f"sqlite:///{tmp_path}/none.db"
    )
    unreachable = await run("show", "--unit", CITY, "--period", "2024-03", "--grpc", "127.0.0.1:1")

    assert (both.exit_code, missing.exit_code, unreachable.exit_code) == (2, 2, 1)
    assert "not both" in both.output
    assert "no facts store" in missing.output
    assert "127.0.0.1:1" in unreachable.output
