"""What the people pages read."""

from louwei.core.text import normalise
from louwei.core.validators import normalise_phone

from .models import Role, User


def find_person(login: str) -> User | None:
    """The active person whose username or mobile number is ``login``."""
    login = normalise(login)
    if not login:
        return None
    phone = normalise_phone(login)
    return (
        User.objects.filter(is_active=True).filter(username=login).first()
        or User.objects.filter(is_active=True, phone=phone).first()
    )


def active_roles_with_scope(user):
    """A person's active roles with their scope objects, for the profile page (one query)."""
    return (
        Role.objects.active()
        .filter(user=user)
        .select_related("party_committee", "building", "floor__building", "enterprise")
        .order_by("kind", "granted_at")
    )
