"""Changes to people and their roles. One function per action: keyword-only ``actor``, one
transaction, one audit record per change; bad input raises ``ValidationError``.

Each function asks ``louwei.access`` first (``PermissionDenied``): accounts are an administrator's
(a superuser, or ``access.SYSTEM``); a person changes their own profile and password; a role is
granted or ended by whoever manages what it is held in (see :func:`_require_role_manager`). These
services stand above the access layer (they import it); the account models stand below it."""

from __future__ import annotations

import uuid

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.core import audit, phones
from louwei.core.text import normalise
from louwei.core.validators import normalise_phone, validate_mobile

from .models import SCOPE_OF_ROLE, Role, RoleKind, User

LANGUAGE_CODES = {code for code, _name in User._meta.get_field("language").choices}


def _clean_phone(phone) -> str | None:
    phone = normalise_phone(phone or "")
    return phone or None


def _require_role_manager(actor, kind: str, scope) -> None:
    """Who grants and ends a role: a floor leader's, whoever manages the floor's committee
    (COMMITTEE_MANAGE); an enterprise's contact or employee, whoever may edit the enterprise
    (ENTERPRISE_EDIT); a building's committee or property staff, the district (COMMITTEE_MANAGE on
    the building's district); a district's staff, an administrator."""
    if kind == RoleKind.FLOOR_LEADER:
        access.require(actor, Action.COMMITTEE_MANAGE, scope)
    elif kind in (RoleKind.ENTERPRISE_CONTACT, RoleKind.EMPLOYEE):
        access.require(actor, Action.ENTERPRISE_EDIT, scope)
    elif kind in (RoleKind.COMMITTEE_SECRETARY, RoleKind.COMMITTEE_MEMBER, RoleKind.PROPERTY_STAFF):
        access.require(actor, Action.COMMITTEE_MANAGE, getattr(scope, "party_committee", None))
    else:
        access.require_administrator(actor)


def _new_user(*, actor, username: str, password: str | None = None, name: str = "", phone: str = "",
              email: str = "", language: str = "", is_staff: bool = False) -> User:
    """Unguarded: :func:`create_user` and :func:`create_person` ask access first."""
    user = User(
        username=normalise(username),
        name=normalise(name),
        phone=_clean_phone(phone),
        email=normalise(email).lower(),
        language=language or "",
        is_staff=is_staff,
    )
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit.record(actor, "user.create", user, username=user.username, name=user.name)
    return user


@transaction.atomic
def create_user(
    *, actor, username: str, password: str | None = None, name: str = "", phone: str = "", email: str = "",
    language: str = "", is_staff: bool = False,
) -> User:
    """Create a person's account (an administrator's act). Without a password the account cannot log
    in until one is set."""
    access.require_administrator(actor)
    return _new_user(actor=actor, username=username, password=password, name=name, phone=phone, email=email,
                     language=language, is_staff=is_staff)


@transaction.atomic
def create_person(*, actor, name: str, phone: str, where) -> User:
    """A new person known by name and mobile number (a floor leader appointed, a handler's staff
    member), with no password yet: they log in once one is set. The username is the mobile number.

    ``where``: the floor, building or district the person is added to; ``actor`` must manage its
    committee (COMMITTEE_MANAGE) or its case handlers (CASE_CONFIGURE) there."""
    if not (access.can(actor, Action.COMMITTEE_MANAGE, where) or access.can(actor, Action.CASE_CONFIGURE, where)):
        raise PermissionDenied(Action.COMMITTEE_MANAGE)
    name = normalise(name)
    phone_value = normalise_phone(phone)
    if not name:
        raise ValidationError(_("Enter the person's name."), code="name_required")
    validate_mobile(phone_value)
    if User.objects.filter(phone=phone_value).exists():
        raise ValidationError(
            _("A person with the mobile number %(phone)s already exists; pick them instead."),
            code="phone_taken", params={"phone": phones.display(phone_value)},
        )
    username = phone_value if not User.objects.filter(username=phone_value).exists() else f"u{uuid.uuid4().hex[:10]}"
    return _new_user(actor=actor, username=username, name=name, phone=phone_value)


@transaction.atomic
def update_profile(*, actor, user: User, name: str | None = None, email: str | None = None,
                   language: str | None = None) -> User:
    """A person changes their own name, e-mail or language preference (a superuser may do it for them)."""
    access.require_self_or_administrator(actor, user)
    changes = {}
    if name is not None and normalise(name) != user.name:
        changes["name"] = normalise(name)
    if email is not None and normalise(email).lower() != user.email:
        changes["email"] = normalise(email).lower()
    if language is not None and language != user.language:
        if language and language not in LANGUAGE_CODES:
            raise ValidationError({"language": _("Choose a language from the list.")})
        changes["language"] = language
    if not changes:
        return user
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    audit.record(actor, "user.update_profile", user, changed=sorted(changes))
    return user


@transaction.atomic
def change_password(*, actor, user: User, new_password: str) -> User:
    """Set a new password (the caller has checked the old one). Validated by the password rules."""
    access.require_self_or_administrator(actor, user)
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor, "user.change_password", user)
    return user


@transaction.atomic
def grant_role(*, actor, user: User, kind: str, scope) -> Role:
    """Give ``user`` a role of ``kind`` over ``scope``: a district for district staff, a building for
    committee and property staff, a floor for a floor leader, an enterprise for contacts and employees."""
    try:
        kind = RoleKind(kind)
    except ValueError:
        raise ValidationError({"kind": _("“%(kind)s” is not a role.") % {"kind": kind}}) from None
    field = SCOPE_OF_ROLE[kind]
    scope_model = Role._meta.get_field(field).related_model
    if not isinstance(scope, scope_model) or scope.pk is None:
        raise ValidationError(
            _("A %(role)s role is held in a %(scope)s.")
            % {"role": kind.label, "scope": scope_model._meta.verbose_name}
        )
    _require_role_manager(actor, kind, scope)
    if Role.objects.active().filter(user=user, kind=kind, **{field: scope}).exists():
        raise ValidationError(
            _("%(person)s already holds this role in %(scope)s.") % {"person": user, "scope": scope}
        )
    role = Role.objects.create(user=user, kind=kind, **{field: scope})
    audit.record(actor, "role.grant", role, user=user.pk, kind=kind.value, scope=str(scope), scope_id=scope.pk)
    user.forget_roles()
    return role


@transaction.atomic
def end_role(*, actor, role: Role, ended_at=None) -> Role:
    """End a role: the person keeps their history but loses what the role allowed, at once."""
    current = Role.objects.select_for_update().get(pk=role.pk)
    _require_role_manager(actor, current.kind, current.scope)
    if current.ended_at is not None:
        raise ValidationError(_("This role has already ended."))
    ended_at = ended_at or timezone.now()
    if ended_at < current.granted_at:
        raise ValidationError(_("A role cannot end before it was granted."))
    current.ended_at = role.ended_at = ended_at
    current.save(update_fields=["ended_at"])
    audit.record(actor, "role.end", current, user=current.user_id, kind=current.kind, scope=str(current.scope))
    # The person's roles may be cached on the user object of this request (or test): drop them.
    role.user.forget_roles()
    return role
