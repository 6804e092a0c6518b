"""The notification service: every feature tells people through :func:`notify` and :func:`notify_groups`.

``notify`` records, in one ``INSERT … SELECT`` per channel, one :class:`~.models.Message` per
recipient and channel the person has not switched off, skipping any (user, channel, key) that
already exists — that unique constraint is the idempotency. In-app messages are visible at once;
e-mail messages are sent by a background task enqueued when the transaction commits, which
applies quiet hours and the daily digest (``louwei.notifications.delivery``). The enqueue is
``robust``: if the task queue is down, the caller's commit still stands, and the periodic jobs
(``release_quiet`` every 5 minutes, ``retry_failed`` every minute) pick up what is still queued.

``notify_groups`` does the same for the group-chat robots (WeCom, DingTalk) of a building and its
floors, one :class:`~.models.GroupMessage` per (endpoint, key).

The other functions here are the people's own actions (mark read, preferences) and the staff's
(webhook endpoints), each with a keyword-only ``actor``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from louwei import access
from louwei.core import audit

from . import events
from .models import (
    Channel,
    DigestMode,
    GroupMessage,
    Message,
    NotificationSettings,
    Preference,
    Status,
    WebhookEndpoint,
)

_INSERT_COLUMNS = (
    "user_id", "event", "channel", "title", "body", "url", "key", "building_id", "created_at", "read_at",
    "status", "for_digest", "attempts", "next_attempt_at", "last_error", "sent_at",
)


def _recipient_ids(recipients) -> QuerySet:
    """A queryset of user ids for a User queryset, or for an iterable of users or user ids."""
    User = get_user_model()
    if isinstance(recipients, QuerySet):
        if recipients.model is not User:
            raise TypeError("notify(): recipients must be a queryset of users")
        return recipients.values("pk")
    ids = [getattr(r, "pk", r) for r in recipients]
    return User.objects.filter(pk__in=ids).values("pk")


def _clip(text: str, length: int) -> str:
    text = str(text or "")
    return text if len(text) <= length else text[: length - 1] + "…"


@transaction.atomic
def notify(*, event: str, recipients, title: str, body: str = "", url: str = "", key: str,
           actor=None, building=None) -> int:
    """Queue one message per (recipient, channel) for ``event``; return how many were queued.

    A constant number of queries whatever the number of recipients: one ``INSERT … SELECT`` per
    channel, with the person's preferences and the idempotency key applied inside the database.
    ``actor`` is who caused the event (kept for the log; an actor who is also a recipient is told too).
    ``building`` (optional) lets staff find the messages in the building's delivery log."""
    kind = events.lookup(event)
    if not key:
        raise ValueError("notify(): an idempotency key is required")
    User = get_user_model()
    now = timezone.now()
    title = _clip(title, 200)
    url = _clip(url, 500)
    key = _clip(key, 200)
    ids = _recipient_ids(recipients)
    queued = 0
    email_queued = 0
    for channel in events.PERSONAL_CHANNELS:
        users = User.objects.filter(pk__in=ids, is_active=True)
        choice = Preference.objects.filter(user=OuterRef("pk"), event=event, channel=channel)
        if channel in kind.default_channels:
            users = users.exclude(Exists(choice.filter(enabled=False)))
        else:
            users = users.filter(Exists(choice.filter(enabled=True)))
        if channel == Channel.EMAIL:
            users = users.exclude(email="")
        count = _insert_messages(
            users.values("pk"),
            event=event, channel=channel, title=title, body=body, url=url, key=key,
            building_id=getattr(building, "pk", building), now=now,
        )
        queued += count
        if channel == Channel.EMAIL:
            email_queued += count
    if email_queued:
        from .tasks import deliver_emails

        transaction.on_commit(lambda: deliver_emails.enqueue(key=key), robust=True)
    return queued


