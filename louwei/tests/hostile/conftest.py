"""The demo world the hostile walk runs in: the article's building, every demo login, a visitor's
private link, and the addresses no link of the site leads to (:func:`seeds`). Loaded and walked once
per test module, inside the shared demo's transaction, rolled back at the module's end."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings

from louwei.accounts.models import User
from louwei.testing import hostile


def _png() -> bytes:
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(png, format="PNG")
    return png.getvalue()


def _visitor_case():
    """A case raised by a visitor with a photo, and the private link only that visitor is shown."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from louwei.buildings.models import Floor
    from louwei.cases import services
    from louwei.cases.models import Category

    floor = Floor.objects.get(code="XCFZ-B-05")
    raised = services.raise_case(
        actor=None, floor=floor, category=Category.objects.filter(is_active=True).order_by("pk").first(),
        description="走廊灯不亮", channel="qr", visitor=services.Visitor(name="访客", phone="13900000000"),
        photos=[SimpleUploadedFile("p.png", _png(), "image/png")],
    )
    return raised.case, f"/t/{raised.case.number}/{raised.token}/"


def _files_to_serve() -> None:
    """A group-chat robot, a notice's attachment and a case's photo, so their pages have something to
    show (the demo has none of them)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from louwei.buildings.models import Building
    from louwei.cases.models import Case, CasePhoto
    from louwei.cases.photos import attach, prepare
    from louwei.notices import services as notices
    from louwei.notices.models import Notice
    from louwei.notifications import services as notifications

    secretary = User.objects.get(username="secretary")
    building = Building.objects.get(code="XCFZ-B")
    notifications.save_endpoint(actor=secretary, building=building, name="楼委会群", kind="wecom",
                                url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=walk")
    notice = Notice.objects.filter(status="published", building=building).order_by("pk").first()
    notices.add_attachment(actor=secretary, notice=notice,
                           upload=SimpleUploadedFile("通知.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
    for case in Case.objects.filter(building=building).order_by("-pk")[:1]:
        if not CasePhoto.objects.filter(case=case).exists():
            attach(case, [prepare(SimpleUploadedFile("p.png", _png(), "image/png"))])


def _jobs() -> dict[str, str]:
    """A finished roster export and a finished roster check of the secretary's, and their pages."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from louwei.buildings import roster
    from louwei.buildings.models import Building
    from louwei.testing import jobs

    client = Client()
    client.force_login(User.objects.get(username="secretary"))
    export = jobs.run(jobs.start(client, "/buildings/XCFZ-B/roster/export.xlsx"))
    data = roster.export_workbook(Building.objects.get(code="XCFZ-B"))
    check = jobs.run(jobs.start(client, "/buildings/XCFZ-B/roster/import/", {
        "file": SimpleUploadedFile("名册.xlsx", data, roster.XLSX_CONTENT_TYPE),
    }))
    return {
        "/jobs/": "secretary",
        f"/jobs/{export.pk}/": "secretary",
        f"/jobs/{export.pk}/download/": "secretary",
        f"/buildings/XCFZ-B/roster/import/{check.pk}/": "secretary",
    }


def _first_pk(queryset, default: int = 1) -> int:
    return queryset.order_by("pk").values_list("pk", flat=True).first() or default


