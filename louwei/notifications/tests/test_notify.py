import pytest
from django.core import mail

from louwei.notifications import events, services
from louwei.notifications.models import Channel, Message, Preference, Status
from louwei.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_queues_one_message_per_user_and_channel(django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3, email="x@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        count = services.notify(event="notice.published", recipients=users, title="通知", key="notice:1:published")
    assert count == 6
    assert Message.objects.filter(channel=Channel.INBOX, status=Status.SENT).count() == 3
    assert Message.objects.filter(channel=Channel.EMAIL, status=Status.SENT).count() == 3
    assert len(mail.outbox) == 3


def test_same_key_twice_is_one_message_per_user_and_channel(django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(2, email="x@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(event="notice.published", recipients=users, title="A", key="k1")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.notify(event="notice.published", recipients=users, title="A again", key="k1")
    assert (first, second) == (4, 0)
    assert Message.objects.count() == 4
    assert len(mail.outbox) == 2
    # A new person for the same event still gets it, the others not again.
    late = UserFactory(email="late@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        third = services.notify(event="notice.published", recipients=[*users, late], title="A", key="k1")
    assert third == 2
    assert [m.to for m in mail.outbox[2:]] == [["late@example.cn"]]


def test_queryset_recipients_and_unknown_event():
    UserFactory.create_batch(2, email="")
    from django.contrib.auth import get_user_model

    count = services.notify(event="notice.reminder", recipients=get_user_model().objects.all(), title="T", key="k")
    assert count == 2  # no e-mail address: inbox only
    with pytest.raises(LookupError):
        services.notify(event="no.such.event", recipients=[], title="T", key="k")


def test_preferences_are_respected(django_capture_on_commit_callbacks):
    quiet, normal = UserFactory(email="q@example.cn"), UserFactory(email="n@example.cn")
    services.save_preferences(actor=quiet, choices={("notice.published", Channel.EMAIL): False})
    assert Preference.objects.filter(user=quiet, enabled=False).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        count = services.notify(event="notice.published", recipients=[quiet, normal], title="T", key="k")
    assert count == 3
    assert set(Message.objects.filter(user=quiet).values_list("channel", flat=True)) == {Channel.INBOX}
    assert [m.to for m in mail.outbox] == [["n@example.cn"]]
    # Other event kinds keep their defaults.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="notice.reminder", recipients=[quiet], title="R", key="r")
    assert Message.objects.filter(user=quiet, key="r").count() == 2


def test_inactive_users_get_nothing():
    gone = UserFactory(is_active=False, email="g@example.cn")
    assert services.notify(event="notice.published", recipients=[gone], title="T", key="k") == 0


def test_registered_kinds():
    assert {"notice.published", "notice.reminder"} <= {k.kind for k in events.all_kinds()}
    assert events.lookup("notice.published").default_channels == (Channel.INBOX, Channel.EMAIL)


def test_periodic_jobs_are_registered():
    from louwei.core import periodic

    jobs = {job.name: job.cron for job in periodic.jobs()}
    assert jobs["notifications.retry_failed"] == "* * * * *"
    assert jobs["notifications.release_quiet"] == "*/5 * * * *"
    assert jobs["notifications.send_digests"] == "0 8 * * *"


def test_building_and_long_texts_are_kept_within_limits():
    from louwei.testing.factories import BuildingFactory

    building = BuildingFactory()
    user = UserFactory()
    services.notify(event="notice.published", recipients=[user.pk], title="长" * 300, url="/x/", key="k" * 300,
                    building=building)
    message = Message.objects.get(channel=Channel.INBOX)
    assert (len(message.title), len(message.key), message.building) == (200, 200, building)
