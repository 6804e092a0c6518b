import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.buildings.models import Enterprise, Industry, Occupancy
from louwei.core.models import AuditEvent
from louwei.notices import queries, services
from louwei.notices.models import Delivery, Notice, NoticeStatus, Read, Relay
from louwei.notices.signals import notice_changed, notice_published, notice_withdrawn
from louwei.notices.tasks import publish_due
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseFactory,
    FloorFactory,
    UnitFactory,
    UserFactory,
    enterprise_on,
    grant,
)

pytestmark = pytest.mark.django_db


def received(signal):
    got = []

    def receiver(sender, notice, **kwargs):
        got.append(notice.pk)

    signal.connect(receiver, weak=False)
    return got, receiver


def test_create_update_keeps_history_and_audit(park, django_capture_on_commit_callbacks):
    changed, receiver = received(notice_changed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.create_draft(actor=park.secretary, scope=park.a, title="  人才公寓申请通知 ",
                                           body="申请时间", audience={"floors": [park.f("NA", 2)]})
        assert notice.title == "人才公寓申请通知" and notice.status == NoticeStatus.DRAFT
        assert notice.party_committee == park.district and notice.building == park.a
        with django_capture_on_commit_callbacks(execute=True):
            services.update(actor=park.secretary, notice=notice, title="人才公寓申请通知（第二批）",
                            audience={"industries": [Industry.I]})
    finally:
        notice_changed.disconnect(receiver)
    assert changed == [notice.pk, notice.pk]
    assert notice.history.count() == 2
    event = AuditEvent.objects.filter(verb="notice.updated").get()
    assert set(event.details) == {"title", "audience"}
    assert event.details["title"]["from"] == "人才公寓申请通知"
    notice.refresh_from_db()
    rule = Notice.objects.get(pk=notice.pk).audience
    assert rule.industries == ["I"] and not rule.floors.exists()


def test_audience_outside_the_scope_is_refused(park):
    with pytest.raises(ValidationError):
        services.create_draft(actor=park.secretary, scope=park.a, title="x", audience={"floors": [park.f("NB", 1)]})
    with pytest.raises(ValidationError):
        services.create_draft(actor=park.secretary, scope=park.a, title="x", audience={"industries": ["Z"]})
    with pytest.raises(ValidationError):
        services.create_draft(actor=park.secretary, scope=park.a, title="x",
                              audience={"min_employees": 50, "max_employees": 10})
    with pytest.raises(ValidationError):  # the secretary of A cannot name B's tenants
        services.create_draft(actor=park.secretary, scope=park.a, title="x", audience={"enterprises": [park.e["b1_it"]]})


def test_publish_sends_signal_and_notifications_on_commit(park, captured, django_capture_on_commit_callbacks):
    published, receiver = received(notice_published)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notice = park.notice(floors=[park.f("NA", 2)], actor=park.secretary)
    finally:
        notice_published.disconnect(receiver)
    assert published == [notice.pk]
    assert Delivery.objects.filter(notice=notice).count() == 2
    call = captured["notify"][0]
    assert call["event"] == "notice.published" and call["key"] == f"notice:{notice.pk}:published"
    # the contact and employee of a2_it plus the leader's own role? No: only enterprise roles count
    assert call["recipient_ids"] == sorted([park.contact.pk, park.employee.pk])
    assert [(g["building"], list(g["floors"])) for g in captured["groups"]] == [(park.a, [park.f("NA", 2)])]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED and notice.published_at is not None
    with pytest.raises(ValidationError):
        services.publish(actor=park.secretary, notice=notice)


def make_enterprises(floor, n):
    unit = UnitFactory(floor=floor)
    start = timezone.localdate() - datetime.timedelta(days=30)
    base = Enterprise.objects.count() + 1000
    from louwei.testing.factories import make_uscc

    made = Enterprise.objects.bulk_create(
        [Enterprise(name=f"批量{base + i}", uscc=make_uscc(base + i), industry=Industry.I, employee_count=10)
         for i in range(n)]
    )
    Occupancy.objects.bulk_create([Occupancy(enterprise=e, unit=unit, started_on=start) for e in made])


def test_publish_query_count_does_not_grow(db, django_capture_on_commit_callbacks):
    counts = {}
    for n in (10, 300):
        building = BuildingFactory()
        make_enterprises(FloorFactory(building=building, number=1), n)
        notice = services.create_draft(actor=SYSTEM, scope=building, title="税收优惠政策解读", kind="policy")
        with CaptureQueriesContext(connection) as ctx:
            services.publish(actor=SYSTEM, notice=notice)
        assert Delivery.objects.filter(notice=notice).count() == n
        counts[n] = len(ctx.captured_queries)
    assert counts[10] == counts[300] <= 12


def test_scheduled_notice_is_published_by_the_periodic_job(park):
    notice = park.notice(publish=False)
    with pytest.raises(ValidationError):
        services.schedule(actor=park.secretary, notice=notice, publish_at=timezone.now() - datetime.timedelta(minutes=1))
    later = timezone.now() + datetime.timedelta(hours=1)
    services.schedule(actor=park.secretary, notice=notice, publish_at=later)
    assert services.publish_due() == []
    assert publish_due.call() == []
    published = services.publish_due(now=later + datetime.timedelta(seconds=1))
    assert published == [notice.pk]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED and Delivery.objects.filter(notice=notice).count() == 5


def test_the_job_is_registered():
    from louwei.core import periodic

    assert periodic.registry.get("notices.publish_due").cron == "* * * * *"


def test_move_in_receives_current_notices(park, captured, django_capture_on_commit_callbacks):
    current = park.notice(floors=[park.f("NA", 3)])
    other_floor = park.notice(floors=[park.f("NA", 1)])
    withdrawn = park.notice(floors=[park.f("NA", 3)])
    services.withdraw(actor=SYSTEM, notice=withdrawn)
    expired = park.notice(publish=False, floors=[park.f("NA", 3)])
    services.update(actor=SYSTEM, notice=expired, effective_on=datetime.date(2020, 1, 1),
                    expires_on=datetime.date(2021, 1, 1))
    services.publish(actor=SYSTEM, notice=expired)
    draft = park.notice(publish=False, floors=[park.f("NA", 3)])
    newcomer = enterprise_on(park.f("NA", 3))
    person = UserFactory()
    grant(person, RoleKind.EMPLOYEE, newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver_current_notices(newcomer) == 1
    assert list(Delivery.objects.filter(enterprise=newcomer).values_list("notice_id", flat=True)) == [current.pk]
    assert captured["notify"][-1]["recipient_ids"] == [person.pk]
    assert services.deliver_current_notices(newcomer) == 0  # idempotent
    assert {other_floor.pk, draft.pk}.isdisjoint(Delivery.objects.filter(enterprise=newcomer).values_list("notice_id", flat=True))


def test_read_receipts(park):
    notice = park.notice(floors=[park.f("NA", 2)])
    first = services.mark_read(actor=park.employee, notice=notice)
    assert first is not None
    assert services.mark_read(actor=park.employee, notice=notice) is None  # once per person
    services.mark_read(actor=park.contact, notice=notice)
    delivery = Delivery.objects.get(notice=notice, enterprise=park.e["a2_it"])
    assert delivery.first_read_by == park.employee and delivery.first_read_at == first.read_at
    assert set(Read.objects.filter(delivery=delivery).values_list("user_id", flat=True)) == {park.employee.pk,
                                                                                            park.contact.pk}
    with pytest.raises(PermissionDenied):  # not delivered to their enterprise
        services.mark_read(actor=park.other_contact, notice=notice)


def test_withdrawal_keeps_the_record(park, django_capture_on_commit_callbacks):
    notice = park.notice(floors=[park.f("NA", 2)])
    services.mark_read(actor=park.contact, notice=notice)
    withdrawn, receiver = received(notice_withdrawn)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.withdraw(actor=park.secretary, notice=notice, reason="内容有误")
    finally:
        notice_withdrawn.disconnect(receiver)
    assert withdrawn == [notice.pk]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN and Delivery.objects.filter(notice=notice).count() == 2
    assert notice not in queries.notices_for(park.contact)
    assert queries.notices_for(park.secretary).get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.update(actor=park.secretary, notice=notice, title="改")
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=park.employee, notice=notice)


def test_relay_by_the_floor_leader_only(park):
    notice = park.notice()
    delivery = Delivery.objects.get(notice=notice, enterprise=park.e["a2_sci"])
    relay = services.record_relay(actor=park.leader2, delivery=delivery, method="phone", note="已电话告知")
    assert relay.floor == park.f("NA", 2) and Relay.objects.count() == 1
    for intruder in (park.leader1, park.secretary, park.contact):
        with pytest.raises(PermissionDenied):
            services.record_relay(actor=intruder, delivery=delivery, method="phone")
    with pytest.raises(ValidationError):
        services.record_relay(actor=park.leader2, delivery=delivery, method="pigeon")


def test_remind_goes_to_the_unread_only(park, captured):
    notice = park.notice()
    reader_of_a1 = park.other_contact
    services.mark_read(actor=reader_of_a1, notice=notice)
    sci_person = UserFactory()
    grant(sci_person, RoleKind.EMPLOYEE, park.e["a2_sci"])
    services.remind_unread(actor=park.secretary, notice=notice)
    call = captured["notify"][-1]
    assert call["event"] == "notice.reminder"
    assert call["recipient_ids"] == sorted([park.contact.pk, park.employee.pk, sci_person.pk])
    services.mark_read(actor=park.contact, notice=notice)
    services.remind_unread(actor=park.leader2, notice=notice)  # floor 2 only, a2_it read now
    assert captured["notify"][-1]["recipient_ids"] == [sci_person.pk]
    with pytest.raises(PermissionDenied):
        services.remind_unread(actor=park.contact, notice=notice)


def pdf_bytes():
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_attachments_checked_by_extension_and_content(park, settings):
    notice = park.notice(publish=False)
    a = services.add_attachment(actor=park.secretary, notice=notice,
                                upload=SimpleUploadedFile("申报指南.pdf", pdf_bytes()))
    assert a.content_type == "application/pdf" and a.size == len(pdf_bytes())
    services.add_attachment(actor=park.secretary, notice=notice, upload=SimpleUploadedFile("表格.docx", docx_bytes()))
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    services.add_attachment(actor=park.secretary, notice=notice, upload=SimpleUploadedFile("图.png", png))
    bad = [
        SimpleUploadedFile("evil.exe", b"MZ" + b"\0" * 10),
        SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>"),
        SimpleUploadedFile("fake.docx", b"PK\x03\x04 not really a zip"),
        SimpleUploadedFile("fake.jpg", png),
        SimpleUploadedFile("empty.pdf", b""),
    ]
    for upload in bad:
        with pytest.raises(ValidationError):
            services.add_attachment(actor=park.secretary, notice=notice, upload=upload)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (services.MAX_ATTACHMENT_BYTES - 4))
    with pytest.raises(ValidationError):
        services.add_attachment(actor=park.secretary, notice=notice, upload=big)
    assert notice.attachments.count() == 3
    services.remove_attachment(actor=park.secretary, attachment=a)
    assert notice.attachments.count() == 2


