import pytest

from louwei.accounts.models import RoleKind
from bench import notices as benchmark
from louwei.demo.notices import load_demo_notices
from louwei.notices import queries
from louwei.notices.models import Delivery, Notice, Read
from louwei.testing.factories import BuildingFactory, FloorFactory, FloorLeaderFactory, UserFactory, enterprise_on, grant

pytestmark = pytest.mark.django_db


def test_demo_notices_are_idempotent_and_leave_floor_5_unread(db):
    building = BuildingFactory()
    floors = {n: FloorFactory(building=building, number=n) for n in range(1, 8)}
    tenants = {n: [enterprise_on(floors[n]) for _ in range(2)] for n in floors}
    contact = UserFactory()
    grant(contact, RoleKind.ENTERPRISE_CONTACT, tenants[5][0])
    leader = FloorLeaderFactory(floor=floors[5], enterprise=tenants[5][1]).user
    made = load_demo_notices(building, building.party_committee)
    again = load_demo_notices(building, building.party_committee)
    assert [n.pk for n in made] == [n.pk for n in again] and Notice.objects.count() == 4
    assert Read.objects.filter(user=contact).count() == 2
    unread = queries.unread_on_my_floors(leader)
    assert {g["notice"].title for g in unread} >= {"消防安全检查通知", "税收优惠政策解读"}
    assert Delivery.objects.filter(notice__title="人才公寓申请通知").count() == 6  # two tenants on each of floors 5-7


def test_benchmark_publish_to(db):
    result = benchmark.publish_to(50)
    assert result["deliveries"] == 50 and result["queries"] < 15 and result["seconds"] >= 0
    assert result["peak_mib"] >= 0
