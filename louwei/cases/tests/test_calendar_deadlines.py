"""When a year of the official calendar is entered, the open cases' deadlines follow it: in the
background (never in the request), from each case's time of submission and its urgency's rule,
with the figures kept exact, a timeline event and an audit record; a response already given keeps
its judgement and a case closed once keeps its first deadline.

2027 here is made up for the tests (its real notice is not known to this code): "元旦" Friday
1 – Sunday 3 January off, "春节" Thursday 11 – Wednesday 17 February off, Saturdays 6 and 20
February worked instead."""

import datetime

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from louwei.cases import figures, services
from louwei.cases.models import Case, CaseEvent, CaseFigure, EventKind, Status
from louwei.cases.tasks import recompute_deadlines
from louwei.core import workdays
from louwei.core.models import AuditEvent, CalendarDay, CalendarYear
from louwei.holidays import services as holidays

from .services_world import at, raise_by, world  # noqa: F401
from .test_figures import table

pytestmark = pytest.mark.django_db

MADE_UP_OFF = "元旦 2027-01-01..2027-01-03\n春节 2027-02-11..2027-02-17"
MADE_UP_WORK = "2027-02-06, 2027-02-20"


def enter_2027() -> None:
    """The made-up 2027, written as another process would (this one learns it from the task)."""
    calendar = CalendarYear.objects.create(year=2027, notice="测试通知")
    off = [datetime.date(2027, 1, d) for d in (1, 2, 3)] + [datetime.date(2027, 2, d) for d in range(11, 18)]
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar=calendar, day=day, kind="off", name="假日") for day in off]
        + [CalendarDay(calendar=calendar, day=datetime.date(2027, 2, d), kind="work") for d in (6, 20)])


def raise_at(world, moment: str, **kwargs) -> Case:
    with freeze_time(moment):
        return raise_by(world, **kwargs)


def rebuilt_equals_kept() -> bool:
    kept = table()
    figures.rebuild()
    return table() == kept


def test_the_complex_case_of_december_moves_past_new_years_day(world, django_capture_on_commit_callbacks):
    case = raise_at(world, "2026-12-11 10:00:00+08:00", code="policy-support")  # complex: 1 and 15 working days
    assert case.due_at == at(2027, 1, 1, 18, 0)  # Monday to Friday: New Year's Day counted as working
    respond_by = case.respond_by
    enter_2027()
    with freeze_time("2026-12-12 09:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        counts = recompute_deadlines.call(2027)
    assert counts == {"checked": 1, "moved": 1}
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 4, 18, 0) and case.respond_by == respond_by
    event = case.events.get(kind=EventKind.DEADLINE_MOVED)
    assert event.is_public and event.actor is None
    assert event.data == {"year": 2027, "due_at": [at(2027, 1, 1, 18).isoformat(), at(2027, 1, 4, 18).isoformat()]}
    assert "2027年1月4日" in event.text  # the submitter's timeline says where the deadline went
    audit = AuditEvent.objects.get(verb="case.deadline_moved")
    assert audit.target_repr == case.number and audit.details["year"] == 2027
    assert rebuilt_equals_kept()
    # Again: nothing more moves.
    with freeze_time("2026-12-12 09:05:00+08:00"):
        assert recompute_deadlines.call(2027) == {"checked": 1, "moved": 0}
    assert case.events.filter(kind=EventKind.DEADLINE_MOVED).count() == 1


def test_only_the_open_cases_that_run_into_the_year_are_read(world):
    raise_at(world, "2026-11-30 10:00:00+08:00")  # general: due 9 December 2026
    answered = raise_at(world, "2026-12-31 10:00:00+08:00")
    services.answer(actor=world.leader, case=answered, text="已当场处理完毕。")  # closed
    enter_2027()
    with freeze_time("2026-12-31 11:00:00+08:00"):
        assert recompute_deadlines.call(2027) == {"checked": 0, "moved": 0}
    assert not CaseEvent.objects.filter(kind=EventKind.DEADLINE_MOVED).exists()


