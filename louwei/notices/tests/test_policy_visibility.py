"""A published policy is public to the enterprises of its district: the policy library shows it to
them even when it targeted others; a plain notice stays with the enterprises it was delivered to."""

import pytest

from louwei.notices import queries
from louwei.notices.models import Delivery, Notice, NoticeKind, Read
from louwei.testing.factories import BuildingFactory, FloorFactory, UserFactory, enterprise_on, grant


def _publish(park, kind, **audience):
    from louwei.notices import services

    notice = services.create_draft(actor=park.secretary, scope=park.a, title="人才公寓申请政策", kind=kind,
                                   body="正文", audience=audience)
    return services.publish(actor=park.secretary, notice=notice)


@pytest.mark.django_db
def test_an_enterprise_sees_its_districts_policies_but_not_others_notices(park, client):
    # Both target floor 1 only; the contact's enterprise is on floor 2.
    targeted_policy = _publish(park, NoticeKind.POLICY, floors=[park.f("NA", 1)])
    targeted_notice = _publish(park, NoticeKind.NOTICE, floors=[park.f("NA", 1)])
    assert not Delivery.objects.filter(enterprise=park.e["a2_it"]).exists()

    visible = set(queries.notices_for(park.contact))
    assert targeted_policy in visible
    assert targeted_notice not in visible

    client.force_login(park.contact)
    assert client.get(f"/notices/{targeted_policy.pk}/").status_code == 200
    assert client.get(f"/notices/{targeted_notice.pk}/").status_code == 403
    # Reading an undelivered policy records no receipt.
    assert not Read.objects.exists()
    # "Notices for us" stays the list of what was delivered to us.
    assert targeted_policy.title.encode() not in client.get("/notices/").content


@pytest.mark.django_db
def test_a_policy_of_another_district_stays_out_of_sight(park, client):
    other = BuildingFactory(code="OTHER")
    stranger = UserFactory(username="stranger")
    grant(stranger, "enterprise_contact", enterprise_on(FloorFactory(building=other, number=1)))
    policy_here = _publish(park, NoticeKind.POLICY)
    assert policy_here not in set(queries.notices_for(stranger))
    client.force_login(stranger)
    assert client.get(f"/notices/{policy_here.pk}/").status_code == 403
    assert Notice.objects.filter(pk=policy_here.pk).exists()
