"""The closed loop through the services: raise, answer or pass on, accept, dispatch, reply, close,
rate, reopen, merge; every transition legal and illegal; tracking numbers; the timeline; audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from louwei.cases import services, tracking
from louwei.cases.models import TRANSITIONS, Case, CaseEvent, EventKind, NumberSequence, Status
from louwei.core.models import AuditEvent
from louwei.testing.factories import CaseFactory, category

from .services_world import at, raise_by, raise_visitor, to_status, world  # noqa: F401

pytestmark = pytest.mark.django_db


def kinds(case):
    return list(CaseEvent.objects.filter(case=case).order_by("created_at", "pk").values_list("kind", flat=True))


# --- Raising ---------------------------------------------------------------------------------


@freeze_time("2026-11-30 10:00:00+08:00")
def test_raise_by_employee_records_everything(world):
    case = raise_by(world, description="  五楼走廊的灯坏了，\n\n\n晚上很黑。  ")
    assert case.number == "20261130-0001"
    assert case.status == Status.SUBMITTED
    assert case.submitted_by == world.employee and case.raised_by is None
    assert case.enterprise == world.enterprise  # theirs on that floor
    assert case.leader == world.leader
    assert case.building == world.building
    assert case.urgency == "general"
    assert case.description == "五楼走廊的灯坏了，\n\n晚上很黑。"  # paragraphs kept, runs of blank lines folded
    # general: respond in 1 working day, resolve in 7 (Mon 30 Nov → Tue 1 Dec 18:00, Wed 9 Dec 18:00)
    assert case.respond_by == at(2026, 12, 1, 18, 0)
    assert case.due_at == at(2026, 12, 9, 18, 0)
    assert case.tracking_hash == ""
    assert kinds(case) == [EventKind.SUBMITTED]
    event = case.events.get()
    assert event.actor == world.employee and event.is_public and event.data["to"] == "submitted"
    audit = AuditEvent.objects.get(verb="case.raised")
    assert audit.actor == world.employee and audit.target_id == str(case.pk)


@freeze_time("2026-11-30 23:59:00+08:00")
def test_numbers_count_per_local_day(world):
    first = raise_by(world)
    second = raise_by(world, world.contact)
    assert (first.number, second.number) == ("20261130-0001", "20261130-0002")
    assert NumberSequence.objects.get(day=datetime.date(2026, 11, 30)).last == 2
    with freeze_time("2026-11-30 16:00:01+00:00"):  # 00:00:01 on 1 December in Shanghai
        assert raise_by(world).number == "20261201-0001"


def test_numbers_skip_a_number_already_taken(world):
    with freeze_time("2026-01-01 10:00:00+08:00"):
        CaseFactory(number="20260101-0001", floor=world.floor)
        assert raise_by(world).number == "20260101-0002"


def test_visitor_raise_gets_a_token_that_opens_only_that_case(world):
    raised = raise_visitor(world)
    case = raised.case
    assert raised.token and case.channel == "qr"
    assert case.submitted_by is None and case.submitter_name == "王先生" and case.submitter_phone == "13912345678"
    assert tracking.token_matches(case, raised.token)
    other = raise_visitor(world)
    assert not tracking.token_matches(other.case, raised.token)
    assert case.events.get().actor_name == "王先生"
    assert case.urgency == "utilities"  # lifts


def test_visitor_phone_is_checked(world):
    with pytest.raises(ValidationError) as error:
        raise_visitor(world, visitor=services.Visitor(phone="12345"))
    assert "phone" in error.value.message_dict


def test_visitor_needs_the_qr_channel_and_nobody_raises_without_a_name(world):
    with pytest.raises(ValidationError):
        services.raise_case(actor=None, floor=world.floor, category=category(), description="描述五个字以上",
                            channel="app", visitor=services.Visitor())
    with pytest.raises(PermissionDenied):
        services.raise_case(actor=None, floor=world.floor, category=category(), description="描述五个字以上",
                            channel="qr")


def test_client_system_raise_has_no_token(world):
    raised = services.raise_case(actor=None, floor=world.floor, category=category(), description="来自外部系统的诉求",
                                 channel="open311", source="12345热线")
    assert raised.token == "" and raised.case.source == "12345热线" and raised.case.tracking_hash == ""
    assert raised.case.events.get().actor_name == "12345热线"


@pytest.mark.parametrize("text", ["", "   ", "短", "四个字!", "x" * 2001])
def test_description_length(world, text):
    with pytest.raises(ValidationError) as error:
        raise_by(world, description=text)
    assert "description" in error.value.message_dict
    assert not Case.objects.exists()


def test_description_of_five_and_of_2000_characters(world):
    assert raise_by(world, description="灯不亮了。").description == "灯不亮了。"
    assert len(raise_by(world, description="长" * 2000).description) == 2000


def test_inactive_category_and_unknown_urgency_are_refused(world):
    repairs = category("repairs")
    repairs.is_active = False
    repairs.save()
    with pytest.raises(ValidationError) as error:
        raise_by(world, urgency="whenever")
    assert {"category", "urgency"} <= set(error.value.message_dict)


def test_floor_leader_raises_on_behalf_with_a_channel(world):
    case = raise_by(world, world.leader, channel="visit", enterprise=world.enterprise,
                    visitor=services.Visitor(name="李经理", phone="13800001111"))
    assert case.raised_by == world.leader and case.submitted_by is None and case.channel == "visit"
    assert case.submitter_name == "李经理"


def test_on_behalf_needs_an_enterprise_and_the_right(world):
    with pytest.raises(ValidationError) as error:
        raise_by(world, world.leader, channel="phone")
    assert "enterprise" in error.value.message_dict
    for user in (world.employee, world.contact, world.outsider, world.handler_staff, world.other_leader):
        with pytest.raises(PermissionDenied):
            raise_by(world, user, channel="phone", enterprise=world.enterprise)


def test_employee_cannot_raise_for_another_enterprise(world):
    from louwei.testing.factories import enterprise_on

    stranger = enterprise_on(world.floor)
    with pytest.raises(ValidationError) as error:
        raise_by(world, world.employee, enterprise=stranger)
    assert "enterprise" in error.value.message_dict


def test_enterprise_must_be_in_the_building(world):
    from louwei.testing.factories import EnterpriseFactory

    with pytest.raises(ValidationError):
        raise_by(world, world.leader, channel="visit", enterprise=EnterpriseFactory())


def test_given_urgency_overrides_the_category(world):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world, urgency="urgent")
    assert case.respond_by == at(2026, 11, 30, 12, 0) and case.due_at == at(2026, 12, 1, 10, 0)


def test_submitted_at_for_imports(world):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world, submitted_at=at(2026, 3, 2, 9, 0))
    assert case.number == "20260302-0001" and case.submitted_at == at(2026, 3, 2, 9, 0)
    assert case.events.get().created_at == at(2026, 3, 2, 9, 0)


# --- The loop --------------------------------------------------------------------------------


@freeze_time("2026-11-30 10:00:00+08:00", tick=True)
def test_the_whole_loop(world):
    case = raise_by(world)
    case = services.pass_on(actor=world.leader, case=case, note="请楼委会协调物业。")
    assert case.status == Status.REFERRED and case.responded_at is not None
    responded = case.responded_at
    case = services.accept(actor=world.secretary, case=case)
    assert case.status == Status.ACCEPTED and case.accepted_at and case.responded_at == responded
    case = services.dispatch(actor=world.member, case=case, handler=world.handler, note="请本周内处理")
    assert case.status == Status.DISPATCHED and case.handler == world.handler and case.dispatched_at
    case = services.reply(actor=world.handler_staff, case=case, text="已更换灯管。")
    assert case.status == Status.REPLIED and case.replied_at
    case = services.return_reply(actor=world.secretary, case=case, reason="楼梯间的灯也不亮。")
    assert case.status == Status.DISPATCHED and case.handler == world.handler
    case = services.reply(actor=world.handler_manager, case=case, text="楼梯间的灯也换好了。")
    case = services.close(actor=world.secretary, case=case, text="已核实。")
    assert case.status == Status.CLOSED and case.closed_at == case.first_closed_at
    case = services.rate(actor=world.employee, case=case, rating="satisfied")
    assert case.rating == "satisfied" and case.rating_source == "submitter" and case.rated_at
    assert kinds(case) == [
        "submitted", "passed_on", "note", "accepted", "dispatched", "note", "replied", "returned", "replied",
        "closed", "rated",
    ]
    public = dict(case.events.values_list("kind", "is_public"))
    assert public["returned"] is False and public["replied"] is True and public["note"] is False
    dispatched = case.events.get(kind="dispatched")
    assert dispatched.data == {"from": "accepted", "to": "dispatched", "handler": world.handler.pk}
    assert dispatched.actor == world.member
    verbs = list(AuditEvent.objects.filter(target_id=str(case.pk)).order_by("pk").values_list("verb", flat=True))
    assert verbs == ["case.raised", "case.passed_on", "case.accepted", "case.dispatched", "case.replied",
                     "case.reply_returned", "case.replied", "case.closed", "case.rated"]


@freeze_time("2026-11-30 10:00:00+08:00", tick=True)
def test_answer_on_the_spot(world):
    case = services.answer(actor=world.leader, case=raise_by(world), text="已联系物业，灯已修好。")
    assert case.status == Status.CLOSED
    assert case.responded_at and case.replied_at and case.closed_at and case.first_closed_at
    assert case.handler is None
    event = case.events.get(kind="answered")
    assert event.is_public and event.text == "已联系物业，灯已修好。" and event.actor == world.leader


def test_accept_with_handler_dispatches_at_once_and_urgency_recomputes(world):
    with freeze_time("2026-11-30 10:00:00+08:00"):
        case = raise_by(world)
    with freeze_time("2026-11-30 11:00:00+08:00"):
        case = services.accept(actor=world.secretary, case=case, urgency="urgent", handler=world.handler)
    assert case.status == Status.DISPATCHED and case.urgency == "urgent"
    assert case.due_at == at(2026, 12, 1, 10, 0)  # 24 hours from submission
    assert kinds(case)[-2:] == ["accepted", "dispatched"]
    assert case.events.get(kind="accepted").data["urgency"] == {"from": "general", "to": "urgent"}


def _passed_on_in_time_then_accepted_as_urgent(world):
    """A general case passed on in time, then accepted as urgent: the case, its first response
    deadline and the month's figures read after the acceptance."""
    from louwei.cases import rates

    with freeze_time("2026-11-30 10:00:00+08:00"):  # a Monday
        case = raise_by(world)  # general: respond by Tuesday 18:00
    respond_by = case.respond_by
    with freeze_time("2026-11-30 14:00:00+08:00"):
        case = services.pass_on(actor=world.leader, case=case)  # in time
    with freeze_time("2026-11-30 15:00:00+08:00"):
        case = services.accept(actor=world.secretary, case=case, urgency="urgent")
        figures = rates.total(world.building, rates.period("month"))
    return case, respond_by, figures


