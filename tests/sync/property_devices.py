"""The property test's devices: each keeps a mutation log, a working copy of what it edits and a
replica of what it pulled, and talks to the server only over HTTP, as a phone would."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from server.accounts import repository as accounts
from server.demo import demo_id
from server.security import new_token
from sync.protocol import PROTOCOL_VERSION
from tests.sync.helpers import TEMPLATE, centre_of, item, jpeg, sha, talent_of, visit
from tests.sync.property_model import Server, pulled_values

#: Field staff with a record of each kind per slot: (kind of slot 0, 1, 2).
KINDS = {
    "zhangsan": ("visit", "visit", "inspection"),
    "lisi": ("visit", "visit", "visit"),
    "wangwu": ("visit", "inspection", "inspection"),
}
ITEMS = 2
DEMANDS = 2


@dataclass
class Draft:
    """What a device edits: the record as it has it, the version it started from."""

    kind: str
    values: dict[str, Any]
    base: int = 0
    #: child id → {"values", "base", "deleted"}
    children: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class World:
    """One example's records: ids per user and slot, the same on every device of the user."""

    ids: dict[tuple[str, int], str]
    child_ids: dict[tuple[str, int], str]
    owner: dict[str, tuple[str, int]]
    #: child id → its number in the record (an inspection's item results: the item's).
    child_number: dict[str, int]

    @classmethod
    def make(cls) -> World:
        ids, child_ids, owner, child_number = {}, {}, {}, {}
        for user, kinds in KINDS.items():
            for slot in range(len(kinds)):
                record = str(uuid.uuid4())
                ids[(user, slot)] = record
                owner[record] = (user, slot)
                for k in range(max(ITEMS, DEMANDS)):
                    child_ids[(record, k)] = str(uuid.uuid4())
                    child_number[child_ids[(record, k)]] = k
        return cls(ids, child_ids, owner, child_number)

    def body(self, record: str, draft: Draft) -> dict[str, Any]:
        """The whole record as a device sends it."""
        user, slot = self.owner[record]
        children = [
            {"id": cid, **c["values"], "base_version": c["base"], "deleted": c["deleted"]}
            for cid, c in draft.children.items()
        ]
        if draft.kind == "visit":
            return visit(
                talent_of(user, slot),
                id=record,
                **draft.values,
                demands=[{"category": "housing", **c} for c in children],
            )
        return {
            "id": record,
            "service_center_id": centre_of(user),
            "template_id": TEMPLATE,
            "inspected_on": "2026-11-21",
            **draft.values,
            "item_results": [
                {"item_id": item(self.child_number[c["id"]]), "score": 0, **c} for c in children
            ],
        }


@dataclass
class Device:
    username: str
    role: str
    device_id: str
    stream: str
    headers: dict[str, str]
    photos: list[bytes]
    log: list[dict[str, Any]] = field(default_factory=list)
    #: Mutation ids the device heard an answer for.
    heard: set[str] = field(default_factory=set)
    cursor: str | None = None
    drafts: dict[str, Draft] = field(default_factory=dict)
    #: Records this device saved, and those it deleted (it edits them no more).
    made: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    #: What it pulled: row id → (entity, parent, version, tracked values).
    replica: dict[str, tuple[str, str | None, int, dict[str, Any]]] = field(default_factory=dict)

    def pending(self, record: str) -> bool:
        return any(
            m["mutation_id"] not in self.heard and record in (m.get("id"), _body_id(m))
            for m in self.log
        )

    def draft(self, world: World, record: str) -> Draft | None:
        """The working copy, refreshed from the replica when nothing of it is unsent."""
        draft = self.drafts.get(record)
        pulled = self.replica.get(record)
        fresher = pulled is not None and (draft is None or pulled[2] > draft.base)
        if pulled is not None and fresher and not self.pending(record):
            draft = Draft(pulled[0], dict(pulled[3]), pulled[2])
            for cid, (_, parent, version, values) in self.replica.items():
                if parent == record:
                    draft.children[cid] = {"values": dict(values), "base": version,
                                           "deleted": False}  # fmt: skip
            self.drafts[record] = draft
        if draft is None and self.role == "field_staff" and world.owner[record][0] == self.username:
            kind = KINDS[self.username][world.owner[record][1]]
            values = {"notes": "", "photos": []} | ({"place": "城关镇"} if kind == "visit" else {})
            draft = self.drafts[record] = Draft(kind, values)
            if kind == "inspection":
                for k in range(ITEMS):
                    draft.children[world.child_ids[(record, k)]] = {
                        "values": {"result": "met", "note": ""}, "base": 0, "deleted": False
                    }  # fmt: skip
        return draft

    def queue(self, server: Server, op: str, **fields: Any) -> None:
        mutation = {"op": op, "mutation_id": str(uuid.uuid4()), "seq": len(self.log) + 1, **fields}
        self.log.append(mutation)
        server.sent[mutation["mutation_id"]] = (self.username, self.role, self.stream, mutation)

    def put(self, server: Server, world: World, record: str, draft: Draft) -> None:
        self.made.add(record)
        self.queue(server, f"{draft.kind}.put", base_version=draft.base,
                   **{draft.kind: world.body(record, draft)})  # fmt: skip

    def heard_answer(self, response: dict[str, Any]) -> None:
        """Acknowledged mutations leave the queue; applied ones name the version seen next."""
        for result in response["results"]:
            self.heard.add(result["mutation_id"])
            result = result.get("original", result)
            if result["status"] != "applied" or result.get("entity") is None:
                continue
            draft = self.drafts.get(result["id"])
            if draft is not None:
                draft.base = max(draft.base, result["version"])
                for cid, version in result["versions"].items():
                    if cid in draft.children:
                        draft.children[cid]["base"] = max(draft.children[cid]["base"], version)


