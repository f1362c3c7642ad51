"""Finds breaking differences between two JSON Schemas (additive changes are allowed)."""

from __future__ import annotations

from typing import Any


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "$") -> list[str]:
    """Lists changes from ``old`` to ``new`` that would break an existing consumer or producer."""
    problems: list[str] = []
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    problems += _compare_object(old, new, old_defs, new_defs, path)
    return problems


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(defs[ref.rsplit("/", 1)[-1]], defs)
    return schema


def _compare_object(
    old: dict[str, Any], new: dict[str, Any], old_defs: dict[str, Any], new_defs: dict[str, Any], path: str
) -> list[str]:
    old, new = _resolve(old, old_defs), _resolve(new, new_defs)
    problems: list[str] = []
    if _types(old) and not _types(old) <= _types(new):
        problems.append(f"{path}: type changed from {sorted(_types(old))} to {sorted(_types(new))}")
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{path}.{name}: newly required")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_prop in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
            continue
        problems += _compare_object(old_prop, new_props[name], old_defs, new_defs, f"{path}.{name}")
    if "items" in old and "items" in new:
        problems += _compare_object(old["items"], new["items"], old_defs, new_defs, f"{path}[]")
    return problems


def _types(schema: dict[str, Any]) -> set[str]:
    if "type" in schema:
        value = schema["type"]
        return set(value) if isinstance(value, list) else {value}
    if "anyOf" in schema:
        return {t for option in schema["anyOf"] for t in _types(option)}
    if "const" in schema:
        return {type(schema["const"]).__name__}
    return set()
