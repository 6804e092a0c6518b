"""State changes of notices and policies: drafts, edits, scheduling, publication, withdrawal,
attachments, read receipts, relays by floor leaders and reminders.

One function per user action; each takes a keyword-only ``actor``, runs in one transaction and writes
one audit event. Bad input raises ``ValidationError`` with a translated message. Each asks
``louwei.notices.permissions`` (which puts the question to ``louwei.access``) before it changes
anything, whoever calls it (a page, the API, the scheduler with ``access.SYSTEM``): NOTICE_WRITE on
the notice's building or district for the staff actions (:func:`_require_write`), a receiving
enterprise's person for ``mark_read``, the floor's leader for ``record_relay``.

Publication resolves the audience in bulk: one ``INSERT ... SELECT`` of the deliveries from
:func:`louwei.notices.queries.audience_queryset`, so its query count does not grow with the audience.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.access import Action
from louwei.buildings.models import Building, Enterprise, Floor, Industry, Occupancy, PartyCommittee, PartyOrganisation
from louwei.core.audit import record, record_many

from . import permissions
from .models import (
    Attachment,
    AudienceRule,
    Delivery,
    Notice,
    NoticeKind,
    NoticeStatus,
    Read,
    Relay,
    RelayMethod,
)
from .queries import AudienceSpec, audience_queryset, people_of, spec_of
from .signals import notice_changed, notice_published, notice_withdrawn

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
TEXT_FIELDS = ("kind", "title", "body", "issuing_body", "document_number", "effective_on", "expires_on", "topic")
AUDIENCE_FIELDS = ("buildings", "floors", "industries", "min_employees", "max_employees", "party_organisations",
                   "enterprises")


class NoticeMovedOn(ValidationError):
    """The notice is no longer in the state the action needs: it was published, withdrawn or taken
    off the schedule meanwhile (another tab, a colleague, the scheduler). Pages say so and show the
    notice as it is now."""


def _moved_on(notice: Notice, otherwise: str) -> NoticeMovedOn:
    """The refusal for an action ``notice``'s status no longer allows; ``otherwise`` for a draft or a
    scheduled notice."""
    if notice.status == NoticeStatus.PUBLISHED:
        return NoticeMovedOn(_("This notice is already published."), code="published")
    if notice.status == NoticeStatus.WITHDRAWN:
        return NoticeMovedOn(_("This notice is already withdrawn."), code="withdrawn")
    return NoticeMovedOn(otherwise, code=notice.status)


# ----------------------------------------------------------------------------------------------
# Checks


def _clean_text(fields: dict) -> dict:
    cleaned = {k: v for k, v in fields.items() if k in TEXT_FIELDS}
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown notice fields {sorted(unknown)}")
    for key in ("title", "body", "issuing_body", "document_number", "topic"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationError({"title": _("A notice needs a title.")})
    if "kind" in cleaned and cleaned["kind"] not in NoticeKind.values:
        raise ValidationError({"kind": _("Choose a notice or a policy.")})
    return cleaned


def _check_dates(notice: Notice) -> None:
    if notice.effective_on and notice.expires_on and notice.expires_on < notice.effective_on:
        raise ValidationError({"expires_on": _("A policy cannot expire before it takes effect.")})


def _clean_audience(notice: Notice, audience: dict) -> dict:
    """Check an audience against the notice's scope; returns the cleaned values."""
    unknown = set(audience) - set(AUDIENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown audience fields {sorted(unknown)}")
    buildings = list(audience.get("buildings") or [])
    floors = list(audience.get("floors") or [])
    enterprises = list(audience.get("enterprises") or [])
    industries = sorted(set(audience.get("industries") or []))
    kinds = sorted(set(audience.get("party_organisations") or []))
    low, high = audience.get("min_employees"), audience.get("max_employees")
    errors = {}
    for building in buildings:
        if building.party_committee_id != notice.party_committee_id or (
            notice.building_id and building.pk != notice.building_id
        ):
            errors["buildings"] = _("Choose buildings inside the notice's own scope.")
    for floor in floors:
        building = floor.building
        if building.party_committee_id != notice.party_committee_id or (
            notice.building_id and building.pk != notice.building_id
        ):
            errors["floors"] = _("Choose floors inside the notice's own scope.")
    if set(industries) - set(Industry.values):
        errors["industries"] = _("Unknown industry section.")
    if set(kinds) - set(PartyOrganisation.values):
        errors["party_organisations"] = _("Unknown kind of Party organisation.")
    if low is not None and high is not None and low > high:
        errors["max_employees"] = _("The upper bound is below the lower bound.")
    if (low is not None and low < 0) or (high is not None and high < 0):
        errors["min_employees"] = _("Employee counts cannot be negative.")
    if errors:
        raise ValidationError(errors)
    return {
        "buildings": buildings, "floors": floors, "enterprises": enterprises, "industries": industries,
        "party_organisations": kinds, "min_employees": low, "max_employees": high,
    }


def _check_named_enterprises(actor, enterprises) -> None:
    if not enterprises or actor is None:
        return
    ids = {e.pk for e in enterprises}
    allowed = set(access.enterprises(actor, Action.ENTERPRISE_VIEW).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        raise ValidationError({"enterprises": _("You may only name enterprises you can see.")})


def _save_audience(rule: AudienceRule, values: dict) -> None:
    rule.industries = values["industries"]
    rule.party_organisations = values["party_organisations"]
    rule.min_employees = values["min_employees"]
    rule.max_employees = values["max_employees"]
    rule.save()
    rule.buildings.set(values["buildings"])
    rule.floors.set(values["floors"])
    rule.enterprises.set(values["enterprises"])


def _audience_details(values: dict) -> dict:
    return {
        "buildings": [b.pk for b in values["buildings"]], "floors": [f.pk for f in values["floors"]],
        "enterprises": [e.pk for e in values["enterprises"]], "industries": values["industries"],
        "party_organisations": values["party_organisations"], "min_employees": values["min_employees"],
        "max_employees": values["max_employees"],
    }


def spec_for(scope, audience: dict) -> AudienceSpec:
    """An unsaved audience as a spec, for the preview before publishing (``scope`` is the notice's
    building or district)."""
    if isinstance(scope, Building):
        district_id, building_id = scope.party_committee_id, scope.pk
    else:
        district_id, building_id = scope.pk, None
    return AudienceSpec(
        party_committee_id=district_id,
        building_id=building_id,
        building_ids=[b.pk for b in audience.get("buildings") or []],
        floors=[(f.pk, f.building_id) for f in audience.get("floors") or []],
        industries=list(audience.get("industries") or []),
        min_employees=audience.get("min_employees"),
        max_employees=audience.get("max_employees"),
        party_organisations=list(audience.get("party_organisations") or []),
        enterprise_ids=[e.pk for e in audience.get("enterprises") or []],
    )


def _require_write(actor, notice: Notice) -> None:
    """NOTICE_WRITE on the notice's building or district, else ``PermissionDenied``."""
    if not permissions.may_write_notice(actor, notice):
        raise PermissionDenied(Action.NOTICE_WRITE)


def _send_on_commit(signal, notice) -> None:
    transaction.on_commit(lambda: signal.send(sender=Notice, notice=notice))


# ----------------------------------------------------------------------------------------------
# Drafts and edits


@transaction.atomic
def create_draft(*, actor, scope: Building | PartyCommittee, title: str, audience: dict | None = None,
                 **fields) -> Notice:
    """A new draft notice (or policy) of ``scope``: a building (the committee's notice) or a district."""
    if isinstance(scope, Building):
        owner = {"party_committee_id": scope.party_committee_id, "building": scope}
    elif isinstance(scope, PartyCommittee):
        owner = {"party_committee": scope, "building": None}
    else:
        raise TypeError("a notice belongs to a building or a district")
    if not permissions.may_write(actor, scope):
        raise PermissionDenied(Action.NOTICE_WRITE)
    cleaned = _clean_text({"title": title, **fields})
    notice = Notice(created_by=actor if getattr(actor, "is_authenticated", False) else None, **owner, **cleaned)
    _check_dates(notice)
    values = _clean_audience(notice, audience or {})
    _check_named_enterprises(actor, values["enterprises"])
    notice.save()
    _save_audience(AudienceRule(notice=notice), values)
    record(actor, "notice.created", notice, kind=notice.kind, title=notice.title, audience=_audience_details(values))
    _send_on_commit(notice_changed, notice)
    return notice


@transaction.atomic
def update(*, actor, notice: Notice, audience: dict | None = None, **fields) -> Notice:
    """Change a notice's text (any time before withdrawal) and its audience (only before publication).
    The field history is kept by django-simple-history; the audit record names the changed fields."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be changed."))
    cleaned = _clean_text(fields)
    changes = {}
    for key, value in cleaned.items():
        old = getattr(notice, key)
        if old != value:
            changes[key] = {"from": old, "to": value}
            setattr(notice, key, value)
    _check_dates(notice)
    if audience is not None:
        if notice.status == NoticeStatus.PUBLISHED:
            raise ValidationError(_("The audience of a published notice cannot be changed."))
        values = _clean_audience(notice, audience)
        _check_named_enterprises(actor, values["enterprises"])
        rule, _created = AudienceRule.objects.get_or_create(notice=notice)
        before = _audience_details({
            "buildings": list(rule.buildings.all()), "floors": list(rule.floors.all()),
            "enterprises": list(rule.enterprises.all()), "industries": rule.industries,
            "party_organisations": rule.party_organisations, "min_employees": rule.min_employees,
            "max_employees": rule.max_employees,
        })
        after = _audience_details(values)
        if before != after:
            _save_audience(rule, values)
            changes["audience"] = {"from": before, "to": after}
    if not changes:
        return notice
    notice._change_reason = ", ".join(sorted(changes))
    notice.save()
    record(actor, "notice.updated", notice, **changes)
    _send_on_commit(notice_changed, notice)
    return notice


# ----------------------------------------------------------------------------------------------
# Scheduling and publication


@transaction.atomic
def schedule(*, actor, notice: Notice, publish_at) -> Notice:
    """Publish the draft at ``publish_at`` (in the future); the periodic job ``notices.publish_due``
    publishes it then."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED):
        raise _moved_on(notice, _("Only a draft can be scheduled."))
    if publish_at is None or publish_at <= timezone.now():
        raise ValidationError({"publish_at": _("Choose a time in the future.")})
    notice.status = NoticeStatus.SCHEDULED
    notice.publish_at = publish_at
    notice.save(update_fields=["status", "publish_at", "updated_at"])
    record(actor, "notice.scheduled", notice, publish_at=publish_at)
    return notice


@transaction.atomic
def unschedule(*, actor, notice: Notice) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status != NoticeStatus.SCHEDULED:
        raise _moved_on(notice, _("This notice is not scheduled."))
    notice.status = NoticeStatus.DRAFT
    notice.publish_at = None
    notice.save(update_fields=["status", "publish_at", "updated_at"])
    record(actor, "notice.unscheduled", notice)
    return notice


def _insert_deliveries(notice: Notice, enterprises, now) -> int:
    """One INSERT ... SELECT of the deliveries (no loop over the audience). Returns the rows inserted."""
    sql, params = enterprises.order_by().values("id").query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notice_id, enterprise_id, delivered_at) "  # noqa: S608 (our own SQL)
            f"SELECT %s, audience.id, %s FROM ({sql}) audience",
            [notice.pk, when, *params],
        )
        return cursor.rowcount


