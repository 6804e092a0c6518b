"""Deadlines through raise_case across a national holiday and make-up working days, and the
periodic check at chosen times: reminders (催办), overdue, escalation to the committee and the
district, the unanswered case; each once, each told to the right people."""

import pytest
from freezegun import freeze_time

from louwei.cases import deadlines, services
from louwei.cases.models import Case, CaseEvent, DeadlineRule, EventKind, Status
from louwei.notifications.models import Message

from .services_world import at, raise_by, raise_visitor, world  # noqa: F401

pytestmark = pytest.mark.django_db


def inbox(event, case=None):
    """The inbox recipients of ``event`` (for ``case``), as a set of user ids."""
    messages = Message.objects.filter(channel="inbox", event=event)
    if case is not None:
        messages = messages.filter(url__contains=case.number)
    return set(messages.values_list("user_id", flat=True))


def ids(*users):
    return {u.pk for u in users}


# --- Deadlines when raised -------------------------------------------------------------------------


def test_general_case_across_national_day_and_the_make_up_saturday(world):
    with freeze_time("2026-09-30 10:00:00+08:00"):
        case = raise_by(world)  # repairs: general, 1 and 7 working days
    assert case.respond_by == at(2026, 10, 8, 18, 0)  # 1–7 October are holidays
    # 8, 9, 10 (make-up Saturday), 12, 13, 14, 15 October
    assert case.due_at == at(2026, 10, 15, 18, 0)


def test_utilities_case_on_the_eve_of_the_make_up_saturday(world):
    with freeze_time("2026-10-09 16:00:00+08:00"):
        case = raise_by(world, code="lifts")  # utilities: 4 working hours, 24 hours
    assert case.respond_by == at(2026, 10, 10, 11, 0)  # 2 h on Friday, 2 h on the make-up Saturday
    assert case.due_at == at(2026, 10, 10, 16, 0)


def test_urgent_case_on_a_holiday_counts_round_the_clock(world):
    with freeze_time("2026-10-02 22:00:00+08:00"):
        case = raise_by(world, code="safety")
    assert case.respond_by == at(2026, 10, 3, 0, 0) and case.due_at == at(2026, 10, 3, 22, 0)


def test_complex_case_over_spring_festival(world):
    with freeze_time("2026-02-13 15:00:00+08:00"):
        case = raise_by(world, code="policy-support")  # complex: 1 and 15 working days
    assert case.respond_by == at(2026, 2, 14, 18, 0)  # the make-up Saturday
    assert case.due_at == at(2026, 3, 12, 18, 0)


def test_rules_are_configurable_and_respond_never_after_due(world):
    DeadlineRule.objects.filter(urgency="general").update(respond_amount=10, respond_unit="working_days",
                                                          resolve_amount=2, resolve_unit="working_days")
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world)
    assert case.due_at == at(2026, 12, 2, 18, 0) and case.respond_by == case.due_at


def test_the_numbers_in_one_place(world):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world)
    assert deadlines.REMINDER_AT == 0.8
    assert deadlines.reminder_at(case) == at(2026, 12, 7, 21, 12)  # 80 % of 224 hours
    assert deadlines.district_escalation_at(case) == at(2026, 12, 10, 18, 0)
    assert deadlines.follow_up_due_at(case) is None


# --- The periodic check -----------------------------------------------------------------------


@pytest.fixture
def dispatched(world):
    """A general case raised Mon 30 Nov 10:00 (due Wed 9 Dec 18:00), dispatched to the handler."""
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world)
        case = services.accept(actor=world.secretary, case=case, handler=world.handler)
    return case


def run(when, capture):
    with freeze_time(when), capture(execute=True):
        return services.check_deadlines()


def test_reminder_at_80_percent_once_to_the_handler(world, dispatched, django_capture_on_commit_callbacks):
    assert run("2026-12-07 21:00:00+08:00", django_capture_on_commit_callbacks)["reminded"] == 0
    counts = run("2026-12-07 21:15:00+08:00", django_capture_on_commit_callbacks)
    assert counts == {"reminded": 1, "overdue": 0, "escalated": 0, "unanswered": 0}
    case = Case.objects.get(pk=dispatched.pk)
    assert case.reminded_at == at(2026, 12, 7, 21, 15)
    event = case.events.get(kind=EventKind.REMINDED)
    assert not event.is_public and event.actor is None
    assert inbox("case.reminder", case) == ids(world.handler_staff, world.handler_manager)
    # again at the same time, and later: nothing more
    assert run("2026-12-07 21:15:00+08:00", django_capture_on_commit_callbacks)["reminded"] == 0
    assert run("2026-12-08 10:00:00+08:00", django_capture_on_commit_callbacks)["reminded"] == 0
    assert case.events.filter(kind=EventKind.REMINDED).count() == 1


def test_overdue_then_district(world, dispatched, django_capture_on_commit_callbacks):
    assert run("2026-12-09 17:59:00+08:00", django_capture_on_commit_callbacks)["overdue"] == 0
    counts = run("2026-12-09 18:00:00+08:00", django_capture_on_commit_callbacks)
    assert counts["overdue"] == 1 and counts["escalated"] == 0
    case = Case.objects.get(pk=dispatched.pk)
    assert case.overdue_at == at(2026, 12, 9, 18, 0) and case.escalation_level == 1
    # the handler's managers and the committee secretaries; not plain handler staff
    assert inbox("case.overdue", case) == ids(world.handler_manager, world.secretary)
    assert run("2026-12-10 17:59:00+08:00", django_capture_on_commit_callbacks) == {
        "reminded": 0, "overdue": 0, "escalated": 0, "unanswered": 0}
    counts = run("2026-12-10 18:00:00+08:00", django_capture_on_commit_callbacks)
    assert counts["escalated"] == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert inbox("case.overdue", case) == ids(world.handler_manager, world.secretary, world.district)
    assert world.other_district.pk not in inbox("case.overdue")
    assert run("2026-12-11 10:00:00+08:00", django_capture_on_commit_callbacks)["escalated"] == 0
    kinds = list(case.events.filter(kind__in=["overdue", "escalated"]).values_list("kind", "data"))
    assert kinds == [("overdue", {"escalation_level": 1, "handler": world.handler.pk}),
                     ("escalated", {"escalation_level": 2, "step": "district"})]


