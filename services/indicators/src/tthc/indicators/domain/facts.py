"""Per-dossier facts the index is computed from (index-766 §5), as one immutable value.

The indicators service keeps one `DossierFacts` per dossier and evolves it from dossier events (the mapping
from events lives elsewhere); the `with_*` helpers are the pure building blocks of that mapping and of tests.
Each checks its rules before anything changes and writes into `_fresh()`: a copy, except for a
`facts_draft.DossierDraft`, which a projection window evolves in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from itertools import pairwise
from operator import attrgetter, gt
from typing import Any

from tthc.indicators.domain.facts_parts import (
    Channel,
    DossierStatus,
    FactsError,
    FeeLine,
    NaiveInstantError,
    OnlinePayment,
    ResultDocument,
    StatusChange,
    SubmittedDocument,
    SupplementRound,
    require_aware,
)
from tthc.indicators.domain.slot_copy import slot_copier

__all__ = [
    "Channel",
    "DossierFacts",
    "DossierStatus",
    "FactsError",
    "FeeLine",
    "NaiveInstantError",
    "OnlinePayment",
    "ResultDocument",
    "StatusChange",
    "SubmittedDocument",
    "SupplementRound",
    "shared_timeline",
]

_INSTANT_NAMES = (
    "paid_online_at",
    "vneid_authenticated_at",
    "population_data_used_at",
    "submitted_at",
    "received_at",
    "original_due",
    "current_due",
    "synced_at",
    "apology_issued_at",
)
_INSTANT_FIELDS = frozenset(_INSTANT_NAMES)
_instants = attrgetter(*_INSTANT_NAMES)
"""The instants of a facts value, in the order of `_INSTANT_NAMES`."""


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """What the index needs to know about one dossier (hồ sơ TTHC).

    - `code` is the national dossier code (MaHoSo); `unit_code` the handling agency (DonViXuLy);
      `procedure_code` the national procedure code (MaTTHC); `channel` the intake channel (KenhThucHien,
      None = direct).
    - `submitted_at` (NgayNopHoSo), `received_at` (NgayTiepNhan, None while never received), `original_due`
      (the first NgayHenTra), `current_due` (NgayHenTra after supplement extensions; an apology never
      moves it).
    - The status timeline in time order, kept compact (a province holds millions of dossiers):
      `status_codes` one byte per change (the TrangThaiHoSo code; equal timelines share one object) and
      `status_times` the instants, in parallel; `statuses` gives it as `StatusChange` values.
      `supplements`: the supplement rounds in time order.
    - `requires_paper_result`: None = take the procedure's flag.
    - `legal_time`: the legal processing time, used only when the dossier has no due date.
    - `synced_at`: when the dossier was first synced to the national portal (None = never).
    - When the flags became true, for "as of" views (`facts_known.as_known_at`): `paid_online_at`,
      `vneid_authenticated_at`, `population_data_used_at`. None: the time is unknown (facts stored before
      these fields existed) and the flag counts whatever the instant.
    """

    dossier_id: str
    code: str
    unit_code: str
    procedure_code: str
    channel: Channel | None = None
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    original_due: datetime | None = None
    current_due: datetime | None = None
    status_codes: bytes = b""
    status_times: tuple[datetime, ...] = ()
    supplements: tuple[SupplementRound, ...] = ()
    fees: tuple[FeeLine, ...] = ()
    paid_online: OnlinePayment = OnlinePayment.NONE
    documents: tuple[SubmittedDocument, ...] = ()
    results: tuple[ResultDocument, ...] = ()
    results_in_citizen_store: bool = False
    requires_paper_result: bool | None = None
    vneid_authenticated: bool = False
    population_data_used: bool = False
    synced_at: datetime | None = None
    has_petition_or_dislike: bool = False
    apology_issued_at: datetime | None = None
    legal_time: timedelta | None = None
    paid_online_at: datetime | None = None
    vneid_authenticated_at: datetime | None = None
    population_data_used_at: datetime | None = None

    def __post_init__(self) -> None:
        for name, at in zip(_INSTANT_NAMES, _instants(self), strict=True):
            _require_aware_field(name, at)
        _check_timeline(self.dossier_id, self.status_codes, self.status_times)
        _check_supplements(self.dossier_id, self.supplements)

    def _check_changes(self, changes: Mapping[str, Any]) -> None:
        """Checks the rules the `changes` touch, on their new values, before anything changes (each rule
        involves one field, except the timeline's two)."""
        for name, value in changes.items():
            if name in _INSTANT_FIELDS:
                _require_aware_field(name, value)
        if "status_times" in changes or "status_codes" in changes:
            codes = changes.get("status_codes", self.status_codes)
            _check_timeline(self.dossier_id, codes, changes.get("status_times", self.status_times))
        if "supplements" in changes:
            _check_supplements(self.dossier_id, changes["supplements"])

    def _fresh(self) -> DossierFacts:
        """The object an evolution writes its changes into: a copy (a `DossierDraft` gives itself)."""
        return _copy(self)

    @staticmethod
    def timeline(changes: Iterable[StatusChange]) -> dict[str, Any]:
        """The `status_codes` and `status_times` fields of a timeline given as `StatusChange` values (for
        the constructor or `evolve`: ``DossierFacts(..., **DossierFacts.timeline(changes))``)."""
        listed = tuple(changes)
        return {
            "status_codes": shared_timeline(bytes(change.status for change in listed)),
            "status_times": tuple(change.at for change in listed),
        }

    @staticmethod
    def first_status(status: DossierStatus, at: datetime) -> dict[str, Any]:
        """The timeline fields of a dossier whose first status is `status` at `at` (for the constructor:
        one copy less than constructing and then `with_status`)."""
        return {"status_codes": shared_timeline(_STATUS_BYTES[status]), "status_times": (at,)}

    @property
    def statuses(self) -> tuple[StatusChange, ...]:
        """The status timeline as values, in time order (built on each call: hot paths read
        `status_codes` and `status_times`)."""
        return tuple(
            StatusChange(DossierStatus(code), at)
            for code, at in zip(self.status_codes, self.status_times, strict=True)
        )

    @property
    def last_status(self) -> tuple[DossierStatus, datetime] | None:
        """The latest status change (None: no status yet)."""
        if not self.status_codes:
            return None
        return DossierStatus(self.status_codes[-1]), self.status_times[-1]

    def evolve(self, **changes: Any) -> DossierFacts:
        """A copy with `changes`, like `dataclasses.replace`, checking the rules of the changed fields only
        (the others held already) before anything changes. Several times cheaper than `replace`: the
        projection evolves facts once per event. A draft changes itself instead (`facts_draft`).

        Raises:
            TypeError: a name that is not a field.
            FactsError: a changed field breaks its rule.
        """
        unknown = changes.keys() - _SLOTS.keys()
        if unknown:
            raise TypeError(f"DossierFacts has no field {sorted(unknown)[0]!r}")
        self._check_changes(changes)
        copy = self._fresh()
        for name, value in changes.items():
            _SLOTS[name].__set__(copy, value)
        return copy

    # -- derived facts -------------------------------------------------------------------------------------

    @property
    def effective_channel(self) -> Channel:
        """The channel, with a missing one read as direct (as the national portal does)."""
        return self.channel if self.channel is not None else Channel.DIRECT

    @property
    def is_online(self) -> bool:
        """Submitted online (KenhThucHien = 2)."""
        return self.channel is Channel.ONLINE

    @property
    def intake_at(self) -> datetime | None:
        """Reception instant, else submission instant (the "NgayTiepNhan, else NgayNopHoSo" rule)."""
        return self.received_at if self.received_at is not None else self.submitted_at

    @property
    def has_fee(self) -> bool:
        """At least one fee line with a non-zero amount."""
        return any(line.amount != 0 for line in self.fees)

    @property
    def all_fees_zero(self) -> bool:
        """Fee lines were synced and every one is zero (an empty list is *not* "all zero")."""
        return bool(self.fees) and not self.has_fee

    @property
    def is_paid_online(self) -> bool:
        """Paid online on the portal or through the local gateway (DuocThanhToanTrucTuyen ∈ {1, 2})."""
        return self.paid_online is not OnlinePayment.NONE

    @property
    def is_synced(self) -> bool:
        """Synced to the national portal at least once."""
        return self.synced_at is not None

    @property
    def has_digitised_document(self) -> bool:
        """At least one submitted component has a file."""
        return any(doc.digitised for doc in self.documents)

    @property
    def reuses_digitised_data(self) -> bool:
        """At least one component reuses digitised data or comes from the citizen's store (4.3)."""
        return any(doc.reused or doc.from_citizen_store for doc in self.documents)

    @property
    def uses_citizen_store(self) -> bool:
        """A component was taken from, or a result was filed to, the citizen's store on the portal (4.4)."""
        return self.results_in_citizen_store or any(doc.from_citizen_store for doc in self.documents)

    @property
    def uses_population_data(self) -> bool:
        """VNeID-authenticated, citizen-store component, or the population database was used (4.5)."""
        return (
            self.vneid_authenticated
            or self.population_data_used
            or any(doc.from_citizen_store for doc in self.documents)
        )

    @property
    def has_e_result(self) -> bool:
        """At least one result document has an electronic file (4.1, 4.2)."""
        return any(result.is_electronic for result in self.results)

    @property
    def has_coded_e_result(self) -> bool:
        """At least one result document has both a result code and a file (3.3)."""
        return any(result.is_coded_electronic for result in self.results)

    # -- pure evolution helpers ----------------------------------------------------------------------------

    def with_status(self, status: DossierStatus, at: datetime, **changes: Any) -> DossierFacts:
        """Appends a status change (it must not be earlier than the last one), with other `changes` in the
        same copy."""
        times = self.status_times
        if at.tzinfo is None:
            require_aware(at, "StatusChange.at")
        if times and times[-1] > at:
            raise FactsError(f"dossier {self.dossier_id}: status timeline is not in time order")
        # the timeline held already: only the appended change is checked (not the whole timeline again)
        codes = shared_timeline(self.status_codes + _STATUS_BYTES[status])
        copy = self.evolve(**changes) if changes else self._fresh()
        _set_status_codes(copy, codes)
        _set_status_times(copy, (*times, at))
        return copy

    def with_reception(self, at: datetime, due: datetime | None) -> DossierFacts:
        """Records the reception (status 2) and the appointment date (both original and current due)."""
        return self.with_status(DossierStatus.RECEIVED, at, received_at=at, original_due=due, current_due=due)

    def with_supplement_requested(self, at: datetime) -> DossierFacts:
        """Opens a supplement round and enters status 5."""
        rounds = (*self.supplements, SupplementRound(at))
        return self.with_status(DossierStatus.SUPPLEMENT_REQUESTED, at, supplements=rounds)

    def with_supplement_supplied(self, at: datetime, new_due: datetime | None = None) -> DossierFacts:
        """Closes the open supplement round, resumes processing (status 4), optionally extends the due date.

        Raises:
            FactsError: there is no open supplement round.
        """
        if not self.supplements or self.supplements[-1].supplied_at is not None:
            raise FactsError(f"dossier {self.dossier_id}: no open supplement round to close")
        closed = replace(self.supplements[-1], supplied_at=at)
        due = new_due if new_due is not None else self.current_due
        rounds = (*self.supplements[:-1], closed)
        return self.with_status(DossierStatus.PROCESSING, at, supplements=rounds, current_due=due)

    def with_due_extended(self, new_due: datetime) -> DossierFacts:
        """Moves the current due date (NgayHenTraMoi); the original due date stays."""
        return self.evolve(current_due=new_due)

    def with_apology(self, at: datetime) -> DossierFacts:
        """Records an apology letter (phiếu xin lỗi); it never moves any due date."""
        return self.evolve(apology_issued_at=at)

    def with_synced(self, at: datetime) -> DossierFacts:
        """Records the first sync to the national portal (later syncs keep the first instant)."""
        return self if self.synced_at is not None else self.evolve(synced_at=at)

    def with_fee(self, line: FeeLine) -> DossierFacts:
        """Adds a fee line."""
        return self.evolve(fees=(*self.fees, line))

    def with_payment(self, paid: OnlinePayment, at: datetime | None = None) -> DossierFacts:
        """Sets the online-payment flag (paid at `at`, when known; a second online payment keeps the first
        instant)."""
        first = at if self.paid_online is OnlinePayment.NONE else self.paid_online_at
        return self.evolve(paid_online=paid, paid_online_at=first)

    def with_document(self, document: SubmittedDocument) -> DossierFacts:
        """Adds a submitted component."""
        return self.evolve(documents=(*self.documents, document))

    def with_vneid(self, at: datetime | None = None) -> DossierFacts:
        """Records a VNeID authentication (at `at`, when known; the first one counts)."""
        if self.vneid_authenticated:
            return self
        return self.evolve(vneid_authenticated=True, vneid_authenticated_at=at)

    def with_population_data(self, at: datetime | None = None) -> DossierFacts:
        """Records a use of the population database (at `at`, when known; the first one counts)."""
        if self.population_data_used:
            return self
        return self.evolve(population_data_used=True, population_data_used_at=at)

    def with_result(self, result: ResultDocument) -> DossierFacts:
        """Adds a result document."""
        return self.evolve(results=(*self.results, result))

    def with_petition_or_dislike(self) -> DossierFacts:
        """Marks that a petition or a "dislike" rating is attached to this dossier (5.4)."""
        return self.evolve(has_petition_or_dislike=True)


def _check_supplements(dossier_id: str, rounds: tuple[SupplementRound, ...]) -> None:
    if len(rounds) > 1 and any(a.requested_at > b.requested_at for a, b in pairwise(rounds)):
        raise FactsError(f"dossier {dossier_id}: supplement rounds are not in time order")


def _check_timeline(dossier_id: str, codes: bytes, times: tuple[datetime, ...]) -> None:
    # whole-sequence checks in C (map, issuperset): the projection checks the timeline on every status
    if len(times) != len(codes):
        raise FactsError(f"dossier {dossier_id}: {len(codes)} status codes, {len(times)} instants")
    if None in map(_zone, times):
        require_aware(next(at for at in times if at.tzinfo is None), "StatusChange.at")
    if True in map(gt, times, times[1:]):
        raise FactsError(f"dossier {dossier_id}: status timeline is not in time order")
    if not _STATUS_CODES.issuperset(codes):
        unknown = sorted(set(codes) - _STATUS_CODES)
        raise FactsError(f"dossier {dossier_id}: not status codes (TrangThaiHoSo) {unknown}")


def _require_aware_field(name: str, at: datetime | None) -> None:
    """`require_aware` for the field `name`, with its message built only when it fails (checked per event)."""
    if at is not None and at.tzinfo is None:
        require_aware(at, f"DossierFacts.{name}")


_STATUS_BYTES = {status: bytes((status,)) for status in DossierStatus}
_STATUS_CODES = frozenset(int(status) for status in DossierStatus)
_zone = attrgetter("tzinfo")
_TIMELINES: dict[bytes, bytes] = {}
_TIMELINES_KEPT = 4096


def shared_timeline(codes: bytes) -> bytes:
    """The process's one object for this sequence of status codes (few distinct paths exist: sharing
    them saves ≈ 40 bytes per dossier); new ones are kept as they are once `_TIMELINES_KEPT` are shared."""
    found = _TIMELINES.get(codes)
    if found is not None:
        return found
    if len(_TIMELINES) < _TIMELINES_KEPT:
        _TIMELINES[codes] = codes
    return codes


_FIELD_NAMES = tuple(item.name for item in fields(DossierFacts))
_SLOTS: dict[str, Any] = {name: getattr(DossierFacts, name) for name in _FIELD_NAMES}


_copy: Callable[[DossierFacts], DossierFacts] = slot_copier(DossierFacts)
"""Copies every slot of a facts value without `__init__` (its checks held already): ≈ 2 µs, once or twice
per projected event (a `DossierDraft` is changed in place instead)."""
_set_status_codes = _SLOTS["status_codes"].__set__
_set_status_times = _SLOTS["status_times"].__set__