def _places(notice: Notice, spec: AudienceSpec) -> list[tuple[Building, list[Floor]]]:
    """The buildings (with the chosen floors in each) a notice targets, for the group-chat robots."""
    floors = list(Floor.objects.filter(pk__in=[f for f, _b in spec.floors]).select_related("building"))
    building_ids = set(spec.building_ids) | {f.building_id for f in floors}
    if not building_ids:
        if notice.building_id:
            building_ids = {notice.building_id}
        else:
            building_ids = set(Building.objects.filter(party_committee_id=notice.party_committee_id)
                               .values_list("pk", flat=True))
    result = []
    for building in Building.objects.filter(pk__in=building_ids).order_by("code"):
        result.append((building, [f for f in floors if f.building_id == building.pk]))
    return result


def notice_url(notice: Notice) -> str:
    from django.urls import reverse

    return reverse("notices:detail", args=[notice.pk])


def _announce(notice: Notice, spec: AudienceSpec) -> None:
    """After the commit: the signal, the personal notifications and the group-chat robots."""
    from louwei.notifications import services as notifications

    notice_published.send(sender=Notice, notice=notice)
    recipients = people_of(Enterprise.objects.filter(notice_deliveries__notice=notice))
    title = notice.title
    url = notice_url(notice)
    notifications.notify(
        event="notice.published", recipients=recipients, title=title, body=notice.body[:200], url=url,
        key=f"notice:{notice.pk}:published", actor=None, building=notice.building,
    )
    for building, floors in _places(notice, spec):
        notifications.notify_groups(
            event="notice.published", building=building, floors=floors, title=title, body=notice.body[:200],
            url=url, key=f"notice:{notice.pk}:published",
        )


