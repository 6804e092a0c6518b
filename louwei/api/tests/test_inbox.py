"""The inbox on the API: only one's own messages; mark one or all read; the unread count."""

from __future__ import annotations

import pytest

from louwei.accounts.models import User
from louwei.notifications.models import Channel, Message
from louwei.notifications.services import notify

INBOX = "/api/v1/inbox/"


def tell(user, key, title="二楼停水通知"):
    notify(event="notice.published", recipients=User.objects.filter(pk=user.pk), title=title, key=key)
    return Message.objects.get(user=user, key=key, channel=Channel.INBOX)


def test_anonymous_gets_401(anon, db):
    assert anon.get(INBOX).status_code == 401
    assert anon.post(f"{INBOX}read-all/").status_code == 401


def test_inbox_shows_only_ones_own_messages(api_as, people):
    mine = tell(people["contact_a2"], "k1")
    tell(people["employee_a3"], "k2", title="别人的")
    body = api_as("contact_a2").get(INBOX).json()
    assert [m["id"] for m in body["results"]] == [mine.pk]
    assert body["results"][0]["title"] == "二楼停水通知" and body["results"][0]["read_at"] is None
    assert api_as("employee_a3").get(f"{INBOX}{mine.pk}/").status_code == 404
    assert api_as("employee_a3").post(f"{INBOX}{mine.pk}/read/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_one_and_all_read(api_as, people):
    first, second, third = (tell(people["contact_a2"], f"k{i}") for i in range(3))
    client = api_as("contact_a2")
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 3}
    body = client.post(f"{INBOX}{first.pk}/read/").json()
    assert body["id"] == first.pk and body["read_at"]
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 2}
    unread = client.get(INBOX, {"unread": "true"}).json()["results"]
    assert sorted(m["id"] for m in unread) == sorted([second.pk, third.pk])
    assert client.post(f"{INBOX}read-all/").json() == {"marked": 2}
    assert client.get(f"{INBOX}unread-count/").json() == {"unread": 0}


def test_inbox_is_read_only_otherwise(api_as, people):
    message = tell(people["contact_a2"], "k1")
    client = api_as("contact_a2")
    assert client.delete(f"{INBOX}{message.pk}/").status_code == 405
    assert client.post(INBOX, {"title": "x"}, format="json").status_code == 405


@pytest.mark.parametrize("n", [1, 25])
def test_inbox_query_count_does_not_grow(api_as, people, n, django_assert_max_num_queries):
    for i in range(n):
        tell(people["contact_a2"], f"k{i}")
    client = api_as("contact_a2")
    client.get(INBOX)
    with django_assert_max_num_queries(5):
        response = client.get(INBOX)
    assert response.json()["count"] == n
