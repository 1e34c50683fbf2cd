"""Property: whatever devices do offline and whatever the network does to their pushes, every
mutation is processed exactly once, the server ends with the last acknowledged values, and
every device's pull converges to the server.

Five devices (three field staff, one of them on two phones, and a supervisor) edit visits with
their demands and inspections with their item results, attach photos (uploaded whole, or
broken off halfway and resumed), withdraw demands, delete and submit drafts, and settle the
conflicts their stale edits make (keeping the server's value, taking the device's or writing
another, each only where the resolver may write). They push windows of their logs (replayed,
reordered, doubled, with the answer lost) and pull with random page sizes, all interleaved. The
oracle (tests.sync.property_model) folds every answer the server gave into what it must hold.

Each example is a new set of devices and records on one app and database, so examples are
cheap; hypothesis runs deterministically (derandomized, no example database).
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.sync.helpers import sha
from tests.sync.property_devices import (
    DEMANDS,
    ITEMS,
    Device,
    World,
    make_device,
    pull,
    push,
    upload,
)
from tests.sync.property_model import TEXT, Conflict, Server

#: Devices by index: the last one is the supervisor.
USERS = (("zhangsan", "field_staff"), ("zhangsan", "field_staff"), ("lisi", "field_staff"),
         ("wangwu", "field_staff"), ("zhaoli", "supervisor"))  # fmt: skip
#: How many random histories each engine runs (the number in the issue's closing note).
EXAMPLES = 500

#: Kinds of steps and how often each comes: edits and pushes most, submitting (which locks a
#: record against its owner's edits) least.
WEIGHTS = {"edit": 30, "push": 20, "pull": 12, "resolve": 10, "photo": 8, "delete": 5, "submit": 3}
#: Two phones of one user and the supervisor make the stale edits: they act more often.
DEVICES = (0, 0, 1, 1, 2, 3, 4, 4)
OWNERS = (0, 0, 1, 2, 3)


def step(number: int) -> tuple[Any, ...]:
    """The step a number stands for (hypothesis draws the numbers and shrinks their list)."""
    rng = random.Random(number)
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    slot = rng.randrange(3)
    if kind == "edit":
        return (kind, rng.choice(DEVICES), slot, rng.randrange(6), rng.randrange(100))
    if kind in ("delete", "submit"):
        return (kind, rng.choice(OWNERS), slot)
    if kind == "photo":
        return (kind, rng.choice(DEVICES), rng.randrange(2), rng.random() < 0.4)
    if kind == "push":
        # First log index of the window (modulo the log's length), its length, shuffled, one
        # mutation doubled, the answer lost.
        return (kind, rng.choice(DEVICES), rng.randrange(30), rng.randint(1, 6),
                rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.3)  # fmt: skip
    if kind == "pull":
        return (kind, rng.choice(DEVICES), rng.randint(2, 40))
    return (kind, rng.choice(DEVICES), rng.randrange(10), rng.randrange(3))


RESULTS = ("met", "partly_met", "not_met", "not_applicable")


def edit(server: Server, world: World, device: Device, slot: int, what: int, n: int) -> None:
    """Change one thing in a record offline and queue the whole record."""
    if device.role == "field_staff":
        record = world.ids[(device.username, slot)]
    else:  # the supervisor edits what it has pulled
        roots = [i for i in world.owner if i in device.replica]  # in a fixed order
        if not roots:
            return
        record = roots[slot % len(roots)]
    if record in device.gone:
        return
    draft = device.draft(world, record)
    if draft is None:
        return
    values, children = draft.values, draft.children
    k = n % 2
    tag = f"{n}·{device.device_id[-3:]}{len(device.log)}"  # two edits rarely write the same
    if what == 2:  # attach a photo, or take it off again
        name = sha(device.photos[k])
        photos = values["photos"]
        values["photos"] = [p for p in photos if p != name] if name in photos else [*photos, name]
    elif draft.kind == "visit" and what in (3, 4):
        demand = world.child_ids[(record, k % DEMANDS)]
        if what == 3 and (demand in children or device.role == "field_staff"):
            child = children.setdefault(demand, {"values": {}, "base": 0, "deleted": False})
            child["values"] = {"description": f"诉求{tag}"}
        elif what == 4 and demand in children and device.role == "field_staff":
            children[demand]["deleted"] = True
    elif draft.kind == "inspection" and what in (3, 4):
        result = children[world.child_ids[(record, k % ITEMS)]]["values"]
        if what == 3:
            result["result"] = RESULTS[n % len(RESULTS)]
        else:
            result["note"] = f"说明{tag}"
    elif what == 1 and draft.kind == "visit":
        values["place"] = f"地点{tag}"
    else:
        values["notes"] = f"备注{tag}"
    device.put(server, world, record, draft)


def withdraw(server: Server, world: World, device: Device, slot: int, op: str) -> None:
    record = world.ids[(device.username, slot)]
    draft = device.draft(world, record)
    if draft is None or record in device.gone or not (record in device.made or draft.base):
        return  # a device deletes or submits only what it has saved or pulled
    device.queue(server, f"{draft.kind}.{op}", id=record, base_version=draft.base)
    if op == "delete":
        device.gone.add(record)


async def resolve(
    client: httpx.AsyncClient,
    server: Server,
    world: World,
    devices: list[Device],
    witness: Device,
    who: int,
    k: int,
    choice: int,
    conflict: Conflict | None = None,
) -> None:
    """Settle an open conflict the device's user may see, only in a way they may."""
    device = devices[who]
    open_ = [
        c
        for c in server.conflicts.values()
        if not c.resolved
        and not server.rows[c.root].deleted
        and device.username in ("zhaoli", c.author, server.rows[c.root].owner)
    ]
    if conflict is None and not open_:
        return
    conflict = conflict or open_[k % len(open_)]
    row = server.rows[conflict.row]
    resolution = ("server", "client", "value")[choice]
    if conflict.field == "_deleted" or not server.writable(device.username, device.role, conflict):
        resolution = "server"
    if resolution == "value" and conflict.field not in TEXT:
        resolution = "client"
    body: dict[str, Any] = {"resolution": resolution}
    if resolution == "value":
        body["value"] = f"商定{k}"
    response = await client.post(
        f"/api/sync/conflicts/{conflict.id}/resolve", json=body, headers=device.headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["resolved"] is True and answer["resolution"] == resolution, answer
    conflict.resolved = True
    server.count(f"resolved by {resolution}")
    if resolution != "server":
        row.values[conflict.field] = body.get("value", conflict.client_value)
        # The new version reaches devices by pull; the witness learns it for the oracle.
        await pull(client, world, witness, 100)
        for row_id, (_, _, version, _) in witness.replica.items():
            if version > server.rows[row_id].version:
                server.wrote(server.rows[row_id], version, device.stream)
    if conflict.field != "_deleted":
        assert answer["current_value"] == row.values[conflict.field], (answer, row)


async def heal_and_check(
    client: httpx.AsyncClient, server: Server, world: World, devices: list[Device], witness: Device
) -> None:
    """The network heals: every device sends its whole log and its photos, then pulls."""
    for device in devices:
        last = 0
        for start in range(0, len(device.log), 50):
            answer = await push(client, server, device, device.log[start : start + 50], read=True)
            assert answer is not None and answer["gap"] is None, answer
            last = answer["last_seq"]
        # Every mutation processed exactly once: each has its one answer, the sequence its end.
        assert last == len(device.log)
        assert all(m["mutation_id"] in server.answers for m in device.log)
    # Someone settles each conflict left open: its author, the record's owner or the supervisor.
    rng = random.Random(len(server.answers))
    for number, conflict in enumerate(list(server.conflicts.values())):
        if not conflict.resolved and not server.rows[conflict.root].deleted:
            who = devices.index(
                rng.choice(
                    [
                        d
                        for d in devices
                        if d.username
                        in ("zhaoli", conflict.author, server.rows[conflict.root].owner)
                    ]
                )
            )
            await resolve(
                client, server, world, devices, witness, who, number, rng.randrange(3), conflict
            )
    photos = {sha(p): (d, p) for d in devices for p in d.photos}
    listed = {p for r in server.rows.values() if not r.deleted for p in r.values.get("photos", [])}
    for name in sorted(listed):
        device, data = photos[name]
        await upload(client, server, device, data, part=False)
    for device in [*devices, witness]:
        await pull(client, world, device, 40)
        mine = None if device.role == "supervisor" else device.username
        view = {i: (r[2], r[3]) for i, r in device.replica.items()}
        assert view == server.expected(mine), device.username
    for name in sorted(listed):
        device, data = photos[name]
        response = await client.get(f"/api/media/{name}", headers=device.headers)
        assert response.status_code == 200 and response.content == data


# Real commits: hundreds of requests fill the access log's buffer, whose batch write runs beside
# them (one shared test connection cannot serve both).
@pytest.mark.commits
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.integers(0, 2**32), min_size=10, max_size=40), seed=st.integers(0, 2**32))
async def test_any_history_ends_exactly_once_and_converges(
    client: httpx.AsyncClient, steps: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    world = World.make()
    devices = [await make_device(user, role, rng) for user, role in USERS]
    witness = await make_device("zhaoli", "supervisor", rng)
    status = await client.get("/api/sync/status", headers=witness.headers)
    for device in [*devices, witness]:
        # Start from now: the demo rosters and earlier examples are not this history's subject.
        device.cursor = str(status.json()["change_seq"])
    server = Server()
    for op in map(step, steps):
        device = devices[op[1]]
        if op[0] == "edit":
            edit(server, world, device, op[2], op[3], op[4])
        elif op[0] in ("delete", "submit"):
            withdraw(server, world, device, op[2], op[0])
        elif op[0] == "photo":
            await upload(client, server, device, device.photos[op[2]], part=op[3])
        elif op[0] == "push":
            _, _, start, length, shuffled, doubled, lost = op
            window = device.log[start % max(1, len(device.log)) :][:length]
            if doubled and window:
                window.append(rng.choice(window))
            if shuffled:
                rng.shuffle(window)
            await push(client, server, device, window, read=not lost)
        elif op[0] == "pull":
            await pull(client, world, device, op[2])
        else:
            await resolve(client, server, world, devices, witness, op[1], op[2], op[3])
    await heal_and_check(client, server, world, devices, witness)
    for what in server.counts:  # shown by --hypothesis-show-statistics: what examples reached
        event(what)
