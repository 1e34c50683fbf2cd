"""Roster imports: dry run with row-level messages, commit as one batch that phones pull, undo
that phones follow, encodings, bad files and scope."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl

from server.accounts import repository as accounts
from server.audit.tables import AuditLog
from server.demo import DEMO_PASSWORD, demo_id
from server.imports.tables import ImportBatch
from server.rosters.tables import Talent
from tests.support.client import login
from tests.sync.helpers import Device

HEADER = "姓名,工作单位,所在镇街,人才类别,联系电话,人才层次\n"
GOOD = [
    "李新一,清源科技有限公司,城关镇,专业技术人才,13800001111,A",
    "王新二,清源县人民医院,城关镇,高技能,0571-88886666,B",
    "赵新三,东湖农业合作社,东湖街道,农村实用人才,,",
]
BAD = [
    ",某公司,城关镇,党政人才,13800002222,",  # no name
    "钱新四,某公司,火星镇,党政人才,12345,",  # unknown township, bad phone
]


def csv_file(lines: list[str], encoding: str = "utf-8") -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode(encoding)


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    action: str,
    data: bytes,
    name: str = "名单.csv",
    kind: str = "talent",
    **form: str,
) -> httpx.Response:
    return await client.post(
        f"/api/imports/{kind}/{action}",
        files={"file": (name, data, "text/csv")},
        data=form,
        headers=headers,
    )


def talent_upserts(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        c["record"]["id"]: c["record"]
        for c in changes
        if c["op"] == "upsert" and c["record"]["entity"] == "talent"
    }


async def test_preview_commit_pull_undo(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    phone = Device(client, await login(client, "zhangsan", "phone-1"), "phone-1")
    _, cursor = await phone.pull_all()
    data = csv_file(GOOD + BAD)

    preview = await upload(client, admin, "preview", data)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["mapping"]["name"] == "姓名" and body["mapping"]["phone"] == "联系电话"
    assert (body["created"], body["updated"], body["errors"]) == (3, 0, 2)
    by_row = {r["row"]: r for r in body["rows"]}
    assert by_row[5]["messages"] == ["缺少姓名"]
    assert any("未知镇街「火星镇」" in m for m in by_row[6]["messages"])
    assert any("联系电话「12345」" in m for m in by_row[6]["messages"])
    assert await Talent.count() == 200  # a dry run writes nothing

    refused = await upload(client, admin, "commit", data)
    assert refused.status_code == 422 and refused.json()["code"] == "import.rows_invalid"
    assert await Talent.count() == 200 and await ImportBatch.count() == 0

    committed = await upload(client, admin, "commit", csv_file(GOOD))
    assert committed.status_code == 201, committed.text
    batch = committed.json()
    assert (batch["created"], batch["updated"]) == (3, 0)
    assert await AuditLog.exists().where(AuditLog.action == "import.commit")

    changes, cursor = await phone.pull_all(cursor)
    pulled = {t["name"]: t for t in talent_upserts(changes).values()}
    # The phone's scope is 城关镇: the 东湖街道 talent does not reach it.
    assert set(pulled) == {"李新一", "王新二"}
    assert pulled["李新一"]["phone_masked"] == "138****1111"
    assert pulled["李新一"]["category"] == "professional_tech"

    again = await upload(client, admin, "preview", csv_file(GOOD))
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)

    listing = (await client.get("/api/imports/batches", headers=admin)).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == batch["id"]
    undone = await client.post(f"/api/imports/batches/{batch['id']}/undo", headers=admin)
    assert undone.status_code == 200 and undone.json()["undone_at"]
    changes, _ = await phone.pull_all(cursor)
    gone = {c["id"] for c in changes if c["op"] == "delete" and c["entity"] == "talent"}
    assert gone == {t["id"] for t in pulled.values()}
    twice = await client.post(f"/api/imports/batches/{batch['id']}/undo", headers=admin)
    assert twice.status_code == 409 and twice.json()["code"] == "import.already_undone"


async def test_update_by_key_and_undo_restores(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    talent = await Talent.select().where(Talent.id == demo_id("talent/0")).first()
    assert talent is not None
    line = f"{talent['name']},{talent['employer']},城关镇,党政,13912345678,Z"
    preview = (await upload(client, admin, "preview", csv_file([line]))).json()
    assert (preview["created"], preview["updated"]) == (0, 1)
    assert set(preview["rows"][0]["changed"]) >= {"level", "phone"}
    batch = (await upload(client, admin, "commit", csv_file([line]))).json()
    changed = await Talent.select().where(Talent.id == talent["id"]).first()
    assert changed is not None and changed["level"] == "Z"
    assert changed["change_seq"] > talent["change_seq"]
    await client.post(f"/api/imports/batches/{batch['id']}/undo", headers=admin)
    restored = await Talent.select().where(Talent.id == talent["id"]).first()
    assert restored is not None
    assert (restored["level"], restored["phone_encrypted"], restored["category"]) == (
        talent["level"],
        talent["phone_encrypted"],
        talent["category"],
    )
    assert restored["change_seq"] > changed["change_seq"] and restored["deleted_at"] is None


async def test_duplicates_in_file_are_both_refused(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    body = (await upload(client, admin, "preview", csv_file([GOOD[0], GOOD[0]]))).json()
    assert body["errors"] == 2
    assert "与第 3 行重复" in body["rows"][0]["messages"][0]


async def test_gb18030_and_bom_csv(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    for data in (csv_file(GOOD, "gb18030"), b"\xef\xbb\xbf" + csv_file(GOOD)):
        body = (await upload(client, admin, "preview", data)).json()
        assert body["mapping"]["township"] == "所在镇街", body
        assert body["created"] == 3


def xlsx(rows: list[list[Any]], merge: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_xlsx_with_numbers_and_formulas(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    data = xlsx(
        [
            ["姓名", "工作单位", "所在镇街", "人才类别", "联系电话"],
            ["孙新五", "某厂", "南山镇", "高技能人才", 13800003333],
            ["周新六", "某厂", "南山镇", "高技能人才", "=A2&B2"],
        ]
    )
    body = (await upload(client, admin, "preview", data, "名单.xlsx")).json()
    assert [r["action"] for r in body["rows"]] == ["create", "error"]
    assert "公式" in body["rows"][1]["messages"][0]


async def test_bad_files_have_answers(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    cases = {
        "import.empty_file": b"",
        "import.not_a_spreadsheet": b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR",
        "import.header_blank": xlsx([["姓名", "所在镇街", None, "人才类别"]], merge="B1:C1"),
        "import.too_many_rows": csv_file(["某,某,城关镇,党政,,"] * 100_000),
    }
    for code, data in cases.items():
        response = await upload(client, admin, "preview", data)
        assert response.status_code == 400, (code, response.text)
        assert response.json()["code"] == code
        assert response.json()["details"]["field"] == "file"
    broken_zip = await upload(client, admin, "preview", b"PK\x03\x04garbage", "x.xlsx")
    assert broken_zip.json()["code"] == "import.not_a_spreadsheet"
    unmapped = await upload(client, admin, "preview", b"\xe5\xa7\x93\xe5\x90\x8d\nx\n")
    assert unmapped.json()["code"] == "import.required_unmapped"
    no_file = await client.post("/api/imports/talent/preview", headers=admin, data={"a": "b"})
    assert no_file.json()["code"] == "import.no_file"
    bad_map = await upload(client, admin, "preview", csv_file(GOOD), mapping='{"name": "无此列"}')
    assert bad_map.json()["code"] == "import.unknown_header"
    assert await Talent.count() == 200


async def test_mapping_is_editable(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    data = "人名,镇,类\n吴新七,城关镇,党政\n".encode()
    mapping = '{"name": "人名", "township": "镇", "category": "类"}'
    body = (await upload(client, admin, "preview", data, mapping=mapping)).json()
    assert body["created"] == 1, body


async def test_only_admins_within_their_subtree(client: httpx.AsyncClient) -> None:
    supervisor = await login(client, "zhaoli")
    denied = await upload(client, supervisor, "preview", csv_file(GOOD))
    assert denied.status_code == 403
    await accounts.create_user("nsadmin", DEMO_PASSWORD, "南山管理员", "admin", demo_id("南山镇"))
    township_admin = await login(client, "nsadmin")
    body = (await upload(client, township_admin, "preview", csv_file(GOOD))).json()
    assert body["errors"] == 3  # 城关镇 and 东湖街道 are not theirs
    assert "不在您的管辖范围内" in body["rows"][0]["messages"][0]
    admin = await login(client, "admin")
    batch = (await upload(client, admin, "commit", csv_file(GOOD))).json()
    other = await client.post(f"/api/imports/batches/{batch['id']}/undo", headers=township_admin)
    assert other.status_code == 404
    assert (await client.get("/api/imports/batches", headers=township_admin)).json()["total"] == 0


async def test_template_download(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    response = await client.get("/api/imports/talent/template", headers=admin)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf" + "姓名,工作单位,所在镇街".encode())
    unknown = await client.get("/api/imports/nothing/template", headers=admin)
    assert unknown.json()["code"] == "import.unknown_kind"


async def test_service_centres_by_name_and_village(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    data = (
        "名称,所在镇街,所在村社区,地址,纬度,经度\n"
        "东门社区新活动中心,城关镇,东门社区,东门路1号,30.1,120.2\n"
        "无名中心,城关镇,不存在村,,,\n"
        "坐标错,城关镇,南关村,,abc,\n"
    ).encode()
    body = (await upload(client, admin, "preview", data, kind="service_center")).json()
    assert [r["action"] for r in body["rows"]] == ["create", "error", "error"], body
    assert "不存在村" in body["rows"][1]["messages"][0]
    assert "纬度" in body["rows"][2]["messages"][0]
    good = "\n".join(data.decode().splitlines()[:2]).encode()
    batch = await upload(client, admin, "commit", good, kind="service_center")
    assert batch.status_code == 201 and batch.json()["created"] == 1
    again = (await upload(client, admin, "preview", good, kind="service_center")).json()
    assert again["unchanged"] == 1
