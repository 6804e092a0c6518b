"""Who may see and do what to a case: the matrix of role × action × scope (handler staff, the
submitter and a visitor's private link included), checked on ``allowed_actions`` and again on
the services themselves, so that every denial is tested where it is enforced."""

import pytest
from django.core.exceptions import PermissionDenied

from louwei.cases import permissions, services
from louwei.cases.models import Status
from louwei.testing.factories import HandlerFactory, UserFactory

from .services_world import raise_by, raise_visitor, to_status, world  # noqa: F401

pytestmark = pytest.mark.django_db

NOTES = {"note", "public_note"}
COMMITTEE = {
    Status.SUBMITTED: {"accept", "decline", "merge"} | NOTES,
    Status.REFERRED: {"accept", "decline", "merge"} | NOTES,
    Status.ACCEPTED: {"merge", "dispatch"} | NOTES,
    Status.DISPATCHED: {"reassign", "reply"} | NOTES,
    Status.REPLIED: {"return_reply", "close"} | NOTES,
    Status.CLOSED: {"follow_up", "reopen"} | NOTES,
    Status.DECLINED: NOTES,
    Status.MERGED: NOTES,
}
OPEN = {Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED}
HANDLED = {Status.DISPATCHED, Status.REPLIED, Status.CLOSED}


def expected(who: str, status: str) -> set[str]:
    if who in ("secretary", "member", "district"):
        return COMMITTEE[status]
    if who == "leader":
        return ({"answer", "pass_on"} if status == Status.SUBMITTED else set()) | NOTES
    if who in ("handler_staff", "handler_manager"):
        if status not in HANDLED:
            return set()
        return ({"reply"} if status == Status.DISPATCHED else set()) | NOTES
    if who == "employee":  # the submitter
        return {"public_note"} if status in OPEN else ({"rate"} if status == Status.CLOSED else set())
    if who == "contact":  # their enterprise's contact
        return {"public_note"} if status in OPEN else set()
    return set()  # property staff (view only), other floors, buildings, districts, handlers; strangers


ACTORS = ["leader", "other_leader", "secretary", "member", "district", "other_district", "other_secretary",
          "property_staff", "handler_staff", "handler_manager", "other_handler_staff", "contact", "employee",
          "other_employee", "outsider", "anonymous"]
STATUSES = [Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED, Status.CLOSED,
            Status.DECLINED, Status.MERGED]


def actor(world, who):
    return None if who == "anonymous" else getattr(world, who)


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_matrix(world, status):
    case = to_status(world, status)
    problems = []
    for who in ACTORS:
        got = permissions.allowed_actions(actor(world, who), case)
        if got != expected(who, status):
            problems.append((who, sorted(got), sorted(expected(who, status))))
    assert problems == []


@pytest.mark.parametrize("status", STATUSES)
def test_viewing_matrix(world, status):
    case = to_status(world, status)
    seeing = {"leader", "secretary", "member", "district", "property_staff", "contact", "employee"}
    if status in HANDLED:
        seeing |= {"handler_staff", "handler_manager"}
    for who in ACTORS:
        user = actor(world, who)
        assert permissions.may_view(user, case) is (who in seeing), who
        assert permissions.visible_cases(user).filter(pk=case.pk).exists() is (who in seeing), who


def test_former_handler_still_sees_a_reassigned_case(world):
    case = to_status(world, Status.DISPATCHED)
    case = services.reassign(actor=world.secretary, case=case, handler=world.other_handler, reason="换单位")
    for user in (world.handler_staff, world.other_handler_staff):
        assert permissions.may_view(user, case)
        assert list(permissions.visible_cases(user)) == [case]
    assert permissions.allowed_actions(world.handler_staff, case) == set()
    assert "reply" in permissions.allowed_actions(world.other_handler_staff, case)


def test_ended_membership_loses_the_cases(world):
    case = to_status(world, Status.DISPATCHED)
    membership = world.handler.members.get(user=world.handler_staff)
    services.end_handler_member(actor=world.secretary, member=membership)
    assert not permissions.may_view(world.handler_staff, case)
    assert permissions.allowed_actions(world.handler_staff, case) == set()


def test_visitor_link(world):
    raised = raise_visitor(world)
    other = raise_visitor(world)
    assert permissions.may_view(None, raised.case, token=raised.token)
    assert not permissions.may_view(None, raised.case, token=other.token)
    assert not permissions.may_view(None, raised.case, token="")
    assert not permissions.may_view(None, raised.case)
    assert permissions.allowed_actions(None, raised.case, token=raised.token) == {"public_note"}
    assert permissions.allowed_actions(None, raised.case, token=other.token) == set()
    assert permissions.visible_cases(None).count() == 0
    case = to_status(world, Status.CLOSED, case=raised.case)
    assert permissions.allowed_actions(None, case, token=raised.token) == {"rate"}
    case = services.rate(actor=None, case=case, rating="basically", token=raised.token)
    assert permissions.allowed_actions(None, case, token=raised.token) == set()


def test_superuser_may_do_everything_the_status_allows(world):
    boss = UserFactory(is_superuser=True)
    case = raise_by(world)
    assert permissions.allowed_actions(boss, case) == {"answer", "pass_on", "accept", "decline", "merge"} | NOTES
    assert permissions.may_view(boss, case) and permissions.visible_cases(boss).filter(pk=case.pk).exists()


def test_district_department_staff_reach_cases_dispatched_to_them(world):
    from louwei.testing.factories import HandlerMemberFactory

    department = HandlerFactory(building=None, party_committee=world.building.party_committee, kind="department")
    staff = HandlerMemberFactory(handler=department).user
    case = to_status(world, Status.ACCEPTED)
    assert not permissions.may_view(staff, case)
    case = services.dispatch(actor=world.secretary, case=case, handler=department)
    assert permissions.may_view(staff, case) and permissions.allowed_actions(staff, case) == {"reply"} | NOTES


