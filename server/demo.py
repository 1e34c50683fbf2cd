"""Demo data: one fictional county, its units, accounts, rosters, campaigns and checklist.

Deterministic (fixed random seed, ids derived with uuid5), so two machines seed the same county
and ``seed()`` is safe to run again. Nothing names a fixed year: the campaigns and the roster
belong to the year of the day the county is seeded (``campaign_dates``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from server.accounts import repository as accounts
from server.accounts.tables import OrgUnit
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate
from server.db import county_today
from server.rosters.pinyin import initials
from server.rosters.tables import TALENT_CATEGORIES, ServiceCenter, Talent
from server.security import FieldCipher
from server.settings import get_settings

NAMESPACE = uuid.UUID("6f1d1f0e-2b7c-4d52-9a57-0e4f3c1a5b00")
DEMO_PASSWORD = "demo1234"


#: How far back the demo campaigns reach at least: the demo records go back three weeks.
CAMPAIGN_LEAD = dt.timedelta(days=28)


def demo_id(name: str) -> uuid.UUID:
    """The fixed id of the demo row ``name`` (the same on every machine)."""
    return uuid.uuid5(NAMESPACE, name)


def campaign_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """The demo campaigns' first and last day when seeded on ``today``: this year, January 1 to
    December 31; seeded in January they open four weeks back instead, so the three weeks of demo
    records (and tests dated a few days back) still fall inside the year's campaign."""
    return min(dt.date(today.year, 1, 1), today - CAMPAIGN_LEAD), dt.date(today.year, 12, 31)


