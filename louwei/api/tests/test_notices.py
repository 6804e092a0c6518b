"""Notices on the API: who sees which, read receipts, deliveries and read state for staff, denials."""

from __future__ import annotations

import pytest

from louwei.accounts.models import RoleKind
from louwei.notices import services as notice_services
from louwei.notices.models import Delivery, Read
from louwei.testing.factories import UserFactory, grant

NOTICES = "/api/v1/notices/"


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def notices(site, people):
    """In building A: a published notice to floor 2, a draft; in A's district: a published policy to
    all of A; in B: a published notice to all of B."""
    secretary, district = people["secretary_a"], people["district_a"]
    floor2 = notice_services.create_draft(
        actor=secretary, scope=site.a, title="二楼停水通知", body="**周六** 停水。",
        audience={"floors": [site.a_floors[2]]},
    )
    notice_services.publish(actor=secretary, notice=floor2)
    draft = notice_services.create_draft(actor=secretary, scope=site.a, title="草稿")
    policy = notice_services.create_draft(
        actor=district, scope=site.a.party_committee, title="稳岗补贴政策", kind="policy",
        issuing_body="区人社局", topic="补贴",
    )
    notice_services.publish(actor=district, notice=policy)
    secretary_b = UserFactory(username="secretary_b")
    grant(secretary_b, RoleKind.COMMITTEE_SECRETARY, site.b)
    in_b = notice_services.create_draft(actor=secretary_b, scope=site.b, title="B座通知")
    notice_services.publish(actor=secretary_b, notice=in_b)
    people["secretary_b"] = secretary_b
    return {"floor2": floor2, "draft": draft, "policy": policy, "in_b": in_b}


def test_anonymous_gets_401(anon, notices):
    assert anon.get(NOTICES).status_code == 401
    assert anon.post(f"{NOTICES}{notices['floor2'].pk}/read/").status_code == 401


def test_who_sees_which_notices(api_as, notices):
    n = {k: v.pk for k, v in notices.items()}
    assert ids(api_as("secretary_a").get(NOTICES)) == sorted([n["floor2"], n["draft"], n["policy"]])
    assert ids(api_as("district_a").get(NOTICES)) == sorted([n["floor2"], n["draft"], n["policy"]])
    assert ids(api_as("contact_a2").get(NOTICES)) == sorted([n["floor2"], n["policy"]])
    assert ids(api_as("employee_a3").get(NOTICES)) == [n["policy"]]
    assert ids(api_as("secretary_b").get(NOTICES)) == [n["in_b"]]
    assert ids(api_as("nobody").get(NOTICES)) == []
    assert ids(api_as("contact_a2").get(NOTICES, {"kind": "policy"})) == [n["policy"]]
    assert api_as("contact_a2").get(NOTICES, {"kind": "memo"}).status_code == 400


def test_notices_of_another_scope_are_404(api_as, notices):
    assert api_as("leader_b1").get(f"{NOTICES}{notices['floor2'].pk}/").status_code == 404
    assert api_as("secretary_b").get(f"{NOTICES}{notices['policy'].pk}/").status_code == 404
    assert api_as("contact_a2").get(f"{NOTICES}{notices['draft'].pk}/").status_code == 404
    assert api_as("employee_a3").get(f"{NOTICES}{notices['floor2'].pk}/").status_code == 404


def test_enterprise_person_reads_a_notice(api_as, people, site, notices):
    client = api_as("contact_a2")
    url = f"{NOTICES}{notices['floor2'].pk}/"
    body = client.get(url).json()
    assert body["title"] == "二楼停水通知" and body["is_read"] is False and body["read_state"] is None
    assert "<strong>周六</strong>" in body["body_html"] and body["body"] == "**周六** 停水。"
    assert client.post(f"{url}read/").json() == {"is_read": True, "first_time": True}
    assert client.post(f"{url}read/").json() == {"is_read": True, "first_time": False}
    assert client.get(url).json()["is_read"] is True
    delivery = Delivery.objects.get(notice=notices["floor2"], enterprise=site.a_enterprises[2][0])
    assert delivery.first_read_by == people["contact_a2"]
    assert Read.objects.filter(delivery=delivery).count() == 1


def test_only_receiving_people_can_mark_read(api_as, notices):
    # Staff see the notice but did not receive it: 403; outside the audience: 404.
    assert api_as("secretary_a").post(f"{NOTICES}{notices['floor2'].pk}/read/").status_code == 403
    assert api_as("employee_a3").post(f"{NOTICES}{notices['floor2'].pk}/read/").status_code == 404
    assert api_as("contact_a2").get(f"{NOTICES}{notices['floor2'].pk}/read/").status_code == 405
    assert not Read.objects.exists()


