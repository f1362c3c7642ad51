"""Facts changed in place by their one owner: a projection window evolves each dossier several times before
it writes it, and a copy per event (27 slots, ≈ 2 µs) was the largest single cost of projecting an event.

`draft` takes over facts that nobody else holds (the value an evolution just built) as a `DossierDraft`:
its `evolve` and `with_*` then change it and return it, instead of copying. The rules are checked before
anything changes, so a refused event leaves a draft as it was. `seal` turns it back into plain
`DossierFacts`, in place, before it leaves its owner. Neither copies: both change the object's class,
which the two classes' identical slot layout allows.
"""

from __future__ import annotations

from tthc.indicators.domain.facts import DossierFacts


class DossierDraft(DossierFacts):
    """`DossierFacts` (hồ sơ TTHC) evolved in place by their one owner until `seal`ed (see the module)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # it changes

    def _fresh(self) -> DossierFacts:
        return self


def draft(facts: DossierFacts) -> DossierDraft:
    """`facts`, taken over as a draft: only for facts nobody else holds (a value just built)."""
    object.__setattr__(facts, "__class__", DossierDraft)
    return facts  # type: ignore[return-value]


def seal(facts: DossierFacts) -> DossierFacts:
    """`facts` as plain, immutable `DossierFacts` again (a draft is changed in place; others are returned)."""
    if type(facts) is DossierDraft:
        object.__setattr__(facts, "__class__", DossierFacts)
    return facts
