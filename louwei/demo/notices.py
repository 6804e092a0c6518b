"""Demo notices and policies for the demo building (``load_demo`` calls :func:`load_demo_notices`).

Idempotent: a notice already there (same title in the same district) is left alone. Some are read by
the demo enterprise people, the fire-safety notice is left unread, so the floor-5 leader has a list
of "not yet read on my floors".
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from louwei import access
from louwei.accounts.models import Role, RoleKind
from louwei.buildings.models import Industry
from louwei.notices import services
from louwei.notices.models import Delivery, Notice

DEMO = [
    {
        "title": "高新技术企业认定补贴政策", "kind": "policy", "where": "district",
        "issuing_body": "市科学技术局", "document_number": "科发〔2026〕12号", "topic": "科技创新",
        "effective_on": datetime.date(2026, 1, 1), "expires_on": datetime.date(2027, 12, 31),
        "body": "对首次通过**高新技术企业认定**的企业给予一次性补贴：\n\n"
                "1. 补贴标准：每家 20 万元；\n2. 申报时间：每年 3 月至 5 月；\n"
                "3. 申报材料：认定证书、上年度财务审计报告。\n\n咨询电话：0537-2345678。",
        "audience": {"industries": [Industry.I, Industry.M]},
        "read": True,
    },
    {
        "title": "人才公寓申请通知", "kind": "notice", "where": "building",
        "body": "楼内企业引进的**高层次人才**可申请人才公寓，请于本月底前将申请表交至党群服务中心。",
        "audience": {"floors": [5, 6, 7]},
        "read": True,
    },
    {
        "title": "消防安全检查通知", "kind": "notice", "where": "building",
        "body": "本周四上午 9:00 起对全楼进行消防安全检查，请各企业：\n\n"
                "- 保持疏散通道畅通；\n- 检查灭火器有效期；\n- 安排一名联系人在场。",
        "audience": {},
        "read": False,
    },
    {
        "title": "税收优惠政策解读", "kind": "policy", "where": "district",
        "issuing_body": "区税务局", "document_number": "税函〔2026〕3号", "topic": "财税",
        "effective_on": datetime.date(2026, 1, 1),
        "body": "小型微利企业年应纳税所得额不超过 300 万元的部分，减按 25% 计入应纳税所得额，按 20% 的税率缴纳企业所得税。",
        "audience": {"max_employees": 300},
        "read": False,
    },
]


def load_demo_notices(building, district, actor=access.SYSTEM, district_actor=None) -> list[Notice]:
    """Make and publish the demo notices (once); returns them. ``actor`` writes the building's
    notices, ``district_actor`` (default ``actor``) the district's: each must be allowed to."""
    made = []
    floors = {f.number: f for f in building.floors.all()}
    for spec in DEMO:
        existing = Notice.objects.filter(title=spec["title"], party_committee=district).first()
        if existing is not None:
            made.append(existing)
            continue
        audience = dict(spec["audience"])
        if "floors" in audience:
            audience["floors"] = [floors[n] for n in audience["floors"] if n in floors]
        if spec["where"] == "district":
            scope = district
            audience.setdefault("buildings", [building])
            writer = district_actor or actor
        else:
            scope = building
            writer = actor
        fields = {k: spec[k] for k in ("kind", "body", "issuing_body", "document_number", "topic", "effective_on",
                                       "expires_on") if k in spec}
        notice = services.create_draft(actor=writer, scope=scope, title=spec["title"], audience=audience, **fields)
        notice = services.publish(actor=writer, notice=notice, now=timezone.now())
        if spec["read"]:
            _read_by_demo_people(notice)
        made.append(notice)
    return made


def _read_by_demo_people(notice: Notice) -> None:
    enterprises = Delivery.objects.filter(notice=notice).values("enterprise_id")
    roles = (
        Role.objects.active()
        .filter(kind__in=[RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE], enterprise_id__in=enterprises)
        .select_related("user")
    )
    for role in roles:
        role.user.forget_roles()
        services.mark_read(actor=role.user, notice=notice)