def test_visible_cases_is_one_query(world, django_assert_num_queries):
    for _i in range(3):
        to_status(world, Status.DISPATCHED)
    for user in (world.handler_staff, world.employee, world.leader, world.district, world.contact):
        user = type(user).objects.get(pk=user.pk)  # roles not yet read
        with django_assert_num_queries(4):  # roles, followed originals, handler memberships, the cases
            list(permissions.visible_cases(user))


def test_handlers_offered(world):
    case = to_status(world, Status.ACCEPTED)
    department = HandlerFactory(building=None, party_committee=world.building.party_committee, kind="department")
    HandlerFactory(building=world.building, is_active=False)
    HandlerFactory()  # another building's
    offered = set(permissions.dispatchable_handlers(case))
    assert offered == {world.handler, world.other_handler, department}
    assert permissions.suggested_handler(case) == world.handler  # repairs → the property company
    case.category.default_handler = department
    case.category.save()
    assert permissions.suggested_handler(case) == department


def test_raise_for_figures_configure(world):
    assert permissions.may_raise_for(world.leader, world.floor)
    assert not permissions.may_raise_for(world.leader, world.other_floor)
    assert permissions.may_raise_for(world.property_staff, world.floor)
    assert not permissions.may_raise_for(world.employee, world.floor)
    assert not permissions.may_raise_for(None, world.floor)
    assert permissions.may_view_figures(world.member, world.building)
    assert not permissions.may_view_figures(world.leader, world.building)
    assert permissions.may_configure(world.secretary, world.building)
    assert not permissions.may_configure(world.member, world.building)
    assert permissions.may_configure(world.district, world.building.party_committee)
    assert permissions.may_configure_catalogue(world.district)
    assert not permissions.may_configure_catalogue(world.secretary)


# --- Every denial, on the services ------------------------------------------------------------

START = {
    "answer": Status.SUBMITTED, "pass_on": Status.SUBMITTED, "accept": Status.REFERRED, "decline": Status.REFERRED,
    "merge": Status.REFERRED, "dispatch": Status.ACCEPTED, "reassign": Status.DISPATCHED,
    "reply": Status.DISPATCHED, "return_reply": Status.REPLIED, "close": Status.REPLIED, "rate": Status.CLOSED,
    "follow_up": Status.CLOSED, "reopen": Status.CLOSED, "note": Status.DISPATCHED,
    "public_note": Status.DISPATCHED,
}


def perform(world, action, case, user):
    s, w = services, world
    calls = {
        "answer": lambda: s.answer(actor=user, case=case, text="已答复"),
        "pass_on": lambda: s.pass_on(actor=user, case=case),
        "accept": lambda: s.accept(actor=user, case=case),
        "decline": lambda: s.decline(actor=user, case=case, reason="out_of_scope", text="不属于范围"),
        "merge": lambda: s.merge(actor=user, case=case, into=raise_by(w, w.contact)),
        "dispatch": lambda: s.dispatch(actor=user, case=case, handler=w.handler),
        "reassign": lambda: s.reassign(actor=user, case=case, handler=w.other_handler, reason="换单位"),
        "reply": lambda: s.reply(actor=user, case=case, text="已处理"),
        "return_reply": lambda: s.return_reply(actor=user, case=case, reason="未处理完"),
        "close": lambda: s.close(actor=user, case=case),
        "rate": lambda: s.rate(actor=user, case=case, rating="satisfied"),
        "follow_up": lambda: s.record_follow_up(actor=user, case=case, reached=True, rating="satisfied"),
        "reopen": lambda: s.reopen(actor=user, case=case, reason="问题复发"),
        "note": lambda: s.add_note(actor=user, case=case, text="内部说明"),
        "public_note": lambda: s.add_note(actor=user, case=case, text="补充说明", public=True),
    }
    return calls[action]()


@pytest.mark.parametrize("action", sorted(START))
def test_every_denial_on_the_services(world, action):
    status = START[action]
    for who in ACTORS:
        if action in expected(who, status):
            continue
        case = to_status(world, status)
        with pytest.raises(PermissionDenied):
            perform(world, action, case, actor(world, who))
        case.refresh_from_db()
        assert case.status == status, (action, who)


@pytest.mark.parametrize("action", sorted(START))
def test_every_allowed_actor_succeeds(world, action):
    status = START[action]
    for who in ACTORS:
        if action in expected(who, status):
            perform(world, action, to_status(world, status), actor(world, who))


def test_configuration_denials(world):
    from louwei.cases.models import DeadlineRule
    from louwei.testing.factories import category

    for user in (world.secretary, world.member, world.leader, world.handler_manager, world.employee, None):
        with pytest.raises(PermissionDenied):
            services.save_category(actor=user, category=category("repairs"), name="修理")
        with pytest.raises(PermissionDenied):
            services.save_deadline_rule(actor=user, rule=DeadlineRule.objects.get(urgency="general"),
                                        resolve_amount=5)
    for user in (world.member, world.leader, world.property_staff, world.handler_manager, world.other_secretary,
                 world.other_district, None):
        with pytest.raises(PermissionDenied):
            services.save_handler(actor=user, building=world.building, name="新单位", kind="other")
        with pytest.raises(PermissionDenied):
            services.add_handler_member(actor=user, handler=world.handler, user=world.outsider)
        with pytest.raises(PermissionDenied):
            services.end_handler_member(actor=user, member=world.handler.members.first())
    with pytest.raises(PermissionDenied):  # a secretary configures their building, not the district
        services.save_handler(actor=world.secretary, party_committee=world.building.party_committee,
                              name="区住建局", kind="department")
