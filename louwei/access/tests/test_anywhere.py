"""The questions the shell asks before it shows a link: may this person do an action anywhere, in a
whole district, and which of their roles grant it. Checked against the matrix's own tables."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from louwei import access
from louwei.access import Action
from louwei.accounts.models import RoleKind
from louwei.testing.factories import UserFactory, grant

from .test_matrix import COLUMNS, GRANTED, World

pytestmark = [pytest.mark.django_db]


def granted_somewhere(kind: str, action: str) -> bool:
    return any(GRANTED[kind][column] for column in COLUMNS.values() if column[0] == action)


@pytest.mark.parametrize("kind", RoleKind.values)
def test_anywhere_and_granting_roles_follow_the_matrix(kind):
    world = World()
    user = world.user_with(kind)
    for action in Action.ALL:
        expected = granted_somewhere(kind, action)
        assert access.anywhere(user, action) is expected, action
        assert [role.kind for role in access.granting_roles(user, action)] == ([kind] if expected else [])
        assert access.district_wide(user, action) is (expected and kind == RoleKind.DISTRICT_STAFF), action


def test_granting_roles_keep_the_order_of_the_roles():
    world = World()
    user = world.user_with(RoleKind.FLOOR_LEADER)
    grant(user, RoleKind.COMMITTEE_MEMBER, world.c)
    access.forget(user)
    assert access.granting_roles(user, Action.BUILDING_VIEW) == access.active_roles(user)
    assert {(role.floor_id, role.building_id) for role in access.active_roles(user)} == {
        (world.a1.pk, None), (None, world.c.pk)}
    assert [role.kind for role in access.granting_roles(user, Action.CASE_ANSWER)] == [RoleKind.FLOOR_LEADER]


def test_nobody_without_a_live_role_is_granted_anything():
    world = World()
    ended = world.user_with(RoleKind.DISTRICT_STAFF)
    ended.roles.update(ended_at=timezone.now())
    access.forget(ended)
    inactive = world.user_with(RoleKind.COMMITTEE_SECRETARY)
    inactive.is_active = False
    for user in (AnonymousUser(), None, UserFactory(), ended, inactive, access.SYSTEM):
        for action in Action.ALL:
            assert access.granting_roles(user, action) == []
            if user is not access.SYSTEM:
                assert not access.anywhere(user, action) and not access.district_wide(user, action)
    # The system and superusers may do everything everywhere, through no role.
    root = UserFactory(is_superuser=True)
    assert access.anywhere(root, Action.CASE_CONFIGURE) and access.district_wide(root, Action.SYSTEM_HEALTH)
    assert access.anywhere(access.SYSTEM, Action.CASE_CONFIGURE)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        access.anywhere(UserFactory(), "building.demolish")
    with pytest.raises(ValueError):
        access.granting_roles(UserFactory(), "building.demolish")
