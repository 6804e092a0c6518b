"""The inbox, the settings page and the staff page: what each person sees and may do."""

import datetime

import pytest
from django.urls import reverse

from louwei.accounts.models import RoleKind
from louwei.core.models import AuditEvent
from louwei.notifications import events, services
from louwei.notifications.forms import choice_field_name
from louwei.notifications.models import (
    Channel,
    DeliveryAttempt,
    DigestMode,
    NotificationSettings,
    Preference,
    WebhookEndpoint,
    WebhookKind,
)
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant

pytestmark = pytest.mark.django_db


def inbox_for(user, *titles):
    for n, title in enumerate(titles):
        services.notify(event="notice.published", recipients=[user], title=title, url=f"/x/{n}/", key=f"t:{n}")


# --- Inbox ---------------------------------------------------------------------------------------


def test_inbox_lists_own_messages_unread_first(client):
    me, other = UserFactory(), UserFactory()
    inbox_for(me, "第一条", "第二条", "第三条")
    inbox_for(other, "别人的通知")
    services.mark_read(actor=me, message_id=me.notifications.get(title="第三条").pk)
    client.force_login(me)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "别人的通知" not in html
    # Unread (newest first), then read.
    assert html.index("第二条") < html.index("第一条") < html.index("第三条")
    assert "2 条未读" in html


