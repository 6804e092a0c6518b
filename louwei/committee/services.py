"""State changes of the building committee: committees, terms (届) and floor-leader appointments.

One function per user action; each takes a keyword-only ``actor``, asks ``louwei.access`` for
COMMITTEE_MANAGE on the building first (``PermissionDenied``), runs in one transaction and writes
one audit event per change. Bad input raises ``ValidationError`` with a translated message.

Appointing a floor leader grants the person an ``accounts.Role`` of kind ``floor_leader`` on the floor
and links it from ``FloorLeader.role``; ending the appointment ends that role. The database backs the
rule "at most one serving leader per floor" with a partial unique constraint.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.accounts import services as accounts_services
from louwei.accounts.models import Role, RoleKind, User
from louwei.accounts.queries import find_person  # noqa: F401  (the appointment pages find people here)
from louwei.accounts.services import create_person
from louwei.buildings.models import Building, Enterprise, Floor
from louwei.core.audit import record
from louwei.core.text import normalise
from louwei.core.uploads import prepare_photo as prepare_photo_file
from louwei.core.uploads import removes_files_on_failure, store_file
from louwei.core.validators import normalise_phone, validate_phone

from .models import AppointmentMethod, BuildingCommittee, FloorLeader, Term
from .queries import next_term_number

PHOTO_MAX_SIDE = 800
_UNSET = object()


# ----------------------------------------------------------------------------------------------
# Committee and terms


@transaction.atomic
def ensure_committee(
    *, actor, building: Building, name: str | None = None, founded_on=None, phone: str | None = None
) -> BuildingCommittee:
    """The building's committee, created if missing; ``name``, ``founded_on`` and ``phone`` are updated
    when given (``phone=""`` clears the committee's phone)."""
    access.require(actor, Action.COMMITTEE_MANAGE, building)
    if phone:
        phone = normalise_phone(phone)
        validate_phone(phone)
    committee = BuildingCommittee.objects.select_for_update().filter(building=building).first()
    if committee is None:
        committee = BuildingCommittee.objects.create(
            building=building,
            name=normalise(name) or default_committee_name(building),
            founded_on=founded_on,
            phone=phone or "",
        )
        record(actor, "committee.created", committee, building=building.code, name=committee.name,
               founded_on=founded_on, phone=committee.phone)
        return committee
    changes = {}
    if name is not None and normalise(name) and normalise(name) != committee.name:
        changes["name"] = [committee.name, normalise(name)]
        committee.name = normalise(name)
    if founded_on is not None and founded_on != committee.founded_on:
        changes["founded_on"] = [committee.founded_on, founded_on]
        committee.founded_on = founded_on
    if phone is not None and phone != committee.phone:
        changes["phone"] = [committee.phone, phone]
        committee.phone = phone
    if changes:
        committee.save()
        record(actor, "committee.updated", committee, **changes)
    return committee


def default_committee_name(building: Building) -> str:
    return _("%(building)s building committee") % {"building": building.name}


@transaction.atomic
def create_term(*, actor, committee: BuildingCommittee, number: int, started_on, ended_on=None) -> Term:
    """Open term ``number`` of the committee. A term still open that began earlier ends when this one starts."""
    access.require(actor, Action.COMMITTEE_MANAGE, committee.building)
    if number is None or number < 1:
        raise ValidationError(_("A term number is 1 or more."), code="term_number")
    if started_on is None:
        raise ValidationError(_("Enter the date the term starts."), code="term_started_on_required")
    if ended_on is not None and ended_on <= started_on:
        raise ValidationError(_("A term must end after it starts."), code="term_dates")
    terms = list(Term.objects.select_for_update().filter(committee=committee))
    if any(t.number == number for t in terms):
        raise ValidationError(
            _("This committee already has term %(number)d."), code="term_exists", params={"number": number}
        )
    if any(t.started_on >= started_on for t in terms):
        raise ValidationError(
            _("A new term must start after every earlier term of this committee started."), code="term_order"
        )
    for previous in terms:
        if previous.ended_on is None or previous.ended_on > started_on:
            old = previous.ended_on
            previous.ended_on = started_on
            previous.save(update_fields=["ended_on"])
            record(actor, "term.ended", previous, number=previous.number, ended_on=started_on, was=old,
                   because="new term")
    term = Term.objects.create(committee=committee, number=number, started_on=started_on, ended_on=ended_on)
    record(actor, "term.created", term, committee=committee.pk, number=number, started_on=started_on,
           ended_on=ended_on)
    return term


@transaction.atomic
def open_term(*, actor, building: Building, started_on, ended_on=None, number: int | None = None) -> Term:
    """Open the building's next term (届): sets up the committee if the building has none yet, numbers the
    term after the last one and ends the running term on the day the new one starts.

    ``number`` is only given when a committee that already had terms before Louwei starts with, say, its
    third one."""
    access.require(actor, Action.COMMITTEE_MANAGE, building)
    committee = ensure_committee(actor=actor, building=building)  # locks the committee: numbers do not clash
    if number is None:
        number = next_term_number(list(Term.objects.filter(committee=committee)))
    return create_term(actor=actor, committee=committee, number=number, started_on=started_on, ended_on=ended_on)


# ----------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class NewPerson:
    """Someone Louwei does not know yet, appointed by name and mobile number; created with the appointment."""

    name: str
    phone: str


# ----------------------------------------------------------------------------------------------
# Photos


def prepare_photo(photo) -> ContentFile:
    """Check an uploaded portrait and return it as a JPEG of at most 800 px a side, metadata stripped,
    up to ``settings.LOUWEI_MAX_PHOTO_BYTES`` (``louwei.core.uploads.prepare_photo``)."""
    return prepare_photo_file(photo, max_side=PHOTO_MAX_SIDE, max_bytes=settings.LOUWEI_MAX_PHOTO_BYTES)


# ----------------------------------------------------------------------------------------------
# Floor leaders


def _check_enterprise_in_building(enterprise: Enterprise | None, building: Building, nominating: bool = False) -> None:
    if enterprise is None:
        return
    if not Enterprise.objects.in_building(building).filter(pk=enterprise.pk).exists():
        if nominating:
            message = _("The nominating enterprise “%(name)s” has no current unit in %(building)s.")
        else:
            message = _("The enterprise “%(name)s” has no current unit in %(building)s.")
        raise ValidationError(
            message % {"name": enterprise.name, "building": building.name}, code="enterprise_not_in_building"
        )


def _clean_public_phone(public_phone: str, user: User) -> str:
    """The phone shown on the floor: the one given, else the person's own mobile number."""
    value = normalise_phone(public_phone) or (user.phone or "")
    if not value:
        raise ValidationError(
            _("Enter the phone number to show on the floor; %(name)s has no mobile number on record.")
            % {"name": user},
            code="public_phone_required",
        )
    validate_phone(value)
    return value


def _check_start(started_on) -> None:
    if started_on is None:
        raise ValidationError(_("Enter the date the appointment starts."), code="started_on_required")
    if started_on > timezone.localdate():
        # The role is granted at once and a serving leader shows on the floor's page and poster at once,
        # so an appointment is entered on (or after) its first day, not before.
        raise ValidationError(
            _("An appointment cannot start in the future; enter it on its first day."), code="started_on_future"
        )


def _check_person(user: User | None, new_person: NewPerson | None) -> None:
    if user is None and new_person is None:
        raise ValidationError(
            _("Pick an existing person or enter a new person's name and mobile number."), code="person_required"
        )
    if user is not None and new_person is not None:
        raise ValidationError(_("Pick an existing person or enter a new one, not both."), code="person_twice")
    if user is not None and not user.is_active:
        raise ValidationError(_("This person's account is disabled."), code="user_inactive")


@removes_files_on_failure
@transaction.atomic
def appoint_floor_leader(
    *, actor, floor: Floor, term: Term, method: str, started_on, user: User | None = None,
    new_person: NewPerson | None = None, enterprise: Enterprise | None = None,
    nominated_by: Enterprise | None = None, public_phone: str = "", photo=None,
) -> FloorLeader:
    """Appoint ``user`` (or ``new_person``, created here) leader of ``floor`` in ``term`` from ``started_on``
    (today or earlier): grants the floor-leader role and links it.

    Refused (``ValidationError``) when the floor already has a serving leader."""
    building = floor.building
    access.require(actor, Action.COMMITTEE_MANAGE, building)
    if term.committee.building_id != building.pk:
        raise ValidationError(_("The term belongs to another building's committee."), code="term_building")
    if method not in AppointmentMethod.values:
        raise ValidationError(_("Choose how the floor leader was appointed."), code="method")
    if method == AppointmentMethod.NOMINATED and nominated_by is None:
        raise ValidationError(_("Name the enterprise that nominated the floor leader."), code="nominated_by_required")
    if method != AppointmentMethod.NOMINATED:
        nominated_by = None
    _check_start(started_on)
    if started_on < term.started_on or (term.ended_on is not None and started_on >= term.ended_on):
        raise ValidationError(
            _("The appointment must start within %(term)s.") % {"term": term.title}, code="started_on_term"
        )
    _check_person(user, new_person)
    _check_enterprise_in_building(enterprise, building)
    _check_enterprise_in_building(nominated_by, building, nominating=True)
    if user is not None:
        phone = _clean_public_phone(public_phone, user)
    photo_file = prepare_photo(photo) if photo else None

    # Lock the floor so two appointments of the same floor queue up; the unique constraint is the backstop.
    Floor.objects.select_for_update().filter(pk=floor.pk).first()
    serving = FloorLeader.objects.serving().filter(floor=floor).select_related("user").first()
    if serving is not None:
        raise ValidationError(
            _("%(floor)s already has a serving floor leader (%(name)s). End that appointment first, or replace.")
            % {"floor": floor.label, "name": serving.user},
            code="floor_has_leader",
        )
    if new_person is not None:
        user = create_person(actor=actor, name=new_person.name, phone=new_person.phone, where=floor)
        phone = _clean_public_phone(public_phone, user)

    role = (
        Role.objects.active()
        .filter(user=user, kind=RoleKind.FLOOR_LEADER, floor=floor, floor_leadership__isnull=True)
        .first()
    )
    if role is None:
        role = accounts_services.grant_role(actor=actor, user=user, kind=RoleKind.FLOOR_LEADER, scope=floor)
    leader = FloorLeader(
        floor=floor, term=term, user=user, enterprise=enterprise, appointment_method=method,
        nominated_by=nominated_by, public_phone=phone, started_on=started_on, role=role,
    )
    if photo_file is not None:
        store_file(leader.photo, photo_file)
    try:
        with transaction.atomic():
            leader.save()
    except IntegrityError:
        raise ValidationError(
            _("%(floor)s already has a serving floor leader.") % {"floor": floor.label}, code="floor_has_leader"
        ) from None
    record(
        actor, "floor_leader.appointed", leader, floor=floor.code, user=user.pk, term=term.number, method=method,
        enterprise=enterprise.pk if enterprise else None, nominated_by=nominated_by.pk if nominated_by else None,
        started_on=started_on, public_phone=phone, photo=bool(photo_file),
    )
    access.forget(user)
    return leader


@transaction.atomic
def end_floor_leader(*, actor, leader: FloorLeader, ended_on, reason: str = "") -> FloorLeader:
    """End a serving appointment on ``ended_on`` (not in the future); the floor-leader role ends with it."""
    given = leader
    leader = (
        FloorLeader.objects.select_for_update(of=("self",)).select_related("role", "user", "floor__building")
        .get(pk=leader.pk)
    )
    access.require(actor, Action.COMMITTEE_MANAGE, leader.floor.building)
    if not leader.is_serving:
        raise ValidationError(_("This appointment has already ended."), code="already_ended")
    if ended_on is None:
        raise ValidationError(_("Enter the date the appointment ends."), code="ended_on_required")
    if ended_on < leader.started_on:
        raise ValidationError(_("An appointment cannot end before it started."), code="ended_before_start")
    if ended_on > timezone.localdate():
        raise ValidationError(_("An appointment cannot end in the future."), code="ended_in_future")
    reason = normalise(reason)[:200]
    leader.ended_on = ended_on
    leader.end_reason = reason
    leader.save(update_fields=["ended_on", "end_reason"])
    record(actor, "floor_leader.ended", leader, floor=leader.floor.code, user=leader.user_id, ended_on=ended_on,
           reason=reason)
    role = leader.role
    if role is not None and role.ended_at is None:
        role.user = leader.user
        accounts_services.end_role(actor=actor, role=role)
    access.forget(leader.user)
    if FloorLeader.user.is_cached(given):  # the caller's copy of the person, if it holds cached roles
        access.forget(given.user)
    return leader


@removes_files_on_failure
@transaction.atomic
def replace_floor_leader(
    *, actor, leader: FloorLeader, method: str, started_on, user: User | None = None,
    new_person: NewPerson | None = None, reason: str = "", term: Term | None = None,
    enterprise: Enterprise | None = None, nominated_by: Enterprise | None = None, public_phone: str = "", photo=None,
) -> FloorLeader:
    """End ``leader`` on ``started_on`` and appoint ``user`` (or ``new_person``, created here) from that day,
    in one transaction."""
    access.require(actor, Action.COMMITTEE_MANAGE, leader.floor.building)
    _check_start(started_on)
    if started_on < leader.started_on:
        raise ValidationError(
            _("The new floor leader cannot start before the current one started."), code="replace_before_start"
        )
    end_floor_leader(actor=actor, leader=leader, ended_on=started_on, reason=reason)
    return appoint_floor_leader(
        actor=actor, floor=leader.floor, user=user, new_person=new_person, term=term or leader.term, method=method,
        started_on=started_on, enterprise=enterprise, nominated_by=nominated_by, public_phone=public_phone,
        photo=photo,
    )


@removes_files_on_failure
@transaction.atomic
def update_floor_leader(
    *, actor, leader: FloorLeader, public_phone=_UNSET, photo=_UNSET, enterprise=_UNSET
) -> FloorLeader:
    """Change the phone shown on the floor, the photo (``None`` removes it) or the enterprise of a leader."""
    leader = (
        FloorLeader.objects.select_for_update(of=("self",)).select_related("floor__building", "user").get(pk=leader.pk)
    )
    access.require(actor, Action.COMMITTEE_MANAGE, leader.floor.building)
    if not leader.is_serving:
        raise ValidationError(_("This appointment has already ended."), code="already_ended")
    changes: dict = {}
    if public_phone is not _UNSET:
        phone = _clean_public_phone(public_phone or "", leader.user)
        if phone != leader.public_phone:
            changes["public_phone"] = [leader.public_phone, phone]
            leader.public_phone = phone
    if enterprise is not _UNSET:
        _check_enterprise_in_building(enterprise, leader.floor.building)
        if (enterprise.pk if enterprise else None) != leader.enterprise_id:
            changes["enterprise"] = [leader.enterprise_id, enterprise.pk if enterprise else None]
            leader.enterprise = enterprise
    old_photo = None
    if photo is not _UNSET:
        if photo:
            photo_file = prepare_photo(photo)
            old_photo = leader.photo.name or None
            store_file(leader.photo, photo_file)
            changes["photo"] = "replaced" if old_photo else "added"
        elif leader.photo:
            old_photo = leader.photo.name
            leader.photo = ""
            changes["photo"] = "removed"
    if not changes:
        return leader
    leader.save()
    record(actor, "floor_leader.updated", leader, **changes)
    if old_photo:
        storage = leader.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return leader
