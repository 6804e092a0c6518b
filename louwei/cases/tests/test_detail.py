"""One case's page: its timeline, photos, and every action button through HTTP (happy path and
illegal steps), as each role; denials included."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time
from PIL import Image

from louwei.accounts.models import RoleKind
from louwei.cases import services
from louwei.cases.models import Case, CaseEvent, CasePhoto, EventKind, Rating, Status
from louwei.testing.factories import HandlerFactory, UserFactory, grant

from .test_queues import World, make_world

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def world() -> World:
    return make_world()


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def buttons(response) -> set[str]:
    """The actions the page offers: the ids of its action forms."""
    return set(re.findall(r'id="action-([a-z_]+)"', response.content.decode()))


def photo_file(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def act(client, case, action, data=None, **kwargs):
    payload = {f"{action}-{key}": value for key, value in (data or {}).items()}
    return client.post(f"/cases/{case.number}/act/{action}/", payload, **kwargs)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


# ---------------------------------------------------------------------------------------------
# Seeing a case


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    case = world.raise_case()
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = act(client, case, "note", {"text": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_unknown_number_is_404(client, world):
    client.force_login(world.secretary)
    assert client.get("/cases/20990101-0001/").status_code == 404


def test_who_may_open_a_case(client, world):
    case = world.raise_case()
    for user in (world.employee, world.contact, world.secretary, world.member, world.property_staff,
                 world.district_staff):
        client.force_login(user)
        assert client.get(f"/cases/{case.number}/").status_code == 200, user
    for user in (world.other_secretary, world.handler_member, world.other_handler_member, UserFactory()):
        client.force_login(user)
        assert client.get(f"/cases/{case.number}/").status_code == 404


def test_a_handler_member_opens_their_handlers_case_only(client, world):
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case, handler=world.handler)
    client.force_login(world.handler_member)
    assert client.get(f"/cases/{case.number}/").status_code == 200
    client.force_login(world.other_handler_member)
    assert client.get(f"/cases/{case.number}/").status_code == 404


def test_the_timeline_marks_internal_notes_and_hides_them_from_the_submitter(client, world):
    case = world.raise_case()
    services.add_note(actor=world.secretary, case=case, text="内部备注：先联系物业。", public=False)
    services.add_note(actor=world.secretary, case=case, text="公开答复：已收到。", public=True)
    client.force_login(world.secretary)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "内部备注：先联系物业。" in page and "公开答复：已收到。" in page
    assert "timeline-internal" in page and "Internal note" in page
    assert "赵书记" in page  # who
    client.force_login(world.employee)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "公开答复：已收到。" in page
    assert "内部备注：先联系物业。" not in page and "timeline-internal" not in page


def test_the_case_page_has_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    case = world.raise_case()
    client.force_login(world.secretary)
    with django_assert_max_num_queries(12):
        assert client.get(f"/cases/{case.number}/").status_code == 200
    for i in range(15):
        services.add_note(actor=world.secretary, case=case, text=f"备注{i}", public=bool(i % 2))
    with django_assert_max_num_queries(12):
        response = client.get(f"/cases/{case.number}/")
    assert response.content.decode().count('class="timeline-item') == 16


def test_photos_are_shown_to_those_who_may_see_the_case(client, world):
    case = services.raise_case(actor=world.employee, floor=world.floor2, category=case_category(),
                               description="墙面渗水，见照片。", channel="app", photos=[photo_file()]).case
    photo = CasePhoto.objects.get(case=case)
    client.force_login(world.secretary)
    assert f'/cases/photos/{photo.pk}/' in client.get(f"/cases/{case.number}/").content.decode()
    response = client.get(f"/cases/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(world.other_secretary)
    assert client.get(f"/cases/photos/{photo.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/cases/photos/{photo.pk}/").status_code == 302


def case_category():
    from louwei.testing.factories import category

    return category("repairs")


# ---------------------------------------------------------------------------------------------
# Which buttons each person gets


def test_each_role_gets_its_own_buttons(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    client.force_login(world.leader)
    assert buttons(client.get(f"/cases/{case.number}/")) == {"answer", "pass_on", "note", "public_note"}
    client.force_login(world.secretary)
    assert {"accept", "decline", "merge"} <= buttons(client.get(f"/cases/{case.number}/"))
    client.force_login(world.employee)
    assert buttons(client.get(f"/cases/{case.number}/")) == {"public_note"}
    client.force_login(world.property_staff)
    assert buttons(client.get(f"/cases/{case.number}/")) == set()


def test_the_dispatch_form_preselects_the_suggested_handler(client, world):
    other = HandlerFactory(building=world.building, name="楼委会", kind="committee")
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case)
    client.force_login(world.secretary)
    page = client.get(f"/cases/{case.number}/").content.decode()
    form = page.split('id="action-dispatch"')[1].split("</form>")[0]
    assert re.search(rf'<option value="{world.handler.pk}" selected>', form)
    assert f'<option value="{other.pk}">' in form
    assert f'value="{HandlerFactory(building=world.other_building).pk}"' not in form


# ---------------------------------------------------------------------------------------------
# Every action through HTTP


def test_the_floor_leader_answers_on_the_spot_with_a_photo(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    client.force_login(world.leader)
    response = client.post(f"/cases/{case.number}/act/answer/",
                           {"answer-text": "已经更换灯泡。", "answer-photos": [photo_file()]})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    case = fresh(case)
    assert case.status == Status.CLOSED
    event = CaseEvent.objects.get(case=case, kind=EventKind.ANSWERED)
    assert event.photos.count() == 1
    page = client.get(response["Location"])
    assert "已经更换灯泡。" in page.content.decode() and "Answered and closed" in text(page)


def test_the_floor_leader_passes_on_and_then_cannot_answer(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    client.force_login(world.leader)
    assert act(client, case, "pass_on", {"note": "请委员会处理。"}).status_code == 302
    assert fresh(case).status == Status.REFERRED
    response = act(client, case, "answer", {"text": "迟到的答复。"})
    assert response.status_code == 302
    assert fresh(case).status == Status.REFERRED
    assert "no longer possible" in text(client.get(response["Location"]))


def test_a_form_error_comes_back_in_the_form(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    client.force_login(world.leader)
    response = act(client, case, "answer", {"text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="action-answer" open' in html and "errorlist" in html.split('id="action-answer"')[1].split("</form>")[0]
    assert fresh(case).status == Status.SUBMITTED


def test_the_committee_accepts_and_dispatches_in_two_steps(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    assert act(client, case, "accept", {"urgency": "urgent", "handler": "", "note": ""}).status_code == 302
    case = fresh(case)
    assert case.status == Status.ACCEPTED and case.urgency == "urgent"
    assert act(client, case, "dispatch", {"handler": world.handler.pk, "note": "请尽快。"}).status_code == 302
    assert fresh(case).status == Status.DISPATCHED and fresh(case).handler == world.handler


def test_accepting_with_a_handler_dispatches_at_once(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    act(client, case, "accept", {"urgency": case.urgency, "handler": world.handler.pk})
    assert fresh(case).status == Status.DISPATCHED


def test_a_handler_of_another_building_cannot_be_chosen(client, world):
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case)
    foreign = HandlerFactory(building=world.other_building)
    client.force_login(world.secretary)
    response = act(client, case, "dispatch", {"handler": foreign.pk})
    assert response.status_code == 400
    assert fresh(case).status == Status.ACCEPTED


def test_the_committee_declines_with_a_reason(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    assert act(client, case, "decline", {"reason": "out_of_scope", "text": "这是房东的事情。"}).status_code == 302
    case = fresh(case)
    assert case.status == Status.DECLINED and case.decline_reason == "out_of_scope"


def test_the_committee_merges_a_duplicate_by_the_originals_number(client, world):
    original = world.raise_case(description="电梯异响，请检修。")
    duplicate = world.raise_case(description="电梯又有异响了。")
    client.force_login(world.secretary)
    response = act(client, duplicate, "merge", {"into": "20990101-0009"})
    assert response.status_code == 400 and "No case of this building" in text(response)
    assert act(client, duplicate, "merge", {"into": original.number, "text": ""}).status_code == 302
    assert fresh(duplicate).status == Status.MERGED and fresh(duplicate).merged_into == original
    assert duplicate.number in client.get(f"/cases/{original.number}/").content.decode()


def test_the_handler_replies_the_committee_returns_then_closes(client, world):
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case, handler=world.handler)
    client.force_login(world.handler_member)
    assert buttons(client.get(f"/cases/{case.number}/")) == {"reply", "note", "public_note"}
    assert act(client, case, "reply", {"text": "已经修好。"}).status_code == 302
    assert fresh(case).status == Status.REPLIED
    # The handler cannot close its own case.
    assert act(client, case, "close", {"text": ""}).status_code == 403
    client.force_login(world.secretary)
    assert act(client, case, "return_reply", {"reason": "照片看不清。"}).status_code == 302
    assert fresh(case).status == Status.DISPATCHED
    client.force_login(world.handler_member)
    act(client, case, "reply", {"text": "重新拍了照片。"})
    client.force_login(world.secretary)
    assert act(client, case, "close", {"text": "核查无误。"}).status_code == 302
    assert fresh(case).status == Status.CLOSED


def test_the_committee_reassigns_with_a_reason(client, world):
    other = HandlerFactory(building=world.building, name="楼委会", kind="committee")
    case = world.raise_case()
    services.accept(actor=world.secretary, case=case, handler=world.handler)
    client.force_login(world.secretary)
    assert act(client, case, "reassign", {"handler": other.pk, "reason": "不属于物业。"}).status_code == 302
    assert fresh(case).handler == other
    # The former handler still reads the timeline, no longer acts.
    client.force_login(world.handler_member)
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 200 and "reply" not in buttons(response)


def test_the_submitter_rates_and_dissatisfied_reopens(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。", by=world.employee)
    services.answer(actor=world.leader, case=case, text="已处理。")
    client.force_login(world.employee)
    assert "rate" in buttons(client.get(f"/cases/{case.number}/"))
    response = act(client, case, "rate", {"rating": "dissatisfied", "comment": ""})
    assert response.status_code == 400
    assert act(client, case, "rate", {"rating": "dissatisfied", "comment": "灯还是不亮。"}).status_code == 302
    case = fresh(case)
    assert case.status in (Status.REFERRED, Status.DISPATCHED) and case.reopen_count == 1
    # Rating an open case is an illegal step, not a 500.
    assert act(client, case, "rate", {"rating": "satisfied"}).status_code == 302
    assert fresh(case).rating == Rating.DISSATISFIED


def test_staff_record_a_follow_up_call(client, world):
    with freeze_time(timezone.now() - datetime.timedelta(days=5)):
        case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
        services.answer(actor=world.leader, case=case, text="已处理。")
    client.force_login(world.secretary)
    assert "follow_up" in buttons(client.get(f"/cases/{case.number}/"))
    response = act(client, case, "follow_up", {"reached": "yes", "rating": ""})
    assert response.status_code == 400
    assert act(client, case, "follow_up", {"reached": "no"}).status_code == 302
    assert fresh(case).rating == ""
    assert act(client, case, "follow_up", {"reached": "yes", "rating": "basically", "comment": "还行"}).status_code == 302
    case = fresh(case)
    assert case.rating == Rating.BASICALLY and case.rating_source == "follow_up"


def test_the_follow_up_button_reads_record_the_follow_up_in_chinese(client, settings, world):
    """The follow-up form's button said 基本信息: "Record" was translated three ways and the
    enterprise page's heading won."""
    with freeze_time(timezone.now() - datetime.timedelta(days=5)):
        case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
        services.answer(actor=world.leader, case=case, text="已处理。")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(world.secretary)
    page = client.get(f"/cases/{case.number}/").content.decode()
    form = page[page.index('id="action-follow_up"'):]
    button = re.search(r'<button[^>]*type="submit">([^<]*)</button>', form).group(1)
    assert button == "记录回访"


