"""District staff are warned from 1 December while next year's official calendar is missing (neither
entered nor in the chinese-calendar package, which stops at 2026): first on their home page, since
it is waiting work, and on the case settings page, each leading to the page that enters it."""

import pytest
from freezegun import freeze_time

from louwei.accounts.models import RoleKind
from louwei.holidays import services
from louwei.testing.factories import BuildingFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

WARNING = "缺少2027年的法定节假日安排。"
LINK = 'href="/holidays/2027/"'


@pytest.fixture
def staff(db):
    building = BuildingFactory()
    district, secretary = UserFactory(), UserFactory()
    grant(district, RoleKind.DISTRICT_STAFF, building.party_committee)
    grant(secretary, RoleKind.COMMITTEE_SECRETARY, building)
    return district, secretary


def test_no_warning_in_november(client, staff):
    client.force_login(staff[0])
    with freeze_time("2026-11-30 18:00:00+08:00"):
        assert WARNING not in client.get("/").content.decode()
        assert WARNING not in client.get("/cases/settings/").content.decode()


def test_from_the_first_of_december_first_on_the_home_page(client, staff):
    client.force_login(staff[0])
    with freeze_time("2026-12-01 08:00:00+08:00"):
        html = client.get("/").content.decode()
    assert WARNING in html and LINK in html
    main = html[html.index('<main'):]
    # First: before the district's queue of cases and its buildings.
    assert main.index(WARNING) < main.index('class="section"')


def test_on_the_case_settings_page_with_the_link(client, staff):
    client.force_login(staff[0])
    with freeze_time("2026-12-01 08:00:00+08:00"):
        html = client.get("/cases/settings/").content.decode()
    assert WARNING in html and LINK in html and 'href="/holidays/"' in html


def test_still_warned_in_january_while_the_year_is_missing(client, staff):
    with freeze_time("2027-01-04 09:00:00+08:00"):
        client.force_login(staff[0])  # a session of that day
        assert WARNING in client.get("/").content.decode()


def test_gone_once_the_year_is_entered(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff[0])
    with freeze_time("2026-12-01 08:00:00+08:00"):
        with django_capture_on_commit_callbacks(execute=True):
            services.save_year(actor=staff[0], year=2027, days_off="元旦 2027-01-01..2027-01-03",
                               notice="测试通知")  # made up for the test
        assert WARNING not in client.get("/").content.decode()
        assert WARNING not in client.get("/cases/settings/").content.decode()


def test_only_those_who_may_enter_it_are_warned(client, staff):
    client.force_login(staff[1])  # the committee secretary: the calendar is the district's to keep
    with freeze_time("2026-12-01 08:00:00+08:00"):
        html = client.get("/").content.decode()
    assert WARNING not in html and LINK not in html


def test_a_superuser_is_warned_too(client):
    client.force_login(UserFactory(is_superuser=True))
    with freeze_time("2026-12-01 08:00:00+08:00"):
        assert WARNING in client.get("/").content.decode()
