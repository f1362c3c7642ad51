"""Indicators service: the national 766 index projections, scoring and reconciliation."""
