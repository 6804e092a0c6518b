import pytest

from louwei.access import SYSTEM
from louwei.notices import queries, services
from louwei.notices.models import NoticeStatus

pytestmark = pytest.mark.django_db


def test_notices_for_staff_and_enterprise_people(park):
    building_a = park.notice(park.a, floors=[park.f("NA", 2)])
    draft_a = park.notice(park.a, publish=False)
    district = park.notice(park.district, buildings=[park.b])
    district_draft = park.notice(park.district, publish=False)
    withdrawn = park.notice(park.a, floors=[park.f("NA", 2)])
    services.withdraw(actor=SYSTEM, notice=withdrawn)

    def seen(user):
        return set(queries.notices_for(user).values_list("pk", flat=True))

    everything = {building_a.pk, draft_a.pk, district.pk, district_draft.pk, withdrawn.pk}
    assert seen(park.district_staff) == everything
    assert seen(park.secretary) == {building_a.pk, draft_a.pk, district.pk, withdrawn.pk}
    assert seen(park.member) == {building_a.pk, draft_a.pk, district.pk, withdrawn.pk}
    assert seen(park.secretary_b) == {district.pk}
    assert seen(park.contact) == {building_a.pk}  # delivered and published only
    assert seen(park.other_contact) == set()
    assert seen(park.nobody) == set()
    assert queries.notices_for(park.contact).get().is_read is False
    services.mark_read(actor=park.contact, notice=building_a)
    assert queries.notices_for(park.contact).get().is_read is True
    assert queries.notices_for(park.employee).get().is_read is False


def test_staff_list_puts_drafts_first_on_every_database(park):
    published = park.notice()
    draft = park.notice(publish=False)
    assert list(queries.staff_notices(park.secretary).values_list("pk", flat=True)) == [draft.pk, published.pk]
    assert queries.staff_notices(park.secretary).get(pk=published.pk).reached == 5


def test_deliveries_of_and_unread_on_my_floors(park):
    notice = park.notice()
    assert [d.enterprise.name for d in queries.deliveries_of(notice)] == sorted(
        e.name for k, e in park.e.items() if k.startswith("a"))
    services.mark_read(actor=park.contact, notice=notice)
    groups = queries.unread_on_my_floors(park.leader2)
    assert [(g["floor"], [d.enterprise for d in g["deliveries"]]) for g in groups] == [
        (park.f("NA", 2), [park.e["a2_sci"]])]
    assert queries.unread_on_my_floors(park.contact) == []
    assert notice.status == NoticeStatus.PUBLISHED