def test_a_new_urgency_moves_only_the_resolution_deadline(world):
    """docs/metrics.md: only ``due_at`` follows the urgency chosen at acceptance; a response
    already given keeps its judgement."""
    case, respond_by, _figures = _passed_on_in_time_then_accepted_as_urgent(world)
    assert case.due_at == at(2026, 12, 1, 10, 0)  # 24 hours from submission
    assert case.respond_by == respond_by == at(2026, 12, 1, 18, 0)
    assert case.responded_at <= case.respond_by


def test_a_response_in_time_stays_in_time_in_the_rates_when_the_urgency_changes(world):
    _case, _respond_by, figures = _passed_on_in_time_then_accepted_as_urgent(world)
    assert (figures.received, figures.responded, figures.responded_on_time) == (1, 1, 1)
    assert figures.on_time_response_rate == 1.0


def test_dispatch_only_to_a_handler_of_the_building_or_district(world):
    from louwei.testing.factories import HandlerFactory

    case = to_status(world, Status.ACCEPTED)
    elsewhere = HandlerFactory()
    inactive = HandlerFactory(building=world.building, is_active=False)
    for handler in (elsewhere, inactive):
        with pytest.raises(ValidationError) as error:
            services.dispatch(actor=world.secretary, case=case, handler=handler)
        assert "handler" in error.value.message_dict
    department = HandlerFactory(building=None, party_committee=world.building.party_committee, kind="department")
    case = services.dispatch(actor=world.secretary, case=case, handler=department)
    assert case.handler == department


