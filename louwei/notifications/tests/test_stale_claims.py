"""A worker that dies between claiming a message and recording the outcome: the claim is settled as
"unknown" after the limit, shown in the delivery log and never sent again (a lost message is
preferred to a duplicate)."""

import datetime

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.notifications import delivery, services, tasks
from louwei.notifications.models import Channel, DeliveryAttempt, GroupMessage, Message, Status, WebhookEndpoint
from louwei.testing.factories import BuildingFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What the worker process sees of a SIGKILL: nothing after this point runs."""


class KilledMidSendBackend(BaseEmailBackend):
    """The worker dies while the SMTP server is receiving the message."""

    def send_messages(self, email_messages):
        raise WorkerKilled


def killed_while_sending(settings, capture, building, key="notice:9:published"):
    """A notice's e-mail claimed by a worker that is killed during the send."""
    person = UserFactory(email="person@example.cn")
    settings.EMAIL_BACKEND = "louwei.notifications.tests.test_stale_claims.KilledMidSendBackend"
    with capture(execute=True):  # the task dies in the send (the immediate backend records it failed)
        services.notify(event="notice.published", recipients=[person], title="停电通知", key=key, building=building)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Message.objects.get(channel=Channel.EMAIL, key=key)


def test_a_claim_older_than_the_limit_becomes_unknown_and_is_never_sent_again(
    settings, django_capture_on_commit_callbacks
):
    settings.LOUWEI_SENDING_STALE_MINUTES = 15
    building = BuildingFactory()
    message = killed_while_sending(settings, django_capture_on_commit_callbacks, building)
    assert message.status == Status.SENDING
    assert message.claimed_at is not None

    with freeze_time(message.claimed_at + datetime.timedelta(minutes=14)):
        assert tasks.settle_stale_claims.call() == {"messages": 0, "group_messages": 0}
    assert Message.objects.get(pk=message.pk).status == Status.SENDING

    with freeze_time(message.claimed_at + datetime.timedelta(minutes=16)):
        assert tasks.settle_stale_claims.call() == {"messages": 1, "group_messages": 0}
        assert tasks.settle_stale_claims.call() == {"messages": 0, "group_messages": 0}
        # The retry jobs leave it alone: no duplicate.
        tasks.retry_failed.call()
        tasks.release_quiet.call()
        tasks.send_digests.call()

    message.refresh_from_db()
    assert message.status == Status.UNKNOWN
    assert message.attempts == 1
    assert mail.outbox == []
    (attempt,) = DeliveryAttempt.objects.filter(message=message)
    assert attempt.ok is None
    assert attempt.building == building


def test_a_group_chat_message_claimed_by_a_dead_worker_is_settled_too(settings):
    settings.LOUWEI_SENDING_STALE_MINUTES = 15
    building = BuildingFactory()
    endpoint = WebhookEndpoint.objects.create(building=building, name="楼宇群", kind="wecom",
                                              url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x")
    services.notify_groups(event="notice.published", building=building, title="t", key="g:1")
    message = GroupMessage.objects.get(endpoint=endpoint)
    assert delivery._claim(GroupMessage, message.pk)  # the worker's claim, then the worker is gone

    with freeze_time(timezone.now() + datetime.timedelta(minutes=16)):
        assert tasks.settle_stale_claims.call() == {"messages": 0, "group_messages": 1}
        tasks.retry_failed.call()
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN
    assert DeliveryAttempt.objects.get(group_message=message).ok is None


def test_a_send_still_in_progress_is_not_settled(settings, django_capture_on_commit_callbacks):
    settings.LOUWEI_SENDING_STALE_MINUTES = 30
    message = killed_while_sending(settings, django_capture_on_commit_callbacks, BuildingFactory())
    with freeze_time(message.claimed_at + datetime.timedelta(minutes=20)):
        assert tasks.settle_stale_claims.call()["messages"] == 0


def test_the_delivery_log_shows_the_unknown_outcome(client, settings, django_capture_on_commit_callbacks):
    building = BuildingFactory()
    message = killed_while_sending(settings, django_capture_on_commit_callbacks, building)
    with freeze_time(message.claimed_at + datetime.timedelta(minutes=16)):
        tasks.settle_stale_claims.call()
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    client.force_login(secretary)

    response = client.get(reverse("notifications:building", args=[building.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "未知" in html
    assert "可能已送达，也可能没有" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("notifications:building", args=[building.code]))
    assert "Unknown" in response.content.decode()


def test_the_settle_job_runs_every_five_minutes():
    from louwei.core import periodic

    job = periodic.registry.get("notifications.settle_stale_claims")
    assert job.cron == "*/5 * * * *"
    assert job.task is tasks.settle_stale_claims


def test_mail_never_waits_longer_than_the_claim_limit(settings):
    """A hung SMTP server must not keep a live send past the limit, or it would be settled as unknown."""
    assert settings.EMAIL_TIMEOUT < settings.LOUWEI_SENDING_STALE_MINUTES * 60
    assert delivery.WEBHOOK_TIMEOUT < settings.LOUWEI_SENDING_STALE_MINUTES * 60
