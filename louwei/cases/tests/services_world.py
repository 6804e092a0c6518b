"""A small building with everyone the case loop involves, and helpers that walk a case to any status
through the services (shared by the services' tests: ``test_services_*``, ``test_permissions``,
``test_deadlines``, ``test_tasks``)."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from louwei.accounts.models import RoleKind
from louwei.cases import services
from louwei.cases.models import Case, Status
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    HandlerMemberFactory,
    UserFactory,
    category,
    enterprise_on,
    grant,
)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    """An aware datetime in Shanghai: at(2026, 10, 9, 10, 30)."""
    return datetime.datetime(*args, tzinfo=SH)


@dataclass
class World:
    building: object
    floor: object
    other_floor: object
    enterprise: object
    leader: object
    other_leader: object
    secretary: object
    member: object
    district: object
    other_district: object
    property_staff: object
    handler: object
    handler_staff: object
    handler_manager: object
    other_handler: object
    other_handler_staff: object
    contact: object
    employee: object
    other_employee: object
    outsider: object
    other_secretary: object


@pytest.fixture
def world(db) -> World:
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=5)
    other_floor = FloorFactory(building=building, number=6)
    leader = FloorLeaderFactory(floor=floor).user
    other_leader = FloorLeaderFactory(floor=other_floor).user
    enterprise = enterprise_on(floor)
    other_enterprise = enterprise_on(other_floor)

    def person(kind=None, scope=None, **kwargs):
        user = UserFactory(**kwargs)
        if kind:
            grant(user, kind, scope)
        return user

    other_building = BuildingFactory()
    handler = HandlerFactory(building=building, kind="property", name="物业公司")
    other_handler = HandlerFactory(building=building, kind="committee", name="楼委会")
    handler_staff = HandlerMemberFactory(handler=handler).user
    handler_manager = HandlerMemberFactory(handler=handler, is_manager=True).user
    other_handler_staff = HandlerMemberFactory(handler=other_handler).user
    return World(
        building=building, floor=floor, other_floor=other_floor, enterprise=enterprise,
        leader=leader, other_leader=other_leader,
        secretary=person(RoleKind.COMMITTEE_SECRETARY, building),
        member=person(RoleKind.COMMITTEE_MEMBER, building),
        district=person(RoleKind.DISTRICT_STAFF, building.party_committee),
        other_district=person(RoleKind.DISTRICT_STAFF, other_building.party_committee),
        property_staff=person(RoleKind.PROPERTY_STAFF, building),
        handler=handler, handler_staff=handler_staff, handler_manager=handler_manager,
        other_handler=other_handler, other_handler_staff=other_handler_staff,
        contact=person(RoleKind.ENTERPRISE_CONTACT, enterprise),
        employee=person(RoleKind.EMPLOYEE, enterprise),
        other_employee=person(RoleKind.EMPLOYEE, other_enterprise),
        outsider=person(),
        other_secretary=person(RoleKind.COMMITTEE_SECRETARY, other_building),
    )


def raise_by(w: World, user=None, *, code="repairs", **kwargs) -> Case:
    """A case raised on the world's floor by ``user`` (the employee by default)."""
    kwargs.setdefault("description", "五楼走廊的灯坏了，晚上很黑。")
    kwargs.setdefault("channel", "app")
    return services.raise_case(actor=user or w.employee, floor=w.floor, category=category(code), **kwargs).case


def raise_visitor(w: World, **kwargs) -> services.Raised:
    kwargs.setdefault("description", "电梯按钮失灵，请尽快处理。")
    return services.raise_case(
        actor=None, floor=w.floor, category=category(kwargs.pop("code", "lifts")), channel="qr",
        visitor=kwargs.pop("visitor", services.Visitor(name="王先生", phone="13912345678")), **kwargs,
    )


def to_status(w: World, status: str, *, case: Case | None = None, handler=True) -> Case:
    """A case walked through the services to ``status`` (closed: through reply and close), from
    wherever ``case`` stands on the way."""
    case = case or raise_by(w)
    if case.status == status:
        return case
    if status == Status.REFERRED:
        return services.pass_on(actor=w.leader, case=case)
    if status == Status.DECLINED:
        return services.decline(actor=w.secretary, case=case, reason="out_of_scope", text="不属于楼宇管理范围。")
    if status == Status.MERGED:
        original = raise_by(w, w.contact, description="五楼走廊灯不亮。")
        return services.merge(actor=w.secretary, case=case, into=original)
    order = [Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED, Status.CLOSED]
    steps = {
        Status.ACCEPTED: lambda c: services.accept(actor=w.secretary, case=c),
        Status.DISPATCHED: lambda c: services.dispatch(actor=w.secretary, case=c, handler=w.handler),
        Status.REPLIED: lambda c: services.reply(actor=w.handler_staff if c.handler_id == w.handler.pk
                                                 else w.secretary, case=c, text="已更换灯管。"),
        Status.CLOSED: lambda c: services.close(actor=w.secretary, case=c, text="已核实，灯已修好。"),
    }
    for step in order[order.index(max(case.status, Status.REFERRED, key=order.index)) + 1:order.index(status) + 1]:
        case = steps[step](case)
    return case


def png(size=(40, 30), color=(200, 10, 10), mode="RGB", fmt="PNG", name="photo.png", exif=None):
    from PIL import Image

    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
