"""The steps of the demand loop, at work-order grade: who may take each, and from where.

受理 → 交办 → 签收 → 办理 → 答复 → 回访 → 办结销号, with on the way 退单 (the unit returns an
order that is not theirs; the reviewer assigns it again), 延期申请 (the unit asks for a later due
date before it passes; a reviewer approves or refuses), 重办 (an unsatisfied revisit sends it back
to the same unit) and 督办. Automatic 催办 and 督办 come from ``server.demands.reminders``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES

#: Statuses of a demand with its handler unit, where the unit's steps are taken.
IN_HAND = ("assigned", "acknowledged", "in_progress")


def _pending_extension(r: dict[str, Any]) -> bool:
    return r["extension_due_date"] is not None


@dataclass(frozen=True)
class Step:
    #: Statuses the step can be taken from, and the status it leads to (None: unchanged).
    after: tuple[str, ...]
    leads_to: str | None
    #: Who takes it: "reviewer" (supervisors and admins over the demand's unit), "handler"
    #: (the handler unit's people, or a reviewer recording it for them), "unit" (the handler
    #: unit's people alone: only they can acknowledge, send back or ask for more time),
    #: "revisit" (a reviewer, or the visitor who brought the demand in).
    who: str
    #: Whether a note is required (a reply's content, a reason).
    needs_note: bool = False
    #: A further condition on the demand, beyond its status.
    when: Callable[[dict[str, Any]], bool] | None = None


# The order is the order the phone shows the steps in.
STEPS: dict[str, Step] = {
    "assign": Step(("received", "replied", "revisited", "sent_back"), "assigned", "reviewer"),
    "acknowledge": Step(("assigned",), "acknowledged", "unit"),
    "progress": Step(IN_HAND, "in_progress", "handler"),
    "reply": Step(IN_HAND, "replied", "handler", needs_note=True),
    "send_back": Step(("assigned", "acknowledged"), "sent_back", "unit", needs_note=True),
    "request_extension": Step(
        IN_HAND, None, "unit", needs_note=True, when=lambda r: not _pending_extension(r)
    ),
    "approve_extension": Step(IN_HAND, None, "reviewer", when=_pending_extension),
    "refuse_extension": Step(IN_HAND, None, "reviewer", needs_note=True, when=_pending_extension),
    "revisit": Step(("replied",), "revisited", "revisit"),
    "close_out": Step(("revisited",), "closed", "reviewer"),
    "redo": Step(
        ("revisited",),
        "assigned",
        "reviewer",
        needs_note=True,
        when=lambda r: r["satisfaction"] == "unsatisfied",
    ),
    "escalate": Step(IN_HAND, None, "reviewer", needs_note=True),
}

#: zh-CN names of the steps, for messages.
STEP_LABELS: dict[str, str] = {
    "assign": "交办",
    "acknowledge": "签收",
    "progress": "办理",
    "reply": "答复",
    "send_back": "退单",
    "request_extension": "延期申请",
    "approve_extension": "同意延期",
    "refuse_extension": "不同意延期",
    "revisit": "回访",
    "close_out": "办结销号",
    "redo": "重办",
    "escalate": "督办",
}


def may(user: CurrentUser, who: str, r: dict[str, Any]) -> bool:
    """Whether ``user`` is among those who take steps of kind ``who`` on demand ``r``."""
    reviewer = user.role in SUBTREE_ROLES and user.covers(r["unit_path"] or "")
    if who == "reviewer":
        return reviewer
    handler_path = r["handler_path"] or ""
    unit = user.role == "handler" and bool(handler_path) and user.covers(handler_path)
    if who == "unit":
        return unit
    if who == "handler":
        return reviewer or unit
    return reviewer or str(r["visitor_id"]) == str(user.id)  # revisit


def in_turn(step: Step, r: dict[str, Any]) -> bool:
    """Whether the step can be taken from the demand's present state."""
    return r["status"] in step.after and (step.when is None or step.when(r))


def allowed_actions(user: CurrentUser, r: dict[str, Any]) -> list[str]:
    """The steps this user may take on this demand now."""
    return [name for name, step in STEPS.items() if in_turn(step, r) and may(user, step.who, r)]
