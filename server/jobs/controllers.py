"""The run log for admins: what ran, what is retrying, what failed and why."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from server.accounts.deps import require_role
from server.accounts.schemas import CurrentUser
from server.errors import forbidden
from server.jobs import repository
from server.jobs.schemas import JobRunOut, JobRunPage
from server.records import Limit, Offset

RunState = Literal["running", "retrying", "done", "failed"]


class JobController(Controller):
    path = "/api/jobs"
    tags = ["jobs"]

    @get("/runs", summary="Scheduled job runs, latest first (admins of the whole deployment)")
    async def runs(
        self,
        current_user: NamedDependency[CurrentUser],
        job: FromQuery[str | None] = None,
        # ("state" is a name Litestar reserves for the app's state.)
        run_state: Annotated[RunState | None, QueryParameter(name="state")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> JobRunPage:
        require_role(current_user, "admin")
        # Jobs serve every unit at once: only an admin of the root unit sees them.
        if current_user.org_unit_path.count("/") > 2:
            raise forbidden("requires an admin of the whole deployment")
        total, rows = await repository.list_runs(job, run_state, limit, offset)
        return JobRunPage(total=total, items=msgspec.convert(rows, list[JobRunOut]))
