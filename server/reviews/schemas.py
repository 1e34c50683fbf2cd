"""Review of submitted visits and inspections: approve, or return with a comment."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from sync import protocol


class ReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: protocol.ReviewDecision
    #: Shown to the visitor on the phone; required when returning.
    comment: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    #: The version the reviewer read; a newer one means someone changed it meanwhile.
    version: Annotated[int, msgspec.Meta(ge=1)]


class ReviewOut(msgspec.Struct, kw_only=True):
    id: UUID
    status: str
    version: int
    review_comment: str
    reviewed_at: dt.datetime
