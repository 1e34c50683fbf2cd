"""HTTP endpoints of the sync engine (the protocol is described in sync/PROTOCOL.md)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.audit.access import access_log
from server.inbound import NUL_CHECKED_BY_HANDLER
from server.sync import conflicts, pull, push, resolve
from server.sync.changes import committed_change_seq, stream_key
from sync import protocol


class StreamStatus(msgspec.Struct, kw_only=True):
    protocol_version: str = protocol.PROTOCOL_VERSION
    device_id: str
    #: The last sequence number applied for this user on this device (0: none yet).
    last_seq: int
    #: The server-wide change counter.
    change_seq: int


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]

    @post(
        "/push",
        status_code=200,
        summary="Apply a batch of mutations exactly once",
        # A NUL rejects just the mutation that holds it (sync.protocol.decode_push).
        opt={NUL_CHECKED_BY_HANDLER: True},
    )
    async def push(
        self, request: Request[Any, Any, Any], current_user: NamedDependency[CurrentUser]
    ) -> protocol.PushResponse:
        # The raw body: it is decoded mutation by mutation, so one bad one cannot sink the batch.
        return await push.push(current_user, await request.body())

    @post("/pull", status_code=200, summary="Changes after a cursor, in pages")
    async def pull(
        self, request: Request[Any, Any, Any], current_user: NamedDependency[CurrentUser]
    ) -> protocol.PullResponse:
        answer = await pull.pull(current_user, await request.body())
        access_log(request).pulled(request, current_user)
        return answer

    @get("/status", summary="This device's last applied sequence number and the change counter")
    async def status(self, current_user: NamedDependency[CurrentUser]) -> StreamStatus:
        key = stream_key(current_user.id, current_user.device_id)
        return StreamStatus(
            device_id=current_user.device_id,
            last_seq=await push.stream_last_seq(key),
            change_seq=await committed_change_seq(),
        )

    @get("/conflicts", summary="Field conflicts the caller may see")
    async def list_conflicts(
        self,
        current_user: NamedDependency[CurrentUser],
        status: FromQuery[conflicts.State] = "open",
        record_id: FromQuery[UUID | None] = None,
    ) -> list[protocol.ConflictRecord]:
        return await conflicts.list_conflicts(current_user, status, record_id)

    @post("/conflicts/{conflict_id:uuid}/resolve", status_code=200, summary="Resolve a conflict")
    async def resolve(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        conflict_id: FromPath[UUID],
        data: JSONBody[protocol.ResolveRequest],
    ) -> protocol.ConflictRecord:
        return await resolve.resolve(current_user, conflict_id, data, ip=client_ip(request))
