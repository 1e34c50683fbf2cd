"""Every allowed value has a zh-CN label in the exports' one table of labels."""

from __future__ import annotations

from typing import get_args

from server.reports import labels
from sync import protocol


def test_every_allowed_value_has_a_label() -> None:
    for allowed, table in (
        (protocol.DemandCategory, labels.DEMAND_CATEGORY),
        (protocol.VisitMode, labels.VISIT_MODE),
        (protocol.RecordStatus, labels.RECORD_STATUS),
        (protocol.ItemResultValue, labels.ITEM_RESULT),
        (protocol.RectificationStatus, labels.RECTIFICATION_STATUS),
        (protocol.Satisfaction, labels.SATISFACTION),
        (protocol.DemandStatus, labels.DEMAND_STATUS),
    ):
        assert sorted(table) == sorted(get_args(allowed)), allowed
        assert all(table.values()), allowed


def test_a_value_without_a_label_shows_as_itself() -> None:
    assert labels.label(labels.DEMAND_CATEGORY, "housing") == "住房"
    assert labels.label(labels.DEMAND_CATEGORY, "local_key") == "local_key"
