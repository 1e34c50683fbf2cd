"""The steps of a rectification (整改), the inspection side's twin of the demand loop.

待整改 (pending) → start: the responsible unit takes it on → 整改中 (in_progress) → report: the
unit reports the fix with a note and photos → 已报整改 (reported) → 复查 by the inspector or a
reviewer: accept (验收销号 → accepted, closed) or send_back (退回重整 → returned, with a reason),
from which the unit reports again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES

#: Roles of the people of a responsible unit.
UNIT_ROLES = ("handler", "field_staff")


@dataclass(frozen=True)
class Step:
    after: tuple[str, ...]
    leads_to: str
    #: "unit": the responsible unit's people (or a reviewer recording it for them);
    #: "checker": the inspector who found the shortfall, or a reviewer over the centre's unit.
    who: str
    needs_note: bool = False


STEPS: dict[str, Step] = {
    "start": Step(("pending",), "in_progress", "unit"),
    "report": Step(("in_progress", "returned"), "reported", "unit", needs_note=True),
    "accept": Step(("reported",), "accepted", "checker"),
    "send_back": Step(("reported",), "returned", "checker", needs_note=True),
}

#: zh-CN names of the steps, for messages.
STEP_LABELS = {
    "start": "开始整改",
    "report": "报送整改",
    "accept": "验收销号",
    "send_back": "退回重整",
}


def may(user: CurrentUser, who: str, r: dict[str, Any]) -> bool:
    """Whether ``user`` takes steps of kind ``who`` on rectification ``r``."""
    reviewer = user.role in SUBTREE_ROLES and user.covers(r["unit_path"] or "")
    if who == "checker":
        return reviewer or str(r["inspector_id"]) == str(user.id)
    responsible = r["responsible_path"] or ""
    unit = user.role in UNIT_ROLES and bool(responsible) and user.covers(responsible)
    return unit or reviewer


def allowed_actions(user: CurrentUser, r: dict[str, Any]) -> list[str]:
    """The steps this user may take on this rectification now."""
    return [
        name for name, step in STEPS.items() if r["status"] in step.after and may(user, step.who, r)
    ]