def test_inbox_query_count_is_bounded(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    inbox_for(me, "a")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications:inbox")).status_code == 200
    inbox_for(me, *[f"n{n}" for n in range(60)])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notifications:inbox")).status_code == 200


def test_mark_read_with_htmx_returns_the_row(client):
    me = UserFactory()
    inbox_for(me, "通知")
    message = me.notifications.get(channel=Channel.INBOX)
    client.force_login(me)
    response = client.post(reverse("notifications:mark_read", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="message-{message.pk}"' in response.content.decode()
    assert "标为已读" not in response.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_read_of_someone_elses_message_is_404(client):
    me, other = UserFactory(), UserFactory()
    inbox_for(other, "别人的")
    message = other.notifications.get(channel=Channel.INBOX)
    client.force_login(me)
    assert client.post(reverse("notifications:mark_read", args=[message.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read_and_unread_count(client, rf):
    from louwei.notifications.context_processors import inbox

    me = UserFactory()
    inbox_for(me, "a", "b")
    request = rf.get("/")
    request.user = me
    assert inbox(request)["inbox_unread"] == 2
    client.force_login(me)
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    request = rf.get("/")
    request.user = me
    assert inbox(request)["inbox_unread"] == 0
    assert "1" not in client.get(reverse("notifications:unread_badge")).content.decode()


def test_open_marks_read_and_follows_local_links_only(client):
    me = UserFactory()
    services.notify(event="notice.published", recipients=[me], title="a", url="/notices/1/", key="local")
    services.notify(event="notice.published", recipients=[me], title="b", url="https://evil.example/", key="far")
    client.force_login(me)
    local, far = me.notifications.get(key="local"), me.notifications.get(key="far")
    assert client.post(reverse("notifications:open", args=[local.pk]))["Location"] == "/notices/1/"
    assert client.post(reverse("notifications:open", args=[far.pk]))["Location"] == reverse("notifications:inbox")
    assert me.notifications.filter(read_at__isnull=True).count() == 0


def test_pages_need_login(client):
    for url in (reverse("notifications:inbox"), reverse("notifications:settings")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- Settings --------------------------------------------------------------------------------------


def test_settings_page_saves_the_grid_quiet_hours_and_digest(client):
    me = UserFactory(email="me@example.cn")
    client.force_login(me)
    response = client.get(reverse("notifications:settings"))
    assert response.status_code == 200
    assert "有发给您的通知公告或政策发布" in response.content.decode()
    data = {
        "notice__published--inbox": "on",
        # notice.published e-mail off; notice.reminder: inbox off, e-mail on
        "notice__reminder--email": "on",
        "quiet_start": "22:00", "quiet_end": "07:00", "email_digest": DigestMode.DAILY,
    }
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 302
    # (The other features' events were left unticked, so they are saved as off too.)
    saved = Preference.objects.filter(user=me, event__startswith="notice.")
    assert set(saved.values_list("event", "channel", "enabled")) == {
        ("notice.published", "email", False), ("notice.reminder", "inbox", False),
    }
    settings_ = NotificationSettings.objects.get(user=me)
    assert (settings_.quiet_start, settings_.quiet_end, settings_.email_digest) == (
        datetime.time(22), datetime.time(7), DigestMode.DAILY
    )
    assert AuditEvent.objects.filter(verb="notifications.preferences_saved", actor=me).exists()
    # Back to the defaults removes the stored choices.
    data = {choice_field_name(kind.kind, channel): "on" for kind in events.all_kinds() for channel in kind.default_channels}
    data["email_digest"] = DigestMode.IMMEDIATE
    assert client.post(reverse("notifications:settings"), data).status_code == 302
    assert not Preference.objects.filter(user=me).exists()


def test_settings_refuse_half_quiet_hours(client):
    me = UserFactory()
    client.force_login(me)
    response = client.post(reverse("notifications:settings"), {"quiet_start": "22:00", "email_digest": "immediate"})
    assert response.status_code == 400
    assert "请同时填写免打扰的开始和结束时间" in response.content.decode()


# --- Staff page ------------------------------------------------------------------------------------


@pytest.fixture
def tower():
    building = BuildingFactory()
    floor = FloorFactory(building=building, number=5)
    enterprise = enterprise_on(floor)
    return building, floor, enterprise


def role(kind, scope):
    user = UserFactory()
    grant(user, kind, scope)
    return user


def test_secretary_sees_log_and_manages_robots(client, tower, robot):
    building, floor, _ = tower
    secretary = role(RoleKind.COMMITTEE_SECRETARY, building)
    client.force_login(secretary)
    server = robot()
    response = client.post(reverse("notifications:endpoint_create", args=[building.code]), {
        "name": "五楼企业群", "kind": WebhookKind.WECOM, "floor": floor.pk, "url": f"{server.url}/hook",
        "active": "on",
    })
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.building, endpoint.floor) == (building, floor)
    assert AuditEvent.objects.filter(verb="notifications.webhook_created").exists()
    response = client.post(reverse("notifications:endpoint_test", args=[endpoint.pk]))
    assert response.status_code == 302
    assert server.requests[0]["body"]["markdown"]["content"].startswith("**楼委平台测试消息**")
    assert DeliveryAttempt.objects.filter(building=building, ok=True).count() == 1
    # Edit: an empty secret field keeps the secret.
    endpoint.secret = "SECkeep"
    endpoint.save()
    response = client.post(reverse("notifications:endpoint_edit", args=[endpoint.pk]), {
        "name": "五楼群", "kind": WebhookKind.DINGTALK, "floor": floor.pk, "url": f"{server.url}/hook2",
    })
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.secret, endpoint.active) == ("五楼群", "SECkeep", False)
    page = client.get(reverse("notifications:building", args=[building.code])).content.decode()
    assert "五楼群" in page and "发送日志" in page and "楼委平台测试消息" in page


def test_robot_form_refuses_a_floor_of_another_building(client, tower):
    building, _, _ = tower
    other_floor = FloorFactory(building=BuildingFactory(), number=2)
    client.force_login(role(RoleKind.COMMITTEE_SECRETARY, building))
    response = client.post(reverse("notifications:endpoint_create", args=[building.code]), {
        "name": "x", "kind": WebhookKind.WECOM, "floor": other_floor.pk, "url": "https://example.cn/hook",
    })
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_committee_member_reads_the_log_but_not_the_robots(client, tower):
    building, _, _ = tower
    endpoint = WebhookEndpoint.objects.create(building=building, name="楼宇群", kind="wecom", url="https://e.cn/h")
    client.force_login(role(RoleKind.COMMITTEE_MEMBER, building))
    page = client.get(reverse("notifications:building", args=[building.code]))
    assert page.status_code == 200
    assert "发送日志" in page.content.decode() and "楼宇群" not in page.content.decode()
    assert client.get(reverse("notifications:endpoint_create", args=[building.code])).status_code == 403
    assert client.get(reverse("notifications:endpoint_edit", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("notifications:endpoint_test", args=[endpoint.pk])).status_code == 403


@pytest.mark.parametrize("who", ["employee", "floor_leader", "other_secretary", "property_staff"])
def test_staff_pages_deny(client, tower, who):
    building, floor, enterprise = tower
    user = {
        "employee": lambda: role(RoleKind.EMPLOYEE, enterprise),
        "floor_leader": lambda: role(RoleKind.FLOOR_LEADER, floor),
        "other_secretary": lambda: role(RoleKind.COMMITTEE_SECRETARY, BuildingFactory()),
        "property_staff": lambda: role(RoleKind.PROPERTY_STAFF, building),
    }[who]()
    endpoint = WebhookEndpoint.objects.create(building=building, name="楼宇群", kind="wecom", url="https://e.cn/h")
    client.force_login(user)
    assert client.get(reverse("notifications:building", args=[building.code])).status_code == 403
    assert client.get(reverse("notifications:endpoint_create", args=[building.code])).status_code == 403
    assert client.post(reverse("notifications:endpoint_create", args=[building.code]), {
        "name": "x", "kind": "wecom", "url": "https://e.cn/x"}).status_code == 403
    assert client.get(reverse("notifications:endpoint_edit", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("notifications:endpoint_test", args=[endpoint.pk])).status_code == 403
    assert WebhookEndpoint.objects.count() == 1


def test_staff_page_anonymous_goes_to_login(client, tower):
    building, _, _ = tower
    response = client.get(reverse("notifications:building", args=[building.code]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_delivery_log_query_count_is_bounded(client, tower, django_assert_max_num_queries, robot):
    building, _, _ = tower
    server = robot(statuses=(500,))
    WebhookEndpoint.objects.create(building=building, name="群", kind="wecom", url=f"{server.url}/h")
    client.force_login(role(RoleKind.COMMITTEE_SECRETARY, building))
    url = reverse("notifications:building", args=[building.code])
    services.notify_groups(event="notice.published", building=building, title="t", key="k0")
    from louwei.notifications import tasks

    tasks.deliver_group_messages.call(key="k0")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    users = [UserFactory(email=f"u{n}@e.cn") for n in range(3)]
    for n in range(20):
        services.notify(event="notice.published", recipients=users, title=f"t{n}", key=f"m{n}", building=building)
        tasks.deliver_emails.call(key=f"m{n}")
    assert DeliveryAttempt.objects.filter(building=building).count() == 61
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_inbox_does_not_repeat_the_title_in_the_text(client):
    """A case event's title carries the case's summary and its body is the same summary: the inbox
    showed it twice, one under the other."""
    me = UserFactory()
    summary = "0507室空调出风口滴水，把办公桌上的文件打湿了。"
    services.notify(event="notice.published", recipients=[me], title=f"诉求 20261204-0010 已超期：{summary}",
                    body=summary, url="/x/1/", key="t:1")
    services.notify(event="notice.published", recipients=[me], title="新通知", body="请于周五前提交材料。",
                    url="/x/2/", key="t:2")
    client.force_login(me)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert html.count("空调出风口滴水") == 1
    assert "请于周五前提交材料。" in html
