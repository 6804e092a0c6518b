import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from louwei.access import SYSTEM
from louwei.notices import services
from louwei.notices.models import Delivery, Notice, NoticeStatus, Read, Relay

from .test_services import make_enterprises, pdf_bytes

pytestmark = pytest.mark.django_db


def staff_urls(notice):
    return [
        reverse("notices:edit", args=[notice.pk]),
        reverse("notices:publish", args=[notice.pk]),
        reverse("notices:withdraw", args=[notice.pk]),
        reverse("notices:attachments", args=[notice.pk]),
    ]


def test_anonymous_is_sent_to_login(client, park):
    notice = park.notice()
    for url in [reverse("notices:index"), reverse("notices:manage"), reverse("notices:my_floors"),
                reverse("notices:detail", args=[notice.pk]), reverse("notices:create") + "?scope=b:NA",
                *staff_urls(notice)]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_write_pages_are_denied_to_everyone_but_writers(client, park):
    notice = park.notice(publish=False)
    for user in (park.member, park.leader1, park.contact, park.secretary_b, park.nobody):
        client.force_login(user)
        for url in staff_urls(notice) + [reverse("notices:create") + "?scope=b:NA"]:
            assert client.get(url).status_code == 403, (user.username, url)
        assert client.post(reverse("notices:publish", args=[notice.pk])).status_code == 403
        assert client.post(reverse("notices:preview") + "?scope=b:NA").status_code == 403
    client.force_login(park.secretary)
    assert client.get(reverse("notices:create") + "?scope=d:" + park.district.code).status_code == 403
    for url in staff_urls(notice):
        assert client.get(url).status_code == 200, url
    client.force_login(park.district_staff)
    assert client.get(reverse("notices:create") + "?scope=d:" + park.district.code).status_code == 200


def test_staff_list_and_detail_access(client, park):
    notice = park.notice()
    draft = park.notice(publish=False)
    client.force_login(park.nobody)
    assert client.get(reverse("notices:manage")).status_code == 403
    assert client.get(reverse("notices:index")).status_code == 403
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 403
    client.force_login(park.secretary_b)  # another building's secretary
    assert client.get(reverse("notices:detail", args=[draft.pk])).status_code == 403
    assert notice.title not in client.get(reverse("notices:manage")).content.decode()
    client.force_login(park.member)
    page = client.get(reverse("notices:manage")).content.decode()
    assert notice.title in page
    detail = client.get(reverse("notices:detail", args=[notice.pk]))
    assert detail.status_code == 200 and "reach" in detail.context
    assert detail.context["reach"]["totals"]["reached"] == 5
    client.force_login(park.other_contact)  # a1_it: not delivered the draft
    assert client.get(reverse("notices:detail", args=[draft.pk])).status_code == 403


