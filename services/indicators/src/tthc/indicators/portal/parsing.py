"""Parses any of the six DVCQG scoring responses; the endpoint is recognised from the response's shape."""

from __future__ import annotations

import json
from pathlib import Path

from tthc.indicators.portal import metric_shaped, parameter_shaped
from tthc.indicators.portal.errors import PortalResponseError
from tthc.indicators.portal.model import PortalMetric, PortalResponse, PortalUnit
from tthc.indicators.portal.values import JsonObject, as_list, as_object, decimal_or_none


def load_response(path: Path) -> PortalResponse:
    """Reads and parses a response file.

    Raises:
        PortalResponseError: the file cannot be read, is not JSON, or is not a known scoring response.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PortalResponseError(f"cannot read {path}: {error}") from error
    except json.JSONDecodeError as error:
        raise PortalResponseError(f"{path} is not JSON: {error}") from error
    return parse_response(document)


def parse_response(document: object) -> PortalResponse:
    """Parses a decoded response: the `{code, data}` envelope or its bare `data` object.

    Raises:
        PortalResponseError: not a response of a known scoring endpoint.
    """
    data = _unwrap(as_object(document, "response"))
    if "overview" in data or "evaluation" in data:
        return _metric_shaped(data)
    if "parent" in data or "children" in data:
        return _parameter_shaped(data)
    raise PortalResponseError("unknown response: no data.overview/evaluation nor data.parent/children")


def _unwrap(document: JsonObject) -> JsonObject:
    if "data" not in document:
        return document
    code = document.get("code")
    if code is not None and code != "OK":
        raise PortalResponseError(f"the portal answered code {code!r}: {document.get('message')}")
    return as_object(document["data"], "data")


def _metric_shaped(data: JsonObject) -> PortalResponse:
    units = _units(data, "overview", "evaluation")
    endpoint = metric_shaped.detect_endpoint([unit for unit, _, _ in units])
    parsed = tuple(
        _unit(unit, where, is_root, metric_shaped.unit_metrics(unit, where)) for unit, where, is_root in units
    )
    return PortalResponse(endpoint, parsed)


def _parameter_shaped(data: JsonObject) -> PortalResponse:
    units = _units(data, "parent", "children")
    endpoint = parameter_shaped.detect_endpoint([unit for unit, _, _ in units])
    parsed = tuple(
        _unit(unit, where, is_root, parameter_shaped.unit_metrics(endpoint, unit, where))
        for unit, where, is_root in units
    )
    return PortalResponse(endpoint, parsed)


def _units(data: JsonObject, root_key: str, children_key: str) -> list[tuple[JsonObject, str, bool]]:
    root = data.get(root_key)
    units = [] if root is None else [(as_object(root, root_key), root_key, True)]
    children = as_list(data.get(children_key), children_key)
    for index, child in enumerate(children):
        where = f"{children_key}[{index}]"
        units.append((as_object(child, where), where, False))
    if not units:
        raise PortalResponseError(f"the response has no units ({root_key}/{children_key} empty)")
    return units


def _unit(unit: JsonObject, where: str, is_root: bool, metrics: tuple[PortalMetric, ...]) -> PortalUnit:
    department_id = unit.get("departmentId")
    code = unit.get("departmentCode") or department_id
    if not isinstance(code, str) or not code:
        raise PortalResponseError(f"{where}: unit without departmentCode or departmentId")
    level = unit.get("departmentLevel") or unit.get("level")
    return PortalUnit(
        unit_code=code,
        department_id=department_id if isinstance(department_id, str) else None,
        name=str(unit.get("departmentName") or ""),
        level=level if isinstance(level, str) else None,
        is_root=is_root,
        portal_total=decimal_or_none(parameter_shaped.published_total(unit), f"{where}.totalScore"),
        metrics=metrics,
    )