def test_delete_draft_only(park):
    notice = park.notice(publish=False)
    services.delete_draft(actor=park.secretary, notice=notice)
    assert not Notice.objects.filter(pk=notice.pk).exists()
    published = park.notice()
    with pytest.raises(ValidationError):
        services.delete_draft(actor=park.secretary, notice=published)


def test_move_in_through_the_registry_delivers(park, django_capture_on_commit_callbacks):
    from louwei.buildings import services as registry

    notice = park.notice(floors=[park.f("NA", 3)])
    newcomer = EnterpriseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registry.move_in(actor=park.secretary, enterprise=newcomer, floor=park.f("NA", 3), unit_number="0399",
                         started_on=timezone.localdate())
    assert Delivery.objects.filter(notice=notice, enterprise=newcomer).exists()


def roster_rows(count, floor, start=0, **values):
    """Rows for ``roster.import_roster`` (dicts keyed by column), one new enterprise each."""
    from louwei.testing.factories import make_uscc

    return [
        {"name": f"新入驻{n}有限公司", "uscc": make_uscc(70_000 + n), "industry": "I", "floor": floor,
         "unit": f"{floor:02d}{n:02d}", **values}
        for n in range(start, start + count)
    ]


def test_newcomers_of_a_roster_import_receive_the_current_notices(park, captured, django_capture_on_commit_callbacks):
    """A roster import moves many enterprises in at once: each newcomer still receives the current
    notices whose audience now includes it (through the registry's occupancies_started signal)."""
    from louwei.buildings import roster

    floor3 = park.notice(floors=[park.f("NA", 3)])
    manufacturers = park.notice(industries=[Industry.C])
    building_b = park.notice(park.b)
    with django_capture_on_commit_callbacks(execute=True):
        preview = roster.import_roster(actor=park.secretary, building=park.a, source=roster_rows(3, 3), dry_run=True)
    assert preview.created == 3 and not Delivery.objects.filter(enterprise__name__startswith="新入驻").exists()
    person = UserFactory()
    rows = [*roster_rows(3, 3), *roster_rows(2, 1, start=10, industry="C")]
    with django_capture_on_commit_callbacks(execute=True):
        report = roster.import_roster(actor=park.secretary, building=park.a, source=rows)
        grant(person, RoleKind.EMPLOYEE, Enterprise.objects.get(name="新入驻0有限公司"))
    assert report.written and report.created == 5
    delivered = set(
        Delivery.objects.filter(enterprise__name__startswith="新入驻").values_list("enterprise__name", "notice_id")
    )
    assert delivered == {
        *((f"新入驻{n}有限公司", floor3.pk) for n in range(3)),
        *((f"新入驻{n}有限公司", manufacturers.pk) for n in (10, 11)),
    }
    assert building_b.pk not in {notice for _name, notice in delivered}
    events = AuditEvent.objects.filter(verb="notice.delivered_on_move_in")
    assert events.count() == 5 and all(e.actor is None for e in events)
    # one message per notice for all its newcomers' people (the person was granted before commit)
    assert [c["recipient_ids"] for c in captured["notify"] if c["key"] == f"notice:{floor3.pk}:published"][-1] == [
        person.pk
    ]