def test_staff_see_deliveries_and_read_state(api_as, people, site, notices):
    api_as("contact_a2").post(f"{NOTICES}{notices['floor2'].pk}/read/")
    client = api_as("secretary_a")
    detail = client.get(f"{NOTICES}{notices['floor2'].pk}/").json()
    assert detail["read_state"] == {"reached": 2, "read": 1, "relayed": 0}
    assert detail["is_read"] is None and detail["building"] == "TB-A"
    rows = client.get(f"{NOTICES}{notices['floor2'].pk}/deliveries/").json()["results"]
    by_name = {row["enterprise"]["name"]: row for row in rows}
    read_row = by_name[site.a_enterprises[2][0].name]
    assert read_row["first_read_by"] == people["contact_a2"].name
    assert [r["name"] for r in read_row["readers"]] == [people["contact_a2"].name]
    assert by_name[site.a_enterprises[2][1].name]["first_read_at"] is None
    unread = client.get(f"{NOTICES}{notices['floor2'].pk}/deliveries/", {"unread": "true"}).json()
    assert [row["enterprise"]["id"] for row in unread["results"]] == [site.a_enterprises[2][1].pk]


def test_floor_leader_sees_only_deliveries_on_their_floor(api_as, site, notices):
    client = api_as("leader_a2")
    policy = notices["policy"]
    assert client.get(f"{NOTICES}{policy.pk}/").json()["read_state"]["reached"] == 2
    rows = client.get(f"{NOTICES}{policy.pk}/deliveries/").json()
    assert sorted(r["enterprise"]["id"] for r in rows["results"]) == sorted(e.pk for e in site.a_enterprises[2])
    # The district sees every delivery of its policy.
    detail = api_as("district_a").get(f"{NOTICES}{policy.pk}/").json()
    assert detail["read_state"]["reached"] == len(site.enterprises_in_a())
    assert detail["kind"] == "policy" and detail["building"] is None
    assert detail["district"] == site.a.party_committee.code and detail["issuing_body"] == "区人社局"


def test_enterprise_people_cannot_list_deliveries(api_as, notices):
    assert api_as("contact_a2").get(f"{NOTICES}{notices['floor2'].pk}/deliveries/").status_code == 403


def test_withdrawn_notice_leaves_enterprise_lists_but_stays_for_staff(api_as, people, notices):
    notice_services.withdraw(actor=people["secretary_a"], notice=notices["floor2"], reason="改期")
    assert notices["floor2"].pk not in ids(api_as("contact_a2").get(NOTICES))
    row = api_as("secretary_a").get(f"{NOTICES}{notices['floor2'].pk}/").json()
    assert row["status"] == "withdrawn" and row["withdrawn_at"]


@pytest.mark.parametrize("who", ["secretary_a", "contact_a2", "leader_a2"])
def test_notice_list_query_count_does_not_grow(api_as, people, site, notices, who, django_assert_max_num_queries):
    # The lock-out check (a cache read), the token, the roles, (enterprise people: their districts), the
    # count, the page, the attachments.
    client = api_as(who)
    client.get(NOTICES)
    with django_assert_max_num_queries(7):
        small = client.get(NOTICES)
    for i in range(8):
        extra = notice_services.create_draft(actor=people["secretary_a"], scope=site.a, title=f"通知{i}")
        notice_services.publish(actor=people["secretary_a"], notice=extra)
    with django_assert_max_num_queries(7):
        large = client.get(NOTICES)
    assert large.json()["count"] > small.json()["count"]


def test_deliveries_query_count_does_not_grow(api_as, people, site, notices, django_assert_max_num_queries):
    client = api_as("district_a")
    url = f"{NOTICES}{notices['policy'].pk}/deliveries/"
    client.get(url)
    # The lock-out check of the token (database cache), and one query for "is it in my scope".
    with django_assert_max_num_queries(9):
        small = client.get(url)
    site.more(5)
    late = notice_services.create_draft(actor=people["district_a"], scope=site.a.party_committee, title="新政策")
    notice_services.publish(actor=people["district_a"], notice=late)
    with django_assert_max_num_queries(9):
        large = client.get(f"{NOTICES}{late.pk}/deliveries/")
    assert large.json()["count"] > small.json()["count"]


def test_unread_on_my_floors_for_a_floor_leader(api_as, people, site, notices, django_assert_max_num_queries):
    api_as("contact_a2").post(f"{NOTICES}{notices['floor2'].pk}/read/")
    client = api_as("leader_a2")
    client.get(f"{NOTICES}unread-on-my-floors/")
    with django_assert_max_num_queries(6):
        groups = client.get(f"{NOTICES}unread-on-my-floors/").json()
    by_notice = {g["notice"]["id"]: g for g in groups}
    assert set(by_notice) == {notices["floor2"].pk, notices["policy"].pk}
    assert all(g["floor"] == "TB-A-02" for g in groups)
    # The floor-2 notice: one of the two enterprises read it, the other has not.
    assert [d["enterprise"]["id"] for d in by_notice[notices["floor2"].pk]["deliveries"]] == [
        site.a_enterprises[2][1].pk
    ]
    assert len(by_notice[notices["policy"].pk]["deliveries"]) == 2
    # Nobody else has floors of their own.
    assert api_as("secretary_a").get(f"{NOTICES}unread-on-my-floors/").json() == []
    assert api_as("contact_a2").get(f"{NOTICES}unread-on-my-floors/").json() == []
