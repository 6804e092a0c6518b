"""The visitor's private link: only that case, only its public timeline; rating (dissatisfied
reopens), adding information, photos through the token check, finding the case again."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from freezegun import freeze_time

from louwei.cases import services
from louwei.cases.models import CaseEvent, CasePhoto, EventKind, Rating, Status
from louwei.cases.tracking import new_token
from louwei.testing.factories import (
    BuildingFactory,
    CaseFactory,
    FloorFactory,
    FloorLeaderFactory,
    HandlerFactory,
    UserFactory,
    category,
)

pytestmark = pytest.mark.django_db

NOW = "2026-11-30 10:00:00+08:00"


def png(name="p.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 10)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class Lobby:
    def __init__(self):
        self.building = BuildingFactory(code="TT")
        self.floor = FloorFactory(building=self.building, number=6)
        self.leader = FloorLeaderFactory(floor=self.floor, user=UserFactory(name="陈楼长", phone="13900000006"),
                                         public_phone="13900000006").user

    def raise_case(self, text="六楼茶水间的水龙头一直漏水，请派人维修。", photos=()):
        raised = services.raise_case(
            actor=None, floor=self.floor, category=category("repairs"), description=text, channel="qr",
            visitor=services.Visitor(name="刘先生", phone="13800000099", address="10.0.0.1", device="d1"),
            photos=photos,
        )
        return raised.case, raised.token


@pytest.fixture
def lobby():
    return Lobby()


def track(case, token, name="cases:track", *extra) -> str:
    return reverse(name, args=[case.number, token, *extra])


# --- Only that case -----------------------------------------------------------------------------


@freeze_time(NOW)
def test_the_link_shows_the_case(client, lobby):
    case, token = lobby.raise_case()
    response = client.get(track(case, token))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "水龙头一直漏水" in html
    with translation.override("zh-hans"):
        assert str(case.get_status_display()) in html
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert "tel:13900000006" in html, "the floor leader's public phone"
    assert "刘先生" not in html and "13800000099" not in html, "nothing a stranger with a screenshot could misuse"


@freeze_time(NOW)
def test_a_wrong_token_and_a_missing_case_look_the_same(client, lobby):
    case, token = lobby.raise_case()
    other, other_token = lobby.raise_case("另一件事：六楼的门禁坏了")
    wrong = client.get(track(case, ("B" if token[0] == "A" else "A") + token[1:]))  # one character off
    swapped = client.get(reverse("cases:track", args=[other.number, token]))
    missing = client.get(reverse("cases:track", args=["20991231-9999", token]))
    assert wrong.status_code == swapped.status_code == missing.status_code == 404
    # the same page but for the per-request CSRF token and the path itself (the language switch's "next")
    varying = re.compile(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"|/t/[^"]*')
    assert varying.sub(b"", wrong.content) == varying.sub(b"", missing.content)
    for name in ("cases:track_rate", "cases:track_add"):
        assert client.post(reverse(name, args=[other.number, token]), {"text": "x", "rating": "satisfied"}
                           ).status_code == 404
    assert client.get(reverse("cases:track", args=[other.number, other_token])).status_code == 200


def test_a_case_without_a_link_never_opens(client, lobby):
    case = CaseFactory(floor=lobby.floor)  # raised in the app: no token
    assert client.get(reverse("cases:track", args=[case.number, "anything"])).status_code == 404
    assert client.get(f"/t/{case.number}/%20/").status_code == 404


@freeze_time(NOW)
def test_internal_notes_are_never_shown(client, lobby):
    case, token = lobby.raise_case()
    services.add_note(actor=lobby.leader, case=case, text="内部备注：这家企业欠物业费", public=False)
    services.add_note(actor=lobby.leader, case=case, text="已联系物业，明天上午来修", public=True)
    html = client.get(track(case, token)).content.decode()
    assert "已联系物业，明天上午来修" in html
    assert "内部备注" not in html and "欠物业费" not in html
    assert lobby.leader.name not in html, "staff are not named on the public timeline"


def test_reminders_and_escalations_are_not_on_the_public_timeline(client, lobby):
    token, digest = new_token()
    case = CaseFactory(floor=lobby.floor, tracking_hash=digest)
    CaseEvent.objects.create(case=case, kind=EventKind.REMINDED, is_public=True, text="催办：还剩2小时")
    CaseEvent.objects.create(case=case, kind=EventKind.SUBMITTED, is_public=True, text="")
    html = client.get(track(case, token)).content.decode()
    assert "催办" not in html


# --- Photos -------------------------------------------------------------------------------------


def test_photos_only_through_the_link(client, lobby):
    token, digest = new_token()
    case = CaseFactory(floor=lobby.floor, tracking_hash=digest)
    public = CasePhoto.objects.create(case=case, image=png("a.png"))
    event = CaseEvent.objects.create(case=case, kind=EventKind.NOTE, is_public=False, text="内部")
    hidden = CasePhoto.objects.create(case=case, event=event, image=png("b.png"))
    flagged = CasePhoto.objects.create(case=case, image=png("c.png"), is_public=False)
    html = client.get(track(case, token)).content.decode()
    assert track(case, token, "cases:track_photo", public.pk) in html
    assert public.image.url not in html, "never a public media URL"
    response = client.get(track(case, token, "cases:track_photo", public.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Referrer-Policy"] == "strict-origin"
    assert b"".join(response.streaming_content)[:4] == b"\x89PNG"
    for photo in (hidden, flagged):
        assert client.get(track(case, token, "cases:track_photo", photo.pk)).status_code == 404
    assert client.get(reverse("cases:track_photo", args=[case.number, "wrong", public.pk])).status_code == 404
    other = CaseFactory(floor=lobby.floor)
    theirs = CasePhoto.objects.create(case=other, image=png("d.png"))
    assert client.get(track(case, token, "cases:track_photo", theirs.pk)).status_code == 404


# --- Rating -------------------------------------------------------------------------------------


def closed_case(lobby):
    case, token = lobby.raise_case()
    services.answer(actor=lobby.leader, case=case, text="已经请物业换了新的水龙头。")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    return case, token


@freeze_time(NOW)
def test_rating_through_the_link(client, lobby):
    case, token = closed_case(lobby)
    page = client.get(track(case, token)).content.decode()
    assert 'name="rating"' in page and "已经请物业换了新的水龙头" in page
    response = client.post(track(case, token, "cases:track_rate"), {"rating": Rating.SATISFIED, "comment": "很快"})
    assert response.status_code == 302 and response["Location"] == track(case, token)
    case.refresh_from_db()
    assert case.rating == Rating.SATISFIED and case.status == Status.CLOSED
    page = client.get(track(case, token)).content.decode()
    assert 'name="rating"' not in page, "rated once"
    client.post(track(case, token, "cases:track_rate"), {"rating": Rating.DISSATISFIED, "comment": "改主意"})
    case.refresh_from_db()
    assert case.rating == Rating.SATISFIED and case.status == Status.CLOSED


@freeze_time(NOW)
def test_dissatisfied_needs_a_reason(client, lobby):
    case, token = closed_case(lobby)
    response = client.post(track(case, token, "cases:track_rate"), {"rating": Rating.DISSATISFIED, "comment": " "})
    assert response.status_code == 200
    assert response.context["rating_form"].errors.get("comment")
    case.refresh_from_db()
    assert case.rating == "" and case.status == Status.CLOSED


@freeze_time(NOW)
def test_dissatisfied_reopens_visibly(client, lobby):
    case, token = closed_case(lobby)
    client.cookies["django_language"] = "en"
    response = client.post(track(case, token, "cases:track_rate"),
                           {"rating": Rating.DISSATISFIED, "comment": "还在漏水，根本没修好"}, follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.rating == Rating.DISSATISFIED and case.is_open and case.reopen_count == 1
    html = response.content.decode()
    assert "还在漏水，根本没修好" in html
    with translation.override("en"):
        assert str(case.get_status_display()) in html
        assert str(EventKind.REOPENED.label) in html
    assert 'name="rating"' not in html and 'name="text"' in html, "open again: information, not a rating"


@freeze_time(NOW)
def test_an_open_case_cannot_be_rated(client, lobby):
    case, token = lobby.raise_case()
    assert 'name="rating"' not in client.get(track(case, token)).content.decode()
    client.post(track(case, token, "cases:track_rate"), {"rating": Rating.SATISFIED})
    case.refresh_from_db()
    assert case.rating == ""


# --- Adding information -------------------------------------------------------------------------


@freeze_time(NOW)
def test_adding_information_while_open(client, lobby):
    case, token = lobby.raise_case()
    response = client.post(track(case, token, "cases:track_add"), {"text": "补充：漏水在左边那个水龙头。"})
    assert response.status_code == 302 and response["Location"] == track(case, token)
    event = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).get()
    assert event.is_public and event.text == "补充：漏水在左边那个水龙头。"
    assert "补充：漏水在左边那个水龙头" in client.get(track(case, token)).content.decode()


@freeze_time(NOW)
def test_adding_nothing_is_an_error(client, lobby):
    case, token = lobby.raise_case()
    response = client.post(track(case, token, "cases:track_add"), {"text": "  "})
    assert response.status_code == 200 and response.context["add_form"].errors.get("text")
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()


@freeze_time(NOW)
def test_no_information_after_closing(client, lobby):
    case, token = closed_case(lobby)
    assert 'name="text"' not in client.get(track(case, token)).content.decode()
    client.post(track(case, token, "cases:track_add"), {"text": "还有一件事"})
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()


# --- Finding the case again ---------------------------------------------------------------------


@freeze_time(NOW)
def test_lookup_by_pasted_link_or_number_and_code(client, lobby):
    case, token = lobby.raise_case()
    assert client.get(reverse("cases:track_lookup")).status_code == 200
    pasted = f"请保存：https://louwei.example/t/{case.number}/{token}/ 谢谢"
    response = client.post(reverse("cases:track_lookup"), {"link": pasted})
    assert response.status_code == 302 and response["Location"] == track(case, token)
    response = client.post(reverse("cases:track_lookup"), {"number": f" {case.number} ", "token": token})
    assert response["Location"] == track(case, token)


@freeze_time(NOW)
def test_lookup_with_a_wrong_code_says_so_without_telling_which_part(client, lobby):
    case, token = lobby.raise_case()
    wrong = client.post(reverse("cases:track_lookup"), {"number": case.number, "token": "nope"})
    missing = client.post(reverse("cases:track_lookup"), {"number": "20991231-0001", "token": token})
    assert wrong.status_code == missing.status_code == 400
    assert wrong.context["form"].non_field_errors() == missing.context["form"].non_field_errors()
    assert case.number not in missing.content.decode()


@freeze_time(NOW)
def test_lookup_guessing_is_rate_limited(client, lobby):
    case, token = lobby.raise_case()
    for n in range(10):
        assert client.post(reverse("cases:track_lookup"), {"number": case.number, "token": f"guess{n}"}
                           ).status_code == 400
    response = client.post(reverse("cases:track_lookup"), {"number": case.number, "token": token})
    assert response.status_code == 429


# --- Query counts -------------------------------------------------------------------------------


def _build(lobby, events: int, photos: int):
    token, digest = new_token()
    handler = HandlerFactory(building=lobby.building)
    case = CaseFactory(floor=lobby.floor, tracking_hash=digest, status=Status.DISPATCHED, handler=handler)
    start = timezone.now() - datetime.timedelta(days=1)
    for n in range(events):
        event = CaseEvent.objects.create(case=case, kind=EventKind.NOTE, is_public=n % 3 != 0,
                                         text=f"进展{n}", created_at=start + datetime.timedelta(minutes=n))
        if n < photos:
            CasePhoto.objects.create(case=case, event=event, image=png(f"{n}.png"))
    for n in range(photos):
        CasePhoto.objects.create(case=case, image=png(f"c{n}.png"))
    return case, token


@pytest.mark.parametrize("events, photos", [(2, 0), (40, 6)])
def test_the_tracking_page_reads_a_fixed_number_of_queries(client, lobby, django_assert_max_num_queries,
                                                           events, photos):
    case, token = _build(lobby, events, photos)
    with django_assert_max_num_queries(4):  # the case, its public events, its public photos, the leader
        response = client.get(track(case, token))
    assert response.status_code == 200
    assert response.content.decode().count("进展") == sum(1 for n in range(events) if n % 3 != 0)


@freeze_time(NOW)
def test_the_token_stays_out_of_the_request_log(client, lobby, caplog):
    case, token = lobby.raise_case()
    with caplog.at_level("DEBUG", logger="django.request"):
        assert client.get(track(case, token, "cases:track_photo", 999999)).status_code == 404
        assert client.post(track(case, token)).status_code == 405
        assert client.get(track(case, token, "cases:track_rate")).status_code == 405
        assert client.get(reverse("cases:track", args=[case.number, token + "x"])).status_code == 404
        for n in range(11):
            client.post(track(case, token, "cases:track_add"), {"text": f"补充{n}"})
        assert client.post(track(case, token, "cases:track_add"), {"text": "再补充"}).status_code == 429
    assert all(token not in r.getMessage() for r in caplog.records)
    assert all(token not in str(getattr(r, "request", "")) for r in caplog.records)


@freeze_time(NOW)
def test_the_whole_loop_shows_replies_but_no_staff_names_or_private_phones(client, lobby):
    from louwei.accounts.models import RoleKind
    from louwei.testing.factories import HandlerMemberFactory, grant

    leader = FloorLeaderFactory(floor=FloorFactory(building=lobby.building, number=7),
                                user=UserFactory(name="周楼长", phone="13911112222"), public_phone="05371234567")
    secretary = UserFactory(name="吴书记", phone="13922223333")
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, lobby.building)
    handler = HandlerFactory(building=lobby.building, name="物业维修部", phone="05379999999")
    worker = HandlerMemberFactory(handler=handler, user=UserFactory(name="郑师傅", phone="13933334444")).user
    raised = services.raise_case(
        actor=None, floor=leader.floor, category=category("repairs"), description="七楼男卫生间的水管漏水",
        channel="qr", visitor=services.Visitor(name="访客甲", phone="13800000001"),
    )
    case, token = raised.case, raised.token
    services.pass_on(actor=leader.user, case=case, note="转楼委会")
    services.accept(actor=secretary, case=case, handler=handler)
    services.add_note(actor=worker, case=case, text="内部：需要采购配件，费用待批", public=False)
    services.reply(actor=worker, case=case, text="已更换水管接头，不再漏水。")
    services.close(actor=secretary, case=case, text="经核查已修好。")
    html = client.get(track(case, token)).content.decode()
    assert "已更换水管接头，不再漏水" in html and "经核查已修好" in html
    assert "内部" not in html and "费用待批" not in html
    for private in ("周楼长", "13911112222", "吴书记", "13922223333", "郑师傅", "13933334444", "05379999999"):
        assert private not in html, private
    assert "tel:05371234567" in html, "the leader's public phone is the one to call"
    assert 'name="rating"' in html
