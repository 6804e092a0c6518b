"""What the people pages read."""

from .models import Role


def active_roles_with_scope(user):
    """A person's active roles with their scope objects, for the profile page (one query)."""
    return (
        Role.objects.active()
        .filter(user=user)
        .select_related("party_committee", "building", "floor__building", "enterprise")
        .order_by("kind", "granted_at")
    )
