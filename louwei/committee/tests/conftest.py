import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.centre.models import ServiceCentre
from louwei.committee import services
from louwei.testing.factories import (
    BuildingFactory,
    EnterpriseContactFactory,
    FloorFactory,
    UserFactory,
    enterprise_on,
    grant,
)

START = datetime.date(2021, 9, 10)


def image_bytes(fmt="JPEG", size=(1600, 1200), color=(200, 22, 29)) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(out, format=fmt)
    return out.getvalue()


def media_files(settings) -> list[str]:
    """Every file under MEDIA_ROOT (a temporary folder per test), relative to it."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class Tower:
    """A building with floors, enterprises on each floor, a committee, a term and a service centre."""

    def __init__(self, floors=3, enterprises_per_floor=1, code=None, leaders=True):
        kwargs = {"code": code} if code else {}
        self.building = BuildingFactory(**kwargs)
        self.floors = [FloorFactory(building=self.building, number=n) for n in range(1, floors + 1)]
        self.enterprises = {f.number: [enterprise_on(f) for _ in range(enterprises_per_floor)] for f in self.floors}
        self.committee = services.ensure_committee(actor=SYSTEM, building=self.building, phone="0537-2345678")
        self.term = services.create_term(actor=SYSTEM, committee=self.committee, number=1, started_on=START)
        self.centre = ServiceCentre.objects.create(
            building=self.building, floor=self.floors[0], name="党群服务中心", opening_hours="周一至周五 9:00–17:30",
            phone="0537-2345679",
        )
        self.leaders = {}
        if leaders:
            for f in self.floors:
                self.leaders[f.number] = self.appoint(f)

    def appoint(self, floor, user=None, **kwargs):
        user = user or UserFactory()
        kwargs.setdefault("enterprise", self.enterprises[floor.number][0] if self.enterprises[floor.number] else None)
        return services.appoint_floor_leader(
            actor=SYSTEM, floor=floor, user=user, term=self.term, method=kwargs.pop("method", "assigned"),
            started_on=kwargs.pop("started_on", START), **kwargs,
        )

    def floor(self, number):
        return self.floors[number - 1]


@pytest.fixture
def tower(db):
    return Tower()


@pytest.fixture
def people(tower):
    """One person per kind of role, scoped to ``tower`` (and a secretary of another building)."""
    b = tower.building
    other = BuildingFactory()
    floor2_enterprise = tower.enterprises[2][0]
    p = {
        "district": UserFactory(username="district"),
        "secretary": UserFactory(username="secretary"),
        "member": UserFactory(username="member"),
        "property": UserFactory(username="property"),
        "contact": UserFactory(username="contact"),
        "employee": UserFactory(username="employee"),
        "other_secretary": UserFactory(username="other_secretary"),
        "nobody": UserFactory(username="nobody"),
        "leader": tower.leaders[2].user,
    }
    grant(p["district"], RoleKind.DISTRICT_STAFF, b.party_committee)
    grant(p["secretary"], RoleKind.COMMITTEE_SECRETARY, b)
    grant(p["member"], RoleKind.COMMITTEE_MEMBER, b)
    grant(p["property"], RoleKind.PROPERTY_STAFF, b)
    grant(p["contact"], RoleKind.ENTERPRISE_CONTACT, floor2_enterprise)
    grant(p["employee"], RoleKind.EMPLOYEE, floor2_enterprise)
    grant(p["other_secretary"], RoleKind.COMMITTEE_SECRETARY, other)
    EnterpriseContactFactory(enterprise=floor2_enterprise, name="私密联系人", phone="13700001111", user=p["contact"])
    return p