def test_reassign_with_reason(world):
    case = to_status(world, Status.DISPATCHED)
    with pytest.raises(ValidationError):
        services.reassign(actor=world.secretary, case=case, handler=world.other_handler, reason="")
    with pytest.raises(ValidationError):
        services.reassign(actor=world.secretary, case=case, handler=world.handler, reason="同一单位")
    case = services.reassign(actor=world.secretary, case=case, handler=world.other_handler, reason="属楼委会职责")
    assert case.handler == world.other_handler and case.status == Status.DISPATCHED
    event = case.events.get(kind="reassigned")
    assert event.data["from_handler"] == world.handler.pk and event.data["handler"] == world.other_handler.pk
    assert event.text == "属楼委会职责" and not event.is_public
    # the old handler's staff may no longer reply; the new one's may
    with pytest.raises(PermissionDenied):
        services.reply(actor=world.handler_staff, case=case, text="已处理")
    services.reply(actor=world.other_handler_staff, case=case, text="已处理")


def test_committee_replies_on_the_handlers_behalf_and_it_counts_as_response(world):
    case = to_status(world, Status.DISPATCHED)
    case = services.reply(actor=world.secretary, case=case, text="楼委会代为答复。")
    assert case.status == Status.REPLIED


def test_decline_needs_a_reason_and_text(world):
    case = raise_by(world)
    with pytest.raises(ValidationError) as error:
        services.decline(actor=world.secretary, case=case, reason="duplicate", text="重复")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.decline(actor=world.secretary, case=case, reason="out_of_scope", text="  ")
    assert "text" in error.value.message_dict
    case = services.decline(actor=world.secretary, case=case, reason="insufficient", text="请补充具体位置。")
    assert case.status == Status.DECLINED and case.decline_reason == "insufficient" and case.responded_at
    assert case.events.get(kind="declined").is_public


