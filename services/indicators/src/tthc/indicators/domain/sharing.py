"""One object per distinct immutable value, in a table of bounded size (pure apart from the table).

A province's read model holds millions of dossiers and thousands of counted parts whose small values
(instants, documents, fee lines, procedure sets) repeat; sharing equal ones keeps memory low. Each caller
keeps its own table and bound: once a table is full, new values are kept as they are.
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping
from typing import Any, TypeVar

_Value = TypeVar("_Value", bound=Hashable)


def shared(table: MutableMapping[Any, Any], value: _Value, bound: int) -> _Value:
    """The table's object equal to `value`; `value` itself, added to the table while it holds fewer than
    `bound` values, when there is none."""
    found = table.get(value)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if len(table) < bound:
        table[value] = value
    return value