def test_district_escalation_waits_a_working_day_over_a_weekend(world, django_capture_on_commit_callbacks):
    with freeze_time("2026-12-03 18:00:00+08:00"):
        case = raise_by(world, code="lifts")  # utilities: due in 24 hours, Fri 4 Dec 18:00
    assert case.due_at == at(2026, 12, 4, 18, 0)
    assert run("2026-12-04 18:00:00+08:00", django_capture_on_commit_callbacks)["overdue"] == 1
    for when in ("2026-12-05 18:00:00+08:00", "2026-12-06 23:00:00+08:00", "2026-12-07 17:59:00+08:00"):
        assert run(when, django_capture_on_commit_callbacks)["escalated"] == 0
    assert run("2026-12-07 18:00:00+08:00", django_capture_on_commit_callbacks)["escalated"] == 1  # Monday
    assert Case.objects.get(pk=case.pk).escalation_level == 2


def test_overdue_and_district_in_one_run_when_the_job_was_down(world, dispatched,
                                                                 django_capture_on_commit_callbacks):
    counts = run("2026-12-14 10:00:00+08:00", django_capture_on_commit_callbacks)
    assert counts == {"reminded": 0, "overdue": 1, "escalated": 1, "unanswered": 0}


def test_closed_cases_are_left_alone(world, dispatched, django_capture_on_commit_callbacks):
    with freeze_time("2026-12-01 10:00:00+08:00"):
        case = services.reply(actor=world.handler_staff, case=dispatched, text="已修好")
        services.close(actor=world.secretary, case=case)
    assert run("2026-12-20 10:00:00+08:00", django_capture_on_commit_callbacks) == {
        "reminded": 0, "overdue": 0, "escalated": 0, "unanswered": 0}


def test_replied_case_waiting_for_verification_still_goes_overdue(world, dispatched,
                                                                   django_capture_on_commit_callbacks):
    with freeze_time("2026-12-01 10:00:00+08:00"):
        services.reply(actor=world.handler_staff, case=dispatched, text="已修好")
    counts = run("2026-12-09 18:00:00+08:00", django_capture_on_commit_callbacks)
    assert counts["overdue"] == 1 and counts["reminded"] == 0


def test_unanswered_case_tells_the_secretaries_once(world, django_capture_on_commit_callbacks):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world)  # respond by Tue 1 Dec 18:00
    assert run("2026-12-01 17:55:00+08:00", django_capture_on_commit_callbacks)["unanswered"] == 0
    assert run("2026-12-01 18:00:00+08:00", django_capture_on_commit_callbacks)["unanswered"] == 1
    assert run("2026-12-01 18:05:00+08:00", django_capture_on_commit_callbacks)["unanswered"] == 0
    assert inbox("case.referred", case) == ids(world.secretary)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATED).count() == 1
    # a case answered in time is not reported
    with freeze_time("2026-11-30 10:00:00+08:00"):
        answered = services.pass_on(actor=world.leader, case=raise_by(world))
    assert run("2026-12-02 10:00:00+08:00", django_capture_on_commit_callbacks)["unanswered"] == 0
    assert not answered.events.filter(kind=EventKind.ESCALATED).exists()


def test_reopened_case_past_its_deadline_goes_overdue(world, dispatched, django_capture_on_commit_callbacks):
    with freeze_time("2026-12-01 10:00:00+08:00"):
        case = services.reply(actor=world.handler_staff, case=dispatched, text="已修好")
        case = services.close(actor=world.secretary, case=case)
    with freeze_time("2026-12-10 10:00:00+08:00"):
        services.rate(actor=world.employee, case=case, rating="dissatisfied", comment="又坏了")
    counts = run("2026-12-10 10:05:00+08:00", django_capture_on_commit_callbacks)
    assert counts["overdue"] == 1


def test_accepting_with_a_longer_urgency_lifts_overdue(world, django_capture_on_commit_callbacks):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world, code="lifts")  # utilities: due 1 Dec 10:00
    run("2026-12-01 10:00:00+08:00", django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.overdue_at is not None and case.escalation_level == 1
    with freeze_time("2026-12-01 11:00:00+08:00"):
        case = services.accept(actor=world.secretary, case=case, urgency="complex")
    assert case.overdue_at is None and case.escalation_level == 0 and case.due_at > at(2026, 12, 1, 11)


def test_visitor_case_without_leader_goes_to_the_secretaries(world, django_capture_on_commit_callbacks):
    from louwei.committee.models import FloorLeader

    FloorLeader.objects.filter(floor=world.floor).update(ended_on="2026-01-01")
    with django_capture_on_commit_callbacks(execute=True):
        raised = raise_visitor(world)
    assert inbox("case.new", raised.case) == ids(world.secretary)
    assert raised.case.leader is None
    assert Status.SUBMITTED == raised.case.status
