"""The load test's data (``python -m bench.load prepare``, bench/load/prepare.py) at a tiny size: every
account it lists logs in with the load password and sees what the locustfile expects of it."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from bench.load import prepare
from louwei.buildings.models import Building, Enterprise
from louwei.cases.models import Case, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    return prepare.prepare(buildings=2, floors=2, per_floor=2, cases=3, district_staff=1, demo=False)


def test_the_data_holds_the_places_people_and_open_cases(accounts):
    assert Building.objects.filter(code__startswith="LOAD-").count() == 2
    assert Enterprise.objects.count() == 2 * 2 * 2
    assert (len(accounts.leaders), len(accounts.employees), len(accounts.floors)) == (4, 8, 4)
    assert len(accounts.secretaries) == len(accounts.property) == 2 and len(accounts.district_staff) == 1
    # On each floor: one case with its leader, one passed on, one dispatched to the property handler.
    assert sorted(Case.objects.values_list("status", flat=True)) == sorted(
        [Status.SUBMITTED, Status.REFERRED, Status.DISPATCHED] * 4)


def test_each_kind_of_account_logs_in_and_reaches_its_pages(client, accounts, tmp_path):
    path = tmp_path / "accounts.json"
    prepare.write_accounts(accounts, path)
    listed = json.loads(path.read_text(encoding="utf-8"))
    secretary, wuye = listed["secretaries"][0], listed["property"][0]
    pages = [
        (listed["leaders"][0], "/cases/"),
        (listed["employees"][0], "/notices/"),
        (secretary["username"], f"/buildings/{secretary['building']}/cases/dashboard/"),
        (wuye["username"], "/cases/"),
        (listed["district_staff"][0], f"/districts/{listed['district']}/cases/dashboard/"),
    ]
    for username, url in pages:
        assert client.login(username=username, password=listed["password"]), username
        assert client.get(url).status_code == 200, (username, url)
        client.logout()
    assert client.get(f"/f/{listed['floors'][0]}/report/").status_code == 200


def test_it_refuses_the_production_settings(settings):
    settings.LOUWEI_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="production"):
        prepare.prepare(buildings=1, floors=1, per_floor=1, cases=0, district_staff=0, demo=False)
    assert not Building.objects.exists()
