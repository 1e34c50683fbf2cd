"""The Python reference client: push the outbox, pull changes, upload photos.

Failure rules (field-lessons.md): a network error, a 5xx or an answer that is not ours (a Wi-Fi
sign-in page) is retried with jittered exponential backoff and, if it persists, reported as
:class:`ServerUnavailable` with everything kept; a 401 raises :class:`AuthRequired` with
everything kept; a mutation the server rejects is marked rejected and the queue moves on.
Nothing is deleted locally until a response body names it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import msgspec

from sync import protocol
from sync.outbox import Outbox, Queued

T = TypeVar("T")


class SyncError(Exception):
    """Sync stopped; the outbox keeps everything."""


class AuthRequired(SyncError):
    """The token is missing, expired or revoked: sign in again, then sync again."""


class ServerUnavailable(SyncError):
    """No usable answer after every retry (offline, server down, captive portal)."""


class ProtocolMismatch(SyncError):
    """The server does not speak this client's protocol (update the app) or refuses the device."""


class ApiFailure(SyncError):
    """A 4xx answer with the API's error body."""

    def __init__(self, status: int, error: protocol.ErrorBody) -> None:
        super().__init__(f"{status} {error.code}: {error.message}")
        self.status = status
        self.code = error.code
        self.message = error.message
        self.details = error.details


