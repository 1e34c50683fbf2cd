"""The server as the property test's devices must find it, folded from the server's own answers.

Every answer the server gives (also those the network then loses on the way to the device) is
applied here in the order the server gave it: an applied field takes the device's value, a
conflicting field keeps the server's, a rejection changes nothing, a replay must repeat the
first answer word for word. Whether an answer may be what it is comes from the protocol's
rules (sync/PROTOCOL.md), never from the server's internals: a write from a device that saw
the current version (or wrote it itself) never conflicts, a conflict names the server's value
now and the device's value, locked and deleted records are refused with their codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The fields the test edits and compares, per entity (the others are constant).
TRACKED = {
    "visit": ("notes", "place", "photos"),
    "demand": ("description",),
    "inspection": ("notes", "photos"),
    "inspection_item_result": ("result", "note"),
}
#: Paragraphs: the fields a resolution may set to a value merged by hand (the engine's free_text).
TEXT = {"notes", "description", "note"}
CHILDREN = {
    "visit": ("demands", "demand"),
    "inspection": ("item_results", "inspection_item_result"),
}


@dataclass
class Row:
    entity: str
    id: str
    owner: str
    parent: str | None
    values: dict[str, Any]
    version: int = 0
    deleted: bool = False
    status: str = "draft"
    #: The stream (user and device) that last wrote the row.
    stream: str = ""


@dataclass
class Conflict:
    id: str
    row: str
    root: str
    field: str
    client_value: Any
    author: str
    resolved: bool = False


@dataclass
class Server:
    """What the server must hold: rows by id, every first answer, open conflicts, photos."""

    rows: dict[str, Row] = field(default_factory=dict)
    #: (stream, row id) → the last version that stream wrote (its own writes count as seen).
    own: dict[tuple[str, str], int] = field(default_factory=dict)
    #: mutation id → the answer it got when it was processed (exactly once).
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: mutation id → (username, role, stream, the mutation), as the device queued it.
    sent: dict[str, tuple[str, str, str, dict[str, Any]]] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    complete_photos: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def children(self, root: str) -> list[Row]:
        return [r for r in self.rows.values() if r.parent == root]

    def writable(self, username: str, role: str, conflict: Conflict) -> bool:
        """May this user write a value into the conflict's record now (as a push could)?"""
        root, row = self.rows[conflict.root], self.rows[conflict.row]
        if root.deleted or row.deleted:
            return False
        if role == "field_staff":
            return root.owner == username and root.status in ("draft", "returned")
        return root.status != "approved"

    # -- answers ---------------------------------------------------------------------------------

    def answered(self, response: dict[str, Any]) -> None:
        """Fold one push answer into the state, checking each result against the rules."""
        written = []
        for result in response["results"]:
            mutation_id = result["mutation_id"]
            if result["status"] == "duplicate":
                assert result["original"] == self.answers[mutation_id], result
                self.count("duplicate")
                continue
            assert mutation_id not in self.answers, f"processed twice: {result}"
            self.answers[mutation_id] = result
            username, role, stream, mutation = self.sent[mutation_id]
            self.count(f"{mutation['op']} {result['status']} {result.get('code', '')}".strip())
            kind, op = mutation["op"].split(".")
            if op == "put":
                self._put(username, role, stream, kind, mutation, result)
            elif op == "delete":
                self._delete(stream, mutation, result)
            else:
                self._submit(stream, mutation, result)
            if result["status"] != "rejected":
                written.append((mutation.get(kind, mutation)["id"], result))
        # Photos are counted once the whole batch is written: as its records stand at the end.
        for root_id, result in written:
            self._check_missing_photos(root_id, result)

    def _put(
        self, username: str, role: str, stream: str, kind: str, m: dict[str, Any], result: dict
    ) -> None:
        body = m[kind]
        row = self.rows.get(body["id"])
        code = None
        if row is not None and row.deleted:
            code = "sync.not_found"
        elif row is not None and role == "field_staff" and row.status not in ("draft", "returned"):
            code = "sync.locked"
        if code is not None:
            assert result["status"] == "rejected" and result["code"] == code, result
            return
        assert result["status"] in ("applied", "conflict"), result
        conflicts: dict[str, list[dict[str, Any]]] = {}
        for c in result.get("conflicts", []):
            conflicts.setdefault(c["id"], []).append(c)
            self.count(f"conflict on {c['field']}")
            self.conflicts[c["conflict_id"]] = Conflict(
                c["conflict_id"], c["id"], body["id"], c["field"], c["client_value"], username
            )
        versions = {body["id"]: result["version"], **result["versions"]}
        if row is None:
            assert not conflicts.get(body["id"]), result
            row = Row(kind, body["id"], username, None, _tracked(kind, body))
            self.rows[row.id] = row
            self.wrote(row, versions[row.id], stream)
        else:
            self._merge(row, _tracked(kind, body), m["base_version"], conflicts, versions, stream)
        list_name, child_kind = CHILDREN[kind]
        for item in body.get(list_name, []):
            self._put_child(row, child_kind, item, conflicts, versions, stream)
        assert not set(conflicts) - set(self.rows), result

    def _put_child(
        self,
        parent: Row,
        kind: str,
        item: dict[str, Any],
        conflicts: dict[str, list[dict[str, Any]]],
        versions: dict[str, int],
        stream: str,
    ) -> None:
        row = self.rows.get(item["id"])
        if row is None:
            if item.get("deleted"):
                return  # made and withdrawn before it reached the server
            row = Row(kind, item["id"], parent.owner, parent.id, _tracked(kind, item))
            self.rows[row.id] = row
            self.wrote(row, versions[row.id], stream)
            return
        if row.deleted or item.get("deleted"):
            if row.deleted and item.get("deleted"):
                return
            mine = conflicts.get(row.id, [])
            if item.get("deleted") and not self._stale(row, item["base_version"], stream):
                assert not mine, mine
                self.count(f"{kind} withdrawn")
                row.deleted = True
                self.wrote(row, versions.get(row.id, row.version), stream)
            else:
                assert [c["field"] for c in mine] == ["_deleted"], (row, mine)
            return
        self._merge(row, _tracked(kind, item), item["base_version"], conflicts, versions, stream)

    def _stale(self, row: Row, base: int, stream: str) -> bool:
        """The device had not seen the row's current version (its own writes count as seen)."""
        if row.stream == stream:
            return False
        return max(base, self.own.get((stream, row.id), 0)) < row.version

    def _merge(
        self,
        row: Row,
        incoming: dict[str, Any],
        base: int,
        conflicts: dict[str, list[dict[str, Any]]],
        versions: dict[str, int],
        stream: str,
    ) -> None:
        mine = conflicts.get(row.id, [])
        if not self._stale(row, base, stream):
            assert not mine, f"a fresh edit conflicted: {mine}"
        for c in mine:
            assert c["field"] in incoming, c
            assert c["server_value"] == row.values[c["field"]], (c, row)
            assert c["client_value"] == incoming[c["field"]], (c, incoming)
        kept = {c["field"] for c in mine}
        row.values.update({k: v for k, v in incoming.items() if k not in kept})
        self.wrote(row, versions.get(row.id, row.version), stream)

    def wrote(self, row: Row, version: int, stream: str) -> None:
        """A write the server reports: a new version names the stream that made it."""
        assert version >= row.version, (row, version)
        if version > row.version:
            row.stream = stream
            self.own[(stream, row.id)] = version
        row.version = version

    def _delete(self, stream: str, m: dict[str, Any], result: dict[str, Any]) -> None:
        row = self.rows.get(m["id"])
        if row is None:
            assert result["status"] == "rejected" and result["code"] == "sync.not_found", result
            return
        if row.deleted:
            assert result["status"] == "applied", result
            return
        if row.status != "draft":
            assert result["status"] == "rejected", result
            assert result["code"] == "sync.invalid_state", result
            return
        if self._stale(row, m["base_version"], stream):
            assert result["status"] == "conflict", result
            [c] = result["conflicts"]
            assert (c["id"], c["field"]) == (row.id, "_deleted"), c
            username = self.sent[result["mutation_id"]][0]
            self.count(f"conflict on {c['field']}")
            self.conflicts[c["conflict_id"]] = Conflict(
                c["conflict_id"], row.id, row.id, "_deleted", True, username
            )
            self.wrote(row, result["version"], stream)
            return
        assert result["status"] == "applied", result
        row.deleted = True
        for child in self.children(row.id):
            child.deleted = True
        self.wrote(row, result["version"], stream)

    def _submit(self, stream: str, m: dict[str, Any], result: dict[str, Any]) -> None:
        row = self.rows.get(m["id"])
        if row is None or row.deleted:
            assert result["status"] == "rejected" and result["code"] == "sync.not_found", result
            return
        assert result["status"] == "applied", result
        row.status = "submitted"
        self.wrote(row, result["version"], stream)

    def _check_missing_photos(self, root_id: str, result: dict[str, Any]) -> None:
        """A result names exactly the photos its record lists that the server lacks."""
        row = self.rows[root_id]
        listed = set() if row.deleted else set(row.values.get("photos", []))
        assert set(result["missing_photos"]) == listed - self.complete_photos, (result, row)

    # -- what a device must end with -------------------------------------------------------------

    def expected(self, username: str | None) -> dict[str, tuple[int, dict[str, Any]]]:
        """Live rows (version, tracked values) a user pulls; ``None``: a supervisor's view."""
        out = {}
        for row in self.rows.values():
            root = self.rows[row.parent] if row.parent else row
            if row.deleted or root.deleted or username not in (None, root.owner):
                continue
            out[row.id] = (row.version, row.values)
        return out


def _tracked(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in TRACKED[kind]}


def pulled_values(record: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(entity, parent id, tracked values) of a pulled record."""
    entity = record["entity"]
    parent = record.get("visit_id") or record.get("inspection_id")
    return entity, parent, _tracked(entity, record)