@transaction.atomic
def publish(*, actor, notice: Notice, now=None) -> Notice:
    """Publish now: the deliveries are inserted in bulk, then (after the commit) the signal and the
    notifications go out. A constant number of queries, whatever the audience."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED):
        raise _moved_on(notice, _("Only a draft or a scheduled notice can be published."))
    rule, _created = AudienceRule.objects.get_or_create(notice=notice)
    rule.notice = notice
    spec = spec_of(rule)
    reached = _insert_deliveries(notice, audience_queryset(spec), now)
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = now
    notice.save(update_fields=["status", "published_at", "updated_at"])
    record(actor, "notice.published", notice, deliveries=reached, scheduled_for=notice.publish_at)
    transaction.on_commit(lambda: _announce(notice, spec))
    return notice


def publish_due(now=None) -> list[int]:
    """Publish every scheduled notice whose time has come (the periodic job). Returns their ids."""
    now = now or timezone.now()
    published = []
    for pk in Notice.objects.filter(status=NoticeStatus.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        notice = Notice.objects.get(pk=pk)
        try:
            publish(actor=access.SYSTEM, notice=notice, now=now)
        except ValidationError:
            continue  # published or withdrawn meanwhile
        published.append(pk)
    return published


@transaction.atomic
def withdraw(*, actor, notice: Notice, reason: str = "") -> Notice:
    """Withdraw a published notice: it stays on record with its deliveries, enterprises no longer see it,
    staff see it as withdrawn."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status != NoticeStatus.PUBLISHED:
        raise _moved_on(notice, _("Only a published notice can be withdrawn."))
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.withdrawn_reason = (reason or "").strip()[:200]
    notice.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    record(actor, "notice.withdrawn", notice, reason=notice.withdrawn_reason)
    _send_on_commit(notice_withdrawn, notice)
    return notice