def test_dissatisfied_rating_needs_a_comment_and_reopens_to_the_handler(world):
    case = to_status(world, Status.CLOSED)
    first_closed = case.first_closed_at
    with pytest.raises(ValidationError) as error:
        services.rate(actor=world.employee, case=case, rating="dissatisfied")
    assert "comment" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.rate(actor=world.employee, case=case, rating="great")
    case = services.rate(actor=world.employee, case=case, rating="dissatisfied", comment="灯又坏了。")
    assert case.status == Status.DISPATCHED and case.handler == world.handler
    assert case.reopen_count == 1 and case.closed_at is None and case.first_closed_at == first_closed
    assert case.rating == "dissatisfied"
    reopened = case.events.get(kind="reopened")
    assert reopened.is_public and reopened.text == "灯又坏了。"
    assert reopened.data["from"] == "closed" and reopened.data["to"] == "dispatched"
    # handled and closed again: the submitter rates again, once
    case = services.reply(actor=world.handler_staff, case=case, text="已彻底更换线路。")
    case = services.close(actor=world.secretary, case=case)
    case = services.rate(actor=world.employee, case=case, rating="basically")
    assert case.rating == "basically" and case.first_closed_at == first_closed
    with pytest.raises(ValidationError):
        services.rate(actor=world.employee, case=case, rating="satisfied")


def test_reopen_without_handler_goes_to_the_committee(world):
    case = services.answer(actor=world.leader, case=raise_by(world), text="已处理")
    case = services.rate(actor=world.employee, case=case, rating="dissatisfied", comment="并没有处理")
    assert case.status == Status.REFERRED and case.reopen_count == 1


def test_a_reopened_case_accepted_again_keeps_its_first_deadline(world):
    case = services.answer(actor=world.leader, case=raise_by(world), text="已处理")
    case = services.rate(actor=world.employee, case=case, rating="dissatisfied", comment="并没有处理")
    first_due = case.due_at
    case = services.accept(actor=world.secretary, case=case, urgency="complex")
    assert case.urgency == "complex" and case.due_at == first_due  # 15 working days would be later
    fresh = services.accept(actor=world.secretary, case=raise_by(world), urgency="complex")
    assert fresh.due_at > fresh.submitted_at + datetime.timedelta(days=15)  # a new case's deadline follows


def test_committee_reopens_a_closed_case(world):
    case = to_status(world, Status.CLOSED)
    with pytest.raises(ValidationError):
        services.reopen(actor=world.secretary, case=case, reason="")
    case = services.reopen(actor=world.secretary, case=case, reason="问题复发")
    assert case.status == Status.DISPATCHED and case.reopen_count == 1
    with pytest.raises(PermissionDenied):
        services.reopen(actor=world.employee, case=to_status(world, Status.CLOSED), reason="问题复发")