def _insert_messages(user_ids: QuerySet, *, event, channel, title, body, url, key, building_id, now) -> int:
    """``INSERT INTO message (…) SELECT … FROM (user ids) ON CONFLICT DO NOTHING``; rows inserted."""
    qn = connection.ops.quote_name
    select_sql, select_params = user_ids.order_by().query.get_compiler(connection=connection).as_sql()
    users_table = qn(user_ids.model._meta.db_table)
    pk = qn(user_ids.model._meta.pk.column)
    inbox = channel == Channel.INBOX
    at = connection.ops.adapt_datetimefield_value(now)
    values = [
        event, channel, title, body, url, key, building_id, at, None,
        Status.SENT if inbox else Status.QUEUED, False, 0, None, "", at if inbox else None,
    ]
    table = qn(Message._meta.db_table)
    columns = ", ".join(qn(c) for c in _INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(values))
    # SQLite needs the WHERE in an INSERT … SELECT before ON CONFLICT (its parser would read ON as a join).
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT recipient.{pk}, {placeholders} "
        f"FROM {users_table} recipient WHERE recipient.{pk} IN ({select_sql}) "
        f"ON CONFLICT ({qn('user_id')}, {qn('channel')}, {qn('key')}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *select_params])
        return max(cursor.rowcount, 0)


def endpoints_for(building, floors=()) -> QuerySet:
    """The active robots to tell: the building's own, and those of ``floors`` (all floors when empty)."""
    endpoints = WebhookEndpoint.objects.filter(building=building, active=True)
    floor_ids = [getattr(f, "pk", f) for f in floors]
    if floor_ids:
        endpoints = endpoints.filter(Q(floor__isnull=True) | Q(floor__in=floor_ids))
    return endpoints


@transaction.atomic
def notify_groups(*, event: str, building, floors=(), title: str, body: str = "", url: str = "", key: str) -> int:
    """Queue one message per active group-chat robot of ``building`` (and of ``floors``); return how many.

    With no ``floors`` the event concerns the whole building: every robot of the building is told
    (the building's group and each floor's group). With ``floors``, the building's own robots and
    those of the given floors. The same ``key`` never reaches the same robot twice."""
    events.lookup(event)
    if not key:
        raise ValueError("notify_groups(): an idempotency key is required")
    endpoint_ids = list(endpoints_for(building, floors).values_list("pk", flat=True))
    if not endpoint_ids:
        return 0
    key = _clip(key, 200)
    already = set(
        GroupMessage.objects.filter(key=key, endpoint_id__in=endpoint_ids).values_list("endpoint_id", flat=True)
    )
    new = [
        GroupMessage(endpoint_id=pk, event=event, title=_clip(title, 200), body=body, url=_clip(url, 500), key=key)
        for pk in endpoint_ids if pk not in already
    ]
    GroupMessage.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        from .tasks import deliver_group_messages

        transaction.on_commit(lambda: deliver_group_messages.enqueue(key=key), robust=True)
    return len(new)


# --- The person's own actions ------------------------------------------------------------------