@transaction.atomic
def delete_draft(*, actor, notice: Notice) -> None:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require_write(actor, notice)
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED):
        raise ValidationError(_("Only a draft can be deleted; withdraw a published notice instead."))
    record(actor, "notice.deleted", notice, title=notice.title)
    for attachment in notice.attachments.all():
        attachment.file.delete(save=False)
    notice.delete()


# ----------------------------------------------------------------------------------------------
# Attachments

OOXML = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def _signature_matches(extension: str, head: bytes, upload) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("doc", "xls", "ppt"):
        return head.startswith(OLE2)
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension in OOXML:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(OOXML[extension]) for n in names)
    return False


def check_attachment(upload) -> tuple[str, str]:
    """Refuse a file that is too large, of a type not allowed, or whose content does not match its
    extension. Returns (safe file name, content type)."""
    name = PurePath(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError({"file": _("Attach PDF, Word, Excel, PowerPoint or image files only.")})
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("Each attachment may be at most 20 MB.")})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _signature_matches(extension, head, upload):
        raise ValidationError({"file": _("The file's content does not match its type.")})
    return name[-200:], ATTACHMENT_TYPES[extension]


@transaction.atomic
def add_attachment(*, actor, notice: Notice, upload) -> Attachment:
    _require_write(actor, notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be changed."))
    name, content_type = check_attachment(upload)
    attachment = Attachment(notice=notice, name=name, size=upload.size, content_type=content_type,
                            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
        record(actor, "notice.attachment_added", notice, name=name, size=attachment.size)
    except Exception:
        attachment.file.delete(save=False)
        raise
    _send_on_commit(notice_changed, notice)
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment: Attachment) -> None:
    notice = attachment.notice
    _require_write(actor, notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError(_("A withdrawn notice cannot be changed."))
    record(actor, "notice.attachment_removed", notice, name=attachment.name)
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    _send_on_commit(notice_changed, notice)


# ----------------------------------------------------------------------------------------------
# Enterprise people and floor leaders


@transaction.atomic
def mark_read(*, actor, notice: Notice) -> Read | None:
    """``actor`` (a contact or employee of a receiving enterprise) opened the notice. Records their
    first read, and the delivery's first reader once. None when they had read it already."""
    own = permissions.enterprise_ids(actor)
    delivery = (
        Delivery.objects.select_for_update()
        .filter(notice=notice, enterprise_id__in=own, notice__status=NoticeStatus.PUBLISHED)
        .order_by("pk").first()
    )
    if delivery is None:
        raise PermissionDenied("notice not delivered to this person")
    read, created = Read.objects.get_or_create(delivery=delivery, user=actor, defaults={"read_at": timezone.now()})
    if not created:
        return None
    if delivery.first_read_at is None:
        delivery.first_read_at = read.read_at
        delivery.first_read_by = actor
        delivery.save(update_fields=["first_read_at", "first_read_by"])
    record(actor, "notice.read", notice, enterprise=delivery.enterprise_id, first=delivery.first_read_by_id == actor.pk)
    return read


def _floor_of(delivery: Delivery, actor) -> Floor | None:
    """The actor's floor on which the delivered enterprise currently is."""
    ids = [f.pk for f in permissions.relay_floors(actor)]
    floor_id = (
        Occupancy.objects.current().filter(enterprise_id=delivery.enterprise_id, unit__floor_id__in=ids)
        .values_list("unit__floor_id", flat=True).first()
    )
    return Floor.objects.get(pk=floor_id) if floor_id else None


@transaction.atomic
def record_relay(*, actor, delivery: Delivery, method: str, note: str = "") -> Relay:
    """The floor leader of the enterprise's floor passed the notice on (in person, by phone, by chat)."""
    floor = _floor_of(delivery, actor)
    if floor is None or not permissions.may_relay(actor, floor):
        raise PermissionDenied("not the floor leader of this enterprise")
    if delivery.notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published notice can be relayed."))
    if method not in RelayMethod.values:
        raise ValidationError({"method": _("Choose how you passed it on.")})
    relay = Relay.objects.create(delivery=delivery, floor_leader=actor, floor=floor, method=method,
                                 note=(note or "").strip()[:300], at=timezone.now())
    record(actor, "notice.relayed", delivery.notice, enterprise=delivery.enterprise_id, floor=floor.code,
           method=method)
    return relay


@transaction.atomic
def remind_unread(*, actor, notice: Notice) -> int:
    """Remind the people of the enterprises that have not read the notice yet. A writer of the notice
    reminds all of them; a floor leader those on their floors. Once a day per notice and person
    (the idempotency key carries the date). Returns how many messages were queued."""
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError(_("Only a published notice can be reminded of."))
    unread = Delivery.objects.filter(notice=notice, first_read_at__isnull=True)
    if permissions.may_write_notice(actor, notice):
        scope = "all"
    else:
        floor_ids = [f.pk for f in permissions.relay_floors(actor)]
        if not floor_ids:
            raise PermissionDenied("may not remind")
        on_floors = Occupancy.objects.current().filter(unit__floor_id__in=floor_ids).values("enterprise_id")
        unread = unread.filter(enterprise_id__in=on_floors)
        scope = "floors:" + ",".join(map(str, sorted(floor_ids)))
    recipients = people_of(Enterprise.objects.filter(pk__in=unread.values("enterprise_id")))
    from louwei.notifications import services as notifications

    queued = notifications.notify(
        event="notice.reminder", recipients=recipients,
        title=_("Reminder: %(title)s") % {"title": notice.title}, body=notice.body[:200], url=notice_url(notice),
        key=f"notice:{notice.pk}:reminder:{timezone.localdate().isoformat()}:{scope}", actor=actor,
        building=notice.building,
    )
    record(actor, "notice.reminded", notice, scope=scope, queued=queued)
    return queued


# ----------------------------------------------------------------------------------------------
# Move-in


def current_notices_q(on=None) -> Q:
    on = on or timezone.localdate()
    return Q(status=NoticeStatus.PUBLISHED) & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))


