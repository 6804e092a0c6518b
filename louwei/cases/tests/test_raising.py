"""A visitor raises a case from the floor QR code: the form, the private link shown once, the rate
limit, the honeypot; similar open cases and "+1"."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from louwei.cases import similar
from louwei.cases.models import Case, CaseEvent, CasePhoto, Channel, Status
from louwei.cases.ratelimit import DEVICE_COOKIE
from louwei.testing.factories import (
    BuildingFactory,
    CaseFactory,
    FloorFactory,
    FloorLeaderFactory,
    UserFactory,
    category,
)

pytestmark = pytest.mark.django_db

NOW = "2026-11-30 10:00:00+08:00"  # a Monday


class Site:
    """One building, floors 3 and 5; a serving leader (王楼长) on floor 3."""

    def __init__(self):
        self.building = BuildingFactory(code="TA", name="测试大厦")
        self.f3 = FloorFactory(building=self.building, number=3)
        self.f5 = FloorFactory(building=self.building, number=5)
        self.leader = FloorLeaderFactory(floor=self.f3, user=UserFactory(name="王楼长", phone="13900000003"))


@pytest.fixture
def site():
    return Site()


def png(name="photo.png", colour=(200, 30, 30)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def raise_url(floor) -> str:
    return reverse("cases:visitor_raise", args=[floor.code])


def case_data(**extra) -> dict:
    data = {"category": str(category("repairs").pk), "description": "三楼东侧走廊的灯不亮，晚上很暗，请尽快维修。",
            "name": "李女士", "phone": "138 0000 1234", "website": ""}
    data.update(extra)
    return data


def link_path(html: str) -> str:
    match = re.search(r'id="private-link"[^>]*value="https?://[^/"]+(/t/[^"]+)"', html)
    assert match, "the private link is on the page"
    return match[1]


# --- The form ---------------------------------------------------------------------------------


def test_the_form_shows_the_floor_its_leader_and_grouped_categories(client, site):
    response = client.get(raise_url(site.f3))
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("zh-hans"):
        assert "测试大厦" in html and str(site.f3.label) in html
    assert "王楼长" in html and "tel:13900000003" in html
    assert f'<optgroup label="{category("building-services").name}">' in html, "sub-categories under their parent"
    assert 'accept="image/*"' in html and 'multiple' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="website"' in html, "the honeypot"
    assert response.cookies[DEVICE_COOKIE].value, "the device gets its id"
    assert "hx-get" in html and reverse("cases:similar") in html
    assert 'hx-trigger="input changed delay' in html, "Chinese input methods and pasting fire input, not keyup"


def test_the_form_lists_only_active_leaf_categories(client, site):
    lifts = category("lifts")
    lifts.is_active = False
    lifts.save()
    html = client.get(raise_url(site.f3)).content.decode()
    values = set(re.findall(r'<option value="(\d+)"', html))
    assert str(category("repairs").pk) in values
    assert str(lifts.pk) not in values
    assert str(category("building-services").pk) not in values, "a parent is a group heading, not a choice"


def test_an_unknown_floor_is_404(client, site):
    assert client.get("/f/NOPE-01/report/").status_code == 404


def test_the_floor_code_may_be_typed_in_lower_case(client, site):
    assert client.get(f"/f/{site.f3.code.lower()}/report/").status_code == 200


def test_english_labels(client, site):
    client.cookies["django_language"] = "en"
    html = client.get(raise_url(site.f3)).content.decode()
    assert "What is it about?" in html and "Send the request" in html
    assert category("repairs").name_en in html


# --- The happy path ---------------------------------------------------------------------------


@freeze_time(NOW)
def test_a_visitor_raises_a_case_and_gets_a_number_and_private_link(client, site):
    response = client.post(raise_url(site.f3), case_data(photos=[png("a.png"), png("b.png", (0, 0, 200))]))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:visitor_done", args=[case.number])
    assert case.floor == site.f3 and case.building == site.building
    assert case.channel == Channel.QR and case.status == Status.SUBMITTED
    assert case.submitted_by is None and case.submitter_name == "李女士" and case.submitter_phone == "13800001234"
    assert case.category == category("repairs")
    assert case.photos.count() == 2

    done = client.get(response["Location"])
    assert done.status_code == 200
    html = done.content.decode()
    assert case.number in html
    path = link_path(html)
    assert path.startswith(f"/t/{case.number}/")
    assert "<svg" in html and 'class="segno"' in html, "the QR code of the link, inline"
    assert done["Referrer-Policy"] == "strict-origin" and "noindex" in done["X-Robots-Tag"]

    # the link opens the case, in any browser
    tracked = Client().get(path)
    assert tracked.status_code == 200 and case.number in tracked.content.decode()


@freeze_time(NOW)
def test_the_done_page_is_only_for_the_browser_that_sent_it(client, site):
    response = client.post(raise_url(site.f3), case_data())
    number = Case.objects.get().number
    assert client.get(response["Location"]).status_code == 200
    assert client.get(response["Location"]).status_code == 200, "a reload still shows it"
    assert Client().get(response["Location"]).status_code == 404, "another session sees nothing"
    other = CaseFactory(floor=site.f3)
    assert client.get(reverse("cases:visitor_done", args=[other.number])).status_code == 404
    assert number != other.number


@freeze_time(NOW)
def test_name_and_phone_are_optional(client, site):
    response = client.post(raise_url(site.f3), case_data(name="", phone=""))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.submitter_name == "" and case.submitter_phone == ""


@freeze_time(NOW)
def test_a_visitor_case_reaches_the_floor_without_a_leader_too(client, site):
    assert client.post(raise_url(site.f5), case_data()).status_code == 302
    assert Case.objects.get().floor == site.f5


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("data, field", [
    ({"category": ""}, "category"),
    ({"category": "999999"}, "category"),
    ({"description": ""}, "description"),
    ({"description": "灯"}, "description"),
    ({"phone": "12345"}, "phone"),
    ({"description": "长" * 2001}, "description"),
])
def test_validation_errors_are_shown_and_nothing_is_written(client, site, data, field):
    response = client.post(raise_url(site.f3), case_data(**data))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_more_than_three_photos_are_refused(client, site):
    response = client.post(raise_url(site.f3), case_data(photos=[png(f"{n}.png") for n in range(4)]))
    assert response.status_code == 200
    assert response.context["form"].errors.get("photos")
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(client, site):
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(raise_url(site.f3), case_data(photos=[fake]))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_a_photo_of_too_many_pixels_is_refused_as_such(client, site):
    """20000×20000 pixels in a few hundred bytes: Pillow refuses it at open; the visitor reads why."""
    from louwei.testing.images import huge_png

    response = client.post(raise_url(site.f3), case_data(photos=[huge_png()]))
    assert response.status_code == 200
    assert "照片像素过多。" in " ".join(response.context["form"].errors.get("photos", []))
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_the_honeypot_writes_nothing(client, site):
    response = client.post(raise_url(site.f3), case_data(website="http://spam.example"))
    assert response.status_code == 400
    assert not Case.objects.exists()


# --- The rate limit ---------------------------------------------------------------------------


@freeze_time(NOW)
def test_three_cases_per_device_in_ten_minutes(client, site):
    client.cookies["django_language"] = "en"
    for n in range(3):
        assert client.post(raise_url(site.f3), case_data(description=f"第{n}件事：走廊的灯不亮")).status_code == 302
    response = client.post(raise_url(site.f3), case_data(description="第四件事：走廊的灯不亮"),
                           REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 600
    assert Case.objects.count() == 3


@freeze_time(NOW)
def test_the_address_limit_counts_every_device(site, settings):
    settings.LOUWEI_CASE_RAISE_RATE_ADDRESS = "5/h"  # the default (30/h) leaves room for a shared office address
    for n in range(5):
        fresh = Client()  # a new device each time (no cookie)
        assert fresh.post(raise_url(site.f3), case_data(description=f"第{n}件事：空调不制冷"),
                          REMOTE_ADDR="10.0.0.7").status_code == 302
    response = Client().post(raise_url(site.f3), case_data(), REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    assert Case.objects.count() == 5
    assert Client().post(raise_url(site.f3), case_data(), REMOTE_ADDR="10.0.0.8").status_code == 302


def test_the_limit_lifts_with_time(client, site):
    with freeze_time(NOW) as frozen:
        for n in range(3):
            client.post(raise_url(site.f3), case_data(description=f"第{n}件事：走廊的灯不亮"))
        assert client.post(raise_url(site.f3), case_data()).status_code == 429
        frozen.tick(21 * 60)
        assert client.post(raise_url(site.f3), case_data()).status_code == 302


@freeze_time(NOW)
def test_mistakes_do_not_count_against_the_limit(client, site):
    for _ in range(5):
        assert client.post(raise_url(site.f3), case_data(description="")).status_code == 200
    assert client.post(raise_url(site.f3), case_data()).status_code == 302


@freeze_time(NOW)
def test_the_limit_page_is_translated(client, site):
    client.cookies["django_language"] = "en"
    for n in range(3):
        client.post(raise_url(site.f3), case_data(description=f"第{n}件事：走廊的灯不亮"))
    response = client.post(raise_url(site.f3), case_data())
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()


@freeze_time(NOW)
def test_a_forged_device_cookie_is_a_new_device_not_a_way_round(client, site):
    client.cookies[DEVICE_COOKIE] = "forged"
    for n in range(3):
        assert client.post(raise_url(site.f3), case_data(description=f"第{n}件事：走廊的灯不亮")).status_code == 302
    # the forged value was replaced by a signed id, which is now used up
    assert client.post(raise_url(site.f3), case_data(), REMOTE_ADDR="10.1.1.1").status_code == 429


# --- Similar cases ----------------------------------------------------------------------------


def test_similar_matches_words_on_the_same_floor_only(site):
    lamp = CaseFactory(floor=site.f3, description="三楼走廊的灯坏了，晚上很暗", category=category("repairs"))
    CaseFactory(floor=site.f3, description="空调太冷了", category=category("air-conditioning"))
    CaseFactory(floor=site.f5, description="五楼走廊的灯也坏了")
    CaseFactory(floor=site.f3, description="走廊灯坏了已经修好", status=Status.CLOSED)
    found = similar.similar_open_cases(site.f3, "走廊灯不亮")
    assert [c.number for c in found] == [lamp.number]
    assert similar.similar_open_cases(site.f3, "走廊灯不亮", category("cleaning")) == []
    assert [c.number for c in similar.similar_open_cases(site.f3, "走廊灯不亮", category("repairs"))] == [lamp.number]


def test_similar_ranks_by_shared_words_and_keeps_five(site):
    best = CaseFactory(floor=site.f3, description="电梯经常停在五楼不动，按钮没反应")
    for n in range(7):
        CaseFactory(floor=site.f3, description=f"电梯第{n}次出问题")
    found = similar.similar_open_cases(site.f3, "电梯停在五楼不动了")
    assert len(found) == 5
    assert found[0].number == best.number


def test_similar_needs_real_words(site):
    CaseFactory(floor=site.f3, description="请尽快处理一下我们楼层的事")
    assert similar.similar_open_cases(site.f3, "") == []
    assert similar.similar_open_cases(site.f3, "请 我 3 楼") == []


def test_similar_reads_a_bounded_number_of_cases(site, django_assert_num_queries):
    for n in range(similar.CANDIDATES + 20):
        CaseFactory(floor=site.f3, description=f"饮水机{n}号没有水了")
    with django_assert_num_queries(1):
        found = similar.similar_open_cases(site.f3, "饮水机没有水")
    assert len(found) == 5


def test_summaries_mask_phone_numbers():
    assert "13812345678" not in similar.masked_summary("请联系13812345678张先生")
    assert "•••" in similar.masked_summary("请联系 138 1234 5678")


def test_the_similar_fragment_shows_no_personal_details(client, site):
    case = CaseFactory(floor=site.f3, description="走廊灯坏了，请联系13812345678", submitter_name="赵秘密",
                       submitter_phone="13812345678", submitter_email="secret@example.com")
    response = client.get(reverse("cases:similar"), {"floor": site.f3.code, "description": "走廊灯不亮"},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "走廊灯坏了" in html
    assert "赵秘密" not in html and "13812345678" not in html and "secret@example.com" not in html
    assert reverse("cases:support", args=[case.number]) in html
    assert "+1" in html


def test_the_similar_fragment_is_empty_for_nothing_alike(client, site):
    CaseFactory(floor=site.f3, description="走廊灯坏了")
    response = client.get(reverse("cases:similar"), {"floor": site.f3.code, "description": "会议室预约"})
    assert response.status_code == 200 and "cases/support" not in response.content.decode()
    assert client.get(reverse("cases:similar"), {"floor": "NOPE-01", "description": "灯"}).status_code == 404


# --- "+1 I have the same request" -------------------------------------------------------------


@freeze_time(NOW)
def test_a_visitor_adds_their_voice_to_an_open_case(client, site):
    case = CaseFactory(floor=site.f3, description="走廊灯坏了")
    response = client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.supporter_count == 1
    assert CaseEvent.objects.filter(case=case, kind="supported").count() == 1
    # the same browser again: not counted twice
    client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}, HTTP_HX_REQUEST="true")
    case.refresh_from_db()
    assert case.supporter_count == 1


@freeze_time(NOW)
def test_support_without_htmx_redirects_back_to_the_form(client, site):
    case = CaseFactory(floor=site.f3, description="走廊灯坏了")
    response = client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code})
    assert response.status_code == 302 and response["Location"] == raise_url(site.f3)
    response = client.post(reverse("cases:support", args=[CaseFactory(floor=site.f3).number]),
                           {"floor": site.f3.code, "next": "https://evil.example/"})
    assert response["Location"] == raise_url(site.f3), "no open redirect"


@freeze_time(NOW)
def test_a_signed_in_person_supports_without_the_visitor_limit(client, site):
    client.force_login(UserFactory())
    for n in range(12):
        case = CaseFactory(floor=site.f3, description=f"第{n}个问题")
        assert client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}).status_code == 302
        case.refresh_from_db()
        assert case.supporter_count == 1


@freeze_time(NOW)
def test_support_is_rate_limited_for_visitors(client, site):
    cases = [CaseFactory(floor=site.f3, description=f"第{n}个问题") for n in range(11)]
    for case in cases[:10]:
        assert client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}).status_code == 302
    response = client.post(reverse("cases:support", args=[cases[10].number]), {"floor": site.f3.code})
    assert response.status_code == 429
    cases[10].refresh_from_db()
    assert cases[10].supporter_count == 0


def test_a_closed_case_cannot_be_supported(client, site):
    case = CaseFactory(floor=site.f3, status=Status.CLOSED)
    assert client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}).status_code == 404
    case.refresh_from_db()
    assert case.supporter_count == 0
    assert client.get(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}).status_code == 405
    assert client.post(reverse("cases:support", args=["20990101-9999"])).status_code == 404


# --- Someone signed in on the QR page ------------------------------------------------------------


@freeze_time(NOW)
def test_a_signed_in_person_on_the_qr_page_raises_from_their_account(client, site):
    user = UserFactory(name="赵职员", phone="13700000001")
    client.force_login(user)
    for n in range(4):  # the visitors' limit does not apply
        response = client.post(raise_url(site.f3), case_data(description=f"第{n}件事：走廊的灯不亮", name="", phone=""))
        case = Case.objects.get(description__startswith=f"第{n}件事")
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.submitted_by == user and case.channel == Channel.QR
    assert case.tracking_hash == "" and case.submitter_name == "赵职员"
    assert not client.session.get("cases.raised"), "no private link for an account"


@freeze_time(NOW)
def test_supporting_ones_own_case_is_refused_with_a_message(client, site):
    user = UserFactory()
    case = CaseFactory(floor=site.f3, description="走廊灯坏了", submitted_by=user)
    client.force_login(user)
    response = client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}, follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    case.refresh_from_db()
    assert case.supporter_count == 0
    response = client.post(reverse("cases:support", args=[case.number]), {"floor": site.f3.code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "badge-warn" in response.content.decode()
    case.refresh_from_db()
    assert case.supporter_count == 0


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("cases", [1, 250])
def test_the_similar_fragment_reads_a_fixed_number_of_queries(client, site, django_assert_max_num_queries, cases):
    repairs = category("repairs")
    for n in range(cases):
        CaseFactory(floor=site.f3, description=f"饮水机{n}号没有水了", category=repairs)
    params = {"floor": site.f3.code, "description": "饮水机没有水", "category": repairs.pk}
    with django_assert_max_num_queries(3):  # the floor, the category, the candidates
        response = client.get(reverse("cases:similar"), params)
    assert response.status_code == 200
    assert response.content.decode().count('class="list-item"') == min(cases, similar.LIMIT)


@pytest.mark.parametrize("cases", [0, 30])
def test_the_visitor_form_reads_a_fixed_number_of_queries(client, site, django_assert_max_num_queries, cases):
    for n in range(cases):
        CaseFactory(floor=site.f3)
    with django_assert_max_num_queries(8):
        assert client.get(raise_url(site.f3)).status_code == 200
