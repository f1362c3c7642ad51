"""How `tthc index show / explain` print: a stable JSON object, or rich tables for people.

JSON numbers are JSON numbers (counts as integers, scores and ratios as decimals with up to 2 places, as
computed); null stays null, never 0. Instants are ISO 8601 in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.kit.clock import VIETNAM

PERIOD_STATES = {
    pb.PERIOD_STATE_CLOSED: "closed",
    pb.PERIOD_STATE_OPEN: "open",
    pb.PERIOD_STATE_NOT_STARTED: "not_started",
}
PIPE_WIDTH = 140  # tables are wide: when the output is not a terminal, do not squeeze them into 80 columns
_STATE_WORDS = {"closed": "closed, final", "open": "live, provisional", "not_started": "not started"}


def console() -> Console:
    """A console for tables: the terminal's width, or `PIPE_WIDTH` when the output is a pipe or file."""
    found = Console()
    return found if found.is_terminal else Console(width=PIPE_WIDTH)


def scorecard_json(card: pb.Scorecard) -> dict[str, Any]:
    """The scorecard as a JSON object with fixed keys."""
    return {
        "unit_code": card.unit_code,
        "unit_name": card.unit_name,
        "period": card.period,
        "as_of": _instant(card),
        "period_state": PERIOD_STATES.get(card.period_state, "unspecified"),
        "total": _number(card.total),
        "max_total": card.max_total,
        "groups": [
            {
                "code": group.code,
                "name": group.name,
                "name_vi": group.name_vi,
                "score": _optional(group, "score"),
                "max_score": group.max_score,
                "ratio": _optional(group, "ratio"),
            }
            for group in card.groups
        ],
        "metrics": [_metric_json(metric) for metric in card.metrics],
    }


def _metric_json(metric: pb.MetricScore) -> dict[str, Any]:
    return {
        "code": metric.code,
        "group": metric.group,
        "name": metric.name,
        "name_vi": metric.name_vi,
        "numerator": metric.numerator if metric.HasField("numerator") else None,
        "denominator": metric.denominator if metric.HasField("denominator") else None,
        "ratio": _optional(metric, "ratio"),
        "score": _optional(metric, "score"),
        "max_score": metric.max_score,
        "rule": metric.rule,
        "flags": list(metric.flags),
    }


def scorecard_table(card: pb.Scorecard) -> Table:
    """Groups (bold) with score and maximum, each followed by its metrics' n / d / ratio / score."""
    state = _STATE_WORDS.get(PERIOD_STATES.get(card.period_state, ""), "")
    table = Table(
        title=f"Bộ chỉ số 766 — {card.unit_code} {card.unit_name} — {card.period}",
        caption=f"as of {_instant(card)} ({state}) · total {card.total} / {card.max_total}",
    )
    table.add_column("group / metric", no_wrap=True)
    table.add_column("name", max_width=44, overflow="ellipsis", no_wrap=True)
    for header in ("n", "d", "ratio %", "score", "max"):
        table.add_column(header, justify="right", no_wrap=True)
    for group in card.groups:
        score = _cell(group, "score")
        table.add_row(group.code, group.name_vi, "", "", _cell(group, "ratio"), score, str(group.max_score),
                      style="bold")  # fmt: skip
        for metric in (m for m in card.metrics if m.group == group.code):
            flags = f" [dim]({', '.join(metric.flags)})[/dim]" if metric.flags else ""
            table.add_row(
                f"  {metric.code}",
                f"{metric.name}{flags}",
                _cell(metric, "numerator"),
                _cell(metric, "denominator"),
                _cell(metric, "ratio"),
                _cell(metric, "score"),
                str(metric.max_score),
            )
    table.add_row("TOTAL", "", "", "", "", card.total, str(card.max_total), style="bold")
    return table


def explanation_json(pages: list[pb.ExplainMetricResponse]) -> dict[str, Any]:
    """One or more pages of an explanation as one JSON object (the last page's token continues it)."""
    first, last = pages[0], pages[-1]
    return {
        "unit_code": first.unit_code,
        "period": first.period,
        "metric": first.metric,
        "subject": first.subject,
        "as_of": _instant(first),
        "numerator_count": first.numerator_count,
        "denominator_count": first.denominator_count,
        "items": [item for page in pages for item in _items(page)],
        "next_page_token": last.next_page_token,
    }


def _items(page: pb.ExplainMetricResponse) -> list[dict[str, Any]]:
    numerator = set(page.numerator_ids)
    return [
        {"id": item, "code": page.codes.get(item), "in_numerator": item in numerator}
        for item in page.denominator_ids
    ]


def explanation_table(pages: list[pb.ExplainMetricResponse]) -> Table:
    """The listed ids, their codes and whether each is in the numerator."""
    first = pages[0]
    table = Table(title=f"{first.metric} — {first.unit_code} — {first.period}")
    table.add_column("#", justify="right")
    table.add_column("code" if first.subject == "dossier" else first.subject or "id", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("in numerator", justify="center")
    items = [item for page in pages for item in _items(page)]
    for number, item in enumerate(items, start=1):
        mark = "[green]yes[/green]" if item["in_numerator"] else "[red]no[/red]"
        table.add_row(str(number), item["code"] or item["id"], item["id"], mark)
    return table


def explanation_summary(pages: list[pb.ExplainMetricResponse]) -> str:
    """One line: the counts, what the ids are and the instant counted."""
    first = pages[0]
    return (
        f"numerator {first.numerator_count} / denominator {first.denominator_count} "
        f"({first.subject or 'nothing counted'}) · as of {_instant(first)}"
    )


def _instant(message: pb.Scorecard | pb.ExplainMetricResponse) -> str:
    return message.as_of.ToDatetime(tzinfo=VIETNAM).isoformat()


def _optional(message: Any, field: str) -> float | int | None:
    return _number(getattr(message, field)) if message.HasField(field) else None


def _number(text: str) -> float | int:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _cell(message: Any, field: str) -> str:
    return str(getattr(message, field)) if message.HasField(field) else "—"
