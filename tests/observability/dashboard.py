"""The shipped Grafana dashboard as Grafana reads it: panels, PromQL targets, template variables."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/dashboards/tthc-index.json"
_LABEL_VALUES = re.compile(r"^label_values\((?P<match>.+),\s*(?P<label>\w+)\)$")


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel."""

    panel: str
    ref: str
    expr: str


@dataclass(frozen=True)
class Variable:
    """A query variable: ``label_values(<match>, <label>)``."""

    name: str
    match: str
    label: str


def load() -> dict[str, Any]:
    """The dashboard JSON."""
    document: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return document


def queries(document: dict[str, Any]) -> list[Query]:
    """Every PromQL expression of every panel (rows included), in order."""
    found: list[Query] = []
    for panel in _panels(document["panels"]):
        for target in panel.get("targets", []):
            found.append(Query(panel["title"], target["refId"], target["expr"]))
    return found


def variables(document: dict[str, Any]) -> list[Variable]:
    """The query variables, in order (the datasource variable is not a query)."""
    found: list[Variable] = []
    for variable in document["templating"]["list"]:
        if variable["type"] != "query":
            continue
        text = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        parsed = _LABEL_VALUES.match(text.strip())
        if parsed is None:
            raise ValueError(f"variable {variable['name']}: not label_values(...): {text!r}")
        found.append(Variable(variable["name"], parsed["match"], parsed["label"]))
    return found


def substitute(text: str, values: dict[str, str]) -> str:
    """Replaces ``$name`` and ``${name}`` by the values (Grafana's simple variable syntax).

    Raises:
        KeyError: a variable without a value remains.
    """

    def value(found: re.Match[str]) -> str:
        return values[found.group(1) or found.group(2)]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for panel in panels:
        flat.append(panel)
        flat.extend(_panels(panel.get("panels", [])))
    return flat
