"""Admins import rosters from XLSX or CSV: a template, a dry run, a commit, the batches, undo.

Uploads are multipart forms: ``file`` (the spreadsheet) and, optionally, ``mapping`` (JSON:
field key → file header) once the admin has changed what was recognised.
"""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException
from litestar.params import FromPath

from server.accounts.deps import client_ip, require_role, roles_only
from server.accounts.schemas import CurrentUser
from server.errors import ApiError
from server.imports import service, unsent
from server.imports.mapping import Kind, template_csv
from server.imports.schemas import BatchOut, PreviewOut
from server.imports.unsent import ReplayReport
from server.media.controllers import provide_storage
from server.media.storage import MediaStorage
from server.records import Limit, Offset, Page

_KIND_NAMES = {"talent": "人才名单", "service_center": "党群服务中心"}


def _kind(kind: str) -> Kind:
    if kind not in get_args(Kind):
        raise ApiError(404, "import.unknown_kind", f"不能导入「{kind}」", {"field": "kind"})
    return kind  # type: ignore[return-value]


async def _upload(request: Request[Any, Any, Any]) -> tuple[bytes, str, dict[str, str] | None]:
    """The uploaded file, its name and the admin's mapping, refused with a code when missing."""
    try:
        form = await request.form()
    except ClientException:
        raise ApiError(
            400, "import.no_file", "请上传 Excel（.xlsx）或 CSV 文件", {"field": "file"}
        ) from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "import.no_file", "请上传 Excel（.xlsx）或 CSV 文件", {"field": "file"})
    mapping = None
    raw = form.get("mapping")
    if isinstance(raw, str) and raw:
        try:
            mapping = msgspec.json.decode(raw, type=dict[str, str])
        except msgspec.DecodeError:
            raise ApiError(
                400, "import.bad_mapping", "列对应关系格式不对", {"field": "mapping"}
            ) from None
    return await upload.read(), upload.filename or "", mapping


#: A last-resort file carries its photos (base64): larger than any one request elsewhere.
UNSENT_MAX_BYTES = 64 * 1024 * 1024


class ImportController(Controller):
    path = "/api/imports"
    guards = [roles_only("admin")]
    tags = ["imports"]
    dependencies = {"storage": Provide(provide_storage, sync_to_thread=False)}

    @get("/{kind:str}/template", summary="The template file of a roster import (CSV)")
    async def template(
        self, current_user: NamedDependency[CurrentUser], kind: FromPath[str]
    ) -> Response[bytes]:
        require_role(current_user, "admin")
        chosen = _kind(kind)
        name = f"{_KIND_NAMES[chosen]}导入模板.csv"
        return Response(
            template_csv(chosen),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"{chosen}-template.csv\"; filename*=UTF-8''{quote(name)}"
                )
            },
        )

    @post("/{kind:str}/preview", status_code=200, summary="Dry run: what each row would do")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        kind: FromPath[str],
    ) -> PreviewOut:
        require_role(current_user, "admin")
        chosen = _kind(kind)
        data, filename, mapping = await _upload(request)
        result = await service.plan(chosen, data, filename, mapping, current_user)
        return service.preview_of(chosen, result)

    @post("/{kind:str}/commit", status_code=201, summary="Import the file as one batch")
    async def commit(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        kind: FromPath[str],
    ) -> BatchOut:
        require_role(current_user, "admin")
        chosen = _kind(kind)
        data, filename, mapping = await _upload(request)
        return await service.commit(
            chosen, data, filename, mapping, current_user, client_ip(request)
        )

    @get("/batches", summary="Committed import batches of the admin's subtree")
    async def batches(
        self, current_user: NamedDependency[CurrentUser], limit: Limit = 50, offset: Offset = 0
    ) -> Page[BatchOut]:
        items, total = await service.batches(current_user, limit, offset)
        return Page(total=total, items=items)

    @post("/batches/{batch_id:uuid}/undo", status_code=200, summary="Undo a whole batch")
    async def undo(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        batch_id: FromPath[UUID],
    ) -> BatchOut:
        return await service.undo(batch_id, current_user, client_ip(request))

    @post(
        "/unsent",
        status_code=200,
        summary="Replay a phone's last-resort file (导出未同步数据) exactly once",
        request_max_body_size=UNSENT_MAX_BYTES,
    )
    async def replay_unsent(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        storage: NamedDependency[MediaStorage],
    ) -> ReplayReport:
        require_role(current_user, "admin")
        data, _, _ = await _upload(request)
        return await unsent.replay(data, current_user, storage, client_ip(request))
