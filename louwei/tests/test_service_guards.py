"""Every state-changing service asks ``louwei.access`` itself (docs/architecture.md, "The guard rule").

The services are discovered, not listed by hand: every public function of each ``louwei/*/services.py``
(and of ``louwei/open311/keys.py``, the Open311 keys' services). A function with a required keyword
``actor`` is a service and must have a row in ``CALLS`` below: its minimal valid arguments and a person
without the right. It is called as that person and must raise ``PermissionDenied`` having written
nothing (no audit row, no row anywhere, the objects it was given unchanged). Every other public
function must be in ``NOT_SERVICES`` with the reason it changes nothing a person asked for. So a new
service without a row fails here, and a row whose guard is removed fails too.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.utils import timezone

import louwei
from louwei.accounts.models import RoleKind
from louwei.cases.models import Category, DeadlineRule
from louwei.cases.tests.services_world import raise_by, to_status, world  # noqa: F401 (the fixture)
from louwei.centre.models import Facility, ServiceCentre
from louwei.committee.models import FloorLeader
from louwei.core.models import AuditEvent
from louwei.notices.models import Attachment, Delivery, Notice
from louwei.notifications.models import WebhookEndpoint
from louwei.testing.factories import (
    EnterpriseContactFactory,
    HandlerMemberFactory,
    UnitFactory,
    category,
)

MODULES = sorted(
    f"louwei.{path.parent.name}.services" for path in Path(louwei.__file__).parent.glob("*/services.py")
) + ["louwei.open311.keys"]

# Public functions that are not a person's action, each with why (keep it short; a new entry needs a
# reason a reviewer accepts).
NOT_SERVICES = {
    # Pure helpers and reads: they write nothing.
    "louwei.buildings.services.normalise_unit_number": "text helper",
    "louwei.buildings.services.check_party_members": "validator",
    "louwei.buildings.services.already_occupies": "builds an error",
    "louwei.buildings.services.unit_created_event": "builds an audit event",
    "louwei.buildings.services.enterprise_created_event": "builds an audit event",
    "louwei.buildings.services.enterprise_updated_event": "builds an audit event",
    "louwei.buildings.services.contact_added_event": "builds an audit event",
    "louwei.buildings.services.contact_updated_event": "builds an audit event",
    "louwei.buildings.services.moved_in_event": "builds an audit event",
    "louwei.buildings.services.move_in_date_changed_event": "builds an audit event",
    "louwei.committee.services.default_committee_name": "text helper",
    "louwei.committee.services.prepare_photo": "checks an upload, stores nothing",
    "louwei.holidays.services.last_year": "read",
    "louwei.holidays.services.check_year": "validator",
    "louwei.holidays.services.runs": "pure",
    "louwei.holidays.services.as_text": "pure",
    "louwei.holidays.services.plan_year": "preview, writes nothing",
    "louwei.holidays.services.current_text": "read",
    "louwei.jobs.services.at_once": "read",
    "louwei.notices.services.spec_for": "pure",
    "louwei.notices.services.notice_url": "pure",
    "louwei.notices.services.check_attachment": "validator",
    "louwei.notices.services.current_notices_q": "pure",
    "louwei.notifications.services.endpoints_for": "read",
    "louwei.notifications.services.settings_for": "read",
    "louwei.notifications.services.enabled_channels": "read",
    "louwei.open311.keys.districts_for": "read",
    "louwei.open311.keys.may_manage_keys": "permission question",
    "louwei.open311.keys.may_manage": "permission question",
    "louwei.open311.keys.keys_for": "read",
    "louwei.open311.keys.check": "authenticates a client (keeps last_used_at)",
    # Internal steps of guarded services.
    "louwei.cases.services.next_number": "numbering inside raise_case",
    "louwei.notifications.services.notify": "delivery plumbing, called by guarded services",
    "louwei.notifications.services.notify_groups": "delivery plumbing, called by guarded services",
    # What only the system runs (periodic jobs, signal receivers); no face calls them.
    "louwei.cases.services.check_deadlines": "periodic job",
    "louwei.cases.services.recompute_deadlines": "task after the calendar changed",
    "louwei.notices.services.publish_due": "periodic job (publishes as access.SYSTEM)",
    "louwei.notices.services.deliver_current_notices": "receiver of occupancy_started",
    "louwei.notices.services.deliver_current_notices_to": "receiver of occupancies_started",
    "louwei.notices.services.occupancy_started": "signal receiver",
    "louwei.notices.services.occupancies_started": "signal receiver",
    "louwei.notices.services.deliver_to_todays_newcomers": "daily job",
}


def public_functions():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(value) or value.__module__ != name:
                continue
            yield f"{name}.{attr}", value


def takes_actor(function) -> bool:
    parameter = inspect.signature(function).parameters.get("actor")
    return (parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY
            and parameter.default is inspect.Parameter.empty)


def services():
    return sorted(name for name, function in public_functions() if takes_actor(function))


# ----------------------------------------------------------------------------------------------
# The minimal valid arguments of each service, and who calls it without the right. ``w`` is the
# cases' world (louwei/cases/tests/services_world.py): a building with a floor leader, a
# secretary, an enterprise with a contact and an employee, handlers; ``w.other_secretary`` is the
# secretary of another building, ``w.outsider`` a person with no role.

ANONYMOUS = "anonymous"


def _centre(w):
    return ServiceCentre.objects.create(building=w.building, floor=w.floor, name="服务中心")


def _facility(w):
    return Facility.objects.create(centre=_centre(w), name="会议室", kind="meeting_room")


def _draft(w):
    from louwei.notices import services

    return services.create_draft(actor=w.secretary, scope=w.building, title="停水通知", body="周六停水。")


def _published(w):
    from louwei.notices import services

    return services.publish(actor=w.secretary, notice=_draft(w))


def _scheduled(w):
    from louwei.notices import services

    return services.schedule(actor=w.secretary, notice=_draft(w),
                             publish_at=timezone.now() + datetime.timedelta(days=1))


def _attachment(w):
    notice = _draft(w)
    return Attachment.objects.create(notice=notice, file="notices/x.pdf", name="x.pdf", size=10,
                                     content_type="application/pdf")


def _pdf():
    return SimpleUploadedFile("通知.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _leader(w):
    return FloorLeader.objects.serving().get(floor=w.floor)


def _term(w):
    return _leader(w).term


def _occupancy(w):
    return w.enterprise.occupancies.get()


def _endpoint(w):
    return WebhookEndpoint.objects.create(building=w.building, name="群", kind="wecom",
                                          url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x")


def _token(w):
    from louwei.api.services import create_token

    return create_token(actor=w.employee, user=w.employee).token


def _key(w):
    from louwei.open311 import keys

    return keys.issue_key(actor=w.district, name="热线", party_committee=w.building.party_committee).key


def _role(w):
    from louwei.accounts.models import Role

    return Role.objects.get(user=w.contact, kind=RoleKind.ENTERPRISE_CONTACT)


def _delivery(w):
    """The delivery to the enterprise of floor 5 (``w.other_leader`` leads floor 6)."""
    return Delivery.objects.get(notice=_published(w), enterprise=w.enterprise)


CALLS = {
    # accounts
    "louwei.accounts.services.create_user": ("other_secretary", lambda w: {"username": "new-person"}),
    "louwei.accounts.services.create_person": (
        "other_secretary", lambda w: {"name": "王小明", "phone": "13912345000", "where": w.floor}),
    "louwei.accounts.services.update_profile": ("other_secretary", lambda w: {"user": w.employee, "name": "改名"}),
    "louwei.accounts.services.change_password": (
        "other_secretary", lambda w: {"user": w.employee, "new_password": "A-much-longer-pass-42"}),
    "louwei.accounts.services.grant_role": (
        "other_secretary", lambda w: {"user": w.outsider, "kind": RoleKind.FLOOR_LEADER, "scope": w.other_floor}),
    "louwei.accounts.services.end_role": ("other_secretary", lambda w: {"role": _role(w)}),
    # api tokens
    "louwei.api.services.create_token": ("other_secretary", lambda w: {"user": w.employee}),
    "louwei.api.services.revoke_token": ("other_secretary", lambda w: {"token": _token(w)}),
    # buildings
    "louwei.buildings.services.update_building": ("other_secretary", lambda w: {"building": w.building, "name": "新"}),
    "louwei.buildings.services.create_floor": ("other_secretary", lambda w: {"building": w.building, "number": 9}),
    "louwei.buildings.services.create_unit": ("other_secretary", lambda w: {"floor": w.floor, "number": "0599"}),
    "louwei.buildings.services.create_units": ("other_secretary", lambda w: {"floor": w.floor, "numbers": ["0598"]}),
    "louwei.buildings.services.update_unit": (
        "other_secretary", lambda w: {"unit": UnitFactory(floor=w.floor), "number": "0597"}),
    "louwei.buildings.services.find_or_create_unit": ("other_secretary", lambda w: {"floor": w.floor, "number": "0596"}),
    "louwei.buildings.services.create_enterprise": ("other_secretary", lambda w: {
        "name": "新公司", "uscc": "91370800MA3C00001X", "industry": "I", "floor": w.floor, "unit_number": "0595",
        "moved_in_on": timezone.localdate()}),
    "louwei.buildings.services.update_enterprise": (
        "other_secretary", lambda w: {"enterprise": w.enterprise, "name": "改名公司"}),
    "louwei.buildings.services.add_contact": (
        "other_secretary", lambda w: {"enterprise": w.enterprise, "name": "李四", "phone": "13912345001"}),
    "louwei.buildings.services.update_contact": (
        "other_secretary", lambda w: {"contact": EnterpriseContactFactory(enterprise=w.enterprise), "name": "王五"}),
    "louwei.buildings.services.remove_contact": (
        "other_secretary", lambda w: {"contact": EnterpriseContactFactory(enterprise=w.enterprise)}),
    "louwei.buildings.services.move_in": ("other_secretary", lambda w: {
        "enterprise": w.enterprise, "floor": w.other_floor, "unit_number": "0601", "started_on": timezone.localdate()}),
    "louwei.buildings.services.move_out": (
        "other_secretary", lambda w: {"occupancy": _occupancy(w), "ended_on": timezone.localdate()}),
    # cases
    "louwei.cases.services.raise_case": ("other_secretary", lambda w: {
        "floor": w.floor, "category": category("repairs"), "description": "五楼走廊的灯坏了。", "channel": "phone",
        "enterprise": w.enterprise}),
    "louwei.cases.services.support_case": (None, lambda w: {"case": raise_by(w)}),
    "louwei.cases.services.answer": ("other_secretary", lambda w: {"case": raise_by(w), "text": "已处理好了。"}),
    "louwei.cases.services.pass_on": ("other_secretary", lambda w: {"case": raise_by(w)}),
    "louwei.cases.services.accept": ("other_secretary", lambda w: {"case": to_status(w, "referred")}),
    "louwei.cases.services.decline": ("other_secretary", lambda w: {
        "case": to_status(w, "referred"), "reason": "out_of_scope", "text": "不属于楼宇管理范围。"}),
    "louwei.cases.services.merge": ("other_secretary", lambda w: {
        "case": to_status(w, "referred"), "into": raise_by(w, w.contact, description="五楼灯不亮了。")}),
    "louwei.cases.services.dispatch": (
        "other_secretary", lambda w: {"case": to_status(w, "accepted"), "handler": w.handler}),
    "louwei.cases.services.reassign": ("other_secretary", lambda w: {
        "case": to_status(w, "dispatched"), "handler": w.other_handler, "reason": "不归物业管。"}),
    "louwei.cases.services.reply": ("other_secretary", lambda w: {"case": to_status(w, "dispatched"), "text": "已修。"}),
    "louwei.cases.services.return_reply": (
        "other_secretary", lambda w: {"case": to_status(w, "replied"), "reason": "没有修好。"}),
    "louwei.cases.services.close": ("other_secretary", lambda w: {"case": to_status(w, "replied")}),
    "louwei.cases.services.add_note": ("other_secretary", lambda w: {"case": raise_by(w), "text": "内部备注"}),
    "louwei.cases.services.rate": ("other_secretary", lambda w: {"case": to_status(w, "closed"), "rating": "satisfied"}),
    "louwei.cases.services.record_follow_up": (
        "other_secretary", lambda w: {"case": to_status(w, "closed"), "reached": False}),
    "louwei.cases.services.reopen": ("other_secretary", lambda w: {"case": to_status(w, "closed"), "reason": "又坏了。"}),
    "louwei.cases.services.save_category": (
        "other_secretary", lambda w: {"category": Category.objects.get(code="repairs"), "name": "维修"}),
    "louwei.cases.services.save_deadline_rule": (
        "other_secretary", lambda w: {"rule": DeadlineRule.objects.order_by("pk").first(), "respond_amount": 3}),
    "louwei.cases.services.save_handler": ("other_secretary", lambda w: {"handler": w.handler, "name": "新名字"}),
    "louwei.cases.services.add_handler_member": (
        "other_secretary", lambda w: {"handler": w.handler, "user": w.outsider}),
    "louwei.cases.services.end_handler_member": (
        "other_secretary", lambda w: {"member": HandlerMemberFactory(handler=w.handler)}),
    # centre
    "louwei.centre.services.set_up_centre": (
        "other_secretary", lambda w: {"building": w.building, "floor": w.floor, "name": "党群服务中心"}),
    "louwei.centre.services.update_centre": ("other_secretary", lambda w: {"centre": _centre(w), "name": "新名"}),
    "louwei.centre.services.add_facility": ("other_secretary", lambda w: {"centre": _centre(w), "name": "活动室"}),
    "louwei.centre.services.update_facility": ("other_secretary", lambda w: {"facility": _facility(w), "name": "新"}),
    # committee
    "louwei.committee.services.ensure_committee": ("other_secretary", lambda w: {"building": w.building, "name": "新"}),
    "louwei.committee.services.create_term": ("other_secretary", lambda w: {
        "committee": _term(w).committee, "number": 99, "started_on": timezone.localdate()}),
    "louwei.committee.services.open_term": (
        "other_secretary", lambda w: {"building": w.building, "started_on": timezone.localdate()}),
    "louwei.committee.services.appoint_floor_leader": ("other_secretary", lambda w: {
        "floor": w.floor, "term": _term(w), "method": "assigned", "started_on": timezone.localdate(),
        "user": w.outsider, "public_phone": "13912345002"}),
    "louwei.committee.services.end_floor_leader": (
        "other_secretary", lambda w: {"leader": _leader(w), "ended_on": timezone.localdate()}),
    "louwei.committee.services.replace_floor_leader": ("other_secretary", lambda w: {
        "leader": _leader(w), "method": "assigned", "started_on": timezone.localdate(), "user": w.outsider,
        "public_phone": "13912345003"}),
    "louwei.committee.services.update_floor_leader": (
        "other_secretary", lambda w: {"leader": _leader(w), "public_phone": "13912345004"}),
    # holidays
    "louwei.holidays.services.save_year": ("other_secretary", lambda w: {"year": 2031, "days_off": "2031-01-01 元旦"}),
    # jobs
    "louwei.jobs.services.start": ("other_secretary", lambda w: {"kind": "roster.export", "target": w.building}),
    # notices
    "louwei.notices.services.create_draft": ("other_secretary", lambda w: {"scope": w.building, "title": "通知"}),
    "louwei.notices.services.update": ("other_secretary", lambda w: {"notice": _draft(w), "title": "改过的通知"}),
    "louwei.notices.services.schedule": ("other_secretary", lambda w: {
        "notice": _draft(w), "publish_at": timezone.now() + datetime.timedelta(days=1)}),
    "louwei.notices.services.unschedule": ("other_secretary", lambda w: {"notice": _scheduled(w)}),
    "louwei.notices.services.publish": ("other_secretary", lambda w: {"notice": _draft(w)}),
    "louwei.notices.services.withdraw": ("other_secretary", lambda w: {"notice": _published(w)}),
    "louwei.notices.services.delete_draft": ("other_secretary", lambda w: {"notice": _draft(w)}),
    "louwei.notices.services.add_attachment": ("other_secretary", lambda w: {"notice": _draft(w), "upload": _pdf()}),
    "louwei.notices.services.remove_attachment": ("other_secretary", lambda w: {"attachment": _attachment(w)}),
    "louwei.notices.services.mark_read": ("outsider", lambda w: {"notice": _published(w)}),
    "louwei.notices.services.record_relay": (
        "other_leader", lambda w: {"delivery": _delivery(w), "method": "in_person"}),
    "louwei.notices.services.remind_unread": ("other_secretary", lambda w: {"notice": _published(w)}),
    # notifications
    "louwei.notifications.services.mark_read": (ANONYMOUS, lambda w: {"message_id": 1}),
    "louwei.notifications.services.mark_all_read": (ANONYMOUS, lambda w: {}),
    "louwei.notifications.services.save_preferences": (ANONYMOUS, lambda w: {"choices": {}}),
    "louwei.notifications.services.save_endpoint": ("other_secretary", lambda w: {
        "building": w.building, "name": "群", "kind": "wecom",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=y"}),
    "louwei.notifications.services.test_endpoint": ("other_secretary", lambda w: {"endpoint": _endpoint(w)}),
    # open311 keys
    "louwei.open311.keys.issue_key": (
        "other_secretary", lambda w: {"name": "外部系统", "party_committee": w.building.party_committee}),
    "louwei.open311.keys.revoke_key": ("other_secretary", lambda w: {"key": _key(w)}),
}


def test_every_public_function_is_a_guarded_service_or_said_not_to_be_one():
    found = dict(public_functions())
    services_found = set(services())
    missing = sorted(services_found - set(CALLS))
    assert not missing, f"services without a row in CALLS (add one; see docs/architecture.md): {missing}"
    unclassified = sorted(set(found) - services_found - set(NOT_SERVICES))
    assert not unclassified, (
        f"public functions that take no required keyword `actor` and are not in NOT_SERVICES: {unclassified}")
    assert not services_found & set(NOT_SERVICES), "a service is listed as not being one"
    assert not set(CALLS) - services_found, f"rows for no service: {sorted(set(CALLS) - services_found)}"
    assert not set(NOT_SERVICES) - set(found), f"stale NOT_SERVICES: {sorted(set(NOT_SERVICES) - set(found))}"


def _rows() -> dict[str, int]:
    """The number of rows of every table (unmanaged ones, like SQLite's full-text index, excepted)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy}


def _state(value):
    """What the database holds of each model instance among the arguments."""
    if hasattr(value, "_meta") and getattr(value, "pk", None) is not None:
        fresh = type(value)._default_manager.filter(pk=value.pk).first()
        return (value._meta.label, value.pk, model_to_dict(fresh) if fresh is not None else None)
    return None


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_person_without_the_right_is_refused_and_nothing_is_written(world, name):  # noqa: F811
    module_name, function_name = name.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
    who, arguments = CALLS[name]
    kwargs = arguments(world)
    actor = AnonymousUser() if who == ANONYMOUS else (getattr(world, who) if who else None)
    before = [_state(v) for v in kwargs.values()]
    rows = _rows()
    audited = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        function(actor=actor, **kwargs)
    assert AuditEvent.objects.count() == audited
    assert _rows() == rows
    assert [_state(v) for v in kwargs.values()] == before


def test_the_system_actor_is_allowed_and_audited_with_no_person(world):
    """``access.SYSTEM`` passes the same guard (the scheduler publishes as the system)."""
    from louwei.access import SYSTEM
    from louwei.notices import services

    notice = services.publish(actor=SYSTEM, notice=_draft(world))
    assert notice.status == "published"
    assert AuditEvent.objects.filter(verb="notice.published").get().actor_id is None
    assert Notice.objects.get(pk=notice.pk).created_by == world.secretary
