"""A roster import changes only enterprises the importer may change: a secretary of building A
cannot, through a row with the credit code of an enterprise in building B, change it or move it
into A. The command run by a server operator (no actor) has no such limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from louwei.access import SYSTEM
from louwei.accounts.models import RoleKind
from louwei.buildings import roster
from louwei.buildings.models import Enterprise, Occupancy
from louwei.buildings.roster import import_roster
from louwei.testing import jobs
from louwei.testing.factories import UserFactory, enterprise_on, grant, make_uscc

from .conftest import make_workbook, row

pytestmark = pytest.mark.django_db
SCOPE = "registered outside the buildings you manage"


@pytest.fixture
def elsewhere(other_building):
    """An enterprise in building B (another district), with 20 employees."""
    return enterprise_on(other_building.floors.get(number=1), name="别处科技有限公司")


def elsewhere_row(enterprise, **overrides):
    return row(1, uscc=enterprise.uscc, name=enterprise.name, floor=3, unit="0301", employee_count=99, **overrides)


def untouched(enterprise):
    enterprise.refresh_from_db()
    units = set(Occupancy.objects.current().filter(enterprise=enterprise).values_list("unit__floor__building__code",
                                                                                       flat=True))
    return enterprise.employee_count == 20 and units == {"TB-Z"} and not enterprise.contacts.exists()


def test_the_secretary_cannot_change_an_enterprise_of_another_building(building, secretary, elsewhere):
    report = import_roster(actor=secretary, building=building, source=make_workbook([elsewhere_row(elsewhere)]))
    assert not report.written and report.rejected == 1
    [error] = report.errors
    assert error.row == 2 and error.column.startswith("统一社会信用代码") and SCOPE in error.message
    assert "ask the district staff" in error.message
    assert untouched(elsewhere)


def test_with_skip_invalid_the_other_rows_are_written(building, secretary, elsewhere):
    rows = [row(2), elsewhere_row(elsewhere), row(3)]
    report = import_roster(actor=secretary, building=building, source=make_workbook(rows), skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (2, 1)
    assert [e.row for e in report.errors] == [3]
    assert untouched(elsewhere)


def test_enterprises_the_importer_may_change_are_updated(building, secretary, ent5, elsewhere):
    # ent5 is in building A: the secretary may change it and move it into another unit of A
    report = import_roster(actor=secretary, building=building,
                           source=make_workbook([row(1, uscc=ent5.uscc, name=ent5.name, floor=6, unit="0601")]))
    assert report.written and report.updated == 1
    assert Occupancy.objects.current().filter(enterprise=ent5).count() == 2


def test_a_former_tenant_of_the_building_may_be_moved_back(building, secretary, floor5):
    from louwei.buildings import services

    former = enterprise_on(floor5, name="曾入驻有限公司")
    services.move_out(actor=SYSTEM, occupancy=former.occupancies.get(), ended_on=former.occupancies.get().started_on)
    report = import_roster(actor=secretary, building=building,
                           source=make_workbook([row(1, uscc=former.uscc, name=former.name)]))
    assert report.written and report.updated == 1


def test_district_staff_reach_every_building_of_their_district(other_building, elsewhere):
    from louwei.testing.factories import BuildingFactory, FloorFactory

    district_b = UserFactory()
    grant(district_b, RoleKind.DISTRICT_STAFF, other_building.party_committee)
    # another building of the same district: B's enterprise may move in there
    neighbour = BuildingFactory(code="TB-Y", party_committee=other_building.party_committee)
    FloorFactory(building=neighbour, number=3)
    report = import_roster(actor=district_b, building=neighbour, source=make_workbook([elsewhere_row(elsewhere)]))
    assert report.written and report.updated == 1


@pytest.mark.parametrize("who", ["member", "property_staff", "leader5", "contact5", "elsewhere_staff"])
def test_the_service_asks_whether_the_actor_may_import(request, building, other_building, elsewhere, who):
    """The service checks its actor itself (the page and the command ask too): a person who may not
    import into the building is refused before the file is read, and nothing is written."""
    from django.core.exceptions import PermissionDenied

    from louwei.core.models import AuditEvent

    if who == "elsewhere_staff":
        actor = UserFactory()
        grant(actor, RoleKind.DISTRICT_STAFF, other_building.party_committee)
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        import_roster(actor=actor, building=building, source=make_workbook([row(1), elsewhere_row(elsewhere)]))
    with pytest.raises(PermissionDenied):
        import_roster(actor=actor, building=building, source=b"not even a workbook", dry_run=True)
    assert untouched(elsewhere)
    assert not AuditEvent.objects.filter(verb="roster.imported").exists()
    assert not Enterprise.objects.filter(uscc=make_uscc(5001)).exists()


def test_the_server_operator_has_no_limit(building, elsewhere):
    report = import_roster(actor=SYSTEM, building=building, source=make_workbook([elsewhere_row(elsewhere)]))
    assert report.written and report.updated == 1
    elsewhere.refresh_from_db()
    assert elsewhere.employee_count == 99


def test_the_scope_is_read_once(building, secretary, other_building):
    """The scope is one query, however many rows name known enterprises."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    floor_b = other_building.floors.get(number=1)
    known = [enterprise_on(floor_b) for _n in range(12)]

    def queries_for(count):
        rows = [row(n, uscc=e.uscc, name=e.name) for n, e in enumerate(known[:count], start=1)]
        with CaptureQueriesContext(connection) as context:
            report = import_roster(actor=secretary, building=building, source=make_workbook(rows), dry_run=True)
        assert report.rejected == count
        return len(context)

    queries_for(1)  # the secretary's roles are read once and kept on the user object
    assert queries_for(2) == queries_for(12)


def test_from_the_web_page(client, building, secretary, elsewhere):
    client.force_login(secretary)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("buildings:roster_import", args=["TB-A"])
    data = make_workbook([row(2), elsewhere_row(elsewhere)])
    check = jobs.run(jobs.start(client, url, {"step": "preview", "file": SimpleUploadedFile(
        "名册.xlsx", data, roster.XLSX_CONTENT_TYPE)}))
    preview = client.get(reverse("buildings:roster_report", args=["TB-A", check.pk]))
    assert preview.status_code == 200
    assert preview.context["report"].rejected == 1
    assert SCOPE in preview.content.decode()
    imported = jobs.run(jobs.start(client, url, {"step": "confirm", "job": str(check.pk), "skip_invalid": "on"}))
    response = client.get(reverse("buildings:roster_report", args=["TB-A", imported.pk]))
    assert response.context["report"].written and response.context["report"].created == 1
    assert untouched(elsewhere)