def test_visitor_rates_with_the_private_link(world):
    raised = raise_visitor(world)
    case = to_status(world, Status.CLOSED, case=raised.case)
    with pytest.raises(PermissionDenied):
        services.rate(actor=None, case=case, rating="satisfied", token="wrong")
    with pytest.raises(PermissionDenied):
        services.rate(actor=None, case=case, rating="satisfied", token=raise_visitor(world).token)
    case = services.rate(actor=None, case=case, rating="satisfied", token=raised.token)
    assert case.rating == "satisfied"
    assert case.events.get(kind="rated").actor_name == "王先生"


def test_follow_up_call(world):
    case = to_status(world, Status.CLOSED)
    case = services.record_follow_up(actor=world.secretary, case=case, reached=False, comment="无人接听")
    assert case.rating == "" and case.events.get(kind="follow_up").data["reached"] is False
    with pytest.raises(ValidationError):
        services.record_follow_up(actor=world.secretary, case=case, reached=True)
    case = services.record_follow_up(actor=world.member, case=case, reached=True, rating="satisfied")
    assert case.rating == "satisfied" and case.rating_source == "follow_up"
    # rated: neither the submitter nor another call may rate this closing again
    with pytest.raises(ValidationError):
        services.rate(actor=world.employee, case=case, rating="satisfied")
    with pytest.raises(ValidationError):
        services.record_follow_up(actor=world.secretary, case=case, reached=True, rating="satisfied")


def test_follow_up_dissatisfied_reopens(world):
    case = to_status(world, Status.CLOSED)
    case = services.record_follow_up(actor=world.secretary, case=case, reached=True, rating="dissatisfied",
                                     comment="电话中表示仍未解决")
    assert case.status == Status.DISPATCHED and case.reopen_count == 1


def test_merge_into_the_original(world):
    original = raise_by(world, world.contact)
    duplicate = raise_by(world)
    services.support_case(actor=world.other_employee, case=duplicate)
    duplicate = services.merge(actor=world.secretary, case=duplicate, into=original, text="与另一诉求相同")
    original.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    assert duplicate.decline_reason == "duplicate" and duplicate.responded_at
    assert original.supporter_count == 2  # the duplicate and its supporter
    assert original.events.filter(kind="supported").exists()
    # the duplicate's submitter follows the original
    from louwei.cases import permissions

    assert permissions.may_view(world.employee, original)
    assert original in permissions.visible_cases(world.employee)


def test_merge_refusals(world):
    from louwei.testing.factories import BuildingFactory, FloorFactory

    case = raise_by(world)
    with pytest.raises(ValidationError):
        services.merge(actor=world.secretary, case=case, into=case)
    elsewhere = CaseFactory(floor=FloorFactory(building=BuildingFactory()))
    with pytest.raises(ValidationError):
        services.merge(actor=world.secretary, case=case, into=elsewhere)
    merged = to_status(world, Status.MERGED)
    with pytest.raises(ValidationError):
        services.merge(actor=world.secretary, case=case, into=merged)
    declined = to_status(world, Status.DECLINED)
    with pytest.raises(ValidationError):
        services.merge(actor=world.secretary, case=case, into=declined)
    closed = to_status(world, Status.CLOSED)
    assert services.merge(actor=world.secretary, case=case, into=closed).merged_into == closed


def test_duplicates_of_a_merged_case_follow_the_final_original(world):
    first, second, third = raise_by(world), raise_by(world), raise_by(world)
    services.merge(actor=world.secretary, case=first, into=second)
    services.merge(actor=world.secretary, case=second, into=third)
    first.refresh_from_db()
    assert first.merged_into == third


def test_support_case(world):
    case = raise_by(world)
    with pytest.raises(ValidationError):
        services.support_case(actor=world.employee, case=case)  # own case
    case = services.support_case(actor=world.contact, case=case, text="我们也遇到了。")
    assert case.supporter_count == 1
    with pytest.raises(ValidationError):
        services.support_case(actor=world.contact, case=case)
    case = services.support_case(actor=None, case=case, visitor=services.Visitor(name="访客"))
    assert case.supporter_count == 2
    with pytest.raises(PermissionDenied):
        services.support_case(actor=None, case=case)
    closed = to_status(world, Status.CLOSED)
    with pytest.raises(services.IllegalTransition):
        services.support_case(actor=world.contact, case=closed)


