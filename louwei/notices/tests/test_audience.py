"""Audience resolution against hand-counted cases, and a property-based check against plain Python."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from louwei.buildings.models import Enterprise, Industry, Occupancy, PartyOrganisation
from louwei.notices.models import Delivery
from louwei.notices.queries import AudienceSpec, audience_queryset
from louwei.testing.factories import BuildingFactory, EnterpriseFactory, FloorFactory, UnitFactory, enterprise_on

pytestmark = pytest.mark.django_db


def delivered(park, notice):
    return park.names(Enterprise.objects.filter(notice_deliveries__notice=notice))


def test_no_place_means_the_whole_building_of_a_building_notice(park):
    notice = park.notice(park.a)
    assert delivered(park, notice) == {"a1_it", "a1_mfg", "a2_it", "a2_sci", "a3_mfg"}


def test_no_place_means_the_whole_district_of_a_district_notice(park):
    notice = park.notice(park.district)
    assert delivered(park, notice) == set(park.e)


def test_floors(park):
    notice = park.notice(floors=[park.f("NA", 2), park.f("NA", 3)])
    assert delivered(park, notice) == {"a2_it", "a2_sci", "a3_mfg"}


def test_chosen_floor_narrows_its_building_but_not_another(park):
    notice = park.notice(park.district, buildings=[park.a, park.b], floors=[park.f("NA", 1)])
    assert delivered(park, notice) == {"a1_it", "a1_mfg", "b1_it", "b2_sci"}


def test_industries(park):
    notice = park.notice(park.district, industries=[Industry.I, Industry.M])
    assert delivered(park, notice) == {"a1_it", "a2_it", "a2_sci", "b1_it", "b2_sci"}


def test_size_band(park):
    notice = park.notice(park.district, min_employees=10, max_employees=100)
    assert delivered(park, notice) == {"a1_it", "a2_sci", "b2_sci"}
    only_small = park.notice(park.district, max_employees=8)
    assert delivered(park, only_small) == {"a2_it", "a3_mfg"}


def test_party_organisation(park):
    notice = park.notice(park.district, party_organisations=[PartyOrganisation.OWN_BRANCH])
    assert delivered(park, notice) == {"a1_it", "a2_sci", "b1_it"}


def test_named_enterprises_are_added_whatever_the_filters(park):
    notice = park.notice(park.district, floors=[park.f("NA", 1)], industries=[Industry.I],
                         enterprises=[park.e["b2_sci"]])
    assert delivered(park, notice) == {"a1_it", "b2_sci"}


def test_combination(park):
    notice = park.notice(park.district, buildings=[park.a], industries=[Industry.I, Industry.M],
                         min_employees=10, party_organisations=[PartyOrganisation.OWN_BRANCH])
    assert delivered(park, notice) == {"a1_it", "a2_sci"}


def test_former_tenants_and_future_tenants_are_not_reached(park):
    gone = enterprise_on(park.f("NA", 3))
    Occupancy.objects.filter(enterprise=gone).update(ended_on=timezone.localdate() - datetime.timedelta(days=1))
    coming = EnterpriseFactory()
    Occupancy.objects.create(enterprise=coming, unit=UnitFactory(floor=park.f("NA", 3)),
                             started_on=timezone.localdate() + datetime.timedelta(days=5))
    notice = park.notice(floors=[park.f("NA", 3)])
    assert set(Delivery.objects.filter(notice=notice).values_list("enterprise_id", flat=True)) == {park.e["a3_mfg"].pk}


def test_an_enterprise_on_two_floors_is_delivered_once(park):
    UnitFactory(floor=park.f("NA", 3))
    Occupancy.objects.create(enterprise=park.e["a1_it"], unit=UnitFactory(floor=park.f("NA", 3)),
                             started_on=timezone.localdate() - datetime.timedelta(days=3))
    notice = park.notice(floors=[park.f("NA", 1), park.f("NA", 3)])
    assert Delivery.objects.filter(notice=notice).count() == 3


# ----------------------------------------------------------------------------------------------
# Property: the database resolution equals a plain-Python evaluation of the rule.

INDUSTRIES = [Industry.C, Industry.I, Industry.M]
KINDS = list(PartyOrganisation.values)


def python_audience(registry, spec: AudienceSpec) -> set[int]:
    floor_ids = {f for f, _b in spec.floors}
    narrowed = {b for _f, b in spec.floors}
    bare = {b for b in spec.building_ids if b not in narrowed}
    result = set()
    for e in registry:
        if floor_ids or bare:
            in_place = bool(e["floors"] & floor_ids) or bool(e["buildings"] & bare)
        elif spec.building_id:
            in_place = spec.building_id in e["buildings"]
        else:
            in_place = bool(e["buildings"])
        ok = in_place
        ok = ok and (not spec.industries or e["industry"] in spec.industries)
        ok = ok and (spec.min_employees is None or e["size"] >= spec.min_employees)
        ok = ok and (spec.max_employees is None or e["size"] <= spec.max_employees)
        ok = ok and (not spec.party_organisations or e["party"] in spec.party_organisations)
        if ok or e["pk"] in spec.enterprise_ids:
            result.add(e["pk"])
    return result


@st.composite
def registries(draw):
    n = draw(st.integers(min_value=0, max_value=8))
    tenants = [
        {
            "industry": draw(st.sampled_from(INDUSTRIES)),
            "size": draw(st.integers(min_value=0, max_value=60)),
            "party": draw(st.sampled_from(KINDS)),
            "places": draw(st.lists(st.integers(min_value=0, max_value=3), max_size=2, unique=True)),
            "moved_out": draw(st.booleans()),
        }
        for _ in range(n)
    ]
    rule = {
        "district": draw(st.booleans()),
        "buildings": draw(st.lists(st.integers(min_value=0, max_value=1), max_size=2, unique=True)),
        "floors": draw(st.lists(st.integers(min_value=0, max_value=3), max_size=3, unique=True)),
        "industries": draw(st.lists(st.sampled_from(INDUSTRIES), max_size=2, unique=True)),
        "min": draw(st.one_of(st.none(), st.integers(min_value=0, max_value=40))),
        "max": draw(st.one_of(st.none(), st.integers(min_value=10, max_value=60))),
        "kinds": draw(st.lists(st.sampled_from(KINDS), max_size=2, unique=True)),
        "named": draw(st.lists(st.integers(min_value=0, max_value=max(n - 1, 0)), max_size=2, unique=True)),
    }
    return tenants, rule


@pytest.mark.django_db(transaction=False)
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=registries())
def test_resolution_equals_plain_python(django_db_blocker, data):
    from django.db import transaction

    tenants, rule = data
    with django_db_blocker.unblock(), transaction.atomic():
        sid = transaction.savepoint()
        try:
            a = BuildingFactory(code="PA")
            b = BuildingFactory(code="PB", party_committee=a.party_committee)
            BuildingFactory(code="PX")  # another district: never reached
            floors = [FloorFactory(building=a, number=1), FloorFactory(building=a, number=2),
                      FloorFactory(building=b, number=1), FloorFactory(building=b, number=2)]
            units = [UnitFactory(floor=f) for f in floors]
            registry = []
            today = timezone.localdate()
            for t in tenants:
                e = EnterpriseFactory(industry=t["industry"], employee_count=t["size"], party_member_count=0,
                                      party_organisation=t["party"])
                for place in t["places"]:
                    Occupancy.objects.create(
                        enterprise=e, unit=units[place], started_on=today - datetime.timedelta(days=10),
                        ended_on=today if t["moved_out"] else None,
                    )
                live = [] if t["moved_out"] else t["places"]
                registry.append({
                    "pk": e.pk, "industry": t["industry"], "size": t["size"], "party": t["party"],
                    "floors": {floors[p].pk for p in live}, "buildings": {floors[p].building_id for p in live},
                })
            named = [registry[i]["pk"] for i in rule["named"] if i < len(registry)]
            spec = AudienceSpec(
                party_committee_id=a.party_committee_id,
                building_id=None if rule["district"] else a.pk,
                building_ids=[(a, b)[i].pk for i in rule["buildings"]] if rule["district"] else [],
                floors=[(floors[i].pk, floors[i].building_id) for i in rule["floors"]
                        if rule["district"] or floors[i].building_id == a.pk],
                industries=rule["industries"], min_employees=rule["min"], max_employees=rule["max"],
                party_organisations=rule["kinds"], enterprise_ids=named,
            )
            expected = python_audience(registry, spec)
            got = list(audience_queryset(spec).values_list("pk", flat=True))
            assert len(got) == len(set(got))
            assert set(got) == expected
        finally:
            transaction.savepoint_rollback(sid)