def _body_id(m: dict[str, Any]) -> str | None:
    body = m.get("visit") or m.get("inspection")
    return body["id"] if body else None


async def make_device(username: str, role: str, rng: random.Random) -> Device:
    """A signed-in device (a token issued directly: signing in costs a password hash)."""
    user_id = demo_id(f"user/{username}")
    device_id = f"prop-{uuid.uuid4().hex[:8]}"
    token = new_token()
    await accounts.issue_token(user_id, token, device_id, "property test", 1)
    photos = [jpeg(uuid.uuid4().bytes + rng.randbytes(32)) for _ in range(2)]
    return Device(username, role, device_id, f"{user_id}:{device_id}",
                  {"Authorization": f"Bearer {token}"}, photos)  # fmt: skip


async def push(
    client: httpx.AsyncClient, server: Server, device: Device, batch: list[dict], read: bool
) -> dict[str, Any] | None:
    if not batch:
        return None
    body = {"protocol_version": PROTOCOL_VERSION, "device_id": device.device_id,
            "mutations": batch}  # fmt: skip
    response = await client.post("/api/sync/push", json=body, headers=device.headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    server.answered(answer)  # the server said it, whether or not the device hears it
    if read:
        device.heard_answer(answer)
    return answer


async def pull(client: httpx.AsyncClient, world: World, device: Device, limit: int) -> None:
    while True:
        body = {"protocol_version": PROTOCOL_VERSION, "cursor": device.cursor, "limit": limit}
        response = await client.post("/api/sync/pull", json=body, headers=device.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert not page["reset_required"]
        for change in page["changes"]:
            if change["op"] == "delete":
                device.replica.pop(change["id"], None)
                continue
            record = change["record"]
            if record["entity"] not in ("visit", "demand", "inspection", "inspection_item_result"):
                continue
            entity, parent, values = pulled_values(record)
            if (parent or record["id"]) in world.owner:
                device.replica[record["id"]] = (entity, parent, record["version"], values)
        device.cursor = page["cursor"]
        if not page["has_more"]:
            return


async def upload(
    client: httpx.AsyncClient, server: Server, device: Device, data: bytes, part: bool
) -> None:
    """Send a photo from where the server's copy ends: all of it, or only up to its middle."""
    name = sha(data)
    head = await client.head(f"/api/media/{name}", headers=device.headers)
    offset = int(head.headers["Upload-Offset"]) if head.status_code == 200 else 0
    end = len(data) // 2 if part else len(data)
    if head.headers.get("Upload-Complete") == "1" or offset >= end:
        return
    headers = {**device.headers, "Content-Type": "image/jpeg",
               "Content-Range": f"bytes {offset}-{end - 1}/{len(data)}"}  # fmt: skip
    response = await client.put(f"/api/media/{name}", content=data[offset:end], headers=headers)
    assert response.status_code in (200, 201), response.text
    assert response.json()["complete"] == (end == len(data)), response.text
    if end == len(data):
        server.complete_photos.add(name)
