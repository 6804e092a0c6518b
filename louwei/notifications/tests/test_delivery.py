"""E-mail delivery: quiet hours, the daily digest, the person's language, retries without duplicates."""

import datetime
import email
import email.policy
import zoneinfo

import pytest
from django.core import mail
from django.test.utils import CaptureQueriesContext
from django.db import connection
from freezegun import freeze_time

from louwei.accounts.models import User
from louwei.notifications import services, tasks
from louwei.notifications.models import Channel, DeliveryAttempt, DigestMode, Message, Status
from louwei.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def quiet_person(**kwargs):
    user = UserFactory(email="quiet@example.cn", **kwargs)
    services.save_preferences(actor=user, choices={}, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    return user


def test_quiet_hours_delay_the_email_until_they_end(django_capture_on_commit_callbacks):
    user = quiet_person()
    with freeze_time(at(2026, 11, 29, 23, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(event="notice.published", recipients=[user], title="夜间通知", key="n:1")
        message = Message.objects.get(channel=Channel.EMAIL)
        assert message.status == Status.QUEUED
        assert message.next_attempt_at == at(2026, 11, 30, 7, 0)
        # The inbox shows it at once.
        assert Message.objects.get(channel=Channel.INBOX).status == Status.SENT
    assert mail.outbox == []
    with freeze_time(at(2026, 11, 30, 6, 55)):
        tasks.release_quiet.call()
    assert mail.outbox == []
    with freeze_time(at(2026, 11, 30, 7, 0, 30)):
        tasks.release_quiet.call()
        tasks.release_quiet.call()
        tasks.retry_failed.call()
    assert [m.subject for m in mail.outbox] == ["【楼委通知】夜间通知"]
    assert Message.objects.get(channel=Channel.EMAIL).status == Status.SENT


def test_outside_quiet_hours_the_email_goes_at_once(django_capture_on_commit_callbacks):
    user = quiet_person()
    with freeze_time(at(2026, 11, 29, 12, 0)), django_capture_on_commit_callbacks(execute=True):
        services.notify(event="notice.published", recipients=[user], title="午间通知", key="n:2")
    assert len(mail.outbox) == 1


def test_daily_digest_groups_messages_into_one_email(django_capture_on_commit_callbacks):
    digest = UserFactory(email="digest@example.cn")
    services.save_preferences(actor=digest, choices={}, email_digest=DigestMode.DAILY)
    other = UserFactory(email="other@example.cn")
    with freeze_time(at(2026, 11, 29, 10, 0)):
        for n in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                services.notify(event="notice.published", recipients=[digest, other], title=f"通知{n}",
                                url=f"/notices/{n}/", key=f"n:{n}")
    assert [m.to for m in mail.outbox] == [["other@example.cn"]] * 3
    assert Message.objects.filter(user=digest, channel=Channel.EMAIL, for_digest=True, status=Status.QUEUED).count() == 3
    mail.outbox.clear()
    with freeze_time(at(2026, 11, 30, 8, 0)):
        result = tasks.send_digests.call()
        tasks.send_digests.call()
    assert result == {"digests": 1, "failed": 0}
    assert len(mail.outbox) == 1
    digest_mail = mail.outbox[0]
    assert digest_mail.to == ["digest@example.cn"]
    assert "3" in digest_mail.subject
    for n in range(3):
        assert f"通知{n}" in digest_mail.body
        assert f"http://127.0.0.1:8000/notices/{n}/" in digest_mail.body
    assert set(Message.objects.filter(user=digest, channel=Channel.EMAIL).values_list("status", flat=True)) == {
        Status.DIGESTED
    }
    assert DeliveryAttempt.objects.filter(message__user=digest, ok=True).count() == 3


def test_email_in_the_persons_language(django_capture_on_commit_callbacks):
    english = UserFactory(email="en@example.cn", language="en", name="Alice")
    chinese = UserFactory(email="zh@example.cn", language="zh-hans", name="王芳")
    default = UserFactory(email="default@example.cn", language="")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="notice.published", recipients=[english, chinese, default], title="税收优惠政策",
                        body="详见附件。", url="/notices/7/", key="n:7")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["en@example.cn"].subject == "[Louwei] 税收优惠政策"
    assert by_address["en@example.cn"].body.startswith("Hello Alice,")
    assert "Read more: http://127.0.0.1:8000/notices/7/" in by_address["en@example.cn"].body
    assert by_address["zh@example.cn"].subject == "【楼委通知】税收优惠政策"
    assert by_address["zh@example.cn"].body.startswith("王芳，您好：")
    assert "查看详情：http://127.0.0.1:8000/notices/7/" in by_address["zh@example.cn"].body
    assert by_address["default@example.cn"].subject.startswith("【楼委通知】")
    html, mime = by_address["zh@example.cn"].alternatives[0]
    assert mime == "text/html" and "详见附件。" in html


def test_failed_email_is_retried_with_backoff_and_sent_once(settings, django_capture_on_commit_callbacks):
    user = UserFactory(email="r@example.cn")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nobody listens
    with freeze_time(at(2026, 11, 29, 12, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(event="notice.published", recipients=[user], title="T", key="n:r")
        message = Message.objects.get(channel=Channel.EMAIL)
        assert (message.status, message.attempts) == (Status.FAILED, 1)
        assert message.next_attempt_at == at(2026, 11, 29, 12, 1)
        assert message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with freeze_time(at(2026, 11, 29, 12, 0, 30)):
        tasks.retry_failed.call()  # not due yet
    assert mail.outbox == []
    with freeze_time(at(2026, 11, 29, 12, 1, 30)):
        tasks.retry_failed.call()
        tasks.retry_failed.call()
        tasks.release_quiet.call()
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert list(DeliveryAttempt.objects.filter(message=message).order_by("at", "pk").values_list("ok", flat=True)) == [
        False, True
    ]


def _notify_queries(recipients, key):
    with CaptureQueriesContext(connection) as ctx:
        services.notify(event="notice.published", recipients=recipients, title="T", key=key)
    return len(ctx.captured_queries)


def test_notify_query_count_does_not_grow_with_recipients():
    User.objects.bulk_create([User(username=f"bulk{n}", email=f"b{n}@example.cn") for n in range(505)])
    few = User.objects.filter(username__in=[f"bulk{n}" for n in range(5)])
    many = User.objects.filter(username__startswith="bulk")
    assert _notify_queries(few, "few") == _notify_queries(many, "many") <= 4  # two INSERT … SELECT and the savepoint
    assert Message.objects.filter(key="many").count() == 2 * 505
    as_list = list(many)
    assert _notify_queries(as_list[:5], "list-few") == _notify_queries(as_list, "list-many")


def test_a_lost_enqueue_is_picked_up_by_the_periodic_job():
    user = UserFactory(email="lost@example.cn")
    services.notify(event="notice.published", recipients=[user], title="T", key="lost")  # on_commit never runs
    assert mail.outbox == []
    tasks.release_quiet.call()
    tasks.release_quiet.call()
    assert [m.to for m in mail.outbox] == [["lost@example.cn"]]


def test_each_digest_person_gets_one_email_with_only_their_messages(django_capture_on_commit_callbacks):
    a, b = UserFactory(email="a@example.cn"), UserFactory(email="b@example.cn", language="en")
    for user in (a, b):
        services.save_preferences(actor=user, choices={}, email_digest=DigestMode.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="notice.published", recipients=[a, b], title="共同通知", key="both")
        services.notify(event="notice.reminder", recipients=[a], title="只给A", key="only-a")
    assert tasks.send_digests.call() == {"digests": 2, "failed": 0}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"a@example.cn", "b@example.cn"}
    assert "共同通知" in by_address["a@example.cn"].body and "只给A" in by_address["a@example.cn"].body
    assert "只给A" not in by_address["b@example.cn"].body
    assert by_address["a@example.cn"].subject == "【楼委通知】每日摘要：2 条新通知"
    assert by_address["b@example.cn"].subject == "[Louwei] Daily digest: 1 new notification"


@pytest.mark.parametrize("language, prefix", [("zh-hans", "【楼委通知】"), ("en", "[Louwei] ")])
def test_subjects_are_plain_text_on_one_line(django_capture_on_commit_callbacks, language, prefix):
    """A subject is not HTML: "R&D" arrives as "R&D", not "R&amp;D"; a line break in a title never
    starts a new header. The HTML part stays escaped."""
    user = UserFactory(email="rd@example.cn", language=language)
    title = "R&D <实验室> \"开放日\" & 'O'Neil'\r\nBcc: evil@example.com"
    with freeze_time(at(2026, 11, 29, 12, 0)), django_capture_on_commit_callbacks(execute=True):
        services.notify(event="notice.published", recipients=[user], title=title, key="n:rd")
    (sent,) = mail.outbox
    assert sent.subject == prefix + "R&D <实验室> \"开放日\" & 'O'Neil' Bcc: evil@example.com"
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert parsed["Subject"].strip() == sent.subject and parsed["Bcc"] is None and sent.bcc == []
    assert "R&D <实验室>" in sent.body
    html, _type = sent.alternatives[0]
    assert "R&amp;D &lt;实验室&gt;" in html
