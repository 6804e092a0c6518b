"""``load_demo`` and ``demo_logins`` on a database without the demo: each test starts empty (the
tests that read a loaded demo share one load, in test_load_demo.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from louwei.accounts.models import User
from louwei.buildings.models import Building
from louwei.committee.models import FloorLeader
from louwei.testing.factories import BuildingFactory


@pytest.mark.django_db
def test_if_empty_does_nothing_when_a_building_exists():
    BuildingFactory(code="OTHER-1")
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert list(Building.objects.values_list("code", flat=True)) == ["OTHER-1"]
    assert not User.objects.exists()
    assert "not loaded" in out.getvalue()


@pytest.mark.django_db
def test_if_empty_loads_the_demo_into_an_empty_database():
    call_command("load_demo", "--if-empty", stdout=StringIO())
    assert Building.objects.filter(code="XCFZ-B").exists()
    assert FloorLeader.objects.serving().count() == 20


@pytest.mark.django_db
def test_demo_logins_says_how_to_load_the_demo_when_it_is_missing():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "load_demo" in out.getvalue()