def test_notes(world):
    case = to_status(world, Status.DISPATCHED)
    note = services.add_note(actor=world.handler_staff, case=case, text="已订购配件")
    assert not note.is_public and note.kind == "note"
    reply = services.add_note(actor=world.secretary, case=case, text="预计周五修好", public=True)
    assert reply.is_public
    info = services.add_note(actor=world.employee, case=case, text="补充：楼梯间也不亮", public=True)
    assert info.is_public and info.data["by_submitter"]
    with pytest.raises(PermissionDenied):
        services.add_note(actor=world.employee, case=case, text="内部", public=False)
    with pytest.raises(PermissionDenied):
        services.add_note(actor=world.outsider, case=case, text="路过", public=True)
    closed = to_status(world, Status.CLOSED)
    with pytest.raises(services.IllegalTransition):
        services.add_note(actor=world.employee, case=closed, text="补充", public=True)
    assert services.add_note(actor=world.secretary, case=closed, text="已回访", public=True).is_public


def test_visitor_adds_information_with_the_link(world):
    raised = raise_visitor(world)
    event = services.add_note(actor=None, case=raised.case, text="三号电梯也有问题", public=True, token=raised.token)
    assert event.is_public and event.actor is None and event.actor_name == ""
    with pytest.raises(PermissionDenied):
        services.add_note(actor=None, case=raised.case, text="内部", public=False, token=raised.token)
    with pytest.raises(PermissionDenied):
        services.add_note(actor=None, case=raised.case, text="三号电梯", public=True, token="nope")


# --- Every transition, legal and illegal --------------------------------------------------------

REACHABLE = [Status.SUBMITTED, Status.REFERRED, Status.ACCEPTED, Status.DISPATCHED, Status.REPLIED,
             Status.CLOSED, Status.DECLINED, Status.MERGED]


def perform(world, action, case):
    """Do ``action`` to ``case`` as someone allowed to."""
    s, w = services, world
    calls = {
        "answer": lambda: s.answer(actor=w.leader, case=case, text="已答复"),
        "pass_on": lambda: s.pass_on(actor=w.leader, case=case),
        "accept": lambda: s.accept(actor=w.secretary, case=case),
        "decline": lambda: s.decline(actor=w.secretary, case=case, reason="out_of_scope", text="不属于范围"),
        "merge": lambda: s.merge(actor=w.secretary, case=case, into=raise_by(w, w.contact)),
        "dispatch": lambda: s.dispatch(actor=w.secretary, case=case, handler=w.handler),
        "reassign": lambda: s.reassign(actor=w.secretary, case=case, handler=w.other_handler, reason="换单位"),
        "reply": lambda: s.reply(actor=w.secretary, case=case, text="已处理"),
        "return_reply": lambda: s.return_reply(actor=w.secretary, case=case, reason="未处理完"),
        "close": lambda: s.close(actor=w.secretary, case=case),
        "rate": lambda: s.rate(actor=w.employee, case=case, rating="satisfied"),
        "follow_up": lambda: s.record_follow_up(actor=w.secretary, case=case, reached=True, rating="satisfied"),
        "reopen": lambda: s.reopen(actor=w.secretary, case=case, reason="问题复发"),
    }
    return calls[action]()


@pytest.mark.parametrize("status", REACHABLE)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition(world, action, status):
    case = to_status(world, status)
    starts, target = TRANSITIONS[action]
    events_before = case.events.count()
    if status in starts:
        case = perform(world, action, case)
        expected = {"rate": Status.CLOSED, "follow_up": Status.CLOSED, "reopen": Status.DISPATCHED}.get(action, target)
        assert case.status == expected
        assert case.events.count() > events_before
    else:
        with pytest.raises(services.IllegalTransition) as error:
            perform(world, action, case)
        assert error.value.code == "illegal_transition" and error.value.params["status"] == status
        case.refresh_from_db()
        assert case.status == status and case.events.count() == events_before


def test_illegal_transition_message_names_the_status(world):
    from django.utils import translation

    case = to_status(world, Status.CLOSED)
    with translation.override("en"), pytest.raises(services.IllegalTransition) as error:
        services.pass_on(actor=world.leader, case=case)
    assert "Closed" in error.value.messages[0]


def test_a_stale_case_object_is_read_afresh(world):
    case = raise_by(world)
    stale = Case.objects.get(pk=case.pk)
    services.pass_on(actor=world.leader, case=case)
    with pytest.raises(services.IllegalTransition):
        services.pass_on(actor=world.leader, case=stale)
