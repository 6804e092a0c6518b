"""Demo cases on a database without the demo: the production settings refuse them, and the page
benchmark fills its own. Each test starts empty (the tests of the loaded demo share one load, in
test_demo.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db.models import Sum

from louwei.demo.cases import load_demo_cases
from louwei.cases.models import Case, CaseEvent, CaseFigure, Dimension, Handler, Status
from louwei.testing.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def test_the_demo_cases_refuse_the_production_settings(settings):
    building = BuildingFactory()
    settings.LOUWEI_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        load_demo_cases(building, building.party_committee)
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", verbosity=0)
    assert not Case.objects.exists() and not Handler.objects.exists()


def test_the_page_benchmark_fills_a_realistic_mix_and_measures_every_page(capsys):
    """``python -m bench --only cases`` at a tiny size: the fill obeys the model's constraints, gives
    the status mix, and every page answers its role (or says it is not built)."""
    from bench import case_pages

    world = case_pages.World(2)
    case_pages.fill(world, 1, 1000)
    cases = Case.objects.all()
    assert cases.count() == 1000 and CaseEvent.objects.count() > 1000
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert 20 < cases.filter(status__in=["submitted", "referred", "accepted", "dispatched", "replied"]).count() < 100
    assert cases.exclude(rating="").exists() and cases.filter(overdue_at__isnull=False).exists()
    assert set(cases.values_list("building_id", flat=True)) == {b.pk for b in world.buildings}
    assert CaseFigure.objects.filter(dimension=Dimension.BUILDING).aggregate(n=Sum("received"))["n"] == (
        cases.exclude(status=Status.MERGED).count())
    results = case_pages.measure_all(world, repeat=2)
    assert len(results) == 12
    assert all(r["status"] in (200, 501) for r in results.values()), results
    assert "queue · floor leader" in capsys.readouterr().out
