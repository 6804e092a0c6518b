"""Each role's queue (/cases/), a building's case list with its filters, and the Excel export.
Query counts stay fixed as the cases grow; each denial is tested."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.cases import services
from louwei.cases.models import Case, Channel, Status
from louwei.notifications.models import Message
from louwei.testing import jobs
from louwei.testing.factories import (
    BuildingFactory,
    CaseFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    HandlerMemberFactory,
    UserFactory,
    category,
    enterprise_on,
    grant,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English: the Chinese catalogue is merged later, the structure is what is tested."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def numbers(response) -> list[str]:
    return re.findall(r'<span class="case-number">([0-9-]+)</span>', response.content.decode())


def sections_of(html: str) -> dict[str, str]:
    """The HTML of each queue section, by its key."""
    parts = html.split('<section class="card case-section" id="section-')[1:]
    return {part.split('"', 1)[0]: part.split("</section>", 1)[0] for part in parts}


@dataclass
class World:
    """One building with a led floor (1), an unled floor (2), an employee on floor 2, the committee,
    the property company as a handler with one member, a district, and another building."""

    building: object
    floor1: object
    floor2: object
    leader: object
    employee: object
    enterprise: object
    contact: object
    secretary: object
    member: object
    property_staff: object
    district_staff: object
    handler: object
    handler_member: object
    other_building: object
    other_secretary: object
    other_handler_member: object

    def raise_case(self, *, by=None, floor=None, description="走廊灯不亮，请尽快维修。", code="repairs", **kwargs):
        return services.raise_case(
            actor=by or self.employee, floor=floor or self.floor2, category=category(code),
            description=description, channel=kwargs.pop("channel", Channel.APP), **kwargs,
        ).case


def make_world() -> World:
    building = BuildingFactory()
    floor1 = FloorFactory(building=building, number=1)
    floor2 = FloorFactory(building=building, number=2)
    leader = FloorLeaderFactory(floor=floor1).user
    enterprise = enterprise_on(floor2)
    employee = UserFactory(name="王员工")
    grant(employee, RoleKind.EMPLOYEE, enterprise)
    contact = UserFactory(name="李联系人")
    grant(contact, RoleKind.ENTERPRISE_CONTACT, enterprise)
    secretary = UserFactory(name="赵书记")
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    member = UserFactory()
    grant(member, RoleKind.COMMITTEE_MEMBER, building)
    property_staff = UserFactory()
    grant(property_staff, RoleKind.PROPERTY_STAFF, building)
    district_staff = UserFactory()
    grant(district_staff, RoleKind.DISTRICT_STAFF, building.party_committee)
    handler = HandlerFactory(building=building, name="物业公司", kind="property")
    handler_member = HandlerMemberFactory(handler=handler, user=UserFactory(name="钱物业")).user
    other_building = BuildingFactory()
    FloorFactory(building=other_building, number=1)
    other_secretary = UserFactory()
    grant(other_secretary, RoleKind.COMMITTEE_SECRETARY, other_building)
    other_handler_member = HandlerMemberFactory(handler=HandlerFactory(building=other_building)).user
    return World(building, floor1, floor2, leader, employee, enterprise, contact, secretary, member, property_staff,
                 district_staff, handler, handler_member, other_building, other_secretary, other_handler_member)


@pytest.fixture
def world() -> World:
    return make_world()


def dispatched(world, **kwargs) -> Case:
    case = world.raise_case(**kwargs)
    return services.accept(actor=world.secretary, case=case, handler=world.handler)


# ---------------------------------------------------------------------------------------------
# /cases/: the queues


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/cases/", "/buildings/X/cases/", "/buildings/X/cases/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_floor_leader_sees_the_new_cases_of_their_floors(client, world):
    mine = world.raise_case(floor=world.floor1, description="一楼大堂的门禁坏了。")
    elsewhere = world.raise_case(floor=world.floor2)
    client.force_login(world.leader)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert numbers(response) == [mine.number]
    assert "My floors" in text(response)
    assert elsewhere.number not in response.content.decode()


def test_a_handler_member_sees_only_their_handlers_assignments(client, world):
    case = dispatched(world)
    not_yet = world.raise_case(description="另一件事情，还没有派单。")
    client.force_login(world.handler_member)
    response = client.get("/cases/")
    assert numbers(response) == [case.number]
    assert not_yet.number not in response.content.decode()
    client.force_login(world.other_handler_member)
    assert case.number not in client.get("/cases/").content.decode()


def test_the_committee_triage_has_its_sections(client, world):
    with freeze_time(timezone.now() - datetime.timedelta(days=40)):
        old = world.raise_case(description="很久以前的事情，已经超时了。")  # past every deadline
        forgotten = world.raise_case(floor=world.floor1, description="一个多月前答复的，没有评价。")
        services.answer(actor=world.leader, case=forgotten, text="已经修好了。")
    with freeze_time(timezone.now() - datetime.timedelta(days=10)):
        closed = world.raise_case(floor=world.floor1, description="十天前答复了，没有评价。")
        services.answer(actor=world.leader, case=closed, text="已经修好了。")
    unled = world.raise_case(description="二楼没有楼长，委员会直接处理。")
    referred = world.raise_case(floor=world.floor1, description="一楼的事情，楼长转交。")
    services.pass_on(actor=world.leader, case=referred)
    replied = dispatched(world, description="已经派单并答复的事情。")
    services.reply(actor=world.handler_member, case=replied, text="已处理。")
    fresh_led = world.raise_case(floor=world.floor1, description="楼长还来得及处理的新事情。")
    client.force_login(world.secretary)
    response = client.get("/cases/?tab=triage")
    html = response.content.decode()
    sections = sections_of(html)
    assert referred.number in sections["referred"]
    assert unled.number in sections["stale"] and old.number in sections["stale"]
    assert replied.number in sections["replied"]
    assert old.number in sections["overdue"]
    assert closed.number in sections["follow_up"]
    assert forgotten.number not in html  # past the follow-up window: it stays unrated
    assert fresh_led.number not in html  # the floor leader still has time
    client.force_login(world.other_secretary)
    assert referred.number not in client.get("/cases/?tab=triage").content.decode()


def test_the_district_follows_what_is_escalated_and_overdue_not_each_referral(client, world):
    with freeze_time(timezone.now() - datetime.timedelta(days=40)):
        late = dispatched(world, description="派单以后一直没有办结的事情。")
    services.check_deadlines()  # overdue: level 1 (the committee) at once
    services.check_deadlines(now=timezone.now() + datetime.timedelta(days=5))  # a working day later: level 2
    overdue_only = dispatched(world, description="刚刚超时的事情。")
    Case.objects.filter(pk=overdue_only.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    referred = world.raise_case(floor=world.floor1, description="一楼的事情，楼长转交。")
    services.pass_on(actor=world.leader, case=referred)
    client.force_login(world.district_staff)
    html = client.get("/cases/?tab=triage").content.decode()
    sections = sections_of(html)
    assert set(sections) == {"escalated", "overdue"}
    assert late.number in sections["escalated"] and overdue_only.number not in sections["escalated"]
    assert late.number in sections["overdue"] and overdue_only.number in sections["overdue"]
    assert referred.number not in html  # the building's committee triages its referrals
    landing = client.get("/").content.decode()
    assert late.number in landing and overdue_only.number not in landing


def test_a_queue_stops_counting_at_the_cap(client, world, monkeypatch):
    """A whole district's queue never counts more than COUNT_CAP rows: it says "more than"."""
    from louwei.cases import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for n in range(3):
        dispatched(world, description=f"第{n}件超时的事情，需要区里督办。")
    Case.objects.update(due_at=timezone.now() - datetime.timedelta(hours=1), escalation_level=2)
    client.force_login(world.district_staff)
    with translation.override("en"):
        html = client.get("/cases/?tab=triage", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert sections_of(html)["overdue"].count("More than 2 cases") == 1
    assert "And many more" in html
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    html = client.get("/cases/?tab=triage", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than" not in html and "3 cases" in html


def test_everyone_sees_what_they_raised_and_an_employee_only_their_own(client, world):
    own = world.raise_case()
    colleague = UserFactory()
    grant(colleague, RoleKind.EMPLOYEE, world.enterprise)
    theirs = world.raise_case(by=colleague, description="同事提的诉求，别人看不到。")
    client.force_login(world.employee)
    response = client.get("/cases/")
    assert numbers(response) == [own.number]
    assert theirs.number not in response.content.decode()
    assert client.get(f"/cases/{theirs.number}/").status_code == 404


def test_an_enterprise_contact_follows_their_enterprises_cases(client, world):
    case = world.raise_case()
    client.force_login(world.contact)
    response = client.get("/cases/?tab=enterprise")
    assert numbers(response) == [case.number]


def test_tabs_by_what_the_person_is(client, world):
    user = world.leader
    grant(user, RoleKind.COMMITTEE_MEMBER, world.building)
    HandlerMemberFactory(handler=world.handler, user=user)
    client.force_login(user)
    html = client.get("/cases/").content.decode()
    tabs = re.findall(r'href="\?tab=([a-z]+)"', html)
    assert tabs == ["leader", "handler", "triage", "mine"]


def test_the_most_urgent_comes_first(client, world):
    later = world.raise_case(floor=world.floor1, description="一般的事情，七天内解决。")
    urgent = world.raise_case(floor=world.floor1, code="safety", description="消防通道被堵，非常紧急！")
    client.force_login(world.leader)
    assert numbers(client.get("/cases/"))[:2] == [urgent.number, later.number]


QUEUE_STATUSES = [Status.SUBMITTED, Status.REFERRED, Status.DISPATCHED, Status.REPLIED, Status.ACCEPTED]


def _many(world, n, start=0):
    for i in range(n):
        floor = world.floor1 if i % 2 else world.floor2
        CaseFactory(floor=floor, leader=world.leader if floor == world.floor1 else None, handler=world.handler,
                    status=QUEUE_STATUSES[i % 5],
                    submitted_by=world.employee, enterprise=world.enterprise,
                    number=f"20260101-{start + i + 1:04d}")


@pytest.mark.parametrize("role,tab,bound", [
    ("leader", "leader", 12), ("handler_member", "handler", 10), ("secretary", "triage", 17),
    ("employee", "mine", 9), ("contact", "enterprise", 9),
])
def test_queues_have_a_fixed_number_of_queries(client, world, django_assert_max_num_queries, role, tab, bound):
    client.force_login(getattr(world, role))
    _many(world, 3)
    with django_assert_max_num_queries(bound):
        assert client.get(f"/cases/?tab={tab}").status_code == 200
    _many(world, 60, start=100)
    with django_assert_max_num_queries(bound):
        response = client.get(f"/cases/?tab={tab}")
    assert response.status_code == 200 and numbers(response)


# ---------------------------------------------------------------------------------------------
# A building's case list


def test_building_staff_see_every_case_of_the_building(client, world):
    first = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    second = world.raise_case()
    for user in (world.secretary, world.member, world.property_staff, world.district_staff):
        client.force_login(user)
        response = client.get(f"/buildings/{world.building.code}/cases/")
        assert response.status_code == 200
        assert set(numbers(response)) == {first.number, second.number}


def test_a_floor_leader_sees_only_their_floors_in_the_building_list(client, world):
    mine = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    other = world.raise_case()
    client.force_login(world.leader)
    response = client.get(f"/buildings/{world.building.code}/cases/")
    assert numbers(response) == [mine.number]
    assert other.number not in response.content.decode()


def test_the_building_list_is_refused_outside_ones_building(client, world):
    for user in (world.other_secretary, world.handler_member, world.employee, world.contact):
        client.force_login(user)
        assert client.get(f"/buildings/{world.building.code}/cases/").status_code == 403
        assert client.get(f"/buildings/{world.building.code}/cases/export.xlsx").status_code == 403
        assert client.post(f"/buildings/{world.building.code}/cases/export.xlsx").status_code == 403


def test_the_building_list_filters(client, world):
    lift = world.raise_case(code="lifts", description="电梯异响，请检修。")
    light = world.raise_case(floor=world.floor1, description="走廊灯不亮了。")
    done = world.raise_case(floor=world.floor1, description="已经答复的问题。")
    services.answer(actor=world.leader, case=done, text="已处理。")
    client.force_login(world.secretary)
    url = f"/buildings/{world.building.code}/cases/"
    assert numbers(client.get(url, {"category": category("lifts").pk})) == [lift.number]
    assert set(numbers(client.get(url, {"category": category("building-services").pk}))) >= {lift.number}
    assert numbers(client.get(url, {"floor": world.floor1.pk, "status": "open"})) == [light.number]
    assert numbers(client.get(url, {"status": "closed"})) == [done.number]
    assert numbers(client.get(url, {"q": "电梯"})) == [lift.number]
    assert numbers(client.get(url, {"q": lift.number})) == [lift.number]
    assert numbers(client.get(url, {"overdue": "yes"})) == []
    assert numbers(client.get(url, {"channel": "qr"})) == []
    today = timezone.localdate().isoformat()
    assert len(numbers(client.get(url, {"since": today, "until": today}))) == 3
    assert numbers(client.get(url, {"handler": world.handler.pk})) == []
    htmx = client.get(url, {"q": "电梯"}, headers={"HX-Request": "true", "HX-Target": "case-results"})
    assert "<html" not in htmx.content.decode() and numbers(htmx) == [lift.number]


def test_the_building_list_has_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.secretary)
    url = f"/buildings/{world.building.code}/cases/"
    _many(world, 3)
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
    _many(world, 80, start=100)
    with django_assert_max_num_queries(11):
        response = client.get(url, {"status": "open", "q": "走廊"})
    assert len(numbers(response)) == 25
    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def export_url(world, query: str = "") -> str:
    return f"/buildings/{world.building.code}/cases/export.xlsx" + (f"?{query}" if query else "")


def test_the_excel_export_holds_the_filtered_list(client, world):
    lift = world.raise_case(code="lifts", description="电梯异响，请检修。")
    world.raise_case(floor=world.floor1, description="走廊灯不亮了。")
    client.force_login(world.secretary)
    # The list's button posts its filters to the export, which starts a job and answers at once.
    page = client.get(f"/buildings/{world.building.code}/cases/", {"category": category("lifts").pk})
    url = export_url(world, f"category={category('lifts').pk}")
    assert f'<form class="job-start" method="post" action="{url}">' in page.content.decode()
    start_page = client.get(url)
    assert start_page.status_code == 200 and start_page["Content-Type"].startswith("text/html")
    job = jobs.start(client, url)
    assert job.kind == "cases.export" and job.params == {"query": {"category": str(category("lifts").pk)}}
    jobs.run(job)
    assert job.status == "done" and job.progress_total == 1 and job.result_name.endswith(".xlsx")
    response = client.get(job.download_url)
    assert response["Content-Disposition"].startswith("attachment;")
    values = jobs.workbook_rows(b"".join(response.streaming_content))
    assert values[0][0] == "Tracking number"
    assert [row[0] for row in values[1:]] == [lift.number]
    row = values[1]
    assert row[2] == str(world.floor2.label) and row[3] == category("lifts").name_en
    assert row[6] == "With floor leader"
    assert row[8] == "电梯异响，请检修。"
    assert "13" not in "".join(str(v) for v in row if isinstance(v, str) and v.startswith("1"))  # no phone numbers
    assert Message.objects.filter(user=world.secretary, event="job.ready").count() == 1


def test_the_export_progress_counts_the_rows(client, world, monkeypatch):
    from louwei.cases import exports

    for _ in range(5):
        world.raise_case()
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    client.force_login(world.secretary)
    job = jobs.start(client, export_url(world))
    with CaptureQueriesContext(connection) as run_queries:
        jobs.run(job)
    seen = [int(n) for n in re.findall(r'"progress_done" = (\d+)', " ".join(q["sql"] for q in run_queries))]
    assert seen == [0, 0, 2, 4, 5]  # finding, writing, every second row, done
    assert job.progress_done == job.progress_total == 5


def test_a_description_that_looks_like_a_formula_stays_text_in_the_export(client, world):
    from openpyxl import load_workbook

    case = world.raise_case(description="=HYPERLINK(\"http://evil.example\",\"点这里领补贴\")")
    client.force_login(world.secretary)
    job = jobs.run(jobs.start(client, export_url(world)))
    sheet = load_workbook(io.BytesIO(jobs.download(client, job))).active
    cell = sheet.cell(row=2, column=9)
    assert sheet.cell(row=2, column=1).value == case.number
    assert cell.value == case.description and cell.data_type == "s" and cell.quotePrefix


def test_the_leaders_export_holds_only_their_floors(client, world):
    mine = world.raise_case(floor=world.floor1, description="一楼的事情需要处理。")
    world.raise_case()
    client.force_login(world.leader)
    job = jobs.run(jobs.start(client, export_url(world)))
    assert [row[0] for row in jobs.workbook_rows(jobs.download(client, job))[1:]] == [mine.number]
    # The secretary may export the building's cases too, but not open the leader's file.
    client.force_login(world.secretary)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(job.download_url).status_code == 404


def test_the_export_keeps_only_the_lists_filters(client, world):
    client.force_login(world.secretary)
    job = jobs.start(client, export_url(world, "q=abc&status=open&evil=1&page=3"))
    assert job.params == {"query": {"q": "abc", "status": "open"}}
    assert jobs.run(job).status == "done"
    # Control characters never reach a job: the address that holds one is refused (louwei.core.middleware).
    assert client.post(export_url(world, "q=a%00b%01c")).status_code == 400


def test_a_long_section_shows_the_most_urgent_rows_and_says_how_many_more(client, world):
    for i in range(12):
        CaseFactory(floor=world.floor1, leader=world.leader, status=Status.REFERRED, number=f"20260103-{i + 1:04d}",
                    respond_by=timezone.now() + datetime.timedelta(hours=i + 1))
    client.force_login(world.secretary)
    section = sections_of(client.get("/cases/?tab=triage").content.decode())["referred"]
    listed = re.findall(r'<span class="case-number">([0-9-]+)</span>', section)
    assert listed == [f"20260103-{i + 1:04d}" for i in range(5)]  # soonest deadline first
    assert "12 cases" in section and "And 7 more" in section


def test_raise_a_case_is_offered_only_where_it_leads_somewhere(client, world):
    """Handler staff have no enterprise on a floor and may not raise on anyone's behalf: the queue
    offers them no "Raise a case" button (it would answer 403); the others get it and it opens."""
    client.force_login(world.handler_member)
    assert 'href="/cases/new/"' not in client.get("/cases/").content.decode()
    assert client.get("/cases/new/").status_code == 403
    for role in ("employee", "contact", "leader", "secretary"):
        client.force_login(getattr(world, role))
        assert 'href="/cases/new/"' in client.get("/cases/").content.decode(), role
        assert client.get("/cases/new/", follow=True).status_code == 200, role
