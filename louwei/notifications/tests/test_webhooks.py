"""Group-chat robots, delivered to a real HTTP server on 127.0.0.1 started by the test."""

import base64
import datetime
import hashlib
import hmac

import pytest
from django.utils import timezone
from freezegun import freeze_time

from louwei.notifications import services, tasks
from louwei.notifications.delivery import dingtalk_signed_url
from louwei.notifications.models import DeliveryAttempt, GroupMessage, Status, WebhookEndpoint, WebhookKind
from louwei.testing.factories import BuildingFactory, FloorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    return BuildingFactory()


def endpoint(building, url, kind=WebhookKind.WECOM, **kwargs):
    return WebhookEndpoint.objects.create(building=building, name=f"{kind} robot", kind=kind, url=url, **kwargs)


def send(capture, building, key="notice:1:published", **kwargs):
    with capture(execute=True):
        return services.notify_groups(
            event="notice.published", building=building, title="关于申报高新技术企业的通知",
            body="请各企业于12月15日前提交材料。", url="/notices/1/", key=key, **kwargs,
        )


def test_wecom_robot_receives_markdown(building, robot, django_capture_on_commit_callbacks):
    server = robot()
    endpoint(building, f"{server.url}/cgi-bin/webhook/send?key=abc")
    assert send(django_capture_on_commit_callbacks, building) == 1
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["path"] == "/cgi-bin/webhook/send"
    assert request["query"] == {"key": ["abc"]}
    assert request["content_type"].startswith("application/json")
    assert request["body"] == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**关于申报高新技术企业的通知**\n请各企业于12月15日前提交材料。\n[查看](http://127.0.0.1:8000/notices/1/)",
        },
    }
    message = GroupMessage.objects.get()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert DeliveryAttempt.objects.get().status_code == 200


def test_dingtalk_robot_receives_markdown_with_signature(building, robot, django_capture_on_commit_callbacks):
    server = robot()
    secret = "SEC0123456789abcdef"
    endpoint(building, f"{server.url}/robot/send?access_token=tok", kind=WebhookKind.DINGTALK, secret=secret)
    before = int(timezone.now().timestamp() * 1000)
    assert send(django_capture_on_commit_callbacks, building) == 1
    request = server.requests[0]
    assert request["body"] == {
        "msgtype": "markdown",
        "markdown": {
            "title": "关于申报高新技术企业的通知",
            "text": "### 关于申报高新技术企业的通知\n\n请各企业于12月15日前提交材料。\n\n[查看](http://127.0.0.1:8000/notices/1/)",
        },
    }
    assert request["query"]["access_token"] == ["tok"]
    (timestamp,), (sign,) = request["query"]["timestamp"], request["query"]["sign"]
    assert before <= int(timestamp) <= before + 60_000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected  # parse_qs decoded the URL-encoding


def test_dingtalk_without_secret_is_not_signed(building, robot, django_capture_on_commit_callbacks):
    server = robot()
    endpoint(building, f"{server.url}/robot/send?access_token=tok", kind=WebhookKind.DINGTALK)
    send(django_capture_on_commit_callbacks, building)
    assert set(server.requests[0]["query"]) == {"access_token"}


def test_signed_url_encodes_the_signature():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1700000000000)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign=")
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]


def test_failing_webhook_is_retried_and_delivered_exactly_once(building, robot, django_capture_on_commit_callbacks):
    server = robot(statuses=(500, 200))
    endpoint(building, f"{server.url}/hook")
    start = timezone.now()
    with freeze_time(start):
        send(django_capture_on_commit_callbacks, building)
        message = GroupMessage.objects.get()
        assert (message.status, message.attempts) == (Status.FAILED, 1)
        assert message.last_error == "HTTP 500"
        assert message.next_attempt_at == start + datetime.timedelta(minutes=1)
        tasks.retry_failed.call()  # backoff not over
        # The same event again is not a second message.
        assert send(django_capture_on_commit_callbacks, building) == 0
    assert len(server.requests) == 1
    with freeze_time(start + datetime.timedelta(minutes=1, seconds=5)):
        tasks.retry_failed.call()
        tasks.retry_failed.call()
    with freeze_time(start + datetime.timedelta(hours=1)):
        tasks.retry_failed.call()
    assert [r["status"] for r in server.requests] == [500, 200]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    log = DeliveryAttempt.objects.filter(group_message=message).order_by("at", "pk")
    assert [(a.ok, a.status_code) for a in log] == [(False, 500), (True, 200)]


