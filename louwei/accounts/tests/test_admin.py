"""Django admin for people, roles and the audit trail."""

import pytest

from louwei.accounts.models import Role, RoleKind, User
from louwei.core import audit
from louwei.core.models import AuditEvent
from louwei.testing.factories import BuildingFactory, FloorLeaderFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_people_without_admin_access_are_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_user_admin_lists_adds_and_changes_people(admin_client):
    person = UserFactory(name="王建国", phone="13912345678")
    assert admin_client.get("/admin/accounts/user/?q=13912345678").status_code == 200
    page = admin_client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    assert 'name="name"' in page and 'name="phone"' in page
    assert "first_name" not in page and "last_name" not in page

    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "lichm", "name": "李春梅", "phone": "13812345678",
        "password1": "floor-5-leader!", "password2": "floor-5-leader!", "usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="lichm")
    assert created.name == "李春梅" and created.check_password("floor-5-leader!")
    assert AuditEvent.objects.filter(verb="user.create", target_id=str(created.pk), actor=admin_client.admin).exists()


def test_role_admin_grants_through_the_service(admin_client):
    building, person = BuildingFactory(), UserFactory()
    response = admin_client.post("/admin/accounts/role/add/", {
        "user": person.pk, "kind": RoleKind.PROPERTY_STAFF, "building": building.pk,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    role = Role.objects.get(user=person)
    assert role.kind == RoleKind.PROPERTY_STAFF and role.building == building
    assert AuditEvent.objects.filter(verb="role.grant", target_id=str(role.pk)).exists()


def test_role_admin_refuses_a_scope_that_does_not_match_the_kind(admin_client):
    building, person = BuildingFactory(), UserFactory()
    response = admin_client.post("/admin/accounts/role/add/", {
        "user": person.pk, "kind": RoleKind.EMPLOYEE, "building": building.pk,
    })
    assert response.status_code == 200  # the form comes back with the error
    assert not Role.objects.exists()


def test_floor_leader_roles_are_not_granted_in_the_admin(admin_client):
    page = admin_client.get("/admin/accounts/role/add/").content.decode()
    assert 'value="property_staff"' in page and 'value="floor_leader"' not in page


def test_role_admin_ends_roles_but_leaves_floor_leaders_to_the_committee(admin_client):
    staff_role = grant(UserFactory(), RoleKind.COMMITTEE_MEMBER, BuildingFactory())
    leader_role = FloorLeaderFactory().role
    response = admin_client.post("/admin/accounts/role/", {
        "action": "end_selected_roles", "_selected_action": [staff_role.pk, leader_role.pk],
    })
    assert response.status_code == 302
    staff_role.refresh_from_db()
    leader_role.refresh_from_db()
    assert staff_role.ended_at is not None
    assert leader_role.ended_at is None
    assert AuditEvent.objects.filter(verb="role.end").count() == 1


def test_roles_cannot_be_edited_or_deleted_in_the_admin(admin_client):
    role = grant(UserFactory(), RoleKind.COMMITTEE_MEMBER, BuildingFactory())
    page = admin_client.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    assert 'name="kind"' not in page and 'name="building"' not in page
    assert admin_client.get(f"/admin/accounts/role/{role.pk}/delete/").status_code == 403


def test_the_audit_trail_is_read_only_in_the_admin(admin_client):
    event = audit.record(admin_client.admin, "test.verb", BuildingFactory(), note="x")
    assert admin_client.get("/admin/core/auditevent/").status_code == 200
    page = admin_client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/core/auditevent/{event.pk}/change/", {"verb": "changed"})
    event.refresh_from_db()
    assert event.verb == "test.verb"
