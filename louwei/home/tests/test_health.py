"""The staff health page: who may open it, what it counts, and that it still answers when a part is down."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.core import cache as fallback_cache
from louwei.core.tasks import settle_task_results
from louwei.notifications import delivery, services
from louwei.notifications.models import Channel, GroupMessage, Message, Status, WebhookEndpoint
from louwei.testing.factories import (
    BuildingFactory,
    FloorFactory,
    PartyCommitteeFactory,
    UserFactory,
    enterprise_on,
    grant,
)

pytestmark = pytest.mark.django_db

URL = "/health/"


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def district_staff(district):
    user = UserFactory()
    grant(user, RoleKind.DISTRICT_STAFF, district)
    return user


def settled_claim(building, key):
    """An e-mail whose worker died mid-send, settled as unknown."""
    person = UserFactory(email=f"{key}@example.cn")
    services.notify(event="notice.published", recipients=[person], title="通知", key=key, building=building)
    message = Message.objects.get(key=key, channel=Channel.EMAIL)
    assert delivery._claim(Message, message.pk)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=20)):
        delivery.settle_stale_claims()
    return message


def figure(response, section, label):
    for s in response.context["sections"]:
        if s.name == section:
            for f in s.figures:
                if str(f.label) == label:
                    return f
    raise AssertionError(f"no figure {label!r} in {section!r}")


def test_the_url_is_home_health():
    assert reverse("home:health") == URL


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("kind", [k for k in RoleKind.values if k != RoleKind.DISTRICT_STAFF])
def test_other_roles_are_refused(client, kind):
    building = BuildingFactory()
    floor = FloorFactory(building=building)
    scope = {
        RoleKind.COMMITTEE_SECRETARY: building, RoleKind.COMMITTEE_MEMBER: building,
        RoleKind.PROPERTY_STAFF: building, RoleKind.FLOOR_LEADER: floor,
    }.get(kind) or enterprise_on(floor)
    user = UserFactory()
    grant(user, kind, scope)
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_a_person_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_a_superuser_sees_every_section(client):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert response.status_code == 200
    assert [s.name for s in response.context["sections"]] == [
        "database", "cache", "tasks", "periodic", "notifications",
    ]
    html = response.content.decode()
    assert "系统运行状况" in html and "整个系统" in html
    assert "no-cache" in response["Cache-Control"]
    # every periodic job, by name
    assert "notifications.settle_stale_claims" in html and "core.settle_task_results" in html


def test_district_staff_see_the_notification_figures_of_their_district_only(client):
    district, other = PartyCommitteeFactory(code="D1"), PartyCommitteeFactory(code="D2")
    mine, theirs = BuildingFactory(party_committee=district), BuildingFactory(party_committee=other)
    settled_claim(mine, "a")
    settled_claim(mine, "b")
    settled_claim(theirs, "c")

    client.force_login(district_staff(district))
    response = client.get(URL)
    assert response.status_code == 200
    assert figure(response, "notifications", "近 7 天标记为“结果未知”的发送").value == 2
    assert figure(response, "notifications", "近 7 天结果未知的消息").value == 2
    assert "本辖区的楼宇" in response.content.decode()

    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert figure(response, "notifications", "近 7 天标记为“结果未知”的发送").value == 3


def test_failed_messages_are_counted_retrying_and_given_up(client):
    building = BuildingFactory()
    endpoint = WebhookEndpoint.objects.create(building=building, name="群", kind="wecom",
                                              url="https://qyapi.weixin.qq.com/x")
    for n, attempts in enumerate((1, delivery.MAX_ATTEMPTS)):
        GroupMessage.objects.create(endpoint=endpoint, event="e", title="t", key=f"k{n}", status=Status.FAILED,
                                    attempts=attempts)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert figure(response, "notifications", "正在重试的失败消息").value == 1
    given_up = figure(response, "notifications", "已放弃的失败消息（近 7 天）")
    assert (given_up.value, given_up.state) == (1, "danger")


def test_the_task_queue_depth_the_oldest_task_and_settled_results(client):
    client.force_login(UserFactory(is_superuser=True))
    with freeze_time(timezone.now() - datetime.timedelta(hours=1)):
        old = settle_task_results.enqueue()
    settle_task_results.enqueue()
    killed = settle_task_results.enqueue()
    row = DBTaskResult.objects.get(pk=killed.id)
    with freeze_time(timezone.now() - datetime.timedelta(hours=8)):
        row.claim("a-killed-worker")
    DBTaskResult.objects.filter(pk=old.id).update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
    settle_task_results.call()

    response = client.get(URL)
    assert figure(response, "tasks", "等待中的任务").value == 2
    oldest = figure(response, "tasks", "最早的等待任务已等待")
    assert oldest.value.startswith("1") and oldest.state == "warn"
    assert figure(response, "tasks", "近 7 天处理的停滞任务").value == 1
    assert DBTaskResult.objects.get(pk=killed.id).status == TaskResultStatus.FAILED


def test_a_periodic_job_that_missed_its_slot_is_flagged(client):
    from louwei.core import periodic
    from louwei.core.models import PeriodicRun

    job = periodic.registry.get("notifications.retry_failed")  # every minute, 2 minutes' grace
    now = timezone.now()
    PeriodicRun.objects.create(job=job.name, slot=now - datetime.timedelta(hours=1))
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert figure(response, "periodic", job.name).state == "warn"
    PeriodicRun.objects.create(job=job.name, slot=job.latest_slot(now))
    assert figure(client.get(URL), "periodic", job.name).state == "ok"


def test_the_page_answers_while_redis_is_down_and_says_so(client, settings):
    from louwei.settings.base import redis_settings
    from louwei.tests.test_redis_down import DOWN_REDIS

    config = redis_settings(DOWN_REDIS)
    settings.CACHES = config["CACHES"]
    settings.RQ_QUEUES = config["RQ_QUEUES"]
    settings.TASKS = config["TASKS"]
    fallback_cache._down_until.clear()
    try:
        client.force_login(UserFactory(is_superuser=True))
        response = client.get(URL)
    finally:
        fallback_cache._down_until.clear()
    assert response.status_code == 200
    redis = figure(response, "cache", "redis")
    assert redis.state == "danger"
    assert figure(response, "cache", "default").state == "warn", "the database cache stands in"
    assert figure(response, "tasks", "Redis").state == "danger"
    assert figure(response, "tasks", "数据库发件箱中等待的任务").value == 0
    labels = [str(f.label) for s in response.context["sections"] if s.name == "tasks" for f in s.figures]
    assert labels.count("等待中的任务") == 0, "the outbox is not shown as a queue of its own"


def test_the_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries):
    client.force_login(UserFactory(is_superuser=True))
    with django_assert_max_num_queries(20):
        assert client.get(URL).status_code == 200
    building = BuildingFactory()
    for n in range(15):
        settled_claim(building, f"m{n}")
    with django_assert_max_num_queries(20):
        assert client.get(URL).status_code == 200


def test_a_task_deferred_to_later_is_not_counted_as_waiting(client):
    settle_task_results.using(run_after=timezone.now() + datetime.timedelta(days=1)).enqueue()
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert figure(response, "tasks", "等待中的任务").value == 0
    assert figure(response, "tasks", "最早的等待任务已等待").state == "ok"


def test_the_navigation_leads_district_staff_and_superusers_to_the_page(client):
    district = PartyCommitteeFactory()
    building = BuildingFactory(party_committee=district)
    secretary = UserFactory()
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    for user, shown in ((district_staff(district), True), (UserFactory(is_superuser=True), True), (secretary, False)):
        client.force_login(user)
        html = client.get("/").content.decode()
        assert (f'href="{URL}"' in html) is shown