@dataclass
class Backoff:
    """Full-jitter exponential backoff: attempt n waits uniform(0, min(cap, base·2ⁿ)) seconds."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 6
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))


@dataclass
class PushReport:
    applied: int = 0
    duplicates: int = 0
    rejected: list[protocol.Rejected] = field(default_factory=list)
    conflicts: list[protocol.Conflicted] = field(default_factory=list)
    #: Photos the server says records expect and it lacks.
    missing_photos: set[str] = field(default_factory=set)


@dataclass
class PullReport:
    changes: int = 0
    pages: int = 0
    resets: int = 0
    clock_skew_seconds: float | None = None
    clock_skew_warning: bool = False


@dataclass
class PhotoReport:
    uploaded: int = 0
    already_there: int = 0
    bytes_sent: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class SyncClient:
    """Syncs one :class:`Outbox` with a server.

    ``transport`` is the test seam (``httpx.MockTransport``, ``httpx.ASGITransport``).
    """

    def __init__(
        self,
        base_url: str,
        outbox: Outbox,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        batch_size: int = 100,
        chunk_size: int = 256 * 1024,
        backoff: Backoff | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.outbox = outbox
        self.token = token
        self.batch_size = min(batch_size, protocol.MAX_BATCH)
        self.chunk_size = chunk_size
        self.backoff = backoff or Backoff()
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)

    async def __aenter__(self) -> SyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- HTTP ----------------------------------------------------------------------------------

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return headers | (extra or {})

    async def _once(
        self, method: str, url: str, expected: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """One request; raises :class:`ApiFailure` for our 4xx, ``_Transient`` otherwise.

        Statuses in ``expected`` are returned as they are.
        """
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in expected:
            return response
        if response.status_code == 401:
            raise AuthRequired("sign in again")
        if response.status_code in _RETRY_STATUS:
            raise _Transient(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                error = msgspec.json.decode(response.content, type=protocol.ErrorBody)
            except msgspec.MsgspecError:
                raise _Transient(f"HTTP {response.status_code} without our error body") from None
            raise ApiFailure(response.status_code, error)
        return response

    async def _call(self, method: str, url: str, decode: type[T], **kwargs: Any) -> T:
        """A request retried with backoff until it gets an answer of type ``decode``."""
        last = ""
        headers = self._headers({"Content-Type": "application/json"})
        for attempt in range(self.backoff.attempts):
            if attempt:
                await self.backoff.sleep(self.backoff.delay(attempt))
            try:
                response = await self._once(method, url, headers=headers, **kwargs)
                return msgspec.json.decode(response.content, type=decode)
            except _Transient as exc:
                last = str(exc)
            except msgspec.MsgspecError:
                # A 200 that is not our JSON: a captive portal, a proxy. Not an answer.
                last = "the answer is not the server's JSON"
        raise ServerUnavailable(f"{method} {url}: {last}")

    async def login(self, username: str, password: str, device_name: str = "zoufang-sync") -> None:
        """Sign in for this outbox's device; the token is kept in memory only."""
        body = {
            "username": username,
            "password": password,
            "device_id": self.outbox.device_id,
            "device_name": device_name,
        }
        answer = await self._call("POST", "/api/auth/login", _Login, json=body)
        self.token = answer.token

    # -- push ----------------------------------------------------------------------------------

    async def push(self, progress: Callable[[int], None] | None = None) -> PushReport:
        """Send the outbox in batches until it is empty (or sync cannot go on)."""
        report = PushReport()
        size = self.batch_size
        stalls = 0
        while batch := self.outbox.pending(size):
            body = self._push_body(batch)
            try:
                answer = await self._call(
                    "POST", "/api/sync/push", protocol.PushResponse, content=body
                )
            except ApiFailure as failure:
                if failure.code in ("sync.unsupported_version", "sync.device_mismatch"):
                    raise ProtocolMismatch(str(failure)) from failure
                if len(batch) > 1:  # find the one mutation that makes the request fail
                    size = max(1, len(batch) // 2)
                    continue
                self.outbox.replace_with_skip(batch[0].mutation_id, str(failure))
                report.rejected.append(
                    protocol.Rejected(
                        mutation_id=msgspec.json.decode(batch[0].body)["mutation_id"],
                        seq=batch[0].seq,
                        code=failure.code,
                        message=failure.message,
                        details=failure.details,
                    )
                )
                continue
            size = self.batch_size
            answered = self._handle_push(batch, answer, report)
            if progress and answered:
                progress(answered)
            stalls = 0 if answered or answer.gap else stalls + 1
            if stalls >= self.backoff.attempts:
                raise ServerUnavailable("the server answers pushes without results")
        return report

    def _push_body(self, batch: list[Queued]) -> bytes:
        head = msgspec.json.encode(
            {
                "protocol_version": protocol.PROTOCOL_VERSION,
                "device_id": self.outbox.device_id,
                "device_time": dt.datetime.now(dt.UTC),
            }
        )
        # Splice the stored mutation bodies in as they are: what was queued is what is sent.
        return head[:-1] + b',"mutations":[' + b",".join(q.body for q in batch) + b"]}"

    def _handle_push(
        self, batch: list[Queued], answer: protocol.PushResponse, report: PushReport
    ) -> int:
        by_id = {q.mutation_id: q for q in batch}
        answers: list[tuple[str, str, bytes | None]] = []
        renumber_from: int | None = None
        for result in answer.results:
            queued = by_id.get(str(result.mutation_id))
            if queued is None or queued.seq != result.seq:
                continue  # not one we sent: it names nothing of ours
            outcome: Any = result
            if isinstance(result, protocol.Duplicate):
                report.duplicates += 1
                outcome = result.original
            if isinstance(outcome, protocol.Rejected) and outcome.code == "sync.sequence_reused":
                renumber_from = int(outcome.details.get("last_seq", answer.last_seq)) + 1
                continue
            if queued.op == "skip":  # our placeholder: the mutation it stands for is kept
                answers.append((queued.mutation_id, "done", None))
            elif isinstance(outcome, protocol.Applied):
                report.applied += not isinstance(result, protocol.Duplicate)
                report.missing_photos.update(outcome.missing_photos)
                answers.append((queued.mutation_id, "done", None))
            elif isinstance(outcome, protocol.Conflicted):
                report.conflicts.append(outcome)
                report.missing_photos.update(outcome.missing_photos)
                answers.append((queued.mutation_id, "conflict", msgspec.json.encode(outcome)))
            else:
                report.rejected.append(outcome)
                answers.append((queued.mutation_id, "rejected", msgspec.json.encode(outcome)))
        self.outbox.answered(answers)
        if renumber_from is not None:
            self.outbox.renumber(renumber_from)
        elif answer.gap is not None:
            pending = self.outbox.pending(1)
            if pending and pending[0].seq > answer.gap.expected_seq:
                # The server lost mutations it had acknowledged (restored from a backup):
                # go on from where it is; replays are still recognised by mutation_id.
                self.outbox.renumber(answer.gap.expected_seq)
        return len(answers)

    # -- pull ----------------------------------------------------------------------------------

    async def pull(self, limit: int = 500) -> PullReport:
        """Pull every change after the stored cursor, page by page."""
        report = PullReport()
        cursor = self.outbox.cursor
        reset = False
        while True:
            body = protocol.PullRequest(
                cursor=cursor, limit=limit, device_time=dt.datetime.now(dt.UTC)
            )
            answer = await self._call(
                "POST", "/api/sync/pull", protocol.PullResponse, content=msgspec.json.encode(body)
            )
            report.clock_skew_seconds = answer.clock_skew_seconds
            report.clock_skew_warning = answer.clock_skew_warning
            if answer.reset_required:
                if cursor is None:
                    raise SyncError("the server asks a full sync to start over")
                cursor, reset = None, True
                report.resets += 1
                continue
            self.outbox.apply_page(answer.changes, answer.cursor, reset)
            reset = False
            report.pages += 1
            report.changes += len(answer.changes)
            cursor = answer.cursor
            if not answer.has_more:
                return report

    # -- photos --------------------------------------------------------------------------------

    async def upload_photos(self) -> PhotoReport:
        report = PhotoReport()
        for sha256, mime, data in self.outbox.pending_photos():
            await self._upload(sha256, mime, bytes(data), report)
        return report

    async def _probe(self, sha256: str) -> tuple[int, bool]:
        """(bytes the server holds, complete?) from HEAD."""
        response = await self._once(
            "HEAD", f"/api/media/{sha256}", expected=(404,), headers=self._headers()
        )
        if response.status_code == 404:
            return 0, False
        try:
            return int(response.headers["Upload-Offset"]), response.headers[
                "Upload-Complete"
            ] == "1"
        except (KeyError, ValueError):
            raise _Transient("HEAD without our upload headers") from None

    async def _upload(self, sha256: str, mime: str, data: bytes, report: PhotoReport) -> None:
        """Upload one photo from wherever the server's copy ends, resuming after failures."""
        size = len(data)
        failures = 0
        probe = True
        offset = 0
        sent = False
        while True:
            try:
                if probe:
                    offset, complete = await self._probe(sha256)
                    if complete:
                        self.outbox.photo_done(sha256)
                        if sent:
                            report.uploaded += 1
                        else:
                            report.already_there += 1
                        return
                    probe = False
                # All bytes stored but not yet verified (a crash in between): resend the last.
                start = min(offset, size - 1)
                chunk = data[start : start + self.chunk_size]
                headers = self._headers(
                    {
                        "Content-Type": mime,
                        "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{size}",
                    }
                )
                sent = True
                response = await self._once(
                    "PUT", f"/api/media/{sha256}", content=chunk, headers=headers
                )
                status = msgspec.json.decode(response.content, type=protocol.MediaStatus)
                report.bytes_sent += len(chunk)
                failures = 0
                if status.complete:
                    self.outbox.photo_done(sha256)
                    report.uploaded += 1
                    return
                offset = status.received
            except ApiFailure as failure:
                if failure.code == "media.offset_mismatch":
                    offset = int(failure.details.get("expected_offset", 0))
                elif failure.code == "media.upload_in_progress":
                    failures += 1
                    await self._pause(failures, sha256)
                    probe = True
                else:  # too large, wrong type, hash mismatch: this photo cannot go as it is
                    self.outbox.photo_rejected(sha256, f"{failure.code}: {failure.message}")
                    report.rejected.append((sha256, failure.code))
                    return
            except (_Transient, msgspec.MsgspecError):
                # Ask the server what it stored instead of resending what it may have.
                failures += 1
                await self._pause(failures, sha256)
                probe = True

    async def _pause(self, failures: int, sha256: str) -> None:
        if failures >= self.backoff.attempts:
            raise ServerUnavailable(f"photo {sha256[:12]}… could not be uploaded")
        await self.backoff.sleep(self.backoff.delay(failures))

    # -- everything ----------------------------------------------------------------------------

    async def sync(self) -> tuple[PhotoReport, PushReport, PullReport]:
        """Photos first (they are the slowest and most at risk), then push, then pull."""
        photos = await self.upload_photos()
        pushed = await self.push()
        pulled = await self.pull()
        return photos, pushed, pulled


class _Transient(Exception):
    """Worth retrying."""


class _Login(msgspec.Struct):
    token: str
