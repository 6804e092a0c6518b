import datetime
import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from louwei.access import SYSTEM
from louwei import access
from louwei.accounts.models import Role
from louwei.buildings.models import Floor
from louwei.committee import posters, queries, services
from louwei.committee.models import FloorLeader
from louwei.jobs.models import Job, Status
from louwei.notifications.models import Message
from louwei.testing import jobs
from louwei.testing.factories import UserFactory

from .conftest import Tower, image_bytes, upload

pytestmark = pytest.mark.django_db

SITE = "https://louwei.example.cn"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(pdf: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def qr_texts(pdf: bytes, index: int = 0) -> list[str]:
    image = pdfium.PdfDocument(pdf)[index].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts whose program is embedded in the PDF (FontFile, FontFile2 or FontFile3)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(descriptor["/FontName"]))
    return names


@pytest.fixture
def tower20(db):
    tower = Tower(floors=20, enterprises_per_floor=1, code="XCFZ-B")
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[7], ended_on=timezone.localdate())
    return tower


def test_building_pdf_has_one_page_per_floor_with_leader_phone_and_qr(tower20):
    with translation.override("zh-hans"):
        pdf = posters.building_posters(tower20.building)
    texts = page_texts(pdf)
    assert len(texts) == 20
    for floor, text in zip(tower20.floors, texts, strict=True):
        assert "有事找楼长" in text
        assert squash(tower20.building.name) in text
        if floor.number == 7:
            assert "本层楼长暂缺" in text and "0537-2345678" in text  # vacant: the committee's phone
            assert squash(tower20.leaders[7].user.name) not in text
        else:
            leader = tower20.leaders[floor.number]
            assert squash(leader.user.name) in text, floor.number
            assert leader.public_phone in text, floor.number
            assert squash(leader.enterprise.name) in text
    # the QR code on a page decodes to that floor's public page
    for index in (0, 6, 19):
        floor = tower20.floors[index]
        assert qr_texts(pdf, index) == [SITE + reverse("committee:floor_page", args=[floor.code])]


def test_chinese_font_is_embedded(tower):
    pdf = posters.floor_poster(tower.floor(1))
    fonts = embedded_fonts(pdf)
    assert fonts, "no embedded font"
    # Every font is the bundled Noto Sans SC (declared as "Louwei Sans"), subset to the glyphs used
    # ("ABCDEF+" prefix): no system font stands in for a missing glyph.
    assert all(re.fullmatch(r"/[A-Z]{6}\+Louwei-Sans(-Bold)?", name) for name in fonts), fonts
    assert len(fonts) == 2  # regular and bold


def test_floor_poster_with_photo(tower):
    leader = tower.leaders[1]
    services.update_floor_leader(actor=SYSTEM, leader=leader, photo=upload(image_bytes()))
    pdf = posters.floor_poster(tower.floor(1))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    images = list(reader.pages[0].images)
    assert images, "the photo is in the PDF"
    assert qr_texts(pdf) == [SITE + "/f/" + tower.floor(1).code + "/"]


def test_poster_text_follows_the_language(tower):
    with translation.override("en"):
        text = page_texts(posters.floor_poster(tower.floor(1)))[0]
    assert squash("Need help? Ask your floor leader") in text and "有事找楼长" not in text


def test_long_names_still_make_one_page_per_floor(tower):
    leader = tower.leaders[1]
    leader.user.name = "阿卜杜热合曼·买买提明"
    leader.user.save()
    leader.enterprise.name = "山东省新城发展大厦B座物业服务与信息技术咨询及人力资源外包管理有限责任公司济宁分公司"
    leader.enterprise.save()
    tower.building.name = "新城发展大厦B座（新城区商务中心区金融港二期）"
    tower.building.save()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            pdf = posters.building_posters(tower.building)
        texts = page_texts(pdf)
        assert len(texts) == len(tower.floors), language
        assert squash(leader.user.name) in texts[0] and leader.public_phone in texts[0]


def test_poster_fetches_nothing_but_the_bundled_fonts():
    fetcher = posters.PosterFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://example.com/x.png")
    font = posters.font_path("regular").as_uri()
    assert fetcher.fetch(font).status in (None, 200)


# --- from the web -------------------------------------------------------------------------------