def test_many_newcomers_cost_the_queries_of_a_few(park, django_capture_on_commit_callbacks):
    """The queries grow with the current notices, not with the newcomers."""
    park.notice(floors=[park.f("NA", 3)])
    park.notice(industries=[Industry.I])
    counts = []
    for count in (5, 60):
        enterprises = [EnterpriseFactory(industry=Industry.I) for _n in range(count)]
        for enterprise in enterprises:
            Occupancy.objects.create(enterprise=enterprise, unit=UnitFactory(floor=park.f("NA", 3)),
                                     started_on=timezone.localdate())
        with CaptureQueriesContext(connection) as context, django_capture_on_commit_callbacks(execute=True):
            assert services.deliver_current_notices_to(e.pk for e in enterprises) == 2 * count
        counts.append(len(context))
    assert counts[0] == counts[1] <= 30


def test_a_move_in_recorded_in_advance_receives_the_notices_on_its_first_day(park, django_capture_on_commit_callbacks):
    from freezegun import freeze_time

    from louwei.buildings import services as registry
    from louwei.notices.tasks import deliver_to_newcomers

    notice = park.notice(floors=[park.f("NA", 3)])
    newcomer = EnterpriseFactory()
    first_day = timezone.localdate() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        registry.move_in(actor=park.secretary, enterprise=newcomer, floor=park.f("NA", 3), unit_number="03-98",
                         started_on=first_day)
    assert not Delivery.objects.filter(enterprise=newcomer).exists()  # not a tenant yet
    with freeze_time(first_day.isoformat() + " 08:00:00"):
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver_to_newcomers.call() == 1
        # Run again the same day: nothing more.
        assert deliver_to_newcomers.call() == 0
    assert Delivery.objects.filter(notice=notice, enterprise=newcomer).exists()


