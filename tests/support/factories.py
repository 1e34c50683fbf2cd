"""Rows made straight in the database, for tests of reading and permissions."""

from __future__ import annotations

import datetime as dt
import uuid

from server.accounts.tables import User
from server.demo import demo_id
from server.visits.tables import Demand, Visit


async def make_visit(
    username: str, talent: int = 0, *, status: str = "submitted", photos: list[str] | None = None
) -> uuid.UUID:
    """A visit recorded by ``username`` (in their unit) of demo talent number ``talent``."""
    user = await User.select(User.id, User.org_unit).where(User.username == username).first()
    assert user is not None
    visit_id = uuid.uuid4()
    await Visit.insert(
        Visit(
            id=visit_id,
            campaign=demo_id("campaign/sssw"),
            talent=demo_id(f"talent/{talent}"),
            visited_on=dt.date(2026, 11, 20),
            mode="in_person",
            visitor=user["id"],
            org_unit=user["org_unit"],
            visitors=["张三"],
            sends=["policy"],
            asks={"needs": "需要人才公寓"},
            photos=photos or [],
            status=status,
        )
    )
    await Demand.insert(
        Demand(
            id=uuid.uuid4(),
            visit=visit_id,
            ask_key="needs",
            category="housing",
            description="申请人才公寓",
            org_unit=user["org_unit"],
        )
    )
    return visit_id
