"""Publishing, scheduling or cancelling a notice that has moved on (published or withdrawn in another
tab, by a colleague, or by the scheduler): a translated message and the notice's page, or a 409 with
the message for htmx; never a 500. Also for the loser of two simultaneous publishes."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from louwei.access import SYSTEM
from louwei.core.models import AuditEvent
from louwei.notices import services
from louwei.notices.models import Delivery, NoticeStatus
from louwei.testing.concurrency import race

pytestmark = pytest.mark.django_db


def later() -> str:
    return (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def post(client, notice, **data):
    return client.post(reverse("notices:publish", args=[notice.pk]), data)


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def published(park):
    return park.notice()


@pytest.fixture
def withdrawn(park):
    return services.withdraw(actor=SYSTEM, notice=park.notice(), reason="重复")


@pytest.mark.parametrize("data", [{"when": "now"}, {"when": "cancel"}, {"when": "later", "publish_at": later()}, {}])
def test_a_published_notice_answers_with_a_message_not_a_500(client, park, published, data):
    client.force_login(park.secretary)
    client.cookies["django_language"] = "en"
    response = post(client, published, **data)
    assert response.status_code == 302 and response["Location"] == reverse("notices:detail", args=[published.pk])
    assert shown(response) == ["This notice is already published."]
    published.refresh_from_db()
    assert published.status == NoticeStatus.PUBLISHED


@pytest.mark.parametrize("data", [{"when": "now"}, {"when": "cancel"}, {"when": "later", "publish_at": later()}])
def test_a_withdrawn_notice_answers_with_a_message_in_chinese_by_default(client, park, withdrawn, data):
    client.force_login(park.secretary)
    response = post(client, withdrawn, **data)
    assert response.status_code == 302
    assert shown(response) == ["该通知已撤回。"]
    withdrawn.refresh_from_db()
    assert withdrawn.status == NoticeStatus.WITHDRAWN


def test_htmx_gets_a_409_with_the_message(client, park, published):
    client.force_login(park.secretary)
    with translation.override("en"):
        response = client.post(reverse("notices:publish", args=[published.pk]), {"when": "now"},
                               HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "This notice is already published." in response.content.decode()


def test_cancelling_a_schedule_that_is_gone_says_so(client, park):
    draft = park.notice(publish=False)
    client.force_login(park.secretary)
    client.cookies["django_language"] = "en"
    response = post(client, draft, when="cancel")
    assert response.status_code == 302
    assert shown(response) == ["This notice is not scheduled."]


def test_withdrawing_twice_says_it_is_already_withdrawn(client, park, withdrawn):
    client.force_login(park.secretary)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("notices:withdraw", args=[withdrawn.pk]), {"reason": "again"})
    assert response.status_code == 302
    assert shown(response) == ["This notice is already withdrawn."]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_publishes_have_one_winner_and_no_500(park):
    """On PostgreSQL the two requests really race (the row lock decides); on SQLite they take turns."""
    notice = park.notice(publish=False)
    clients = [Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False) for _ in range(2)]
    for client in clients:
        client.force_login(park.secretary)
        client.cookies["django_language"] = "en"

    def publish(client):
        response = post(client, notice, when="now")
        return response.status_code, shown(response)

    results, errors = race(*[lambda c=c: publish(c) for c in clients])
    assert errors == []
    assert sorted(results) == [(302, ["Published."]), (302, ["This notice is already published."])]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert Delivery.objects.filter(notice=notice).count() == 5
    assert AuditEvent.objects.filter(verb="notice.published", target_id=str(notice.pk)).count() == 1
