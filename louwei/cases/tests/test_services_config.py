"""Configuration through the services: categories, deadline rules, handlers and their staff."""

import pytest
from django.core.exceptions import ValidationError

from louwei.cases import services
from louwei.cases.models import Category, DeadlineRule, Handler, HandlerMember
from louwei.core.models import AuditEvent
from louwei.testing.factories import UserFactory, category

from .services_world import at, raise_by, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_category_create_and_edit(world):
    created = services.save_category(actor=world.district, code="greening", name="绿化", name_en="Greening",
                                     parent=category("building-services"), urgency="general",
                                     handler_kind="property")
    assert created.pk and created.parent.code == "building-services"
    assert AuditEvent.objects.filter(verb="case.category_created", target_id=str(created.pk)).exists()
    edited = services.save_category(actor=world.district, category=created, name="绿化养护", is_active=False)
    assert edited.name == "绿化养护" and not edited.is_active
    with pytest.raises(ValidationError):  # the code is unique
        services.save_category(actor=world.district, code="repairs", name="x", name_en="x")
    with pytest.raises(ValidationError):  # two levels only
        services.save_category(actor=world.district, category=created, parent=category("repairs"))
    with pytest.raises(ValidationError):  # a parent with children cannot become a child
        services.save_category(actor=world.district, category=category("building-services"),
                               parent=category("other"))
    with pytest.raises(TypeError):
        services.save_category(actor=world.district, category=created, colour="green")
    assert Category.objects.get(code="greening").parent.code == "building-services"


def test_deadline_rule_change_applies_to_new_cases(world):
    from freezegun import freeze_time

    with freeze_time("2026-11-30 10:00:00+08:00"):
        old = raise_by(world)
    rule = services.save_deadline_rule(actor=world.district, rule=DeadlineRule.objects.get(urgency="general"),
                                       resolve_amount=3)
    assert rule.resolve_amount == 3
    with freeze_time("2026-11-30 10:00:00+08:00"):
        new = raise_by(world)
    old.refresh_from_db()
    assert old.due_at == at(2026, 12, 9, 18, 0) and new.due_at == at(2026, 12, 3, 18, 0)
    for bad in ({"resolve_amount": 0}, {"respond_unit": "weeks"}, {"respond_amount": "two"}):
        with pytest.raises(ValidationError):
            services.save_deadline_rule(actor=world.district, rule=rule, **bad)


def test_handlers_and_their_staff(world):
    handler = services.save_handler(actor=world.secretary, building=world.building, name="保安公司", kind="other",
                                    phone="0537 1234567")
    assert handler.building == world.building and handler.phone == "0537-1234567"
    with pytest.raises(ValidationError):
        services.save_handler(actor=world.secretary, building=world.building, name="保安公司", kind="other")
    with pytest.raises(ValidationError):
        services.save_handler(actor=world.secretary, handler=handler, phone="123")
    with pytest.raises(ValidationError):
        services.save_handler(actor=world.district, name="无归属", kind="other")
    department = services.save_handler(actor=world.district, party_committee=world.building.party_committee,
                                       name="区市场监管局", kind="department")
    assert department.party_committee == world.building.party_committee
    person = UserFactory()
    member = services.add_handler_member(actor=world.secretary, handler=handler, user=person, is_manager=True)
    assert member.is_manager and member.ended_at is None
    with pytest.raises(ValidationError):
        services.add_handler_member(actor=world.secretary, handler=handler, user=person)
    ended = services.end_handler_member(actor=world.secretary, member=member)
    assert ended.ended_at is not None
    with pytest.raises(ValidationError):
        services.end_handler_member(actor=world.secretary, member=member)
    again = services.add_handler_member(actor=world.secretary, handler=handler, user=person)
    assert HandlerMember.objects.filter(handler=handler, user=person).count() == 2 and again.pk != member.pk
    services.save_handler(actor=world.secretary, handler=handler, is_active=False)
    assert not Handler.objects.get(pk=handler.pk).is_active


def test_admin_pages_open_and_cases_are_read_only(world, client):
    from louwei.cases.models import Case

    case = raise_by(world)
    boss = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(boss)
    for url in ("/admin/cases/category/", "/admin/cases/deadlinerule/", "/admin/cases/handler/",
                f"/admin/cases/handler/{world.handler.pk}/change/", "/admin/cases/case/",
                f"/admin/cases/case/{case.pk}/change/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/cases/case/add/").status_code == 403
    response = client.post(f"/admin/cases/case/{case.pk}/change/", {"status": "closed"})
    assert Case.objects.get(pk=case.pk).status == "submitted" and response.status_code in (200, 302, 403)
