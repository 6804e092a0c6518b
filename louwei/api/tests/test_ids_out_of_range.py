"""Ids the database cannot hold: every id filter of the API's lists, and every id in a request body,
takes a whole number from 1 to 2^63-1. Anything else (huge, negative, zero, a fraction, an exponent)
is a 400 in DRF's error format, never a 500 (an OverflowError on SQLite)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from louwei.api import filters
from louwei.api.urls import router
from louwei.cases.models import Case
from louwei.testing.factories import CaseFactory, HandlerFactory

ID_MAX = 2**63 - 1
HOSTILE = ["99999999999999999999999", "-5.6e128", str(ID_MAX + 1), "-1", "0", "1.5", "1e3", "abc"]


@pytest.mark.parametrize("value", HOSTILE)
def test_an_id_filter_refuses_what_is_not_an_id(api_as, site, value):
    response = api_as("secretary_a").get("/api/v1/cases/", {"handler": value})
    assert response.status_code == 400
    assert list(response.json()) == ["handler"] and response.json()["handler"]


def test_an_id_filter_takes_every_id_the_database_holds(api_as, site):
    handler = HandlerFactory(building=site.a)
    case = CaseFactory(floor=site.a_floors[1], handler=handler)
    client = api_as("secretary_a")
    assert [c["number"] for c in client.get("/api/v1/cases/", {"handler": handler.pk}).json()["results"]] == [
        case.number]
    for value in (1, ID_MAX):
        response = client.get("/api/v1/cases/", {"handler": value})
        assert response.status_code == 200
    assert Case.objects.count() == 1


def test_every_filterset_of_the_api_uses_the_bounded_ids():
    """The base FilterSet refuses an unbounded number filter when the class is made; every list's
    filterset must be one of them."""
    filtersets = {viewset.filterset_class for _prefix, viewset, _name in router.registry
                  if getattr(viewset, "filterset_class", None)}
    assert filtersets, "the router lists the viewsets"
    for filterset in filtersets:
        assert issubclass(filterset, filters.FilterSet), filterset
    with pytest.raises(ImproperlyConfigured, match="IdFilter"):
        type("Bad", (filters.FilterSet,), {"handler": filters.django_filters.NumberFilter(field_name="handler_id")})


@pytest.mark.parametrize("value", [10**23, -(5 * 10**128), ID_MAX + 1, -1, 0, 1.5, "abc"])
def test_ids_in_a_request_body_are_bounded_too(api_as, site, value):
    client = api_as("secretary_a")
    response = client.post("/api/v1/cases/", {"floor": site.a_floors[1].code, "category": "repairs",
                                               "description": "走廊灯不亮", "enterprise": value,
                                               "channel": "phone"}, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()
    case = CaseFactory(floor=site.a_floors[1], status="referred")
    for step in ("accept", "dispatch", "reassign"):
        response = client.post(f"/api/v1/cases/{case.number}/{step}/", {"handler": value, "reason": "x"},
                               format="json")
        assert response.status_code == 400 and "handler" in response.json(), (step, response.content)
