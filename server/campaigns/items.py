"""A campaign's send and ask items as phones see them: in order, without the retired ones."""

from __future__ import annotations

from typing import Any

from server.db import json_load


def live_items(stored: Any) -> list[dict[str, Any]]:
    """The items a form offers (stored JSON or list): key and label, retired ones left out."""
    items = json_load(stored) if isinstance(stored, str | bytes) else stored
    return [{"key": i["key"], "label": i["label"]} for i in items or [] if not i.get("retired")]