def test_the_committee_reopens_a_closed_case(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    services.answer(actor=world.leader, case=case, text="已处理。")
    client.force_login(world.secretary)
    assert act(client, case, "reopen", {"reason": "问题又出现了。"}).status_code == 302
    assert fresh(case).is_open and fresh(case).reopen_count == 1


def test_notes_internal_and_public(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    assert act(client, case, "note", {"text": "内部：先打电话。"}).status_code == 302
    assert act(client, case, "public_note", {"text": "已收到，正在处理。"}).status_code == 302
    notes = list(CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).values_list("text", "is_public"))
    assert notes == [("内部：先打电话。", False), ("已收到，正在处理。", True)]
    client.force_login(world.employee)
    assert act(client, case, "note", {"text": "员工不能写内部备注。"}).status_code == 403


def test_actions_are_refused_to_those_without_the_right(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    for user, action, data in (
        (world.employee, "answer", {"text": "我自己答复。"}),
        (world.secretary, "answer", {"text": "委员会不能当场答复。"}),
        (world.property_staff, "accept", {"urgency": "general"}),
    ):
        client.force_login(user)
        assert act(client, case, action, data).status_code == 403, (user, action)
    for user, action, data in (  # a case out of one's sight is not there, as on the API
        (world.other_secretary, "accept", {"urgency": "general"}),
        (world.handler_member, "reply", {"text": "x"}),
    ):
        client.force_login(user)
        assert act(client, case, action, data).status_code == 404, (user, action)
    assert fresh(case).status == Status.SUBMITTED
    client.force_login(world.secretary)
    assert client.post(f"/cases/{case.number}/act/explode/", {}).status_code == 404
    assert client.get(f"/cases/{case.number}/act/accept/").status_code == 405


def test_an_illegal_transition_is_a_message_not_an_error(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    response = act(client, case, "close", {"text": ""}, follow=True)
    assert response.status_code == 200
    assert "no longer possible" in text(response)
    assert fresh(case).status == Status.SUBMITTED


def test_with_htmx_the_case_section_is_swapped(client, world):
    case = world.raise_case()
    client.force_login(world.secretary)
    response = act(client, case, "accept", {"urgency": case.urgency}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="case"') and "<html" not in html
    assert "Accepted." in html and 'id="action-dispatch"' in html
    response = act(client, case, "dispatch", {"handler": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = act(client, case, "close", {}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "no longer possible" in text(response)


def test_a_person_with_two_roles_gets_both_sets_of_buttons(client, world):
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    grant(world.leader, RoleKind.COMMITTEE_MEMBER, world.building)
    client.force_login(world.leader)
    assert {"answer", "pass_on", "accept", "decline"} <= buttons(client.get(f"/cases/{case.number}/"))
    assert act(client, case, "pass_on", {}).status_code == 302
    assert act(client, case, "accept", {"urgency": "general", "handler": world.handler.pk}).status_code == 302
    assert fresh(case).status == Status.DISPATCHED


ILLEGAL = [
    # (who, the case's state, the action that state does not allow, its data)
    ("leader", "referred", "answer", {"text": "迟到的答复。"}),
    ("leader", "referred", "pass_on", {}),
    ("secretary", "submitted", "dispatch", {"handler": "HANDLER"}),
    ("secretary", "submitted", "reassign", {"handler": "HANDLER", "reason": "换一家。"}),
    ("secretary", "submitted", "return_reply", {"reason": "不行。"}),
    ("secretary", "submitted", "close", {"text": ""}),
    ("secretary", "submitted", "reopen", {"reason": "又坏了。"}),
    ("secretary", "submitted", "follow_up", {"reached": "no"}),
    ("secretary", "closed", "accept", {"urgency": "general"}),
    ("secretary", "closed", "decline", {"reason": "out_of_scope", "text": "不归我们管。"}),
    ("secretary", "closed", "merge", {"into": "ORIGINAL"}),
    ("handler_member", "replied", "reply", {"text": "再答复一次。"}),
    ("employee", "submitted", "rate", {"rating": "satisfied"}),
]


def _in_state(world, state) -> Case:
    case = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    if state == "referred":
        services.pass_on(actor=world.leader, case=case)
    elif state == "closed":
        services.answer(actor=world.leader, case=case, text="已处理。")
    elif state == "replied":
        services.accept(actor=world.secretary, case=case, handler=world.handler)
        services.reply(actor=world.handler_member, case=case, text="已处理。")
    return fresh(case)


@pytest.mark.parametrize("who,state,action,data", ILLEGAL, ids=[f"{a}-from-{s}" for _w, s, a, _d in ILLEGAL])
def test_every_step_is_refused_from_a_state_that_does_not_allow_it(client, world, who, state, action, data):
    case = _in_state(world, state)
    original = world.raise_case(description="原来的诉求，用于合并。")
    data = {key: {"HANDLER": world.handler.pk, "ORIGINAL": original.number}.get(value, value)
            for key, value in data.items()}
    before = (case.status, case.handler_id, case.rating, case.reopen_count)
    client.force_login(getattr(world, who))
    response = act(client, case, action, data, follow=True)
    assert response.status_code == 200
    assert "no longer possible" in text(response)
    case = fresh(case)
    assert (case.status, case.handler_id, case.rating, case.reopen_count) == before