def mark_read(*, actor, message_id: int) -> bool:
    """Mark one of the actor's inbox messages read. False when it was not theirs or already read.

    Reading one's own inbox is not audited: it changes nothing anybody else sees."""
    access.require_signed_in(actor)
    return bool(
        Message.objects.filter(pk=message_id, user=actor, channel=Channel.INBOX, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def mark_all_read(*, actor) -> int:
    """Mark all the actor's unread inbox messages read; how many."""
    access.require_signed_in(actor)
    return Message.objects.filter(user=actor, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def settings_for(user) -> NotificationSettings:
    """The person's quiet hours and digest mode (unsaved defaults when they never chose)."""
    try:
        return user.notification_settings
    except NotificationSettings.DoesNotExist:
        return NotificationSettings(user=user)


@transaction.atomic
def save_preferences(*, actor, choices: dict[tuple[str, str], bool], quiet_start: datetime.time | None = None,
                     quiet_end: datetime.time | None = None, email_digest: str = DigestMode.IMMEDIATE) -> None:
    """Save the actor's own choices: ``choices[(event, channel)] = enabled`` for registered kinds.

    Only choices that differ from the event's default are stored, so a later change of a default
    reaches everybody who never chose."""
    access.require_signed_in(actor)
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(_("Give both the start and the end of the quiet hours, or neither."))
    if quiet_start is not None and quiet_start == quiet_end:
        raise ValidationError(_("The quiet hours must not start and end at the same time."))
    if email_digest not in DigestMode.values:
        raise ValidationError(_("Choose how e-mail is sent."))
    keep, drop = [], Q(pk__in=[])
    for (event, channel), enabled in choices.items():
        kind = events.lookup(event)
        if channel not in events.PERSONAL_CHANNELS:
            raise ValidationError(_("Unknown channel."))
        if enabled == (channel in kind.default_channels):
            drop |= Q(event=event, channel=channel)
        else:
            keep.append(Preference(user=actor, event=event, channel=channel, enabled=enabled))
    Preference.objects.filter(user=actor).filter(drop).delete()
    Preference.objects.bulk_create(
        keep, update_conflicts=True, unique_fields=["user", "event", "channel"], update_fields=["enabled"]
    )
    NotificationSettings.objects.update_or_create(
        user=actor,
        defaults={"quiet_start": quiet_start, "quiet_end": quiet_end, "email_digest": email_digest},
    )
    audit.record(
        actor, "notifications.preferences_saved", actor,
        off=sorted(f"{p.event}:{p.channel}" for p in keep if not p.enabled),
        on=sorted(f"{p.event}:{p.channel}" for p in keep if p.enabled),
        quiet_start=quiet_start, quiet_end=quiet_end, email_digest=email_digest,
    )


def enabled_channels(user) -> dict[tuple[str, str], bool]:
    """The person's effective choice for every registered event kind and personal channel."""
    stored = {(p.event, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    result = {}
    for kind in events.all_kinds():
        for channel in events.PERSONAL_CHANNELS:
            result[(kind.kind, channel)] = stored.get((kind.kind, channel), channel in kind.default_channels)
    return result


# --- Staff: group-chat robots ------------------------------------------------------------------


def _require_building_edit(actor, building) -> None:
    access.require(actor, access.Action.BUILDING_EDIT, building)


@transaction.atomic
def save_endpoint(*, actor, building, endpoint: WebhookEndpoint | None = None, name: str, kind: str, url: str,
                  floor=None, secret: str = "", active: bool = True) -> WebhookEndpoint:
    """Create (``endpoint`` None) or change a group-chat robot of ``building``."""
    _require_building_edit(actor, building)
    if floor is not None and floor.building_id != building.pk:
        raise ValidationError(_("The floor is not in this building."))
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationError(_("The webhook address must start with https:// or http://."))
    from .delivery import webhook_host_allowed

    if not webhook_host_allowed(url):
        raise ValidationError(
            _("Only WeCom and DingTalk robot addresses are allowed (%(hosts)s)."),
            params={"hosts": ", ".join(settings.LOUWEI_WEBHOOK_HOSTS)},
        )
    creating = endpoint is None
    if creating:
        endpoint = WebhookEndpoint(building=building)
    elif endpoint.building_id != building.pk:
        raise PermissionDenied
    endpoint.name, endpoint.kind, endpoint.url, endpoint.floor = name, kind, url, floor
    endpoint.secret, endpoint.active = secret, active
    endpoint.full_clean()
    endpoint.save()
    audit.record(
        actor, "notifications.webhook_created" if creating else "notifications.webhook_changed", endpoint,
        building=building.code, kind=kind, floor=floor.code if floor else None, active=active,
    )
    return endpoint


def test_endpoint(*, actor, endpoint: WebhookEndpoint):
    """Send a test message to a robot now; returns the delivery attempt (``.ok``, ``.error``)."""
    from . import delivery

    _require_building_edit(actor, endpoint.building)
    attempt = delivery.post_test(endpoint, sender=actor)
    audit.record(actor, "notifications.webhook_tested", endpoint, ok=attempt.ok, status_code=attempt.status_code)
    return attempt
