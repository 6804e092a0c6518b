"""accounts.services: create_user, update_profile, change_password, grant_role, end_role."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from louwei import access
from louwei.access import Action
from louwei.accounts import services
from louwei.accounts.models import Role, RoleKind
from louwei.core.models import AuditEvent
from louwei.testing.factories import BuildingFactory, EnterpriseFactory, FloorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(is_superuser=True, is_staff=True)


# ---------------------------------------------------------------------------------------------
# People


def test_create_user_normalises_and_audits(admin_user):
    user = services.create_user(
        actor=admin_user, username=" wangjg ", password="floor-5-leader!", name=" 王建国 ",
        phone="１３９ １２３４ ５６７８", email="Wang@Example.COM",
    )
    assert (user.username, user.name, user.phone, user.email) == ("wangjg", "王建国", "13912345678", "wang@example.com")
    assert user.check_password("floor-5-leader!")
    event = AuditEvent.objects.get(verb="user.create")
    assert event.actor == admin_user and event.target_id == str(user.pk)


def test_create_user_without_password_cannot_log_in(admin_user):
    user = services.create_user(actor=admin_user, username="nopass")
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"username": "taken"},
        {"username": "new", "phone": "13900000001"},
        {"username": "new", "phone": "0537-1234567"},  # a landline is not a mobile number
        {"username": "has space"},
        {"username": "new", "password": "12345678"},
    ],
    ids=["username-taken", "phone-taken", "landline", "bad-username", "weak-password"],
)
def test_create_user_refuses_bad_input(admin_user, kwargs):
    UserFactory(username="taken", phone="13900000001")
    with pytest.raises(ValidationError):
        services.create_user(actor=admin_user, **kwargs)
    assert not AuditEvent.objects.filter(verb="user.create").exists()


def test_update_profile_by_oneself(admin_user):
    user = UserFactory(name="旧名")
    services.update_profile(actor=user, user=user, name="新名", email="", language="en")
    user.refresh_from_db()
    assert (user.name, user.language) == ("新名", "en")
    assert AuditEvent.objects.filter(verb="user.update_profile").count() == 1


def test_update_profile_with_no_change_writes_nothing():
    user = UserFactory(name="同名")
    services.update_profile(actor=user, user=user, name="同名")
    assert not AuditEvent.objects.exists()


def test_update_profile_refuses_an_unknown_language():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.update_profile(actor=user, user=user, language="fr")


def test_nobody_else_changes_a_persons_profile_or_password(admin_user):
    user, other = UserFactory(name="本人"), UserFactory()
    with pytest.raises(PermissionDenied):
        services.update_profile(actor=other, user=user, name="被改")
    with pytest.raises(PermissionDenied):
        services.change_password(actor=other, user=user, new_password="floor-5-leader!")
    services.update_profile(actor=admin_user, user=user, name="管理员改")
    user.refresh_from_db()
    assert user.name == "管理员改"


def test_change_password_validates_and_audits():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.change_password(actor=user, user=user, new_password="123")
    services.change_password(actor=user, user=user, new_password="floor-5-leader!")
    user.refresh_from_db()
    assert user.check_password("floor-5-leader!")
    assert AuditEvent.objects.filter(verb="user.change_password").count() == 1


# ---------------------------------------------------------------------------------------------
# Roles


def test_grant_role_gives_access_at_once_and_audits(admin_user):
    building = BuildingFactory()
    user = UserFactory()
    assert not access.can(user, Action.BUILDING_VIEW, building)  # roles now cached on the user object
    role = services.grant_role(actor=admin_user, user=user, kind=RoleKind.COMMITTEE_SECRETARY, scope=building)
    assert role.building == building and role.ended_at is None
    assert access.can(user, Action.BUILDING_VIEW, building), "the cache was dropped"
    event = AuditEvent.objects.get(verb="role.grant")
    assert event.actor == admin_user and event.details["kind"] == "committee_secretary"


@pytest.mark.parametrize(
    "kind, scope_factory",
    [
        (RoleKind.COMMITTEE_SECRETARY, FloorFactory),
        (RoleKind.FLOOR_LEADER, BuildingFactory),
        (RoleKind.EMPLOYEE, BuildingFactory),
        (RoleKind.DISTRICT_STAFF, EnterpriseFactory),
    ],
)
def test_grant_role_refuses_a_scope_of_the_wrong_kind(admin_user, kind, scope_factory):
    with pytest.raises(ValidationError):
        services.grant_role(actor=admin_user, user=UserFactory(), kind=kind, scope=scope_factory())
    assert not Role.objects.exists()


def test_grant_role_refuses_an_unknown_kind_and_a_duplicate(admin_user):
    user, building = UserFactory(), BuildingFactory()
    with pytest.raises(ValidationError):
        services.grant_role(actor=admin_user, user=user, kind="mayor", scope=building)
    services.grant_role(actor=admin_user, user=user, kind=RoleKind.PROPERTY_STAFF, scope=building)
    with pytest.raises(ValidationError):
        services.grant_role(actor=admin_user, user=user, kind=RoleKind.PROPERTY_STAFF, scope=building)
    assert Role.objects.count() == 1


def test_end_role_takes_access_away_at_once_and_keeps_history(admin_user):
    building = BuildingFactory()
    user = UserFactory()
    role = services.grant_role(actor=admin_user, user=user, kind=RoleKind.COMMITTEE_MEMBER, scope=building)
    assert access.can(user, Action.BUILDING_VIEW, building)
    services.end_role(actor=admin_user, role=role)
    assert not access.can(user, Action.BUILDING_VIEW, building), "the same user object sees the change"
    role.refresh_from_db()
    assert role.ended_at is not None
    assert Role.objects.filter(pk=role.pk).exists(), "history is kept"
    assert AuditEvent.objects.filter(verb="role.end", target_id=str(role.pk)).count() == 1
    # the same role may be granted again later
    services.grant_role(actor=admin_user, user=user, kind=RoleKind.COMMITTEE_MEMBER, scope=building)


def test_end_role_twice_or_before_the_grant_is_refused(admin_user):
    role = services.grant_role(actor=admin_user, user=UserFactory(), kind=RoleKind.PROPERTY_STAFF,
                               scope=BuildingFactory())
    with pytest.raises(ValidationError):
        services.end_role(actor=admin_user, role=role, ended_at=timezone.now() - datetime.timedelta(days=1))
    services.end_role(actor=admin_user, role=role)
    with pytest.raises(ValidationError):
        services.end_role(actor=admin_user, role=role)
    assert AuditEvent.objects.filter(verb="role.end").count() == 1
