"""Applying a review decision: one write through the sync engine's unit of work, so the new
status is versioned, gets a change number and reaches the visitor's phone on the next pull."""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES
from server.db import new_id
from server.errors import ApiError, forbidden, not_found
from server.reviews.schemas import ReviewIn, ReviewOut
from server.reviews.tables import ReviewDecision
from server.sync.registry import record_spec
from server.sync.write import server_write

STREAM = "server:review"
#: Who made each kind of record: they never review it themselves.
_AUTHOR = {"visit": "visitor", "inspection": "inspector"}


async def review(
    entity: str, record_id: uuid.UUID, decision: ReviewIn, reviewer: CurrentUser, ip: str
) -> ReviewOut:
    """Approve or return a submitted record in the reviewer's subtree."""
    if reviewer.role not in SUBTREE_ROLES:
        raise forbidden("only supervisors review records")
    comment = decision.comment.strip()
    if decision.decision == "return" and not comment:
        raise ApiError(400, "review.comment_required", "say what to fix when returning a record")
    spec = record_spec(entity)
    table: Any = spec.table
    async with server_write(reviewer, STREAM, ip=ip) as write:
        now, unit = write.now, write.uow
        rows = await unit.load(spec, table.id == record_id, unit_path=table.org_unit.path)
        row = rows[0] if rows else None
        if row is None or row.deleted or not reviewer.covers(row.meta["unit_path"] or ""):
            raise not_found(entity)
        if row.values[_AUTHOR[entity]] == reviewer.id:
            raise ApiError(403, "review.own_record", "nobody reviews a record they made")
        if row.values["status"] != "submitted":
            raise ApiError(
                409,
                "review.not_submitted",
                f"only submitted records can be reviewed; this one is {row.values['status']}",
                {"status": row.values["status"]},
            )
        if row.version != decision.version:
            raise ApiError(
                409,
                "review.stale_version",
                "the record changed since you opened it; reload and review again",
                {"current_version": row.version},
            )
        status = "approved" if decision.decision == "approve" else "returned"
        unit.begin(None)
        unit.set(row, "status", status)
        unit.set(row, "review_comment", comment)
        unit.set(row, "reviewed_by", reviewer.id)
        unit.set(row, "reviewed_at", now)
        unit.commit()
        # A row per decision: the record's review history keeps every comment.
        await ReviewDecision.insert(
            ReviewDecision(
                id=new_id(),
                entity=entity,
                record_id=record_id,
                decision=decision.decision,
                comment=comment,
                reviewer=reviewer.id,
                reviewed_version=decision.version,
                version=row.version,
                created_at=now,
            )
        )
        await write.audit(
            f"{entity}.review",
            entity=entity,
            entity_id=record_id,
            # The version read and decided on, and the one the decision made.
            details={
                "decision": decision.decision,
                "comment": comment,
                "reviewed_version": decision.version,
                "version": row.version,
            },
        )
    return ReviewOut(
        id=record_id, status=status, version=row.version, review_comment=comment, reviewed_at=now
    )