COUNTY = "清源县"
DEPARTMENTS = [
    "县委组织部",
    "县人力资源和社会保障局",
    "县教育局",
    "县卫生健康局",
    "县住房和城乡建设局",
]
TOWNSHIPS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "城关镇": (
        "township",
        [
            ("东门社区", "community"),
            ("西街社区", "community"),
            ("南关村", "village"),
            ("北郊村", "village"),
            ("柳林村", "village"),
            ("新华社区", "community"),
            ("桥头村", "village"),
        ],
    ),
    "东湖街道": (
        "subdistrict",
        [
            ("湖滨社区", "community"),
            ("望湖社区", "community"),
            ("东湖村", "village"),
            ("荷塘村", "village"),
            ("渔港社区", "community"),
            ("青石村", "village"),
            ("长堤社区", "community"),
        ],
    ),
    "南山镇": (
        "township",
        [
            ("南山村", "village"),
            ("茶园村", "village"),
            ("竹溪村", "village"),
            ("石门村", "village"),
            ("云岭村", "village"),
            ("南山社区", "community"),
            ("杨梅村", "village"),
        ],
    ),
    "北坪镇": (
        "township",
        [
            ("北坪村", "village"),
            ("高桥村", "village"),
            ("沙河村", "village"),
            ("枫树村", "village"),
            ("北坪社区", "community"),
            ("龙潭村", "village"),
            ("白云村", "village"),
        ],
    ),
}
# username, display name, role, unit
USERS = [
    ("zhangsan", "张三", "field_staff", "城关镇"),
    ("lisi", "李四", "field_staff", "东湖街道"),
    ("wangwu", "王五", "field_staff", "南山镇"),
    ("zhaoli", "赵丽", "supervisor", COUNTY),
    ("sunqiang", "孙强", "handler", "县人力资源和社会保障局"),
    ("admin", "管理员", "admin", COUNTY),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕文军晓东晓燕红梅玉兰春梅德明国庆建平小红志明"
EMPLOYERS = [
    "清源县人民医院",
    "清源县第一中学",
    "清源农业科技有限公司",
    "湖滨电子科技有限公司",
    "南山茶业合作社",
    "北坪农机专业合作社",
    "清源县农业农村局",
    "东湖生物医药有限公司",
    "清源职业技术学校",
    "城关镇卫生院",
    "清源建筑设计院",
    "云岭中药材种植基地",
    "龙潭水产养殖场",
    "清源县科技局",
    "湖滨社会工作服务中心",
]
FIELDS = [
    "临床医学",
    "中学教育",
    "农业技术",
    "电子信息",
    "茶叶加工",
    "农业机械",
    "生物医药",
    "职业教育",
    "建筑设计",
    "中药材",
    "水产养殖",
    "社会工作",
    "企业管理",
    "乡村治理",
]
TITLES = [
    "高级工程师",
    "副主任医师",
    "高级教师",
    "农艺师",
    "高级技师",
    "经济师",
    "社会工作师",
    "研究员",
    "",
]
LEVELS = ["A类", "B类", "C类", "D类", "E类"]

SEND_ITEMS = [
    {"key": "policy", "label": "送政策"},
    {"key": "service", "label": "送服务"},
    {"key": "care", "label": "送温暖"},
]
ASK_ITEMS = [
    {"key": "needs", "label": "问需"},
    {"key": "difficulties", "label": "问难"},
    {"key": "suggestions", "label": "问策"},
]
CHECKLIST: list[tuple[str, str, str, float, str]] = [
    (
        "阵地建设",
        "场所面积与功能布局",
        "服务中心面积达标，设置党员活动室、便民服务窗口等功能区",
        10,
        "site_check",
    ),
    ("阵地建设", "无障碍与便民设施", "设有无障碍通道、休息座椅、饮水设施", 5, "site_check"),
    ("标识与制度上墙", "统一标识标牌", "外观标识统一规范，党旗、党徽使用规范", 5, "site_check"),
    ("标识与制度上墙", "制度与流程公开", "服务事项、办事流程、工作制度公开上墙", 5, "site_check"),
    (
        "服务功能",
        "便民服务事项",
        "可办理社保、医保、民政等高频事项不少于10项",
        10,
        "document_review",
    ),
    ("服务功能", "代办帮办服务", "建立代办员队伍，提供代办帮办服务并有记录", 10, "document_review"),
    ("运行管理", "坐班值班制度", "工作日有人坐班，值班表公示，联系电话畅通", 10, "interview"),
    ("运行管理", "群众满意度", "随机走访群众，对服务中心的满意度", 10, "interview"),
    ("台账资料", "工作台账", "服务台账、会议记录、活动记录齐全规范", 10, "document_review"),
    (
        "党群活动",
        "主题党日与群众活动",
        "每月开展主题党日，每季度开展群众性活动",
        10,
        "document_review",
    ),
    ("环境", "环境卫生", "室内外整洁，物品摆放有序", 5, "site_check"),
    ("五常两聚", "常态化开放与常态化服务", "全天开放，常态化开展志愿服务", 5, "briefing"),
    ("五常两聚", "聚人气聚民心", "活动参与人数、群众评价等情况", 5, "briefing"),
]


async def seed() -> bool:
    """Create the demo county once, with this year's campaigns; returns False if it was already
    there."""
    if await OrgUnit.exists().where(OrgUnit.id == demo_id(COUNTY)):
        return False
    today = county_today()
    starts_on, ends_on = campaign_dates(today)
    rng = random.Random(20261124)
    cipher = FieldCipher(get_settings().secret_key)

    county = await accounts.create_org_unit(COUNTY, "county", unit_id=demo_id(COUNTY))
    units: dict[str, uuid.UUID] = {COUNTY: county.id}
    for name in DEPARTMENTS:
        units[name] = (
            await accounts.create_org_unit(name, "department", county.id, demo_id(name))
        ).id
    villages: list[tuple[str, uuid.UUID, str]] = []
    for township, (kind, children) in TOWNSHIPS.items():
        t = await accounts.create_org_unit(township, kind, county.id, demo_id(township))
        units[township] = t.id
        for child, child_kind in children:
            c = await accounts.create_org_unit(
                child, child_kind, t.id, demo_id(f"{township}/{child}")
            )
            villages.append((child, c.id, township))

    for i, (username, display, role, unit) in enumerate(USERS):
        await accounts.create_user(
            username,
            DEMO_PASSWORD,
            display,
            role,
            units[unit],
            phone_encrypted=cipher.encrypt(f"1380000{i:04d}"),
            user_id=demo_id(f"user/{username}"),
        )

    await Campaign.insert(
        Campaign(
            id=demo_id("campaign/sssw"),
            code="campaign.sssw",
            name=f"{today.year}年“三送三问”人才走访",
            org_unit=county.id,
            send_items=SEND_ITEMS,
            ask_items=ASK_ITEMS,
            target_kind="talent",
            starts_on=starts_on,
            ends_on=ends_on,
        ),
        Campaign(
            id=demo_id("campaign/slsc"),
            code="campaign.slsc",
            name=f"{today.year}年“三联三促”走访",
            org_unit=county.id,
            send_items=[
                {"key": "policy", "label": "联政策"},
                {"key": "service", "label": "联服务"},
                {"key": "care", "label": "联感情"},
            ],
            ask_items=[
                {"key": "greetings", "label": "问候"},
                {"key": "situation", "label": "问情"},
                {"key": "needs", "label": "问需"},
                {"key": "suggestions", "label": "问策"},
            ],
            target_kind="unit",
            starts_on=starts_on,
            ends_on=ends_on,
        ),
    )

    template_id = demo_id("template/centre")
    await ChecklistTemplate.insert(
        ChecklistTemplate(
            id=template_id,
            name="党群服务中心提标升级检查表（五常两聚）",
            description="村（社区）党群服务中心提标升级检查",
            org_unit=county.id,
        )
    )
    await ChecklistItem.insert(
        *[
            ChecklistItem(
                id=demo_id(f"item/{i}"),
                template=template_id,
                dimension=dim,
                title=title,
                standard=standard,
                max_score=score,
                method=method,
                position=i,
            )
            for i, (dim, title, standard, score, method) in enumerate(CHECKLIST)
        ]
    )

    townships = list(TOWNSHIPS)
    talents = []
    for i in range(200):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        talents.append(
            Talent(
                id=demo_id(f"talent/{i}"),
                name=name,
                name_initials=initials(name),
                employer=rng.choice(EMPLOYERS),
                org_unit=units[townships[i % 4]],
                category=rng.choice(TALENT_CATEGORIES),
                level=rng.choice(LEVELS),
                field=rng.choice(FIELDS),
                title=rng.choice(TITLES),
                phone_encrypted=cipher.encrypt(f"13{rng.randint(100000000, 999999999)}"),
                contact_leader=rng.choice(["刘县长", "陈部长", "周书记", "吴副县长"]),
                liaison_staff=rng.choice(["张三", "李四", "王五"]),
                roster_year=today.year,
            )
        )
    await Talent.insert(*talents)

    centres = []
    for village, unit_id, township in villages:
        name = f"{village}党群服务中心"
        centres.append(
            ServiceCenter(
                id=demo_id(f"centre/{township}/{village}"),
                name=name,
                name_initials=initials(name),
                org_unit=unit_id,
                address=f"{COUNTY}{township}{village}",
                latitude=round(28.20 + rng.uniform(-0.15, 0.15), 6),
                longitude=round(112.90 + rng.uniform(-0.15, 0.15), 6),
            )
        )
    for township in ("城关镇", "南山镇"):
        name = f"{township}党群服务中心"
        centres.append(
            ServiceCenter(
                id=demo_id(f"centre/{township}"),
                name=name,
                name_initials=initials(name),
                org_unit=units[township],
                address=f"{COUNTY}{township}人民政府旁",
                latitude=round(28.20 + rng.uniform(-0.1, 0.1), 6),
                longitude=round(112.90 + rng.uniform(-0.1, 0.1), 6),
            )
        )
    await ServiceCenter.insert(*centres)
    return True
