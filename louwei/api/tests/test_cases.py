"""Cases on the API: the whole loop through HTTP as each role, 409 for illegal steps, 403 for steps the
person may not take, 404 outside their sight, timelines per permission, list filters and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from louwei.cases import services as case_services
from louwei.cases.models import Case, CaseEvent, Status
from louwei.testing.factories import CaseFactory, HandlerFactory, HandlerMemberFactory, UserFactory, category

CASES = "/api/v1/cases/"


@pytest.fixture
def handler(site):
    """Building A's property handler, with one staff login."""
    handler = HandlerFactory(building=site.a, name="测试物业A", kind="property")
    staff = HandlerMemberFactory(handler=handler, user=UserFactory(username="handler_staff")).user
    return handler, staff


@pytest.fixture
def other_handler(site):
    return HandlerFactory(building=site.a, name="楼委会", kind="committee")


def url(case_or_number, step=""):
    number = getattr(case_or_number, "number", case_or_number)
    return f"{CASES}{number}/{step + '/' if step else ''}"


def raise_on(site, floor=2, who=None, **kwargs):
    """A case raised through the service, as an app user (or a client system without ``who``)."""
    if who is None:
        return case_services.raise_case(actor=None, floor=site.a_floors[floor], category=category("repairs"),
                                        description=kwargs.pop("description", "二楼空调不制冷，请检修"),
                                        channel="api", source="test", **kwargs).case
    return case_services.raise_case(actor=who, floor=site.a_floors[floor], category=category("repairs"),
                                    description=kwargs.pop("description", "二楼空调不制冷，请检修"), channel="app",
                                    **kwargs).case


def test_anonymous_gets_401(anon, site):
    assert anon.get(CASES).status_code == 401
    assert anon.post(CASES, {}).status_code == 401
    assert anon.get("/api/v1/case-categories/").status_code == 401
    assert anon.get("/api/v1/case-handlers/").status_code == 401


