from __future__ import annotations

from datetime import datetime, timedelta

from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.domain.views import HistoryItem
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)


def item(hours: int, content: str, status: DossierStatus = S.PROCESSING) -> HistoryItem:
    return HistoryItem(at=T0 + hours * HOUR, status=status, handler_title="Chuyên viên", content=content)


def event_names(dossier: Dossier) -> list[str]:
    return [type(event).__name__ for event in dossier.collect_events()]


def test_history_items_arriving_out_of_order_are_kept_in_time_order(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    for hours, content in [(3, "ký"), (1, "tiếp nhận"), (2, "thẩm định"), (0, "nộp")]:
        dossier.record_history(item(hours, content))

    assert [entry.content for entry in dossier.history] == ["nộp", "tiếp nhận", "thẩm định", "ký"]
    assert event_names(dossier) == ["HistoryRecorded"] * 4


def test_an_identical_history_item_recorded_twice_is_a_no_op(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    dossier.record_history(item(1, "tiếp nhận"))
    dossier.record_history(item(1, "tiếp nhận"))

    assert event_names(dossier) == ["HistoryRecorded"]
    assert len(dossier.history) == 1


def test_different_items_at_the_same_instant_are_both_kept_in_arrival_order(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    dossier.record_history(item(2, "chuyển phòng"))
    dossier.record_history(item(1, "tiếp nhận"))
    dossier.record_history(item(2, "phân công"))

    assert [entry.content for entry in dossier.history] == ["tiếp nhận", "chuyển phòng", "phân công"]


def test_history_items_do_not_change_the_status_or_the_timeline(dossier_in):
    dossier = dossier_in(S.PROCESSING)
    timeline = dossier.timeline

    dossier.record_history(item(5, "đã xử lý xong", status=S.RESOLVED))

    assert dossier.status is S.PROCESSING
    assert dossier.timeline == timeline