def test_secretary_prints_the_building_posters_through_a_job(client, tower, people, django_assert_max_num_queries):
    secretary = people["secretary"]
    client.force_login(secretary)
    url = reverse("committee:building_posters", args=[tower.building.code])
    # The committee page's button posts to the old address; a GET there (a bookmark) shows the button.
    manage = client.get(reverse("committee:manage", args=[tower.building.code])).content.decode()
    assert f'action="{url}"' in manage
    page = client.get(url)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")

    job = jobs.start(client, url)
    assert job.kind == "committee.posters" and job.status == Status.QUEUED
    with CaptureQueriesContext(connection) as queries_run:
        jobs.run(job)
    assert job.status == Status.DONE
    # The progress moved floor by floor, then to the layout, before the job was done.
    seen = [int(n) for n in re.findall(r'"progress_done" = (\d+)', " ".join(q["sql"] for q in queries_run))]
    assert seen[:2] == [0, 1] and max(seen) == len(tower.floors)
    response = client.get(job.download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'inline; filename="posters-{tower.building.code}.pdf"' == response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(tower.floors)
    # The same posters as the page made in the request: page for page.
    with translation.override(job.language):
        assert page_texts(pdf) == page_texts(posters.building_posters(tower.building))
    assert Message.objects.filter(user=secretary, event="job.ready", url=job.get_absolute_url()).count() == 1


def test_a_floor_leader_prints_their_own_floor_only(client, tower, people):
    client.force_login(people["leader"])  # floor 2
    job = jobs.run(jobs.start(client, reverse("committee:floor_poster", args=[tower.floor(2).code])))
    assert job.kind == "committee.floor_poster" and job.result_name == f"poster-{tower.floor(2).code}.pdf"
    own = jobs.download(client, job)
    assert len(PdfReader(io.BytesIO(own)).pages) == 1
    assert qr_texts(own) == [SITE + reverse("committee:floor_page", args=[tower.floor(2).code])]
    for url in (reverse("committee:floor_poster", args=[tower.floor(1).code]),
                reverse("committee:building_posters", args=[tower.building.code])):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert Job.objects.count() == 1


@pytest.mark.parametrize("who", ["employee", "contact", "other_secretary", "nobody"])
def test_others_may_not_print_posters(client, tower, people, who):
    client.force_login(people[who])
    for url in (reverse("committee:floor_poster", args=[tower.floor(1).code]),
                reverse("committee:building_posters", args=[tower.building.code])):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert not Job.objects.exists()


def test_property_staff_may_print_and_keep_their_posters_to_themselves(client, tower, people):
    client.force_login(people["property"])
    job = jobs.run(jobs.start(client, reverse("committee:building_posters", args=[tower.building.code])))
    assert job.has_file
    client.force_login(people["secretary"])  # may print posters too, but this file is not theirs
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(job.download_url).status_code == 404


def test_a_leader_who_left_may_no_longer_open_their_poster(client, tower, people):
    leader = people["leader"]
    client.force_login(leader)
    job = jobs.run(jobs.start(client, reverse("committee:floor_poster", args=[tower.floor(2).code])))
    Role.objects.filter(user=leader).update(ended_at=timezone.now())
    access.forget(leader)
    assert client.get(job.download_url).status_code == 403


def test_posters_of_a_leader_who_left_before_the_worker_ran_are_not_made(client, tower, people, settings):
    leader = people["leader"]
    client.force_login(leader)
    job = jobs.start(client, reverse("committee:floor_poster", args=[tower.floor(2).code]),
                     HTTP_ACCEPT_LANGUAGE="en")
    Role.objects.filter(user=leader).update(ended_at=timezone.now())
    jobs.run(job)
    assert job.status == Status.FAILED and not job.result
    assert job.error == "You may no longer do this, so the work was not done."
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))
    assert Message.objects.get(user=leader, event="job.failed").body == job.error


def test_unknown_floor_poster_is_404(client, people, tower):
    client.force_login(people["secretary"])
    assert client.get(reverse("committee:floor_poster", args=["NOPE-01"])).status_code == 404


# --- from the command line ----------------------------------------------------------------------


def test_command_writes_the_building_pdf(tower, tmp_path):
    out = tmp_path / "posters.pdf"
    stdout = io.StringIO()
    call_command("floor_posters", "--building", tower.building.code, "--out", str(out), stdout=stdout)
    assert out.exists() and f"已写入 {out}（3 页" in stdout.getvalue()  # the site's language, zh-hans
    texts = page_texts(out.read_bytes())
    assert len(texts) == len(tower.floors)
    assert all("有事找楼长" in t for t in texts)  # zh-hans by default


