"""Adapter for the national portal's (DVCQG) index-766 scoring responses: parsing and reconciliation."""

from __future__ import annotations

from tthc.indicators.portal.endpoints import Endpoint
from tthc.indicators.portal.errors import PortalResponseError
from tthc.indicators.portal.model import PortalMetric, PortalResponse, PortalUnit
from tthc.indicators.portal.parsing import load_response, parse_response
from tthc.indicators.portal.reconcile import OursLookup, ReconcileRow, ReconcileSummary, reconcile

__all__ = [
    "Endpoint",
    "OursLookup",
    "PortalMetric",
    "PortalResponse",
    "PortalResponseError",
    "PortalUnit",
    "ReconcileRow",
    "ReconcileSummary",
    "load_response",
    "parse_response",
    "reconcile",
]