def test_errcode_in_answer_is_a_failure(building, robot, django_capture_on_commit_callbacks):
    server = robot(answer={"errcode": 310000, "errmsg": "sign not match"})
    endpoint(building, f"{server.url}/hook", kind=WebhookKind.DINGTALK)
    send(django_capture_on_commit_callbacks, building)
    message = GroupMessage.objects.get()
    assert message.status == Status.FAILED
    assert message.last_error == "errcode 310000: sign not match"


def test_unreachable_robot_is_a_failure(building, django_capture_on_commit_callbacks):
    endpoint(building, "http://127.0.0.1:9/hook")
    send(django_capture_on_commit_callbacks, building)
    assert GroupMessage.objects.get().status == Status.FAILED


def test_floors_choose_the_robots(building, robot, django_capture_on_commit_callbacks):
    server = robot()
    f3, f5 = FloorFactory(building=building, number=3), FloorFactory(building=building, number=5)
    endpoint(building, f"{server.url}/building")
    endpoint(building, f"{server.url}/f3", floor=f3)
    endpoint(building, f"{server.url}/f5", floor=f5)
    endpoint(building, f"{server.url}/off", active=False)
    endpoint(BuildingFactory(), f"{server.url}/elsewhere")
    assert send(django_capture_on_commit_callbacks, building, key="k1", floors=[f3]) == 2
    assert sorted(r["path"] for r in server.requests) == ["/building", "/f3"]
    server.requests.clear()
    # The whole building: every active robot of the building, each once for this key.
    assert send(django_capture_on_commit_callbacks, building, key="k2") == 3
    assert sorted(r["path"] for r in server.requests) == ["/building", "/f3", "/f5"]
    assert send(django_capture_on_commit_callbacks, building, key="k1") == 1  # only /f5 is new for k1


def test_two_workers_holding_the_same_row_send_once(building, robot):
    from louwei.notifications import delivery

    server = robot()
    endpoint(building, f"{server.url}/hook")
    services.notify_groups(event="notice.published", building=building, title="t", key="race")  # no commit hook run
    first, second = list(GroupMessage.objects.all()), list(GroupMessage.objects.all())
    assert delivery.send_group_message(first[0]) is True
    assert delivery.send_group_message(second[0]) is False  # its copy still says "queued"; the claim refuses
    assert len(server.requests) == 1


@pytest.mark.django_db
def test_a_robot_address_outside_the_allowed_hosts_is_refused_and_never_called(settings, make_building, person):
    """A building's staff cannot point the server at an internal address (the test's own server)."""
    from django.core.exceptions import ValidationError

    from louwei.accounts.models import RoleKind
    from louwei.notifications import delivery, services
    from louwei.notifications.models import WebhookEndpoint

    settings.LOUWEI_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    building = make_building(floors=1)
    secretary = person(RoleKind.COMMITTEE_SECRETARY, building)
    with pytest.raises(ValidationError):
        services.save_endpoint(actor=secretary, building=building, name="内网", kind="wecom",
                               url="http://127.0.0.1:9/robot")
    assert not WebhookEndpoint.objects.exists()
    # A robot saved before the list changed is not called either.
    endpoint = WebhookEndpoint.objects.create(building=building, name="旧", kind="wecom", url="http://10.0.0.1/x")
    ok, status, error = delivery.post_webhook(endpoint, {"msgtype": "text"})
    assert (ok, status) == (False, None) and "LOUWEI_WEBHOOK_HOSTS" in error
    services.save_endpoint(actor=secretary, building=building, name="企业微信群", kind="wecom",
                           url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