def test_command_one_floor_in_english(tower, tmp_path):
    out = tmp_path / "floor2.pdf"
    call_command("floor_posters", "--building", tower.building.code.lower(), "--out", str(out), "--floor", "2",
                 "--language", "en", stdout=io.StringIO())
    texts = page_texts(out.read_bytes())
    assert len(texts) == 1
    assert squash(tower.leaders[2].user.name) in texts[0] and "Askyourfloorleader" in texts[0]
    assert qr_texts(out.read_bytes()) == [SITE + reverse("committee:floor_page", args=[tower.floor(2).code])]


def test_command_refuses_unknown_building_or_floor(tower, tmp_path):
    with pytest.raises(CommandError):
        call_command("floor_posters", "--building", "NOPE", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("floor_posters", "--building", tower.building.code, "--floor", "99",
                     "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_poster_never_shows_the_login_name(tower):
    floor = tower.floor(2)
    services.end_floor_leader(actor=SYSTEM, leader=tower.leaders[2], ended_on=datetime.date(2024, 1, 1))
    nameless = UserFactory(name="", username="13912345678", phone="13912345678")
    services.appoint_floor_leader(actor=SYSTEM, floor=floor, user=nameless, term=tower.term, method="assigned",
                                  started_on=datetime.date(2024, 1, 2), public_phone="0537-2345111")
    with translation.override("zh-hans"):
        [text] = page_texts(posters.floor_poster(floor))
    assert "13912345678" not in text
    assert "楼长" in text and "0537-2345111" in text


@pytest.mark.parametrize("floors", [2, 20])
def test_one_floors_poster_reads_that_floor_only(django_assert_max_num_queries, floors):
    tower = Tower(floors=floors)
    floor = Floor.objects.select_related("building").get(pk=tower.floor(2).pk)
    loaded = {Floor: 0, FloorLeader: 0}

    def count(sender, **kwargs):
        loaded[sender] += 1

    for model in loaded:
        post_init.connect(count, sender=model, weak=False)
    try:
        with django_assert_max_num_queries(6):
            pages = queries.poster_pages(floor.building, floor)
    finally:
        for model in loaded:
            post_init.disconnect(count, sender=model)
    assert [(p.floor, p.leader) for p in pages] == [(floor, tower.leaders[2])]
    # only the floor's serving leader is read (and the service centre's floor), not every floor of the building
    assert loaded[FloorLeader] == 1 and loaded[Floor] == 1  # the one Floor read is the centre's


def test_command_messages_follow_the_language(tower, tmp_path):
    out = tmp_path / "floor2.pdf"
    stdout = io.StringIO()
    with translation.override("en"):
        call_command("floor_posters", "--building", tower.building.code, "--floor", "2", "--out", str(out),
                     stdout=stdout)
        assert stdout.getvalue().startswith(f"Wrote {out} (1 page, ")
        with pytest.raises(CommandError, match="No building has the code NOPE"):
            call_command("floor_posters", "--building", "NOPE", "--out", str(tmp_path / "x.pdf"))
    with translation.override("zh-hans"):
        with pytest.raises(CommandError, match="没有编码为 NOPE 的楼宇"):
            call_command("floor_posters", "--building", "NOPE", "--out", str(tmp_path / "x.pdf"))
        with pytest.raises(CommandError, match="没有 99 层"):
            call_command("floor_posters", "--building", tower.building.code, "--floor", "99",
                         "--out", str(tmp_path / "x.pdf"))


def test_command_as_a_user_asks_access(tower, people, tmp_path):
    out = tmp_path / "posters.pdf"
    leader = people["leader"].username  # floor leader of floor 2
    call_command("floor_posters", "--building", tower.building.code, "--floor", "2", "--out", str(out),
                 "--user", leader, stdout=io.StringIO())
    assert out.exists()
    out.unlink()
    with translation.override("zh-hans"):
        for args in (["--floor", "1"], []):  # another floor, the whole building
            with pytest.raises(CommandError, match="无权打印"):
                call_command("floor_posters", "--building", tower.building.code, *args, "--out", str(out),
                             "--user", leader)
        with pytest.raises(CommandError, match="无权打印"):  # an employee of an enterprise on the floor
            call_command("floor_posters", "--building", tower.building.code, "--out", str(out),
                         "--user", people["employee"].username)
        with pytest.raises(CommandError, match="没有用户名为 nobody-at-all 的在用账号"):
            call_command("floor_posters", "--building", tower.building.code, "--out", str(out),
                         "--user", "nobody-at-all")
    assert not out.exists()
    call_command("floor_posters", "--building", tower.building.code, "--out", str(out),
                 "--user", people["member"].username, stdout=io.StringIO())
    assert out.exists()
