"""The service centre's services and query."""

import pytest
from django.core.exceptions import ValidationError

from louwei.access import SYSTEM
from louwei.centre import services
from louwei.centre.models import Facility, FacilityKind
from louwei.centre.queries import centre_of
from louwei.core.audit import history_of
from louwei.testing.factories import BuildingFactory, FloorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    building = BuildingFactory(code="TC-A")
    FloorFactory(building=building, number=1)
    return building


@pytest.fixture
def centre(building):
    return services.set_up_centre(actor=SYSTEM, building=building, floor=building.floors.get(number=1),
                                  name=" 党群服务中心 ", phone="0537 1234567", opening_hours="工作日 9:00–17:30")


def test_set_up_centre(centre, building):
    assert centre.name == "党群服务中心" and centre.phone == "0537-1234567"
    assert [e.verb for e in history_of(building)] == ["centre.created"]


def test_one_centre_per_building(centre, building):
    with pytest.raises(ValidationError):
        services.set_up_centre(actor=SYSTEM, building=building, floor=building.floors.get(number=1), name="第二个")


def test_centre_on_a_floor_of_its_own_building(building):
    elsewhere = FloorFactory(building=BuildingFactory(code="TC-B"), number=1)
    with pytest.raises(ValidationError) as info:
        services.set_up_centre(actor=SYSTEM, building=building, floor=elsewhere, name="中心")
    assert "floor" in info.value.message_dict


def test_bad_phone(building):
    with pytest.raises(ValidationError) as info:
        services.set_up_centre(actor=SYSTEM, building=building, floor=building.floors.get(number=1), name="中心",
                               phone="123")
    assert "phone" in info.value.message_dict


def test_update_centre(centre, building):
    assert services.update_centre(actor=SYSTEM, centre=centre, opening_hours="每天 8:00–20:00")
    assert services.update_centre(actor=SYSTEM, centre=centre, opening_hours="每天 8:00–20:00") == {}
    assert [e.verb for e in history_of(building)] == ["centre.updated", "centre.created"]


def test_facilities(centre, building):
    room = services.add_facility(actor=SYSTEM, centre=centre, name="一号会议室", kind=FacilityKind.MEETING_ROOM,
                                 capacity=12)
    services.add_facility(actor=SYSTEM, centre=centre, name="自助打印机", kind=FacilityKind.PRINTER)
    with pytest.raises(ValidationError):
        services.add_facility(actor=SYSTEM, centre=centre, name="一号会议室", kind=FacilityKind.MEETING_ROOM)
    with pytest.raises(ValidationError):
        services.add_facility(actor=SYSTEM, centre=centre, name="怪东西", kind="spaceship")
    services.update_facility(actor=SYSTEM, facility=room, is_active=False)
    assert Facility.objects.filter(is_active=True).count() == 1
    assert history_of(building).first().verb == "facility.updated"


def test_centre_of(centre, building, django_assert_num_queries):
    services.add_facility(actor=SYSTEM, centre=centre, name="活动室", kind=FacilityKind.ACTIVITY_ROOM)
    services.add_facility(actor=SYSTEM, centre=centre, name="旧会议室", kind=FacilityKind.MEETING_ROOM, is_active=False)
    with django_assert_num_queries(2):
        found = centre_of(building)
        assert [f.name for f in found.active_facilities] == ["活动室"]
        assert found.floor.number == 1


def test_no_centre(building):
    assert centre_of(building) is None


def test_centre_of_with_facilities_out_of_use(centre, building, django_assert_num_queries):
    services.add_facility(actor=SYSTEM, centre=centre, name="活动室", kind=FacilityKind.ACTIVITY_ROOM)
    services.add_facility(actor=SYSTEM, centre=centre, name="旧会议室", kind=FacilityKind.MEETING_ROOM, is_active=False)
    with django_assert_num_queries(2):
        found = centre_of(building, with_unused=True)
        assert [f.name for f in found.facility_list] == ["活动室", "旧会议室"]  # those out of use last
        assert [f.name for f in found.active_facilities] == ["活动室"]
