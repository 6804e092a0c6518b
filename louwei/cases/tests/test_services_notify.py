"""Who is told of what (无事不扰、有求必应): the messages each step of the loop leaves in the
notification service, after the commit, once."""

import pytest

from louwei.accounts.models import RoleKind
from louwei.cases import services
from louwei.cases.models import Status
from louwei.notifications.models import Message
from louwei.testing.factories import UserFactory, grant

from .services_world import raise_by, raise_visitor, to_status, world  # noqa: F401

pytestmark = pytest.mark.django_db


def told(event=None):
    """{(user id, event)} of the inbox messages so far."""
    messages = Message.objects.filter(channel="inbox")
    if event:
        messages = messages.filter(event=event)
    return set(messages.values_list("user_id", "event"))


def new_messages(capture, call):
    before = set(Message.objects.filter(channel="inbox").values_list("pk", flat=True))
    with capture(execute=True):
        result = call()
    fresh = Message.objects.filter(channel="inbox").exclude(pk__in=before)
    return result, {(m.user_id, m.event) for m in fresh}


def test_nothing_before_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        raise_by(world)
    assert callbacks and not Message.objects.exists()


def test_each_step_tells_the_right_people(world, django_capture_on_commit_callbacks):
    c = django_capture_on_commit_callbacks
    w = world
    case, got = new_messages(c, lambda: raise_by(w))
    assert got == {(w.leader.pk, "case.new")}
    case, got = new_messages(c, lambda: services.pass_on(actor=w.leader, case=case))
    assert got == {(w.secretary.pk, "case.referred"), (w.member.pk, "case.referred")}
    case, got = new_messages(c, lambda: services.accept(actor=w.secretary, case=case))
    assert got == set()
    case, got = new_messages(c, lambda: services.dispatch(actor=w.secretary, case=case, handler=w.handler))
    assert got == {(w.handler_staff.pk, "case.assigned"), (w.handler_manager.pk, "case.assigned")}
    case, got = new_messages(c, lambda: services.reply(actor=w.handler_staff, case=case, text="已处理"))
    assert got == {(w.secretary.pk, "case.replied")}
    case, got = new_messages(c, lambda: services.return_reply(actor=w.secretary, case=case, reason="未完成"))
    assert got == {(w.handler_staff.pk, "case.assigned"), (w.handler_manager.pk, "case.assigned")}
    case, got = new_messages(c, lambda: services.reassign(actor=w.secretary, case=case, handler=w.other_handler,
                                                          reason="换单位"))
    assert got == {(w.other_handler_staff.pk, "case.assigned")}
    case, got = new_messages(c, lambda: services.reply(actor=w.other_handler_staff, case=case, text="已处理"))
    case, got = new_messages(c, lambda: services.close(actor=w.secretary, case=case))
    assert got == {(w.employee.pk, "case.update")}
    _note, got = new_messages(c, lambda: services.add_note(actor=w.secretary, case=case, text="感谢反馈", public=True))
    assert got == {(w.employee.pk, "case.update")}
    _note, got = new_messages(c, lambda: services.add_note(actor=w.secretary, case=case, text="内部"))
    assert got == set()
    case, got = new_messages(c, lambda: services.rate(actor=w.employee, case=case, rating="dissatisfied",
                                                      comment="还是不行"))
    assert got == {(w.secretary.pk, "case.referred"), (w.member.pk, "case.referred"),
                   (w.other_handler_staff.pk, "case.assigned")}


def test_answer_decline_merge_tell_the_submitter(world, django_capture_on_commit_callbacks):
    c, w = django_capture_on_commit_callbacks, world
    first, second = raise_by(w), raise_by(w)
    _case, got = new_messages(c, lambda: services.answer(actor=w.leader, case=first, text="已处理"))
    assert got == {(w.employee.pk, "case.update")}
    _case, got = new_messages(c, lambda: services.decline(actor=w.secretary, case=second, reason="out_of_scope",
                                                          text="不属于范围"))
    assert got == {(w.employee.pk, "case.update")}
    original = raise_by(w, w.contact)
    duplicate = raise_by(w)
    _case, got = new_messages(c, lambda: services.merge(actor=w.secretary, case=duplicate, into=original))
    assert got == {(w.employee.pk, "case.update")}
    # the duplicate's submitter now hears of the original too
    original = to_status(w, Status.REPLIED, case=original)
    _case, got = new_messages(c, lambda: services.close(actor=w.secretary, case=original))
    assert got == {(w.employee.pk, "case.update"), (w.contact.pk, "case.update")}


def test_visitors_get_no_messages_and_submitter_information_goes_to_whoever_is_on_it(
        world, django_capture_on_commit_callbacks):
    c, w = django_capture_on_commit_callbacks, world
    raised, got = new_messages(c, lambda: raise_visitor(w))
    assert got == {(w.leader.pk, "case.new")}
    _e, got = new_messages(c, lambda: services.add_note(actor=None, case=raised.case, text="补充：三号电梯",
                                                        public=True, token=raised.token))
    assert got == {(w.leader.pk, "case.new")}
    case = to_status(w, Status.DISPATCHED, case=raised.case)
    _e, got = new_messages(c, lambda: services.add_note(actor=None, case=case, text="补充：四号电梯", public=True,
                                                        token=raised.token))
    assert got == {(w.handler_staff.pk, "case.assigned"), (w.handler_manager.pk, "case.assigned")}
    case, got = new_messages(c, lambda: to_status(w, Status.CLOSED, case=case))
    assert all(event != "case.update" for _u, event in got)  # no account to tell


def test_ended_roles_and_inactive_people_are_not_told(world, django_capture_on_commit_callbacks):
    from django.utils import timezone

    w = world
    w.secretary.roles.update(ended_at=timezone.now())
    w.member.is_active = False
    w.member.save()
    second = UserFactory()
    grant(second, RoleKind.COMMITTEE_SECRETARY, w.building)
    case = raise_by(w)
    _case, got = new_messages(django_capture_on_commit_callbacks, lambda: services.pass_on(actor=w.leader, case=case))
    assert got == {(second.pk, "case.referred")}


def test_messages_link_to_the_case_and_are_not_repeated(world, django_capture_on_commit_callbacks):
    from louwei.cases import notify

    with django_capture_on_commit_callbacks(execute=True):
        case = raise_by(world)
    message = Message.objects.get(channel="inbox", user=world.leader)
    assert message.url == f"/cases/{case.number}/" and case.number in message.title
    assert message.key == f"case:{case.pk}:new" and message.building_id == world.building.pk
    assert notify.raised(case) == 0  # the same occurrence again: nobody is told twice