def test_reach_figures_by_floor_and_building(park):
    notice = park.notice(park.district)
    other = park.notice(park.district)
    services.mark_read(actor=park.contact, notice=notice)  # a2_it
    services.mark_read(actor=park.other_contact, notice=other)  # a1_it, another notice: must not count
    delivery = Delivery.objects.get(notice=notice, enterprise=park.e["a2_sci"])
    services.record_relay(actor=park.leader2, delivery=delivery, method="chat")
    services.record_relay(actor=park.leader2, delivery=delivery, method="phone")
    with CaptureQueriesContext(connection) as ctx:
        reach = queries.reach(notice)
    assert len(ctx.captured_queries) == 3
    assert reach["totals"] == {"reached": 7, "read": 1, "relayed": 1}
    rows = {(r["unit__floor__building__name"], r["unit__floor__number"]): (r["reached"], r["read"], r["relayed"])
            for r in reach["by_floor"]}
    assert rows == {
        (park.a.name, 1): (2, 0, 0), (park.a.name, 2): (2, 1, 1), (park.a.name, 3): (1, 0, 0),
        (park.b.name, 1): (1, 0, 0), (park.b.name, 2): (1, 0, 0),
    }
    buildings = {r["unit__floor__building__name"]: (r["reached"], r["read"], r["unread"]) for r in reach["by_building"]}
    assert buildings == {park.a.name: (5, 1, 4), park.b.name: (2, 0, 2)}