def seeds() -> dict[str, str]:
    """Addresses (→ the role that opens them) that no link leads to: POST-only actions, files, the
    API's details and format suffixes, a visitor's private pages. The walk's coverage test fails for a
    new pattern until a link or a seed reaches it."""
    from louwei.buildings.models import Enterprise
    from louwei.cases.models import Case, CasePhoto, Category, Handler
    from louwei.committee.models import FloorLeader
    from louwei.notices.models import Attachment, Notice
    from louwei.notifications.models import Message, WebhookEndpoint
    from louwei.open311.models import ClientKey

    visitor_case, link = _visitor_case()
    case = Case.objects.filter(building__code="XCFZ-B").order_by("pk").first()
    leader = User.objects.get(username="leader")
    message = _first_pk(Message.objects.filter(user=leader))
    draft = _first_pk(Notice.objects.filter(status="draft"))
    notice = _first_pk(Notice.objects.filter(status="published"))
    enterprise = _first_pk(Enterprise.objects.filter(occupancies__unit__floor__code="XCFZ-B-05"))
    result = {
        "/": hostile.ANONYMOUS,
        "/f/XCFZ-B-05/": hostile.ANONYMOUS,
        "/f/XCFZ-B-05/report/": hostile.ANONYMOUS,
        "/b/XCFZ-B/": hostile.ANONYMOUS,
        "/t/": hostile.ANONYMOUS,
        link: hostile.ANONYMOUS,
        f"{link}rate/": hostile.ANONYMOUS,
        f"{link}add/": hostile.ANONYMOUS,
        f"{link}photos/{_first_pk(CasePhoto.objects.filter(case=visitor_case))}/": hostile.ANONYMOUS,
        f"/cases/submitted/{visitor_case.number}/": hostile.ANONYMOUS,
        f"/cases/{visitor_case.number}/support/": "employee",
        "/cases/similar/?floor=XCFZ-B-05&q=电梯": hostile.ANONYMOUS,
        "/policies/": "contact",
        "/healthz": hostile.ANONYMOUS,
        "/login/": hostile.ANONYMOUS,
        "/logout/": hostile.ANONYMOUS,
        "/i18n/setlang/": hostile.ANONYMOUS,
        "/api/v1/docs/": "secretary",
        "/buildings/XCFZ-B/notifications/": "secretary",
        "/buildings/XCFZ-B/notifications/robots/new/": "secretary",
        f"/notifications/robots/{_first_pk(WebhookEndpoint.objects.all())}/edit/": "secretary",
        f"/notifications/robots/{_first_pk(WebhookEndpoint.objects.all())}/test/": "secretary",
        "/buildings/XCFZ-B/roster/rejected.xlsx": "secretary",
        f"/cases/photos/{_first_pk(CasePhoto.objects.all())}/": "secretary",
        "/floors/XCFZ-B-05/leader/appoint/": "secretary",
        f"/inbox/{message}/open/": "leader",
        f"/inbox/{message}/read/": "leader",
        "/inbox/read-all/": "leader",
        f"/notices/{draft}/publish/": "secretary",
        f"/notices/attachments/{_first_pk(Attachment.objects.all())}/": "secretary",
        f"/open311/keys/{_first_pk(ClientKey.objects.all())}/revoke/": "district",
        f"/open311/v2/requests/{visitor_case.number}.json": hostile.ANONYMOUS,
        f"/open311/v2/requests/{visitor_case.number}.xml": hostile.ANONYMOUS,
        f"/open311/v2/tokens/{visitor_case.public_id}.json": hostile.ANONYMOUS,
        "/open311/v2/discovery.xml": hostile.ANONYMOUS,
        "/open311/v2/services.xml": hostile.ANONYMOUS,
        "/open311/v2/requests.xml": hostile.ANONYMOUS,
        "/open311/v2/services/repairs.json": hostile.ANONYMOUS,
        "/api/v1/": "secretary",
        "/api/v1/openapi.json": "secretary",
    }
    result.update(_jobs())
    portrait = FloorLeader.objects.filter(ended_on__isnull=True).exclude(photo="").order_by("pk").first()
    if portrait is not None:
        result[portrait.photo_url] = hostile.ANONYMOUS
    api = {
        "buildings": "XCFZ-B",
        "floors": "XCFZ-B-05",
        "enterprises": enterprise,
        "floor-leaders": _first_pk(FloorLeader.objects.all()),
        "notices": notice,
        "inbox": message,
        "cases": case.number,
        "case-categories": Category.objects.order_by("pk").values_list("code", flat=True).first(),
        "case-handlers": _first_pk(Handler.objects.all()),
    }
    actions = {
        "notices": ["deliveries", "read"], "inbox": ["read"],
        "cases": ["accept", "answer", "close", "decline", "dispatch", "follow_up", "merge", "notes", "pass_on",
                  "rate", "reassign", "reopen", "reply", "return_reply"],
    }
    for name, key in api.items():
        role = "leader" if name == "inbox" else "secretary"
        result[f"/api/v1/{name}/"] = role
        result[f"/api/v1/{name}/{key}/"] = role
        for action in actions.get(name, ()):
            result[f"/api/v1/{name}/{key}/{action}/"] = role
    for extra in ("notices/unread-on-my-floors", "inbox/read-all", "inbox/unread-count"):
        result[f"/api/v1/{extra}/"] = "leader"
    return result


@pytest.fixture(scope="module")
def walked(demo_loaded, django_db_blocker):
    """The demo loaded (once for the module, ``louwei.testing.demo``), every role's client logged in,
    the site discovered (links, forms, seeds). All of it is rolled back at the module's end."""
    middleware = ["louwei.testing.hostile.RecordingMiddleware", *settings.MIDDLEWARE]
    media = demo_loaded.media_root
    # Thousands of refusals (400, 403, 404) would each log a warning; a 500 fails the walk itself.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    with django_db_blocker.unblock(), override_settings(MIDDLEWARE=middleware, MEDIA_ROOT=media):
        _files_to_serve()
        clients = {hostile.ANONYMOUS: Client()}
        for username in hostile.ROLES:
            client = Client()
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        walk = hostile.Walk(clients, seeds())
        walk.media_root = media
        walk.discover()
        walk.failures_of_discovery = list(walk.failures)
        yield walk
    request_log.setLevel(level)


@pytest.fixture
def walk(walked, django_db_blocker, settings):
    """The discovered walk, with no failures yet: each test reports its own."""
    settings.MEDIA_ROOT = walked.media_root
    walked.failures = []
    with django_db_blocker.unblock():
        yield walked
