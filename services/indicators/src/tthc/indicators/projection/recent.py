"""The facts a store wrote last, by dossier, with their version: a bounded cache of recently used entries.

Loading a batch's dossiers reads their tracking versions anyway; when the version is the one remembered,
the facts remembered are the facts stored (facts and tracking rows are written in one transaction, so a
version names one facts row), and the facts JSON need not be read and parsed again. Any other version (for
example written by another instance of a shared store) is read from the store as before.
"""

from __future__ import annotations

from collections import OrderedDict

from tthc.indicators.domain.facts import DossierFacts

DEFAULT_KEPT = 100_000


class RecentFacts:
    """(version, facts) per dossier id, the `kept` most recently used."""

    def __init__(self, kept: int = DEFAULT_KEPT) -> None:
        self._kept = kept
        self._entries: OrderedDict[str, tuple[int, DossierFacts | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, dossier_id: str, version: int) -> tuple[bool, DossierFacts | None]:
        """(True, facts) when the facts at exactly `version` are remembered, else (False, None)."""
        found = self._entries.get(dossier_id)
        if found is None or found[0] != version:
            return False, None
        self._entries.move_to_end(dossier_id)
        return True, found[1]

    def put(self, dossier_id: str, version: int, facts: DossierFacts | None) -> None:
        """Remembers the facts stored at `version` (None: the dossier has no facts row)."""
        self._entries[dossier_id] = (version, facts)
        self._entries.move_to_end(dossier_id)
        while len(self._entries) > self._kept:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forgets everything (the store was cleared)."""
        self._entries.clear()