def test_the_whole_loop_through_http(api_as, people, site, handler):
    handler_obj, handler_staff = handler
    contact, leader, secretary, staff = (api_as("contact_a2"), api_as("leader_a2"), api_as("secretary_a"),
                                         api_as(handler_staff))

    # The enterprise contact raises a case on their floor.
    response = contact.post(CASES, {"floor": "tb-a-02", "category": "repairs",
                                    "description": "二楼男卫生间水龙头漏水，请尽快维修"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    number = body["number"]
    assert body["status"] == "submitted" and body["floor"] == "TB-A-02" and body["channel"] == "app"
    assert body["enterprise"] == site.a_enterprises[2][0].pk
    assert body["allowed_actions"] == ["public_note"] and body["submitter"] is None
    case = Case.objects.get(number=number)
    assert case.submitted_by == people["contact_a2"]

    # The floor leader passes it on; doing it twice is an illegal transition.
    assert "pass_on" in leader.get(url(number)).json()["allowed_actions"]
    response = leader.post(url(number, "pass_on"), {"note": "请楼委会协调"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "referred"
    response = leader.post(url(number, "pass_on"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"

    # The committee accepts and dispatches at once.
    response = secretary.post(url(number, "accept"), {"handler": handler_obj.pk, "urgency": "utilities"},
                              format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dispatched" and response.json()["handler"]["id"] == handler_obj.pk

    # The handler replies; may not close it themselves.
    response = staff.post(url(number, "reply"), {"text": "已更换水龙头"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "replied"
    assert staff.post(url(number, "close"), {}, format="json").status_code == 403

    # Verification fails once, then passes.
    response = secretary.post(url(number, "return_reply"), {"reason": "仍有渗水"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    assert secretary.post(url(number, "close"), {}, format="json").status_code == 409
    assert staff.post(url(number, "reply"), {"text": "已重新密封"}, format="json").status_code == 200
    response = secretary.post(url(number, "close"), {"text": "核查属实，结案"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"

    # The submitter rates it; a dissatisfied rating needs a comment.
    assert "rate" in contact.get(url(number)).json()["allowed_actions"]
    assert secretary.post(url(number, "rate"), {"rating": "satisfied"}, format="json").status_code == 403
    assert contact.post(url(number, "rate"), {"rating": "great"}, format="json").status_code == 400
    response = contact.post(url(number, "rate"), {"rating": "satisfied", "comment": "很及时"}, format="json")
    assert response.status_code == 200 and response.json()["rating"] == "satisfied"
    # Rated: no follow-up call is due any more.
    response = secretary.post(url(number, "follow_up"), {"reached": True, "rating": "satisfied"}, format="json")
    assert response.status_code == 409

    # The timeline: every step, in order.
    kinds = [e["kind"] for e in secretary.get(url(number)).json()["timeline"]]
    assert kinds == ["submitted", "passed_on", "note", "accepted", "dispatched", "replied", "returned",
                     "replied", "closed", "rated"]
    # The submitter's timeline leaves out the leader's note to the committee.
    texts = [e["text"] for e in contact.get(url(number)).json()["timeline"]]
    assert "请楼委会协调" not in texts and "核查属实，结案" in texts


def test_answer_on_the_spot_and_follow_up(api_as, people, site):
    case = raise_on(site)
    leader, secretary = api_as("leader_a2"), api_as("secretary_a")
    assert secretary.post(url(case, "answer"), {"text": "已处理"}, format="json").status_code == 403
    assert leader.post(url(case, "answer"), {"text": ""}, format="json").status_code == 400
    response = leader.post(url(case, "answer"), {"text": "已现场解决"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert leader.post(url(case, "answer"), {"text": "again"}, format="json").status_code == 409
    assert leader.post(url(case, "follow_up"), {"reached": False}, format="json").status_code == 403
    response = secretary.post(url(case, "follow_up"), {"reached": True, "rating": "dissatisfied",
                                                       "comment": "问题复发"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["rating"] == "dissatisfied" and body["status"] == "referred" and body["reopen_count"] == 1


def test_decline_merge_reassign_reopen(api_as, site, handler, other_handler):
    handler_obj, _staff = handler
    secretary = api_as("secretary_a")
    original, duplicate, out_of_scope = raise_on(site), raise_on(site), raise_on(site, floor=3)

    response = secretary.post(url(out_of_scope, "decline"), {"reason": "duplicate", "text": "x"}, format="json")
    assert response.status_code == 400  # a duplicate is merged, not declined
    response = secretary.post(url(out_of_scope, "decline"), {"reason": "out_of_scope", "text": "不属于楼宇事务"},
                              format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert secretary.post(url(out_of_scope, "accept"), {}, format="json").status_code == 409

    assert secretary.post(url(duplicate, "merge"), {"into": "20990101-0001"}, format="json").status_code == 400
    response = secretary.post(url(duplicate, "merge"), {"into": original.number}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "merged" and response.json()["merged_into"] == original.number

    assert secretary.post(url(original, "dispatch"), {"handler": handler_obj.pk}, format="json").status_code == 409
    assert secretary.post(url(original, "accept"), {}, format="json").json()["status"] == "accepted"
    assert secretary.post(url(original, "dispatch"), {"handler": 999999}, format="json").status_code == 400
    response = secretary.post(url(original, "dispatch"), {"handler": handler_obj.pk}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    response = secretary.post(url(original, "reassign"), {"handler": other_handler.pk, "reason": "需楼委会协调"},
                              format="json")
    assert response.status_code == 200 and response.json()["handler"]["id"] == other_handler.pk
    assert secretary.post(url(original, "reply"), {"text": "已协调"}, format="json").status_code == 200
    assert secretary.post(url(original, "close"), {}, format="json").status_code == 200
    response = secretary.post(url(original, "reopen"), {"reason": "又坏了"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"


def test_steps_outside_ones_sight_are_404_and_others_403(api_as, site, handler):
    case = raise_on(site)
    handler_obj, _staff = handler
    # Building B's leader does not see building A's cases.
    assert api_as("leader_b1").get(url(case)).status_code == 404
    assert api_as("leader_b1").post(url(case, "pass_on"), {}, format="json").status_code == 404
    assert api_as("nobody").post(url(case, "accept"), {}, format="json").status_code == 404
    # Property staff and committee members see the building's cases; only the committee triages.
    assert api_as("property_a").get(url(case)).status_code == 200
    assert api_as("property_a").post(url(case, "accept"), {}, format="json").status_code == 403
    assert api_as("member_a").post(url(case, "accept"), {}, format="json").status_code == 200
    # A floor leader does not see another floor's cases.
    assert api_as("leader_a2").post(url(raise_on(site, floor=3), "pass_on"), {}, format="json").status_code == 404
    assert Case.objects.filter(status=Status.REFERRED).count() == 0


def test_notes_and_the_timeline_per_permission(api_as, people, site):
    case = raise_on(site, who=people["contact_a2"])
    secretary, contact, leader = api_as("secretary_a"), api_as("contact_a2"), api_as("leader_a2")
    response = secretary.post(url(case, "notes"), {"text": "内部：先联系物业"}, format="json")
    assert response.status_code == 201 and response.json()["is_public"] is False
    response = secretary.post(url(case, "notes"), {"text": "已收到，正在协调", "public": True}, format="json")
    assert response.status_code == 201 and response.json()["is_public"] is True
    assert contact.post(url(case, "notes"), {"text": "内部？"}, format="json").status_code == 403
    response = contact.post(url(case, "notes"), {"text": "补充：每天早上最严重", "public": True}, format="json")
    assert response.status_code == 201

    staff_view = secretary.get(url(case)).json()
    texts = [e["text"] for e in staff_view["timeline"]]
    assert "内部：先联系物业" in texts and "已收到，正在协调" in texts
    assert staff_view["submitter"]["name"] == people["contact_a2"].name
    submitter_view = contact.get(url(case)).json()
    texts = [e["text"] for e in submitter_view["timeline"]]
    assert "内部：先联系物业" not in texts and "已收到，正在协调" in texts and "补充：每天早上最严重" in texts
    assert submitter_view["submitter"] is None
    assert "内部：先联系物业" in [e["text"] for e in leader.get(url(case)).json()["timeline"]]


def test_raising_errors_and_on_behalf(api_as, people, site):
    contact, leader = api_as("contact_a2"), api_as("leader_a2")
    base = {"floor": "TB-A-02", "category": "repairs", "description": "二楼走廊灯坏了，请维修"}
    assert contact.post(CASES, {**base, "floor": "TB-A-99"}, format="json").status_code == 400
    assert contact.post(CASES, {**base, "category": "potholes"}, format="json").status_code == 400
    assert contact.post(CASES, {**base, "channel": "open311"}, format="json").status_code == 400
    assert contact.post(CASES, {**base, "description": ""}, format="json").status_code == 400
    # On an enterprise's behalf: a floor leader may, an enterprise contact may not.
    enterprise = site.a_enterprises[2][1]
    assert contact.post(CASES, {**base, "channel": "visit", "enterprise": enterprise.pk},
                        format="json").status_code == 403
    assert leader.post(CASES, {**base, "channel": "visit"}, format="json").status_code == 400  # no enterprise
    response = leader.post(CASES, {**base, "channel": "visit", "enterprise": enterprise.pk,
                                   "contact_name": "李四", "contact_phone": "13800000001"}, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.raised_by == people["leader_a2"] and case.enterprise == enterprise and case.channel == "visit"


@pytest.fixture
def listed(site, handler):
    """Cases written directly: on A's floors 1–3 (one overdue, one dispatched, one closed lift case), one in B."""
    handler_obj, _staff = handler
    past = timezone.now() - datetime.timedelta(days=10)
    return {
        "overdue": CaseFactory(floor=site.a_floors[1], submitted_at=past),
        "dispatched": CaseFactory(floor=site.a_floors[2], status=Status.DISPATCHED, handler=handler_obj),
        "lifts": CaseFactory(floor=site.a_floors[3], status=Status.CLOSED, category=category("lifts")),
        "in_b": CaseFactory(floor=site.b_floors[1]),
    }


def numbers(response):
    assert response.status_code == 200, response.content
    return sorted(row["number"] for row in response.json()["results"])


def test_list_filters(api_as, listed, handler):
    handler_obj, _staff = handler
    n = {k: v.number for k, v in listed.items()}
    secretary = api_as("secretary_a")
    assert numbers(secretary.get(CASES)) == sorted([n["overdue"], n["dispatched"], n["lifts"]])
    assert numbers(secretary.get(CASES, {"status": "open"})) == sorted([n["overdue"], n["dispatched"]])
    assert numbers(secretary.get(CASES, {"status": "closed"})) == [n["lifts"]]
    assert secretary.get(CASES, {"status": "lost"}).status_code == 400
    assert numbers(secretary.get(CASES, {"floor": "tb-a-02"})) == [n["dispatched"]]
    assert numbers(secretary.get(CASES, {"building": "TB-B"})) == []
    assert numbers(secretary.get(CASES, {"category": "lifts"})) == [n["lifts"]]
    assert numbers(secretary.get(CASES, {"category": "building-services"})) == sorted(
        n[k] for k in ("overdue", "dispatched", "lifts"))
    assert numbers(secretary.get(CASES, {"handler": handler_obj.pk})) == [n["dispatched"]]
    assert numbers(secretary.get(CASES, {"overdue": "true"})) == [n["overdue"]]
    assert numbers(secretary.get(CASES, {"overdue": "false"})) == sorted([n["dispatched"], n["lifts"]])


def test_who_sees_which_cases(api_as, people, listed, handler):
    _handler, staff = handler
    n = {k: v.number for k, v in listed.items()}
    assert numbers(api_as("district_a").get(CASES)) == sorted([n["overdue"], n["dispatched"], n["lifts"]])
    assert numbers(api_as("leader_a2").get(CASES)) == [n["dispatched"]]  # their floor only
    assert numbers(api_as(staff).get(CASES)) == [n["dispatched"]]  # their handler's
    assert numbers(api_as("leader_b1").get(CASES)) == [n["in_b"]]
    assert numbers(api_as("employee_a3").get(CASES)) == []
    assert numbers(api_as("nobody").get(CASES)) == []
    assert len(numbers(api_as("superuser").get(CASES))) == 4


def test_list_query_count_is_fixed(api_as, site, listed, django_assert_max_num_queries):
    client = api_as("secretary_a")
    with django_assert_max_num_queries(12) as small:
        assert len(numbers(client.get(CASES))) == 3
    for floor in site.a_floors.values():
        CaseFactory.create_batch(8, floor=floor, handler=HandlerFactory(building=site.a), status=Status.DISPATCHED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(numbers(client.get(CASES))) == 35


def test_detail_query_count_is_fixed(api_as, people, site, django_assert_max_num_queries):
    case = raise_on(site, who=people["contact_a2"])
    client = api_as("secretary_a")
    with django_assert_max_num_queries(20) as small:
        assert client.get(url(case)).status_code == 200
    for n in range(15):
        case_services.add_note(actor=people["secretary_a"], case=case, text=f"备注{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(url(case)).json()["timeline"]) == 16


def test_categories_and_handlers_are_read_only(api_as, site, handler, other_handler):
    handler_obj, staff = handler
    categories = api_as("contact_a2").get("/api/v1/case-categories/").json()
    by_code = {c["code"]: c for c in categories}
    assert by_code["repairs"]["parent"] == "building-services" and by_code["repairs"]["label"] == "Repairs"
    assert api_as("contact_a2").get("/api/v1/case-categories/lifts/").json()["name"] == "电梯"
    assert api_as("secretary_a").post("/api/v1/case-categories/", {"code": "x"}, format="json").status_code == 405

    names = [h["name"] for h in api_as("secretary_a").get("/api/v1/case-handlers/").json()["results"]]
    assert sorted(names) == sorted([handler_obj.name, other_handler.name])
    assert [h["name"] for h in api_as(staff).get("/api/v1/case-handlers/").json()["results"]] == [handler_obj.name]
    assert api_as("leader_b1").get("/api/v1/case-handlers/").json()["results"] == []
    assert api_as("leader_b1").get(f"/api/v1/case-handlers/{handler_obj.pk}/").status_code == 404
    assert api_as("secretary_a").delete(f"/api/v1/case-handlers/{handler_obj.pk}/").status_code == 405


def test_events_are_the_services(api_as, people, site):
    """The API writes nothing itself: each step is the service's event."""
    case = raise_on(site)
    api_as("leader_a2").post(url(case, "pass_on"), {}, format="json")
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["submitted", "passed_on"]