def test_create_edit_publish_through_pages(client, park, captured, django_capture_on_commit_callbacks):
    client.force_login(park.secretary)
    url = reverse("notices:create") + "?scope=b:NA"
    data = {"kind": "notice", "title": "消防安全检查通知", "body": "# 通知\n<script>alert(1)</script>**请配合**",
            "aud-floors": [park.f("NA", 2).pk]}
    preview = client.post(reverse("notices:preview") + "?scope=b:NA", {"aud-floors": [park.f("NA", 2).pk]})
    assert preview.status_code == 200 and preview.context["counts"] == {"enterprises": 2, "people": 2}
    response = client.post(url, data)
    assert response.status_code == 302
    notice = Notice.objects.get(title="消防安全检查通知")
    assert list(notice.audience.floors.all()) == [park.f("NA", 2)]
    edit = client.post(reverse("notices:edit", args=[notice.pk]),
                       {**data, "title": "消防安全检查通知（更新）", "aud-floors": [park.f("NA", 1).pk]})
    assert edit.status_code == 302
    confirm = client.get(reverse("notices:publish", args=[notice.pk]))
    assert confirm.context["counts"]["enterprises"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("notices:publish", args=[notice.pk]), {"when": "now"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert set(Delivery.objects.filter(notice=notice).values_list("enterprise_id", flat=True)) == {
        park.e["a1_it"].pk, park.e["a1_mfg"].pk}
    client.force_login(park.other_contact)
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<strong>请配合</strong>" in page


def test_schedule_and_withdraw_pages(client, park):
    notice = park.notice(publish=False)
    client.force_login(park.secretary)
    when = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(reverse("notices:publish", args=[notice.pk]), {"when": "later", "publish_at": when}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SCHEDULED
    assert client.post(reverse("notices:publish", args=[notice.pk]), {"when": "cancel"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT and notice.publish_at is None
    services.publish(actor=SYSTEM, notice=notice)
    response = client.post(reverse("notices:withdraw", args=[notice.pk]), {"reason": "重复发布"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    listing = client.get(reverse("notices:manage")).content.decode()
    assert notice.title in listing and "badge-danger" in listing  # shown to staff as withdrawn
    client.force_login(park.contact)
    assert notice.title not in client.get(reverse("notices:index")).content.decode()
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 403


def test_attachment_upload_and_download(client, park):
    notice = park.notice(publish=False, floors=[park.f("NA", 2)])
    client.force_login(park.secretary)
    response = client.post(reverse("notices:attachments", args=[notice.pk]),
                           {"file": SimpleUploadedFile("指南.pdf", pdf_bytes())})
    assert response.status_code == 302
    bad = client.post(reverse("notices:attachments", args=[notice.pk]),
                      {"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")})
    assert bad.status_code == 200 and bad.context["form"].errors
    attachment = notice.attachments.get()
    services.publish(actor=SYSTEM, notice=notice)
    client.force_login(park.contact)
    download = client.get(reverse("notices:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf_bytes()
    client.force_login(park.other_contact)
    assert client.get(reverse("notices:attachment", args=[attachment.pk])).status_code == 403


def test_opening_the_detail_marks_it_read(client, park):
    notice = park.notice(floors=[park.f("NA", 2)])
    client.force_login(park.employee)
    listing = client.get(reverse("notices:index"))
    assert listing.status_code == 200 and [n.is_read for n in listing.context["page"].object_list] == [False]
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200
    client.get(reverse("notices:detail", args=[notice.pk]))
    assert Read.objects.filter(user=park.employee).count() == 1
    assert [n.is_read for n in client.get(reverse("notices:index")).context["page"].object_list] == [True]


def test_policies_come_first_for_enterprises(client, park):
    park.notice(floors=[park.f("NA", 2)])
    policy = services.create_draft(actor=SYSTEM, scope=park.a, title="高新技术企业认定补贴政策", kind="policy",
                                   audience={"floors": [park.f("NA", 2)]})
    services.publish(actor=SYSTEM, notice=policy)
    park.notice(floors=[park.f("NA", 2)])
    client.force_login(park.contact)
    titles = [n.title for n in client.get(reverse("notices:index")).context["page"].object_list]
    assert titles[0] == "高新技术企业认定补贴政策" and len(titles) == 3


def test_floor_leader_relay_and_remind(client, park, captured):
    notice = park.notice()
    client.force_login(park.leader2)
    page = client.get(reverse("notices:my_floors"))
    groups = page.context["groups"]
    assert [(g["notice"], g["floor"], {d.enterprise for d in g["deliveries"]}) for g in groups] == [
        (notice, park.f("NA", 2), {park.e["a2_it"], park.e["a2_sci"]})]
    delivery = Delivery.objects.get(notice=notice, enterprise=park.e["a2_sci"])
    response = client.post(reverse("notices:relay", args=[delivery.pk]), {"method": "in_person", "note": "已当面告知"})
    assert response.status_code == 302 and Relay.objects.filter(delivery=delivery, floor_leader=park.leader2).exists()
    assert client.post(reverse("notices:remind", args=[notice.pk]), {"next": "my_floors"}).status_code == 302
    assert captured["notify"][-1]["event"] == "notice.reminder"
    client.force_login(park.leader1)
    assert client.post(reverse("notices:relay", args=[delivery.pk]), {"method": "phone"}).status_code == 403
    for user in (park.secretary, park.contact, park.nobody):
        client.force_login(user)
        assert client.get(reverse("notices:my_floors")).status_code == 403
        assert client.post(reverse("notices:relay", args=[delivery.pk]), {"method": "phone"}).status_code == 403
    client.force_login(park.contact)
    assert client.post(reverse("notices:remind", args=[notice.pk])).status_code == 403


def test_the_relay_button_reads_record_the_relay_in_chinese(client, settings, park):
    """The relay form's button said 基本信息: "Record" was translated three ways and the
    enterprise page's heading won."""
    park.notice()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(park.leader2)
    page = client.get(reverse("notices:my_floors")).content.decode()
    buttons = re.findall(r'<button class="btn btn-primary btn-small" type="submit">([^<]*)</button>', page)
    assert buttons and set(buttons) == {"记录转达"}


@pytest.mark.parametrize("n", [3, 40])
def test_list_query_counts(client, park, n, django_assert_max_num_queries):
    for i in range(n):
        notice = services.create_draft(actor=SYSTEM, scope=park.a, title=f"通知{i}", kind="policy" if i % 3 else "notice")
        services.publish(actor=SYSTEM, notice=notice)
    make_enterprises(park.f("NA", 2), n)
    services.publish(actor=SYSTEM, notice=services.create_draft(actor=SYSTEM, scope=park.a, title="再来一条"))
    client.force_login(park.contact)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notices:index")).status_code == 200
    client.force_login(park.secretary)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("notices:manage")).status_code == 200
    client.force_login(park.leader2)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("notices:my_floors"))
    assert len(page.context["groups"]) == n + 1
    client.force_login(park.secretary)
    last = Notice.objects.get(title="再来一条")
    with django_assert_max_num_queries(22):
        assert client.get(reverse("notices:detail", args=[last.pk])).status_code == 200