def test_a_response_already_given_keeps_its_judgement(world):
    waiting = raise_at(world, "2026-12-31 10:00:00+08:00")  # general: respond by Friday 1 January 18:00
    passed_on = raise_at(world, "2026-12-31 10:00:00+08:00")
    with freeze_time("2026-12-31 12:00:00+08:00"):
        passed_on = services.pass_on(actor=world.leader, case=passed_on)
    assert waiting.respond_by == passed_on.respond_by == at(2027, 1, 1, 18, 0)
    enter_2027()
    with freeze_time("2026-12-31 13:00:00+08:00"):
        assert recompute_deadlines.call(2027) == {"checked": 2, "moved": 2}
    waiting.refresh_from_db()
    passed_on.refresh_from_db()
    assert waiting.respond_by == at(2027, 1, 4, 18, 0)  # nobody has answered yet: it follows the year
    assert passed_on.respond_by == at(2027, 1, 1, 18, 0)  # answered in time, and stays in time
    # 1 January was a working day; now 4, 5, 6, 7, 8, 11, 12 January are the seven working days.
    assert waiting.due_at == passed_on.due_at == at(2027, 1, 12, 18, 0)
    assert rebuilt_equals_kept()


def test_a_case_closed_once_keeps_its_first_deadline(world):
    case = raise_at(world, "2026-12-31 10:00:00+08:00")
    with freeze_time("2026-12-31 11:00:00+08:00"):
        case = services.answer(actor=world.leader, case=case, text="已当场处理完毕。")
    with freeze_time("2027-01-05 10:00:00+08:00"):
        case = services.rate(actor=world.employee, case=case, rating="dissatisfied", comment="问题仍然存在")
    assert case.status == Status.REFERRED and case.due_at == at(2027, 1, 11, 18, 0)
    enter_2027()
    with freeze_time("2027-01-05 11:00:00+08:00"):
        assert recompute_deadlines.call(2027)["moved"] == 0
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 11, 18, 0)


def test_an_overdue_case_given_more_time_is_no_longer_overdue(world, django_capture_on_commit_callbacks):
    case = raise_at(world, "2026-12-31 10:00:00+08:00")  # due Monday 11 January 18:00 on Monday–Friday
    with freeze_time("2027-01-11 19:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        assert services.check_deadlines()["overdue"] == 1
    case.refresh_from_db()
    assert case.overdue_at is not None and case.escalation_level == 1
    before = CaseFigure.objects.get(building=world.building, dimension="building").overdue
    enter_2027()
    with freeze_time("2027-01-11 20:00:00+08:00"):
        assert recompute_deadlines.call(2027)["moved"] == 1
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 12, 18, 0)
    assert case.overdue_at is None and case.escalation_level == 0
    assert (before, CaseFigure.objects.get(building=world.building, dimension="building").overdue) == (1, 0)
    assert rebuilt_equals_kept()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when it is done
def test_entering_the_year_enqueues_the_work_and_the_worker_does_it(world, settings):
    """The page's service only announces the change, on commit; the worker moves the deadlines
    (twice: at once, and once every process has had time to see the new year)."""
    settings.LOUWEI_CALENDAR_CHECK_SECONDS = 30
    case = raise_at(world, "2026-12-11 10:00:00+08:00", code="policy-support")
    with freeze_time("2026-12-12 09:00:00+08:00"):
        holidays.save_year(actor=world.district, year=2027, days_off=MADE_UP_OFF, working_days=MADE_UP_WORK,
                           notice="测试通知")
        case.refresh_from_db()
        assert case.due_at == at(2027, 1, 1, 18, 0)  # not in the request
        enqueued = DBTaskResult.objects.filter(task_path="louwei.cases.tasks.recompute_deadlines")
        assert [r.args_kwargs["args"] for r in enqueued] == [[2027], [2027]]
        later = enqueued.exclude(pk__in=enqueued.ready().values("pk")).get()
        assert later.run_after == at(2026, 12, 12, 9, 1, 0)  # the 30 s of the check and a 30 s margin
        workdays.forget()  # the worker is another process, with its own copy
        call_command("run_worker", "--batch")
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 4, 18, 0)
    assert sorted(enqueued.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    assert DBTaskResult.objects.get(pk=later.pk).status == "READY"  # its time has not come yet


def test_only_the_response_deadline_moves_while_nobody_has_answered(world):
    """Utilities: 4 working hours to respond, capped by the 24 hours to resolve, round the clock."""
    case = raise_at(world, "2026-12-31 16:00:00+08:00", code="lifts")
    assert case.respond_by == at(2027, 1, 1, 11, 0) and case.due_at == at(2027, 1, 1, 16, 0)
    enter_2027()
    with freeze_time("2026-12-31 17:00:00+08:00"):
        assert recompute_deadlines.call(2027)["moved"] == 1
    case.refresh_from_db()
    assert case.respond_by == case.due_at == at(2027, 1, 1, 16, 0)  # 4 January 11:00, capped
    event = case.events.get(kind=EventKind.DEADLINE_MOVED)
    assert set(event.data) == {"year", "respond_by"} and "响应时限" in event.text
    assert rebuilt_equals_kept()
