"""Rows made straight in the database, for tests of reading and permissions."""

from __future__ import annotations

import datetime as dt
import uuid

from server.accounts.tables import User
from server.db import county_today, utcnow
from server.demands.tables import Demand, DemandEvent
from server.demo import demo_id
from server.visits.tables import Visit


async def make_visit(
    username: str,
    talent: int = 0,
    *,
    status: str = "submitted",
    photos: list[str] | None = None,
    visited_on: dt.date | None = None,
) -> uuid.UUID:
    """A visit recorded by ``username`` (in their unit) of demo talent number ``talent``, on
    ``visited_on`` (today by default: inside the demo campaign)."""
    user = await User.select(User.id, User.org_unit).where(User.username == username).first()
    assert user is not None
    visit_id = uuid.uuid4()
    await Visit.insert(
        Visit(
            id=visit_id,
            campaign=demo_id("campaign/sssw"),
            talent=demo_id(f"talent/{talent}"),
            visited_on=visited_on or county_today(),
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
    demand_id = uuid.uuid4()
    await Demand.insert(
        Demand(
            id=demand_id,
            visit=visit_id,
            ask_key="needs",
            category="housing",
            description="申请人才公寓",
            org_unit=user["org_unit"],
        )
    )
    # As a push records it: the demand is received, by the visitor.
    await DemandEvent.insert(
        DemandEvent(
            id=uuid.uuid4(),
            demand=demand_id,
            kind="received",
            actor=user["id"],
            created_at=utcnow(),
        )
    )
    return visit_id


async def make_inspection(username: str, centre: str = "城关镇/东门社区") -> uuid.UUID:
    """A submitted inspection by ``username`` of a demo centre, one shortfall rectified."""
    from server.inspections.tables import Inspection, InspectionItemResult, Rectification

    user = await User.select(User.id, User.org_unit).where(User.username == username).first()
    assert user is not None
    inspection_id = uuid.uuid4()
    await Inspection.insert(
        Inspection(
            id=inspection_id,
            service_center=demo_id(f"centre/{centre}"),
            template=demo_id("template/centre"),
            inspector=user["id"],
            org_unit=user["org_unit"],
            inspected_on=dt.date(2026, 11, 21),
            total_score=8,
            status="submitted",
        )
    )
    await InspectionItemResult.insert(
        InspectionItemResult(
            id=uuid.uuid4(),
            inspection=inspection_id,
            item=demo_id("item/0"),
            result="met",
            score=10,
        ),
        InspectionItemResult(
            id=uuid.uuid4(),
            inspection=inspection_id,
            item=demo_id("item/1"),
            result="not_met",
            score=0,
            note="无障碍通道缺失",
        ),
    )
    await Rectification.insert(
        Rectification(
            id=uuid.uuid4(),
            inspection=inspection_id,
            item=demo_id("item/1"),
            issue="增设无障碍通道",
            responsible_unit_name="东门社区",
            deadline=county_today() + dt.timedelta(days=60),
            org_unit=user["org_unit"],
        )
    )
    return inspection_id