@transaction.atomic
def deliver_current_notices(enterprise: Enterprise) -> int:
    """Deliver to an enterprise that just moved in the still-current notices whose audience now
    includes it (and that it has not received yet). The receiver of ``buildings`` ``occupancy_started``.
    Returns how many were delivered."""
    return deliver_current_notices_to([enterprise.pk])


@transaction.atomic
def deliver_current_notices_to(enterprise_ids) -> int:
    """:func:`deliver_current_notices` for many newcomers at once (a roster import): one query for
    the candidate notices of their districts, then a few per candidate notice, whatever the number
    of enterprises. Returns how many deliveries were made."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return 0
    districts = Occupancy.objects.current().filter(enterprise_id__in=ids).values(
        "unit__floor__building__party_committee_id"
    )
    candidates = Notice.objects.filter(current_notices_q(), party_committee_id__in=districts).select_related("audience")
    now = timezone.now()
    delivered: list[Delivery] = []
    reached: dict[int, list[int]] = {}  # notice → enterprises
    for notice in candidates:
        try:
            rule = notice.audience
        except AudienceRule.DoesNotExist:
            continue
        rule.notice = notice
        newcomers = list(
            audience_queryset(rule)
            .filter(pk__in=ids)
            .exclude(notice_deliveries__notice=notice)
            .values_list("pk", flat=True)
        )
        if newcomers:
            reached[notice.pk] = newcomers
            delivered += [Delivery(notice=notice, enterprise_id=pk, delivered_at=now) for pk in newcomers]
    if not delivered:
        return 0
    Delivery.objects.bulk_create(delivered, ignore_conflicts=True)
    per_enterprise: dict[int, list[int]] = {}
    for delivery in delivered:
        per_enterprise.setdefault(delivery.enterprise_id, []).append(delivery.notice_id)
    enterprises = Enterprise.objects.in_bulk(list(per_enterprise))
    record_many(
        None,
        [
            ("notice.delivered_on_move_in", enterprises[pk], {"notices": notices})
            for pk, notices in per_enterprise.items()
        ],
    )
    notices = {delivery.notice_id: delivery.notice for delivery in delivered}

    def announce():
        from louwei.notifications import services as notifications

        for notice_id, newcomers in reached.items():
            notice = notices[notice_id]
            notifications.notify(
                event="notice.published", recipients=people_of(Enterprise.objects.filter(pk__in=newcomers)),
                title=notice.title, body=notice.body[:200], url=notice_url(notice),
                key=f"notice:{notice.pk}:published", building=notice.building,
            )

    transaction.on_commit(announce)
    return len(delivered)


def occupancy_started(sender, enterprise=None, occupancy=None, **kwargs) -> None:
    """Receiver for ``louwei.buildings.signals.occupancy_started`` (the lead connects it)."""
    if enterprise is None and occupancy is not None:
        enterprise = occupancy.enterprise
    if enterprise is not None:
        deliver_current_notices(enterprise)


def occupancies_started(sender, occupancies=(), **kwargs) -> None:
    """Receiver for ``louwei.buildings.signals.occupancies_started`` (a roster import's newcomers)."""
    deliver_current_notices_to(occupancy.enterprise_id for occupancy in occupancies)


def deliver_to_todays_newcomers(on=None) -> int:
    """Deliver the still-current notices to enterprises whose move-in starts today: a move-in
    recorded in advance was not current when it was saved. The daily job ``notices.newcomers``."""
    on = on or timezone.localdate()
    newcomers = Enterprise.objects.filter(
        pk__in=Occupancy.objects.current(on).filter(started_on=on).values("enterprise_id")
    )
    total = 0
    for enterprise in newcomers:
        with transaction.atomic():
            total += deliver_current_notices(enterprise)
    return total
