import datetime
import itertools

import pytest
from django.utils import timezone

from louwei.accounts.models import RoleKind
from louwei.notices.models import Delivery, Notice, NoticeKind, NoticeStatus
from louwei.notices.signals import notice_changed, notice_published, notice_withdrawn
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant

_clock = itertools.count(1)


class Library:
    """A district with a building, two enterprises, staff and enterprise people, and a way to publish
    policies the way the notices app does: the notice row, its deliveries, then the signal."""

    def __init__(self):
        self.building = BuildingFactory()
        self.district = self.building.party_committee
        self.floor = FloorFactory(building=self.building, number=3)
        self.enterprise = enterprise_on(self.floor)
        self.other_enterprise = enterprise_on(self.floor)
        self.staff = UserFactory()
        grant(self.staff, RoleKind.DISTRICT_STAFF, self.district)
        self.secretary = UserFactory()
        grant(self.secretary, RoleKind.COMMITTEE_SECRETARY, self.building)
        self.contact = UserFactory()
        grant(self.contact, RoleKind.ENTERPRISE_CONTACT, self.enterprise)
        self.outsider = UserFactory()
        grant(self.outsider, RoleKind.COMMITTEE_SECRETARY, BuildingFactory())

    def policy(self, title, body="", *, to=(), kind=NoticeKind.POLICY, days_ago=None, building=None, **fields):
        """A published policy (newer than the previous one unless ``days_ago`` says otherwise),
        delivered to the enterprises ``to``, announced with ``notice_published``."""
        now = timezone.now()
        published_at = now - datetime.timedelta(days=days_ago) if days_ago is not None else (
            now - datetime.timedelta(days=30) + datetime.timedelta(minutes=next(_clock))
        )
        notice = Notice.objects.create(
            kind=kind, title=title, body=body, party_committee=self.district, building=building,
            status=NoticeStatus.PUBLISHED, published_at=published_at, **fields,
        )
        Delivery.objects.bulk_create([Delivery(notice=notice, enterprise=e, delivered_at=published_at) for e in to])
        notice_published.send(sender=Notice, notice=notice)
        return notice

    def withdraw(self, notice):
        notice.status = NoticeStatus.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        notice.save()
        notice_withdrawn.send(sender=Notice, notice=notice)

    def change(self, notice, **fields):
        for key, value in fields.items():
            setattr(notice, key, value)
        notice.save()
        notice_changed.send(sender=Notice, notice=notice)


@pytest.fixture
def lib(db):
    return Library()
